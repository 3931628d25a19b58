//! Splits a PostgreSQL script into statements so a failing one can be named.
//! The lexer (lex.rs) hides the `;` inside quotes, dollar quotes and
//! comments; this adds the `BEGIN ATOMIC … END` bodies of SQL-standard
//! functions.

use super::lex::lex;
use crate::engine::annotations::LexemeKind;
use crate::engine::script::ScriptStatement;

pub fn split_statements(sql: &str) -> Vec<ScriptStatement<'_>> {
    let mut statements = Vec::new();
    let mut start: Option<usize> = None;
    let mut end = 0;
    // Depth of BEGIN ATOMIC / CASE blocks in the current statement.
    let mut depth = 0usize;
    let mut previous_word = String::new();
    for lexeme in lex(sql) {
        let text = &sql[lexeme.start..lexeme.end];
        match lexeme.kind {
            LexemeKind::Punct if text == ";" && depth == 0 => {
                if let Some(s) = start.take() {
                    statements.push(ScriptStatement::at(sql, s, end));
                }
                previous_word.clear();
                continue;
            }
            LexemeKind::Word => {
                let word = text.to_ascii_uppercase();
                let opens_block = word == "ATOMIC" && previous_word == "BEGIN";
                if opens_block || (depth > 0 && word == "CASE") {
                    depth += 1;
                } else if depth > 0 && word == "END" {
                    depth -= 1;
                }
                previous_word = word;
            }
            _ => {}
        }
        start.get_or_insert(lexeme.start);
        end = lexeme.end;
    }
    if let Some(s) = start {
        statements.push(ScriptStatement::at(sql, s, end));
    }
    statements
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
