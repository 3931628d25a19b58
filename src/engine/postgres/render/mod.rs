//! Changes → ordered PostgreSQL statements.
//!
//! Order, by dependency: drop triggers, views (and views reading a table whose
//! columns change type, to be recreated), foreign keys and indexes; create
//! schemas, extensions, enum types, sequences and routines (before the tables
//! whose defaults, checks and triggers use them); drop, create and alter
//! tables; add foreign keys once every table exists; create indexes, views
//! and triggers; finally drop the routines, sequences, types, extensions and
//! schemas nothing uses any more. Enum values are added before the
//! transaction (see [`enums`]).

mod ddl;
mod enums;
mod foreign_keys;
mod table;
mod views;

use std::collections::BTreeSet;

use crate::engine::diff::{Change, TableChange};
use crate::engine::model::{Index, Routine, Schema, Sequence, Table, Trigger, View};
use crate::engine::plan::{HazardKind, Statement};
use crate::engine::postgres::ident::{key, key_part, literal, quote};

use ddl::{
    create_enum, create_extension, create_view, drop_routine, drop_view, enum_name, foreign_key, relation_name,
    sequence_name, sequence_options, table_name,
};

pub use enums::OLD_SUFFIX as ENUM_REBUILD_SUFFIX;

pub fn render(changes: &[Change], live: &Schema, desired: &Schema) -> Vec<Statement> {
    let schemas = [desired, live];
    let mut before_transaction = Vec::new();
    let mut teardown = Vec::new();
    let mut prerequisites = Vec::new();
    let mut tables = Vec::new();
    let mut finish = Vec::new();
    let mut cleanup = Vec::new();

    // Tables whose columns change type: views reading them are rebuilt.
    let mut retyped: BTreeSet<String> = BTreeSet::new();
    let mut enum_cleanup = Vec::new();
    let mut enum_rebuilds = Vec::new();
    let mut dropped_routines: Vec<Routine> = Vec::new();
    for change in changes {
        match change {
            Change::AlterTable(d) => {
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
            Change::AlterEnum { from, to } => {
                let change = enums::alter_enum(from, to, live, desired);
                before_transaction.extend(change.added_values);
                enum_rebuilds.extend(change.rebuild);
                enum_cleanup.extend(change.cleanup);
                retyped.extend(change.retyped_tables);
                dropped_routines.extend(change.dropped_routines);
            }
            _ => {}
        }
    }

    // Views: those that change, plus every live view reading a retyped table
    // or a view that is dropped, recreated afterwards when still desired.
    // A changed view whose columns only grow at the end is replaced in place,
    // which leaves the views reading it alone.
    let mut replaced: BTreeSet<String> = BTreeSet::new();
    let mut views_to_drop: BTreeSet<String> = BTreeSet::new();
    for change in changes {
        if let Change::DropView(v) = change {
            let key = view_key(v);
            match desired.views.get(&key) {
                Some(new) if views::replaceable(v, new) => replaced.insert(key),
                _ => views_to_drop.insert(key),
            };
        }
    }
    let mut roots = retyped.clone();
    roots.extend(views_to_drop.iter().cloned());
    views_to_drop.extend(views::dependents(&roots, &live.views));
    replaced.retain(|key| !views_to_drop.contains(key));
    let mut views_to_create: BTreeSet<String> = changes
        .iter()
        .filter_map(|c| match c {
            Change::CreateView(v) => Some(view_key(v)),
            _ => None,
        })
        .collect();
    views_to_create.extend(views_to_drop.iter().filter(|k| desired.views.contains_key(*k)).cloned());

    // Triggers: changed ones, and those on views dropped above.
    let mut triggers_to_drop: BTreeSet<String> = BTreeSet::new();
    let mut triggers_to_create: BTreeSet<String> = BTreeSet::new();
    for change in changes {
        match change {
            Change::DropTrigger(t) => {
                triggers_to_drop.insert(trigger_key(t));
            }
            Change::CreateTrigger(t) => {
                triggers_to_create.insert(trigger_key(t));
            }
            _ => {}
        }
    }
    for (key, trigger) in &live.triggers {
        if views_to_drop.contains(&trigger.table) {
            // Dropping the view drops its triggers.
            triggers_to_drop.remove(key);
            if desired.triggers.get(key) == Some(trigger) {
                triggers_to_create.insert(key.clone());
            }
        }
    }

    // Teardown.
    for key in &triggers_to_drop {
        if let Some(trigger) = live.triggers.get(key) {
            teardown.push(Statement::ddl(format!(
                "DROP TRIGGER {} ON {}",
                quote(&trigger.name),
                relation_name(&trigger.table, &schemas)
            )));
        }
    }
    let drop_names: BTreeSet<&str> = views_to_drop.iter().map(String::as_str).collect();
    let mut drop_order = views::creation_order(&drop_names, &live.views);
    drop_order.reverse();
    for key in drop_order {
        if let Some(view) = live.views.get(key) {
            teardown.push(Statement::ddl(drop_view(view)));
        }
    }
    let dropped_tables: BTreeSet<String> = changes
        .iter()
        .filter_map(|c| match c {
            Change::DropTable(t) => Some(table_key(t)),
            _ => None,
        })
        .collect();
    let stepping_aside = foreign_keys::referencing_rekeyed_tables(changes, live, desired);
    for (table, fk) in &stepping_aside {
        if let Some(name) = &fk.name {
            teardown.push(Statement::ddl(format!(
                "ALTER TABLE {} DROP CONSTRAINT {}",
                table_name(table),
                quote(name)
            )));
        }
    }
    for change in changes {
        match change {
            Change::DropTable(t) => {
                for fk in &t.foreign_keys {
                    if let Some(name) = &fk.name {
                        teardown.push(Statement::ddl(format!(
                            "ALTER TABLE {} DROP CONSTRAINT {}",
                            table_name(t),
                            quote(name)
                        )));
                    }
                }
            }
            Change::AlterTable(d) => {
                for c in &d.changes {
                    if let TableChange::DropForeignKey(fk) = c {
                        if let Some(name) = &fk.name {
                            teardown.push(Statement::ddl(format!(
                                "ALTER TABLE {} DROP CONSTRAINT {}",
                                table_name(&d.from),
                                quote(name)
                            )));
                        }
                    }
                }
            }
            Change::DropIndex { table, index } if !dropped_tables.contains(table) => {
                let namespace = live
                    .tables
                    .get(table)
                    .and_then(|t| t.namespace.as_deref())
                    .unwrap_or("public");
                teardown.push(Statement::ddl(format!(
                    "DROP INDEX {}.{}",
                    quote(namespace),
                    quote(&index.name)
                )));
            }
            _ => {}
        }
    }

    // Prerequisites.
    let routines_created = changes
        .iter()
        .any(|c| matches!(c, Change::CreateRoutine(_) | Change::ReplaceRoutine { .. }));
    if routines_created {
        // Function bodies are checked when called, not when created, so a
        // function may name tables created later in the plan (as pg_dump does).
        prerequisites.push(Statement::ddl("SET LOCAL check_function_bodies = off"));
    }
    for change in changes {
        match change {
            Change::CreateNamespace(n) => {
                prerequisites.push(Statement::ddl(format!("CREATE SCHEMA {}", quote(&n.name))))
            }
            Change::CreateExtension(e) => prerequisites.push(Statement::ddl(create_extension(e))),
            Change::AlterExtension { from, to } => {
                if from.namespace != to.namespace {
                    prerequisites.push(Statement::ddl(format!(
                        "ALTER EXTENSION {} SET SCHEMA {}",
                        quote(&to.name),
                        quote(&to.namespace)
                    )));
                }
                if from.version != to.version {
                    prerequisites.push(Statement::ddl(format!(
                        "ALTER EXTENSION {} UPDATE TO {}",
                        quote(&to.name),
                        literal(&to.version)
                    )));
                }
            }
            _ => {}
        }
    }
    for change in changes {
        if let Change::CreateEnum(e) = change {
            prerequisites.push(Statement::ddl(create_enum(e)));
        }
    }
    prerequisites.append(&mut enum_rebuilds);
    for change in changes {
        match change {
            Change::CreateSequence(s) => prerequisites.push(Statement::ddl(format!(
                "CREATE SEQUENCE {} {}",
                sequence_name(s),
                sequence_options(s)
            ))),
            Change::AlterSequence { from, to } => {
                if sequence_options(from) != sequence_options(to) {
                    prerequisites.push(Statement::ddl(format!(
                        "ALTER SEQUENCE {} {}",
                        sequence_name(to),
                        sequence_options(to)
                    )));
                }
                if from.owned_by != to.owned_by {
                    finish.push(owned_by(to, desired));
                }
            }
            _ => {}
        }
    }
    for change in changes {
        match change {
            Change::CreateRoutine(r) => prerequisites.push(Statement::ddl(r.definition.clone())),
            Change::ReplaceRoutine { from, to } => {
                let signature_changes =
                    from.result != to.result || from.procedure != to.procedure || from.arguments != to.arguments;
                if signature_changes && !dropped_routines.contains(from) {
                    prerequisites.push(Statement::ddl(drop_routine(from)));
                }
                prerequisites.push(Statement::ddl(to.definition.clone()));
            }
            _ => {}
        }
    }

    // Tables.
    for change in changes {
        if let Change::DropTable(t) = change {
            tables.push(Statement::ddl(format!("DROP TABLE {}", table_name(t))).with_hazard(
                HazardKind::DropsTable,
                format!("drops table {} and its rows", table_name(t)),
            ));
        }
    }
    for change in changes {
        if let Change::CreateTable(t) = change {
            tables.extend(table::create_table(t));
        }
    }
    for change in changes {
        if let Change::AlterTable(d) = change {
            let altered = table::alter_table(d);
            teardown.extend(altered.constraint_drops);
            tables.extend(altered.changes);
        }
    }

    // Finish: foreign keys, sequence ownership, indexes, views, triggers.
    let mut foreign_keys: Vec<Statement> = stepping_aside
        .iter()
        .map(|(table, fk)| {
            Statement::ddl(format!(
                "ALTER TABLE {} ADD {}",
                table_name(table),
                foreign_key(fk, &schemas)
            ))
        })
        .collect();
    for change in changes {
        match change {
            Change::CreateTable(t) => {
                for fk in &t.foreign_keys {
                    foreign_keys.push(Statement::ddl(format!(
                        "ALTER TABLE {} ADD {}",
                        table_name(t),
                        foreign_key(fk, &schemas)
                    )));
                }
            }
            Change::AlterTable(d) => {
                for c in &d.changes {
                    if let TableChange::AddForeignKey(fk) = c {
                        foreign_keys.push(
                            Statement::ddl(format!(
                                "ALTER TABLE {} ADD {}",
                                table_name(&d.to),
                                foreign_key(fk, &schemas)
                            ))
                            .with_hazard(
                                HazardKind::MayFailOnExistingRows,
                                format!(
                                    "existing rows of {} must reference existing rows of {}",
                                    table_name(&d.to),
                                    relation_name(&fk.ref_table, &schemas)
                                ),
                            ),
                        );
                    }
                }
            }
            Change::CreateSequence(s) if s.owned_by.is_some() => finish.push(owned_by(s, desired)),
            _ => {}
        }
    }
    let mut finish_all = foreign_keys;
    finish_all.append(&mut finish);
    for change in changes {
        match change {
            Change::CreateIndex { index, .. } => finish_all.push(create_index(index)),
            Change::CreateTable(t) => finish_all.extend(t.indexes.values().map(create_index)),
            _ => {}
        }
    }
    let create_names: BTreeSet<&str> = views_to_create.iter().map(String::as_str).collect();
    for key in views::creation_order(&create_names, &desired.views) {
        let Some(view) = desired.views.get(key) else {
            continue;
        };
        if replaced.contains(key) {
            finish_all.push(Statement::ddl(create_view(view).replacen(
                "CREATE ",
                "CREATE OR REPLACE ",
                1,
            )));
            continue;
        }
        finish_all.push(Statement::ddl(create_view(view)));
        finish_all.extend(view.indexes.values().map(create_index));
    }
    for key in &triggers_to_create {
        if let Some(trigger) = desired.triggers.get(key) {
            finish_all.push(Statement::ddl(trigger.definition.clone()));
        }
    }

    // Cleanup of what nothing uses any more.
    let dropped_columns: BTreeSet<String> = changes
        .iter()
        .flat_map(|c| match c {
            Change::DropTable(t) => t
                .columns
                .iter()
                .map(|col| format!("{}.{}", table_key(t), col.name))
                .collect::<Vec<_>>(),
            Change::AlterTable(d) => d
                .changes
                .iter()
                .filter_map(|tc| match tc {
                    TableChange::DropColumn(col) => Some(format!("{}.{}", table_key(&d.from), col.name)),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        })
        .collect();
    for change in changes {
        match change {
            Change::DropRoutine(r) if !dropped_routines.contains(r) => cleanup.push(Statement::ddl(drop_routine(r))),
            // A sequence owned by a dropped column went with it.
            Change::DropSequence(s) if !s.owned_by.as_ref().is_some_and(|o| dropped_columns.contains(o)) => {
                cleanup.push(Statement::ddl(format!("DROP SEQUENCE {}", sequence_name(s))))
            }
            _ => {}
        }
    }
    cleanup.append(&mut enum_cleanup);
    for change in changes {
        match change {
            Change::DropEnum(e) => cleanup.push(Statement::ddl(format!("DROP TYPE {}", enum_name(e)))),
            Change::DropExtension(e) => cleanup.push(Statement::ddl(format!("DROP EXTENSION {}", quote(&e.name)))),
            _ => {}
        }
    }
    for change in changes {
        if let Change::DropNamespace(n) = change {
            cleanup.push(Statement::ddl(format!("DROP SCHEMA {}", quote(&n.name))));
        }
    }

    let in_transaction: Vec<Statement> = teardown
        .into_iter()
        .chain(prerequisites)
        .chain(tables)
        .chain(finish_all)
        .chain(cleanup)
        .collect();
    if in_transaction.len() == 1 && in_transaction[0].sql.starts_with("SET LOCAL") {
        return before_transaction;
    }
    before_transaction.into_iter().chain(in_transaction).collect()
}

fn create_index(index: &Index) -> Statement {
    let unique = if index.unique { "UNIQUE " } else { "" };
    let definition = index.definition.as_deref().unwrap_or_default();
    Statement::ddl(format!("CREATE {unique}INDEX {} ON {definition}", quote(&index.name)))
}

fn owned_by(sequence: &Sequence, desired: &Schema) -> Statement {
    let owner = sequence.owned_by.as_ref().and_then(|owner| {
        desired.tables.iter().find_map(|(key, table)| {
            let column = owner.strip_prefix(key.as_str())?.strip_prefix('.')?;
            table
                .column(column)
                .map(|c| format!("{}.{}", table_name(table), quote(&c.name)))
        })
    });
    Statement::ddl(format!(
        "ALTER SEQUENCE {} OWNED BY {}",
        sequence_name(sequence),
        owner.unwrap_or_else(|| "NONE".to_string())
    ))
}

/// The key a table is stored under (as the inspector builds it).
fn table_key(table: &Table) -> String {
    key(table.namespace.as_deref().unwrap_or("public"), &table.name)
}

fn view_key(view: &View) -> String {
    key(view.namespace.as_deref().unwrap_or("public"), &view.name)
}

fn trigger_key(trigger: &Trigger) -> String {
    format!("{}.{}", trigger.table, key_part(&trigger.name))
}
