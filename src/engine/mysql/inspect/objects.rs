//! Views, triggers and routines: each kept as the canonical text the
//! renderer recreates it from.

use std::collections::BTreeMap;

use super::{text, text_or_empty, Catalog};
use crate::engine::error::EngineError;
use crate::engine::model::{Routine, Schema, Trigger, TriggerOrder, View};
use crate::engine::mysql::ident::quote;

pub async fn views(catalog: &mut Catalog<'_>, schema: &mut Schema) -> Result<(), EngineError> {
    // MySQL 8 keeps the algorithm out of information_schema.
    let algorithm = if catalog.server.is_mariadb() {
        "ALGORITHM"
    } else {
        "NULL"
    };
    let rows = catalog
        .fetch(&format!(
            "SELECT TABLE_NAME, VIEW_DEFINITION, CHECK_OPTION, SECURITY_TYPE, {algorithm}, DATABASE() \
             FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()"
        ))
        .await?;
    for row in rows {
        let name = text_or_empty(&row, 0);
        // The server qualifies every name with the database, which differs
        // between the live database and the one desired SQL ran in.
        let qualifier = format!("{}.", quote(&text_or_empty(&row, 5)));
        let definition = text_or_empty(&row, 1).replace(&qualifier, "");
        let mut options = vec![format!("security={}", text_or_empty(&row, 3))];
        if let Some(algorithm) = text(&row, 4) {
            options.push(format!("algorithm={algorithm}"));
        }
        let check = text_or_empty(&row, 2);
        if check != "NONE" && !check.is_empty() {
            options.push(format!("check_option={check}"));
        }
        options.sort();
        schema.views.insert(
            name.clone(),
            View {
                name,
                definition,
                namespace: None,
                materialized: false,
                depends_on: Default::default(),
                columns: Vec::new(),
                indexes: BTreeMap::new(),
                options,
            },
        );
    }
    Ok(())
}

pub async fn triggers(catalog: &mut Catalog<'_>, schema: &mut Schema) -> Result<(), EngineError> {
    let rows = catalog
        .fetch(
            "SELECT TRIGGER_NAME, EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_STATEMENT \
             FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() \
             ORDER BY EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER",
        )
        .await?;
    // The rows of one table, timing and event come in firing order: each
    // trigger follows the one before it.
    let mut previous: Option<(String, String, String)> = None;
    for row in rows {
        let (name, table) = (text_or_empty(&row, 0), text_or_empty(&row, 1));
        let timing_event = format!("{} {}", text_or_empty(&row, 2), text_or_empty(&row, 3));
        let follows = previous
            .as_ref()
            .filter(|(t, e, _)| *t == table && *e == timing_event)
            .map(|(_, _, before)| before.clone());
        let definition = format!(
            "CREATE TRIGGER {} {timing_event} ON {} FOR EACH ROW {}",
            quote(&name),
            quote(&table),
            text_or_empty(&row, 4)
        );
        previous = Some((table.clone(), timing_event.clone(), name.clone()));
        schema.triggers.insert(
            name.clone(),
            Trigger {
                name,
                table,
                definition,
                order: Some(TriggerOrder { timing_event, follows }),
            },
        );
    }
    Ok(())
}

/// Key of a routine: procedures and functions have separate names.
pub fn routine_key(procedure: bool, name: &str) -> String {
    format!("{} {name}", if procedure { "procedure" } else { "function" })
}

pub async fn routines(catalog: &mut Catalog<'_>, schema: &mut Schema) -> Result<(), EngineError> {
    let parameters = catalog
        .fetch(
            "SELECT ROUTINE_TYPE, SPECIFIC_NAME, PARAMETER_MODE, PARAMETER_NAME, DTD_IDENTIFIER \
             FROM information_schema.PARAMETERS WHERE SPECIFIC_SCHEMA = DATABASE() AND ORDINAL_POSITION > 0 \
             ORDER BY ROUTINE_TYPE, SPECIFIC_NAME, ORDINAL_POSITION",
        )
        .await?;
    let mut arguments: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in parameters {
        let procedure = text_or_empty(&row, 0) == "PROCEDURE";
        let mode = text(&row, 2)
            .filter(|_| procedure)
            .map(|m| format!("{m} "))
            .unwrap_or_default();
        arguments
            .entry(routine_key(procedure, &text_or_empty(&row, 1)))
            .or_default()
            .push(format!(
                "{mode}{} {}",
                quote(&text_or_empty(&row, 3)),
                text_or_empty(&row, 4)
            ));
    }
    let rows = catalog
        .fetch(
            "SELECT ROUTINE_NAME, ROUTINE_TYPE, DTD_IDENTIFIER, ROUTINE_DEFINITION, IS_DETERMINISTIC, \
             SQL_DATA_ACCESS, SECURITY_TYPE, ROUTINE_COMMENT \
             FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()",
        )
        .await?;
    for row in rows {
        let name = text_or_empty(&row, 0);
        let procedure = text_or_empty(&row, 1) == "PROCEDURE";
        let key = routine_key(procedure, &name);
        let arguments = arguments.get(&key).map(|a| a.join(", ")).unwrap_or_default();
        let result = if procedure {
            String::new()
        } else {
            text_or_empty(&row, 2)
        };
        let mut characteristics = Vec::new();
        if text_or_empty(&row, 4) == "YES" {
            characteristics.push("DETERMINISTIC".to_string());
        }
        characteristics.push(text_or_empty(&row, 5));
        characteristics.push(format!("SQL SECURITY {}", text_or_empty(&row, 6)));
        if let Some(comment) = text(&row, 7).filter(|c| !c.is_empty()) {
            characteristics.push(format!("COMMENT {}", crate::engine::mysql::ident::literal(&comment)));
        }
        let returns = if procedure {
            String::new()
        } else {
            format!(" RETURNS {result}")
        };
        let definition = format!(
            "CREATE {} {}({arguments}){returns} {} {}",
            if procedure { "PROCEDURE" } else { "FUNCTION" },
            quote(&name),
            characteristics.join(" "),
            text_or_empty(&row, 3)
        );
        schema.routines.insert(
            key,
            Routine {
                namespace: String::new(),
                name,
                procedure,
                aggregate: false,
                identity_arguments: String::new(),
                arguments,
                result,
                definition,
                depends_on: Default::default(),
            },
        );
    }
    Ok(())
}
