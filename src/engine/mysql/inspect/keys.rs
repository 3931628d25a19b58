//! Primary keys, indexes (unique keys among them), foreign keys and checks.

use std::collections::BTreeMap;

use super::{text, text_or_empty, Catalog};
use crate::engine::error::EngineError;
use crate::engine::model::{Check, ForeignKey, Index, IndexKey, IndexPart, PrimaryKey, ReferentialAction, Schema};

/// MySQL's name for the primary key's index.
const PRIMARY: &str = "PRIMARY";

pub async fn indexes(catalog: &mut Catalog<'_>, schema: &mut Schema) -> Result<(), EngineError> {
    let server = catalog.server;
    // Ignored (MariaDB 10.6) and invisible (MySQL 8) indexes, and MySQL
    // 8.0.13's functional key parts, exist only from those versions on.
    let ignored = if server.is_mariadb() {
        if server.at_least(10, 6, 0) {
            "IGNORED = 'YES'"
        } else {
            "FALSE"
        }
    } else if server.at_least(8, 0, 0) {
        "IS_VISIBLE = 'NO'"
    } else {
        "FALSE"
    };
    let expression = if !server.is_mariadb() && server.at_least(8, 0, 13) {
        "EXPRESSION"
    } else {
        "NULL"
    };
    let rows = catalog
        .fetch(&format!(
            "SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, SUB_PART, COLLATION, INDEX_TYPE, \
             CAST({ignored} AS SIGNED), {expression} \
             FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() \
             ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX"
        ))
        .await?;
    for row in rows {
        let Some(table) = schema.tables.get_mut(&text_or_empty(&row, 0)) else {
            continue;
        };
        let name = text_or_empty(&row, 1);
        let column = text(&row, 3);
        if name == PRIMARY {
            let key = table.primary_key.get_or_insert_with(|| PrimaryKey {
                name: None,
                columns: Vec::new(),
                autoincrement: false,
                deferrable: false,
                initially_deferred: false,
            });
            key.columns.extend(column);
            continue;
        }
        let kind = text_or_empty(&row, 6);
        let index = table.indexes.entry(name.clone()).or_insert_with(|| Index {
            name,
            unique: text_or_empty(&row, 2) == "0",
            parts: Vec::new(),
            predicate: None,
            definition: None,
            invalid: false,
            kind: matches!(kind.as_str(), "FULLTEXT" | "SPATIAL").then_some(kind),
            ignored: text(&row, 7).as_deref() == Some("1"),
        });
        let key = match (column, text(&row, 8)) {
            (Some(column), _) => IndexKey::Column(column),
            (None, Some(expression)) => IndexKey::Expression(expression),
            (None, None) => IndexKey::Expression(String::new()),
        };
        // A SPATIAL index reports the geometry's internal key length as a
        // prefix, which cannot be written back.
        let spatial = index.kind.as_deref() == Some("SPATIAL");
        index.parts.push(IndexPart {
            key,
            descending: text(&row, 5).as_deref() == Some("D"),
            collation: None,
            length: text(&row, 4).and_then(|n| n.parse().ok()).filter(|_| !spatial),
        });
    }
    Ok(())
}

pub async fn foreign_keys(catalog: &mut Catalog<'_>, schema: &mut Schema) -> Result<(), EngineError> {
    let rows = catalog
        .fetch(
            "SELECT k.TABLE_NAME, k.CONSTRAINT_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME, \
             k.REFERENCED_COLUMN_NAME, r.UPDATE_RULE, r.DELETE_RULE \
             FROM information_schema.KEY_COLUMN_USAGE k \
             JOIN information_schema.REFERENTIAL_CONSTRAINTS r \
               ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME \
              AND r.TABLE_NAME = k.TABLE_NAME \
             WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL \
             ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION",
        )
        .await?;
    let mut keys: BTreeMap<(String, String), ForeignKey> = BTreeMap::new();
    for row in rows {
        let (table, name) = (text_or_empty(&row, 0), text_or_empty(&row, 1));
        let action = |i| ReferentialAction::from_sql(&text_or_empty(&row, i)).unwrap_or(ReferentialAction::NoAction);
        let key = keys.entry((table, name.clone())).or_insert_with(|| ForeignKey {
            columns: Vec::new(),
            ref_table: text_or_empty(&row, 3),
            ref_columns: Vec::new(),
            on_delete: action(6),
            on_update: action(5),
            name: Some(name),
            match_full: false,
            deferrable: false,
            initially_deferred: false,
            not_valid: false,
        });
        key.columns.push(text_or_empty(&row, 2));
        key.ref_columns.push(text_or_empty(&row, 4));
    }
    for ((table, _), key) in keys {
        if let Some(table) = schema.tables.get_mut(&table) {
            table.foreign_keys.push(key);
        }
    }
    Ok(())
}

pub async fn checks(catalog: &mut Catalog<'_>, schema: &mut Schema) -> Result<(), EngineError> {
    let mariadb = catalog.server.is_mariadb();
    // MySQL's CHECK_CONSTRAINTS does not name the table.
    let sql = if mariadb {
        "SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE, LEVEL \
         FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()"
    } else {
        "SELECT t.TABLE_NAME, t.CONSTRAINT_NAME, c.CHECK_CLAUSE, 'Table' \
         FROM information_schema.TABLE_CONSTRAINTS t JOIN information_schema.CHECK_CONSTRAINTS c \
           ON c.CONSTRAINT_SCHEMA = t.CONSTRAINT_SCHEMA AND c.CONSTRAINT_NAME = t.CONSTRAINT_NAME \
         WHERE t.TABLE_SCHEMA = DATABASE() AND t.CONSTRAINT_TYPE = 'CHECK'"
    };
    let rows = catalog.fetch(sql).await?;
    for row in rows {
        let Some(table) = schema.tables.get_mut(&text_or_empty(&row, 0)) else {
            continue;
        };
        let (name, clause) = (text_or_empty(&row, 1), text_or_empty(&row, 2));
        if mariadb && text_or_empty(&row, 3) == "Column" && is_json_check(&name, &clause) {
            // MariaDB's JSON is LONGTEXT with this check, which it adds by
            // itself: the column is JSON, and the check is not the user's.
            if let Some(column) = table.columns.iter_mut().find(|c| c.name == name) {
                column.data_type = "json".to_string();
                if column.collation.as_deref() == Some(JSON_COLLATION) {
                    column.collation = None;
                }
                continue;
            }
        }
        table.checks.push(Check {
            expression: clause,
            name: Some(name),
            no_inherit: false,
            not_valid: false,
        });
    }
    Ok(())
}

/// The collation MariaDB gives JSON columns.
const JSON_COLLATION: &str = "utf8mb4_bin";

/// `json_valid(`column`)` on the column it is named after.
fn is_json_check(name: &str, clause: &str) -> bool {
    clause == format!("json_valid({})", crate::engine::mysql::ident::quote(name))
}
