//! Schema-level objects: namespaces, extensions, enum types, sequences,
//! views, routines and triggers.

use sqlx::Row;

use super::filter::{extension_member, managed_namespace};
use super::{Catalog, OnRelation, RelationKeys};
use crate::engine::error::EngineError;
use crate::engine::model::{
    Check, Domain, EnumType, Extension, LastValue, Namespace, Routine, Schema, Sequence, Trigger, View,
};
use crate::engine::postgres::ident;

pub async fn namespaces(catalog: &mut Catalog<'_>, schema: &mut Schema) -> Result<(), EngineError> {
    let sql = format!(
        "SELECT n.nspname::text AS name FROM pg_catalog.pg_namespace n WHERE {} ORDER BY 1",
        managed_namespace("n")
    );
    for row in catalog.fetch(&sql).await? {
        let name: String = row.try_get("name").map_err(|e| catalog.decode_error(e))?;
        schema.namespaces.insert(name.clone(), Namespace { name });
    }
    Ok(())
}

pub async fn extensions(catalog: &mut Catalog<'_>, schema: &mut Schema) -> Result<(), EngineError> {
    let sql = "SELECT e.extname::text AS name, n.nspname::text AS ns, e.extversion AS version \
               FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace \
               ORDER BY 1";
    for row in catalog.fetch(sql).await? {
        let read = || -> Result<Extension, sqlx::Error> {
            Ok(Extension {
                name: row.try_get("name")?,
                namespace: row.try_get("ns")?,
                version: row.try_get("version")?,
            })
        };
        let extension = read().map_err(|e| catalog.decode_error(e))?;
        schema.extensions.insert(extension.name.clone(), extension);
    }
    Ok(())
}

pub async fn enums(catalog: &mut Catalog<'_>, schema: &mut Schema) -> Result<(), EngineError> {
    let sql = format!(
        "SELECT n.nspname::text AS ns, t.typname::text AS name, \
                array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS labels, \
                pg_catalog.format_type(t.oid, NULL) AS spelling \
         FROM pg_catalog.pg_type t \
         JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
         JOIN pg_catalog.pg_enum e ON e.enumtypid = t.oid \
         WHERE {} AND NOT {} \
         GROUP BY 1, 2, t.oid ORDER BY 1, 2",
        managed_namespace("n"),
        extension_member("pg_type", "t.oid")
    );
    for row in catalog.fetch(&sql).await? {
        let read = || -> Result<EnumType, sqlx::Error> {
            Ok(EnumType {
                namespace: row.try_get("ns")?,
                name: row.try_get("name")?,
                values: row.try_get("labels")?,
                spelling: row.try_get("spelling")?,
            })
        };
        let enum_type = read().map_err(|e| catalog.decode_error(e))?;
        schema
            .enums
            .insert(ident::key(&enum_type.namespace, &enum_type.name), enum_type);
    }
    Ok(())
}

pub async fn domains(catalog: &mut Catalog<'_>, schema: &mut Schema) -> Result<(), EngineError> {
    let sql = format!(
        "SELECT n.nspname::text AS ns, t.typname::text AS name, \
                pg_catalog.format_type(t.typbasetype, t.typtypmod) AS data_type, \
                CASE WHEN t.typcollation <> bt.typcollation THEN {collation} END AS collation, \
                pg_catalog.pg_get_expr(t.typdefaultbin, 0) AS default_expr, t.typnotnull AS not_null, \
                ARRAY(SELECT c.conname::text FROM pg_catalog.pg_constraint c \
                      WHERE c.contypid = t.oid AND c.contype = 'c' ORDER BY c.conname) AS check_names, \
                ARRAY(SELECT pg_catalog.pg_get_constraintdef(c.oid, true) FROM pg_catalog.pg_constraint c \
                      WHERE c.contypid = t.oid AND c.contype = 'c' ORDER BY c.conname) AS check_definitions, \
                pg_catalog.format_type(t.oid, NULL) AS spelling \
         FROM pg_catalog.pg_type t \
         JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
         JOIN pg_catalog.pg_type bt ON bt.oid = t.typbasetype \
         LEFT JOIN pg_catalog.pg_collation co ON co.oid = t.typcollation \
         WHERE t.typtype = 'd' AND {} AND NOT {} \
         ORDER BY 1, 2",
        managed_namespace("n"),
        extension_member("pg_type", "t.oid"),
        collation = super::collations::spelling("co"),
    );
    for row in catalog.fetch(&sql).await? {
        let read = || -> Result<Domain, sqlx::Error> {
            let names: Vec<String> = row.try_get("check_names")?;
            let definitions: Vec<String> = row.try_get("check_definitions")?;
            let mut checks: Vec<Check> = names
                .into_iter()
                .zip(definitions)
                .map(|(name, definition)| {
                    Check::new(
                        definition.strip_prefix("CHECK ").unwrap_or(&definition).to_string(),
                        Some(name),
                    )
                })
                .collect();
            checks.sort();
            Ok(Domain {
                namespace: row.try_get("ns")?,
                name: row.try_get("name")?,
                data_type: row.try_get("data_type")?,
                collation: row.try_get("collation")?,
                default: row.try_get("default_expr")?,
                not_null: row.try_get("not_null")?,
                checks,
                spelling: row.try_get("spelling")?,
            })
        };
        let domain = read().map_err(|e| catalog.decode_error(e))?;
        schema
            .domains
            .insert(ident::key(&domain.namespace, &domain.name), domain);
    }
    Ok(())
}

