//! Leaving with Terraform. A Terraform killed with SIGKILL never calls
//! `Shutdown`, and nothing else tells its plugins: the provider would serve a
//! socket nobody dials, for ever, holding its database sessions (and the
//! schema lock an apply was waiting for or held). When its parent dies the
//! provider is adopted by init or a subreaper, so its parent process id
//! changes, on Linux and macOS alike; looking at it a few times a second
//! costs nothing and needs no platform-specific call.

use std::os::unix::process::parent_id;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// How often the parent is looked at: a killed Terraform's provider is gone
/// well within a second of it.
const CHECK_INTERVAL: Duration = Duration::from_millis(200);

/// Cancels `shutdown` once the process that started this one has exited.
pub fn stop_when_orphaned(shutdown: CancellationToken) {
    let parent = parent_id();
    if parent == 1 {
        // Started by init itself (or already orphaned): no parent to outlive.
        return;
    }
    tokio::spawn(async move {
        let mut checks = tokio::time::interval(CHECK_INTERVAL);
        loop {
            tokio::select! {
                _ = checks.tick() => {}
                () = shutdown.cancelled() => return,
            }
            if parent_id() != parent {
                tracing::warn!(
                    parent,
                    "the process that started the provider (Terraform) exited without stopping it; shutting down"
                );
                shutdown.cancel();
                return;
            }
        }
    });
}
