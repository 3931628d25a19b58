//! cty values, and the accessors the provider layer reads them with.

use std::collections::BTreeMap;

use super::error::{DecodeError, EncodeError};
use super::number::Number;
use super::types::Type;
use super::{json, msgpack};

/// A cty value. Values do not carry their type: the schema [`Type`] they are
/// decoded or encoded with gives it, except under the `dynamic` type, where
/// [`Value::Dynamic`] carries the concrete type along.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    /// Known only after apply (or not yet known during plan).
    Unknown,
    Bool(bool),
    Number(Number),
    String(String),
    List(Vec<Value>),
    /// Elements in wire order; the codecs neither sort nor deduplicate them.
    Set(Vec<Value>),
    Map(BTreeMap<String, Value>),
    /// Decoding always yields every attribute of the object type (absent
    /// ones as [`Value::Null`]); encoding treats absent attributes as null.
    Object(BTreeMap<String, Value>),
    Tuple(Vec<Value>),
    /// A value of schema type `dynamic`, with the concrete type it has.
    Dynamic(Type, Box<Value>),
}

impl Value {
    /// Reads a msgpack `DynamicValue` against the schema type.
    pub fn decode_msgpack(bytes: &[u8], ty: &Type) -> Result<Value, DecodeError> {
        msgpack::decode(bytes, ty)
    }

    /// Writes the value as msgpack the way go-cty does.
    pub fn encode_msgpack(&self, ty: &Type) -> Result<Vec<u8>, EncodeError> {
        msgpack::encode(self, ty)
    }

    /// Reads JSON (stored state, as `UpgradeResourceState` receives it)
    /// against the schema type. JSON cannot express unknown values.
    pub fn decode_json(bytes: &[u8], ty: &Type) -> Result<Value, DecodeError> {
        json::decode(bytes, ty)
    }

    /// Writes the value as JSON the way go-cty does; fails on unknowns.
    pub fn encode_json(&self, ty: &Type) -> Result<Vec<u8>, EncodeError> {
        json::encode(self, ty)
    }

    pub fn string(text: impl Into<String>) -> Value {
        Value::String(text.into())
    }

    pub fn number(number: impl Into<Number>) -> Value {
        Value::Number(number.into())
    }

    pub fn object(attributes: impl IntoIterator<Item = (impl Into<String>, Value)>) -> Value {
        Value::Object(
            attributes
                .into_iter()
                .map(|(name, value)| (name.into(), value))
                .collect(),
        )
    }

    /// The value itself, or the value a [`Value::Dynamic`] wraps. The
    /// accessors below all look through the wrapper this way.
    pub fn unwrap_dynamic(&self) -> &Value {
        match self {
            Value::Dynamic(_, inner) => inner.unwrap_dynamic(),
            other => other,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.unwrap_dynamic(), Value::Null)
    }

    /// False only for an unknown value itself; see [`Value::is_wholly_known`].
    pub fn is_known(&self) -> bool {
        !matches!(self.unwrap_dynamic(), Value::Unknown)
    }

    /// True when no unknown value appears anywhere inside.
    pub fn is_wholly_known(&self) -> bool {
        match self.unwrap_dynamic() {
            Value::Unknown => false,
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => items.iter().all(Value::is_wholly_known),
            Value::Map(entries) | Value::Object(entries) => entries.values().all(Value::is_wholly_known),
            _ => true,
        }
    }

    /// An object's attribute; `None` if this is not an object or lacks it.
    pub fn attr(&self, name: &str) -> Option<&Value> {
        match self.unwrap_dynamic() {
            Value::Object(attributes) => attributes.get(name),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self.unwrap_dynamic() {
            Value::String(text) => Some(text),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.unwrap_dynamic() {
            Value::Bool(flag) => Some(*flag),
            _ => None,
        }
    }

    pub fn as_number(&self) -> Option<&Number> {
        match self.unwrap_dynamic() {
            Value::Number(number) => Some(number),
            _ => None,
        }
    }

    /// The elements of a list, set or tuple.
    pub fn as_list(&self) -> Option<&[Value]> {
        match self.unwrap_dynamic() {
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => Some(items),
            _ => None,
        }
    }

    /// The entries of a map or the attributes of an object.
    pub fn as_map(&self) -> Option<&BTreeMap<String, Value>> {
        match self.unwrap_dynamic() {
            Value::Map(entries) | Value::Object(entries) => Some(entries),
            _ => None,
        }
    }

    /// A decoded value of schema type `dynamic` whose payload declared
    /// `ty`. A payload declared `dynamic` is already its own value.
    pub(crate) fn wrap_dynamic(ty: Type, value: Value) -> Value {
        match ty {
            Type::Dynamic => value,
            concrete => Value::Dynamic(concrete, Box::new(value)),
        }
    }

    /// What kind of value this is, for error messages.
    pub(crate) fn kind_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Unknown => "unknown",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Set(_) => "set",
            Value::Map(_) => "map",
            Value::Object(_) => "object",
            Value::Tuple(_) => "tuple",
            Value::Dynamic(..) => "dynamic",
        }
    }
}

impl From<bool> for Value {
    fn from(flag: bool) -> Value {
        Value::Bool(flag)
    }
}

impl From<Number> for Value {
    fn from(number: Number) -> Value {
        Value::Number(number)
    }
}

impl From<&str> for Value {
    fn from(text: &str) -> Value {
        Value::String(text.to_owned())
    }
}

impl From<String> for Value {
    fn from(text: String) -> Value {
        Value::String(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accessors_look_through_dynamic_wrappers() {
        let value = Value::Dynamic(
            Type::object([("name", Type::String)]),
            Box::new(Value::object([("name", Value::string("users"))])),
        );
        assert_eq!(value.attr("name").and_then(Value::as_str), Some("users"));
        assert_eq!(value.attr("missing"), None);
        assert!(Value::Dynamic(Type::String, Box::new(Value::Null)).is_known());
        assert!(Value::Dynamic(Type::String, Box::new(Value::Null)).is_null());
    }

    #[test]
    fn wholly_known_searches_every_level() {
        let value = Value::object([(
            "statements",
            Value::List(vec![Value::string("CREATE TABLE t ()"), Value::Unknown]),
        )]);
        assert!(value.is_known());
        assert!(!value.is_wholly_known());
        assert!(!Value::Unknown.is_known());
        assert!(Value::Map(BTreeMap::new()).is_wholly_known());
    }

    #[test]
    fn typed_accessors_reject_other_kinds() {
        assert_eq!(Value::string("x").as_bool(), None);
        assert_eq!(Value::Bool(true).as_bool(), Some(true));
        assert_eq!(Value::Tuple(vec![Value::Null]).as_list().map(<[Value]>::len), Some(1));
        assert_eq!(Value::Null.as_list(), None);
        assert_eq!(Value::number(7).as_number().and_then(Number::as_i64), Some(7));
        assert_eq!(Value::string("x").attr("x"), None);
    }
}
