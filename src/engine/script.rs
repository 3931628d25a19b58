//! A statement cut out of a SQL script, as every dialect's splitter yields it,
//! so a failing statement can be named by position, line and text; and the
//! dialect-neutral vocabulary of containment: why a statement of desired SQL
//! is refused before anything runs (each dialect's `script.rs` classifies with
//! its own parser and reports [`Refusal`]s).

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptStatement<'a> {
    /// The statement text without the terminating `;` or surrounding comments.
    pub text: &'a str,
    /// 1-based line where the statement starts.
    pub line: usize,
    /// Byte offset of the statement in the script.
    pub start: usize,
}

impl<'a> ScriptStatement<'a> {
    /// The statement spanning bytes `start..end` of `sql`. Counts lines from
    /// the start: for one statement; a splitter uses [`Lines::statement`].
    pub fn at(sql: &'a str, start: usize, end: usize) -> ScriptStatement<'a> {
        ScriptStatement {
            text: &sql[start..end],
            line: 1 + sql[..start].matches('\n').count(),
            start,
        }
    }
}

/// Why a plan does not run a statement of desired SQL: desired SQL defines a
/// schema, and a plan must not be able to change anything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalReason {
    /// INSERT, UPDATE, DELETE, MERGE, COPY, TRUNCATE, REPLACE.
    DataChange,
    /// BEGIN, COMMIT, ROLLBACK, SAVEPOINT, SET TRANSACTION: the plan's own
    /// transaction is what keeps the scratch database clean.
    TransactionControl,
    /// SET ROLE, SET SESSION AUTHORIZATION, RESET ALL, settings outside the
    /// harmless ones.
    SessionChange,
    /// Databases, roles, tablespaces, ALTER SYSTEM, subscriptions,
    /// publications, attached database files: beyond one database's schema.
    ServerLevel,
    /// DO, CALL, LOAD, CREATE TABLE … AS, event triggers, expressions the
    /// database evaluates while it runs the definition.
    ExecutesCode,
    /// SELECT, VALUES, EXPLAIN, SHOW: reads, not definitions.
    Query,
    /// VACUUM, ANALYZE, REINDEX, CLUSTER, REFRESH, CHECKPOINT, LOCK.
    Maintenance,
    /// Anything else that is not a schema definition the engine accepts.
    NotSchemaDefinition,
    /// Definitions that older releases of the database, still in wide use,
    /// cannot read back: a database holding them would not open there.
    UnreadableByOlderVersions,
}

impl RefusalReason {
    /// The reason as a phrase: "changes data".
    pub fn phrase(self) -> &'static str {
        match self {
            RefusalReason::DataChange => "changes data",
            RefusalReason::TransactionControl => "controls the transaction",
            RefusalReason::SessionChange => "changes the session or its role",
            RefusalReason::ServerLevel => "acts on the server, beyond this database's schema",
            RefusalReason::ExecutesCode => "executes code while it is defined",
            RefusalReason::Query => "is a query, not a definition",
            RefusalReason::Maintenance => "is maintenance, not a definition",
            RefusalReason::NotSchemaDefinition => "is not a schema definition",
            RefusalReason::UnreadableByOlderVersions => "would make the database unreadable for older versions",
        }
    }
}

/// Line and column (both 1-based, columns in characters) of byte offsets in
/// one text, each found without rescanning the text before it.
pub struct Lines<'a> {
    text: &'a str,
    /// Byte offset where each line starts.
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    pub fn new(text: &'a str) -> Lines<'a> {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(at, _)| at + 1))
            .collect();
        Lines { text, starts }
    }

    /// The line and column of byte `offset` (clamped to the text).
    pub fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&start| start <= offset);
        let start = self.starts[line - 1];
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        (line, column + 1)
    }

    /// The statement spanning bytes `start..end`, with its line.
    pub fn statement(&self, start: usize, end: usize) -> ScriptStatement<'a> {
        ScriptStatement {
            text: &self.text[start..end],
            line: self.position(start).0,
            start,
        }
    }
}

/// A statement of desired SQL refused before anything ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// 1-based position of the statement in the script.
    pub index: usize,
    /// 1-based line where the statement starts.
    pub line: usize,
    /// The statement, shortened for messages.
    pub statement: String,
    pub reason: RefusalReason,
    /// What the parser saw, for the message: "INSERT", "SET ROLE", "a DEFAULT
    /// calling f() in ALTER TABLE … ADD COLUMN".
    pub detail: String,
}

impl Refusal {
    pub fn new(
        statement: &ScriptStatement<'_>,
        index: usize,
        reason: RefusalReason,
        detail: impl Into<String>,
    ) -> Refusal {
        Refusal {
            index,
            line: statement.line,
            statement: shorten(statement.text.trim()),
            reason,
            detail: detail.into(),
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "statement {} (line {}) {} ({}):\n    {}",
            self.index,
            self.line,
            self.reason.phrase(),
            self.detail,
            self.statement
        )
    }
}

/// How many refused statements one message lists.
pub const REFUSALS_LISTED: usize = 20;

/// The refusals of a script as one message body.
pub fn describe_refusals(refusals: &[Refusal]) -> String {
    let mut lines: Vec<String> = refusals
        .iter()
        .take(REFUSALS_LISTED)
        .map(|r| format!("  {r}"))
        .collect();
    if refusals.len() > REFUSALS_LISTED {
        lines.push(format!("  … and {} more", refusals.len() - REFUSALS_LISTED));
    }
    lines.join("\n")
}

/// At most 300 characters of a statement, on as many lines as it has.
pub fn shorten(text: &str) -> String {
    const LIMIT: usize = 300;
    match text.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{} …", &text[..cut]),
        None => text.to_string(),
    }
}

/// Rejects text no database should be handed: a NUL character ends C strings
/// early (SQLite's parser can loop on it; PostgreSQL's protocol rejects it with
/// a bare "invalid message format").
pub fn check_usable(sql: &str) -> Result<(), super::error::EngineError> {
    let Some(offset) = sql.find('\0') else { return Ok(()) };
    let before = &sql[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |tail| tail.chars().count()) + 1;
    Err(super::error::EngineError::UnusableDesiredSql {
        problem: "contains a NUL character (byte 0)",
        line,
        column,
    })
}

#[cfg(test)]
mod usable_tests {
    use super::*;

    #[test]
    fn lines_and_columns_count_characters() {
        let text = "ab\nçd\n\nx";
        let lines = Lines::new(text);
        assert_eq!(lines.position(0), (1, 1));
        assert_eq!(lines.position(2), (1, 3));
        assert_eq!(lines.position(3), (2, 1));
        assert_eq!(lines.position(5), (2, 2));
        assert_eq!(lines.position(7), (3, 1));
        assert_eq!(lines.position(8), (4, 1));
        assert_eq!(lines.position(99), (4, 2));
        assert_eq!(lines.statement(3, 6).text, "çd");
        assert_eq!(lines.statement(3, 6).line, 2);
    }

    #[test]
    fn a_nul_character_is_located() {
        assert!(check_usable("CREATE TABLE t (id int);").is_ok());
        let err = check_usable("CREATE TABLE t (id int);\nCREATE TABLE \0u (id int);").unwrap_err();
        assert_eq!(
            err.to_string(),
            "the desired SQL contains a NUL character (byte 0) at line 2, column 14; nothing was run"
        );
    }
}
