//! Opening SQLite databases the way each step needs them: inspection never
//! creates or writes a file, apply creates the file on first use. A location
//! SQLite cannot use is named first (see location.rs).

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection};

use super::location;
use crate::engine::error::EngineError;
use crate::engine::url::{DatabaseUrl, SqliteLocation};

/// How long to wait for another writer's lock when the URL does not say.
const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Read-only connection for inspection; `None` when the file does not exist
/// yet (an empty schema, and no empty file left behind by a plan).
pub async fn open_for_inspect(url: &DatabaseUrl) -> Result<Option<SqliteConnection>, EngineError> {
    match url.sqlite_location() {
        Some(SqliteLocation::File(path)) => {
            if let Some(problem) = location::unreadable(path) {
                return Err(cannot_open(url, problem));
            }
            if !path.exists() {
                return Ok(None);
            }
            let options = SqliteConnectOptions::new()
                .filename(path)
                .read_only(true)
                .busy_timeout(url.sqlite_busy_timeout().unwrap_or(DEFAULT_BUSY_TIMEOUT));
            connect(url, options).await.map(Some)
        }
        _ => open_memory(&url.redacted()).await.map(Some),
    }
}

/// Read-write connection that creates the file if missing.
pub async fn open_for_write(url: &DatabaseUrl) -> Result<SqliteConnection, EngineError> {
    match url.sqlite_location() {
        Some(SqliteLocation::File(path)) => {
            if let Some(problem) = location::unwritable(path) {
                return Err(cannot_open(url, problem));
            }
            let options = SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(true)
                .foreign_keys(true)
                .busy_timeout(url.sqlite_busy_timeout().unwrap_or(DEFAULT_BUSY_TIMEOUT));
            connect(url, options).await
        }
        _ => open_memory(&url.redacted()).await,
    }
}

/// A private in-memory database; `label` names it in errors.
pub async fn open_memory(label: &str) -> Result<SqliteConnection, EngineError> {
    let failed = |e: sqlx::Error| EngineError::Connect {
        url: label.to_string(),
        reason: e.to_string(),
    };
    let options = SqliteConnectOptions::from_str("sqlite::memory:")
        .map_err(failed)?
        .disable_statement_logging();
    options.connect().await.map_err(failed)
}

fn cannot_open(url: &DatabaseUrl, problem: String) -> EngineError {
    EngineError::Connect {
        url: url.redacted(),
        reason: problem,
    }
}

async fn connect(url: &DatabaseUrl, options: SqliteConnectOptions) -> Result<SqliteConnection, EngineError> {
    // Not every statement (and every slow one) in full on stderr.
    let options = options.disable_statement_logging();
    SqliteConnection::connect_with(&options)
        .await
        .map_err(|e| EngineError::Connect {
            url: url.redacted(),
            reason: e.to_string(),
        })
}
