//! Changes → ordered statements. MySQL runs each DDL statement on its own
//! (no transaction), so the order alone must keep every step valid:
//!
//! 1. renamed tables take their names; triggers, views and routines that go
//!    or change are dropped;
//! 2. sequences are created and altered (sequences.rs); new tables are
//!    created, referenced ones first; foreign keys to tables that do not
//!    exist yet, or that this plan alters, wait for step 4;
//! 3. each existing table gets one `ALTER TABLE` (foreign keys between two
//!    altered tables are dropped before and added after all of them);
//! 4. the foreign keys that waited are added;
//! 5. tables that go are dropped, referencing ones first, then sequences;
//! 6. routines, views (used ones first) and triggers (in firing order,
//!    triggers.rs) are created.

mod columns;
mod narrowing;
pub mod online;
mod renamed_keys;
mod sequences;
mod table;
mod triggers;

use std::collections::{BTreeMap, BTreeSet};

use crate::engine::diff::{Change, TableChange};
use crate::engine::model::{ForeignKey, Index, Schema, Table, View};
use crate::engine::mysql::connect::Server;
use crate::engine::mysql::ident::quote;
use crate::engine::plan::{HazardKind, Statement};
use crate::engine::probe::Probe;

pub use online::Algorithm;
use table::{Alteration, Clauses};

/// How to render.
#[derive(Debug, Clone, Copy)]
pub struct RenderOptions {
    /// Append `ALGORITHM=…, LOCK=…` to each `ALTER TABLE`, so the server
    /// refuses instead of silently copying a table.
    pub explicit_algorithm: bool,
}

pub fn render(
    changes: &[Change],
    live: &Schema,
    desired: &Schema,
    server: &Server,
    options: RenderOptions,
) -> Vec<Statement> {
    let mut out = Vec::new();
    let mut altered: BTreeMap<&str, Work> = BTreeMap::new();
    let (mut created, mut dropped) = (Vec::new(), Vec::new());
    for change in changes {
        match change {
            Change::RenameTable { from, to, .. } => out.push(
                Statement::ddl(format!("RENAME TABLE {} TO {}", quote(from), quote(to))).with_table_hazard(
                    HazardKind::RenamesTable,
                    to.clone(),
                    format!("table {} is renamed to {}", quote(from), quote(to)),
                ),
            ),
            Change::CreateTable(t) => created.push(t),
            Change::DropTable(t) => dropped.push(t),
            Change::AlterTable(d) => altered.entry(d.to.name.as_str()).or_default().changes = d.changes.as_slice(),
            Change::CreateIndex { table, index } => altered.entry(table.as_str()).or_default().created.push(index),
            Change::DropIndex { table, index } => altered.entry(table.as_str()).or_default().dropped.push(index),
            Change::RenameIndex { table, from, to } => altered
                .entry(table.as_str())
                .or_default()
                .renamed_indexes
                .push((from.as_str(), to.as_str())),
            Change::RenameConstraint { table, from, to } => altered
                .entry(table.as_str())
                .or_default()
                .renamed_constraints
                .push((from.as_str(), to.as_str())),
            _ => {}
        }
    }
    let triggers = triggers::plan(changes, live, desired);
    drop_triggers(&triggers, &mut out);
    drop_objects(changes, &mut out);
    out.extend(sequences::created_and_altered(changes));
    let renamed_tables = renamed_tables(changes);
    let live_after_renames = renamed_live(changes, live, &renamed_tables);
    let created_names: BTreeSet<&str> = created.iter().map(|t| t.name.as_str()).collect();
    let altered_names: BTreeSet<&str> = altered.keys().copied().collect();
    let mut waiting: Vec<(&Table, &ForeignKey)> = Vec::new();
    for table in creation_order(&created) {
        let (inline, later): (Vec<&ForeignKey>, Vec<&ForeignKey>) = table.foreign_keys.iter().partition(|key| {
            key.ref_table == table.name
                || (!altered_names.contains(key.ref_table.as_str())
                    && (!created_names.contains(key.ref_table.as_str()) || out_has_table(&out, &key.ref_table)))
        });
        out.push(table::create(table, &inline, server));
        waiting.extend(later.into_iter().map(|key| (table, key)));
    }
    let mut alterations = Vec::new();
    for (name, work) in &altered {
        let (Some(from), Some(to)) = (live_after_renames.get(*name), desired.tables.get(*name)) else {
            continue;
        };
        let (mut dropped_indexes, mut created_indexes) = (work.dropped.clone(), work.created.clone());
        let mut renamed_indexes = work.renamed_indexes.clone();
        renamed_indexes.extend(renamed_keys::pair_renamed_indexes(
            &mut dropped_indexes,
            &mut created_indexes,
            server,
        ));
        alterations.push(Alteration {
            from,
            to,
            changes: work.changes,
            dropped_indexes,
            created_indexes,
            renamed_indexes,
            renamed_constraints: work.renamed_constraints.clone(),
            server,
        });
    }
    // Foreign keys wait when they reference another table this plan alters,
    // and when one is replaced under its name (the server cannot drop and
    // add a name in one statement).
    let keys_apart = |a: &Alteration| {
        let dropped: BTreeSet<&str> = a
            .changes
            .iter()
            .filter_map(|c| match c {
                TableChange::DropForeignKey(k) => k.name.as_deref(),
                _ => None,
            })
            .collect();
        a.changes.iter().any(|c| match c {
            TableChange::AddForeignKey(k) | TableChange::DropForeignKey(k) => {
                (k.ref_table != a.to.name && altered_names.contains(k.ref_table.as_str()))
                    || matches!(c, TableChange::AddForeignKey(k) if k.name.as_deref().is_some_and(|n| dropped.contains(n)))
            }
            _ => false,
        })
    };
    let mut added_later = Vec::new();
    let mut alter_statements = Vec::new();
    for alteration in &alterations {
        let apart = keys_apart(alteration);
        let (clauses, drop_keys, add_keys) = alteration.clauses(apart);
        if !drop_keys.is_empty() {
            let mut first = Clauses::default();
            for key in drop_keys {
                first.drop_foreign_key(key);
            }
            out.push(first.statement(alteration.to, server, options.explicit_algorithm));
        }
        if !clauses.is_empty() {
            alter_statements.push(clauses.statement(alteration.to, server, options.explicit_algorithm));
        }
        if !add_keys.is_empty() {
            added_later.push((alteration, add_keys));
        }
    }
    out.extend(alter_statements);
    for (alteration, keys) in added_later {
        let mut last = Clauses::default();
        for key in keys {
            last.add_foreign_key(key);
            alteration.foreign_key_hazard(&mut last, key);
        }
        out.push(last.statement(alteration.to, server, options.explicit_algorithm));
    }
    for (table, key) in waiting {
        let mut clauses = Clauses::default();
        clauses.add_foreign_key(key);
        out.push(clauses.plain(table));
    }
    drop_tables(&dropped, &mut out);
    out.extend(sequences::dropped(changes));
    create_objects(changes, desired, &mut out);
    for trigger in &triggers.created {
        out.push(Statement::ddl(triggers::create_sql(trigger)));
    }
    out
}

