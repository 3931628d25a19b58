//! SQLite compares names without regard to ASCII case: `victims` and
//! `VICTIMS` are one table, and a database cannot hold both. A desired table
//! or column whose name differs from a live one only in case is that object
//! under a new spelling, so it is declared renamed (renames.rs), as if the
//! desired SQL said `-- renamed_from:` with the live name: the plan renames
//! it instead of dropping and creating it, and the live spelling converges
//! to the desired one. Old names in `renamed_from` annotations are matched
//! the same way.

use crate::engine::annotations::Annotations;
use crate::engine::model::{Schema, Table};
use crate::engine::sqlite::ident::other_case;
use crate::engine::url::Dialect;

/// Declares the case-only renames from `live` to `desired` in
/// `desired.annotations`.
pub fn declare(live: &Schema, desired: &mut Schema) {
    let annotations = &mut desired.annotations;
    for old in annotations.renamed_tables.values_mut() {
        if let Some(spelled) = other_case(live.tables.keys(), old) {
            *old = spelled;
        }
    }
    for key in desired.tables.keys() {
        if live.tables.contains_key(key) || annotations.renamed_tables.contains_key(key) {
            continue;
        }
        let Some(old) = other_case(live.tables.keys(), key) else {
            continue;
        };
        if !desired.tables.contains_key(&old) {
            annotations.renamed_tables.insert(key.clone(), old);
        }
    }
    for (key, table) in &desired.tables {
        let live_key = annotations.renamed_tables.get(key).unwrap_or(key);
        if let Some(live_table) = live.tables.get(live_key) {
            declare_columns(annotations, key, live_table, table);
        }
    }
    if !annotations.is_empty() {
        annotations.dialect = Some(Dialect::Sqlite);
    }
}

fn declare_columns(annotations: &mut Annotations, key: &str, live: &Table, desired: &Table) {
    let live_names = || live.columns.iter().map(|c| &c.name);
    let renames = annotations.renamed_columns.entry(key.to_string()).or_default();
    for old in renames.values_mut() {
        if let Some(spelled) = other_case(live_names(), old) {
            *old = spelled;
        }
    }
    for column in &desired.columns {
        let name = &column.name;
        if live.column(name).is_some() || renames.contains_key(name) {
            continue;
        }
        let Some(old) = other_case(live_names(), name) else {
            continue;
        };
        if desired.column(&old).is_none() && !renames.values().any(|claimed| *claimed == old) {
            renames.insert(name.clone(), old);
        }
    }
    if renames.is_empty() {
        annotations.renamed_columns.remove(key);
    }
}
