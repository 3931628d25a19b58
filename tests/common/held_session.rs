//! A database session that ran some SQL and stays open, holding whatever
//! locks it took, until it is dropped: the other user of a database that a
//! test needs (a busy table, a held schema lock). Any server: the caller
//! opens the session.

use std::future::Future;

use super::sqlite_db::block_on;

pub struct HeldSession {
    release: Option<tokio::sync::oneshot::Sender<()>>,
    session: Option<std::thread::JoinHandle<()>>,
}

impl HeldSession {
    /// Runs `open` (connect, then run the SQL to hold) on a thread of its
    /// own, and keeps the session it returns open until the value is dropped.
    /// `what` names the session in a failure.
    #[track_caller]
    pub fn start<S, F, Fut>(what: String, open: F) -> HeldSession
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = Result<S, sqlx::Error>>,
        S: sqlx::Connection + 'static,
    {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (release, released) = tokio::sync::oneshot::channel::<()>();
        let described = what.clone();
        let session = std::thread::spawn(move || {
            let outcome = block_on(async {
                let session = open().await?;
                let _ = ready_tx.send(Ok(()));
                // Either a release or a dropped sender ends the hold.
                let _ = released.await;
                session.close().await
            });
            if let Err(error) = outcome {
                let _ = ready_tx.send(Err(format!("{described}: {error}")));
            }
        });
        match ready_rx.recv() {
            Ok(Ok(())) => HeldSession {
                release: Some(release),
                session: Some(session),
            },
            Ok(Err(message)) => panic!("holding a session: {message}"),
            Err(_) => panic!("the session holding {what} ended before it was ready"),
        }
    }
}

impl Drop for HeldSession {
    fn drop(&mut self) {
        if let Some(release) = self.release.take() {
            let _ = release.send(());
        }
        if let Some(session) = self.session.take() {
            let _ = session.join();
        }
    }
}
