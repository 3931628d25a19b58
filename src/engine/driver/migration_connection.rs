//! The connection `migrate` works on the target through, one
//! implementation per dialect (its `migrations.rs`).

use futures::future::BoxFuture;

use crate::engine::error::EngineError;
use crate::engine::migrate::{Batch, BatchFailure, RevisionsSyntax};
use crate::engine::model::Schema;

pub(crate) trait MigrationConnection: Send {
    /// Ends the session (releasing the schema lock it may hold).
    fn close(self: Box<Self>) -> BoxFuture<'static, ()>;

    /// The live schema as the session sees it.
    fn inspect(&mut self) -> BoxFuture<'_, Result<Schema, EngineError>>;

    /// Whether the table `name` (in `schema`, when the dialect has schemas) exists.
    fn table_exists<'a>(
        &'a mut self,
        schema: Option<&'a str>,
        name: &'a str,
    ) -> BoxFuture<'a, Result<bool, EngineError>>;

    /// Runs one statement of the engine's own (the revisions table's SQL).
    fn execute<'a>(&'a mut self, sql: &'a str) -> BoxFuture<'a, Result<(), EngineError>>;

    /// The rows of a query of the engine's own, as text.
    fn rows<'a>(&'a mut self, sql: &'a str) -> BoxFuture<'a, Result<Vec<Vec<Option<String>>>, EngineError>>;

    /// How the revisions table's SQL is spelled on the server this session
    /// reached, when that differs from the driver's
    /// ([`crate::engine::driver::Driver::revisions_syntax`]): MySQL 8's upsert.
    fn revisions_syntax(&self) -> Option<&'static RevisionsSyntax> {
        None
    }

    /// Runs a migration file's statements (in one transaction when the batch
    /// says so, else one by one), reporting how far it got on failure.
    fn run<'a>(&'a mut self, batch: &'a Batch<'a>) -> BoxFuture<'a, Result<(), BatchFailure>>;
}
