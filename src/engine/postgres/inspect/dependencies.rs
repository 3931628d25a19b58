//! What views, materialized views and routines use, from `pg_depend` (a
//! view's dependencies hang off its `_RETURN` rule in `pg_rewrite`), in one
//! query. Renderers order statements by them; they are not part of a
//! schema's identity (see [`crate::engine::model::Dependencies`]).

use std::collections::BTreeMap;

use sqlx::Row;

use super::Catalog;
use crate::engine::error::EngineError;
use crate::engine::model::{RoutineUser, Schema};
use crate::engine::postgres::ident;

/// Every `normal` dependency of a rule or routine on a relation, type or
/// routine; then (with a `user_kind`) every column default, check, index,
/// trigger and domain that calls a routine, named by its table or domain
/// (`name`) and its own name within it (`user_name`). A reference to an array type counts as one to its element type,
/// and one to a relation's row type as one to the relation. Objects below
/// 16384 (`FirstNormalObjectId`) are built in and never in the model.
const DEPENDENCIES: &str = "\
WITH edges AS ( \
  SELECT CASE WHEN d.classid = 'pg_catalog.pg_rewrite'::regclass \
              THEN 'pg_catalog.pg_class'::regclass ELSE d.classid END AS classid, \
         CASE WHEN d.classid = 'pg_catalog.pg_rewrite'::regclass THEN r.ev_class ELSE d.objid END AS objid, \
         d.refclassid, d.refobjid \
  FROM pg_catalog.pg_depend d \
  LEFT JOIN pg_catalog.pg_rewrite r ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND r.oid = d.objid \
  WHERE d.classid IN ('pg_catalog.pg_rewrite'::regclass, 'pg_catalog.pg_proc'::regclass) AND d.deptype = 'n' \
    AND (r.oid IS NULL OR r.rulename = '_RETURN') \
    AND d.refclassid IN ('pg_catalog.pg_class'::regclass, 'pg_catalog.pg_type'::regclass, \
                         'pg_catalog.pg_proc'::regclass) \
    AND d.refobjid >= 16384 \
), resolved AS ( \
  SELECT e.classid, e.objid, \
         CASE WHEN rel.oid IS NOT NULL THEN 'pg_catalog.pg_class'::regclass ELSE e.refclassid END AS refclassid, \
         coalesce(rel.oid, elem.oid, e.refobjid) AS refobjid \
  FROM edges e \
  LEFT JOIN pg_catalog.pg_type t ON e.refclassid = 'pg_catalog.pg_type'::regclass AND t.oid = e.refobjid \
  LEFT JOIN pg_catalog.pg_type elem ON elem.oid = CASE WHEN t.typcategory = 'A' THEN t.typelem ELSE t.oid END \
  LEFT JOIN pg_catalog.pg_class rel ON rel.oid = elem.typrelid AND rel.relkind <> 'c' \
) \
SELECT DISTINCT dn.nspname::text AS ns, coalesce(dc.relname, dp.proname)::text AS name, \
       dp.oid IS NOT NULL AS is_routine, coalesce(pg_catalog.oidvectortypes(dp.proargtypes), '') AS arguments, \
       rn.nspname::text AS ref_ns, coalesce(rc.relname, rt.typname, rp.proname)::text AS ref_name, \
       rp.oid IS NOT NULL AS ref_is_routine, \
       coalesce(pg_catalog.oidvectortypes(rp.proargtypes), '') AS ref_arguments, \
       ''::text AS user_kind, ''::text AS user_name \
FROM resolved x \
LEFT JOIN pg_catalog.pg_class dc ON x.classid = 'pg_catalog.pg_class'::regclass AND dc.oid = x.objid \
LEFT JOIN pg_catalog.pg_proc dp ON x.classid = 'pg_catalog.pg_proc'::regclass AND dp.oid = x.objid \
JOIN pg_catalog.pg_namespace dn ON dn.oid = coalesce(dc.relnamespace, dp.pronamespace) \
LEFT JOIN pg_catalog.pg_class rc ON x.refclassid = 'pg_catalog.pg_class'::regclass AND rc.oid = x.refobjid \
LEFT JOIN pg_catalog.pg_type rt ON x.refclassid = 'pg_catalog.pg_type'::regclass AND rt.oid = x.refobjid \
LEFT JOIN pg_catalog.pg_proc rp ON x.refclassid = 'pg_catalog.pg_proc'::regclass AND rp.oid = x.refobjid \
JOIN pg_catalog.pg_namespace rn ON rn.oid = coalesce(rc.relnamespace, rt.typnamespace, rp.pronamespace) \
WHERE NOT (x.classid = x.refclassid AND x.objid = x.refobjid) \
UNION ALL \
SELECT DISTINCT un.nspname::text, u.owner::text, false, '', pn.nspname::text, p.proname::text, true, \
       pg_catalog.oidvectortypes(p.proargtypes), u.kind, u.detail::text \
FROM pg_catalog.pg_depend d \
JOIN pg_catalog.pg_proc p ON d.refclassid = 'pg_catalog.pg_proc'::regclass AND p.oid = d.refobjid \
JOIN pg_catalog.pg_namespace pn ON pn.oid = p.pronamespace \
CROSS JOIN LATERAL ( \
  SELECT 'default', c.relnamespace, c.relname, a.attname \
  FROM pg_catalog.pg_attrdef ad JOIN pg_catalog.pg_class c ON c.oid = ad.adrelid \
  JOIN pg_catalog.pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum \
  WHERE d.classid = 'pg_catalog.pg_attrdef'::regclass AND ad.oid = d.objid AND a.attgenerated = '' \
  UNION ALL \
  SELECT CASE WHEN con.contypid <> 0 THEN 'domain_check' ELSE 'check' END, \
         coalesce(c.relnamespace, t.typnamespace), coalesce(c.relname, t.typname), con.conname \
  FROM pg_catalog.pg_constraint con LEFT JOIN pg_catalog.pg_class c ON c.oid = con.conrelid \
  LEFT JOIN pg_catalog.pg_type t ON t.oid = con.contypid \
  WHERE d.classid = 'pg_catalog.pg_constraint'::regclass AND con.oid = d.objid AND con.contype = 'c' \
  UNION ALL \
  SELECT 'trigger', c.relnamespace, c.relname, tg.tgname \
  FROM pg_catalog.pg_trigger tg JOIN pg_catalog.pg_class c ON c.oid = tg.tgrelid \
  WHERE d.classid = 'pg_catalog.pg_trigger'::regclass AND tg.oid = d.objid \
  UNION ALL \
  SELECT 'index', c.relnamespace, c.relname, i.relname \
  FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid \
  JOIN pg_catalog.pg_class c ON c.oid = x.indrelid \
  WHERE d.classid = 'pg_catalog.pg_class'::regclass AND x.indexrelid = d.objid \
  UNION ALL \
  SELECT 'domain_default', t.typnamespace, t.typname, '' \
  FROM pg_catalog.pg_type t \
  WHERE d.classid = 'pg_catalog.pg_type'::regclass AND t.oid = d.objid AND t.typtype = 'd' \
) u(kind, owner_ns, owner, detail) \
JOIN pg_catalog.pg_namespace un ON un.oid = u.owner_ns \
WHERE d.deptype = 'n' AND d.refobjid >= 16384 \
ORDER BY 1, 2, 4, 5, 6, 8, 9, 10";

