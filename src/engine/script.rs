//! A statement cut out of a SQL script, as every dialect's splitter yields it,
//! so a failing statement can be named by position, line and text.

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
    /// The statement spanning bytes `start..end` of `sql`.
    pub fn at(sql: &'a str, start: usize, end: usize) -> ScriptStatement<'a> {
        ScriptStatement {
            text: &sql[start..end],
            line: 1 + sql[..start].matches('\n').count(),
            start,
        }
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
    fn a_nul_character_is_located() {
        assert!(check_usable("CREATE TABLE t (id int);").is_ok());
        let err = check_usable("CREATE TABLE t (id int);\nCREATE TABLE \0u (id int);").unwrap_err();
        assert_eq!(
            err.to_string(),
            "the desired SQL contains a NUL character (byte 0) at line 2, column 14; nothing was run"
        );
    }
}
