//! Tables: create (without foreign keys, which are added once every table
//! exists) and alter in place.

use super::ddl::{self, column_definition, comment_text, constraint_prefix, identity_options, not_valid, table_name};
use super::enum_casts::EnumCasts;
use super::indexes::duplicates;
use super::sequence_ranges::{needs_restart, restarted, Feeds, Range};
use super::table_key;
use super::type_change::classify;
use crate::engine::diff::{TableChange, TableDiff};
use crate::engine::model::{Check, Column, ColumnAttributes, Policy, Table};
use crate::engine::plan::{HazardKind, Statement};
use crate::engine::postgres::ident::quote;
use crate::engine::postgres::validity::{self, Validation};
use crate::engine::probe::Probe;

pub fn create_table(table: &Table) -> Vec<Statement> {
    // Inherited columns and checks the table also declares itself are
    // declared again, so that they outlive their parent's as they do live.
    let mut parts: Vec<String> = table
        .columns
        .iter()
        .chain(&table.written.inherited_columns)
        .map(|c| column_definition(c, &table.column_attributes(&c.name)))
        .collect();
    if let Some(pk) = &table.primary_key {
        parts.push(ddl::primary_key(pk));
    }
    parts.extend(table.uniques.iter().map(ddl::unique));
    // `CREATE TABLE` validates every check: a `NOT VALID` one is added after.
    parts.extend(
        table
            .checks
            .iter()
            .chain(&table.written.inherited_checks)
            .filter(|c| !c.not_valid)
            .map(ddl::check),
    );
    for exclusion in &table.exclusions {
        parts.push(format!(
            "{}{}",
            constraint_prefix(Some(&exclusion.name)),
            exclusion.definition
        ));
    }
    let unlogged = if table.options.contains(UNLOGGED) {
        "UNLOGGED "
    } else {
        ""
    };
    // A partition takes its columns from the parent (keys are valid SQL names).
    let mut sql = match &table.partition_of {
        Some(partition) if parts.is_empty() => format!(
            "CREATE {unlogged}TABLE {} PARTITION OF {} {}",
            table_name(table),
            partition.parent,
            partition.bound
        ),
        Some(partition) => format!(
            "CREATE {unlogged}TABLE {} PARTITION OF {} (\n  {}\n) {}",
            table_name(table),
            partition.parent,
            parts.join(",\n  "),
            partition.bound
        ),
        // A child may declare nothing of its own.
        None if parts.is_empty() => format!("CREATE {unlogged}TABLE {} ()", table_name(table)),
        None => format!(
            "CREATE {unlogged}TABLE {} (\n  {}\n)",
            table_name(table),
            parts.join(",\n  ")
        ),
    };
    if !table.inherits.is_empty() {
        // Keys are valid SQL names.
        sql.push_str(&format!(" INHERITS ({})", table.inherits.join(", ")));
    }
    if let Some(key) = &table.partition_key {
        sql.push_str(&format!(" PARTITION BY {key}"));
    }
    let mut out = vec![Statement::ddl(sql)];
    for check in table.checks.iter().filter(|c| c.not_valid) {
        out.push(alter(table, format!("ADD {} NOT VALID", ddl::check(check))));
    }
    for option in [ROW_LEVEL_SECURITY, FORCE_ROW_LEVEL_SECURITY] {
        if table.options.contains(option) {
            out.push(alter(table, toggle_option(option, true).to_string()));
        }
    }
    if let Some(comment) = &table.comment {
        out.push(Statement::ddl(format!(
            "COMMENT ON TABLE {} IS {}",
            table_name(table),
            comment_text(Some(comment))
        )));
    }
    for column in &table.columns {
        if let Some(comment) = table.column_attributes(&column.name).comment {
            out.push(column_comment(table, &column.name, Some(&comment)));
        }
    }
    out
}

