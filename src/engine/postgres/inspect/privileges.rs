//! Privileges, owners and default privileges (`relacl`, `attacl`, `proacl`,
//! `nspacl`, `typacl`, `pg_default_acl`), two queries. Each ACL is read
//! through `aclexplode`, a missing one as `acldefault` (what PostgreSQL
//! means by it), and kept only where it differs from the built-in one (see
//! [`crate::engine::privileges`]).

use sqlx::postgres::PgRow;
use sqlx::Row;

use super::filter::managed_namespace;
use super::Catalog;
use crate::engine::error::EngineError;
use crate::engine::model::Schema;
use crate::engine::postgres::ident;
use crate::engine::privileges::{
    normalized, DefaultObjects, DefaultPrivileges, Grant, ObjectKind, ObjectPrivileges, ObjectRef, Owner,
};

/// `grantee<TAB>privilege<TAB>grantable` for each entry of ACL `acl`, sorted,
/// the owner `owner`'s own left out.
fn exploded(acl: &str, owner: &str) -> String {
    format!(
        "(SELECT coalesce(array_agg(x.entry ORDER BY x.entry), '{{}}') FROM ( \
           SELECT CASE WHEN e.grantee = 0 THEN 'public' ELSE pg_catalog.pg_get_userbyid(e.grantee)::text END \
                  || E'\\t' || e.privilege_type || E'\\t' || e.is_grantable::text AS entry \
           FROM pg_catalog.aclexplode({acl}) e WHERE e.grantee <> {owner}) x)"
    )
}

/// One row per object that can have privileges: its kind, the parts of its
/// key, its owner, ACL and built-in ACL. The `public` schema of a new
/// database lets everyone use it: that is its built-in ACL.
fn objects_sql() -> String {
    let namespaces = managed_namespace("n");
    format!(
        "SELECT o.kind, n.nspname::text AS ns, o.name::text AS name, o.arguments, o.member::text AS member, \
                o.identity_of, \
                CASE WHEN o.kind <> 'column' AND o.owner <> (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = current_user) \
                      AND NOT (o.kind = 'schema' AND o.name = 'public' \
                               AND o.owner IN (10, coalesce((SELECT r.oid FROM pg_catalog.pg_roles r \
                                                             WHERE r.rolname = 'pg_database_owner'), 10))) \
                     THEN pg_catalog.pg_get_userbyid(o.owner)::text END AS owner, \
                {grants} AS grants, {defaults} AS defaults \
         FROM ( \
           SELECT 'schema' AS kind, n.oid AS ns, n.nspname AS name, NULL::text AS arguments, NULL::name AS member, \
                  NULL::text[] AS identity_of, n.nspowner AS owner, n.nspacl AS acl, \
                  CASE WHEN n.nspname = 'public' \
                       THEN pg_catalog.acldefault('n', n.nspowner) || pg_catalog.makeaclitem(0, n.nspowner, 'USAGE', false) \
                       ELSE pg_catalog.acldefault('n', n.nspowner) END AS builtin \
           FROM pg_catalog.pg_namespace n \
           UNION ALL \
           SELECT CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized_view' \
                                 WHEN 'S' THEN 'sequence' ELSE 'table' END, \
                  c.relnamespace, c.relname, NULL, NULL, \
                  (SELECT ARRAY[tn.nspname::text, tc.relname::text] FROM pg_catalog.pg_depend dep \
                   JOIN pg_catalog.pg_class tc ON tc.oid = dep.refobjid \
                   JOIN pg_catalog.pg_namespace tn ON tn.oid = tc.relnamespace \
                   WHERE c.relkind = 'S' AND dep.classid = 'pg_catalog.pg_class'::regclass AND dep.objid = c.oid \
                     AND dep.refclassid = 'pg_catalog.pg_class'::regclass AND dep.deptype = 'i' LIMIT 1), \
                  c.relowner, c.relacl, \
                  pg_catalog.acldefault(CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END::\"char\", c.relowner) \
           FROM pg_catalog.pg_class c WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S') \
           UNION ALL \
           SELECT 'column', c.relnamespace, c.relname, NULL, a.attname, NULL, c.relowner, a.attacl, \
                  pg_catalog.acldefault('c', c.relowner) \
           FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid \
           WHERE c.relkind IN ('r', 'p', 'v', 'm') AND a.attnum > 0 AND NOT a.attisdropped \
             AND a.attacl IS NOT NULL \
           UNION ALL \
           SELECT CASE p.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END, p.pronamespace, p.proname, \
                  pg_catalog.oidvectortypes(p.proargtypes), NULL, NULL, p.proowner, p.proacl, \
                  pg_catalog.acldefault('f', p.proowner) \
           FROM pg_catalog.pg_proc p WHERE p.prokind IN ('f', 'p', 'a') \
           UNION ALL \
           SELECT CASE t.typtype WHEN 'd' THEN 'domain' WHEN 'm' THEN 'multirange' ELSE 'type' END, \
                  t.typnamespace, t.typname, NULL, NULL, \
                  NULL, t.typowner, t.typacl, pg_catalog.acldefault('T', t.typowner) \
           FROM pg_catalog.pg_type t LEFT JOIN pg_catalog.pg_class c ON c.oid = t.typrelid \
           WHERE t.typtype IN ('e', 'd', 'r', 'm') OR (t.typtype = 'c' AND c.relkind = 'c') \
         ) o JOIN pg_catalog.pg_namespace n ON n.oid = o.ns \
         WHERE {namespaces} \
         ORDER BY 1, 2, 3, 4, 5",
        grants = exploded("coalesce(o.acl, o.builtin)", "o.owner"),
        defaults = exploded("o.builtin", "o.owner"),
    )
}

