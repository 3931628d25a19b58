//! Changes → ordered SQLite statements.
//!
//! SQLite's ALTER TABLE can only add, drop and rename columns, and only under
//! conditions; every other table change rebuilds the table: the old table
//! moves aside under a temporary name, the new one is created under the real
//! name, the rows are copied, the old table is dropped. (SQLite's documented
//! order creates the new table under the temporary name and renames it last;
//! but a rename writes the name quoted into the stored `CREATE TABLE`, and
//! the table would no longer read as the desired SQL wrote it.) The old
//! table moves with `PRAGMA legacy_alter_table = ON`, so that SQLite leaves
//! the foreign keys of other tables naming the real name. With foreign keys
//! on, dropping a parent table deletes or rejects child rows, so any plan
//! that drops or rebuilds a table runs with `PRAGMA foreign_keys = OFF`
//! (outside the transaction, where that pragma works) and checks `PRAGMA
//! foreign_key_check` before committing.
//!
//! Order: drop triggers, views, indexes; drop tables (children first); create
//! tables (parents first) with their indexes; alter or rebuild tables; create
//! indexes, views, triggers. A rebuild renames a table, and SQLite re-parses
//! every view and trigger when it does, so a plan with a rebuild drops all views
//! and triggers first and recreates the desired ones last.

pub(super) mod case_renames;
mod renames;
mod sql;

use std::collections::{BTreeMap, BTreeSet};

use super::ident::{bare_or_quoted, quote as q};
use super::spelling::{is_constant_default, is_null_default};
use super::tokens::tokenize;
use crate::engine::diff::{Change, TableChange, TableDiff};
use crate::engine::model::{AsWritten, Column, ColumnAttributes, ForeignKey, Index, IndexKey, Schema, Table};
use crate::engine::plan::{HazardKind, Statement};
use crate::engine::probe::{Count, Probe};

/// Prefix of the temporary name the old table of a rebuild moves to.
pub const REBUILD_PREFIX: &str = "_tfalchemy_old_";

