//! Reads a SQLite database into the neutral model with four catalog queries
//! (objects, columns, index keys, foreign keys): each pragma table-valued
//! function is joined over `sqlite_schema`, so the query count does not grow
//! with the number of tables. The stored `CREATE` text fills in what pragmas
//! do not report (see `ddl`).

mod ddl;

use std::collections::BTreeMap;

use sqlx::sqlite::{SqliteConnection, SqliteRow};
use sqlx::Row;

use super::ident::other_case;
use super::spelling::{normalize_collation, normalize_default};
use super::tokens::{canonical_text, tokenize};
use super::type_name;
use super::written_statements::keep_statements;
use crate::engine::error::EngineError;
use crate::engine::model::{
    Check, Column, ColumnAttributes, ForeignKey, Index, IndexKey, IndexPart, PrimaryKey, ReferentialAction, Schema,
    Table, Trigger, UniqueConstraint, View,
};
use ddl::{parse_create_index, parse_create_table, ConstraintKind, ParsedTable};

/// Objects SQLite manages itself (`sqlite_sequence`, `sqlite_stat1`,
/// `sqlite_autoindex_*`) are not part of any schema.
const USER_OBJECTS: &str = r"m.name NOT LIKE 'sqlite\_%' ESCAPE '\'";
const USER_TABLES: &str =
    r"m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\' AND m.sql NOT LIKE 'CREATE VIRTUAL%'";

struct ObjectRow {
    kind: String,
    name: String,
    table: String,
    sql: String,
}

struct ColumnRow {
    table: String,
    name: String,
    declared_type: String,
    not_null: bool,
    default: Option<String>,
    pk_position: i64,
    hidden: i64,
}

struct IndexKeyRow {
    table: String,
    index: String,
    unique: bool,
    origin: String,
    column_id: i64,
    column: Option<String>,
    descending: bool,
    collation: Option<String>,
}

struct ForeignKeyRow {
    table: String,
    id: i64,
    ref_table: String,
    from: String,
    to: Option<String>,
    on_update: String,
    on_delete: String,
}

/// Inspects the `main` schema of an open connection. `url` is the redacted URL
/// used in error messages.
pub async fn inspect_connection(conn: &mut SqliteConnection, url: &str) -> Result<Schema, EngineError> {
    let failed = |e: sqlx::Error| EngineError::Inspect {
        url: url.to_string(),
        reason: e.to_string(),
    };
    let objects: Vec<ObjectRow> = sqlx::query(&format!(
        "SELECT m.type, m.name, m.tbl_name, COALESCE(m.sql, '') FROM sqlite_schema AS m \
         WHERE {USER_OBJECTS} ORDER BY m.name"
    ))
    .fetch_all(&mut *conn)
    .await
    .map_err(failed)?
    .iter()
    .map(object_row)
    .collect::<Result<_, _>>()
    .map_err(failed)?;
    let columns: Vec<ColumnRow> = sqlx::query(&format!(
        "SELECT m.name, c.name, c.type, c.\"notnull\", c.dflt_value, c.pk, c.hidden \
         FROM sqlite_schema AS m, pragma_table_xinfo(m.name) AS c \
         WHERE {USER_TABLES} ORDER BY m.name, c.cid"
    ))
    .fetch_all(&mut *conn)
    .await
    .map_err(failed)?
    .iter()
    .map(column_row)
    .collect::<Result<_, _>>()
    .map_err(failed)?;
    let index_keys: Vec<IndexKeyRow> = sqlx::query(&format!(
        "SELECT m.name, il.name, il.\"unique\", il.origin, ix.cid, ix.name, ix.\"desc\", ix.coll \
         FROM sqlite_schema AS m, pragma_index_list(m.name) AS il, pragma_index_xinfo(il.name) AS ix \
         WHERE {USER_TABLES} AND ix.key = 1 ORDER BY m.name, il.name, ix.seqno"
    ))
    .fetch_all(&mut *conn)
    .await
    .map_err(failed)?
    .iter()
    .map(index_key_row)
    .collect::<Result<_, _>>()
    .map_err(failed)?;
    let foreign_keys: Vec<ForeignKeyRow> = sqlx::query(&format!(
        "SELECT m.name, f.id, f.\"table\", f.\"from\", f.\"to\", f.on_update, f.on_delete \
         FROM sqlite_schema AS m, pragma_foreign_key_list(m.name) AS f \
         WHERE {USER_TABLES} ORDER BY m.name, f.id, f.seq"
    ))
    .fetch_all(&mut *conn)
    .await
    .map_err(failed)?
    .iter()
    .map(foreign_key_row)
    .collect::<Result<_, _>>()
    .map_err(failed)?;

    SchemaBuilder { url, objects: &objects }.build(columns, index_keys, foreign_keys)
}