/// SQL for the value the sequence `oid` (SQL) handed out last: NULL when it
/// never did, or when the inspecting role may not read it.
pub(super) fn last_value(oid: &str) -> String {
    format!(
        "CASE WHEN pg_catalog.has_sequence_privilege({oid}, 'SELECT,USAGE') \
         THEN pg_catalog.pg_sequence_last_value({oid}) END"
    )
}

/// Free-standing and `serial` sequences; identity sequences belong to their
/// column and are described by it.
pub async fn sequences(catalog: &mut Catalog<'_>, schema: &mut Schema) -> Result<(), EngineError> {
    let sql = format!(
        "SELECT n.nspname::text AS ns, c.relname::text AS name, \
                pg_catalog.format_type(s.seqtypid, NULL) AS data_type, s.seqstart AS start, \
                s.seqincrement AS increment, s.seqmin AS min_value, s.seqmax AS max_value, \
                s.seqcache AS cache, s.seqcycle AS cycle, \
                own_n.nspname::text AS owner_ns, own_c.relname::text AS owner_table, \
                own_a.attname::text AS owner_column, {} AS last_value \
         FROM pg_catalog.pg_sequence s \
         JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         LEFT JOIN pg_catalog.pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid \
              AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'a' \
         LEFT JOIN pg_catalog.pg_class own_c ON own_c.oid = d.refobjid \
         LEFT JOIN pg_catalog.pg_namespace own_n ON own_n.oid = own_c.relnamespace \
         LEFT JOIN pg_catalog.pg_attribute own_a ON own_a.attrelid = d.refobjid AND own_a.attnum = d.refobjsubid \
         WHERE {} AND NOT {} AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend i \
               WHERE i.classid = 'pg_class'::regclass AND i.objid = c.oid AND i.deptype = 'i') \
         ORDER BY 1, 2",
        last_value("c.oid"),
        managed_namespace("n"),
        extension_member("pg_class", "c.oid")
    );
    for row in catalog.fetch(&sql).await? {
        let read = || -> Result<Sequence, sqlx::Error> {
            let owner_ns: Option<String> = row.try_get("owner_ns")?;
            let owner_table: Option<String> = row.try_get("owner_table")?;
            let owner_column: Option<String> = row.try_get("owner_column")?;
            let owned_by = match (owner_ns, owner_table, owner_column) {
                (Some(ns), Some(table), Some(column)) => Some(format!("{}.{}", ident::key(&ns, &table), column)),
                _ => None,
            };
            Ok(Sequence {
                namespace: row.try_get("ns")?,
                name: row.try_get("name")?,
                data_type: row.try_get("data_type")?,
                start: row.try_get("start")?,
                increment: row.try_get("increment")?,
                min_value: row.try_get("min_value")?,
                max_value: row.try_get("max_value")?,
                cache: row.try_get("cache")?,
                cycle: row.try_get("cycle")?,
                owned_by,
                last_value: LastValue(row.try_get("last_value")?),
            })
        };
        let sequence = read().map_err(|e| catalog.decode_error(e))?;
        schema
            .sequences
            .insert(ident::key(&sequence.namespace, &sequence.name), sequence);
    }
    Ok(())
}

