//! Managed resources of the provider.

pub mod schema;
