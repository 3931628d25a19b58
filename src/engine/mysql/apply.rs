//! Apply: under a `GET_LOCK` named lock (concurrent applies wait), re-plan
//! and insist the plan is the one that was shown, run it statement by
//! statement, and prove the result converged. DDL commits as it runs, so a
//! failure cannot be rolled back: the error lists what ran and what did
//! not, and the next plan (which re-inspects) is exactly what is left.

use std::time::Duration;

use sqlx::mysql::MySqlConnection;
use sqlx::{Connection, Executor, Row};

use super::connect::{open, Server};
use super::inspect::inspect_connection;
use crate::engine::annotations;
use crate::engine::converge::prove_converged;
use crate::engine::error::{database_message, EngineError, Progress};
use crate::engine::options::Options;
use crate::engine::plan::{plan_difference, ApplyOutcome, Statement};
use crate::engine::planning::{plan_from, Planned};
use crate::engine::url::{DatabaseUrl, Dialect};

/// The lock name applies to one database take (`GET_LOCK` names are
/// server-wide, so the database is part of it).
pub const APPLY_LOCK_NAME: &str = "tfalchemy_apply";
/// How long an apply waits for another one to finish.
const LOCK_WAIT: Duration = Duration::from_secs(120);

/// See [`crate::engine::apply_with`].
pub async fn apply_with(
    url: &DatabaseUrl,
    dev: Option<&DatabaseUrl>,
    desired_sql: &str,
    expected: &[String],
    options: &Options,
) -> Result<ApplyOutcome, EngineError> {
    let label = url.redacted();
    let (mut conn, server) = open(url).await?;
    let lock_name = lock_session(&mut conn, &label, options).await?;
    let result = apply_locked(&mut conn, server, url, dev, desired_sql, expected, options).await;
    unlock(&mut conn, &lock_name).await;
    let _ = conn.close().await;
    result
}

/// Takes the apply lock of the connection's database (see [`lock`]) and
/// bounds how long its DDL waits for metadata locks by `lock_timeout`:
/// what every session that changes the schema does first, `sqlalchemy_schema`
/// applies and migration sessions alike. Returns the lock's name.
pub(super) async fn lock_session(
    conn: &mut MySqlConnection,
    label: &str,
    options: &Options,
) -> Result<String, EngineError> {
    let lock_name = lock(conn, label, options).await?;
    if let Some(wait) = options.lock_wait()? {
        // DDL waits for the table's metadata lock up to `lock_wait_timeout`
        // (a year by default): the resource's `lock_timeout` bounds it.
        let seconds = wait.as_secs().max(1);
        if let Err(e) = conn
            .execute(sqlx::raw_sql(&format!("SET SESSION lock_wait_timeout = {seconds}")))
            .await
        {
            unlock(conn, &lock_name).await;
            return Err(EngineError::InvalidSetting {
                setting: "lock_timeout",
                reason: database_message(&e),
            });
        }
    }
    Ok(lock_name)
}

/// Releases the apply lock; closing the session releases it too, so a
/// failed release loses nothing.
pub(super) async fn unlock(conn: &mut MySqlConnection, lock_name: &str) {
    let _ = sqlx::query("SELECT RELEASE_LOCK(?)")
        .bind(lock_name)
        .execute(&mut *conn)
        .await;
}

/// Takes the apply lock of the connection's database, waiting up to
/// `lock_timeout` when it is set, else [`LOCK_WAIT`].
async fn lock(conn: &mut MySqlConnection, label: &str, options: &Options) -> Result<String, EngineError> {
    let failed = |e: sqlx::Error| EngineError::Connect {
        url: label.to_string(),
        reason: database_message(&e),
    };
    let wait = options.lock_wait()?.unwrap_or(LOCK_WAIT);
    let name: String = sqlx::query("SELECT CONCAT(?, '.', DATABASE())")
        .bind(APPLY_LOCK_NAME)
        .fetch_one(&mut *conn)
        .await
        .and_then(|row| row.try_get(0))
        .map_err(failed)?;
    let row = sqlx::query("SELECT GET_LOCK(?, ?)")
        .bind(&name)
        .bind(wait.as_secs_f64())
        .fetch_one(&mut *conn)
        .await
        .map_err(failed)?;
    if row.try_get::<Option<i64>, _>(0).ok().flatten() == Some(1) {
        return Ok(name);
    }
    Err(match options.lock_timeout.as_deref() {
        Some(setting) => EngineError::LockTimedOut {
            url: label.to_string(),
            lock_timeout: setting.to_string(),
        },
        None => EngineError::Locked {
            url: label.to_string(),
            seconds: wait.as_secs(),
        },
    })
}

async fn apply_locked(
    conn: &mut MySqlConnection,
    server: Server,
    url: &DatabaseUrl,
    dev: Option<&DatabaseUrl>,
    desired_sql: &str,
    expected: &[String],
    options: &Options,
) -> Result<ApplyOutcome, EngineError> {
    let label = url.redacted();
    let scope = &options.scope;
    // Under the lock no other apply can move the schema between this
    // re-plan and the last statement.
    let (live, _) = inspect_connection(conn, server, &label).await?;
    let live = scope.live(live);
    let annotations = annotations::read(Dialect::Mysql, desired_sql)?;
    let Planned {
        desired,
        statements,
        parts,
        ..
    } = plan_from(url, dev, &live, desired_sql, annotations, options).await?;
    if let Some(detail) = plan_difference(expected, &statements) {
        return Err(EngineError::ChangedSincePlan { url: label, detail });
    }
    run(conn, &label, &statements).await?;
    let (after, _) = inspect_connection(conn, server, &label).await?;
    prove_converged(label, &scope.live(after), &desired, statements, parts)
}

/// The server's own words, and for a statement refused under its explicit
/// `ALGORITHM=…, LOCK=…` what that means and what to do.
fn failure_reason(error: &sqlx::Error) -> String {
    let message = database_message(error);
    let refused_algorithm = error
        .as_database_error()
        .and_then(|e| e.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>())
        .is_some_and(|e| ALGORITHM_REFUSED.contains(&e.number()));
    if !refused_algorithm {
        return message;
    }
    format!(
        "{message}. The server cannot make this change with the algorithm and lock the plan named \
         (`explicit_algorithm` is set), so it refused rather than copy or lock the table. Nothing of \
         this statement ran. To let the server copy the table, plan without `explicit_algorithm` (the \
         `rewrites_table` hazard then says the table is copied)"
    )
}

/// ER_ALTER_OPERATION_NOT_SUPPORTED and its `_REASON` form: the
/// `ALGORITHM` or `LOCK` an `ALTER TABLE` asked for is not possible.
const ALGORITHM_REFUSED: [u16; 2] = [1845, 1846];

/// Runs the statements one by one; a failure says which ran and which not.
pub(super) async fn run(conn: &mut MySqlConnection, label: &str, statements: &[Statement]) -> Result<(), EngineError> {
    for (index, statement) in statements.iter().enumerate() {
        if let Err(error) = conn.execute(sqlx::raw_sql(&statement.sql)).await {
            return Err(EngineError::PartlyApplied {
                url: label.to_string(),
                index: index + 1,
                statement: statement.sql.clone(),
                reason: failure_reason(&error),
                progress: Box::new(Progress {
                    applied: statements[..index].iter().map(|s| s.sql.clone()).collect(),
                    not_run: statements[index + 1..].iter().map(|s| s.sql.clone()).collect(),
                }),
            });
        }
    }
    Ok(())
}