pub fn render(changes: &[Change], live: &Schema, desired: &Schema) -> Vec<Statement> {
    let renamed = crate::engine::renames::live_after(changes, live, &super::annotations::GRAMMAR);
    let live = renamed.as_ref().unwrap_or(live);
    let renames = renames::statements(changes);
    let mut created = Vec::new();
    let mut dropped = Vec::new();
    let mut altered = Vec::new();
    let mut rebuilt = Vec::new();
    for change in changes {
        match change {
            Change::CreateTable(t) => created.push(t),
            Change::DropTable(t) => dropped.push(t),
            Change::AlterTable(d) => match in_place_statements(d, live) {
                Some(statements) => altered.push(statements),
                None => rebuilt.push(d),
            },
            _ => {}
        }
    }
    let rebuilt_names: BTreeSet<&str> = rebuilt.iter().map(|d| d.to.name.as_str()).collect();
    let foreign_keys_off = !rebuilt.is_empty() || !dropped.is_empty();

    let mut out = Vec::new();
    if foreign_keys_off {
        out.push(Statement::outside_transaction("PRAGMA foreign_keys = OFF"));
    }
    // Triggers and views go first: they may depend on what follows.
    let mut triggers_to_drop = BTreeSet::new();
    let mut views_to_drop = BTreeSet::new();
    for change in changes {
        match change {
            Change::DropTrigger(t) => {
                triggers_to_drop.insert(t.name.as_str());
            }
            Change::DropView(v) => {
                views_to_drop.insert(v.name.as_str());
            }
            _ => {}
        }
    }
    // A rebuild renames a table too (see the module comment).
    let recreate_all = !rebuilt.is_empty() || !renames.is_empty();
    if recreate_all {
        triggers_to_drop.extend(live.triggers.keys().map(String::as_str));
        views_to_drop.extend(live.views.keys().map(String::as_str));
    }
    out.extend(triggers_to_drop.iter().map(|n| {
        let statement = Statement::ddl(sql::drop_trigger(n));
        match live.triggers.get(*n) {
            Some(trigger) if !desired.triggers.contains_key(*n) => statement.with_table_hazard(
                HazardKind::DropsObject,
                trigger.table.as_str(),
                format!(
                    "drops trigger {} on {}; what it did on writes stops",
                    q(n),
                    q(&trigger.table)
                ),
            ),
            _ => statement,
        }
    }));
    out.extend(views_to_drop.iter().map(|n| {
        let statement = Statement::ddl(sql::drop_view(n));
        if desired.views.contains_key(*n) {
            statement
        } else {
            statement.with_hazard(
                HazardKind::DropsObject,
                format!("drops view {}; queries reading it fail", q(n)),
            )
        }
    }));
    for change in changes {
        if let Change::DropIndex { table, index } = change {
            if !rebuilt_names.contains(table.as_str()) {
                out.push(Statement::ddl(sql::drop_index(&index.name)));
            }
        }
    }
    out.extend(renames);
    let mut drop_order = dependency_order(&dropped);
    drop_order.reverse();
    for table in drop_order {
        out.push(
            Statement::ddl(sql::drop_table(&table.name))
                .with_table_hazard(
                    HazardKind::DropsTable,
                    table.name.as_str(),
                    format!("drops table {} and all its rows", table.name),
                )
                .with_probe(Probe::rows(q(&table.name), "lost in the drop")),
        );
    }
    for table in dependency_order(&created) {
        out.push(Statement::ddl(sql::create_table(table)));
        out.extend(
            table
                .indexes
                .values()
                .map(|i| Statement::ddl(sql::create_index(&table.name, i, &table.written))),
        );
    }
    for statements in altered {
        out.extend(statements);
    }
    for diff in &rebuilt {
        out.extend(rebuild_statements(diff, live));
    }
    for change in changes {
        if let Change::CreateIndex { table, index } = change {
            if !rebuilt_names.contains(table.as_str()) {
                let written = desired.tables.get(table).map(|t| &t.written);
                out.push(index_on_existing_table(changes, table, index, written));
            }
        }
    }
    out.extend(views_to_create(changes, desired, recreate_all));
    out.extend(triggers_to_create(changes, desired, recreate_all));
    if foreign_keys_off {
        out.push(Statement::check("PRAGMA foreign_key_check"));
        out.push(Statement::outside_transaction("PRAGMA foreign_keys = ON"));
    }
    out
}

/// `CREATE INDEX` on a table with rows: writes wait for the build, and a
/// unique index fails on repeated keys (counted, unless a key is a column
/// this plan adds).
fn index_on_existing_table(changes: &[Change], table: &str, index: &Index, written: Option<&AsWritten>) -> Statement {
    let mut statement = Statement::ddl(sql::create_index(
        table,
        index,
        written.unwrap_or(&AsWritten::default()),
    ));
    if index.unique {
        statement = statement.with_table_hazard(
            HazardKind::MayFailOnExistingRows,
            table,
            format!("unique index {} fails if existing rows repeat a key", index.name),
        );
        let added: Vec<&str> = changes
            .iter()
            .filter_map(|c| match c {
                Change::AlterTable(d) if d.to.name == table => Some(d),
                _ => None,
            })
            .flat_map(|d| &d.changes)
            .filter_map(|c| match c {
                TableChange::AddColumn(column) => Some(column.name.as_str()),
                _ => None,
            })
            .collect();
        let keys: Vec<String> = index
            .parts
            .iter()
            .map(|part| {
                let key = match &part.key {
                    IndexKey::Column(column) => q(column),
                    IndexKey::Expression(expression) => expression.clone(),
                };
                match &part.collation {
                    Some(collation) => format!("{key} COLLATE {}", bare_or_quoted(collation)),
                    None => key,
                }
            })
            .collect();
        let reads_new_column = keys.iter().chain(&index.predicate).any(|text| {
            tokenize(text)
                .iter()
                .any(|t| added.iter().any(|a| t.identifier().eq_ignore_ascii_case(a)))
        });
        if !reads_new_column {
            statement = statement.with_probe(duplicates(
                table,
                keys,
                index.predicate.clone(),
                "the unique index will fail",
            ));
        }
    }
    statement = statement.with_table_hazard(
        HazardKind::BuildsIndexBlockingWrites,
        table,
        format!(
            "building index {} reads every row of {table} while writes wait",
            index.name
        ),
    );
    match index.first_column() {
        Some(column) => statement.about_column(column),
        None => statement,
    }
}

