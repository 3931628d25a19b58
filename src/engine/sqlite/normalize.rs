//! Desired DDL → model: run it in a dev database and inspect what SQLite made
//! of it. SQLite is its own best parser; the model then compares by meaning,
//! not by how the DDL was written.

use sqlx::sqlite::SqliteConnection;
use sqlx::{Connection, Executor};

use super::connect::{open_for_write, open_memory};
use super::inspect::inspect_connection;
use super::split::split_statements;
use crate::engine::error::{database_message, EngineError};
use crate::engine::model::Schema;
use crate::engine::url::{DatabaseUrl, SqliteLocation};

/// How the private dev database is named in messages.
pub const PRIVATE_DEV_DATABASE: &str = "sqlite:// (private in-memory dev database)";

/// `dev`: `None` or an in-memory URL for a private database; a file URL for a
/// dev database that must be empty, where the DDL runs inside a transaction
/// that is rolled back, leaving the file as it was.
pub async fn normalize(dev: Option<&DatabaseUrl>, desired_sql: &str) -> Result<Schema, EngineError> {
    match dev {
        Some(url) if matches!(url.sqlite_location(), Some(SqliteLocation::File(_))) => {
            normalize_in_file(url, desired_sql).await
        }
        _ => {
            let mut conn = open_memory(PRIVATE_DEV_DATABASE).await?;
            run_script(&mut conn, PRIVATE_DEV_DATABASE, desired_sql).await?;
            let schema = inspect_connection(&mut conn, PRIVATE_DEV_DATABASE).await;
            close(conn).await;
            schema
        }
    }
}

async fn normalize_in_file(url: &DatabaseUrl, desired_sql: &str) -> Result<Schema, EngineError> {
    let label = url.redacted();
    let mut conn = open_for_write(url).await?;
    let existing = inspect_connection(&mut conn, &label).await?;
    if !existing.is_empty() {
        let objects: Vec<&str> = existing
            .tables
            .keys()
            .chain(existing.views.keys())
            .chain(existing.triggers.keys())
            .map(String::as_str)
            .collect();
        return Err(EngineError::DevDatabaseNotEmpty {
            url: label,
            objects: objects.join(", "),
        });
    }
    let mut tx = conn.begin().await.map_err(|e| EngineError::Connect {
        url: label.clone(),
        reason: e.to_string(),
    })?;
    run_script(&mut tx, &label, desired_sql).await?;
    let schema = inspect_connection(&mut tx, &label).await?;
    // Rolling back is what keeps the dev database empty; a failure here means
    // the connection is gone, and SQLite rolls back on close anyway.
    let _ = tx.rollback().await;
    Ok(schema)
}

/// Runs the statements one at a time so a failure names its statement.
async fn run_script(conn: &mut SqliteConnection, label: &str, sql: &str) -> Result<(), EngineError> {
    for (position, statement) in split_statements(sql).iter().enumerate() {
        // Through the Executor trait: its boxed future is Send, which
        // RawSql's own async `execute` cannot be proven to be.
        conn.execute(sqlx::raw_sql(statement.text))
            .await
            .map_err(|e| EngineError::desired_statement_failed(label, position, statement, database_message(&e)))?;
    }
    Ok(())
}

/// Closing only flushes; a failure to close a private database loses nothing.
async fn close(conn: SqliteConnection) {
    let _ = conn.close().await;
}
