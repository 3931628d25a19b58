//! A stable fingerprint of a schema: sha256 over a canonical JSON form.
//!
//! Only the model goes in, so row data and SQLite's internal tables
//! (`sqlite_sequence`, `sqlite_stat*`) cannot change it; columns are sorted by
//! name because column order is not part of the schema's identity (see diff).

use sha2::{Digest, Sha256};

use super::model::{Schema, Table};

/// Lower-case hex sha256 of the canonical serialization of `schema`.
pub fn schema_hash(schema: &Schema) -> String {
    let mut canonical = schema.clone();
    canonical.tables.values_mut().for_each(canonicalize);
    sha256_of_json(&canonical)
}

/// [`schema_hash`] of one table.
pub fn table_hash(table: &Table) -> String {
    let mut canonical = table.clone();
    canonicalize(&mut canonical);
    sha256_of_json(&canonical)
}

fn canonicalize(table: &mut Table) {
    table.columns.sort_by(|a, b| a.name.cmp(&b.name));
    table.sort();
}

fn sha256_of_json(value: &impl serde::Serialize) -> String {
    // Streamed into the hasher: a large schema's JSON is megabytes.
    // Serializing plain structs, strings and BTreeMaps cannot fail.
    let mut hasher = Sha256::new();
    let _ = serde_json::to_writer(&mut hasher, value);
    hex::encode(hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::model::{Column, Table};

    fn column(name: &str) -> Column {
        Column {
            name: name.into(),
            data_type: "INTEGER".into(),
            nullable: true,
            default: None,
            collation: None,
        }
    }

    #[test]
    fn hash_ignores_column_order_but_not_columns() {
        let mut a = Schema::default();
        let mut t = Table::new("t");
        t.columns = vec![column("a"), column("b")];
        a.tables.insert("t".into(), t.clone());
        let mut b = Schema::default();
        t.columns.reverse();
        b.tables.insert("t".into(), t.clone());
        assert_eq!(schema_hash(&a), schema_hash(&b));
        t.columns.pop();
        b.tables.insert("t".into(), t);
        assert_ne!(schema_hash(&a), schema_hash(&b));
        assert_eq!(schema_hash(&a).len(), 64);
    }
}
