//! The provider layer: maps Terraform's resources and data sources onto the
//! engine. It speaks cty values and diagnostics on one side and engine calls
//! on the other; the gRPC transport lives in `plugin`, the SQL in `engine`.

mod adoption;
mod cancel;
mod config;
mod data_sources;
mod dialect_marker;
mod errors;
mod field;
mod policy;
mod private;
mod resources;
mod rpc;
mod run_memo;
mod unmanaged;

use std::sync::RwLock;

pub use cancel::{Cancelled, Canceller};
pub use config::ProviderConfig;

/// What every handler may consult: the provider's configuration and the
/// cancellation switch that StopProvider flips.
#[derive(Debug, Default)]
pub struct Context {
    config: RwLock<ProviderConfig>,
    pub canceller: Canceller,
    /// The Terraform process this provider serves (see plugin/parent.rs);
    /// `None` when started by hand (debug mode), where runs cannot be told apart.
    pub terraform_run: Option<String>,
}

impl Context {
    pub fn provider_config(&self) -> ProviderConfig {
        self.config
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    fn configure(&self, config: ProviderConfig) {
        *self.config.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = config;
    }
}

/// The `sqlalchemy` provider, served to Terraform over tfplugin6.
#[derive(Debug, Default)]
pub struct SqlalchemyProvider {
    context: Context,
}

impl SqlalchemyProvider {
    pub fn new() -> Self {
        Self::default()
    }

    /// A provider serving the Terraform process named `run`.
    pub fn for_terraform_run(run: Option<String>) -> Self {
        let mut provider = Self::default();
        provider.context.terraform_run = run;
        provider
    }
}
