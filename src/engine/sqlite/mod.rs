//! The SQLite driver: inspect, normalize, render, replay (verifying a plan), apply.

// The same layout as every dialect folder: driver.rs (the engine's
// interface), connect.rs, inspect/, script/ (the gate desired SQL passes),
// normalize.rs, render/, replay.rs, probe.rs, apply.rs, migrations.rs,
// annotations.rs; what several of them read sits beside them.
mod annotations;
mod apply;
mod c_api;
mod connect;
mod driver;
mod ident;
mod inspect;
mod location;
mod migrations;
mod normalize;
mod probe;
mod render;
mod replay;
mod script;
mod spelling;
mod tokens;
mod type_name;
mod written_statements;

pub use driver::SqliteDriver;
pub use script::check_desired;

use super::diff::Change;
use super::error::EngineError;
use super::model::Schema;
use super::plan::Statement;
use super::url::DatabaseUrl;

/// Inspects the live database without creating or writing it.
pub async fn inspect(url: &DatabaseUrl) -> Result<Schema, EngineError> {
    match connect::open_for_inspect(url).await? {
        None => Ok(Schema::default()),
        Some(mut conn) => {
            let schema = inspect::inspect_connection(&mut conn, &url.redacted()).await;
            // A read-only connection has nothing to flush.
            let _ = sqlx::Connection::close(conn).await;
            schema
        }
    }
}

pub fn render(changes: &[Change], live: &Schema, desired: &Schema) -> Vec<Statement> {
    render::render(changes, live, desired)
}

/// The schema as the statements that create it from nothing.
pub fn schema_sql(schema: &Schema) -> Vec<String> {
    let changes = super::diff::diff(&Schema::default(), schema);
    render::render(&changes, &Schema::default(), schema)
        .into_iter()
        .map(|s| s.sql)
        .collect()
}
