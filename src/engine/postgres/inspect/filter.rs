//! Which catalog objects the engine manages: everything outside PostgreSQL's
//! own schemas, minus the members of extensions (those belong to the extension).

/// SQL predicate: namespace alias `ns` is managed.
pub fn managed_namespace(ns: &str) -> String {
    format!(
        "{ns}.nspname NOT IN ('pg_catalog', 'information_schema') \
         AND {ns}.nspname NOT LIKE 'pg\\_toast%' AND {ns}.nspname NOT LIKE 'pg\\_temp\\_%' \
         AND NOT {}",
        extension_member("pg_namespace", &format!("{ns}.oid"))
    )
}

/// SQL predicate: the object `oid` of catalog `catalog` belongs to an extension.
pub fn extension_member(catalog: &str, oid: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM pg_catalog.pg_depend ext WHERE ext.classid = '{catalog}'::regclass \
         AND ext.objid = {oid} AND ext.deptype = 'e')"
    )
}
