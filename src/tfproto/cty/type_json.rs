//! Terraform's JSON notation for types: `"string"`, `["list","string"]`,
//! `["object",{"a":"number"},["a"]]` (the third element lists optional
//! attributes), `["tuple",["bool"]]`, `"dynamic"`. Schemas and dynamic
//! values both use it.

use std::collections::{BTreeMap, BTreeSet};

use super::json::parser::{self, JsonNode};
use super::json::writer::write_string;
use super::types::{ObjectType, Type};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TypeError {
    #[error("invalid JSON at byte {offset}: {message}")]
    Json { offset: usize, message: &'static str },
    #[error("a type must be a JSON string or array, found {0}")]
    NotAType(&'static str),
    #[error("unknown primitive type {0:?}")]
    UnknownPrimitive(String),
    #[error("unknown type kind {0:?}")]
    UnknownKind(String),
    #[error("malformed {kind} type: {problem}")]
    Malformed { kind: &'static str, problem: &'static str },
    #[error("attribute {0:?} appears more than once")]
    DuplicateAttribute(String),
    #[error("optional attribute {0:?} is not an attribute of the object")]
    UnknownOptional(String),
}

impl Type {
    /// Reads a type from Terraform's JSON type notation.
    pub fn from_json(bytes: &[u8]) -> Result<Type, TypeError> {
        let node = parser::parse(bytes).map_err(|error| TypeError::Json {
            offset: error.offset,
            message: error.message,
        })?;
        type_from_node(&node)
    }

    /// Writes the type in Terraform's JSON type notation, compactly and with
    /// object attributes in sorted order, as go-cty does.
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = Vec::new();
        write_type(self, &mut out);
        out
    }
}

/// A type already parsed as JSON, such as one inside a dynamic value.
pub(crate) fn type_from_node(node: &JsonNode) -> Result<Type, TypeError> {
    match node {
        JsonNode::String(name) => match name.as_str() {
            "bool" => Ok(Type::Bool),
            "number" => Ok(Type::Number),
            "string" => Ok(Type::String),
            "dynamic" => Ok(Type::Dynamic),
            _ => Err(TypeError::UnknownPrimitive(name.clone())),
        },
        JsonNode::Array(items) => composite_type(items),
        other => Err(TypeError::NotAType(other.kind_name())),
    }
}

fn composite_type(items: &[JsonNode]) -> Result<Type, TypeError> {
    let Some((JsonNode::String(kind), arguments)) = items.split_first() else {
        return Err(TypeError::Malformed {
            kind: "composite",
            problem: "the first element must name the kind",
        });
    };
    match (kind.as_str(), arguments) {
        ("list", [element]) => Ok(Type::list(type_from_node(element)?)),
        ("set", [element]) => Ok(Type::set(type_from_node(element)?)),
        ("map", [element]) => Ok(Type::map(type_from_node(element)?)),
        ("list" | "set" | "map", _) => Err(TypeError::Malformed {
            kind: "collection",
            problem: "expected exactly one element type",
        }),
        ("object", [attributes]) => object_type(attributes, None),
        ("object", [attributes, optional]) => object_type(attributes, Some(optional)),
        ("object", _) => Err(TypeError::Malformed {
            kind: "object",
            problem: "expected attributes and an optional list of optional attributes",
        }),
        ("tuple", [JsonNode::Array(elements)]) => Ok(Type::Tuple(
            elements.iter().map(type_from_node).collect::<Result<_, _>>()?,
        )),
        ("tuple", _) => Err(TypeError::Malformed {
            kind: "tuple",
            problem: "expected one array of element types",
        }),
        (other, _) => Err(TypeError::UnknownKind(other.to_owned())),
    }
}

fn object_type(attributes: &JsonNode, optional: Option<&JsonNode>) -> Result<Type, TypeError> {
    let JsonNode::Object(members) = attributes else {
        return Err(TypeError::Malformed {
            kind: "object",
            problem: "attributes must be a JSON object",
        });
    };
    let mut attribute_types = BTreeMap::new();
    for (name, node) in members {
        if attribute_types.insert(name.clone(), type_from_node(node)?).is_some() {
            return Err(TypeError::DuplicateAttribute(name.clone()));
        }
    }
    let mut optional_names = BTreeSet::new();
    if let Some(optional) = optional {
        let JsonNode::Array(names) = optional else {
            return Err(TypeError::Malformed {
                kind: "object",
                problem: "optional attributes must be a JSON array of names",
            });
        };
        for name in names {
            let JsonNode::String(name) = name else {
                return Err(TypeError::Malformed {
                    kind: "object",
                    problem: "optional attributes must be a JSON array of names",
                });
            };
            if !attribute_types.contains_key(name) {
                return Err(TypeError::UnknownOptional(name.clone()));
            }
            optional_names.insert(name.clone());
        }
    }
    Ok(Type::Object(ObjectType {
        attributes: attribute_types,
        optional: optional_names,
    }))
}

fn write_type(ty: &Type, out: &mut Vec<u8>) {
    match ty {
        Type::Bool => out.extend_from_slice(b"\"bool\""),
        Type::Number => out.extend_from_slice(b"\"number\""),
        Type::String => out.extend_from_slice(b"\"string\""),
        Type::Dynamic => out.extend_from_slice(b"\"dynamic\""),
        Type::List(element) => write_collection(b"[\"list\",", element, out),
        Type::Set(element) => write_collection(b"[\"set\",", element, out),
        Type::Map(element) => write_collection(b"[\"map\",", element, out),
        Type::Object(object) => {
            out.extend_from_slice(b"[\"object\",{");
            for (index, (name, attribute)) in object.attributes.iter().enumerate() {
                if index > 0 {
                    out.push(b',');
                }
                write_string(out, name);
                out.push(b':');
                write_type(attribute, out);
            }
            out.push(b'}');
            if !object.optional.is_empty() {
                out.extend_from_slice(b",[");
                for (index, name) in object.optional.iter().enumerate() {
                    if index > 0 {
                        out.push(b',');
                    }
                    write_string(out, name);
                }
                out.push(b']');
            }
            out.push(b']');
        }
        Type::Tuple(elements) => {
            out.extend_from_slice(b"[\"tuple\",[");
            for (index, element) in elements.iter().enumerate() {
                if index > 0 {
                    out.push(b',');
                }
                write_type(element, out);
            }
            out.extend_from_slice(b"]]");
        }
    }
}

fn write_collection(prefix: &[u8], element: &Type, out: &mut Vec<u8>) {
    out.extend_from_slice(prefix);
    write_type(element, out);
    out.push(b']');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(ty: &Type) -> String {
        String::from_utf8_lossy(&ty.to_json()).into_owned()
    }

    #[test]
    fn writes_go_cty_notation() {
        assert_eq!(json(&Type::String), r#""string""#);
        assert_eq!(
            json(&Type::list(Type::set(Type::Dynamic))),
            r#"["list",["set","dynamic"]]"#
        );
        let object =
            Type::Object(ObjectType::new([("b", Type::Number), ("a", Type::map(Type::Bool))]).with_optional(["b"]));
        assert_eq!(json(&object), r#"["object",{"a":["map","bool"],"b":"number"},["b"]]"#);
        assert_eq!(json(&Type::Object(ObjectType::default())), r#"["object",{}]"#);
        assert_eq!(
            json(&Type::tuple([Type::Bool, Type::String])),
            r#"["tuple",["bool","string"]]"#
        );
    }

    #[test]
    fn reads_go_cty_notation() {
        let parsed = Type::from_json(br#" ["object", {"a": "number", "b": ["tuple", []]}, ["a"]] "#);
        let expected =
            Type::Object(ObjectType::new([("a", Type::Number), ("b", Type::tuple([]))]).with_optional(["a"]));
        assert_eq!(parsed, Ok(expected));
        assert_eq!(Type::from_json(br#""dynamic""#), Ok(Type::Dynamic));
    }

    #[test]
    fn rejects_malformed_types() {
        let cases: [(&[u8], TypeError); 8] = [
            (b"\"text\"", TypeError::UnknownPrimitive("text".into())),
            (b"[\"vector\",\"string\"]", TypeError::UnknownKind("vector".into())),
            (b"42", TypeError::NotAType("JSON number")),
            (
                b"[\"object\",{\"a\":\"bool\"},[\"b\"]]",
                TypeError::UnknownOptional("b".into()),
            ),
            (
                b"[\"object\",{\"a\":\"bool\",\"a\":\"bool\"}]",
                TypeError::DuplicateAttribute("a".into()),
            ),
            (
                b"[\"list\"]",
                TypeError::Malformed {
                    kind: "collection",
                    problem: "expected exactly one element type",
                },
            ),
            (
                b"[]",
                TypeError::Malformed {
                    kind: "composite",
                    problem: "the first element must name the kind",
                },
            ),
            (
                b"\"string",
                TypeError::Json {
                    offset: 7,
                    message: "unterminated string",
                },
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(Type::from_json(input), Err(expected), "{input:?}");
        }
    }
}
