//! How annotations (see `engine::annotations`) read SQLite: its tokenizer,
//! its splitter, and names kept as written (SQLite compares them without
//! regard to case but stores them as declared).

use super::split::split_statements;
use super::tokens::{tokenize, TokenKind};
use crate::engine::annotations::{Grammar, Lexeme, LexemeKind};

pub static GRAMMAR: Grammar = Grammar {
    lex,
    split: split_statements,
    identifier,
    table_key,
    // SQLite writes a renamed column into the CHECKs and expression indexes
    // that use it double-quoted.
    spell: super::tokens::quote_identifier,
    derives_object_names: false,
};

fn lex(sql: &str) -> Vec<Lexeme> {
    tokenize(sql)
        .into_iter()
        .map(|token| Lexeme {
            kind: match token.kind {
                TokenKind::Word => LexemeKind::Word,
                TokenKind::QuotedIdent => LexemeKind::QuotedIdentifier,
                TokenKind::Punct => LexemeKind::Punct,
                TokenKind::String | TokenKind::Blob | TokenKind::Number | TokenKind::Variable => LexemeKind::Other,
            },
            start: token.start,
            end: token.end,
        })
        .collect()
}

fn identifier(text: &str, kind: LexemeKind) -> String {
    let kind = match kind {
        LexemeKind::QuotedIdentifier => TokenKind::QuotedIdent,
        _ => TokenKind::Word,
    };
    super::tokens::Token {
        kind,
        text,
        start: 0,
        end: text.len(),
    }
    .identifier()
}

/// The model keys SQLite tables by bare name (`main.t` is `t`).
fn table_key(_namespace: Option<&str>, name: &str) -> String {
    name.to_string()
}
