//! terraform-provider-sqlalchemy: decides what this process is for. Started by
//! Terraform (magic cookie set), it serves the provider; with `--debug`, it
//! serves for Terraform to reattach to; with other arguments, it is the CLI.

use std::ffi::OsString;
use std::process::ExitCode;
use std::time::Duration;

use tfalchemy::plugin::{self, PluginError};
use tfalchemy::provider::SqlalchemyProvider;

/// Blocking work still running when the server stops is abandoned after this.
const RUNTIME_SHUTDOWN_TIMEOUT: Duration = Duration::from_millis(200);

enum ServeMode {
    /// Started by Terraform: handshake on stdout, AutoMTLS.
    Terraform,
    /// `--debug`: print reattach instructions, serve until Ctrl-C.
    Debug,
}

fn main() -> ExitCode {
    one_malloc_arena();
    let args: Vec<OsString> = std::env::args_os().collect();
    // Only as the first argument, so a CLI subcommand may have its own `--debug`.
    if args.get(1).is_some_and(|arg| arg == "--debug") {
        serve(ServeMode::Debug)
    } else if plugin::launched_by_terraform() {
        serve(ServeMode::Terraform)
    } else if args.len() > 1 {
        run_cli(args)
    } else {
        report(&PluginError::NotLaunchedByTerraform)
    }
}

/// glibc gives each thread that allocates an arena of its own and keeps what
/// they free: the parser thread's few megabytes per script and the runtime's
/// workers' inspections added 15 MB to a 1,000-table apply's peak RSS (71 MB
/// against 56 MB with one arena, same time). A user's own `MALLOC_ARENA_MAX`
/// or `GLIBC_TUNABLES` wins.
fn one_malloc_arena() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() && std::env::var_os("GLIBC_TUNABLES").is_none() {
        // SAFETY: called first thing in main, before any other thread exists.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 1);
        }
    }
}

/// The one call into the command line interface.
fn run_cli(args: Vec<OsString>) -> ExitCode {
    tfalchemy::cli::run(args)
}

fn serve(mode: ServeMode) -> ExitCode {
    plugin::init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("Error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    tfalchemy::engine::keep_scratch_databases();
    let outcome = runtime.block_on(async {
        let served = match mode {
            ServeMode::Terraform => {
                let provider = SqlalchemyProvider::for_terraform_run(plugin::terraform_run());
                plugin::serve(provider).await
            }
            ServeMode::Debug => plugin::serve_debug(SqlalchemyProvider::new()).await,
        };
        for error in tfalchemy::engine::release_scratch_databases().await {
            tracing::warn!("{error}");
        }
        served
    });
    runtime.shutdown_timeout(RUNTIME_SHUTDOWN_TIMEOUT);
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => report(&err),
    }
}

/// Prints the error and its causes on stderr for a human; exit code 1.
fn report(err: &dyn std::error::Error) -> ExitCode {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    eprintln!("Error: {text}");
    ExitCode::FAILURE
}
