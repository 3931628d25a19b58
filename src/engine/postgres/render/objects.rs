//! Schema-level objects: created before the tables that use them, dropped
//! after everything that used them is gone.

use std::collections::{BTreeMap, BTreeSet};

use super::ddl::{
    create_enum, create_extension, drop_routine, enum_name, routine_keyword, sequence_name, sequence_options,
};
use super::order::{routine_key, Graph};
use super::rebuilds::{signature_changes, Rebuilds};
use super::sequence_ranges::{self, needs_restart, restarted, Range};
use super::{composites, domains, ranges, table_key};
use crate::engine::diff::{Change, TableChange};
use crate::engine::model::{CompositeType, Domain, Routine, Schema, Sequence};
use crate::engine::plan::{HazardKind, Statement};
use crate::engine::postgres::ident::{literal, qualified, quote};

/// Schemas and extensions, then enum types (`enum_rebuilds` right after
/// them), domains (which may be over an enum), composite types (whose
/// attributes may be of either), sequences and the routines that need not
/// wait for tables or views (see [`Rebuilds`]), in dependency order.
pub fn prerequisites(
    changes: &[Change],
    live: &Schema,
    desired: &Schema,
    type_rebuilds: Vec<Statement>,
    rebuilt_routines: &[Routine],
    rebuilds: &Rebuilds,
) -> Vec<Statement> {
    let mut out = Vec::new();
    let routines_created =
        !rebuilds.early_routines.is_empty() || rebuilds.creates.iter().any(|key| desired.routines.contains_key(key));
    if routines_created {
        // Function bodies are checked when called, not when created, so a
        // function may name tables created later in the plan (as pg_dump does).
        out.push(Statement::ddl("SET LOCAL check_function_bodies = off"));
    }
    for change in changes {
        match change {
            Change::CreateNamespace(n) => out.push(Statement::ddl(format!("CREATE SCHEMA {}", quote(&n.name)))),
            Change::CreateExtension(e) => out.push(Statement::ddl(create_extension(e))),
            Change::AlterExtension { from, to } => {
                if from.namespace != to.namespace {
                    out.push(Statement::ddl(format!(
                        "ALTER EXTENSION {} SET SCHEMA {}",
                        quote(&to.name),
                        quote(&to.namespace)
                    )));
                }
                if from.version != to.version {
                    out.push(Statement::ddl(format!(
                        "ALTER EXTENSION {} UPDATE TO {}",
                        quote(&to.name),
                        literal(&to.version)
                    )));
                }
            }
            _ => {}
        }
    }
    out.extend(super::collations::creates(changes, live, desired));
    for change in changes {
        if let Change::CreateEnum(e) = change {
            out.push(Statement::ddl(create_enum(e)));
        }
    }
    // Range types before the domains and composite types that may use
    // them; those calling a routine of the schema after the routines.
    out.extend(range_statements(changes, desired, false));
    let early_routines: BTreeSet<String> = rebuilds.early_routines.iter().cloned().collect();
    let calling_domains = domains_calling(changes, desired, &early_routines);
    for change in changes {
        if !domain_change_key(change).is_some_and(|key| calling_domains.contains_key(&key)) {
            out.extend(domain_statements(change));
        } else if let Change::AlterDomain { from, to } = change {
            out.extend(domains::drop_checks(from, to));
        }
    }
    let created: Vec<&CompositeType> = changes
        .iter()
        .filter_map(|c| match c {
            Change::CreateComposite(t) => Some(t),
            _ => None,
        })
        .collect();
    out.extend(
        composites::dependency_order(created)
            .into_iter()
            .map(composites::create_composite),
    );
    for change in changes {
        if let Change::AlterComposite { from, to } = change {
            if !composites::needs_rebuild(from, to, live) {
                out.push(composites::alter_composite(from, to));
            }
        }
    }
    out.extend(type_rebuilds);
    for change in changes {
        match change {
            Change::CreateSequence(s) => out.push(Statement::ddl(format!(
                "CREATE SEQUENCE {} {}",
                sequence_name(s),
                sequence_options(s)
            ))),
            Change::AlterSequence { from, to } if sequence_options(from) != sequence_options(to) => {
                out.push(alter_sequence(from, to, live))
            }
            _ => {}
        }
    }
    for change in changes {
        if let Change::ReplaceRoutine { from, to } = change {
            let dropped_first = routine_key(live, from).is_some_and(|key| rebuilds.drops_first(key));
            if signature_changes(from, to) && !rebuilt_routines.contains(from) && !dropped_first {
                out.push(Statement::ddl(drop_routine(from)));
            }
        }
    }
    // Domains calling a routine created here wait for it, in the order of
    // real dependencies (a routine's signature may in turn use a domain).
    let mut keys = early_routines;
    keys.extend(calling_domains.keys().cloned());
    for key in Graph::with_domains(desired).creation_order(&keys) {
        if let Some(routine) = desired.routines.get(&key) {
            out.push(Statement::ddl(routine.definition.clone()));
        } else if let Some(change) = calling_domains.get(&key) {
            out.extend(match change {
                Change::AlterDomain { from, to } => domains::alter_after_checks_drop(from, to),
                _ => domain_statements(change),
            });
        }
    }
    out.extend(range_statements(changes, desired, true));
    out
}

