//! Triggers, in the order they fire. The triggers of one table, timing and
//! event fire in a declared order (ACTION_ORDER): one created plainly fires
//! last of its kind, one created `FOLLOWS x` right after `x`. A plan creates
//! triggers in firing order, each `FOLLOWS` the one before it. Nothing moves
//! an existing trigger, so when the triggers a group keeps are not already
//! the first of the desired order, in that order, they are dropped and
//! created again with the others.

use std::collections::BTreeSet;

use crate::engine::diff::Change;
use crate::engine::model::{Schema, Trigger};
use crate::engine::mysql::ident::quote;

/// What happens to triggers.
pub struct TriggerPlan<'a> {
    /// Dropped triggers, and whether each is created again.
    pub dropped: Vec<(&'a Trigger, bool)>,
    /// Created triggers, each after the one it follows.
    pub created: Vec<&'a Trigger>,
}

/// The table, timing and event a trigger is ordered among.
type Group = (String, String);

fn group(trigger: &Trigger) -> Option<Group> {
    let order = trigger.order.as_ref()?;
    Some((trigger.table.clone(), order.timing_event.clone()))
}

pub fn plan<'a>(changes: &'a [Change], live: &'a Schema, desired: &'a Schema) -> TriggerPlan<'a> {
    let mut dropped: Vec<&Trigger> = Vec::new();
    let mut created: Vec<&Trigger> = Vec::new();
    for change in changes {
        match change {
            Change::DropTrigger(t) => dropped.push(t),
            Change::CreateTrigger(t) => created.push(t),
            _ => {}
        }
    }
    let touched: BTreeSet<Group> = dropped.iter().chain(&created).filter_map(|t| group(t)).collect();
    for key in &touched {
        let wanted = firing_order(desired, key);
        let kept: Vec<&Trigger> = wanted
            .iter()
            .copied()
            .filter(|t| !created.iter().any(|c| c.name == t.name))
            .collect();
        let kept_live: Vec<&str> = firing_order(live, key)
            .into_iter()
            .map(|t| t.name.as_str())
            .filter(|name| kept.iter().any(|k| k.name == *name))
            .collect();
        let first_wanted: Vec<&str> = wanted.iter().take(kept.len()).map(|t| t.name.as_str()).collect();
        if kept_live == first_wanted {
            continue;
        }
        for trigger in kept {
            if let Some(old) = live.triggers.get(&trigger.name) {
                dropped.push(old);
            }
            created.push(trigger);
        }
    }
    let created_names: BTreeSet<&str> = created.iter().map(|t| t.name.as_str()).collect();
    let position = |trigger: &Trigger| {
        group(trigger).map(|key| {
            let at = firing_order(desired, &key).iter().position(|t| t.name == trigger.name);
            (key, at)
        })
    };
    created.sort_by_cached_key(|t| (position(t), t.name.clone()));
    TriggerPlan {
        dropped: dropped
            .into_iter()
            .map(|t| (t, created_names.contains(t.name.as_str())))
            .collect(),
        created,
    }
}

/// The triggers of `key` in `schema`, first to fire first; a broken chain
/// ends with the rest by name.
fn firing_order<'a>(schema: &'a Schema, key: &Group) -> Vec<&'a Trigger> {
    let mut pending: Vec<&Trigger> = schema
        .triggers
        .values()
        .filter(|t| group(t).as_ref() == Some(key))
        .collect();
    let mut order: Vec<&Trigger> = Vec::new();
    loop {
        let before = order.last().map(|t| t.name.as_str());
        let next = pending
            .iter()
            .position(|t| t.order.as_ref().and_then(|o| o.follows.as_deref()) == before);
        match next {
            Some(at) => order.push(pending.remove(at)),
            None => break,
        }
    }
    order.extend(pending);
    order
}

/// `CREATE TRIGGER`, with `FOLLOWS` the trigger before it.
pub fn create_sql(trigger: &Trigger) -> String {
    let Some(order) = &trigger.order else {
        return trigger.definition.clone();
    };
    let Some(follows) = &order.follows else {
        return trigger.definition.clone();
    };
    let head = format!(
        "CREATE TRIGGER {} {} ON {} FOR EACH ROW ",
        quote(&trigger.name),
        order.timing_event,
        quote(&trigger.table)
    );
    match trigger.definition.strip_prefix(&head) {
        Some(body) => format!("{head}FOLLOWS {} {body}", quote(follows)),
        None => trigger.definition.clone(),
    }
}
