//! Table inheritance (`INHERITS`): the parents a table gains or loses, and
//! the columns and checks that move between a table and its parents.
//!
//! The model keeps only a table's own columns and checks; what it inherits
//! belongs to its parents. So a column added to a parent is added once, to
//! the parent (PostgreSQL adds it to every child), and a column a table
//! declares itself that a parent now gives it is not dropped: it merges
//! into the inherited one. What PostgreSQL does around `INHERIT` and
//! `NO INHERIT` is planned here:
//!
//! - `ALTER TABLE … INHERIT` requires the table to have every column and
//!   check of the new parent already: those it lacks are added just before.
//! - `ALTER TABLE … NO INHERIT` (and a parent dropping a column or check
//!   the table also declares itself) leaves the column or check on the
//!   table as its own: it is dropped after, unless the desired table
//!   declares it, in which case it is brought to its desired definition.
//!
//! Parents are ordered (`inhseqno`: the order of `INHERITS (…)`): a table
//! keeps the longest run of its parents that starts its desired list, and
//! detaches and attaches again from the first one out of place.

use std::collections::{BTreeMap, BTreeSet};

use super::enum_casts::EnumCasts;
use super::table::{add_column, alter, alter_column, drop_column};
use super::table_key;
use crate::engine::diff::{TableChange, TableDiff};
use crate::engine::model::{Check, Column, Schema, Table};
use crate::engine::plan::{HazardKind, Statement};
use crate::engine::postgres::ident::quote;

use super::ddl::{self, table_name};

/// Columns `parents` give a table in `schema`, by name: theirs, and what
/// they inherit in turn.
pub fn provided_columns(schema: &Schema, parents: &[String]) -> BTreeMap<String, Column> {
    let mut provided = BTreeMap::new();
    for table in ancestors(schema, parents) {
        for column in table.columns.iter().chain(&table.written.inherited_columns) {
            provided.entry(column.name.clone()).or_insert_with(|| column.clone());
        }
    }
    provided
}

/// Named checks `parents` give a table in `schema`: theirs except those
/// marked `NO INHERIT`, and what they inherit in turn.
pub fn provided_checks(schema: &Schema, parents: &[String]) -> BTreeMap<String, Check> {
    let mut provided = BTreeMap::new();
    for table in ancestors(schema, parents) {
        // A NO INHERIT check reaches no child, nor so any grandchild.
        let own = table.checks.iter().filter(|c| !c.no_inherit);
        for check in own.chain(&table.written.inherited_checks) {
            if let Some(name) = &check.name {
                provided.entry(name.clone()).or_insert_with(|| check.clone());
            }
        }
    }
    provided
}

/// The tables `parents` name and their ancestors, each once (a cycle cannot
/// exist in a database, but a model is only data).
fn ancestors<'s>(schema: &'s Schema, parents: &[String]) -> Vec<&'s Table> {
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut out = Vec::new();
    let mut level: Vec<&str> = parents.iter().map(String::as_str).collect();
    while !level.is_empty() {
        let mut next = Vec::new();
        for key in level {
            if !seen.insert(key) {
                continue;
            }
            if let Some(table) = schema.tables.get(key) {
                out.push(table);
                next.extend(table.inherits.iter().map(String::as_str));
            }
        }
        level = next;
    }
    out
}

/// How one table's inheritance changes (a table on both sides).
struct Relink {
    /// The live and the desired table.
    from: Table,
    to: Table,
    detached: Vec<String>,
    attached: Vec<String>,
    /// Inherited columns that stay on the table as its own after the plan,
    /// as they were live.
    surviving_columns: Vec<Column>,
    /// Inherited columns a parent drops, that the desired table declares.
    readded_columns: Vec<Column>,
    /// Columns and checks an attached parent needs the table to have.
    missing_columns: Vec<Column>,
    missing_checks: Vec<Check>,
    /// Checks that stay on the table as its own, as they were live.
    surviving_checks: Vec<Check>,
    /// What the desired table inherits, by name.
    inherited_columns: BTreeSet<String>,
    inherited_checks: BTreeSet<String>,
}

/// Every table's inheritance changes in one plan.
pub struct Inheritance {
    tables: BTreeMap<String, Relink>,
}

impl Inheritance {
    pub fn plan(live: &Schema, desired: &Schema) -> Inheritance {
        let mut tables = BTreeMap::new();
        for (key, to) in &desired.tables {
            let Some(from) = live.tables.get(key) else {
                continue;
            };
            if from.inherits.is_empty() && to.inherits.is_empty() {
                continue;
            }
            tables.insert(key.clone(), Relink::plan(from, to, live, desired));
        }
        Inheritance { tables }
    }

