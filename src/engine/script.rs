//! A statement cut out of a SQL script, as every dialect's splitter yields it,
//! so a failing statement can be named by position, line and text.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptStatement<'a> {
    /// The statement text without the terminating `;` or surrounding comments.
    pub text: &'a str,
    /// 1-based line where the statement starts.
    pub line: usize,
}

impl<'a> ScriptStatement<'a> {
    /// The statement spanning bytes `start..end` of `sql`.
    pub fn at(sql: &'a str, start: usize, end: usize) -> ScriptStatement<'a> {
        ScriptStatement {
            text: &sql[start..end],
            line: 1 + sql[..start].matches('\n').count(),
        }
    }
}
