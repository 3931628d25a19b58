//! Collations (`CREATE COLLATION`) of the managed schemas, in one query, and
//! how columns, domains and composite attributes name them.

use sqlx::Row;

use super::filter::{extension_member, managed_namespace};
use super::Catalog;
use crate::engine::error::EngineError;
use crate::engine::model::{Collation, Schema};
use crate::engine::postgres::ident;

/// SQL for the model's spelling of the collation `co` (a `pg_collation`
/// row) where a column, domain or attribute uses it: a built-in one by its
/// bare name (`C`, `en_US.utf8`), any other by its qualified, quoted name
/// (`"app"."Folded"`), which is [`Collation::sql_name`] and what renderers
/// write after `COLLATE`.
pub fn spelling(co: &str) -> String {
    format!(
        "CASE WHEN {co}.collnamespace = 'pg_catalog'::regnamespace THEN {co}.collname::text \
         ELSE (SELECT '\"' || replace(cn.nspname, '\"', '\"\"') || '\".\"' \
                      || replace({co}.collname, '\"', '\"\"') || '\"' \
               FROM pg_catalog.pg_namespace cn WHERE cn.oid = {co}.collnamespace) END"
    )
}

pub async fn collations(catalog: &mut Catalog<'_>, schema: &mut Schema) -> Result<(), EngineError> {
    // The ICU locale and rules columns changed names across versions
    // (`colliculocale` in 15 and 16, `colllocale` from 17; `collicurules`
    // from 16): read through the row's JSON form, whatever the version.
    let sql = format!(
        "SELECT n.nspname::text AS ns, co.collname::text AS name, \
                CASE co.collprovider WHEN 'i' THEN 'icu' WHEN 'c' THEN 'libc' WHEN 'b' THEN 'builtin' \
                     ELSE co.collprovider::text END AS provider, \
                co.collisdeterministic AS deterministic, \
                co.collcollate::text AS lc_collate, co.collctype::text AS lc_ctype, \
                coalesce(to_jsonb(co) ->> 'colllocale', to_jsonb(co) ->> 'colliculocale') AS locale, \
                to_jsonb(co) ->> 'collicurules' AS rules \
         FROM pg_catalog.pg_collation co \
         JOIN pg_catalog.pg_namespace n ON n.oid = co.collnamespace \
         WHERE {} AND NOT {} \
         ORDER BY 1, 2",
        managed_namespace("n"),
        extension_member("pg_collation", "co.oid")
    );
    for row in catalog.fetch(&sql).await? {
        let read = || -> Result<Collation, sqlx::Error> {
            Ok(Collation {
                namespace: row.try_get("ns")?,
                name: row.try_get("name")?,
                provider: row.try_get("provider")?,
                locale: row.try_get("locale")?,
                lc_collate: row.try_get("lc_collate")?,
                lc_ctype: row.try_get("lc_ctype")?,
                rules: row.try_get("rules")?,
                deterministic: row.try_get("deterministic")?,
            })
        };
        let collation = read().map_err(|e| catalog.decode_error(e))?;
        schema
            .collations
            .insert(ident::key(&collation.namespace, &collation.name), collation);
    }
    Ok(())
}
