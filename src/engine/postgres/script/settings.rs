//! The session settings desired SQL may change. Scripts from pg_dump and
//! migration tools start with a few `SET` statements (and pg_dump's
//! `SELECT pg_catalog.set_config('search_path', '', false)`); these only shape
//! how the following DDL is read, and the scratch transaction's rollback
//! undoes them. Anything that changes who the session is, or the server, is
//! refused.

use pg_query::protobuf::{a_const, SelectStmt, VariableSetKind, VariableSetStmt};
use pg_query::NodeEnum;

use super::classify::{string_constant, Verdict};
use crate::engine::script::RefusalReason;

/// Settings a script may set (lower case; PostgreSQL folds unquoted names).
pub const ALLOWED: &[&str] = &[
    "search_path",
    "check_function_bodies",
    "client_encoding",
    "standard_conforming_strings",
    "client_min_messages",
    "statement_timeout",
    "lock_timeout",
    "idle_in_transaction_session_timeout",
    "idle_session_timeout",
    "transaction_timeout",
    "xmloption",
    "row_security",
    "default_tablespace",
    "default_table_access_method",
    "default_toast_compression",
    "default_with_oids",
    "timezone",
    "datestyle",
    "intervalstyle",
    "extra_float_digits",
    "escape_string_warning",
    "bytea_output",
    "work_mem",
    "maintenance_work_mem",
    "plpgsql.variable_conflict",
    "plpgsql.extra_warnings",
    "plpgsql.extra_errors",
    "plpgsql.print_strict_params",
    "plpgsql.check_asserts",
];

/// `SET`, `SET LOCAL`, `RESET`.
pub fn variable_set(set: &VariableSetStmt) -> Verdict {
    let kind = VariableSetKind::try_from(set.kind).unwrap_or(VariableSetKind::Undefined);
    match kind {
        VariableSetKind::VarSetMulti => Err((
            RefusalReason::TransactionControl,
            "SET TRANSACTION or SET SESSION CHARACTERISTICS".to_string(),
        )),
        VariableSetKind::VarResetAll => Err((RefusalReason::SessionChange, "RESET ALL".to_string())),
        _ => {
            let value = set.args.first().and_then(|arg| string_constant(arg.node.as_ref()));
            setting(&set.name, value)
        }
    }
}

/// Whether `select` is pg_dump's `SELECT pg_catalog.set_config(…)`: one call,
/// nothing else.
pub fn is_set_config(select: &SelectStmt) -> bool {
    set_config_call(select).is_some()
}

/// `SELECT pg_catalog.set_config('name', 'value', is_local)` with constants.
pub fn set_config(select: &SelectStmt) -> Verdict {
    let Some(args) = set_config_call(select) else {
        return Err((RefusalReason::Query, "SELECT".to_string()));
    };
    let constant_arguments = args.len() == 3
        && string_constant(args[0].node.as_ref()).is_some()
        && string_constant(args[1].node.as_ref()).is_some()
        && matches!(
            &args[2].node,
            Some(NodeEnum::AConst(c)) if matches!(c.val, Some(a_const::Val::Boolval(_)))
        );
    if !constant_arguments {
        return Err((
            RefusalReason::SessionChange,
            "set_config with arguments that are not constants".to_string(),
        ));
    }
    let name = string_constant(args[0].node.as_ref()).unwrap_or_default();
    setting(&name.to_ascii_lowercase(), string_constant(args[1].node.as_ref()))
}

fn set_config_call(select: &SelectStmt) -> Option<&[pg_query::protobuf::Node]> {
    let only_targets = select.from_clause.is_empty()
        && select.where_clause.is_none()
        && select.with_clause.is_none()
        && select.values_lists.is_empty()
        && select.larg.is_none()
        && select.target_list.len() == 1;
    if !only_targets {
        return None;
    }
    let Some(NodeEnum::ResTarget(target)) = &select.target_list[0].node else {
        return None;
    };
    let Some(NodeEnum::FuncCall(call)) = target.val.as_ref().and_then(|v| v.node.as_ref()) else {
        return None;
    };
    let name: Vec<&str> = call
        .funcname
        .iter()
        .filter_map(|part| string_constant(part.node.as_ref()))
        .collect();
    matches!(name.as_slice(), ["set_config"] | ["pg_catalog", "set_config"]).then_some(call.args.as_slice())
}

fn setting(name: &str, value: Option<&str>) -> Verdict {
    match name {
        "role" | "session_authorization" => Err((
            RefusalReason::SessionChange,
            format!("SET {}", name.replace('_', " ").to_uppercase()),
        )),
        // The provider reads the catalogs in UTF-8; another encoding would
        // garble what it reads back.
        "client_encoding" if !value.is_some_and(is_utf8) => Err((
            RefusalReason::SessionChange,
            "SET client_encoding to anything but UTF8".to_string(),
        )),
        _ if ALLOWED.contains(&name) => Ok(()),
        _ => Err((
            RefusalReason::SessionChange,
            format!("SET {name} (desired SQL may only set: {})", ALLOWED.join(", ")),
        )),
    }
}

fn is_utf8(value: &str) -> bool {
    let normalized: String = value.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    normalized.eq_ignore_ascii_case("utf8") || normalized.eq_ignore_ascii_case("unicode")
}
