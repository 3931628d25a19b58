//! Tables, their columns, constraints and indexes.

use sqlx::Row;

use super::filter::{extension_member, managed_namespace};
use super::{Catalog, RelationKeys};
use crate::engine::error::EngineError;
use crate::engine::model::{
    Check, Column, ColumnAttributes, Exclusion, ForeignKey, Identity, Index, LastValue, Partition, Policy, PrimaryKey,
    ReferentialAction, Schema, Table, UniqueConstraint,
};
use crate::engine::postgres::ident;

/// Ordinary (and unlogged) tables, partitioned tables and their partitions.
pub async fn tables(catalog: &mut Catalog<'_>, schema: &mut Schema) -> Result<RelationKeys, EngineError> {
    let sql = format!(
        "SELECT c.oid::int8 AS oid, n.nspname::text AS ns, c.relname::text AS name, \
                c.relpersistence::text AS persistence, d.description AS comment, \
                c.relrowsecurity AS row_security, c.relforcerowsecurity AS force_row_security, \
                CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END AS partition_key, \
                (SELECT h.inhparent::int8 FROM pg_catalog.pg_inherits h WHERE h.inhrelid = c.oid \
                 AND c.relispartition) AS parent, \
                pg_catalog.pg_get_expr(c.relpartbound, c.oid) AS bound, \
                ARRAY(SELECT pn.nspname::text FROM pg_catalog.pg_inherits h \
                      JOIN pg_catalog.pg_class pc ON pc.oid = h.inhparent \
                      JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace \
                      WHERE h.inhrelid = c.oid AND NOT c.relispartition ORDER BY h.inhseqno) AS parent_ns, \
                ARRAY(SELECT pc.relname::text FROM pg_catalog.pg_inherits h \
                      JOIN pg_catalog.pg_class pc ON pc.oid = h.inhparent \
                      WHERE h.inhrelid = c.oid AND NOT c.relispartition ORDER BY h.inhseqno) AS parent_names \
         FROM pg_catalog.pg_class c \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         LEFT JOIN pg_catalog.pg_description d \
           ON d.classoid = 'pg_class'::regclass AND d.objoid = c.oid AND d.objsubid = 0 \
         WHERE c.relkind IN ('r', 'p') AND {} AND NOT {} \
         ORDER BY 1",
        managed_namespace("n"),
        extension_member("pg_class", "c.oid")
    );
    let mut keys = RelationKeys::new();
    let mut partitions = Vec::new();
    for row in catalog.fetch(&sql).await? {
        let read = || -> Result<(i64, String, String, String, Option<String>), sqlx::Error> {
            Ok((
                row.try_get("oid")?,
                row.try_get("ns")?,
                row.try_get("name")?,
                row.try_get("persistence")?,
                row.try_get("comment")?,
            ))
        };
        let (oid, namespace, name, persistence, comment) = read().map_err(|e| catalog.decode_error(e))?;
        let read_security = || -> Result<(bool, bool), sqlx::Error> {
            Ok((row.try_get("row_security")?, row.try_get("force_row_security")?))
        };
        let (row_security, force_row_security) = read_security().map_err(|e| catalog.decode_error(e))?;
        let partition_key: Option<String> = row.try_get("partition_key").map_err(|e| catalog.decode_error(e))?;
        let parent: Option<i64> = row.try_get("parent").map_err(|e| catalog.decode_error(e))?;
        let bound: Option<String> = row.try_get("bound").map_err(|e| catalog.decode_error(e))?;
        let read_parents = || -> Result<(Vec<String>, Vec<String>), sqlx::Error> {
            Ok((row.try_get("parent_ns")?, row.try_get("parent_names")?))
        };
        let (parent_ns, parent_names) = read_parents().map_err(|e| catalog.decode_error(e))?;
        let key = ident::key(&namespace, &name);
        if let (Some(parent), Some(bound)) = (parent, bound) {
            partitions.push((key.clone(), parent, bound));
        }
        let mut table = Table::new(name);
        table.partition_key = partition_key;
        // Ordered by `inhseqno`: the order of `INHERITS (…)`.
        table.inherits = parent_ns
            .iter()
            .zip(&parent_names)
            .map(|(ns, name)| ident::key(ns, name))
            .collect();
        table.namespace = Some(namespace);
        table.comment = comment;
        for (on, option) in [
            (persistence == "u", "UNLOGGED"),
            (row_security, "ROW LEVEL SECURITY"),
            (force_row_security, "FORCE ROW LEVEL SECURITY"),
        ] {
            if on {
                table.options.insert(option.to_string());
            }
        }
        schema.tables.insert(key.clone(), table);
        keys.insert(oid, key);
    }
    // Parents resolve once every table has its key; a partition of a table
    // outside the managed scope stays out of it too.
    for (key, parent, bound) in partitions {
        match keys.get(&parent) {
            Some(parent) => {
                if let Some(table) = schema.tables.get_mut(&key) {
                    table.partition_of = Some(Partition {
                        parent: parent.clone(),
                        bound,
                    });
                }
            }
            None => {
                schema.tables.remove(&key);
                keys.retain(|_, k| *k != key);
            }
        }
    }
    Ok(keys)
}

