//! Where desired SQL runs: MySQL DDL commits as it goes, so a transaction
//! cannot keep a database clean; a database of its own does. By default a
//! temporary database on the target server, with the target database's
//! character set and collation (what tables inherit), dropped afterwards
//! even on error; ones a killed process left behind are swept once
//! abandoned. With `dev_url`: that database, which must be empty and is
//! emptied again afterwards.

use std::time::Duration;

use sqlx::mysql::MySqlConnection;
use sqlx::{Connection, Executor, Row};

use super::connect::{self, Server};
use super::ident::quote;
use crate::engine::error::{database_message, EngineError};
use crate::engine::postgres::{
    new_temporary_database_name, temporary_database_created_at, unix_seconds, TEMPORARY_DATABASE_PREFIX,
};
use crate::engine::url::DatabaseUrl;

/// A temporary database this old with nobody connected to it belongs to a
/// process that is gone.
pub const ABANDONED_AFTER: Duration = Duration::from_secs(10 * 60);

/// A database desired SQL may run in, and how to give it back.
pub struct Scratch {
    pub conn: MySqlConnection,
    pub server: Server,
    pub label: String,
    /// The temporary database to drop, through `admin`; `None` for a dev database.
    temporary: Option<(String, MySqlConnection)>,
}

impl Scratch {
    /// `target`: the server to make a temporary database on when `dev` is `None`.
    pub async fn acquire(target: Option<&DatabaseUrl>, dev: Option<&DatabaseUrl>) -> Result<Scratch, EngineError> {
        if let Some(dev) = dev {
            let (mut conn, server) = connect::open(dev).await?;
            let label = dev.redacted();
            let objects = objects(&mut conn, &label).await?;
            if !objects.is_empty() {
                let _ = conn.close().await;
                return Err(EngineError::DevDatabaseNotEmpty {
                    url: label,
                    objects: objects.join(", "),
                });
            }
            return Ok(Scratch {
                conn,
                server,
                label,
                temporary: None,
            });
        }
        let Some(target) = target else {
            return Err(EngineError::DevDatabase {
                url: "mysql".to_string(),
                reason: "no target database to make a temporary one next to".to_string(),
            });
        };
        let options = connect::options(target)?;
        let (mut admin, _) = connect::connect(&options).await?;
        let failed = |e: sqlx::Error| EngineError::DevDatabase {
            url: target.redacted(),
            reason: database_message(&e),
        };
        sweep_abandoned(&mut admin).await;
        let collation: String = sqlx::query(
            "SELECT DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = DATABASE()",
        )
        .fetch_one(&mut admin)
        .await
        .and_then(|row| row.try_get(0))
        .map_err(failed)?;
        let name = new_temporary_database_name();
        admin
            .execute(sqlx::raw_sql(&format!(
                "CREATE DATABASE {} COLLATE {collation}",
                quote(&name)
            )))
            .await
            .map_err(failed)?;
        let scratch = options.database(&name);
        match connect::connect(&scratch).await {
            Ok((conn, server)) => Ok(Scratch {
                conn,
                server,
                label: format!("{} (temporary database {name})", target.redacted()),
                temporary: Some((name, admin)),
            }),
            Err(error) => {
                let _ = drop_database(&mut admin, &name).await;
                Err(error)
            }
        }
    }

    /// Drops the temporary database, or empties the dev database.
    pub async fn release(self) -> Result<(), EngineError> {
        let Scratch {
            mut conn,
            label,
            temporary,
            ..
        } = self;
        match temporary {
            Some((name, mut admin)) => {
                let _ = conn.close().await;
                let dropped = drop_database(&mut admin, &name).await;
                let _ = admin.close().await;
                dropped.map_err(|e| EngineError::DevDatabase {
                    url: label,
                    reason: format!("dropping the temporary database {name}: {}", database_message(&e)),
                })
            }
            None => {
                let emptied = empty(&mut conn, &label).await;
                let _ = conn.close().await;
                emptied
            }
        }
    }
}

async fn drop_database(admin: &mut MySqlConnection, name: &str) -> Result<(), sqlx::Error> {
    admin
        .execute(sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {}", quote(name))))
        .await
        .map(|_| ())
}

/// Drops temporary databases nobody uses that are older than [`ABANDONED_AFTER`].
async fn sweep_abandoned(admin: &mut MySqlConnection) {
    let rows = sqlx::query(
        "SELECT s.SCHEMA_NAME FROM information_schema.SCHEMATA s WHERE s.SCHEMA_NAME LIKE ? \
         AND NOT EXISTS (SELECT 1 FROM information_schema.PROCESSLIST p WHERE p.DB = s.SCHEMA_NAME)",
    )
    .bind(format!("{}%", TEMPORARY_DATABASE_PREFIX.replace('_', "\\_")))
    .fetch_all(&mut *admin)
    .await
    .unwrap_or_default();
    let now = unix_seconds();
    for row in rows {
        let Some(name) = super::inspect::text(&row, 0) else {
            continue;
        };
        if temporary_database_created_at(&name).is_some_and(|at| now.saturating_sub(at) > ABANDONED_AFTER.as_secs()) {
            let _ = drop_database(admin, &name).await;
        }
    }
}

/// What a database holds, as `table t`, `view v`, `procedure p`.
async fn objects(conn: &mut MySqlConnection, label: &str) -> Result<Vec<String>, EngineError> {
    let rows = sqlx::query(
        "SELECT CONCAT(IF(TABLE_TYPE = 'VIEW', 'view ', 'table '), TABLE_NAME) FROM information_schema.TABLES \
         WHERE TABLE_SCHEMA = DATABASE() \
         UNION ALL SELECT CONCAT(LOWER(ROUTINE_TYPE), ' ', ROUTINE_NAME) FROM information_schema.ROUTINES \
         WHERE ROUTINE_SCHEMA = DATABASE() ORDER BY 1",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(|e| EngineError::DevDatabase {
        url: label.to_string(),
        reason: database_message(&e),
    })?;
    Ok(rows.iter().filter_map(|row| super::inspect::text(row, 0)).collect())
}

/// Drops everything in the dev database (triggers go with their tables).
async fn empty(conn: &mut MySqlConnection, label: &str) -> Result<(), EngineError> {
    let failed = |e: sqlx::Error| EngineError::DevDatabase {
        url: label.to_string(),
        reason: format!("emptying the dev database: {}", database_message(&e)),
    };
    conn.execute("SET foreign_key_checks = 0").await.map_err(failed)?;
    for object in objects(conn, label).await? {
        let Some((kind, name)) = object.split_once(' ') else {
            continue;
        };
        let sql = format!("DROP {} IF EXISTS {}", kind.to_ascii_uppercase(), quote(name));
        conn.execute(sqlx::raw_sql(&sql)).await.map_err(failed)?;
    }
    conn.execute("SET foreign_key_checks = 1").await.map_err(failed)?;
    Ok(())
}
