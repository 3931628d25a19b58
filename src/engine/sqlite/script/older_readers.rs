//! A database this provider writes must stay readable by the SQLite most
//! systems still ship: Debian 12's sqlite3 is 3.40.1, while sqlx bundles
//! 3.46. SQLite parses every `CREATE` statement of a schema when it opens a
//! file, and refuses the whole file ("malformed database schema") if one
//! does not parse. Checked with Debian 12's sqlite3 3.40.1 on files written by
//! the bundled 3.46, 3.40 cannot read:
//!
//! - statements whose parse needs more than its fixed 100-entry parser stack
//!   (about 90 nested parentheses, 30 nested function calls, 18 nested CASE
//!   expressions, 13 nested subqueries in a view): see parser_stack.rs;
//! - `ORDER BY` inside an aggregate call (`group_concat(x ORDER BY x)`),
//!   new in 3.44;
//! - digit separators in numbers (`1_000`), new in 3.46.
//!
//! Functions added since 3.40 (`unhex`, `concat`, …) do not stop a file from
//! opening; only the statements calling them fail there.

use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::Token;

use crate::engine::lexemes::Lexed;

/// The oldest SQLite the schemas must stay readable by.
pub const OLDEST_READER: &str = "SQLite 3.40";

/// Why a statement too deep for the fixed parser stack is refused.
pub fn too_deep() -> String {
    format!(
        "it nests deeper than {OLDEST_READER} (Debian 12's sqlite3) can parse: its parser stack holds 100 \
         entries, and a database holding the statement could not be opened there"
    )
}

/// Syntax in `lexemes` (one statement's) that SQLite 3.40 cannot parse.
pub fn newer_syntax(sql: &str, lexemes: &[Lexed]) -> Option<String> {
    digit_separator(sql, lexemes).or_else(|| ordered_aggregate(lexemes))
}

fn digit_separator(sql: &str, lexemes: &[Lexed]) -> Option<String> {
    lexemes.iter().find_map(|lexeme| {
        let number = matches!(&lexeme.token, Some(Token::Number(..) | Token::HexStringLiteral(_)));
        let text = &sql[lexeme.start..lexeme.end];
        (number && text.contains('_')).then(|| {
            format!(
                "the number {text} uses digit separators, which SQLite reads since 3.46 only; \
                 {OLDEST_READER} could not open a database holding it"
            )
        })
    })
}

/// `ORDER BY` directly inside the parentheses of a call (`f(x ORDER BY y)`):
/// not inside a window (`OVER (…)`, `AS (…)`) or a subquery.
fn ordered_aggregate(lexemes: &[Lexed]) -> Option<String> {
    struct Open {
        call: bool,
        /// Set by the first token inside: a subquery starts with a query word.
        subquery: Option<bool>,
    }
    let mut open: Vec<Open> = Vec::new();
    let mut previous: Option<&Lexed> = None;
    for lexeme in lexemes {
        if let Some(innermost) = open.last_mut() {
            innermost.subquery.get_or_insert_with(|| {
                [Keyword::SELECT, Keyword::VALUES, Keyword::WITH]
                    .into_iter()
                    .any(|k| lexeme.is_keyword(k))
            });
        }
        if lexeme.is(&Token::LParen) {
            let call = previous.is_some_and(|p| {
                matches!(p.token, Some(Token::Word(_))) && !p.is_keyword(Keyword::OVER) && !p.is_keyword(Keyword::AS)
            });
            open.push(Open { call, subquery: None });
        } else if lexeme.is(&Token::RParen) {
            open.pop();
        } else if lexeme.is_keyword(Keyword::ORDER) && open.last().is_some_and(|o| o.call && o.subquery == Some(false))
        {
            return Some(format!(
                "ORDER BY inside an aggregate call is new in SQLite 3.44; {OLDEST_READER} could not open a \
                 database holding it"
            ));
        }
        previous = Some(lexeme);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::lexemes::lex;

    fn newer(sql: &str) -> Option<String> {
        newer_syntax(sql, &lex(sql))
    }

    #[test]
    fn syntax_since_3_40_is_found() {
        for sql in [
            "CREATE TABLE t (a INT DEFAULT 1_000)",
            "CREATE TABLE t (a REAL CHECK (a < 1.5_0))",
            "CREATE VIEW v AS SELECT group_concat(a ORDER BY a) FROM t",
            "CREATE VIEW v AS SELECT string_agg(a, ',' ORDER BY b DESC) FROM t",
            "CREATE TRIGGER r AFTER INSERT ON t BEGIN SELECT \"count\"(DISTINCT a ORDER BY a) FROM t; END",
        ] {
            assert!(newer(sql).is_some(), "{sql}");
        }
    }

    #[test]
    fn what_3_40_reads_is_not_flagged() {
        for sql in [
            "CREATE VIEW v AS SELECT a, row_number() OVER (ORDER BY a) FROM t WINDOW w AS (PARTITION BY a ORDER BY b)",
            "CREATE VIEW v AS SELECT * FROM (SELECT a FROM t ORDER BY a) WHERE a IN (SELECT a FROM t ORDER BY a LIMIT 1)",
            "CREATE VIEW v AS SELECT max((SELECT a FROM t ORDER BY a LIMIT 1)), sum(a) OVER (w ORDER BY a) FROM t",
            "CREATE TABLE t (a_1 INT DEFAULT 1000, b TEXT DEFAULT '1_000', \"c_2\" INT DEFAULT 0x1F)",
            "CREATE VIEW v AS WITH c AS (SELECT a FROM t ORDER BY a) SELECT * FROM c ORDER BY a",
        ] {
            assert_eq!(newer(sql), None, "{sql}");
        }
    }
}
