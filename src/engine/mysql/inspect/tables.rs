//! Tables with their options, and their columns.

use super::{text, text_or_empty, Catalog};
use crate::engine::error::EngineError;
use crate::engine::model::{Column, ColumnAttributes, Schema, Table};
use crate::engine::mysql::ident::quote;

/// The options a table is created with, in the model's spelling. The
/// `AUTO_INCREMENT` counter is data and is left out; so is everything
/// `CREATE_OPTIONS` says but `ROW_FORMAT` (partitioning is reported as
/// unmanaged).
pub const ENGINE: &str = "ENGINE=";
pub const COLLATE: &str = "COLLATE=";
pub const ROW_FORMAT: &str = "ROW_FORMAT=";

/// Reads the tables into `schema`; returns the names of the sequences
/// (MariaDB lists them among the tables).
pub async fn tables(catalog: &mut Catalog<'_>, schema: &mut Schema) -> Result<Vec<String>, EngineError> {
    let rows = catalog
        .fetch(
            "SELECT TABLE_NAME, TABLE_TYPE, ENGINE, TABLE_COLLATION, CREATE_OPTIONS, TABLE_COMMENT \
             FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE <> 'VIEW'",
        )
        .await?;
    let mut sequences = Vec::new();
    for row in rows {
        let name = text_or_empty(&row, 0);
        let kind = text_or_empty(&row, 1);
        if kind == "SEQUENCE" {
            sequences.push(name);
            continue;
        }
        let mut table = Table::new(name.clone());
        if let Some(engine) = text(&row, 2) {
            table.options.insert(format!("{ENGINE}{engine}"));
        }
        if let Some(collation) = text(&row, 3) {
            table.options.insert(format!("{COLLATE}{collation}"));
        }
        for option in text_or_empty(&row, 4).split_whitespace() {
            let lower = option.to_ascii_lowercase();
            if let Some(format) = lower.strip_prefix("row_format=") {
                table
                    .options
                    .insert(format!("{ROW_FORMAT}{}", format.to_ascii_uppercase()));
            } else if lower == "partitioned" {
                schema
                    .unmanaged
                    .push(format!("the partitioning of table {}", quote(&name)));
            }
        }
        table.comment = text(&row, 5).filter(|c| !c.is_empty());
        schema.tables.insert(name, table);
    }
    Ok(sequences)
}

/// The table's collation from its options.
pub fn table_collation(table: &Table) -> Option<&str> {
    table.options.iter().find_map(|o| o.strip_prefix(COLLATE))
}

