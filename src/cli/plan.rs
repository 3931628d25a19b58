//! `plan`: print the statements that bring the database to the desired schema.

use std::process::ExitCode;

use clap::Args;

use crate::engine::{self, DatabaseUrl, HazardPolicy, Options, Plan};

use super::policy::{annotated, refusal, PolicyArgs};
use super::source::read_desired;

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    database: super::DatabaseArgs,
    #[command(flatten)]
    desired: super::DesiredArgs,
    #[command(flatten)]
    policy: PolicyArgs,
}

pub async fn run(args: PlanArgs) -> Result<ExitCode, String> {
    let planned = Planned::make(&args.database, &args.desired, &args.policy).await?;
    if planned.report_no_changes() {
        return Ok(ExitCode::SUCCESS);
    }
    planned.print_statements();
    if let Some(refusal) = planned.refusal() {
        return Err(refusal);
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
        database: &super::DatabaseArgs,
        desired: &super::DesiredArgs,
        policy: &PolicyArgs,
    ) -> Result<Planned, String> {
        let options = policy.options()?;
        let policy = policy.hazard_policy()?;
        let url = super::parse_url(&database.url)?;
        let dev_url = desired.dev_url.as_deref().map(super::parse_dev_url).transpose()?;
        let desired_sql = read_desired(&desired.desired)?;
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
            println!("{};\n", annotated(statement, &self.policy).trim_end_matches(';'));
        }
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