    /// `diff` without the changes this plans itself: columns and checks
    /// that merge into inherited ones (not dropped) or that outlive them
    /// (not added).
    pub fn filter(&self, diff: &TableDiff) -> TableDiff {
        let Some(relink) = self.tables.get(&table_key(&diff.to)) else {
            return diff.clone();
        };
        let surviving = |name: &str| {
            relink
                .surviving_columns
                .iter()
                .chain(&relink.readded_columns)
                .any(|c| c.name == name)
        };
        let surviving_check = |check: &Check| relink.surviving_checks.iter().any(|c| c.name == check.name);
        let named_in = |set: &BTreeSet<String>, name: &Option<String>| name.as_ref().is_some_and(|n| set.contains(n));
        let mut filtered = diff.clone();
        filtered.changes.retain(|change| match change {
            TableChange::DropColumn(c) => !relink.inherited_columns.contains(&c.name),
            TableChange::AddColumn(c) => !surviving(&c.name),
            TableChange::DropCheck(c) => !named_in(&relink.inherited_checks, &c.name),
            TableChange::AddCheck(c) => !surviving_check(c),
            _ => true,
        });
        filtered
    }

    /// `NO INHERIT`: before anything else changes, so a parent can be
    /// dropped.
    pub fn detaches(&self) -> Vec<Statement> {
        let mut out = Vec::new();
        for relink in self.tables.values() {
            for parent in &relink.detached {
                out.push(alter(&relink.to, format!("NO INHERIT {parent}")));
            }
        }
        out
    }

    /// Once every table exists and has its columns: what outlived its
    /// parent brought to its desired definition or dropped, what a new
    /// parent needs added, then `INHERIT`.
    pub fn attaches(&self, casts: EnumCasts<'_>) -> Vec<Statement> {
        let mut out = Vec::new();
        for relink in self.tables.values() {
            let table = &relink.to;
            for old in &relink.surviving_columns {
                match table.column(&old.name) {
                    Some(desired) => out.extend(alter_column(table, old, desired, casts)),
                    None => {
                        let mut from = relink.from.clone();
                        from.columns.push(old.clone());
                        let drop = drop_column(table, old, &from);
                        out.push(Statement {
                            sql: drop.sql.replacen("DROP COLUMN ", "DROP COLUMN IF EXISTS ", 1),
                            ..drop
                        });
                    }
                }
            }
            out.extend(relink.readded_columns.iter().map(|c| add_column(table, c)));
            for old in &relink.surviving_checks {
                let Some(name) = &old.name else {
                    continue;
                };
                let desired = table.checks.iter().find(|c| c.name == old.name);
                if desired.is_some_and(|c| c.expression == old.expression && !c.not_valid) {
                    continue;
                }
                let drop = alter(table, format!("DROP CONSTRAINT IF EXISTS {}", quote(name)));
                match desired {
                    Some(check) => {
                        out.push(drop);
                        out.push(new_check(table, check));
                    }
                    None => out.push(drop.with_table_hazard(
                        HazardKind::DropsObject,
                        table_key(table),
                        format!("drops check {} of {}", quote(name), table_name(table)),
                    )),
                }
            }
            out.extend(relink.missing_columns.iter().map(|c| add_column(table, c)));
            out.extend(relink.missing_checks.iter().map(|check| new_check(table, check)));
            for parent in &relink.attached {
                out.push(alter(table, format!("INHERIT {parent}")));
            }
        }
        out
    }
}

/// `ADD CONSTRAINT … CHECK` on a table with rows.
fn new_check(table: &Table, check: &Check) -> Statement {
    let statement = alter(
        table,
        format!("ADD {}{}", ddl::check(check), ddl::not_valid(check.not_valid)),
    );
    if check.not_valid {
        return statement;
    }
    super::table::may_fail(
        table,
        statement,
        format!(
            "existing rows of {} must satisfy CHECK {}",
            table_name(table),
            check.expression
        ),
    )
}

