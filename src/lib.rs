//! terraform-provider-sqlalchemy: a Terraform provider (and CLI) that manages
//! SQL database schemas from SQLAlchemy models. See ARCHITECTURE.md.

pub mod cli;
pub mod engine;
pub mod exporter;
pub mod file_cache;
pub mod plugin;
pub mod provider;
pub mod tfproto;

/// This provider's version (Cargo.toml's): `--version` prints it, the plugin logs it at
/// startup, and a release archive and its binary are named after it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
