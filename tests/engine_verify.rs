//! Plans are verified by replaying them in a scratch database before they are
//! shown (src/engine/verify.rs), on both dialects: real plans verify; a plan
//! whose statements fail or do not converge is refused naming the statement
//! or the objects; a live schema the scratch database cannot reproduce makes
//! the plan unverified with a warning, not an error.

mod common;

use std::future::Future;

use common::postgres_db::PostgresDb;
use common::SqliteDb;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};
use tfalchemy::engine::{
    self, postgres, verify_plan, DatabaseUrl, Dialect, EngineError, Options, ReplayFailure, Schema, Statement,
    VerifiedBy,
};

fn run<T>(future: impl Future<Output = T>) -> T {
    tokio::runtime::Runtime::new().expect("tokio runtime").block_on(future)
}

fn url(text: &str) -> DatabaseUrl {
    DatabaseUrl::parse(text).expect("database URL")
}

fn temporary_sqlite() -> (tempfile::TempDir, SqliteDb) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let db = SqliteDb::at(dir.path().join("app.db"));
    (dir, db)
}

/// The live and desired models of `url` under `desired_sql`, as a plan sees them.
async fn models(url: &DatabaseUrl, desired_sql: &str) -> (Schema, Schema) {
    let live = engine::inspect(url).await.expect("inspect live");
    let desired = match url.dialect() {
        Dialect::Postgres => postgres::normalize(Some(url), None, desired_sql).await,
        dialect => engine::normalize(dialect, None, desired_sql).await,
    }
    .expect("normalize desired");
    (live, desired)
}

fn replay_failure(result: Result<Option<String>, EngineError>) -> (String, ReplayFailure) {
    match result {
        Err(error @ EngineError::PlanReplay { .. }) => {
            let message = error.to_string();
            let EngineError::PlanReplay { failure, .. } = error else {
                unreachable!()
            };
            (message, failure)
        }
        other => panic!("expected the replay to refuse the plan, got {other:?}"),
    }
}

const USERS: &str = "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL)";
const USERS_WITH_NAME: &str = "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT)";

