//! Changes → ordered PostgreSQL statements.
//!
//! Order, by dependency: move the callers of routines dropped and created
//! again out of the way (see [`routine_users`]); drop triggers, views and routines (with whatever
//! uses them, by the dependencies PostgreSQL records: see [`order`] and
//! [`rebuilds`]), foreign keys and indexes; create schemas, extensions, enum
//! types, domains, composite types, sequences and routines (before the
//! tables whose defaults, checks and triggers use them; domains calling a
//! new routine wait for it, see [`objects`]); drop, create
//! (partitioned tables before their partitions) and alter tables; add
//! foreign keys once every table exists; create indexes, then views and the
//! routines whose bodies read tables or views, in dependency order, then
//! triggers; drop the routines, sequences, types, extensions and schemas
//! nothing uses any more; last, comments (see [`comments`]). Enum values are
//! added before the transaction (see [`enums`]). With `concurrent_indexes`,
//! indexes of existing tables are dropped before the transaction and built
//! after it, CONCURRENTLY (see [`indexes`]).

mod collations;
mod comments;
mod composites;
mod ddl;
mod domains;
mod enum_casts;
mod enums;
mod foreign_keys;
mod indexes;
mod inheritance;
mod objects;
mod order;
mod privileges;
mod ranges;
mod rebuilds;
mod renames;
mod retype;
mod routine_users;
mod rules;
mod sequence_ranges;
mod table;
mod type_change;
mod views;

use std::collections::BTreeSet;

use crate::engine::diff::{Change, TableChange};
use crate::engine::model::{ForeignKey, Index, Routine, Schema, Sequence, Table, Trigger, View};
use crate::engine::options::Options;
use crate::engine::plan::{HazardKind, Statement};
use crate::engine::postgres::ident::{key, key_part, quote};
use crate::engine::postgres::validity;
use crate::engine::probe::{Count, Probe};

use ddl::{create_view, drop_routine, drop_view, foreign_key, relation_name, sequence_name, table_name};
use rebuilds::Rebuilds;

pub use order::Graph;
pub use retype::OLD_SUFFIX as TYPE_REBUILD_SUFFIX;
pub use sequence_ranges::positions as sequence_positions;

