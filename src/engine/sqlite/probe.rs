//! Running data probes on SQLite: on the read-only inspection connection,
//! each query interrupted by a progress handler once it has run for
//! [`PROBE_TIME_LIMIT`].

use std::time::Instant;

use sqlx::sqlite::SqliteConnection;
use sqlx::{Executor, Row};

use super::connect::open_for_inspect;
use crate::engine::error::EngineError;
use crate::engine::probe::{Answers, ProbeFailure, PROBE_TIME_LIMIT};
use crate::engine::url::DatabaseUrl;

/// Virtual machine steps between two looks at the clock.
const STEPS_PER_CHECK: i32 = 10_000;

pub async fn run(url: &DatabaseUrl, queries: &[String]) -> Result<Answers, EngineError> {
    let mut answers = Answers::new();
    // A database that does not exist yet has no rows to count.
    let Some(mut conn) = open_for_inspect(url).await? else {
        return Ok(answers);
    };
    for sql in queries {
        let answer = count(&mut conn, sql).await;
        answers.insert(sql.clone(), answer);
    }
    let _ = sqlx::Connection::close(conn).await;
    Ok(answers)
}

async fn count(conn: &mut SqliteConnection, sql: &str) -> Result<i64, ProbeFailure> {
    let deadline = Instant::now() + PROBE_TIME_LIMIT;
    let failed = |e: sqlx::Error| ProbeFailure::Failed(e.to_string());
    conn.lock_handle()
        .await
        .map_err(failed)?
        .set_progress_handler(STEPS_PER_CHECK, move || Instant::now() < deadline);
    let counted = conn.fetch_one(sqlx::raw_sql(sql)).await;
    if let Ok(mut handle) = conn.lock_handle().await {
        handle.remove_progress_handler();
    }
    match counted {
        Ok(row) => row.try_get::<i64, _>(0).map_err(failed),
        Err(_) if Instant::now() >= deadline => Err(ProbeFailure::TimedOut),
        // "no such column", "no such function": made by the plan itself.
        Err(e) if e.to_string().contains("no such ") => Err(ProbeFailure::NeedsThePlan),
        Err(e) => Err(failed(e)),
    }
}
