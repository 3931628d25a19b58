//! The plugin transport: go-plugin's handshake, AutoMTLS, the gRPC services
//! Terraform expects beside the provider, and the serve loop. Knows bytes and
//! protocol only; the provider behind it is any [`Provider`].
//!
//! Under Terraform, stdout carries exactly one line (the handshake) and logs
//! go to stderr as hclog JSON.

mod connection;
mod controller;
mod debug;
mod handshake;
mod hclog_json;
mod logging;
mod parent;
mod pinned_client_cert;
mod server;
mod signals;
mod socket;
mod stdio;
mod tls;

use std::path::PathBuf;

use crate::tfproto::tfplugin6::provider_server::Provider;

pub use debug::{serve_debug, PROVIDER_ADDRESS};
pub use handshake::{MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE, PROTOCOL_VERSION};
pub use logging::init_logging;
pub use parent::terraform_run;

/// Why the plugin could not start or keep serving.
#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    #[error(
        "this binary is a Terraform plugin: Terraform starts it when a configuration \
         requires the tfalchemy/sqlalchemy provider. Run `terraform-provider-sqlalchemy --help` \
         for its command line interface"
    )]
    NotLaunchedByTerraform,
    #[error(
        "this provider speaks Terraform plugin protocol 6 (Terraform 1.0 and later), but the \
         host offered protocol versions: {offered}; please upgrade Terraform"
    )]
    UnsupportedProtocol { offered: String },
    #[error("cannot create a private socket directory in {}", parent.display())]
    SocketDir {
        parent: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot listen on {}", path.display())]
    Bind {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("PLUGIN_CLIENT_CERT does not hold a PEM certificate: {0}")]
    ClientCertificate(String),
    #[error("cannot generate the plugin's server certificate")]
    Certificate(#[source] rcgen::Error),
    #[error("cannot configure TLS")]
    Tls(#[source] rustls::Error),
    #[error("cannot install signal handlers")]
    Signal(#[source] std::io::Error),
    #[error("cannot write to stdout")]
    Announce(#[source] std::io::Error),
    #[error("the gRPC server failed")]
    Serve(#[source] tonic::transport::Error),
}

/// True when Terraform started this process as its plugin (the magic cookie
/// is in the environment).
pub fn launched_by_terraform() -> bool {
    handshake::magic_cookie_present()
}

/// Serves `provider` to the Terraform that launched us: checks the magic
/// cookie, negotiates protocol 6, sets up AutoMTLS when asked to, prints the
/// handshake line and serves until Terraform's `Shutdown` call, SIGTERM, or
/// Terraform's death (see `parent.rs`). SIGINT is ignored from here on.
pub async fn serve<P: Provider>(provider: P) -> Result<(), PluginError> {
    if !launched_by_terraform() {
        return Err(PluginError::NotLaunchedByTerraform);
    }
    let offered = std::env::var(handshake::PROTOCOL_VERSIONS_KEY).ok();
    let version = handshake::negotiate_protocol_version(offered.as_deref())?;
    signals::ignore_interrupts()?;

    let mtls = tls::auto_mtls_from_env()?;
    let (acceptor, server_cert) = match mtls {
        Some(mtls) => (Some(mtls.acceptor), Some(mtls.server_cert)),
        None => (None, None),
    };
    let server = server::PluginServer::new(socket::PluginSocket::bind()?, acceptor);
    signals::cancel_on_signals(server.shutdown_token(), false)?;
    parent::stop_when_orphaned(server.shutdown_token());

    let line = handshake::handshake_line(server.socket().path(), server_cert.as_deref());
    handshake::announce(&line)?;
    tracing::info!(
        version = crate::VERSION,
        protocol_version = version,
        tls = server_cert.is_some(),
        "terraform-provider-sqlalchemy started; handshake sent"
    );
    server.serve(provider).await
}
