//! Server URLs (PostgreSQL, MySQL/MariaDB): `scheme://user:password@host:port/database?options`.
//!
//! A password with an unencoded `/`, `?` or `#` ends the host part early, and
//! what follows would be read as port, database or options: the password
//! would then show in every message that names the database. Such URLs are
//! refused before they are parsed, with how to percent-encode instead.

use std::time::Duration;

use super::{Dialect, UrlError, PERCENT_ENCODING_ADVICE};

/// How long opening a connection may take when the URL does not say: long
/// enough for TLS and authentication across a slow link, short enough that
/// a port that accepts connections and never answers fails the plan quickly.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The option's name in libpq, psycopg, PyMySQL and mysqlclient alike.
const CONNECT_TIMEOUT_OPTION: &str = "connect_timeout";

/// The query options sqlx's PostgreSQL driver reads; it logs any other one
/// together with its value, which may be a secret (`sslpassword`).
const SQLX_POSTGRES_OPTIONS: &[&str] = &[
    "sslmode",
    "ssl-mode",
    "sslrootcert",
    "ssl-root-cert",
    "ssl-ca",
    "sslcert",
    "ssl-cert",
    "sslkey",
    "ssl-key",
    "statement-cache-capacity",
    "host",
    "hostaddr",
    "port",
    "dbname",
    "user",
    "password",
    "application_name",
    "options",
];

#[derive(Clone, PartialEq, Eq)]
pub(super) struct ServerUrl {
    /// The URL as written, parsed (the scheme still carries any `+driver`).
    written: url::Url,
    /// `connect_timeout` in seconds, when the URL sets it.
    connect_timeout: Option<u64>,
}

impl ServerUrl {
    /// `scheme` is the base scheme as written (`postgresql`), for messages.
    pub fn parse(input: &str, scheme: &str, dialect: Dialect) -> Result<ServerUrl, UrlError> {
        let has_credentials = check_reserved_characters(input, scheme)?;
        let written = parse_url(input, scheme, dialect, has_credentials)?;
        let connect_timeout = connect_timeout_option(&written, scheme)?;
        if dialect == Dialect::Postgres && !names_database(&written) {
            return Err(UrlError::MissingDatabase(scheme.to_string()));
        }
        Ok(ServerUrl {
            written,
            connect_timeout,
        })
    }

    pub fn written(&self) -> &url::Url {
        &self.written
    }

    pub fn connect_timeout(&self) -> Option<Duration> {
        match self.connect_timeout {
            None => Some(DEFAULT_CONNECT_TIMEOUT),
            Some(0) => None,
            Some(seconds) => Some(Duration::from_secs(seconds)),
        }
    }

    pub fn connect_timeout_is_default(&self) -> bool {
        self.connect_timeout.is_none()
    }

    pub fn ignored_options(&self, dialect: Dialect) -> Vec<String> {
        if dialect != Dialect::Postgres {
            return Vec::new();
        }
        let mut ignored: Vec<String> = Vec::new();
        for (key, _) in self.written.query_pairs() {
            if key != CONNECT_TIMEOUT_OPTION && !sqlx_postgres_reads(&key) && !ignored.iter().any(|k| *k == key) {
                ignored.push(key.into_owned());
            }
        }
        ignored
    }

    pub fn sqlx_url(&self, dialect: Dialect) -> url::Url {
        let mut url = self.written.clone();
        let scheme = match dialect {
            Dialect::Mysql => "mysql",
            _ => "postgres",
        };
        // Both schemes are "non-special" for the url crate, so this cannot fail;
        // if it ever did, the written scheme would be kept and sqlx would say so.
        let _ = url.set_scheme(scheme);
        let keeps = |key: &str| match dialect {
            Dialect::Postgres => sqlx_postgres_reads(key),
            _ => key != CONNECT_TIMEOUT_OPTION,
        };
        let rewrite = self
            .written
            .query_pairs()
            .any(|(key, _)| !keeps(&key) || (dialect == Dialect::Mysql && mysql_option_name(&key) != key));
        if rewrite {
            let pairs: Vec<(String, String)> = self
                .written
                .query_pairs()
                .filter(|(key, _)| keeps(key))
                .map(|(key, value)| (mysql_spelling(dialect, &key), value.into_owned()))
                .collect();
            if pairs.is_empty() {
                url.set_query(None);
            } else {
                url.query_pairs_mut().clear().extend_pairs(pairs);
            }
        }
        url
    }
}

fn sqlx_postgres_reads(key: &str) -> bool {
    SQLX_POSTGRES_OPTIONS.contains(&key) || key.starts_with("options[")
}

