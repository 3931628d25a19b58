//! Apply: under an advisory lock, re-plan and insist the plan is the one that
//! was shown, run it (one transaction, with the statements that cannot run in
//! one before it), and prove the result converged.

use std::time::{Duration, Instant};

use sqlx::postgres::PgConnection;
use sqlx::{Connection, Executor, Row};

use super::connect::open;
use super::inspect::inspect_connection;
use crate::engine::annotations;
use crate::engine::converge::prove_converged;
use crate::engine::error::{database_message, EngineError};
use crate::engine::hash::schema_hash;
use crate::engine::options::{Options, Timeout, DEFAULT_LOCK_TIMEOUT};
use crate::engine::plan::{plan_difference, transaction_span, ApplyOutcome, Statement};
use crate::engine::planning::{plan_from, Planned};
use crate::engine::url::{DatabaseUrl, Dialect};

/// Key of the session advisory lock that serializes applies on one database.
pub const APPLY_LOCK_KEY: i64 = 0x7466_616c_6368_656d;
/// How long an apply waits for another one to finish.
const LOCK_WAIT: Duration = Duration::from_secs(120);
const LOCK_POLL: Duration = Duration::from_millis(200);
/// SQLSTATEs of a statement cut short by `lock_timeout` / `statement_timeout`.
const LOCK_NOT_AVAILABLE: &str = "55P03";
const QUERY_CANCELED: &str = "57014";

/// See [`crate::engine::apply_with`].
pub async fn apply_with(
    url: &DatabaseUrl,
    dev: Option<&DatabaseUrl>,
    desired_sql: &str,
    expected: &[String],
    options: &Options,
) -> Result<ApplyOutcome, EngineError> {
    let label = url.redacted();
    let lock_wait = options.lock_wait()?;
    let mut conn = open(url).await?;
    set_timeouts(&mut conn, options).await?;
    lock(&mut conn, &label, lock_wait, options).await?;
    let result = apply_locked(&mut conn, url, dev, desired_sql, expected, options).await;
    // Closing the session releases the lock even if the unlock fails.
    let _ = conn
        .execute(sqlx::query("SELECT pg_advisory_unlock($1)").bind(APPLY_LOCK_KEY))
        .await;
    let _ = conn.close().await;
    result
}

/// `SET lock_timeout` / `SET statement_timeout` for this session only.
pub(super) async fn set_timeouts(conn: &mut PgConnection, options: &Options) -> Result<(), EngineError> {
    for which in Timeout::ALL {
        let Some(value) = options.timeout(which) else {
            continue;
        };
        let sql = format!("SET {} = '{}'", which.setting(), value.replace('\'', "''"));
        conn.execute(sqlx::raw_sql(&sql))
            .await
            .map_err(|e| EngineError::InvalidSetting {
                setting: which.setting(),
                reason: database_message(&e),
            })?;
    }
    Ok(())
}

/// Waits for the schema lock: up to `lock_timeout` when it is set, else
/// [`LOCK_WAIT`].
pub(super) async fn lock(
    conn: &mut PgConnection,
    label: &str,
    lock_wait: Option<Duration>,
    options: &Options,
) -> Result<(), EngineError> {
    let started = Instant::now();
    loop {
        let row = sqlx::query("SELECT pg_try_advisory_lock($1)")
            .bind(APPLY_LOCK_KEY)
            .fetch_one(&mut *conn)
            .await
            .map_err(|e| EngineError::Connect {
                url: label.to_string(),
                reason: database_message(&e),
            })?;
        if row.try_get::<bool, _>(0).unwrap_or(false) {
            return Ok(());
        }
        if started.elapsed() >= lock_wait.unwrap_or(LOCK_WAIT) {
            return Err(match (lock_wait, options.lock_timeout.as_deref()) {
                (Some(_), Some(setting)) => EngineError::LockTimedOut {
                    url: label.to_string(),
                    lock_timeout: setting.to_string(),
                },
                _ => EngineError::Locked {
                    url: label.to_string(),
                    seconds: LOCK_WAIT.as_secs(),
                },
            });
        }
        tokio::time::sleep(LOCK_POLL).await;
    }
}

