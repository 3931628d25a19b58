//! Typed reading of one attribute of a Terraform object value.
//!
//! Every configuration attribute is in one of three states at plan time:
//! not set, not yet known (it depends on something Terraform will only learn
//! during apply), or known. Handlers match on all three explicitly.

use crate::tfproto::cty::Value;

/// The state of one attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field<T> {
    Null,
    Unknown,
    Known(T),
}

impl<T> Field<T> {
    pub fn known(self) -> Option<T> {
        match self {
            Field::Known(value) => Some(value),
            _ => None,
        }
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Field::Unknown)
    }

    /// This value, or `fallback` when this one is not set.
    pub fn or(self, fallback: Field<T>) -> Field<T> {
        match self {
            Field::Null => fallback,
            other => other,
        }
    }
}

/// A string attribute of an object value. A missing object or attribute reads as null.
pub fn string(object: &Value, name: &str) -> Field<String> {
    match object.attr(name) {
        None | Some(Value::Null) => Field::Null,
        Some(Value::Unknown) => Field::Unknown,
        Some(value) => match value.as_str() {
            Some(s) => Field::Known(s.to_string()),
            None => Field::Null,
        },
    }
}

/// A bool attribute of an object value.
pub fn bool(object: &Value, name: &str) -> Field<bool> {
    match object.attr(name) {
        None | Some(Value::Null) => Field::Null,
        Some(Value::Unknown) => Field::Unknown,
        Some(value) => value.as_bool().map_or(Field::Null, Field::Known),
    }
}

/// A list-of-strings attribute of an object value.
pub fn string_list(object: &Value, name: &str) -> Field<Vec<String>> {
    match object.attr(name) {
        None | Some(Value::Null) => Field::Null,
        Some(Value::Unknown) => Field::Unknown,
        Some(value) => match value.as_list() {
            Some(items) if items.iter().all(Value::is_known) => Field::Known(
                items
                    .iter()
                    .filter_map(|item| item.as_str().map(str::to_string))
                    .collect(),
            ),
            Some(_) => Field::Unknown,
            None => Field::Null,
        },
    }
}

/// Encode a field back into a value.
pub fn string_value(field: &Field<String>) -> Value {
    match field {
        Field::Null => Value::Null,
        Field::Unknown => Value::Unknown,
        Field::Known(s) => Value::string(s.clone()),
    }
}

pub fn bool_value(field: &Field<bool>) -> Value {
    match field {
        Field::Null => Value::Null,
        Field::Unknown => Value::Unknown,
        Field::Known(b) => Value::Bool(*b),
    }
}

pub fn string_list_value(field: &Field<Vec<String>>) -> Value {
    match field {
        Field::Null => Value::Null,
        Field::Unknown => Value::Unknown,
        Field::Known(items) => Value::List(items.iter().cloned().map(Value::string).collect()),
    }
}
