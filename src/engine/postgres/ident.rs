//! PostgreSQL identifiers: quoting for SQL, and the keys objects are stored
//! under in the model.

/// `name` as a quoted identifier. Rendered SQL always quotes, so upper case,
/// spaces, quotes and reserved words need no special cases.
pub fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `"namespace"."name"`.
pub fn qualified(namespace: &str, name: &str) -> String {
    format!("{}.{}", quote(namespace), quote(name))
}

/// A string literal.
pub fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// The model key of a namespaced object: `namespace.name`, each part quoted
/// only when it is not a plain lower-case word, so keys stay readable
/// (`public.users`) and unambiguous (`"a.b".c`).
pub fn key(namespace: &str, name: &str) -> String {
    format!("{}.{}", key_part(namespace), key_part(name))
}

/// One part of a key: `name` as is when it is a plain lower-case word, else quoted.
pub fn key_part(name: &str) -> String {
    let plain = name.chars().next().is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$');
    if plain {
        name.to_string()
    } else {
        quote(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_doubles_embedded_quotes() {
        assert_eq!(quote("we\"ird Name"), "\"we\"\"ird Name\"");
        assert_eq!(qualified("public", "select"), "\"public\".\"select\"");
        assert_eq!(literal("it's"), "'it''s'");
    }

    #[test]
    fn keys_quote_only_what_needs_it() {
        assert_eq!(key("public", "users"), "public.users");
        assert_eq!(key("My App", "a.b"), "\"My App\".\"a.b\"");
    }
}
