//! Data sources of the provider.

pub mod migrations;
pub mod models;
