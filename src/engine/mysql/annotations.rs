//! How annotations (see `engine::annotations`) read MySQL: sqlparser's
//! tokens in its MySQL dialect, backtick-quoted names unquoted.

use sqlparser::dialect::MySqlDialect;

use super::ident;
use crate::engine::annotations::{Grammar, Lexeme, LexemeKind};
use crate::engine::lexemes::{self, annotation_lexemes, lex_in, Lexed};
use crate::engine::script::ScriptStatement;

pub static GRAMMAR: Grammar = Grammar {
    lex: lexemes,
    split: cut_at_semicolons,
    identifier,
    table_key,
    spell: ident::quote,
    derives_object_names: false,
};

/// The tokens of `sql` as MySQL's sqlparser dialect reads them.
pub fn lex(sql: &str) -> Vec<Lexed> {
    lex_in(&MySqlDialect {}, sql)
}

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

/// One database is one schema: tables are keyed by bare name.
fn table_key(_namespace: Option<&str>, name: &str) -> String {
    name.to_string()
}

#[cfg(test)]
mod tests {
    use crate::engine::annotations::read;
    use crate::engine::url::Dialect;

    #[test]
    fn renames_and_models_are_read_from_backticked_definitions() {
        let sql = "-- model: app.User (app/models.py:3)\nCREATE TABLE `users` (\n  `id` int NOT NULL,\n  \
                   -- renamed_from: mail\n  `email` varchar(100) NOT NULL\n);";
        let found = read(Dialect::Mysql, sql).expect("annotations");
        assert_eq!(found.dialect, Some(Dialect::Mysql));
        let text = format!("{found:?}");
        assert!(
            text.contains("mail") && text.contains("email") && text.contains("app.User"),
            "{text}"
        );
    }
}
