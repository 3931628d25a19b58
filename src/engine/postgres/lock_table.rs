//! PostgreSQL's shared lock table. Every object a transaction creates or
//! alters stays locked until the transaction ends (a new table with its
//! sequence, indexes and TOAST table is five to eight locks), and all
//! sessions of a server share one table of `max_locks_per_transaction` ×
//! (`max_connections` + `max_prepared_transactions`) entries: 6,400 by
//! default. A schema of about 1,200 such tables, created in one transaction,
//! fills it, and PostgreSQL answers "out of shared memory" whatever the SQL.
//!
//! So scratch work knows its budget: in a temporary database (ours alone)
//! it commits and goes on in a new transaction when it holds too many locks
//! (see scratch.rs for what that costs); in a dev database it cannot, and
//! exhaustion becomes [`EngineError::ServerLimit`], never a fault of the SQL.

use sqlx::postgres::{PgConnection, PgDatabaseError};
use sqlx::Executor;

use crate::engine::error::EngineError;

/// SQLSTATE `out_of_memory`, which PostgreSQL raises when the lock table is full.
const OUT_OF_MEMORY: &str = "53200";

/// The share of the server's lock table one scratch transaction may fill
/// before it commits: the rest is for the server's other sessions, and for
/// the batch that runs before the next check.
const SHARE_DIVISOR: i64 = 4;

/// PostgreSQL's message when the lock table is full (a plan's failed
/// statement keeps only the message).
pub(super) const EXHAUSTED_MESSAGE: &str = "out of shared memory";

/// Whether `error` says the server's lock table is full.
pub(super) fn is_exhausted(error: &sqlx::Error) -> bool {
    let Some(db) = error.as_database_error() else {
        return false;
    };
    let hint = db
        .try_downcast_ref::<PgDatabaseError>()
        .and_then(PgDatabaseError::hint)
        .unwrap_or_default();
    db.code().as_deref() == Some(OUT_OF_MEMORY)
        && (hint.contains("max_locks_per_transaction") || db.message() == EXHAUSTED_MESSAGE)
}

/// Which work hit the limit, and so what the user can do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Work {
    /// Normalizing the desired SQL.
    Normalization,
    /// Loading the copy of the live schema a plan is replayed on.
    LiveCopy,
    /// Running the plan's own statements, which apply runs in one transaction too.
    Plan,
}

/// The error for `work` on `url` that found the lock table full; `dev`:
/// whether it ran in the user's dev database (one transaction, always).
pub(crate) fn server_limit(url: &str, work: Work, dev: bool, reason: String) -> EngineError {
    let what = match work {
        Work::Normalization => "normalizing the desired schema",
        Work::LiveCopy => "loading the copy of the live schema to verify the plan",
        Work::Plan => "running the plan's statements",
    };
    let advice = match (work, dev) {
        (Work::Plan, _) => {
            "Apply runs them in one transaction and needs as many locks: raise \
             `max_locks_per_transaction` on the target's server (it takes a restart), or make the \
             change in smaller steps"
        }
        (_, true) => {
            "A dev database is used in one transaction that is rolled back. Omit `dev_url` to let \
             the provider use a temporary database on the target's server, where a large schema \
             loads in several transactions, or raise `max_locks_per_transaction` on the dev \
             database's server (it takes a restart)"
        }
        (_, false) => {
            "The temporary database commits before it holds a quarter of that table, so the \
             server's other sessions hold most of it now: try again later, or raise \
             `max_locks_per_transaction` (it takes a restart)"
        }
    };
    EngineError::ServerLimit {
        url: url.to_string(),
        what,
        reason,
        advice,
    }
}

/// How many locks one scratch transaction may hold: `None` when it may not
/// commit early (a dev database), else a quarter of the server's lock table.
#[derive(Debug)]
pub(super) struct Budget {
    limit: Option<i64>,
    /// Set once the work committed part of itself.
    pub committed: bool,
}

impl Budget {
    /// Whether the work must stay in one transaction (a dev database).
    pub fn in_dev_database(&self) -> bool {
        self.limit.is_none()
    }

    /// A budget for work that must stay in one transaction.
    pub fn one_transaction() -> Budget {
        Budget {
            limit: None,
            committed: false,
        }
    }

    /// A budget for work that may commit when its transaction holds too
    /// many locks, read from the server's settings.
    pub async fn may_commit(conn: &mut PgConnection) -> Result<Budget, sqlx::Error> {
        let size: i64 = sqlx::query_scalar(
            "SELECT current_setting('max_locks_per_transaction')::bigint \
             * (current_setting('max_connections')::bigint + current_setting('max_prepared_transactions')::bigint)",
        )
        .fetch_one(conn)
        .await?;
        Ok(Budget {
            limit: Some(size / SHARE_DIVISOR),
            committed: false,
        })
    }

    /// After a batch: when the transaction holds more locks than the
    /// budget allows, commit it and begin the next (with the settings
    /// `begin_sql` sets). sqlx's own transaction state stays "in a
    /// transaction", which the server's is again when this returns.
    pub async fn commit_when_full(&mut self, conn: &mut PgConnection, begin_sql: &str) -> Result<(), sqlx::Error> {
        let Some(limit) = self.limit else {
            return Ok(());
        };
        // Fast-path locks (weak locks on a few relations) do not use the shared table.
        let held: i64 =
            sqlx::query_scalar("SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid() AND NOT fastpath")
                .fetch_one(&mut *conn)
                .await?;
        if held <= limit {
            return Ok(());
        }
        conn.execute(sqlx::raw_sql(&format!("COMMIT; BEGIN; {begin_sql}")))
            .await?;
        self.committed = true;
        Ok(())
    }
}
