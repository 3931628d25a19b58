//! `migrate status`: what a database has applied, what is pending.

use std::process::ExitCode;

use clap::Args;

use super::{DirArgs, TableArgs, EXIT_ATTENTION};
use crate::engine::migrate;

#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  DATABASE_URL=postgresql://app@db/app terraform-provider-sqlalchemy migrate status --dir migrations\n\n\
    Exit code 0: up to date; 2: migrations pending; 1: error, or revisions that do not match the\n\
    directory (an applied file edited or deleted, a database ahead of the directory)."
)]
pub struct StatusArgs {
    #[command(flatten)]
    dir: DirArgs,
    /// The database.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    url: String,
    #[command(flatten)]
    table: TableArgs,
}

pub async fn run(args: StatusArgs) -> Result<ExitCode, String> {
    let url = super::super::parse_url(&args.url)?;
    let directory = args.dir.read()?;
    migrate::verify_sum(&directory).map_err(|e| e.to_string())?;
    let status = migrate::status(&url, &directory, &args.table.table()?)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "current: {}",
        status.current.as_ref().map_or("none".to_string(), |v| v.to_string())
    );
    for index in &status.pending {
        let file = &directory.files[*index];
        let note = match status.resume {
            Some((i, ran)) if i == *index => format!(" (stopped after statement {ran}; resumes there)"),
            _ => String::new(),
        };
        println!("pending: {}{note}", file.file_name);
    }
    status.check(&url).map_err(|e| e.to_string())?;
    if status.pending.is_empty() {
        eprintln!("{} is up to date with {}.", url.redacted(), directory.path.display());
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("{} migration(s) pending on {}.", status.pending.len(), url.redacted());
        Ok(ExitCode::from(EXIT_ATTENTION))
    }
}
