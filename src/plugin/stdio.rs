//! go-plugin's `plugin.GRPCStdio`: the host opens this stream to mirror what
//! a plugin prints. We never print to stdout or stderr outside the handshake
//! line and JSON logs (which go over real stderr), so the stream stays open
//! and idle until the server shuts down.

use futures::StreamExt;
use tokio_util::sync::CancellationToken;
use tonic::codegen::BoxStream;
use tonic::{Request, Response, Status};

use crate::tfproto::go_plugin::grpc_stdio_server::GrpcStdio;
use crate::tfproto::go_plugin::{Empty, StdioData};

/// Serves idle stdio streams that end when the server shuts down, so they
/// never hold up a graceful stop.
pub struct Stdio {
    shutdown: CancellationToken,
}

impl Stdio {
    pub fn new(shutdown: CancellationToken) -> Self {
        Self { shutdown }
    }
}

#[tonic::async_trait]
impl GrpcStdio for Stdio {
    async fn stream_stdio(&self, _request: Request<Empty>) -> Result<Response<BoxStream<StdioData>>, Status> {
        let until_shutdown = self.shutdown.clone().cancelled_owned();
        let idle = futures::stream::once(until_shutdown)
            .filter_map(|()| futures::future::ready(None::<Result<StdioData, Status>>));
        Ok(Response::new(Box::pin(idle)))
    }
}
