//! Writing cty values as JSON, as go-cty's `ctyjson.Marshal` does: objects
//! list every attribute of their type (absent ones as null) in sorted order,
//! numbers are exact decimals, and dynamic values are
//! `{"value": …, "type": …}`.

use super::writer::write_string;
use crate::tfproto::cty::error::{EncodeError, EncodeErrorKind};
use crate::tfproto::cty::path::{Path, PathStep};
use crate::tfproto::cty::types::Type;
use crate::tfproto::cty::{Value, MAX_DEPTH};

pub(crate) fn encode(value: &Value, ty: &Type) -> Result<Vec<u8>, EncodeError> {
    let mut encoder = Encoder {
        out: Vec::new(),
        path: Path::root(),
    };
    encoder.value(value, ty, 0)?;
    Ok(encoder.out)
}

struct Encoder {
    out: Vec<u8>,
    path: Path,
}

impl Encoder {
    fn fail(&self, kind: EncodeErrorKind) -> EncodeError {
        EncodeError::new(&self.path, kind)
    }

    fn value(&mut self, value: &Value, ty: &Type, depth: usize) -> Result<(), EncodeError> {
        if depth > MAX_DEPTH {
            return Err(self.fail(EncodeErrorKind::TooDeep(MAX_DEPTH)));
        }
        match (value, ty) {
            (Value::Null, _) => self.out.extend_from_slice(b"null"),
            (Value::Unknown, _) => return Err(self.fail(EncodeErrorKind::UnknownInJson)),
            (Value::Dynamic(Type::Dynamic, _), Type::Dynamic) => {
                return Err(self.fail(EncodeErrorKind::DynamicOfDynamic))
            }
            (Value::Dynamic(concrete, inner), Type::Dynamic) => {
                self.out.extend_from_slice(b"{\"value\":");
                self.value(inner, concrete, depth + 1)?;
                self.out.extend_from_slice(b",\"type\":");
                self.out.extend_from_slice(&concrete.to_json());
                self.out.push(b'}');
            }
            (Value::Bool(flag), Type::Bool) => {
                let text: &[u8] = if *flag { b"true" } else { b"false" };
                self.out.extend_from_slice(text);
            }
            (Value::Number(number), Type::Number) => {
                if !number.is_finite() {
                    return Err(self.fail(EncodeErrorKind::NonFiniteInJson(number.to_string())));
                }
                self.out.extend_from_slice(number.to_string().as_bytes());
            }
            (Value::String(text), Type::String) => write_string(&mut self.out, text),
            (Value::List(items), Type::List(element)) | (Value::Set(items), Type::Set(element)) => {
                self.array(items, |_| element, depth)?
            }
            (Value::Tuple(items), Type::Tuple(elements)) => {
                if items.len() != elements.len() {
                    return Err(self.fail(EncodeErrorKind::TupleLength {
                        expected: elements.len(),
                        found: items.len(),
                    }));
                }
                self.array(items, |index| &elements[index], depth)?
            }
            (Value::Map(entries), Type::Map(element)) => {
                self.out.push(b'{');
                for (index, (key, entry)) in entries.iter().enumerate() {
                    if index > 0 {
                        self.out.push(b',');
                    }
                    write_string(&mut self.out, key);
                    self.out.push(b':');
                    self.path.push(PathStep::Key(key.clone()));
                    self.value(entry, element, depth + 1)?;
                    self.path.pop();
                }
                self.out.push(b'}');
            }
            (Value::Object(attributes), Type::Object(object)) => {
                if let Some(extra) = attributes.keys().find(|name| !object.attributes.contains_key(*name)) {
                    return Err(self.fail(EncodeErrorKind::UnsupportedAttribute(extra.clone())));
                }
                self.out.push(b'{');
                for (index, (name, attribute_type)) in object.attributes.iter().enumerate() {
                    if index > 0 {
                        self.out.push(b',');
                    }
                    write_string(&mut self.out, name);
                    self.out.push(b':');
                    self.path.push(PathStep::Attribute(name.clone()));
                    let attribute = attributes.get(name).unwrap_or(&Value::Null);
                    self.value(attribute, attribute_type, depth + 1)?;
                    self.path.pop();
                }
                self.out.push(b'}');
            }
            (value, ty) => {
                return Err(self.fail(EncodeErrorKind::TypeMismatch {
                    expected: ty.to_string(),
                    found: value.kind_name(),
                }))
            }
        }
        Ok(())
    }

    fn array<'t>(
        &mut self,
        items: &[Value],
        element_type: impl Fn(usize) -> &'t Type,
        depth: usize,
    ) -> Result<(), EncodeError> {
        self.out.push(b'[');
        for (index, item) in items.iter().enumerate() {
            if index > 0 {
                self.out.push(b',');
            }
            self.path.push(PathStep::Index(index));
            self.value(item, element_type(index), depth + 1)?;
            self.path.pop();
        }
        self.out.push(b']');
        Ok(())
    }
}
