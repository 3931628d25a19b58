//! Desired DDL → model: run it in a dev database and inspect what SQLite made
//! of it. SQLite is its own best parser; the model then compares by meaning,
//! not by how the DDL was written. Every run is contained (script.rs): only
//! schema definitions run, and a script with refusals never reaches a dev
//! database file.

use sqlx::sqlite::SqliteConnection;
use sqlx::Connection;

use super::c_api::Handle;
use super::connect::{open_for_write, open_memory};
use super::inspect::inspect_connection;
use super::script::{check_desired, run_desired};
use crate::engine::error::EngineError;
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
            check_desired(desired_sql)?;
            normalize_in_file(url, desired_sql).await
        }
        _ => {
            let mut conn = open_memory(PRIVATE_DEV_DATABASE).await?;
            run_contained(&mut conn, PRIVATE_DEV_DATABASE, desired_sql).await?;
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
    run_contained(&mut tx, &label, desired_sql).await?;
    let schema = inspect_connection(&mut tx, &label).await?;
    // Rolling back is what keeps the dev database empty; a failure here means
    // the connection is gone, and SQLite rolls back on close anyway.
    let _ = tx.rollback().await;
    Ok(schema)
}

/// Runs `sql` contained on `conn`, with SQLite's C API on the connection's
/// own handle.
async fn run_contained(conn: &mut SqliteConnection, label: &str, sql: &str) -> Result<usize, EngineError> {
    let mut locked = conn.lock_handle().await.map_err(|e| EngineError::Connect {
        url: label.to_string(),
        reason: e.to_string(),
    })?;
    run_desired(&Handle::locked(&mut locked), label, sql)
}

/// Closing only flushes; a failure to close a private database loses nothing.
async fn close(conn: SqliteConnection) {
    let _ = conn.close().await;
}
