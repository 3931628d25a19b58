//! A column's definition as MySQL writes it in `CREATE TABLE`, `ADD COLUMN`
//! and `MODIFY COLUMN`, and what its type says about its values.

use crate::engine::model::{Column, ColumnAttributes, Table};
use crate::engine::mysql::ident::{literal, quote};
use crate::engine::mysql::inspect::table_collation;

/// Types whose values are characters, and so have a collation.
const CHARACTER_TYPES: [&str; 8] = [
    "char",
    "varchar",
    "tinytext",
    "text",
    "mediumtext",
    "longtext",
    "enum",
    "set",
];

/// The type's name without length, values or modifiers: `varchar`, `int`.
pub fn base_type(data_type: &str) -> String {
    data_type
        .split(|c: char| c == '(' || c.is_whitespace())
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

pub fn is_character(data_type: &str) -> bool {
    CHARACTER_TYPES.contains(&base_type(data_type).as_str())
}

/// How the definition names the collation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Collation {
    /// Only a collation of its own: the table's default applies otherwise
    /// (`CREATE TABLE`).
    OwnOnly,
    /// The collation the column ends up with, the table's when it has none of
    /// its own: an altered column keeps no stale collation, and one that
    /// inherits follows a changed table default.
    Effective,
}

/// `name type [COLLATE c] [AS (…) VIRTUAL] [NOT NULL] [DEFAULT …] [ON UPDATE …]
/// [AUTO_INCREMENT] [INVISIBLE] [COMMENT '…']`.
pub fn definition(table: &Table, column: &Column, collation: Collation) -> String {
    let attributes: ColumnAttributes = table.column_attributes(&column.name);
    let mut sql = format!("{} {}", quote(&column.name), column.data_type);
    let effective = match collation {
        Collation::OwnOnly => column.collation.as_deref(),
        Collation::Effective => column.collation.as_deref().or_else(|| table_collation(table)),
    };
    if let Some(collation) = effective.filter(|_| is_character(&column.data_type)) {
        sql.push_str(&format!(" COLLATE {collation}"));
    }
    if let Some(expression) = &attributes.generated {
        let storage = if attributes.generated_virtual {
            "VIRTUAL"
        } else {
            "STORED"
        };
        sql.push_str(&format!(" GENERATED ALWAYS AS ({expression}) {storage}"));
        if !column.nullable {
            sql.push_str(" NOT NULL");
        }
    } else {
        sql.push_str(if column.nullable { " NULL" } else { " NOT NULL" });
    }
    if let Some(default) = &column.default {
        sql.push_str(&format!(" DEFAULT {default}"));
    }
    if let Some(on_update) = &attributes.on_update {
        sql.push_str(&format!(" ON UPDATE {on_update}"));
    }
    if attributes.auto_increment {
        sql.push_str(" AUTO_INCREMENT");
    }
    if attributes.invisible {
        sql.push_str(" INVISIBLE");
    }
    if let Some(comment) = &attributes.comment {
        sql.push_str(&format!(" COMMENT {}", literal(comment)));
    }
    sql
}

/// Where a column goes: after the one before it in `table`, or first.
pub fn position(table: &Table, column: &str) -> String {
    let at = table.columns.iter().position(|c| c.name == column).unwrap_or(0);
    match at.checked_sub(1).and_then(|before| table.columns.get(before)) {
        Some(before) => format!(" AFTER {}", quote(&before.name)),
        None => " FIRST".to_string(),
    }
}

/// The values of an `enum(…)` or `set(…)` type, unquoted.
pub fn enum_values(data_type: &str) -> Option<Vec<String>> {
    let lower = data_type.to_ascii_lowercase();
    if !(lower.starts_with("enum(") || lower.starts_with("set(")) {
        return None;
    }
    let inner = &data_type[data_type.find('(')? + 1..data_type.rfind(')')?];
    let mut values = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('\'', false) => quoted = true,
            ('\'', true) if chars.peek() == Some(&'\'') => {
                chars.next();
                current.push('\'');
            }
            ('\'', true) => {
                quoted = false;
                values.push(std::mem::take(&mut current));
            }
            (c, true) => current.push(c),
            _ => {}
        }
    }
    Some(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_values_are_read_with_their_quotes_undone() {
        assert_eq!(
            enum_values("enum('a','it''s','x,y')"),
            Some(vec!["a".to_string(), "it's".to_string(), "x,y".to_string()])
        );
        assert_eq!(enum_values("varchar(3)"), None);
    }
}