/// The key an object is stored under: `namespace.name`, and for a routine
/// its argument types too (as [`super::objects::routines`] builds it).
fn model_key(namespace: &str, name: &str, routine_arguments: Option<&str>) -> String {
    match routine_arguments {
        Some(arguments) => format!("{}({arguments})", ident::key(namespace, name)),
        None => ident::key(namespace, name),
    }
}

/// Fills `depends_on` of the schema's views and routines with the keys of
/// the model objects they use. Runs after every other kind is inspected.
pub async fn dependencies(catalog: &mut Catalog<'_>, schema: &mut Schema) -> Result<(), EngineError> {
    let mut found: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in catalog.fetch(DEPENDENCIES).await? {
        let read = || -> Result<(String, String), sqlx::Error> {
            let arguments: String = row.try_get("arguments")?;
            let ref_arguments: String = row.try_get("ref_arguments")?;
            let dependent = model_key(
                &row.try_get::<String, _>("ns")?,
                &row.try_get::<String, _>("name")?,
                row.try_get::<bool, _>("is_routine")?.then_some(arguments.as_str()),
            );
            let referenced = model_key(
                &row.try_get::<String, _>("ref_ns")?,
                &row.try_get::<String, _>("ref_name")?,
                row.try_get::<bool, _>("ref_is_routine")?
                    .then_some(ref_arguments.as_str()),
            );
            Ok((dependent, referenced))
        };
        let (dependent, referenced) = read().map_err(|e| catalog.decode_error(e))?;
        let user = routine_user(&row, &dependent).map_err(|e| catalog.decode_error(e))?;
        if let Some(user) = user {
            if schema.routines.contains_key(&referenced) && user_in_model(schema, &user) {
                schema.routine_users.0.entry(referenced).or_default().insert(user);
            }
        } else if in_model(schema, &referenced) {
            found.entry(dependent).or_default().push(referenced);
        }
    }
    for (key, mut uses) in found {
        uses.sort();
        uses.dedup();
        if let Some(view) = schema.views.get_mut(&key) {
            view.depends_on.0 = uses;
        } else if let Some(routine) = schema.routines.get_mut(&key) {
            routine.depends_on.0 = uses;
        }
    }
    Ok(())
}

