//! SQL text as sqlparser's tokenizer reads it (SQLite dialect), each token
//! with its byte range: what annotations read, where the statements SQLite
//! splits off begin and end, and what the check for syntax newer than
//! SQLite 3.40 looks at. Whitespace and comments are left out (they are what
//! lies between two lexemes).
//!
//! Reading never fails: where the tokenizer gives up (an unterminated quote),
//! the rest of the text becomes one opaque lexeme, and SQLite itself reports
//! the error with its position when it parses the script. One pass over the
//! text, so linear in its length.

use sqlparser::dialect::SQLiteDialect;
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Location, Token, Tokenizer};

/// One token and the bytes it spans.
#[derive(Debug, Clone, PartialEq)]
pub struct Lexed {
    /// `None` for the opaque rest of a text the tokenizer could not read.
    pub token: Option<Token>,
    pub start: usize,
    pub end: usize,
}

impl Lexed {
    pub fn is_keyword(&self, keyword: Keyword) -> bool {
        matches!(&self.token, Some(Token::Word(word)) if word.quote_style.is_none() && word.keyword == keyword)
    }

    pub fn is(&self, token: &Token) -> bool {
        self.token.as_ref() == Some(token)
    }
}

/// The tokens of `sql` other than whitespace and comments, in order.
pub fn lex(sql: &str) -> Vec<Lexed> {
    let dialect = SQLiteDialect {};
    let mut spans = Vec::new();
    let outcome = Tokenizer::new(&dialect, sql)
        .with_unescape(false)
        .tokenize_with_location_into_buf(&mut spans);
    let mut cursor = Cursor::new(sql);
    let mut lexemes = Vec::with_capacity(spans.len());
    for span in spans {
        let start = cursor.advance_to(span.span.start);
        let end = cursor.advance_to(span.span.end);
        if !matches!(span.token, Token::Whitespace(_) | Token::EOF) {
            lexemes.push(Lexed {
                token: Some(span.token),
                start,
                end,
            });
        }
    }
    if let Err(error) = outcome {
        let start = cursor.advance_to(error.location);
        let start = lexemes.last().map_or(start, |last| start.max(last.end));
        if start < sql.len() {
            lexemes.push(Lexed {
                token: None,
                start,
                end: sql.len(),
            });
        }
    }
    lexemes
}

/// Walks the text in step with the tokenizer's line and column count (one
/// line per `\n`, one column per character) to turn locations into bytes.
struct Cursor<'a> {
    chars: std::iter::Peekable<std::str::CharIndices<'a>>,
    length: usize,
    line: u64,
    column: u64,
}

impl<'a> Cursor<'a> {
    fn new(text: &'a str) -> Cursor<'a> {
        Cursor {
            chars: text.char_indices().peekable(),
            length: text.len(),
            line: 1,
            column: 1,
        }
    }

    /// Moves up to `location` (never back) and returns its byte offset.
    fn advance_to(&mut self, location: Location) -> usize {
        while (self.line, self.column) < (location.line, location.column) {
            match self.chars.next() {
                Some((_, '\n')) => {
                    self.line += 1;
                    self.column = 1;
                }
                Some(_) => self.column += 1,
                None => break,
            }
        }
        self.chars.peek().map_or(self.length, |(offset, _)| *offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(sql: &str) -> Vec<&str> {
        lex(sql).iter().map(|l| &sql[l.start..l.end]).collect()
    }

    #[test]
    fn tokens_keep_their_bytes_across_lines_and_wide_characters() {
        let sql = "CREATE TABLE \"é t\" (\r\n  [x y] TEXT DEFAULT 'it''s', -- note\n  日本 INT /* c */ CHECK (日本 >= 1_000)\n);";
        assert_eq!(
            texts(sql),
            vec![
                "CREATE", "TABLE", "\"é t\"", "(", "[x y]", "TEXT", "DEFAULT", "'it''s'", ",", "日本", "INT", "CHECK",
                "(", "日本", ">=", "1_000", ")", ")", ";"
            ]
        );
    }

    #[test]
    fn an_unterminated_quote_leaves_an_opaque_rest() {
        let sql = "CREATE TABLE t (a);\nCREATE TABLE 'never closed";
        let lexemes = lex(sql);
        let last = lexemes.last().expect("lexemes");
        assert_eq!(last.token, None);
        assert_eq!(&sql[last.start..last.end], "'never closed");
        assert_eq!(texts("SELECT 1 /* open comment"), vec!["SELECT", "1"]);
    }
}
