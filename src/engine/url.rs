//! Database URLs, including the SQLAlchemy forms users already have
//! (`postgresql+psycopg://…`, `mysql+pymysql://…`, `sqlite:////abs.db`).
//!
//! * The `+driver` suffix of a scheme is ignored: the engine has its own drivers.
//! * MariaDB URLs map to [`Dialect::Mysql`]; [`DatabaseUrl::is_mariadb`] keeps the flavour.
//! * SQLite follows SQLAlchemy: `sqlite:///relative.db` is relative to the current
//!   directory, `sqlite:////absolute.db` is absolute, and `sqlite://` or
//!   `sqlite:///:memory:` is a private in-memory database. The path is taken
//!   literally (no percent-decoding), as SQLAlchemy does.
//! * Nothing here ever prints a password: `Debug`, `Display` and [`DatabaseUrl::redacted`]
//!   replace it with `****`, and [`UrlError`] never echoes the input.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The SQL flavour a URL speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    Sqlite,
    Postgres,
    /// MySQL and MariaDB.
    Mysql,
}

impl Dialect {
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
            Dialect::Mysql => "mysql",
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a URL was rejected. Messages never contain the URL itself, so a password
/// cannot leak through them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("the database URL is empty")]
    Empty,
    #[error(
        "not a database URL: expected `scheme://…`, for example \
         `postgresql://user@host:5432/db`, `mysql://user@host/db` or `sqlite:///file.db`"
    )]
    NotAUrl,
    #[error(
        "unsupported database URL scheme `{0}`: expected postgresql, postgres, mysql, \
         mariadb or sqlite (a `+driver` suffix is allowed)"
    )]
    UnknownScheme(String),
    #[error("the {0} URL has no host: write `{0}://user:password@host:port/database`")]
    MissingHost(String),
    #[error("invalid {scheme} URL: {reason}")]
    Invalid { scheme: String, reason: String },
    #[error(
        "unsupported SQLite URL option `{0}`: supported are `timeout` (seconds) and the \
         pysqlite options that do not apply here (check_same_thread, uri, cached_statements, \
         isolation_level, detect_types)"
    )]
    UnknownSqliteOption(String),
    #[error("invalid SQLite `timeout` option: expected a number of seconds")]
    InvalidSqliteTimeout,
}

/// Where a SQLite database lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SqliteLocation {
    /// A private database that lives as long as its connection.
    Memory,
    /// A file; relative paths are relative to the current directory.
    File(PathBuf),
}

#[derive(Clone, PartialEq, Eq)]
enum Target {
    Sqlite {
        location: SqliteLocation,
        busy_timeout: Option<Duration>,
        /// The URL as written (SQLite URLs carry no password).
        written: String,
    },
    Server {
        /// The URL as written, parsed (scheme still carries any `+driver`).
        url: url::Url,
    },
}

/// A parsed database URL.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    dialect: Dialect,
    mariadb: bool,
    target: Target,
}

/// pysqlite query options that configure Python objects, not the database.
const IGNORED_SQLITE_OPTIONS: &[&str] = &[
    "check_same_thread",
    "uri",
    "cached_statements",
    "isolation_level",
    "detect_types",
];

/// Query keys whose values are secrets and are redacted like the password.
const SECRET_QUERY_KEYS: &[&str] = &["password", "sslpassword"];

