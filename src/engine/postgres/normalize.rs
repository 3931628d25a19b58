//! Desired DDL → model: PostgreSQL parses and resolves it, we inspect what it
//! made. With a `dev_url` the DDL runs in a transaction that is rolled back, so
//! the dev database stays empty; without one, a temporary database is created
//! on the target server and dropped afterwards, also when something fails.
//! The plan's replay (replay.rs) uses its dev database and temporary
//! databases the same way, through [`begin_in_empty_dev`] and
//! [`TemporaryDatabase`].

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

use sqlx::postgres::{PgConnection, PgDatabaseError, PgErrorPosition, Postgres};
use sqlx::{Connection, Executor, Transaction};

use super::connect::{connect, options, pin_session, ServerOptions};
use super::ident::quote;
use super::inspect::inspect_connection;
use super::split::split_statements;
use crate::engine::error::{database_message, EngineError};
use crate::engine::model::Schema;
use crate::engine::url::DatabaseUrl;

/// Prefix of the temporary dev databases' names.
pub const TEMPORARY_DATABASE_PREFIX: &str = "tfalchemy_dev_";

/// `target`: the server to create a temporary database on when `dev` is `None`.
pub async fn normalize(
    target: Option<&DatabaseUrl>,
    dev: Option<&DatabaseUrl>,
    desired_sql: &str,
) -> Result<Schema, EngineError> {
    match (dev, target) {
        (Some(dev), _) => normalize_in_dev(dev, desired_sql).await,
        (None, Some(target)) => normalize_in_temporary(target, desired_sql).await,
        (None, None) => Err(EngineError::DevDatabase {
            url: "postgres".to_string(),
            reason: "there is no target server to create one on".to_string(),
        }),
    }
}

async fn normalize_in_dev(dev: &DatabaseUrl, desired_sql: &str) -> Result<Schema, EngineError> {
    let label = dev.redacted();
    let mut conn = super::connect::open(dev).await?;
    let mut tx = begin_in_empty_dev(&mut conn, &label).await?;
    run_script(&mut tx, &label, desired_sql).await?;
    pin_session(&mut tx, &label).await?;
    let (schema, _) = inspect_connection(&mut tx, &label).await?;
    // The rollback is what keeps the dev database empty; if it fails the
    // connection is gone, and the server rolls back on its own.
    let _ = tx.rollback().await;
    Ok(schema)
}

/// Checks the dev database behind `conn` is empty and opens the transaction
/// whose rollback keeps it so.
pub(super) async fn begin_in_empty_dev<'c>(
    conn: &'c mut PgConnection,
    label: &str,
) -> Result<Transaction<'c, Postgres>, EngineError> {
    let (existing, _) = inspect_connection(conn, label).await?;
    let extra = objects_beyond_a_new_database(&existing);
    if !extra.is_empty() {
        return Err(EngineError::DevDatabaseNotEmpty {
            url: label.to_string(),
            objects: extra.join(", "),
        });
    }
    conn.begin().await.map_err(|e| EngineError::Connect {
        url: label.to_string(),
        reason: database_message(&e),
    })
}

/// What a database holds beyond `public` and `plpgsql`, which every new one has.
fn objects_beyond_a_new_database(schema: &Schema) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    found.extend(
        schema
            .namespaces
            .keys()
            .filter(|n| *n != "public")
            .map(|n| format!("schema {n}")),
    );
    found.extend(
        schema
            .extensions
            .keys()
            .filter(|e| *e != "plpgsql")
            .map(|e| format!("extension {e}")),
    );
    found.extend(schema.tables.keys().map(|k| format!("table {k}")));
    found.extend(schema.views.keys().map(|k| format!("view {k}")));
    found.extend(schema.enums.keys().map(|k| format!("type {k}")));
    found.extend(schema.composites.keys().map(|k| format!("type {k}")));
    found.extend(schema.sequences.keys().map(|k| format!("sequence {k}")));
    found.extend(schema.routines.keys().map(|k| format!("routine {k}")));
    found
}

async fn normalize_in_temporary(target: &DatabaseUrl, desired_sql: &str) -> Result<Schema, EngineError> {
    let (temporary, mut conn) = TemporaryDatabase::create(target).await?;
    let label = temporary.label.clone();
    let result = async {
        run_script(&mut conn, &label, desired_sql).await?;
        pin_session(&mut conn, &label).await?;
        let (schema, _) = inspect_connection(&mut conn, &label).await?;
        Ok(schema)
    }
    .await;
    let _ = conn.close().await;
    let dropped = temporary.remove().await;
    let schema = result?;
    dropped?;
    Ok(schema)
}

