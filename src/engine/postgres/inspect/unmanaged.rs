//! Objects in the database that the engine does not manage yet. They are
//! listed (one query over every such kind) so a plan can warn about them
//! instead of silently ignoring them; the same query reads the desired
//! schema in its scratch database, so what desired SQL creates of them is
//! warned about too.

use sqlx::Row;

use super::filter::{extension_member, managed_namespace};
use super::Catalog;
use crate::engine::error::EngineError;
use crate::engine::model::Schema;

/// One kind of object left alone: what a warning calls it, the catalog row
/// (`catalog alias`), its namespace column (None for the kinds that belong
/// to the whole database), how one is named (already quoted), and which
/// rows of the catalog are of the kind.
struct Kind {
    label: &'static str,
    catalog: &'static str,
    alias: &'static str,
    namespace: Option<&'static str>,
    name: &'static str,
    rows: &'static str,
}

const KINDS: &[Kind] = &[
    Kind {
        label: "foreign table",
        catalog: "pg_class",
        alias: "c",
        namespace: Some("c.relnamespace"),
        name: "quote_ident(c.relname)",
        rows: "c.relkind = 'f'",
    },
    Kind {
        label: "window function",
        catalog: "pg_proc",
        alias: "p",
        namespace: Some("p.pronamespace"),
        name: "quote_ident(p.proname)",
        rows: "p.prokind = 'w'",
    },
    Kind {
        label: "foreign-data wrapper",
        catalog: "pg_foreign_data_wrapper",
        alias: "w",
        namespace: None,
        name: "quote_ident(w.fdwname)",
        rows: "true",
    },
    Kind {
        label: "foreign server",
        catalog: "pg_foreign_server",
        alias: "s",
        namespace: None,
        name: "quote_ident(s.srvname)",
        rows: "true",
    },
    Kind {
        label: "operator",
        catalog: "pg_operator",
        alias: "o",
        namespace: Some("o.oprnamespace"),
        name: "o.oprname || '(' || coalesce(format_type(o.oprleft, NULL), 'NONE') || ', ' \
               || format_type(o.oprright, NULL) || ')'",
        rows: "true",
    },
    Kind {
        label: "operator class",
        catalog: "pg_opclass",
        alias: "oc",
        namespace: Some("oc.opcnamespace"),
        name: "quote_ident(oc.opcname) || ' USING ' \
               || (SELECT quote_ident(am.amname) FROM pg_catalog.pg_am am WHERE am.oid = oc.opcmethod)",
        rows: "true",
    },
    Kind {
        label: "operator family",
        catalog: "pg_opfamily",
        alias: "f",
        namespace: Some("f.opfnamespace"),
        name: "quote_ident(f.opfname) || ' USING ' \
               || (SELECT quote_ident(am.amname) FROM pg_catalog.pg_am am WHERE am.oid = f.opfmethod)",
        // CREATE OPERATOR CLASS without FAMILY makes a family of its name:
        // the class's warning already names it.
        rows: "NOT EXISTS (SELECT 1 FROM pg_catalog.pg_opclass oc WHERE oc.opcfamily = f.oid \
               AND oc.opcname = f.opfname AND oc.opcnamespace = f.opfnamespace)",
    },
    Kind {
        label: "cast",
        catalog: "pg_cast",
        alias: "ca",
        namespace: None,
        name: "'(' || format_type(ca.castsource, NULL) || ' AS ' || format_type(ca.casttarget, NULL) || ')'",
        rows: "true",
    },
    Kind {
        label: "conversion",
        catalog: "pg_conversion",
        alias: "cv",
        namespace: Some("cv.connamespace"),
        name: "quote_ident(cv.conname)",
        rows: "true",
    },
    Kind {
        label: "transform",
        catalog: "pg_transform",
        alias: "tr",
        namespace: None,
        name: "'FOR ' || format_type(tr.trftype, NULL) || ' LANGUAGE ' \
               || (SELECT quote_ident(l.lanname) FROM pg_catalog.pg_language l WHERE l.oid = tr.trflang)",
        rows: "true",
    },
    Kind {
        label: "access method",
        catalog: "pg_am",
        alias: "am",
        namespace: None,
        name: "quote_ident(am.amname)",
        rows: "true",
    },
    Kind {
        label: "text search configuration",
        catalog: "pg_ts_config",
        alias: "tc",
        namespace: Some("tc.cfgnamespace"),
        name: "quote_ident(tc.cfgname)",
        rows: "true",
    },
    Kind {
        label: "text search dictionary",
        catalog: "pg_ts_dict",
        alias: "td",
        namespace: Some("td.dictnamespace"),
        name: "quote_ident(td.dictname)",
        rows: "true",
    },
    Kind {
        label: "text search parser",
        catalog: "pg_ts_parser",
        alias: "tp",
        namespace: Some("tp.prsnamespace"),
        name: "quote_ident(tp.prsname)",
        rows: "true",
    },
    Kind {
        label: "text search template",
        catalog: "pg_ts_template",
        alias: "tt",
        namespace: Some("tt.tmplnamespace"),
        name: "quote_ident(tt.tmplname)",
        rows: "true",
    },
    Kind {
        label: "base type",
        catalog: "pg_type",
        alias: "t",
        namespace: Some("t.typnamespace"),
        name: "quote_ident(t.typname)",
        // The array type PostgreSQL makes for every type goes with it.
        rows: "t.typtype = 'b' AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_type e WHERE e.typarray = t.oid)",
    },
    Kind {
        label: "shell type",
        catalog: "pg_type",
        alias: "t",
        namespace: Some("t.typnamespace"),
        name: "quote_ident(t.typname)",
        rows: "t.typtype = 'p' AND NOT t.typisdefined",
    },
];

