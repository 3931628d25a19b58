//! `migrate baseline`: adopt a database that already has a schema.

use std::process::ExitCode;

use clap::Args;

use super::{parse_version, DirArgs, ScratchArgs, TableArgs};
use crate::engine::migrate::{self, ApplySettings};

#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  DATABASE_URL=postgresql://app@db/app terraform-provider-sqlalchemy migrate baseline --dir migrations\n\n\
    Writes the live schema as the directory's first file, and records it as applied in that\n\
    database. Alembic's alembic_version table is recognised and left alone."
)]
pub struct BaselineArgs {
    #[command(flatten)]
    dir: DirArgs,
    /// The database to adopt.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    url: String,
    /// The file's name.
    #[arg(long, default_value = "baseline")]
    name: String,
    /// The file's version (digits); by default the UTC time.
    #[arg(long)]
    version: Option<String>,
    #[command(flatten)]
    table: TableArgs,
    #[command(flatten)]
    scratch: ScratchArgs,
}

pub async fn run(args: BaselineArgs) -> Result<ExitCode, String> {
    let url = super::super::parse_url(&args.url)?;
    let version = args.version.as_deref().map(parse_version).transpose()?;
    let directory = args.dir.read_or_create()?;
    let settings = ApplySettings {
        table: args.table.table()?,
        dev: args.scratch.dev()?,
        ..ApplySettings::default()
    };
    let report = migrate::baseline(&url, &directory, &settings, &args.name, version)
        .await
        .map_err(|e| e.to_string())?;
    println!("{}", directory.path.join(&report.file.file_name).display());
    if let Some(revisions) = &report.alembic {
        eprintln!(
            "Found Alembic's alembic_version (at {}); it is left alone.",
            if revisions.is_empty() {
                "no revision".to_string()
            } else {
                revisions.join(", ")
            }
        );
    }
    eprintln!(
        "Wrote {} from the schema of {} and recorded it as applied there.",
        report.file.file_name,
        url.redacted()
    );
    Ok(ExitCode::SUCCESS)
}
