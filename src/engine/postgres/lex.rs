//! PostgreSQL's lexical rules, as far as splitting scripts and reading
//! annotations need them: quoted identifiers, strings (including `E'…'`
//! escapes), dollar quoting, nested block comments. Whitespace and comments
//! are not lexemes; what lies between two lexemes is nothing else.

use crate::engine::annotations::{Grammar, Lexeme, LexemeKind};

pub fn lex(sql: &str) -> Vec<Lexeme> {
    let bytes = sql.as_bytes();
    let mut lexemes = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let kind = match bytes[i] {
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
            b'\'' => {
                i = skip_quoted(bytes, i + 1, b'\'', is_escape_string(bytes, i));
                LexemeKind::Other
            }
            b'"' => {
                i = skip_quoted(bytes, i + 1, b'"', false);
                LexemeKind::QuotedIdentifier
            }
            b'$' => {
                i = skip_dollar(sql, i);
                LexemeKind::Other
            }
            c if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 => {
                i = sql[i..]
                    .find(|ch: char| !(ch.is_alphanumeric() || ch == '_' || ch == '$'))
                    .map_or(sql.len(), |n| i + n);
                LexemeKind::Word
            }
            c if c.is_ascii_digit() => {
                i = sql[i..]
                    .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '.' || ch == '_'))
                    .map_or(sql.len(), |n| i + n);
                LexemeKind::Other
            }
            _ => {
                i += sql[i..].chars().next().map_or(1, char::len_utf8);
                LexemeKind::Punct
            }
        };
        lexemes.push(Lexeme { kind, start, end: i });
    }
    lexemes
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

/// The name a word or quoted identifier stands for: PostgreSQL folds
/// unquoted names to lower case and keeps quoted ones as written.
pub fn identifier(text: &str, kind: LexemeKind) -> String {
    match kind {
        LexemeKind::QuotedIdentifier => {
            let inner = text.strip_prefix('"').unwrap_or(text);
            inner.strip_suffix('"').unwrap_or(inner).replace("\"\"", "\"")
        }
        _ => text.to_lowercase(),
    }
}

/// How annotations (see `engine::annotations`) read PostgreSQL.
pub static GRAMMAR: Grammar = Grammar {
    lex,
    split: super::split::split_statements,
    identifier,
    table_key,
    spell: super::ident::key_part,
    derives_object_names: true,
};

/// Unqualified tables are created in `public` (the dev database's search path).
fn table_key(namespace: Option<&str>, name: &str) -> String {
    super::ident::key(namespace.unwrap_or("public"), name)
}