/// Drops triggers that go, change, or must fire in another place.
fn drop_triggers(triggers: &triggers::TriggerPlan, out: &mut Vec<Statement>) {
    for (trigger, recreated) in &triggers.dropped {
        let statement = Statement::ddl(format!("DROP TRIGGER {}", quote(&trigger.name)));
        out.push(if *recreated {
            statement
        } else {
            statement.with_hazard(
                HazardKind::DropsObject,
                format!("trigger {} is dropped", quote(&trigger.name)),
            )
        });
    }
}

/// What changes about one existing table.
#[derive(Default)]
struct Work<'a> {
    changes: &'a [TableChange],
    created: Vec<&'a Index>,
    dropped: Vec<&'a Index>,
    renamed_indexes: Vec<(&'a str, &'a str)>,
    renamed_constraints: Vec<(&'a str, &'a str)>,
}

fn out_has_table(out: &[Statement], name: &str) -> bool {
    let prefix = format!("CREATE TABLE {} (", quote(name));
    out.iter().any(|s| s.sql.starts_with(&prefix))
}

/// The live tables renamed by `changes`, under their new names (a renamed
/// table whose indexes change but whose columns do not has no `AlterTable`
/// to say so).
fn renamed_tables(changes: &[Change]) -> Vec<(String, Table)> {
    changes
        .iter()
        .filter_map(|change| match change {
            Change::RenameTable { to, table, name, .. } => {
                let mut renamed = table.clone();
                renamed.name = name.clone();
                Some((to.clone(), renamed))
            }
            _ => None,
        })
        .collect()
}

/// The live tables under the names renames give them.
fn renamed_live<'a>(
    changes: &'a [Change],
    live: &'a Schema,
    renamed: &'a [(String, Table)],
) -> BTreeMap<&'a str, &'a Table> {
    let mut tables: BTreeMap<&str, &Table> = live.tables.iter().map(|(k, t)| (k.as_str(), t)).collect();
    for change in changes {
        if let Change::RenameTable { from, .. } = change {
            tables.remove(from.as_str());
        }
    }
    for (key, table) in renamed {
        tables.insert(key.as_str(), table);
    }
    for change in changes {
        if let Change::AlterTable(d) = change {
            // The diff's `from` is the live table as renames leave it.
            tables.insert(d.to.name.as_str(), &d.from);
        }
    }
    tables
}

