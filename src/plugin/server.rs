//! The gRPC server: the provider plus go-plugin's health, controller and
//! stdio services, over the plugin socket, until shutdown.

use std::sync::Arc;
use std::time::Duration;

use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tonic::transport::Server;
use tonic_health::ServingStatus;

use super::connection;
use super::controller::Controller;
use super::socket::PluginSocket;
use super::stdio::Stdio;
use super::PluginError;
use crate::tfproto::go_plugin::grpc_controller_server::GrpcControllerServer;
use crate::tfproto::go_plugin::grpc_stdio_server::GrpcStdioServer;
use crate::tfproto::tfplugin6::provider_server::{Provider, ProviderServer};

/// Terraform sends (and accepts) messages far above tonic's 4 MiB default:
/// schemas and states of large databases.
const MAX_MESSAGE_SIZE: usize = 256 * 1024 * 1024;
/// go-plugin's client health-checks this service name.
const HEALTH_SERVICE_NAME: &str = "plugin";
/// How long in-flight calls may take to finish once shutdown starts; after
/// that we stop anyway, well inside Terraform's two-second patience.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(500);

/// A bound plugin socket and its transport security, ready to serve.
pub struct PluginServer {
    socket: Arc<PluginSocket>,
    tls: Option<TlsAcceptor>,
    shutdown: CancellationToken,
}

impl PluginServer {
    pub fn new(socket: PluginSocket, tls: Option<TlsAcceptor>) -> Self {
        Self {
            socket: Arc::new(socket),
            tls,
            shutdown: CancellationToken::new(),
        }
    }

    /// Cancelling this token stops the server (the `Shutdown` RPC does).
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    pub fn socket(&self) -> &PluginSocket {
        &self.socket
    }

    /// Serves `provider` until the shutdown token is cancelled. The socket
    /// directory is removed when this returns.
    pub async fn serve<P: Provider>(self, provider: P) -> Result<(), PluginError> {
        let (health_reporter, health_service) = tonic_health::server::health_reporter();
        health_reporter
            .set_service_status(HEALTH_SERVICE_NAME, ServingStatus::Serving)
            .await;

        let provider = ProviderServer::new(provider)
            .max_decoding_message_size(MAX_MESSAGE_SIZE)
            .max_encoding_message_size(MAX_MESSAGE_SIZE);
        let router = Server::builder()
            .add_service(health_service)
            .add_service(GrpcControllerServer::new(Controller::new(self.shutdown.clone())))
            .add_service(GrpcStdioServer::new(Stdio::new(self.shutdown.clone())))
            .add_service(provider);

        tracing::debug!(
            socket = %self.socket.path().display(),
            tls = self.tls.is_some(),
            "plugin server listening"
        );
        let (incoming, accept_loop) =
            connection::incoming(self.socket.clone(), self.tls.clone(), self.shutdown.clone());
        let serving = router.serve_with_incoming_shutdown(incoming, self.shutdown.clone().cancelled_owned());
        let grace_expired = async {
            self.shutdown.cancelled().await;
            tokio::time::sleep(SHUTDOWN_GRACE).await;
        };
        let outcome = tokio::select! {
            result = serving => result.map_err(PluginError::Serve),
            () = grace_expired => {
                tracing::debug!("connections still open after the shutdown grace period; stopping anyway");
                Ok(())
            }
        };
        // Stop accepting and wait until the accept loop has let go of the
        // socket, so dropping `self` really removes the socket directory.
        self.shutdown.cancel();
        if let Err(err) = accept_loop.await {
            tracing::warn!(error = %err, "the accept loop ended abnormally");
        }
        tracing::debug!("plugin server stopped");
        outcome
    }
}
