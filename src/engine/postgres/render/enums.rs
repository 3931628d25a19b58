//! Enum types: new values are added in place at their position; removing or
//! reordering values rebuilds the type and converts the columns using it.

use super::create_index;
use super::ddl::{create_enum, drop_routine, enum_name, enum_type_spelling, table_name};
use crate::engine::model::{EnumType, Routine, Schema};
use crate::engine::plan::{HazardKind, Statement};
use crate::engine::postgres::ident::{literal, qualified, quote};

/// Suffix of the name an enum is renamed to while it is rebuilt.
pub const OLD_SUFFIX: &str = "__tfalchemy_old";

/// How an enum change is carried out.
pub struct EnumChange {
    /// `ALTER TYPE … ADD VALUE`; they run before the plan's transaction,
    /// because a value added in a transaction cannot be used before commit.
    pub added_values: Vec<Statement>,
    /// The rebuild, inside the transaction.
    pub rebuild: Vec<Statement>,
    /// Dropping the renamed old type, once nothing uses it.
    pub cleanup: Vec<Statement>,
    /// Keys of tables whose columns change type (their views must be
    /// dropped and recreated around it).
    pub retyped_tables: Vec<String>,
    /// Live routines the rebuild drops (their own drop or replacement must
    /// not drop them again).
    pub dropped_routines: Vec<Routine>,
}

pub fn alter_enum(from: &EnumType, to: &EnumType, live: &Schema, desired: &Schema) -> EnumChange {
    let mut change = EnumChange {
        added_values: Vec::new(),
        rebuild: Vec::new(),
        cleanup: Vec::new(),
        retyped_tables: Vec::new(),
        dropped_routines: Vec::new(),
    };
    if is_subsequence(&from.values, &to.values) {
        change.added_values = add_values(from, to);
    } else {
        rebuild(from, to, live, desired, &mut change);
    }
    change
}

fn is_subsequence(old: &[String], new: &[String]) -> bool {
    let mut remaining = new.iter();
    old.iter().all(|value| remaining.any(|v| v == value))
}

fn add_values(from: &EnumType, to: &EnumType) -> Vec<Statement> {
    let name = enum_name(to);
    let mut out = Vec::new();
    for (position, value) in to.values.iter().enumerate() {
        if from.values.contains(value) {
            continue;
        }
        // The previous desired value exists by now (kept or just added); at the
        // front, the next kept value does.
        let anchor = match position.checked_sub(1).and_then(|p| to.values.get(p)) {
            Some(previous) => format!(" AFTER {}", literal(previous)),
            None => match to.values.iter().find(|v| from.values.contains(v)) {
                Some(next) => format!(" BEFORE {}", literal(next)),
                None => String::new(),
            },
        };
        out.push(Statement::outside_transaction(format!(
            "ALTER TYPE {name} ADD VALUE {}{anchor}",
            literal(value)
        )));
    }
    out
}

/// Rename the old type away, create the new one, convert every column (and
/// array column) of it through text, drop the old type at the end. Whatever
/// spells a value of the old type (unchanged checks and indexes naming an
/// enum constant, routines taking or returning it) is dropped before and
/// recreated after; changed ones are handled by their own changes.
fn rebuild(from: &EnumType, to: &EnumType, live: &Schema, desired: &Schema, change: &mut EnumChange) {
    let old_name = format!("{}{OLD_SUFFIX}", to.name);
    let spelling = enum_type_spelling(from);
    let array_spelling = format!("{spelling}[]");
    let constant = format!("::{spelling}");
    let new_name = enum_name(to);
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
                after.push(Statement::ddl(format!(
                    "ALTER TABLE {table_sql} ADD CONSTRAINT {} CHECK {}",
                    quote(name),
                    check.expression
                )));
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
            let (target, text) = if column.data_type == array_spelling {
                (format!("{new_name}[]"), "text[]")
            } else {
                (new_name.clone(), "text")
            };
            convert.push(
                Statement::ddl(format!(
                    "ALTER TABLE {table_sql} ALTER COLUMN {column_name} TYPE {target} \
                     USING {column_name}::{text}::{target}"
                ))
                .with_hazard(
                    HazardKind::MayFailOnExistingRows,
                    format!("rows of {table_sql} holding a removed value of {new_name} fail the conversion"),
                ),
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
    change.rebuild.append(&mut before);
    change.rebuild.push(Statement::ddl(format!(
        "ALTER TYPE {} RENAME TO {}",
        enum_name(from),
        quote(&old_name)
    )));
    change.rebuild.push(Statement::ddl(create_enum(to)));
    change.rebuild.append(&mut convert);
    change.rebuild.append(&mut after);
    change.cleanup.push(Statement::ddl(format!(
        "DROP TYPE {}",
        qualified(&to.namespace, &old_name)
    )));
}

/// True when `text` names the type `spelling` as a whole word (not as part
/// of a longer name).
fn mentions_type(text: &str, spelling: &str) -> bool {
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

    fn mood(values: &[&str]) -> EnumType {
        EnumType {
            namespace: "public".to_string(),
            name: "mood".to_string(),
            values: values.iter().map(|v| v.to_string()).collect(),
        }
    }

    #[test]
    fn additions_in_order_are_added_in_place() {
        let change = alter_enum(
            &mood(&["b", "d"]),
            &mood(&["a", "b", "c", "d"]),
            &Schema::default(),
            &Schema::default(),
        );
        let sql: Vec<&str> = change.added_values.iter().map(|s| s.sql.as_str()).collect();
        assert_eq!(
            sql,
            vec![
                "ALTER TYPE \"public\".\"mood\" ADD VALUE 'a' BEFORE 'b'",
                "ALTER TYPE \"public\".\"mood\" ADD VALUE 'c' AFTER 'b'",
            ]
        );
        assert!(change.rebuild.is_empty());
    }

    #[test]
    fn type_mentions_are_whole_words() {
        assert!(mentions_type("s mood, t integer", "mood"));
        assert!(mentions_type("mood[]", "mood"));
        assert!(!mentions_type("s moody", "mood"));
        assert!(!mentions_type("s app.mood", "mood"));
    }

    #[test]
    fn removal_or_reordering_rebuilds() {
        for values in [&["b"][..], &["d", "b"][..]] {
            let change = alter_enum(
                &mood(&["b", "d"]),
                &mood(values),
                &Schema::default(),
                &Schema::default(),
            );
            assert!(change.added_values.is_empty());
            assert_eq!(change.rebuild.len(), 2, "rename and create, no columns to convert");
            assert!(change.dropped_routines.is_empty());
            assert_eq!(change.cleanup.len(), 1);
        }
    }
}
