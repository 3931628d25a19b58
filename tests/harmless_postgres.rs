//! A plan changes nothing, whatever the desired SQL says (PostgreSQL). Teams
//! run `terraform plan` on pull requests with production credentials, so
//! desired SQL is treated as untrusted: statements that are not schema
//! definitions are refused before anything runs, and what does run (in a
//! scratch database, inside a transaction that is rolled back) runs no code
//! the definitions carry. Each test checks what the user sees and that the
//! server is as it was: databases, roles, the live schema and its rows.

mod common;

use common::postgres_db::PostgresDb;
use common::{Config, ProviderBlock, SchemaBlock, Workspace};

/// The live table every test keeps, with a row, to prove nothing touched it.
const VICTIMS: &str = "CREATE TABLE victims (id int PRIMARY KEY, note text NOT NULL);\
                       INSERT INTO victims VALUES (1, 'still here');";

/// What the server holds beyond one database's schema.
#[derive(Debug, PartialEq, Eq)]
struct ServerState {
    databases: Vec<String>,
    roles: Vec<String>,
    victims: Vec<String>,
    tables: Vec<String>,
}

/// Databases other tests create and drop meanwhile are not ours to judge:
/// only the names the hostile statements use count. (Temporary databases
/// are checked in tests/acceptance_postgres.rs, which can wait for other
/// processes' to go.)
fn server_state(db: &PostgresDb) -> ServerState {
    ServerState {
        databases: db.strings("SELECT datname::text FROM pg_database WHERE datname LIKE 'harmless_%' ORDER BY 1"),
        roles: db.strings("SELECT rolname::text FROM pg_roles WHERE rolname LIKE 'harmless_%' ORDER BY 1"),
        victims: db.strings("SELECT id || ':' || note FROM victims ORDER BY id"),
        tables: db.tables(),
    }
}

fn plan_with(
    db: &PostgresDb,
    provider: Option<ProviderBlock>,
    desired_sql: &str,
) -> (Workspace, common::output::TfOutput) {
    let workspace = Workspace::new();
    let mut config = Config::new();
    if let Some(provider) = provider {
        config = config.provider(provider);
    }
    workspace.write_main_tf(
        &config
            .schema(SchemaBlock::new("app", desired_sql).url(&db.url()))
            .render(),
    );
    workspace.init().success();
    let output = workspace.plan();
    (workspace, output)
}

#[test]
fn statements_that_are_not_definitions_are_refused_before_anything_runs() {
    let db = PostgresDb::new();
    db.execute(VICTIMS);
    let marker = std::env::temp_dir().join(format!("harmless_copy_{}", std::process::id()));
    let before = server_state(&db);
    let desired = format!(
        "CREATE TABLE kept (id int);\n\
         INSERT INTO victims VALUES (2, 'inserted');\n\
         DELETE FROM victims;\n\
         COPY victims TO PROGRAM 'touch {marker}';\n\
         COMMIT;\n\
         CREATE ROLE harmless_admin SUPERUSER;\n\
         DROP DATABASE postgres;\n\
         CREATE DATABASE harmless_db;\n\
         SET ROLE postgres;\n\
         ALTER SYSTEM SET work_mem = '1GB';\n\
         DO $$ BEGIN DELETE FROM victims; END $$;\n\
         CREATE TABLE copied AS SELECT * FROM victims;\n",
        marker = marker.display()
    );
    let (_workspace, output) = plan_with(&db, None, &desired);
    output
        .failure()
        .says("a plan does not run 11 of its statements; nothing was run")
        .says("statement 2 (line 2) changes data (INSERT)")
        .says("statement 3 (line 3) changes data (DELETE)")
        .says("statement 4 (line 4) changes data (COPY)")
        .says("statement 5 (line 5) controls the transaction (COMMIT)")
        .says("statement 6 (line 6) acts on the server, beyond this database's schema (CREATE ROLE)")
        .says("statement 7 (line 7) acts on the server, beyond this database's schema (DROP DATABASE)")
        .says("statement 9 (line 9) changes the session or its role (SET ROLE)")
        .says("statement 10 (line 10) acts on the server, beyond this database's schema (ALTER SYSTEM)")
        .says("statement 11 (line 11) executes code while it is defined (DO)")
        .says("statement 12 (line 12) executes code while it is defined (CREATE TABLE … AS runs a query")
        .says("desired_sql = ");
    assert_eq!(server_state(&db), before);
    assert!(!marker.exists(), "COPY … TO PROGRAM ran");
}

