//! Live database → model, with one bulk catalog query per object kind: the
//! number of queries does not depend on how many tables there are. All of
//! them read one snapshot, so a concurrent DDL cannot tear the model.

mod aggregates;
mod collations;
mod comments;
mod composites;
mod dependencies;
mod filter;
mod objects;
mod privileges;
mod ranges;
mod rules;
mod statistics;
mod tables;
mod unmanaged;

use std::collections::BTreeMap;

use sqlx::postgres::{PgConnection, PgRow};
use sqlx::Connection;

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
    conn: &'c mut PgConnection,
    label: &'c str,
    queries: usize,
}

impl<'c> Catalog<'c> {
    async fn fetch(&mut self, sql: &str) -> Result<Vec<PgRow>, EngineError> {
        self.queries += 1;
        sqlx::query(sql)
            .fetch_all(&mut *self.conn)
            .await
            .map_err(|e| EngineError::Inspect {
                url: self.label.to_string(),
                reason: crate::engine::error::database_message(&e),
            })
    }

    fn decode_error(&self, e: sqlx::Error) -> EngineError {
        EngineError::Inspect {
            url: self.label.to_string(),
            reason: format!("unexpected catalog data: {e}"),
        }
    }
}

/// Relation oid → model key, for resolving references between objects.
pub type RelationKeys = BTreeMap<i64, String>;

/// An object that belongs to a relation, as PostgreSQL writes it back: the
/// model key of its relation, its name and its definition.
pub struct OnRelation {
    pub table: String,
    pub name: String,
    pub definition: String,
}

impl Catalog<'_> {
    /// The rows of `sql` (columns `oid` of the relation, `name`,
    /// `definition`) on the relations the model has; objects on relations
    /// outside it (another scope) are not ours.
    pub async fn on_relations(&mut self, sql: &str, relations: &RelationKeys) -> Result<Vec<OnRelation>, EngineError> {
        let mut found = Vec::new();
        for row in self.fetch(sql).await? {
            let read = || -> Result<_, sqlx::Error> {
                use sqlx::Row;
                Ok((
                    row.try_get::<i64, _>("oid")?,
                    row.try_get::<String, _>("name")?,
                    row.try_get::<String, _>("definition")?,
                ))
            };
            let (oid, name, definition) = read().map_err(|e| self.decode_error(e))?;
            if let Some(table) = relations.get(&oid) {
                found.push(OnRelation {
                    table: table.clone(),
                    name,
                    definition,
                });
            }
        }
        Ok(found)
    }
}

/// The transaction every inspection's queries share: one snapshot of the
/// catalogs, and no way to write.
const SNAPSHOT: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";

/// Inspects in a snapshot transaction of its own; on a connection already in
/// a transaction (normalizing in a rolled-back one), in that transaction,
/// whose uncommitted DDL is what must be seen.
pub async fn inspect_connection(conn: &mut PgConnection, label: &str) -> Result<(Schema, InspectStats), EngineError> {
    if conn.is_in_transaction() {
        return inspect_catalogs(conn, label).await;
    }
    let failed = |e: sqlx::Error| EngineError::Inspect {
        url: label.to_string(),
        reason: crate::engine::error::database_message(&e),
    };
    let mut snapshot = conn.begin_with(SNAPSHOT).await.map_err(failed)?;
    let inspected = inspect_catalogs(&mut snapshot, label).await;
    // It only read; ending it cannot lose anything.
    let _ = snapshot.rollback().await;
    inspected
}

async fn inspect_catalogs(conn: &mut PgConnection, label: &str) -> Result<(Schema, InspectStats), EngineError> {
    let mut catalog = Catalog {
        conn,
        label,
        queries: 0,
    };
    let mut schema = Schema::default();
    objects::namespaces(&mut catalog, &mut schema).await?;
    objects::extensions(&mut catalog, &mut schema).await?;
    collations::collations(&mut catalog, &mut schema).await?;
    objects::enums(&mut catalog, &mut schema).await?;
    objects::domains(&mut catalog, &mut schema).await?;
    composites::composites(&mut catalog, &mut schema).await?;
    ranges::ranges(&mut catalog, &mut schema).await?;
    let mut relations = tables::tables(&mut catalog, &mut schema).await?;
    tables::columns(&mut catalog, &mut schema, &relations).await?;
    tables::constraints(&mut catalog, &mut schema, &relations).await?;
    tables::policies(&mut catalog, &mut schema, &relations).await?;
    objects::views(&mut catalog, &mut schema, &mut relations).await?;
    tables::indexes(&mut catalog, &mut schema, &relations).await?;
    objects::sequences(&mut catalog, &mut schema).await?;
    objects::routines(&mut catalog, &mut schema).await?;
    objects::triggers(&mut catalog, &mut schema, &relations).await?;
    rules::rules(&mut catalog, &mut schema, &relations).await?;
    statistics::statistics(&mut catalog, &mut schema, &relations).await?;
    unmanaged::unmanaged(&mut catalog, &mut schema).await?;
    dependencies::dependencies(&mut catalog, &mut schema).await?;
    comments::comments(&mut catalog, &mut schema).await?;
    privileges::privileges(&mut catalog, &mut schema).await?;
    for table in schema.tables.values_mut() {
        table.sort();
    }
    let stats = InspectStats {
        queries: catalog.queries,
    };
    Ok((crate::engine::bookkeeping::hide(schema), stats))
}
