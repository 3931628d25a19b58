//! Arbitrary text through the MySQL gate (`engine::mysql::script`): splitting
//! and classifying may refuse the input but must not panic; what it splits
//! must come back as statements that lie inside the input, in order, and
//! every syntax error and refusal must name a line inside the text.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tfalchemy::engine::mysql::script::{definitions, split};
use tfalchemy::engine::EngineError;

fuzz_target!(|data: &[u8]| {
    let Ok(sql) = std::str::from_utf8(data) else { return };
    let lines = sql.matches('\n').count() + 1;
    match split(sql) {
        Ok(statements) => {
            let mut previous_end = 0;
            for (statement, _) in &statements {
                assert!(statement.start >= previous_end, "statements out of order");
                assert_eq!(&sql[statement.start..statement.start + statement.text.len()], statement.text);
                previous_end = statement.start + statement.text.len();
            }
        }
        Err(EngineError::SqlSyntax { line, .. }) => assert!(line >= 1 && line <= lines),
        Err(other) => panic!("unexpected error: {other}"),
    }
    if let Err(EngineError::RefusedSql { refusals }) = definitions(sql) {
        assert!(refusals.iter().all(|r| r.line >= 1 && r.line <= lines));
    }
});
