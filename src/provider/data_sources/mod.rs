//! Data sources of the provider.

pub mod models;
