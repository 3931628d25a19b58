//! What a replay needs of the live schema. A copy of all of it costs as much
//! as the schema is large (seconds at a thousand tables, and more locks than
//! one transaction may hold at a few thousand), while a plan usually changes
//! a few tables. So when only tables and views differ, the copy holds:
//!
//! - the tables and views that differ between live and desired (new, dropped
//!   or changed: the only ones a correct plan changes);
//! - what uses them, which a change may have to drop and recreate or may
//!   break: tables with a foreign key to them, views and routines reading
//!   them (`pg_depend`, see render/order.rs), through any number of views;
//! - what all of those need to exist: the tables their foreign keys
//!   reference, what their views and routines read, again transitively;
//! - and everything that is neither a table nor a view (schemas, types,
//!   sequences, extensions), whole.
//!
//! The desired schema is cut the same way, so "the replay converged" still
//! means: every object the copy holds is as desired. A plan that changes an
//! object outside the copy fails there (it does not exist), so a wrong plan
//! is still refused. When anything else differs (a type, a routine, a
//! sequence, a trigger), a table has row-level security policies (which
//! may read other tables) or the schema has routines (whose bodies may read
//! any table unrecorded), the copy is the whole live schema, as before.

use std::collections::BTreeSet;

use super::model::{ObjectPrivileges, Owner, Schema};
use super::postgres::dependency_graph;
use super::privileges::{ObjectKind, ObjectRef};

/// The live and desired schemas as far as a replay needs them.
pub(crate) struct Subset {
    pub live: Schema,
    pub desired: Schema,
}

/// The part of `live` and `desired` a replay needs (see the module
/// documentation), or `None` when it needs all of them.
pub(crate) fn replay_subset(live: &Schema, desired: &Schema) -> Option<Subset> {
    // A routine's body may read any table without PostgreSQL recording it
    // (`$$ … $$` bodies), and restoring the body checks it: with routines,
    // only the whole copy is sure to hold what they read.
    let has_routines = !live.routines.is_empty() || !desired.routines.is_empty();
    if has_routines || !only_tables_and_views_differ(live, desired) || has_policies(live) || has_policies(desired) {
        return None;
    }
    let touched = differing_tables_and_views(live, desired);
    let mut keep = touched.clone();
    for model in [live, desired] {
        keep.extend(referencing(model, &touched));
        keep.extend(dependency_graph(model).dependents(&touched));
    }
    close_over_uses(&mut keep, live, desired);
    let everything = live.tables.len() + live.views.len();
    let kept_of_live = live
        .tables
        .keys()
        .chain(live.views.keys())
        .filter(|k| keep.contains(*k))
        .count();
    if kept_of_live == everything {
        return None;
    }
    Some(Subset {
        live: cut(live, &keep),
        desired: cut(desired, &keep),
    })
}

/// True when the schemas differ in tables, views and comments on them only.
fn only_tables_and_views_differ(live: &Schema, desired: &Schema) -> bool {
    live.namespaces == desired.namespaces
        && live.extensions == desired.extensions
        && live.collations == desired.collations
        && live.enums == desired.enums
        && live.domains == desired.domains
        && live.sequences == desired.sequences
        && live.routines == desired.routines
        && live.composites == desired.composites
        && live.ranges == desired.ranges
        && live.triggers == desired.triggers
        // A rule's actions may use any table: with rules, the whole copy.
        && live.rules.is_empty()
        && desired.rules.is_empty()
        && live.statistics == desired.statistics
        && cut_comments(live) == cut_comments(desired)
        && live.default_privileges == desired.default_privileges
        && not_on_relations(live) == not_on_relations(desired)
}

/// Privileges and owners of objects other than tables, views and their columns.
fn not_on_relations(schema: &Schema) -> (Vec<&ObjectPrivileges>, Vec<&Owner>) {
    let privileges = schema.privileges.values().filter(|p| !on_relation(&p.on)).collect();
    let owners = schema.owners.values().filter(|o| !on_relation(&o.of)).collect();
    (privileges, owners)
}

fn on_relation(on: &ObjectRef) -> bool {
    matches!(
        on.kind,
        ObjectKind::Table | ObjectKind::View | ObjectKind::MaterializedView | ObjectKind::Column
    )
}

/// The comments on objects other than tables and views.
fn cut_comments(schema: &Schema) -> Vec<(&String, &super::comments::Comment)> {
    let mut without_relations = schema.clone();
    without_relations.tables.clear();
    without_relations.views.clear();
    schema
        .comments
        .iter()
        .filter(|(_, comment)| comment.target_exists(&without_relations))
        .collect()
}

