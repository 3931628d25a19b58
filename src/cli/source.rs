//! Reading the desired schema from a file or standard input.

use std::io::Read;

pub fn read_desired(path: &str) -> Result<String, String> {
    let bytes = if path == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|err| format!("cannot read standard input: {err}"))?;
        bytes
    } else {
        std::fs::read(path).map_err(|err| format!("cannot read {path}: {err}"))?
    };
    String::from_utf8(bytes).map_err(|err| {
        format!(
            "{path} is not UTF-8 text (invalid byte at offset {})",
            err.utf8_error().valid_up_to()
        )
    })
}
