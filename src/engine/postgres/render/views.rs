//! Ordering views by what they read: dependencies are created first and
//! dropped last.

use std::collections::{BTreeMap, BTreeSet};

use crate::engine::model::View;

/// `names` ordered so every view comes after the views (among `names`) it
/// reads. Ties break by key, so the order is deterministic; a cycle (not
/// possible in PostgreSQL) falls back to key order.
pub fn creation_order<'a>(names: &BTreeSet<&'a str>, views: &'a BTreeMap<String, View>) -> Vec<&'a str> {
    let mut ordered: Vec<&str> = Vec::new();
    let mut placed: BTreeSet<&str> = BTreeSet::new();
    while placed.len() < names.len() {
        let ready: Vec<&str> = names
            .iter()
            .copied()
            .filter(|name| !placed.contains(name))
            .filter(|name| {
                views.get(*name).is_none_or(|view| {
                    view.depends_on
                        .iter()
                        .all(|dep| !names.contains(dep.as_str()) || placed.contains(dep.as_str()))
                })
            })
            .collect();
        if ready.is_empty() {
            ordered.extend(names.iter().copied().filter(|name| !placed.contains(name)));
            break;
        }
        for name in ready {
            placed.insert(name);
            ordered.push(name);
        }
    }
    ordered
}

/// Every view that reads (directly or through other views) one of `roots`.
pub fn dependents(roots: &BTreeSet<String>, views: &BTreeMap<String, View>) -> BTreeSet<String> {
    let mut found: BTreeSet<String> = BTreeSet::new();
    loop {
        let before = found.len();
        for (key, view) in views {
            if view
                .depends_on
                .iter()
                .any(|dep| roots.contains(dep) || found.contains(dep))
            {
                found.insert(key.clone());
            }
        }
        if found.len() == before {
            return found;
        }
    }
}

/// PostgreSQL's rule for `CREATE OR REPLACE VIEW`: same kind (not
/// materialized), and the old output columns, names and types, are a prefix
/// of the new ones. Indexes only exist on materialized views.
pub fn replaceable(old: &View, new: &View) -> bool {
    !old.materialized && !new.materialized && new.columns.starts_with(&old.columns)
}