/// Table options in the model (see [`crate::engine::model::Table::options`]).
pub const UNLOGGED: &str = "UNLOGGED";
pub const ROW_LEVEL_SECURITY: &str = "ROW LEVEL SECURITY";
pub const FORCE_ROW_LEVEL_SECURITY: &str = "FORCE ROW LEVEL SECURITY";

/// The `ALTER TABLE` action that turns `option` on or off.
fn toggle_option(option: &str, on: bool) -> &'static str {
    match (option, on) {
        (UNLOGGED, true) => "SET UNLOGGED",
        (UNLOGGED, false) => "SET LOGGED",
        (FORCE_ROW_LEVEL_SECURITY, true) => "FORCE ROW LEVEL SECURITY",
        (FORCE_ROW_LEVEL_SECURITY, false) => "NO FORCE ROW LEVEL SECURITY",
        (_, true) => "ENABLE ROW LEVEL SECURITY",
        (_, false) => "DISABLE ROW LEVEL SECURITY",
    }
}

pub fn create_policy(table: &Table, policy: &Policy) -> Statement {
    let mut sql = format!("CREATE POLICY {} ON {}", quote(&policy.name), table_name(table));
    if !policy.permissive {
        sql.push_str(" AS RESTRICTIVE");
    }
    sql.push_str(&format!(" FOR {}", policy.command));
    let roles: Vec<String> = policy
        .roles
        .iter()
        .map(|r| if r == "public" { "PUBLIC".to_string() } else { quote(r) })
        .collect();
    sql.push_str(&format!(" TO {}", roles.join(", ")));
    if let Some(using) = &policy.using {
        sql.push_str(&format!(" USING ({using})"));
    }
    if let Some(check) = &policy.with_check {
        sql.push_str(&format!(" WITH CHECK ({check})"));
    }
    Statement::ddl(sql)
}

fn column_comment(table: &Table, column: &str, comment: Option<&str>) -> Statement {
    Statement::ddl(format!(
        "COMMENT ON COLUMN {}.{} IS {}",
        table_name(table),
        quote(column),
        comment_text(comment)
    ))
}

pub(super) fn alter(table: &Table, action: String) -> Statement {
    Statement::ddl(format!("ALTER TABLE {} {action}", table_name(table)))
}

pub(super) fn may_fail(table: &Table, statement: Statement, detail: String) -> Statement {
    statement.with_table_hazard(HazardKind::MayFailOnExistingRows, table_key(table), detail)
}

/// `table.column` in SQL, as findings name it.
fn column_subject(table: &Table, column: &str) -> String {
    format!("{}.{}", table_name(table), quote(column))
}

/// True when SQL `text` names `column` (bare or quoted) as a whole word.
pub(super) fn mentions_column(text: &str, column: &str) -> bool {
    let quoted = quote(column);
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    text.contains(&quoted)
        || text.match_indices(column).any(|(at, _)| {
            let before = text[..at].chars().next_back();
            let after = text[at + column.len()..].chars().next();
            !before.is_some_and(is_word) && !after.is_some_and(is_word)
        })
}

/// Adds the hazards of adding a unique key or primary key over `columns`:
/// existing rows may repeat a key (counted when every column exists live),
/// and the index is built while writes wait.
fn new_unique_key(
    diff: &TableDiff,
    statement: Statement,
    columns: &[String],
    nulls_equal: bool,
    what: &str,
) -> Statement {
    let table = &diff.to;
    let name = table_name(table);
    let mut statement = may_fail(
        table,
        statement,
        format!("existing rows of {name} must be unique on ({})", columns.join(", ")),
    );
    if columns.iter().all(|c| diff.from.column(c).is_some()) {
        let keys = columns.iter().map(|c| quote(c)).collect();
        let consequence = format!("the {what} will fail");
        statement = statement.with_probe(duplicates(&name, keys, nulls_equal, None, &consequence));
    }
    statement = statement.with_table_hazard(
        HazardKind::BuildsIndexBlockingWrites,
        table_key(table),
        format!("building the {what} of {name} reads every row while writes to it wait"),
    );
    match columns.first() {
        Some(first) => statement.about_column(first),
        None => statement,
    }
}

