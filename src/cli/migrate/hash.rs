//! `migrate hash`: rewrite tfalchemy.sum from the files as they are.

use std::process::ExitCode;

use clap::Args;

use super::DirArgs;
use crate::engine::migrate::Sum;

#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  terraform-provider-sqlalchemy migrate hash --dir migrations\n\n\
    Run it after editing a file that no database has applied yet. An apply refuses a file\n\
    whose checksum differs from the one recorded when it was applied, whatever the sum file says."
)]
pub struct HashArgs {
    #[command(flatten)]
    dir: DirArgs,
}

pub fn run(args: HashArgs) -> Result<ExitCode, String> {
    let directory = args.dir.read()?;
    let sum = Sum::write(&directory).map_err(|e| e.to_string())?;
    println!("{}", sum.total);
    eprintln!("Wrote tfalchemy.sum for {} file(s).", directory.files.len());
    Ok(ExitCode::SUCCESS)
}