fn object_row(row: &SqliteRow) -> Result<ObjectRow, sqlx::Error> {
    Ok(ObjectRow {
        kind: row.try_get(0)?,
        name: row.try_get(1)?,
        table: row.try_get(2)?,
        sql: row.try_get(3)?,
    })
}

fn column_row(row: &SqliteRow) -> Result<ColumnRow, sqlx::Error> {
    Ok(ColumnRow {
        table: row.try_get(0)?,
        name: row.try_get(1)?,
        declared_type: row.try_get::<Option<String>, _>(2)?.unwrap_or_default(),
        not_null: row.try_get::<i64, _>(3)? != 0,
        default: row.try_get(4)?,
        pk_position: row.try_get(5)?,
        hidden: row.try_get(6)?,
    })
}

fn index_key_row(row: &SqliteRow) -> Result<IndexKeyRow, sqlx::Error> {
    Ok(IndexKeyRow {
        table: row.try_get(0)?,
        index: row.try_get(1)?,
        unique: row.try_get::<i64, _>(2)? != 0,
        origin: row.try_get(3)?,
        column_id: row.try_get(4)?,
        column: row.try_get(5)?,
        descending: row.try_get::<i64, _>(6)? != 0,
        collation: row.try_get(7)?,
    })
}

fn foreign_key_row(row: &SqliteRow) -> Result<ForeignKeyRow, sqlx::Error> {
    Ok(ForeignKeyRow {
        table: row.try_get(0)?,
        id: row.try_get(1)?,
        ref_table: row.try_get(2)?,
        from: row.try_get(3)?,
        to: row.try_get(4)?,
        on_update: row.try_get(5)?,
        on_delete: row.try_get(6)?,
    })
}

struct SchemaBuilder<'a> {
    url: &'a str,
    objects: &'a [ObjectRow],
}

