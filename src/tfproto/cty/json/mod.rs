//! cty values as JSON: the form Terraform stores state in.

mod decode;
mod encode;
pub(crate) mod parser;
pub(crate) mod writer;

pub(crate) use decode::decode;
pub(crate) use encode::encode;
