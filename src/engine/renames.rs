//! Renames declared by `renamed_from` annotations (see annotations.rs),
//! resolved against the live schema. A table or column is renamed when the
//! live schema has its old name and not its new one, and the desired schema
//! declares the new name only; otherwise the annotation is inert, so it can
//! stay in the models after the rename ran.
//!
//! Diffing then compares the desired schema with the live one *as the renames
//! leave it*: the renamed table under its new key, its columns, keys, indexes
//! and expressions naming the new names. Where the database names indexes,
//! constraints and sequences after their table and columns (PostgreSQL), the
//! ones the desired schema names after the new names are renamed too, so the
//! sequence behind a `serial` column keeps counting.

use std::collections::BTreeMap;

use super::annotations::{grammar, Grammar, LexemeKind};
use super::diff::{Change, TableChange};
use super::model::{IndexKey, Schema, Table};

/// The renames that apply, with the live schema as they leave it.
pub(crate) struct Renamed {
    pub live: Schema,
    /// `RenameTable`, then `RenameIndex` / `RenameConstraint` / `RenameSequence`.
    pub changes: Vec<Change>,
    /// Table key (new) → `RenameColumn` changes, for the table's `AlterTable`.
    pub columns: BTreeMap<String, Vec<TableChange>>,
}

/// `None` when the desired schema declares no rename that applies to `live`.
pub(crate) fn declared(live: &Schema, desired: &Schema) -> Option<Renamed> {
    let annotations = &desired.annotations;
    let grammar = grammar(annotations.dialect?)?;
    let mut changes = Vec::new();
    for (new, old) in &annotations.renamed_tables {
        let applies = live.tables.contains_key(old)
            && !live.tables.contains_key(new)
            && desired.tables.contains_key(new)
            && !desired.tables.contains_key(old);
        if let (true, Some(table), Some(to)) = (applies, live.tables.get(old), desired.tables.get(new)) {
            changes.push(Change::RenameTable {
                from: old.clone(),
                to: new.clone(),
                table: table.clone(),
                name: to.name.clone(),
            });
        }
    }
    let mut renamed = replay(live, &changes, grammar);
    let mut columns: BTreeMap<String, Vec<TableChange>> = BTreeMap::new();
    for (key, renames) in &annotations.renamed_columns {
        let (Some(from), Some(to)) = (renamed.tables.get(key), desired.tables.get(key)) else {
            continue;
        };
        for (new, old) in renames {
            let applies = from.column(old).is_some()
                && from.column(new).is_none()
                && to.column(new).is_some()
                && to.column(old).is_none();
            if applies {
                columns.entry(key.clone()).or_default().push(TableChange::RenameColumn {
                    from: old.clone(),
                    to: new.clone(),
                });
            }
        }
    }
    for (key, renames) in &columns {
        for change in renames {
            if let TableChange::RenameColumn { from, to } = change {
                rename_column(&mut renamed, key, from, to, grammar);
            }
        }
    }
    if changes.is_empty() && columns.is_empty() {
        return None;
    }
    if grammar.derives_object_names {
        let derived = derived_renames(&renamed, desired, &changes, &columns, live);
        renamed = replay(&renamed, &derived, grammar);
        changes.extend(derived);
    }
    Some(Renamed {
        live: renamed,
        changes,
        columns,
    })
}

