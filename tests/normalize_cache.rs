//! The normalization cache (engine/normalized.rs): a desired schema already
//! normalized against the same kind of scratch database is read back instead
//! of loaded again, and only then.

mod common;

use common::postgres_db::PostgresDb;
use tfalchemy::engine::{
    normalize_with_cache, plan, plan_with, schema_hash, DatabaseUrl, Dialect, NormalizedFrom, Options, Schema, Scope,
};

const DESIRED: &str = "CREATE TABLE people (id int PRIMARY KEY, name text NOT NULL);\n\
                       CREATE VIEW names AS SELECT name FROM people;\n\
                       CREATE FUNCTION shout(t text) RETURNS text LANGUAGE sql IMMUTABLE RETURN upper(t);";

fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Runtime::new().expect("runtime").block_on(future)
}

fn normalize(dir: &std::path::Path, dialect: Dialect, url: &DatabaseUrl, sql: &str) -> (Schema, NormalizedFrom) {
    let target = (dialect == Dialect::Postgres).then_some(url);
    block_on(normalize_with_cache(dir, dialect, target, None, sql)).expect("normalize")
}

#[test]
fn the_same_schema_is_read_back_whatever_its_comments() {
    let db = PostgresDb::new();
    let url = DatabaseUrl::parse(&db.url()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (fresh, from) = normalize(dir.path(), Dialect::Postgres, &url, DESIRED);
    assert_eq!(from, NormalizedFrom::Database);
    let (cached, from) = normalize(dir.path(), Dialect::Postgres, &url, DESIRED);
    assert_eq!(from, NormalizedFrom::Cache);
    assert_eq!(schema_hash(&cached), schema_hash(&fresh));
    // What is not part of the identity comes back too: the view depends on the table.
    assert_eq!(
        cached.views["public.names"].depends_on.0,
        fresh.views["public.names"].depends_on.0
    );
    let commented = format!("-- model: app.People (app/models.py:3)\n{DESIRED}\n-- the end");
    assert_eq!(
        normalize(dir.path(), Dialect::Postgres, &url, &commented).1,
        NormalizedFrom::Cache
    );
}

#[test]
fn another_schema_or_dialect_is_normalized_again() {
    let db = PostgresDb::new();
    let url = DatabaseUrl::parse(&db.url()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let table = "CREATE TABLE t (id INTEGER PRIMARY KEY);";
    assert_eq!(
        normalize(dir.path(), Dialect::Postgres, &url, table).1,
        NormalizedFrom::Database
    );
    let changed = "CREATE TABLE t (id BIGINT PRIMARY KEY);";
    assert_eq!(
        normalize(dir.path(), Dialect::Postgres, &url, changed).1,
        NormalizedFrom::Database
    );
    let sqlite = DatabaseUrl::parse("sqlite:///unused.db").unwrap();
    assert_eq!(
        normalize(dir.path(), Dialect::Sqlite, &sqlite, table).1,
        NormalizedFrom::Database
    );
    assert_eq!(
        normalize(dir.path(), Dialect::Sqlite, &sqlite, table).1,
        NormalizedFrom::Cache
    );
}

#[test]
fn a_dev_database_is_another_normalizer_than_a_temporary_one() {
    let db = PostgresDb::new();
    let dev = PostgresDb::new();
    let url = DatabaseUrl::parse(&db.url()).unwrap();
    let dev_url = DatabaseUrl::parse(&dev.url()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let table = "CREATE TABLE t (id int);";
    assert_eq!(
        normalize(dir.path(), Dialect::Postgres, &url, table).1,
        NormalizedFrom::Database
    );
    let with_dev = block_on(normalize_with_cache(
        dir.path(),
        Dialect::Postgres,
        Some(&url),
        Some(&dev_url),
        table,
    ));
    assert_eq!(with_dev.expect("normalize").1, NormalizedFrom::Database);
}

#[test]
fn plans_from_the_cache_are_the_plans_without_it() {
    let db = PostgresDb::new();
    let url = DatabaseUrl::parse(&db.url()).unwrap();
    db.execute("CREATE TABLE people (id int PRIMARY KEY);");
    // The process's default cache directory: the first plan fills it, the second reads it.
    let first = block_on(plan(&url, None, DESIRED)).expect("plan");
    let second = block_on(plan(&url, None, DESIRED)).expect("plan");
    assert_eq!(first.sql(), second.sql());
    assert_eq!(first.desired_hash, second.desired_hash);
}

/// The scope (`exclude`) is applied after normalization, so it is not part of
/// the key: a cached normalization planned under another scope still plans
/// what that scope manages.
#[test]
fn another_scope_reuses_the_normalization_and_still_plans_its_own_scope() {
    let db = PostgresDb::new();
    let url = DatabaseUrl::parse(&db.url()).unwrap();
    let desired = "CREATE TABLE kept (id int);\nCREATE TABLE audit_log (id int);";
    let everything = Options::default();
    let without_audit = Options {
        scope: Scope::new(None, &["public.audit_*".to_string()]).expect("scope"),
        ..Options::default()
    };
    // The first plan normalizes (and fills the process's cache); the second reads it back.
    let all = block_on(plan_with(&url, None, desired, &everything)).expect("plan");
    let scoped = block_on(plan_with(&url, None, desired, &without_audit)).expect("plan");
    assert_eq!(all.sql().len(), 2, "{:?}", all.sql());
    assert_eq!(scoped.sql().len(), 1, "{:?}", scoped.sql());
    assert!(scoped.sql()[0].contains("kept"), "{:?}", scoped.sql());
    assert_ne!(all.desired_hash, scoped.desired_hash);
}
