//! Reading cty values from msgpack against a schema type, as go-cty's
//! `msgpack.Unmarshal` does, with a few deliberate strictnesses: trailing
//! bytes, duplicate keys and wrong tuple lengths are errors, and every
//! extension value (whatever its type code or payload) is an unknown.

use std::collections::BTreeMap;

use super::reader::{Item, Reader};
use crate::tfproto::cty::error::{DecodeError, DecodeErrorKind};
use crate::tfproto::cty::path::{Path, PathStep};
use crate::tfproto::cty::types::{ObjectType, Type};
use crate::tfproto::cty::{Number, Value, MAX_DEPTH};

pub(crate) fn decode(bytes: &[u8], ty: &Type) -> Result<Value, DecodeError> {
    let mut decoder = Decoder {
        reader: Reader::new(bytes),
        path: Path::root(),
    };
    let value = decoder.value(ty, 0)?;
    match decoder.reader.remaining() {
        0 => Ok(value),
        extra => Err(decoder.fail(DecodeErrorKind::TrailingBytes(extra))),
    }
}

struct Decoder<'a> {
    reader: Reader<'a>,
    path: Path,
}

impl<'a> Decoder<'a> {
    fn fail(&self, kind: DecodeErrorKind) -> DecodeError {
        DecodeError::new(&self.path, kind)
    }

    fn expected(&self, expected: &Type, found: Item<'_>) -> DecodeError {
        self.fail(DecodeErrorKind::Expected {
            expected: expected.to_string(),
            found: found.kind_name(),
        })
    }

