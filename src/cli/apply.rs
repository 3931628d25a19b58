//! `apply`: plan, show, confirm, and run the statements; or run a plan saved
//! by `plan --out`, refused when the database changed since.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::engine;

use super::plan::Planned;
use super::policy::PolicyArgs;
use super::saved_plan::SavedPlan;
use super::source::read_desired;

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  # Plan, show and apply in one go (asks for confirmation on a terminal).
  terraform-provider-sqlalchemy apply --url sqlite:///app.db --desired schema.sql

  # In CI: no questions.
  terraform-provider-sqlalchemy apply --url sqlite:///app.db --desired schema.sql --auto-approve

  # Apply a plan saved by `plan --out app.plan`: exactly its statements.
  DATABASE_URL=postgresql://app@db/app terraform-provider-sqlalchemy apply app.plan")]
pub struct ApplyArgs {
    /// A plan saved by `plan --out FILE`: runs exactly the statements it
    /// showed, and is refused if the database changed since.
    #[arg(
        value_name = "PLAN_FILE",
        required_unless_present = "desired",
        conflicts_with = "desired"
    )]
    saved_plan: Option<PathBuf>,
    #[command(flatten)]
    database: super::DatabaseArgs,
    /// File with the desired schema as DDL; `-` reads standard input.
    #[arg(long, value_name = "FILE")]
    desired: Option<String>,
    /// Scratch database used to normalize the desired schema (may be wiped).
    #[arg(long, env = "DEV_DATABASE_URL", hide_env_values = true)]
    dev_url: Option<String>,
    #[command(flatten)]
    policy: PolicyArgs,
    /// Apply without asking for confirmation (the question is only asked
    /// when standard input is a terminal).
    #[arg(long)]
    auto_approve: bool,
}

pub async fn run(args: ApplyArgs) -> Result<ExitCode, String> {
    let (planned, saved) = match (&args.saved_plan, &args.desired) {
        (Some(path), _) => {
            if !args.policy.is_empty() {
                return Err("policy flags belong to the `plan` that saved the file; they cannot change it".into());
            }
            let saved = SavedPlan::read(path)?;
            let policy = PolicyArgs::from_saved(&saved.policy);
            let planned = Planned::make(
                &args.database.url,
                args.dev_url.as_deref(),
                saved.desired_sql.clone(),
                &policy,
            )
            .await?;
            check_unchanged(&planned, &saved, path)?;
            (planned, Some(saved))
        }
        (None, Some(desired)) => {
            let desired_sql = read_desired(desired)?;
            let planned = Planned::make(&args.database.url, args.dev_url.as_deref(), desired_sql, &args.policy).await?;
            (planned, None)
        }
        (None, None) => return Err("give a saved plan file or --desired FILE".into()),
    };
    if planned.report_no_changes() {
        return Ok(ExitCode::SUCCESS);
    }
    planned.print_statements();
    if let Some(refusal) = planned.refusal() {
        return Err(refusal);
    }
    // A saved plan was reviewed when it was made: applying it is the decision.
    if saved.is_none() && !args.auto_approve && std::io::stdin().is_terminal() && !confirmed(&planned)? {
        eprintln!("Apply cancelled; nothing was changed.");
        return Ok(ExitCode::from(super::EXIT_ERROR));
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

/// A saved plan runs only against the database it was made for, as it was.
fn check_unchanged(planned: &Planned, saved: &SavedPlan, path: &std::path::Path) -> Result<(), String> {
    let path = path.display();
    if planned.url.redacted() != saved.database {
        return Err(format!(
            "{path} was planned for {}, not {}; nothing was changed",
            saved.database,
            planned.url.redacted()
        ));
    }
    if planned.plan.live_hash != saved.live_hash || planned.plan.sql() != saved.statements {
        return Err(format!(
            "{} changed since {path} was planned, so the plan no longer says what apply would do; \
             nothing was changed. Plan again.",
            planned.url.redacted()
        ));
    }
    Ok(())
}

/// Asks on the terminal, as `terraform apply` does; only `yes` goes ahead.
fn confirmed(planned: &Planned) -> Result<bool, String> {
    eprint!(
        "Run these {} statement(s) on {}?\n  Only 'yes' will be accepted: ",
        planned.plan.statements.len(),
        planned.url.redacted()
    );
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|err| format!("cannot read the answer: {err}"))?;
    Ok(answer.trim() == "yes")
}
