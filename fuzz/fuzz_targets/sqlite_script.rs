//! Runs arbitrary text as desired SQL for SQLite: SQLite's own splitter and
//! authorizer (`check_desired`, in a private in-memory database) either run
//! it or refuse it, every refusal and error naming a position inside the
//! text; reading its annotations never panics.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tfalchemy::engine::annotations;
use tfalchemy::engine::sqlite::check_desired;
use tfalchemy::engine::{Dialect, EngineError};

/// Whether 1-based `line` and `column` point into `sql` (a column may be one
/// past the end of its line).
fn inside(sql: &str, line: usize, column: usize) -> bool {
    let lines: Vec<&str> = sql.split('\n').collect();
    line >= 1 && line <= lines.len() && column >= 1 && column <= lines[line - 1].chars().count() + 1
}

fuzz_target!(|data: &[u8]| {
    let Ok(sql) = std::str::from_utf8(data) else {
        return;
    };
    let _ = annotations::read(Dialect::Sqlite, sql);
    match check_desired(sql) {
        Ok(_) => {}
        Err(EngineError::SqlSyntax { line, column, .. }) => assert!(inside(sql, line, column)),
        Err(EngineError::DesiredSql { line, index, .. }) => assert!(inside(sql, line, 1) && index >= 1),
        Err(EngineError::UnusableDesiredSql { line, column, .. }) => {
            assert!(sql.contains('\0') && inside(sql, line, column))
        }
        Err(EngineError::RefusedSql { refusals }) => {
            assert!(!refusals.is_empty());
            for pair in refusals.windows(2) {
                assert!(pair[0].index < pair[1].index && pair[0].line <= pair[1].line);
            }
            for refusal in &refusals {
                assert!(inside(sql, refusal.line, 1));
            }
        }
        Err(other) => panic!("unexpected error: {other}"),
    }
});
