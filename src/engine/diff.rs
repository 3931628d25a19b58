//! Schema × schema → changes. Neutral: it says *what* differs; each dialect's
//! renderer decides *how* (e.g. SQLite rebuilds a table where PostgreSQL alters it).
//!
//! Objects are matched by exact name. Column order is ignored: no dialect can
//! reorder columns cheaply, and order does not change what a table can hold.

use serde::Serialize;

use std::collections::{BTreeMap, BTreeSet};

use super::model::{
    Check, Collation, Column, ColumnAttributes, Comment, CompositeType, DefaultPrivileges, Domain, EnumType, Exclusion,
    Extension, ForeignKey, Index, Namespace, ObjectPrivileges, Owner, Partition, Policy, PrimaryKey, RangeType,
    Routine, Rule, Schema, Sequence, StatisticsObject, Table, Trigger, UniqueConstraint, View,
};
use super::renames;

/// One difference between the live and the desired schema. Changes come out of
/// [`diff`] in a deterministic order: by kind, then by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Change {
    CreateTable(Table),
    DropTable(Table),
    AlterTable(Box<TableDiff>),
    CreateIndex {
        table: String,
        index: Index,
    },
    DropIndex {
        table: String,
        index: Index,
    },
    CreateView(View),
    DropView(View),
    CreateTrigger(Trigger),
    DropTrigger(Trigger),
    CreateNamespace(Namespace),
    DropNamespace(Namespace),
    CreateExtension(Extension),
    DropExtension(Extension),
    AlterExtension {
        from: Extension,
        to: Extension,
    },
    CreateCollation(Collation),
    DropCollation(Collation),
    /// Same name, another definition: a collation cannot be altered.
    AlterCollation {
        from: Collation,
        to: Collation,
    },
    CreateEnum(EnumType),
    DropEnum(EnumType),
    AlterEnum {
        from: EnumType,
        to: EnumType,
    },
    CreateDomain(Domain),
    DropDomain(Domain),
    AlterDomain {
        from: Domain,
        to: Domain,
    },
    CreateComposite(CompositeType),
    DropComposite(CompositeType),
    AlterComposite {
        from: CompositeType,
        to: CompositeType,
    },
    CreateRange(RangeType),
    DropRange(RangeType),
    /// PostgreSQL cannot alter a range type: it is dropped and created again.
    ReplaceRange {
        from: RangeType,
        to: RangeType,
    },
    CreateRule(Rule),
    DropRule(Rule),
    /// Same name on the same relation, another definition (`CREATE OR
    /// REPLACE RULE`).
    ReplaceRule {
        from: Rule,
        to: Rule,
    },
    CreateStatistics(StatisticsObject),
    DropStatistics(StatisticsObject),
    AlterStatistics {
        from: StatisticsObject,
        to: StatisticsObject,
    },
    CreateSequence(Sequence),
    DropSequence(Sequence),
    AlterSequence {
        from: Sequence,
        to: Sequence,
    },
    CreateRoutine(Routine),
    DropRoutine(Routine),
    /// Same name and identity arguments, different definition.
    ReplaceRoutine {
        from: Routine,
        to: Routine,
    },
    /// A comment (see [`Schema::comments`]) added, changed or removed.
    SetComment {
        from: Option<Comment>,
        to: Option<Comment>,
    },
    /// An object's grants (see [`Schema::privileges`]) differ; `None` is
    /// the built-in grants.
    SetPrivileges {
        from: Option<ObjectPrivileges>,
        to: Option<ObjectPrivileges>,
    },
    /// An object's owner (see [`Schema::owners`]) differs; `None` is the
    /// inspecting role.
    SetOwner {
        from: Option<Owner>,
        to: Option<Owner>,
    },
    /// Default privileges (`ALTER DEFAULT PRIVILEGES`) differ.
    SetDefaultPrivileges {
        from: Option<DefaultPrivileges>,
        to: Option<DefaultPrivileges>,
    },
    /// A table takes its desired key `to` and name (declared with
    /// `renamed_from`; see renames.rs). `table` is the live table.
    RenameTable {
        from: String,
        to: String,
        table: Table,
        name: String,
    },
    /// An index named after a renamed table or column takes the name the
    /// desired schema gives it; `table` is the table's key after the renames.
    RenameIndex {
        table: String,
        from: String,
        to: String,
    },
    /// A constraint named after a renamed table or column, likewise.
    RenameConstraint {
        table: String,
        from: String,
        to: String,
    },
    /// A sequence named after a renamed table or column: `to` is its key and
    /// the sequence under its new name.
    RenameSequence {
        from: Sequence,
        to: (String, Sequence),
    },
}

