//! `apply`: plan, show, and run the statements in one transaction.

use std::process::ExitCode;

use clap::Args;

use crate::engine;

use super::plan::Planned;
use super::policy::PolicyArgs;

#[derive(Debug, Args)]
pub struct ApplyArgs {
    #[command(flatten)]
    database: super::DatabaseArgs,
    #[command(flatten)]
    desired: super::DesiredArgs,
    #[command(flatten)]
    policy: PolicyArgs,
}

pub async fn run(args: ApplyArgs) -> Result<ExitCode, String> {
    let planned = Planned::make(&args.database, &args.desired, &args.policy).await?;
    if planned.report_no_changes() {
        return Ok(ExitCode::SUCCESS);
    }
    planned.print_statements();
    if let Some(refusal) = planned.refusal() {
        return Err(refusal);
    }
    let expected: Vec<String> = planned.plan.sql();
    let outcome = engine::apply_with(
        &planned.url,
        planned.dev_url.as_ref(),
        &planned.desired_sql,
        &expected,
        &planned.options,
    )
    .await
    .map_err(|err| err.to_string())?;
    eprintln!(
        "Applied {} statement(s) to {}; schema hash {}.",
        outcome.executed.len(),
        planned.url.redacted(),
        outcome.live_hash
    );
    Ok(ExitCode::SUCCESS)
}
