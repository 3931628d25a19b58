//! `inspect`: print the live schema as normalized DDL.

use std::process::ExitCode;

use clap::Args;

use crate::engine;

#[derive(Debug, Args)]
pub struct InspectArgs {
    #[command(flatten)]
    database: super::DatabaseArgs,
}

pub async fn run(args: InspectArgs) -> Result<ExitCode, String> {
    let url = super::parse_url(&args.database.url)?;
    let schema = engine::inspect(&url).await.map_err(|err| err.to_string())?;
    for statement in engine::schema_sql(&schema, url.dialect()).map_err(|err| err.to_string())? {
        println!("{statement};\n");
    }
    Ok(ExitCode::SUCCESS)
}