/// Rows of table `name` (SQL) that violate `check`.
pub(super) fn check_violations(name: &str, check: &Check, consequence: &'static str) -> Probe {
    Probe::matching(
        name,
        name,
        format!("NOT {}", check.expression),
        ("row violating the check", "rows violating the check"),
        consequence,
    )
}

/// `VALIDATE CONSTRAINT` of a live `NOT VALID` constraint (see
/// validity.rs): it reads every row, but under a lock that lets reads and
/// writes go on, so only the rows that violate it are a hazard.
fn validate(diff: &TableDiff, validation: &Validation<'_>) -> Statement {
    let table = &diff.to;
    let name = table_name(table);
    let constraint = quote(validation.name().unwrap_or_default());
    let statement = Statement::ddl(format!("ALTER TABLE {name} VALIDATE CONSTRAINT {constraint}"));
    match validation {
        Validation::Check(check) => may_fail(
            table,
            statement,
            format!("existing rows of {name} must satisfy CHECK {}", check.expression),
        )
        .with_probe(check_violations(&name, check, "validating the check will fail")),
        Validation::ForeignKey(fk) => may_fail(
            table,
            statement,
            format!(
                "existing rows of {name} must reference existing rows of {}",
                fk.ref_table
            ),
        )
        .with_probe(super::orphans(table, fk, fk.ref_table.clone())),
    }
}

/// The lock a constraint check holds while it reads every existing row.
fn scans(table: &Table, statement: Statement, what: &str) -> Statement {
    statement.with_table_hazard(
        HazardKind::ScansTableUnderLock,
        table_key(table),
        format!(
            "checking {what} reads every row of {} while writes to it wait",
            table_name(table)
        ),
    )
}

/// A column is rebuilt (dropped and added) when its generation expression
/// changes: PostgreSQL 15 cannot alter one in place.
fn generation_changes(from: &ColumnAttributes, to: &ColumnAttributes) -> bool {
    from.generated != to.generated
}

/// In-place statements for a table, except its foreign keys (the caller's).
pub struct AlteredTable {
    /// Dropped constraints; they go first in the plan, before anything that
    /// could trip over them (a key being rebuilt, a column changing type).
    pub constraint_drops: Vec<Statement>,
    /// Then, in order: drop identities, drop and rebuild columns, add and
    /// alter columns, add constraints, comments.
    pub changes: Vec<Statement>,
}

