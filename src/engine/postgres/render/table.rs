//! Tables: create (without foreign keys, which are added once every table
//! exists) and alter in place.

use super::ddl::{column_definition, column_list, comment_text, constraint_prefix, identity_options, table_name};
use crate::engine::diff::{TableChange, TableDiff};
use crate::engine::model::{Column, ColumnAttributes, Policy, Table};
use crate::engine::plan::{HazardKind, Statement};
use crate::engine::postgres::ident::quote;

pub fn create_table(table: &Table) -> Vec<Statement> {
    let mut parts: Vec<String> = table
        .columns
        .iter()
        .map(|c| column_definition(c, &table.column_attributes(&c.name)))
        .collect();
    if let Some(pk) = &table.primary_key {
        parts.push(format!(
            "{}PRIMARY KEY ({})",
            constraint_prefix(pk.name.as_deref()),
            column_list(&pk.columns)
        ));
    }
    for unique in &table.uniques {
        parts.push(format!(
            "{}UNIQUE ({})",
            constraint_prefix(unique.name.as_deref()),
            column_list(&unique.columns)
        ));
    }
    for check in &table.checks {
        parts.push(format!(
            "{}CHECK {}",
            constraint_prefix(check.name.as_deref()),
            check.expression
        ));
    }
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
        None => format!(
            "CREATE {unlogged}TABLE {} (\n  {}\n)",
            table_name(table),
            parts.join(",\n  ")
        ),
    };
    if let Some(key) = &table.partition_key {
        sql.push_str(&format!(" PARTITION BY {key}"));
    }
    let mut out = vec![Statement::ddl(sql)];
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

fn alter(table: &Table, action: String) -> Statement {
    Statement::ddl(format!("ALTER TABLE {} {action}", table_name(table)))
}

fn may_fail(statement: Statement, detail: String) -> Statement {
    statement.with_hazard(HazardKind::MayFailOnExistingRows, detail)
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

pub fn alter_table(diff: &TableDiff) -> AlteredTable {
    let table = &diff.to;
    let name = table_name(table);
    let mut constraint_drops = Vec::new();
    let mut drops = Vec::new();
    let mut columns = Vec::new();
    let mut adds = Vec::new();
    let mut comments = Vec::new();
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
    for change in &diff.changes {
        match change {
            TableChange::SetPrimaryKey { from, to } => {
                if let Some(pk) = from.as_ref().and_then(|pk| pk.name.as_ref()) {
                    constraint_drops.push(alter(table, format!("DROP CONSTRAINT {}", quote(pk))));
                }
                if let Some(pk) = to {
                    adds.push(may_fail(
                        alter(
                            table,
                            format!(
                                "ADD {}PRIMARY KEY ({})",
                                constraint_prefix(pk.name.as_deref()),
                                column_list(&pk.columns)
                            ),
                        ),
                        format!("the primary key of {name} must be unique and not null"),
                    ));
                }
            }
            TableChange::DropUnique(u) => constraint_drops.extend(drop_named(table, u.name.as_deref())),
            TableChange::DropCheck(c) => constraint_drops.extend(drop_named(table, c.name.as_deref())),
            TableChange::DropExclusion(e) => constraint_drops.extend(drop_named(table, Some(&e.name))),
            TableChange::AddUnique(u) => adds.push(may_fail(
                alter(
                    table,
                    format!(
                        "ADD {}UNIQUE ({})",
                        constraint_prefix(u.name.as_deref()),
                        column_list(&u.columns)
                    ),
                ),
                format!("existing rows of {name} must be unique on ({})", u.columns.join(", ")),
            )),
            TableChange::AddCheck(c) => adds.push(may_fail(
                alter(
                    table,
                    format!("ADD {}CHECK {}", constraint_prefix(c.name.as_deref()), c.expression),
                ),
                format!("existing rows of {name} must satisfy CHECK {}", c.expression),
            )),
            TableChange::AddExclusion(e) => adds.push(may_fail(
                alter(
                    table,
                    format!("ADD {}{}", constraint_prefix(Some(&e.name)), e.definition),
                ),
                format!("existing rows of {name} must satisfy {}", e.definition),
            )),
            TableChange::DropColumn(column) => drops.push(drop_column(table, column, &diff.from)),
            TableChange::AddColumn(column) => {
                columns.push(add_column(table, column));
                if let Some(comment) = table.column_attributes(&column.name).comment {
                    comments.push(column_comment(table, &column.name, Some(&comment)));
                }
            }
            TableChange::AlterColumn { from, to } if !rebuilt.contains(&to.name.as_str()) => {
                columns.extend(alter_column(table, from, to));
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
                    columns.push(alter(
                        table,
                        format!("ALTER COLUMN {} {}", quote(column), identity_option_settings(options)),
                    ));
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
                constraint_drops.push(Statement::ddl(format!("DROP POLICY {} ON {name}", quote(&policy.name))))
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
                    adds.push(may_fail(
                        Statement::ddl(format!(
                            "ALTER TABLE {} ATTACH PARTITION {name} {}",
                            partition.parent, partition.bound
                        )),
                        format!("existing rows of {name} must fit {}", partition.bound),
                    ));
                }
            }
        }
    }
    AlteredTable {
        constraint_drops,
        changes: drops.into_iter().chain(columns).chain(adds).chain(comments).collect(),
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

fn drop_column(table: &Table, column: &Column, from: &Table) -> Statement {
    let statement = alter(table, format!("DROP COLUMN {}", quote(&column.name)));
    if from.column_attributes(&column.name).generated.is_some() {
        // A generated column holds nothing that cannot be computed again.
        return statement;
    }
    statement.with_hazard(
        HazardKind::DropsColumn,
        format!(
            "drops column {}.{} and its values",
            table_name(table),
            quote(&column.name)
        ),
    )
}

fn add_column(table: &Table, column: &Column) -> Statement {
    let attributes = table.column_attributes(&column.name);
    let statement = alter(table, format!("ADD COLUMN {}", column_definition(column, &attributes)));
    let filled = column.default.is_some() || attributes.identity.is_some() || attributes.generated.is_some();
    if !column.nullable && !filled {
        return may_fail(
            statement,
            format!(
                "{} is NOT NULL without a default: the table must be empty",
                quote(&column.name)
            ),
        );
    }
    statement
}

fn alter_column(table: &Table, from: &Column, to: &Column) -> Vec<Statement> {
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
            .map(|c| format!(" COLLATE {}", quote(c)))
            .unwrap_or_default();
        out.push(may_fail(
            alter(
                table,
                format!(
                    "ALTER COLUMN {column} TYPE {}{collate} USING {column}::{}",
                    to.data_type, to.data_type
                ),
            ),
            format!("existing values of {column} must convert to {}", to.data_type),
        ));
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
            may_fail(
                alter(table, format!("ALTER COLUMN {column} SET NOT NULL")),
                format!("existing rows must have a value in {column}"),
            )
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::identity_option_settings;

    #[test]
    fn identity_options_become_set_clauses() {
        assert_eq!(
            identity_option_settings("START WITH 5 INCREMENT BY -1 MINVALUE 1 MAXVALUE 9 CACHE 1 NO CYCLE"),
            "SET START WITH 5 SET INCREMENT BY -1 SET MINVALUE 1 SET MAXVALUE 9 SET CACHE 1 SET NO CYCLE"
        );
        assert!(identity_option_settings("START WITH 1 CACHE 2 CYCLE").ends_with("SET CACHE 2 SET CYCLE"));
    }
}
