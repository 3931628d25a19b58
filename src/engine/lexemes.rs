//! SQL text as sqlparser's tokenizer reads it in a dialect (SQLite, MySQL),
//! each token with its byte range: what annotations read, where statements
//! begin and end, and (SQLite) what the check for syntax newer than SQLite
//! 3.40 looks at. Whitespace and comments are left out (they are what lies
//! between two lexemes). The annotation grammar pieces every sqlparser-read
//! dialect shares are here too.
//!
//! Reading never fails: where the tokenizer gives up (an unterminated quote),
//! the rest of the text becomes one opaque lexeme, and SQLite itself reports
//! the error with its position when it parses the script. One pass over the
//! text, so linear in its length.

use sqlparser::dialect::{Dialect as SqlparserDialect, SQLiteDialect};
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Location, Token, Tokenizer};

use super::annotations::{Lexeme, LexemeKind};
use super::script::{Lines, ScriptStatement};

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

/// The tokens of `sql` other than whitespace and comments, in order, as
/// SQLite's sqlparser dialect reads them.
pub fn lex(sql: &str) -> Vec<Lexed> {
    lex_in(&SQLiteDialect {}, sql)
}

/// [`lex`] in `dialect`.
pub fn lex_in(dialect: &dyn SqlparserDialect, sql: &str) -> Vec<Lexed> {
    let mut spans = Vec::new();
    let outcome = Tokenizer::new(dialect, sql)
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

/// Lexed tokens as the annotation parser's lexemes.
pub fn annotation_lexemes(lexed: Vec<Lexed>) -> Vec<Lexeme> {
    lexed
        .into_iter()
        .map(|lexed| Lexeme {
            kind: match &lexed.token {
                Some(Token::Word(word)) if word.quote_style.is_some() => LexemeKind::QuotedIdentifier,
                Some(Token::Word(_)) => LexemeKind::Word,
                Some(
                    Token::SingleQuotedString(_)
                    | Token::DoubleQuotedString(_)
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

/// Cuts `sql` at every `;` token. Inside a trigger or routine body that is
/// not where the statement ends, but annotations only look at `CREATE
/// TABLE` statements, which never hold a `;` token; executing a script is
/// split by the dialect's own gate.
pub fn cut_at_semicolons(sql: &str, lexed: Vec<Lexed>) -> Vec<ScriptStatement<'_>> {
    let lines = Lines::new(sql);
    let mut statements = Vec::new();
    let mut first: Option<(usize, usize)> = None;
    for lexed in lexed {
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