#[test]
fn functions_in_definitions_do_not_run_at_plan_time() {
    // Every place PostgreSQL evaluates an expression while running DDL on
    // tables without rows: a partial index's predicate, a CHECK added by
    // ALTER TABLE, a new column's default, a materialized view's query. The
    // function deletes the live rows through dblink if it ever runs.
    let db = PostgresDb::new();
    db.execute(VICTIMS);
    let before = server_state(&db);
    let connection = db.libpq_connection_string();
    let desired = format!(
        "CREATE EXTENSION IF NOT EXISTS dblink;\n\
         CREATE TABLE victims (id int PRIMARY KEY, note text NOT NULL);\n\
         CREATE FUNCTION evil() RETURNS boolean IMMUTABLE LANGUAGE sql AS $$\n\
           SELECT dblink_exec('{connection}', 'DELETE FROM victims') IS NOT NULL\n\
         $$;\n\
         CREATE FUNCTION evil_plpgsql(n int) RETURNS int IMMUTABLE LANGUAGE plpgsql AS $$\n\
         BEGIN PERFORM dblink_exec('{connection}', 'DELETE FROM victims'); RETURN n; END\n\
         $$;\n\
         CREATE TABLE t (a int);\n\
         CREATE INDEX t_evil ON t (a) WHERE evil();\n\
         CREATE INDEX t_evil_expression ON t ((evil_plpgsql(1) + a));\n\
         ALTER TABLE t ADD CONSTRAINT t_check CHECK (evil());\n\
         ALTER TABLE t ADD COLUMN b boolean DEFAULT evil();\n\
         CREATE MATERIALIZED VIEW m AS SELECT evil() AS e;\n"
    );
    let (workspace, output) = plan_with(&db, None, &desired);
    output
        .changes()
        .shows_sql("CREATE INDEX \"t_evil\" ON public.t USING btree (a) WHERE evil()")
        .shows_sql("CREATE MATERIALIZED VIEW \"public\".\"m\" AS SELECT evil() AS e");
    assert_eq!(server_state(&db), before, "the plan changed the server");
    // The plan is verified by replay, and replaying it ran nothing either;
    // a second plan (Terraform's apply-time re-plan does the same) too.
    workspace.plan().changes();
    assert_eq!(server_state(&db), before, "the second plan changed the server");
}

#[test]
fn a_dev_database_cannot_be_committed_into() {
    let db = PostgresDb::new();
    let dev = PostgresDb::new();
    db.execute(VICTIMS);
    let before = server_state(&db);
    let (_workspace, output) = plan_with(
        &db,
        Some(ProviderBlock::new().dev_url(&dev.url())),
        "CREATE TABLE leftover (id int);\nCOMMIT;\nCREATE TABLE victims (id int PRIMARY KEY, note text NOT NULL);",
    );
    output
        .failure()
        .says("statement 2 (line 2) controls the transaction (COMMIT)");
    assert_eq!(server_state(&db), before);
    assert!(
        dev.tables().is_empty(),
        "the dev database was written: {:?}",
        dev.tables()
    );
}

#[test]
fn pg_dump_headers_concurrent_indexes_and_materialized_views_normalize() {
    let db = PostgresDb::new();
    let desired = "SET statement_timeout = 0;\n\
                   SET client_encoding = 'UTF8';\n\
                   SET standard_conforming_strings = on;\n\
                   SELECT pg_catalog.set_config('search_path', '', false);\n\
                   SET check_function_bodies = false;\n\
                   CREATE TABLE public.items (id int PRIMARY KEY, price numeric NOT NULL);\n\
                   CREATE INDEX CONCURRENTLY items_price ON public.items (price);\n\
                   CREATE MATERIALIZED VIEW public.totals AS SELECT count(*) AS n FROM public.items;\n\
                   CREATE TYPE public.size AS ENUM ('s', 'm');\n\
                   ALTER TYPE public.size ADD VALUE 'l';\n\
                   ALTER TABLE public.items ADD COLUMN size public.size DEFAULT 'l';\n";
    let workspace = Workspace::new();
    workspace.write_main_tf(
        &Config::new()
            .schema(SchemaBlock::new("app", desired).url(&db.url()))
            .render(),
    );
    workspace.init().success();
    workspace
        .plan()
        .changes()
        .shows_sql("CREATE INDEX \"items_price\" ON public.items USING btree (price)")
        .shows_sql("CREATE MATERIALIZED VIEW \"public\".\"totals\"");
    workspace.apply().success();
    // Applied for real, the materialized view is populated.
    assert_eq!(db.strings("SELECT n::text FROM public.totals"), vec!["0".to_string()]);
    assert_eq!(
        db.strings("SELECT unnest(enum_range(NULL::public.size))::text"),
        vec!["s".to_string(), "m".to_string(), "l".to_string()]
    );
    workspace.plan().no_changes();
}

