//! The revisions table: one row per migration file applied to a database
//! (version, name, checksum, how many statements it has and how many ran,
//! how long it took, when, and whether it completed). The SQL is written
//! here once, for every dialect: text and integer columns, literals the
//! engine writes itself, and an upsert. What dialects spell differently
//! (quoting, a keyed text column, casts to text, the upsert) comes from the
//! driver as a [`RevisionsSyntax`].

use super::directory::Version;
use super::error::MigrateError;
use crate::engine::bookkeeping::{REVISIONS_COLUMNS, REVISIONS_TABLE};

/// How a dialect spells the revisions table's SQL.
#[derive(Debug)]
pub struct RevisionsSyntax {
    /// An identifier quoted (the names are plain identifiers already).
    pub quote: fn(&str) -> String,
    /// The type of the `version` primary key: MySQL cannot key a `TEXT`.
    pub key_type: &'static str,
    /// The type a cast to text names: `TEXT`, MySQL's `CHAR`.
    pub text_cast: &'static str,
    pub upsert: Upsert,
}

/// How a row replaces the row of the same version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upsert {
    /// `ON CONFLICT (version) DO UPDATE SET c = excluded.c` (PostgreSQL, SQLite 3.24+).
    OnConflict,
    /// `ON DUPLICATE KEY UPDATE c = VALUES(c)` (MariaDB, MySQL before 8.0.19).
    OnDuplicateKey,
    /// `AS new ON DUPLICATE KEY UPDATE c = new.c`: the row alias of MySQL
    /// 8.0.19+, which deprecates `VALUES()` from 8.0.20 (MariaDB has no alias).
    OnDuplicateKeyRowAlias,
}

impl RevisionsSyntax {
    /// PostgreSQL's and SQLite's.
    pub const STANDARD: RevisionsSyntax = RevisionsSyntax {
        quote: double_quoted,
        key_type: "TEXT",
        text_cast: "TEXT",
        upsert: Upsert::OnConflict,
    };

    /// `expression` cast to text.
    pub fn as_text(&self, expression: &str) -> String {
        format!("CAST({expression} AS {})", self.text_cast)
    }

    /// `SET c = <the inserted c>` for every column but the key.
    fn upsert_clause(&self) -> String {
        let columns = &REVISIONS_COLUMNS[1..];
        match self.upsert {
            Upsert::OnConflict => format!(
                "ON CONFLICT (version) DO UPDATE SET {}",
                columns
                    .iter()
                    .map(|c| format!("{c} = excluded.{c}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Upsert::OnDuplicateKey => format!(
                "ON DUPLICATE KEY UPDATE {}",
                columns
                    .iter()
                    .map(|c| format!("{c} = VALUES({c})"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Upsert::OnDuplicateKeyRowAlias => format!(
                "AS new ON DUPLICATE KEY UPDATE {}",
                columns
                    .iter()
                    .map(|c| format!("{c} = new.{c}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

fn double_quoted(name: &str) -> String {
    format!("\"{name}\"")
}

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

    /// The table as messages name it.
    pub fn sql_name(&self) -> String {
        match &self.schema {
            Some(schema) => format!("\"{schema}\".\"{}\"", self.name),
            None => format!("\"{}\"", self.name),
        }
    }

    /// The table as `syntax` names it in SQL.
    fn quoted(&self, syntax: &RevisionsSyntax) -> String {
        match &self.schema {
            Some(schema) => format!("{}.{}", (syntax.quote)(schema), (syntax.quote)(&self.name)),
            None => (syntax.quote)(&self.name),
        }
    }

    pub fn create_sql(&self, syntax: &RevisionsSyntax) -> String {
        format!(
            "CREATE TABLE IF NOT EXISTS {} (\n  version {} PRIMARY KEY,\n  name TEXT NOT NULL,\n  checksum TEXT NOT NULL,\n  \
             statements_total INTEGER NOT NULL,\n  statements_applied INTEGER NOT NULL,\n  duration_ms BIGINT NOT NULL,\n  \
             applied_at TEXT NOT NULL,\n  state TEXT NOT NULL CHECK (state IN ('ok', 'failed'))\n)",
            self.quoted(syntax),
            syntax.key_type,
        )
    }

    pub fn select_sql(&self, syntax: &RevisionsSyntax) -> String {
        format!(
            "SELECT {}, name, checksum, {}, {}, {}, applied_at, state FROM {}",
            syntax.as_text("version"),
            syntax.as_text("statements_total"),
            syntax.as_text("statements_applied"),
            syntax.as_text("duration_ms"),
            self.quoted(syntax)
        )
    }

    /// Inserts or replaces the row of `revision.version`.
    pub fn record_sql(&self, syntax: &RevisionsSyntax, revision: &Revision) -> String {
        format!(
            "INSERT INTO {} ({}) VALUES ({}, {}, {}, {}, {}, {}, {}, {}) {}",
            self.quoted(syntax),
            REVISIONS_COLUMNS.join(", "),
            literal(revision.version.as_str()),
            literal(&revision.name),
            literal(&revision.checksum),
            revision.statements_total,
            revision.statements_applied,
            revision.duration_ms,
            literal(&revision.applied_at),
            literal(revision.state.name()),
            syntax.upsert_clause(),
        )
    }

    /// A query returning a row when one of `versions` was completed: run
    /// under the write lock, it finds an apply that ran concurrently.
    pub fn completed_sql(&self, syntax: &RevisionsSyntax, versions: &[&Version]) -> String {
        let list: Vec<String> = versions.iter().map(|v| literal(v.as_str())).collect();
        format!(
            "SELECT {} FROM {} WHERE state = 'ok' AND version IN ({})",
            syntax.as_text("version"),
            self.quoted(syntax),
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

/// A SQL string literal. What the engine writes has no backslash (versions
/// are digits, names letters, digits, `_` and `-`, checksums base64), so the
/// same literal reads the same under MySQL's backslash escapes.
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
        let sql = RevisionsTable::default().record_sql(&RevisionsSyntax::STANDARD, &revision);
        assert!(
            sql.contains("'o''neil'")
                && sql.contains("'failed'")
                && sql.contains("ON CONFLICT (version) DO UPDATE SET name = excluded.name,")
                && sql.ends_with("state = excluded.state"),
            "{sql}"
        );
        assert_eq!(now_version().len(), 14);
    }
}
