//! The connection `migrate` works on the target through: the dialect
//! driver's migration connection, with what every dialect shares (the
//! revisions table hidden from inspection).

use super::apply::{Batch, BatchFailure};
use super::revisions::{RevisionsSyntax, RevisionsTable};
use crate::engine::bookkeeping;
use crate::engine::driver::MigrationConnection;
use crate::engine::model::Schema;
use crate::engine::options::Options;
use crate::engine::url::DatabaseUrl;
use crate::engine::EngineError;

pub(crate) struct Session {
    connection: Box<dyn MigrationConnection>,
    syntax: &'static RevisionsSyntax,
}

impl Session {
    /// A session that may change the database: on PostgreSQL it holds the
    /// schema lock until [`Session::close`].
    pub async fn open(url: &DatabaseUrl, options: &Options) -> Result<Session, EngineError> {
        options.check(url.dialect(), &url.redacted())?;
        let driver = url.driver()?;
        let connection = driver.open_migration_connection(url, options, true).await?;
        Ok(Session {
            syntax: connection.revisions_syntax().unwrap_or(driver.revisions_syntax()),
            connection,
        })
    }

    /// A session that only reads; a SQLite file that does not exist is empty.
    pub async fn open_read(url: &DatabaseUrl) -> Result<Session, EngineError> {
        let driver = url.driver()?;
        let connection = driver
            .open_migration_connection(url, &Options::default(), false)
            .await?;
        Ok(Session {
            syntax: connection.revisions_syntax().unwrap_or(driver.revisions_syntax()),
            connection,
        })
    }

    /// How the revisions table's SQL is spelled on this session's dialect.
    pub fn syntax(&self) -> &'static RevisionsSyntax {
        self.syntax
    }

    pub async fn close(self) {
        self.connection.close().await
    }

    /// The live schema without the revisions table (whatever its name).
    pub async fn inspect(&mut self, table: &RevisionsTable) -> Result<Schema, EngineError> {
        let schema = self.connection.inspect().await?;
        Ok(bookkeeping::hide_named(schema, &table.name))
    }

    pub async fn table_exists(&mut self, schema: Option<&str>, name: &str) -> Result<bool, EngineError> {
        self.connection.table_exists(schema, name).await
    }

    pub async fn execute(&mut self, sql: &str) -> Result<(), EngineError> {
        self.connection.execute(sql).await
    }

    pub async fn rows(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, EngineError> {
        self.connection.rows(sql).await
    }

    pub async fn run(&mut self, batch: &Batch<'_>) -> Result<(), BatchFailure> {
        self.connection.run(batch).await
    }
}
