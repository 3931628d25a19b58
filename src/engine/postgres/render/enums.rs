//! Enum types: new values are added in place at their position; removing or
//! reordering values rebuilds the type and converts the columns using it.

use super::ddl::{create_enum, enum_name, enum_type_spelling};
use super::retype::{self, Retype, TypeRebuild};
use crate::engine::model::{EnumType, Schema};
use crate::engine::plan::Statement;
use crate::engine::postgres::ident::literal;

/// How an enum change is carried out.
pub struct EnumChange {
    /// `ALTER TYPE … ADD VALUE`; they run before the plan's transaction,
    /// because a value added in a transaction cannot be used before commit.
    pub added_values: Vec<Statement>,
    /// Removing or reordering values rebuilds the type.
    pub rebuild: Retype,
}

pub fn alter_enum(from: &EnumType, to: &EnumType, live: &Schema, desired: &Schema) -> EnumChange {
    if is_subsequence(&from.values, &to.values) {
        return EnumChange {
            added_values: add_values(from, to),
            rebuild: Retype::default(),
        };
    }
    let rebuild = TypeRebuild {
        keyword: "TYPE",
        namespace: &to.namespace,
        name: &to.name,
        current: enum_name(from),
        spelling: enum_type_spelling(from),
        create: Statement::ddl(create_enum(to)),
        lost_values: Some(from.values.iter().filter(|v| !to.values.contains(v)).cloned().collect()),
    };
    EnumChange {
        added_values: Vec::new(),
        rebuild: retype::rebuild(&rebuild, live, desired),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn mood(values: &[&str]) -> EnumType {
        EnumType {
            namespace: "public".to_string(),
            name: "mood".to_string(),
            values: values.iter().map(|v| v.to_string()).collect(),
            spelling: "mood".to_string(),
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
        assert!(change.rebuild.statements.is_empty());
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
            assert_eq!(
                change.rebuild.statements.len(),
                2,
                "rename and create, no columns to convert"
            );
            assert!(change.rebuild.dropped_routines.is_empty());
            assert_eq!(change.rebuild.cleanup.len(), 1);
        }
    }
}
