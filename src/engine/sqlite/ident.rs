//! SQLite names in SQL text: how one is quoted and unquoted, and when it may
//! stand bare. SQLite compares names without regard to ASCII case.

use super::c_api::is_keyword;

/// `"name"` with embedded quotes doubled: always valid, whatever the name.
pub fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The name a quoted or bare identifier token stands for: `"a""b"` is
/// `a"b`, `[x y]` is `x y`, `` `a``b` `` is ``a`b``. SQLite also takes a
/// string literal (`'x'`) where a name is expected.
pub fn unquote(token: &str) -> String {
    let mut chars = token.chars();
    let close = match chars.next() {
        Some('[') => ']',
        Some(quote @ ('"' | '`' | '\'')) => quote,
        _ => return token.to_string(),
    };
    let inner = &token[1..];
    let inner = inner.strip_suffix(close).unwrap_or(inner);
    if close == ']' {
        inner.to_string()
    } else {
        inner.replace(&format!("{close}{close}"), &close.to_string())
    }
}

/// Whether `name` reads the same bare: ASCII letters, digits and `_`, not
/// starting with a digit, and not one of SQLite's keywords.
pub fn is_plain(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !is_keyword(name)
}

/// `name` bare when it [`is_plain`], quoted otherwise.
pub fn bare_or_quoted(name: &str) -> String {
    if is_plain(name) {
        name.to_string()
    } else {
        quote(name)
    }
}

/// How `names` spell `name` when they spell it in another ASCII case
/// (`None` when they hold `name` itself, or nothing like it).
pub fn other_case<'a>(names: impl IntoIterator<Item = &'a String>, name: &str) -> Option<String> {
    let mut found = None;
    for candidate in names {
        if candidate == name {
            return None;
        }
        if candidate.eq_ignore_ascii_case(name) {
            found = Some(candidate.clone());
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_doubles_embedded_quotes_and_round_trips() {
        assert_eq!(quote("we\"ird name"), "\"we\"\"ird name\"");
        for name in ["plain", "we\"ird", "x; DROP TABLE victims; --", "", "é"] {
            assert_eq!(unquote(&quote(name)), name);
        }
        assert_eq!(unquote("[x y]"), "x y");
        assert_eq!(unquote("`a``b`"), "a`b");
        assert_eq!(unquote("'lit'"), "lit");
        assert_eq!(unquote("bare"), "bare");
    }

    #[test]
    fn another_case_is_found_unless_the_name_itself_is_there() {
        let names = ["victims".to_string(), "Other".to_string()];
        assert_eq!(other_case(&names, "VICTIMS").as_deref(), Some("victims"));
        assert_eq!(other_case(&names, "victims"), None);
        assert_eq!(other_case(&names, "missing"), None);
    }

    #[test]
    fn only_plain_names_stand_bare() {
        assert_eq!(bare_or_quoted("NOTE"), "NOTE");
        assert_eq!(bare_or_quoted("_x1"), "_x1");
        for name in ["1x", "a b", "order", "Key", "é", "", "a-b"] {
            assert_eq!(bare_or_quoted(name), quote(name), "{name}");
        }
    }
}
