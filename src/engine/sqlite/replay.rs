//! The scratch database a plan is replayed in (see engine/verify.rs): a
//! private in-memory database, loaded with the live schema.

use sqlx::sqlite::SqliteConnection;
use sqlx::Connection;

use super::apply::run_plan;
use super::c_api::Handle;
use super::connect::open_memory;
use super::inspect::inspect_connection;
use super::single::{self, Rules};
use crate::engine::error::EngineError;
use crate::engine::model::Schema;
use crate::engine::plan::Statement;
use crate::engine::verify::ReplayError;

/// How the scratch database is named in messages.
const SCRATCH_DATABASE: &str = "sqlite:// (in-memory scratch database replaying the plan)";

/// Loads `live_sql`, runs `statements` as an apply would, and inspects the result.
pub async fn replay(live_sql: &[String], statements: &[Statement]) -> Result<Schema, ReplayError> {
    let mut conn = open_memory(SCRATCH_DATABASE)
        .await
        .map_err(|e| ReplayError::Setup(e.to_string()))?;
    let result = replay_on(&mut conn, live_sql, statements).await;
    // Nothing to flush in a private in-memory database.
    let _ = conn.close().await;
    result
}

async fn replay_on(
    conn: &mut SqliteConnection,
    live_sql: &[String],
    statements: &[Statement],
) -> Result<Schema, ReplayError> {
    for sql in live_sql {
        let loaded = {
            let mut locked = conn
                .lock_handle()
                .await
                .map_err(|e| ReplayError::Setup(e.to_string()))?;
            single::run(&Handle::locked(&mut locked), sql, Rules::COPY)
        };
        loaded.map_err(|failed| {
            ReplayError::Setup(format!(
                "the live schema could not be reproduced in a scratch database: {}\n  statement: {sql}",
                failed.reason()
            ))
        })?;
    }
    run_plan(conn, SCRATCH_DATABASE, statements, None)
        .await
        .map_err(|error| match error {
            EngineError::RefusedPlanStatement { .. } => ReplayError::Refused(error),
            other => ReplayError::Plan(other),
        })?;
    inspect_connection(conn, SCRATCH_DATABASE)
        .await
        .map_err(ReplayError::Plan)
}