pub fn alter_table(diff: &TableDiff, casts: EnumCasts<'_>) -> AlteredTable {
    let table = &diff.to;
    let name = table_name(table);
    let mut constraint_drops = Vec::new();
    let mut drops = Vec::new();
    let mut columns = Vec::new();
    let mut adds = Vec::new();
    let mut comments = Vec::new();
    let added = diff.added_columns();
    let rebuilt: Vec<&str> = diff
        .changes
        .iter()
        .filter_map(|c| match c {
            TableChange::SetColumnAttributes { column, from, to } if generation_changes(from, to) => {
                Some(column.as_str())
            }
            _ => None,
        })
        .collect();
    let validations = validity::validations(diff);
    for change in &diff.changes {
        if validity::is_validated(change, &validations) {
            continue;
        }
        match change {
            TableChange::SetPrimaryKey { from, to } => {
                if let Some(pk) = from.as_ref().and_then(|pk| pk.name.as_ref()) {
                    constraint_drops.push(alter(table, format!("DROP CONSTRAINT {}", quote(pk))));
                }
                if let Some(pk) = to {
                    let statement = alter(table, format!("ADD {}", ddl::primary_key(pk)));
                    adds.push(new_unique_key(diff, statement, &pk.columns, false, "primary key"));
                }
            }
            TableChange::DropUnique(u) => constraint_drops.extend(drop_named(table, u.name.as_deref())),
            TableChange::DropCheck(c) => constraint_drops.extend(drop_named(table, c.name.as_deref())),
            TableChange::DropExclusion(e) => constraint_drops.extend(drop_named(table, Some(&e.name))),
            TableChange::AddUnique(u) => {
                let statement = alter(table, format!("ADD {}", ddl::unique(u)));
                adds.push(new_unique_key(
                    diff,
                    statement,
                    &u.columns,
                    u.nulls_not_distinct,
                    "unique constraint",
                ));
            }
            // Unvalidated, it reads no rows and cannot fail on them.
            TableChange::AddCheck(c) if c.not_valid => {
                adds.push(alter(table, format!("ADD {}{}", ddl::check(c), not_valid(true))))
            }
            TableChange::AddCheck(c) => {
                let mut statement = may_fail(
                    table,
                    alter(table, format!("ADD {}", ddl::check(c))),
                    format!("existing rows of {name} must satisfy CHECK {}", c.expression),
                );
                // A column added by this plan has no values to look at yet.
                if !added.iter().any(|column| mentions_column(&c.expression, column)) {
                    statement = statement.with_probe(check_violations(&name, c, "adding the check will fail"));
                }
                adds.push(scans(table, statement, "the new CHECK"));
            }
            TableChange::AddExclusion(e) => adds.push(
                may_fail(
                    table,
                    alter(
                        table,
                        format!("ADD {}{}", constraint_prefix(Some(&e.name)), e.definition),
                    ),
                    format!("existing rows of {name} must satisfy {}", e.definition),
                )
                .with_table_hazard(
                    HazardKind::BuildsIndexBlockingWrites,
                    table_key(table),
                    format!(
                        "building the exclusion constraint's index reads every row of {name} while writes to it wait"
                    ),
                ),
            ),
            TableChange::DropColumn(column) => drops.push(drop_column(table, column, &diff.from)),
            TableChange::AddColumn(column) => {
                columns.push(add_column(table, column));
                if let Some(comment) = table.column_attributes(&column.name).comment {
                    comments.push(column_comment(table, &column.name, Some(&comment)));
                }
            }
            TableChange::AlterColumn { from, to } if !rebuilt.contains(&to.name.as_str()) => {
                columns.extend(alter_column(table, from, to, casts));
            }
            TableChange::AlterColumn { .. } => {}
            TableChange::SetColumnAttributes { column, from, to } => {
                let Some(definition) = table.column(column) else {
                    continue;
                };
                if generation_changes(from, to) {
                    if let Some(old) = diff.from.column(column) {
                        drops.push(drop_column(table, old, &diff.from));
                    }
                    columns.push(add_column(table, definition));
                    if to.comment.is_some() {
                        comments.push(column_comment(table, column, to.comment.as_deref()));
                    }
                    continue;
                }
                match (from.identity, to.identity) {
                    (Some(_), None) => {
                        drops.push(alter(table, format!("ALTER COLUMN {} DROP IDENTITY", quote(column))))
                    }
                    (None, Some(identity)) => columns.push(alter(
                        table,
                        format!(
                            "ALTER COLUMN {} ADD GENERATED {} AS IDENTITY{}",
                            quote(column),
                            identity.sql(),
                            identity_options(definition, to)
                        ),
                    )),
                    (Some(a), Some(b)) if a != b => columns.push(alter(
                        table,
                        format!("ALTER COLUMN {} SET GENERATED {}", quote(column), b.sql()),
                    )),
                    _ => {}
                }
                let options_change = from.identity.is_some() && from.identity_options != to.identity_options;
                if let (true, Some(options)) = (options_change, &to.identity_options) {
                    columns.push(alter_identity_options(table, column, from, options));
                }
                if from.comment != to.comment {
                    comments.push(column_comment(table, column, to.comment.as_deref()));
                }
            }
            TableChange::SetOptions { from, to } => {
                for option in [UNLOGGED, ROW_LEVEL_SECURITY, FORCE_ROW_LEVEL_SECURITY] {
                    let (was, is) = (from.iter().any(|o| o == option), to.iter().any(|o| o == option));
                    if was != is {
                        columns.push(alter(table, toggle_option(option, is).to_string()));
                    }
                }
            }
            TableChange::DropPolicy(policy) => {
                let statement = Statement::ddl(format!("DROP POLICY {} ON {name}", quote(&policy.name)));
                let recreated = table.policies.iter().any(|p| p.name == policy.name);
                constraint_drops.push(if recreated {
                    statement
                } else {
                    statement.with_table_hazard(
                        HazardKind::DropsObject,
                        table_key(table),
                        format!(
                            "drops policy {} on {name}; the rows it let roles see or change are governed by the remaining policies",
                            quote(&policy.name)
                        ),
                    )
                });
            }
            // Policies may read other tables: the caller adds them at the end.
            TableChange::AddPolicy(_) => {}
            TableChange::SetComment { to, .. } => comments.push(Statement::ddl(format!(
                "COMMENT ON TABLE {name} IS {}",
                comment_text(to.as_deref())
            ))),
            TableChange::AddForeignKey(_) | TableChange::DropForeignKey(_) => {}
            // Rendered first, with the other renames (renames.rs).
            TableChange::RenameColumn { .. } => {}
            // Around every table's changes (inheritance.rs).
            TableChange::SetInherits { .. } => {}
            TableChange::SetPartition { from, to } => {
                // A bound cannot change in place: detach (early, before a
                // dropped parent would take the partition with it), then
                // attach anew once the new parent exists.
                if let Some(partition) = from {
                    constraint_drops.push(Statement::ddl(format!(
                        "ALTER TABLE {} DETACH PARTITION {name}",
                        partition.parent
                    )));
                }
                if let Some(partition) = to {
                    let statement = may_fail(
                        table,
                        Statement::ddl(format!(
                            "ALTER TABLE {} ATTACH PARTITION {name} {}",
                            partition.parent, partition.bound
                        )),
                        format!("existing rows of {name} must fit {}", partition.bound),
                    );
                    adds.push(scans(table, statement, "the partition bound"));
                }
            }
        }
    }
    // Every `ALTER TABLE` of the table here takes ACCESS EXCLUSIVE (those
    // that take less, foreign keys and partition attachment, are not here).
    let key = table_key(table);
    let own = format!("ALTER TABLE {name} ");
    let locking = |statement: Statement| {
        if statement.sql.starts_with(&own) {
            statement.locking(&key, &name, super::access_exclusive(&name))
        } else {
            statement
        }
    };
    AlteredTable {
        constraint_drops: constraint_drops.into_iter().map(locking).collect(),
        changes: drops
            .into_iter()
            .chain(columns)
            .chain(adds)
            .chain(comments)
            .map(locking)
            .chain(validations.iter().map(|v| validate(diff, v)))
            .collect(),
    }
}

