//! `migrate diff NAME`: write the next migration file from the models.

use std::process::ExitCode;

use clap::Args;

use super::desired::DesiredArgs;
use super::{dialect_of, parse_version, DirArgs, ScratchArgs};
use crate::engine::migrate::{self, DiffOutcome, DiffRequest};

#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  terraform-provider-sqlalchemy migrate diff add_posts --dir migrations \\\n    \
    --models app.models --python .venv/bin/python --dialect postgresql \\\n    --dev-url postgresql://app@localhost/app_dev\n\n\
    Writes migrations/<UTC time>_add_posts.sql and updates migrations/tfalchemy.sum. When the directory\n\
    already creates what the models describe, says so and writes nothing (exit 0)."
)]
pub struct DiffArgs {
    /// The new file's name: `<version>_<NAME>.sql`.
    name: String,
    #[command(flatten)]
    dir: DirArgs,
    #[command(flatten)]
    desired: DesiredArgs,
    /// sqlite, postgresql, mysql or mariadb (else the dev database's).
    #[arg(long)]
    dialect: Option<String>,
    #[command(flatten)]
    scratch: ScratchArgs,
    /// The new file's version (digits); by default the UTC time, YYYYMMDDHHMMSS.
    #[arg(long)]
    version: Option<String>,
}

pub async fn run(args: DiffArgs) -> Result<ExitCode, String> {
    let dev = args.scratch.dev()?;
    let dialect = dialect_of(args.dialect.as_deref(), &[dev.as_ref()])?;
    if !args.desired.given() {
        return Err("give the desired schema: --models, --path or --desired".to_string());
    }
    let version = args.version.as_deref().map(parse_version).transpose()?;
    let directory = args.dir.read_or_create()?;
    let desired_sql = args.desired.sql(dialect).await?;
    let request = DiffRequest {
        dialect,
        dev: dev.as_ref(),
        target: None,
        desired_sql: &desired_sql,
        name: &args.name,
        version,
    };
    match migrate::diff(&directory, &request).await.map_err(|e| e.to_string())? {
        DiffOutcome::NoChanges => {
            eprintln!(
                "No changes: the migrations in {} already create the desired schema; nothing was written.",
                directory.path.display()
            );
        }
        DiffOutcome::Written { file, statements } => {
            let hazards = statements.iter().map(|s| s.hazards.len()).sum::<usize>();
            println!("{}", directory.path.join(&file.file_name).display());
            eprintln!(
                "Wrote {} ({} statement(s), {hazards} hazard(s)); review it before it is applied.",
                file.file_name,
                statements.len()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
