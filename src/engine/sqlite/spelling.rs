//! One spelling for things SQLite treats as equal, so that a database written
//! from our rendered SQL and one written by hand compare equal.
//!
//! Choices (kept deliberately narrow: only what SQLite itself treats as equal):
//! * Declared types: see type_name.rs. Different names with the same affinity
//!   (`INT` vs `INTEGER`) stay different: they are visible to anything that
//!   reflects the table.
//! * Defaults, checks, predicates, view and trigger bodies: whitespace
//!   canonicalised, case and quoting kept (string literals are case-sensitive).
//! * Collations: upper-cased; `BINARY`, the default, is the same as none.

use super::tokens::{canonical, tokenize, TokenKind};

pub fn normalize_default(default: &str) -> String {
    canonical(&tokenize(default))
}

pub fn normalize_collation(collation: Option<&str>) -> Option<String> {
    let upper = collation?.trim().to_ascii_uppercase();
    (!upper.is_empty() && upper != "BINARY").then_some(upper)
}

/// Whether a default (as stored, without its outer parentheses) may be written
/// bare after `DEFAULT`: a literal or a signed number. Anything else must be
/// parenthesised.
pub fn is_literal_default(default: &str) -> bool {
    let tokens = tokenize(default);
    match tokens.as_slice() {
        [t] => {
            matches!(t.kind, TokenKind::String | TokenKind::Number | TokenKind::Blob)
                || [
                    "NULL",
                    "TRUE",
                    "FALSE",
                    "CURRENT_TIME",
                    "CURRENT_DATE",
                    "CURRENT_TIMESTAMP",
                ]
                .iter()
                .any(|k| t.is_word(k))
        }
        [sign, n] => (sign.is_punct("-") || sign.is_punct("+")) && n.kind == TokenKind::Number,
        _ => false,
    }
}

/// Whether `ALTER TABLE … ADD COLUMN` accepts this default: a constant literal
/// (not an expression, not `CURRENT_*`).
pub fn is_constant_default(default: &str) -> bool {
    is_literal_default(default) && !default.trim().to_ascii_uppercase().starts_with("CURRENT_")
}

/// Whether a default is absent or `NULL`.
pub fn is_null_default(default: Option<&str>) -> bool {
    default.is_none_or(|d| d.trim().eq_ignore_ascii_case("NULL"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_defaults() {
        for literal in ["'x'", "1", "-1.5", "NULL", "current_timestamp", "x'00'"] {
            assert!(is_literal_default(literal), "{literal}");
        }
        for expression in ["1+2", "(1)", "lower('A')", "datetime('now')"] {
            assert!(!is_literal_default(expression), "{expression}");
        }
        assert!(!is_constant_default("CURRENT_TIMESTAMP"));
        assert!(is_constant_default("'a'"));
    }

    #[test]
    fn binary_collation_is_the_default() {
        assert_eq!(normalize_collation(Some("binary")), None);
        assert_eq!(normalize_collation(Some("nocase")), Some("NOCASE".into()));
        assert_eq!(normalize_collation(None), None);
    }
}
