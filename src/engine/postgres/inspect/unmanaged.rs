//! Objects in managed schemas that the engine does not manage yet. They are
//! listed (one query) so a plan can warn about them instead of silently
//! ignoring them.

use sqlx::Row;

use super::filter::{extension_member, managed_namespace};
use super::Catalog;
use crate::engine::error::EngineError;
use crate::engine::model::Schema;

pub async fn unmanaged(catalog: &mut Catalog<'_>, schema: &mut Schema) -> Result<(), EngineError> {
    let namespaces = managed_namespace("n");
    let sql = format!(
        "SELECT kind || ' ' || quote_ident(n.nspname) || '.' || quote_ident(name) AS object FROM ( \
           SELECT 'foreign table' AS kind, c.relname AS name, c.relnamespace AS ns \
           FROM pg_catalog.pg_class c \
           WHERE c.relkind = 'f' AND NOT {class_member} \
           UNION ALL \
           SELECT 'window function', p.proname, p.pronamespace \
           FROM pg_catalog.pg_proc p WHERE p.prokind = 'w' AND NOT {proc_member} \
         ) o JOIN pg_catalog.pg_namespace n ON n.oid = o.ns \
         WHERE {namespaces} ORDER BY 1",
        class_member = extension_member("pg_class", "c.oid"),
        proc_member = extension_member("pg_proc", "p.oid"),
    );
    for row in catalog.fetch(&sql).await? {
        let object: String = row.try_get("object").map_err(|e| catalog.decode_error(e))?;
        schema.unmanaged.push(object);
    }
    Ok(())
}
