//! Renames declared with `renamed_from` (see engine/renames.rs) as SQLite
//! statements. SQLite rewrites the foreign keys, indexes, views and triggers
//! that name a renamed table or column, but spells the new names its own way
//! in views and triggers; so, as for a rebuild, a plan with renames drops the
//! views and triggers first and creates the desired ones last. A change of
//! case only (case_renames.rs) is a rename like any other, without a hazard.

use crate::engine::diff::Change;
use crate::engine::plan::{HazardKind, Statement};
use crate::engine::renames::{column_rename_detail, steps, table_rename_detail, RenameStep};
use crate::engine::sqlite::ident::quote as q;
use crate::engine::sqlite::render::sql::rename_table;

/// Where a table whose name changes only in case waits between its two
/// renames: SQLite refuses `RENAME TO` a name equal to its own but for case.
pub const CASE_RENAME_PREFIX: &str = "_tfalchemy_renaming_";

pub fn statements(changes: &[Change]) -> Vec<Statement> {
    steps(changes)
        .into_iter()
        .flat_map(|step| match step {
            // Names that differ only in case are the same to SQL: no hazard.
            RenameStep::Table { from, name, .. } if from.name.eq_ignore_ascii_case(name) => {
                let waiting = format!("{CASE_RENAME_PREFIX}{name}");
                vec![
                    Statement::ddl(rename_table(&from.name, &waiting)),
                    Statement::ddl(rename_table(&waiting, name)),
                ]
            }
            RenameStep::Table { from, to_key, name } => {
                vec![Statement::ddl(rename_table(&from.name, name)).with_table_hazard(
                    HazardKind::RenamesTable,
                    to_key,
                    table_rename_detail(&from.name, name),
                )]
            }
            RenameStep::Column { table, from, to } => {
                let statement = Statement::ddl(format!(
                    "ALTER TABLE {} RENAME COLUMN {} TO {}",
                    q(&table.name),
                    q(from),
                    q(to)
                ));
                if from.eq_ignore_ascii_case(to) {
                    vec![statement]
                } else {
                    vec![statement
                        .with_table_hazard(
                            HazardKind::RenamesColumn,
                            table.name.clone(),
                            column_rename_detail(&table.name, from, to),
                        )
                        .about_column(to)]
                }
            }
            // SQLite does not name objects after their table.
            RenameStep::Index { .. } | RenameStep::Constraint { .. } | RenameStep::Sequence { .. } => Vec::new(),
        })
        .collect()
}
