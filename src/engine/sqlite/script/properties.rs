//! Properties of what reads desired SQL on SQLite, on arbitrary Unicode (the
//! cargo-fuzz target `sqlite_script` in fuzz/ checks the same ones with
//! coverage guidance): SQLite's splitter and classifier (script.rs) either
//! run a script or refuse it with positions inside it, annotations and
//! lexemes never panic, and column types survive SQLite's round trip.

use std::time::{Duration, Instant};

use proptest::prelude::*;

use crate::engine::annotations;
use crate::engine::error::EngineError;
use crate::engine::lexemes::lex;
use crate::engine::script::RefusalReason;
use crate::engine::sqlite::c_api::PrivateDatabase;
use crate::engine::sqlite::script::check_desired;
use crate::engine::sqlite::script::single::{self, Rules};
use crate::engine::sqlite::{ident, type_name};
use crate::engine::url::Dialect;

/// `(line, column)` is a position in `sql` (a column may be one past a line's end).
fn inside(sql: &str, line: usize, column: usize) -> bool {
    let lines: Vec<&str> = sql.split('\n').collect();
    line >= 1 && line <= lines.len() && column >= 1 && column <= lines[line - 1].chars().count() + 1
}

fn assert_located(sql: &str, outcome: &Result<usize, EngineError>) -> Result<(), TestCaseError> {
    match outcome {
        Ok(_) => {}
        Err(EngineError::SqlSyntax { line, column, .. }) => {
            prop_assert!(inside(sql, *line, *column), "{outcome:?}");
        }
        Err(EngineError::DesiredSql { line, index, .. }) => {
            prop_assert!(inside(sql, *line, 1) && *index >= 1, "{outcome:?}");
        }
        Err(EngineError::RefusedSql { refusals }) => {
            prop_assert!(!refusals.is_empty());
            for pair in refusals.windows(2) {
                prop_assert!(
                    pair[0].index < pair[1].index && pair[0].line <= pair[1].line,
                    "{refusals:?}"
                );
            }
            for refusal in refusals {
                prop_assert!(inside(sql, refusal.line, 1), "{refusal:?}");
            }
        }
        Err(EngineError::UnusableDesiredSql { line, column, .. }) => {
            prop_assert!(sql.contains('\0') && inside(sql, *line, *column), "{outcome:?}");
        }
        Err(other) => prop_assert!(false, "unexpected error {other:?}"),
    }
    Ok(())
}

/// Pieces of SQLite scripts, each one statement, and whether it is refused.
const PIECES: &[(&str, bool)] = &[
    (
        "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, a TEXT DEFAULT ';' CHECK (a <> '--'))",
        false,
    ),
    (
        "CREATE INDEX IF NOT EXISTS t_a ON t (lower(a)) WHERE a IS NOT NULL",
        false,
    ),
    ("CREATE VIEW IF NOT EXISTS v AS SELECT a FROM t", false),
    (
        "CREATE TRIGGER IF NOT EXISTS r AFTER INSERT ON t BEGIN DELETE FROM t WHERE 0; END",
        false,
    ),
    ("DROP VIEW IF EXISTS gone", false),
    ("PRAGMA foreign_keys = ON", false),
    ("INSERT INTO t (a) VALUES ('x;y')", true),
    ("DELETE FROM t", true),
    ("BEGIN", true),
    ("COMMIT", true),
    ("ATTACH 'never.db' AS never", true),
    ("VACUUM", true),
    ("SELECT 1", true),
    ("PRAGMA user_version = 7", true),
    ("CREATE TEMP TABLE scratch (a)", true),
];

/// A script of [`PIECES`] after the table they use, and whether each
/// statement (the table's first) is refused.
fn script() -> impl Strategy<Value = (String, Vec<bool>)> {
    let separator = prop::sample::select(vec![";", ";\n", " ;\r\n", ";\n-- a comment; still\n", "; /* x; */ "]);
    prop::collection::vec((prop::sample::select(PIECES.to_vec()), separator), 1..12).prop_map(|pieces| {
        let (table, _) = PIECES[0];
        let mut text = format!("{table};\n");
        let mut refused = vec![false];
        for ((sql, refuse), separator) in pieces {
            text.push_str(sql);
            text.push_str(separator);
            refused.push(refuse);
        }
        (text, refused)
    })
}

