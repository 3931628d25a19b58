//! cty values as msgpack: the form Terraform sends live values in.

mod decode;
mod encode;
mod reader;
mod writer;

pub(crate) use decode::decode;
pub(crate) use encode::encode;
