//! Column defaults, checks, indexes, triggers and domains that call a
//! routine this plan drops before the tables change (its signature changes,
//! or something it reads is rebuilt; see [`Rebuilds`]): PostgreSQL refuses
//! to drop a routine they still call, so they go first and, where the
//! desired schema keeps them unchanged, come back once the routine exists
//! again. Users that change or go away are recreated (or not) by their own
//! changes; here they are only moved out of the way early when their own
//! change would come too late.

use std::collections::BTreeSet;

use super::ddl::{add_check, table_name};
use super::domains;
use super::order::routine_key;
use super::rebuilds::{signature_changes, Rebuilds};
use super::{create_index, indexes};
use crate::engine::diff::Change;
use crate::engine::model::{Routine, RoutineUser, Schema};
use crate::engine::plan::Statement;
use crate::engine::postgres::ident::{qualified, quote};

#[derive(Default)]
pub struct UserRebuilds {
    /// Run before anything else in the transaction.
    pub drops: Vec<Statement>,
    /// Run once every routine and table is in place (triggers go through
    /// [`Rebuilds::trigger_drops`] and [`Rebuilds::trigger_creates`]).
    pub creates: Vec<Statement>,
}

/// Keys of live routines dropped before the tables change: those whose
/// signature changes (unless a type rebuild drops them itself) and those
/// [`Rebuilds`] drops first.
pub fn dropped_before_tables(
    changes: &[Change],
    live: &Schema,
    type_rebuilt: &[Routine],
    rebuilds: &Rebuilds,
) -> BTreeSet<String> {
    let mut dropped: BTreeSet<String> = rebuilds
        .drops
        .iter()
        .filter(|key| live.routines.contains_key(*key))
        .cloned()
        .collect();
    for change in changes {
        if let Change::ReplaceRoutine { from, to } = change {
            if signature_changes(from, to) && !type_rebuilt.contains(from) {
                dropped.extend(routine_key(live, from).cloned());
            }
        }
    }
    dropped
}

/// The users of the `dropped` routines, moved out of the way and put back;
/// kept triggers are added to `rebuilds`' trigger drops and creates.
pub fn plan(
    changes: &[Change],
    live: &Schema,
    desired: &Schema,
    dropped: &BTreeSet<String>,
    rebuilds: &mut Rebuilds,
) -> UserRebuilds {
    let users: BTreeSet<&RoutineUser> = dropped.iter().flat_map(|key| live.routine_users.of(key)).collect();
    let rebuilt_domains: BTreeSet<String> = changes
        .iter()
        .filter_map(|c| match c {
            Change::AlterDomain { from, to } if domains::needs_rebuild(from, to) => Some(domains::key(to)),
            _ => None,
        })
        .collect();
    let mut out = UserRebuilds::default();
    for user in users {
        match user {
            RoutineUser::ColumnDefault { table, column } => {
                let Some((live_table, default)) = live
                    .tables
                    .get(table)
                    .and_then(|t| Some((t, t.column(column)?.default.as_ref()?)))
                else {
                    continue;
                };
                // Dropped even when the column's own change sets another
                // default: that runs with the tables, after the routine is gone.
                let alter = format!("ALTER TABLE {} ALTER COLUMN {}", table_name(live_table), quote(column));
                out.drops.push(Statement::ddl(format!("{alter} DROP DEFAULT")));
                let kept = desired
                    .tables
                    .get(table)
                    .and_then(|t| t.column(column)?.default.as_ref());
                if kept == Some(default) {
                    out.creates
                        .push(Statement::ddl(format!("{alter} SET DEFAULT {default}")));
                }
            }
            RoutineUser::Check { table, name } => {
                let Some(live_table) = live.tables.get(table) else {
                    continue;
                };
                let Some(check) = live_table.checks.iter().find(|c| c.name.as_ref() == Some(name)) else {
                    continue;
                };
                let kept = desired.tables.get(table);
                // A table that keeps it without the check drops it with its
                // other constraints, before anything else.
                if kept.is_some_and(|t| !t.checks.contains(check)) {
                    continue;
                }
                let table_sql = table_name(live_table);
                out.drops.push(Statement::ddl(format!(
                    "ALTER TABLE {table_sql} DROP CONSTRAINT {}",
                    quote(name)
                )));
                if kept.is_some() {
                    out.creates.push(Statement::ddl(add_check(&table_sql, check)));
                }
            }
            RoutineUser::Index { table, name } => {
                let Some(index) = live.tables.get(table).and_then(|t| t.indexes.get(name)) else {
                    continue;
                };
                let kept = desired.tables.get(table);
                // Changed or dropped on a kept table: its own drop comes first.
                if kept.is_some_and(|t| t.indexes.get(name) != Some(index)) {
                    continue;
                }
                out.drops.push(Statement::ddl(format!(
                    "DROP INDEX {}",
                    indexes::index_name(live, table, index)
                )));
                if kept.is_some() {
                    out.creates.push(create_index(index));
                }
            }
            RoutineUser::Trigger { table, name } => {
                let Some((key, trigger)) = live.triggers.iter().find(|(_, t)| &t.table == table && &t.name == name)
                else {
                    continue;
                };
                rebuilds.trigger_drops.insert(key.clone());
                if desired.triggers.get(key) == Some(trigger) {
                    rebuilds.trigger_creates.insert(key.clone());
                }
            }
            RoutineUser::DomainCheck { domain, name } => {
                let Some(live_domain) = live.domains.get(domain) else {
                    continue;
                };
                let Some(check) = live_domain.checks.iter().find(|c| c.name.as_ref() == Some(name)) else {
                    continue;
                };
                let kept = desired.domains.get(domain);
                // A kept domain that loses the check drops it itself, before
                // a routine's signature change; a rebuilt one is renamed away.
                if kept.is_some_and(|d| !d.checks.contains(check)) || rebuilt_domains.contains(domain) {
                    continue;
                }
                let domain_sql = qualified(&live_domain.namespace, &live_domain.name);
                out.drops.push(Statement::ddl(format!(
                    "ALTER DOMAIN {domain_sql} DROP CONSTRAINT {}",
                    quote(name)
                )));
                if kept.is_some() {
                    out.creates.push(Statement::ddl(format!(
                        "ALTER DOMAIN {domain_sql} ADD CONSTRAINT {} CHECK {}",
                        quote(name),
                        check.expression
                    )));
                }
            }
            RoutineUser::DomainDefault { domain } => {
                let Some(live_domain) = live.domains.get(domain) else {
                    continue;
                };
                let Some(default) = &live_domain.default else {
                    continue;
                };
                if rebuilt_domains.contains(domain) {
                    continue;
                }
                // Dropped even when the domain's own change sets another
                // default: that may wait for routines created later.
                let domain_sql = qualified(&live_domain.namespace, &live_domain.name);
                out.drops
                    .push(Statement::ddl(format!("ALTER DOMAIN {domain_sql} DROP DEFAULT")));
                if desired.domains.get(domain).and_then(|d| d.default.as_ref()) == Some(default) {
                    out.creates.push(Statement::ddl(format!(
                        "ALTER DOMAIN {domain_sql} SET DEFAULT {default}"
                    )));
                }
            }
        }
    }
    out
}
