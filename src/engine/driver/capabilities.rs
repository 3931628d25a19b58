//! What a dialect can do. Settings and code paths that depend on the
//! dialect ask these questions instead of naming dialects.

use super::registry::drivers;
use crate::engine::url::Dialect;

/// The features a dialect's driver has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// DDL runs inside transactions: a plan applies atomically.
    pub transactional_ddl: bool,
    /// Indexes can be built without blocking writes
    /// (`policy { concurrent_indexes = true }`).
    pub concurrent_indexes: bool,
    /// Each `ALTER TABLE` can name the online-DDL algorithm and lock it
    /// expects, so the server refuses instead of silently copying a table
    /// (`policy { explicit_algorithm = true }`).
    pub explicit_algorithm: bool,
    /// Tables live in named schemas (`schemas = [...]`, a schema-qualified
    /// revisions table).
    pub schemas: bool,
    /// `lock_timeout`: how long a statement (and the apply lock) waits for locks.
    pub lock_timeout: bool,
    /// `statement_timeout`: how long one statement may run.
    pub statement_timeout: bool,
    /// Replay verification may copy only the part of live a plan touches.
    pub partial_replay: bool,
    /// Desired SQL needs a database server to run in (a dev database, or a
    /// temporary one on the target's server); otherwise it runs in memory.
    pub needs_scratch_server: bool,
}

/// One capability, to ask which dialects have it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    TransactionalDdl,
    ConcurrentIndexes,
    ExplicitAlgorithm,
    Schemas,
    LockTimeout,
    StatementTimeout,
    PartialReplay,
}

impl Capabilities {
    /// A dialect without a driver.
    pub const NONE: Capabilities = Capabilities {
        transactional_ddl: false,
        concurrent_indexes: false,
        explicit_algorithm: false,
        schemas: false,
        lock_timeout: false,
        statement_timeout: false,
        partial_replay: false,
        needs_scratch_server: false,
    };

    pub fn has(&self, capability: Capability) -> bool {
        match capability {
            Capability::TransactionalDdl => self.transactional_ddl,
            Capability::ConcurrentIndexes => self.concurrent_indexes,
            Capability::ExplicitAlgorithm => self.explicit_algorithm,
            Capability::Schemas => self.schemas,
            Capability::LockTimeout => self.lock_timeout,
            Capability::StatementTimeout => self.statement_timeout,
            Capability::PartialReplay => self.partial_replay,
        }
    }
}

impl Capability {
    /// The registered dialects that have this capability, in registry order.
    pub fn dialects(self) -> Vec<Dialect> {
        drivers()
            .filter(|driver| driver.capabilities().has(self))
            .map(|driver| driver.dialect())
            .collect()
    }

    /// "PostgreSQL" or "PostgreSQL and MySQL": who has it, for messages.
    pub fn holders(self) -> String {
        let names: Vec<&str> = self.dialects().into_iter().map(Dialect::display_name).collect();
        match names.as_slice() {
            [] => "no dialect".to_string(),
            [one] => one.to_string(),
            [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
        }
    }
}
