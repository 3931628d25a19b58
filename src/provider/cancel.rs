//! Cancellation of in-flight database work when Terraform calls StopProvider.
//!
//! StopProvider must interrupt running operations without stopping the
//! server: Terraform may still call Shutdown (or, in tests, more RPCs). Each
//! operation takes the current token; Stop cancels it and installs a fresh one.

use std::future::Future;
use std::sync::Mutex;

use tokio_util::sync::CancellationToken;

#[derive(Debug, Default)]
pub struct Canceller {
    current: Mutex<CancellationToken>,
}

/// Returned when an operation was interrupted by StopProvider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled;

impl Canceller {
    /// Run `operation` until it finishes or StopProvider is called.
    /// Dropping a database future rolls back its open transaction.
    pub async fn run<F: Future>(&self, operation: F) -> Result<F::Output, Cancelled> {
        let token = self.token();
        tokio::select! {
            output = operation => Ok(output),
            _ = token.cancelled() => Err(Cancelled),
        }
    }

    /// Cancel everything in flight; later operations run normally.
    pub fn stop(&self) {
        let mut current = self.current.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        current.cancel();
        *current = CancellationToken::new();
    }

    fn token(&self) -> CancellationToken {
        self.current
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::Duration;

    #[tokio::test]
    async fn stop_cancels_in_flight_work_but_not_later_work() {
        let canceller = Arc::new(Canceller::default());
        let stopper = canceller.clone();
        let pending = tokio::spawn(async move { canceller.run(tokio::time::sleep(Duration::from_secs(60))).await });
        tokio::time::sleep(Duration::from_millis(50)).await;
        stopper.stop();
        assert_eq!(pending.await.unwrap(), Err(Cancelled));
        assert_eq!(stopper.run(async { 7 }).await, Ok(7));
    }
}