proptest! {
    #[test]
    fn arbitrary_unicode_runs_or_is_refused_with_a_position(sql in any::<String>()) {
        let outcome = check_desired(&sql);
        assert_located(&sql, &outcome)?;
    }

    #[test]
    fn sql_like_text_runs_or_is_refused_with_a_position(sql in "[a-zA-Z0-9_ (),;'\"\\[\\]`.*=<>|+-/\n]{0,80}") {
        let outcome = check_desired(&sql);
        assert_located(&sql, &outcome)?;
        let with_keywords = format!("CREATE TABLE {sql}");
        assert_located(&with_keywords, &check_desired(&with_keywords))?;
    }

    #[test]
    fn every_refused_statement_of_a_script_is_named((sql, refused) in script()) {
        let expected: Vec<usize> = refused
            .iter()
            .enumerate()
            .filter(|(_, refused)| **refused)
            .map(|(i, _)| i + 1)
            .collect();
        match check_desired(&sql) {
            Ok(statements) => prop_assert!(expected.is_empty() && statements == refused.len(), "{sql}"),
            Err(EngineError::RefusedSql { refusals }) => {
                let found: Vec<usize> = refusals.iter().map(|r| r.index).collect();
                prop_assert_eq!(found, expected, "{}", sql);
                prop_assert!(refusals.iter().all(|r| r.reason != RefusalReason::UnreadableByOlderVersions));
            }
            Err(other) => prop_assert!(false, "{sql}: {other}"),
        }
    }

    #[test]
    fn annotations_and_lexemes_never_panic(sql in any::<String>()) {
        let _ = annotations::read(Dialect::Sqlite, &sql);
        let lexemes = lex(&sql);
        let mut end = 0;
        for lexeme in &lexemes {
            prop_assert!(end <= lexeme.start && lexeme.start < lexeme.end && lexeme.end <= sql.len());
            prop_assert!(sql.is_char_boundary(lexeme.start) && sql.is_char_boundary(lexeme.end));
            end = lexeme.end;
        }
    }

    /// Whatever a type declares, SQLite reports it; the model's spelling of
    /// it renders as exactly one statement declaring a type the model spells
    /// the same.
    #[test]
    fn any_declared_type_round_trips_through_sqlite(declared in "[^\u{0}]{1,30}") {
        let database = PrivateDatabase::open().map_err(TestCaseError::fail)?;
        let handle = database.handle();
        let first = format!("CREATE TABLE a (c {})", ident::quote(&declared));
        single::run(&handle, &first, Rules::PLAN).map_err(|e| TestCaseError::fail(format!("{first}: {e:?}")))?;
        let reported = declared_type(&database, "a");
        let normalized = type_name::normalize(&reported);
        let second = format!("CREATE TABLE b (c {})", type_name::render(&normalized));
        single::run(&handle, &second, Rules::PLAN).map_err(|e| TestCaseError::fail(format!("{second}: {e:?}")))?;
        prop_assert_eq!(type_name::normalize(&declared_type(&database, "b")), normalized);
    }
}

fn declared_type(database: &PrivateDatabase, table: &str) -> String {
    let rows = single::run(
        &database.handle(),
        &format!("SELECT type FROM pragma_table_info('{table}')"),
        Rules::READ,
    )
    .expect("reads the type");
    rows[0][0].1.clone().unwrap_or_default()
}

/// Linear time on what makes hand-written splitters quadratic: many
/// statements, deep nesting, long unterminated quotes.
#[test]
fn adversarial_scripts_are_read_in_linear_time() {
    let cases = [
        "CREATE TABLE IF NOT EXISTS t (a);".repeat(20_000),
        format!("SELECT {}", "(".repeat(200_000)),
        format!("CREATE TABLE t (a DEFAULT '{}", "x".repeat(1_000_000)),
        format!("CREATE TABLE t (a);\n{}", "-- comment ;\n".repeat(100_000)),
        "/*".repeat(300_000),
    ];
    for sql in cases {
        let started = Instant::now();
        let _ = check_desired(&sql);
        let _ = annotations::read(Dialect::Sqlite, &sql);
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{} bytes took {:?}",
            sql.len(),
            started.elapsed()
        );
    }
}
