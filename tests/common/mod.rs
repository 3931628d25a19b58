//! Shared harness for the integration tests: finds Terraform, installs the
//! provider we just built into a private offline mirror, runs Terraform in
//! throwaway workspaces and inspects throwaway SQLite databases.
//!
//! Each integration test file pulls it in with `mod common;`, and no file uses
//! every helper, hence the crate-wide `dead_code` allowance below.
#![allow(dead_code)]

pub mod cli;
pub mod generated_schema;
pub mod hcl;
pub mod held_session;
pub mod mariadb_db;
pub mod output;
pub mod postgres_db;
pub mod processes;
pub mod provider_mirror;
pub mod python;
pub mod sqlite_db;
pub mod state_json;
pub mod terraform_binary;
pub mod unique_name;
pub mod workspace;

// The names most tests need; not every test file uses each of them.
#[allow(unused_imports)]
pub use hcl::{Config, ProviderBlock, SchemaBlock};
#[allow(unused_imports)]
pub use sqlite_db::SqliteDb;
#[allow(unused_imports)]
pub use workspace::Workspace;
