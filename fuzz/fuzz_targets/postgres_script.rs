//! Arbitrary text through the PostgreSQL gate (`engine::postgres::script`):
//! parsing, classifying and rewriting into scratch form may refuse the input
//! but must not panic, loop or exhaust memory; whatever it accepts must come
//! back as statements that lie inside the input, in order, and whose scratch
//! form parses again (the gate is idempotent on its own output).

#![no_main]

use libfuzzer_sys::fuzz_target;
use tfalchemy::engine::postgres::script::{contain, contain_rendered};

fuzz_target!(|data: &[u8]| {
    let Ok(sql) = std::str::from_utf8(data) else { return };
    if sql.contains('\0') {
        return; // refused before the gate (engine::script::check_usable)
    }
    let Ok(script) = contain(sql) else { return };
    let mut previous_end = 0;
    for statement in &script.statements {
        let start = statement.statement.start;
        assert!(start >= previous_end, "statements out of order");
        assert_eq!(&sql[start..start + statement.statement.text.len()], statement.statement.text);
        previous_end = start + statement.statement.text.len();
    }
    let forms: Vec<&str> = script.statements.iter().map(|s| s.scratch_sql.as_ref()).collect();
    let non_empty: Vec<&str> = forms.iter().copied().filter(|f| !f.is_empty()).collect();
    assert!(contain_rendered(&non_empty).is_ok(), "a scratch form does not pass the gate: {non_empty:?}");
});
