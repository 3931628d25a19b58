//! `migrate new NAME`: an empty migration file for statements written by hand.

use std::process::ExitCode;

use clap::Args;

use super::{parse_version, DirArgs};
use crate::engine::migrate;

#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  terraform-provider-sqlalchemy migrate new backfill_emails --dir migrations\n\n\
    Writes migrations/<UTC time>_backfill_emails.sql with its header, and updates tfalchemy.sum.\n\
    After writing the statements, run `migrate hash`."
)]
pub struct NewArgs {
    /// The new file's name: `<version>_<NAME>.sql`.
    name: String,
    #[command(flatten)]
    dir: DirArgs,
    /// The new file's version (digits); by default the UTC time, YYYYMMDDHHMMSS.
    #[arg(long)]
    version: Option<String>,
}

pub fn run(args: NewArgs) -> Result<ExitCode, String> {
    let version = args.version.as_deref().map(parse_version).transpose()?;
    let directory = args.dir.read_or_create()?;
    let file = migrate::new_file(&directory, &args.name, version).map_err(|e| e.to_string())?;
    println!("{}", directory.path.join(&file.file_name).display());
    eprintln!(
        "Wrote {}; write its statements, then run `migrate hash`.",
        file.file_name
    );
    Ok(ExitCode::SUCCESS)
}
