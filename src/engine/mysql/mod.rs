//! The MySQL/MariaDB driver: inspect (bulk information_schema queries),
//! normalize (in a temporary or dev database: MySQL DDL is not
//! transactional, so a database of its own is the isolation), render
//! (ordered DDL with online-DDL classification), replay, probe and apply
//! (locked with GET_LOCK, statement by statement, verified), and versioned
//! migrations (migrations.rs: files run statement by statement, resumable).
//!
//! One database is one schema: tables are keyed by bare name. The server's
//! flavour and version (connect.rs) decide catalog queries, syntax and
//! online-DDL classes.

mod annotations;
mod apply;
mod connect;
mod driver;
mod ident;
mod identity;
mod inspect;
mod migrations;
mod normalize;
mod probe;
pub mod render;
mod replay;
mod scratch;
pub mod script;

pub use apply::{apply_with, APPLY_LOCK_NAME};
pub use connect::{Flavor, Server};
pub use driver::MysqlDriver;
pub use inspect::InspectStats;
pub use normalize::normalize;
pub use probe::run as probe;
pub use render::{Algorithm, RenderOptions};
pub use scratch::ABANDONED_AFTER;

use super::diff::{diff, Change};
use super::error::EngineError;
use super::model::Schema;
use super::plan::Statement;
use super::url::DatabaseUrl;

/// Inspects the live database.
pub async fn inspect(url: &DatabaseUrl) -> Result<Schema, EngineError> {
    inspect_with_stats(url).await.map(|(schema, _)| schema)
}

/// Inspects the live database and says how many catalog queries it took.
pub async fn inspect_with_stats(url: &DatabaseUrl) -> Result<(Schema, InspectStats), EngineError> {
    let (mut conn, server) = connect::open(url).await?;
    let result = inspect::inspect_connection(&mut conn, server, &url.redacted()).await;
    // Inspection wrote nothing; a failed close loses nothing.
    let _ = sqlx::Connection::close(conn).await;
    result
}

/// The flavour and version of the server `url` names.
pub async fn server(url: &DatabaseUrl) -> Result<Server, EngineError> {
    let (conn, server) = connect::open(url).await?;
    let _ = sqlx::Connection::close(conn).await;
    Ok(server)
}

/// Statements turning `live` into `desired`, classified for `server`.
pub fn render(
    changes: &[Change],
    live: &Schema,
    desired: &Schema,
    server: &Server,
    options: RenderOptions,
) -> Vec<Statement> {
    render::render(changes, live, desired, server, options)
}

/// The schema as the statements that create it in an empty database.
pub fn schema_sql(schema: &Schema) -> Vec<String> {
    let empty = Schema::default();
    // Creating from nothing copies no table, but the server the schema was
    // read from decides some spellings (an ignored index).
    let server = Server::from_version(schema.server.as_deref().unwrap_or_default());
    render::render(
        &diff(&empty, schema),
        &empty,
        schema,
        &server,
        RenderOptions {
            explicit_algorithm: false,
        },
    )
    .into_iter()
    .map(|s| s.sql)
    .collect()
}
