//! Reading cty values from JSON against a schema type, as go-cty's
//! `ctyjson.Unmarshal` does: a number may also arrive as a string, a string
//! as a number or bool, and a bool as the strings "true" or "false".

use std::collections::BTreeMap;

use super::parser::{self, JsonNode};
use crate::tfproto::cty::error::{DecodeError, DecodeErrorKind};
use crate::tfproto::cty::path::{Path, PathStep};
use crate::tfproto::cty::type_json::type_from_node;
use crate::tfproto::cty::types::{ObjectType, Type};
use crate::tfproto::cty::{Number, Value};

pub(crate) fn decode(bytes: &[u8], ty: &Type) -> Result<Value, DecodeError> {
    let node = parser::parse(bytes).map_err(|error| {
        DecodeError::new(
            &Path::root(),
            DecodeErrorKind::Json {
                offset: error.offset,
                message: error.message,
            },
        )
    })?;
    // The parser bounds the tree's depth, so this recursion is bounded too.
    Decoder { path: Path::root() }.value(&node, ty)
}

struct Decoder {
    path: Path,
}

impl Decoder {
    fn fail(&self, kind: DecodeErrorKind) -> DecodeError {
        DecodeError::new(&self.path, kind)
    }

    fn expected(&self, ty: &Type, node: &JsonNode) -> DecodeError {
        self.fail(DecodeErrorKind::Expected {
            expected: ty.to_string(),
            found: node.kind_name(),
        })
    }

    fn value(&mut self, node: &JsonNode, ty: &Type) -> Result<Value, DecodeError> {
        if matches!(node, JsonNode::Null) {
            return Ok(Value::Null);
        }
        match (ty, node) {
            (Type::Dynamic, _) => self.dynamic(node),
            (Type::Bool, JsonNode::Bool(flag)) => Ok(Value::Bool(*flag)),
            (Type::Bool, JsonNode::String(text)) => match text.as_str() {
                "true" => Ok(Value::Bool(true)),
                "false" => Ok(Value::Bool(false)),
                _ => Err(self.fail(DecodeErrorKind::InvalidBool(text.clone()))),
            },
            (Type::Number, JsonNode::Number(text) | JsonNode::String(text)) => Number::parse(text)
                .map(Value::Number)
                .map_err(|error| self.fail(DecodeErrorKind::InvalidNumber(error))),
            (Type::String, JsonNode::String(text) | JsonNode::Number(text)) => Ok(Value::String(text.clone())),
            (Type::String, JsonNode::Bool(flag)) => Ok(Value::String(flag.to_string())),
            (Type::List(element), JsonNode::Array(items)) => self.elements(items, |_| element).map(Value::List),
            (Type::Set(element), JsonNode::Array(items)) => self.elements(items, |_| element).map(Value::Set),
            (Type::Tuple(elements), JsonNode::Array(items)) => {
                if items.len() != elements.len() {
                    return Err(self.fail(DecodeErrorKind::TupleLength {
                        expected: elements.len(),
                        found: items.len(),
                    }));
                }
                self.elements(items, |index| &elements[index]).map(Value::Tuple)
            }
            (Type::Map(element), JsonNode::Object(members)) => self.map(members, element),
            (Type::Object(object), JsonNode::Object(members)) => self.object(members, object),
            _ => Err(self.expected(ty, node)),
        }
    }

    fn elements<'t>(
        &mut self,
        items: &[JsonNode],
        element_type: impl Fn(usize) -> &'t Type,
    ) -> Result<Vec<Value>, DecodeError> {
        let mut values = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            self.path.push(PathStep::Index(index));
            values.push(self.value(item, element_type(index))?);
            self.path.pop();
        }
        Ok(values)
    }

    fn map(&mut self, members: &[(String, JsonNode)], element: &Type) -> Result<Value, DecodeError> {
        let mut entries = BTreeMap::new();
        for (key, node) in members {
            if entries.contains_key(key) {
                return Err(self.fail(DecodeErrorKind::DuplicateKey(key.clone())));
            }
            self.path.push(PathStep::Key(key.clone()));
            let value = self.value(node, element)?;
            self.path.pop();
            entries.insert(key.clone(), value);
        }
        Ok(Value::Map(entries))
    }

    fn object(&mut self, members: &[(String, JsonNode)], object: &ObjectType) -> Result<Value, DecodeError> {
        let mut attributes = BTreeMap::new();
        for (name, node) in members {
            let Some(attribute_type) = object.attributes.get(name) else {
                return Err(self.fail(DecodeErrorKind::UnsupportedAttribute(name.clone())));
            };
            if attributes.contains_key(name) {
                return Err(self.fail(DecodeErrorKind::DuplicateKey(name.clone())));
            }
            self.path.push(PathStep::Attribute(name.clone()));
            let value = self.value(node, attribute_type)?;
            self.path.pop();
            attributes.insert(name.clone(), value);
        }
        for name in object.attributes.keys() {
            attributes.entry(name.clone()).or_insert(Value::Null);
        }
        Ok(Value::Object(attributes))
    }

    /// `{"value": …, "type": …}`, in either order.
    fn dynamic(&mut self, node: &JsonNode) -> Result<Value, DecodeError> {
        let JsonNode::Object(members) = node else {
            return Err(self.expected(&Type::Dynamic, node));
        };
        let mut type_node = None;
        let mut value_node = None;
        for (key, member) in members {
            let slot = match key.as_str() {
                "type" => &mut type_node,
                "value" => &mut value_node,
                _ => return Err(self.fail(DecodeErrorKind::DynamicShape("unexpected key"))),
            };
            if slot.replace(member).is_some() {
                return Err(self.fail(DecodeErrorKind::DuplicateKey(key.clone())));
            }
        }
        let (Some(type_node), Some(value_node)) = (type_node, value_node) else {
            return Err(self.fail(DecodeErrorKind::DynamicShape("\"type\" or \"value\" is missing")));
        };
        let ty = type_from_node(type_node).map_err(|error| self.fail(DecodeErrorKind::DynamicType(error)))?;
        let value = self.value(value_node, &ty)?;
        Ok(Value::wrap_dynamic(ty, value))
    }
}