fn duplicates(table: &str, keys: Vec<String>, filter: Option<String>, consequence: &str) -> Probe {
    Probe {
        table: q(table),
        subject: format!("{table} ({})", keys.join(", ")),
        count: Count::Duplicates {
            keys,
            nulls_equal: false,
            filter,
            consequence: consequence.to_string(),
        },
    }
}

/// Views from `CreateView` changes, plus every desired view when a rebuild
/// dropped them all; as the desired SQL wrote them.
fn views_to_create(changes: &[Change], desired: &Schema, all: bool) -> Vec<Statement> {
    let mut views: BTreeMap<&str, &str> = BTreeMap::new();
    for change in changes {
        if let Change::CreateView(v) = change {
            views.insert(&v.name, &v.definition);
        }
    }
    if all {
        views.extend(desired.views.values().map(|v| (v.name.as_str(), v.definition.as_str())));
    }
    as_written(views, desired)
}

/// Triggers from `CreateTrigger` changes, plus every desired trigger when a
/// rebuild dropped them all; as the desired SQL wrote them.
fn triggers_to_create(changes: &[Change], desired: &Schema, all: bool) -> Vec<Statement> {
    let mut triggers: BTreeMap<&str, &str> = BTreeMap::new();
    for change in changes {
        if let Change::CreateTrigger(t) = change {
            triggers.insert(&t.name, &t.definition);
        }
    }
    if all {
        triggers.extend(
            desired
                .triggers
                .values()
                .map(|t| (t.name.as_str(), t.definition.as_str())),
        );
    }
    as_written(triggers, desired)
}

/// Name → normalized definition, as `CREATE` statements in the desired
/// SQL's own words.
fn as_written(definitions: BTreeMap<&str, &str>, desired: &Schema) -> Vec<Statement> {
    definitions
        .into_iter()
        .map(|(name, definition)| {
            Statement::ddl(desired.written.definitions.get(name).map_or(definition, String::as_str))
        })
        .collect()
}

/// Tables ordered so that referenced tables come before the tables referencing
/// them; ties and cycles are broken by name, so the order is deterministic.
fn dependency_order<'a>(tables: &[&'a Table]) -> Vec<&'a Table> {
    let by_name: BTreeMap<&str, &Table> = tables.iter().map(|t| (t.name.as_str(), *t)).collect();
    let mut remaining: BTreeSet<&str> = by_name.keys().copied().collect();
    let mut ordered = Vec::new();
    while !remaining.is_empty() {
        let ready = remaining
            .iter()
            .copied()
            .find(|name| {
                by_name[name]
                    .referenced_tables()
                    .iter()
                    .all(|dep| !remaining.contains(dep))
            })
            .or_else(|| remaining.iter().next().copied());
        let Some(name) = ready else { break };
        remaining.remove(name);
        ordered.push(by_name[name]);
    }
    ordered
}

