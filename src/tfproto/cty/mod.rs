//! Terraform's type system (cty) and the two wire forms its values take.
//!
//! Terraform hands every configuration, plan and state to a provider as a
//! `DynamicValue`: msgpack for live values (which may hold unknowns) and JSON
//! for stored state (which never does). Both encodings carry no type
//! information of their own except for the `dynamic` pseudo-type, so every
//! decode and encode is driven by the schema [`Type`].
//!
//! The codecs follow go-cty, the library Terraform itself uses:
//! unknown values are msgpack extension values (any extension code, including
//! Terraform 1.3+ refined unknowns, reads as [`Value::Unknown`]); values of
//! `dynamic` type travel with their concrete type as `[type JSON, value]` in
//! msgpack and `{"value": …, "type": …}` in JSON; numbers that fit neither an
//! integer nor a float exactly travel as decimal strings.

mod error;
mod json;
mod msgpack;
mod number;
mod path;
mod type_json;
mod types;
mod value;

pub use error::{DecodeError, DecodeErrorKind, EncodeError, EncodeErrorKind};
pub use number::{Number, NumberError};
pub use path::{Path, PathStep};
pub use type_json::TypeError;
pub use types::{ObjectType, Type};
pub use value::Value;

/// How deeply values (and type descriptions) may nest before the codecs give
/// up, so hostile input cannot exhaust the stack. Real schemas nest a handful
/// of levels; at this limit an unoptimised build's decoder needs well under
/// 1 MiB of stack, within the 2 MiB of a tokio worker or test thread.
pub const MAX_DEPTH: usize = 256;
