//! Live database → model, with one bulk `information_schema` query per
//! object kind: the number of queries does not depend on how many tables
//! there are. The database inspected is the connection's (`DATABASE()`);
//! table keys are bare names, as one MySQL database is one schema.

mod keys;
mod objects;
mod sequences;
mod tables;

pub use tables::{table_collation, COLLATE, ENGINE, ROW_FORMAT};

use sqlx::mysql::{MySqlConnection, MySqlRow};
use sqlx::Row;

use super::connect::Server;
use crate::engine::bookkeeping;
use crate::engine::error::EngineError;
use crate::engine::model::Schema;

/// What one inspection cost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InspectStats {
    /// Catalog queries sent.
    pub queries: usize,
}

/// Runs the catalog queries on one connection and counts them.
pub struct Catalog<'c> {
    conn: &'c mut MySqlConnection,
    label: &'c str,
    server: Server,
    queries: usize,
}

impl Catalog<'_> {
    async fn fetch(&mut self, sql: &str) -> Result<Vec<MySqlRow>, EngineError> {
        self.queries += 1;
        sqlx::query(sql)
            .fetch_all(&mut *self.conn)
            .await
            .map_err(|e| EngineError::Inspect {
                url: self.label.to_string(),
                reason: crate::engine::error::database_message(&e),
            })
    }
}

/// Column `index` of a catalog row as text. Catalog columns are text in one
/// server and binary strings (or enums) in another: both decode.
pub fn text(row: &MySqlRow, index: usize) -> Option<String> {
    if let Ok(value) = row.try_get::<Option<String>, _>(index) {
        return value;
    }
    match row.try_get::<Option<Vec<u8>>, _>(index) {
        Ok(bytes) => bytes.map(|b| String::from_utf8_lossy(&b).into_owned()),
        Err(_) => row
            .try_get::<Option<i64>, _>(index)
            .ok()
            .flatten()
            .map(|n| n.to_string())
            .or_else(|| {
                row.try_get::<Option<u64>, _>(index)
                    .ok()
                    .flatten()
                    .map(|n| n.to_string())
            }),
    }
}

/// [`text`], empty when NULL.
pub fn text_or_empty(row: &MySqlRow, index: usize) -> String {
    text(row, index).unwrap_or_default()
}

/// Inspects the connection's database.
pub async fn inspect_connection(
    conn: &mut MySqlConnection,
    server: Server,
    label: &str,
) -> Result<(Schema, InspectStats), EngineError> {
    let mut catalog = Catalog {
        conn,
        label,
        server,
        queries: 0,
    };
    let mut schema = Schema::default();
    let sequences = tables::tables(&mut catalog, &mut schema).await?;
    sequences::sequences(&mut catalog, &mut schema, &sequences).await?;
    tables::columns(&mut catalog, &mut schema).await?;
    keys::indexes(&mut catalog, &mut schema).await?;
    keys::foreign_keys(&mut catalog, &mut schema).await?;
    keys::checks(&mut catalog, &mut schema).await?;
    objects::views(&mut catalog, &mut schema).await?;
    objects::triggers(&mut catalog, &mut schema).await?;
    objects::routines(&mut catalog, &mut schema).await?;
    for table in schema.tables.values_mut() {
        table.sort();
    }
    let stats = InspectStats {
        queries: catalog.queries,
    };
    // The renderer classifies online DDL by the live server's flavour and version.
    schema.server = Some(server.version_text());
    Ok((bookkeeping::hide(schema), stats))
}
