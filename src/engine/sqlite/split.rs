//! Splits a SQL script into statements so a failing one can be named. Respects
//! quotes and comments (through the tokenizer) and the `BEGIN … END` body of
//! `CREATE TRIGGER`, whose inner semicolons do not end the statement.

use super::tokens::{tokenize, Token};
use crate::engine::script::ScriptStatement;

pub fn split_statements(sql: &str) -> Vec<ScriptStatement<'_>> {
    let tokens = tokenize(sql);
    let mut statements = Vec::new();
    let mut current: Vec<Token<'_>> = Vec::new();
    let mut depth = 0usize;
    for token in tokens {
        if token.is_punct(";") && depth == 0 {
            push_statement(sql, &current, &mut statements);
            current.clear();
            continue;
        }
        if is_trigger(&current) {
            if token.is_word("BEGIN") || token.is_word("CASE") {
                depth += 1;
            } else if token.is_word("END") {
                depth = depth.saturating_sub(1);
            }
        }
        current.push(token);
    }
    push_statement(sql, &current, &mut statements);
    statements
}

/// `CREATE [TEMP|TEMPORARY] TRIGGER`.
fn is_trigger(tokens: &[Token<'_>]) -> bool {
    let mut words = tokens.iter().take(3);
    if !words.next().is_some_and(|t| t.is_word("CREATE")) {
        return false;
    }
    match words.next() {
        Some(t) if t.is_word("TRIGGER") => true,
        Some(t) if t.is_word("TEMP") || t.is_word("TEMPORARY") => words.next().is_some_and(|t| t.is_word("TRIGGER")),
        _ => false,
    }
}

fn push_statement<'a>(sql: &'a str, tokens: &[Token<'a>], out: &mut Vec<ScriptStatement<'a>>) {
    let (Some(first), Some(last)) = (tokens.first(), tokens.last()) else {
        return;
    };
    out.push(ScriptStatement::at(sql, first.start, last.end));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_semicolons_outside_quotes_comments_and_triggers() {
        let sql = "-- header; not a statement\nCREATE TABLE a (x TEXT DEFAULT ';');\n\n\
                   CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  UPDATE a SET x = CASE WHEN x = '' THEN 'e' END;\n  \
                   DELETE FROM a WHERE 0;\nEND;\n/* ; */ ;; CREATE INDEX i ON a (x)";
        let statements = split_statements(sql);
        let texts: Vec<&str> = statements.iter().map(|s| s.text).collect();
        assert_eq!(texts.len(), 3, "{texts:?}");
        assert_eq!(texts[0], "CREATE TABLE a (x TEXT DEFAULT ';')");
        assert!(texts[1].starts_with("CREATE TRIGGER") && texts[1].ends_with("END"));
        assert_eq!(texts[2], "CREATE INDEX i ON a (x)");
        let lines: Vec<usize> = statements.iter().map(|s| s.line).collect();
        assert_eq!(lines, vec![2, 4, 8]);
    }

    #[test]
    fn empty_script_has_no_statements() {
        assert!(split_statements("  -- nothing\n;;").is_empty());
    }
}
