//! Faults during apply, through real Terraform: the provider killed (SIGKILL)
//! in the middle of a slow apply leaves nothing partial behind (PostgreSQL,
//! SQLite) or stops where it was (MariaDB, whose DDL is not transactional),
//! and the next apply converges; two applies at once on one database are
//! serialized by the schema lock and never interleave; Terraform killed
//! (SIGKILL) while its apply waits takes its provider with it.
//!
//! "Slow" comes from the data, never from the desired schema alone, so
//! normalization and the plan's replay (which see no rows) stay fast: a CHECK
//! that costs time per row is added to a table that already has rows.

mod common;

use std::thread;
use std::time::{Duration, Instant};

use common::mariadb_db::MariaDb;
use common::postgres_db::PostgresDb;
use common::processes::{has_exited, kill, provider_of};
use common::workspace::RunningTerraform;
use common::{Config, SchemaBlock, Workspace};

/// How long a test waits for something the apply does before giving up (a
/// bound on a wait, not a measurement).
const PATIENCE: Duration = Duration::from_secs(120);

/// The schema lock's key; `pg_locks` shows it split in `classid` and `objid`.
const LOCK_KEY: i64 = tfalchemy::engine::postgres::APPLY_LOCK_KEY;

fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let started = Instant::now();
    while !condition() {
        assert!(started.elapsed() < PATIENCE, "gave up waiting for {what}");
        thread::sleep(Duration::from_millis(50));
    }
}

/// Waits until `observe` sees the apply of `terraform` at work, then kills
/// its provider.
fn kill_provider_during(terraform: &RunningTerraform, what: &str, mut observe: impl FnMut() -> bool) {
    wait_until(what, &mut observe);
    let provider = provider_of(terraform).expect("the provider process of terraform apply");
    kill(provider);
}

// --- PostgreSQL ---------------------------------------------------------

/// Rows that make [`SLOW_CHECK`] take seconds to validate.
const PG_ROWS: &str = "CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL);
    INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 300) g;";

/// `items` gains a CHECK whose function sleeps per row; `audit` and
/// `is_tidy` come first in the same transaction.
fn slow_pg_schema(extra_table: &str) -> String {
    format!(
        "CREATE FUNCTION is_tidy(value text) RETURNS boolean LANGUAGE plpgsql AS $$
         BEGIN
           PERFORM pg_sleep(0.02);
           RETURN value <> '';
         END
         $$;
         CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL CONSTRAINT tidy CHECK (is_tidy(name)));
         CREATE TABLE {extra_table} (id int PRIMARY KEY, note text);"
    )
}

fn pg_workspace(db: &PostgresDb, desired: &str) -> Workspace {
    Workspace::initialized(
        &Config::new()
            .schema(SchemaBlock::new("app", desired).url(&db.url()).allow(&["data_loss"]))
            .render(),
    )
}

fn adding_the_check(db: &PostgresDb) -> bool {
    !db.strings(
        "SELECT query FROM pg_stat_activity \
         WHERE datname = current_database() AND state = 'active' AND query LIKE 'ALTER TABLE%tidy%' \
           AND pid <> pg_backend_pid()",
    )
    .is_empty()
}

fn apply_lock_holders(db: &PostgresDb) -> Vec<String> {
    db.strings(&format!(
        "SELECT pid::text FROM pg_locks WHERE locktype = 'advisory' AND granted \
           AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
           AND (classid::bigint << 32 | objid::bigint) = {LOCK_KEY}"
    ))
}

fn user_objects(db: &PostgresDb) -> Vec<String> {
    db.strings(
        "SELECT 'table ' || relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
           WHERE n.nspname = 'public' AND c.relkind = 'r' \
         UNION ALL SELECT 'function ' || proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
           WHERE n.nspname = 'public' \
         UNION ALL SELECT 'constraint ' || conname FROM pg_constraint WHERE contype = 'c' \
           AND connamespace = 'public'::regnamespace \
         ORDER BY 1",
    )
}