fn has_policies(schema: &Schema) -> bool {
    schema.tables.values().any(|table| !table.policies.is_empty())
}

fn differing_tables_and_views(live: &Schema, desired: &Schema) -> BTreeSet<String> {
    let tables = live
        .tables
        .keys()
        .chain(desired.tables.keys())
        .filter(|k| live.tables.get(*k) != desired.tables.get(*k));
    let views = live
        .views
        .keys()
        .chain(desired.views.keys())
        .filter(|k| live.views.get(*k) != desired.views.get(*k));
    let comments = live
        .comments
        .iter()
        .chain(&desired.comments)
        .filter(|(k, _)| live.comments.get(*k) != desired.comments.get(*k))
        .map(|(_, comment)| &comment.object);
    let privileges = live
        .privileges
        .iter()
        .chain(&desired.privileges)
        .filter(|(k, _)| live.privileges.get(*k) != desired.privileges.get(*k))
        .map(|(_, p)| &p.on.object);
    let owners = live
        .owners
        .iter()
        .chain(&desired.owners)
        .filter(|(k, _)| live.owners.get(*k) != desired.owners.get(*k))
        .map(|(_, o)| &o.of.object);
    tables
        .chain(views)
        .chain(comments)
        .chain(privileges)
        .chain(owners)
        .cloned()
        .collect()
}

/// Tables of `schema` with a foreign key to one of `targets`, or inheriting
/// from one.
fn referencing<'s>(schema: &'s Schema, targets: &'s BTreeSet<String>) -> impl Iterator<Item = String> + 's {
    schema
        .tables
        .iter()
        .filter(|(_, t)| {
            // Children too: a parent's columns change theirs.
            t.foreign_keys.iter().any(|fk| targets.contains(&fk.ref_table))
                || t.inherits.iter().any(|parent| targets.contains(parent))
        })
        .map(|(k, _)| k.clone())
}

/// Adds to `keep` what its tables reference and its views read, and what
/// every routine reads (routines are copied whole), until nothing is added.
fn close_over_uses(keep: &mut BTreeSet<String>, live: &Schema, desired: &Schema) {
    for model in [live, desired] {
        for routine in model.routines.values() {
            keep.extend(routine.depends_on.iter().cloned());
        }
    }
    loop {
        let mut found: Vec<String> = Vec::new();
        for key in keep.iter() {
            for model in [live, desired] {
                if let Some(table) = model.tables.get(key) {
                    found.extend(table.foreign_keys.iter().map(|fk| fk.ref_table.clone()));
                    found.extend(table.inherits.iter().cloned());
                }
                if let Some(view) = model.views.get(key) {
                    found.extend(view.depends_on.iter().cloned());
                }
            }
        }
        let before = keep.len();
        keep.extend(found);
        if keep.len() == before {
            return;
        }
    }
}

