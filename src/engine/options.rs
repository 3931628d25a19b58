//! Per-resource engine settings: what is managed ([`Scope`]) and the session
//! timeouts an apply runs under. The default is the engine's behaviour
//! without settings: everything managed, the server's own timeouts except
//! [`DEFAULT_LOCK_TIMEOUT`] in the plan's transaction.

use std::time::Duration;

use super::driver::{capabilities_of, Capability};
use super::duration::{self, DurationError};
use super::error::EngineError;
use super::keep::Skip;
use super::parts::PartsHint;
use super::scope::Scope;
use super::url::Dialect;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    pub scope: Scope,
    /// PostgreSQL duration (`"5s"`): `SET lock_timeout` for the apply session,
    /// and the longest wait for another apply's schema lock. Unset, the plan's
    /// transaction runs under [`DEFAULT_LOCK_TIMEOUT`].
    pub lock_timeout: Option<String>,
    /// PostgreSQL duration: `SET statement_timeout` for the apply session.
    pub statement_timeout: Option<String>,
    /// PostgreSQL: build and drop indexes of existing tables CONCURRENTLY,
    /// outside the plan's transaction, so writes never wait for them.
    pub concurrent_indexes: bool,
    /// MySQL/MariaDB: end each `ALTER TABLE` in the `ALGORITHM=…, LOCK=…`
    /// the plan classified it as, so the server refuses a statement it
    /// cannot run that way instead of silently copying the table.
    pub explicit_algorithm: bool,
    /// Kinds of drop never planned: the live objects are kept.
    pub skip: Skip,
    /// What the last apply normalized, part by part, so that a plan
    /// normalizes only what changed (see engine/parts.rs). A hint: plans are
    /// the same without it.
    pub parts: PartsHint,
}

/// `lock_timeout` of the plan's transaction when the resource sets none: a
/// statement that waits longer for its table lock fails and the apply rolls
/// back, rather than queueing every other query on the table behind it for as
/// long as the longest transaction holding the table lasts. Statements run
/// outside the transaction (`CREATE INDEX CONCURRENTLY` waits for old
/// transactions by design, and would leave an invalid index when cut short)
/// do not get it.
pub const DEFAULT_LOCK_TIMEOUT: &str = "10s";

/// A timeout setting, by the name users write it with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timeout {
    Lock,
    Statement,
}

impl Timeout {
    pub const ALL: [Timeout; 2] = [Timeout::Lock, Timeout::Statement];

    /// What a dialect must have to honour the setting.
    pub fn capability(self) -> Capability {
        match self {
            Timeout::Lock => Capability::LockTimeout,
            Timeout::Statement => Capability::StatementTimeout,
        }
    }

    /// The setting's name, in the resource and in PostgreSQL.
    pub fn setting(self) -> &'static str {
        match self {
            Timeout::Lock => "lock_timeout",
            Timeout::Statement => "statement_timeout",
        }
    }
}

impl Options {
    pub fn timeout(&self, which: Timeout) -> Option<&str> {
        match which {
            Timeout::Lock => self.lock_timeout.as_deref(),
            Timeout::Statement => self.statement_timeout.as_deref(),
        }
    }

    /// The parsed `lock_timeout`, when set to something other than `0`
    /// (which PostgreSQL reads as "no limit").
    pub fn lock_wait(&self) -> Result<Option<Duration>, EngineError> {
        match &self.lock_timeout {
            None => Ok(None),
            Some(text) => {
                let wait = duration::parse(text).map_err(|e| invalid(Timeout::Lock, e))?;
                Ok((!wait.is_zero()).then_some(wait))
            }
        }
    }

    /// A canonical description of what shapes the desired model (scope and
    /// skip), or `None` for the defaults: a desired schema's hash computed
    /// under one description says nothing under another.
    pub fn desired_fingerprint(&self) -> Option<String> {
        let scope = self.scope.fingerprint();
        if self.skip.is_empty() {
            return scope;
        }
        Some(format!(
            "{};skip={}",
            scope.unwrap_or_default(),
            self.skip.codes().join(",")
        ))
    }