pub async fn columns(catalog: &mut Catalog<'_>, schema: &mut Schema, tables: &RelationKeys) -> Result<(), EngineError> {
    let sql = format!(
        "SELECT a.attrelid::int8 AS oid, a.attname::text AS name, \
                pg_catalog.format_type(a.atttypid, a.atttypmod) AS data_type, a.attnotnull AS not_null, \
                pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) AS expr, a.attidentity::text AS identity, \
                a.attgenerated::text AS generated, \
                (SELECT format('START WITH %s INCREMENT BY %s MINVALUE %s MAXVALUE %s CACHE %s %s', \
                               s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, \
                               CASE WHEN s.seqcycle THEN 'CYCLE' ELSE 'NO CYCLE' END) \
                 FROM pg_catalog.pg_depend dep JOIN pg_catalog.pg_sequence s ON s.seqrelid = dep.objid \
                 WHERE dep.classid = 'pg_class'::regclass AND dep.refclassid = 'pg_class'::regclass \
                   AND dep.refobjid = a.attrelid AND dep.refobjsubid = a.attnum AND dep.deptype = 'i' \
                 LIMIT 1) AS identity_options, \
                (SELECT {} \
                 FROM pg_catalog.pg_depend dep \
                 WHERE dep.classid = 'pg_class'::regclass AND dep.refclassid = 'pg_class'::regclass \
                   AND dep.refobjid = a.attrelid AND dep.refobjsubid = a.attnum AND dep.deptype = 'i' \
                 LIMIT 1) AS identity_last_value, \
                CASE WHEN a.attcollation <> t.typcollation THEN {collation} END AS collation, \
                d.description AS comment, a.attinhcount > 0 AS inherited \
         FROM pg_catalog.pg_attribute a \
         JOIN pg_catalog.pg_class c ON c.oid = a.attrelid \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         JOIN pg_catalog.pg_type t ON t.oid = a.atttypid \
         LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum \
         LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation \
         LEFT JOIN pg_catalog.pg_description d \
           ON d.classoid = 'pg_class'::regclass AND d.objoid = c.oid AND d.objsubid = a.attnum \
         WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND a.attnum > 0 AND NOT a.attisdropped AND {} \
           AND a.attislocal \
         ORDER BY a.attrelid, a.attnum",
        super::objects::last_value("dep.objid"),
        managed_namespace("n"),
        collation = super::collations::spelling("co"),
    );
    for row in catalog.fetch(&sql).await? {
        let read = || -> Result<_, sqlx::Error> {
            Ok((
                row.try_get::<i64, _>("oid")?,
                row.try_get::<String, _>("name")?,
                row.try_get::<String, _>("data_type")?,
                row.try_get::<bool, _>("not_null")?,
                row.try_get::<Option<String>, _>("expr")?,
                row.try_get::<String, _>("identity")?,
                row.try_get::<String, _>("generated")?,
                row.try_get::<Option<String>, _>("identity_options")?,
                row.try_get::<Option<String>, _>("collation")?,
                row.try_get::<Option<String>, _>("comment")?,
            ))
        };
        let (oid, name, data_type, not_null, expr, identity, generated, identity_options, collation, comment) =
            read().map_err(|e| catalog.decode_error(e))?;
        let identity_last_value: Option<i64> = row
            .try_get("identity_last_value")
            .map_err(|e| catalog.decode_error(e))?;
        let inherited: bool = row.try_get("inherited").map_err(|e| catalog.decode_error(e))?;
        let Some(table) = tables.get(&oid).and_then(|key| schema.tables.get_mut(key)) else {
            continue;
        };
        let is_generated = generated == "s";
        let attributes = ColumnAttributes {
            identity: match identity.as_str() {
                "a" => Some(Identity::Always),
                "d" => Some(Identity::ByDefault),
                _ => None,
            },
            identity_options: if identity.is_empty() { None } else { identity_options },
            identity_last_value: LastValue(identity_last_value),
            generated: if is_generated { expr.clone() } else { None },
            generated_virtual: false,
            comment,
            ..ColumnAttributes::default()
        };
        if !attributes.is_empty() && !inherited {
            table.column_attributes.insert(name.clone(), attributes);
        }
        let column = Column {
            name,
            data_type,
            nullable: !not_null,
            default: if is_generated { None } else { expr },
            collation,
        };
        // A column the table inherits belongs to its parent (only inherited
        // columns it also declares itself are read at all).
        if inherited {
            table.written.inherited_columns.push(column);
            continue;
        }
        table.columns.push(column);
    }
    Ok(())
}

