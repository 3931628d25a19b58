//! The PostgreSQL driver: inspect (bulk catalog queries), normalize (in a dev
//! or temporary database), render (dependency-ordered DDL), replay (verifying
//! a plan in a scratch database), apply (locked, transactional, verified).

mod apply;
mod connect;
mod driver;
mod ident;
mod identity;
mod inspect;
mod lock_table;
mod migrations;
mod normalize;
mod probe;
mod render;
mod replay;
mod scratch;
pub mod script;
mod validity;

pub use apply::APPLY_LOCK_KEY;
pub use driver::PostgresDriver;
pub use inspect::InspectStats;
pub use normalize::normalize;
pub use render::TYPE_REBUILD_SUFFIX;
pub(crate) use scratch::{
    created_at as temporary_database_created_at, new_name as new_temporary_database_name, unix_seconds,
};
pub use scratch::{ABANDONED_AFTER, TEMPORARY_DATABASE_PREFIX};

use super::diff::{diff, Change};
use super::error::EngineError;
use super::model::{Namespace, Schema};
use super::options::Options;
use super::plan::Statement;
use super::url::DatabaseUrl;

/// Inspects the live database.
pub async fn inspect(url: &DatabaseUrl) -> Result<Schema, EngineError> {
    inspect_with_stats(url).await.map(|(schema, _)| schema)
}

/// Inspects the live database and says how many catalog queries it took.
pub async fn inspect_with_stats(url: &DatabaseUrl) -> Result<(Schema, InspectStats), EngineError> {
    let mut conn = connect::open(url).await?;
    let result = inspect::inspect_connection(&mut conn, &url.redacted()).await;
    // Inspection wrote nothing; a failed close loses nothing.
    let _ = sqlx::Connection::close(conn).await;
    result
}

/// What the views and routines of `schema` use (`pg_depend`).
pub(crate) fn dependency_graph(schema: &Schema) -> render::Graph<'_> {
    render::Graph::of(schema)
}

/// `options.concurrent_indexes` decides how indexes of existing tables are
/// built and dropped.
pub fn render(changes: &[Change], live: &Schema, desired: &Schema, options: &Options) -> Vec<Statement> {
    render::render(changes, live, desired, options)
}

/// The schema as the statements that create it in a new database (which
/// already has the `public` schema and the `plpgsql` extension).
pub fn schema_sql(schema: &Schema) -> Vec<String> {
    let baseline = built_in(schema);
    render::render(&diff(&baseline, schema), &baseline, schema, &Options::default())
        .into_iter()
        .map(|s| s.sql)
        .collect()
}

/// The part of `schema` a new database has by itself: the `public` schema
/// and the `plpgsql` extension.
pub fn built_in(schema: &Schema) -> Schema {
    let mut baseline = Schema::default();
    if schema.namespaces.contains_key("public") {
        baseline.namespaces.insert(
            "public".to_string(),
            Namespace {
                name: "public".to_string(),
            },
        );
    }
    if let Some(plpgsql) = schema.extensions.get("plpgsql") {
        baseline.extensions.insert(plpgsql.name.clone(), plpgsql.clone());
    }
    // Their comments too ("standard public schema").
    let comments = schema.comments.iter().filter(|(_, c)| c.target_exists(&baseline));
    baseline.comments = comments.map(|(k, c)| (k.clone(), c.clone())).collect();
    baseline
}