    /// Checks the settings make sense for `dialect` (`url` names the database).
    pub fn check(&self, dialect: Dialect, url: &str) -> Result<(), EngineError> {
        for which in Timeout::ALL {
            if let Some(text) = self.timeout(which) {
                duration::parse(text).map_err(|e| invalid(which, e))?;
            }
        }
        let capabilities = capabilities_of(dialect);
        let unsupported = |settings: String, capability: Capability| EngineError::Unsupported {
            url: url.to_string(),
            what: format!("{settings} ({} only) on {dialect} databases", capability.holders()),
        };
        let lacking = Timeout::ALL
            .into_iter()
            .find(|w| self.timeout(*w).is_some() && !capabilities.has(w.capability()));
        if let Some(which) = lacking {
            return Err(unsupported(format!("`{}`", which.setting()), which.capability()));
        }
        if !capabilities.schemas && self.scope.limits_schemas() {
            return Err(unsupported("`schemas`".to_string(), Capability::Schemas));
        }
        let switches = [
            (
                self.concurrent_indexes,
                "concurrent_indexes",
                Capability::ConcurrentIndexes,
            ),
            (
                self.explicit_algorithm,
                "explicit_algorithm",
                Capability::ExplicitAlgorithm,
            ),
        ];
        for (on, setting, capability) in switches {
            if on && !capabilities.has(capability) {
                return Err(unsupported(format!("`{setting}`"), capability));
            }
        }
        Ok(())
    }
}

fn invalid(which: Timeout, error: DurationError) -> EngineError {
    EngineError::InvalidSetting {
        setting: which.setting(),
        reason: error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_suits_every_dialect() {
        for dialect in [Dialect::Sqlite, Dialect::Postgres] {
            assert!(Options::default().check(dialect, "db").is_ok());
        }
    }

    #[test]
    fn timeouts_are_postgresql_only_and_must_parse() {
        let options = Options {
            lock_timeout: Some("5s".to_string()),
            ..Options::default()
        };
        assert!(options.check(Dialect::Postgres, "db").is_ok());
        assert_eq!(options.lock_wait().ok().flatten(), Some(Duration::from_secs(5)));
        let message = options.check(Dialect::Sqlite, "db").expect_err("sqlite").to_string();
        assert!(message.contains("`lock_timeout`"), "{message}");

        let bad = Options {
            statement_timeout: Some("soon".to_string()),
            ..Options::default()
        };
        let message = bad.check(Dialect::Postgres, "db").expect_err("soon").to_string();
        assert!(message.contains("statement_timeout"), "{message}");

        let unlimited = Options {
            lock_timeout: Some("0".to_string()),
            ..Options::default()
        };
        assert_eq!(unlimited.lock_wait().ok().flatten(), None);
    }

    #[test]
    fn concurrent_indexes_are_postgresql_only() {
        let options = Options {
            concurrent_indexes: true,
            ..Options::default()
        };
        assert!(options.check(Dialect::Postgres, "db").is_ok());
        let message = options.check(Dialect::Sqlite, "db").expect_err("sqlite").to_string();
        assert!(message.contains("`concurrent_indexes` (PostgreSQL only)"), "{message}");
    }

    #[test]
    fn explicit_algorithm_is_mysql_only() {
        let options = Options {
            explicit_algorithm: true,
            ..Options::default()
        };
        assert!(options.check(Dialect::Mysql, "db").is_ok());
        for dialect in [Dialect::Sqlite, Dialect::Postgres] {
            let message = options.check(dialect, "db").expect_err("refused").to_string();
            assert!(
                message.contains("`explicit_algorithm` (MySQL/MariaDB only)"),
                "{message}"
            );
        }
    }

    #[test]
    fn skip_suits_every_dialect_and_changes_the_desired_fingerprint() {
        let options = Options {
            skip: Skip::new(&["drops_table"]).expect("valid"),
            ..Options::default()
        };
        assert!(options.check(Dialect::Sqlite, "db").is_ok());
        assert_eq!(Options::default().desired_fingerprint(), None);
        assert_eq!(options.desired_fingerprint().as_deref(), Some(";skip=drops_table"));
        assert_eq!(options.scope.fingerprint(), None, "the live side is not affected");
    }

    #[test]
    fn schemas_are_postgresql_only_and_exclude_is_everywhere() {
        let excluding = Options {
            scope: Scope::new(None, &["main.tmp_*".to_string()]).expect("valid"),
            ..Options::default()
        };
        assert!(excluding.check(Dialect::Sqlite, "db").is_ok());
        let limiting = Options {
            scope: Scope::new(Some(vec!["main".to_string()]), &[]).expect("valid"),
            ..Options::default()
        };
        let message = limiting.check(Dialect::Sqlite, "db").expect_err("sqlite").to_string();
        assert!(message.contains("`schemas`"), "{message}");
    }
}