impl DatabaseUrl {
    pub fn parse(input: &str) -> Result<DatabaseUrl, UrlError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(UrlError::Empty);
        }
        let (scheme, rest) = input.split_once("://").ok_or(UrlError::NotAUrl)?;
        let base = scheme.split('+').next().unwrap_or(scheme).to_ascii_lowercase();
        if base.is_empty() || !base.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(UrlError::NotAUrl);
        }
        let (dialect, mariadb) = match base.as_str() {
            "sqlite" => return parse_sqlite(input, rest),
            "postgresql" | "postgres" => (Dialect::Postgres, false),
            "mysql" => (Dialect::Mysql, false),
            "mariadb" => (Dialect::Mysql, true),
            _ => return Err(UrlError::UnknownScheme(base)),
        };
        let url = parse_server_url(input, &base)?;
        Ok(DatabaseUrl {
            dialect,
            mariadb,
            target: Target::Server { url },
        })
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// True for `mariadb://` URLs (the dialect is [`Dialect::Mysql`]).
    pub fn is_mariadb(&self) -> bool {
        self.mariadb
    }

    /// The SQLite database location, for SQLite URLs.
    pub fn sqlite_location(&self) -> Option<&SqliteLocation> {
        match &self.target {
            Target::Sqlite { location, .. } => Some(location),
            Target::Server { .. } => None,
        }
    }

    /// The SQLite busy timeout from the `timeout` option, for SQLite URLs.
    pub fn sqlite_busy_timeout(&self) -> Option<Duration> {
        match &self.target {
            Target::Sqlite { busy_timeout, .. } => *busy_timeout,
            Target::Server { .. } => None,
        }
    }

    /// The URL with the password (and secret query options) replaced by `****`:
    /// safe for logs, diagnostics and resource ids.
    pub fn redacted(&self) -> String {
        match &self.target {
            Target::Sqlite { written, .. } => written.clone(),
            Target::Server { url } => redact(url).to_string(),
        }
    }

    /// The URL sqlx should connect to. Server URLs get the plain scheme and
    /// MySQL's `ssl_*` options in sqlx spelling (`ssl-*`). A SQLite file URL gets
    /// `mode=rwc` (create the file if missing): that is the mode `apply` uses;
    /// inspection opens the file read-only and treats a missing file as empty.
    pub fn sqlx_url(&self) -> String {
        match &self.target {
            Target::Sqlite { location, .. } => match location {
                SqliteLocation::Memory => "sqlite::memory:".to_string(),
                SqliteLocation::File(path) => format!("sqlite://{}?mode=rwc", path.display()),
            },
            Target::Server { url } => self.server_sqlx_url(url).to_string(),
        }
    }

    fn server_sqlx_url(&self, written: &url::Url) -> url::Url {
        let mut url = written.clone();
        let scheme = match self.dialect {
            Dialect::Mysql => "mysql",
            _ => "postgres",
        };
        // Both schemes are "non-special" for the url crate, so this cannot fail;
        // if it ever did, the written scheme would be kept and sqlx would say so.
        let _ = url.set_scheme(scheme);
        if self.dialect == Dialect::Mysql {
            let pairs: Vec<(String, String)> = written
                .query_pairs()
                .map(|(k, v)| (mysql_option_name(&k), v.into_owned()))
                .collect();
            if !pairs.is_empty() {
                url.query_pairs_mut().clear().extend_pairs(pairs);
            }
        }
        url
    }
}

/// Parses a server URL. SQLAlchemy's Unix-socket form `user:pw@/db?host=/run/pg`
/// has credentials but no host, which the `url` crate rejects; `localhost`
/// stands in for it, and the `host` option (which sqlx prefers) says where to go.
fn parse_server_url(input: &str, scheme: &str) -> Result<url::Url, UrlError> {
    let invalid = |e: url::ParseError| UrlError::Invalid {
        scheme: scheme.to_string(),
        reason: e.to_string(),
    };
    let url = match url::Url::parse(input) {
        Ok(url) => url,
        Err(url::ParseError::EmptyHost) if input.contains("@/") => {
            let url = url::Url::parse(&input.replacen("@/", "@localhost/", 1)).map_err(invalid)?;
            if !url.query_pairs().any(|(k, _)| k == "host") {
                return Err(UrlError::MissingHost(scheme.to_string()));
            }
            url
        }
        Err(url::ParseError::EmptyHost) => return Err(UrlError::MissingHost(scheme.to_string())),
        Err(e) => return Err(invalid(e)),
    };
    let has_host = url.host_str().is_some_and(|h| !h.is_empty());
    let host_in_query = url.query_pairs().any(|(k, _)| k == "host");
    if !has_host && !host_in_query {
        return Err(UrlError::MissingHost(scheme.to_string()));
    }
    Ok(url)
}

/// pymysql/mysqlclient spell TLS options with underscores, sqlx with dashes.
fn mysql_option_name(key: &str) -> String {
    match key {
        "ssl_ca" | "ssl_cert" | "ssl_key" | "ssl_mode" => key.replace('_', "-"),
        other => other.to_string(),
    }
}

fn redact(url: &url::Url) -> url::Url {
    let mut url = url.clone();
    if url.password().is_some() {
        // Only fails for URLs that cannot have a password, which this one has.
        let _ = url.set_password(Some("****"));
    }
    if url.query_pairs().any(|(k, _)| SECRET_QUERY_KEYS.contains(&k.as_ref())) {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let value = if SECRET_QUERY_KEYS.contains(&k.as_ref()) {
                    "****".to_string()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), value)
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    url
}