/// Range types created, or dropped and created again, whose functions are
/// (`calling`) or are not routines of the desired schema.
fn range_statements(changes: &[Change], desired: &Schema, calling: bool) -> Vec<Statement> {
    let mut out = Vec::new();
    for change in changes {
        match change {
            Change::CreateRange(r) if ranges::calls_routine(r, desired) == calling => out.push(ranges::create_range(r)),
            Change::ReplaceRange { from, to } if ranges::calls_routine(to, desired) == calling => {
                out.push(ranges::drop_range(from));
                out.push(ranges::create_range(to));
            }
            _ => {}
        }
    }
    out
}

/// What creates or changes a domain in place.
fn domain_statements(change: &Change) -> Vec<Statement> {
    match change {
        Change::CreateDomain(d) => vec![domains::create_domain(d)],
        Change::AlterDomain { from, to } if !domains::needs_rebuild(from, to) => domains::alter_domain(from, to),
        _ => Vec::new(),
    }
}

fn domain_change_key(change: &Change) -> Option<String> {
    match change {
        Change::CreateDomain(d) | Change::AlterDomain { to: d, .. } => Some(domains::key(d)),
        _ => None,
    }
}

/// Domain key → its creation or in-place change, for the domains whose
/// desired checks or default call one of `routines`.
fn domains_calling<'c>(
    changes: &'c [Change],
    desired: &Schema,
    routines: &BTreeSet<String>,
) -> BTreeMap<String, &'c Change> {
    changes
        .iter()
        .filter(|change| !domain_statements(change).is_empty())
        .filter_map(|change| domain_change_key(change).map(|key| (key, change)))
        .filter(|(key, _)| {
            desired
                .routine_users
                .called_by_domain(key)
                .any(|routine| routines.contains(routine))
        })
        .collect()
}

