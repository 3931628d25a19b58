//! How annotations (engine/annotations.rs) read PostgreSQL: the tokens of
//! PostgreSQL's own scanner, and statements as its own grammar splits them.

use pg_query::protobuf::{KeywordKind, ScanToken, Token};

use super::super::ident;
use crate::engine::annotations::{Grammar, Lexeme, LexemeKind};
use crate::engine::script::{Lines, ScriptStatement};

pub static GRAMMAR: Grammar = Grammar {
    lex,
    split,
    identifier,
    table_key,
    spell: ident::key_part,
    derives_object_names: true,
};

/// The tokens of `sql` without comments. Input the scanner rejects has none:
/// [`super::contain`] reports it before annotations are read.
fn lex(sql: &str) -> Vec<Lexeme> {
    let Ok(tokens) = super::parse::tokens(sql) else {
        return Vec::new();
    };
    tokens
        .iter()
        .filter_map(|token| {
            let kind = kind(sql, token)?;
            Some(Lexeme {
                kind,
                start: token.start as usize,
                end: token.end as usize,
            })
        })
        .collect()
}

fn kind(sql: &str, token: &ScanToken) -> Option<LexemeKind> {
    let is = |t: Token| token.token == t as i32;
    if is(Token::SqlComment) || is(Token::CComment) {
        return None;
    }
    if is(Token::Ident) {
        let quoted = sql[token.start as usize..].starts_with('"');
        return Some(if quoted {
            LexemeKind::QuotedIdentifier
        } else {
            LexemeKind::Word
        });
    }
    if is(Token::Uident) {
        return Some(LexemeKind::QuotedIdentifier);
    }
    if token.keyword_kind != KeywordKind::NoKeyword as i32 {
        return Some(LexemeKind::Word);
    }
    // Single-character tokens carry their character's code.
    if token.token < 256 || is(Token::Op) || is(Token::Typecast) || is(Token::DotDot) || is(Token::ColonEquals) {
        return Some(LexemeKind::Punct);
    }
    Some(LexemeKind::Other)
}

/// Statements as PostgreSQL's grammar splits them (without building trees).
fn split(sql: &str) -> Vec<ScriptStatement<'_>> {
    let Ok(pieces) = pg_query::split_with_parser(sql) else {
        return Vec::new();
    };
    let lines = Lines::new(sql);
    pieces
        .into_iter()
        .filter_map(|piece| {
            let offset = piece.as_ptr() as usize - sql.as_ptr() as usize;
            let leading = piece.len() - piece.trim_start().len();
            let text = piece.trim();
            (!text.is_empty()).then(|| {
                let start = offset + leading;
                lines.statement(start, start + text.len())
            })
        })
        .collect()
}

/// The name a word or quoted identifier stands for: PostgreSQL folds
/// unquoted names to lower case and keeps quoted ones as written.
fn identifier(text: &str, kind: LexemeKind) -> String {
    match kind {
        LexemeKind::QuotedIdentifier => {
            let inner = text.strip_prefix('"').unwrap_or(text);
            inner.strip_suffix('"').unwrap_or(inner).replace("\"\"", "\"")
        }
        _ => text.to_lowercase(),
    }
}

/// Unqualified tables are created in `public` (the scratch database's search path).
fn table_key(namespace: Option<&str>, name: &str) -> String {
    ident::key(namespace.unwrap_or("public"), name)
}
