//! `plan`: print the statements that bring the database to the desired schema.

use std::process::ExitCode;

use clap::Args;

use crate::engine::{self, Statement};

use super::source::read_desired;

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    database: super::DatabaseArgs,
    #[command(flatten)]
    desired: super::DesiredArgs,
}

pub async fn run(args: PlanArgs) -> Result<ExitCode, String> {
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
    eprintln!("{} statement(s) to run on {}.", plan.statements.len(), url.redacted());
    Ok(ExitCode::from(super::EXIT_CHANGES))
}

/// Statements as a SQL script, each terminated and separated by a blank line.
pub fn print_statements(statements: &[Statement]) {
    for statement in statements {
        println!("{};\n", statement.sql.trim_end_matches(';'));
    }
}
