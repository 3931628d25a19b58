//! `skip`: kinds of drop a resource never plans, and the list of what a plan
//! drops (which a first apply must not do unasked).
//!
//! Skipping is a transformation of the desired model against the live one:
//! each live object the desired schema lacks, of a skipped kind, is put into
//! the desired model as it is live. Diff, hash, the convergence proof after an
//! apply and the no-op fast path all see that one model, so they agree; a kept
//! column keeps its live position.
//!
//! A kept object keeps what it needs to stay valid: its schema, the types its
//! columns use, the tables its foreign keys and views read, its triggers and
//! their functions, the sequences its columns own. An index or sequence that
//! belongs to a column being dropped goes with the column.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::model::{Index, IndexKey, ObjectPrivileges, Schema, Table};
use super::plan::HazardKind;

/// The drop hazards `skip` can name, one per kind of object a plan drops.
pub const SKIPPABLE: [HazardKind; 4] = [
    HazardKind::DropsTable,
    HazardKind::DropsColumn,
    HazardKind::DropsSchema,
    HazardKind::DropsObject,
];

/// A `skip` entry that names no skippable kind of drop.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{name}` is not a kind of drop that can be skipped; use {}", skippable_codes())]
pub struct SkipError {
    pub name: String,
}

/// The codes `skip` accepts, for messages.
pub fn skippable_codes() -> String {
    SKIPPABLE.map(HazardKind::code).join(", ")
}

/// Kinds of drop never planned. The default skips nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Skip {
    kinds: BTreeSet<HazardKind>,
}

/// The desired model with the kept objects put back, and what they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kept {
    pub desired: Schema,
    /// One description per kept object (`table public.legacy`), sorted.
    pub objects: Vec<String>,
}

impl Skip {
    pub fn new<S: AsRef<str>>(names: &[S]) -> Result<Skip, SkipError> {
        let kinds = names
            .iter()
            .map(|name| {
                let name = name.as_ref();
                SKIPPABLE
                    .into_iter()
                    .find(|kind| kind.code() == name)
                    .ok_or_else(|| SkipError { name: name.to_string() })
            })
            .collect::<Result<_, _>>()?;
        Ok(Skip { kinds })
    }

    pub fn is_empty(&self) -> bool {
        self.kinds.is_empty()
    }

    pub fn skips(&self, kind: HazardKind) -> bool {
        self.kinds.contains(&kind)
    }

    /// The skipped codes, sorted.
    pub fn codes(&self) -> Vec<&'static str> {
        let mut codes: Vec<&'static str> = self.kinds.iter().map(|kind| kind.code()).collect();
        codes.sort_unstable();
        codes
    }

    /// `desired` with every live object of a skipped kind it lacks put back.
    pub fn keep(&self, live: &Schema, desired: Schema) -> Kept {
        // Grants on live objects the desired schema lacks: those kept come
        // back with them (managed privileges would revoke them otherwise).
        let missing_grants: Vec<&ObjectPrivileges> =
            live.privileges.values().filter(|p| !p.on.exists_in(&desired)).collect();
        let mut keeper = Keeper {
            live,
            desired,
            kept: Vec::new(),
        };
        if self.skips(HazardKind::DropsSchema) {
            for name in live.namespaces.keys() {
                keeper.namespace(name);
            }
        }
        if self.skips(HazardKind::DropsTable) {
            for key in live.tables.keys() {
                keeper.table(key);
            }
        }
        if self.skips(HazardKind::DropsColumn) {
            let shared: Vec<String> = keeper
                .desired
                .tables
                .keys()
                .filter(|key| live.tables.contains_key(*key))
                .cloned()
                .collect();
            for key in shared {
                keeper.columns_of(&key);
            }
        }
        if self.skips(HazardKind::DropsObject) {
            keeper.objects();
        }
        let mut desired = keeper.desired;
        for grants in missing_grants {
            if grants.on.exists_in(&desired) {
                desired
                    .privileges
                    .entry(grants.on.key())
                    .or_insert_with(|| grants.clone());
            }
        }
        let mut objects = keeper.kept;
        objects.sort();
        objects.dedup();
        Kept { desired, objects }
    }
}

