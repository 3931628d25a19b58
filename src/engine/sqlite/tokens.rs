//! A small SQLite tokenizer for trusted text only: the `CREATE` statements
//! SQLite itself accepted and keeps in `sqlite_schema` (ddl.rs reads their
//! clauses) and the expressions cut from them, spelled in one canonical way
//! for comparison. Desired SQL is never read with it: SQLite splits and
//! classifies that (script.rs), and sqlparser's tokenizer reads it for
//! annotations (lexemes.rs). Whitespace and comments are dropped; every token
//! keeps its byte range in the source.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A bare word: keyword or unquoted identifier.
    Word,
    /// `"x"`, `` `x` `` or `[x]`.
    QuotedIdent,
    /// `'x'`.
    String,
    /// `x'00ff'`.
    Blob,
    Number,
    /// `?1`, `:name`, `@name`, `$name`.
    Variable,
    /// Operators and punctuation, multi-character operators as one token.
    Punct,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token<'a> {
    pub kind: TokenKind,
    pub text: &'a str,
    pub start: usize,
    pub end: usize,
}

impl Token<'_> {
    /// True when this is the bare word `keyword` (any case).
    pub fn is_word(&self, keyword: &str) -> bool {
        self.kind == TokenKind::Word && self.text.eq_ignore_ascii_case(keyword)
    }

    pub fn is_punct(&self, punct: &str) -> bool {
        self.kind == TokenKind::Punct && self.text == punct
    }

    /// The identifier this token names, unquoted. SQLite also accepts a string
    /// literal where an identifier is expected.
    pub fn identifier(&self) -> String {
        match self.kind {
            TokenKind::QuotedIdent | TokenKind::String => super::ident::unquote(self.text),
            _ => self.text.to_string(),
        }
    }
}

const MULTI_CHAR_OPERATORS: &[&str] = &["->>", "->", "||", "<=", ">=", "==", "!=", "<>", "<<", ">>"];

/// Splits `sql` into tokens. Never fails: an unterminated quote or comment runs
/// to the end of the input, and SQLite itself reports the error when it runs it.
pub fn tokenize(sql: &str) -> Vec<Token<'_>> {
    let bytes = sql.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let start = i;
        let kind = match b {
            b if b.is_ascii_whitespace() => {
                i += 1;
                continue;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                i = find_from(bytes, i, b"\n").map_or(bytes.len(), |p| p + 1);
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = find_from(bytes, i + 2, b"*/").map_or(bytes.len(), |p| p + 2);
                continue;
            }
            b'\'' => {
                i = end_of_quoted(bytes, i, b'\'');
                TokenKind::String
            }
            b'"' | b'`' => {
                i = end_of_quoted(bytes, i, b);
                TokenKind::QuotedIdent
            }
            b'[' => {
                i = find_from(bytes, i, b"]").map_or(bytes.len(), |p| p + 1);
                TokenKind::QuotedIdent
            }
            b'x' | b'X' if bytes.get(i + 1) == Some(&b'\'') => {
                i = end_of_quoted(bytes, i + 1, b'\'');
                TokenKind::Blob
            }
            b'0'..=b'9' => {
                i = end_of_number(bytes, i);
                TokenKind::Number
            }
            b'.' if bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                i = end_of_number(bytes, i);
                TokenKind::Number
            }
            b'?' | b':' | b'@' | b'$' if bytes.get(i + 1).is_some_and(|c| is_word_byte(*c)) || b == b'?' => {
                i += 1;
                while i < bytes.len() && is_word_byte(bytes[i]) {
                    i += 1;
                }
                TokenKind::Variable
            }
            b if is_word_start(b) => {
                while i < bytes.len() && is_word_byte(bytes[i]) {
                    i += 1;
                }
                TokenKind::Word
            }
            _ => {
                let rest = &sql[i..];
                let len = MULTI_CHAR_OPERATORS
                    .iter()
                    .find(|op| rest.starts_with(**op))
                    .map_or_else(|| rest.chars().next().map_or(1, char::len_utf8), |op| op.len());
                i += len;
                TokenKind::Punct
            }
        };
        tokens.push(Token {
            kind,
            text: &sql[start..i],
            start,
            end: i,
        });
    }
    tokens
}

fn is_word_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

