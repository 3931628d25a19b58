//! The checksum format of migration files and the sum file: `h1:` followed
//! by the standard base64 (padded) SHA-256 of the bytes.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha2::{Digest, Sha256};

pub fn checksum(bytes: &[u8]) -> String {
    format!("h1:{}", STANDARD.encode(Sha256::digest(bytes)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn checksums_are_h1_base64_sha256() {
        assert_eq!(super::checksum(b""), "h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
    }
}
