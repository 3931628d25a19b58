//! Parses arbitrary text as a database URL. Parsing may fail but must never
//! panic; a parsed server URL's redacted form must show no password and no
//! secret query option but `****`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tfalchemy::engine::{DatabaseUrl, Dialect};

/// Query options whose values are secrets (as src/engine/url/mod.rs redacts them).
const SECRET_KEYS: &[&str] = &["password", "sslpassword"];

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(parsed) = DatabaseUrl::parse(input) else {
        return;
    };
    let redacted = parsed.redacted();
    assert_eq!(parsed.to_string(), redacted, "Display is the redacted form");
    if parsed.dialect() == Dialect::Sqlite {
        return; // SQLite URLs carry no credentials.
    }
    let reparsed = url::Url::parse(&redacted).expect("a redacted server URL parses again");
    assert!(
        matches!(reparsed.password(), None | Some("****")),
        "password left in {redacted}"
    );
    for (key, value) in reparsed.query_pairs() {
        if SECRET_KEYS.contains(&key.as_ref()) {
            assert_eq!(value, "****", "secret option {key} left in {redacted}");
        }
    }
});