    fn next_item(&mut self) -> Result<Item<'a>, DecodeError> {
        self.reader
            .next_item()
            .ok_or_else(|| self.fail(DecodeErrorKind::UnexpectedEnd))
    }

    /// Every element takes at least one byte, so a declared length beyond
    /// the remaining input is a lie; reserving for it would let a few
    /// bytes claim gigabytes.
    fn capacity_for(&self, declared: usize) -> usize {
        declared.min(self.reader.remaining())
    }

    /// Kept small, with each kind in its own function: this frame repeats
    /// at every nesting level, and unoptimised builds would otherwise give
    /// it room for every arm's temporaries at once.
    fn value(&mut self, ty: &Type, depth: usize) -> Result<Value, DecodeError> {
        if depth > MAX_DEPTH {
            return Err(self.fail(DecodeErrorKind::TooDeep(MAX_DEPTH)));
        }
        match self.next_item()? {
            Item::Ext => Ok(Value::Unknown),
            Item::Nil => Ok(Value::Null),
            item => self.known(ty, item, depth),
        }
    }

    fn known(&mut self, ty: &Type, item: Item<'a>, depth: usize) -> Result<Value, DecodeError> {
        match (ty, item) {
            (Type::Dynamic, Item::Array(len)) => self.dynamic(len, depth),
            (Type::Bool, Item::Bool(flag)) => Ok(Value::Bool(flag)),
            (Type::Number, _) => self.number(item),
            (Type::String, Item::Str(bytes) | Item::Bin(bytes)) => self.string(bytes),
            (Type::List(element), Item::Array(len)) => self.list(len, element, depth),
            (Type::Set(element), Item::Array(len)) => self.set(len, element, depth),
            (Type::Tuple(elements), Item::Array(len)) => self.tuple(len, elements, depth),
            (Type::Map(element), Item::Map(len)) => self.map(len, element, depth),
            (Type::Object(object), Item::Map(len)) => self.object(len, object, depth),
            (_, found) => Err(self.expected(ty, found)),
        }
    }

    fn string(&self, bytes: &[u8]) -> Result<Value, DecodeError> {
        self.text(bytes).map(Value::String)
    }

    fn list(&mut self, len: usize, element: &Type, depth: usize) -> Result<Value, DecodeError> {
        self.elements(len, |_| element, depth).map(Value::List)
    }

    fn set(&mut self, len: usize, element: &Type, depth: usize) -> Result<Value, DecodeError> {
        self.elements(len, |_| element, depth).map(Value::Set)
    }

    fn tuple(&mut self, len: usize, elements: &[Type], depth: usize) -> Result<Value, DecodeError> {
        if len != elements.len() {
            return Err(self.fail(DecodeErrorKind::TupleLength {
                expected: elements.len(),
                found: len,
            }));
        }
        self.elements(len, |index| &elements[index], depth).map(Value::Tuple)
    }

    fn number(&self, item: Item<'_>) -> Result<Value, DecodeError> {
        let number = match item {
            Item::Int(value) => Number::from_i64(value),
            Item::UInt(value) => Number::from_u64(value),
            Item::Float(value) => {
                Number::try_from(value).map_err(|error| self.fail(DecodeErrorKind::InvalidNumber(error)))?
            }
            // Numbers no int or float holds exactly arrive as decimal text.
            Item::Str(bytes) | Item::Bin(bytes) => {
                Number::parse(&self.text(bytes)?).map_err(|error| self.fail(DecodeErrorKind::InvalidNumber(error)))?
            }
            found => return Err(self.expected(&Type::Number, found)),
        };
        Ok(Value::Number(number))
    }

    fn text(&self, bytes: &[u8]) -> Result<String, DecodeError> {
        String::from_utf8(bytes.to_vec()).map_err(|_| self.fail(DecodeErrorKind::InvalidUtf8))
    }

    /// A map key or attribute name: a string (or binary holding UTF-8).
    fn key(&mut self) -> Result<String, DecodeError> {
        match self.next_item()? {
            Item::Str(bytes) | Item::Bin(bytes) => self.text(bytes),
            found => Err(self.fail(DecodeErrorKind::Expected {
                expected: "a string key".to_owned(),
                found: found.kind_name(),
            })),
        }
    }

    fn elements<'t>(
        &mut self,
        len: usize,
        element_type: impl Fn(usize) -> &'t Type,
        depth: usize,
    ) -> Result<Vec<Value>, DecodeError> {
        let mut values = Vec::with_capacity(self.capacity_for(len));
        for index in 0..len {
            self.path.push(PathStep::Index(index));
            values.push(self.value(element_type(index), depth + 1)?);
            self.path.pop();
        }
        Ok(values)
    }

    fn map(&mut self, len: usize, element: &Type, depth: usize) -> Result<Value, DecodeError> {
        let mut entries = BTreeMap::new();
        for _ in 0..len {
            let key = self.key()?;
            if entries.contains_key(&key) {
                return Err(self.fail(DecodeErrorKind::DuplicateKey(key)));
            }
            self.path.push(PathStep::Key(key.clone()));
            let value = self.value(element, depth + 1)?;
            self.path.pop();
            entries.insert(key, value);
        }
        Ok(Value::Map(entries))
    }

    fn object(&mut self, len: usize, object: &ObjectType, depth: usize) -> Result<Value, DecodeError> {
        let mut attributes = BTreeMap::new();
        for _ in 0..len {
            let name = self.key()?;
            let Some(attribute_type) = object.attributes.get(&name) else {
                return Err(self.fail(DecodeErrorKind::UnsupportedAttribute(name)));
            };
            if attributes.contains_key(&name) {
                return Err(self.fail(DecodeErrorKind::DuplicateKey(name)));
            }
            self.path.push(PathStep::Attribute(name.clone()));
            let value = self.value(attribute_type, depth + 1)?;
            self.path.pop();
            attributes.insert(name, value);
        }
        for name in object.attributes.keys() {
            attributes.entry(name.clone()).or_insert(Value::Null);
        }
        Ok(Value::Object(attributes))
    }

    /// `[type JSON, value]`: go-cty writes the type as binary; a string is
    /// accepted too.
    fn dynamic(&mut self, len: usize, depth: usize) -> Result<Value, DecodeError> {
        if len != 2 {
            return Err(self.fail(DecodeErrorKind::DynamicArity(len)));
        }
        let type_json = match self.next_item()? {
            Item::Bin(bytes) | Item::Str(bytes) => bytes,
            found => {
                return Err(self.fail(DecodeErrorKind::Expected {
                    expected: "type JSON".to_owned(),
                    found: found.kind_name(),
                }))
            }
        };
        let ty = Type::from_json(type_json).map_err(|error| self.fail(DecodeErrorKind::DynamicType(error)))?;
        let value = self.value(&ty, depth + 1)?;
        Ok(Value::wrap_dynamic(ty, value))
    }
}
