//! `--debug`: the plugin runs on its own (say, under a debugger) and prints
//! how to point Terraform at it with `TF_REATTACH_PROVIDERS`. No handshake
//! environment is needed and the socket is plaintext: Terraform's reattach
//! path does not negotiate certificates.

use std::io::Write;
use std::path::Path;

use serde_json::json;

use super::handshake::PROTOCOL_VERSION;
use super::server::PluginServer;
use super::socket::PluginSocket;
use super::{signals, PluginError};
use crate::tfproto::tfplugin6::provider_server::Provider;

/// The provider's registry address, the key Terraform looks up in
/// `TF_REATTACH_PROVIDERS`.
pub const PROVIDER_ADDRESS: &str = "registry.terraform.io/tfalchemy/sqlalchemy";

/// Serves `provider` until Ctrl-C, SIGTERM or a `Shutdown` RPC.
pub async fn serve_debug<P: Provider>(provider: P) -> Result<(), PluginError> {
    let server = PluginServer::new(PluginSocket::bind()?, None);
    signals::cancel_on_signals(server.shutdown_token(), true)?;
    let instructions = reattach_instructions(server.socket().path(), std::process::id());
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(instructions.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(PluginError::Announce)?;
    drop(stdout);
    tracing::info!(
        version = crate::VERSION,
        "terraform-provider-sqlalchemy started in debug mode"
    );
    server.serve(provider).await
}

/// The human message with the exact `TF_REATTACH_PROVIDERS` line to export.
fn reattach_instructions(socket: &Path, pid: u32) -> String {
    let reattach = json!({
        PROVIDER_ADDRESS: {
            "Protocol": "grpc",
            "ProtocolVersion": PROTOCOL_VERSION,
            "Pid": pid,
            "Test": true,
            "Addr": { "Network": "unix", "String": socket.to_string_lossy() },
        }
    });
    format!(
        "terraform-provider-sqlalchemy {version} is running in debug mode.\n\
         To use it, run Terraform with this variable set (export it in another shell):\n\
         \n\
         \tTF_REATTACH_PROVIDERS={}\n\
         \n\
         Press Ctrl-C to stop the provider.\n",
        shell_quote(&reattach.to_string()),
        version = crate::VERSION,
    )
}

/// Single-quotes `text` for POSIX shells.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instructions_carry_the_exact_reattach_line() {
        let text = reattach_instructions(Path::new("/tmp/tfalchemy-x/plugin.sock"), 4242);
        let expected = r#"TF_REATTACH_PROVIDERS='{"registry.terraform.io/tfalchemy/sqlalchemy":{"Protocol":"grpc","ProtocolVersion":6,"Pid":4242,"Test":true,"Addr":{"Network":"unix","String":"/tmp/tfalchemy-x/plugin.sock"}}}'"#;
        assert!(
            text.lines().any(|line| line.trim() == expected),
            "missing reattach line in:\n{text}"
        );
    }

    #[test]
    fn quotes_survive_shell_quoting() {
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
