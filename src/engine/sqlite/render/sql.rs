//! SQL text for single objects, always in one spelling: every identifier
//! double-quoted, clauses in a fixed order. Deterministic by construction.
//! Nothing is pasted: names are quoted, types and collations rendered from
//! their parsed form (type_name.rs, ident.rs), table options from the two
//! SQLite knows. Expressions are text SQLite itself parsed and stored,
//! written as the source wrote them ([`AsWritten`]) where it is known. A
//! whole `CREATE TABLE` or `CREATE INDEX` is the one SQLite stored for the
//! desired object, while it still describes it (written_statements.rs): one
//! statement SQLite itself accepted, and run as exactly one (single.rs).

use crate::engine::model::{AsWritten, Column, ForeignKey, Index, IndexKey, ReferentialAction, Table};
use crate::engine::sqlite::ident::{bare_or_quoted, quote as q};
use crate::engine::sqlite::spelling::is_literal_default;
use crate::engine::sqlite::type_name;
use crate::engine::sqlite::written_statements::{index_statement, table_statement};

/// `CREATE TABLE` for `table`: as the source wrote it while that still
/// describes the table (written_statements.rs), else from the model.
pub fn create_table(table: &Table) -> String {
    table_statement(table).unwrap_or_else(|| render_table(table))
}

fn render_table(table: &Table) -> String {
    let inline_pk = inline_primary_key_column(table);
    let mut lines: Vec<String> = table
        .columns
        .iter()
        .map(|c| {
            let mut def = column_definition(table, c);
            if inline_pk == Some(c.name.as_str()) {
                if let Some(pk) = &table.primary_key {
                    def.push_str(&constraint_name(pk.name.as_deref()));
                    def.push_str(" PRIMARY KEY AUTOINCREMENT");
                }
            }
            def
        })
        .collect();
    if let (Some(pk), None) = (&table.primary_key, inline_pk) {
        lines.push(format!(
            "{}PRIMARY KEY ({})",
            constraint_prefix(pk.name.as_deref()),
            column_list(&pk.columns)
        ));
    }
    for unique in &table.uniques {
        lines.push(format!(
            "{}UNIQUE ({})",
            constraint_prefix(unique.name.as_deref()),
            column_list(&unique.columns)
        ));
    }
    for fk in &table.foreign_keys {
        lines.push(format!(
            "{}FOREIGN KEY ({}) {}",
            constraint_prefix(fk.name.as_deref()),
            column_list(&fk.columns),
            references(fk)
        ));
    }
    for check in &table.checks {
        lines.push(format!(
            "{}CHECK ({})",
            constraint_prefix(check.name.as_deref()),
            AsWritten::spelling(&table.written.checks, &check.expression)
        ));
    }
    let mut sql = format!("CREATE TABLE {} (\n  {}\n)", q(&table.name), lines.join(",\n  "));
    let options: Vec<&str> = table.options.iter().filter_map(|o| table_option(o)).collect();
    if !options.is_empty() {
        sql.push(' ');
        sql.push_str(&options.join(", "));
    }
    sql
}

/// The table options SQLite has; it refuses any other, so none reaches the model.
fn table_option(option: &str) -> Option<&'static str> {
    ["STRICT", "WITHOUT ROWID"]
        .into_iter()
        .find(|known| known.eq_ignore_ascii_case(option))
}

/// AUTOINCREMENT only exists as a column constraint on an INTEGER PRIMARY KEY.
fn inline_primary_key_column(table: &Table) -> Option<&str> {
    match &table.primary_key {
        Some(pk) if pk.autoincrement && pk.columns.len() == 1 => Some(pk.columns[0].as_str()),
        _ => None,
    }
}

/// `"name" TYPE [NOT NULL] [DEFAULT …] [COLLATE …] [GENERATED ALWAYS AS (…)
/// VIRTUAL|STORED]`, with the default and the generated expression as the
/// source wrote them where `table` knows it.
pub fn column_definition(table: &Table, column: &Column) -> String {
    let written_default = table.written.defaults.get(&column.name).map(String::as_str);
    let mut def = q(&column.name);
    if !column.data_type.is_empty() {
        def.push(' ');
        def.push_str(&type_name::render(&column.data_type));
    }
    if !column.nullable {
        def.push_str(" NOT NULL");
    }
    if let Some(default) = &column.default {
        if let Some(written) = written_default {
            def.push_str(&format!(" DEFAULT {written}"));
        } else if is_literal_default(default) {
            // SQLite reports an expression default without its parentheses.
            def.push_str(&format!(" DEFAULT {default}"));
        } else {
            def.push_str(&format!(" DEFAULT ({default})"));
        }
    }
    if let Some(collation) = &column.collation {
        def.push_str(&format!(" COLLATE {}", bare_or_quoted(collation)));
    }
    let attributes = table.column_attributes(&column.name);
    if let Some(expression) = &attributes.generated {
        def.push_str(&format!(
            " GENERATED ALWAYS AS ({}) {}",
            table.written.generated.get(&column.name).unwrap_or(expression),
            if attributes.generated_virtual {
                "VIRTUAL"
            } else {
                "STORED"
            }
        ));
    }
    def
}

