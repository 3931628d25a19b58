//! Composite types (`CREATE TYPE … AS (…)`), with their attributes in
//! declaration order, in one query.

use sqlx::Row;

use super::filter::{extension_member, managed_namespace};
use super::Catalog;
use crate::engine::error::EngineError;
use crate::engine::model::{CompositeAttribute, CompositeType, Schema};
use crate::engine::postgres::ident;

pub async fn composites(catalog: &mut Catalog<'_>, schema: &mut Schema) -> Result<(), EngineError> {
    // Tables' row types are composite too; only free-standing ones (relkind
    // 'c') are types of their own.
    let attributes = "FROM pg_catalog.pg_attribute a \
                      JOIN pg_catalog.pg_type at ON at.oid = a.atttypid \
                      LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation \
                      WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum";
    let sql = format!(
        "SELECT n.nspname::text AS ns, t.typname::text AS name, \
                pg_catalog.format_type(t.oid, NULL) AS spelling, \
                ARRAY(SELECT a.attname::text {attributes}) AS attribute_names, \
                ARRAY(SELECT pg_catalog.format_type(a.atttypid, a.atttypmod) {attributes}) AS attribute_types, \
                ARRAY(SELECT CASE WHEN a.attcollation <> at.typcollation THEN {collation} END {attributes}) \
                  AS attribute_collations \
         FROM pg_catalog.pg_type t \
         JOIN pg_catalog.pg_class c ON c.oid = t.typrelid AND c.relkind = 'c' \
         JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
         WHERE t.typtype = 'c' AND {} AND NOT {} \
         ORDER BY 1, 2",
        managed_namespace("n"),
        extension_member("pg_type", "t.oid"),
        collation = super::collations::spelling("co"),
    );
    for row in catalog.fetch(&sql).await? {
        let read = || -> Result<CompositeType, sqlx::Error> {
            let names: Vec<String> = row.try_get("attribute_names")?;
            let types: Vec<String> = row.try_get("attribute_types")?;
            let collations: Vec<Option<String>> = row.try_get("attribute_collations")?;
            let attributes = names
                .into_iter()
                .zip(types)
                .zip(collations)
                .map(|((name, data_type), collation)| CompositeAttribute {
                    name,
                    data_type,
                    collation,
                })
                .collect();
            Ok(CompositeType {
                namespace: row.try_get("ns")?,
                name: row.try_get("name")?,
                attributes,
                spelling: row.try_get("spelling")?,
            })
        };
        let composite = read().map_err(|e| catalog.decode_error(e))?;
        schema
            .composites
            .insert(ident::key(&composite.namespace, &composite.name), composite);
    }
    Ok(())
}
