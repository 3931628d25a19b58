//! The computed `applied` list: the revisions table's completed rows.

use crate::engine::migrate::{Revision, State};
use crate::tfproto::cty::{Type, Value};

/// Type of one element of `applied`.
pub fn applied_type() -> Type {
    Type::object([
        ("version", Type::String),
        ("checksum", Type::String),
        ("applied_at", Type::String),
    ])
}

/// The completed revisions, in version order (a file that stopped midway
/// is pending, not applied).
pub fn applied_value(revisions: &[Revision]) -> Value {
    Value::List(
        revisions
            .iter()
            .filter(|revision| revision.state == State::Ok)
            .map(|revision| {
                Value::object([
                    ("version", Value::string(revision.version.to_string())),
                    ("checksum", Value::string(revision.checksum.clone())),
                    ("applied_at", Value::string(revision.applied_at.clone())),
                ])
            })
            .collect(),
    )
}

/// Whether an `applied` value (from the state) lists any version.
pub fn lists_any(applied: &Value) -> bool {
    applied.as_list().is_some_and(|list| !list.is_empty())
}
