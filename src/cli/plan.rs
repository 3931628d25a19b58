//! `plan`: print the statements that bring the database to the desired schema.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::engine::{self, DatabaseUrl, HazardPolicy, Options, Plan};

use super::policy::{annotated, refusal, PolicyArgs};
use super::saved_plan::SavedPlan;
use super::source::read_desired;

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  # What would change? Exit code 0: nothing, 2: changes, 1: error.
  terraform-provider-sqlalchemy plan --url sqlite:///app.db --desired schema.sql

  # Save the plan for review, then apply exactly it.
  terraform-provider-sqlalchemy export --path app/models.py --dialect postgresql > schema.sql
  DATABASE_URL=postgresql://app@db/app terraform-provider-sqlalchemy plan --desired schema.sql --out app.plan
  DATABASE_URL=postgresql://app@db/app terraform-provider-sqlalchemy apply app.plan")]
pub struct PlanArgs {
    #[command(flatten)]
    database: super::DatabaseArgs,
    #[command(flatten)]
    desired: super::DesiredArgs,
    #[command(flatten)]
    policy: PolicyArgs,
    /// Save the plan to FILE for `apply FILE` (no password is written).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

pub async fn run(args: PlanArgs) -> Result<ExitCode, String> {
    let desired_sql = read_desired(&args.desired.desired)?;
    let planned = Planned::make(
        &args.database.url,
        args.desired.dev_url.as_deref(),
        desired_sql,
        &args.policy,
    )
    .await?;
    if planned.report_no_changes() {
        return Ok(ExitCode::SUCCESS);
    }
    planned.print_statements();
    if let Some(refusal) = planned.refusal() {
        return Err(refusal);
    }
    if let Some(out) = &args.out {
        planned.saved(&args.policy).write(out)?;
        eprintln!(
            "Saved the plan to {}; run it with `apply {}`.",
            out.display(),
            out.display()
        );
    }
    eprintln!(
        "{} statement(s) to run on {}.",
        planned.plan.statements.len(),
        planned.url.redacted()
    );
    Ok(ExitCode::from(super::EXIT_CHANGES))
}

/// A plan made from the command line's database and desired-schema flags;
/// `apply` starts the same way.
pub struct Planned {
    pub url: DatabaseUrl,
    pub dev_url: Option<DatabaseUrl>,
    pub desired_sql: String,
    pub options: Options,
    pub policy: HazardPolicy,
    pub plan: Plan,
}

impl Planned {
    pub async fn make(
        url: &str,
        dev_url: Option<&str>,
        desired_sql: String,
        policy: &PolicyArgs,
    ) -> Result<Planned, String> {
        let options = policy.options()?;
        let policy = policy.hazard_policy()?;
        let url = super::parse_url(url)?;
        let dev_url = dev_url.map(super::parse_dev_url).transpose()?;
        let plan = engine::plan_with(&url, dev_url.as_ref(), &desired_sql, &options)
            .await
            .map_err(|err| err.to_string())?;
        for warning in plan.warnings.iter().chain(&plan.unverified) {
            eprintln!("warning: {warning}");
        }
        for kept in &plan.kept {
            eprintln!("warning: {kept} is not in the desired schema; --skip keeps it");
        }
        Ok(Planned {
            url,
            dev_url,
            desired_sql,
            options,
            policy,
            plan,
        })
    }

    /// The statements as a SQL script on stdout, each terminated and
    /// separated by a blank line, its hazards as comments above it.
    pub fn print_statements(&self) {
        for statement in &self.plan.statements {
            super::output::out(&format!(
                "{};\n\n",
                annotated(statement, &self.policy).trim_end_matches(';')
            ));
        }
    }

    /// The plan as `plan --out` saves it.
    pub fn saved(&self, policy: &PolicyArgs) -> SavedPlan {
        SavedPlan::new(
            self.url.redacted(),
            self.plan.live_hash.clone(),
            self.desired_sql.clone(),
            policy.saved(),
            self.plan.sql(),
        )
    }

    /// Why the policy refuses this plan, if it does.
    pub fn refusal(&self) -> Option<String> {
        refusal(&self.plan.statements, &self.policy)
    }

    /// Says so on stderr when there is nothing to do.
    pub fn report_no_changes(&self) -> bool {
        if self.plan.statements.is_empty() {
            eprintln!("No changes: {} matches the desired schema.", self.url.redacted());
        }
        self.plan.statements.is_empty()
    }
}