pub fn render(changes: &[Change], live: &Schema, desired: &Schema, options: &Options) -> Vec<Statement> {
    let renamed = crate::engine::renames::live_after(changes, live, &super::script::GRAMMAR);
    let live = renamed.as_ref().unwrap_or(live);
    let mut retyped = rebuilds::retyped_tables(changes);
    let mut added_enum_values = Vec::new();
    let mut type_rebuilds = Vec::new();
    let mut type_cleanup = Vec::new();
    let mut rebuilt_routines: Vec<Routine> = Vec::new();
    let mut rebuilt_types: BTreeSet<String> = BTreeSet::new();
    for change in changes {
        let rebuild = match change {
            Change::AlterEnum { from, to } => {
                let change = enums::alter_enum(from, to, live, desired);
                added_enum_values.extend(change.added_values);
                change.rebuild
            }
            Change::AlterDomain { from, to } if domains::needs_rebuild(from, to) => {
                domains::rebuild(from, to, live, desired)
            }
            Change::AlterComposite { from, to } if composites::needs_rebuild(from, to, live) => {
                composites::rebuild(from, to, live, desired)
            }
            _ => continue,
        };
        if let Some(type_key) = rebuilt_type_key(change) {
            if !rebuild.statements.is_empty() {
                rebuilt_types.insert(type_key);
            }
        }
        type_rebuilds.extend(rebuild.statements);
        type_cleanup.extend(rebuild.cleanup);
        retyped.extend(rebuild.retyped_tables);
        rebuilt_routines.extend(rebuild.dropped_routines);
    }
    // A range type is dropped and created again: what uses it is rebuilt too.
    rebuilt_types.extend(changes.iter().filter_map(|c| match c {
        Change::ReplaceRange { to, .. } => Some(ranges::range_key(to)),
        _ => None,
    }));
    let roots: BTreeSet<String> = retyped.union(&rebuilt_types).cloned().collect();
    let mut rebuilds = Rebuilds::plan(changes, live, desired, &roots, &rebuilt_routines);
    let dropped_routines = routine_users::dropped_before_tables(changes, live, &rebuilt_routines, &rebuilds);
    let user_rebuilds = routine_users::plan(changes, live, desired, &dropped_routines, &mut rebuilds);
    let stepping_aside = foreign_keys::referencing_rekeyed_tables(changes, live, desired);
    let concurrent = indexes::Concurrent::plan(changes, live, options);

    let inheritance = inheritance::Inheritance::plan(live, desired);
    let mut teardown = user_rebuilds.drops;
    teardown.extend(inheritance.detaches());
    teardown.extend(self::teardown(
        changes,
        live,
        desired,
        &rebuilds,
        &stepping_aside,
        &concurrent,
    ));
    let prerequisites = objects::prerequisites(changes, live, desired, type_rebuilds, &rebuilt_routines, &rebuilds);
    let mut tables = Vec::new();
    let dropped: BTreeSet<String> = changes
        .iter()
        .filter_map(|c| match c {
            Change::DropTable(t) => Some(table_key(t)),
            _ => None,
        })
        .collect();
    let dropped_tables: Vec<&Table> = changes
        .iter()
        .filter_map(|c| match c {
            Change::DropTable(t) => Some(t),
            _ => None,
        })
        .collect();
    // Children before the parents they inherit from.
    for t in inheritance::children_first(dropped_tables) {
        // Dropping a partitioned table drops its partitions with it.
        if t.partition_of.as_ref().is_some_and(|p| dropped.contains(&p.parent)) {
            continue;
        }
        tables.push(
            Statement::ddl(format!("DROP TABLE {}", table_name(t)))
                .with_table_hazard(
                    HazardKind::DropsTable,
                    table_key(t),
                    format!("drops table {} and its rows", table_name(t)),
                )
                .with_probe(Probe::rows(table_name(t), "lost in the drop"))
                .locking(table_key(t), table_name(t), access_exclusive(&table_name(t))),
        );
    }
    let created: Vec<&Table> = changes
        .iter()
        .filter_map(|c| match c {
            Change::CreateTable(t) => Some(t),
            _ => None,
        })
        .collect();
    for t in inheritance::parents_first(created) {
        tables.extend(table::create_table(t));
    }
    for change in changes {
        if let Change::AlterTable(d) = change {
            let altered = table::alter_table(&inheritance.filter(d), enum_casts::EnumCasts { live, desired });
            teardown.extend(altered.constraint_drops);
            tables.extend(altered.changes);
        }
    }
    tables.extend(inheritance.attaches(enum_casts::EnumCasts { live, desired }));
    let finish = finish(
        changes,
        live,
        desired,
        &rebuilds,
        &stepping_aside,
        &concurrent,
        user_rebuilds.creates,
    );
    let cleanup = objects::cleanup(changes, live, type_cleanup, &rebuilt_routines, &rebuilds);
    let mut recreated_tables = retyped;
    recreated_tables.extend(stepping_aside.iter().map(|(t, _)| table_key(t)));
    rebuilt_types.extend(collations::recreated(changes));
    let mut attached = rules::plan(changes, live, desired, &rebuilds);
    let recreated = comments::Recreated::new(
        changes,
        live,
        &rebuilds,
        &rebuilt_routines,
        rebuilt_types,
        recreated_tables,
        std::mem::take(&mut attached.renewed),
    );
    let comments = comments::comments(changes, live, desired, &recreated);
    let recreated_objects = recreated_objects(changes, desired, &recreated);
    let grants = privileges::grants_and_owners(live, desired, &recreated_objects);

    let in_transaction: Vec<Statement> = renames::statements(changes, desired)
        .into_iter()
        .chain(privileges::default_privileges(changes))
        .chain(attached.drops)
        .chain(teardown)
        .chain(prerequisites)
        .chain(tables)
        .chain(finish)
        .chain(attached.creates)
        .chain(cleanup)
        .chain(comments)
        .chain(grants)
        .collect();
    let in_transaction = if in_transaction.len() == 1 && in_transaction[0].sql.starts_with("SET LOCAL") {
        Vec::new()
    } else {
        in_transaction
    };
    added_enum_values
        .into_iter()
        .chain(concurrent.drops)
        .chain(in_transaction)
        .chain(concurrent.creates)
        .collect()
}