/// `schema` with only the tables and views in `keep`, and what belongs to them.
fn cut(schema: &Schema, keep: &BTreeSet<String>) -> Schema {
    let mut cut = schema.clone();
    cut.tables.retain(|k, _| keep.contains(k));
    cut.views.retain(|k, _| keep.contains(k));
    cut.triggers.retain(|_, trigger| keep.contains(&trigger.table));
    cut.statistics.retain(|_, statistics| keep.contains(&statistics.table));
    // A `serial` column's sequence goes with its table.
    let owner_kept = |owned_by: &str| {
        cut.tables.keys().any(|table| {
            owned_by
                .strip_prefix(table.as_str())
                .is_some_and(|rest| rest.starts_with('.'))
        })
    };
    let sequences = cut
        .sequences
        .iter()
        .filter(|(_, s)| s.owned_by.as_deref().is_none_or(owner_kept))
        .map(|(k, s)| (k.clone(), s.clone()))
        .collect();
    cut.sequences = sequences;
    let comments = cut
        .comments
        .iter()
        .filter(|(_, c)| c.target_exists(&cut))
        .map(|(k, c)| (k.clone(), c.clone()))
        .collect();
    cut.comments = comments;
    super::privileges::retain_existing(&mut cut);
    cut
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::model::{Dependencies, EnumType, Sequence, Table, View};

    /// Table `name` in `public` with an `id` column, referencing `references`.
    fn table(name: &str, references: &[&str]) -> Table {
        let foreign_keys: Vec<serde_json::Value> = references
            .iter()
            .map(|r| {
                serde_json::json!({"columns": ["r"], "ref_table": r, "ref_columns": ["id"],
                                   "on_delete": "no_action", "on_update": "no_action"})
            })
            .collect();
        serde_json::from_value(serde_json::json!({
            "name": name, "namespace": "public",
            "columns": [{"name": "id", "data_type": "integer", "nullable": false}],
            "foreign_keys": foreign_keys,
        }))
        .expect("table")
    }

    fn view(name: &str, uses: &[&str]) -> View {
        View {
            depends_on: Dependencies(uses.iter().map(|u| u.to_string()).collect()),
            ..serde_json::from_value(serde_json::json!({"name": name, "definition": "SELECT 1"})).expect("view")
        }
    }

    /// a ← b (b references a), c references b, d and e unrelated; view v reads c.
    fn live() -> Schema {
        let mut schema = Schema::default();
        for (name, references) in [
            ("a", vec![]),
            ("b", vec!["public.a"]),
            ("c", vec!["public.b"]),
            ("d", vec![]),
            ("e", vec!["public.d"]),
        ] {
            schema.tables.insert(format!("public.{name}"), table(name, &references));
        }
        schema.views.insert("public.v".into(), view("v", &["public.c"]));
        schema.views.insert("public.w".into(), view("w", &["public.e"]));
        schema
    }

    fn keys(schema: &Schema) -> Vec<&str> {
        schema
            .tables
            .keys()
            .chain(schema.views.keys())
            .map(String::as_str)
            .collect()
    }

    #[test]
    fn keeps_what_changed_what_uses_it_and_what_those_need() {
        let live = live();
        let mut desired = live.clone();
        desired.tables.get_mut("public.b").unwrap().columns[0].nullable = true;
        desired.tables.insert("public.new".into(), table("new", &["public.d"]));
        let subset = replay_subset(&live, &desired).expect("a subset");
        // b changed: c references it, b references a; new references d. v reads
        // c, which no correct plan changes: left out, as are e and w.
        assert_eq!(keys(&subset.live), ["public.a", "public.b", "public.c", "public.d"]);
        assert_eq!(
            keys(&subset.desired),
            ["public.a", "public.b", "public.c", "public.d", "public.new"]
        );
        assert_eq!(subset.desired.tables["public.b"], desired.tables["public.b"]);
        // c changed: v reads it, c references b, which references a.
        let mut desired = live.clone();
        desired.tables.get_mut("public.c").unwrap().comment = Some("changed".into());
        let subset = replay_subset(&live, &desired).expect("a subset");
        assert_eq!(keys(&subset.live), ["public.a", "public.b", "public.c", "public.v"]);
    }

    #[test]
    fn a_serial_sequence_goes_with_its_table() {
        let mut live = live();
        for table in ["a", "d"] {
            let sequence: Sequence = serde_json::from_value(serde_json::json!({
                "namespace": "public", "name": format!("{table}_id_seq"), "data_type": "integer",
                "start": 1, "increment": 1, "min_value": 1, "max_value": 2147483647, "cache": 1,
                "cycle": false, "owned_by": format!("public.{table}.id"),
            }))
            .expect("sequence");
            live.sequences.insert(format!("public.{table}_id_seq"), sequence);
        }
        let mut desired = live.clone();
        desired.tables.get_mut("public.a").unwrap().comment = Some("changed".into());
        let subset = replay_subset(&live, &desired).expect("a subset");
        assert_eq!(subset.live.sequences.keys().collect::<Vec<_>>(), ["public.a_id_seq"]);
    }

    #[test]
    fn everything_when_more_than_tables_and_views_differ_or_all_are_needed() {
        let live = live();
        let mut desired = live.clone();
        desired.enums.insert(
            "public.mood".into(),
            serde_json::from_value::<EnumType>(
                serde_json::json!({"namespace": "public", "name": "mood", "values": ["ok"]}),
            )
            .expect("enum"),
        );
        desired.tables.get_mut("public.d").unwrap().comment = Some("changed".into());
        assert!(replay_subset(&live, &desired).is_none());
        // With a, c, d and e changed, b references a, v reads c, w reads e: all.
        let mut desired = live.clone();
        for changed in ["public.a", "public.c", "public.d", "public.e"] {
            desired.tables.get_mut(changed).unwrap().comment = Some("changed".into());
        }
        assert!(replay_subset(&live, &desired).is_none());
    }
}
