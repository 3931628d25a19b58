//! The desired schema of `diff` and `lint`: the models (exported with the
//! user's Python) or a DDL file.

use std::path::PathBuf;

use clap::Args;

use crate::cli::source::read_desired;
use crate::engine::Dialect;
use crate::exporter::{self, ExportRequest, ModelSource, DEFAULT_PYTHON};

#[derive(Debug, Args)]
pub struct DesiredArgs {
    /// Importable module holding the SQLAlchemy models, such as `app.models`.
    #[arg(long, value_name = "MODULE")]
    models: Option<String>,
    /// A model file, or a directory of model files imported as a package.
    #[arg(long, value_name = "PATH")]
    path: Option<PathBuf>,
    /// A file with the desired schema as DDL (`-`: standard input).
    #[arg(long, value_name = "FILE")]
    desired: Option<String>,
    /// The Python interpreter with SQLAlchemy and the application's dependencies.
    #[arg(long, default_value = DEFAULT_PYTHON)]
    python: String,
}

impl DesiredArgs {
    pub fn given(&self) -> bool {
        self.models.is_some() || self.path.is_some() || self.desired.is_some()
    }

    /// The desired DDL for `dialect`.
    pub async fn sql(&self, dialect: Dialect) -> Result<String, String> {
        let source = match (&self.models, &self.path, &self.desired) {
            (Some(module), None, None) => ModelSource::Module(module.clone()),
            (None, Some(path), None) => ModelSource::Path(path.clone()),
            (None, None, Some(file)) => return read_desired(file),
            _ => return Err("give exactly one of --models, --path and --desired".to_string()),
        };
        let name = dialect.sqlalchemy_name();
        let mut request = ExportRequest::new(source, name);
        request.python = self.python.clone();
        let export = exporter::export(&request).await.map_err(|e| e.to_string())?;
        for warning in export.warnings.iter() {
            eprintln!("warning: {warning}");
        }
        for duplicate in &export.duplicates {
            eprintln!("warning: {duplicate}");
        }
        Ok(export.sql)
    }
}
