//! The one list of dialect drivers. Adding a dialect is adding its folder
//! and one line here.

use super::{Capabilities, Driver};
use crate::engine::error::EngineError;
use crate::engine::url::{DatabaseUrl, Dialect};
use crate::engine::{mysql, postgres, sqlite};

static REGISTERED: &[&dyn Driver] = &[&sqlite::SqliteDriver, &postgres::PostgresDriver, &mysql::MysqlDriver];

/// Every registered driver.
pub(crate) fn drivers() -> impl Iterator<Item = &'static dyn Driver> {
    REGISTERED.iter().copied()
}

/// The driver of `dialect`, when one is registered.
pub(crate) fn registered(dialect: Dialect) -> Option<&'static dyn Driver> {
    drivers().find(|driver| driver.dialect() == dialect)
}

/// The driver of `dialect`; `url` names the database in the error when the
/// dialect has none yet.
pub(crate) fn driver_for(dialect: Dialect, url: &str) -> Result<&'static dyn Driver, EngineError> {
    registered(dialect).ok_or_else(|| EngineError::UnsupportedDialect {
        url: url.to_string(),
        dialect,
    })
}

/// What `dialect` can do: nothing, while it has no driver.
pub fn capabilities_of(dialect: Dialect) -> &'static Capabilities {
    registered(dialect).map_or(&Capabilities::NONE, |driver| driver.capabilities())
}

/// Whether `dialect` has a driver.
pub fn is_supported(dialect: Dialect) -> bool {
    registered(dialect).is_some()
}

impl DatabaseUrl {
    /// The driver of this URL's dialect.
    pub(crate) fn driver(&self) -> Result<&'static dyn Driver, EngineError> {
        driver_for(self.dialect(), &self.redacted())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::driver::Capability;

    #[test]
    fn each_dialect_has_at_most_one_driver_and_finds_its_own() {
        for driver in drivers() {
            let dialect = driver.dialect();
            assert_eq!(drivers().filter(|d| d.dialect() == dialect).count(), 1, "{dialect}");
            assert_eq!(registered(dialect).map(|d| d.dialect()), Some(dialect));
        }
    }

    #[test]
    fn a_dialect_without_a_driver_can_do_nothing_and_is_named_in_the_error() {
        let unregistered = [Dialect::Sqlite, Dialect::Postgres, Dialect::Mysql]
            .into_iter()
            .filter(|d| !is_supported(*d));
        for dialect in unregistered {
            assert_eq!(capabilities_of(dialect), &Capabilities::NONE);
            let error = driver_for(dialect, "db").err().expect("no driver");
            assert!(matches!(error, EngineError::UnsupportedDialect { .. }), "{error}");
        }
    }

    #[test]
    fn capabilities_name_who_has_them() {
        assert_eq!(Capability::ConcurrentIndexes.holders(), "PostgreSQL");
        assert_eq!(Capability::ExplicitAlgorithm.holders(), "MySQL/MariaDB");
        assert!(Capability::TransactionalDdl.dialects().contains(&Dialect::Sqlite));
        assert!(!capabilities_of(Dialect::Sqlite).has(Capability::Schemas));
        assert!(capabilities_of(Dialect::Postgres).has(Capability::Schemas));
    }
}
