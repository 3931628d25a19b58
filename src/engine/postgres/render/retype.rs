//! Changing a user type that cannot be altered in place (an enum losing
//! values, a domain changing its base type): rename it away, create the new
//! one under the name, convert the columns, drop the old one at the end.

use super::create_index;
use super::ddl::{add_check, drop_routine, table_name};
use crate::engine::model::{Routine, Schema};
use crate::engine::plan::{HazardKind, Statement};
use crate::engine::postgres::ident::{literal, qualified, quote};
use crate::engine::probe::Probe;

/// Suffix of the name a type is renamed to while it is rebuilt.
pub const OLD_SUFFIX: &str = "__tfalchemy_old";

/// The type being rebuilt.
pub struct TypeRebuild<'a> {
    /// `TYPE` or `DOMAIN`, for `ALTER …` and `DROP …`.
    pub keyword: &'static str,
    pub namespace: &'a str,
    pub name: &'a str,
    /// Its qualified name in SQL today.
    pub current: String,
    /// How column types and expressions spell it (`format_type`).
    pub spelling: String,
    /// Creates the new type.
    pub create: Statement,
    /// For an enum, the values the new type no longer has (empty when only
    /// the order changes, which every value survives); `None` for other
    /// types, whose conversion may fail on values the new one rejects.
    pub lost_values: Option<Vec<String>>,
}

/// The statements of a rebuild and what they touch.
#[derive(Default)]
pub struct Retype {
    /// Inside the transaction, with the other types.
    pub statements: Vec<Statement>,
    /// Dropping the renamed old type, once nothing uses it.
    pub cleanup: Vec<Statement>,
    /// Keys of tables whose columns change type (their views must be
    /// dropped and recreated around it).
    pub retyped_tables: Vec<String>,
    /// Live routines the rebuild drops (their own drop or replacement must
    /// not drop them again).
    pub dropped_routines: Vec<Routine>,
}

