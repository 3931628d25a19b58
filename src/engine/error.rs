//! Engine errors. Every message names the database by its redacted URL, so
//! they can go straight into logs and Terraform diagnostics.

use super::url::Dialect;
use super::verify::ReplayFailure;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("cannot open database {url}: {reason}")]
    Connect { url: String, reason: String },

    #[error(
        "cannot open database {url}: no answer within {seconds} s ({setting}). Something accepts \
         connections there but does not complete the database's handshake: check the host and port. \
         On a slow network, raise the limit in the URL, as in `?connect_timeout=30` (`0` waits without limit)."
    )]
    ConnectTimedOut {
        url: String,
        seconds: u64,
        /// The setting that set the limit, as the user knows it.
        setting: String,
    },

    #[error("cannot read the schema of {url}: {reason}")]
    Inspect { url: String, reason: String },

    #[error(
        "desired schema SQL failed in the dev database {url} at statement {index} \
         (line {line}): {message}\n  statement: {statement}"
    )]
    DesiredSql {
        url: String,
        /// 1-based position of the statement in the desired SQL.
        index: usize,
        /// 1-based line where the statement starts.
        line: usize,
        statement: String,
        message: String,
    },

    #[error(
        "the dev database {url} must be empty, but it contains: {objects}; \
         use an empty database (or none, for a private in-memory one)"
    )]
    DevDatabaseNotEmpty { url: String, objects: String },

    #[error("the dev database {dev_url} is {dev_dialect}, but the target {url} is {dialect}")]
    DevDialectMismatch {
        url: String,
        dialect: Dialect,
        dev_url: String,
        dev_dialect: Dialect,
    },

    #[error("{url} changed since the plan was made: {detail}")]
    ChangedSincePlan { url: String, detail: String },

    #[error(
        "applying the plan to {url} failed at statement {index}: {reason}\n  statement: {statement}\n\
         DDL on this database is not transactional: {} statement(s) before it were applied and stay, \
         {} after it were not run. The next plan re-inspects the database and shows exactly what is left.{}{}",
        progress.applied.len(),
        progress.not_run.len(),
        listed("applied", &progress.applied),
        listed("not run", &progress.not_run)
    )]
    PartlyApplied {
        url: String,
        /// 1-based position in the plan.
        index: usize,
        statement: String,
        reason: String,
        progress: Box<Progress>,
    },

    #[error("applying the plan to {url} failed at statement {index}: {reason}\n  statement: {statement}")]
    Apply {
        url: String,
        /// 1-based position in the plan.
        index: usize,
        statement: String,
        reason: String,
    },

    #[error(
        "the plan for {url} was replayed in a scratch database holding a copy of the live \
         schema (without rows), and {failure}"
    )]
    PlanReplay { url: String, failure: ReplayFailure },

    #[error(
        "statement {index} of the plan for {url} was refused, so nothing of the plan runs: {reason}\n  \
         statement: {statement}"
    )]
    RefusedPlanStatement {
        url: String,
        /// 1-based position in the plan.
        index: usize,
        statement: String,
        reason: String,
    },

    #[error("cannot commit the changes to {url}: {reason}")]
    Commit { url: String, reason: String },

    #[error(
        "{url} does not match the desired schema after the apply; still different: {}",
        differences.join("; ")
    )]
    NotConverged { url: String, differences: Vec<String> },

    #[error(
        "cannot use a temporary dev database on {url}: {reason}; set `dev_url` to an empty \
         database the provider may use for normalizing the desired schema"
    )]
    DevDatabase { url: String, reason: String },

    #[error(
        "{what} on {url} needs more locks in one transaction than the server's lock table holds \
         ({reason}). That table has `max_locks_per_transaction` × (`max_connections` + \
         `max_prepared_transactions`) entries, shared by all sessions: a limit of the server, not an \
         error in the SQL. {advice}."
    )]
    ServerLimit {
        url: String,
        what: &'static str,
        /// PostgreSQL's message.
        reason: String,
        /// What the user can change.
        advice: &'static str,
    },

    #[error("another apply holds the schema lock on {url}; gave up after {seconds} s")]
    Locked { url: String, seconds: u64 },

    #[error(
        "another apply holds the schema lock on {url}; gave up after `lock_timeout` ({lock_timeout}); \
         nothing was changed"
    )]
    LockTimedOut { url: String, lock_timeout: String },

    #[error("invalid `{setting}`: {reason}")]
    InvalidSetting { setting: &'static str, reason: String },

    #[error(
        "the desired schema has objects in schemas this resource does not manage: {objects}; \
         add their schema to `schemas` (managed now: {managed}), or leave them out of the desired SQL"
    )]
    OutsideManagedSchemas { objects: String, managed: String },

    #[error("{dialect} databases are not supported yet ({url})")]
    UnsupportedDialect { url: String, dialect: Dialect },

    #[error("{url}: {what} is not supported")]
    Unsupported { url: String, what: String },

    #[error("the desired SQL has a bad annotation at line {line}: {problem}; nothing was run")]
    BadAnnotation { line: usize, problem: String },

    #[error(
        "the desired SQL may only define the schema, and a plan does not run {} of its statements; \
         nothing was run:\n{}\nSee \"What a plan runs\" in the provider's documentation for the \
         statements desired SQL may contain.",
        if refusals.len() == 1 { "one".to_string() } else { refusals.len().to_string() },
        super::script::describe_refusals(refusals)
    )]
    RefusedSql { refusals: Vec<super::script::Refusal> },

    #[error(
        "the desired SQL does not parse at statement {index} (line {line}, column {column}): {message}; \
         nothing was run\n  statement: {statement}"
    )]
    SqlSyntax {
        /// 1-based position of the statement in the script.
        index: usize,
        line: usize,
        column: usize,
        message: String,
        /// The statement (shortened) the error is in.
        statement: String,
    },

    #[error("the desired SQL {problem} at line {line}, column {column}; nothing was run")]
    UnusableDesiredSql {
        problem: &'static str,
        line: usize,
        column: usize,
    },
}

/// The statements of a non-transactional plan on either side of the one
/// that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// Ran and committed, in order.
    pub applied: Vec<String>,
    /// Not run.
    pub not_run: Vec<String>,
}

/// `statements` under a heading, one per line; nothing when there are none.
fn listed(heading: &str, statements: &[String]) -> String {
    if statements.is_empty() {
        return String::new();
    }
    let lines: Vec<String> = statements
        .iter()
        .map(|s| format!("    {}", super::script::shorten(s)))
        .collect();
    format!("\n  {heading}:\n{}", lines.join("\n"))
}

/// The database's own message, without sqlx's wrapping.
pub(crate) fn database_message(error: &sqlx::Error) -> String {
    match error {
        sqlx::Error::Database(db) => db.message().to_string(),
        other => other.to_string(),
    }
}

impl EngineError {
    /// Statement `index` (0-based) of a plan failed while applying it to `url`.
    pub(crate) fn statement_failed(url: &str, index: usize, sql: &str, error: &sqlx::Error) -> EngineError {
        EngineError::Apply {
            url: url.to_string(),
            index: index + 1,
            statement: sql.to_string(),
            reason: database_message(error),
        }
    }

    /// Statement `position` (0-based) of the desired SQL failed in the dev database `url`.
    pub(crate) fn desired_statement_failed(
        url: &str,
        position: usize,
        statement: &super::script::ScriptStatement<'_>,
        message: String,
    ) -> EngineError {
        EngineError::DesiredSql {
            url: url.to_string(),
            index: position + 1,
            line: statement.line,
            statement: statement.text.trim().to_string(),
            message,
        }
    }
}
