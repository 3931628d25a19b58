//! Schema-level objects: created before the tables that use them, dropped
//! after everything that used them is gone.

use std::collections::BTreeSet;

use super::ddl::{create_enum, create_extension, drop_routine, enum_name, sequence_name, sequence_options};
use super::{composites, domains, table_key};
use crate::engine::diff::{Change, TableChange};
use crate::engine::model::{CompositeType, Routine, Schema};
use crate::engine::plan::{HazardKind, Statement};
use crate::engine::postgres::ident::{literal, qualified, quote};

/// Schemas and extensions, then enum types (`enum_rebuilds` right after
/// them), domains (which may be over an enum), composite types (whose
/// attributes may be of either), sequences and routines.
pub fn prerequisites(
    changes: &[Change],
    live: &Schema,
    type_rebuilds: Vec<Statement>,
    rebuilt_routines: &[Routine],
) -> Vec<Statement> {
    let mut out = Vec::new();
    let routines_created = changes
        .iter()
        .any(|c| matches!(c, Change::CreateRoutine(_) | Change::ReplaceRoutine { .. }));
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
    for change in changes {
        if let Change::CreateEnum(e) = change {
            out.push(Statement::ddl(create_enum(e)));
        }
    }
    for change in changes {
        match change {
            Change::CreateDomain(d) => out.push(domains::create_domain(d)),
            Change::AlterDomain { from, to } if !domains::needs_rebuild(from, to) => {
                out.extend(domains::alter_domain(from, to))
            }
            _ => {}
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
            Change::AlterSequence { from, to } if sequence_options(from) != sequence_options(to) => out.push(
                Statement::ddl(format!("ALTER SEQUENCE {} {}", sequence_name(to), sequence_options(to))),
            ),
            _ => {}
        }
    }
    for change in changes {
        match change {
            Change::CreateRoutine(r) => out.push(Statement::ddl(r.definition.clone())),
            Change::ReplaceRoutine { from, to } => {
                let signature_changes =
                    from.result != to.result || from.procedure != to.procedure || from.arguments != to.arguments;
                if signature_changes && !rebuilt_routines.contains(from) {
                    out.push(Statement::ddl(drop_routine(from)));
                }
                out.push(Statement::ddl(to.definition.clone()));
            }
            _ => {}
        }
    }
    out
}

/// Routines, sequences, composite types, domains, rebuilt types' old selves (`type_cleanup`),
/// enum types, extensions and schemas that are no longer wanted, once
/// nothing uses them.
pub fn cleanup(changes: &[Change], type_cleanup: Vec<Statement>, rebuilt_routines: &[Routine]) -> Vec<Statement> {
    let mut out = Vec::new();
    let dropped_columns = dropped_columns(changes);
    for change in changes {
        match change {
            Change::DropRoutine(r) if !rebuilt_routines.contains(r) => {
                let kind = if r.procedure { "procedure" } else { "function" };
                out.push(dropped_object(
                    drop_routine(r),
                    format!("{kind} {}({})", qualified(&r.namespace, &r.name), r.identity_arguments),
                ))
            }
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
            out.push(domains::drop_domain(d).with_hazard(
                HazardKind::DropsObject,
                format!("drops domain {}", qualified(&d.namespace, &d.name)),
            ));
        }
    }
    out.extend(type_cleanup);
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
