//! Which dialect a piece of desired SQL was exported for.
//!
//! `sqlalchemy_models` starts its `sql` with a comment line naming the
//! dialect. `sqlalchemy_schema` looks for those lines so that models exported
//! for PostgreSQL and applied to SQLite fail with a clear message instead of
//! an obscure syntax error from the dev database. Being a comment, the line is
//! harmless to every database.

use crate::engine::{DatabaseUrl, Dialect};

const PREFIX: &str = "-- sqlalchemy_models dialect: ";

/// The first line of an export for `dialect`.
pub fn marker(dialect: &str) -> String {
    format!("{PREFIX}{dialect}\n")
}

/// Every dialect named by a marker line in `sql` (several exports may be joined).
pub fn exported_dialects(sql: &str) -> Vec<&str> {
    sql.lines()
        .filter_map(|line| line.trim().strip_prefix(PREFIX))
        .map(str::trim)
        .collect()
}

/// Whether DDL exported for `exported` suits the database at `url`.
pub fn suits(exported: &str, url: &DatabaseUrl) -> bool {
    Dialect::from_name(exported) == Some(url.dialect())
}

/// The exporter's name for the dialect of `url`.
pub fn exporter_dialect(url: &DatabaseUrl) -> &'static str {
    if url.is_mariadb() {
        "mariadb"
    } else {
        url.dialect().sqlalchemy_name()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_are_found_in_joined_exports() {
        let sql = format!(
            "{}CREATE TABLE a (id int);\n{}CREATE TABLE b (id int);",
            marker("sqlite"),
            marker("postgresql")
        );
        assert_eq!(exported_dialects(&sql), vec!["sqlite", "postgresql"]);
        assert!(exported_dialects("CREATE TABLE a (id int); -- sqlalchemy").is_empty());
    }

    #[test]
    fn dialects_suit_their_databases() {
        let sqlite = DatabaseUrl::parse("sqlite:///x.db").unwrap();
        let maria = DatabaseUrl::parse("mariadb://root@127.0.0.1/x").unwrap();
        assert!(suits("sqlite", &sqlite));
        assert!(!suits("postgresql", &sqlite));
        assert!(suits("mariadb", &maria) && suits("mysql", &maria));
        assert_eq!(exporter_dialect(&maria), "mariadb");
    }
}
