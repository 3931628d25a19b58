//! The provider layer: maps Terraform's resources and data sources onto the engine.

use crate::tfproto::tfplugin6::provider_server::Provider;

/// The `sqlalchemy` provider, served to Terraform over tfplugin6.
#[derive(Debug, Default)]
pub struct SqlalchemyProvider {}

impl SqlalchemyProvider {
    pub fn new() -> Self {
        Self::default()
    }
}

#[tonic::async_trait]
impl Provider for SqlalchemyProvider {}