fn parse_sqlite(written: &str, rest: &str) -> Result<DatabaseUrl, UrlError> {
    let (path_part, query) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    };
    // After `sqlite://` comes an (empty) host, then `/` and the path.
    let location = if path_part.is_empty() {
        SqliteLocation::Memory
    } else {
        let path = path_part.strip_prefix('/').ok_or(UrlError::Invalid {
            scheme: "sqlite".into(),
            reason: "expected `sqlite:///relative/path.db`, `sqlite:////absolute/path.db` \
                     or `sqlite://` (in memory); SQLite URLs have no host"
                .into(),
        })?;
        if path.is_empty() || path == ":memory:" {
            SqliteLocation::Memory
        } else {
            SqliteLocation::File(Path::new(path).to_path_buf())
        }
    };
    let mut busy_timeout = None;
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if key == "timeout" {
            let seconds: f64 = value.parse().map_err(|_| UrlError::InvalidSqliteTimeout)?;
            // Negative, NaN, infinite and too large for a Duration (which
            // `from_secs_f64` would panic on) are all invalid.
            let timeout = Duration::try_from_secs_f64(seconds).map_err(|_| UrlError::InvalidSqliteTimeout)?;
            busy_timeout = Some(timeout);
        } else if !IGNORED_SQLITE_OPTIONS.contains(&key) {
            return Err(UrlError::UnknownSqliteOption(key.to_string()));
        }
    }
    Ok(DatabaseUrl {
        dialect: Dialect::Sqlite,
        mariadb: false,
        target: Target::Sqlite {
            location,
            busy_timeout,
            written: written.to_string(),
        },
    })
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DatabaseUrl").field(&self.redacted()).finish()
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl std::str::FromStr for DatabaseUrl {
    type Err = UrlError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DatabaseUrl::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> DatabaseUrl {
        match DatabaseUrl::parse(s) {
            Ok(url) => url,
            Err(e) => panic!("{s}: {e}"),
        }
    }

    #[test]
    fn postgres_forms_map_to_postgres_and_drop_the_driver() {
        for scheme in ["postgresql+psycopg", "postgresql+psycopg2", "postgres", "postgresql"] {
            let url = parse(&format!("{scheme}://app:s3cret@db.example:5432/shop"));
            assert_eq!(url.dialect(), Dialect::Postgres);
            assert_eq!(url.sqlx_url(), "postgres://app:s3cret@db.example:5432/shop");
            assert_eq!(url.redacted(), format!("{scheme}://app:****@db.example:5432/shop"));
        }
    }

    #[test]
    fn mysql_and_mariadb_forms() {
        for (scheme, mariadb) in [
            ("mysql+pymysql", false),
            ("mysql+mysqldb", false),
            ("mysql", false),
            ("mariadb+mariadbconnector", true),
            ("mariadb", true),
        ] {
            let url = parse(&format!("{scheme}://root:pw@localhost/app?charset=utf8mb4"));
            assert_eq!(url.dialect(), Dialect::Mysql, "{scheme}");
            assert_eq!(url.is_mariadb(), mariadb, "{scheme}");
            assert_eq!(url.sqlx_url(), "mysql://root:pw@localhost/app?charset=utf8mb4");
        }
    }

    #[test]
    fn query_options_pass_through_and_mysql_tls_options_are_respelled() {
        let pg = parse("postgresql://u:p@h/db?sslmode=verify-full&sslrootcert=/ca.pem&sslcert=/c.pem&sslkey=/k.pem");
        assert_eq!(
            pg.sqlx_url(),
            "postgres://u:p@h/db?sslmode=verify-full&sslrootcert=/ca.pem&sslcert=/c.pem&sslkey=/k.pem"
        );
        let my = parse("mysql+pymysql://u:p@h/db?ssl_ca=/ca.pem&ssl-mode=REQUIRED&charset=utf8mb4");
        assert_eq!(
            my.sqlx_url(),
            "mysql://u:p@h/db?ssl-ca=%2Fca.pem&ssl-mode=REQUIRED&charset=utf8mb4"
        );
    }

    #[test]
    fn percent_encoded_passwords_stay_encoded_for_sqlx_and_never_print() {
        let url = parse("postgresql+psycopg://app:p%40ss%3Aw%2Frd@db:5432/shop");
        assert_eq!(url.sqlx_url(), "postgres://app:p%40ss%3Aw%2Frd@db:5432/shop");
        assert_eq!(url.redacted(), "postgresql+psycopg://app:****@db:5432/shop");
        let debug = format!("{url:?}");
        assert!(!debug.contains("p%40ss"), "{debug}");
        assert!(debug.contains("****"), "{debug}");
        assert!(!url.to_string().contains("p%40ss"));
    }

    #[test]
    fn secret_query_options_are_redacted() {
        let url = parse("postgresql://app@db/shop?password=hunter2&sslmode=require");
        assert_eq!(url.redacted(), "postgresql://app@db/shop?password=****&sslmode=require");
    }

    #[test]
    fn url_without_password_is_unchanged_by_redaction() {
        let url = parse("postgres://app@db/shop");
        assert_eq!(url.redacted(), "postgres://app@db/shop");
    }

    #[test]
    fn sqlite_paths_follow_sqlalchemy() {
        let rel = parse("sqlite:///relative.db");
        assert_eq!(
            rel.sqlite_location(),
            Some(&SqliteLocation::File(PathBuf::from("relative.db")))
        );
        assert_eq!(rel.sqlx_url(), "sqlite://relative.db?mode=rwc");
        let abs = parse("sqlite:////absolute/path.db");
        assert_eq!(
            abs.sqlite_location(),
            Some(&SqliteLocation::File(PathBuf::from("/absolute/path.db")))
        );
        assert_eq!(abs.sqlx_url(), "sqlite:///absolute/path.db?mode=rwc");
        let driver = parse("sqlite+pysqlite:///data/app.db");
        assert_eq!(driver.dialect(), Dialect::Sqlite);
        assert_eq!(
            driver.sqlite_location(),
            Some(&SqliteLocation::File(PathBuf::from("data/app.db")))
        );
        assert_eq!(driver.redacted(), "sqlite+pysqlite:///data/app.db");
    }

    #[test]
    fn sqlite_memory_forms() {
        for s in ["sqlite://", "sqlite:///:memory:", "sqlite+pysqlite://"] {
            let url = parse(s);
            assert_eq!(url.sqlite_location(), Some(&SqliteLocation::Memory), "{s}");
            assert_eq!(url.sqlx_url(), "sqlite::memory:");
        }
    }

    #[test]
    fn sqlite_options() {
        let url = parse("sqlite:///app.db?timeout=2.5&check_same_thread=false");
        assert_eq!(url.sqlite_busy_timeout(), Some(Duration::from_millis(2500)));
        assert_eq!(
            DatabaseUrl::parse("sqlite:///app.db?journal=wal"),
            Err(UrlError::UnknownSqliteOption("journal".into()))
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///app.db?timeout=soon"),
            Err(UrlError::InvalidSqliteTimeout)
        );
    }

    #[test]
    fn sqlite_url_with_a_host_is_rejected() {
        assert!(matches!(
            DatabaseUrl::parse("sqlite://host/app.db"),
            Err(UrlError::Invalid { .. })
        ));
    }

    #[test]
    fn bad_urls_are_rejected_without_echoing_the_input() {
        let cases = [
            ("", UrlError::Empty),
            ("   ", UrlError::Empty),
            ("garbage", UrlError::NotAUrl),
            ("user:secretpw@host/db", UrlError::NotAUrl),
            ("://user:secretpw@host/db", UrlError::NotAUrl),
            (
                "oracle://scott:secretpw@host/orcl",
                UrlError::UnknownScheme("oracle".into()),
            ),
            ("postgresql:///db", UrlError::MissingHost("postgresql".into())),
            (
                "mysql+pymysql://user:secretpw@/db",
                UrlError::MissingHost("mysql".into()),
            ),
        ];
        for (input, expected) in cases {
            let err = DatabaseUrl::parse(input).expect_err(input);
            assert_eq!(err, expected, "{input}");
            assert!(!err.to_string().contains("secretpw"), "{err}");
        }
    }

    #[test]
    fn invalid_port_is_reported_without_the_password() {
        let err = DatabaseUrl::parse("postgresql://u:secretpw@host:99999/db").expect_err("port");
        assert!(matches!(err, UrlError::Invalid { .. }), "{err:?}");
        assert!(!err.to_string().contains("secretpw"));
    }

    #[test]
    fn postgres_socket_host_in_query_is_accepted() {
        let url = parse("postgresql:///shop?host=/var/run/postgresql");
        assert_eq!(url.sqlx_url(), "postgres:///shop?host=/var/run/postgresql");
        let url = parse("postgresql+psycopg2://app:pw@/shop?host=/var/run/postgresql");
        assert_eq!(
            url.sqlx_url(),
            "postgres://app:pw@localhost/shop?host=/var/run/postgresql"
        );
        assert_eq!(
            DatabaseUrl::parse("postgresql://app:pw@/shop"),
            Err(UrlError::MissingHost("postgresql".into()))
        );
    }
}