/// Keys of the live objects this plan drops and creates again: they lose
/// their grants and owner.
fn recreated_objects(changes: &[Change], desired: &Schema, recreated: &comments::Recreated) -> BTreeSet<String> {
    let mut keys: BTreeSet<String> = recreated.objects().cloned().collect();
    for change in changes {
        let key = match change {
            Change::CreateTable(t) => table_key(t),
            Change::CreateView(v) => key(v.namespace.as_deref().unwrap_or("public"), &v.name),
            Change::CreateSequence(s) => key(&s.namespace, &s.name),
            Change::CreateEnum(e) => key(&e.namespace, &e.name),
            Change::CreateCollation(c) => key(&c.namespace, &c.name),
            Change::CreateDomain(d) => key(&d.namespace, &d.name),
            Change::CreateComposite(c) => key(&c.namespace, &c.name),
            Change::CreateRange(r) | Change::ReplaceRange { to: r, .. } => ranges::range_key(r),
            Change::CreateRoutine(r) => match order::routine_key(desired, r) {
                Some(key) => key.clone(),
                None => continue,
            },
            _ => continue,
        };
        keys.insert(key);
    }
    keys
}

/// Triggers, views, foreign keys and indexes that must go before anything
/// else changes.
fn teardown(
    changes: &[Change],
    live: &Schema,
    desired: &Schema,
    rebuilds: &Rebuilds,
    stepping_aside: &[(&Table, &ForeignKey)],
    concurrent: &indexes::Concurrent,
) -> Vec<Statement> {
    let schemas = [desired, live];
    let mut out = Vec::new();
    for key in &rebuilds.trigger_drops {
        if let Some(trigger) = live.triggers.get(key) {
            let on = relation_name(&trigger.table, &schemas);
            let statement = Statement::ddl(format!("DROP TRIGGER {} ON {on}", quote(&trigger.name)));
            out.push(if desired.triggers.contains_key(key) {
                statement
            } else {
                statement.with_hazard(
                    HazardKind::DropsObject,
                    format!("drops trigger {} on {on}", quote(&trigger.name)),
                )
            });
        }
    }
    for key in &rebuilds.drops {
        if let Some(view) = live.views.get(key) {
            let statement = Statement::ddl(drop_view(view));
            out.push(if desired.views.contains_key(key) {
                statement
            } else {
                let kind = if view.materialized { "materialized view" } else { "view" };
                statement.with_hazard(
                    HazardKind::DropsObject,
                    format!("drops {kind} {}; queries reading it fail", ddl::view_name(view)),
                )
            });
        } else if let Some(routine) = live.routines.get(key) {
            out.push(if desired.routines.contains_key(key) {
                Statement::ddl(drop_routine(routine))
            } else {
                objects::dropped_routine(routine)
            });
        }
    }
    let drop_foreign_key = |table: &Table, fk: &ForeignKey| {
        fk.name.as_ref().map(|name| {
            Statement::ddl(format!(
                "ALTER TABLE {} DROP CONSTRAINT {}",
                table_name(table),
                quote(name)
            ))
        })
    };
    out.extend(
        stepping_aside
            .iter()
            .filter_map(|(table, fk)| drop_foreign_key(table, fk)),
    );
    let dropped_tables: BTreeSet<String> = changes
        .iter()
        .filter_map(|c| match c {
            Change::DropTable(t) => Some(table_key(t)),
            _ => None,
        })
        .collect();
    for change in changes {
        match change {
            Change::DropTable(t) => out.extend(t.foreign_keys.iter().filter_map(|fk| drop_foreign_key(t, fk))),
            Change::AlterTable(d) => {
                let validations = validity::validations(d);
                for c in &d.changes {
                    if let TableChange::DropForeignKey(fk) = c {
                        if !validity::is_validated(c, &validations) {
                            out.extend(drop_foreign_key(&d.from, fk));
                        }
                    }
                }
            }
            Change::DropIndex { table, index }
                if !dropped_tables.contains(table) && !concurrent.drops_concurrently(table, index) =>
            {
                out.push(Statement::ddl(format!(
                    "DROP INDEX {}",
                    indexes::index_name(live, table, index)
                )));
            }
            _ => {}
        }
    }
    out
}

