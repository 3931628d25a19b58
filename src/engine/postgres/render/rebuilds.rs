//! What must be dropped and recreated around other changes, following real
//! dependencies (see [`order`]): views and routines using a table whose
//! columns change type, a type that is rebuilt, or a view or routine that
//! is dropped; the triggers on those views; and routines whose bodies read
//! tables or views this plan creates or changes, which wait for them.

use std::collections::BTreeSet;

use super::order::{routine_key, Graph};
use super::{table_key, trigger_key, view_key, views};
use crate::engine::diff::{Change, TableChange};
use crate::engine::model::{Routine, Schema};

pub struct Rebuilds {
    /// Live views and routines dropped before anything else changes, users
    /// before what they use.
    pub drops: Vec<String>,
    /// Desired views and routines created once every table is in place,
    /// what they use first.
    pub creates: Vec<String>,
    /// Desired routines created with the other schema-level objects, before
    /// the tables (their defaults, checks and triggers may call them).
    pub early_routines: Vec<String>,
    /// Views among `creates` changed with `CREATE OR REPLACE`.
    pub replaced: BTreeSet<String>,
    /// Views whose options alone change (`ALTER VIEW … SET`).
    pub options_changed: BTreeSet<String>,
    pub trigger_drops: BTreeSet<String>,
    pub trigger_creates: BTreeSet<String>,
}

/// Keys of live tables whose column types change in place (or lose a
/// column), which the views reading them cannot survive.
pub fn retyped_tables(changes: &[Change]) -> BTreeSet<String> {
    let mut retyped = BTreeSet::new();
    for change in changes {
        if let Change::AlterTable(d) = change {
            let retypes = d.changes.iter().any(|c| match c {
                TableChange::AlterColumn { from, to } => {
                    from.data_type != to.data_type || from.collation != to.collation
                }
                TableChange::SetColumnAttributes { from, to, .. } => from.generated != to.generated,
                TableChange::DropColumn(_) => true,
                _ => false,
            });
            if retypes {
                retyped.insert(table_key(&d.from));
            }
        }
    }
    retyped
}

/// A `CREATE OR REPLACE` cannot change a routine's kind, result or
/// arguments' names and defaults: those changes drop it first.
pub fn signature_changes(from: &Routine, to: &Routine) -> bool {
    from.result != to.result || from.procedure != to.procedure || from.arguments != to.arguments
}

