//! Splits a PostgreSQL script into statements so a failing one can be named.
//! Knows PostgreSQL's lexical rules that can hide a `;`: quoted identifiers,
//! strings (including `E'…'` escapes), dollar quoting, nested block comments,
//! and the `BEGIN ATOMIC … END` bodies of SQL-standard functions.

use crate::engine::script::ScriptStatement;

pub fn split_statements(sql: &str) -> Vec<ScriptStatement<'_>> {
    let bytes = sql.as_bytes();
    let mut statements = Vec::new();
    let mut start: Option<usize> = None;
    let mut end = 0;
    // Depth of BEGIN ATOMIC / CASE blocks in the current statement.
    let mut depth = 0usize;
    let mut previous_word = String::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let token_start = i;
        match c {
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' => {
                i += 1;
                continue;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                i = sql[i..].find('\n').map_or(bytes.len(), |n| i + n);
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = skip_block_comment(bytes, i);
                continue;
            }
            b';' if depth == 0 => {
                if let Some(s) = start.take() {
                    statements.push(ScriptStatement::at(sql, s, end));
                }
                previous_word.clear();
                i += 1;
                continue;
            }
            b'\'' => i = skip_quoted(bytes, i + 1, b'\'', is_escape_string(bytes, i)),
            b'"' => i = skip_quoted(bytes, i + 1, b'"', false),
            b'$' => i = skip_dollar(sql, i),
            c if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 => {
                let word_end = sql[i..]
                    .find(|ch: char| !(ch.is_alphanumeric() || ch == '_' || ch == '$'))
                    .map_or(sql.len(), |n| i + n);
                let word = sql[i..word_end].to_ascii_uppercase();
                let opens_block = word == "ATOMIC" && previous_word == "BEGIN";
                if opens_block || (depth > 0 && word == "CASE") {
                    depth += 1;
                } else if depth > 0 && word == "END" {
                    depth -= 1;
                }
                previous_word = word;
                i = word_end;
            }
            _ => i += sql[i..].chars().next().map_or(1, char::len_utf8),
        }
        start.get_or_insert(token_start);
        end = i;
    }
    if let Some(s) = start {
        statements.push(ScriptStatement::at(sql, s, end));
    }
    statements
}

/// `E'…'` (or `e'…'`), where a backslash escapes the next character.
fn is_escape_string(bytes: &[u8], quote: usize) -> bool {
    quote > 0
        && matches!(bytes[quote - 1], b'E' | b'e')
        && (quote < 2 || !(bytes[quote - 2].is_ascii_alphanumeric() || bytes[quote - 2] == b'_'))
}

/// Index just past the closing `close`; a doubled `close` is part of the text.
fn skip_quoted(bytes: &[u8], mut i: usize, close: u8, backslash_escapes: bool) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if backslash_escapes => i += 2,
            c if c == close && bytes.get(i + 1) == Some(&close) => i += 2,
            c if c == close => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

fn skip_block_comment(bytes: &[u8], mut i: usize) -> usize {
    let mut depth = 0usize;
    while i < bytes.len() {
        if bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'*') {
            depth += 1;
            i += 2;
        } else if bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/') {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    bytes.len()
}

/// `$tag$ … $tag$`; a `$` that does not open a dollar quote (`$1`) is one character.
fn skip_dollar(sql: &str, i: usize) -> usize {
    let rest = &sql[i + 1..];
    let tag_len = rest
        .find(|ch: char| !(ch.is_alphanumeric() || ch == '_'))
        .unwrap_or(rest.len());
    let tag_is_valid = !rest[..tag_len].starts_with(|ch: char| ch.is_ascii_digit());
    if !tag_is_valid || !rest[tag_len..].starts_with('$') {
        return i + 1;
    }
    let delimiter = &sql[i..i + tag_len + 2];
    let body = i + delimiter.len();
    sql[body..]
        .find(delimiter)
        .map_or(sql.len(), |n| body + n + delimiter.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(sql: &str) -> Vec<&str> {
        split_statements(sql).iter().map(|s| s.text).collect()
    }

    #[test]
    fn semicolons_inside_quotes_comments_and_bodies_do_not_split() {
        let sql = "-- a; b\nCREATE TABLE \"x;y\" (v text DEFAULT 'a;''b');\n\
                   CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$ BEGIN RETURN 1; END $body$;\n\
                   /* outer /* inner; */ still; */ SELECT E'\\';', $1;\n\
                   CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; SELECT 2; END;";
        let found = texts(sql);
        assert_eq!(found.len(), 4, "{found:?}");
        assert_eq!(found[0], "CREATE TABLE \"x;y\" (v text DEFAULT 'a;''b')");
        assert!(found[1].ends_with("$body$"));
        assert_eq!(found[2], "SELECT E'\\';', $1");
        assert!(found[3].ends_with("SELECT 2; END"));
        let lines: Vec<usize> = split_statements(sql).iter().map(|s| s.line).collect();
        assert_eq!(lines, vec![2, 3, 4, 5]);
    }

    #[test]
    fn empty_script_has_no_statements() {
        assert!(texts(" -- nothing\n ;; /* x */").is_empty());
    }
}
