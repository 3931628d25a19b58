//! A plan that will run the desired statements creates its temporary scratch
//! database while it inspects live (engine/mod.rs, `prepare_scratch`): the
//! one the normalization and the replay then use, and none at all for a
//! script the gate refuses or a plan the caches answer. One test, alone in
//! its binary: keeping scratch databases is a setting of the whole process.

mod common;

use common::postgres_db::PostgresDb;
use tfalchemy::engine::{self, DatabaseUrl, EngineError};

fn run<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Runtime::new().expect("tokio runtime").block_on(future)
}

const DESIRED: &str = "CREATE TABLE accounts (id bigint PRIMARY KEY, email text NOT NULL);\n\
                       CREATE INDEX accounts_email ON accounts (email);";

#[test]
fn a_plan_prepares_one_scratch_database_and_only_when_it_will_run_statements() {
    let cache = tempfile::tempdir().expect("cache directory");
    std::env::set_var("XDG_CACHE_HOME", cache.path());
    let db = PostgresDb::new();
    let url = DatabaseUrl::parse(&db.url()).expect("database URL");
    engine::keep_scratch_databases();

    let refused = format!("{DESIRED}\nDELETE FROM accounts;");
    match run(engine::plan(&url, None, &refused)) {
        Err(EngineError::RefusedSql { .. }) => {}
        other => panic!("expected the gate to refuse the script, got {other:?}"),
    }
    assert_eq!(
        db.temporary_databases_of_this_process(),
        Vec::<String>::new(),
        "a refused script creates no scratch database"
    );

    let plan = run(engine::plan(&url, None, DESIRED)).expect("plan");
    assert_eq!(plan.statements.len(), 2, "{:#?}", plan.sql());
    assert_eq!(plan.unverified, None);
    assert_eq!(
        db.temporary_databases_of_this_process().len(),
        1,
        "the prepared scratch database is the one normalization and replay used"
    );
    assert!(run(engine::release_scratch_databases()).is_empty());
    assert_eq!(db.temporary_databases_of_this_process(), Vec::<String>::new());

    // Both caches hold this plan now: nothing to run, nothing to prepare.
    let again = run(engine::plan(&url, None, DESIRED)).expect("plan");
    assert_eq!(again.sql(), plan.sql());
    assert_eq!(
        db.temporary_databases_of_this_process(),
        Vec::<String>::new(),
        "a plan the caches answer creates no scratch database"
    );
    assert!(run(engine::release_scratch_databases()).is_empty());
}
