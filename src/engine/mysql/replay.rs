//! The scratch database a plan is replayed in (see engine/verify.rs): a
//! temporary database (scratch.rs) loaded with the copy of the live schema,
//! then the plan's statements, then inspected; dropped afterwards.

use sqlx::Executor;

use super::apply::run;
use super::inspect::inspect_connection;
use super::scratch::Scratch;
use crate::engine::error::{database_message, EngineError};
use crate::engine::model::Schema;
use crate::engine::plan::Statement;
use crate::engine::url::DatabaseUrl;
use crate::engine::verify::ReplayError;

/// Loads `live_sql`, runs `statements` as an apply would, and inspects the result.
pub async fn replay(
    target: &DatabaseUrl,
    dev: Option<&DatabaseUrl>,
    live_sql: &[String],
    statements: &[Statement],
) -> Result<Schema, ReplayError> {
    let mut scratch = Scratch::acquire(Some(target), dev)
        .await
        .map_err(|e| ReplayError::Setup(e.to_string()))?;
    let result = async {
        for sql in live_sql {
            scratch
                .conn
                .execute(sqlx::raw_sql(sql))
                .await
                .map_err(|e| ReplayError::Setup(format!("loading `{sql}`: {}", database_message(&e))))?;
        }
        run(&mut scratch.conn, &target.redacted(), statements)
            .await
            .map_err(|e| match e {
                EngineError::PartlyApplied {
                    url,
                    index,
                    statement,
                    reason,
                    ..
                } => ReplayError::Plan(EngineError::Apply {
                    url,
                    index,
                    statement,
                    reason,
                }),
                other => ReplayError::Plan(other),
            })?;
        inspect_connection(&mut scratch.conn, scratch.server, &scratch.label)
            .await
            .map(|(schema, _)| schema)
            .map_err(|e| ReplayError::Setup(e.to_string()))
    }
    .await;
    let _ = scratch.release().await;
    result
}
