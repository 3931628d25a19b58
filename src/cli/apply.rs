//! `apply`: plan, show, and run the statements in one transaction.

use std::process::ExitCode;

use clap::Args;

use crate::engine;

use super::plan::{print_statements, Planned};

#[derive(Debug, Args)]
pub struct ApplyArgs {
    #[command(flatten)]
    database: super::DatabaseArgs,
    #[command(flatten)]
    desired: super::DesiredArgs,
}

pub async fn run(args: ApplyArgs) -> Result<ExitCode, String> {
    let planned = Planned::make(&args.database, &args.desired).await?;
    if planned.report_no_changes() {
        return Ok(ExitCode::SUCCESS);
    }
    print_statements(&planned.plan.statements);
    let expected: Vec<String> = planned.plan.sql();
    let outcome = engine::apply(&planned.url, planned.dev_url.as_ref(), &planned.desired_sql, &expected)
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