/// Primary keys, uniques, foreign keys, checks and exclusion constraints.
pub async fn constraints(
    catalog: &mut Catalog<'_>,
    schema: &mut Schema,
    tables: &RelationKeys,
) -> Result<(), EngineError> {
    let sql = format!(
        "SELECT con.conrelid::int8 AS oid, con.conname::text AS name, con.contype::text AS kind, \
                pg_catalog.pg_get_constraintdef(con.oid, true) AS definition, \
                ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(num, pos) \
                      JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num \
                      ORDER BY k.pos) AS columns, \
                rn.nspname::text AS ref_ns, rc.relname::text AS ref_name, \
                ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(num, pos) \
                      JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num \
                      ORDER BY k.pos) AS ref_columns, \
                con.confupdtype::text AS on_update, con.confdeltype::text AS on_delete, \
                con.confmatchtype::text AS match_type, con.condeferrable AS deferrable, \
                con.condeferred AS deferred, con.convalidated AS validated, con.connoinherit AS no_inherit, \
                con.coninhcount > 0 AS inherited \
         FROM pg_catalog.pg_constraint con \
         JOIN pg_catalog.pg_class c ON c.oid = con.conrelid \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         LEFT JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid \
         LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace \
         WHERE c.relkind IN ('r', 'p') AND con.contype IN ('p', 'u', 'f', 'c', 'x') AND {} \
           AND con.conislocal AND con.conparentid = 0 \
         ORDER BY 1, 2",
        managed_namespace("n")
    );
    for row in catalog.fetch(&sql).await? {
        let read = || -> Result<_, sqlx::Error> {
            Ok((
                row.try_get::<i64, _>("oid")?,
                row.try_get::<String, _>("name")?,
                row.try_get::<String, _>("kind")?,
                row.try_get::<String, _>("definition")?,
                row.try_get::<Vec<String>, _>("columns")?,
            ))
        };
        let (oid, name, kind, definition, columns) = read().map_err(|e| catalog.decode_error(e))?;
        let read_attributes = || -> Result<(bool, bool, bool, bool), sqlx::Error> {
            Ok((
                row.try_get("deferrable")?,
                row.try_get("deferred")?,
                row.try_get("validated")?,
                row.try_get("no_inherit")?,
            ))
        };
        let (deferrable, initially_deferred, validated, no_inherit) =
            read_attributes().map_err(|e| catalog.decode_error(e))?;
        let foreign_key = if kind == "f" {
            Some(read_foreign_key(&row, name.clone(), columns.clone()).map_err(|e| catalog.decode_error(e))?)
        } else {
            None
        };
        let Some(table) = tables.get(&oid).and_then(|key| schema.tables.get_mut(key)) else {
            continue;
        };
        match kind.as_str() {
            "p" => {
                table.primary_key = Some(PrimaryKey {
                    name: Some(name),
                    columns,
                    autoincrement: false,
                    deferrable,
                    initially_deferred,
                })
            }
            "u" => table.uniques.push(UniqueConstraint {
                columns,
                name: Some(name),
                deferrable,
                initially_deferred,
                // Only PostgreSQL 15+ has it, and spells it in the definition.
                nulls_not_distinct: definition.starts_with("UNIQUE NULLS NOT DISTINCT"),
            }),
            "c" => {
                let check = check(&definition, name, validated, no_inherit);
                let inherited: bool = row.try_get("inherited").map_err(|e| catalog.decode_error(e))?;
                // A check inherited from a parent (not a partition's) belongs
                // to the parent, as inherited columns do.
                if inherited && table.partition_of.is_none() {
                    table.written.inherited_checks.push(check);
                } else {
                    table.checks.push(check);
                }
            }
            "x" => table.exclusions.push(Exclusion { name, definition }),
            _ => table.foreign_keys.extend(foreign_key),
        }
    }
    Ok(())
}