/// The default, check, index, trigger or domain a row of the query's second
/// part names; `None` for a row about a view or routine. `owner` is the key
/// of its table or domain.
fn routine_user(row: &sqlx::postgres::PgRow, owner: &str) -> Result<Option<RoutineUser>, sqlx::Error> {
    let kind: String = row.try_get("user_kind")?;
    let name: String = row.try_get("user_name")?;
    let (table, domain) = (owner.to_string(), owner.to_string());
    Ok(match kind.as_str() {
        "default" => Some(RoutineUser::ColumnDefault { table, column: name }),
        "check" => Some(RoutineUser::Check { table, name }),
        "index" => Some(RoutineUser::Index { table, name }),
        "trigger" => Some(RoutineUser::Trigger { table, name }),
        "domain_check" => Some(RoutineUser::DomainCheck { domain, name }),
        "domain_default" => Some(RoutineUser::DomainDefault { domain }),
        _ => None,
    })
}

/// Users on tables or domains outside the model (another scope, unmanaged
/// kinds) are left out, as their owners are.
fn user_in_model(schema: &Schema, user: &RoutineUser) -> bool {
    match user {
        RoutineUser::ColumnDefault { table, .. }
        | RoutineUser::Check { table, .. }
        | RoutineUser::Index { table, .. }
        | RoutineUser::Trigger { table, .. } => schema.tables.contains_key(table) || schema.views.contains_key(table),
        RoutineUser::DomainCheck { domain, .. } | RoutineUser::DomainDefault { domain } => {
            schema.domains.contains_key(domain)
        }
    }
}

/// Keys of relations, types and routines share one name space: a table's
/// row type takes its name, and routine keys carry their arguments.
fn in_model(schema: &Schema, key: &str) -> bool {
    schema.tables.contains_key(key)
        || schema.views.contains_key(key)
        || schema.routines.contains_key(key)
        || schema.enums.contains_key(key)
        || schema.domains.contains_key(key)
        || schema.composites.contains_key(key)
        || schema.ranges.contains_key(key)
}