/// `REFERENCES "t" ("c") [ON DELETE …] [ON UPDATE …]`.
pub fn references(fk: &ForeignKey) -> String {
    let mut sql = format!("REFERENCES {}", q(&fk.ref_table));
    if !fk.ref_columns.is_empty() {
        sql.push_str(&format!(" ({})", column_list(&fk.ref_columns)));
    }
    if fk.on_delete != ReferentialAction::NoAction {
        sql.push_str(&format!(" ON DELETE {}", fk.on_delete.sql()));
    }
    if fk.on_update != ReferentialAction::NoAction {
        sql.push_str(&format!(" ON UPDATE {}", fk.on_update.sql()));
    }
    sql
}

/// ` CONSTRAINT "name"` for a column constraint.
pub fn constraint_name(name: Option<&str>) -> String {
    name.map(|n| format!(" CONSTRAINT {}", q(n))).unwrap_or_default()
}

/// `CONSTRAINT "name" ` before a table constraint.
fn constraint_prefix(name: Option<&str>) -> String {
    name.map(|n| format!("CONSTRAINT {} ", q(n))).unwrap_or_default()
}

pub fn column_list(columns: &[String]) -> String {
    columns.iter().map(|c| q(c)).collect::<Vec<_>>().join(", ")
}

/// `written`: how the source wrote the index (written_statements.rs) or
/// its expressions.
pub fn create_index(table: &str, index: &Index, written: &AsWritten) -> String {
    index_statement(table, written, index).unwrap_or_else(|| render_index(table, index, written))
}

fn render_index(table: &str, index: &Index, written: &AsWritten) -> String {
    let parts: Vec<String> = index
        .parts
        .iter()
        .map(|part| {
            let mut sql = match &part.key {
                IndexKey::Column(column) => q(column),
                IndexKey::Expression(expression) => {
                    AsWritten::spelling(&written.index_expressions, expression).to_string()
                }
            };
            if let Some(collation) = &part.collation {
                sql.push_str(&format!(" COLLATE {}", bare_or_quoted(collation)));
            }
            if part.descending {
                sql.push_str(" DESC");
            }
            sql
        })
        .collect();
    let mut sql = format!(
        "CREATE {}INDEX {} ON {} ({})",
        if index.unique { "UNIQUE " } else { "" },
        q(&index.name),
        q(table),
        parts.join(", ")
    );
    if let Some(predicate) = &index.predicate {
        sql.push_str(&format!(
            " WHERE {}",
            AsWritten::spelling(&written.index_expressions, predicate)
        ));
    }
    sql
}

pub fn drop_index(name: &str) -> String {
    format!("DROP INDEX {}", q(name))
}

pub fn drop_table(name: &str) -> String {
    format!("DROP TABLE {}", q(name))
}

pub fn drop_view(name: &str) -> String {
    format!("DROP VIEW {}", q(name))
}

pub fn drop_trigger(name: &str) -> String {
    format!("DROP TRIGGER {}", q(name))
}

pub fn add_column(table: &Table, column: &Column, fk: Option<&ForeignKey>) -> String {
    let definition = column_definition(table, column);
    let mut sql = format!("ALTER TABLE {} ADD COLUMN {definition}", q(&table.name));
    if let Some(fk) = fk {
        sql.push_str(&constraint_name(fk.name.as_deref()));
        sql.push(' ');
        sql.push_str(&references(fk));
    }
    sql
}

pub fn drop_column(table: &str, column: &str) -> String {
    format!("ALTER TABLE {} DROP COLUMN {}", q(table), q(column))
}

/// Whether ALTER TABLE RENAME leaves references in other tables, views and
/// triggers alone (ON) or rewrites them (OFF, SQLite's default).
pub fn legacy_alter_table(on: bool) -> String {
    format!("PRAGMA legacy_alter_table = {}", if on { "ON" } else { "OFF" })
}

pub fn rename_table(from: &str, to: &str) -> String {
    format!("ALTER TABLE {} RENAME TO {}", q(from), q(to))
}

pub fn copy_rows(to: &str, from: &str, columns: &[String]) -> String {
    let list = column_list(columns);
    format!("INSERT INTO {} ({list}) SELECT {list} FROM {}", q(to), q(from))
}