/// Once every table exists: foreign keys, sequence ownership, indexes,
/// views (with their indexes), the users of routines that were dropped and
/// created again (`routine_users`), and triggers.
fn finish(
    changes: &[Change],
    live: &Schema,
    desired: &Schema,
    rebuilds: &Rebuilds,
    stepping_aside: &[(&Table, &ForeignKey)],
    concurrent: &indexes::Concurrent,
    routine_users: Vec<Statement>,
) -> Vec<Statement> {
    let schemas = [desired, live];
    let add_foreign_key =
        |table: &Table, fk: &ForeignKey| format!("ALTER TABLE {} ADD {}", table_name(table), foreign_key(fk, &schemas));
    let validates = |table: &Table| {
        format!(
            "validating the foreign key reads every row of {} while writes to it wait",
            table_name(table)
        )
    };
    let mut out: Vec<Statement> = stepping_aside
        .iter()
        .map(|(table, fk)| {
            Statement::ddl(add_foreign_key(table, fk)).with_table_hazard(
                HazardKind::ScansTableUnderLock,
                table_key(table),
                validates(table),
            )
        })
        .collect();
    let mut ownership = Vec::new();
    for change in changes {
        match change {
            Change::CreateTable(t) => {
                out.extend(t.foreign_keys.iter().map(|fk| Statement::ddl(add_foreign_key(t, fk))));
            }
            Change::AlterTable(d) => {
                let validations = validity::validations(d);
                for c in &d.changes {
                    if let TableChange::AddForeignKey(fk) = c {
                        if validity::is_validated(c, &validations) {
                            continue;
                        }
                        if fk.not_valid {
                            // Unvalidated, it reads no rows and cannot fail on them.
                            out.push(Statement::ddl(add_foreign_key(&d.to, fk)));
                            continue;
                        }
                        let parent = relation_name(&fk.ref_table, &schemas);
                        let mut statement = Statement::ddl(add_foreign_key(&d.to, fk)).with_table_hazard(
                            HazardKind::MayFailOnExistingRows,
                            table_key(&d.to),
                            format!(
                                "existing rows of {} must reference existing rows of {parent}",
                                table_name(&d.to)
                            ),
                        );
                        if let Some(probe) = orphans_probe(d, fk, live, parent) {
                            statement = statement.with_probe(probe);
                        }
                        let statement = statement.with_table_hazard(
                            HazardKind::ScansTableUnderLock,
                            table_key(&d.to),
                            validates(&d.to),
                        );
                        out.push(match fk.columns.first() {
                            Some(column) => statement.about_column(column),
                            None => statement,
                        });
                    }
                }
            }
            Change::CreateSequence(s) if s.owned_by.is_some() => ownership.push(owned_by(s, desired)),
            Change::AlterSequence { from, to } if from.owned_by != to.owned_by => ownership.push(owned_by(to, desired)),
            _ => {}
        }
    }
    out.append(&mut ownership);
    for change in changes {
        match change {
            Change::CreateIndex { table, index } if !concurrent.builds_concurrently(table, index) => {
                out.push(indexes::create_on_existing_table(changes, live, table, index, false))
            }
            Change::CreateTable(t) => out.extend(t.indexes.values().map(create_index)),
            _ => {}
        }
    }
    for change in changes {
        match change {
            Change::CreateTable(t) => out.extend(t.policies.iter().map(|p| table::create_policy(t, p))),
            Change::AlterTable(d) => {
                for c in &d.changes {
                    if let TableChange::AddPolicy(p) = c {
                        out.push(table::create_policy(&d.to, p));
                    }
                }
            }
            _ => {}
        }
    }
    for key in &rebuilds.creates {
        if let Some(routine) = desired.routines.get(key) {
            out.push(Statement::ddl(routine.definition.clone()));
            continue;
        }
        let Some(view) = desired.views.get(key) else {
            continue;
        };
        if rebuilds.replaced.contains(key) {
            out.push(Statement::ddl(create_view(view).replacen(
                "CREATE ",
                "CREATE OR REPLACE ",
                1,
            )));
            continue;
        }
        out.push(Statement::ddl(create_view(view)));
        out.extend(view.indexes.values().map(create_index));
    }
    for key in &rebuilds.options_changed {
        if let (Some(old), Some(new)) = (live.views.get(key), desired.views.get(key)) {
            out.extend(views::alter_options(old, new));
        }
    }
    out.extend(routine_users);
    for key in &rebuilds.trigger_creates {
        if let Some(trigger) = desired.triggers.get(key) {
            out.push(Statement::ddl(trigger.definition.clone()));
        }
    }
    out
}

