//! The canonical form of desired SQL: its tokens, as the dialect's own
//! scanner reads them, without comments, one space apart. Two scripts with
//! the same canonical form define the same schema, whatever their comments
//! (the exporter's `-- model:` lines move whenever a model file is edited),
//! line breaks or indentation: so "this desired SQL was already applied" and
//! "this desired SQL was already normalized" are asked of the canonical form.
//! Annotations live in comments, but they never change the normalized schema
//! (they are read from the text each time).

use sha2::{Digest, Sha256};
use sqlparser::dialect::Dialect as SqlparserDialect;
use sqlparser::tokenizer::{Token, Tokenizer};

use super::driver::registered;
use super::url::Dialect;

/// The canonical form of `sql` in `dialect`. Text the scanner rejects is its
/// own canonical form (normalizing it fails anyway).
pub fn canonical_form(dialect: Dialect, sql: &str) -> String {
    let tokens = registered(dialect).and_then(|driver| driver.tokens_without_comments(sql));
    tokens.map_or_else(|| sql.to_string(), |tokens| tokens.join(" "))
}

/// SHA-256 (hex) of [`canonical_form`].
pub fn canonical_sha256(dialect: Dialect, sql: &str) -> String {
    hex::encode(Sha256::digest(canonical_form(dialect, sql).as_bytes()))
}

/// The tokens of `sql` as sqlparser's scanner for `dialect` reads them,
/// without whitespace and comments.
pub(crate) fn sqlparser_tokens(dialect: &dyn SqlparserDialect, sql: &str) -> Option<Vec<String>> {
    let tokens = Tokenizer::new(dialect, sql).tokenize().ok()?;
    Some(
        tokens
            .into_iter()
            .filter(|token| !matches!(token, Token::Whitespace(_)))
            .map(|token| token.to_string())
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_layout_do_not_count() {
        for dialect in [Dialect::Postgres, Dialect::Sqlite] {
            let a = "-- model: app.User (app/models.py:14)\nCREATE TABLE t (\n  id int, -- the key\n  n text DEFAULT 'a  b'\n);";
            let b =
                "-- model: app.User (app/models.py:20)\n/* moved */ CREATE TABLE t (id int,\n n text DEFAULT 'a  b');";
            assert_eq!(canonical_form(dialect, a), canonical_form(dialect, b), "{dialect:?}");
            let c = "CREATE TABLE t (id int, n text DEFAULT 'a b');";
            assert_ne!(
                canonical_form(dialect, a),
                canonical_form(dialect, c),
                "{dialect:?}: literals keep their spaces"
            );
            let d = "CREATE TABLE t (id bigint, n text DEFAULT 'a  b');";
            assert_ne!(
                canonical_sha256(dialect, a),
                canonical_sha256(dialect, d),
                "{dialect:?}"
            );
        }
    }

    #[test]
    fn function_bodies_keep_their_comments() {
        let a = "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 -- one\n $$;";
        let b = "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 -- two\n $$;";
        assert_ne!(
            canonical_form(Dialect::Postgres, a),
            canonical_form(Dialect::Postgres, b)
        );
    }
}
