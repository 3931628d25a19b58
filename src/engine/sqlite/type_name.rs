//! Declared column types. SQLite keeps a column's type as text and reports
//! it dequoted (`"my type"` declares `my type`), so a type can hold any
//! characters at all, `;` included. A usual type (plain words, then at most
//! two signed numbers in parentheses) is normalized, `varchar( 10 )` to
//! `VARCHAR(10)`, and written bare; any other is kept exactly as reported
//! and written as one quoted name, which SQLite reports back unchanged. A
//! type is never pasted into SQL as it came.

use sqlparser::tokenizer::Token;

use super::ident::{is_plain, quote};
use crate::engine::lexemes::{lex, Lexed};

/// The model's spelling of a type SQLite reports as `reported`.
pub fn normalize(reported: &str) -> String {
    usual(reported).unwrap_or_else(|| reported.to_string())
}

/// The type as SQL after a column name.
pub fn render(data_type: &str) -> String {
    match usual(data_type) {
        Some(usual) => usual,
        None => quote(data_type),
    }
}

/// The normalized spelling of a usual type, `None` for any other.
fn usual(text: &str) -> Option<String> {
    let lexemes = lex(text);
    let words_end = lexemes
        .iter()
        .position(|l| !matches!(&l.token, Some(Token::Word(w)) if w.quote_style.is_none() && is_plain(&w.value)))
        .unwrap_or(lexemes.len());
    // SQLite drops a trailing bare `ALWAYS` (`GENERATED ALWAYS`) from long
    // type names, so such a name would not read back the same.
    let ends_with_always =
        words_end > 0 && text[lexemes[words_end - 1].start..lexemes[words_end - 1].end].eq_ignore_ascii_case("always");
    if words_end == 0 || ends_with_always {
        return None;
    }
    let words: Vec<String> = lexemes[..words_end]
        .iter()
        .map(|l| text[l.start..l.end].to_ascii_uppercase())
        .collect();
    let mut spelled = words.join(" ");
    let rest = &lexemes[words_end..];
    if !rest.is_empty() {
        spelled.push_str(&format!("({})", arguments(text, rest)?.join(", ")));
    }
    Some(spelled)
}

/// `( signed [, signed] )`, each number as written.
fn arguments(text: &str, lexemes: &[Lexed]) -> Option<Vec<String>> {
    let (open, inner) = lexemes.split_first()?;
    let (close, inner) = inner.split_last()?;
    if !open.is(&Token::LParen) || !close.is(&Token::RParen) {
        return None;
    }
    let numbers: Vec<String> = inner
        .split(|l| l.is(&Token::Comma))
        .map(|argument| match argument {
            [number] if is_decimal(text, number) => Some(text[number.start..number.end].to_string()),
            [sign, number] if (sign.is(&Token::Minus) || sign.is(&Token::Plus)) && is_decimal(text, number) => Some(
                format!("{}{}", &text[sign.start..sign.end], &text[number.start..number.end]),
            ),
            _ => None,
        })
        .collect::<Option<_>>()?;
    (1..=2).contains(&numbers.len()).then_some(numbers)
}

/// Digits with at most one decimal point: what every SQLite reads alike.
fn is_decimal(text: &str, lexeme: &Lexed) -> bool {
    let number = &text[lexeme.start..lexeme.end];
    matches!(lexeme.token, Some(Token::Number(..)))
        && number.bytes().any(|b| b.is_ascii_digit())
        && number.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && number.bytes().filter(|b| *b == b'.').count() <= 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usual_types_are_upper_cased_and_compacted() {
        assert_eq!(normalize("varchar( 10 )"), "VARCHAR(10)");
        assert_eq!(normalize("numeric(10,2)"), "NUMERIC(10, 2)");
        assert_eq!(normalize("double   precision"), "DOUBLE PRECISION");
        assert_eq!(normalize("INT UNSIGNED BIG"), "INT UNSIGNED BIG");
        assert_eq!(normalize("decimal(-1, +2)"), "DECIMAL(-1, +2)");
        assert_eq!(normalize(""), "");
        assert_eq!(render("VARCHAR(10)"), "VARCHAR(10)");
    }

    #[test]
    fn any_other_type_is_kept_and_written_as_one_quoted_name() {
        for reported in [
            "x; DELETE FROM victims; --",
            "my-type",
            "KEY",
            "NOT NULL",
            "varchar(10) collate nocase",
            "a\"b",
            "日本",
            "INT(1, 2, 3)",
            "(10)",
            "NUMERIC(1_000)",
            "INTEGER GENERATED ALWAYS",
        ] {
            assert_eq!(normalize(reported), reported, "{reported}");
            assert_eq!(render(reported), quote(reported), "{reported}");
        }
        assert_eq!(render("x; DELETE FROM victims; --"), "\"x; DELETE FROM victims; --\"");
    }

    #[test]
    fn normalizing_is_idempotent() {
        for reported in ["varchar( 10 )", "x; y", "Double Precision", "a\"b", "INT(1,2,3)"] {
            let once = normalize(reported);
            assert_eq!(normalize(&once), once, "{reported}");
        }
    }
}
