//! SQL text for single objects. Identifiers are always quoted.

use crate::engine::model::{
    Check, Column, ColumnAttributes, EnumType, Extension, ForeignKey, PrimaryKey, Routine, Schema, Sequence, Table,
    UniqueConstraint, View,
};
use crate::engine::postgres::ident::{literal, qualified, quote};

/// The table's qualified name in SQL.
pub fn table_name(table: &Table) -> String {
    qualified(table.namespace.as_deref().unwrap_or("public"), &table.name)
}

/// SQL name of the table or view stored under `key` in either schema.
pub fn relation_name(relation_key: &str, schemas: &[&Schema]) -> String {
    for schema in schemas {
        if let Some(table) = schema.tables.get(relation_key) {
            return table_name(table);
        }
        if let Some(view) = schema.views.get(relation_key) {
            return view_name(view);
        }
    }
    // Keys are built from quoted-where-needed parts, which is valid SQL too.
    relation_key.to_string()
}

pub fn view_name(view: &View) -> String {
    qualified(view.namespace.as_deref().unwrap_or("public"), &view.name)
}

pub fn enum_name(enum_type: &EnumType) -> String {
    qualified(&enum_type.namespace, &enum_type.name)
}

/// How column types and expressions spell the enum type.
pub fn enum_type_spelling(enum_type: &EnumType) -> String {
    if enum_type.spelling.is_empty() {
        enum_name(enum_type)
    } else {
        enum_type.spelling.clone()
    }
}

pub fn sequence_name(sequence: &Sequence) -> String {
    qualified(&sequence.namespace, &sequence.name)
}

/// A collation as the model spells it, after `COLLATE`: a built-in one by
/// its name (`C`), any other already qualified and quoted (see
/// inspect/collations.rs).
pub fn collate(collation: &str) -> String {
    if collation.starts_with('"') {
        collation.to_string()
    } else {
        quote(collation)
    }
}

pub fn column_definition(column: &Column, attributes: &ColumnAttributes) -> String {
    let mut sql = format!("{} {}", quote(&column.name), column.data_type);
    if let Some(collation) = &column.collation {
        sql.push_str(&format!(" COLLATE {}", collate(collation)));
    }
    if let Some(expression) = &attributes.generated {
        sql.push_str(&format!(" GENERATED ALWAYS AS ({expression}) STORED"));
    } else if let Some(identity) = attributes.identity {
        sql.push_str(&format!(
            " GENERATED {} AS IDENTITY{}",
            identity.sql(),
            identity_options(column, attributes)
        ));
    } else if let Some(default) = &column.default {
        sql.push_str(&format!(" DEFAULT {default}"));
    }
    if !column.nullable {
        sql.push_str(" NOT NULL");
    }
    sql
}

/// ` (START WITH …)` when the identity's options are not PostgreSQL's
/// defaults for the column's type.
pub fn identity_options(column: &Column, attributes: &ColumnAttributes) -> String {
    let max = match column.data_type.as_str() {
        "smallint" => "32767",
        "integer" => "2147483647",
        _ => "9223372036854775807",
    };
    let defaults = format!("START WITH 1 INCREMENT BY 1 MINVALUE 1 MAXVALUE {max} CACHE 1 NO CYCLE");
    match &attributes.identity_options {
        Some(options) if *options != defaults => format!(" ({options})"),
        _ => String::new(),
    }
}

pub fn column_list(columns: &[String]) -> String {
    columns.iter().map(|c| quote(c)).collect::<Vec<_>>().join(", ")
}

pub fn constraint_prefix(name: Option<&str>) -> String {
    name.map(|n| format!("CONSTRAINT {} ", quote(n))).unwrap_or_default()
}

pub fn foreign_key(fk: &ForeignKey, schemas: &[&Schema]) -> String {
    let mut sql = format!(
        "{}FOREIGN KEY ({}) REFERENCES {} ({})",
        constraint_prefix(fk.name.as_deref()),
        column_list(&fk.columns),
        relation_name(&fk.ref_table, schemas),
        column_list(&fk.ref_columns)
    );
    if fk.match_full {
        sql.push_str(" MATCH FULL");
    }
    sql.push_str(&format!(
        " ON UPDATE {} ON DELETE {}",
        fk.on_update.sql(),
        fk.on_delete.sql()
    ));
    sql.push_str(deferral(fk.deferrable, fk.initially_deferred));
    sql.push_str(not_valid(fk.not_valid));
    sql
}

