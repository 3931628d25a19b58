//! `migrate`: versioned migrations. Files are written from the models
//! (`diff`) or by hand (`new`), reviewed, pinned by `tfalchemy.sum` (`hash`),
//! checked (`validate`, `lint`) and applied in order (`apply`), each
//! recorded in the database's revisions table (`status`). `baseline` adopts
//! a database that already has a schema.
//!
//! Exit codes: 0 success (or nothing to do), 1 error, 2 something to look
//! at: `lint` found something, `status` and `apply --dry-run` have pending
//! migrations.

mod apply;
mod baseline;
mod desired;
mod diff;
mod hash;
mod lint;
mod new;
mod output;
mod status;
mod validate;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};

use crate::engine::migrate::{Directory, RevisionsTable, Version};
use crate::engine::{self, DatabaseUrl, Dialect};

/// Exit code for findings (`lint`) and pending migrations (`status`, `apply --dry-run`).
pub const EXIT_ATTENTION: u8 = 2;

#[derive(Debug, Subcommand)]
pub enum MigrateCommand {
    /// Write the next migration file: what the models add to what the directory creates.
    Diff(diff::DiffArgs),
    /// Write an empty migration file for statements written by hand.
    New(new::NewArgs),
    /// Rewrite tfalchemy.sum after files were edited, added or removed on purpose.
    Hash(hash::HashArgs),
    /// Check tfalchemy.sum and that every file replays in a scratch database.
    Validate(validate::ValidateArgs),
    /// Report what each migration risks (hazard codes), and files that fail to replay.
    Lint(lint::LintArgs),
    /// Show which migrations a database has applied and which are pending.
    Status(status::StatusArgs),
    /// Apply the pending migrations to a database.
    Apply(apply::ApplyArgs),
    /// Adopt a database that already has a schema: its schema becomes the first migration.
    Baseline(baseline::BaselineArgs),
}

pub async fn run(command: MigrateCommand) -> Result<ExitCode, String> {
    match command {
        MigrateCommand::Diff(args) => diff::run(args).await,
        MigrateCommand::New(args) => new::run(args),
        MigrateCommand::Hash(args) => hash::run(args),
        MigrateCommand::Validate(args) => validate::run(args).await,
        MigrateCommand::Lint(args) => lint::run(args).await,
        MigrateCommand::Status(args) => status::run(args).await,
        MigrateCommand::Apply(args) => apply::run(args).await,
        MigrateCommand::Baseline(args) => baseline::run(args).await,
    }
}

/// The migration directory.
#[derive(Debug, Args)]
pub struct DirArgs {
    /// The migration directory.
    #[arg(long, default_value = "migrations")]
    dir: PathBuf,
}

impl DirArgs {
    fn read(&self) -> Result<Directory, String> {
        Directory::read(&self.dir).map_err(|e| e.to_string())
    }

    /// Creates the directory if it does not exist (for commands that write files).
    fn read_or_create(&self) -> Result<Directory, String> {
        if !self.dir.exists() {
            std::fs::create_dir_all(&self.dir).map_err(|e| format!("cannot create {}: {e}", self.dir.display()))?;
        }
        self.read()
    }
}

/// The revisions table's name.
#[derive(Debug, Args)]
pub struct TableArgs {
    /// Where applied migrations are recorded: `name` or `schema.name`.
    #[arg(long, default_value = crate::engine::bookkeeping::REVISIONS_TABLE)]
    revisions_table: String,
}

impl TableArgs {
    fn table(&self) -> Result<RevisionsTable, String> {
        RevisionsTable::parse(&self.revisions_table).map_err(|e| format!("--revisions-table: {e}"))
    }
}

/// The scratch database migrations replay in.
#[derive(Debug, Args)]
pub struct ScratchArgs {
    /// Scratch database the directory is replayed in (it must be empty; it is
    /// left as it was). PostgreSQL and MySQL/MariaDB need one, unless --url
    /// names a server to create a temporary database on; SQLite uses a
    /// private in-memory one.
    #[arg(long, env = "DEV_DATABASE_URL", hide_env_values = true)]
    dev_url: Option<String>,
}

impl ScratchArgs {
    fn dev(&self) -> Result<Option<DatabaseUrl>, String> {
        self.dev_url.as_deref().map(super::parse_dev_url).transpose()
    }
}

/// `--dialect`, as the exporter and the engine name it.
fn parse_dialect(text: &str) -> Result<Dialect, String> {
    match Dialect::from_name(text) {
        Some(dialect) if engine::is_supported(dialect) => Ok(dialect),
        _ => Err(format!(
            "--dialect: `{text}` is not sqlite, postgresql, mysql or mariadb"
        )),
    }
}

/// The dialect of the work: `--dialect`, else the URL's, else the dev URL's.
fn dialect_of(dialect: Option<&str>, urls: &[Option<&DatabaseUrl>]) -> Result<Dialect, String> {
    if let Some(text) = dialect {
        return parse_dialect(text);
    }
    urls.iter()
        .flatten()
        .map(|u| u.dialect())
        .next()
        .ok_or_else(|| "set --dialect (sqlite, postgresql, mysql or mariadb)".to_string())
}

fn parse_version(text: &str) -> Result<Version, String> {
    Version::parse(text).ok_or_else(|| format!("--version: `{text}` is not a version (digits only)"))
}
