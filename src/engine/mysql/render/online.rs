//! Online DDL: how the server carries out each part of an `ALTER TABLE`, for
//! its flavour and version. INSTANT changes only metadata; INPLACE works on
//! the table while reads and writes go on (some rebuild it); COPY copies
//! every row into a new table while writes wait. A statement is as slow as
//! its slowest part. Conservative: where the manuals make a case depend on
//! more than the model knows, the heavier algorithm is assumed.

use crate::engine::mysql::connect::{Flavor, Server};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Algorithm {
    Instant,
    Inplace,
    Copy,
}

impl Algorithm {
    pub fn sql(self) -> &'static str {
        match self {
            Algorithm::Instant => "INSTANT",
            Algorithm::Inplace => "INPLACE",
            Algorithm::Copy => "COPY",
        }
    }

    /// The `LOCK` clause the algorithm allows: COPY blocks writes.
    pub fn lock(self) -> &'static str {
        match self {
            Algorithm::Instant | Algorithm::Inplace => "NONE",
            Algorithm::Copy => "SHARED",
        }
    }
}

/// One part of an `ALTER TABLE`, as far as online DDL is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// `ADD COLUMN`; `last` when it goes after every existing column.
    AddColumn {
        last: bool,
    },
    DropColumn,
    RenameColumn,
    /// `MODIFY COLUMN` changing only the default, comment or visibility.
    ColumnMetadata,
    /// `MODIFY COLUMN` adding values at the end of an ENUM or SET.
    ExtendEnum,
    /// `MODIFY COLUMN` making a column NULL or NOT NULL.
    Nullability,
    /// `MODIFY COLUMN` changing the type, collation or generation.
    ChangeType,
    AddIndex,
    AddFulltextIndex,
    AddSpatialIndex,
    DropIndex,
    RenameIndex,
    /// An index made ignored/invisible or used again.
    IndexVisibility,
    AddPrimaryKey,
    DropPrimaryKey,
    AddForeignKey,
    DropForeignKey,
    AddCheck,
    DropCheck,
    /// `CONVERT TO` or a column following a changed table collation.
    ConvertCharset,
    ChangeEngine,
    ChangeRowFormat,
    /// Table comment, default collation without conversion.
    TableMetadata,
}

/// How `server` carries out `part`.
pub fn classify(part: Part, server: &Server) -> Algorithm {
    use Algorithm::*;
    let mariadb = server.flavor == Flavor::MariaDb;
    match part {
        Part::AddColumn { last } => {
            let instant = if mariadb {
                server.at_least(10, 4, 0) || (last && server.at_least(10, 3, 2))
            } else {
                server.at_least(8, 0, 29) || (last && server.at_least(8, 0, 12))
            };
            if instant {
                Instant
            } else {
                Inplace
            }
        }
        Part::DropColumn => {
            let instant = if mariadb {
                server.at_least(10, 4, 0)
            } else {
                server.at_least(8, 0, 29)
            };
            if instant {
                Instant
            } else {
                Inplace
            }
        }
        Part::RenameColumn | Part::ColumnMetadata | Part::RenameIndex | Part::TableMetadata => Instant,
        Part::IndexVisibility => Instant,
        Part::ExtendEnum => Instant,
        Part::Nullability | Part::AddPrimaryKey | Part::ChangeRowFormat => Inplace,
        Part::AddIndex | Part::DropIndex | Part::DropForeignKey | Part::DropCheck => Inplace,
        // The first FULLTEXT index adds a hidden column; SPATIAL takes a
        // shared lock: both are treated as copies.
        Part::AddFulltextIndex | Part::AddSpatialIndex => Copy,
        // With foreign_key_checks on (as a plan runs), adding a foreign key
        // checks every row by copying; a check constraint is validated the same way.
        Part::AddForeignKey | Part::AddCheck => Copy,
        Part::DropPrimaryKey | Part::ChangeType | Part::ConvertCharset | Part::ChangeEngine => Copy,
    }
}

/// The slowest algorithm among `parts` (INSTANT for none).
pub fn statement_algorithm(parts: &[Part], server: &Server) -> Algorithm {
    parts
        .iter()
        .map(|part| classify(*part, server))
        .max()
        .unwrap_or(Algorithm::Instant)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_decide_instant_column_changes() {
        let maria_10_3 = Server::from_version("10.3.39-MariaDB");
        let maria_10_11 = Server::from_version("10.11.6-MariaDB");
        let mysql_8_0_20 = Server::from_version("8.0.20");
        let mysql_8_4 = Server::from_version("8.4.0");
        assert_eq!(
            classify(Part::AddColumn { last: true }, &maria_10_3),
            Algorithm::Instant
        );
        assert_eq!(
            classify(Part::AddColumn { last: false }, &maria_10_3),
            Algorithm::Inplace
        );
        assert_eq!(classify(Part::DropColumn, &maria_10_11), Algorithm::Instant);
        assert_eq!(
            classify(Part::AddColumn { last: false }, &mysql_8_0_20),
            Algorithm::Inplace
        );
        assert_eq!(classify(Part::DropColumn, &mysql_8_4), Algorithm::Instant);
        assert_eq!(
            statement_algorithm(&[Part::AddIndex, Part::ChangeType], &mysql_8_4),
            Algorithm::Copy
        );
        assert_eq!(statement_algorithm(&[], &mysql_8_4), Algorithm::Instant);
    }
}