/// A database created on a server for one piece of work and dropped after
/// it: by [`TemporaryDatabase::remove`], or when abandoned midway (a
/// cancelled Terraform operation drops the future) by its guard.
pub(super) struct TemporaryDatabase {
    server: String,
    admin_conn: PgConnection,
    guard: DropGuard,
    /// Names it in messages: the server's redacted URL and the database.
    pub label: String,
}

impl TemporaryDatabase {
    /// Creates an empty database on the server of `server` and connects to it.
    pub async fn create(server: &DatabaseUrl) -> Result<(TemporaryDatabase, PgConnection), EngineError> {
        let admin = options(server, None)?;
        let name = temporary_name();
        let label = format!("{} (temporary dev database {name})", server.redacted());
        let mut admin_conn = connect(&admin, &server.redacted()).await?;
        admin_conn
            .execute(format!("CREATE DATABASE {} TEMPLATE template0", quote(&name)).as_str())
            .await
            .map_err(|e| EngineError::DevDatabase {
                url: server.redacted(),
                reason: format!("CREATE DATABASE failed: {}", database_message(&e)),
            })?;
        let temporary = TemporaryDatabase {
            server: server.redacted(),
            admin_conn,
            guard: DropGuard {
                admin: admin.clone(),
                name: name.clone(),
                armed: true,
            },
            label,
        };
        match connect(&admin.database(&name), &temporary.label).await {
            Ok(conn) => Ok((temporary, conn)),
            Err(error) => {
                let _ = temporary.remove().await;
                Err(error)
            }
        }
    }

    /// Drops the database (its connections too).
    pub async fn remove(mut self) -> Result<(), EngineError> {
        let dropped = drop_database(&mut self.admin_conn, &self.guard.name).await;
        self.guard.armed = false;
        let _ = self.admin_conn.close().await;
        dropped.map_err(|e| EngineError::DevDatabase {
            url: self.server,
            reason: format!(
                "could not drop the temporary database {}: {}",
                self.guard.name,
                database_message(&e)
            ),
        })
    }
}

fn temporary_name() -> String {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    format!(
        "{TEMPORARY_DATABASE_PREFIX}{}_{:016x}",
        std::process::id(),
        hasher.finish()
    )
}

async fn drop_database(conn: &mut PgConnection, name: &str) -> Result<(), sqlx::Error> {
    conn.execute(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quote(name)).as_str())
        .await
        .map(|_| ())
}

/// Drops the temporary database if the work is abandoned midway.
struct DropGuard {
    admin: ServerOptions,
    name: String,
    armed: bool,
}

impl Drop for DropGuard {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let (admin, name) = (self.admin.clone(), self.name.clone());
        runtime.spawn(async move {
            if let Some(mut conn) = admin.connect_quietly().await {
                let _ = drop_database(&mut conn, &name).await;
                let _ = conn.close().await;
            }
        });
    }
}

/// Runs the statements one at a time so a failure names its statement.
/// Function bodies are checked when called, not when created (as pg_dump
/// does), so a function may read a table created after it.
async fn run_script(conn: &mut PgConnection, label: &str, sql: &str) -> Result<(), EngineError> {
    conn.execute("SET check_function_bodies = off")
        .await
        .map_err(|e| EngineError::Connect {
            url: label.to_string(),
            reason: database_message(&e),
        })?;
    for (position, statement) in split_statements(sql).iter().enumerate() {
        conn.execute(sqlx::raw_sql(statement.text)).await.map_err(|e| {
            EngineError::desired_statement_failed(label, position, statement, message_with_position(&e, statement.text))
        })?;
    }
    Ok(())
}

/// PostgreSQL's message, with the line and column it points at.
fn message_with_position(error: &sqlx::Error, statement: &str) -> String {
    let message = database_message(error);
    let position = match error {
        sqlx::Error::Database(db) => db
            .try_downcast_ref::<PgDatabaseError>()
            .and_then(PgDatabaseError::position),
        _ => None,
    };
    match position {
        Some(PgErrorPosition::Original(character)) => {
            let before: String = statement.chars().take(character.saturating_sub(1)).collect();
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("{message} (line {line}, column {column} of the statement)")
        }
        _ => message,
    }
}
