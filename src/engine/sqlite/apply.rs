//! Apply: re-plan, insist the plan is the one that was shown, run it in one
//! transaction under SQLite's write lock, and prove the result converged.

use sqlx::sqlite::SqliteConnection;
use sqlx::Connection;

use super::c_api::{Handle, Row};
use super::connect::open_for_write;
use super::inspect::inspect_connection;
use crate::engine::annotations;
use crate::engine::converge::prove_converged;
use crate::engine::error::{database_message, EngineError};
use crate::engine::hash::schema_hash;
use crate::engine::options::Options;
use crate::engine::plan::{plan_difference, transaction_span, ApplyOutcome, Statement};
use crate::engine::planning::{plan_from, Planned};
use crate::engine::scope::Scope;
use crate::engine::sqlite::script::single::{self, Failed, Rules};
use crate::engine::url::{DatabaseUrl, Dialect};

/// See [`crate::engine::apply`].
pub async fn apply(
    url: &DatabaseUrl,
    dev: Option<&DatabaseUrl>,
    desired_sql: &str,
    expected: &[String],
    options: &Options,
) -> Result<ApplyOutcome, EngineError> {
    let label = url.redacted();
    let scope = &options.scope;
    // Re-plan exactly as `plan` does (read-only, so nothing is created yet).
    let annotations = annotations::read(Dialect::Sqlite, desired_sql)?;
    let live = scope.live(super::inspect(url).await?);
    let Planned {
        desired,
        statements,
        parts,
        ..
    } = plan_from(url, dev, &live, desired_sql, annotations, options).await?;
    if let Some(detail) = plan_difference(expected, &statements) {
        return Err(EngineError::ChangedSincePlan { url: label, detail });
    }
    let live_hash = schema_hash(&live);
    if statements.is_empty() {
        return Ok(ApplyOutcome {
            executed: statements,
            live_hash,
            parts,
        });
    }

    let mut conn = open_for_write(url).await?;
    run_plan(&mut conn, &label, &statements, Some((&live_hash, scope))).await?;

    let after = scope.live(inspect_connection(&mut conn, &label).await?);
    // Closing flushes nothing that the commit did not already make durable.
    let _ = conn.close().await;
    prove_converged(label, &after, &desired, statements, parts)
}

/// Runs `statements` on `conn`: the one transaction (under the write lock)
/// between the statements that run outside it. With `expected_live_hash`, the
/// managed part of the schema (its scope) seen under the lock must still
/// hash to it.
pub(super) async fn run_plan(
    conn: &mut SqliteConnection,
    label: &str,
    statements: &[Statement],
    expected_live_hash: Option<(&str, &Scope)>,
) -> Result<(), EngineError> {
    let in_tx = transaction_span(statements);
    for (i, statement) in statements.iter().enumerate().take(in_tx.start) {
        execute(conn, label, i, statement).await?;
    }
    {
        let mut tx = conn
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(|e| EngineError::statement_failed(label, in_tx.start, "BEGIN IMMEDIATE", &e))?;
        if let Some((expected, scope)) = expected_live_hash {
            // Under the write lock nobody else can change the schema; check nobody did
            // between the re-plan and now.
            let locked = scope.live(inspect_connection(&mut tx, label).await?);
            if schema_hash(&locked) != expected {
                return Err(EngineError::ChangedSincePlan {
                    url: label.to_string(),
                    detail: "another client changed the schema while the apply was starting".to_string(),
                });
            }
        }
        for (i, statement) in statements.iter().enumerate().take(in_tx.end).skip(in_tx.start) {
            execute(&mut tx, label, i, statement).await?;
        }
        tx.commit().await.map_err(|e| EngineError::Commit {
            url: label.to_string(),
            reason: database_message(&e),
        })?;
    }
    for (i, statement) in statements.iter().enumerate().skip(in_tx.end) {
        execute(conn, label, i, statement).await?;
    }
    Ok(())
}

/// Runs one statement of the plan, contained (single.rs): exactly one
/// statement of a kind a plan may hold, readable by SQLite 3.40.
async fn execute(
    conn: &mut SqliteConnection,
    label: &str,
    index: usize,
    statement: &Statement,
) -> Result<(), EngineError> {
    let failed = |reason: String| EngineError::Apply {
        url: label.to_string(),
        index: index + 1,
        statement: statement.sql.clone(),
        reason,
    };
    let outcome = {
        let mut locked = conn.lock_handle().await.map_err(|e| failed(e.to_string()))?;
        single::run(&Handle::locked(&mut locked), &statement.sql, Rules::PLAN)
    };
    let rows = match outcome {
        Ok(rows) => rows,
        Err(Failed::Refused(reason)) => {
            return Err(EngineError::RefusedPlanStatement {
                url: label.to_string(),
                index: index + 1,
                statement: statement.sql.clone(),
                reason,
            })
        }
        Err(Failed::Sqlite(reason)) => return Err(failed(reason)),
    };
    if statement.fails_if_rows && !rows.is_empty() {
        return Err(failed(format!(
            "the check returned {} violation(s), so nothing was committed: {}",
            rows.len(),
            describe_rows(&rows)
        )));
    }
    Ok(())
}

/// The first few rows as `name=value` lists.
fn describe_rows(rows: &[Row]) -> String {
    const SHOWN: usize = 5;
    let mut described: Vec<String> = rows
        .iter()
        .take(SHOWN)
        .map(|row| {
            let fields: Vec<String> = row
                .iter()
                .map(|(name, value)| format!("{name}={}", value.as_deref().unwrap_or("NULL")))
                .collect();
            format!("({})", fields.join(", "))
        })
        .collect();
    if rows.len() > SHOWN {
        described.push(format!("and {} more", rows.len() - SHOWN));
    }
    described.join("; ")
}
