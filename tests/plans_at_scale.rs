//! Plans at scale: a schema of thousands of tables is more than one
//! transaction may lock on a server with default settings (PostgreSQL's
//! `max_locks_per_transaction`; see engine/postgres/lock_table.rs). With a
//! temporary scratch database, normalization and replay commit between
//! batches there, so such a plan is made and verified all the same, and the
//! temporary database is dropped afterwards.

mod common;

use common::generated_schema::{batches, changed_ddl, changed_tables};
use common::postgres_db::PostgresDb;
use tfalchemy::engine::{self, verify_plan, DatabaseUrl, EngineError, Options, Statement};

const TABLES: usize = 3_000;

fn run<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Runtime::new().expect("tokio runtime").block_on(future)
}

#[test]
fn three_thousand_tables_plan_and_verify_with_the_servers_default_lock_table() {
    // Normalize and replay for real: a cached normalization or verdict
    // would skip the large loads.
    std::env::set_var(engine::NORMALIZE_CACHE_SWITCH, "0");
    std::env::set_var(engine::VERIFY_CACHE_SWITCH, "0");
    let db = PostgresDb::new();
    // The live schema, 100 tables per transaction.
    for script in batches(TABLES, 100) {
        db.execute(&script);
    }
    let url = DatabaseUrl::parse(&db.url()).expect("database URL");

    let plan = run(engine::plan(&url, None, &changed_ddl(TABLES))).expect("plan");
    assert_eq!(plan.unverified, None, "the plan must be verified");
    // Each changed table gets its column (views on it are rebuilt around the type change).
    let added = plan
        .sql()
        .iter()
        .filter(|sql| sql.contains("ADD COLUMN \"extra\""))
        .count();
    assert_eq!(added, changed_tables(TABLES).len(), "{:#?}", plan.sql());
    assert!(
        db.temporary_databases_of_this_process().is_empty(),
        "temporary databases left behind: {:?}",
        db.temporary_databases_of_this_process()
    );

    // Verification still refuses a plan that does not converge at this size.
    let live = run(engine::inspect(&url)).expect("inspect");
    let desired = run(engine::postgres::normalize(Some(&url), None, &changed_ddl(TABLES))).expect("normalize");
    let wrong = [Statement::ddl("ALTER TABLE t0020 ADD COLUMN extra integer")];
    match run(verify_plan(&url, None, &live, &desired, &wrong, &Options::default())) {
        Err(EngineError::PlanReplay { .. }) => {}
        other => panic!("expected the replay to refuse the plan, got {other:?}"),
    }
    assert!(db.temporary_databases_of_this_process().is_empty());
}
