//! Opening PostgreSQL connections. Messages name databases by their redacted
//! URL only; sqlx's own connection errors do not echo the URL.

use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{ConnectOptions, Executor};

use crate::engine::error::{database_message, EngineError};
use crate::engine::url::DatabaseUrl;

/// Connection options for `url`, optionally pointed at another database on
/// the same server.
pub fn options(url: &DatabaseUrl, database: Option<&str>) -> Result<PgConnectOptions, EngineError> {
    let options = PgConnectOptions::from_str(&url.sqlx_url()).map_err(|e| EngineError::Connect {
        url: url.redacted(),
        reason: database_message(&e),
    })?;
    let options = options.application_name("terraform-provider-sqlalchemy");
    Ok(match database {
        Some(name) => options.database(name),
        None => options,
    })
}

pub async fn connect(options: &PgConnectOptions, label: &str) -> Result<PgConnection, EngineError> {
    let mut conn = options.connect().await.map_err(|e| EngineError::Connect {
        url: label.to_string(),
        reason: database_message(&e),
    })?;
    // Catalog text (defaults, view bodies) is rendered relative to the search
    // path; pin it so every connection spells the same schema the same way.
    conn.execute("SET search_path = \"$user\", public")
        .await
        .map_err(|e| EngineError::Connect {
            url: label.to_string(),
            reason: database_message(&e),
        })?;
    Ok(conn)
}

pub async fn open(url: &DatabaseUrl) -> Result<PgConnection, EngineError> {
    connect(&options(url, None)?, &url.redacted()).await
}
