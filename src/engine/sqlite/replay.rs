//! The scratch database a plan is replayed in (see engine/verify.rs): a
//! private in-memory database, loaded with the live schema. Every statement
//! runs contained (single.rs); one that must not run refuses the plan, even
//! when the copy of live is incomplete and the plan cannot be verified.

use sqlx::sqlite::SqliteConnection;
use sqlx::Connection;

use super::apply::run_plan;
use super::c_api::Handle;
use super::connect::open_memory;
use super::inspect::inspect_connection;
use crate::engine::error::EngineError;
use crate::engine::model::Schema;
use crate::engine::plan::Statement;
use crate::engine::sqlite::script::single::{self, Failed, Rules};
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
    let mut unfaithful = None;
    for sql in live_sql {
        if let Err(failed) = run_one(conn, sql, Rules::COPY).await? {
            unfaithful.get_or_insert_with(|| {
                format!(
                    "the live schema could not be reproduced in a scratch database: {}\n  statement: {sql}",
                    failed.reason()
                )
            });
        }
    }
    if let Some(reason) = unfaithful {
        refuse_ill_formed(conn, statements).await?;
        return Err(ReplayError::Setup(reason));
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

/// When the copy of live is incomplete the plan cannot be verified, but its
/// statements can still be checked for form: each runs on what the copy
/// holds, and one that is not exactly one statement of a kind a plan may
/// hold refuses the plan. Failures for want of what the copy lacks are
/// what "unverified" means, and pass.
async fn refuse_ill_formed(conn: &mut SqliteConnection, statements: &[Statement]) -> Result<(), ReplayError> {
    for (index, statement) in statements.iter().enumerate() {
        if let Err(Failed::Refused(reason)) = run_one(conn, &statement.sql, Rules::PLAN).await? {
            return Err(ReplayError::Refused(EngineError::RefusedPlanStatement {
                url: SCRATCH_DATABASE.to_string(),
                index: index + 1,
                statement: statement.sql.clone(),
                reason,
            }));
        }
    }
    Ok(())
}

/// One statement under `rules`; the outer error is the connection's.
async fn run_one(conn: &mut SqliteConnection, sql: &str, rules: Rules) -> Result<Result<(), Failed>, ReplayError> {
    let mut locked = conn
        .lock_handle()
        .await
        .map_err(|e| ReplayError::Setup(e.to_string()))?;
    Ok(single::run(&Handle::locked(&mut locked), sql, rules).map(|_| ()))
}