/// What a child table sets itself on a column it inherits (`ALTER TABLE
/// child ALTER COLUMN … SET DEFAULT` / `SET NOT NULL`, or a column it also
/// declares with a default of its own): only the parent's is compared. A
/// default is the child's own when no parent has it; `NOT NULL` when no
/// parent's column is.
fn inherited_columns_set_apart() -> String {
    format!(
        "SELECT k.kind, quote_ident(c.relname) || '.' || quote_ident(a.attname), c.relnamespace \
         FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid \
         LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum \
         CROSS JOIN LATERAL ( \
           SELECT coalesce(bool_or(pa.attnotnull), false) AS not_null, \
                  coalesce(bool_or(pg_catalog.pg_get_expr(pd.adbin, pd.adrelid) \
                                   IS NOT DISTINCT FROM pg_catalog.pg_get_expr(ad.adbin, ad.adrelid)), false) \
                    AS same_default \
           FROM pg_catalog.pg_inherits h \
           JOIN pg_catalog.pg_attribute pa ON pa.attrelid = h.inhparent AND pa.attname = a.attname \
           LEFT JOIN pg_catalog.pg_attrdef pd ON pd.adrelid = pa.attrelid AND pd.adnum = pa.attnum \
           WHERE h.inhrelid = c.oid) p \
         CROSS JOIN LATERAL (VALUES ('own default on inherited column', NOT p.same_default), \
                                    ('own NOT NULL on inherited column', a.attnotnull AND NOT p.not_null)) k(kind, found) \
         WHERE k.found AND c.relkind IN ('r', 'p') AND NOT c.relispartition \
           AND a.attnum > 0 AND NOT a.attisdropped AND a.attinhcount > 0 AND NOT {member}",
        member = extension_member("pg_class", "c.oid"),
    )
}

/// PostgreSQL's FirstNormalObjectId: every oid below it is built in.
const FIRST_USER_OID: u32 = 16384;

/// SQL predicate: the object `oid` of catalog `catalog` is part of another
/// one (the cast from a range type to its multirange, made with them).
fn made_with_another(catalog: &str, oid: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM pg_catalog.pg_depend own WHERE own.classid = '{catalog}'::regclass \
         AND own.objid = {oid} AND own.deptype = 'i')"
    )
}

/// The query: one branch per kind, user objects only, outside extensions,
/// not part of another object, and (for the kinds in a namespace) in a
/// managed namespace.
fn query() -> String {
    let branches = KINDS
        .iter()
        .map(|kind| {
            let Kind {
                label,
                catalog,
                alias,
                namespace,
                name,
                rows,
            } = kind;
            format!(
                "SELECT '{label}' AS kind, {name} AS name, {namespace} AS ns \
                 FROM pg_catalog.{catalog} {alias} \
                 WHERE ({rows}) AND {alias}.oid >= {FIRST_USER_OID} AND NOT {member} AND NOT {part}",
                namespace = namespace.unwrap_or("NULL::oid"),
                member = extension_member(catalog, &format!("{alias}.oid")),
                part = made_with_another(catalog, &format!("{alias}.oid")),
            )
        })
        .chain([inherited_columns_set_apart()])
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    format!(
        "SELECT o.kind || ' ' || coalesce(quote_ident(n.nspname) || '.', '') || o.name AS object \
         FROM ({branches}) o LEFT JOIN pg_catalog.pg_namespace n ON n.oid = o.ns \
         WHERE o.ns IS NULL OR ({namespaces}) ORDER BY 1",
        namespaces = managed_namespace("n"),
    )
}

pub async fn unmanaged(catalog: &mut Catalog<'_>, schema: &mut Schema) -> Result<(), EngineError> {
    for row in catalog.fetch(&query()).await? {
        let object: String = row.try_get("object").map_err(|e| catalog.decode_error(e))?;
        schema.unmanaged.push(object);
    }
    Ok(())
}
