//! MySQL identifiers and string literals as SQL text.

/// `name` as a backtick-quoted identifier (a backtick inside is doubled).
pub fn quote(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// The name a backtick-quoted identifier stands for (a doubled backtick
/// inside is one).
pub fn unquote(quoted: &str) -> String {
    match quoted.strip_prefix('`').and_then(|rest| rest.strip_suffix('`')) {
        Some(inner) => inner.replace("``", "`"),
        None => quoted.to_string(),
    }
}

/// `text` as a single-quoted string literal. Backslashes are doubled: the
/// server reads them as escapes unless `NO_BACKSLASH_ESCAPES` is set.
pub fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_and_literals_escape_their_quotes() {
        assert_eq!(quote("order"), "`order`");
        assert_eq!(quote("a`b"), "`a``b`");
        assert_eq!(unquote(&quote("a`b")), "a`b");
        assert_eq!(literal("it's \\ ok"), "'it''s \\\\ ok'");
    }
}