/// One row per `pg_default_acl` entry in a managed schema or everywhere:
/// its role (unless the inspecting one), schema, kind, grants, and the
/// built-in grants it replaces (everywhere) or adds to (none, in a schema).
fn defaults_sql() -> String {
    let namespaces = managed_namespace("n");
    format!(
        "SELECT CASE WHEN d.defaclrole <> (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = current_user) \
                     THEN pg_catalog.pg_get_userbyid(d.defaclrole)::text END AS role, \
                n.nspname::text AS ns, d.defaclobjtype::text AS objects, {grants} AS grants \
         FROM pg_catalog.pg_default_acl d LEFT JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace \
         WHERE d.defaclnamespace = 0 OR ({namespaces}) \
         ORDER BY 1, 2, 3",
        grants = exploded("d.defaclacl", "d.defaclrole"),
    )
}

fn kind(name: &str) -> Option<ObjectKind> {
    Some(match name {
        "schema" => ObjectKind::Schema,
        "table" => ObjectKind::Table,
        "view" => ObjectKind::View,
        "materialized_view" => ObjectKind::MaterializedView,
        "sequence" => ObjectKind::Sequence,
        "function" => ObjectKind::Function,
        "procedure" => ObjectKind::Procedure,
        "type" => ObjectKind::Type,
        "domain" => ObjectKind::Domain,
        "column" => ObjectKind::Column,
        _ => return None,
    })
}

fn default_objects(code: &str) -> Option<DefaultObjects> {
    Some(match code {
        "r" => DefaultObjects::Tables,
        "S" => DefaultObjects::Sequences,
        "f" => DefaultObjects::Functions,
        "T" => DefaultObjects::Types,
        "n" => DefaultObjects::Schemas,
        _ => return None,
    })
}

fn grants(entries: Vec<String>) -> Vec<Grant> {
    let grants = entries
        .iter()
        .filter_map(|entry| {
            let mut parts = entry.split('\t');
            let grantee = parts.next()?;
            let privilege = parts.next()?;
            let grantable = parts.next()? == "true";
            Some(Grant::new(grantee, privilege, grantable))
        })
        .collect();
    normalized(grants)
}

