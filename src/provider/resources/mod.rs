//! Managed resources of the provider.

pub mod schema;
mod schema_settings;
