//! go-plugin's `plugin.GRPCController`: Terraform calls `Shutdown` when it is
//! done with the provider. Answering it (and then exiting promptly) spares
//! Terraform its two-second wait before it kills the process.

use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

use crate::tfproto::go_plugin::grpc_controller_server::GrpcController;
use crate::tfproto::go_plugin::Empty;

/// Turns the `Shutdown` RPC into a cancellation of the whole server.
pub struct Controller {
    shutdown: CancellationToken,
}

impl Controller {
    pub fn new(shutdown: CancellationToken) -> Self {
        Self { shutdown }
    }
}

#[tonic::async_trait]
impl GrpcController for Controller {
    async fn shutdown(&self, _request: Request<Empty>) -> Result<Response<Empty>, Status> {
        tracing::debug!("Terraform asked the plugin to shut down");
        // The server drains gracefully, so this reply is still delivered.
        self.shutdown.cancel();
        Ok(Response::new(Empty {}))
    }
}
