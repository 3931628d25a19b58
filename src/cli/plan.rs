//! `plan`: print the statements that bring the database to the desired schema.

use std::process::ExitCode;

use clap::Args;

use crate::engine::{self, DatabaseUrl, Plan, Statement};

use super::source::read_desired;

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    database: super::DatabaseArgs,
    #[command(flatten)]
    desired: super::DesiredArgs,
}

pub async fn run(args: PlanArgs) -> Result<ExitCode, String> {
    let planned = Planned::make(&args.database, &args.desired).await?;
    if planned.report_no_changes() {
        return Ok(ExitCode::SUCCESS);
    }
    print_statements(&planned.plan.statements);
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
    pub plan: Plan,
}

impl Planned {
    pub async fn make(database: &super::DatabaseArgs, desired: &super::DesiredArgs) -> Result<Planned, String> {
        let url = super::parse_url("--url", &database.url)?;
        let dev_url = desired
            .dev_url
            .as_deref()
            .map(|text| super::parse_url("--dev-url", text))
            .transpose()?;
        let desired_sql = read_desired(&desired.desired)?;
        let plan = engine::plan(&url, dev_url.as_ref(), &desired_sql)
            .await
            .map_err(|err| err.to_string())?;
        for warning in plan.warnings.iter().chain(&plan.unverified) {
            eprintln!("warning: {warning}");
        }
        Ok(Planned {
            url,
            dev_url,
            desired_sql,
            plan,
        })
    }

    /// Says so on stderr when there is nothing to do.
    pub fn report_no_changes(&self) -> bool {
        if self.plan.statements.is_empty() {
            eprintln!("No changes: {} matches the desired schema.", self.url.redacted());
        }
        self.plan.statements.is_empty()
    }
}

/// Statements as a SQL script, each terminated and separated by a blank line.
pub fn print_statements(statements: &[Statement]) {
    for statement in statements {
        println!("{};\n", statement.shown().trim_end_matches(';'));
    }
}