/// New tables, each after the new tables it references (cycles broken
/// arbitrarily; their keys wait).
fn creation_order<'a>(created: &[&'a Table]) -> Vec<&'a Table> {
    let names: BTreeSet<&str> = created.iter().map(|t| t.name.as_str()).collect();
    let mut done: BTreeSet<&str> = BTreeSet::new();
    let mut order = Vec::new();
    let mut pending: Vec<&Table> = created.to_vec();
    while !pending.is_empty() {
        let ready = pending.iter().position(|t| {
            t.referenced_tables()
                .iter()
                .all(|r| !names.contains(r) || done.contains(r))
        });
        let table = pending.remove(ready.unwrap_or(0));
        done.insert(table.name.as_str());
        order.push(table);
    }
    order
}

/// Drops tables, each after the dropped tables referencing it; a cycle
/// loses its foreign keys first.
fn drop_tables(dropped: &[&Table], out: &mut Vec<Statement>) {
    let mut pending: Vec<&Table> = dropped.to_vec();
    while !pending.is_empty() {
        let ready = pending.iter().position(|t| {
            !pending
                .iter()
                .any(|other| other.name != t.name && other.referenced_tables().contains(t.name.as_str()))
        });
        let table = match ready {
            Some(at) => pending.remove(at),
            None => {
                let table = pending.remove(0);
                let mut clauses = Clauses::default();
                for key in &table.foreign_keys {
                    clauses.drop_foreign_key(key);
                }
                out.push(clauses.plain(table));
                table
            }
        };
        out.push(
            Statement::ddl(format!("DROP TABLE {}", quote(&table.name)))
                .with_table_hazard(
                    HazardKind::DropsTable,
                    table.name.clone(),
                    format!("table {} and its rows are deleted", quote(&table.name)),
                )
                .with_probe(Probe::rows(quote(&table.name), "lost in the drop")),
        );
    }
}

fn drop_objects(changes: &[Change], out: &mut Vec<Statement>) {
    for change in changes {
        let (sql, what) = match change {
            Change::DropView(v) => (
                format!("DROP VIEW {}", quote(&v.name)),
                format!("view {}", quote(&v.name)),
            ),
            Change::DropRoutine(r) | Change::ReplaceRoutine { from: r, .. } => (
                format!(
                    "DROP {} {}",
                    if r.procedure { "PROCEDURE" } else { "FUNCTION" },
                    quote(&r.name)
                ),
                format!("routine {}", quote(&r.name)),
            ),
            _ => continue,
        };
        let replaced = matches!(change, Change::ReplaceRoutine { .. })
            || matches!(change, Change::DropView(v) if changes.iter().any(|c| matches!(c, Change::CreateView(n) if n.name == v.name)));
        let statement = Statement::ddl(sql);
        out.push(if replaced {
            statement
        } else {
            statement.with_hazard(HazardKind::DropsObject, format!("{what} is dropped"))
        });
    }
}

fn create_objects(changes: &[Change], desired: &Schema, out: &mut Vec<Statement>) {
    for change in changes {
        if let Change::CreateRoutine(r) | Change::ReplaceRoutine { to: r, .. } = change {
            out.push(Statement::ddl(r.definition.clone()));
        }
    }
    let views: Vec<&View> = changes
        .iter()
        .filter_map(|c| match c {
            Change::CreateView(v) => Some(v),
            _ => None,
        })
        .collect();
    for view in view_order(&views, desired) {
        out.push(Statement::ddl(view_sql(view)));
    }
}

/// Views, each after the created views its query names.
fn view_order<'a>(views: &[&'a View], _desired: &Schema) -> Vec<&'a View> {
    let mut pending = views.to_vec();
    let mut order = Vec::new();
    while !pending.is_empty() {
        let ready = pending.iter().position(|v| {
            !pending
                .iter()
                .any(|other| other.name != v.name && v.definition.contains(&quote(&other.name)))
        });
        order.push(pending.remove(ready.unwrap_or(0)));
    }
    order
}

/// `CREATE ALGORITHM=… SQL SECURITY … VIEW name AS query [WITH … CHECK OPTION]`.
pub fn view_sql(view: &View) -> String {
    let option = |name: &str| {
        view.options
            .iter()
            .find_map(|o| o.strip_prefix(name).and_then(|rest| rest.strip_prefix('=')))
    };
    let mut sql = "CREATE".to_string();
    if let Some(algorithm) = option("algorithm") {
        sql.push_str(&format!(" ALGORITHM={algorithm}"));
    }
    if let Some(security) = option("security") {
        sql.push_str(&format!(" SQL SECURITY {security}"));
    }
    sql.push_str(&format!(" VIEW {} AS {}", quote(&view.name), view.definition));
    if let Some(check) = option("check_option") {
        sql.push_str(&format!(" WITH {check} CHECK OPTION"));
    }
    sql
}
