//! Range types (`CREATE TYPE … AS RANGE`) with their multirange types, in
//! one query. Options PostgreSQL picks by itself (the subtype's default
//! operator class and collation) read as unset, as a desired type that
//! leaves them out has them.

use sqlx::Row;

use super::filter::{extension_member, managed_namespace};
use super::Catalog;
use crate::engine::error::EngineError;
use crate::engine::model::{RangeType, Schema};
use crate::engine::postgres::ident;

pub async fn ranges(catalog: &mut Catalog<'_>, schema: &mut Schema) -> Result<(), EngineError> {
    let sql = format!(
        "SELECT n.nspname::text AS ns, t.typname::text AS name, \
                pg_catalog.format_type(t.oid, NULL) AS spelling, \
                pg_catalog.format_type(r.rngsubtype, NULL) AS subtype, \
                CASE WHEN NOT oc.opcdefault THEN \
                  CASE WHEN ocn.nspname = 'pg_catalog' THEN quote_ident(oc.opcname) \
                  ELSE quote_ident(ocn.nspname) || '.' || quote_ident(oc.opcname) END END AS opclass, \
                CASE WHEN r.rngcollation <> 0 AND r.rngcollation <> st.typcollation THEN co.collname::text END \
                  AS collation, \
                CASE WHEN r.rngcanonical <> 0 THEN r.rngcanonical::text END AS canonical, \
                CASE WHEN r.rngsubdiff <> 0 THEN r.rngsubdiff::text END AS subtype_diff, \
                mt.typname::text AS multirange, \
                pg_catalog.format_type(mt.oid, NULL) AS multirange_spelling \
         FROM pg_catalog.pg_range r \
         JOIN pg_catalog.pg_type t ON t.oid = r.rngtypid \
         JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
         JOIN pg_catalog.pg_type st ON st.oid = r.rngsubtype \
         JOIN pg_catalog.pg_type mt ON mt.oid = r.rngmultitypid \
         JOIN pg_catalog.pg_opclass oc ON oc.oid = r.rngsubopc \
         JOIN pg_catalog.pg_namespace ocn ON ocn.oid = oc.opcnamespace \
         LEFT JOIN pg_catalog.pg_collation co ON co.oid = r.rngcollation \
         WHERE {} AND NOT {} \
         ORDER BY 1, 2",
        managed_namespace("n"),
        extension_member("pg_type", "t.oid")
    );
    for row in catalog.fetch(&sql).await? {
        let read = || -> Result<RangeType, sqlx::Error> {
            Ok(RangeType {
                namespace: row.try_get("ns")?,
                name: row.try_get("name")?,
                subtype: row.try_get("subtype")?,
                subtype_opclass: row.try_get("opclass")?,
                collation: row.try_get("collation")?,
                canonical: row.try_get("canonical")?,
                subtype_diff: row.try_get("subtype_diff")?,
                multirange: row.try_get("multirange")?,
                spelling: row.try_get("spelling")?,
                multirange_spelling: row.try_get("multirange_spelling")?,
            })
        };
        let range = read().map_err(|e| catalog.decode_error(e))?;
        schema.ranges.insert(ident::key(&range.namespace, &range.name), range);
    }
    Ok(())
}
