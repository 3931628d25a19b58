//! Properties of the URL parser on arbitrary input (the cargo-fuzz target
//! `url_parse` in fuzz/ checks the same ones with coverage guidance): parsing
//! never panics, and the redacted form of a URL never shows its password.

use proptest::prelude::*;

use super::url::{DatabaseUrl, Dialect};

/// Query options whose values are secrets, as `url.rs` redacts them.
const SECRET_KEYS: &[&str] = &["password", "sslpassword"];

/// Strings that look enough like database URLs to reach every branch.
fn url_like() -> impl Strategy<Value = String> {
    let known = prop::sample::select(vec![
        "postgresql",
        "postgresql+psycopg",
        "postgres",
        "mysql+pymysql",
        "mariadb",
        "sqlite",
        "sqlite+pysqlite",
        "oracle",
    ])
    .prop_map(String::from);
    let scheme = prop_oneof![known, "[a-zA-Z0-9+]{0,8}"];
    (scheme, "[a-zA-Z0-9@:/?&=%.\\[\\]_+ -]{0,40}").prop_map(|(scheme, rest)| format!("{scheme}://{rest}"))
}

/// The redacted form of a parsed server URL has no password but `****`,
/// also in its secret query options.
fn assert_redacted(parsed: &DatabaseUrl) -> Result<(), TestCaseError> {
    if parsed.dialect() == Dialect::Sqlite {
        return Ok(()); // SQLite URLs carry no credentials.
    }
    let redacted = parsed.redacted();
    let reparsed = url::Url::parse(&redacted).map_err(|e| TestCaseError::fail(format!("{redacted}: {e}")))?;
    prop_assert!(matches!(reparsed.password(), None | Some("****")), "{redacted}");
    for (key, value) in reparsed.query_pairs() {
        if SECRET_KEYS.contains(&key.as_ref()) {
            prop_assert_eq!(value.as_ref(), "****", "{}", redacted);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_strings_never_panic(input in any::<String>()) {
        if let Ok(parsed) = DatabaseUrl::parse(&input) {
            assert_redacted(&parsed)?;
        }
    }

    #[test]
    fn url_like_strings_never_panic_or_leak(input in url_like()) {
        if let Ok(parsed) = DatabaseUrl::parse(&input) {
            assert_redacted(&parsed)?;
        }
    }

    /// A password made of characters that need percent-encoding, in the
    /// user info and in the query: neither its written nor its decoded form
    /// appears once redacted, nor in the Debug and Display forms.
    #[test]
    fn passwords_never_appear_in_the_redacted_form(
        scheme in prop_oneof![Just("postgresql+psycopg"), Just("mysql"), Just("mariadb")],
        password in "[a-zA-Z0-9!$&'()*+,;=:@/?#\\[\\] %-]{6,24}",
        in_query in any::<bool>(),
    ) {
        // A marker keeps the password from matching unrelated parts of the URL.
        let secret = format!("S3cr{password}");
        let encoded: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
        let input = if in_query {
            format!("{scheme}://app@db.example:5432/app?sslpassword={encoded}&password={encoded}")
        } else {
            format!("{scheme}://app:{encoded}@db.example:5432/app")
        };
        let parsed = DatabaseUrl::parse(&input).map_err(|e| TestCaseError::fail(format!("{input}: {e}")))?;
        for shown in [parsed.redacted(), parsed.to_string(), format!("{parsed:?}")] {
            prop_assert!(!shown.contains(&secret), "{} shows {}", shown, secret);
            prop_assert!(!shown.contains(&encoded), "{} shows {}", shown, encoded);
        }
        assert_redacted(&parsed)?;
    }
}

#[test]
fn a_timeout_too_large_for_a_duration_is_an_error_not_a_panic() {
    for timeout in ["1e300", "inf", "NaN", "-1"] {
        let input = format!("sqlite:///app.db?timeout={timeout}");
        assert!(DatabaseUrl::parse(&input).is_err(), "{input}");
    }
}
