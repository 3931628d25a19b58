//! SQLite behind the engine's one dialect interface.

use futures::future::BoxFuture;
use sqlparser::dialect::SQLiteDialect;

use super::render::case_renames;
use super::{annotations, apply, migrations, normalize, probe, replay};
use crate::engine::activity::Activities;
use crate::engine::annotations::Grammar;
use crate::engine::canonical::sqlparser_tokens;
use crate::engine::diff::Change;
use crate::engine::driver::{Capabilities, Driver, MigrationConnection};
use crate::engine::error::EngineError;
use crate::engine::migrate::{Batch, BatchFailure, DialectReplay};
use crate::engine::model::Schema;
use crate::engine::options::Options;
use crate::engine::plan::{ApplyOutcome, Statement};
use crate::engine::probe::Answers;
use crate::engine::url::{DatabaseUrl, Dialect};
use crate::engine::verify::ReplayError;

pub struct SqliteDriver;

static CAPABILITIES: Capabilities = Capabilities {
    transactional_ddl: true,
    concurrent_indexes: false,
    explicit_algorithm: false,
    schemas: false,
    lock_timeout: false,
    statement_timeout: false,
    needs_scratch_server: false,
    partial_replay: false,
};

impl Driver for SqliteDriver {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn capabilities(&self) -> &'static Capabilities {
        &CAPABILITIES
    }

    fn annotation_grammar(&self) -> &'static Grammar {
        &annotations::GRAMMAR
    }

    fn tokens_without_comments(&self, sql: &str) -> Option<Vec<String>> {
        sqlparser_tokens(&SQLiteDialect {}, sql)
    }

    fn renames_something(&self, sql: &str) -> bool {
        migrations::renames_something(sql)
    }

    fn inspect<'a>(&'a self, url: &'a DatabaseUrl) -> BoxFuture<'a, Result<Schema, EngineError>> {
        Box::pin(super::inspect(url))
    }

    fn normalizer_identity<'a>(
        &'a self,
        _target: Option<&'a DatabaseUrl>,
        _dev: Option<&'a DatabaseUrl>,
    ) -> BoxFuture<'a, Result<String, EngineError>> {
        // The SQLite library is linked into the binary: the build is its identity.
        Box::pin(async { Ok("sqlite".to_string()) })
    }

    fn normalize<'a>(
        &'a self,
        _target: Option<&'a DatabaseUrl>,
        dev: Option<&'a DatabaseUrl>,
        desired_sql: &'a str,
    ) -> BoxFuture<'a, Result<Schema, EngineError>> {
        Box::pin(normalize::normalize(dev, desired_sql))
    }

    fn declare_implicit_renames(&self, from: &Schema, to: &mut Schema) {
        // SQLite names ignore case: a change of case is a rename.
        case_renames::declare(from, to);
    }

    fn render(&self, changes: &[Change], from: &Schema, to: &Schema, _options: &Options) -> Vec<Statement> {
        super::render(changes, from, to)
    }

    fn schema_sql(&self, schema: &Schema) -> Vec<String> {
        super::schema_sql(schema)
    }

    fn replay<'a>(
        &'a self,
        _target: &'a DatabaseUrl,
        _dev: Option<&'a DatabaseUrl>,
        live_sql: &'a [String],
        statements: &'a [Statement],
    ) -> BoxFuture<'a, Result<Schema, ReplayError>> {
        Box::pin(replay::replay(live_sql, statements))
    }

    fn probe<'a>(
        &'a self,
        url: &'a DatabaseUrl,
        queries: &'a [String],
        _locked: &'a [String],
    ) -> BoxFuture<'a, Result<(Answers, Activities), EngineError>> {
        // SQLite locks the whole database for any write: no table is marked.
        Box::pin(async move { Ok((probe::run(url, queries).await?, Activities::new())) })
    }

    fn apply<'a>(
        &'a self,
        url: &'a DatabaseUrl,
        dev: Option<&'a DatabaseUrl>,
        desired_sql: &'a str,
        expected: &'a [String],
        options: &'a Options,
    ) -> BoxFuture<'a, Result<ApplyOutcome, EngineError>> {
        Box::pin(apply::apply(url, dev, desired_sql, expected, options))
    }

    fn replay_migrations<'a>(
        &'a self,
        _target: Option<&'a DatabaseUrl>,
        _dev: Option<&'a DatabaseUrl>,
        texts: &'a [&'a str],
        inspect: &'a [bool],
    ) -> BoxFuture<'a, Result<DialectReplay, EngineError>> {
        Box::pin(migrations::replay_migrations(texts, inspect))
    }

    fn open_migration_connection<'a>(
        &'a self,
        url: &'a DatabaseUrl,
        _options: &'a Options,
        writes: bool,
    ) -> BoxFuture<'a, Result<Box<dyn MigrationConnection>, EngineError>> {
        Box::pin(async move {
            let session = if writes {
                migrations::MigrationSession::open(url).await?
            } else {
                migrations::MigrationSession::open_read(url).await?
            };
            Ok(Box::new(session) as Box<dyn MigrationConnection>)
        })
    }
}

impl MigrationConnection for migrations::MigrationSession {
    fn close(self: Box<Self>) -> BoxFuture<'static, ()> {
        Box::pin((*self).close())
    }

    fn inspect(&mut self) -> BoxFuture<'_, Result<Schema, EngineError>> {
        Box::pin(migrations::MigrationSession::inspect(self))
    }

    fn table_exists<'a>(
        &'a mut self,
        _schema: Option<&'a str>,
        name: &'a str,
    ) -> BoxFuture<'a, Result<bool, EngineError>> {
        Box::pin(migrations::MigrationSession::table_exists(self, name))
    }

    fn execute<'a>(&'a mut self, sql: &'a str) -> BoxFuture<'a, Result<(), EngineError>> {
        Box::pin(migrations::MigrationSession::execute(self, sql))
    }

    fn rows<'a>(&'a mut self, sql: &'a str) -> BoxFuture<'a, Result<Vec<Vec<Option<String>>>, EngineError>> {
        Box::pin(migrations::MigrationSession::rows(self, sql))
    }

    fn run<'a>(&'a mut self, batch: &'a Batch<'a>) -> BoxFuture<'a, Result<(), BatchFailure>> {
        Box::pin(migrations::MigrationSession::run(self, batch))
    }
}
