//! The go-plugin handshake: how Terraform proves it started us, which protocol
//! version we agree on, and the one line on stdout that tells Terraform where
//! to connect.

use std::io::Write;
use std::path::Path;

use base64::Engine as _;

use super::PluginError;

/// Environment variable Terraform sets to mark the process as its plugin.
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
/// The value Terraform puts in [`MAGIC_COOKIE_KEY`]; a constant of the protocol.
pub const MAGIC_COOKIE_VALUE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
/// Comma-separated list of application protocol versions the host speaks.
pub const PROTOCOL_VERSIONS_KEY: &str = "PLUGIN_PROTOCOL_VERSIONS";

/// go-plugin's own framing version, the first field of the handshake line.
pub const CORE_PROTOCOL_VERSION: u32 = 1;
/// The only Terraform plugin protocol we serve (tfplugin6, Terraform 1.0+).
pub const PROTOCOL_VERSION: u32 = 6;

/// True when the environment carries Terraform's magic cookie.
pub fn magic_cookie_present() -> bool {
    std::env::var_os(MAGIC_COOKIE_KEY).is_some_and(|value| value == MAGIC_COOKIE_VALUE)
}

/// Picks the protocol version from what the host offered in
/// `PLUGIN_PROTOCOL_VERSIONS`. We speak exactly one version, so this either
/// finds it in the list or explains what the host offered instead.
pub fn negotiate_protocol_version(offered: Option<&str>) -> Result<u32, PluginError> {
    let offered = offered.unwrap_or("").trim();
    let speaks_ours = offered
        .split(',')
        .filter_map(|version| version.trim().parse::<u32>().ok())
        .any(|version| version == PROTOCOL_VERSION);
    if speaks_ours {
        Ok(PROTOCOL_VERSION)
    } else {
        Err(PluginError::UnsupportedProtocol {
            offered: if offered.is_empty() {
                "none".to_owned()
            } else {
                offered.to_owned()
            },
        })
    }
}

/// The handshake line go-plugin's client parses:
/// `CORE|APP|NETWORK|ADDRESS|PROTOCOL|SERVER_CERT`, where the certificate is
/// the DER in standard base64 without padding (empty when serving plaintext).
pub fn handshake_line(socket: &Path, server_cert_der: Option<&[u8]>) -> String {
    let cert = server_cert_der
        .map(|der| base64::engine::general_purpose::STANDARD_NO_PAD.encode(der))
        .unwrap_or_default();
    format!(
        "{CORE_PROTOCOL_VERSION}|{PROTOCOL_VERSION}|unix|{}|grpc|{cert}\n",
        socket.display()
    )
}

/// Writes the handshake line to stdout and flushes it. Terraform reads only
/// this first line; nothing else may ever be written to stdout afterwards.
pub fn announce(line: &str) -> Result<(), PluginError> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(line.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(PluginError::Announce)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_six_is_chosen_when_offered_among_others() {
        assert_eq!(negotiate_protocol_version(Some("5,6")).ok(), Some(6));
        assert_eq!(negotiate_protocol_version(Some(" 6 ")).ok(), Some(6));
    }

    #[test]
    fn missing_or_older_versions_are_refused_with_what_was_offered() {
        match negotiate_protocol_version(Some("4,5")) {
            Err(PluginError::UnsupportedProtocol { offered }) => assert_eq!(offered, "4,5"),
            other => panic!("expected a refusal, got {other:?}"),
        }
        match negotiate_protocol_version(None) {
            Err(PluginError::UnsupportedProtocol { offered }) => assert_eq!(offered, "none"),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn handshake_line_has_six_fields_and_unpadded_certificate() {
        let line = handshake_line(Path::new("/tmp/x/plugin.sock"), Some(&[1, 2, 3, 4]));
        assert_eq!(line, "1|6|unix|/tmp/x/plugin.sock|grpc|AQIDBA\n");
        let plain = handshake_line(Path::new("/tmp/x/plugin.sock"), None);
        assert_eq!(plain, "1|6|unix|/tmp/x/plugin.sock|grpc|\n");
    }
}
