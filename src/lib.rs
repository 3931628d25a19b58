//! terraform-provider-sqlalchemy: a Terraform provider (and CLI) that manages
//! SQL database schemas from SQLAlchemy models. See ARCHITECTURE.md.

pub mod cli;
pub mod engine;
pub mod exporter;
pub mod file_cache;
pub mod plugin;
pub mod provider;
pub mod tfproto;
