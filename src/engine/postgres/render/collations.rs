//! Collations: created before the columns, domains, types and indexes that
//! use them, dropped after. A collation cannot be altered: a changed one is
//! renamed out of the way, created anew under its name, the columns using it
//! are moved to the new one (their indexes are rebuilt with them), and the
//! old one is dropped at the end.

use super::create_index;
use super::ddl::{collate, table_name};
use super::indexes::index_name;
use super::retype::OLD_SUFFIX;
use super::{access_exclusive, table_key};
use crate::engine::diff::Change;
use crate::engine::model::{Collation, Index, Schema};
use crate::engine::plan::{HazardKind, Statement};
use crate::engine::postgres::ident::{key, key_part, literal, qualified, quote};

pub fn create_collation(collation: &Collation) -> String {
    let mut options = vec![format!("provider = {}", collation.provider)];
    let settings = [
        ("locale", &collation.locale),
        ("lc_collate", &collation.lc_collate),
        ("lc_ctype", &collation.lc_ctype),
        ("rules", &collation.rules),
    ];
    for (option, value) in settings {
        if let Some(value) = value {
            options.push(format!("{option} = {}", literal(value)));
        }
    }
    if !collation.deterministic {
        options.push("deterministic = false".to_string());
    }
    format!("CREATE COLLATION {} ({})", sql_name(collation), options.join(", "))
}

/// The collation's qualified name: how the model spells it where a column
/// uses it (see inspect/collations.rs).
pub fn sql_name(collation: &Collation) -> String {
    qualified(&collation.namespace, &collation.name)
}

/// Before anything that may use them: new collations, and changed ones
/// renamed away, created anew and taken up by the live columns using them.
pub fn creates(changes: &[Change], live: &Schema, desired: &Schema) -> Vec<Statement> {
    let mut out = Vec::new();
    for change in changes {
        match change {
            Change::CreateCollation(c) => out.push(Statement::ddl(create_collation(c))),
            Change::AlterCollation { from, to } => {
                let indexes = naming_indexes(from, live, desired);
                out.extend(
                    indexes
                        .iter()
                        .map(|(table, index)| Statement::ddl(format!("DROP INDEX {}", index_name(live, table, index)))),
                );
                out.push(Statement::ddl(format!(
                    "ALTER COLLATION {} RENAME TO {}",
                    sql_name(from),
                    quote(&format!("{}{OLD_SUFFIX}", from.name))
                )));
                out.push(Statement::ddl(create_collation(to)));
                out.extend(recollated_columns(from, live, desired));
                out.extend(indexes.iter().map(|(_, index)| create_index(index)));
            }
            _ => {}
        }
    }
    out
}

/// Indexes that stay and name `collation` in their definition (`name
/// COLLATE app."Folded"`): an index keeps the collation it was built with,
/// so they are dropped before and built again under the new one.
fn naming_indexes<'s>(collation: &Collation, live: &'s Schema, desired: &Schema) -> Vec<(&'s String, &'s Index)> {
    // `pg_get_indexdef` leaves out the schema when it is on the search path.
    let spellings = [
        format!("COLLATE {}", sql_name(collation)),
        format!("COLLATE {}", key_part(&collation.name)),
    ];
    let names = |definition: &str| spellings.iter().any(|s| definition.contains(s.as_str()));
    let mut out = Vec::new();
    for (key, table) in &live.tables {
        for index in table.indexes.values() {
            let stays = desired
                .tables
                .get(key)
                .and_then(|t| t.indexes.get(&index.name))
                .is_some_and(|wanted| wanted == index);
            if stays && index.definition.as_deref().is_some_and(names) {
                out.push((key, index));
            }
        }
    }
    out
}

/// Live columns using `collation` that keep it in the desired schema: set to
/// the collation created anew (a column whose collation changes anyway is
/// altered with its table).
fn recollated_columns(collation: &Collation, live: &Schema, desired: &Schema) -> Vec<Statement> {
    let name = sql_name(collation);
    let mut out = Vec::new();
    for (table_key_, table) in &live.tables {
        let Some(wanted) = desired.tables.get(table_key_) else {
            continue;
        };
        for column in table.columns.iter().filter(|c| c.collation.as_deref() == Some(&name)) {
            let Some(target) = wanted.column(&column.name).filter(|c| *c == column) else {
                continue;
            };
            out.push(
                Statement::ddl(format!(
                    "ALTER TABLE {} ALTER COLUMN {} TYPE {} COLLATE {}",
                    table_name(table),
                    quote(&target.name),
                    target.data_type,
                    collate(&name)
                ))
                .with_table_hazard(
                    HazardKind::BuildsIndexBlockingWrites,
                    table_key(table),
                    format!(
                        "the indexes on {}.{} are built again under the new collation while writes to the table wait",
                        table_name(table),
                        quote(&column.name)
                    ),
                )
                .locking(
                    table_key(table),
                    table_name(table),
                    access_exclusive(&table_name(table)),
                ),
            );
        }
    }
    out
}

/// Once nothing uses them: dropped collations, and the old form of changed
/// ones.
pub fn drops(changes: &[Change]) -> Vec<Statement> {
    let mut out = Vec::new();
    for change in changes {
        match change {
            Change::DropCollation(c) => {
                out.push(Statement::ddl(format!("DROP COLLATION {}", sql_name(c))).with_hazard(
                    HazardKind::DropsObject,
                    format!("drops collation {}; whatever still uses it breaks", sql_name(c)),
                ))
            }
            Change::AlterCollation { from, .. } => out.push(Statement::ddl(format!(
                "DROP COLLATION {}",
                qualified(&from.namespace, &format!("{}{OLD_SUFFIX}", from.name))
            ))),
            _ => {}
        }
    }
    out
}

/// Keys of the collations this plan creates anew (their comments go with
/// the old ones).
pub fn recreated(changes: &[Change]) -> impl Iterator<Item = String> + '_ {
    changes.iter().filter_map(|c| match c {
        Change::AlterCollation { to, .. } => Some(key(&to.namespace, &to.name)),
        _ => None,
    })
}
