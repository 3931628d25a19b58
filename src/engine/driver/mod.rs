//! The one interface every dialect implements. The engine's verbs (inspect,
//! normalize, render, replay, probe, apply, and the migration session) are
//! named here once; each dialect folder (`sqlite/`, `postgres/`, …) has a
//! `driver.rs` implementing [`Driver`] over its own modules, and
//! [`registry`] is the one place that lists them. Code outside the dialect
//! folders never matches on [`Dialect`] to choose behaviour: it asks the
//! driver, or the driver's [`Capabilities`].

mod capabilities;
mod migration_connection;
mod registry;

pub use capabilities::{Capabilities, Capability};
pub(crate) use migration_connection::MigrationConnection;
pub use registry::{capabilities_of, is_supported};
pub(crate) use registry::{driver_for, drivers, registered};

use futures::future::BoxFuture;

use super::activity::Activities;
use super::annotations::Grammar;
use super::diff::Change;
use super::error::EngineError;
use super::migrate::{DialectReplay, RevisionsSyntax};
use super::model::Schema;
use super::options::Options;
use super::parts::PartStatement;
use super::plan::{ApplyOutcome, Statement};
use super::probe::Answers;
use super::url::{DatabaseUrl, Dialect};
use super::verify::ReplayError;

/// A dialect's implementation of the engine. Futures are boxed so that the
/// registry can hand out `&'static dyn Driver`.
pub(crate) trait Driver: Send + Sync {
    fn dialect(&self) -> Dialect;

    /// What the dialect can do; settings it cannot honour are refused from
    /// this (at `terraform validate`), not by scattered checks.
    fn capabilities(&self) -> &'static Capabilities;

    /// The grammar `-- renamed_from:` and `-- model:` annotations are read with.
    fn annotation_grammar(&self) -> &'static Grammar;

    /// The tokens of `sql` as the dialect's scanner reads them, comments and
    /// whitespace left out (`None`: the scanner rejects the text).
    fn tokens_without_comments(&self, sql: &str) -> Option<Vec<String>>;

    /// Whether a statement renames something (migration lint infers renames
    /// only for files that do).
    fn renames_something(&self, sql: &str) -> bool;

    /// The live schema, read without changing anything.
    fn inspect<'a>(&'a self, url: &'a DatabaseUrl) -> BoxFuture<'a, Result<Schema, EngineError>>;

    /// What identifies the server a normalization ran on (its cache key):
    /// two servers with the same identity normalize a script the same way.
    fn normalizer_identity<'a>(
        &'a self,
        target: Option<&'a DatabaseUrl>,
        dev: Option<&'a DatabaseUrl>,
    ) -> BoxFuture<'a, Result<String, EngineError>>;

    /// Desired DDL run through the dialect's gate, then in a scratch
    /// database (rolled back or dropped), and inspected.
    fn normalize<'a>(
        &'a self,
        target: Option<&'a DatabaseUrl>,
        dev: Option<&'a DatabaseUrl>,
        desired_sql: &'a str,
    ) -> BoxFuture<'a, Result<Schema, EngineError>>;

    /// Gets the scratch database ready that normalizing `desired_sql` for
    /// `target` will use, while the caller does something else; nothing
    /// for a script the gate refuses. Best effort: the work itself reports
    /// what fails.
    fn prepare_scratch<'a>(
        &'a self,
        _target: &'a DatabaseUrl,
        _dev: Option<&'a DatabaseUrl>,
        _desired_sql: &'a str,
    ) -> BoxFuture<'a, ()> {
        Box::pin(async {})
    }

    /// The statements of desired SQL with the part each belongs to, for
    /// normalizing only what changed (see engine/parts.rs); `None` when a
    /// statement belongs to no part, or the dialect does not cut scripts.
    fn script_parts<'a>(&self, _desired_sql: &'a str) -> Option<Vec<PartStatement<'a>>> {
        None
    }

    /// The part of `schema` every new database holds before any DDL runs.
    fn built_in(&self, _schema: &Schema) -> Schema {
        Schema::default()
    }

    /// Renames the dialect implies without declaring them (SQLite: a change
    /// of case only), added to `to`'s annotations before diffing.
    fn declare_implicit_renames(&self, _from: &Schema, _to: &mut Schema) {}

    /// Brings the desired `to` in line with what live `from` already
    /// satisfies, before diffing and hashing (PostgreSQL: a validated
    /// constraint satisfies a desired `NOT VALID` one).
    fn settle(&self, _from: &Schema, _to: &mut Schema) {}

    /// Statements a replay's copy of live runs after `schema_sql` to hold the
    /// live data that decides how statements behave (PostgreSQL: where the
    /// sequences are, which decides whether narrowing one needs a restart).
    fn live_positions(&self, _schema: &Schema) -> Vec<String> {
        Vec::new()
    }

    /// Changes as ordered statements carrying their hazards.
    fn render(&self, changes: &[Change], from: &Schema, to: &Schema, options: &Options) -> Vec<Statement>;

    /// The statements that create `schema` in a new database.
    fn schema_sql(&self, schema: &Schema) -> Vec<String>;

    /// Runs `statements` in a scratch database loaded with `live_sql` and
    /// inspects what they leave there.
    fn replay<'a>(
        &'a self,
        target: &'a DatabaseUrl,
        dev: Option<&'a DatabaseUrl>,
        live_sql: &'a [String],
        statements: &'a [Statement],
    ) -> BoxFuture<'a, Result<Schema, ReplayError>>;

    /// Answers the data probes' questions and measures the tables that
    /// statements lock, read-only and time-limited.
    fn probe<'a>(
        &'a self,
        url: &'a DatabaseUrl,
        queries: &'a [String],
        locked: &'a [String],
    ) -> BoxFuture<'a, Result<(Answers, Activities), EngineError>>;

    /// Plans again, refuses a plan other than `expected`, runs it, and proves
    /// the live schema converged.
    fn apply<'a>(
        &'a self,
        url: &'a DatabaseUrl,
        dev: Option<&'a DatabaseUrl>,
        desired_sql: &'a str,
        expected: &'a [String],
        options: &'a Options,
    ) -> BoxFuture<'a, Result<ApplyOutcome, EngineError>>;

    /// Runs migration files one after another in a scratch database; the
    /// schema after file `i` when `inspect[i]` (index 0: before any file).
    fn replay_migrations<'a>(
        &'a self,
        target: Option<&'a DatabaseUrl>,
        dev: Option<&'a DatabaseUrl>,
        texts: &'a [&'a str],
        inspect: &'a [bool],
    ) -> BoxFuture<'a, Result<DialectReplay, EngineError>>;

    /// How the revisions table's SQL is spelled on this dialect.
    fn revisions_syntax(&self) -> &'static RevisionsSyntax {
        &RevisionsSyntax::STANDARD
    }

    /// The connection `migrate` works on the target through; `writes`: it
    /// may change the database (and takes the dialect's schema lock).
    fn open_migration_connection<'a>(
        &'a self,
        url: &'a DatabaseUrl,
        options: &'a Options,
        writes: bool,
    ) -> BoxFuture<'a, Result<Box<dyn MigrationConnection>, EngineError>>;

    /// From now on, keep the scratch databases this process creates for its
    /// next plans (for processes that plan many times).
    fn keep_scratch_databases(&self) {}

    /// Drops the scratch databases this process kept.
    fn release_scratch_databases(&self) -> BoxFuture<'static, Vec<EngineError>> {
        Box::pin(async { Vec::new() })
    }
}
