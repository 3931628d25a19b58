//! What must be dropped and recreated around other changes: views reading a
//! table whose columns change type (or a view that is dropped), and the
//! triggers on those views.

use std::collections::BTreeSet;

use super::{table_key, trigger_key, view_key, views};
use crate::engine::diff::{Change, TableChange};
use crate::engine::model::Schema;

pub struct Rebuilds {
    /// Live views to drop, readers before what they read.
    pub view_drops: Vec<String>,
    /// Desired views to create, what they read first.
    pub view_creates: Vec<String>,
    /// Views among `view_creates` changed with `CREATE OR REPLACE`.
    pub replaced: BTreeSet<String>,
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

impl Rebuilds {
    /// `retyped`: tables whose readers must be rebuilt (see [`retyped_tables`]).
    pub fn plan(changes: &[Change], live: &Schema, desired: &Schema, retyped: &BTreeSet<String>) -> Rebuilds {
        // A changed view whose columns only grow at the end is replaced in
        // place, which leaves the views reading it alone.
        let mut replaced: BTreeSet<String> = BTreeSet::new();
        let mut dropped: BTreeSet<String> = BTreeSet::new();
        for change in changes {
            if let Change::DropView(v) = change {
                let key = view_key(v);
                match desired.views.get(&key) {
                    Some(new) if views::replaceable(v, new) => replaced.insert(key),
                    _ => dropped.insert(key),
                };
            }
        }
        let mut roots = retyped.clone();
        roots.extend(dropped.iter().cloned());
        dropped.extend(views::dependents(&roots, &live.views));
        replaced.retain(|key| !dropped.contains(key));
        let mut created: BTreeSet<String> = changes
            .iter()
            .filter_map(|c| match c {
                Change::CreateView(v) => Some(view_key(v)),
                _ => None,
            })
            .collect();
        created.extend(dropped.iter().filter(|k| desired.views.contains_key(*k)).cloned());

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

        let drop_names: BTreeSet<&str> = dropped.iter().map(String::as_str).collect();
        let mut view_drops: Vec<String> = views::creation_order(&drop_names, &live.views)
            .into_iter()
            .map(str::to_string)
            .collect();
        view_drops.reverse();
        let create_names: BTreeSet<&str> = created.iter().map(String::as_str).collect();
        let view_creates = views::creation_order(&create_names, &desired.views)
            .into_iter()
            .map(str::to_string)
            .collect();
        Rebuilds {
            view_drops,
            view_creates,
            replaced,
            trigger_drops,
            trigger_creates,
        }
    }
}