impl Rebuilds {
    /// `retyped`: keys of tables and types whose users must be rebuilt (see
    /// [`retyped_tables`]); `retype_dropped`: live routines a type rebuild
    /// drops and recreates itself.
    pub fn plan(
        changes: &[Change],
        live: &Schema,
        desired: &Schema,
        retyped: &BTreeSet<String>,
        retype_dropped: &[Routine],
    ) -> Rebuilds {
        let (live_graph, desired_graph) = (Graph::of(live), Graph::of(desired));
        // A changed view whose columns only grow at the end is replaced in
        // place, which leaves its users alone; so does an option change.
        let mut replaced: BTreeSet<String> = BTreeSet::new();
        let mut options_changed: BTreeSet<String> = BTreeSet::new();
        let mut dropped: BTreeSet<String> = BTreeSet::new();
        let mut dropped_routines: BTreeSet<String> = BTreeSet::new();
        let mut routine_creates: BTreeSet<String> = BTreeSet::new();
        let mut roots = retyped.clone();
        for change in changes {
            match change {
                Change::DropView(v) => {
                    let key = view_key(v);
                    match desired.views.get(&key) {
                        Some(new) if views::only_options_differ(v, new) => options_changed.insert(key),
                        Some(new) if views::replaceable(v, new) => replaced.insert(key),
                        _ => dropped.insert(key),
                    };
                }
                Change::DropTable(t) => {
                    roots.insert(table_key(t));
                }
                Change::DropRoutine(r) => dropped_routines.extend(routine_key(live, r).cloned()),
                Change::ReplaceRoutine { from, to } => {
                    if signature_changes(from, to) {
                        dropped_routines.extend(routine_key(live, from).cloned());
                    }
                    routine_creates.extend(routine_key(desired, to).cloned());
                }
                Change::CreateRoutine(r) => routine_creates.extend(routine_key(desired, r).cloned()),
                _ => {}
            }
        }
        let retype_dropped: BTreeSet<String> = retype_dropped
            .iter()
            .filter_map(|r| routine_key(live, r).cloned())
            .collect();
        roots.extend(dropped.iter().cloned());
        roots.extend(dropped_routines.iter().cloned());
        roots.extend(retype_dropped.iter().cloned());
        let affected = live_graph.dependents(&roots);

        dropped.extend(affected.iter().filter(|k| live.views.contains_key(*k)).cloned());
        replaced.retain(|key| !dropped.contains(key));
        options_changed.retain(|key| !dropped.contains(key));
        // Routines go before what they read is dropped: those using a
        // dropped or changed object, and dropped ones reading relations.
        let live_relations: BTreeSet<String> = live.tables.keys().chain(live.views.keys()).cloned().collect();
        let mut routine_drops: BTreeSet<String> = affected
            .iter()
            .filter(|k| live.routines.contains_key(*k))
            .cloned()
            .collect();
        routine_drops.extend(
            dropped_routines
                .iter()
                .filter(|k| live_graph.uses(k).iter().any(|used| live_relations.contains(used)))
                .cloned(),
        );
        routine_drops.retain(|key| !retype_dropped.contains(key));

        let mut created_views: BTreeSet<String> = changes
            .iter()
            .filter_map(|c| match c {
                Change::CreateView(v) => Some(view_key(v)),
                _ => None,
            })
            .filter(|key| !options_changed.contains(key))
            .collect();
        created_views.extend(dropped.iter().filter(|k| desired.views.contains_key(*k)).cloned());

        // Routines whose bodies read a table or view created or changed by
        // this plan are created after it; so are those dropped above.
        let mut changed: BTreeSet<String> = created_views.clone();
        for change in changes {
            match change {
                Change::CreateTable(t) => {
                    changed.insert(table_key(t));
                }
                Change::AlterTable(d) => {
                    changed.insert(table_key(&d.to));
                }
                _ => {}
            }
        }
        let mut late: BTreeSet<String> = routine_drops
            .iter()
            .filter(|k| desired.routines.contains_key(*k))
            .cloned()
            .collect();
        routine_creates.extend(late.iter().cloned());
        loop {
            let waiting: BTreeSet<String> = changed.union(&late).cloned().collect();
            let before = late.len();
            late.extend(
                routine_creates
                    .iter()
                    .filter(|k| desired_graph.reaches(k, &waiting))
                    .cloned(),
            );
            if late.len() == before {
                break;
            }
        }
        let early: BTreeSet<String> = routine_creates.difference(&late).cloned().collect();

        let mut trigger_drops: BTreeSet<String> = BTreeSet::new();
        let mut trigger_creates: BTreeSet<String> = BTreeSet::new();
        for change in changes {
            match change {
                Change::DropTrigger(t) => {
                    trigger_drops.insert(trigger_key(t));
                }
                Change::CreateTrigger(t) => {
                    trigger_creates.insert(trigger_key(t));
                }
                _ => {}
            }
        }
        for (key, trigger) in &live.triggers {
            if dropped.contains(&trigger.table) {
                // Dropping the view drops its triggers.
                trigger_drops.remove(key);
                if desired.triggers.get(key) == Some(trigger) {
                    trigger_creates.insert(key.clone());
                }
            }
        }

        let drops: BTreeSet<String> = dropped.union(&routine_drops).cloned().collect();
        let creates: BTreeSet<String> = created_views.union(&late).cloned().collect();
        Rebuilds {
            drops: live_graph.drop_order(&drops),
            creates: desired_graph.creation_order(&creates),
            early_routines: desired_graph.creation_order(&early),
            replaced,
            options_changed,
            trigger_drops,
            trigger_creates,
        }
    }

    /// True when the plan drops the live routine `key` before anything else
    /// changes (its own change must not drop it again).
    pub fn drops_first(&self, key: &str) -> bool {
        self.drops.iter().any(|k| k == key)
    }
}
