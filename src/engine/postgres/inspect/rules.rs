//! Rewrite rules (`CREATE RULE`) on the model's tables and views, in one
//! query. A view's `_RETURN` rule is its query, read with the view.

use super::filter::managed_namespace;
use super::{Catalog, OnRelation, RelationKeys};
use crate::engine::error::EngineError;
use crate::engine::model::{Rule, Schema};
use crate::engine::postgres::ident;

pub async fn rules(
    catalog: &mut Catalog<'_>,
    schema: &mut Schema,
    relations: &RelationKeys,
) -> Result<(), EngineError> {
    let sql = format!(
        "SELECT r.ev_class::int8 AS oid, r.rulename::text AS name, pg_catalog.pg_get_ruledef(r.oid) AS definition \
         FROM pg_catalog.pg_rewrite r \
         JOIN pg_catalog.pg_class c ON c.oid = r.ev_class \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE r.rulename <> '_RETURN' AND {} ORDER BY 1, 2",
        managed_namespace("n")
    );
    for OnRelation {
        table,
        name,
        definition,
    } in catalog.on_relations(&sql, relations).await?
    {
        schema.rules.insert(
            format!("{table}.{}", ident::key_part(&name)),
            Rule {
                name,
                table,
                // The statement as PostgreSQL writes it, without its `;`.
                definition: definition.trim_end().trim_end_matches(';').trim_end().to_string(),
            },
        );
    }
    Ok(())
}
