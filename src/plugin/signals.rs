//! Signal handling. Under Terraform, Ctrl-C reaches every plugin in the
//! process group, but Terraform cancels work through the `StopProvider` RPC
//! and ends plugins through `Shutdown`; a plugin that died on SIGINT would
//! turn a graceful stop into a crash. SIGTERM still stops us cleanly.

use tokio::signal::unix::{signal, SignalKind};
use tokio_util::sync::CancellationToken;

use super::PluginError;

/// Swallows SIGINT for the rest of the process's life.
pub fn ignore_interrupts() -> Result<(), PluginError> {
    let mut interrupts = signal(SignalKind::interrupt()).map_err(PluginError::Signal)?;
    tokio::spawn(async move {
        let mut count: u64 = 0;
        while interrupts.recv().await.is_some() {
            count += 1;
            tracing::trace!(count, "ignoring interrupt; Terraform stops providers over gRPC");
        }
    });
    Ok(())
}

/// Cancels `shutdown` on SIGTERM, and on SIGINT too when `interrupt_stops`
/// (debug mode, where the user runs the plugin in a terminal).
pub fn cancel_on_signals(shutdown: CancellationToken, interrupt_stops: bool) -> Result<(), PluginError> {
    let mut terminate = signal(SignalKind::terminate()).map_err(PluginError::Signal)?;
    let mut interrupt = if interrupt_stops {
        Some(signal(SignalKind::interrupt()).map_err(PluginError::Signal)?)
    } else {
        None
    };
    tokio::spawn(async move {
        let interrupted = async {
            match interrupt.as_mut() {
                Some(interrupt) => {
                    interrupt.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = terminate.recv() => tracing::debug!("terminated; shutting down"),
            () = interrupted => tracing::debug!("interrupted; shutting down"),
            () = shutdown.cancelled() => return,
        }
        shutdown.cancel();
    });
    Ok(())
}
