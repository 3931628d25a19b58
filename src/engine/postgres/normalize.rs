//! Desired DDL → model: PostgreSQL parses and resolves it, we inspect what it
//! made. The DDL first passes the gate in script/ (refused statements stop
//! everything before anything runs), then runs in its scratch form in a
//! scratch database (scratch.rs), inside a transaction that is rolled back.

use sqlx::postgres::{PgConnection, PgDatabaseError, PgErrorPosition};
use sqlx::Executor;

use super::connect::pin_session;
use super::inspect::inspect_connection;
use super::lock_table::{self, Budget, Work};
use super::scratch::Scratch;
use super::script::{contain, ContainedStatement};
use crate::engine::error::{database_message, EngineError};
use crate::engine::model::Schema;
use crate::engine::url::DatabaseUrl;

/// `target`: the server to use a temporary database on when `dev` is `None`.
pub async fn normalize(
    target: Option<&DatabaseUrl>,
    dev: Option<&DatabaseUrl>,
    desired_sql: &str,
) -> Result<Schema, EngineError> {
    let script = contain(desired_sql)?;
    let mut scratch = Scratch::acquire(target, dev).await?;
    let label = scratch.label.clone();
    let mut budget = match scratch.lock_budget().await {
        Ok(budget) => budget,
        Err(error) => {
            scratch.release().await;
            return Err(error);
        }
    };
    let result = async {
        let mut tx = scratch.begin().await?;
        run_script(&mut tx, &label, &script.statements, &mut budget).await?;
        script.bodies.restore(&mut tx, &label).await?;
        pin_session(&mut tx, &label).await?;
        let (mut schema, _) = inspect_connection(&mut tx, &label).await?;
        schema.privileges_declared = script.declares_privileges;
        schema.unmanaged.extend(script.unmanaged_access.iter().cloned());
        // The rollback is what keeps the scratch database empty; if it fails
        // the connection is gone, and the server rolls back on its own.
        let _ = tx.rollback().await;
        Ok(schema)
    }
    .await;
    scratch.spent(&budget);
    scratch.release().await;
    result
}

/// Statements sent in one round trip: a 1,000-table schema is a few
/// thousand statements, and a round trip each costs more than running them.
const STATEMENTS_PER_BATCH: usize = 250;

/// What every transaction of a normalization sets first.
const SETTINGS: &str = "SET LOCAL check_function_bodies = off";

/// Runs the statements in batches, each behind a savepoint; a batch that
/// fails is rolled back to its savepoint and run again one statement at a
/// time, so the failure names its statement. Function bodies are checked
/// when called, not when created (as pg_dump does), so a function may read a
/// table created after it. Between batches, the transaction commits when
/// `budget` says so (see scratch.rs).
async fn run_script(
    conn: &mut PgConnection,
    label: &str,
    statements: &[ContainedStatement<'_>],
    budget: &mut Budget,
) -> Result<(), EngineError> {
    let dev = budget.in_dev_database();
    let session = |e: sqlx::Error| match lock_table::is_exhausted(&e) {
        true => lock_table::server_limit(label, Work::Normalization, dev, database_message(&e)),
        false => EngineError::Connect {
            url: label.to_string(),
            reason: database_message(&e),
        },
    };
    conn.execute(SETTINGS).await.map_err(session)?;
    let runnable: Vec<(usize, &ContainedStatement<'_>)> = statements
        .iter()
        .enumerate()
        // Empty: folded into an earlier statement (see script/enum_values.rs).
        .filter(|(_, contained)| !contained.scratch_sql.is_empty())
        .collect();
    for batch in runnable.chunks(STATEMENTS_PER_BATCH) {
        let mut script = String::from("SAVEPOINT tfalchemy_batch;\n");
        for (_, contained) in batch {
            script.push_str(&contained.scratch_sql);
            script.push_str("\n;\n");
        }
        script.push_str("RELEASE SAVEPOINT tfalchemy_batch");
        match conn.execute(sqlx::raw_sql(&script)).await {
            Ok(_) => {
                budget.commit_when_full(conn, SETTINGS).await.map_err(session)?;
                continue;
            }
            // Statement by statement would only fill it again.
            Err(e) if lock_table::is_exhausted(&e) => return Err(session(e)),
            Err(_) => {}
        }
        conn.execute("ROLLBACK TO SAVEPOINT tfalchemy_batch")
            .await
            .map_err(session)?;
        for (position, contained) in batch {
            conn.execute(sqlx::raw_sql(&contained.scratch_sql)).await.map_err(|e| {
                if lock_table::is_exhausted(&e) {
                    return session(e);
                }
                let statement = &contained.statement;
                EngineError::desired_statement_failed(
                    label,
                    *position,
                    statement,
                    message_with_position(&e, statement.text),
                )
            })?;
        }
        // The batch failed as a whole but not statement by statement: not
        // expected, but then the statements did run.
    }
    Ok(())
}

/// PostgreSQL's message, with the line and column it points at.
pub(super) fn message_with_position(error: &sqlx::Error, statement: &str) -> String {
    let message = database_message(error);
    let position = match error {
        sqlx::Error::Database(db) => db
            .try_downcast_ref::<PgDatabaseError>()
            .and_then(PgDatabaseError::position),
        _ => None,
    };
    match position {
        Some(PgErrorPosition::Original(character)) => {
            let before: String = statement.chars().take(character.saturating_sub(1)).collect();
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("{message} (line {line}, column {column} of the statement)")
        }
        _ => message,
    }
}