/// Sets an identity's sequence options to `options`, restarting it when it
/// is outside its new range (see sequence_ranges.rs).
fn alter_identity_options(table: &Table, column: &str, from: &ColumnAttributes, options: &str) -> Statement {
    let action = format!("ALTER COLUMN {} {}", quote(column), identity_option_settings(options));
    let ranges = (
        from.identity_options.as_deref().and_then(Range::of_identity),
        Range::of_identity(options),
    );
    match ranges {
        (Some(was), Some(range)) if needs_restart(&was, &range, from.identity_last_value) => {
            let feeds = Feeds {
                table: table_name(table),
                table_key: table_key(table),
                column: quote(column),
            };
            restarted(
                alter(table, format!("{action} RESTART")),
                &format!("the identity sequence of {}", column_subject(table, column)),
                &range,
                Some(feeds),
            )
        }
        _ => alter(table, action),
    }
}

/// `START WITH 1 INCREMENT BY 1 … NO CYCLE` as
/// `SET START WITH 1 SET INCREMENT BY 1 … SET NO CYCLE`.
fn identity_option_settings(options: &str) -> String {
    const OPTION_WORDS: [&str; 7] = ["START", "INCREMENT", "MINVALUE", "MAXVALUE", "CACHE", "NO", "CYCLE"];
    let mut settings: Vec<String> = Vec::new();
    for word in options.split_whitespace() {
        let after_no = settings.last().is_some_and(|s| s == "SET NO");
        match settings.last_mut() {
            Some(last) if !OPTION_WORDS.contains(&word) || after_no => {
                last.push(' ');
                last.push_str(word);
            }
            _ => settings.push(format!("SET {word}")),
        }
    }
    settings.join(" ")
}