/// Something live that the desired schema lacks, so a plan drops it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DroppedObject {
    /// The drop hazard it carries (one of [`SKIPPABLE`]).
    pub kind: HazardKind,
    /// Kind and name, such as `table public.legacy` or `column users.nickname`.
    pub object: String,
    /// The `exclude` pattern that leaves it alone, for dialects with
    /// namespaces: the object's `schema.name`, a schema's name, and for
    /// columns, indexes, triggers and policies their table's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclude: Option<String>,
}

/// What a plan from `live` to `desired` drops, whole objects only (the
/// indexes, triggers and columns of a dropped table go with it).
pub fn dropped_objects(live: &Schema, desired: &Schema) -> Vec<DroppedObject> {
    let mut dropped = Vec::new();
    let mut push =
        |kind, object: String, exclude: Option<String>| dropped.push(DroppedObject { kind, object, exclude });
    for name in live.namespaces.keys().filter(|n| !desired.namespaces.contains_key(*n)) {
        push(HazardKind::DropsSchema, format!("schema {name}"), Some(name.clone()));
    }
    for (key, table) in &live.tables {
        let pattern = pattern(table.namespace.as_deref(), &table.name);
        let Some(to) = desired.tables.get(key) else {
            push(HazardKind::DropsTable, format!("table {}", shown(table)), pattern);
            continue;
        };
        for column in table.columns.iter().filter(|c| to.column(&c.name).is_none()) {
            push(
                HazardKind::DropsColumn,
                format!("column {}.{}", shown(table), column.name),
                pattern.clone(),
            );
        }
        for name in table.indexes.keys().filter(|name| !to.indexes.contains_key(*name)) {
            push(
                HazardKind::DropsObject,
                format!("index {name} on {}", shown(table)),
                pattern.clone(),
            );
        }
        let desired_policies: BTreeSet<&str> = to.policies.iter().map(|p| p.name.as_str()).collect();
        for policy in table
            .policies
            .iter()
            .filter(|p| !desired_policies.contains(p.name.as_str()))
        {
            push(
                HazardKind::DropsObject,
                format!("policy {} on {}", policy.name, shown(table)),
                pattern.clone(),
            );
        }
    }
    for (key, view) in &live.views {
        let pattern = pattern(view.namespace.as_deref(), &view.name);
        let shown = qualified(view.namespace.as_deref(), &view.name);
        let Some(to) = desired.views.get(key) else {
            let kind = if view.materialized { "materialized view" } else { "view" };
            push(HazardKind::DropsObject, format!("{kind} {shown}"), pattern);
            continue;
        };
        for name in view.indexes.keys().filter(|name| !to.indexes.contains_key(*name)) {
            push(
                HazardKind::DropsObject,
                format!("index {name} on {shown}"),
                pattern.clone(),
            );
        }
    }
    for (key, trigger) in &live.triggers {
        if desired.triggers.contains_key(key) || !has_relation(desired, &trigger.table) {
            continue;
        }
        let exclude = relation_pattern(live, &trigger.table);
        push(
            HazardKind::DropsObject,
            format!("trigger {} on {}", trigger.name, trigger.table),
            exclude,
        );
    }
    for (key, rule) in &live.rules {
        if desired.rules.contains_key(key) || !has_relation(desired, &rule.table) {
            continue;
        }
        let exclude = relation_pattern(live, &rule.table);
        push(
            HazardKind::DropsObject,
            format!("rule {} on {}", rule.name, rule.table),
            exclude,
        );
    }
    for (key, routine) in &live.routines {
        if !desired.routines.contains_key(key) {
            push(
                HazardKind::DropsObject,
                format!(
                    "function {}({})",
                    qualified(Some(&routine.namespace), &routine.name),
                    routine.identity_arguments
                ),
                pattern(Some(&routine.namespace), &routine.name),
            );
        }
    }
    let mut objects = |kind: &str, namespace: &str, name: &str| {
        push(
            HazardKind::DropsObject,
            format!("{kind} {}", qualified(Some(namespace), name)),
            pattern(Some(namespace), name),
        )
    };
    for (key, found) in &live.collations {
        if !desired.collations.contains_key(key) {
            objects("collation", &found.namespace, &found.name);
        }
    }
    for (key, found) in &live.enums {
        if !desired.enums.contains_key(key) {
            objects("type", &found.namespace, &found.name);
        }
    }
    for (key, found) in &live.domains {
        if !desired.domains.contains_key(key) {
            objects("domain", &found.namespace, &found.name);
        }
    }
    for (key, found) in &live.composites {
        if !desired.composites.contains_key(key) {
            objects("type", &found.namespace, &found.name);
        }
    }
    for (key, found) in &live.ranges {
        if !desired.ranges.contains_key(key) {
            objects("type", &found.namespace, &found.name);
        }
    }
    for (key, sequence) in &live.sequences {
        let owner_dropped = sequence
            .owned_by
            .as_deref()
            .is_some_and(|owner| !owner_in(desired, owner));
        if !desired.sequences.contains_key(key) && !owner_dropped {
            objects("sequence", &sequence.namespace, &sequence.name);
        }
    }
    for (key, extension) in &live.extensions {
        if !desired.extensions.contains_key(key) {
            objects("extension", &extension.namespace, &extension.name);
        }
    }
    dropped
}

