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

#[cfg(test)]
mod tests {
    use super::*;

    fn view(name: &str, depends_on: &[&str], columns: &[&str]) -> View {
        View {
            name: name.to_string(),
            definition: format!("SELECT * FROM {name}"),
            namespace: Some("public".to_string()),
            materialized: false,
            depends_on: depends_on.iter().map(|d| d.to_string()).collect(),
            columns: columns.iter().map(|c| c.to_string()).collect(),
            indexes: BTreeMap::new(),
        }
    }

    #[test]
    fn views_come_after_the_views_they_read() {
        let mut views = BTreeMap::new();
        views.insert("public.a".to_string(), view("a", &["public.c"], &[]));
        views.insert("public.b".to_string(), view("b", &["public.t"], &[]));
        views.insert("public.c".to_string(), view("c", &["public.b"], &[]));
        let names: BTreeSet<&str> = views.keys().map(String::as_str).collect();
        assert_eq!(creation_order(&names, &views), vec!["public.b", "public.c", "public.a"]);
        let roots = BTreeSet::from(["public.t".to_string()]);
        assert_eq!(dependents(&roots, &views).len(), 3);
    }

    #[test]
    fn only_views_that_gain_trailing_columns_are_replaceable() {
        let old = view("v", &[], &["a integer"]);
        assert!(replaceable(&old, &view("v", &[], &["a integer", "b text"])));
        assert!(!replaceable(&old, &view("v", &[], &["a bigint"])));
        assert!(!replaceable(&old, &view("v", &[], &["b text", "a integer"])));
    }
}
