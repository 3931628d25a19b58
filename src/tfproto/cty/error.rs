//! Typed codec errors. Each one says where in the value it happened and what
//! the schema expected there.

use super::number::NumberError;
use super::path::Path;
use super::type_json::TypeError;

/// A value could not be read from msgpack or JSON against the given type.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("at {path}: {kind}")]
pub struct DecodeError {
    pub path: Path,
    pub kind: DecodeErrorKind,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DecodeErrorKind {
    #[error("input ends in the middle of a value")]
    UnexpectedEnd,
    #[error("{0} bytes follow the value")]
    TrailingBytes(usize),
    #[error("expected {expected}, found {found}")]
    Expected { expected: String, found: &'static str },
    #[error("unsupported attribute {0:?}")]
    UnsupportedAttribute(String),
    #[error("key {0:?} appears more than once")]
    DuplicateKey(String),
    #[error("expected a tuple of {expected} elements, found {found}")]
    TupleLength { expected: usize, found: usize },
    #[error("a dynamic value must be a [type, value] array of 2 elements, found {0} elements")]
    DynamicArity(usize),
    #[error("a dynamic value must be an object with \"type\" and \"value\": {0}")]
    DynamicShape(&'static str),
    #[error("the type of a dynamic value is invalid: {0}")]
    DynamicType(TypeError),
    #[error("string is not valid UTF-8")]
    InvalidUtf8,
    #[error("invalid number: {0}")]
    InvalidNumber(NumberError),
    #[error("cannot convert {0:?} to bool")]
    InvalidBool(String),
    #[error("values nest more than {0} levels deep")]
    TooDeep(usize),
    #[error("invalid JSON at byte {offset}: {message}")]
    Json { offset: usize, message: &'static str },
}

impl DecodeError {
    pub(crate) fn new(path: &Path, kind: DecodeErrorKind) -> DecodeError {
        DecodeError {
            path: path.clone(),
            kind,
        }
    }
}

/// A value could not be written as msgpack or JSON for the given type.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("at {path}: {kind}")]
pub struct EncodeError {
    pub path: Path,
    pub kind: EncodeErrorKind,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EncodeErrorKind {
    #[error("a {found} value does not conform to type {expected}")]
    TypeMismatch { expected: String, found: &'static str },
    #[error("attribute {0:?} is not part of the object type")]
    UnsupportedAttribute(String),
    #[error("the tuple type has {expected} elements but the value has {found}")]
    TupleLength { expected: usize, found: usize },
    #[error("a dynamic value must name a concrete type, not dynamic")]
    DynamicOfDynamic,
    #[error("unknown values cannot be written as JSON")]
    UnknownInJson,
    #[error("the number {0} cannot be written as JSON")]
    NonFiniteInJson(String),
    #[error("values nest more than {0} levels deep")]
    TooDeep(usize),
    #[error("a length of {0} is more than msgpack can express")]
    TooLong(usize),
}

impl EncodeError {
    pub(crate) fn new(path: &Path, kind: EncodeErrorKind) -> EncodeError {
        EncodeError {
            path: path.clone(),
            kind,
        }
    }
}