/// Builds the desired model with kept objects, remembering each one.
struct Keeper<'a> {
    live: &'a Schema,
    desired: Schema,
    kept: Vec<String>,
}

impl Keeper<'_> {
    fn namespace(&mut self, name: &str) {
        let Some(namespace) = self.live.namespaces.get(name) else {
            return;
        };
        if self.desired.namespaces.contains_key(name) {
            return;
        }
        self.desired.namespaces.insert(name.to_string(), namespace.clone());
        self.kept.push(format!("schema {name}"));
    }

    fn relation(&mut self, key: &str) {
        if self.live.tables.contains_key(key) {
            self.table(key);
        } else if self.live.views.contains_key(key) {
            self.view(key);
        }
    }

    fn table(&mut self, key: &str) {
        let Some(table) = self.live.tables.get(key) else {
            return;
        };
        if self.desired.tables.contains_key(key) {
            return;
        }
        self.desired.tables.insert(key.to_string(), table.clone());
        self.kept.push(format!("table {}", shown(table)));
        if let Some(namespace) = &table.namespace {
            self.namespace(namespace);
        }
        for column in &table.columns {
            self.types_used_by(&column.data_type);
        }
        for foreign_key in &table.foreign_keys {
            self.relation(&foreign_key.ref_table);
        }
        if let Some(partition) = &table.partition_of {
            self.table(&partition.parent);
        }
        for parent in &table.inherits {
            self.table(parent);
        }
        self.triggers_on(key);
        self.rules_and_statistics_on(key);
        for (sequence_key, sequence) in &self.live.sequences {
            if sequence
                .owned_by
                .as_deref()
                .is_some_and(|owner| owned_by_table(owner, key))
            {
                self.sequence(sequence_key);
            }
        }
    }

    fn view(&mut self, key: &str) {
        let Some(view) = self.live.views.get(key) else {
            return;
        };
        if self.desired.views.contains_key(key) {
            return;
        }
        self.desired.views.insert(key.to_string(), view.clone());
        let kind = if view.materialized { "materialized view" } else { "view" };
        self.kept
            .push(format!("{kind} {}", qualified(view.namespace.as_deref(), &view.name)));
        if let Some(namespace) = &view.namespace {
            self.namespace(namespace);
        }
        for read in &view.depends_on {
            self.relation(read);
        }
        self.triggers_on(key);
        self.rules_and_statistics_on(key);
    }

    /// Rules and statistics objects on a kept relation stay with it.
    fn rules_and_statistics_on(&mut self, relation: &str) {
        let live = self.live;
        for (key, rule) in &live.rules {
            if rule.table == relation && !self.desired.rules.contains_key(key) {
                self.desired.rules.insert(key.clone(), rule.clone());
                self.kept.push(format!("rule {} on {}", rule.name, rule.table));
            }
        }
        for (key, statistics) in &live.statistics {
            if statistics.table == relation && !self.desired.statistics.contains_key(key) {
                self.desired.statistics.insert(key.clone(), statistics.clone());
                self.kept.push(format!(
                    "statistics object {}",
                    qualified(Some(&statistics.namespace), &statistics.name)
                ));
            }
        }
    }

    fn triggers_on(&mut self, relation: &str) {
        let keys: Vec<&String> = self
            .live
            .triggers
            .iter()
            .filter(|(_, trigger)| trigger.table == relation)
            .map(|(key, _)| key)
            .collect();
        for key in keys {
            self.trigger(key);
        }
    }

    fn trigger(&mut self, key: &str) {
        let Some(trigger) = self.live.triggers.get(key) else {
            return;
        };
        if self.desired.triggers.contains_key(key) {
            return;
        }
        self.desired.triggers.insert(key.to_string(), trigger.clone());
        self.kept.push(format!("trigger {} on {}", trigger.name, trigger.table));
        self.relation(&trigger.table);
        if let Some(function) = called_function(&trigger.definition) {
            let keys: Vec<&String> = self
                .live
                .routines
                .iter()
                .filter(|(_, r)| r.name == function || format!("{}.{}", r.namespace, r.name) == function)
                .map(|(key, _)| key)
                .collect();
            for key in keys {
                self.routine(key);
            }
        }
    }

    fn routine(&mut self, key: &str) {
        let Some(routine) = self.live.routines.get(key) else {
            return;
        };
        if self.desired.routines.contains_key(key) {
            return;
        }
        self.desired.routines.insert(key.to_string(), routine.clone());
        self.kept.push(format!(
            "function {}({})",
            qualified(Some(&routine.namespace), &routine.name),
            routine.identity_arguments
        ));
        self.namespace(&routine.namespace);
    }

    fn sequence(&mut self, key: &str) {
        let Some(sequence) = self.live.sequences.get(key) else {
            return;
        };
        if self.desired.sequences.contains_key(key) {
            return;
        }
        self.desired.sequences.insert(key.to_string(), sequence.clone());
        self.kept.push(format!(
            "sequence {}",
            qualified(Some(&sequence.namespace), &sequence.name)
        ));
        self.namespace(&sequence.namespace);
    }

    fn extension(&mut self, key: &str) {
        let Some(extension) = self.live.extensions.get(key) else {
            return;
        };
        if self.desired.extensions.contains_key(key) {
            return;
        }
        self.desired.extensions.insert(key.to_string(), extension.clone());
        self.kept.push(format!("extension {}", extension.name));
        self.namespace(&extension.namespace);
    }

    /// Enum, domain and composite types a column type names (`mood`,
    /// `app."Mood"[]`), spelled as the database spells them.
    fn types_used_by(&mut self, data_type: &str) {
        let spelled = data_type.trim_end_matches("[]");
        let named = |spelling: &str, namespace: &str, name: &str| {
            spelled == spelling || spelled == name || spelled == format!("{namespace}.{name}")
        };
        let live = self.live;
        for (key, found) in &live.enums {
            if named(&found.spelling, &found.namespace, &found.name) {
                self.enum_type(key);
            }
        }
        for (key, found) in &live.domains {
            if named(&found.spelling, &found.namespace, &found.name) {
                self.domain(key);
            }
        }
        for (key, found) in &live.composites {
            if named(&found.spelling, &found.namespace, &found.name) {
                self.composite(key);
            }
        }
        for (key, found) in &live.ranges {
            let multirange = named(&found.multirange_spelling, &found.namespace, &found.multirange);
            if named(&found.spelling, &found.namespace, &found.name) || multirange {
                self.range(key);
            }
        }
    }

    fn range(&mut self, key: &str) {
        let Some(found) = self.live.ranges.get(key) else {
            return;
        };
        if self.desired.ranges.contains_key(key) {
            return;
        }
        self.desired.ranges.insert(key.to_string(), found.clone());
        self.kept
            .push(format!("type {}", qualified(Some(&found.namespace), &found.name)));
        self.namespace(&found.namespace);
        self.types_used_by(&found.subtype);
    }

    fn collation(&mut self, key: &str) {
        let Some(found) = self.live.collations.get(key) else {
            return;
        };
        if self.desired.collations.contains_key(key) {
            return;
        }
        self.desired.collations.insert(key.to_string(), found.clone());
        self.kept
            .push(format!("collation {}", qualified(Some(&found.namespace), &found.name)));
        self.namespace(&found.namespace);
    }

    fn enum_type(&mut self, key: &str) {
        let Some(found) = self.live.enums.get(key) else {
            return;
        };
        if self.desired.enums.contains_key(key) {
            return;
        }
        self.desired.enums.insert(key.to_string(), found.clone());
        self.kept
            .push(format!("type {}", qualified(Some(&found.namespace), &found.name)));
        self.namespace(&found.namespace);
    }

    fn domain(&mut self, key: &str) {
        let Some(found) = self.live.domains.get(key) else {
            return;
        };
        if self.desired.domains.contains_key(key) {
            return;
        }
        self.desired.domains.insert(key.to_string(), found.clone());
        self.kept
            .push(format!("domain {}", qualified(Some(&found.namespace), &found.name)));
        self.namespace(&found.namespace);
        self.types_used_by(&found.data_type);
    }

    fn composite(&mut self, key: &str) {
        let Some(found) = self.live.composites.get(key) else {
            return;
        };
        if self.desired.composites.contains_key(key) {
            return;
        }
        self.desired.composites.insert(key.to_string(), found.clone());
        self.kept
            .push(format!("type {}", qualified(Some(&found.namespace), &found.name)));
        self.namespace(&found.namespace);
        for attribute in &found.attributes {
            self.types_used_by(&attribute.data_type);
        }
    }

    /// Live columns of the table at `key` the desired one lacks, each after
    /// the live column before it.
    fn columns_of(&mut self, key: &str) {
        let (Some(from), Some(to)) = (self.live.tables.get(key), self.desired.tables.get_mut(key)) else {
            return;
        };
        let mut types = Vec::new();
        for (position, column) in from.columns.iter().enumerate() {
            if to.column(&column.name).is_some() {
                continue;
            }
            let after = from.columns[..position]
                .iter()
                .rev()
                .find_map(|before| to.columns.iter().position(|c| c.name == before.name));
            to.columns.insert(after.map_or(0, |i| i + 1), column.clone());
            if let Some(attributes) = from.column_attributes.get(&column.name) {
                to.column_attributes.insert(column.name.clone(), attributes.clone());
            }
            self.kept.push(format!("column {}.{}", shown(from), column.name));
            types.push(column.data_type.clone());
        }
        for data_type in types {
            self.types_used_by(&data_type);
        }
    }

    /// Every kept object of the `drops_object` kind: views, triggers,
    /// functions, types, sequences, extensions, and the indexes and policies
    /// of tables that stay.
    fn objects(&mut self) {
        let live = self.live;
        for key in live.views.keys() {
            self.view(key);
        }
        for (key, trigger) in &live.triggers {
            if has_relation(&self.desired, &trigger.table) {
                self.trigger(key);
            }
        }
        for (key, rule) in &live.rules {
            if has_relation(&self.desired, &rule.table) && !self.desired.rules.contains_key(key) {
                self.desired.rules.insert(key.clone(), rule.clone());
                self.kept.push(format!("rule {} on {}", rule.name, rule.table));
            }
        }
        for key in live.routines.keys() {
            self.routine(key);
        }
        for (key, sequence) in &live.sequences {
            let owner_dropped = sequence
                .owned_by
                .as_deref()
                .is_some_and(|owner| !owner_in(&self.desired, owner));
            if !owner_dropped {
                self.sequence(key);
            }
        }
        for key in live.extensions.keys() {
            self.extension(key);
        }
        for key in live.enums.keys() {
            self.enum_type(key);
        }
        for key in live.domains.keys() {
            self.domain(key);
        }
        for key in live.composites.keys() {
            self.composite(key);
        }
        for key in live.collations.keys() {
            self.collation(key);
        }
        for key in live.ranges.keys() {
            self.range(key);
        }
        for (key, from) in &live.tables {
            let Some(to) = self.desired.tables.get_mut(key) else {
                continue;
            };
            for (name, index) in &from.indexes {
                if !to.indexes.contains_key(name) && index_columns_stay(index, from, to) {
                    to.indexes.insert(name.clone(), index.clone());
                    self.kept.push(format!("index {name} on {}", shown(from)));
                }
            }
            for policy in &from.policies {
                if !to.policies.iter().any(|p| p.name == policy.name) {
                    to.policies.push(policy.clone());
                    self.kept.push(format!("policy {} on {}", policy.name, shown(from)));
                }
            }
            to.sort();
        }
        for (key, from) in &live.views {
            let Some(to) = self.desired.views.get_mut(key) else {
                continue;
            };
            for (name, index) in &from.indexes {
                if !to.indexes.contains_key(name) {
                    to.indexes.insert(name.clone(), index.clone());
                    self.kept.push(format!(
                        "index {name} on {}",
                        qualified(from.namespace.as_deref(), &from.name)
                    ));
                }
            }
        }
    }
}

