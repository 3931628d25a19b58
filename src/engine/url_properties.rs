//! Properties of the URL parser on arbitrary input (the cargo-fuzz target
//! `url_parse` in fuzz/ checks the same ones with coverage guidance): parsing
//! never panics, and the redacted form of a URL never shows its password.

use percent_encoding::percent_decode_str;
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

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// A password written without percent-encoding, with any of the
    /// characters that end the user info early: the URL either parses as
    /// meant (user, password, host and database as written) or is refused
    /// with a message that does not show the password.
    #[test]
    fn unencoded_passwords_parse_as_meant_or_are_refused_quietly(
        scheme in prop_oneof![Just("postgresql+psycopg"), Just("postgres"), Just("mysql")],
        password in "[a-zA-Z0-9/?#@:!$&'()*+,;=\\[\\] -]{1,20}",
        query in prop_oneof![Just(""), Just("?sslmode=require"), Just("?connect_timeout=5")],
    ) {
        let secret = format!("S3cr{password}");
        let input = format!("{scheme}://app:{secret}@db.example:5432/app{query}");
        match DatabaseUrl::parse(&input) {
            Ok(parsed) => {
                let sqlx = url::Url::parse(&parsed.sqlx_url()).map_err(|e| TestCaseError::fail(e.to_string()))?;
                let decoded = percent_decode_str(sqlx.password().unwrap_or_default()).decode_utf8_lossy();
                prop_assert_eq!(decoded.as_ref(), secret.as_str(), "{}", input);
                prop_assert_eq!(sqlx.username(), "app");
                prop_assert_eq!(sqlx.host_str(), Some("db.example"));
                prop_assert_eq!(sqlx.port(), Some(5432));
                prop_assert_eq!(sqlx.path(), "/app");
                prop_assert!(!parsed.redacted().contains(&secret));
            }
            Err(error) => {
                let message = error.to_string();
                prop_assert!(!message.contains(&secret), "{} shows {}", message, secret);
                prop_assert!(message.contains("percent-encode"), "{}", message);
            }
        }
    }
}

#[test]
fn a_timeout_too_large_for_a_duration_is_an_error_not_a_panic() {
    for timeout in ["1e300", "inf", "NaN", "-1"] {
        let input = format!("sqlite:///app.db?timeout={timeout}");
        assert!(DatabaseUrl::parse(&input).is_err(), "{input}");
    }
}
