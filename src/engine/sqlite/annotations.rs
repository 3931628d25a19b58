//! How annotations (see `engine::annotations`) read SQLite: sqlparser's
//! tokens (lexemes.rs), names kept as written (SQLite compares them without
//! regard to ASCII case but stores them as declared).

use sqlparser::tokenizer::Token;

use super::ident;
use super::lexemes::lex;
use crate::engine::annotations::{Grammar, Lexeme, LexemeKind};
use crate::engine::script::{Lines, ScriptStatement};

pub static GRAMMAR: Grammar = Grammar {
    lex: lexemes,
    split: cut_at_semicolons,
    identifier,
    table_key,
    spell,
    derives_object_names: false,
};

fn lexemes(sql: &str) -> Vec<Lexeme> {
    lex(sql)
        .into_iter()
        .map(|lexed| Lexeme {
            kind: match &lexed.token {
                Some(Token::Word(word)) if word.quote_style.is_some() => LexemeKind::QuotedIdentifier,
                Some(Token::Word(_)) => LexemeKind::Word,
                Some(
                    Token::SingleQuotedString(_)
                    | Token::HexStringLiteral(_)
                    | Token::Number(..)
                    | Token::Placeholder(_)
                    | Token::Char(_),
                )
                | None => LexemeKind::Other,
                Some(_) => LexemeKind::Punct,
            },
            start: lexed.start,
            end: lexed.end,
        })
        .collect()
}

/// Cuts at every `;` token. Inside a trigger body that is not where SQLite
/// ends the statement, but annotations only look at `CREATE TABLE`
/// statements, which never hold a `;` token; executing the script is split by
/// SQLite itself (script.rs).
fn cut_at_semicolons(sql: &str) -> Vec<ScriptStatement<'_>> {
    let lines = Lines::new(sql);
    let mut statements = Vec::new();
    let mut first: Option<(usize, usize)> = None;
    for lexed in lex(sql) {
        if lexed.token == Some(Token::SemiColon) {
            if let Some((start, end)) = first.take() {
                statements.push(lines.statement(start, end));
            }
            continue;
        }
        let start = first.map_or(lexed.start, |(start, _)| start);
        first = Some((start, lexed.end));
    }
    if let Some((start, end)) = first {
        statements.push(lines.statement(start, end));
    }
    statements
}

fn identifier(text: &str, kind: LexemeKind) -> String {
    match kind {
        LexemeKind::QuotedIdentifier => ident::unquote(text),
        _ => text.to_string(),
    }
}

/// The model keys SQLite tables by bare name (`main.t` is `t`).
fn table_key(_namespace: Option<&str>, name: &str) -> String {
    name.to_string()
}

/// SQLite writes a renamed column double-quoted into the checks and
/// expression indexes that use it, since the `RENAME` quotes it.
fn spell(name: &str) -> String {
    ident::quote(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_are_cut_at_semicolons_with_their_lines() {
        let sql =
            "-- header; not a statement\nCREATE TABLE a (x TEXT DEFAULT ';');\n\n/* ; */ ;; CREATE INDEX i ON a (x)";
        let statements = cut_at_semicolons(sql);
        let found: Vec<(&str, usize)> = statements.iter().map(|s| (s.text, s.line)).collect();
        assert_eq!(
            found,
            vec![
                ("CREATE TABLE a (x TEXT DEFAULT ';')", 2),
                ("CREATE INDEX i ON a (x)", 4)
            ]
        );
    }

    #[test]
    fn lexemes_tell_words_from_quoted_names_and_punctuation() {
        let sql = "CREATE TABLE [a b] (\"c\" INT, 'd' x'00' 1.5, e.f);";
        let kinds: Vec<(&str, LexemeKind)> = lexemes(sql).iter().map(|l| (&sql[l.start..l.end], l.kind)).collect();
        use LexemeKind::*;
        assert_eq!(
            kinds,
            vec![
                ("CREATE", Word),
                ("TABLE", Word),
                ("[a b]", QuotedIdentifier),
                ("(", Punct),
                ("\"c\"", QuotedIdentifier),
                ("INT", Word),
                (",", Punct),
                ("'d'", Other),
                ("x'00'", Other),
                ("1.5", Other),
                (",", Punct),
                ("e", Word),
                (".", Punct),
                ("f", Word),
                (")", Punct),
                (";", Punct),
            ]
        );
    }
}
