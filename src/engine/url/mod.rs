//! Database URLs, including the SQLAlchemy forms users already have
//! (`postgresql+psycopg://…`, `mysql+pymysql://…`, `sqlite:////abs.db`).
//!
//! * The `+driver` suffix of a scheme is ignored: the engine has its own drivers.
//! * MariaDB URLs map to [`Dialect::Mysql`]; [`DatabaseUrl::is_mariadb`] keeps the flavour.
//! * Server URLs (server.rs) must name their database, may set `connect_timeout`
//!   (seconds, as libpq and the MySQL drivers spell it), and are refused when an
//!   unencoded character in the password would make them parse differently from
//!   what was meant.
//! * SQLite (sqlite.rs) follows SQLAlchemy: `sqlite:///relative.db` is relative
//!   to the current directory, `sqlite:////absolute.db` is absolute, and
//!   `sqlite://` or `sqlite:///:memory:` is a private in-memory database (fine as
//!   a dev database, refused as a managed one: see [`DatabaseUrl::check_manageable`]).
//!   The path is taken literally (no percent-decoding), as SQLAlchemy does.
//! * Nothing here ever prints a password: `Debug`, `Display` and [`DatabaseUrl::redacted`]
//!   replace it with `****`, and [`UrlError`] never echoes the input.

mod server;
mod sqlite;

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use server::DEFAULT_CONNECT_TIMEOUT;
pub use sqlite::MAX_SQLITE_TIMEOUT;

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

    /// The name SQLAlchemy gives the dialect (what the exporter is asked for;
    /// MariaDB's own name is kept by [`DatabaseUrl::is_mariadb`]).
    pub fn sqlalchemy_name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgresql",
            Dialect::Mysql => "mysql",
        }
    }

    /// A dialect named as SQLAlchemy or a URL scheme names it.
    pub fn from_name(name: &str) -> Option<Dialect> {
        match name {
            "sqlite" => Some(Dialect::Sqlite),
            "postgresql" | "postgres" => Some(Dialect::Postgres),
            "mysql" | "mariadb" => Some(Dialect::Mysql),
            _ => None,
        }
    }

    /// The dialect's name in sentences.
    pub fn display_name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "SQLite",
            Dialect::Postgres => "PostgreSQL",
            Dialect::Mysql => "MySQL/MariaDB",
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How to write reserved characters of a user name or password, with an
/// example that is not the user's password.
const PERCENT_ENCODING_ADVICE: &str =
    "If the user name or password contains `@`, `/`, `?`, `#` or `%`, percent-encode those characters: \
     `@` as `%40`, `/` as `%2F`, `?` as `%3F`, `#` as `%23`, `%` as `%25`. For example the password \
     `p@ss/w0rd#1` is written `postgresql://app:p%40ss%2Fw0rd%231@db.example:5432/app`. In Terraform, \
     `replace(urlencode(var.db_password), \"+\", \"%20\")` encodes a password.";

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
    #[error(
        "the {0} URL has no host: write `{0}://user:password@host:port/database`; for a Unix socket, \
         name it in an option: `host=/run/postgresql` (PostgreSQL) or `unix_socket=/run/mysqld/mysqld.sock` \
         (MySQL/MariaDB)"
    )]
    MissingHost(String),
    #[error("invalid {scheme} URL: {reason}")]
    Invalid { scheme: String, reason: String },
    #[error(
        "the {0} URL has a `#`, which would start a URL fragment; a database URL has none, so the \
         text after it would be lost. {advice}",
        advice = PERCENT_ENCODING_ADVICE
    )]
    Fragment(String),
    #[error(
        "the {0} URL has an `@` after its host part, so it does not split into user, password, host \
         and database as written. {advice} An `@` in the database name or an option is written `%40` too.",
        advice = PERCENT_ENCODING_ADVICE
    )]
    AtAfterHost(String),
    #[error(
        "the {0} URL names no database: write it after the host, as in `{0}://user@host:5432/app`, \
         or as the option `?dbname=app`. Without one the database would be chosen by the environment \
         (PGDATABASE, else the user name) of whichever machine runs Terraform."
    )]
    MissingDatabase(String),
    #[error(
        "invalid `connect_timeout` option in the {0} URL: expected a whole number of seconds, \
         such as `connect_timeout=10` (`0` waits without limit)"
    )]
    InvalidConnectTimeout(String),
    #[error(
        "unsupported SQLite URL option `{0}`: supported are `timeout` (seconds) and the \
         pysqlite options that do not apply here (check_same_thread, uri, cached_statements, \
         isolation_level, detect_types)"
    )]
    UnknownSqliteOption(String),
    #[error(
        "invalid SQLite `timeout` option: expected a number of seconds from 0 to {max}, such as \
         `timeout=10` or `timeout=2.5`",
        max = MAX_SQLITE_TIMEOUT.as_secs()
    )]
    InvalidSqliteTimeout,
    #[error(
        "`sqlite://` (like `sqlite:///:memory:`) is a private in-memory database that vanishes when \
         the provider closes it: nothing applied to it would remain. Name a database file, such as \
         `sqlite:///app.db` (relative to the directory Terraform runs in) or `sqlite:////var/lib/app/app.db` \
         (absolute); an in-memory database is only useful as `dev_url`."
    )]
    InMemoryDatabase,
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
    Server(server::ServerUrl),
}