#[test]
fn postgres_provider_killed_mid_apply_leaves_nothing_and_the_next_apply_converges() {
    let db = PostgresDb::new();
    db.execute(PG_ROWS);
    let before = user_objects(&db);
    let workspace = pg_workspace(&db, &slow_pg_schema("audit"));

    let apply = workspace.start(&["apply", "-input=false", "-no-color", "-auto-approve"]);
    kill_provider_during(&apply, "the apply to add the CHECK", || adding_the_check(&db));
    let killed = apply.wait();
    assert_ne!(killed.exit_code, Some(0), "the apply should fail\n{killed}");

    // The transaction never committed: not even its first statements show.
    assert_eq!(user_objects(&db), before);
    // Its session ends when the server notices the client is gone; with it
    // go the transaction and the schema lock.
    wait_until("the killed apply's session to release the schema lock", || {
        apply_lock_holders(&db).is_empty()
    });
    assert_eq!(user_objects(&db), before);
    assert_eq!(db.strings("SELECT count(*)::text FROM items"), vec!["300"]);

    workspace.apply().success();
    assert_eq!(
        user_objects(&db),
        vec!["constraint tidy", "function is_tidy", "table audit", "table items"]
    );
    workspace.plan().no_changes();
}

#[test]
fn postgres_two_applies_at_once_are_serialized_and_never_interleave() {
    let db = PostgresDb::new();
    db.execute(PG_ROWS);
    let (first_sql, second_sql) = (slow_pg_schema("audit_first"), slow_pg_schema("audit_second"));
    let first = pg_workspace(&db, &first_sql);
    let second = pg_workspace(&db, &second_sql);

    let args = ["apply", "-input=false", "-no-color", "-auto-approve"];
    let running = [first.start(&args), second.start(&args)];
    let outcomes: Vec<_> = running.into_iter().map(RunningTerraform::wait).collect();

    // The one that got the lock second found the schema moved under it, or
    // planned after the first committed and moved it on; nothing else.
    let succeeded = outcomes.iter().filter(|o| o.exit_code == Some(0)).count();
    assert!(succeeded >= 1, "{outcomes:#?}");
    for outcome in outcomes.iter().filter(|o| o.exit_code != Some(0)) {
        assert!(outcome.combined().contains("changed since the plan"), "{outcome}");
    }
    let with = |extra: &str| {
        let mut objects = vec![
            "constraint tidy".to_string(),
            "function is_tidy".to_string(),
            format!("table {extra}"),
            "table items".to_string(),
        ];
        objects.sort();
        objects
    };
    let finished = user_objects(&db);
    assert!(
        finished == with("audit_first") || finished == with("audit_second"),
        "the schema mixes both applies: {finished:?}"
    );

    // Each workspace converges on its own desired schema when applied again.
    for workspace in [&first, &second] {
        workspace.apply().success();
        workspace.plan().no_changes();
    }
    assert_eq!(user_objects(&db), with("audit_second"));
}

/// Between the plan `terraform apply` shows and its approval, someone creates
/// a table the plan was going to create. The apply-time plan of a new
/// resource sees another database than the plan did: Terraform must hear
/// "changed since the plan", not a different plan (which it reports as a
/// provider bug), and nothing may change.
#[test]
fn a_database_changed_while_apply_awaits_approval_is_named_not_reported_as_a_provider_bug() {
    let db = PostgresDb::new();
    db.execute(PG_ROWS);
    let desired = "CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL);
                   CREATE TABLE audit (id int PRIMARY KEY, note text);
                   CREATE TABLE extra (id int PRIMARY KEY);";
    let workspace = pg_workspace(&db, desired);

    let mut apply = workspace.start_asking(&["apply", "-no-color"]);
    apply.wait_for_its_plan(&workspace);
    db.execute("CREATE TABLE audit (id int PRIMARY KEY, note text)");
    apply.answer("yes");
    let refused = apply.wait();
    assert_ne!(refused.exit_code, Some(0), "the apply should be refused\n{refused}");
    assert!(
        refused.combined().contains("changed since the plan was made"),
        "{refused}"
    );
    assert_eq!(user_objects(&db), vec!["table audit", "table items"]);

    // The next apply plans for the database as it is now.
    let applied = workspace.apply().success();
    assert!(
        applied.stdout.contains("CREATE TABLE \"public\".\"extra\""),
        "{applied}"
    );
    assert!(!applied.stdout.contains("\"audit\""), "{applied}");
    assert_eq!(user_objects(&db), vec!["table audit", "table extra", "table items"]);
    workspace.plan().no_changes();
}

