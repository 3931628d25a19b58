//! How annotations (see `engine::annotations`) read SQLite: sqlparser's
//! tokens (lexemes.rs), names kept as written (SQLite compares them without
//! regard to ASCII case but stores them as declared).

use super::ident;
use crate::engine::annotations::{Grammar, Lexeme, LexemeKind};
use crate::engine::lexemes::{self, annotation_lexemes, lex};
use crate::engine::script::ScriptStatement;

pub static GRAMMAR: Grammar = Grammar {
    lex: lexemes,
    split: cut_at_semicolons,
    identifier,
    table_key,
    spell,
    derives_object_names: false,
};

fn lexemes(sql: &str) -> Vec<Lexeme> {
    annotation_lexemes(lex(sql))
}

fn cut_at_semicolons(sql: &str) -> Vec<ScriptStatement<'_>> {
    lexemes::cut_at_semicolons(sql, lex(sql))
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