/// Rename the old type away, create the new one, convert every column (and
/// array column) of it through text, drop the old type at the end. Whatever
/// spells a value of the old type (unchanged checks and indexes naming a
/// constant of it, routines taking or returning it) is dropped before and
/// recreated after; changed ones are handled by their own changes.
pub fn rebuild(t: &TypeRebuild<'_>, live: &Schema, desired: &Schema) -> Retype {
    let mut change = Retype::default();
    let old_name = format!("{}{OLD_SUFFIX}", t.name);
    let spelling = t.spelling.clone();
    let array_spelling = format!("{spelling}[]");
    let constant = format!("::{spelling}");
    let new_name = qualified(t.namespace, t.name);
    let mut before = Vec::new();
    let mut convert = Vec::new();
    let mut after = Vec::new();
    for (key, routine) in &live.routines {
        let signature = format!("{} {}", routine.arguments, routine.result);
        if !mentions_type(&signature, &spelling) {
            continue;
        }
        before.push(Statement::ddl(drop_routine(routine)));
        change.dropped_routines.push(routine.clone());
        if desired.routines.get(key) == Some(routine) {
            after.push(Statement::ddl(routine.definition.clone()));
        }
    }
    for (key, table) in &live.tables {
        // A table that is going away keeps the old type until it is dropped.
        let Some(kept) = desired.tables.get(key) else {
            continue;
        };
        let converted: Vec<_> = table
            .columns
            .iter()
            .filter(|c| c.data_type == spelling || c.data_type == array_spelling)
            .collect();
        if converted.is_empty() {
            continue;
        }
        change.retyped_tables.push(key.clone());
        let table_sql = table_name(table);
        for check in table
            .checks
            .iter()
            .filter(|c| c.expression.contains(&constant) && kept.checks.contains(c))
        {
            if let Some(name) = &check.name {
                before.push(Statement::ddl(format!(
                    "ALTER TABLE {table_sql} DROP CONSTRAINT {}",
                    quote(name)
                )));
                after.push(Statement::ddl(add_check(&table_sql, check)));
            }
        }
        let namespace = table.namespace.as_deref().unwrap_or("public");
        for (name, index) in &table.indexes {
            let mentions = index.definition.as_ref().is_some_and(|d| d.contains(&constant));
            if mentions && kept.indexes.get(name) == Some(index) {
                before.push(Statement::ddl(format!("DROP INDEX {}", qualified(namespace, name))));
                after.push(create_index(index));
            }
        }
        for column in converted {
            let column_name = quote(&column.name);
            if column.default.is_some() {
                convert.push(Statement::ddl(format!(
                    "ALTER TABLE {table_sql} ALTER COLUMN {column_name} DROP DEFAULT"
                )));
            }
            let is_array = column.data_type == array_spelling;
            let (target, text) = if is_array {
                (format!("{new_name}[]"), "text[]")
            } else {
                (new_name.clone(), "text")
            };
            let statement = Statement::ddl(format!(
                "ALTER TABLE {table_sql} ALTER COLUMN {column_name} TYPE {target} \
                 USING {column_name}::{text}::{target}"
            ));
            let subject = format!("{table_sql}.{column_name}");
            let statement = match &t.lost_values {
                None => statement.with_table_hazard(
                    HazardKind::MayFailOnExistingRows,
                    key,
                    format!("rows of {table_sql} with values that do not fit the new {new_name} fail the conversion"),
                ),
                Some(lost) if lost.is_empty() => statement,
                Some(lost) => {
                    let values: Vec<String> = lost.iter().map(|v| literal(v)).collect();
                    let predicate = if is_array {
                        format!("{column_name}::text[] && ARRAY[{}]::text[]", values.join(", "))
                    } else {
                        format!("{column_name}::text IN ({})", values.join(", "))
                    };
                    statement
                        .with_table_hazard(
                            HazardKind::DropsEnumValue,
                            key,
                            format!(
                                "removes {} from {new_name}: rows of {table_sql} holding them make the conversion fail",
                                values.join(", ")
                            ),
                        )
                        .with_probe(Probe::matching(
                            table_sql.clone(),
                            subject.clone(),
                            predicate,
                            ("row holding a removed value", "rows holding a removed value"),
                            "the conversion will fail",
                        ))
                }
            };
            convert.push(
                statement
                    .with_table_hazard(
                        HazardKind::RewritesTable,
                        key,
                        format!("converting {subject} to the new {new_name} rewrites every row of {table_sql}"),
                    )
                    .about_column(&column.name),
            );
            // A changed default is set by the table's own changes later.
            let unchanged_default = kept
                .column(&column.name)
                .and_then(|c| c.default.as_ref())
                .filter(|d| Some(*d) == column.default.as_ref());
            if let Some(default) = unchanged_default {
                convert.push(Statement::ddl(format!(
                    "ALTER TABLE {table_sql} ALTER COLUMN {column_name} SET DEFAULT {default}"
                )));
            }
        }
    }
    change.statements.append(&mut before);
    change.statements.push(Statement::ddl(format!(
        "ALTER {} {} RENAME TO {}",
        t.keyword,
        t.current,
        quote(&old_name)
    )));
    change.statements.push(t.create.clone());
    change.statements.append(&mut convert);
    change.statements.append(&mut after);
    change.cleanup.push(Statement::ddl(format!(
        "DROP {} {}",
        t.keyword,
        qualified(t.namespace, &old_name)
    )));
    change
}

/// True when `text` names the type `spelling` as a whole word (not as part
/// of a longer name).
pub(super) fn mentions_type(text: &str, spelling: &str) -> bool {
    let is_name_char = |c: char| c.is_alphanumeric() || c == '_' || c == '"' || c == '.';
    text.match_indices(spelling).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + spelling.len()..].chars().next();
        !before.is_some_and(is_name_char) && !after.is_some_and(is_name_char)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_mentions_are_whole_words() {
        assert!(mentions_type("s mood, t integer", "mood"));
        assert!(mentions_type("mood[]", "mood"));
        assert!(!mentions_type("s moody", "mood"));
        assert!(!mentions_type("s app.mood", "mood"));
    }
}