/// Routines, sequences, composite types, domains, rebuilt types' old selves (`type_cleanup`),
/// enum types, extensions and schemas that are no longer wanted, once
/// nothing uses them.
pub fn cleanup(
    changes: &[Change],
    live: &Schema,
    type_cleanup: Vec<Statement>,
    rebuilt_routines: &[Routine],
    rebuilds: &Rebuilds,
) -> Vec<Statement> {
    let mut out = Vec::new();
    let dropped_routines: BTreeSet<String> = changes
        .iter()
        .filter_map(|c| match c {
            Change::DropRoutine(r) if !rebuilt_routines.contains(r) => routine_key(live, r),
            _ => None,
        })
        .filter(|key| !rebuilds.drops_first(key))
        .cloned()
        .collect();
    // Dropped domains calling a dropped routine go first, in the order of
    // real dependencies (a routine's signature may in turn use a domain).
    let calling_domains: BTreeMap<String, &Domain> = changes
        .iter()
        .filter_map(|c| match c {
            Change::DropDomain(d) => Some((domains::key(d), d)),
            _ => None,
        })
        .filter(|(key, _)| {
            live.routine_users
                .called_by_domain(key)
                .any(|routine| dropped_routines.contains(routine))
        })
        .collect();
    let mut keys = dropped_routines;
    keys.extend(calling_domains.keys().cloned());
    for key in Graph::with_domains(live).drop_order(&keys) {
        if let Some(routine) = live.routines.get(&key) {
            out.push(dropped_routine(routine));
        } else if let Some(domain) = calling_domains.get(&key) {
            out.push(dropped_domain(domain));
        }
    }
    let dropped_columns = dropped_columns(changes);
    for change in changes {
        match change {
            // A sequence owned by a dropped column went with it.
            Change::DropSequence(s) if !s.owned_by.as_ref().is_some_and(|o| dropped_columns.contains(o)) => {
                let name = sequence_name(s);
                out.push(dropped_object(
                    format!("DROP SEQUENCE {name}"),
                    format!("sequence {name}"),
                ))
            }
            _ => {}
        }
    }
    let dropped: Vec<&CompositeType> = changes
        .iter()
        .filter_map(|c| match c {
            Change::DropComposite(t) => Some(t),
            _ => None,
        })
        .collect();
    let mut dropped = composites::dependency_order(dropped);
    dropped.reverse();
    out.extend(dropped.into_iter().map(|t| {
        composites::drop_composite(t).with_hazard(
            HazardKind::DropsObject,
            format!("drops composite type {}", qualified(&t.namespace, &t.name)),
        )
    }));
    for change in changes {
        if let Change::DropDomain(d) = change {
            if !calling_domains.contains_key(&domains::key(d)) {
                out.push(dropped_domain(d));
            }
        }
    }
    out.extend(type_cleanup);
    for change in changes {
        if let Change::DropRange(r) = change {
            out.push(ranges::dropped_range(r));
        }
    }
    for change in changes {
        match change {
            Change::DropEnum(e) => out.push(dropped_object(
                format!("DROP TYPE {}", enum_name(e)),
                format!("enum type {}", enum_name(e)),
            )),
            Change::DropExtension(e) => out.push(dropped_object(
                format!("DROP EXTENSION {}", quote(&e.name)),
                format!("extension {} and the functions and types it provides", quote(&e.name)),
            )),
            _ => {}
        }
    }
    out.extend(super::collations::drops(changes));
    for change in changes {
        if let Change::DropNamespace(n) = change {
            out.push(
                Statement::ddl(format!("DROP SCHEMA {}", quote(&n.name)))
                    .with_hazard(HazardKind::DropsSchema, format!("drops schema {}", quote(&n.name))),
            );
        }
    }
    out
}

/// A drop of an object the desired schema no longer has (`what` names it).
/// A routine that goes for good: nothing recreates it in this plan.
pub(super) fn dropped_routine(routine: &Routine) -> Statement {
    let kind = routine_keyword(routine).to_lowercase();
    dropped_object(
        drop_routine(routine),
        format!(
            "{kind} {}({})",
            qualified(&routine.namespace, &routine.name),
            routine.identity_arguments
        ),
    )
}

fn dropped_domain(domain: &Domain) -> Statement {
    domains::drop_domain(domain).with_hazard(
        HazardKind::DropsObject,
        format!("drops domain {}", qualified(&domain.namespace, &domain.name)),
    )
}

fn dropped_object(sql: String, what: String) -> Statement {
    Statement::ddl(sql).with_hazard(
        HazardKind::DropsObject,
        format!("drops {what}; whatever still uses it breaks"),
    )
}

/// `table_key.column` of every column that goes away, with its table or alone.
fn dropped_columns(changes: &[Change]) -> BTreeSet<String> {
    let mut dropped = BTreeSet::new();
    for change in changes {
        match change {
            Change::DropTable(t) => {
                dropped.extend(t.columns.iter().map(|c| format!("{}.{}", table_key(t), c.name)));
            }
            Change::AlterTable(d) => {
                for tc in &d.changes {
                    if let TableChange::DropColumn(c) = tc {
                        dropped.insert(format!("{}.{}", table_key(&d.from), c.name));
                    }
                }
            }
            _ => {}
        }
    }
    dropped
}

/// `ALTER SEQUENCE` to `to`'s options, restarting when the live sequence is
/// outside its new range (see sequence_ranges.rs).
fn alter_sequence(from: &Sequence, to: &Sequence, live: &Schema) -> Statement {
    let name = sequence_name(to);
    let sql = format!("ALTER SEQUENCE {name} {}", sequence_options(to));
    let range = Range::of_sequence(to);
    if !needs_restart(&Range::of_sequence(from), &range, from.last_value) {
        return Statement::ddl(sql);
    }
    restarted(
        Statement::ddl(format!("{sql} RESTART")),
        &name,
        &range,
        sequence_ranges::owner(from, live),
    )
}
