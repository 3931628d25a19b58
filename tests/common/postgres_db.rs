//! Throwaway PostgreSQL databases on the local server (127.0.0.1:5432, user
//! `postgres`, or `TFALCHEMY_TEST_POSTGRES_URL`), uniquely named and dropped
//! when the test ends, pass or fail: CI runs against the same server.

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{ConnectOptions, Connection, Row};

use super::sqlite_db::block_on;

/// Database names start with this, so leftovers of a killed run are recognisable.
pub const PREFIX: &str = "tfalchemy_acc_";

fn server_url() -> String {
    std::env::var("TFALCHEMY_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

fn admin_options() -> PgConnectOptions {
    format!("{}/postgres", server_url()).parse().expect("admin URL")
}

/// The server's databases and roles (`database NAME`, `role NAME`), except
/// the throwaway ones tests (and the provider's temporary dev databases)
/// create, which come and go while other tests run: what a provider must
/// never create by mistake.
pub fn server_objects() -> Vec<String> {
    let query = "SELECT 'database ' || datname FROM pg_database WHERE datname NOT LIKE 'tfalchemy\\_%' \
                 UNION ALL SELECT 'role ' || rolname FROM pg_roles WHERE rolname NOT LIKE 'tfalchemy\\_%' \
                 ORDER BY 1";
    block_on(async {
        let mut admin = admin_options().connect().await?;
        let rows = sqlx::query(query).fetch_all(&mut admin).await?;
        admin.close().await?;
        rows.iter().map(|row| row.try_get::<String, _>(0)).collect()
    })
    .unwrap_or_else(|error| panic!("listing the databases and roles of {}: {error}", server_url()))
}

/// The URL of the server (no database), as `postgres://user@host:port`.
pub fn server() -> String {
    server_url()
}

pub struct PostgresDb {
    name: String,
    /// Dropped with this value: true for the databases tests create.
    throwaway: bool,
}

impl PostgresDb {
    /// A new empty database. Fails the test (never skips) when the server is unreachable.
    #[track_caller]
    pub fn new() -> Self {
        let name = unique_name(PREFIX);
        block_on(async {
            let mut admin = admin_options().connect().await?;
            sqlx::raw_sql(&format!("CREATE DATABASE \"{name}\""))
                .execute(&mut admin)
                .await?;
            admin.close().await
        })
        .unwrap_or_else(|error| panic!("creating PostgreSQL database {name} on {}: {error}", server_url()));
        Self { name, throwaway: true }
    }

    /// The database PostgreSQL clients pick when a URL names none: the one
    /// named after the user. Never dropped.
    pub fn default_of_the_user() -> Self {
        let url = url::Url::parse(&server_url()).expect("server URL");
        Self {
            name: url.username().to_string(),
            throwaway: false,
        }
    }

    /// The database's name on the server.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The URL in SQLAlchemy's form, as users write it.
    pub fn url(&self) -> String {
        format!(
            "{}/{}",
            server_url().replacen("postgres://", "postgresql+psycopg://", 1),
            self.name
        )
    }

    /// The URL libpq takes (`postgres://user@host:port/name`), for dblink.
    pub fn libpq_connection_string(&self) -> String {
        format!("{}/{}", server_url(), self.name)
    }

    fn options(&self) -> PgConnectOptions {
        format!("{}/{}", server_url(), self.name).parse().expect("database URL")
    }

    #[track_caller]
    pub fn execute(&self, sql: &str) {
        block_on(async {
            let mut connection = self.options().connect().await?;
            sqlx::raw_sql(sql).execute(&mut connection).await?;
            connection.close().await
        })
        .unwrap_or_else(|error| panic!("executing {sql:?} on {}: {error}", self.name));
    }

    /// One text column of a query's rows.
    #[track_caller]
    pub fn strings(&self, query: &str) -> Vec<String> {
        block_on(async {
            let mut connection: PgConnection = self.options().connect().await?;
            let rows = sqlx::query(query).fetch_all(&mut connection).await?;
            connection.close().await?;
            rows.iter()
                .map(|row| row.try_get::<String, _>(0))
                .collect::<Result<Vec<_>, _>>()
        })
        .unwrap_or_else(|error| panic!("querying {query:?} on {}: {error}", self.name))
    }

    /// This process's temporary scratch databases on the server (the engine
    /// names them `tfalchemy_dev_<time>_<pid>_<random>`).
    pub fn temporary_databases_of_this_process(&self) -> Vec<String> {
        self.strings(&format!(
            "SELECT datname::text FROM pg_database WHERE datname LIKE 'tfalchemy\\_dev\\_%\\_{}\\_%'",
            std::process::id()
        ))
    }

    /// Tables as `schema.table`, sorted, outside PostgreSQL's own schemas.
    pub fn tables(&self) -> Vec<String> {
        self.strings(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables \
             WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1",
        )
    }

    pub fn columns(&self, schema: &str, table: &str) -> Vec<String> {
        self.strings(&format!(
            "SELECT column_name::text FROM information_schema.columns \
             WHERE table_schema = '{schema}' AND table_name = '{table}' ORDER BY ordinal_position"
        ))
    }
}

pub use super::held_session::HeldSession;
use super::unique_name::unique_name;

impl PostgresDb {
    /// Runs `sql` in a new session and keeps that session open until the
    /// returned value is dropped. An open transaction stays open.
    #[track_caller]
    pub fn hold(&self, sql: &str) -> HeldSession {
        let (options, owned_sql) = (self.options(), sql.to_string());
        HeldSession::start(format!("{sql:?} on {}", self.name), move || async move {
            let mut connection = options.connect().await?;
            sqlx::raw_sql(&owned_sql).execute(&mut connection).await?;
            Ok(connection)
        })
    }
}

impl Drop for PostgresDb {
    fn drop(&mut self) {
        if !self.throwaway {
            return;
        }
        let name = self.name.clone();
        let dropped = block_on(async {
            let mut admin = admin_options().connect().await?;
            sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .execute(&mut admin)
                .await?;
            admin.close().await
        });
        if let Err(error) = dropped {
            eprintln!("warning: could not drop test database {name}: {error}");
        }
    }
}