impl SchemaBuilder<'_> {
    fn error(&self, reason: String) -> EngineError {
        EngineError::Inspect {
            url: self.url.to_string(),
            reason,
        }
    }

    fn build(
        &self,
        columns: Vec<ColumnRow>,
        index_keys: Vec<IndexKeyRow>,
        foreign_keys: Vec<ForeignKeyRow>,
    ) -> Result<Schema, EngineError> {
        let mut schema = Schema::default();
        let mut parsed_tables = BTreeMap::new();
        for object in self.objects {
            match object.kind.as_str() {
                "table" => {
                    if is_virtual_table(&object.sql) {
                        return Err(EngineError::Unsupported {
                            url: self.url.to_string(),
                            what: format!("virtual table {}", object.name),
                        });
                    }
                    let parsed = parse_create_table(&object.sql)
                        .ok_or_else(|| self.error(format!("cannot read the definition of table {}", object.name)))?;
                    let mut table = Table::new(&object.name);
                    table.options = parsed.options.clone();
                    parsed_tables.insert(object.name.clone(), parsed);
                    schema.tables.insert(object.name.clone(), table);
                }
                "view" => {
                    schema.views.insert(
                        object.name.clone(),
                        View {
                            name: object.name.clone(),
                            definition: canonical_text(&object.sql),
                            namespace: None,
                            materialized: false,
                            depends_on: Default::default(),
                            columns: Vec::new(),
                            indexes: Default::default(),
                            options: Vec::new(),
                        },
                    );
                    schema
                        .written
                        .definitions
                        .insert(object.name.clone(), object.sql.clone());
                }
                "trigger" => {
                    schema.triggers.insert(
                        object.name.clone(),
                        Trigger {
                            name: object.name.clone(),
                            table: object.table.clone(),
                            definition: canonical_text(&object.sql),
                            order: None,
                        },
                    );
                    schema
                        .written
                        .definitions
                        .insert(object.name.clone(), object.sql.clone());
                }
                _ => {}
            }
        }
        self.add_columns(&mut schema, &parsed_tables, columns)?;
        self.add_index_keys(&mut schema, &parsed_tables, index_keys)?;
        add_foreign_keys(&mut schema, &parsed_tables, foreign_keys);
        for (name, parsed) in &parsed_tables {
            if let Some(table) = schema.tables.get_mut(name) {
                add_checks(table, parsed);
            }
        }
        spell_references_as_declared(&mut schema);
        let stored: BTreeMap<(&str, &str), &str> = self
            .objects
            .iter()
            .map(|o| ((o.kind.as_str(), o.name.as_str()), o.sql.as_str()))
            .collect();
        for table in schema.tables.values_mut() {
            table.sort();
            keep_statements(table, |kind, name| stored.get(&(kind, name)).copied());
        }
        Ok(crate::engine::bookkeeping::hide(schema))
    }

    fn add_columns(
        &self,
        schema: &mut Schema,
        parsed_tables: &BTreeMap<String, ParsedTable>,
        rows: Vec<ColumnRow>,
    ) -> Result<(), EngineError> {
        let mut pk_columns: BTreeMap<String, Vec<(i64, String)>> = BTreeMap::new();
        for row in rows {
            let (Some(table), Some(parsed)) = (schema.tables.get_mut(&row.table), parsed_tables.get(&row.table)) else {
                continue;
            };
            let declared = parsed.columns.iter().find(|c| c.name.eq_ignore_ascii_case(&row.name));
            // table_xinfo's `hidden`: 2 for a VIRTUAL generated column, 3 for a STORED one.
            if row.hidden >= 2 {
                let generated = declared.and_then(|c| c.generated.as_ref()).ok_or_else(|| {
                    self.error(format!(
                        "cannot read the expression of generated column {}.{}",
                        row.table, row.name
                    ))
                })?;
                table
                    .written
                    .generated
                    .insert(row.name.clone(), generated.expression.written.clone());
                table.column_attributes.insert(
                    row.name.clone(),
                    ColumnAttributes {
                        generated: Some(generated.expression.canonical.clone()),
                        generated_virtual: row.hidden == 2,
                        ..ColumnAttributes::default()
                    },
                );
            }
            if row.pk_position > 0 {
                pk_columns
                    .entry(row.table.clone())
                    .or_default()
                    .push((row.pk_position, row.name.clone()));
            }
            if let Some(default) = declared.and_then(|c| c.default.clone()) {
                table.written.defaults.insert(row.name.clone(), default);
            }
            table.columns.push(Column {
                name: row.name,
                data_type: type_name::normalize(&row.declared_type),
                nullable: !row.not_null,
                default: row.default.as_deref().map(normalize_default),
                collation: declared.and_then(|c| normalize_collation(c.collation.as_deref())),
            });
        }
        for (table_name, mut columns) in pk_columns {
            columns.sort();
            let columns: Vec<String> = columns.into_iter().map(|(_, name)| name).collect();
            let declared = parsed_tables.get(&table_name).and_then(|parsed| {
                parsed.constraints.iter().find_map(|c| match &c.kind {
                    ConstraintKind::PrimaryKey {
                        columns: pk,
                        autoincrement,
                    } if same_names(pk, &columns) => Some((c.name.clone(), *autoincrement)),
                    _ => None,
                })
            });
            if let Some(table) = schema.tables.get_mut(&table_name) {
                let (name, autoincrement) = declared.unwrap_or((None, false));
                table.primary_key = Some(PrimaryKey {
                    name,
                    columns,
                    autoincrement,
                    deferrable: false,
                    initially_deferred: false,
                });
            }
        }
        Ok(())
    }

    fn add_index_keys(
        &self,
        schema: &mut Schema,
        parsed_tables: &BTreeMap<String, ParsedTable>,
        rows: Vec<IndexKeyRow>,
    ) -> Result<(), EngineError> {
        // Group rows per (table, index), keeping key order.
        let mut grouped: BTreeMap<(String, String), Vec<IndexKeyRow>> = BTreeMap::new();
        for row in rows {
            grouped
                .entry((row.table.clone(), row.index.clone()))
                .or_default()
                .push(row);
        }
        for ((table_name, index_name), keys) in grouped {
            let (Some(table), Some(first)) = (schema.tables.get_mut(&table_name), keys.first()) else {
                continue;
            };
            match first.origin.as_str() {
                "u" => {
                    let columns: Vec<String> = keys.iter().filter_map(|k| k.column.clone()).collect();
                    let name = parsed_tables.get(&table_name).and_then(|parsed| {
                        parsed.constraints.iter().find_map(|c| match &c.kind {
                            ConstraintKind::Unique { columns: declared } if same_names(declared, &columns) => {
                                c.name.clone()
                            }
                            _ => None,
                        })
                    });
                    table.uniques.push(UniqueConstraint::new(columns, name));
                }
                "c" => {
                    let unique = first.unique;
                    let sql = self
                        .objects
                        .iter()
                        .find(|o| o.kind == "index" && o.name == index_name)
                        .map(|o| o.sql.as_str())
                        .unwrap_or_default();
                    let parsed = parse_create_index(sql)
                        .ok_or_else(|| self.error(format!("cannot read the definition of index {index_name}")))?;
                    let mut parts = Vec::new();
                    for (position, key) in keys.iter().enumerate() {
                        let (key_kind, column_collation) = match (&key.column, key.column_id) {
                            (Some(column), id) if id >= 0 => (
                                IndexKey::Column(column.clone()),
                                table.column(column).and_then(|c| c.collation.clone()),
                            ),
                            _ => {
                                let expression =
                                    parsed.keys.get(position).cloned().ok_or_else(|| {
                                        self.error(format!("cannot read the keys of index {index_name}"))
                                    })?;
                                table
                                    .written
                                    .index_expressions
                                    .insert(expression.canonical.clone(), expression.written);
                                (IndexKey::Expression(expression.canonical), None)
                            }
                        };
                        let collation = normalize_collation(key.collation.as_deref())
                            .filter(|c| Some(c) != column_collation.as_ref());
                        parts.push(IndexPart {
                            key: key_kind,
                            descending: key.descending,
                            collation,
                            length: None,
                        });
                    }
                    table.indexes.insert(
                        index_name.clone(),
                        Index {
                            name: index_name,
                            unique,
                            parts,
                            predicate: parsed.predicate.map(|predicate| {
                                table
                                    .written
                                    .index_expressions
                                    .insert(predicate.canonical.clone(), predicate.written);
                                predicate.canonical
                            }),
                            definition: None,
                            invalid: false,
                            kind: None,
                            ignored: false,
                        },
                    );
                }
                // "pk": the primary key, already read from the columns.
                _ => {}
            }
        }
        Ok(())
    }
}

