//! Extended statistics objects (`CREATE STATISTICS`) on the model's
//! tables, with their statistics target, in one query.

use sqlx::Row;

use super::filter::managed_namespace;
use super::{Catalog, RelationKeys};
use crate::engine::error::EngineError;
use crate::engine::model::{Schema, StatisticsObject};
use crate::engine::postgres::ident;

pub async fn statistics(
    catalog: &mut Catalog<'_>,
    schema: &mut Schema,
    relations: &RelationKeys,
) -> Result<(), EngineError> {
    // -1 (PostgreSQL up to 16) and NULL (17+) both mean the default target.
    let sql = format!(
        "SELECT s.stxrelid::int8 AS oid, n.nspname::text AS ns, s.stxname::text AS name, \
                pg_catalog.pg_get_statisticsobjdef(s.oid) AS definition, \
                NULLIF(s.stxstattarget::int4, -1) AS target \
         FROM pg_catalog.pg_statistic_ext s \
         JOIN pg_catalog.pg_namespace n ON n.oid = s.stxnamespace \
         WHERE {} ORDER BY 2, 3",
        managed_namespace("n")
    );
    for row in catalog.fetch(&sql).await? {
        let read = || -> Result<_, sqlx::Error> {
            Ok((
                row.try_get::<i64, _>("oid")?,
                StatisticsObject {
                    namespace: row.try_get("ns")?,
                    name: row.try_get("name")?,
                    table: String::new(),
                    definition: row.try_get("definition")?,
                    target: row.try_get("target")?,
                },
            ))
        };
        let (oid, mut statistics) = read().map_err(|e| catalog.decode_error(e))?;
        let Some(table) = relations.get(&oid) else {
            continue;
        };
        statistics.table = table.clone();
        schema
            .statistics
            .insert(ident::key(&statistics.namespace, &statistics.name), statistics);
    }
    Ok(())
}
