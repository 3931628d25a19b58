//! `inspect`: print the live schema as normalized DDL.

use std::process::ExitCode;

use clap::Args;

use crate::engine;

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  terraform-provider-sqlalchemy inspect --url sqlite:///app.db
  DATABASE_URL=postgresql://app@db/app terraform-provider-sqlalchemy inspect | less")]
pub struct InspectArgs {
    #[command(flatten)]
    database: super::DatabaseArgs,
}

pub async fn run(args: InspectArgs) -> Result<ExitCode, String> {
    let url = super::parse_url(&args.database.url)?;
    let schema = engine::inspect(&url).await.map_err(|err| err.to_string())?;
    for statement in engine::schema_sql(&schema, url.dialect()).map_err(|err| err.to_string())? {
        super::output::out(&format!("{statement};\n\n"));
    }
    Ok(ExitCode::SUCCESS)
}
