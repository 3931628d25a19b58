//! Throwaway SQLite database files that tests create, change by hand (to
//! simulate drift) and inspect after Terraform has run.

use std::future::Future;
use std::path::{Path, PathBuf};

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection, Row};

/// One column as SQLite reports it (`pragma_table_info`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    /// The declared type, as written in the DDL (e.g. `VARCHAR(50)`).
    pub declared_type: String,
    pub not_null: bool,
    pub default: Option<String>,
    /// 1-based position in the primary key, 0 when not part of it.
    pub primary_key_position: i64,
}

/// A SQLite database file, which need not exist yet.
#[derive(Debug, Clone)]
pub struct SqliteDb {
    path: PathBuf,
}

impl SqliteDb {
    /// `path` must be absolute: the URL is handed to a provider whose working
    /// directory is Terraform's, not the test's.
    pub fn at(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        assert!(path.is_absolute(), "{} is not absolute", path.display());
        Self { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The SQLAlchemy URL of this file: `sqlite:///` followed by the absolute
    /// path, hence four slashes.
    pub fn url(&self) -> String {
        format!("sqlite:///{}", self.path.display())
    }

    pub fn exists(&self) -> bool {
        self.path.exists()
    }

    /// Runs one or more `;`-separated statements, creating the file if needed.
    #[track_caller]
    pub fn execute(&self, sql: &str) {
        let options = SqliteConnectOptions::new().filename(&self.path).create_if_missing(true);
        block_on(async {
            let mut connection = options.connect().await?;
            sqlx::raw_sql(sql).execute(&mut connection).await?;
            connection.close().await
        })
        .unwrap_or_else(|error| panic!("executing {sql:?} on {}: {error}", self.path.display()));
    }

    /// User tables, sorted by name.
    #[track_caller]
    pub fn tables(&self) -> Vec<String> {
        self.strings(
            "SELECT name FROM sqlite_schema \
             WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
            &[],
        )
    }

    #[track_caller]
    pub fn has_table(&self, table: &str) -> bool {
        self.tables().iter().any(|name| name == table)
    }

    /// Columns of `table` in declaration order.
    #[track_caller]
    pub fn columns(&self, table: &str) -> Vec<Column> {
        let rows = self.fetch(
            "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?1) ORDER BY cid",
            &[table],
        );
        rows.iter()
            .map(|row| Column {
                name: get(row, 0),
                declared_type: get(row, 1),
                not_null: get::<i64>(row, 2) != 0,
                default: get(row, 3),
                primary_key_position: get(row, 4),
            })
            .collect()
    }

    #[track_caller]
    pub fn column(&self, table: &str, column: &str) -> Column {
        self.columns(table)
            .into_iter()
            .find(|candidate| candidate.name == column)
            .unwrap_or_else(|| panic!("no column {table}.{column} in {}", self.path.display()))
    }

    /// Names of explicitly created indexes on `table` (not SQLite's automatic
    /// ones for PRIMARY KEY/UNIQUE constraints), sorted.
    #[track_caller]
    pub fn indexes(&self, table: &str) -> Vec<String> {
        self.strings(
            "SELECT name FROM pragma_index_list(?1) WHERE origin = 'c' ORDER BY name",
            &[table],
        )
    }

    /// The `CREATE ...` text SQLite stored for a table or index.
    #[track_caller]
    pub fn stored_sql(&self, name: &str) -> String {
        self.strings("SELECT sql FROM sqlite_schema WHERE name = ?1", &[name])
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no schema object {name} in {}", self.path.display()))
    }

    #[track_caller]
    pub fn row_count(&self, table: &str) -> i64 {
        let sql = format!("SELECT count(*) FROM \"{}\"", table.replace('"', "\"\""));
        let rows = self.fetch(&sql, &[]);
        rows.first().map(|row| get(row, 0)).unwrap_or_default()
    }

    /// The first column of every row of `sql`, as text.
    #[track_caller]
    pub fn strings(&self, sql: &str, binds: &[&str]) -> Vec<String> {
        self.fetch(sql, binds).iter().map(|row| get(row, 0)).collect()
    }

    #[track_caller]
    fn fetch(&self, sql: &str, binds: &[&str]) -> Vec<sqlx::sqlite::SqliteRow> {
        // Reading must not create the file: a missing database is a test failure.
        assert!(self.exists(), "database {} does not exist", self.path.display());
        let options = SqliteConnectOptions::new().filename(&self.path);
        block_on(async {
            let mut connection: SqliteConnection = options.connect().await?;
            let mut query = sqlx::query(sql);
            for bind in binds {
                query = query.bind(*bind);
            }
            let rows = query.fetch_all(&mut connection).await?;
            connection.close().await?;
            Ok(rows)
        })
        .unwrap_or_else(|error| panic!("querying {sql:?} on {}: {error}", self.path.display()))
    }
}

#[track_caller]
fn get<'r, T>(row: &'r sqlx::sqlite::SqliteRow, index: usize) -> T
where
    T: sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
{
    row.try_get(index)
        .unwrap_or_else(|error| panic!("reading column {index}: {error}"))
}

/// The tests are synchronous (they drive a Terraform process); database
/// helpers get a small runtime of their own per call.
pub fn block_on<T>(future: impl Future<Output = Result<T, sqlx::Error>>) -> Result<T, sqlx::Error> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(sqlx::Error::Io)?;
    runtime.block_on(future)
}