fn drop_named(table: &Table, name: Option<&str>) -> Option<Statement> {
    name.map(|n| alter(table, format!("DROP CONSTRAINT {}", quote(n))))
}

pub(super) fn drop_column(table: &Table, column: &Column, from: &Table) -> Statement {
    let statement = alter(table, format!("DROP COLUMN {}", quote(&column.name)));
    if from.column_attributes(&column.name).generated.is_some() {
        // A generated column holds nothing that cannot be computed again.
        return statement;
    }
    let subject = column_subject(table, &column.name);
    statement
        .with_table_hazard(
            HazardKind::DropsColumn,
            table_key(table),
            format!("drops column {subject} and its values"),
        )
        .with_probe(Probe::matching(
            table_name(table),
            &subject,
            format!("{} IS NOT NULL", quote(&column.name)),
            ("non-NULL value", "non-NULL values"),
            "lost in the drop",
        ))
}

pub(super) fn add_column(table: &Table, column: &Column) -> Statement {
    let attributes = table.column_attributes(&column.name);
    let statement = alter(table, format!("ADD COLUMN {}", column_definition(column, &attributes)));
    let computed = attributes.identity.is_some() || attributes.generated.is_some();
    add_column_hazards(table, column, statement, computed).about_column(&column.name)
}

fn add_column_hazards(table: &Table, column: &Column, statement: Statement, computed: bool) -> Statement {
    if computed {
        // Unlike a constant default, a value computed per row is written
        // into every existing row.
        return statement.with_table_hazard(
            HazardKind::RewritesTable,
            table_key(table),
            format!(
                "adding {} computes it for every row of {}",
                quote(&column.name),
                table_name(table)
            ),
        );
    }
    if !column.nullable && column.default.is_none() {
        return may_fail(
            table,
            statement,
            format!(
                "{} is NOT NULL without a default: the table must be empty",
                quote(&column.name)
            ),
        )
        .with_probe(Probe::rows(
            table_name(table),
            "adding the NOT NULL column without a default will fail",
        ));
    }
    statement
}