/// One object's row: its owner (unless the inspecting role), its grants and
/// the built-in ones.
struct ObjectAccess {
    on: ObjectRef,
    owner: Option<String>,
    grants: Vec<Grant>,
    built_in: Vec<Grant>,
}

/// A multirange type's privileges are not managed (a range type's are; the
/// model has no multirange of its own): when they are not PostgreSQL's
/// built-in ones, a `GRANT` on it or default privileges on types gave them,
/// and a plan names them rather than leave them unsaid.
fn warn_of_multirange_grants(row: &PgRow, key: String, schema: &mut Schema) -> Result<(), sqlx::Error> {
    if grants(row.try_get("grants")?) != grants(row.try_get("defaults")?) {
        schema
            .unmanaged
            .push(format!("GRANT or REVOKE on multirange type {key}"));
    }
    Ok(())
}

/// Reads the privileges and owners of the objects the model holds, and the
/// default privileges; runs after every other kind is inspected.
pub async fn privileges(catalog: &mut Catalog<'_>, schema: &mut Schema) -> Result<(), EngineError> {
    for row in catalog.fetch(&objects_sql()).await? {
        let mut read = || -> Result<Option<ObjectAccess>, sqlx::Error> {
            let kind_name: String = row.try_get("kind")?;
            let namespace: String = row.try_get("ns")?;
            let name: String = row.try_get("name")?;
            if kind_name == "multirange" {
                warn_of_multirange_grants(&row, ident::key(&namespace, &name), schema)?;
                return Ok(None);
            }
            let Some(kind) = kind(&kind_name) else {
                return Ok(None);
            };
            let arguments: Option<String> = row.try_get("arguments")?;
            let object = match (kind, arguments) {
                (ObjectKind::Schema, _) => name,
                (_, Some(arguments)) => format!("{}({arguments})", ident::key(&namespace, &name)),
                (_, None) => ident::key(&namespace, &name),
            };
            // An identity column's sequence: known as such, its grants are managed.
            if let Some(table) = row.try_get::<Option<Vec<String>>, _>("identity_of")? {
                if let [table_namespace, table_name] = table.as_slice() {
                    let table = ident::key(table_namespace, table_name);
                    schema.identity_sequences.insert(object.clone(), table);
                }
            }
            let on = ObjectRef {
                kind,
                object,
                member: row.try_get("member")?,
            };
            Ok(Some(ObjectAccess {
                on,
                owner: row.try_get("owner")?,
                grants: grants(row.try_get("grants")?),
                built_in: grants(row.try_get("defaults")?),
            }))
        };
        let Some(ObjectAccess {
            on,
            owner,
            grants,
            built_in,
        }) = read().map_err(|e| catalog.decode_error(e))?
        else {
            continue;
        };
        if !on.exists_in(schema) {
            continue;
        }
        if let Some(role) = owner {
            schema.owners.insert(on.key(), Owner { of: on.clone(), role });
        }
        if grants != built_in {
            schema.privileges.insert(on.key(), ObjectPrivileges { on, grants });
        }
    }
    for row in catalog.fetch(&defaults_sql()).await? {
        let read = || -> Result<Option<DefaultPrivileges>, sqlx::Error> {
            let Some(objects) = default_objects(&row.try_get::<String, _>("objects")?) else {
                return Ok(None);
            };
            Ok(Some(DefaultPrivileges {
                role: row.try_get("role")?,
                namespace: row.try_get("ns")?,
                objects,
                grants: grants(row.try_get("grants")?),
            }))
        };
        let Some(entry) = read().map_err(|e| catalog.decode_error(e))? else {
            continue;
        };
        // An entry left as it would be without it (granted, then revoked).
        if entry.grants == DefaultPrivileges::effective(None, entry.namespace.as_deref(), entry.objects) {
            continue;
        }
        schema.default_privileges.insert(entry.key(), entry);
    }
    Ok(())
}