impl Relink {
    fn plan(from: &Table, to: &Table, live: &Schema, desired: &Schema) -> Relink {
        let kept = from
            .inherits
            .iter()
            .zip(&to.inherits)
            .take_while(|(a, b)| a == b)
            .count();
        let detached = from.inherits[kept..].to_vec();
        let attached = to.inherits[kept..].to_vec();

        let live_columns = provided_columns(live, &from.inherits);
        let desired_columns = provided_columns(desired, &to.inherits);
        let detached_columns = provided_columns(live, &detached);
        let kept_live_columns = provided_columns(live, &from.inherits[..kept]);
        let declared = |name: &str| from.written.inherited_columns.iter().any(|c| c.name == name);
        let mut surviving_columns = Vec::new();
        let mut readded_columns = Vec::new();
        for (name, column) in &live_columns {
            if desired_columns.contains_key(name) {
                continue;
            }
            // Detaching leaves a column the table has from no other parent
            // as its own; a parent's drop takes it, unless declared too.
            let detached_only = detached_columns.contains_key(name) && !kept_live_columns.contains_key(name);
            if declared(name) || detached_only {
                let own = from.written.inherited_columns.iter().find(|c| &c.name == name);
                surviving_columns.push(own.unwrap_or(column).clone());
            } else if let Some(desired) = to.column(name) {
                // Dropped with the parent's column: added back after.
                readded_columns.push(desired.clone());
            }
        }

        let live_checks = provided_checks(live, &from.inherits);
        let desired_checks = provided_checks(desired, &to.inherits);
        let detached_checks = provided_checks(live, &detached);
        let check_declared = |name: &str| {
            from.written
                .inherited_checks
                .iter()
                .any(|c| c.name.as_deref() == Some(name))
        };
        let kept_live_checks = provided_checks(live, &from.inherits[..kept]);
        let surviving_checks = live_checks
            .iter()
            .filter(|(name, _)| !desired_checks.contains_key(*name))
            .filter(|(name, _)| {
                check_declared(name) || (detached_checks.contains_key(*name) && !kept_live_checks.contains_key(*name))
            })
            .map(|(_, check)| check.clone())
            .collect();

        let (mut missing_columns, mut missing_checks) = (Vec::new(), Vec::new());
        if !attached.is_empty() {
            let kept_columns = provided_columns(desired, &to.inherits[..kept]);
            let kept_checks = provided_checks(desired, &to.inherits[..kept]);
            for (name, column) in provided_columns(desired, &attached) {
                let has = from.column(&name).is_some() || live_columns.contains_key(&name);
                if !has && !kept_columns.contains_key(&name) {
                    missing_columns.push(column);
                }
            }
            for (name, check) in provided_checks(desired, &attached) {
                let own = from.checks.iter().any(|c| c.name.as_deref() == Some(name.as_str()));
                if !own && !live_checks.contains_key(&name) && !kept_checks.contains_key(&name) {
                    missing_checks.push(check);
                }
            }
        }
        Relink {
            from: from.clone(),
            to: to.clone(),
            detached,
            attached,
            surviving_columns,
            readded_columns,
            missing_columns,
            missing_checks,
            surviving_checks,
            inherited_columns: desired_columns.into_keys().collect(),
            inherited_checks: desired_checks.into_keys().collect(),
        }
    }
}

/// `tables` ordered so that a table comes after the tables it inherits
/// from and the table it is a partition of.
pub fn parents_first(tables: Vec<&Table>) -> Vec<&Table> {
    let mut pending = tables;
    let mut ordered: Vec<&Table> = Vec::with_capacity(pending.len());
    while !pending.is_empty() {
        let waiting = |t: &Table, pending: &[&Table]| {
            let parents = t.partition_of.iter().map(|p| &p.parent).chain(&t.inherits);
            parents
                .into_iter()
                .any(|parent| pending.iter().any(|other| table_key(other) == *parent))
        };
        let ready = pending.iter().position(|t| !waiting(t, &pending)).unwrap_or(0);
        ordered.push(pending.remove(ready));
    }
    ordered
}

/// `tables` ordered so that a table comes before the tables it inherits
/// from (dropping a parent first would fail), otherwise as given.
pub fn children_first(tables: Vec<&Table>) -> Vec<&Table> {
    let mut pending = tables;
    let mut ordered: Vec<&Table> = Vec::with_capacity(pending.len());
    while !pending.is_empty() {
        let has_child = |t: &Table, pending: &[&Table]| {
            let key = table_key(t);
            pending.iter().any(|other| other.inherits.contains(&key))
        };
        let ready = pending.iter().position(|t| !has_child(t, &pending)).unwrap_or(0);
        ordered.push(pending.remove(ready));
    }
    ordered
}