fn add_foreign_keys(schema: &mut Schema, parsed_tables: &BTreeMap<String, ParsedTable>, rows: Vec<ForeignKeyRow>) {
    let mut grouped: BTreeMap<(String, i64), Vec<ForeignKeyRow>> = BTreeMap::new();
    for row in rows {
        grouped.entry((row.table.clone(), row.id)).or_default().push(row);
    }
    // A REFERENCES clause without columns means the parent's primary key.
    let primary_keys: BTreeMap<String, Vec<String>> = schema
        .tables
        .iter()
        .filter_map(|(name, t)| {
            t.primary_key
                .as_ref()
                .map(|pk| (name.to_ascii_lowercase(), pk.columns.clone()))
        })
        .collect();
    for ((table_name, _), rows) in grouped {
        let Some(first) = rows.first() else {
            continue;
        };
        let columns: Vec<String> = rows.iter().map(|r| r.from.clone()).collect();
        let ref_columns = if rows.iter().all(|r| r.to.is_some()) {
            rows.iter().filter_map(|r| r.to.clone()).collect()
        } else {
            primary_keys
                .get(&first.ref_table.to_ascii_lowercase())
                .cloned()
                .unwrap_or_default()
        };
        let name = parsed_tables.get(&table_name).and_then(|parsed| {
            parsed.constraints.iter().find_map(|c| match &c.kind {
                ConstraintKind::ForeignKey {
                    columns: declared,
                    ref_table,
                } if same_names(declared, &columns) && ref_table.eq_ignore_ascii_case(&first.ref_table) => {
                    c.name.clone()
                }
                _ => None,
            })
        });
        let foreign_key = ForeignKey {
            columns,
            ref_table: first.ref_table.clone(),
            ref_columns,
            on_delete: ReferentialAction::from_sql(&first.on_delete).unwrap_or(ReferentialAction::NoAction),
            on_update: ReferentialAction::from_sql(&first.on_update).unwrap_or(ReferentialAction::NoAction),
            name,
            match_full: false,
            deferrable: false,
            initially_deferred: false,
            not_valid: false,
        };
        if let Some(table) = schema.tables.get_mut(&table_name) {
            table.foreign_keys.push(foreign_key);
        }
    }
}

