//! Opening MySQL/MariaDB connections within the URL's `connect_timeout`, and
//! the server they reach: its flavour and version, read once per connection
//! (`SELECT VERSION()`), decide what the inspector may ask and how a
//! statement is classified for online DDL.

use std::str::FromStr;
use std::time::Duration;

use sqlx::mysql::{MySqlConnectOptions, MySqlConnection};
use sqlx::{ConnectOptions, Row};

use crate::engine::error::{database_message, EngineError};
use crate::engine::url::DatabaseUrl;

/// Which server answers: the two have drifted apart in catalog columns,
/// syntax (`IGNORED` vs `INVISIBLE` indexes) and online DDL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    MariaDb,
    MySql,
}

/// The server a connection reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Server {
    pub flavor: Flavor,
    /// Major, minor, patch.
    pub version: (u32, u32, u32),
}

impl Server {
    /// The flavour and version as text [`Server::from_version`] reads back:
    /// `10.11.6-MariaDB`, `8.0.36`.
    pub fn version_text(&self) -> String {
        let (major, minor, patch) = self.version;
        let suffix = if self.is_mariadb() { "-MariaDB" } else { "" };
        format!("{major}.{minor}.{patch}{suffix}")
    }

    /// Reads `VERSION()`'s text: `10.11.6-MariaDB-0+deb12u1`, `8.0.36`.
    pub fn from_version(text: &str) -> Server {
        let flavor = if text.to_ascii_lowercase().contains("mariadb") {
            Flavor::MariaDb
        } else {
            Flavor::MySql
        };
        let numbers: Vec<u32> = text
            .split(|c: char| !c.is_ascii_digit() && c != '.')
            .next()
            .unwrap_or_default()
            .split('.')
            .map(|part| part.parse().unwrap_or(0))
            .collect();
        let at = |i: usize| numbers.get(i).copied().unwrap_or(0);
        Server {
            flavor,
            version: (at(0), at(1), at(2)),
        }
    }

    pub fn is_mariadb(&self) -> bool {
        self.flavor == Flavor::MariaDb
    }

    /// True when the server is at least `major.minor.patch`.
    pub fn at_least(&self, major: u32, minor: u32, patch: u32) -> bool {
        self.version >= (major, minor, patch)
    }
}

/// Where and how to connect. (No `Debug`: sqlx's options hold the password.)
#[derive(Clone)]
pub struct ServerOptions {
    connect: MySqlConnectOptions,
    limit: Option<Duration>,
    /// How the limit was set, for the message when it runs out.
    setting: String,
    /// The redacted URL, for messages.
    pub label: String,
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

pub fn options(url: &DatabaseUrl) -> Result<ServerOptions, EngineError> {
    let connect = MySqlConnectOptions::from_str(&url.sqlx_url()).map_err(|e| EngineError::Connect {
        url: url.redacted(),
        reason: database_message(&e),
    })?;
    // sqlx adds PIPES_AS_CONCAT to sql_mode by default, which would make `||`
    // in desired SQL mean something else than it does for the application.
    let connect = connect.pipes_as_concat(false).disable_statement_logging();
    let limit = url.connect_timeout();
    let setting = match (limit, url.connect_timeout_is_default()) {
        (Some(limit), true) => format!("`connect_timeout` defaults to {} s", limit.as_secs()),
        (Some(limit), false) => format!("`connect_timeout={}` in the URL", limit.as_secs()),
        (None, _) => "no `connect_timeout`".to_string(),
    };
    Ok(ServerOptions {
        connect,
        limit,
        setting,
        label: url.redacted(),
    })
}

/// A connection and the server behind it.
pub async fn connect(options: &ServerOptions) -> Result<(MySqlConnection, Server), EngineError> {
    let connecting = options.connect.connect();
    let connected = match options.limit {
        Some(limit) => tokio::time::timeout(limit, connecting).await.ok(),
        None => Some(connecting.await),
    };
    let Some(connected) = connected else {
        return Err(EngineError::ConnectTimedOut {
            url: options.label.clone(),
            seconds: options.limit.map_or(0, |limit| limit.as_secs()),
            setting: options.setting.clone(),
        });
    };
    let failed = |e: sqlx::Error| EngineError::Connect {
        url: options.label.clone(),
        reason: database_message(&e),
    };
    let mut conn = connected.map_err(failed)?;
    let row = sqlx::query("SELECT VERSION()")
        .fetch_one(&mut conn)
        .await
        .map_err(failed)?;
    let version: String = row.try_get(0).map_err(failed)?;
    Ok((conn, Server::from_version(&version)))
}

pub async fn open(url: &DatabaseUrl) -> Result<(MySqlConnection, Server), EngineError> {
    connect(&options(url)?).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flavours_and_versions_are_read_from_version_strings() {
        let maria = Server::from_version("10.11.19-MariaDB-0+deb12u1");
        assert_eq!(maria.flavor, Flavor::MariaDb);
        assert_eq!(maria.version, (10, 11, 19));
        assert!(maria.at_least(10, 6, 0) && !maria.at_least(11, 0, 0));
        let mysql = Server::from_version("8.0.36");
        assert_eq!((mysql.flavor, mysql.version), (Flavor::MySql, (8, 0, 36)));
        let odd = Server::from_version("8.4.0-commercial");
        assert_eq!(odd.version, (8, 4, 0));
    }
}