/// `live` as the rename changes among `changes` leave it (renderers see the
/// live schema this way, as the diff did).
pub(crate) fn replay(live: &Schema, changes: &[Change], grammar: &Grammar) -> Schema {
    let mut schema = live.clone();
    for change in changes {
        match change {
            Change::RenameTable { from, to, name, .. } => rename_table(&mut schema, from, to, name, grammar),
            Change::AlterTable(diff) => {
                for table_change in &diff.changes {
                    if let TableChange::RenameColumn { from, to } = table_change {
                        let key = table_key_of(&schema, &diff.to);
                        rename_column(&mut schema, &key, from, to, grammar);
                    }
                }
            }
            Change::RenameIndex { table, from, to } => {
                if let Some(mut index) = schema.tables.get_mut(table).and_then(|t| t.indexes.remove(from)) {
                    index.name = to.clone();
                    if let Some(t) = schema.tables.get_mut(table) {
                        t.indexes.insert(to.clone(), index);
                    }
                }
            }
            Change::RenameConstraint { table, from, to } => {
                if let Some(t) = schema.tables.get_mut(table) {
                    rename_constraint(t, from, to);
                }
            }
            Change::RenameSequence { from, to } => {
                let old_key = schema
                    .sequences
                    .iter()
                    .find(|(_, s)| s.namespace == from.namespace && s.name == from.name)
                    .map(|(k, _)| k.clone());
                let Some(mut sequence) = old_key.and_then(|k| schema.sequences.remove(&k)) else {
                    continue;
                };
                sequence.name = to.1.name.clone();
                schema.sequences.insert(to.0.clone(), sequence);
                // Defaults read `nextval('name'::regclass)`, the name as the database spells it.
                let (old, new) = ((grammar.spell)(&from.name), (grammar.spell)(&to.1.name));
                for table in schema.tables.values_mut() {
                    for column in &mut table.columns {
                        if let Some(default) = &mut column.default {
                            *default = default
                                .replace(&format!("'{old}'::regclass"), &format!("'{new}'::regclass"))
                                .replace(&format!(".{old}'::regclass"), &format!(".{new}'::regclass"));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    schema
}

/// The key `table` is stored under in `schema` (the diff names tables by
/// their desired struct, whose key the schema maps).
fn table_key_of(schema: &Schema, table: &Table) -> String {
    schema
        .tables
        .iter()
        .find(|(_, t)| t.name == table.name && t.namespace == table.namespace)
        .map_or_else(|| table.name.clone(), |(key, _)| key.clone())
}

fn rename_table(schema: &mut Schema, from: &str, to: &str, name: &str, grammar: &Grammar) {
    let Some(mut table) = schema.tables.remove(from) else {
        return;
    };
    let old_name = std::mem::replace(&mut table.name, name.to_string());
    let names = BTreeMap::from([(old_name, name.to_string())]);
    for index in table.indexes.values_mut() {
        index.definition = index.definition.as_deref().map(|d| rewrite(d, &names, grammar));
    }
    schema.tables.insert(to.to_string(), table);
    for table in schema.tables.values_mut() {
        for fk in &mut table.foreign_keys {
            if fk.ref_table == from {
                fk.ref_table = to.to_string();
            }
        }
        if let Some(partition) = table.partition_of.as_mut().filter(|p| p.parent == from) {
            partition.parent = to.to_string();
        }
        for parent in table.inherits.iter_mut().filter(|p| *p == from) {
            *parent = to.to_string();
        }
        table.sort();
    }
    for view in schema.views.values_mut() {
        if view.depends_on.iter().any(|d| d == from) {
            view.definition = rewrite(&view.definition, &names, grammar);
            rename_dependency(&mut view.depends_on, from, to);
        }
    }
    for routine in schema.routines.values_mut() {
        rename_dependency(&mut routine.depends_on, from, to);
    }
    let triggers = std::mem::take(&mut schema.triggers);
    for (key, mut trigger) in triggers {
        let key = match key.strip_prefix(from).filter(|_| trigger.table == from) {
            Some(rest) => {
                trigger.table = to.to_string();
                trigger.definition = rewrite(&trigger.definition, &names, grammar);
                format!("{to}{rest}")
            }
            None => key,
        };
        schema.triggers.insert(key, trigger);
    }
    let owner_prefix = format!("{from}.");
    for sequence in schema.sequences.values_mut() {
        if let Some(column) = sequence.owned_by.as_deref().and_then(|o| o.strip_prefix(&owner_prefix)) {
            sequence.owned_by = Some(format!("{to}.{column}"));
        }
    }
}

fn rename_column(schema: &mut Schema, key: &str, from: &str, to: &str, grammar: &Grammar) {
    let names = BTreeMap::from([(from.to_string(), to.to_string())]);
    let rename = |name: &mut String| {
        if name == from {
            *name = to.to_string();
        }
    };
    let Some(table) = schema.tables.get_mut(key) else {
        return;
    };
    for column in &mut table.columns {
        rename(&mut column.name);
        column.default = column.default.as_deref().map(|d| rewrite(d, &names, grammar));
    }
    if let Some(attributes) = table.column_attributes.remove(from) {
        table.column_attributes.insert(to.to_string(), attributes);
    }
    for attributes in table.column_attributes.values_mut() {
        attributes.generated = attributes.generated.as_deref().map(|g| rewrite(g, &names, grammar));
    }
    if let Some(pk) = &mut table.primary_key {
        pk.columns.iter_mut().for_each(rename);
    }
    for unique in &mut table.uniques {
        unique.columns.iter_mut().for_each(rename);
    }
    for fk in &mut table.foreign_keys {
        fk.columns.iter_mut().for_each(rename);
    }
    for check in &mut table.checks {
        check.expression = rewrite(&check.expression, &names, grammar);
    }
    for index in table.indexes.values_mut() {
        for part in &mut index.parts {
            match &mut part.key {
                IndexKey::Column(column) => rename(column),
                IndexKey::Expression(expression) => *expression = rewrite(expression, &names, grammar),
            }
        }
        index.predicate = index.predicate.as_deref().map(|p| rewrite(p, &names, grammar));
        index.definition = index.definition.as_deref().map(|d| rewrite(d, &names, grammar));
    }
    for exclusion in &mut table.exclusions {
        exclusion.definition = rewrite(&exclusion.definition, &names, grammar);
    }
    for policy in &mut table.policies {
        policy.using = policy.using.as_deref().map(|u| rewrite(u, &names, grammar));
        policy.with_check = policy.with_check.as_deref().map(|c| rewrite(c, &names, grammar));
    }
    table.partition_key = table.partition_key.as_deref().map(|k| rewrite(k, &names, grammar));
    table.sort();
    for other in schema.tables.values_mut() {
        for fk in &mut other.foreign_keys {
            if fk.ref_table == key {
                fk.ref_columns.iter_mut().for_each(rename);
            }
        }
        other.sort();
    }
    let (old_owner, new_owner) = (format!("{key}.{from}"), format!("{key}.{to}"));
    for sequence in schema.sequences.values_mut() {
        if sequence.owned_by.as_deref() == Some(old_owner.as_str()) {
            sequence.owned_by = Some(new_owner.clone());
        }
    }
}

/// Replaces every identifier of `text` that names a key of `names` by its
/// value, spelled as the database spells names in expressions.
fn rewrite(text: &str, names: &BTreeMap<String, String>, grammar: &Grammar) -> String {
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for lexeme in (grammar.lex)(text) {
        if !matches!(lexeme.kind, LexemeKind::Word | LexemeKind::QuotedIdentifier) {
            continue;
        }
        let name = (grammar.identifier)(&text[lexeme.start..lexeme.end], lexeme.kind);
        if let Some(new) = names.get(&name) {
            out.push_str(&text[copied..lexeme.start]);
            out.push_str(&(grammar.spell)(new));
            copied = lexeme.end;
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// Indexes, constraints and sequences of the renamed tables whose names
/// contain an old name, where the desired schema has the name with the new
/// one instead (`users_pkey` → `members_pkey`, `users_id_seq` → `members_id_seq`).
fn derived_renames(
    renamed: &Schema,
    desired: &Schema,
    table_renames: &[Change],
    column_renames: &BTreeMap<String, Vec<TableChange>>,
    live: &Schema,
) -> Vec<Change> {
    let mut substitutions: BTreeMap<&str, Vec<(String, String)>> = BTreeMap::new();
    for change in table_renames {
        if let Change::RenameTable { to, table, name, .. } = change {
            substitutions
                .entry(to.as_str())
                .or_default()
                .push((table.name.clone(), name.clone()));
        }
    }
    for (key, renames) in column_renames {
        for change in renames {
            if let TableChange::RenameColumn { from, to } = change {
                substitutions
                    .entry(key.as_str())
                    .or_default()
                    .push((from.clone(), to.clone()));
            }
        }
    }
    let mut changes = Vec::new();
    for (key, substitutions) in &substitutions {
        let (Some(from), Some(to)) = (renamed.tables.get(*key), desired.tables.get(*key)) else {
            continue;
        };
        let candidate = |name: &str| {
            let renamed_name = substitutions
                .iter()
                .fold(name.to_string(), |name, (old, new)| name.replace(old.as_str(), new));
            (renamed_name != name).then_some(renamed_name)
        };
        for name in from.indexes.keys() {
            if let Some(new) = candidate(name).filter(|new| {
                !to.indexes.contains_key(name) && to.indexes.contains_key(new) && !from.indexes.contains_key(new)
            }) {
                changes.push(Change::RenameIndex {
                    table: key.to_string(),
                    from: name.clone(),
                    to: new,
                });
            }
        }
        let (old_names, new_names) = (constraint_names(from), constraint_names(to));
        for name in &old_names {
            if let Some(new) = candidate(name)
                .filter(|new| !new_names.contains(name) && new_names.contains(new) && !old_names.contains(new))
            {
                changes.push(Change::RenameConstraint {
                    table: key.to_string(),
                    from: name.clone(),
                    to: new,
                });
            }
        }
        let owner_prefix = format!("{key}.");
        for sequence in renamed.sequences.values() {
            if !sequence
                .owned_by
                .as_deref()
                .is_some_and(|o| o.starts_with(&owner_prefix))
            {
                continue;
            }
            let same_namespace = |name: &str| {
                desired
                    .sequences
                    .iter()
                    .find(|(_, s)| s.namespace == sequence.namespace && s.name == name)
            };
            let Some(new) = candidate(&sequence.name) else {
                continue;
            };
            let still_declared = same_namespace(&sequence.name).is_some();
            let taken = live
                .sequences
                .values()
                .any(|s| s.namespace == sequence.namespace && s.name == new);
            if let (false, false, Some((new_key, target))) = (still_declared, taken, same_namespace(&new)) {
                let mut to = sequence.clone();
                to.name = target.name.clone();
                changes.push(Change::RenameSequence {
                    from: sequence.clone(),
                    to: (new_key.clone(), to),
                });
            }
        }
    }
    changes
}

fn constraint_names(table: &Table) -> Vec<String> {
    let mut names: Vec<Option<&String>> = vec![table.primary_key.as_ref().and_then(|pk| pk.name.as_ref())];
    names.extend(table.uniques.iter().map(|u| u.name.as_ref()));
    names.extend(table.checks.iter().map(|c| c.name.as_ref()));
    names.extend(table.foreign_keys.iter().map(|f| f.name.as_ref()));
    names.extend(table.exclusions.iter().map(|e| Some(&e.name)));
    names.into_iter().flatten().cloned().collect()
}

fn rename_constraint(table: &mut Table, from: &str, to: &str) {
    let rename = |name: &mut Option<String>| {
        if name.as_deref() == Some(from) {
            *name = Some(to.to_string());
        }
    };
    if let Some(pk) = &mut table.primary_key {
        rename(&mut pk.name);
    }
    table.uniques.iter_mut().for_each(|u| rename(&mut u.name));
    table.checks.iter_mut().for_each(|c| rename(&mut c.name));
    table.foreign_keys.iter_mut().for_each(|f| rename(&mut f.name));
    for exclusion in &mut table.exclusions {
        if exclusion.name == from {
            exclusion.name = to.to_string();
        }
    }
    table.sort();
}

/// One rename of a plan, in the order renames run: tables, then columns,
/// then the objects named after them.
pub(crate) enum RenameStep<'a> {
    Table {
        from: &'a Table,
        to_key: &'a str,
        name: &'a str,
    },
    Column {
        table: &'a Table,
        from: &'a str,
        to: &'a str,
    },
    Index {
        table: &'a str,
        from: &'a str,
        to: &'a str,
    },
    Constraint {
        table: &'a str,
        from: &'a str,
        to: &'a str,
    },
    Sequence {
        from: &'a super::model::Sequence,
        name: &'a str,
    },
}

pub(crate) fn steps(changes: &[Change]) -> Vec<RenameStep<'_>> {
    let mut tables = Vec::new();
    let mut columns = Vec::new();
    let mut objects = Vec::new();
    for change in changes {
        match change {
            Change::RenameTable { to, table, name, .. } => tables.push(RenameStep::Table {
                from: table,
                to_key: to,
                name,
            }),
            Change::AlterTable(diff) => {
                for table_change in &diff.changes {
                    if let TableChange::RenameColumn { from, to } = table_change {
                        columns.push(RenameStep::Column {
                            table: &diff.to,
                            from,
                            to,
                        });
                    }
                }
            }
            Change::RenameIndex { table, from, to } => objects.push(RenameStep::Index { table, from, to }),
            Change::RenameConstraint { table, from, to } => objects.push(RenameStep::Constraint { table, from, to }),
            Change::RenameSequence { from, to } => objects.push(RenameStep::Sequence { from, name: &to.1.name }),
            _ => {}
        }
    }
    tables.into_iter().chain(columns).chain(objects).collect()
}

/// The live schema as a plan's renames leave it, when it has any: what the
/// renderers look tables up in, as the diff did.
pub(crate) fn live_after(changes: &[Change], live: &Schema, grammar: &Grammar) -> Option<Schema> {
    let renames = !steps(changes).is_empty();
    renames.then(|| replay(live, changes, grammar))
}

/// The hazard detail of a table rename.
pub(crate) fn table_rename_detail(from: &str, to: &str) -> String {
    format!("renames table {from} to {to}; its rows stay, queries naming {from} fail")
}

/// The hazard detail of a column rename.
pub(crate) fn column_rename_detail(table: &str, from: &str, to: &str) -> String {
    format!("renames column {table}.{from} to {to}; its values stay, queries naming {from} fail")
}

/// Ordering only: a dependency on the old key now names the new one.
fn rename_dependency(dependencies: &mut crate::engine::model::Dependencies, from: &str, to: &str) {
    for dependency in &mut dependencies.0 {
        if dependency == from {
            *dependency = to.to_string();
        }
    }
    dependencies.0.sort();
}
