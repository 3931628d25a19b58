//! Managed resources of the provider.

pub mod migration;
pub mod schema;
mod schema_settings;
