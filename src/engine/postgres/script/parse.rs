//! Calls into libpg_query (PostgreSQL's own grammar, through `pg_query`).
//!
//! Syntax trees are decoded and dropped recursively, one stack frame per
//! level of nesting, and PostgreSQL's grammar nests as deep as its parser
//! stack allows (about 10,000 levels; deeper input is refused with "memory
//! exhausted"). So every call that builds a tree runs on a thread of its own
//! with a stack large enough for that: the memory is reserved, and only the
//! pages a deep tree touches are used.

use std::ffi::{c_char, c_int, CString};
use std::ops::Range;

use pg_query::protobuf::ScanToken;

/// Reserved for the parser thread's stack (address space, not memory).
const PARSER_STACK: usize = 512 * 1024 * 1024;

/// Runs `work` on a thread with a stack deep enough for any tree the grammar
/// accepts, and waits for it. `work` must drop its trees before it returns.
pub fn on_parser_stack<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .name("sql-parser".to_string())
            .stack_size(PARSER_STACK)
            .spawn_scoped(scope, work)
            .expect("the operating system refused a thread for the SQL parser");
        match handle.join() {
            Ok(value) => value,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// A syntax error: PostgreSQL's message and the byte offset it points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub message: String,
    /// Byte offset in the script, when the parser named one.
    pub offset: Option<usize>,
}

/// The tokens of `sql` (comments included), or the scanner's error.
pub fn scan(sql: &str) -> Result<Vec<ScanToken>, SyntaxError> {
    tokens(sql).map_err(|error| syntax_error(sql, error))
}

/// Through the protobuf interface: `pg_query::scan_tokens` builds a slice
/// from a null pointer when the input has no tokens.
pub fn tokens(sql: &str) -> Result<Vec<ScanToken>, pg_query::Error> {
    pg_query::scan(sql).map(|result| result.tokens)
}

/// The byte ranges of the statements of `sql` as PostgreSQL's grammar splits
/// it, without building trees: each from the end of the one before (comments
/// included) to its end, without its `;`. A script that does not parse is a
/// syntax error, as from [`parse`].
pub fn split(sql: &str) -> Result<Vec<Range<usize>>, SyntaxError> {
    let pieces = pg_query::split_with_parser(sql).map_err(|error| syntax_error(sql, error))?;
    Ok(pieces
        .iter()
        .map(|piece| {
            // Pieces are slices of `sql`.
            let start = piece.as_ptr() as usize - sql.as_ptr() as usize;
            start..start + piece.len()
        })
        .collect())
}

/// The statements of `sql` as syntax trees, each with its byte range.
pub fn parse(sql: &str) -> Result<pg_query::protobuf::ParseResult, SyntaxError> {
    pg_query::parse(sql, pg_query::ParserOptions::default())
        .map(|result| result.protobuf)
        .map_err(|error| syntax_error(sql, error))
}

fn syntax_error(sql: &str, error: pg_query::Error) -> SyntaxError {
    let message = match error {
        pg_query::Error::Parse(message) | pg_query::Error::Scan(message) | pg_query::Error::Split(message) => message,
        other => other.to_string(),
    };
    SyntaxError {
        message,
        offset: error_position(sql),
    }
}

/// Where the parser stopped: `pg_query` keeps only the message of an error,
/// so ask libpg_query once more, through its C interface, for the position.
fn error_position(sql: &str) -> Option<usize> {
    let input = CString::new(sql).ok()?;
    // SAFETY: the declarations below match libpg_query's pg_query.h of the
    // version `pg_query` links; the result is freed by its own function.
    let character = unsafe {
        let result = ffi::pg_query_split_with_parser(input.as_ptr());
        let position = if result.error.is_null() {
            None
        } else {
            usize::try_from((*result.error).cursorpos).ok().filter(|&p| p > 0)
        };
        ffi::pg_query_free_split_result(result);
        position
    };
    // PostgreSQL counts characters from 1.
    let character = character? - 1;
    Some(
        sql.char_indices()
            .nth(character)
            .map_or(sql.len(), |(offset, _)| offset),
    )
}

mod ffi {
    use super::{c_char, c_int};

    #[repr(C)]
    pub struct PgQueryError {
        pub message: *mut c_char,
        pub funcname: *mut c_char,
        pub filename: *mut c_char,
        pub lineno: c_int,
        pub cursorpos: c_int,
        pub context: *mut c_char,
    }

    #[repr(C)]
    pub struct PgQuerySplitResult {
        pub stmts: *mut *mut core::ffi::c_void,
        pub n_stmts: c_int,
        pub stderr_buffer: *mut c_char,
        pub error: *mut PgQueryError,
    }

    extern "C" {
        pub fn pg_query_split_with_parser(input: *const c_char) -> PgQuerySplitResult;
        pub fn pg_query_free_split_result(result: PgQuerySplitResult);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_point_at_the_offending_token() {
        let sql = "CREATE TABLE t (a int);\nCREATE TABLE ü (a int) SELEC;";
        let error = on_parser_stack(|| parse(sql).map(|_| ())).unwrap_err();
        assert!(error.message.contains("syntax error at or near \"SELEC\""), "{error:?}");
        assert_eq!(&sql[error.offset.unwrap()..], "SELEC;");
    }

    #[test]
    fn a_script_that_does_not_split_is_the_same_syntax_error_as_one_that_does_not_parse() {
        let sql = "CREATE TABLE t (a int);\nCREATE TABLE u (a int) SELEC;";
        let split = split(sql).unwrap_err();
        let parsed = on_parser_stack(|| parse(sql).map(|_| ())).unwrap_err();
        assert_eq!(split, parsed);
        assert!(split.message.starts_with("syntax error"), "{split:?}");
    }

    #[test]
    fn deep_nesting_parses_on_the_parser_stack() {
        let depth = 3000;
        let sql = format!(
            "CREATE VIEW v AS SELECT {}1{};",
            "abs(".repeat(depth),
            ")".repeat(depth)
        );
        let statements = on_parser_stack(|| parse(&sql).map(|tree| tree.stmts.len()));
        assert_eq!(statements, Ok(1));
    }

    #[test]
    fn nesting_beyond_the_grammar_is_a_syntax_error() {
        let depth = 20_000;
        let sql = format!("SELECT {}1{};", "(".repeat(depth), ")".repeat(depth));
        let error = on_parser_stack(|| parse(&sql).map(|_| ())).unwrap_err();
        assert!(error.message.contains("memory exhausted"), "{error:?}");
    }
}
