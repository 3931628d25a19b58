//! The scratch database a plan is replayed in (see engine/verify.rs). With a
//! `dev_url`, the dev database inside a transaction that is rolled back, as
//! normalization uses it; a plan with statements that cannot run inside a
//! transaction (`ALTER TYPE … ADD VALUE`) gets a temporary database on the dev
//! server instead, as does every plan without a `dev_url`, on the target's.

use sqlx::postgres::PgConnection;
use sqlx::{Connection, Executor};

use super::apply::run_plan;
use super::connect::{open, pin_session};
use super::inspect::inspect_connection;
use super::normalize::{begin_in_empty_dev, TemporaryDatabase};
use crate::engine::error::{database_message, EngineError};
use crate::engine::model::Schema;
use crate::engine::options::Options;
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
    match dev {
        Some(dev) if statements.iter().all(|s| s.in_transaction) => {
            let label = dev.redacted();
            let mut conn = open(dev).await.map_err(setup)?;
            let mut tx = begin_in_empty_dev(&mut conn, &label).await.map_err(setup)?;
            let result = replay_on(&mut tx, &label, live_sql, statements).await;
            // The rollback keeps the dev database empty; if it fails the
            // connection is gone, and the server rolls back on its own.
            let _ = tx.rollback().await;
            let _ = conn.close().await;
            result
        }
        _ => {
            let (temporary, mut conn) = TemporaryDatabase::create(dev.unwrap_or(target)).await.map_err(setup)?;
            let label = temporary.label.clone();
            let result = replay_on(&mut conn, &label, live_sql, statements).await;
            let _ = conn.close().await;
            let dropped = temporary.remove().await;
            let replayed = result?;
            dropped.map_err(setup)?;
            Ok(replayed)
        }
    }
}

fn setup(error: EngineError) -> ReplayError {
    ReplayError::Setup(error.to_string())
}

async fn replay_on(
    conn: &mut PgConnection,
    label: &str,
    live_sql: &[String],
    statements: &[Statement],
) -> Result<Schema, ReplayError> {
    load_live(conn, live_sql).await?;
    pin_session(conn, label).await.map_err(setup)?;
    // The scratch session has the server's own timeouts; the resource's
    // settings only matter against the real database.
    run_plan(conn, label, statements, &Options::default())
        .await
        .map_err(ReplayError::Plan)?;
    pin_session(conn, label).await.map_err(setup)?;
    let (replayed, _) = inspect_connection(conn, label).await.map_err(ReplayError::Plan)?;
    Ok(replayed)
}

/// One round trip for the whole live schema. Function bodies are checked
/// when called, not when created, as when normalizing: the rendering may
/// create a function before a table it reads.
async fn load_live(conn: &mut PgConnection, live_sql: &[String]) -> Result<(), ReplayError> {
    let mut script = String::from("SET check_function_bodies = off;\n");
    for statement in live_sql {
        script.push_str(statement);
        script.push_str("\n;\n");
    }
    conn.execute(sqlx::raw_sql(&script)).await.map(|_| ()).map_err(|e| {
        ReplayError::Setup(format!(
            "the live schema could not be reproduced in a scratch database: {}",
            database_message(&e)
        ))
    })
}
