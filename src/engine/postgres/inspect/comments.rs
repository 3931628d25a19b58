//! Comments on every kind of object except tables and their columns (read
//! with the tables), in one query over `pg_description`.

use sqlx::Row;

use super::Catalog;
use crate::engine::error::EngineError;
use crate::engine::model::{Comment, CommentKind, Schema};
use crate::engine::postgres::ident;

/// One row per comment: its kind, the object's namespace, name and (for a
/// routine) argument types, and the member's name. Built-in objects (oids
/// below 16384, `FirstNormalObjectId`) carry PostgreSQL's own descriptions
/// and are skipped, except schemas and extensions, which the model may hold.
/// An extension's own description (from its control file, set by `CREATE
/// EXTENSION`) is not a comment anyone wrote, so it is skipped too.
const COMMENTS: &str = "\
SELECT o.kind, o.ns::text AS ns, o.name::text AS name, o.arguments, o.member::text AS member, \
       d.description AS text \
FROM pg_catalog.pg_description d \
CROSS JOIN LATERAL ( \
  SELECT 'schema', NULL::name, n.nspname, NULL::text, NULL::name \
  FROM pg_catalog.pg_namespace n \
  WHERE d.classoid = 'pg_catalog.pg_namespace'::regclass AND n.oid = d.objoid \
  UNION ALL \
  SELECT 'extension', NULL, e.extname, NULL, NULL FROM pg_catalog.pg_extension e \
  WHERE d.classoid = 'pg_catalog.pg_extension'::regclass AND e.oid = d.objoid \
    AND d.description IS DISTINCT FROM \
        (SELECT a.comment FROM pg_catalog.pg_available_extensions() a WHERE a.name = e.extname) \
  UNION ALL \
  SELECT 'collation', n.nspname, co.collname, NULL, NULL \
  FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace n ON n.oid = co.collnamespace \
  WHERE d.classoid = 'pg_catalog.pg_collation'::regclass AND co.oid = d.objoid \
  UNION ALL \
  SELECT CASE t.typtype WHEN 'd' THEN 'domain' ELSE 'type' END, n.nspname, t.typname, NULL, NULL \
  FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
  WHERE d.classoid = 'pg_catalog.pg_type'::regclass AND t.oid = d.objoid \
  UNION ALL \
  SELECT CASE WHEN c.contypid <> 0 THEN 'domain_constraint' ELSE 'constraint' END, n.nspname, \
         coalesce(rc.relname, ct.typname), NULL, c.conname \
  FROM pg_catalog.pg_constraint c JOIN pg_catalog.pg_namespace n ON n.oid = c.connamespace \
  LEFT JOIN pg_catalog.pg_class rc ON rc.oid = c.conrelid \
  LEFT JOIN pg_catalog.pg_type ct ON ct.oid = c.contypid \
  WHERE d.classoid = 'pg_catalog.pg_constraint'::regclass AND c.oid = d.objoid \
  UNION ALL \
  SELECT CASE WHEN d.objsubid <> 0 THEN 'column' WHEN c.relkind = 'v' THEN 'view' \
              WHEN c.relkind = 'm' THEN 'materialized_view' WHEN c.relkind = 'S' THEN 'sequence' \
              ELSE 'index' END, \
         n.nspname, coalesce(ir.relname, c.relname), NULL, \
         CASE WHEN d.objsubid <> 0 THEN a.attname WHEN ir.oid IS NOT NULL THEN c.relname END \
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
  LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = c.oid \
  LEFT JOIN pg_catalog.pg_class ir ON ir.oid = i.indrelid \
  LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid \
  WHERE d.classoid = 'pg_catalog.pg_class'::regclass AND c.oid = d.objoid \
    AND c.relkind IN ('v', 'm', 'S', 'i', 'I') \
  UNION ALL \
  SELECT CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END, \
         n.nspname, p.proname, \
         pg_catalog.oidvectortypes(p.proargtypes), NULL \
  FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace \
  WHERE d.classoid = 'pg_catalog.pg_proc'::regclass AND p.oid = d.objoid \
  UNION ALL \
  SELECT 'trigger', n.nspname, c.relname, NULL, t.tgname \
  FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid \
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
  WHERE d.classoid = 'pg_catalog.pg_trigger'::regclass AND t.oid = d.objoid \
  UNION ALL \
  SELECT 'policy', n.nspname, c.relname, NULL, p.polname \
  FROM pg_catalog.pg_policy p JOIN pg_catalog.pg_class c ON c.oid = p.polrelid \
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
  WHERE d.classoid = 'pg_catalog.pg_policy'::regclass AND p.oid = d.objoid \
  UNION ALL \
  SELECT 'rule', n.nspname, c.relname, NULL, r.rulename \
  FROM pg_catalog.pg_rewrite r JOIN pg_catalog.pg_class c ON c.oid = r.ev_class \
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
  WHERE d.classoid = 'pg_catalog.pg_rewrite'::regclass AND r.oid = d.objoid \
  UNION ALL \
  SELECT 'statistics', n.nspname, s.stxname, NULL, NULL \
  FROM pg_catalog.pg_statistic_ext s JOIN pg_catalog.pg_namespace n ON n.oid = s.stxnamespace \
  WHERE d.classoid = 'pg_catalog.pg_statistic_ext'::regclass AND s.oid = d.objoid \
) AS o(kind, ns, name, arguments, member) \
WHERE d.objoid >= 16384 \
   OR d.classoid IN ('pg_catalog.pg_namespace'::regclass, 'pg_catalog.pg_extension'::regclass) \
