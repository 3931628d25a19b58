//! Apply: under an advisory lock, re-plan and insist the plan is the one that
//! was shown, run it (one transaction, with the statements that cannot run in
//! one before it), and prove the result converged.

use std::time::{Duration, Instant};

use sqlx::postgres::PgConnection;
use sqlx::{Connection, Executor, Row};

use super::connect::open;
use super::inspect::inspect_connection;
use super::normalize::normalize;
use super::render::render;
use crate::engine::diff::{diff, Change};
use crate::engine::error::{database_message, EngineError};
use crate::engine::hash::schema_hash;
use crate::engine::plan::{plan_difference, ApplyOutcome, Statement};
use crate::engine::url::DatabaseUrl;

/// Key of the session advisory lock that serializes applies on one database.
pub const APPLY_LOCK_KEY: i64 = 0x7466_616c_6368_656d;
/// How long an apply waits for another one to finish.
const LOCK_WAIT: Duration = Duration::from_secs(120);
const LOCK_POLL: Duration = Duration::from_millis(200);

/// See [`crate::engine::apply`].
pub async fn apply(
    url: &DatabaseUrl,
    dev: Option<&DatabaseUrl>,
    desired_sql: &str,
    expected: &[String],
) -> Result<ApplyOutcome, EngineError> {
    let label = url.redacted();
    let mut conn = open(url).await?;
    lock(&mut conn, &label).await?;
    let result = apply_locked(&mut conn, url, dev, desired_sql, expected).await;
    // Closing the session releases the lock even if the unlock fails.
    let _ = conn
        .execute(sqlx::query("SELECT pg_advisory_unlock($1)").bind(APPLY_LOCK_KEY))
        .await;
    let _ = conn.close().await;
    result
}

async fn lock(conn: &mut PgConnection, label: &str) -> Result<(), EngineError> {
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
        if started.elapsed() >= LOCK_WAIT {
            return Err(EngineError::Locked {
                url: label.to_string(),
                seconds: LOCK_WAIT.as_secs(),
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
) -> Result<ApplyOutcome, EngineError> {
    let label = url.redacted();
    // Under the lock no other apply can move the schema between this
    // re-plan and the commit.
    let (live, _) = inspect_connection(conn, &label).await?;
    let desired = normalize(Some(url), dev, desired_sql).await?;
    let statements = render(&diff(&live, &desired), &live, &desired);
    if let Some(detail) = plan_difference(expected, &statements) {
        return Err(EngineError::ChangedSincePlan { url: label, detail });
    }
    if statements.is_empty() {
        return Ok(ApplyOutcome {
            executed: statements,
            live_hash: schema_hash(&live),
        });
    }
    let first_in_tx = statements
        .iter()
        .position(|s| s.in_transaction)
        .unwrap_or(statements.len());
    let after_tx = statements
        .iter()
        .rposition(|s| s.in_transaction)
        .map_or(first_in_tx, |last| last + 1);
    for (i, statement) in statements.iter().enumerate().take(first_in_tx) {
        execute(conn, &label, i, statement).await?;
    }
    if first_in_tx < after_tx {
        let mut tx = conn
            .begin()
            .await
            .map_err(|e| EngineError::statement_failed(&label, first_in_tx, "BEGIN", &e))?;
        for (i, statement) in statements.iter().enumerate().take(after_tx).skip(first_in_tx) {
            execute(&mut tx, &label, i, statement).await?;
        }
        tx.commit().await.map_err(|e| EngineError::Commit {
            url: label.clone(),
            reason: database_message(&e),
        })?;
    }
    for (i, statement) in statements.iter().enumerate().skip(after_tx) {
        execute(conn, &label, i, statement).await?;
    }

    let (after, _) = inspect_connection(conn, &label).await?;
    let remaining = diff(&after, &desired);
    if !remaining.is_empty() {
        return Err(EngineError::NotConverged {
            url: label,
            differences: remaining.iter().map(Change::describe).collect(),
        });
    }
    Ok(ApplyOutcome {
        executed: statements,
        live_hash: schema_hash(&after),
    })
}

async fn execute(conn: &mut PgConnection, label: &str, index: usize, statement: &Statement) -> Result<(), EngineError> {
    if statement.fails_if_rows {
        let rows = sqlx::query(&statement.sql)
            .fetch_all(&mut *conn)
            .await
            .map_err(|e| EngineError::statement_failed(label, index, &statement.sql, &e))?;
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
    conn.execute(sqlx::raw_sql(&statement.sql))
        .await
        .map_err(|e| EngineError::statement_failed(label, index, &statement.sql, &e))?;
    Ok(())
}