fn find_from(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// End (exclusive) of a quoted token starting at `open`; a doubled quote escapes.
fn end_of_quoted(bytes: &[u8], open: usize, quote: u8) -> usize {
    let mut i = open + 1;
    while i < bytes.len() {
        if bytes[i] == quote {
            if bytes.get(i + 1) == Some(&quote) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    bytes.len()
}

fn end_of_number(bytes: &[u8], start: usize) -> usize {
    let mut i = start;
    if bytes[i] == b'0' && matches!(bytes.get(i + 1), Some(b'x' | b'X')) {
        i += 2;
        while i < bytes.len() && (bytes[i].is_ascii_hexdigit() || bytes[i] == b'_') {
            i += 1;
        }
        return i;
    }
    while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.' || bytes[i] == b'_') {
        i += 1;
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(bytes.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        if bytes.get(j).is_some_and(u8::is_ascii_digit) {
            i = j;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
        }
    }
    i
}

/// Words after which `(` opens a parenthesised operand rather than a call's
/// argument list, so the canonical form keeps a space before it.
const SPACED_BEFORE_PAREN: &[&str] = &[
    "AND",
    "OR",
    "NOT",
    "IN",
    "IS",
    "LIKE",
    "GLOB",
    "MATCH",
    "REGEXP",
    "BETWEEN",
    "WHEN",
    "THEN",
    "ELSE",
    "CASE",
    "AS",
    "ON",
    "WHERE",
    "SELECT",
    "FROM",
    "JOIN",
    "BY",
    "HAVING",
    "VALUES",
    "CHECK",
    "KEY",
    "REFERENCES",
    "UNION",
    "ALL",
    "DISTINCT",
    "WITH",
    "BEGIN",
    "EXISTS",
    "RETURNING",
    "SET",
    "USING",
    "OVER",
    "FILTER",
    "DEFAULT",
    "INTO",
    "TABLE",
];

/// SQLite's keywords. Bare words are case-insensitive in SQLite, so writing
/// these in upper case never changes meaning.
const KEYWORDS: &[&str] = &[
    "ABORT",
    "ACTION",
    "ADD",
    "AFTER",
    "ALL",
    "ALTER",
    "ALWAYS",
    "ANALYZE",
    "AND",
    "AS",
    "ASC",
    "ATTACH",
    "AUTOINCREMENT",
    "BEFORE",
    "BEGIN",
    "BETWEEN",
    "BY",
    "CASCADE",
    "CASE",
    "CAST",
    "CHECK",
    "COLLATE",
    "COLUMN",
    "COMMIT",
    "CONFLICT",
    "CONSTRAINT",
    "CREATE",
    "CROSS",
    "CURRENT",
    "CURRENT_DATE",
    "CURRENT_TIME",
    "CURRENT_TIMESTAMP",
    "DATABASE",
    "DEFAULT",
    "DEFERRABLE",
    "DEFERRED",
    "DELETE",
    "DESC",
    "DETACH",
    "DISTINCT",
    "DO",
    "DROP",
    "EACH",
    "ELSE",
    "END",
    "ESCAPE",
    "EXCEPT",
    "EXCLUDE",
    "EXCLUSIVE",
    "EXISTS",
    "EXPLAIN",
    "FAIL",
    "FILTER",
    "FIRST",
    "FOLLOWING",
    "FOR",
    "FOREIGN",
    "FROM",
    "FULL",
    "GENERATED",
    "GLOB",
    "GROUP",
    "GROUPS",
    "HAVING",
    "IF",
    "IGNORE",
    "IMMEDIATE",
    "IN",
    "INDEX",
    "INDEXED",
    "INITIALLY",
    "INNER",
    "INSERT",
    "INSTEAD",
    "INTERSECT",
    "INTO",
    "IS",
    "ISNULL",
    "JOIN",
    "KEY",
    "LAST",
    "LEFT",
    "LIKE",
    "LIMIT",
    "MATCH",
    "MATERIALIZED",
    "NATURAL",
    "NO",
    "NOT",
    "NOTHING",
    "NOTNULL",
    "NULL",
    "NULLS",
    "OF",
    "OFFSET",
    "ON",
    "OR",
    "ORDER",
    "OTHERS",
    "OUTER",
    "OVER",
    "PARTITION",
    "PLAN",
    "PRAGMA",
    "PRECEDING",
    "PRIMARY",
    "QUERY",
    "RAISE",
    "RANGE",
    "RECURSIVE",
    "REFERENCES",
    "REGEXP",
    "REINDEX",
    "RELEASE",
    "RENAME",
    "REPLACE",
    "RESTRICT",
    "RETURNING",
    "RIGHT",
    "ROLLBACK",
    "ROW",
    "ROWS",
    "SAVEPOINT",
    "SELECT",
    "SET",
    "TABLE",
    "TEMP",
    "TEMPORARY",
    "THEN",
    "TIES",
    "TO",
    "TRANSACTION",
    "TRIGGER",
    "UNBOUNDED",
    "UNION",
    "UNIQUE",
    "UPDATE",
    "USING",
    "VACUUM",
    "VALUES",
    "VIEW",
    "VIRTUAL",
    "WHEN",
    "WHERE",
    "WINDOW",
    "WITH",
    "WITHOUT",
    "TRUE",
    "FALSE",
];

/// One spelling for a token sequence: keywords in upper case; tokens joined by
/// single spaces, except none inside parentheses' edges, before `,` `.` `;`
/// and around `.`, and none between a function name and its `(`. Other words
/// and all quoting are kept as written.
pub fn canonical(tokens: &[Token<'_>]) -> String {
    let mut out = String::new();
    let mut previous: Option<&Token<'_>> = None;
    let mut after_unary_sign = false;
    for token in tokens {
        if let Some(prev) = previous {
            let glued = after_unary_sign
                || prev.is_punct("(")
                || prev.is_punct(".")
                || token.is_punct(")")
                || token.is_punct(",")
                || token.is_punct(".")
                || token.is_punct(";")
                || (token.is_punct("(")
                    && (prev.kind == TokenKind::QuotedIdent
                        || (prev.kind == TokenKind::Word
                            && !SPACED_BEFORE_PAREN.iter().any(|k| prev.text.eq_ignore_ascii_case(k)))));
            if !glued {
                out.push(' ');
            }
        }
        after_unary_sign = (token.is_punct("-") || token.is_punct("+"))
            && previous.is_none_or(|p| {
                (p.kind == TokenKind::Punct && !p.is_punct(")"))
                    || (p.kind == TokenKind::Word && SPACED_BEFORE_PAREN.iter().any(|k| p.text.eq_ignore_ascii_case(k)))
            });
        if token.kind == TokenKind::Word && is_keyword(token.text) {
            out.push_str(&token.text.to_ascii_uppercase());
        } else {
            out.push_str(token.text);
        }
        previous = Some(token);
    }
    out
}

fn is_keyword(word: &str) -> bool {
    KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(word))
}

/// Canonical form of a SQL fragment given as text.
pub fn canonical_text(sql: &str) -> String {
    canonical(&tokenize(sql))
}

/// Index of the `)` matching the `(` at `open`, if any.
pub fn matching_paren(tokens: &[Token<'_>], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, token) in tokens.iter().enumerate().skip(open) {
        if token.is_punct("(") {
            depth += 1;
        } else if token.is_punct(")") {
            depth = depth.checked_sub(1)?;
            if depth == 0 {
                return Some(i);
            }
        }
    }
    None
}

/// Splits at commas that are not inside parentheses.
pub fn split_top_level_commas<'t, 'a>(tokens: &'t [Token<'a>]) -> Vec<&'t [Token<'a>]> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, token) in tokens.iter().enumerate() {
        if token.is_punct("(") {
            depth += 1;
        } else if token.is_punct(")") {
            depth = depth.saturating_sub(1);
        } else if token.is_punct(",") && depth == 0 {
            parts.push(&tokens[start..i]);
            start = i + 1;
        }
    }
    if start < tokens.len() {
        parts.push(&tokens[start..]);
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(sql: &str) -> Vec<&str> {
        tokenize(sql).iter().map(|t| t.text).collect()
    }

    #[test]
    fn tokenizes_quotes_comments_and_operators() {
        assert_eq!(
            texts("a<=b -- c\n/* d */ 'it''s' \"q\"\"x\" [br] `bt` x'0F' 1.5e-3 ->> ?1"),
            vec![
                "a",
                "<=",
                "b",
                "'it''s'",
                "\"q\"\"x\"",
                "[br]",
                "`bt`",
                "x'0F'",
                "1.5e-3",
                "->>",
                "?1"
            ]
        );
    }

    #[test]
    fn identifiers_are_unquoted() {
        let tokens = tokenize("\"we\"\"ird\" [x y] `a``b` plain 'lit'");
        let names: Vec<String> = tokens.iter().map(Token::identifier).collect();
        assert_eq!(names, vec!["we\"ird", "x y", "a`b", "plain", "lit"]);
    }

    #[test]
    fn canonical_form_is_whitespace_insensitive_and_idempotent() {
        let a = canonical_text("lower( name )   IN('a','b') AND  x>=1");
        let b = canonical_text("lower(name) IN ( 'a' , 'b' )\nAND x >= 1");
        assert_eq!(a, "lower(name) IN ('a', 'b') AND x >= 1");
        assert_eq!(a, b);
        assert_eq!(canonical_text(&a), a);
        assert_eq!(canonical_text("VARCHAR ( 10 )"), "VARCHAR(10)");
        assert_eq!(canonical_text("t . \"c\""), "t.\"c\"");
        assert_eq!(canonical_text("- 1.5"), "-1.5");
        assert_eq!(
            canonical_text("create view v as select Name from t where x is not null"),
            "CREATE VIEW v AS SELECT Name FROM t WHERE x IS NOT NULL"
        );
        assert_eq!(canonical_text("a - -1"), "a - -1");
        assert_eq!(canonical_text("x IN (-1, +2)"), "x IN (-1, +2)");
    }

    #[test]
    fn unterminated_input_does_not_panic() {
        assert_eq!(texts("'abc").len(), 1);
        assert_eq!(texts("/* never closed").len(), 0);
        assert_eq!(texts("[open").len(), 1);
    }
}
