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
//! A table that is only needed (referenced or read, not changed, using and
//! used by nothing that changed) is copied as a stub: its columns, keys,
//! unique indexes and checks, without its foreign keys and other indexes. A
//! foreign key to it or a view reading it needs no more, and its own foreign
//! keys would pull in what it references, and so on: schemas whose tables
//! reference one another in long chains would otherwise be copied whole.
//!
//! The desired schema is cut the same way (its stubs are the same tables,
//! unchanged by definition), so "the replay converged" still means: every
//! object the copy holds is as desired, stubs included, so a plan that
//! changes a stub is refused. A plan that changes an object outside the copy
//! fails there (it does not exist), so a wrong plan is still refused. When anything else differs (a type, a routine, a
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
    let mut whole = touched.clone();
    for model in [live, desired] {
        whole.extend(referencing(model, &touched));
        whole.extend(dependency_graph(model).dependents(&touched));
    }
    let stubs = close_over_uses(&mut whole, live, desired);
    let everything = live.tables.len() + live.views.len();
    let kept_of_live = live
        .tables
        .keys()
        .chain(live.views.keys())
        .filter(|k| whole.contains(*k) || stubs.contains(*k))
        .count();
    if kept_of_live == everything {
        return None;
    }
    Some(Subset {
        live: cut(live, &whole, &stubs),
        desired: cut(desired, &whole, &stubs),
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

/// Adds to `whole` what its tables reference and its views read, and what
/// every routine reads (routines are copied whole), until nothing is added;
/// returns the tables that are only needed and can be stubs.
fn close_over_uses(whole: &mut BTreeSet<String>, live: &Schema, desired: &Schema) -> BTreeSet<String> {
    for model in [live, desired] {
        for routine in model.routines.values() {
            whole.extend(routine.depends_on.iter().cloned());
        }
    }
    let mut stubs = BTreeSet::new();
    let mut unvisited: Vec<String> = whole.iter().cloned().collect();
    while let Some(key) = unvisited.pop() {
        // (needed, whether a stub of it would do)
        let mut needs: Vec<(&String, bool)> = Vec::new();
        for model in [live, desired] {
            if let Some(table) = model.tables.get(&key) {
                needs.extend(table.foreign_keys.iter().map(|fk| (&fk.ref_table, true)));
                // A child takes its parent's columns and checks as they are.
                needs.extend(table.inherits.iter().map(|parent| (parent, false)));
            }
            if let Some(view) = model.views.get(&key) {
                needs.extend(view.depends_on.iter().map(|used| (used, true)));
            }
        }
        for (needed, stub_will_do) in needs {
            if whole.contains(needed) {
                continue;
            }
            if stub_will_do && can_be_a_stub(needed, live, desired) {
                stubs.insert(needed.clone());
            } else {
                whole.insert(needed.clone());
                unvisited.push(needed.clone());
            }
        }
    }
    stubs.retain(|key| !whole.contains(key));
    stubs
}

/// A plain table (no parent, not partitioned, not a partition): its stub
/// stands alone.
fn can_be_a_stub(key: &str, live: &Schema, desired: &Schema) -> bool {
    [live, desired].iter().all(|model| {
        model.tables.get(key).is_some_and(|table| {
            table.inherits.is_empty() && table.partition_of.is_none() && table.partition_key.is_none()
        })
    })
}

/// What a foreign key to `table` or a view reading it needs of it.
fn stub(table: &mut super::model::Table) {
    table.foreign_keys.clear();
    table.indexes.retain(|_, index| index.unique);
}

/// `schema` with only the tables and views in `whole` and the tables in
/// `stubs` (as stubs), and what belongs to them.
fn cut(schema: &Schema, whole: &BTreeSet<String>, stubs: &BTreeSet<String>) -> Schema {
    let mut cut = schema.clone();
    cut.tables.retain(|k, _| whole.contains(k) || stubs.contains(k));
    for key in stubs {
        if let Some(table) = cut.tables.get_mut(key) {
            stub(table);
        }
    }
    let keep = |k: &String| whole.contains(k) || stubs.contains(k);
    cut.views.retain(|k, _| whole.contains(k));
    cut.triggers.retain(|_, trigger| keep(&trigger.table));
    cut.statistics.retain(|_, statistics| keep(&statistics.table));
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
        // a and d are only referenced: stubs, without their foreign keys.
        assert!(subset.live.tables["public.a"].foreign_keys.is_empty());
        assert_eq!(subset.live.tables["public.c"].foreign_keys.len(), 1);
        // c changed: v reads it, c references b, a stub: what b references is
        // not needed.
        let mut desired = live.clone();
        desired.tables.get_mut("public.c").unwrap().comment = Some("changed".into());
        let subset = replay_subset(&live, &desired).expect("a subset");
        assert_eq!(keys(&subset.live), ["public.b", "public.c", "public.v"]);
        assert!(subset.live.tables["public.b"].foreign_keys.is_empty());
        assert_eq!(subset.desired.tables["public.b"], subset.live.tables["public.b"]);
    }

    #[test]
    fn a_long_chain_of_references_is_cut_after_one_stub() {
        // t1 ← t2 ← … ← t40, each referencing the one before; t30 changes.
        let mut live = Schema::default();
        live.tables.insert("public.t1".into(), table("t1", &[]));
        for i in 2..=40 {
            let before = format!("public.t{}", i - 1);
            live.tables
                .insert(format!("public.t{i}"), table(&format!("t{i}"), &[before.as_str()]));
        }
        let mut desired = live.clone();
        desired.tables.get_mut("public.t30").unwrap().columns[0].nullable = true;
        let subset = replay_subset(&live, &desired).expect("a subset");
        // t31 references t30 (its foreign key may have to be rebuilt); t29 is
        // what t30 references, as a stub.
        assert_eq!(keys(&subset.live), ["public.t29", "public.t30", "public.t31"]);
        assert!(subset.live.tables["public.t29"].foreign_keys.is_empty());
        assert_eq!(subset.live.tables["public.t31"], live.tables["public.t31"]);
    }

    #[test]
    fn a_parent_or_a_view_is_never_a_stub() {
        let mut live = live();
        let mut child = table("child", &[]);
        child.inherits = vec!["public.a".into()];
        live.tables.insert("public.child".into(), child);
        live.views.insert("public.vv".into(), view("vv", &["public.v"]));
        live.tables.insert("public.reader".into(), table("reader", &[]));
        let mut desired = live.clone();
        desired.tables.get_mut("public.child").unwrap().comment = Some("changed".into());
        let subset = replay_subset(&live, &desired).expect("a subset");
        // The child's parent a comes whole (it has no foreign keys of its own).
        assert_eq!(keys(&subset.live), ["public.a", "public.child"]);
        // A view reading a view: the view it reads comes whole, and what that
        // reads (c) as a stub.
        let mut desired = live.clone();
        desired.views.get_mut("public.vv").unwrap().definition = "SELECT 2".into();
        let subset = replay_subset(&live, &desired).expect("a subset");
        assert_eq!(keys(&subset.live), ["public.c", "public.v", "public.vv"]);
        assert!(subset.live.tables["public.c"].foreign_keys.is_empty());
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
