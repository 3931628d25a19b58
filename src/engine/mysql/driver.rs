//! MySQL and MariaDB behind the engine's one dialect interface.

use futures::future::BoxFuture;
use sqlparser::dialect::MySqlDialect;

use super::connect::Server;
use super::render::RenderOptions;
use super::{annotations, apply, identity, migrations, normalize, probe, replay};
use crate::engine::activity::Activities;
use crate::engine::annotations::Grammar;
use crate::engine::canonical::sqlparser_tokens;
use crate::engine::diff::Change;
use crate::engine::driver::{Capabilities, Driver, MigrationConnection};
use crate::engine::error::EngineError;
use crate::engine::migrate::{Batch, BatchFailure, DialectReplay, RevisionsSyntax};
use crate::engine::model::Schema;
use crate::engine::options::Options;
use crate::engine::plan::{ApplyOutcome, Statement};
use crate::engine::probe::Answers;
use crate::engine::url::{DatabaseUrl, Dialect};
use crate::engine::verify::ReplayError;

pub struct MysqlDriver;

static CAPABILITIES: Capabilities = Capabilities {
    // DDL commits as it runs: apply goes statement by statement.
    transactional_ddl: false,
    // Online DDL is the server's ALGORITHM, not a separate statement.
    concurrent_indexes: false,
    // `ALGORITHM=…, LOCK=…` on each ALTER TABLE.
    explicit_algorithm: true,
    // One database is one schema.
    schemas: false,
    // `lock_wait_timeout` and the apply lock honour `lock_timeout`; there is
    // no statement time limit for DDL.
    lock_timeout: true,
    statement_timeout: false,
    partial_replay: false,
    needs_scratch_server: true,
};

impl Driver for MysqlDriver {
    fn dialect(&self) -> Dialect {
        Dialect::Mysql
    }

    fn capabilities(&self) -> &'static Capabilities {
        &CAPABILITIES
    }

    fn annotation_grammar(&self) -> &'static Grammar {
        &annotations::GRAMMAR
    }

    fn tokens_without_comments(&self, sql: &str) -> Option<Vec<String>> {
        sqlparser_tokens(&MySqlDialect {}, sql)
    }

    fn renames_something(&self, sql: &str) -> bool {
        annotations::lex(sql).iter().any(|lexed| {
            lexed.is_keyword(sqlparser::keywords::Keyword::RENAME)
                || lexed.is_keyword(sqlparser::keywords::Keyword::CHANGE)
        })
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

    fn render(&self, changes: &[Change], from: &Schema, to: &Schema, options: &Options) -> Vec<Statement> {
        // Online DDL classes depend on the live server; a schema read from
        // nowhere (a migration file's `before`) is classified conservatively.
        let server = Server::from_version(from.server.as_deref().unwrap_or_default());
        let options = RenderOptions {
            explicit_algorithm: options.explicit_algorithm,
        };
        super::render(changes, from, to, &server, options)
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

    fn revisions_syntax(&self) -> &'static RevisionsSyntax {
        &migrations::REVISIONS_SYNTAX
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
        Box::pin(async move {
            if let Some(schema) = schema {
                // One database is one schema: `schema.name` would be another database.
                return Err(EngineError::Unsupported {
                    url: self.label().to_string(),
                    what: format!("the schema-qualified table {schema}.{name} (MySQL/MariaDB have no schemas)"),
                });
            }
            migrations::MigrationSession::table_exists(self, name).await
        })
    }

    fn execute<'a>(&'a mut self, sql: &'a str) -> BoxFuture<'a, Result<(), EngineError>> {
        Box::pin(migrations::MigrationSession::execute(self, sql))
    }

    fn rows<'a>(&'a mut self, sql: &'a str) -> BoxFuture<'a, Result<Vec<Vec<Option<String>>>, EngineError>> {
        Box::pin(migrations::MigrationSession::rows(self, sql))
    }

    fn revisions_syntax(&self) -> Option<&'static RevisionsSyntax> {
        Some(migrations::MigrationSession::revisions_syntax(self))
    }

    fn run<'a>(&'a mut self, batch: &'a Batch<'a>) -> BoxFuture<'a, Result<(), BatchFailure>> {
        Box::pin(migrations::MigrationSession::run(self, batch))
    }
}
