//! The connection `migrate` works on the target through: each dialect's
//! migration session, dispatched here and nowhere else.

use super::apply::{Batch, BatchFailure};
use super::revisions::RevisionsTable;
use crate::engine::bookkeeping;
use crate::engine::model::Schema;
use crate::engine::options::Options;
use crate::engine::url::{DatabaseUrl, Dialect};
use crate::engine::{postgres, sqlite, EngineError};

pub(crate) enum Session {
    Postgres(postgres::MigrationSession),
    Sqlite(sqlite::MigrationSession),
}

impl Session {
    /// A session that may change the database: on PostgreSQL it holds the
    /// schema lock until [`Session::close`].
    pub async fn open(url: &DatabaseUrl, options: &Options) -> Result<Session, EngineError> {
        options.check(url.dialect(), &url.redacted())?;
        match url.dialect() {
            Dialect::Postgres => Ok(Session::Postgres(postgres::MigrationSession::open(url, options).await?)),
            Dialect::Sqlite => Ok(Session::Sqlite(sqlite::MigrationSession::open(url).await?)),
            Dialect::Mysql => Err(crate::engine::unsupported(url)),
        }
    }

    /// A session that only reads; a SQLite file that does not exist is empty.
    pub async fn open_read(url: &DatabaseUrl) -> Result<Session, EngineError> {
        match url.dialect() {
            Dialect::Postgres => Ok(Session::Postgres(postgres::MigrationSession::open_read(url).await?)),
            Dialect::Sqlite => Ok(Session::Sqlite(sqlite::MigrationSession::open_read(url).await?)),
            Dialect::Mysql => Err(crate::engine::unsupported(url)),
        }
    }

    pub async fn close(self) {
        match self {
            Session::Postgres(session) => session.close().await,
            Session::Sqlite(session) => session.close().await,
        }
    }

    /// The live schema without the revisions table (whatever its name).
    pub async fn inspect(&mut self, table: &RevisionsTable) -> Result<Schema, EngineError> {
        let schema = match self {
            Session::Postgres(session) => session.inspect().await?,
            Session::Sqlite(session) => session.inspect().await?,
        };
        Ok(bookkeeping::hide_named(schema, &table.name))
    }

    pub async fn table_exists(&mut self, schema: Option<&str>, name: &str) -> Result<bool, EngineError> {
        match self {
            Session::Postgres(session) => {
                let qualified = match schema {
                    Some(schema) => format!("\"{schema}\".\"{name}\""),
                    None => format!("\"{name}\""),
                };
                session.table_exists(&qualified).await
            }
            Session::Sqlite(session) => session.table_exists(name).await,
        }
    }

    pub async fn execute(&mut self, sql: &str) -> Result<(), EngineError> {
        match self {
            Session::Postgres(session) => session.execute(sql).await,
            Session::Sqlite(session) => session.execute(sql).await,
        }
    }

    pub async fn rows(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, EngineError> {
        match self {
            Session::Postgres(session) => session.rows(sql).await,
            Session::Sqlite(session) => session.rows(sql).await,
        }
    }

    pub async fn run(&mut self, batch: &Batch<'_>) -> Result<(), BatchFailure> {
        match self {
            Session::Postgres(session) => session.run(batch).await,
            Session::Sqlite(session) => session.run(batch).await,
        }
    }
}