/// The provider's sessions on `db` (it names itself in `application_name`).
fn provider_sessions(db: &PostgresDb) -> Vec<String> {
    db.strings(
        "SELECT coalesce(query, '') FROM pg_stat_activity \
         WHERE datname = current_database() AND application_name = 'terraform-provider-sqlalchemy'",
    )
}

/// How soon an orphaned provider must be gone.
const ORPHAN_EXIT: Duration = Duration::from_secs(5);

#[test]
fn terraform_killed_while_its_apply_waits_for_the_schema_lock_takes_its_provider_with_it() {
    let db = PostgresDb::new();
    db.execute(PG_ROWS);
    let before = user_objects(&db);
    let workspace = pg_workspace(&db, &slow_pg_schema("audit"));
    // Another apply, as far as this one can tell, holds the schema lock.
    let other_apply = db.hold(&format!("SELECT pg_advisory_lock({LOCK_KEY})"));

    let apply = workspace.start(&["apply", "-input=false", "-no-color", "-auto-approve"]);
    wait_until("the apply to wait for the schema lock", || {
        provider_sessions(&db)
            .iter()
            .any(|query| query.contains("pg_try_advisory_lock"))
    });
    let provider = provider_of(&apply).expect("the provider process of terraform apply");
    kill(apply.id());
    let killed = apply.wait();
    assert_eq!(killed.exit_code, None, "terraform was killed\n{killed}");

    let orphaned = Instant::now();
    while !has_exited(provider) {
        assert!(
            orphaned.elapsed() < ORPHAN_EXIT,
            "the provider {provider} still runs {} s after Terraform was killed",
            ORPHAN_EXIT.as_secs()
        );
        thread::sleep(Duration::from_millis(50));
    }
    // Its session went with it, having changed nothing.
    wait_until("the provider's session to end", || provider_sessions(&db).is_empty());
    drop(other_apply);
    assert_eq!(user_objects(&db), before);
    assert!(apply_lock_holders(&db).is_empty());
}

// --- SQLite -------------------------------------------------------------

/// `items` is rebuilt to gain a CHECK that costs time per row; `audit` is
/// created in the same transaction.
const SQLITE_SLOW: &str = "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL \
                           CHECK (length(hex(zeroblob(1000000 + id))) > 0));
                           CREATE TABLE audit (id INTEGER PRIMARY KEY, note TEXT);";

#[test]
fn sqlite_provider_killed_mid_apply_leaves_nothing_and_the_next_apply_converges() {
    let workspace = Workspace::new();
    let db = workspace.sqlite("app");
    db.execute(
        "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
         WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n LIMIT 1000)
         INSERT INTO items SELECT x, 'item ' || x FROM n;",
    );
    workspace.write_main_tf(
        &Config::new()
            .schema(SchemaBlock::new("app", SQLITE_SLOW).url(&db.url()))
            .render(),
    );
    workspace.init().success();
    let journal = db.path().with_extension("db-journal");

    let apply = workspace.start(&["apply", "-input=false", "-no-color", "-auto-approve"]);
    // The rollback journal exists while the apply's write transaction is open.
    kill_provider_during(&apply, "the apply's write transaction", || journal.exists());
    let killed = apply.wait();
    assert_ne!(killed.exit_code, Some(0), "the apply should fail\n{killed}");

    // The next connection rolls the hot journal back: the old schema and rows.
    assert_eq!(db.tables(), vec!["items"]);
    assert_eq!(db.row_count("items"), 1000);
    assert_eq!(db.strings("PRAGMA integrity_check", &[]), vec!["ok"]);

    workspace.apply().success();
    assert_eq!(db.tables(), vec!["audit", "items"]);
    assert_eq!(db.row_count("items"), 1000);
    workspace.plan().no_changes();
}

// --- MariaDB -------------------------------------------------------------

/// Enough rows that copying `items` (a type change, ALGORITHM=COPY) takes
/// seconds; MariaDB's sequence engine makes them in one statement.
const MARIADB_ROWS: &str = "CREATE TABLE items (id int PRIMARY KEY, name varchar(40) NOT NULL);
    INSERT INTO items SELECT seq, CONCAT('item ', seq) FROM seq_1_to_400000;
    CREATE TABLE tags (id int PRIMARY KEY, note varchar(40));";

