//! Terraform's wire vocabulary: the generated tfplugin6 and go-plugin types,
//! the cty type system and its value codecs, and schema declarations.
//! Nothing in here knows about databases.

/// Generated from `proto/tfplugin6.proto`.
#[allow(clippy::all, missing_docs)]
pub mod tfplugin6 {
    tonic::include_proto!("tfplugin6");
}

/// Generated from `proto/go_plugin.proto`.
#[allow(clippy::all, missing_docs)]
pub mod go_plugin {
    tonic::include_proto!("plugin");
}

pub mod diagnostics;

pub mod cty;
pub mod schema;