/// ALTER TABLE statements for a diff SQLite can do in place, or `None` when the
/// table must be rebuilt.
fn in_place_statements(diff: &TableDiff, live: &Schema) -> Option<Vec<Statement>> {
    let added: BTreeSet<&str> = diff.added_columns().into_iter().collect();
    let mut inline_fks: BTreeMap<&str, &ForeignKey> = BTreeMap::new();
    for change in &diff.changes {
        if let TableChange::AddForeignKey(fk) = change {
            match fk.columns.as_slice() {
                [column] if added.contains(column.as_str()) && !inline_fks.contains_key(column.as_str()) => {
                    inline_fks.insert(column.as_str(), fk);
                }
                _ => return None,
            }
        }
    }
    let mut statements = Vec::new();
    for change in &diff.changes {
        match change {
            TableChange::DropColumn(column) if can_drop_column(&diff.from, column, live) => {
                statements.push(drops_column(
                    Statement::ddl(sql::drop_column(&diff.from.name, &column.name)),
                    &diff.from,
                    column,
                ));
            }
            TableChange::AddColumn(column) => {
                let fk = inline_fks.get(column.name.as_str()).copied();
                let attributes = diff.to.column_attributes(&column.name);
                if !can_add_column(column, &attributes, fk) {
                    return None;
                }
                let mut statement = Statement::ddl(sql::add_column(&diff.to, column, fk));
                if attributes.generated.is_some() && !column.nullable {
                    statement = statement
                        .with_table_hazard(
                            HazardKind::MayFailOnExistingRows,
                            &diff.to.name,
                            generated_not_null(column),
                        )
                        .about_column(&column.name);
                }
                statements.push(statement);
            }
            TableChange::AddForeignKey(_) => {}
            // Rendered before any table change (render_renames.rs).
            TableChange::RenameColumn { .. } => {}
            _ => return None,
        }
    }
    Some(statements)
}

/// What a NOT NULL generated column fails on.
fn generated_not_null(column: &Column) -> String {
    format!(
        "generated column {} is NOT NULL: rows whose expression gives NULL fail",
        column.name
    )
}

/// SQLite's rules for ADD COLUMN: a constant default; NOT NULL only with a
/// non-null default; a REFERENCES clause only with a NULL default; a
/// generated column only when VIRTUAL (a STORED one would have to be
/// computed for every row).
fn can_add_column(column: &Column, attributes: &ColumnAttributes, fk: Option<&ForeignKey>) -> bool {
    if attributes.generated.is_some() {
        return attributes.generated_virtual && fk.is_none();
    }
    let default = column.default.as_deref();
    if default.is_some_and(|d| !is_constant_default(d)) {
        return false;
    }
    if !column.nullable && is_null_default(default) {
        return false;
    }
    fk.is_none() || is_null_default(default)
}

/// Whether `expression` names the column `name`.
fn reads_column(expression: &str, name: &str) -> bool {
    tokenize(expression)
        .iter()
        .any(|t| t.identifier().eq_ignore_ascii_case(name))
}

/// SQLite's rules for DROP COLUMN: the column is not part of a key, a
/// constraint, a check or a generated column's expression. (Indexes on it
/// are dropped earlier in the plan.)
fn can_drop_column(table: &Table, column: &Column, live: &Schema) -> bool {
    let name = column.name.as_str();
    let named = |c: &String| c.eq_ignore_ascii_case(name);
    let in_generated = table
        .column_attributes
        .iter()
        .any(|(other, a)| other != name && a.generated.as_deref().is_some_and(|g| reads_column(g, name)));
    if in_generated {
        return false;
    }
    if table
        .primary_key
        .as_ref()
        .is_some_and(|pk| pk.columns.iter().any(named))
        || table.uniques.iter().any(|u| u.columns.iter().any(named))
        || table.foreign_keys.iter().any(|fk| fk.columns.iter().any(named))
    {
        return false;
    }
    let in_check = table.checks.iter().any(|check| reads_column(&check.expression, name));
    let referenced = live.tables.values().any(|other| {
        other
            .foreign_keys
            .iter()
            .any(|fk| fk.ref_table.eq_ignore_ascii_case(&table.name) && fk.ref_columns.iter().any(named))
    });
    !in_check && !referenced
}

