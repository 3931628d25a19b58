//! PostgreSQL behind the engine's one dialect interface.

use futures::future::BoxFuture;

use super::{apply, identity, migrations, normalize, probe, replay, scratch, script};
use crate::engine::activity::Activities;
use crate::engine::annotations::Grammar;
use crate::engine::diff::Change;
use crate::engine::driver::{Capabilities, Driver, MigrationConnection};
use crate::engine::error::EngineError;
use crate::engine::migrate::{Batch, BatchFailure, DialectReplay};
use crate::engine::model::Schema;
use crate::engine::options::Options;
use crate::engine::parts::PartStatement;
use crate::engine::plan::{ApplyOutcome, Statement};
use crate::engine::probe::Answers;
use crate::engine::url::{DatabaseUrl, Dialect};
use crate::engine::verify::ReplayError;

pub struct PostgresDriver;

static CAPABILITIES: Capabilities = Capabilities {
    transactional_ddl: true,
    concurrent_indexes: true,
    // Indexes are built CONCURRENTLY instead; other DDL has no algorithm.
    explicit_algorithm: false,
    schemas: true,
    lock_timeout: true,
    statement_timeout: true,
    needs_scratch_server: true,
    partial_replay: true,
};

impl Driver for PostgresDriver {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn capabilities(&self) -> &'static Capabilities {
        &CAPABILITIES
    }

    fn annotation_grammar(&self) -> &'static Grammar {
        &script::GRAMMAR
    }

    fn tokens_without_comments(&self, sql: &str) -> Option<Vec<String>> {
        script::tokens_without_comments(sql)
    }

    fn renames_something(&self, sql: &str) -> bool {
        migrations::renames_something(sql)
    }

    fn inspect<'a>(&'a self, url: &'a DatabaseUrl) -> BoxFuture<'a, Result<Schema, EngineError>> {
        Box::pin(super::inspect(url))
    }

    fn normalizer_identity<'a>(
        &'a self,
        target: Option<&'a DatabaseUrl>,
        dev: Option<&'a DatabaseUrl>,
    ) -> BoxFuture<'a, Result<String, EngineError>> {
        Box::pin(identity::normalizer_identity(target, dev))
    }

    fn normalize<'a>(
        &'a self,
        target: Option<&'a DatabaseUrl>,
        dev: Option<&'a DatabaseUrl>,
        desired_sql: &'a str,
    ) -> BoxFuture<'a, Result<Schema, EngineError>> {
        Box::pin(normalize::normalize(target, dev, desired_sql))
    }

    fn prepare_scratch<'a>(
        &'a self,
        target: &'a DatabaseUrl,
        dev: Option<&'a DatabaseUrl>,
        desired_sql: &'a str,
    ) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            // A dev database exists already.
            if dev.is_some() {
                return;
            }
            // Off the runtime's thread: the caller inspects meanwhile.
            let sql = desired_sql.to_owned();
            let passes_the_gate = tokio::task::spawn_blocking(move || script::contain(&sql).is_ok());
            if passes_the_gate.await.unwrap_or(false) {
                super::scratch::prepare(target).await;
            }
        })
    }

    fn script_parts<'a>(&self, desired_sql: &'a str) -> Option<Vec<PartStatement<'a>>> {
        script::script_parts(desired_sql)
    }

    fn built_in(&self, schema: &Schema) -> Schema {
        super::built_in(schema)
    }

    fn settle(&self, from: &Schema, to: &mut Schema) {
        super::validity::settle(from, to)
    }

    fn render(&self, changes: &[Change], from: &Schema, to: &Schema, options: &Options) -> Vec<Statement> {
        super::render(changes, from, to, options)
    }

    fn live_positions(&self, schema: &Schema) -> Vec<String> {
        super::render::sequence_positions(schema)
    }

    fn schema_sql(&self, schema: &Schema) -> Vec<String> {
        super::schema_sql(schema)
    }

    fn replay<'a>(
        &'a self,
        target: &'a DatabaseUrl,
        dev: Option<&'a DatabaseUrl>,
        live_sql: &'a [String],
        statements: &'a [Statement],
    ) -> BoxFuture<'a, Result<Schema, ReplayError>> {
        Box::pin(replay::replay(target, dev, live_sql, statements))
    }

    fn probe<'a>(
        &'a self,
        url: &'a DatabaseUrl,
        queries: &'a [String],
        locked: &'a [String],
    ) -> BoxFuture<'a, Result<(Answers, Activities), EngineError>> {
        Box::pin(probe::run(url, queries, locked))
    }

    fn apply<'a>(
        &'a self,
        url: &'a DatabaseUrl,
        dev: Option<&'a DatabaseUrl>,
        desired_sql: &'a str,
        expected: &'a [String],
        options: &'a Options,
    ) -> BoxFuture<'a, Result<ApplyOutcome, EngineError>> {
        Box::pin(apply::apply_with(url, dev, desired_sql, expected, options))
    }

    fn replay_migrations<'a>(
        &'a self,
        target: Option<&'a DatabaseUrl>,
        dev: Option<&'a DatabaseUrl>,
        texts: &'a [&'a str],
        inspect: &'a [bool],
    ) -> BoxFuture<'a, Result<DialectReplay, EngineError>> {
        Box::pin(migrations::replay_migrations(target, dev, texts, inspect))
    }

    fn open_migration_connection<'a>(
        &'a self,
        url: &'a DatabaseUrl,
        options: &'a Options,
        writes: bool,
    ) -> BoxFuture<'a, Result<Box<dyn MigrationConnection>, EngineError>> {
        Box::pin(async move {
            let session = if writes {
                migrations::MigrationSession::open(url, options).await?
            } else {
                migrations::MigrationSession::open_read(url).await?
            };
            Ok(Box::new(session) as Box<dyn MigrationConnection>)
        })
    }

    fn keep_scratch_databases(&self) {
        scratch::keep_scratch_databases();
    }

    fn release_scratch_databases(&self) -> BoxFuture<'static, Vec<EngineError>> {
        Box::pin(scratch::drop_scratch_databases())
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
        schema: Option<&'a str>,
        name: &'a str,
    ) -> BoxFuture<'a, Result<bool, EngineError>> {
        let qualified = match schema {
            Some(schema) => super::ident::qualified(schema, name),
            None => super::ident::quote(name),
        };
        Box::pin(async move { migrations::MigrationSession::table_exists(self, &qualified).await })
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