/// Whether no column the index names is dropped from `from` to `to`
/// (dropping a column drops the indexes on it).
fn index_columns_stay(index: &Index, from: &Table, to: &Table) -> bool {
    from.columns
        .iter()
        .filter(|column| to.column(&column.name).is_none())
        .all(|dropped| {
            let mentions = |text: &str| mentions_identifier(text, &dropped.name);
            let in_parts = index.parts.iter().any(|part| match &part.key {
                IndexKey::Column(column) => *column == dropped.name,
                IndexKey::Expression(expression) => mentions(expression),
            });
            let elsewhere =
                index.definition.as_deref().is_some_and(mentions) || index.predicate.as_deref().is_some_and(mentions);
            !in_parts && !elsewhere
        })
}

/// Whether `text` holds `identifier` as a whole word (plain or quoted).
fn mentions_identifier(text: &str, identifier: &str) -> bool {
    let is_word = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    text.match_indices(identifier).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + identifier.len()..].chars().next();
        !before.is_some_and(is_word) && !after.is_some_and(is_word)
    })
}

/// The function a trigger definition calls (`EXECUTE FUNCTION app.touch()`),
/// without quotes.
fn called_function(definition: &str) -> Option<String> {
    let upper = definition.to_ascii_uppercase();
    let start = ["EXECUTE FUNCTION ", "EXECUTE PROCEDURE "]
        .iter()
        .find_map(|keyword| upper.find(keyword).map(|at| at + keyword.len()))?;
    let rest = &definition[start..];
    let name = rest[..rest.find('(')?].trim();
    Some(name.replace('"', ""))
}