fn read_foreign_key(
    row: &sqlx::postgres::PgRow,
    name: String,
    columns: Vec<String>,
) -> Result<ForeignKey, sqlx::Error> {
    let ref_ns: String = row.try_get("ref_ns")?;
    let ref_name: String = row.try_get("ref_name")?;
    let action = |code: String| match code.as_str() {
        "r" => ReferentialAction::Restrict,
        "c" => ReferentialAction::Cascade,
        "n" => ReferentialAction::SetNull,
        "d" => ReferentialAction::SetDefault,
        _ => ReferentialAction::NoAction,
    };
    Ok(ForeignKey {
        columns,
        ref_table: ident::key(&ref_ns, &ref_name),
        ref_columns: row.try_get("ref_columns")?,
        on_delete: action(row.try_get("on_delete")?),
        on_update: action(row.try_get("on_update")?),
        name: Some(name),
        match_full: row.try_get::<String, _>("match_type")? == "f",
        deferrable: row.try_get("deferrable")?,
        initially_deferred: row.try_get("deferred")?,
        not_valid: !row.try_get::<bool, _>("validated")?,
    })
}

/// A table check from `pg_get_constraintdef` (`CHECK (a > 0) NO INHERIT
/// NOT VALID`): the attributes are kept apart from the expression, which
/// probes negate and renderers write back with them.
fn check(definition: &str, name: String, validated: bool, no_inherit: bool) -> Check {
    let mut expression = definition.strip_prefix("CHECK ").unwrap_or(definition);
    if !validated {
        expression = expression.strip_suffix(" NOT VALID").unwrap_or(expression);
    }
    if no_inherit {
        expression = expression.strip_suffix(" NO INHERIT").unwrap_or(expression);
    }
    Check {
        expression: expression.to_string(),
        name: Some(name),
        no_inherit,
        not_valid: !validated,
    }
}

