//! Throwaway MariaDB/MySQL databases on the local server (127.0.0.1:3306,
//! user `root` without password, or `TFALCHEMY_TEST_MYSQL_URL`), uniquely
//! named and dropped when the test ends, pass or fail.

use sqlx::mysql::MySqlConnectOptions;
use sqlx::{ConnectOptions, Connection, Row};

use super::held_session::HeldSession;
use super::sqlite_db::block_on;
use super::unique_name::unique_name;

/// Database names start with this, so leftovers of a killed run are recognisable.
pub const PREFIX: &str = "tfalchemy_acc_";

/// The server's URL without a database, as `mysql://user@host:port`.
pub fn server() -> String {
    std::env::var("TFALCHEMY_TEST_MYSQL_URL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into())
}

fn admin_options() -> MySqlConnectOptions {
    server()
        .parse::<MySqlConnectOptions>()
        .expect("server URL")
        .pipes_as_concat(false)
}

/// The server's databases outside the throwaway ones tests and the engine make.
pub fn databases() -> Vec<String> {
    block_on(async {
        let mut admin = admin_options().connect().await?;
        let rows = sqlx::query(
            "SELECT CAST(SCHEMA_NAME AS CHAR) FROM information_schema.SCHEMATA \
             WHERE SCHEMA_NAME NOT LIKE 'tfalchemy\\_%' ORDER BY 1",
        )
        .fetch_all(&mut admin)
        .await?;
        admin.close().await?;
        rows.iter().map(|row| row.try_get::<String, _>(0)).collect()
    })
    .unwrap_or_else(|error| panic!("listing the databases of {}: {error}", server()))
}

/// Names of the engine's temporary databases on the server now.
pub fn temporary_databases() -> Vec<String> {
    block_on(async {
        let mut admin = admin_options().connect().await?;
        let rows = sqlx::query(
            "SELECT CAST(SCHEMA_NAME AS CHAR) FROM information_schema.SCHEMATA \
             WHERE SCHEMA_NAME LIKE 'tfalchemy\\_dev\\_%' ORDER BY 1",
        )
        .fetch_all(&mut admin)
        .await?;
        admin.close().await?;
        rows.iter().map(|row| row.try_get::<String, _>(0)).collect()
    })
    .unwrap_or_else(|error| panic!("listing the databases of {}: {error}", server()))
}

pub struct MariaDb {
    name: String,
}

impl MariaDb {
    /// A new empty database (utf8mb4). Fails the test (never skips) when the
    /// server is unreachable.
    #[track_caller]
    pub fn new() -> Self {
        let name = unique_name(PREFIX);
        block_on(async {
            let mut admin = admin_options().connect().await?;
            sqlx::raw_sql(&format!(
                "CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"
            ))
            .execute(&mut admin)
            .await?;
            admin.close().await
        })
        .unwrap_or_else(|error| panic!("creating database {name} on {}: {error}", server()));
        Self { name }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The URL in SQLAlchemy's MariaDB form, as users write it.
    pub fn url(&self) -> String {
        format!(
            "{}/{}",
            server().replacen("mysql://", "mariadb+mariadbconnector://", 1),
            self.name
        )
    }

    fn options(&self) -> MySqlConnectOptions {
        admin_options().database(&self.name)
    }

    /// Runs `sql` (one or more statements, no `DELIMITER`) in one session.
    #[track_caller]
    pub fn execute(&self, sql: &str) {
        if sql.trim().is_empty() {
            return;
        }
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
            let mut connection = self.options().connect().await?;
            let rows = sqlx::query(query).fetch_all(&mut connection).await?;
            connection.close().await?;
            rows.iter()
                .map(|row| row.try_get::<String, _>(0))
                .collect::<Result<Vec<_>, _>>()
        })
        .unwrap_or_else(|error| panic!("querying {query:?} on {}: {error}", self.name))
    }
}

impl MariaDb {
    /// Runs `sql` in a new session and keeps that session open (with the
    /// named locks and transactions it holds) until the value is dropped.
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

impl Drop for MariaDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        let dropped = block_on(async {
            let mut admin = admin_options().connect().await?;
            sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS `{name}`"))
                .execute(&mut admin)
                .await?;
            admin.close().await
        });
        if let Err(error) = dropped {
            eprintln!("warning: could not drop test database {name}: {error}");
        }
    }
}
