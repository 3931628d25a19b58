//! The cty type system: the shape a schema declares for each value.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// A cty type as Terraform describes it in schemas and dynamic values.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Type {
    Bool,
    Number,
    String,
    /// The "any type" placeholder; values of this type carry their concrete
    /// type with them on the wire (see [`crate::tfproto::cty::Value::Dynamic`]).
    Dynamic,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Object(ObjectType),
    Tuple(Vec<Type>),
}

/// The attributes of an object type. Optional attributes only matter when
/// Terraform converts configuration; on the wire every attribute is present.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ObjectType {
    pub attributes: BTreeMap<String, Type>,
    pub optional: BTreeSet<String>,
}

impl ObjectType {
    /// An object type whose attributes are all required.
    pub fn new(attributes: impl IntoIterator<Item = (impl Into<String>, Type)>) -> ObjectType {
        ObjectType {
            attributes: attributes.into_iter().map(|(name, ty)| (name.into(), ty)).collect(),
            optional: BTreeSet::new(),
        }
    }

    /// The same object type with the named attributes marked optional.
    pub fn with_optional(mut self, names: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.optional.extend(names.into_iter().map(Into::into));
        self
    }
}

impl Type {
    pub fn list(element: Type) -> Type {
        Type::List(Box::new(element))
    }

    pub fn set(element: Type) -> Type {
        Type::Set(Box::new(element))
    }

    pub fn map(element: Type) -> Type {
        Type::Map(Box::new(element))
    }

    /// An object type with only required attributes.
    pub fn object(attributes: impl IntoIterator<Item = (impl Into<String>, Type)>) -> Type {
        Type::Object(ObjectType::new(attributes))
    }

    pub fn tuple(elements: impl IntoIterator<Item = Type>) -> Type {
        Type::Tuple(elements.into_iter().collect())
    }

    /// The element type of a list, set or map.
    pub fn element_type(&self) -> Option<&Type> {
        match self {
            Type::List(element) | Type::Set(element) | Type::Map(element) => Some(element),
            _ => None,
        }
    }

    /// The attribute type of an object type.
    pub fn attribute_type(&self, name: &str) -> Option<&Type> {
        match self {
            Type::Object(object) => object.attributes.get(name),
            _ => None,
        }
    }
}

/// go-cty's "friendly name": how error messages name a type.
impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Bool => f.write_str("bool"),
            Type::Number => f.write_str("number"),
            Type::String => f.write_str("string"),
            Type::Dynamic => f.write_str("dynamic"),
            Type::List(element) => write!(f, "list of {element}"),
            Type::Set(element) => write!(f, "set of {element}"),
            Type::Map(element) => write!(f, "map of {element}"),
            Type::Object(_) => f.write_str("object"),
            Type::Tuple(_) => f.write_str("tuple"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn friendly_names_read_like_go_cty() {
        assert_eq!(Type::list(Type::map(Type::String)).to_string(), "list of map of string");
        assert_eq!(Type::object([("a", Type::Bool)]).to_string(), "object");
        assert_eq!(Type::tuple([Type::Number]).to_string(), "tuple");
    }

    #[test]
    fn accessors_reach_into_composite_types() {
        let ty = Type::object([("names", Type::set(Type::String))]);
        let names = ty.attribute_type("names");
        assert_eq!(names, Some(&Type::set(Type::String)));
        assert_eq!(names.and_then(Type::element_type), Some(&Type::String));
        assert_eq!(Type::String.element_type(), None);
    }
}