#[test]
fn sqlite_real_plans_are_verified() {
    let (_dir, db) = temporary_sqlite();
    db.execute(USERS);
    let target = url(&db.url());
    let plan = run(engine::plan(&target, None, USERS_WITH_NAME)).expect("plan");
    assert_eq!(plan.sql(), vec![r#"ALTER TABLE "users" ADD COLUMN "name" TEXT"#]);
    assert_eq!(plan.unverified, None);
}

#[test]
fn sqlite_replay_refuses_a_statement_that_fails() {
    let (_dir, db) = temporary_sqlite();
    db.execute(USERS);
    let target = url(&db.url());
    let (live, desired) = run(models(&target, USERS_WITH_NAME));
    let wrong = [Statement::ddl("ALTER TABLE accounts ADD COLUMN name TEXT")];
    let result = run(verify_plan(&target, None, &live, &desired, &wrong, &Options::default()));
    let (message, failure) = replay_failure(result);
    assert!(
        matches!(&failure, ReplayFailure::Statement { index: 1, statement, reason }
            if statement.contains("accounts") && reason.contains("no such table")),
        "{failure:?}"
    );
    assert!(message.contains("replayed in a scratch database"), "{message}");
    assert!(message.contains("statement 1 failed there"), "{message}");
    // Nothing touched the real database.
    assert_eq!(run(engine::inspect(&target)).expect("inspect"), live);
}

#[test]
fn sqlite_replay_refuses_a_plan_that_does_not_converge_naming_the_objects() {
    let (_dir, db) = temporary_sqlite();
    db.execute(USERS);
    let target = url(&db.url());
    let (live, desired) = run(models(&target, USERS_WITH_NAME));
    let wrong = [Statement::ddl("ALTER TABLE users ADD COLUMN nickname TEXT")];
    let result = run(verify_plan(&target, None, &live, &desired, &wrong, &Options::default()));
    let (message, failure) = replay_failure(result);
    let ReplayFailure::NotConverged { differences } = failure else {
        panic!("expected differences, got {failure:?}");
    };
    let all = differences.join("; ");
    assert!(all.contains("users"), "{all}");
    assert!(message.contains("is not the desired schema"), "{message}");
    assert!(message.contains("users"), "{message}");
}

/// An application-defined collation: the live file uses it, a fresh SQLite
/// database does not know it, so the live schema cannot be reproduced.
#[test]
fn sqlite_live_schema_that_cannot_be_reproduced_leaves_the_plan_unverified() {
    let (_dir, db) = sqlite_with_an_application_collation();
    let target = url(&db.url());
    let plan = run(engine::plan(
        &target,
        None,
        "CREATE TABLE other (id INTEGER PRIMARY KEY)",
    ))
    .expect("plan");
    assert!(!plan.is_empty());
    let warning = plan.unverified.expect("the plan should be unverified");
    assert!(warning.starts_with("could not verify the plan: "), "{warning}");
    assert!(warning.contains("live schema could not be reproduced"), "{warning}");
    assert!(
        warning.to_lowercase().contains("no such collation sequence: reverse"),
        "{warning}"
    );
}

/// A plan statement that carries a second statement: what a type name pasted
/// into SQL unquoted once produced.
const CARRYING_A_DELETE: &str = "ALTER TABLE \"victims\" ADD COLUMN \"a\" X; DELETE FROM victims; --";
const VICTIMS: &str = "CREATE TABLE victims (id INTEGER PRIMARY KEY, note TEXT);
INSERT INTO victims VALUES (1, 'still here');";

#[track_caller]
fn assert_refused_as_two_statements(result: Result<Option<String>, EngineError>, db: &SqliteDb) {
    match result {
        Err(EngineError::RefusedPlanStatement { url, index, reason, .. }) => {
            assert_eq!(index, 1);
            assert_eq!(url, db.url(), "the error names the target, not the scratch database");
            assert!(reason.contains("more than one statement"), "{reason}");
        }
        other => panic!("expected the plan to be refused, got {other:?}"),
    }
    assert_eq!(db.strings("SELECT note FROM victims", &[]), ["still here"]);
}

#[test]
fn sqlite_replay_refuses_a_statement_that_carries_a_second_one() {
    let (_dir, db) = temporary_sqlite();
    db.execute(VICTIMS);
    let target = url(&db.url());
    let (live, desired) = run(models(
        &target,
        "CREATE TABLE victims (id INTEGER PRIMARY KEY, note TEXT, a X)",
    ));
    let wrong = [Statement::ddl(CARRYING_A_DELETE)];
    let result = run(verify_plan(&target, None, &live, &desired, &wrong, &Options::default()));
    assert_refused_as_two_statements(result, &db);
}

/// When the live schema cannot be copied the plan cannot be verified, but an
/// ill-formed statement still refuses it rather than leaving a warning.
#[test]
fn sqlite_an_unverifiable_plan_with_an_ill_formed_statement_is_refused_not_warned() {
    let (_dir, db) = sqlite_with_an_application_collation();
    db.execute(VICTIMS);
    let target = url(&db.url());
    let live = run(engine::inspect(&target)).expect("inspect live");
    let desired = live.clone();
    let wrong = [Statement::ddl(CARRYING_A_DELETE)];
    let result = run(verify_plan(&target, None, &live, &desired, &wrong, &Options::default()));
    assert_refused_as_two_statements(result, &db);
}

const POSTS: &str = "CREATE TABLE posts (id bigint PRIMARY KEY, title text NOT NULL)";
const POSTS_WITH_BODY: &str = "CREATE TABLE posts (id bigint PRIMARY KEY, title text NOT NULL, body text)";

#[test]
fn postgres_real_plans_are_verified_with_and_without_a_dev_database() {
    let db = PostgresDb::new();
    let dev = PostgresDb::new();
    db.execute(POSTS);
    let target = url(&db.url());
    let dev_url = url(&dev.url());
    for dev in [None, Some(&dev_url)] {
        let plan = run(engine::plan(&target, dev, POSTS_WITH_BODY)).expect("plan");
        assert_eq!(
            plan.sql(),
            vec![r#"ALTER TABLE "public"."posts" ADD COLUMN "body" text"#]
        );
        assert_eq!(plan.unverified, None, "dev database: {dev:?}");
    }
    assert!(dev.tables().is_empty(), "the replay left tables in the dev database");
}

/// A new enum value cannot be used in the transaction that adds it, so a plan
/// that adds one and uses it is replayed in a temporary database, committing
/// as the apply does, even when there is a dev database.
#[test]
fn postgres_plans_with_statements_outside_the_transaction_are_verified() {
    let db = PostgresDb::new();
    let dev = PostgresDb::new();
    db.execute("CREATE TYPE mood AS ENUM ('happy', 'sad'); CREATE TABLE people (mood mood NOT NULL DEFAULT 'happy')");
    let desired = "CREATE TYPE mood AS ENUM ('happy', 'meh', 'sad'); \
                   CREATE TABLE people (mood mood NOT NULL DEFAULT 'meh')";
    let target = url(&db.url());
    let plan = run(engine::plan(&target, Some(&url(&dev.url())), desired)).expect("plan");
    assert!(plan.statements.iter().any(|s| !s.in_transaction), "{:?}", plan.sql());
    assert_eq!(plan.unverified, None);
    assert!(dev
        .strings("SELECT typname::text FROM pg_type WHERE typname = 'mood'")
        .is_empty());
}

#[test]
fn postgres_replay_refuses_bad_statements_and_plans_that_do_not_converge() {
    let db = PostgresDb::new();
    let dev = PostgresDb::new();
    db.execute(POSTS);
    let target = url(&db.url());
    let dev_url = url(&dev.url());
    let (live, desired) = run(models(&target, POSTS_WITH_BODY));
    for dev in [None, Some(&dev_url)] {
        let failing = [
            Statement::ddl("ALTER TABLE public.posts ADD COLUMN body text"),
            Statement::ddl("ALTER TABLE public.comments ADD COLUMN body text"),
        ];
        let result = run(verify_plan(
            &target,
            dev,
            &live,
            &desired,
            &failing,
            &Options::default(),
        ));
        let (message, failure) = replay_failure(result);
        assert!(
            matches!(&failure, ReplayFailure::Statement { index: 2, reason, .. } if reason.contains("comments")),
            "{failure:?}"
        );
        assert!(message.contains("statement: ALTER TABLE public.comments"), "{message}");

        let diverging = [Statement::ddl("ALTER TABLE public.posts ADD COLUMN summary text")];
        let result = run(verify_plan(
            &target,
            dev,
            &live,
            &desired,
            &diverging,
            &Options::default(),
        ));
        let (message, failure) = replay_failure(result);
        assert!(matches!(failure, ReplayFailure::NotConverged { .. }), "{failure:?}");
        assert!(message.contains("table posts: column summary is extra"), "{message}");
    }
    assert!(dev.tables().is_empty(), "the replay left tables in the dev database");
    assert_eq!(db.columns("public", "posts"), vec!["id", "title"]);
}

/// Four tables in a chain of foreign keys, and a fifth apart.
const CHAIN: &str = "CREATE TABLE a (id int PRIMARY KEY); \
                     CREATE TABLE b (id int PRIMARY KEY, a_id int REFERENCES a, code text UNIQUE); \
                     CREATE TABLE c (id int PRIMARY KEY, b_id int REFERENCES b); \
                     CREATE TABLE d (id int PRIMARY KEY, c_id int REFERENCES c); \
                     CREATE TABLE apart (id int PRIMARY KEY);";

/// Only `c` changes: the replay copies `c`, `d` (which references it) and `b`
/// as a stub (what `c` references, without its own foreign key). A plan
/// that also changes the stub is refused, and the new foreign key to the
/// stub's unique column is verified.
#[test]
fn postgres_replay_copies_what_a_plan_references_as_stubs_and_refuses_a_plan_that_changes_one() {
    let db = PostgresDb::new();
    db.execute(CHAIN);
    let target = url(&db.url());
    let desired_sql = CHAIN.replace(
        "CREATE TABLE c (id int PRIMARY KEY, b_id int REFERENCES b);",
        "CREATE TABLE c (id int PRIMARY KEY, b_id int REFERENCES b, b_code text REFERENCES b (code));",
    );
    let plan = run(engine::plan(&target, None, &desired_sql)).expect("plan");
    assert_eq!(plan.unverified, None, "{:?}", plan.sql());
    assert_eq!(plan.statements.len(), 2, "{:?}", plan.sql());

    let (live, desired) = run(models(&target, &desired_sql));
    let mut touching_the_stub: Vec<Statement> = plan.statements.clone();
    touching_the_stub.push(Statement::ddl("ALTER TABLE public.b ADD COLUMN note text"));
    let result = run(verify_plan(
        &target,
        None,
        &live,
        &desired,
        &touching_the_stub,
        &Options::default(),
    ));
    let (message, failure) = replay_failure(result);
    assert!(matches!(failure, ReplayFailure::NotConverged { .. }), "{failure:?}");
    assert!(message.contains("table b: column note is extra"), "{message}");

    // What the stub references is not copied: a plan that changes it (or any
    // table outside the copy) fails there.
    for outside in ["a", "apart"] {
        let mut touching: Vec<Statement> = plan.statements.clone();
        touching.push(Statement::ddl(format!(
            "ALTER TABLE public.{outside} ADD COLUMN note text"
        )));
        let result = run(verify_plan(
            &target,
            None,
            &live,
            &desired,
            &touching,
            &Options::default(),
        ));
        let (_, failure) = replay_failure(result);
        assert!(
            matches!(failure, ReplayFailure::Statement { index: 3, .. }),
            "{outside}: {failure:?}"
        );
    }
    assert_eq!(db.columns("public", "c"), vec!["id", "b_id"]);
}

/// A foreign table and its server: not managed (user mappings carry
/// credentials), so a copy of the live schema lacks them.
const REMOTE: &str = "CREATE FOREIGN DATA WRAPPER elsewhere; CREATE SERVER far FOREIGN DATA WRAPPER elsewhere; \
                      CREATE FOREIGN TABLE remote (x int) SERVER far;";

/// The view to change reads the foreign table, so the copy of the live
/// schema the plan would run in cannot even be loaded.
#[test]
fn postgres_live_schema_that_cannot_be_reproduced_leaves_the_plan_unverified() {
    let db = PostgresDb::new();
    db.execute(&format!("{REMOTE} CREATE VIEW near AS SELECT x FROM remote;"));
    let desired = format!("{REMOTE} CREATE VIEW near AS SELECT x, x + 1 AS next FROM remote;");
    let target = url(&db.url());
    let plan = run(engine::plan(&target, None, &desired)).expect("plan");
    assert!(
        plan.sql().iter().any(|s| s.contains("VIEW \"public\".\"near\"")),
        "{:?}",
        plan.sql()
    );
    let warning = plan.unverified.expect("the plan should be unverified");
    assert!(warning.contains("could not verify the plan"), "{warning}");
    assert!(warning.contains("remote"), "{warning}");
}

/// The plan relies on an object the provider does not manage (a foreign
/// table): it fails in the copy, which lacks the table, but that is not the
/// plan's fault, and the real apply succeeds.
#[test]
fn postgres_plans_relying_on_unmanaged_objects_are_unverified_not_refused() {
    let db = PostgresDb::new();
    db.execute(REMOTE);
    let desired = format!("{REMOTE} CREATE VIEW sums AS SELECT x AS sum FROM remote");
    let target = url(&db.url());
    let plan = run(engine::plan(&target, None, &desired)).expect("plan");
    let warning = plan.unverified.clone().expect("the plan should be unverified");
    assert!(warning.contains("foreign table public.remote"), "{warning}");
    assert!(warning.contains("statement 1 failed there"), "{warning}");
    run(engine::apply(&target, None, &desired, &plan.sql())).expect("the real apply succeeds");
    assert_eq!(
        db.strings("SELECT viewname::text FROM pg_views WHERE viewname = 'sums'"),
        vec!["sums"]
    );
}

/// A SQLite file whose table uses a collation only its creator defined
/// (`reverse`): a fresh database cannot reproduce it.
fn sqlite_with_an_application_collation() -> (tempfile::TempDir, SqliteDb) {
    let (dir, db) = temporary_sqlite();
    let options = SqliteConnectOptions::new()
        .filename(db.path())
        .create_if_missing(true)
        .collation("reverse", |a: &str, b: &str| b.cmp(a));
    run(async {
        let mut conn = options.connect().await.expect("connect with the collation");
        sqlx::raw_sql("CREATE TABLE names (id INTEGER PRIMARY KEY, name TEXT COLLATE reverse)")
            .execute(&mut conn)
            .await
            .expect("create");
        conn.close().await.expect("close");
    });
    (dir, db)
}

/// The verification cache (engine/verified.rs): Terraform's second plan of an
/// apply reads the verdict of the first instead of replaying the same plan.
#[test]
fn a_verified_plan_is_remembered_for_the_same_live_schema_and_statements_only() {
    let db = PostgresDb::new();
    db.execute("CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL)");
    let target = url(&db.url());
    let desired_sql = "CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL, name text)";
    let (live, desired) = run(models(&target, desired_sql));
    let plan = [Statement::ddl(r#"ALTER TABLE "public"."users" ADD COLUMN "name" text"#)];
    let dir = tempfile::tempdir().unwrap();
    let verify = |live: &Schema, statements: &[Statement]| {
        run(engine::verify_with_cache(
            dir.path(),
            &target,
            None,
            live,
            &desired,
            statements,
            &Options::default(),
        ))
    };
    assert_eq!(verify(&live, &plan).expect("verify"), (None, VerifiedBy::Replay));
    assert_eq!(verify(&live, &plan).expect("verify"), (None, VerifiedBy::Cache));

    // Another live schema is replayed again, and a plan that is wrong for it
    // is refused, not answered from the cache.
    db.execute("ALTER TABLE users ADD COLUMN name text");
    let moved = run(engine::inspect(&target)).expect("inspect");
    let (_, failure) = replay_failure(verify(&moved, &plan).map(|(verdict, _)| verdict));
    assert!(
        matches!(&failure, ReplayFailure::Statement { index: 1, .. }),
        "{failure:?}"
    );
    // A refusal is not remembered either.
    replay_failure(verify(&moved, &plan).map(|(verdict, _)| verdict));

    // Other statements are another entry.
    let other = [Statement::ddl(
        r#"ALTER TABLE "public"."users" ADD COLUMN "name" text NULL"#,
    )];
    assert_eq!(verify(&live, &other).expect("verify"), (None, VerifiedBy::Replay));
}
