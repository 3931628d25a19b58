//! `migrate validate`: the sum file matches, and every file replays.

use std::process::ExitCode;

use clap::Args;

use super::{dialect_of, DirArgs, ScratchArgs};
use crate::engine::migrate::{self, Inspect, TxMode};

#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  terraform-provider-sqlalchemy migrate validate --dir migrations --dialect sqlite\n\n\
    Exit code 0 when tfalchemy.sum matches and every file replays in a scratch database, 1 otherwise."
)]
pub struct ValidateArgs {
    #[command(flatten)]
    dir: DirArgs,
    /// sqlite, postgresql, mysql or mariadb (else the dev database's).
    #[arg(long)]
    dialect: Option<String>,
    #[command(flatten)]
    scratch: ScratchArgs,
}

pub async fn run(args: ValidateArgs) -> Result<ExitCode, String> {
    let dev = args.scratch.dev()?;
    let dialect = dialect_of(args.dialect.as_deref(), &[dev.as_ref()])?;
    let directory = args.dir.read()?;
    migrate::verify_sum(&directory).map_err(|e| e.to_string())?;
    let replay = migrate::replay(dialect, None, dev.as_ref(), &directory.files, Inspect::Last)
        .await
        .map_err(|e| e.to_string())?;
    let files = replay.files.clone();
    replay.complete().map_err(|e| e.to_string())?;
    let transactional_ddl = crate::engine::capabilities_of(dialect).transactional_ddl;
    for (file, replayed) in directory.files.iter().zip(&files) {
        crate::engine::migrate::check_transactions(&file.file_name, replayed, TxMode::File, transactional_ddl)
            .map_err(|e| e.to_string())?;
    }
    eprintln!(
        "{}: tfalchemy.sum matches and all {} file(s) replay.",
        directory.path.display(),
        directory.files.len()
    );
    Ok(ExitCode::SUCCESS)
}