#[test]
fn syntax_errors_are_located_and_stop_the_plan() {
    let db = PostgresDb::new();
    db.execute(VICTIMS);
    let before = server_state(&db);
    // An unterminated comment used to hide the rest of the script, which was
    // then planned as DROP TABLE.
    let (_workspace, output) = plan_with(
        &db,
        None,
        "CREATE TABLE victims (id int PRIMARY KEY, note text NOT NULL);\n/* to be continued\nCREATE TABLE more (id int);",
    );
    output
        .failure()
        .says("the desired SQL does not parse at statement 2 (line 2, column 1): unterminated /* comment");
    let (_workspace, output) = plan_with(
        &db,
        None,
        "\u{feff}CREATE TABLE victims (id int PRIMARY KEY, note text NOT NULL);",
    );
    output
        .failure()
        .says("the desired SQL does not parse at statement 1 (line 1, column 1): syntax error");
    assert_eq!(server_state(&db), before);
}

#[test]
fn temporary_databases_killed_providers_left_behind_are_dropped() {
    let db = PostgresDb::new();
    // As a provider killed an hour ago would have left it.
    let an_hour_ago = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        - 3600;
    let abandoned = format!("tfalchemy_dev_{an_hour_ago}_1_00000000deadbeef");
    db.execute(&format!("CREATE DATABASE {abandoned}"));
    let (_workspace, output) = plan_with(&db, None, "CREATE TABLE t (id int);");
    output.changes();
    let left = db.strings(&format!(
        "SELECT datname::text FROM pg_database WHERE datname = '{abandoned}'"
    ));
    if !left.is_empty() {
        db.execute(&format!("DROP DATABASE IF EXISTS {abandoned}"));
    }
    assert!(left.is_empty(), "{abandoned} was not dropped");
}

/// Ctrl-C in a terminal interrupts Terraform's whole process group while the
/// provider is normalizing in its temporary database: the database goes with it.
#[test]
fn an_interrupted_plan_drops_its_temporary_database() {
    let db = PostgresDb::new();
    // Big enough that normalization takes a moment.
    let desired: String = (0..600)
        .map(|i| format!("CREATE TABLE t{i} (id int PRIMARY KEY, name text NOT NULL UNIQUE, n int CHECK (n > 0));\n"))
        .collect();
    let workspace = Workspace::new();
    workspace.write_main_tf(
        &Config::new()
            .schema(SchemaBlock::new("app", &desired).url(&db.url()))
            .render(),
    );
    workspace.init().success();
    let running = workspace.start(&["plan", "-input=false", "-no-color"]);
    let terraform = running.id();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let temporary = loop {
        let providers = children_of(terraform);
        let ours: Vec<String> = db
            .strings("SELECT datname::text FROM pg_database WHERE datname LIKE 'tfalchemy_dev_%'")
            .into_iter()
            .filter(|name| providers.iter().any(|pid| name.contains(&format!("_{pid}_"))))
            .collect();
        if let Some(name) = ours.into_iter().next() {
            break name;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the provider never created its temporary database"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    // The whole process group, as a terminal's Ctrl-C would.
    let status = std::process::Command::new("kill")
        .args(["-INT", "--", &format!("-{terraform}")])
        .status()
        .expect("kill");
    assert!(status.success());
    let output = running.wait();
    assert_ne!(output.exit_code, Some(2), "the plan was interrupted\n{output}");
    let mut left = Vec::new();
    for _ in 0..40 {
        left = db.strings(&format!(
            "SELECT datname::text FROM pg_database WHERE datname = '{temporary}'"
        ));
        if left.is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
    if !left.is_empty() {
        db.execute(&format!("DROP DATABASE IF EXISTS {temporary} WITH (FORCE)"));
    }
    assert!(left.is_empty(), "{temporary} outlived the interrupted plan\n{output}");
}

/// Process ids of the children of `parent` (Terraform's providers).
fn children_of(parent: u32) -> Vec<u32> {
    let Ok(output) = std::process::Command::new("pgrep")
        .args(["-P", &parent.to_string()])
        .output()
    else {
        return Vec::new();
    };
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.trim().parse().ok())
        .collect()
}