pub async fn columns(catalog: &mut Catalog<'_>, schema: &mut Schema) -> Result<(), EngineError> {
    let rows = catalog
        .fetch(
            "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_DEFAULT, IS_NULLABLE, COLUMN_TYPE, COLLATION_NAME, \
             EXTRA, COLUMN_COMMENT, GENERATION_EXPRESSION \
             FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() \
             ORDER BY TABLE_NAME, ORDINAL_POSITION",
        )
        .await?;
    let mariadb = catalog.server.is_mariadb();
    for row in rows {
        let Some(table) = schema.tables.get_mut(&text_or_empty(&row, 0)) else {
            continue;
        };
        let name = text_or_empty(&row, 1);
        let extra = Extra::parse(&text_or_empty(&row, 6));
        let data_type = canonical_type(&text_or_empty(&row, 4));
        let generated = text(&row, 8).filter(|g| !g.is_empty() && extra.generated.is_some());
        let default = if generated.is_some() {
            None
        } else {
            canonical_default(text(&row, 2), mariadb, extra.default_is_expression)
        };
        let collation = text(&row, 5).filter(|c| Some(c.as_str()) != table_collation(table));
        let attributes = ColumnAttributes {
            generated,
            generated_virtual: extra.generated == Some(Generated::Virtual),
            comment: text(&row, 7).filter(|c| !c.is_empty()),
            auto_increment: extra.auto_increment,
            on_update: extra.on_update,
            invisible: extra.invisible,
            ..ColumnAttributes::default()
        };
        if !attributes.is_empty() {
            table.column_attributes.insert(name.clone(), attributes);
        }
        table.columns.push(Column {
            name,
            data_type,
            nullable: text_or_empty(&row, 3) == "YES",
            default,
            collation,
        });
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Generated {
    Virtual,
    Stored,
}

/// What `COLUMNS.EXTRA` says: `auto_increment`, `on update
/// current_timestamp()`, `VIRTUAL GENERATED`, `INVISIBLE`, MySQL's
/// `DEFAULT_GENERATED` (the default is an expression).
#[derive(Debug, Default, PartialEq, Eq)]
struct Extra {
    auto_increment: bool,
    on_update: Option<String>,
    generated: Option<Generated>,
    invisible: bool,
    default_is_expression: bool,
}

impl Extra {
    fn parse(extra: &str) -> Extra {
        let words: Vec<&str> = extra.split_whitespace().collect();
        let lower: Vec<String> = words.iter().map(|w| w.to_ascii_lowercase()).collect();
        let has = |word: &str| lower.iter().any(|w| w == word);
        let on_update = lower
            .windows(2)
            .position(|pair| pair[0] == "on" && pair[1] == "update")
            .and_then(|at| words.get(at + 2))
            .map(|expression| canonical_expression(expression));
        let generated = if has("virtual") {
            Some(Generated::Virtual)
        } else if has("stored") || has("persistent") {
            Some(Generated::Stored)
        } else {
            None
        };
        Extra {
            auto_increment: has("auto_increment"),
            on_update,
            generated,
            invisible: has("invisible"),
            default_is_expression: has("default_generated"),
        }
    }
}

/// `CURRENT_TIMESTAMP`, `current_timestamp()` and `now()` are one thing;
/// MariaDB writes the second, MySQL the first.
fn canonical_expression(expression: &str) -> String {
    let lower = expression.to_ascii_lowercase();
    for synonym in ["current_timestamp", "now", "localtimestamp", "localtime"] {
        if let Some(rest) = lower.strip_prefix(synonym) {
            return match rest {
                "" | "()" => "current_timestamp()".to_string(),
                precision => format!("current_timestamp{precision}"),
            };
        }
    }
    expression.to_string()
}

/// The column's `COLUMN_TYPE` without what does not change what it holds:
/// the display width of integers (`int(11)` is `int`), kept for
/// `tinyint(1)` (how `BOOLEAN` is stored and read back) and `ZEROFILL`.
pub fn canonical_type(column_type: &str) -> String {
    let lower = column_type.to_ascii_lowercase();
    const INTEGERS: [&str; 6] = ["tinyint", "smallint", "mediumint", "int", "integer", "bigint"];
    let Some(open) = lower.find('(') else {
        return column_type.to_string();
    };
    let base = &lower[..open];
    if !INTEGERS.contains(&base) || lower.contains("zerofill") || lower.starts_with("tinyint(1)") {
        return column_type.to_string();
    }
    match lower[open..].find(')') {
        Some(close) => format!("{base}{}", &lower[open + close + 1..]),
        None => column_type.to_string(),
    }
}

/// `COLUMN_DEFAULT` as a SQL term. MariaDB already writes one (`'x'`,
/// `42`, `NULL`, `current_timestamp()`); MySQL writes literals bare and
/// marks expressions in `EXTRA`. `NULL` is the default of every nullable
/// column without one, so it is no default.
fn canonical_default(default: Option<String>, mariadb: bool, expression: bool) -> Option<String> {
    let default = default?;
    if mariadb {
        return (default != "NULL").then(|| canonical_expression(&default));
    }
    if expression {
        let canonical = canonical_expression(&default);
        return Some(if canonical.starts_with("current_timestamp") {
            canonical
        } else {
            format!("({default})")
        });
    }
    Some(crate::engine::mysql::ident::literal(&default))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_widths_are_dropped_but_boolean_and_zerofill_keep_theirs() {
        assert_eq!(canonical_type("int(11)"), "int");
        assert_eq!(canonical_type("bigint(20) unsigned"), "bigint unsigned");
        assert_eq!(canonical_type("tinyint(1)"), "tinyint(1)");
        assert_eq!(canonical_type("int(5) unsigned zerofill"), "int(5) unsigned zerofill");
        assert_eq!(canonical_type("varchar(20)"), "varchar(20)");
        assert_eq!(canonical_type("enum('a','B')"), "enum('a','B')");
    }

    #[test]
    fn defaults_of_both_flavours_become_sql_terms() {
        assert_eq!(canonical_default(None, true, false), None);
        assert_eq!(canonical_default(Some("NULL".into()), true, false), None);
        assert_eq!(
            canonical_default(Some("'NULL'".into()), true, false),
            Some("'NULL'".into())
        );
        assert_eq!(
            canonical_default(Some("current_timestamp()".into()), true, false),
            Some("current_timestamp()".into())
        );
        assert_eq!(canonical_default(Some("x".into()), false, false), Some("'x'".into()));
        assert_eq!(
            canonical_default(Some("CURRENT_TIMESTAMP(3)".into()), false, true),
            Some("current_timestamp(3)".into())
        );
        assert_eq!(
            canonical_default(Some("rand()".into()), false, true),
            Some("(rand())".into())
        );
    }

    #[test]
    fn extra_is_read_for_both_flavours() {
        let maria = Extra::parse("on update current_timestamp()");
        assert_eq!(maria.on_update.as_deref(), Some("current_timestamp()"));
        let mysql = Extra::parse("DEFAULT_GENERATED on update CURRENT_TIMESTAMP");
        assert_eq!(mysql.on_update.as_deref(), Some("current_timestamp()"));
        assert!(mysql.default_is_expression);
        assert_eq!(Extra::parse("VIRTUAL GENERATED").generated, Some(Generated::Virtual));
        assert!(Extra::parse("auto_increment").auto_increment);
        assert!(Extra::parse("INVISIBLE").invisible);
    }
}