pub(super) fn alter_column(table: &Table, from: &Column, to: &Column, casts: EnumCasts<'_>) -> Vec<Statement> {
    let column = quote(&to.name);
    let mut out = Vec::new();
    let retyped = from.data_type != to.data_type || from.collation != to.collation;
    if retyped {
        if from.default.is_some() {
            out.push(alter(table, format!("ALTER COLUMN {column} DROP DEFAULT")));
        }
        let collate = to
            .collation
            .as_ref()
            .map(|c| format!(" COLLATE {}", super::ddl::collate(c)))
            .unwrap_or_default();
        let statement = alter(
            table,
            format!(
                "ALTER COLUMN {column} TYPE {}{collate} USING {}",
                to.data_type,
                casts.using(&column, &from.data_type, &to.data_type)
            ),
        );
        let cast_probe = casts.unlabelled_values(
            &table_name(table),
            &column_subject(table, &to.name),
            &column,
            &from.data_type,
            &to.data_type,
        );
        out.push(retype_hazards(table, statement, from, to, cast_probe));
    }
    // A retype dropped the old default, so the new one is set again.
    let default_changed = from.default != to.default;
    match &to.default {
        Some(default) if default_changed || retyped => {
            out.push(alter(table, format!("ALTER COLUMN {column} SET DEFAULT {default}")))
        }
        None if default_changed && !retyped => out.push(alter(table, format!("ALTER COLUMN {column} DROP DEFAULT"))),
        _ => {}
    }
    if from.nullable != to.nullable {
        out.push(if to.nullable {
            alter(table, format!("ALTER COLUMN {column} DROP NOT NULL"))
        } else {
            let statement = may_fail(
                table,
                alter(table, format!("ALTER COLUMN {column} SET NOT NULL")),
                format!("existing rows must have a value in {column}"),
            )
            .with_probe(Probe::matching(
                table_name(table),
                column_subject(table, &to.name),
                format!("{column} IS NULL"),
                ("NULL value", "NULL values"),
                "SET NOT NULL will fail",
            ));
            scans(table, statement, "NOT NULL")
        });
    }
    out.into_iter()
        .map(|statement| statement.about_column(&to.name))
        .collect()
}

/// The hazards of `ALTER COLUMN … TYPE` from `from` to `to` (see
/// [`classify`]); none for a binary-coercible change. `cast_probe` counts
/// the values the cast fails on, when that can be known.
fn retype_hazards(
    table: &Table,
    mut statement: Statement,
    from: &Column,
    to: &Column,
    cast_probe: Option<Probe>,
) -> Statement {
    let column = quote(&to.name);
    let subject = column_subject(table, &to.name);
    let key = table_key(table);
    let change = classify(&column, &from.data_type, &to.data_type);
    let types = format!("from {} to {}", from.data_type, to.data_type);
    if let Some(narrowing) = change.narrowing {
        statement = statement.with_table_hazard(
            HazardKind::NarrowsType,
            &key,
            format!("changes {subject} {types}: {}", narrowing.effect),
        );
        if let Some(predicate) = narrowing.predicate {
            statement = statement.with_probe(Probe::matching(
                table_name(table),
                &subject,
                predicate,
                (&narrowing.noun.0, &narrowing.noun.1),
                narrowing.consequence,
            ));
        }
    }
    if change.cast_may_fail {
        statement = statement.with_table_hazard(
            HazardKind::CastMayFail,
            &key,
            format!("every value of {subject} must convert {types}, or the change fails"),
        );
        if let Some(probe) = cast_probe {
            statement = statement.with_probe(probe);
        }
    }
    if change.rewrites {
        statement = statement.with_table_hazard(
            HazardKind::RewritesTable,
            &key,
            format!(
                "changing {subject} {types} rewrites every row of {} under an exclusive lock",
                table_name(table)
            ),
        );
    }
    statement
}

#[cfg(test)]
mod tests {
    use super::{identity_option_settings, mentions_column};

    #[test]
    fn column_mentions_are_whole_words() {
        assert!(mentions_column("(char_length(email) > 3)", "email"));
        assert!(mentions_column("(\"E-mail\" <> '')", "E-mail"));
        assert!(!mentions_column("(emails > 3)", "email"));
    }

    #[test]
    fn identity_options_become_set_clauses() {
        assert_eq!(
            identity_option_settings("START WITH 5 INCREMENT BY -1 MINVALUE 1 MAXVALUE 9 CACHE 1 NO CYCLE"),
            "SET START WITH 5 SET INCREMENT BY -1 SET MINVALUE 1 SET MAXVALUE 9 SET CACHE 1 SET NO CYCLE"
        );
        assert!(identity_option_settings("START WITH 1 CACHE 2 CYCLE").ends_with("SET CACHE 2 SET CYCLE"));
    }
}