/// Refuses the characters that make a URL parse differently from what was
/// meant: a `#` anywhere (a fragment), an `@` after the host part (the user
/// info went on past a `/` or `?` of the password). Returns whether the host
/// part has user info.
fn check_reserved_characters(input: &str, scheme: &str) -> Result<bool, UrlError> {
    let rest = input.split_once("://").map_or(input, |(_, rest)| rest);
    if rest.contains('#') {
        return Err(UrlError::Fragment(scheme.to_string()));
    }
    let host_part_end = rest.find(['/', '?']).unwrap_or(rest.len());
    if rest[host_part_end..].contains('@') {
        return Err(UrlError::AtAfterHost(scheme.to_string()));
    }
    Ok(rest[..host_part_end].contains('@'))
}

/// The options that name a Unix socket instead of a host: libpq's `host`
/// (a directory); PyMySQL's and mysqlclient's `unix_socket`, or sqlx's own
/// `socket` (the socket file).
fn socket_options(dialect: Dialect) -> &'static [&'static str] {
    match dialect {
        Dialect::Mysql => &[MYSQL_SOCKET_OPTION, SQLX_MYSQL_SOCKET_OPTION],
        _ => &["host"],
    }
}

/// How PyMySQL and mysqlclient name the socket file in SQLAlchemy URLs.
const MYSQL_SOCKET_OPTION: &str = "unix_socket";
/// How sqlx's MySQL driver names it.
const SQLX_MYSQL_SOCKET_OPTION: &str = "socket";

/// Parses a server URL. SQLAlchemy's Unix-socket forms `user:pw@/db?host=/run/pg`
/// and `user:pw@/db?unix_socket=/run/mysqld/mysqld.sock` have credentials but
/// no host, which the `url` crate rejects; `localhost` stands in for it, and
/// the socket option (which sqlx prefers) says where to go.
fn parse_url(input: &str, scheme: &str, dialect: Dialect, has_credentials: bool) -> Result<url::Url, UrlError> {
    let invalid = |e: url::ParseError| UrlError::Invalid {
        scheme: scheme.to_string(),
        // A port or host that does not parse is most often the middle of a
        // password with a reserved character in it.
        reason: if has_credentials {
            format!("{e}. {PERCENT_ENCODING_ADVICE}")
        } else {
            e.to_string()
        },
    };
    let url = match url::Url::parse(input) {
        Ok(url) => url,
        Err(url::ParseError::EmptyHost) if input.contains("@/") => {
            let url = url::Url::parse(&input.replacen("@/", "@localhost/", 1)).map_err(invalid)?;
            if !names_socket(&url, dialect) {
                return Err(UrlError::MissingHost(scheme.to_string()));
            }
            url
        }
        Err(url::ParseError::EmptyHost) => return Err(UrlError::MissingHost(scheme.to_string())),
        Err(e) => return Err(invalid(e)),
    };
    let has_host = url.host_str().is_some_and(|h| !h.is_empty());
    if !has_host && !names_socket(&url, dialect) {
        return Err(UrlError::MissingHost(scheme.to_string()));
    }
    Ok(url)
}

fn names_socket(url: &url::Url, dialect: Dialect) -> bool {
    url.query_pairs()
        .any(|(key, value)| socket_options(dialect).contains(&key.as_ref()) && !value.is_empty())
}

/// The last `connect_timeout` option: whole seconds, as libpq reads it.
fn connect_timeout_option(url: &url::Url, scheme: &str) -> Result<Option<u64>, UrlError> {
    let Some(value) = url
        .query_pairs()
        .filter(|(key, _)| key == CONNECT_TIMEOUT_OPTION)
        .map(|(_, value)| value.into_owned())
        .last()
    else {
        return Ok(None);
    };
    let seconds = value
        .trim()
        .parse::<u64>()
        .map_err(|_| UrlError::InvalidConnectTimeout(scheme.to_string()))?;
    Ok(Some(seconds))
}

/// A database in the path (`/app`) or in the `dbname` option.
fn names_database(url: &url::Url) -> bool {
    let in_path = !url.path().trim_matches('/').is_empty();
    in_path
        || url
            .query_pairs()
            .any(|(key, value)| key == "dbname" && !value.is_empty())
}

/// pymysql/mysqlclient spell TLS options with underscores, sqlx with dashes;
/// their `unix_socket` is sqlx's `socket`.
fn mysql_option_name(key: &str) -> String {
    match key {
        "ssl_ca" | "ssl_cert" | "ssl_key" | "ssl_mode" => key.replace('_', "-"),
        MYSQL_SOCKET_OPTION => SQLX_MYSQL_SOCKET_OPTION.to_string(),
        other => other.to_string(),
    }
}

fn mysql_spelling(dialect: Dialect, key: &str) -> String {
    match dialect {
        Dialect::Mysql => mysql_option_name(key),
        _ => key.to_string(),
    }
}