/// Rows of the altered table whose new foreign key matches no parent row;
/// `None` when a column or the parent is new (it has no rows yet).
fn orphans_probe(d: &crate::engine::diff::TableDiff, fk: &ForeignKey, live: &Schema, parent: String) -> Option<Probe> {
    let parent_live = live.tables.get(&fk.ref_table)?;
    let all_live = fk.columns.iter().all(|c| d.from.column(c).is_some())
        && fk.ref_columns.iter().all(|c| parent_live.column(c).is_some());
    all_live.then(|| orphans(&d.from, fk, parent))
}

/// Rows of `table` whose foreign key `fk` matches no row of `parent` (SQL).
fn orphans(table: &Table, fk: &ForeignKey, parent: String) -> Probe {
    Probe {
        table: table_name(table),
        subject: table_name(table),
        count: Count::Orphans {
            columns: fk.columns.iter().map(|c| quote(c)).collect(),
            parent,
            parent_columns: fk.ref_columns.iter().map(|c| quote(c)).collect(),
        },
    }
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

/// What PostgreSQL's ACCESS EXCLUSIVE lock on `table` (SQL) stops: the
/// `locks_table` message of a statement taking it.
fn access_exclusive(table: &str) -> String {
    format!(
        "takes an ACCESS EXCLUSIVE lock on {table}: no other session can read or write it until the transaction ends"
    )
}

/// The key a table is stored under (as the inspector builds it).
fn table_key(table: &Table) -> String {
    key(table.namespace.as_deref().unwrap_or("public"), &table.name)
}

fn view_key(view: &View) -> String {
    key(view.namespace.as_deref().unwrap_or("public"), &view.name)
}

/// The key of the type an enum, domain or composite change is about.
fn rebuilt_type_key(change: &Change) -> Option<String> {
    match change {
        Change::AlterEnum { to, .. } => Some(key(&to.namespace, &to.name)),
        Change::AlterDomain { to, .. } => Some(key(&to.namespace, &to.name)),
        Change::AlterComposite { to, .. } => Some(key(&to.namespace, &to.name)),
        _ => None,
    }
}

fn trigger_key(trigger: &Trigger) -> String {
    format!("{}.{}", trigger.table, key_part(&trigger.name))
}
