//! terraform-provider-sqlalchemy: a Terraform provider (and CLI) that manages
//! SQL database schemas from SQLAlchemy models. See ARCHITECTURE.md.

pub mod provider;
pub mod tfproto;