ORDER BY 1, 2, 3, 4, 5";

fn kind(name: &str) -> Option<CommentKind> {
    Some(match name {
        "schema" => CommentKind::Schema,
        "extension" => CommentKind::Extension,
        "collation" => CommentKind::Collation,
        "type" => CommentKind::Type,
        "domain" => CommentKind::Domain,
        "domain_constraint" => CommentKind::DomainConstraint,
        "constraint" => CommentKind::Constraint,
        "column" => CommentKind::Column,
        "view" => CommentKind::View,
        "materialized_view" => CommentKind::MaterializedView,
        "sequence" => CommentKind::Sequence,
        "index" => CommentKind::Index,
        "function" => CommentKind::Function,
        "procedure" => CommentKind::Procedure,
        "aggregate" => CommentKind::Aggregate,
        "trigger" => CommentKind::Trigger,
        "policy" => CommentKind::Policy,
        "rule" => CommentKind::Rule,
        "statistics" => CommentKind::Statistics,
        _ => return None,
    })
}

/// Reads the comments of objects the model holds; runs after every other
/// kind is inspected (comments on anything else are not managed).
pub async fn comments(catalog: &mut Catalog<'_>, schema: &mut Schema) -> Result<(), EngineError> {
    for row in catalog.fetch(COMMENTS).await? {
        let read = || -> Result<Option<Comment>, sqlx::Error> {
            let Some(kind) = kind(&row.try_get::<String, _>("kind")?) else {
                return Ok(None);
            };
            let namespace: Option<String> = row.try_get("ns")?;
            let name: String = row.try_get("name")?;
            let arguments: Option<String> = row.try_get("arguments")?;
            let object = match (namespace, arguments) {
                (Some(namespace), Some(arguments)) => format!("{}({arguments})", ident::key(&namespace, &name)),
                (Some(namespace), None) => ident::key(&namespace, &name),
                (None, _) => name,
            };
            Ok(Some(Comment {
                kind,
                object,
                member: row.try_get("member")?,
                text: row.try_get("text")?,
            }))
        };
        let Some(comment) = read().map_err(|e| catalog.decode_error(e))? else {
            continue;
        };
        if comment.target_exists(schema) {
            schema.comments.insert(comment.key(), comment);
        }
    }
    Ok(())
}