/// SQLite reports the table a foreign key or trigger names, and the columns
/// a foreign key references, as the DDL wrote them (`REFERENCES VICTIMS
/// (ID)`), and resolves them without regard to ASCII case; the model names
/// them as the referenced objects are declared, so spelling a reference
/// differently is no change.
fn spell_references_as_declared(schema: &mut Schema) {
    let columns: BTreeMap<String, Vec<String>> = schema
        .tables
        .iter()
        .map(|(key, table)| (key.clone(), table.columns.iter().map(|c| c.name.clone()).collect()))
        .collect();
    let tables: Vec<String> = schema.tables.keys().cloned().collect();
    for table in schema.tables.values_mut() {
        for fk in &mut table.foreign_keys {
            if let Some(name) = other_case(&tables, &fk.ref_table) {
                fk.ref_table = name;
            }
            let Some(parent) = columns.get(&fk.ref_table) else {
                continue;
            };
            for column in &mut fk.ref_columns {
                if let Some(name) = other_case(parent, column) {
                    *column = name;
                }
            }
        }
    }
    let relations: Vec<String> = schema.tables.keys().chain(schema.views.keys()).cloned().collect();
    for trigger in schema.triggers.values_mut() {
        if let Some(name) = other_case(&relations, &trigger.table) {
            trigger.table = name;
        }
    }
}

fn is_virtual_table(sql: &str) -> bool {
    let tokens = tokenize(sql);
    tokens.get(1).is_some_and(|t| t.is_word("VIRTUAL"))
}

fn add_checks(table: &mut Table, parsed: &ParsedTable) {
    for constraint in &parsed.constraints {
        if let ConstraintKind::Check { expression, written } = &constraint.kind {
            table.written.checks.insert(expression.clone(), written.clone());
            table
                .checks
                .push(Check::new(expression.clone(), constraint.name.clone()));
        }
    }
}

/// SQLite identifiers are case-insensitive.
fn same_names(a: &[String], b: &[String]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.eq_ignore_ascii_case(y))
}