/// Indexes that no constraint owns, of tables and materialized views, kept
/// as `pg_get_indexdef` after the name.
pub async fn indexes(
    catalog: &mut Catalog<'_>,
    schema: &mut Schema,
    relations: &RelationKeys,
) -> Result<(), EngineError> {
    let sql = format!(
        "SELECT i.indrelid::int8 AS oid, ic.relname::text AS name, i.indisunique AS is_unique, \
                pg_catalog.pg_get_indexdef(i.indexrelid) AS definition, \
                quote_ident(ic.relname) AS quoted, NOT i.indisvalid AS invalid \
         FROM pg_catalog.pg_index i \
         JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid \
         JOIN pg_catalog.pg_class c ON c.oid = i.indrelid \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind IN ('r', 'm', 'p') AND {} \
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits h WHERE h.inhrelid = i.indexrelid) \
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint con \
             WHERE con.conindid = i.indexrelid AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x')) \
         ORDER BY 1, 2",
        managed_namespace("n")
    );
    for row in catalog.fetch(&sql).await? {
        let read = || -> Result<_, sqlx::Error> {
            Ok((
                row.try_get::<i64, _>("oid")?,
                row.try_get::<String, _>("name")?,
                row.try_get::<bool, _>("is_unique")?,
                row.try_get::<String, _>("definition")?,
                row.try_get::<String, _>("quoted")?,
                row.try_get::<bool, _>("invalid")?,
            ))
        };
        let (oid, name, unique, definition, quoted, invalid) = read().map_err(|e| catalog.decode_error(e))?;
        let Some(key) = relations.get(&oid) else {
            continue;
        };
        let prefix = format!("CREATE {}INDEX {quoted} ON ", if unique { "UNIQUE " } else { "" });
        let body = definition.strip_prefix(&prefix).unwrap_or(&definition);
        // A partitioned table's index reads `ON ONLY parent`; created without
        // ONLY it builds (and attaches) the partitions' indexes too.
        let body = body.strip_prefix("ONLY ").unwrap_or(body).to_string();
        let index = Index {
            name: name.clone(),
            unique,
            parts: Vec::new(),
            predicate: None,
            definition: Some(body),
            invalid,
            kind: None,
            ignored: false,
        };
        if let Some(table) = schema.tables.get_mut(key) {
            table.indexes.insert(name, index);
        } else if let Some(view) = schema.views.get_mut(key) {
            view.indexes.insert(name, index);
        }
    }
    Ok(())
}

/// Row-level security policies.
pub async fn policies(
    catalog: &mut Catalog<'_>,
    schema: &mut Schema,
    tables: &RelationKeys,
) -> Result<(), EngineError> {
    let sql = "SELECT p.polrelid::int8 AS oid, p.polname::text AS name, \
                      CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' \
                                    WHEN 'd' THEN 'DELETE' ELSE 'ALL' END AS command, \
                      p.polpermissive AS permissive, \
                      ARRAY(SELECT CASE WHEN r.oid = 0 THEN 'public' ELSE a.rolname::text END \
                            FROM unnest(p.polroles) AS r(oid) \
                            LEFT JOIN pg_catalog.pg_roles a ON a.oid = r.oid ORDER BY 1) AS roles, \
                      pg_catalog.pg_get_expr(p.polqual, p.polrelid) AS using_expr, \
                      pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) AS check_expr \
               FROM pg_catalog.pg_policy p ORDER BY 1, 2";
    for row in catalog.fetch(sql).await? {
        let read = || -> Result<(i64, Policy), sqlx::Error> {
            Ok((
                row.try_get("oid")?,
                Policy {
                    name: row.try_get("name")?,
                    command: row.try_get("command")?,
                    permissive: row.try_get("permissive")?,
                    roles: row.try_get("roles")?,
                    using: row.try_get("using_expr")?,
                    with_check: row.try_get("check_expr")?,
                },
            ))
        };
        let (oid, policy) = read().map_err(|e| catalog.decode_error(e))?;
        // Policies of tables the engine does not manage stay out.
        if let Some(table) = tables.get(&oid).and_then(|key| schema.tables.get_mut(key)) {
            table.policies.push(policy);
        }
    }
    Ok(())
}