/// The data-loss hazard of dropping `column` of `table`, counting its values.
/// A generated column holds nothing that cannot be computed again.
fn drops_column(statement: Statement, table: &Table, column: &Column) -> Statement {
    if table.column_attributes(&column.name).generated.is_some() {
        return statement;
    }
    let table = table.name.as_str();
    statement
        .with_table_hazard(
            HazardKind::DropsColumn,
            table,
            format!("drops column {table}.{} and its values", column.name),
        )
        .with_probe(Probe::matching(
            q(table),
            format!("{table}.{}", column.name),
            format!("{} IS NOT NULL", q(&column.name)),
            ("non-NULL value", "non-NULL values"),
            "lost in the drop",
        ))
}

/// The rebuild (see the module comment), keeping the rows of the columns
/// both shapes share.
fn rebuild_statements(diff: &TableDiff, live: &Schema) -> Vec<Statement> {
    let name = diff.to.name.as_str();
    let old = format!("{REBUILD_PREFIX}{name}");
    // Generated columns compute their values; SQLite refuses values for them.
    let common: Vec<String> = diff
        .to
        .columns
        .iter()
        .filter(|c| diff.from.column(&c.name).is_some())
        .filter(|c| diff.to.column_attributes(&c.name).generated.is_none())
        .map(|c| c.name.clone())
        .collect();
    let mut out = vec![
        Statement::ddl(sql::legacy_alter_table(true)),
        Statement::ddl(sql::rename_table(name, &old)),
        Statement::ddl(sql::legacy_alter_table(false)),
        Statement::ddl(sql::create_table(&diff.to)),
    ];
    if !common.is_empty() {
        let mut copy = Statement::ddl(sql::copy_rows(name, &old, &common)).with_table_hazard(
            HazardKind::RebuildsTable,
            name,
            format!(
                "rebuilds table {name} ({}) by copying its rows",
                diff.changes
                    .iter()
                    .map(TableChange::describe)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
        for (kind, risk, probe, column) in rebuild_risks(diff, live) {
            copy = copy.with_table_hazard(kind, name, risk);
            if let Some(probe) = probe {
                copy = copy.with_probe(probe);
            }
            // The copy holds the risks of every change: the column is this one's alone.
            if let Some(last) = copy.hazards.last_mut() {
                last.column = column;
            }
        }
        out.push(copy);
    }
    let mut drop = Statement::ddl(sql::drop_table(&old));
    for change in &diff.changes {
        if let TableChange::DropColumn(column) = change {
            drop = drops_column(drop, &diff.from, column);
        }
    }
    out.push(drop);
    out.extend(
        diff.to
            .indexes
            .values()
            .map(|i| Statement::ddl(sql::create_index(name, i, &diff.to.written))),
    );
    out
}

/// What the copied rows may fail on that the old table did not enforce, each
/// with a count of the rows at fault where the old table can say.
/// What a rebuild risks, each with the column it is about when it is about one.
type Risk = (HazardKind, String, Option<Probe>, Option<String>);

fn rebuild_risks(diff: &TableDiff, live: &Schema) -> Vec<Risk> {
    let name = diff.to.name.as_str();
    let table = q(name);
    let lives = |columns: &[String]| columns.iter().all(|c| diff.from.column(c).is_some());
    let key_probe = |columns: &[String], what: &str| {
        lives(columns).then(|| {
            duplicates(
                name,
                columns.iter().map(|c| q(c)).collect(),
                None,
                &format!("the {what} will fail"),
            )
        })
    };
    let added = diff.added_columns();
    let strict = diff.to.options.contains("STRICT");
    let mut risks = Vec::new();
    for change in &diff.changes {
        let may_fail = |risk: String, probe: Option<Probe>| (HazardKind::MayFailOnExistingRows, risk, probe);
        let risk = match change {
            TableChange::AddColumn(c) if !c.nullable && is_null_default(c.default.as_deref()) => Some(may_fail(
                format!("new column {} is NOT NULL without a default", c.name),
                Some(Probe::rows(
                    table.clone(),
                    "adding the NOT NULL column without a default will fail",
                )),
            )),
            TableChange::AlterColumn { from, to } if from.nullable && !to.nullable => Some(may_fail(
                format!("column {} becomes NOT NULL", to.name),
                Some(Probe::matching(
                    table.clone(),
                    format!("{name}.{}", to.name),
                    format!("{} IS NULL", q(&to.name)),
                    ("NULL value", "NULL values"),
                    "the copy will fail",
                )),
            )),
            TableChange::SetOptions { from, to } if gains(from, to, "STRICT") => Some((
                HazardKind::CastMayFail,
                format!("every value of {name} must fit its column's declared type in a STRICT table"),
                None,
            )),
            TableChange::AlterColumn { from, to } if strict && from.data_type != to.data_type => Some((
                HazardKind::CastMayFail,
                format!(
                    "values of {} must convert from {} to {} in a STRICT table",
                    to.name, from.data_type, to.data_type
                ),
                None,
            )),
            TableChange::SetPrimaryKey { to: Some(pk), .. } => Some(may_fail(
                "the new primary key must be unique".to_string(),
                key_probe(&pk.columns, "primary key"),
            )),
            TableChange::AddUnique(u) => Some(may_fail(
                format!("unique ({}) is added", u.columns.join(", ")),
                key_probe(&u.columns, "unique constraint"),
            )),
            TableChange::AddCheck(c) => {
                let reads_new_column = tokenize(&c.expression)
                    .iter()
                    .any(|t| added.iter().any(|a| t.identifier().eq_ignore_ascii_case(a)));
                Some(may_fail(
                    format!("check ({}) is added", c.expression),
                    (!reads_new_column).then(|| {
                        Probe::matching(
                            table.clone(),
                            name,
                            format!("NOT ({})", c.expression),
                            ("row violating the check", "rows violating the check"),
                            "the copy will fail",
                        )
                    }),
                ))
            }
            TableChange::AddForeignKey(fk) => {
                let parent = live
                    .tables
                    .get(&fk.ref_table)
                    .filter(|parent| fk.ref_columns.iter().all(|c| parent.column(c).is_some()));
                Some(may_fail(
                    format!("foreign key ({}) is added", fk.columns.join(", ")),
                    parent.filter(|_| lives(&fk.columns)).map(|parent| Probe {
                        table: table.clone(),
                        subject: name.to_string(),
                        count: Count::Orphans {
                            columns: fk.columns.iter().map(|c| q(c)).collect(),
                            parent: q(&parent.name),
                            parent_columns: fk.ref_columns.iter().map(|c| q(c)).collect(),
                        },
                    }),
                ))
            }
            _ => None,
        };
        risks.extend(risk.map(|(kind, detail, probe)| (kind, detail, probe, changed_column(change))));
    }
    // A generated column computes its values as the rows are copied.
    for column in diff.to.columns.iter().filter(|c| !c.nullable) {
        let recomputed = diff.changes.iter().any(|change| match change {
            TableChange::AddColumn(c) => c.name == column.name,
            TableChange::AlterColumn { to, .. } => to.name == column.name,
            TableChange::SetColumnAttributes { column: c, .. } => *c == column.name,
            _ => false,
        });
        if recomputed && diff.to.column_attributes(&column.name).generated.is_some() {
            risks.push((
                HazardKind::MayFailOnExistingRows,
                generated_not_null(column),
                None,
                Some(column.name.clone()),
            ));
        }
    }
    risks
}

/// The column a table change is about: the one it adds or alters, the first
/// of a new key.
fn changed_column(change: &TableChange) -> Option<String> {
    match change {
        TableChange::AddColumn(column) | TableChange::AlterColumn { to: column, .. } => Some(column.name.clone()),
        TableChange::SetPrimaryKey { to: Some(key), .. } => key.columns.first().cloned(),
        TableChange::AddUnique(unique) => unique.columns.first().cloned(),
        TableChange::AddForeignKey(key) => key.columns.first().cloned(),
        _ => None,
    }
}

/// Whether the table options gain `option`.
fn gains(from: &[String], to: &[String], option: &str) -> bool {
    to.iter().any(|o| o == option) && !from.iter().any(|o| o == option)
}
