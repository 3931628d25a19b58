//! Renames declared with `renamed_from` (see engine/renames.rs) as
//! PostgreSQL statements. They run before everything else in the
//! transaction, so later statements name tables and columns by their new
//! names. Indexes, constraints, owned sequences, foreign keys and views
//! follow a renamed table or column by themselves (they refer to it by oid).

use crate::engine::model::Schema;
use crate::engine::plan::{HazardKind, Statement};
use crate::engine::postgres::ident::{qualified, quote};
use crate::engine::renames::{column_rename_detail, steps, table_rename_detail, RenameStep};

use super::ddl::{sequence_name, table_name};
use super::{access_exclusive, table_key};
use crate::engine::diff::Change;

pub fn statements(changes: &[Change], desired: &Schema) -> Vec<Statement> {
    let namespace_of = |key: &str| {
        desired
            .tables
            .get(key)
            .and_then(|t| t.namespace.clone())
            .unwrap_or_else(|| "public".to_string())
    };
    let table_named = |key: &str| desired.tables.get(key).map_or_else(|| key.to_string(), table_name);
    steps(changes)
        .into_iter()
        .map(|step| match step {
            RenameStep::Table { from, to_key, name } => {
                Statement::ddl(format!("ALTER TABLE {} RENAME TO {}", table_name(from), quote(name)))
                    .with_table_hazard(
                        HazardKind::RenamesTable,
                        to_key,
                        table_rename_detail(&table_key(from), to_key),
                    )
                    .locking(table_key(from), table_name(from), access_exclusive(&table_name(from)))
            }
            RenameStep::Column { table, from, to } => Statement::ddl(format!(
                "ALTER TABLE {} RENAME COLUMN {} TO {}",
                table_name(table),
                quote(from),
                quote(to)
            ))
            .with_table_hazard(
                HazardKind::RenamesColumn,
                table_key(table),
                column_rename_detail(&table_key(table), from, to),
            )
            .about_column(to)
            .locking(
                table_key(table),
                table_name(table),
                access_exclusive(&table_name(table)),
            ),
            RenameStep::Index { table, from, to } => Statement::ddl(format!(
                "ALTER INDEX {} RENAME TO {}",
                qualified(&namespace_of(table), from),
                quote(to)
            )),
            RenameStep::Constraint { table, from, to } => Statement::ddl(format!(
                "ALTER TABLE {} RENAME CONSTRAINT {} TO {}",
                table_named(table),
                quote(from),
                quote(to)
            )),
            RenameStep::Sequence { from, name } => Statement::ddl(format!(
                "ALTER SEQUENCE {} RENAME TO {}",
                sequence_name(from),
                quote(name)
            )),
        })
        .collect()
}