/// A constraint's deferral clause.
fn deferral(deferrable: bool, initially_deferred: bool) -> &'static str {
    match (deferrable, initially_deferred) {
        (false, _) => "",
        (true, false) => " DEFERRABLE",
        (true, true) => " DEFERRABLE INITIALLY DEFERRED",
    }
}

/// ` NOT VALID` for a constraint added without checking the rows already
/// there; only `ALTER TABLE … ADD` keeps it (`CREATE TABLE` validates).
pub fn not_valid(not_valid: bool) -> &'static str {
    if not_valid {
        " NOT VALID"
    } else {
        ""
    }
}

pub fn primary_key(pk: &PrimaryKey) -> String {
    format!(
        "{}PRIMARY KEY ({}){}",
        constraint_prefix(pk.name.as_deref()),
        column_list(&pk.columns),
        deferral(pk.deferrable, pk.initially_deferred)
    )
}

pub fn unique(unique: &UniqueConstraint) -> String {
    format!(
        "{}UNIQUE{} ({}){}",
        constraint_prefix(unique.name.as_deref()),
        if unique.nulls_not_distinct {
            " NULLS NOT DISTINCT"
        } else {
            ""
        },
        column_list(&unique.columns),
        deferral(unique.deferrable, unique.initially_deferred)
    )
}

/// Adds `check` (as it is, validated or not) to the table `table_sql` names.
pub fn add_check(table_sql: &str, check: &Check) -> String {
    format!(
        "ALTER TABLE {table_sql} ADD {}{}",
        self::check(check),
        not_valid(check.not_valid)
    )
}

/// A table check without its validity (see [`not_valid`]).
pub fn check(check: &Check) -> String {
    format!(
        "{}CHECK {}{}",
        constraint_prefix(check.name.as_deref()),
        check.expression,
        if check.no_inherit { " NO INHERIT" } else { "" }
    )
}

pub fn comment_text(comment: Option<&str>) -> String {
    comment.map_or_else(|| "NULL".to_string(), literal)
}

pub fn create_extension(extension: &Extension) -> String {
    format!(
        "CREATE EXTENSION {} WITH SCHEMA {} VERSION {}",
        quote(&extension.name),
        quote(&extension.namespace),
        literal(&extension.version)
    )
}

pub fn create_enum(enum_type: &EnumType) -> String {
    let values: Vec<String> = enum_type.values.iter().map(|v| literal(v)).collect();
    format!("CREATE TYPE {} AS ENUM ({})", enum_name(enum_type), values.join(", "))
}

/// The options shared by `CREATE SEQUENCE` and `ALTER SEQUENCE`.
pub fn sequence_options(sequence: &Sequence) -> String {
    format!(
        "AS {} INCREMENT BY {} MINVALUE {} MAXVALUE {} START WITH {} CACHE {} {}",
        sequence.data_type,
        sequence.increment,
        sequence.min_value,
        sequence.max_value,
        sequence.start,
        sequence.cache,
        if sequence.cycle { "CYCLE" } else { "NO CYCLE" }
    )
}

/// `FUNCTION`, `PROCEDURE` or `AGGREGATE`, for `DROP …`.
pub fn routine_keyword(routine: &Routine) -> &'static str {
    if routine.aggregate {
        "AGGREGATE"
    } else if routine.procedure {
        "PROCEDURE"
    } else {
        "FUNCTION"
    }
}

pub fn drop_routine(routine: &Routine) -> String {
    format!(
        "DROP {} {}({})",
        routine_keyword(routine),
        qualified(&routine.namespace, &routine.name),
        routine.identity_arguments
    )
}

pub fn create_view(view: &View) -> String {
    let options = if view.options.is_empty() {
        String::new()
    } else {
        format!(" WITH ({})", view.options.join(", "))
    };
    format!(
        "CREATE {}VIEW {}{options} AS {}",
        if view.materialized { "MATERIALIZED " } else { "" },
        view_name(view),
        view.definition
    )
}

pub fn drop_view(view: &View) -> String {
    format!(
        "DROP {}VIEW {}",
        if view.materialized { "MATERIALIZED " } else { "" },
        view_name(view)
    )
}
