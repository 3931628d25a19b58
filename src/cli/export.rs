//! `export`: SQLAlchemy models → DDL on standard output, as the
//! `sqlalchemy_models` data source computes it.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::exporter::{self, CacheMode, ExportRequest, ModelSource, DEFAULT_PYTHON};

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  terraform-provider-sqlalchemy export --module app.models --dialect postgresql --working-dir .
  terraform-provider-sqlalchemy export --path app/models.py --dialect sqlite --python .venv/bin/python")]
#[command(group = clap::ArgGroup::new("models").required(true).args(["module", "path"]))]
pub struct ExportArgs {
    /// Importable module or package holding the models, such as `app.models`.
    #[arg(long)]
    module: Option<String>,
    /// A model file, or a directory of model files imported as a package.
    #[arg(long)]
    path: Option<PathBuf>,
    /// Dialect to export for: postgresql, mysql, mariadb or sqlite.
    #[arg(long)]
    dialect: String,
    /// The Python interpreter that has SQLAlchemy and the application's dependencies.
    #[arg(long, default_value = DEFAULT_PYTHON)]
    python: String,
    /// Directory the interpreter runs in, first on `sys.path`.
    #[arg(long)]
    working_dir: Option<PathBuf>,
    /// Extra `sys.path` entries (repeatable).
    #[arg(long = "python-path")]
    python_path: Vec<PathBuf>,
    /// Do not reuse or store cached exports.
    #[arg(long)]
    no_cache: bool,
}

pub async fn run(args: ExportArgs) -> Result<ExitCode, String> {
    let source = match (args.module, args.path) {
        (Some(module), _) => ModelSource::Module(module),
        (None, Some(path)) => ModelSource::Path(path),
        (None, None) => return Err("set --module or --path".into()),
    };
    let mut request = ExportRequest::new(source, args.dialect);
    request.python = args.python;
    request.working_dir = args.working_dir;
    request.python_path = args.python_path;
    if args.no_cache {
        request.cache = CacheMode::Disabled;
    }
    let export = exporter::export(&request).await.map_err(|err| err.to_string())?;
    for warning in &export.warnings {
        eprintln!("warning: {warning}");
    }
    for duplicate in &export.duplicates {
        eprintln!("warning: {duplicate}");
    }
    super::output::out(&export.sql);
    Ok(ExitCode::SUCCESS)
}