/// Whether `desired` has the table or view at `key`.
fn has_relation(desired: &Schema, key: &str) -> bool {
    desired.tables.contains_key(key) || desired.views.contains_key(key)
}

/// Whether the owner (`table_key.column`) of a sequence is in `desired`.
fn owner_in(desired: &Schema, owner: &str) -> bool {
    desired
        .tables
        .iter()
        .any(|(key, table)| owned_by_table(owner, key) && table.column(&owner[key.len() + 1..]).is_some())
}

fn owned_by_table(owner: &str, table_key: &str) -> bool {
    owner.strip_prefix(table_key).is_some_and(|rest| rest.starts_with('.'))
}

/// The `exclude` pattern of a table or view (`main.<name>` where the dialect
/// has no schemas).
fn relation_pattern(live: &Schema, key: &str) -> Option<String> {
    if let Some(table) = live.tables.get(key) {
        return pattern(table.namespace.as_deref(), &table.name);
    }
    live.views
        .get(key)
        .and_then(|view| pattern(view.namespace.as_deref(), &view.name))
}

fn pattern(namespace: Option<&str>, name: &str) -> Option<String> {
    let namespace = namespace.unwrap_or(super::scope::UNQUALIFIED_NAMESPACE);
    Some(format!("{namespace}.{name}"))
}

