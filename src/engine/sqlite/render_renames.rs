//! Renames declared with `renamed_from` (see engine/renames.rs) as SQLite
//! statements. SQLite rewrites the foreign keys, indexes, views and triggers
//! that name a renamed table or column, but spells the new names its own way
//! in views and triggers; so, as for a rebuild, a plan with renames drops the
//! views and triggers first and creates the desired ones last.

use super::ident::quote as q;
use super::sql::rename_table;
use crate::engine::diff::Change;
use crate::engine::plan::{HazardKind, Statement};
use crate::engine::renames::{column_rename_detail, steps, table_rename_detail, RenameStep};

pub fn statements(changes: &[Change]) -> Vec<Statement> {
    steps(changes)
        .into_iter()
        .filter_map(|step| match step {
            RenameStep::Table { from, to_key, name } => {
                Some(Statement::ddl(rename_table(&from.name, name)).with_table_hazard(
                    HazardKind::RenamesTable,
                    to_key,
                    table_rename_detail(&from.name, name),
                ))
            }
            RenameStep::Column { table, from, to } => Some(
                Statement::ddl(format!(
                    "ALTER TABLE {} RENAME COLUMN {} TO {}",
                    q(&table.name),
                    q(from),
                    q(to)
                ))
                .with_table_hazard(
                    HazardKind::RenamesColumn,
                    table.name.clone(),
                    column_rename_detail(&table.name, from, to),
                ),
            ),
            // SQLite does not name objects after their table.
            RenameStep::Index { .. } | RenameStep::Constraint { .. } | RenameStep::Sequence { .. } => None,
        })
        .collect()
}
