//! The command-line interface: the same engine as the provider, for CI jobs
//! without Terraform and for debugging. Thin: parse flags, call the engine,
//! print. Exit codes follow `terraform plan -detailed-exitcode`.

mod apply;
mod export;
mod inspect;
mod migrate;
mod output;
mod plan;
mod policy;
mod saved_plan;
mod source;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::engine::DatabaseUrl;

/// Manage SQL database schemas from SQLAlchemy models or DDL.
///
/// Run by Terraform, this binary is the `tfalchemy/sqlalchemy` provider;
/// run by hand, it is this CLI.
#[derive(Debug, Parser)]
#[command(name = "terraform-provider-sqlalchemy", version, about, long_about)]
struct Cli {
    /// Log what the engine does on stderr (RUST_LOG or TFALCHEMY_LOG, when
    /// set, choose the levels instead).
    #[arg(long, short, global = true)]
    verbose: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the DDL SQLAlchemy creates for a models module, for one dialect.
    Export(export::ExportArgs),
    /// Print the live schema as normalized DDL.
    Inspect(inspect::InspectArgs),
    /// Print the SQL that brings the database to the desired schema.
    /// Exit code: 0 no changes, 2 changes, 1 error.
    Plan(plan::PlanArgs),
    /// Run the SQL that brings the database to the desired schema, or a plan
    /// saved by `plan --out`.
    Apply(apply::ApplyArgs),
    /// Versioned migrations: reviewed SQL files applied in order.
    /// Exit code: 0 ok, 2 findings or pending migrations, 1 error.
    #[command(subcommand)]
    Migrate(migrate::MigrateCommand),
}

/// The database to work on.
#[derive(Debug, Args)]
struct DatabaseArgs {
    /// Database URL (SQLAlchemy or plain form). Prefer the environment
    /// variable for URLs with passwords: command lines are visible to other users.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    url: String,
}

/// The desired schema and where to normalize it.
#[derive(Debug, Args)]
struct DesiredArgs {
    /// File with the desired schema as DDL; `-` reads standard input.
    #[arg(long, value_name = "FILE")]
    desired: String,
    /// Scratch database used to normalize the desired schema (may be wiped).
    #[arg(long, env = "DEV_DATABASE_URL", hide_env_values = true)]
    dev_url: Option<String>,
}

/// Exit codes of the CLI.
const EXIT_ERROR: u8 = 1;
const EXIT_CHANGES: u8 = 2;

/// Run the CLI with these arguments (the first is the program name).
pub fn run(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => {
            // Help and version are "errors" to clap but successes to the user.
            let _ = err.print();
            return if err.use_stderr() {
                ExitCode::from(EXIT_ERROR)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    init_logging(cli.verbose);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    crate::engine::keep_scratch_databases();
    let outcome = runtime.block_on(async {
        let command = async {
            match cli.command {
                Command::Export(args) => export::run(args).await,
                Command::Inspect(args) => inspect::run(args).await,
                Command::Plan(args) => plan::run(args).await,
                Command::Apply(args) => apply::run(args).await,
                Command::Migrate(command) => migrate::run(command).await,
            }
        };
        // Ctrl-C drops the command (an open transaction rolls back) and
        // still cleans up below.
        let outcome = tokio::select! {
            outcome = command => outcome,
            _ = tokio::signal::ctrl_c() => Err("interrupted (Ctrl-C); an open transaction was rolled back".to_string()),
        };
        for error in crate::engine::release_scratch_databases().await {
            eprintln!("warning: {error}");
        }
        outcome
    });
    match outcome {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// `--url`: a database whose schema is read or managed, so not an in-memory one.
fn parse_url(text: &str) -> Result<DatabaseUrl, String> {
    DatabaseUrl::parse(text)
        .and_then(|url| url.check_manageable().map(|()| url))
        .map_err(|err| format!("--url: {err}"))
}

/// `--dev-url`: any database, a private in-memory one included.
fn parse_dev_url(text: &str) -> Result<DatabaseUrl, String> {
    DatabaseUrl::parse(text).map_err(|err| format!("--dev-url: {err}"))
}

/// Human-readable logs on stderr: warnings only, and none from sqlx (its
/// connection chatter and server notices are not the user's business),
/// unless `--verbose`, `RUST_LOG` or `TFALCHEMY_LOG` asks for more.
fn init_logging(verbose: bool) {
    let from_env = ["TFALCHEMY_LOG", "RUST_LOG"]
        .into_iter()
        .find_map(|name| tracing_subscriber::EnvFilter::try_from_env(name).ok());
    let filter =
        from_env.unwrap_or_else(|| tracing_subscriber::EnvFilter::new(if verbose { "info" } else { "warn,sqlx=off" }));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
