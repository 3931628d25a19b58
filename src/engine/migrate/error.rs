//! What can go wrong with a migration directory or applying it. Every
//! message names the file (and the statement and line where there is one)
//! and the database by its redacted URL.

use crate::engine::script::{describe_refusals, Refusal};
use crate::engine::EngineError;

#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("migration directory {path} {problem}")]
    Directory { path: String, problem: String },

    #[error("{file} is not a migration file name: name migration files `<version>_<name>.sql`, the version in digits (such as 20250101120000_add_users.sql)")]
    MalformedName { file: String },

    #[error("version {version} is used twice, by {first} and {second}; give one of them another version")]
    DuplicateVersion {
        version: String,
        first: String,
        second: String,
    },

    #[error("`{name}` cannot name a migration: use letters, digits, `_` and `-`")]
    BadName { name: String },

    #[error("{file} {problem}")]
    File { file: String, problem: String },

    #[error(
        "the migration directory {path} does not match its tfalchemy.sum:\n{}\nIf the change is \
         intended (and no database has applied the old contents), run `migrate hash` to accept it.",
        problems.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n")
    )]
    SumMismatch { path: String, problems: Vec<String> },

    #[error(
        "{file}: a migration does not run {} of its statements:\n{}",
        if refusals.len() == 1 { "one".to_string() } else { refusals.len().to_string() },
        describe_refusals(refusals)
    )]
    Refused { file: String, refusals: Vec<Refusal> },

    #[error("{file} does not parse at statement {index} (line {line}, column {column}): {message}\n  statement: {statement}")]
    Syntax {
        file: String,
        index: usize,
        line: usize,
        column: usize,
        message: String,
        statement: String,
    },

    #[error("{file} failed at statement {index} (line {line}) in {database}: {message}\n  statement: {statement}")]
    Statement {
        file: String,
        index: usize,
        line: usize,
        statement: String,
        message: String,
        /// Where it ran: the scratch database of a replay, or the target.
        database: String,
    },

    #[error("{file}: {problem}")]
    Transaction { file: String, problem: String },

    /// Boxed: engine errors are large, and most migration errors are not.
    #[error("{0}")]
    Engine(Box<EngineError>),

    #[error("{url}: {problem}")]
    Database { url: String, problem: String },

    #[error("applying {file} to {url} failed at statement {index} (line {line}): {message}\n  statement: {statement}\n{note}")]
    Apply {
        file: String,
        url: String,
        index: usize,
        line: usize,
        statement: String,
        message: String,
        /// What state the database is in, and how to go on.
        note: String,
    },

    #[error(
        "after {file}, {url} is not the schema the replay of the migration directory predicts; still different: {}\n{note}",
        differences.join("; ")
    )]
    NotAsPredicted {
        file: String,
        url: String,
        differences: Vec<String>,
        note: String,
    },
}

impl MigrateError {
    /// An engine error about the script of `file`, in the words of migration files.
    pub(crate) fn in_file(file: &str, error: EngineError) -> MigrateError {
        match error {
            EngineError::RefusedSql { refusals } => MigrateError::Refused {
                file: file.to_string(),
                refusals,
            },
            EngineError::SqlSyntax {
                index,
                line,
                column,
                message,
                statement,
            } => MigrateError::Syntax {
                file: file.to_string(),
                index,
                line,
                column,
                message,
                statement,
            },
            EngineError::DesiredSql {
                url,
                index,
                line,
                statement,
                message,
            } => MigrateError::Statement {
                file: file.to_string(),
                index,
                line,
                statement,
                message,
                database: url,
            },
            EngineError::UnusableDesiredSql { problem, line, column } => MigrateError::File {
                file: file.to_string(),
                problem: format!("{problem} at line {line}, column {column}"),
            },
            other => MigrateError::Engine(Box::new(other)),
        }
    }
}

impl From<EngineError> for MigrateError {
    fn from(error: EngineError) -> MigrateError {
        MigrateError::Engine(Box::new(error))
    }
}