fn shown(table: &Table) -> String {
    qualified(table.namespace.as_deref(), &table.name)
}

fn qualified(namespace: Option<&str>, name: &str) -> String {
    match namespace {
        Some(namespace) => format!("{namespace}.{name}"),
        None => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::diff::diff;
    use crate::engine::model::{Column, EnumType, Namespace, Routine, Trigger};
    use std::collections::BTreeMap;

    fn column(name: &str, data_type: &str) -> Column {
        Column {
            name: name.to_string(),
            data_type: data_type.to_string(),
            nullable: true,
            default: None,
            collation: None,
        }
    }

    fn table(namespace: Option<&str>, name: &str, columns: &[&str]) -> Table {
        let mut table = Table::new(name);
        table.namespace = namespace.map(str::to_string);
        table.columns = columns.iter().map(|c| column(c, "INTEGER")).collect();
        table
    }

    fn schema(tables: Vec<Table>) -> Schema {
        let mut schema = Schema::default();
        for table in tables {
            let key = qualified(table.namespace.as_deref(), &table.name);
            schema.tables.insert(key, table);
        }
        schema
    }

    fn skip(names: &[&str]) -> Skip {
        Skip::new(names).expect("skippable")
    }

    fn names(table: &Table) -> Vec<&str> {
        table.columns.iter().map(|c| c.name.as_str()).collect()
    }

    #[test]
    fn only_drop_kinds_can_be_skipped() {
        assert!(Skip::new(&["drops_table", "drops_column", "drops_schema", "drops_object"]).is_ok());
        let err = Skip::new(&["drops_enum_value"]).expect_err("not skippable");
        assert!(err.to_string().contains("`drops_enum_value`"), "{err}");
        assert!(err.to_string().contains("drops_object"), "{err}");
        assert!(Skip::default().is_empty());
    }

    #[test]
    fn a_skipped_table_drop_keeps_the_table_and_nothing_is_planned() {
        let live = schema(vec![
            table(None, "users", &["id"]),
            table(None, "legacy", &["id", "note"]),
        ]);
        let desired = schema(vec![table(None, "users", &["id"])]);
        let kept = skip(&["drops_table"]).keep(&live, desired.clone());
        assert_eq!(kept.objects, ["table legacy"]);
        assert!(diff(&live, &kept.desired).is_empty());

        let not_skipped = skip(&["drops_column"]).keep(&live, desired.clone());
        assert_eq!(not_skipped.desired, desired);
        assert!(not_skipped.objects.is_empty());
    }

    #[test]
    fn a_kept_column_keeps_its_live_position() {
        let live = schema(vec![table(None, "t", &["a", "b", "c", "d"])]);
        let desired = schema(vec![table(None, "t", &["d", "a", "e"])]);
        let kept = skip(&["drops_column"]).keep(&live, desired);
        assert_eq!(names(&kept.desired.tables["t"]), ["d", "a", "b", "c", "e"]);
        assert_eq!(kept.objects, ["column t.b", "column t.c"]);

        let first = schema(vec![table(None, "t", &["x", "y"])]);
        let kept = skip(&["drops_column"]).keep(&first, schema(vec![table(None, "t", &["y"])]));
        assert_eq!(names(&kept.desired.tables["t"]), ["x", "y"]);
    }

    /// PostgreSQL-like: a table in its own schema, using an enum type, with
    /// a trigger calling a function.
    fn app_schema() -> Schema {
        let mut live = Schema::default();
        live.namespaces.insert("app".into(), Namespace { name: "app".into() });
        let mut events = table(Some("app"), "events", &["id"]);
        events.columns.push(column("mood", "app.mood"));
        live.tables.insert("app.events".into(), events);
        live.enums.insert(
            "app.mood".into(),
            EnumType {
                namespace: "app".into(),
                name: "mood".into(),
                values: vec!["happy".into()],
                spelling: "app.mood".into(),
            },
        );
        live.routines.insert(
            "app.touch()".into(),
            Routine {
                namespace: "app".into(),
                name: "touch".into(),
                procedure: false,
                aggregate: false,
                identity_arguments: String::new(),
                arguments: String::new(),
                result: "trigger".into(),
                definition: "CREATE OR REPLACE FUNCTION app.touch() …".into(),
                depends_on: Default::default(),
            },
        );
        live.triggers.insert(
            "app.events.t".into(),
            Trigger {
                name: "t".into(),
                table: "app.events".into(),
                definition: "CREATE TRIGGER t BEFORE INSERT ON app.events FOR EACH ROW EXECUTE FUNCTION app.touch()"
                    .into(),
                order: None,
            },
        );
        live
    }

    #[test]
    fn a_kept_table_keeps_what_it_needs() {
        let live = app_schema();
        let kept = skip(&["drops_table"]).keep(&live, Schema::default());
        assert_eq!(
            kept.desired, live,
            "schema, type, trigger and function stay with the table"
        );
        assert_eq!(
            kept.objects,
            [
                "function app.touch()",
                "schema app",
                "table app.events",
                "trigger t on app.events",
                "type app.mood"
            ]
        );
        assert!(diff(&live, &kept.desired).is_empty());
    }

    #[test]
    fn objects_are_kept_but_an_index_on_a_dropped_column_goes_with_it() {
        let mut live = schema(vec![table(None, "t", &["a", "b"])]);
        let index = Index::on_column;
        let indexes = &mut live.tables.get_mut("t").expect("t").indexes;
        indexes.insert("ix_a".into(), index("ix_a", "a"));
        indexes.insert("ix_b".into(), index("ix_b", "b"));
        let desired = schema(vec![table(None, "t", &["a"])]);
        let kept = skip(&["drops_object"]).keep(&live, desired);
        let kept_indexes: Vec<&String> = kept.desired.tables["t"].indexes.keys().collect();
        assert_eq!(kept_indexes, ["ix_a"]);
        assert_eq!(kept.objects, ["index ix_a on t"]);
    }

    #[test]
    fn dropped_objects_name_their_exclude_pattern() {
        let live = app_schema();
        let mut desired = Schema::default();
        desired
            .namespaces
            .insert("app".into(), Namespace { name: "app".into() });
        let mut slim = table(Some("app"), "events", &[]);
        slim.columns.push(column("mood", "app.mood"));
        desired.tables.insert("app.events".into(), slim);
        desired.enums = live.enums.clone();
        let dropped = dropped_objects(&live, &desired);
        let listed: Vec<(&str, &str, Option<&str>)> = dropped
            .iter()
            .map(|d| (d.kind.code(), d.object.as_str(), d.exclude.as_deref()))
            .collect();
        assert_eq!(
            listed,
            [
                ("drops_column", "column app.events.id", Some("app.events")),
                ("drops_object", "trigger t on app.events", Some("app.events")),
                ("drops_object", "function app.touch()", Some("app.touch")),
            ]
        );
        let everything = dropped_objects(&live, &Schema::default());
        let kinds: BTreeMap<&str, usize> = everything.iter().fold(BTreeMap::new(), |mut counts, d| {
            *counts.entry(d.kind.code()).or_default() += 1;
            counts
        });
        assert_eq!(
            kinds,
            BTreeMap::from([("drops_object", 2), ("drops_schema", 1), ("drops_table", 1)]),
            "the table's trigger goes with it: {everything:?}"
        );
    }
}
