//! Foreign keys that must step aside while the key they reference (primary
//! key, unique constraint or unique index) is dropped and recreated:
//! PostgreSQL refuses to drop a key a foreign key depends on.

use std::collections::BTreeSet;

use crate::engine::diff::{Change, TableChange};
use crate::engine::model::{ForeignKey, Schema, Table};

/// Unchanged foreign keys (live table, key) that reference a table whose
/// keys are dropped; they are dropped first and added again at the end.
pub fn referencing_rekeyed_tables<'a>(
    changes: &[Change],
    live: &'a Schema,
    desired: &Schema,
) -> Vec<(&'a Table, &'a ForeignKey)> {
    let mut rekeyed: BTreeSet<&str> = BTreeSet::new();
    for change in changes {
        match change {
            Change::AlterTable(d) => {
                let drops_key = d.changes.iter().any(|c| {
                    matches!(
                        c,
                        TableChange::SetPrimaryKey { from: Some(_), .. } | TableChange::DropUnique(_)
                    )
                });
                if drops_key {
                    if let Some((key, _)) = live.tables.iter().find(|(_, t)| **t == d.from) {
                        rekeyed.insert(key.as_str());
                    }
                }
            }
            Change::DropIndex { table, index } if index.unique => {
                rekeyed.insert(table.as_str());
            }
            _ => {}
        }
    }
    let mut found = Vec::new();
    for (key, table) in &live.tables {
        let Some(kept) = desired.tables.get(key) else {
            continue;
        };
        for fk in &table.foreign_keys {
            if rekeyed.contains(fk.ref_table.as_str()) && kept.foreign_keys.contains(fk) {
                found.push((table, fk));
            }
        }
    }
    found
}
