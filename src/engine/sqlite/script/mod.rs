//! Desired SQL, contained. SQLite itself splits the script: each `prepare`
//! compiles one statement and says where it ends. What SQLite's authorizer
//! was told while compiling it decides whether the statement runs
//! (classify.rs): only schema definitions do. A refused statement never
//! runs, and the scan goes on, so every refusal of the script is reported at
//! once. Statements SQLite 3.40 could not read back (older_readers.rs) are
//! refused as well, but still run in the private database that finds the
//! refusals (they only define something), so the statements after them can
//! be checked too.
//!
//! Callers run a script here first in a private in-memory database; only a
//! script with no refusal reaches a dev database file.

mod classify;
mod older_readers;
mod parser_stack;
#[cfg(test)]
mod properties;
pub(super) mod single;

use super::c_api::{Handle, PrivateDatabase, Script};
use crate::engine::error::EngineError;
use crate::engine::lexemes::{lex, Lexed};
use crate::engine::script::{check_usable, shorten, Lines, Refusal, RefusalReason, ScriptStatement};
use classify::{checks_foreign_keys, judge, sets_foreign_keys, Allowed};
use older_readers::{newer_syntax, too_deep};
use parser_stack::with_fixed_stack;
use sqlparser::tokenizer::Token;

/// How the private database that checks a script is named in messages.
pub const CHECKING_DATABASE: &str = "sqlite:// (private in-memory database checking the desired SQL)";

/// A statement of a script, as SQLite split it, after it ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ran {
    /// As written, without the comments before it and its `;`.
    pub text: String,
    /// 1-based line where it starts.
    pub line: usize,
    /// False for `PRAGMA foreign_keys`, which SQLite ignores inside a transaction.
    pub in_transaction: bool,
    /// True for `PRAGMA foreign_key_check`: any row it returns is a violation.
    pub fails_if_rows: bool,
}

/// Runs `sql` on `handle` under containment; `label` names the database in
/// errors. Returns how many statements ran.
pub fn run_desired(handle: &Handle<'_>, label: &str, sql: &str) -> Result<usize, EngineError> {
    run_script(handle, label, sql, Allowed::Definitions).map(|ran| ran.len())
}

/// Runs a migration file on `handle` under containment (definitions and data
/// changes, see [`Allowed::Migration`]), and returns its statements.
pub fn run_migration(handle: &Handle<'_>, label: &str, sql: &str) -> Result<Vec<Ran>, EngineError> {
    run_script(handle, label, sql, Allowed::Migration)
}

fn run_script(handle: &Handle<'_>, label: &str, sql: &str, allowed: Allowed) -> Result<Vec<Ran>, EngineError> {
    let Some(script) = Script::new(sql) else {
        // The only text SQLite cannot take holds a NUL, which this refuses.
        return check_usable(sql).map(|()| Vec::new());
    };
    let mut ran = Vec::new();
    let mut scan = Scan::new(sql);
    let mut refusals = Vec::new();
    let mut statements = 0;
    let mut at = 0;
    while at < script.end() {
        let (prepared, outgrown) = with_fixed_stack(|| handle.prepare(&script, at));
        // Too deep for SQLite 3.40: compiled again with a growing stack, to
        // find where the statement ends and what it does.
        let prepared = if outgrown {
            handle.prepare(&script, at)
        } else {
            prepared
        };
        let prepared = match prepared {
            Ok(prepared) => prepared,
            Err(failure) => {
                if !refusals.is_empty() {
                    // The failure may follow from a refused statement that did not run.
                    break;
                }
                return Err(scan.failure(label, statements, at, failure));
            }
        };
        if prepared.tail <= at {
            break;
        }
        let tail = prepared.tail;
        let Some(compiled) = prepared.statement else {
            at = tail;
            continue;
        };
        statements += 1;
        let (statement, lexemes) = scan.statement(at, tail);
        let first_word = lexemes.first().and_then(|l| match &l.token {
            Some(Token::Word(word)) => Some(word.value.as_str()),
            _ => None,
        });
        match judge(allowed, &prepared.actions, compiled.is_explain(), first_word) {
            Err(refused) => {
                refusals.push(Refusal::new(&statement, statements, refused.reason, refused.detail));
                at = tail;
                continue;
            }
            Ok(()) => {
                let unreadable = if outgrown {
                    Some(too_deep())
                } else {
                    newer_syntax(sql, lexemes)
                };
                if let Some(detail) = unreadable {
                    refusals.push(Refusal::new(
                        &statement,
                        statements,
                        RefusalReason::UnreadableByOlderVersions,
                        detail,
                    ));
                }
            }
        }
        let fails_if_rows = checks_foreign_keys(&prepared.actions);
        let outcome = compiled.run().map_err(|failure| failure.message).and_then(|rows| {
            if fails_if_rows && !rows.is_empty() {
                Err(format!("the check returned {} violation(s)", rows.len()))
            } else {
                Ok(())
            }
        });
        if let Err(message) = outcome {
            if !refusals.is_empty() {
                break;
            }
            return Err(EngineError::desired_statement_failed(
                label,
                statements - 1,
                &statement,
                message,
            ));
        }
        ran.push(Ran {
            text: statement.text.to_string(),
            line: statement.line,
            in_transaction: !sets_foreign_keys(&prepared.actions),
            fails_if_rows,
        });
        at = tail;
    }
    if refusals.is_empty() {
        Ok(ran)
    } else {
        Err(EngineError::RefusedSql { refusals })
    }
}

