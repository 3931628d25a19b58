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
    pin_session(&mut conn, label).await?;
    Ok(conn)
}

/// Catalog text (defaults, view bodies, type names) is rendered relative to
/// the session's settings, the search path above all; reset them so every
/// inspection spells the same schema the same way, whatever a desired script
/// set before it.
pub async fn pin_session(conn: &mut PgConnection, label: &str) -> Result<(), EngineError> {
    conn.execute(sqlx::raw_sql("RESET ALL; SET search_path = \"$user\", public"))
        .await
        .map(|_| ())
        .map_err(|e| EngineError::Connect {
            url: label.to_string(),
            reason: database_message(&e),
        })
}

pub async fn open(url: &DatabaseUrl) -> Result<PgConnection, EngineError> {
    connect(&options(url, None)?, &url.redacted()).await
}
