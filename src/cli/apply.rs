//! `apply`: plan, show, and run the statements in one transaction.

use std::process::ExitCode;

use clap::Args;

use crate::engine;

use super::plan::print_statements;
use super::source::read_desired;

#[derive(Debug, Args)]
pub struct ApplyArgs {
    #[command(flatten)]
    database: super::DatabaseArgs,
    #[command(flatten)]
    desired: super::DesiredArgs,
}

pub async fn run(args: ApplyArgs) -> Result<ExitCode, String> {
    let url = super::parse_url("--url", &args.database.url)?;
    let dev_url = args
        .desired
        .dev_url
        .as_deref()
        .map(|text| super::parse_url("--dev-url", text))
        .transpose()?;
    let desired_sql = read_desired(&args.desired.desired)?;
    let plan = engine::plan(&url, dev_url.as_ref(), &desired_sql)
        .await
        .map_err(|err| err.to_string())?;
    if plan.statements.is_empty() {
        eprintln!("No changes: {} matches the desired schema.", url.redacted());
        return Ok(ExitCode::SUCCESS);
    }
    print_statements(&plan.statements);
    let expected: Vec<String> = plan.statements.iter().map(|s| s.sql.clone()).collect();
    let outcome = engine::apply(&url, dev_url.as_ref(), &desired_sql, &expected)
        .await
        .map_err(|err| err.to_string())?;
    eprintln!(
        "Applied {} statement(s) to {}; schema hash {}.",
        outcome.executed.len(),
        url.redacted(),
        outcome.live_hash
    );
    Ok(ExitCode::SUCCESS)
}
