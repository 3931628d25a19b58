//! The scratch database a plan is replayed in (see engine/verify.rs): the
//! same scratch database normalization uses (scratch.rs), inside a
//! transaction that is rolled back. The copy of the live schema and the
//! plan's statements both run in their scratch form (script/), so a replay
//! runs no code a plan's definitions would run when applied: materialized
//! views stay unpopulated, new columns' defaults are not evaluated, and
//! `CONCURRENTLY` statements run inside the transaction.

use sqlx::postgres::PgConnection;
use sqlx::Executor;

use super::apply::run_plan;
use super::connect::pin_session;
use super::inspect::inspect_connection;
use super::lock_table::{self, Budget, Work};
use super::scratch::Scratch;
use super::script::{contain_rendered, FunctionBodies};
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
    // Check queries read rows, and a scratch database has none.
    let schema_statements: Vec<&Statement> = statements.iter().filter(|s| !s.fails_if_rows).collect();
    let rendered: Vec<&str> = live_sql
        .iter()
        .map(String::as_str)
        .chain(schema_statements.iter().map(|s| s.sql.as_str()))
        .collect();
    let (mut forms, bodies) =
        contain_rendered(&rendered).map_err(|(index, reason)| match index.checked_sub(live_sql.len()) {
            None | Some(0) => ReplayError::Setup(format!(
                "statement {index} of the copy of the live schema is not one a scratch database runs: {reason}"
            )),
            Some(in_plan) => {
                let statement = schema_statements[in_plan - 1];
                ReplayError::Plan(EngineError::Apply {
                    url: target.redacted(),
                    index: position_in_plan(statements, statement),
                    statement: statement.sql.clone(),
                    reason: format!("the plan has a statement a scratch database does not run: {reason}"),
                })
            }
        })?;
    let plan_forms = forms.split_off(live_sql.len());
    let live_sql: Vec<String> = forms.into_iter().filter(|f| !f.is_empty()).collect();
    let scratch_plan: Vec<Statement> = schema_statements
        .iter()
        .zip(plan_forms)
        .filter(|(_, sql)| !sql.is_empty())
        .map(|(statement, sql)| Statement {
            sql,
            in_transaction: true,
            ..(*statement).clone()
        })
        .collect();
    let mut scratch = Scratch::acquire(Some(target), dev).await.map_err(setup)?;
    let label = scratch.label.clone();
    let mut budget = match scratch.lock_budget().await {
        Ok(budget) => budget,
        Err(error) => {
            scratch.release().await;
            return Err(setup(error));
        }
    };
    let result = async {
        let mut tx = scratch.begin().await.map_err(setup)?;
        let replayed = replay_on(&mut tx, &label, &live_sql, &scratch_plan, &bodies, &mut budget).await;
        // The rollback keeps the scratch database empty; if it fails the
        // connection is gone, and the server rolls back on its own.
        let _ = tx.rollback().await;
        replayed
    }
    .await;
    scratch.spent(&budget);
    scratch.release().await;
    result
}

/// The 1-based position of `statement` in `plan`.
fn position_in_plan(plan: &[Statement], statement: &Statement) -> usize {
    plan.iter()
        .position(|s| std::ptr::eq(s, statement))
        .map_or(0, |i| i + 1)
}

fn setup(error: EngineError) -> ReplayError {
    ReplayError::Setup(error.to_string())
}

async fn replay_on(
    conn: &mut PgConnection,
    label: &str,
    live_sql: &[String],
    statements: &[Statement],
    bodies: &FunctionBodies,
    budget: &mut Budget,
) -> Result<Schema, ReplayError> {
    load_live(conn, label, live_sql, budget).await?;
    pin_session(conn, label).await.map_err(setup)?;
    // The scratch session has the server's own timeouts; the resource's
    // settings only matter against the real database.
    run_plan(conn, label, statements, &Options::default())
        .await
        .map_err(|error| match error {
            // Not the plan's fault, and not proof it is wrong: unverified.
            EngineError::Apply { reason, .. } if reason == lock_table::EXHAUSTED_MESSAGE => setup(
                lock_table::server_limit(label, Work::Plan, budget.in_dev_database(), reason),
            ),
            other => ReplayError::Plan(other),
        })?;
    bodies.restore(conn, label).await.map_err(ReplayError::Plan)?;
    pin_session(conn, label).await.map_err(setup)?;
    let (replayed, _) = inspect_connection(conn, label).await.map_err(ReplayError::Plan)?;
    Ok(replayed)
}

/// Statements of the live copy sent in one round trip.
const STATEMENTS_PER_BATCH: usize = 250;

/// What every transaction of a replay sets first. Function bodies are
/// checked when called, not when created, as when normalizing: the
/// rendering may create a function before a table it reads.
const SETTINGS: &str = "SET LOCAL check_function_bodies = off";

/// Loads the copy of the live schema in batches of
/// [`STATEMENTS_PER_BATCH`], committing between them when `budget` says so
/// (a temporary database; see scratch.rs).
async fn load_live(
    conn: &mut PgConnection,
    label: &str,
    live_sql: &[String],
    budget: &mut Budget,
) -> Result<(), ReplayError> {
    let failed = |e: sqlx::Error, dev: bool| {
        let reason = database_message(&e);
        ReplayError::Setup(match lock_table::is_exhausted(&e) {
            true => lock_table::server_limit(label, Work::LiveCopy, dev, reason).to_string(),
            false => format!("the live schema could not be reproduced in a scratch database: {reason}"),
        })
    };
    let dev = budget.in_dev_database();
    conn.execute(SETTINGS).await.map_err(|e| failed(e, dev))?;
    for batch in live_sql.chunks(STATEMENTS_PER_BATCH) {
        let mut script = String::new();
        for statement in batch {
            script.push_str(statement);
            script.push_str("\n;\n");
        }
        conn.execute(sqlx::raw_sql(&script)).await.map_err(|e| failed(e, dev))?;
        budget
            .commit_when_full(conn, SETTINGS)
            .await
            .map_err(|e| failed(e, dev))?;
    }
    Ok(())
}
