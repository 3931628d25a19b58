//! `migrate lint`: what each migration risks, in the hazard codes of plans.

use std::process::ExitCode;

use clap::Args;

use super::desired::DesiredArgs;
use super::output::print_findings;
use super::{dialect_of, DirArgs, ScratchArgs, TableArgs, EXIT_ATTENTION};
use crate::engine::migrate::{self, DiffRequest, LintSettings};

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  terraform-provider-sqlalchemy migrate lint --dir migrations --dialect sqlite\n  \
    terraform-provider-sqlalchemy migrate lint --dir migrations --url \"$DATABASE_URL\" --models app.models\n\n\
    Prints one line per finding: `<file>: <code>: <message>`; codes are the hazard codes of plans\n\
    (drops_column, rewrites_table, …), `transaction`, `replay_fails` and `models_differ`.\n\
    With --url only the files pending there are linted, and data probes count the rows hazards would hit.\n\
    Exit code 0: nothing found; 2: findings; 1: error."
)]
pub struct LintArgs {
    #[command(flatten)]
    dir: DirArgs,
    /// sqlite, postgresql, mysql or mariadb (else the URL's).
    #[arg(long)]
    dialect: Option<String>,
    /// A database to probe: lint its pending files, and count what their hazards would hit.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    url: Option<String>,
    #[command(flatten)]
    table: TableArgs,
    #[command(flatten)]
    scratch: ScratchArgs,
    /// Also check that the directory creates what the models describe.
    #[command(flatten)]
    desired: DesiredArgs,
}

pub async fn run(args: LintArgs) -> Result<ExitCode, String> {
    let url = args.url.as_deref().map(super::super::parse_url).transpose()?;
    let dev = args.scratch.dev()?;
    let dialect = dialect_of(args.dialect.as_deref(), &[url.as_ref(), dev.as_ref()])?;
    let directory = args.dir.read()?;
    migrate::verify_sum(&directory).map_err(|e| e.to_string())?;
    let from = match &url {
        Some(url) => {
            let status = migrate::status(url, &directory, &args.table.table()?)
                .await
                .map_err(|e| e.to_string())?;
            status.check(url).map_err(|e| e.to_string())?;
            status.pending.first().copied().unwrap_or(directory.files.len())
        }
        None => 0,
    };
    let settings = LintSettings {
        dialect,
        dev: dev.as_ref(),
        probe_url: url.as_ref(),
        from,
    };
    let linted = migrate::lint(&directory, &settings).await.map_err(|e| e.to_string())?;
    let mut found = print_findings(&linted);
    if args.desired.given() {
        let desired_sql = args.desired.sql(dialect).await?;
        let request = DiffRequest {
            dialect,
            dev: dev.as_ref(),
            target: url.as_ref(),
            desired_sql: &desired_sql,
            name: "lint",
            version: None,
        };
        let (statements, _) = migrate::changes(&directory, &request)
            .await
            .map_err(|e| e.to_string())?;
        if !statements.is_empty() {
            found += 1;
            println!(
                "{}: models_differ: the models describe {} change(s) the migrations do not make; run `migrate diff`",
                directory.path.display(),
                statements.len()
            );
        }
    }
    eprintln!("{found} finding(s) in {} file(s).", linted.len());
    Ok(if found == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_ATTENTION)
    })
}