/// An existing table whose definition (other than its indexes) differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableDiff {
    pub from: Table,
    pub to: Table,
    pub changes: Vec<TableChange>,
}

impl TableDiff {
    /// Names of the columns this diff adds (they hold no rows yet).
    pub fn added_columns(&self) -> Vec<&str> {
        self.changes
            .iter()
            .filter_map(|c| match c {
                TableChange::AddColumn(column) => Some(column.name.as_str()),
                _ => None,
            })
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum TableChange {
    AddColumn(Column),
    DropColumn(Column),
    AlterColumn {
        from: Column,
        to: Column,
    },
    SetPrimaryKey {
        from: Option<PrimaryKey>,
        to: Option<PrimaryKey>,
    },
    AddUnique(UniqueConstraint),
    DropUnique(UniqueConstraint),
    AddForeignKey(ForeignKey),
    DropForeignKey(ForeignKey),
    AddCheck(Check),
    DropCheck(Check),
    SetOptions {
        from: Vec<String>,
        to: Vec<String>,
    },
    /// Identity, generation or comment of a column present on both sides.
    SetColumnAttributes {
        column: String,
        from: ColumnAttributes,
        to: ColumnAttributes,
    },
    AddExclusion(Exclusion),
    DropExclusion(Exclusion),
    AddPolicy(Policy),
    DropPolicy(Policy),
    SetComment {
        from: Option<String>,
        to: Option<String>,
    },
    /// A partition moves to another parent or bound.
    SetPartition {
        from: Option<Partition>,
        to: Option<Partition>,
    },
    /// The tables a table inherits from differ (PostgreSQL `INHERITS`).
    SetInherits {
        from: Vec<String>,
        to: Vec<String>,
    },
    /// A column takes its desired name (declared with `renamed_from`). The
    /// table diff's `from` already names it `to`: renames run first.
    RenameColumn {
        from: String,
        to: String,
    },
}

impl Change {
    /// A one-line description naming the object, for messages.
    pub fn describe(&self) -> String {
        match self {
            Change::CreateTable(t) => format!("table {} is missing", t.name),
            Change::DropTable(t) => format!("table {} is not in the desired schema", t.name),
            Change::AlterTable(d) => {
                let parts: Vec<String> = d.changes.iter().map(TableChange::describe).collect();
                format!("table {}: {}", d.to.name, parts.join(", "))
            }
            Change::CreateIndex { index, .. } => format!("index {} is missing", index.name),
            Change::DropIndex { index, .. } => {
                format!("index {} is not in the desired schema", index.name)
            }
            Change::CreateView(v) => format!("view {} is missing", v.name),
            Change::DropView(v) => format!("view {} is not in the desired schema", v.name),
            Change::CreateTrigger(t) => format!("trigger {} is missing", t.name),
            Change::DropTrigger(t) => format!("trigger {} is not in the desired schema", t.name),
            Change::CreateNamespace(n) => format!("schema {} is missing", n.name),
            Change::DropNamespace(n) => format!("schema {} is not in the desired schema", n.name),
            Change::CreateExtension(e) => format!("extension {} is missing", e.name),
            Change::DropExtension(e) => format!("extension {} is not in the desired schema", e.name),
            Change::AlterExtension { to, .. } => format!("extension {} differs", to.name),
            Change::CreateCollation(c) => format!("collation {}.{} is missing", c.namespace, c.name),
            Change::DropCollation(c) => format!("collation {}.{} is not in the desired schema", c.namespace, c.name),
            Change::AlterCollation { to, .. } => format!("collation {}.{} differs", to.namespace, to.name),
            Change::CreateEnum(e) => format!("enum type {}.{} is missing", e.namespace, e.name),
            Change::DropEnum(e) => format!("enum type {}.{} is not in the desired schema", e.namespace, e.name),
            Change::AlterEnum { to, .. } => format!("enum type {}.{} has different values", to.namespace, to.name),
            Change::CreateDomain(d) => format!("domain {}.{} is missing", d.namespace, d.name),
            Change::DropDomain(d) => format!("domain {}.{} is not in the desired schema", d.namespace, d.name),
            Change::AlterDomain { to, .. } => format!("domain {}.{} differs", to.namespace, to.name),
            Change::CreateComposite(c) => format!("composite type {}.{} is missing", c.namespace, c.name),
            Change::DropComposite(c) => {
                format!("composite type {}.{} is not in the desired schema", c.namespace, c.name)
            }
            Change::AlterComposite { to, .. } => {
                format!("composite type {}.{} has different attributes", to.namespace, to.name)
            }
            Change::CreateRange(r) => format!("range type {}.{} is missing", r.namespace, r.name),
            Change::DropRange(r) => format!("range type {}.{} is not in the desired schema", r.namespace, r.name),
            Change::ReplaceRange { to, .. } => format!("range type {}.{} differs", to.namespace, to.name),
            Change::CreateRule(r) => format!("rule {} on {} is missing", r.name, r.table),
            Change::DropRule(r) => format!("rule {} on {} is not in the desired schema", r.name, r.table),
            Change::ReplaceRule { to, .. } => format!("rule {} on {} differs", to.name, to.table),
            Change::CreateStatistics(s) => format!("statistics object {}.{} is missing", s.namespace, s.name),
            Change::DropStatistics(s) => {
                format!(
                    "statistics object {}.{} is not in the desired schema",
                    s.namespace, s.name
                )
            }
            Change::AlterStatistics { to, .. } => format!("statistics object {}.{} differs", to.namespace, to.name),
            Change::CreateSequence(q) => format!("sequence {}.{} is missing", q.namespace, q.name),
            Change::DropSequence(q) => format!("sequence {}.{} is not in the desired schema", q.namespace, q.name),
            Change::AlterSequence { to, .. } => format!("sequence {}.{} differs", to.namespace, to.name),
            Change::CreateRoutine(r) => format!(
                "routine {}.{}({}) is missing",
                r.namespace, r.name, r.identity_arguments
            ),
            Change::DropRoutine(r) => format!(
                "routine {}.{}({}) is not in the desired schema",
                r.namespace, r.name, r.identity_arguments
            ),
            Change::ReplaceRoutine { to, .. } => {
                format!(
                    "routine {}.{}({}) differs",
                    to.namespace, to.name, to.identity_arguments
                )
            }
            Change::SetComment { from, to } => match to.as_ref().or(from.as_ref()) {
                Some(comment) => format!("comment on {} differs", comment.key()),
                None => "a comment differs".to_string(),
            },
            Change::SetPrivileges { from, to } => match to.as_ref().or(from.as_ref()) {
                Some(p) => format!("privileges on {} differ", p.on.key()),
                None => "privileges differ".to_string(),
            },
            Change::SetOwner { from, to } => match to.as_ref().or(from.as_ref()) {
                Some(o) => format!("owner of {} differs", o.of.key()),
                None => "an owner differs".to_string(),
            },
            Change::SetDefaultPrivileges { from, to } => match to.as_ref().or(from.as_ref()) {
                Some(d) => format!("default privileges of {} differ", d.key()),
                None => "default privileges differ".to_string(),
            },
            Change::RenameTable { from, to, .. } => format!("table {from} is renamed to {to}"),
            Change::RenameIndex { from, to, .. } => format!("index {from} is renamed to {to}"),
            Change::RenameConstraint { table, from, to } => {
                format!("constraint {from} of table {table} is renamed to {to}")
            }
            Change::RenameSequence { from, to } => {
                format!("sequence {}.{} is renamed to {}", from.namespace, from.name, to.1.name)
            }
        }
    }
}

impl TableChange {
    pub fn describe(&self) -> String {
        match self {
            TableChange::AddColumn(c) => format!("column {} is missing", c.name),
            TableChange::DropColumn(c) => format!("column {} is extra", c.name),
            TableChange::AlterColumn { to, .. } => format!("column {} differs", to.name),
            TableChange::SetPrimaryKey { .. } => "primary key differs".to_string(),
            TableChange::AddUnique(u) => format!("unique ({}) is missing", u.columns.join(", ")),
            TableChange::DropUnique(u) => format!("unique ({}) is extra", u.columns.join(", ")),
            TableChange::AddForeignKey(fk) => {
                format!("foreign key ({}) is missing", fk.columns.join(", "))
            }
            TableChange::DropForeignKey(fk) => {
                format!("foreign key ({}) is extra", fk.columns.join(", "))
            }
            TableChange::AddCheck(c) => format!("check ({}) is missing", c.expression),
            TableChange::DropCheck(c) => format!("check ({}) is extra", c.expression),
            TableChange::SetOptions { .. } => "table options differ".to_string(),
            TableChange::SetColumnAttributes { column, .. } => {
                format!("identity, generation or comment of column {column} differs")
            }
            TableChange::AddExclusion(e) => format!("exclusion constraint {} is missing", e.name),
            TableChange::DropExclusion(e) => format!("exclusion constraint {} is extra", e.name),
            TableChange::AddPolicy(p) => format!("policy {} is missing", p.name),
            TableChange::DropPolicy(p) => format!("policy {} is extra", p.name),
            TableChange::SetComment { .. } => "table comment differs".to_string(),
            TableChange::SetPartition { .. } => "partition parent or bound differs".to_string(),
            TableChange::SetInherits { from, to } => {
                format!("inherits ({}) instead of ({})", to.join(", "), from.join(", "))
            }
            TableChange::RenameColumn { from, to } => format!("column {from} is renamed to {to}"),
        }
    }
}

/// What it takes to turn `live` into `desired`: first the renames the
/// desired schema declares (see renames.rs), then the differences between
/// the desired schema and the live one as the renames leave it.
pub fn diff(live: &Schema, desired: &Schema) -> Vec<Change> {
    let Some(renamed) = renames::declared(live, desired) else {
        return diff_by_name(live, desired);
    };
    let mut changes = renamed.changes;
    let mut rest = diff_by_name(&renamed.live, desired);
    for (key, column_renames) in renamed.columns {
        let (Some(from), Some(to)) = (renamed.live.tables.get(&key), desired.tables.get(&key)) else {
            continue;
        };
        let altered = rest.iter_mut().find_map(|change| match change {
            Change::AlterTable(d) if d.to.name == to.name && d.to.namespace == to.namespace => Some(d),
            _ => None,
        });
        match altered {
            Some(d) => {
                d.changes.splice(0..0, column_renames);
            }
            None => changes.push(Change::AlterTable(Box::new(TableDiff {
                from: from.clone(),
                to: to.clone(),
                changes: column_renames,
            }))),
        }
    }
    changes.append(&mut rest);
    changes
}

/// [`diff`] without renames: objects match by name.
fn diff_by_name(live: &Schema, desired: &Schema) -> Vec<Change> {
    let mut changes = Vec::new();
    for (name, view) in &live.views {
        if desired.views.get(name) != Some(view) {
            changes.push(Change::DropView(view.clone()));
        }
    }
    for (name, trigger) in &live.triggers {
        if desired.triggers.get(name) != Some(trigger) {
            changes.push(Change::DropTrigger(trigger.clone()));
        }
    }
    let recreated = repartitioned_tables(live, desired);
    for (name, table) in &live.tables {
        if !desired.tables.contains_key(name) || recreated.contains(name) {
            changes.push(Change::DropTable(table.clone()));
        }
    }
    for (name, table) in &desired.tables {
        if !live.tables.contains_key(name) || recreated.contains(name) {
            changes.push(Change::CreateTable(table.clone()));
        }
    }
    for (name, to) in &desired.tables {
        let Some(from) = live.tables.get(name).filter(|_| !recreated.contains(name)) else {
            continue;
        };
        let table_changes = diff_table(from, to);
        if !table_changes.is_empty() {
            changes.push(Change::AlterTable(Box::new(TableDiff {
                from: from.clone(),
                to: to.clone(),
                changes: table_changes,
            })));
        }
        for (index_name, index) in &from.indexes {
            if to.indexes.get(index_name) != Some(index) {
                changes.push(Change::DropIndex {
                    table: name.clone(),
                    index: index.clone(),
                });
            }
        }
        for (index_name, index) in &to.indexes {
            if from.indexes.get(index_name) != Some(index) {
                changes.push(Change::CreateIndex {
                    table: name.clone(),
                    index: index.clone(),
                });
            }
        }
    }
    for (name, view) in &desired.views {
        if live.views.get(name) != Some(view) {
            changes.push(Change::CreateView(view.clone()));
        }
    }
    for (name, trigger) in &desired.triggers {
        if live.triggers.get(name) != Some(trigger) {
            changes.push(Change::CreateTrigger(trigger.clone()));
        }
    }
    diff_objects(
        &live.namespaces,
        &desired.namespaces,
        &mut changes,
        Change::DropNamespace,
        Change::CreateNamespace,
        |_, to| Change::CreateNamespace(to),
    );
    diff_objects(
        &live.extensions,
        &desired.extensions,
        &mut changes,
        Change::DropExtension,
        Change::CreateExtension,
        |from, to| Change::AlterExtension { from, to },
    );
    diff_objects(
        &live.collations,
        &desired.collations,
        &mut changes,
        Change::DropCollation,
        Change::CreateCollation,
        |from, to| Change::AlterCollation { from, to },
    );
    diff_objects(
        &live.enums,
        &desired.enums,
        &mut changes,
        Change::DropEnum,
        Change::CreateEnum,
        |from, to| Change::AlterEnum { from, to },
    );
    diff_objects(
        &live.domains,
        &desired.domains,
        &mut changes,
        Change::DropDomain,
        Change::CreateDomain,
        |from, to| Change::AlterDomain { from, to },
    );
    diff_objects(
        &live.composites,
        &desired.composites,
        &mut changes,
        Change::DropComposite,
        Change::CreateComposite,
        |from, to| Change::AlterComposite { from, to },
    );
    diff_objects(
        &live.ranges,
        &desired.ranges,
        &mut changes,
        Change::DropRange,
        Change::CreateRange,
        |from, to| Change::ReplaceRange { from, to },
    );
    diff_objects(
        &live.rules,
        &desired.rules,
        &mut changes,
        Change::DropRule,
        Change::CreateRule,
        |from, to| Change::ReplaceRule { from, to },
    );
    diff_objects(
        &live.statistics,
        &desired.statistics,
        &mut changes,
        Change::DropStatistics,
        Change::CreateStatistics,
        |from, to| Change::AlterStatistics { from, to },
    );
    diff_objects(
        &live.sequences,
        &desired.sequences,
        &mut changes,
        Change::DropSequence,
        Change::CreateSequence,
        |from, to| Change::AlterSequence { from, to },
    );
    diff_objects(
        &live.routines,
        &desired.routines,
        &mut changes,
        Change::DropRoutine,
        Change::CreateRoutine,
        |from, to| Change::ReplaceRoutine { from, to },
    );
    diff_objects(
        &live.comments,
        &desired.comments,
        &mut changes,
        |from| Change::SetComment {
            from: Some(from),
            to: None,
        },
        |to| Change::SetComment {
            from: None,
            to: Some(to),
        },
        |from, to| Change::SetComment {
            from: Some(from),
            to: Some(to),
        },
    );
    diff_objects(
        &live.privileges,
        &desired.privileges,
        &mut changes,
        |from| Change::SetPrivileges {
            from: Some(from),
            to: None,
        },
        |to| Change::SetPrivileges {
            from: None,
            to: Some(to),
        },
        |from, to| Change::SetPrivileges {
            from: Some(from),
            to: Some(to),
        },
    );
    diff_objects(
        &live.owners,
        &desired.owners,
        &mut changes,
        |from| Change::SetOwner {
            from: Some(from),
            to: None,
        },
        |to| Change::SetOwner {
            from: None,
            to: Some(to),
        },
        |from, to| Change::SetOwner {
            from: Some(from),
            to: Some(to),
        },
    );
    diff_objects(
        &live.default_privileges,
        &desired.default_privileges,
        &mut changes,
        |from| Change::SetDefaultPrivileges {
            from: Some(from),
            to: None,
        },
        |to| Change::SetDefaultPrivileges {
            from: None,
            to: Some(to),
        },
        |from, to| Change::SetDefaultPrivileges {
            from: Some(from),
            to: Some(to),
        },
    );
    changes
}

/// Tables on both sides whose partitioning changes (no dialect can change a
/// partition key in place) or that become or stop being a partition (a
/// partition's columns are its parent's), with their partitions on either
/// side: they are dropped and created again.
fn repartitioned_tables(live: &Schema, desired: &Schema) -> BTreeSet<String> {
    let mut recreated: BTreeSet<String> = desired
        .tables
        .iter()
        .filter(|(key, to)| {
            live.tables.get(*key).is_some_and(|from| {
                from.partition_key != to.partition_key || from.partition_of.is_some() != to.partition_of.is_some()
            })
        })
        .map(|(key, _)| key.clone())
        .collect();
    // Partitions of partitions: repeat until nothing is added.
    loop {
        let before = recreated.len();
        for (key, to) in &desired.tables {
            let Some(from) = live.tables.get(key) else {
                continue;
            };
            let parents = [&from.partition_of, &to.partition_of];
            if parents
                .iter()
                .any(|p| p.as_ref().is_some_and(|p| recreated.contains(&p.parent)))
            {
                recreated.insert(key.clone());
            }
        }
        if recreated.len() == before {
            return recreated;
        }
    }
}

/// Drops for keys only in `live`, creates for keys only in `desired`, and
/// `alter` for keys in both whose values differ.
fn diff_objects<T: Clone + PartialEq>(
    live: &BTreeMap<String, T>,
    desired: &BTreeMap<String, T>,
    changes: &mut Vec<Change>,
    drop: impl Fn(T) -> Change,
    create: impl Fn(T) -> Change,
    alter: impl Fn(T, T) -> Change,
) {
    for (key, object) in live {
        if !desired.contains_key(key) {
            changes.push(drop(object.clone()));
        }
    }
    for (key, object) in desired {
        match live.get(key) {
            None => changes.push(create(object.clone())),
            Some(old) if old != object => changes.push(alter(old.clone(), object.clone())),
            Some(_) => {}
        }
    }
}

fn diff_table(from: &Table, to: &Table) -> Vec<TableChange> {
    let mut changes = Vec::new();
    for column in &from.columns {
        if to.column(&column.name).is_none() {
            changes.push(TableChange::DropColumn(column.clone()));
        }
    }
    for column in &to.columns {
        match from.column(&column.name) {
            None => changes.push(TableChange::AddColumn(column.clone())),
            Some(old) if old != column => changes.push(TableChange::AlterColumn {
                from: old.clone(),
                to: column.clone(),
            }),
            Some(_) => {}
        }
    }
    if from.primary_key != to.primary_key {
        changes.push(TableChange::SetPrimaryKey {
            from: from.primary_key.clone(),
            to: to.primary_key.clone(),
        });
    }
    push_set_changes(
        &from.uniques,
        &to.uniques,
        &mut changes,
        TableChange::DropUnique,
        TableChange::AddUnique,
    );
    push_set_changes(
        &from.foreign_keys,
        &to.foreign_keys,
        &mut changes,
        TableChange::DropForeignKey,
        TableChange::AddForeignKey,
    );
    push_set_changes(
        &from.checks,
        &to.checks,
        &mut changes,
        TableChange::DropCheck,
        TableChange::AddCheck,
    );
    if from.options != to.options {
        changes.push(TableChange::SetOptions {
            from: from.options.iter().cloned().collect(),
            to: to.options.iter().cloned().collect(),
        });
    }
    for column in &to.columns {
        if from.column(&column.name).is_none() {
            continue;
        }
        let (old, new) = (from.column_attributes(&column.name), to.column_attributes(&column.name));
        if old != new {
            changes.push(TableChange::SetColumnAttributes {
                column: column.name.clone(),
                from: old,
                to: new,
            });
        }
    }
    push_set_changes(
        &from.exclusions,
        &to.exclusions,
        &mut changes,
        TableChange::DropExclusion,
        TableChange::AddExclusion,
    );
    push_set_changes(
        &from.policies,
        &to.policies,
        &mut changes,
        TableChange::DropPolicy,
        TableChange::AddPolicy,
    );
    if from.comment != to.comment {
        changes.push(TableChange::SetComment {
            from: from.comment.clone(),
            to: to.comment.clone(),
        });
    }
    if from.partition_of != to.partition_of {
        changes.push(TableChange::SetPartition {
            from: from.partition_of.clone(),
            to: to.partition_of.clone(),
        });
    }
    if from.inherits != to.inherits {
        changes.push(TableChange::SetInherits {
            from: from.inherits.clone(),
            to: to.inherits.clone(),
        });
    }
    changes
}

/// Drops for items only in `from`, then adds for items only in `to`.
fn push_set_changes<T: Clone + PartialEq>(
    from: &[T],
    to: &[T],
    changes: &mut Vec<TableChange>,
    drop: impl Fn(T) -> TableChange,
    add: impl Fn(T) -> TableChange,
) {
    for item in from {
        if !to.contains(item) {
            changes.push(drop(item.clone()));
        }
    }
    for item in to {
        if !from.contains(item) {
            changes.push(add(item.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(name: &str, data_type: &str) -> Column {
        Column {
            name: name.into(),
            data_type: data_type.into(),
            nullable: true,
            default: None,
            collation: None,
        }
    }

    fn schema(tables: Vec<Table>) -> Schema {
        let mut schema = Schema::default();
        for t in tables {
            schema.tables.insert(t.name.clone(), t);
        }
        schema
    }

    #[test]
    fn equal_schemas_have_no_changes_even_with_reordered_columns() {
        let mut a = Table::new("t");
        a.columns = vec![column("x", "INT"), column("y", "TEXT")];
        let mut b = a.clone();
        b.columns.reverse();
        assert!(diff(&schema(vec![a]), &schema(vec![b])).is_empty());
    }

    #[test]
    fn column_changes_are_reported_per_table() {
        let mut a = Table::new("t");
        a.columns = vec![column("x", "INT"), column("gone", "TEXT")];
        let mut b = Table::new("t");
        b.columns = vec![column("x", "BIGINT"), column("new", "TEXT")];
        let changes = diff(&schema(vec![a]), &schema(vec![b]));
        assert_eq!(changes.len(), 1);
        assert_eq!(
            changes[0].describe(),
            "table t: column gone is extra, column x differs, column new is missing"
        );
    }

    #[test]
    fn tables_are_created_and_dropped() {
        let changes = diff(&schema(vec![Table::new("old")]), &schema(vec![Table::new("new")]));
        let described: Vec<String> = changes.iter().map(Change::describe).collect();
        assert_eq!(
            described,
            vec!["table old is not in the desired schema", "table new is missing"]
        );
    }
}