/// A parsed database URL.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    dialect: Dialect,
    mariadb: bool,
    target: Target,
}

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
            "sqlite" => {
                let (location, busy_timeout) = sqlite::parse(rest)?;
                return Ok(DatabaseUrl {
                    dialect: Dialect::Sqlite,
                    mariadb: false,
                    target: Target::Sqlite {
                        location,
                        busy_timeout,
                        written: input.to_string(),
                    },
                });
            }
            "postgresql" | "postgres" => (Dialect::Postgres, false),
            "mysql" => (Dialect::Mysql, false),
            "mariadb" => (Dialect::Mysql, true),
            _ => return Err(UrlError::UnknownScheme(base)),
        };
        let server = server::ServerUrl::parse(input, &base, dialect)?;
        Ok(DatabaseUrl {
            dialect,
            mariadb,
            target: Target::Server(server),
        })
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// True for `mariadb://` URLs (the dialect is [`Dialect::Mysql`]).
    pub fn is_mariadb(&self) -> bool {
        self.mariadb
    }

    /// Whether this URL can be the database a resource manages: everything
    /// but an in-memory SQLite database, which would vanish with its
    /// connection (it is fine as a dev database).
    pub fn check_manageable(&self) -> Result<(), UrlError> {
        match self.sqlite_location() {
            Some(SqliteLocation::Memory) => Err(UrlError::InMemoryDatabase),
            _ => Ok(()),
        }
    }

    /// The SQLite database location, for SQLite URLs.
    pub fn sqlite_location(&self) -> Option<&SqliteLocation> {
        match &self.target {
            Target::Sqlite { location, .. } => Some(location),
            Target::Server(_) => None,
        }
    }

    /// The SQLite busy timeout from the `timeout` option, for SQLite URLs.
    pub fn sqlite_busy_timeout(&self) -> Option<Duration> {
        match &self.target {
            Target::Sqlite { busy_timeout, .. } => *busy_timeout,
            Target::Server(_) => None,
        }
    }

    /// How long opening a connection to a server may take (the TCP
    /// connection, TLS, authentication): the `connect_timeout` option, else
    /// [`DEFAULT_CONNECT_TIMEOUT`]; `None` when `connect_timeout=0` lifts the
    /// limit, and for SQLite, which opens a file.
    pub fn connect_timeout(&self) -> Option<Duration> {
        match &self.target {
            Target::Server(server) => server.connect_timeout(),
            Target::Sqlite { .. } => None,
        }
    }

    /// True when the URL does not set `connect_timeout` (so the default applies).
    pub fn connect_timeout_is_default(&self) -> bool {
        match &self.target {
            Target::Server(server) => server.connect_timeout_is_default(),
            Target::Sqlite { .. } => false,
        }
    }

    /// Query options of a server URL that the engine's driver does not know
    /// and leaves out when connecting (their values are not shown: they may
    /// be secrets).
    pub fn ignored_options(&self) -> Vec<String> {
        match &self.target {
            Target::Server(server) => server.ignored_options(self.dialect),
            Target::Sqlite { .. } => Vec::new(),
        }
    }

    /// The URL with the password (and secret query options) replaced by `****`:
    /// safe for logs, diagnostics and resource ids.
    pub fn redacted(&self) -> String {
        match &self.target {
            Target::Sqlite { written, .. } => written.clone(),
            Target::Server(server) => redact(server.written()).to_string(),
        }
    }

    /// The URL sqlx should connect to. Server URLs get the plain scheme, only
    /// the query options sqlx knows (a PostgreSQL option it does not know
    /// would be logged with its value), and MySQL's `ssl_*` options in sqlx
    /// spelling (`ssl-*`). A SQLite file URL gets `mode=rwc` (create the file
    /// if missing): that is the mode `apply` uses; inspection opens the file
    /// read-only and treats a missing file as empty.
    pub fn sqlx_url(&self) -> String {
        match &self.target {
            Target::Sqlite { location, .. } => match location {
                SqliteLocation::Memory => "sqlite::memory:".to_string(),
                SqliteLocation::File(path) => format!("sqlite://{}?mode=rwc", path.display()),
            },
            Target::Server(server) => server.sqlx_url(self.dialect).to_string(),
        }
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
    fn mysql_unix_socket_urls_name_the_socket_for_sqlx() {
        let url = parse("mysql+pymysql://app:s3cret@/shop?unix_socket=/run/mysqld/mysqld.sock&charset=utf8mb4");
        assert_eq!(url.dialect(), Dialect::Mysql);
        assert_eq!(
            url.sqlx_url(),
            "mysql://app:s3cret@localhost/shop?socket=%2Frun%2Fmysqld%2Fmysqld.sock&charset=utf8mb4"
        );
        assert_eq!(
            url.redacted(),
            "mysql+pymysql://app:****@localhost/shop?unix_socket=/run/mysqld/mysqld.sock&charset=utf8mb4"
        );
        assert!(!format!("{url:?}").contains("s3cret"));
        // Without credentials, and in sqlx's own spelling.
        let url = parse("mariadb:///shop?socket=/run/mysqld/mysqld.sock");
        assert_eq!(url.sqlx_url(), "mysql:///shop?socket=/run/mysqld/mysqld.sock");
        // A socket option of the other dialect names no host.
        for input in [
            "mysql://app:s3cret@/shop?host=/run/mysqld",
            "mysql://app:s3cret@/shop?unix_socket=",
        ] {
            assert_eq!(
                DatabaseUrl::parse(input),
                Err(UrlError::MissingHost("mysql".into())),
                "{input}"
            );
        }
        assert_eq!(
            DatabaseUrl::parse("postgresql://app:pw@/shop?unix_socket=/run/mysqld/mysqld.sock"),
            Err(UrlError::MissingHost("postgresql".into()))
        );
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
    fn reserved_characters_of_a_password_are_refused_with_how_to_encode_them() {
        // Each password ends the host part early: as written, part of it
        // would become the port, the database or a fragment.
        for (password, expected) in [
            ("12/s3cretpw", UrlError::AtAfterHost("postgresql".into())),
            ("12?s3cretpw", UrlError::AtAfterHost("postgresql".into())),
            ("12#s3cretpw", UrlError::Fragment("postgresql".into())),
            ("s3cretpw@x/y", UrlError::AtAfterHost("postgresql".into())),
        ] {
            let input = format!("postgresql+psycopg://app:{password}@db.example:5432/app");
            let err = DatabaseUrl::parse(&input).expect_err(&input);
            assert_eq!(err, expected, "{input}");
            let message = err.to_string();
            assert!(!message.contains("s3cretpw"), "{message}");
            assert!(
                message.contains("`/` as `%2F`") && message.contains("`#` as `%23`"),
                "{message}"
            );
        }
        let err = DatabaseUrl::parse("postgresql://app:s3cretpw@db/app#main").expect_err("fragment");
        assert_eq!(err, UrlError::Fragment("postgresql".into()));
        let encoded = parse("postgresql://app:12%2Fs3cretpw%3F%23%40@db.example:5432/app");
        assert_eq!(encoded.redacted(), "postgresql://app:****@db.example:5432/app");
        // An `@` alone splits at the last one, as meant.
        assert_eq!(
            parse("postgresql://app:s3cret@pw@db.example/app").redacted(),
            "postgresql://app:****@db.example/app"
        );
    }

    #[test]
    fn a_port_that_does_not_parse_suggests_encoding_only_with_credentials() {
        let with = DatabaseUrl::parse("postgresql://app:s3cretpw@db:pw/app").expect_err("port");
        assert!(with.to_string().contains("percent-encode"), "{with}");
        let without = DatabaseUrl::parse("postgresql://db:99999/app").expect_err("port");
        assert!(!without.to_string().contains("percent-encode"), "{without}");
    }

    #[test]
    fn a_postgresql_url_must_name_its_database() {
        for input in [
            "postgresql://app@db.example:5432",
            "postgresql://app@db.example:5432/",
            "postgres://app@db.example/?sslmode=require",
            "postgresql://app@db.example/?dbname=",
        ] {
            assert_eq!(
                DatabaseUrl::parse(input),
                Err(UrlError::MissingDatabase(
                    input.split(':').next().unwrap_or_default().into()
                )),
                "{input}"
            );
        }
        let message = UrlError::MissingDatabase("postgresql".into()).to_string();
        assert!(
            message.contains("`postgresql://user@host:5432/app`") && message.contains("dbname"),
            "{message}"
        );
        assert_eq!(
            parse("postgresql://app@db.example/?dbname=shop").sqlx_url(),
            "postgres://app@db.example/?dbname=shop"
        );
    }

    #[test]
    fn connect_timeout_is_read_as_libpq_does_and_kept_from_sqlx() {
        let default = parse("postgresql://app@db/shop");
        assert_eq!(default.connect_timeout(), Some(DEFAULT_CONNECT_TIMEOUT));
        assert!(default.connect_timeout_is_default());
        let set = parse("postgresql://app@db/shop?sslmode=require&connect_timeout=3");
        assert_eq!(set.connect_timeout(), Some(Duration::from_secs(3)));
        assert!(!set.connect_timeout_is_default());
        assert_eq!(set.sqlx_url(), "postgres://app@db/shop?sslmode=require");
        assert_eq!(
            set.redacted(),
            "postgresql://app@db/shop?sslmode=require&connect_timeout=3"
        );
        assert_eq!(
            parse("postgresql://app@db/shop?connect_timeout=0").connect_timeout(),
            None
        );
        assert_eq!(
            parse("mysql://app@db/shop?connect_timeout=4&ssl_mode=REQUIRED").sqlx_url(),
            "mysql://app@db/shop?ssl-mode=REQUIRED"
        );
        for bad in ["soon", "-1", "2.5", ""] {
            let input = format!("postgresql://app:s3cretpw@db/shop?connect_timeout={bad}");
            let err = DatabaseUrl::parse(&input).expect_err(&input);
            assert_eq!(err, UrlError::InvalidConnectTimeout("postgresql".into()), "{input}");
        }
        assert_eq!(parse("sqlite:///app.db").connect_timeout(), None);
    }

    #[test]
    fn postgresql_options_sqlx_does_not_read_are_left_out_and_named() {
        let url = parse(
            "postgresql://app@db/shop?sslpassword=s3cretpw&target_session_attrs=read-write&sslmode=require&options[search_path]=app",
        );
        assert_eq!(url.ignored_options(), ["sslpassword", "target_session_attrs"]);
        assert_eq!(
            url.sqlx_url(),
            "postgres://app@db/shop?sslmode=require&options%5Bsearch_path%5D=app"
        );
        assert!(parse("mysql://app@db/shop?foo=1").ignored_options().is_empty());
    }

    #[test]
    fn only_a_file_can_be_managed() {
        for memory in ["sqlite://", "sqlite:///:memory:", "sqlite+pysqlite://?timeout=1"] {
            assert_eq!(
                parse(memory).check_manageable(),
                Err(UrlError::InMemoryDatabase),
                "{memory}"
            );
        }
        for manageable in ["sqlite:///app.db", "postgresql://app@db/shop"] {
            assert_eq!(parse(manageable).check_manageable(), Ok(()), "{manageable}");
        }
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