/// [`run_desired`] in a private in-memory database of its own: the check
/// every script passes before a dev database file sees it.
pub fn check_desired(sql: &str) -> Result<usize, EngineError> {
    let database = PrivateDatabase::open().map_err(|reason| EngineError::Connect {
        url: CHECKING_DATABASE.to_string(),
        reason,
    })?;
    run_desired(&database.handle(), CHECKING_DATABASE, sql)
}

/// Positions in the script, found in one pass as the statements go by.
struct Scan<'a> {
    sql: &'a str,
    lexemes: Vec<Lexed>,
    /// The first lexeme not yet behind the statements seen so far.
    next: usize,
    lines: Lines<'a>,
}

impl<'a> Scan<'a> {
    fn new(sql: &'a str) -> Scan<'a> {
        Scan {
            sql,
            lexemes: lex(sql),
            next: 0,
            lines: Lines::new(sql),
        }
    }

    /// The statement SQLite compiled from bytes `at..tail`, without the
    /// comments before it and the `;` after it, and its lexemes.
    fn statement(&mut self, at: usize, tail: usize) -> (ScriptStatement<'a>, &[Lexed]) {
        while self.lexemes.get(self.next).is_some_and(|l| l.end <= at) {
            self.next += 1;
        }
        let first = self.next;
        while self.lexemes.get(self.next).is_some_and(|l| l.start < tail) {
            self.next += 1;
        }
        let inside = &self.lexemes[first..self.next];
        let words = match inside.last() {
            Some(last) if last.is(&Token::SemiColon) => &inside[..inside.len() - 1],
            _ => inside,
        };
        let start = words.first().map_or(at, |l| l.start.max(at));
        let end = words.last().map_or(tail, |l| l.end.min(tail)).max(start);
        // An opaque lexeme (text the tokenizer could not read) may run on
        // past the statement: SQLite's tail is the authority.
        let text = self.sql[start..end].trim_end_matches(|c: char| c == ';' || c.is_whitespace());
        (self.lines.statement(start, start + text.len()), words)
    }

    /// The error for a statement SQLite could not compile at byte `at`.
    fn failure(
        &mut self,
        label: &str,
        statements_before: usize,
        at: usize,
        failure: super::c_api::Failure,
    ) -> EngineError {
        let rest = self.sql.len();
        let (statement, _) = self.statement(at, rest);
        if is_syntax_error(&failure.message) {
            let offset = failure.offset.map_or(statement.start, |offset| at + offset);
            let (line, column) = self.lines.position(offset);
            // The statement runs to its `;` as far as the tokenizer tells.
            let end = self
                .lexemes
                .iter()
                .find(|l| l.start >= statement.start && l.is(&Token::SemiColon))
                .map_or(rest, |l| l.start);
            return EngineError::SqlSyntax {
                index: statements_before + 1,
                line,
                column,
                message: failure.message,
                statement: shorten(self.sql[statement.start..end.max(statement.start)].trim()),
            };
        }
        EngineError::desired_statement_failed(label, statements_before, &statement, failure.message)
    }
}

/// SQLite's parser reports these; everything else is about meaning.
fn is_syntax_error(message: &str) -> bool {
    message.ends_with("syntax error") || message.starts_with("unrecognized token") || message == "incomplete input"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusals(sql: &str) -> Vec<(usize, usize, RefusalReason, String)> {
        match check_desired(sql) {
            Err(EngineError::RefusedSql { refusals }) => refusals
                .into_iter()
                .map(|r| (r.index, r.line, r.reason, r.detail))
                .collect(),
            other => panic!("expected refusals for {sql:?}, got {other:?}"),
        }
    }

    #[test]
    fn definitions_run_and_trigger_bodies_may_change_data() {
        let sql = "-- the schema\nCREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT CHECK (length(a) > 0) DEFAULT ';');\n\
                   CREATE INDEX i ON t (lower(a)) WHERE a IS NOT NULL;\n\
                   CREATE VIEW v AS SELECT id FROM t WHERE a IN (SELECT a FROM t);\n\
                   CREATE TRIGGER r AFTER INSERT ON t BEGIN INSERT INTO t (a) VALUES ('x'); DELETE FROM t; UPDATE t SET a = 'y'; END;\n\
                   ALTER TABLE t ADD COLUMN b INT; ALTER TABLE t RENAME COLUMN b TO c; ALTER TABLE t DROP COLUMN c;\n\
                   CREATE TABLE u (id INTEGER PRIMARY KEY REFERENCES t (id)); DROP TABLE u; DROP VIEW v;\n\
                   CREATE TABLE IF NOT EXISTS t (z); PRAGMA foreign_keys = ON; CREATE TABLE w (a INT) STRICT;\n\
                   CREATE VIEW v2 AS WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 3) SELECT n FROM c;\n";
        assert_eq!(check_desired(sql).expect("runs"), 14);
    }

    #[test]
    fn everything_else_is_refused_together_with_its_position() {
        let sql = "CREATE TABLE victims (id INTEGER PRIMARY KEY, note TEXT);\n\
                   INSERT INTO victims VALUES (1, 'x');\nREPLACE INTO victims VALUES (1, 'y');\n\
                   UPDATE victims SET note = 'z';\nDELETE FROM victims;\n\
                   BEGIN; COMMIT; SAVEPOINT s; RELEASE s; ROLLBACK; END;\n\
                   ATTACH 'other.db' AS other;\nDETACH other;\nVACUUM;\nVACUUM INTO 'copy.db';\nANALYZE;\nREINDEX;\n\
                   SELECT 1;\nVALUES (1);\nWITH c AS (SELECT 1) SELECT * FROM c;\nEXPLAIN SELECT 1;\n\
                   CREATE TABLE copy AS SELECT * FROM victims;\nPRAGMA journal_mode = WAL;\nPRAGMA writable_schema = ON;\n\
                   CREATE TEMP TABLE scratch (a);\nCREATE VIRTUAL TABLE docs USING fts5(body);\n\
                   WITH c AS (SELECT 1) INSERT INTO victims (note) SELECT * FROM c;\n";
        let found = refusals(sql);
        let reasons: Vec<(usize, RefusalReason)> = found.iter().map(|(i, _, r, _)| (*i, *r)).collect();
        use RefusalReason::*;
        assert_eq!(
            reasons,
            vec![
                (2, DataChange),
                (3, DataChange),
                (4, DataChange),
                (5, DataChange),
                (6, TransactionControl),
                (7, TransactionControl),
                (8, TransactionControl),
                (9, TransactionControl),
                (10, TransactionControl),
                (11, TransactionControl),
                (12, ServerLevel),
                (13, ServerLevel),
                (14, Maintenance),
                (15, Maintenance),
                (16, Maintenance),
                (17, Maintenance),
                (18, Query),
                (19, Query),
                (20, Query),
                (21, Query),
                (22, ExecutesCode),
                (23, SessionChange),
                (24, SessionChange),
                (25, NotSchemaDefinition),
                (26, NotSchemaDefinition),
                (27, DataChange),
            ]
        );
        let lines: Vec<usize> = found.iter().map(|(_, line, _, _)| *line).collect();
        assert_eq!(&lines[..6], &[2, 3, 4, 5, 6, 6]);
        assert_eq!(found[10].3, "ATTACH opens or creates the file 'other.db'");
        assert_eq!(found[0].3, "INSERT into victims");
    }

    #[test]
    fn a_syntax_error_names_its_line_and_column() {
        let sql = "CREATE TABLE a (id INTEGER);\n\nCREATE TABLE broken (id INTEGER PRIMARY KEY,, x);\nSELECT 1;";
        match check_desired(sql) {
            Err(EngineError::SqlSyntax {
                index,
                line,
                column,
                message,
                statement,
            }) => {
                assert_eq!((index, line, column), (2, 3, 45));
                assert!(message.contains("syntax error"), "{message}");
                assert_eq!(statement, "CREATE TABLE broken (id INTEGER PRIMARY KEY,, x)");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn statements_too_new_or_too_deep_for_sqlite_3_40_are_refused() {
        let deep = format!(
            "CREATE TABLE deep (a INT CHECK ({}a{}));",
            "(".repeat(95),
            ")".repeat(95)
        );
        let sql = format!(
            "CREATE TABLE ok (a INT CHECK ({}a{}));\n{deep}\nCREATE TABLE sep (a INT DEFAULT 1_000);\nCREATE INDEX later ON deep (a);",
            "(".repeat(80),
            ")".repeat(80)
        );
        let found = refusals(&sql);
        let reasons: Vec<(usize, usize, RefusalReason)> = found.iter().map(|(i, l, r, _)| (*i, *l, *r)).collect();
        use RefusalReason::UnreadableByOlderVersions as Unreadable;
        assert_eq!(reasons, vec![(2, 2, Unreadable), (3, 3, Unreadable)]);
        assert!(found[0].3.contains("SQLite 3.40"), "{}", found[0].3);
    }

    #[test]
    fn a_failing_definition_names_its_statement() {
        match check_desired("CREATE TABLE a (id INT);\nCREATE INDEX i ON missing (id);") {
            Err(EngineError::DesiredSql {
                index, line, message, ..
            }) => {
                assert_eq!((index, line), (2, 2));
                assert_eq!(message, "no such table: main.missing");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn statements_that_exist_already_or_not_at_all_do_nothing_and_pass() {
        let sql = "CREATE TABLE t (a); CREATE INDEX i ON t (a); CREATE TRIGGER r AFTER INSERT ON t BEGIN SELECT 1; END;\n\
                   CREATE INDEX IF NOT EXISTS i ON t (a); CREATE TRIGGER IF NOT EXISTS r AFTER INSERT ON t BEGIN SELECT 2; END;\n\
                   DROP TABLE IF EXISTS gone; DROP VIEW IF EXISTS gone; DROP INDEX IF EXISTS gone; DROP TRIGGER IF EXISTS gone;";
        assert_eq!(check_desired(sql).expect("runs"), 9);
    }

    fn migration(sql: &str) -> Result<Vec<Ran>, EngineError> {
        let database = PrivateDatabase::open().expect("open");
        run_migration(&database.handle(), "test", sql)
    }

    #[test]
    fn migration_files_may_change_their_tables_but_not_much_else() {
        let sql = "PRAGMA foreign_keys = OFF;\nCREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);\n\
                   INSERT INTO t (a) VALUES ('x');\nUPDATE t SET a = upper(a) WHERE id IN (SELECT id FROM t);\n\
                   WITH c AS (SELECT 'y' AS a) INSERT INTO t (a) SELECT a FROM c;\nDELETE FROM t WHERE a = 'y';\n\
                   REPLACE INTO t VALUES (1, 'z');\nPRAGMA foreign_key_check;\nPRAGMA foreign_keys = ON;";
        let ran = migration(sql).expect("runs");
        let placed: Vec<(usize, bool, bool)> = ran
            .iter()
            .map(|r| (r.line, r.in_transaction, r.fails_if_rows))
            .collect();
        assert_eq!(
            placed,
            vec![
                (1, false, false),
                (2, true, false),
                (3, true, false),
                (4, true, false),
                (5, true, false),
                (6, true, false),
                (7, true, false),
                (8, true, true),
                (9, false, false)
            ]
        );
        assert_eq!(ran[2].text, "INSERT INTO t (a) VALUES ('x')");
        let refused = "CREATE TABLE t (a INTEGER PRIMARY KEY AUTOINCREMENT);\nBEGIN;\nATTACH 'x.db' AS x;\nVACUUM;\nSELECT * FROM t;\n\
                       DELETE FROM sqlite_sequence;\nCREATE TEMP TABLE s (a);\nPRAGMA journal_mode = WAL;";
        match migration(refused) {
            Err(EngineError::RefusedSql { refusals }) => {
                let reasons: Vec<(usize, RefusalReason)> = refusals.iter().map(|r| (r.index, r.reason)).collect();
                use RefusalReason::*;
                assert_eq!(
                    reasons,
                    vec![
                        (2, TransactionControl),
                        (3, ServerLevel),
                        (4, Maintenance),
                        (5, Query),
                        (6, DataChange),
                        (7, NotSchemaDefinition),
                        (8, SessionChange)
                    ]
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(
            check_desired("CREATE TABLE t (a); INSERT INTO t VALUES (1);").is_err(),
            "desired SQL still refuses"
        );
    }

    #[test]
    fn a_foreign_key_check_with_violations_fails_the_migration() {
        let sql = "CREATE TABLE p (id INTEGER PRIMARY KEY);\nCREATE TABLE c (p INTEGER REFERENCES p (id));\n\
                   PRAGMA foreign_keys = OFF;\nINSERT INTO c VALUES (7);\nPRAGMA foreign_key_check;";
        match migration(sql) {
            Err(EngineError::DesiredSql {
                index, line, message, ..
            }) => {
                assert_eq!((index, line), (5, 5));
                assert!(message.contains("1 violation"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn comments_and_empty_statements_are_not_statements() {
        assert_eq!(check_desired("").expect("empty"), 0);
        assert_eq!(check_desired("  -- nothing\n;; /* at all */").expect("nothing"), 0);
        assert_eq!(check_desired("CREATE TABLE a (x) /* unterminated").expect("one"), 1);
    }
}
