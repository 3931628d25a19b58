//! Tables and indexes a plan creates read as the desired SQL wrote them.
//! SQLite stores a `CREATE TABLE` or `CREATE INDEX` as written (from the
//! object's name on), so a table created from the desired statement itself
//! is, in `sqlite_schema`, what SQLAlchemy's `create_all` would have made of
//! the same models, byte for byte. The statement is kept when the object is
//! inspected, with a fingerprint of the model read from it; the renderer
//! uses it while the object in the model still has that fingerprint, and
//! writes the object from the model otherwise (sql.rs).

use std::collections::BTreeMap;

use super::tokens::tokenize;
use crate::engine::model::{AsWritten, Index, Table, WrittenStatement};

/// Keeps, in `table.written`, the statements `stored(kind, name)` gives for
/// the table and its indexes. Call it once the table is complete.
pub fn keep_statements<'a>(table: &mut Table, stored: impl Fn(&str, &str) -> Option<&'a str>) {
    let mut statements = BTreeMap::new();
    if let Some(sql) = stored("table", &table.name).filter(|sql| !sql.is_empty()) {
        statements.insert(table.name.clone(), WrittenStatement::of(sql, &table_shape(table)));
    }
    for index in table.indexes.values() {
        if let Some(sql) = stored("index", &index.name).filter(|sql| !sql.is_empty()) {
            statements.insert(index.name.clone(), WrittenStatement::of(sql, index));
        }
    }
    table.written.statements = statements;
}

/// What a `CREATE TABLE` statement makes: the table without its indexes,
/// which are statements of their own.
fn table_shape(table: &Table) -> Table {
    Table {
        indexes: BTreeMap::new(),
        written: Default::default(),
        ..table.clone()
    }
}

/// The desired `CREATE TABLE` of `table`, if it still describes the table.
pub fn table_statement(table: &Table) -> Option<String> {
    table
        .written
        .statement(&table.name, &table_shape(table))
        .map(str::to_string)
}

/// The desired `CREATE INDEX` of `index` on `table`, if it still describes
/// the index on that table.
pub fn index_statement(table: &str, written: &AsWritten, index: &Index) -> Option<String> {
    let sql = written.statement(&index.name, index)?;
    let tokens = tokenize(sql);
    let on = tokens.iter().position(|t| t.is_word("ON"))?;
    let named = tokens.get(on + 1)?.identifier();
    named.eq_ignore_ascii_case(table).then(|| sql.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::model::Column;

    fn table() -> Table {
        let mut table = Table::new("t");
        table.columns.push(Column {
            name: "a".into(),
            data_type: "TEXT".into(),
            nullable: true,
            default: None,
            collation: None,
        });
        table.indexes.insert("ix".into(), Index::on_column("ix", "a"));
        keep_statements(&mut table, |kind, _| match kind {
            "table" => Some("CREATE TABLE t (\n\ta TEXT\n)"),
            _ => Some("CREATE INDEX ix ON t (a)"),
        });
        table
    }

    #[test]
    fn the_statements_read_are_used_while_they_describe_the_objects() {
        let table = table();
        assert_eq!(
            table_statement(&table).as_deref(),
            Some("CREATE TABLE t (\n\ta TEXT\n)")
        );
        let index = &table.indexes["ix"];
        assert_eq!(
            index_statement("T", &table.written, index).as_deref(),
            Some("CREATE INDEX ix ON t (a)")
        );
        assert_eq!(index_statement("other", &table.written, index), None, "another table");
    }

    #[test]
    fn a_table_or_index_changed_since_is_written_from_the_model() {
        let mut table = table();
        let mut index = table.indexes["ix"].clone();
        index.unique = true;
        assert_eq!(index_statement("t", &table.written, &index), None);
        // An index of its own changes nothing about the table's statement.
        table.indexes.clear();
        assert!(table_statement(&table).is_some());
        let kept = table.columns[0].clone();
        table.columns.push(Column {
            name: "b".into(),
            ..kept
        });
        assert_eq!(table_statement(&table), None);
    }
}