/// Views and materialized views (what they use is read by
/// [`super::dependencies`]). Adds the views to `relations` (triggers may be on views).
pub async fn views(
    catalog: &mut Catalog<'_>,
    schema: &mut Schema,
    relations: &mut RelationKeys,
) -> Result<(), EngineError> {
    let sql = format!(
        "SELECT c.oid::int8 AS oid, n.nspname::text AS ns, c.relname::text AS name, \
                c.relkind = 'm' AS materialized, pg_catalog.pg_get_viewdef(c.oid, true) AS definition, \
                ARRAY(SELECT o FROM unnest(c.reloptions) o ORDER BY 1) AS options, \
                ARRAY(SELECT quote_ident(a.attname) || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod) \
                      FROM pg_catalog.pg_attribute a \
                      WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped \
                      ORDER BY a.attnum) AS columns \
         FROM pg_catalog.pg_class c \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind IN ('v', 'm') AND {} AND NOT {} \
         ORDER BY 1",
        managed_namespace("n"),
        extension_member("pg_class", "c.oid")
    );
    let mut found = Vec::new();
    for row in catalog.fetch(&sql).await? {
        let read = || -> Result<_, sqlx::Error> {
            Ok((
                row.try_get::<i64, _>("oid")?,
                row.try_get::<String, _>("ns")?,
                row.try_get::<String, _>("name")?,
                row.try_get::<bool, _>("materialized")?,
                row.try_get::<String, _>("definition")?,
                row.try_get::<Vec<String>, _>("options")?,
                row.try_get::<Vec<String>, _>("columns")?,
            ))
        };
        let view = read().map_err(|e| catalog.decode_error(e))?;
        relations.insert(view.0, ident::key(&view.1, &view.2));
        found.push(view);
    }
    for (_, namespace, name, materialized, definition, options, columns) in found {
        let key = ident::key(&namespace, &name);
        let definition = definition.trim().trim_end_matches(';').trim_end().to_string();
        schema.views.insert(
            key,
            View {
                name,
                definition,
                namespace: Some(namespace),
                materialized,
                depends_on: Default::default(),
                columns,
                indexes: Default::default(),
                options,
            },
        );
    }
    Ok(())
}

/// Functions and procedures (aggregates and window functions are not managed;
/// functions a type creates for itself, like range constructors, go with it).
pub async fn routines(catalog: &mut Catalog<'_>, schema: &mut Schema) -> Result<(), EngineError> {
    let sql = format!(
        "SELECT n.nspname::text AS ns, p.proname::text AS name, p.prokind = 'p' AS procedure, \
                p.prokind = 'a' AS aggregate, \
                pg_catalog.pg_get_function_identity_arguments(p.oid) AS identity_arguments, \
                pg_catalog.pg_get_function_arguments(p.oid) AS arguments, \
                pg_catalog.oidvectortypes(p.proargtypes) AS argument_types, \
                coalesce(pg_catalog.pg_get_function_result(p.oid), '') AS result, \
                CASE WHEN p.prokind = 'a' THEN {} ELSE pg_catalog.pg_get_functiondef(p.oid) END AS definition \
         FROM pg_catalog.pg_proc p \
         JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace \
         LEFT JOIN pg_catalog.pg_aggregate a ON a.aggfnoid = p.oid \
         WHERE p.prokind IN ('f', 'p', 'a') AND {} AND NOT {} \
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_proc'::regclass \
               AND d.objid = p.oid AND d.deptype = 'i') \
         ORDER BY 1, 2, 5",
        super::aggregates::DEFINITION,
        managed_namespace("n"),
        extension_member("pg_proc", "p.oid")
    );
    for row in catalog.fetch(&sql).await? {
        let read = || -> Result<Routine, sqlx::Error> {
            Ok(Routine {
                namespace: row.try_get("ns")?,
                name: row.try_get("name")?,
                procedure: row.try_get("procedure")?,
                aggregate: row.try_get("aggregate")?,
                identity_arguments: row.try_get("identity_arguments")?,
                arguments: row.try_get("arguments")?,
                result: row.try_get("result")?,
                definition: row.try_get::<String, _>("definition")?.trim_end().to_string(),
                depends_on: Default::default(),
            })
        };
        let routine = read().map_err(|e| catalog.decode_error(e))?;
        // Overloads differ by argument types; names may change in place.
        let argument_types: String = row.try_get("argument_types").map_err(|e| catalog.decode_error(e))?;
        let key = format!("{}({argument_types})", ident::key(&routine.namespace, &routine.name));
        schema.routines.insert(key, routine);
    }
    Ok(())
}

pub async fn triggers(
    catalog: &mut Catalog<'_>,
    schema: &mut Schema,
    relations: &RelationKeys,
) -> Result<(), EngineError> {
    let sql = format!(
        "SELECT t.tgrelid::int8 AS oid, t.tgname::text AS name, pg_catalog.pg_get_triggerdef(t.oid) AS definition \
         FROM pg_catalog.pg_trigger t \
         JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE NOT t.tgisinternal AND t.tgparentid = 0 AND {} ORDER BY 1, 2",
        managed_namespace("n")
    );
    for OnRelation {
        table,
        name,
        definition,
    } in catalog.on_relations(&sql, relations).await?
    {
        schema.triggers.insert(
            format!("{table}.{}", ident::key_part(&name)),
            Trigger {
                name,
                table,
                definition,
                order: None,
            },
        );
    }
    Ok(())
}