async fn apply_locked(
    conn: &mut PgConnection,
    url: &DatabaseUrl,
    dev: Option<&DatabaseUrl>,
    desired_sql: &str,
    expected: &[String],
    options: &Options,
) -> Result<ApplyOutcome, EngineError> {
    let label = url.redacted();
    let scope = &options.scope;
    let annotations = annotations::read(Dialect::Postgres, desired_sql)?;
    // Under the lock no other apply can move the schema between this
    // re-plan and the commit.
    let (live, _) = inspect_connection(conn, &label).await?;
    let live = scope.live(live);
    let Planned {
        desired,
        statements,
        parts,
        ..
    } = plan_from(url, dev, &live, desired_sql, annotations, options).await?;
    if let Some(detail) = plan_difference(expected, &statements) {
        return Err(EngineError::ChangedSincePlan { url: label, detail });
    }
    if statements.is_empty() {
        return Ok(ApplyOutcome {
            executed: statements,
            live_hash: schema_hash(&live),
            parts,
        });
    }
    run_plan(conn, &label, &statements, options).await?;

    let (after, _) = inspect_connection(conn, &label).await?;
    let after = scope.live(after);
    prove_converged(label, &after, &desired, statements, parts)
}

/// Runs `statements` on `conn`: those outside the transaction before and
/// after it, the others in one transaction (a savepoint if `conn` is already
/// in one).
pub(super) async fn run_plan(
    conn: &mut PgConnection,
    label: &str,
    statements: &[Statement],
    options: &Options,
) -> Result<(), EngineError> {
    let in_tx = transaction_span(statements);
    for (i, statement) in statements.iter().enumerate().take(in_tx.start) {
        execute(conn, label, i, statement, options).await?;
    }
    if !in_tx.is_empty() {
        let mut tx = conn
            .begin()
            .await
            .map_err(|e| EngineError::statement_failed(label, in_tx.start, "BEGIN", &e))?;
        if options.lock_timeout.is_none() {
            let default = format!("SET LOCAL lock_timeout = '{DEFAULT_LOCK_TIMEOUT}'");
            tx.execute(sqlx::raw_sql(&default))
                .await
                .map_err(|e| EngineError::statement_failed(label, in_tx.start, &default, &e))?;
        }
        for (i, statement) in statements.iter().enumerate().take(in_tx.end).skip(in_tx.start) {
            execute(&mut tx, label, i, statement, options).await?;
        }
        tx.commit().await.map_err(|e| EngineError::Commit {
            url: label.to_string(),
            reason: database_message(&e),
        })?;
    }
    for (i, statement) in statements.iter().enumerate().skip(in_tx.end) {
        execute(conn, label, i, statement, options).await?;
    }
    Ok(())
}

async fn execute(
    conn: &mut PgConnection,
    label: &str,
    index: usize,
    statement: &Statement,
    options: &Options,
) -> Result<(), EngineError> {
    let failed = |e: sqlx::Error| statement_failed(label, index, statement, &e, options);
    if statement.fails_if_rows {
        let rows = sqlx::query(&statement.sql)
            .fetch_all(&mut *conn)
            .await
            .map_err(failed)?;
        if !rows.is_empty() {
            return Err(EngineError::Apply {
                url: label.to_string(),
                index: index + 1,
                statement: statement.sql.clone(),
                reason: format!(
                    "the check returned {} violation(s), so nothing was committed",
                    rows.len()
                ),
            });
        }
        return Ok(());
    }
    conn.execute(sqlx::raw_sql(&statement.sql)).await.map_err(failed)?;
    Ok(())
}

/// A failed statement; when one of the resource's timeouts (or the default
/// `lock_timeout` of the transaction) cut it short, the message names the
/// setting, so the reader knows which knob to turn.
fn statement_failed(
    label: &str,
    index: usize,
    statement: &Statement,
    error: &sqlx::Error,
    options: &Options,
) -> EngineError {
    let mut failure = EngineError::statement_failed(label, index, &statement.sql, error);
    let code = error.as_database_error().and_then(|e| e.code().map(|c| c.into_owned()));
    let timeout = match code.as_deref() {
        Some(LOCK_NOT_AVAILABLE) => Some(Timeout::Lock),
        Some(QUERY_CANCELED) => Some(Timeout::Statement),
        _ => None,
    };
    let note = match (timeout, timeout.and_then(|which| options.timeout(which))) {
        (Some(which), Some(value)) => Some(format!(
            "the resource's `{}` of {value:?} ran out; nothing in this transaction was committed",
            which.setting()
        )),
        (Some(Timeout::Lock), None) if statement.in_transaction => Some(format!(
            "the default `lock_timeout` of {DEFAULT_LOCK_TIMEOUT:?} ran out; nothing in this transaction was \
             committed. Set `lock_timeout` on the resource to wait longer, or \"0\" to wait without limit"
        )),
        _ => None,
    };
    if let (EngineError::Apply { reason, .. }, Some(note)) = (&mut failure, note) {
        reason.push_str(&format!(" ({note})"));
    }
    failure
}
