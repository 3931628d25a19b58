//! Running data probes on SQLite: on the read-only inspection connection,
//! each query contained (one statement that only reads, see single.rs) and
//! interrupted by a progress handler once it has run for [`PROBE_TIME_LIMIT`].

use std::time::Instant;

use sqlx::sqlite::SqliteConnection;

use super::c_api::Handle;
use super::connect::open_for_inspect;
use crate::engine::error::EngineError;
use crate::engine::probe::{Answers, ProbeFailure, PROBE_TIME_LIMIT};
use crate::engine::sqlite::script::single::{self, Rules};
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
    let counted = {
        let mut locked = conn
            .lock_handle()
            .await
            .map_err(|e| ProbeFailure::Failed(e.to_string()))?;
        locked.set_progress_handler(STEPS_PER_CHECK, move || Instant::now() < deadline);
        let counted = single::run(&Handle::locked(&mut locked), sql, Rules::READ);
        locked.remove_progress_handler();
        counted
    };
    match counted {
        Ok(rows) => rows
            .first()
            .and_then(|row| row.first())
            .and_then(|(_, value)| value.as_deref())
            .and_then(|value| value.parse().ok())
            .ok_or_else(|| ProbeFailure::Failed(format!("the probe returned no count: {rows:?}"))),
        Err(_) if Instant::now() >= deadline => Err(ProbeFailure::TimedOut),
        // "no such column", "no such function": made by the plan itself.
        Err(failed) if failed.reason().contains("no such ") => Err(ProbeFailure::NeedsThePlan),
        Err(failed) => Err(ProbeFailure::Failed(failed.reason().to_string())),
    }
}