/// A new table first (it commits on its own), then `items` copied into a
/// wider column, then `tags` widened.
fn slow_mariadb_schema(extra_table: &str) -> String {
    format!(
        "CREATE TABLE items (id int PRIMARY KEY, name varchar(200) NOT NULL);
         CREATE TABLE tags (id int PRIMARY KEY, note varchar(200));
         CREATE TABLE {extra_table} (id int PRIMARY KEY, note text);"
    )
}

fn mariadb_workspace(db: &MariaDb, desired: &str) -> Workspace {
    Workspace::initialized(
        &Config::new()
            .schema(SchemaBlock::new("app", desired).url(&db.url()).allow(&["all"]))
            .render(),
    )
}

fn copying_items(db: &MariaDb) -> bool {
    !db.strings(
        "SELECT CAST(ID AS CHAR) FROM information_schema.PROCESSLIST \
         WHERE DB = DATABASE() AND INFO LIKE 'ALTER TABLE `items`%' AND ID <> CONNECTION_ID()",
    )
    .is_empty()
}

fn mariadb_tables(db: &MariaDb) -> Vec<String> {
    db.strings(
        "SELECT CONCAT(TABLE_NAME, ' ', COLUMN_TYPE) FROM information_schema.COLUMNS \
         WHERE TABLE_SCHEMA = DATABASE() AND COLUMN_NAME IN ('name', 'note') ORDER BY 1",
    )
}

#[test]
fn mariadb_provider_killed_mid_apply_stops_where_it_was_and_the_next_apply_converges() {
    let db = MariaDb::new();
    db.execute(MARIADB_ROWS);
    let workspace = mariadb_workspace(&db, &slow_mariadb_schema("audit"));

    let apply = workspace.start(&["apply", "-input=false", "-no-color", "-auto-approve"]);
    kill_provider_during(&apply, "the apply to copy items", || copying_items(&db));
    let killed = apply.wait();
    assert_ne!(killed.exit_code, Some(0), "the apply should fail\n{killed}");

    // DDL is not transactional: the new table stays. The server finishes
    // (or abandons) the ALTER it was running on its own; the statement after
    // it was never sent.
    wait_until("the killed apply's ALTER to end", || !copying_items(&db));
    let after_kill = mariadb_tables(&db);
    assert!(after_kill.contains(&"audit text".to_string()), "{after_kill:?}");
    assert!(after_kill.contains(&"tags varchar(40)".to_string()), "{after_kill:?}");
    assert_eq!(db.strings("SELECT CAST(COUNT(*) AS CHAR) FROM items"), vec!["400000"]);

    // The next plan is what is left; applying it converges.
    workspace
        .plan()
        .changes()
        .shows_sql("MODIFY COLUMN `note` varchar(200)")
        .lacks("CREATE TABLE `audit`");
    workspace.apply().success();
    assert_eq!(
        mariadb_tables(&db),
        vec!["audit text", "items varchar(200)", "tags varchar(200)"]
    );
    workspace.plan().no_changes();
}

#[test]
fn mariadb_two_applies_at_once_are_serialized_and_never_interleave() {
    let db = MariaDb::new();
    db.execute(MARIADB_ROWS);
    let first = mariadb_workspace(&db, &slow_mariadb_schema("audit_first"));
    let second = mariadb_workspace(&db, &slow_mariadb_schema("audit_second"));

    let args = ["apply", "-input=false", "-no-color", "-auto-approve"];
    let running = [first.start(&args), second.start(&args)];
    let outcomes: Vec<_> = running.into_iter().map(RunningTerraform::wait).collect();

    // The one that took the lock second found the schema moved under it, or
    // planned after the first finished and moved it on; nothing else.
    assert!(outcomes.iter().any(|o| o.exit_code == Some(0)), "{outcomes:#?}");
    for outcome in outcomes.iter().filter(|o| o.exit_code != Some(0)) {
        assert!(outcome.combined().contains("changed since the plan"), "{outcome}");
    }
    let finished = mariadb_tables(&db);
    let with = |extra: &str| {
        vec![
            format!("{extra} text"),
            "items varchar(200)".to_string(),
            "tags varchar(200)".to_string(),
        ]
    };
    assert!(
        finished == with("audit_first") || finished == with("audit_second"),
        "the schema mixes both applies: {finished:?}"
    );

    for workspace in [&first, &second] {
        workspace.apply().success();
        workspace.plan().no_changes();
    }
    assert_eq!(mariadb_tables(&db), with("audit_second"));
}
