//! Writing cty values as msgpack, as go-cty's `msgpack.Marshal` does:
//! objects are maps of every attribute of their type in sorted order (absent
//! ones as nil), unknowns are the fixext1 `d4 00 00`, and dynamic values are
//! `[type JSON as binary, value]`.

use std::collections::BTreeMap;

use super::writer::{TooLong, Writer};
use crate::tfproto::cty::error::{EncodeError, EncodeErrorKind};
use crate::tfproto::cty::number::WireNumber;
use crate::tfproto::cty::path::{Path, PathStep};
use crate::tfproto::cty::types::{ObjectType, Type};
use crate::tfproto::cty::{Number, Value, MAX_DEPTH};

pub(crate) fn encode(value: &Value, ty: &Type) -> Result<Vec<u8>, EncodeError> {
    let mut encoder = Encoder {
        out: Writer::default(),
        path: Path::root(),
    };
    encoder.value(value, ty, 0)?;
    Ok(encoder.out.into_bytes())
}

struct Encoder {
    out: Writer,
    path: Path,
}

impl Encoder {
    fn fail(&self, kind: EncodeErrorKind) -> EncodeError {
        EncodeError::new(&self.path, kind)
    }

    fn too_long(&self, TooLong(len): TooLong) -> EncodeError {
        self.fail(EncodeErrorKind::TooLong(len))
    }

    /// Kept small, with each kind in its own function: this frame repeats
    /// at every nesting level.
    fn value(&mut self, value: &Value, ty: &Type, depth: usize) -> Result<(), EncodeError> {
        if depth > MAX_DEPTH {
            return Err(self.fail(EncodeErrorKind::TooDeep(MAX_DEPTH)));
        }
        match (value, ty) {
            (Value::Null, _) => {
                self.out.nil();
                Ok(())
            }
            (Value::Unknown, _) => {
                self.out.unknown();
                Ok(())
            }
            (Value::Dynamic(concrete, inner), Type::Dynamic) => self.dynamic(concrete, inner, depth),
            (Value::Bool(flag), Type::Bool) => {
                self.out.bool(*flag);
                Ok(())
            }
            (Value::Number(number), Type::Number) => self.number(number),
            (Value::String(text), Type::String) => self.string(text),
            (Value::List(items), Type::List(element)) | (Value::Set(items), Type::Set(element)) => {
                self.array(items, |_| element, depth)
            }
            (Value::Tuple(items), Type::Tuple(elements)) => self.tuple(items, elements, depth),
            (Value::Map(entries), Type::Map(element)) => self.map(entries, element, depth),
            (Value::Object(attributes), Type::Object(object)) => self.object(attributes, object, depth),
            (value, ty) => Err(self.fail(EncodeErrorKind::TypeMismatch {
                expected: ty.to_string(),
                found: value.kind_name(),
            })),
        }
    }

    fn dynamic(&mut self, concrete: &Type, inner: &Value, depth: usize) -> Result<(), EncodeError> {
        if *concrete == Type::Dynamic {
            return Err(self.fail(EncodeErrorKind::DynamicOfDynamic));
        }
        self.out.array_len(2).map_err(|error| self.too_long(error))?;
        self.out
            .bin(&concrete.to_json())
            .map_err(|error| self.too_long(error))?;
        self.value(inner, concrete, depth + 1)
    }

    fn number(&mut self, number: &Number) -> Result<(), EncodeError> {
        match number.wire() {
            WireNumber::Int(value) => self.out.int(value),
            WireNumber::UInt(value) => self.out.uint(value),
            WireNumber::Float(value) => self.out.f64(value),
            WireNumber::Decimal(text) => return self.string(&text),
        }
        Ok(())
    }

    fn string(&mut self, text: &str) -> Result<(), EncodeError> {
        self.out.str(text).map_err(|error| self.too_long(error))
    }

    fn tuple(&mut self, items: &[Value], elements: &[Type], depth: usize) -> Result<(), EncodeError> {
        if items.len() != elements.len() {
            return Err(self.fail(EncodeErrorKind::TupleLength {
                expected: elements.len(),
                found: items.len(),
            }));
        }
        self.array(items, |index| &elements[index], depth)
    }

    fn map(&mut self, entries: &BTreeMap<String, Value>, element: &Type, depth: usize) -> Result<(), EncodeError> {
        self.out.map_len(entries.len()).map_err(|error| self.too_long(error))?;
        for (key, entry) in entries {
            self.string(key)?;
            self.path.push(PathStep::Key(key.clone()));
            self.value(entry, element, depth + 1)?;
            self.path.pop();
        }
        Ok(())
    }

    fn object(
        &mut self,
        attributes: &BTreeMap<String, Value>,
        object: &ObjectType,
        depth: usize,
    ) -> Result<(), EncodeError> {
        if let Some(extra) = attributes.keys().find(|name| !object.attributes.contains_key(*name)) {
            return Err(self.fail(EncodeErrorKind::UnsupportedAttribute(extra.clone())));
        }
        self.out
            .map_len(object.attributes.len())
            .map_err(|error| self.too_long(error))?;
        for (name, attribute_type) in &object.attributes {
            self.string(name)?;
            self.path.push(PathStep::Attribute(name.clone()));
            let attribute = attributes.get(name).unwrap_or(&Value::Null);
            self.value(attribute, attribute_type, depth + 1)?;
            self.path.pop();
        }
        Ok(())
    }

    fn array<'t>(
        &mut self,
        items: &[Value],
        element_type: impl Fn(usize) -> &'t Type,
        depth: usize,
    ) -> Result<(), EncodeError> {
        self.out.array_len(items.len()).map_err(|error| self.too_long(error))?;
        for (index, item) in items.iter().enumerate() {
            self.path.push(PathStep::Index(index));
            self.value(item, element_type(index), depth + 1)?;
            self.path.pop();
        }
        Ok(())
    }
}
