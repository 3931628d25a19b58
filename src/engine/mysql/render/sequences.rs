//! MariaDB sequences: created before the tables (a default may take
//! `NEXT VALUE FOR` one), altered in place, dropped after the tables.

use crate::engine::diff::Change;
use crate::engine::model::Sequence;
use crate::engine::mysql::ident::quote;
use crate::engine::plan::{HazardKind, Statement};

/// The options of `CREATE SEQUENCE` and `ALTER SEQUENCE`, every one written.
fn options(sequence: &Sequence) -> String {
    format!(
        "START WITH {} INCREMENT BY {} MINVALUE {} MAXVALUE {} CACHE {} {}",
        sequence.start,
        sequence.increment,
        sequence.min_value,
        sequence.max_value,
        sequence.cache,
        if sequence.cycle { "CYCLE" } else { "NOCYCLE" }
    )
}

/// Sequences created and altered.
pub fn created_and_altered(changes: &[Change]) -> Vec<Statement> {
    changes
        .iter()
        .filter_map(|change| match change {
            Change::CreateSequence(s) => Some(Statement::ddl(format!(
                "CREATE SEQUENCE {} {}",
                quote(&s.name),
                options(s)
            ))),
            // The position is data: a sequence keeps where it is.
            Change::AlterSequence { to, .. } => Some(Statement::ddl(format!(
                "ALTER SEQUENCE {} {}",
                quote(&to.name),
                options(to)
            ))),
            _ => None,
        })
        .collect()
}

/// Sequences dropped, with their position.
pub fn dropped(changes: &[Change]) -> Vec<Statement> {
    changes
        .iter()
        .filter_map(|change| match change {
            Change::DropSequence(s) => Some(Statement::ddl(format!("DROP SEQUENCE {}", quote(&s.name))).with_hazard(
                HazardKind::DropsObject,
                format!(
                    "sequence {} is dropped, and where it was counting with it",
                    quote(&s.name)
                ),
            )),
            _ => None,
        })
        .collect()
}
