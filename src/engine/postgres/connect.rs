//! Opening PostgreSQL connections, each within the URL's `connect_timeout`.
//! Messages name databases by their redacted URL only; sqlx's own connection
//! errors do not echo the URL.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{ConnectOptions, Executor};

use crate::engine::error::{database_message, EngineError};
use crate::engine::url::DatabaseUrl;

/// Where and how to connect: sqlx's options and how long connecting may take.
/// (No `Debug`: sqlx's options hold the password.)
#[derive(Clone)]
pub struct ServerOptions {
    connect: PgConnectOptions,
    limit: Option<Duration>,
    /// How the limit was set, for the message when it runs out.
    setting: String,
}

impl ServerOptions {
    /// The same server and credentials, another database.
    pub fn database(&self, name: &str) -> ServerOptions {
        ServerOptions {
            connect: self.connect.clone().database(name),
            ..self.clone()
        }
    }
}

/// Connection options for `url`, optionally pointed at another database on
/// the same server.
pub fn options(url: &DatabaseUrl, database: Option<&str>) -> Result<ServerOptions, EngineError> {
    let connect = PgConnectOptions::from_str(&url.sqlx_url()).map_err(|e| EngineError::Connect {
        url: url.redacted(),
        reason: database_message(&e),
    })?;
    // sqlx logs slow statements whole, and a scratch load is one statement
    // of megabytes: the engine's errors say what failed instead.
    let connect = connect
        .application_name("terraform-provider-sqlalchemy")
        .disable_statement_logging();
    let limit = url.connect_timeout();
    let setting = match (limit, url.connect_timeout_is_default()) {
        (Some(limit), true) => format!("`connect_timeout` defaults to {} s", limit.as_secs()),
        (Some(limit), false) => format!("`connect_timeout={}` in the URL", limit.as_secs()),
        (None, _) => "no `connect_timeout`".to_string(),
    };
    let options = ServerOptions {
        connect,
        limit,
        setting,
    };
    Ok(match database {
        Some(name) => options.database(name),
        None => options,
    })
}

pub async fn connect(options: &ServerOptions, label: &str) -> Result<PgConnection, EngineError> {
    let connecting = within(options.limit, options.connect.connect());
    let Some(connected) = connecting.await else {
        return Err(EngineError::ConnectTimedOut {
            url: label.to_string(),
            seconds: options.limit.map_or(0, |limit| limit.as_secs()),
            setting: options.setting.clone(),
        });
    };
    let mut conn = connected.map_err(|e| EngineError::Connect {
        url: label.to_string(),
        reason: database_message(&e),
    })?;
    pin_session(&mut conn, label).await?;
    Ok(conn)
}

/// `work`, or `None` when it is still not done after `limit`.
async fn within<T>(limit: Option<Duration>, work: impl std::future::Future<Output = T>) -> Option<T> {
    match limit {
        Some(limit) => tokio::time::timeout(limit, work).await.ok(),
        None => Some(work.await),
    }
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
