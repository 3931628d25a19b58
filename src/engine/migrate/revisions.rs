//! The revisions table: one row per migration file applied to a database
//! (version, name, checksum, how many statements it has and how many ran,
//! how long it took, when, and whether it completed). The SQL is the same
//! on every dialect: text and integer columns, literals the engine writes
//! itself, and an upsert both PostgreSQL and SQLite (3.24+) understand.

use super::directory::Version;
use super::error::MigrateError;
use crate::engine::bookkeeping::REVISIONS_TABLE;

/// Where revisions are recorded: `name`, or `schema.name` (PostgreSQL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevisionsTable {
    pub schema: Option<String>,
    pub name: String,
}

impl Default for RevisionsTable {
    fn default() -> RevisionsTable {
        RevisionsTable {
            schema: None,
            name: REVISIONS_TABLE.to_string(),
        }
    }
}

/// Whether a revision's file ran to its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Ok,
    /// Stopped after `statements_applied` statements (0: rolled back).
    Failed,
}

impl State {
    pub fn name(self) -> &'static str {
        match self {
            State::Ok => "ok",
            State::Failed => "failed",
        }
    }
}

/// One row of the revisions table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    pub version: Version,
    pub name: String,
    pub checksum: String,
    pub statements_total: u64,
    pub statements_applied: u64,
    pub duration_ms: u64,
    /// UTC, RFC 3339.
    pub applied_at: String,
    pub state: State,
}

impl RevisionsTable {
    /// `name` or `schema.name`, each a plain identifier.
    pub fn parse(text: &str) -> Result<RevisionsTable, MigrateError> {
        let plain = |part: &str| {
            part.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        };
        let (schema, name) = match text.split_once('.') {
            Some((schema, name)) => (Some(schema), name),
            None => (None, text),
        };
        if !plain(name) || schema.is_some_and(|s| !plain(s)) {
            return Err(MigrateError::File {
                file: "revisions_table".to_string(),
                problem: format!("`{text}` is not `name` or `schema.name` (letters, digits and `_`)"),
            });
        }
        Ok(RevisionsTable {
            schema: schema.map(str::to_string),
            name: name.to_string(),
        })
    }

    /// The table as SQL names it.
    pub fn sql_name(&self) -> String {
        match &self.schema {
            Some(schema) => format!("\"{schema}\".\"{}\"", self.name),
            None => format!("\"{}\"", self.name),
        }
    }

    pub fn create_sql(&self) -> String {
        format!(
            "CREATE TABLE IF NOT EXISTS {} (\n  version TEXT PRIMARY KEY,\n  name TEXT NOT NULL,\n  checksum TEXT NOT NULL,\n  \
             statements_total INTEGER NOT NULL,\n  statements_applied INTEGER NOT NULL,\n  duration_ms BIGINT NOT NULL,\n  \
             applied_at TEXT NOT NULL,\n  state TEXT NOT NULL CHECK (state IN ('ok', 'failed'))\n)",
            self.sql_name()
        )
    }

    pub fn select_sql(&self) -> String {
        format!(
            "SELECT version, name, checksum, CAST(statements_total AS TEXT), CAST(statements_applied AS TEXT), \
             CAST(duration_ms AS TEXT), applied_at, state FROM {}",
            self.sql_name()
        )
    }

    /// Inserts or replaces the row of `revision.version`.
    pub fn record_sql(&self, revision: &Revision) -> String {
        format!(
            "INSERT INTO {} (version, name, checksum, statements_total, statements_applied, duration_ms, applied_at, state) \
             VALUES ({}, {}, {}, {}, {}, {}, {}, {}) ON CONFLICT (version) DO UPDATE SET name = excluded.name, \
             checksum = excluded.checksum, statements_total = excluded.statements_total, \
             statements_applied = excluded.statements_applied, duration_ms = excluded.duration_ms, \
             applied_at = excluded.applied_at, state = excluded.state",
            self.sql_name(),
            literal(revision.version.as_str()),
            literal(&revision.name),
            literal(&revision.checksum),
            revision.statements_total,
            revision.statements_applied,
            revision.duration_ms,
            literal(&revision.applied_at),
            literal(revision.state.name()),
        )
    }

    /// A query returning a row when one of `versions` was completed: run
    /// under the write lock, it finds an apply that ran concurrently.
    pub fn completed_sql(&self, versions: &[&Version]) -> String {
        let list: Vec<String> = versions.iter().map(|v| literal(v.as_str())).collect();
        format!(
            "SELECT version FROM {} WHERE state = 'ok' AND version IN ({})",
            self.sql_name(),
            list.join(", ")
        )
    }

    /// The rows [`RevisionsTable::select_sql`] returned, in version order.
    pub fn parse_rows(&self, rows: Vec<Vec<Option<String>>>) -> Result<Vec<Revision>, MigrateError> {
        let bad = |problem: String| MigrateError::File {
            file: format!("the revisions table {}", self.sql_name()),
            problem,
        };
        let mut revisions = Vec::with_capacity(rows.len());
        for row in rows {
            let field = |i: usize| row.get(i).cloned().flatten().unwrap_or_default();
            let number = |i: usize| {
                field(i)
                    .trim()
                    .parse::<u64>()
                    .map_err(|_| bad(format!("has a row whose column {} is not a number", i + 1)))
            };
            let version = Version::parse(&field(0))
                .ok_or_else(|| bad(format!("has a row with version `{}`, not digits", field(0))))?;
            let state = match field(7).as_str() {
                "ok" => State::Ok,
                "failed" => State::Failed,
                other => return Err(bad(format!("has a row with state `{other}`"))),
            };
            revisions.push(Revision {
                version,
                name: field(1),
                checksum: field(2),
                statements_total: number(3)?,
                statements_applied: number(4)?,
                duration_ms: number(5)?,
                applied_at: field(6),
                state,
            });
        }
        revisions.sort_by(|a, b| a.version.cmp(&b.version));
        Ok(revisions)
    }
}

/// A SQL string literal.
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Now, in UTC, as the revisions table records it.
pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Now, in UTC, as a default version (`YYYYMMDDHHMMSS`).
pub fn now_version() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_plain_identifiers() {
        assert_eq!(
            RevisionsTable::parse("ops.revs").unwrap().sql_name(),
            "\"ops\".\"revs\""
        );
        assert_eq!(RevisionsTable::default().sql_name(), "\"tfalchemy_revisions\"");
        assert!(RevisionsTable::parse("a;drop").is_err());
        assert!(RevisionsTable::parse("a.b.c").is_err());
    }

    #[test]
    fn records_quote_their_text() {
        let revision = Revision {
            version: Version::parse("1").unwrap(),
            name: "o'neil".to_string(),
            checksum: "h1:x".to_string(),
            statements_total: 2,
            statements_applied: 1,
            duration_ms: 3,
            applied_at: "2025-01-01T00:00:00Z".to_string(),
            state: State::Failed,
        };
        let sql = RevisionsTable::default().record_sql(&revision);
        assert!(
            sql.contains("'o''neil'") && sql.contains("'failed'") && sql.contains("ON CONFLICT (version)"),
            "{sql}"
        );
        assert_eq!(now_version().len(), 14);
    }
}
