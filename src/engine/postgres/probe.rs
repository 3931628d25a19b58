//! Running data probes on PostgreSQL: each query in its own read-only
//! transaction under `SET LOCAL statement_timeout`, so a probe can neither
//! write nor hold up a plan on a huge (or locked) table for long.

use sqlx::postgres::PgConnection;
use sqlx::{Executor, Row};

use super::connect::open;
use crate::engine::error::{database_message, EngineError};
use crate::engine::probe::{Answers, ProbeFailure, PROBE_TIME_LIMIT};
use crate::engine::url::DatabaseUrl;

/// SQLSTATE of a statement cancelled by `statement_timeout`.
const QUERY_CANCELED: &str = "57014";
/// SQLSTATEs of a query naming what does not exist yet: undefined table,
/// column, function, object.
const UNDEFINED: [&str; 4] = ["42P01", "42703", "42883", "42704"];

pub async fn run(url: &DatabaseUrl, queries: &[String]) -> Result<Answers, EngineError> {
    let mut conn = open(url).await?;
    let mut answers = Answers::new();
    for sql in queries {
        let answer = count(&mut conn, sql).await;
        answers.insert(sql.clone(), answer);
    }
    // Nothing was written; a failed close loses nothing.
    let _ = sqlx::Connection::close(conn).await;
    Ok(answers)
}

async fn count(conn: &mut PgConnection, sql: &str) -> Result<i64, ProbeFailure> {
    let begin = format!(
        "BEGIN READ ONLY; SET LOCAL statement_timeout = '{}ms'",
        PROBE_TIME_LIMIT.as_millis()
    );
    conn.execute(sqlx::raw_sql(&begin)).await.map_err(failure)?;
    let counted = conn.fetch_one(sqlx::raw_sql(sql)).await;
    // Also ends a transaction the failed query aborted.
    let _ = conn.execute(sqlx::raw_sql("ROLLBACK")).await;
    let row = counted.map_err(failure)?;
    row.try_get::<i64, _>(0).map_err(failure)
}

fn failure(error: sqlx::Error) -> ProbeFailure {
    let code = error.as_database_error().and_then(|e| e.code().map(|c| c.into_owned()));
    match code.as_deref() {
        Some(QUERY_CANCELED) => ProbeFailure::TimedOut,
        Some(code) if UNDEFINED.contains(&code) => ProbeFailure::NeedsThePlan,
        _ => ProbeFailure::Failed(database_message(&error)),
    }
}
