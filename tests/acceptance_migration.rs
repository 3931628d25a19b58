//! Acceptance tests of `sqlalchemy_migration` and `sqlalchemy_migrations`:
//! real Terraform, the `migrate` CLI writing the files, real SQLite files and
//! a real PostgreSQL server. One test per story a user lives through.

mod common;

use std::path::Path;
use std::process::Output;

use common::cli::command;
use common::hcl::quote;
use common::mariadb_db::MariaDb;
use common::postgres_db::PostgresDb;
use common::state_json::{planned_change, state_values, strings};
use common::{Config, Workspace};

const MIGRATION: &str = "sqlalchemy_migration.app";

/// The models, as DDL: v1, then v2 (a column added, one dropped, an index).
const V1: &str = "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, nickname TEXT);\n";
const V2: &str = "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, age INTEGER);\n\
                  CREATE INDEX ix_users_email ON users (email);\n";

/// Runs the provider binary's CLI in the workspace.
#[track_caller]
fn cli(workspace: &Workspace, args: &[&str]) -> Output {
    let output = command(workspace.workdir())
        .args(args)
        .output()
        .expect("running the CLI");
    assert!(
        output.status.success(),
        "{args:?} failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// `migrate diff NAME` from the DDL `desired`, with version `version`.
#[track_caller]
fn diff(workspace: &Workspace, dialect: &str, dev_url: Option<&str>, name: &str, desired: &str, version: &str) {
    let file = format!("{name}.desired.sql");
    workspace.write_file(&file, desired);
    let mut args = vec!["migrate", "diff", name, "--dir", "migrations", "--dialect", dialect];
    args.extend(["--desired", &file, "--version", version]);
    if let Some(dev_url) = dev_url {
        args.extend(["--dev-url", dev_url]);
    }
    cli(workspace, &args);
}

/// `resource "sqlalchemy_migration" "app"` with `url`, `dir = "migrations"`
/// and `extra` lines.
fn migration(url: &str, extra: &str) -> String {
    format!(
        "resource \"sqlalchemy_migration\" \"app\" {{\n  url = {}\n  dir = \"migrations\"\n{extra}}}\n",
        quote(url)
    )
}

fn write_config(workspace: &Workspace, blocks: &[String]) {
    let config = blocks.iter().fold(Config::new(), |config, block| config.raw(block));
    workspace.write_main_tf(&config.render());
}

fn migration_file(workspace: &Workspace, name: &str) -> String {
    std::fs::read_to_string(workspace.workdir().join("migrations").join(name)).expect("migration file")
}

#[test]
fn sqlite_v1_diff_apply_v2_diff_plan_shows_the_new_file_apply_then_nothing() {
    let workspace = Workspace::new();
    let db = workspace.sqlite("app");
    diff(&workspace, "sqlite", None, "init", V1, "0001");
    write_config(&workspace, &[migration(&db.url(), "")]);
    workspace.init().success();

    let (plan, plan_file) = workspace.plan_to_file("v1.tfplan");
    plan.changes().shows_sql("CREATE TABLE users (");
    let shown = workspace.show_plan(&plan_file);
    let after = &planned_change(&shown, MIGRATION)["after"];
    assert_eq!(after["current_version"], "0001");
    assert_eq!(after["dir"], "migrations", "dir is stored as written");
    assert_eq!(after["pending"][0]["version"], "0001");
    assert_eq!(after["pending"][0]["name"], "init");
    workspace.apply_plan_file(&plan_file).success();
    workspace.plan().no_changes();
    assert_eq!(db.tables(), vec!["tfalchemy_revisions", "users"]);

    diff(&workspace, "sqlite", None, "v2", V2, "0002");
    let file = migration_file(&workspace, "0002_v2.sql");
    // Dropping a column loses data: denied unless the policy allows it.
    workspace
        .plan()
        .failure()
        .says("Plan blocked by policy: drops_column")
        .says("Pending migration 0002_v2.sql (version 0002)");
    write_config(
        &workspace,
        &[migration(
            &db.url(),
            "  policy {\n    allow = [\"drops_column\"]\n  }\n",
        )],
    );
    let (plan, plan_file) = workspace.plan_to_file("v2.tfplan");
    plan.changes()
        .lacks("CREATE TABLE users")
        .shows_sql(r#"ADD COLUMN "age""#)
        .shows_sql("CREATE INDEX ix_users_email ON users (email)");
    let shown = workspace.show_plan(&plan_file);
    let after = &planned_change(&shown, MIGRATION)["after"];
    let pending = after["pending"].as_array().expect("pending");
    assert_eq!(pending.len(), 1, "only the new file: {pending:?}");
    assert_eq!(pending[0]["version"], "0002");
    let statements = strings(&pending[0]["statements"]);
    for statement in &statements {
        assert!(
            file.contains(statement.as_str()),
            "{statement} not in the file:\n{file}"
        );
    }
    assert_eq!(strings(&after["planned_sql"]), statements);
    let codes: Vec<&str> = pending[0]["hazards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"drops_column"), "{codes:?}");
    workspace.apply_plan_file(&plan_file).success();
    workspace.plan().no_changes();
    let columns: Vec<String> = db.columns("users").into_iter().map(|c| c.name).collect();
    assert_eq!(columns, vec!["id", "email", "age"]);

    let state = workspace.show_state();
    let values = state_values(&state, MIGRATION);
    assert_eq!(values["current_version"], "0002");
    let applied: Vec<&str> = values["applied"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["version"].as_str().unwrap())
        .collect();
    assert_eq!(applied, vec!["0001", "0002"]);
    assert!(values["applied"][1]["applied_at"].as_str().unwrap().ends_with('Z'));
    assert!(values["desired_sql"].is_null());

    // The schema reached is the one sqlalchemy_schema reaches from the same DDL.
    let reference = workspace.sqlite("reference");
    write_config(
        &workspace,
        &[
            migration(&db.url(), "  policy {\n    allow = [\"drops_column\"]\n  }\n"),
            schema_block("migrated", &db.url(), V2, ""),
            schema_block("reference", &reference.url(), V2, ""),
        ],
    );
    workspace.apply().success();
    same_schema_hash(&workspace);
}

fn schema_block(name: &str, url: &str, ddl: &str, extra: &str) -> String {
    format!(
        "resource \"sqlalchemy_schema\" \"{name}\" {{\n  url = {}\n  desired_sql = {}\n{extra}}}\n",
        quote(url),
        quote(ddl)
    )
}

/// `sqlalchemy_schema.migrated` (over the migrated database) planned
/// nothing, and has the hash `sqlalchemy_schema.reference` reached.
#[track_caller]
fn same_schema_hash(workspace: &Workspace) {
    let state = workspace.show_state();
    let migrated = state_values(&state, "sqlalchemy_schema.migrated");
    let reference = state_values(&state, "sqlalchemy_schema.reference");
    assert_eq!(strings(&migrated["planned_sql"]), Vec::<String>::new(), "{migrated:#}");
    assert_eq!(migrated["schema_hash"], reference["schema_hash"]);
}

/// A workspace whose migration `0001` (from V1) is applied to `app.db`.
fn applied_v1() -> (Workspace, common::SqliteDb) {
    let workspace = Workspace::new();
    let db = workspace.sqlite("app");
    diff(&workspace, "sqlite", None, "init", V1, "0001");
    write_config(&workspace, &[migration(&db.url(), "")]);
    workspace.init().success();
    workspace.apply().success();
    (workspace, db)
}

#[test]
fn an_edited_applied_file_a_database_ahead_and_a_missing_revisions_table_are_errors() {
    let (workspace, db) = applied_v1();
    let path = workspace.workdir().join("migrations/0001_init.sql");
    let original = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("{original}CREATE TABLE extra (id INTEGER);\n")).unwrap();
    cli(&workspace, &["migrate", "hash", "--dir", "migrations"]);
    workspace
        .plan()
        .failure()
        .says("The database does not match the migration directory")
        .says("0001_init.sql was edited after it was applied")
        .says("put the change in a new migration");
    std::fs::write(&path, original).unwrap();
    cli(&workspace, &["migrate", "hash", "--dir", "migrations"]);
    workspace.plan().no_changes();

    db.execute(
        "INSERT INTO tfalchemy_revisions VALUES ('0009', 'later', 'h1:x', 1, 1, 0, '2025-01-01T00:00:00Z', 'ok')",
    );
    workspace
        .plan()
        .failure()
        .says("the database is ahead of the directory: version 0009 (later)")
        .says("pull the latest migrations");
    db.execute("DELETE FROM tfalchemy_revisions WHERE version = '0009'");
    workspace.plan().no_changes();

    db.execute("DROP TABLE tfalchemy_revisions");
    workspace
        .plan()
        .failure()
        .says("The revisions table is missing")
        .says("is not treated as empty");
}

#[test]
fn a_failing_file_mid_directory_is_rolled_back_and_the_error_says_how_to_resume() {
    let (workspace, db) = applied_v1();
    db.execute("INSERT INTO users (id, email) VALUES (1, 'ada@example.com')");
    cli(
        &workspace,
        &["migrate", "new", "seed", "--dir", "migrations", "--version", "0002"],
    );
    let path = workspace.workdir().join("migrations/0002_seed.sql");
    let header = std::fs::read_to_string(&path).unwrap();
    // Replays cleanly in an empty scratch database; fails on the live row.
    let failing =
        "CREATE TABLE audit (id INTEGER PRIMARY KEY);\nINSERT INTO users (id, email) VALUES (1, 'bob@example.com');\n";
    std::fs::write(&path, format!("{header}{failing}")).unwrap();
    cli(&workspace, &["migrate", "hash", "--dir", "migrations"]);
    workspace.plan().changes().shows_sql("INSERT INTO users");
    workspace
        .apply()
        .failure()
        .says("applying 0002_seed.sql")
        .says("failed at statement 2 (line")
        .says("Nothing of 0002_seed.sql was committed")
        .says("apply again");
    assert!(!db.has_table("audit"), "the failed file was rolled back");
    assert_eq!(
        db.strings(
            "SELECT version || ' ' || state FROM tfalchemy_revisions ORDER BY version",
            &[]
        ),
        vec!["0001 ok", "0002 failed"]
    );
    std::fs::write(&path, format!("{header}{}", failing.replace("(1, 'bob", "(2, 'bob"))).unwrap();
    cli(&workspace, &["migrate", "hash", "--dir", "migrations"]);
    workspace.apply().success();
    assert!(db.has_table("audit"));
    workspace.plan().no_changes();
}

#[test]
fn desired_sql_gate_fails_the_plan_naming_the_missing_change_and_the_command() {
    let (workspace, db) = applied_v1();
    let gated = |ddl: &str| migration(&db.url(), &format!("  desired_sql = {}\n", quote(ddl)));
    write_config(&workspace, &[gated(V2)]);
    workspace
        .plan()
        .failure()
        .says("The migrations do not create the desired schema")
        .says("ix_users_email")
        .says("terraform-provider-sqlalchemy migrate diff <name> --dir migrations --dialect sqlite");
    write_config(&workspace, &[gated(V1)]);
    workspace.plan().no_changes();
}

#[test]
fn baseline_records_the_files_of_an_existing_schema_without_running_them() {
    let workspace = Workspace::new();
    let db = workspace.sqlite("app");
    db.execute(V1);
    db.execute("INSERT INTO users (id, email) VALUES (1, 'ada@example.com')");
    diff(&workspace, "sqlite", None, "init", V1, "0001");
    // Without a baseline, the existing schema is refused.
    write_config(&workspace, &[migration(&db.url(), "")]);
    workspace.init().success();
    workspace.plan().failure().says("it was changed outside the migrations");

    write_config(&workspace, &[migration(&db.url(), "  baseline = \"0001\"\n")]);
    workspace
        .plan()
        .changes()
        .says("Baseline: migrations recorded without running")
        .lacks("CREATE TABLE");
    workspace.apply().success();
    assert_eq!(
        db.strings("SELECT version || ' ' || state FROM tfalchemy_revisions", &[]),
        vec!["0001 ok"]
    );
    assert_eq!(db.strings("SELECT email FROM users", &[]), vec!["ada@example.com"]);
    workspace.plan().no_changes();
}

#[test]
fn the_data_source_lists_files_and_where_a_database_stands() {
    let (workspace, db) = applied_v1();
    diff(&workspace, "sqlite", None, "v2", V2, "0002");
    let data = format!(
        "data \"sqlalchemy_migrations\" \"m\" {{\n  dir = \"migrations\"\n  url = {}\n}}\n\
         output \"latest\" {{ value = data.sqlalchemy_migrations.m.latest }}\n\
         output \"current\" {{ value = data.sqlalchemy_migrations.m.current }}\n\
         output \"pending\" {{ value = [for f in data.sqlalchemy_migrations.m.pending : f.version] }}\n\
         output \"files\" {{ value = [for f in data.sqlalchemy_migrations.m.files : \"${{f.version}}_${{f.name}}\"] }}\n",
        quote(&db.url())
    );
    write_config(&workspace, &[data]);
    workspace.apply().success();
    let outputs = workspace.run(&["output", "-json"]).success();
    let outputs: serde_json::Value = serde_json::from_str(&outputs.stdout).unwrap();
    assert_eq!(outputs["latest"]["value"], "0002");
    assert_eq!(outputs["current"]["value"], "0001");
    assert_eq!(strings(&outputs["pending"]["value"]), vec!["0002"]);
    assert_eq!(strings(&outputs["files"]["value"]), vec!["0001_init", "0002_v2"]);
    assert_eq!(
        db.strings("SELECT CAST(count(*) AS TEXT) FROM tfalchemy_revisions", &[]),
        vec!["1"]
    );
}

#[test]
fn a_dir_unknown_at_plan_time_plans_unknown_values_and_applies() {
    let workspace = Workspace::new();
    let db = workspace.sqlite("app");
    diff(&workspace, "sqlite", None, "init", V1, "0001");
    let later = "resource \"terraform_data\" \"dir\" {\n  input = \"migrations\"\n}\n".to_string();
    let resource = format!(
        "resource \"sqlalchemy_migration\" \"app\" {{\n  url = {}\n  dir = terraform_data.dir.output\n}}\n",
        quote(&db.url())
    );
    write_config(&workspace, &[later, resource]);
    workspace.init().success();
    let (plan, plan_file) = workspace.plan_to_file("unknown.tfplan");
    plan.changes();
    let shown = workspace.show_plan(&plan_file);
    let unknown = &planned_change(&shown, MIGRATION)["after_unknown"];
    for attribute in ["dir", "current_version", "pending", "planned_sql", "applied"] {
        assert_eq!(unknown[attribute], true, "{attribute}: {unknown:#}");
    }
    workspace.apply_plan_file(&plan_file).success();
    assert!(db.has_table("users"));
    workspace.plan().no_changes();
    workspace.destroy().success().says("Destroy keeps the database");
    assert!(db.has_table("users"), "destroy keeps the database");
}

#[test]
fn postgres_v1_diff_apply_v2_diff_plan_shows_the_new_file_apply_then_nothing() {
    let workspace = Workspace::new();
    let db = PostgresDb::new();
    let dev = PostgresDb::new();
    let reference = PostgresDb::new();
    let v1 = "CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL);\n";
    let v2 = "CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL, age integer NOT NULL DEFAULT 0);\n\
              CREATE INDEX ix_users_email ON users (email);\n";
    diff(&workspace, "postgresql", Some(&dev.url()), "init", v1, "0001");
    let custom_table = "  revisions_table = \"public.schema_revisions\"\n";
    write_config(&workspace, &[migration(&db.url(), custom_table)]);
    workspace.init().success();
    workspace.plan().changes().shows_sql(r#"CREATE TABLE "public"."users""#);
    workspace.apply().success();
    workspace.plan().no_changes();
    assert!(
        db.tables().iter().any(|t| t.contains("schema_revisions")),
        "{:?}",
        db.tables()
    );

    diff(&workspace, "postgresql", Some(&dev.url()), "v2", v2, "0002");
    let (plan, plan_file) = workspace.plan_to_file("v2.tfplan");
    plan.changes()
        .lacks(r#"CREATE TABLE "public"."users""#)
        .shows_sql(r#"ADD COLUMN "age""#)
        .says("Hazard builds_index_blocking_writes");
    let shown = workspace.show_plan(&plan_file);
    let pending = planned_change(&shown, MIGRATION)["after"]["pending"].clone();
    assert_eq!(pending.as_array().unwrap().len(), 1, "{pending:#}");
    assert_eq!(
        pending[0]["hazards"][0]["code"], "builds_index_blocking_writes",
        "{pending:#}"
    );
    workspace.apply_plan_file(&plan_file).success();
    workspace.plan().no_changes();

    write_config(
        &workspace,
        &[
            migration(&db.url(), custom_table),
            // The custom revisions table is recognised: no `exclude` needed.
            schema_block("migrated", &db.url(), v2, ""),
            schema_block("reference", &reference.url(), v2, ""),
        ],
    );
    workspace.apply().success();
    same_schema_hash(&workspace);
}

/// MariaDB: no transactional DDL, so each file runs statement by statement;
/// the workflow is the same as on the other dialects.
#[test]
fn mariadb_v1_diff_apply_v2_diff_plan_shows_the_new_file_apply_then_nothing() {
    let workspace = Workspace::new();
    let db = MariaDb::new();
    let dev = MariaDb::new();
    let reference = MariaDb::new();
    let v1 = "CREATE TABLE users (id int PRIMARY KEY, email varchar(255) NOT NULL, nickname varchar(50));\n";
    let v2 = "CREATE TABLE users (id int PRIMARY KEY, email varchar(255) NOT NULL, age int NOT NULL DEFAULT 0);\n\
              CREATE INDEX ix_users_email ON users (email);\n";
    diff(&workspace, "mariadb", Some(&dev.url()), "init", v1, "0001");
    let custom_table = "  revisions_table = \"schema_revisions\"\n";
    write_config(&workspace, &[migration(&db.url(), custom_table)]);
    workspace.init().success();
    workspace.plan().changes().shows_sql("CREATE TABLE `users`");
    workspace.apply().success();
    workspace.plan().no_changes();
    assert_eq!(
        db.strings("SELECT CAST(CONCAT(version, ' ', state, ' ', statements_applied) AS CHAR) FROM schema_revisions"),
        vec!["0001 ok 1"]
    );

    diff(&workspace, "mariadb", Some(&dev.url()), "v2", v2, "0002");
    let file = migration_file(&workspace, "0002_v2.sql");
    assert!(file.contains("-- hazard drops_column:"), "{file}");
    // Data loss fails the plan unless the policy says otherwise.
    workspace
        .plan()
        .failure()
        .says("Plan blocked by policy: drops_column")
        .says("0002_v2.sql");
    let custom_table = "  revisions_table = \"schema_revisions\"\n  policy {\n    warn = [\"drops_column\"]\n  }\n";
    write_config(&workspace, &[migration(&db.url(), custom_table)]);
    let (plan, plan_file) = workspace.plan_to_file("v2.tfplan");
    plan.changes()
        .lacks("CREATE TABLE `users`")
        .shows_sql("ADD COLUMN `age`")
        .shows_sql("DROP COLUMN `nickname`")
        .says("Hazard drops_column");
    let shown = workspace.show_plan(&plan_file);
    let pending = planned_change(&shown, MIGRATION)["after"]["pending"].clone();
    assert_eq!(pending.as_array().unwrap().len(), 1, "{pending:#}");
    assert_eq!(pending[0]["version"], "0002", "{pending:#}");
    workspace.apply_plan_file(&plan_file).success();
    workspace.plan().no_changes();

    write_config(
        &workspace,
        &[
            migration(&db.url(), custom_table),
            // The custom revisions table is recognised by its columns on
            // MariaDB too: `sqlalchemy_schema` plans no drop of it.
            schema_block("migrated", &db.url(), v2, ""),
            schema_block("reference", &reference.url(), v2, ""),
        ],
    );
    workspace.apply().success();
    same_schema_hash(&workspace);
}

#[test]
fn the_migrations_example_applies_and_then_plans_nothing() {
    let workspace = Workspace::new();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/migrations");
    for name in ["main.tf", "schema.sql"] {
        workspace.write_file(name, &std::fs::read_to_string(example.join(name)).unwrap());
    }
    let migrations = workspace.workdir().join("migrations");
    std::fs::create_dir(&migrations).unwrap();
    for entry in std::fs::read_dir(example.join("migrations")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), migrations.join(entry.file_name())).unwrap();
    }
    // The example pins the provider by its registry source; the harness
    // mirror serves the build under test for it.
    let main = std::fs::read_to_string(workspace.workdir().join("main.tf")).unwrap();
    let pinned = Config::new().render();
    let body = &main[main.find("resource ").unwrap()..];
    workspace.write_main_tf(&format!("{pinned}\n{body}"));
    workspace.init().success();
    workspace.plan().changes().shows_sql(r#"CREATE TABLE "posts""#);
    workspace.apply().success();
    workspace.plan().no_changes();
    let state = workspace.show_state();
    assert_eq!(state_values(&state, MIGRATION)["current_version"], "20250301090000");
}

#[test]
fn a_deleted_applied_file_fails_the_plan_naming_it_until_it_is_restored() {
    let (workspace, _db) = applied_v1();
    diff(
        &workspace,
        "sqlite",
        None,
        "tags",
        &format!("{V1}CREATE TABLE tags (id INTEGER PRIMARY KEY);\n"),
        "0002",
    );
    workspace.apply().success();
    // 0001 deleted while 0002 is still there: a file missing, not a
    // directory behind the database.
    let path = workspace.workdir().join("migrations/0001_init.sql");
    let original = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    cli(&workspace, &["migrate", "hash", "--dir", "migrations"]);
    workspace
        .plan()
        .failure()
        .says("version 0001 (init) is applied but its file is missing from the directory")
        .says("restore it");
    std::fs::write(&path, original).unwrap();
    cli(&workspace, &["migrate", "hash", "--dir", "migrations"]);
    workspace.plan().no_changes();
}

#[test]
fn a_file_without_a_transaction_that_fails_midway_resumes_at_the_failed_statement() {
    let (workspace, db) = applied_v1();
    db.execute("INSERT INTO users (id, email) VALUES (1, 'ada@example.com')");
    cli(
        &workspace,
        &["migrate", "new", "seed", "--dir", "migrations", "--version", "0002"],
    );
    let path = workspace.workdir().join("migrations/0002_seed.sql");
    let header = std::fs::read_to_string(&path).unwrap();
    // Statement 1 commits on its own; statement 2 fails on the live row.
    let body = "-- tfalchemy:txmode none\nCREATE TABLE audit (id INTEGER PRIMARY KEY);\n\
                INSERT INTO users (id, email) VALUES (1, 'bob@example.com');\n\
                CREATE TABLE later (id INTEGER PRIMARY KEY);\n";
    std::fs::write(&path, format!("{header}{body}")).unwrap();
    cli(&workspace, &["migrate", "hash", "--dir", "migrations"]);
    workspace
        .apply()
        .failure()
        .says("applying 0002_seed.sql")
        .says("failed at statement 2 (line")
        .says("resumes at statement 2");
    assert!(db.has_table("audit") && !db.has_table("later"), "{:?}", db.tables());
    assert_eq!(
        db.strings(
            "SELECT version || ' ' || state || ' ' || statements_applied FROM tfalchemy_revisions ORDER BY version",
            &[]
        ),
        vec!["0001 ok 1", "0002 failed 1"]
    );
    // The cause is in the data: fix it there. The file is unchanged, and
    // statement 1 (CREATE TABLE audit) must not run again.
    db.execute("DELETE FROM users WHERE id = 1");
    workspace.apply().success();
    assert!(db.has_table("later"));
    assert_eq!(db.strings("SELECT email FROM users", &[]), vec!["bob@example.com"]);
    assert_eq!(
        db.strings(
            "SELECT version || ' ' || state || ' ' || statements_applied FROM tfalchemy_revisions ORDER BY version",
            &[]
        ),
        vec!["0001 ok 1", "0002 ok 3"]
    );
    workspace.plan().no_changes();
}

/// MariaDB: every file runs like a `txmode none` file, without a directive.
#[test]
fn mariadb_a_file_that_fails_midway_keeps_what_ran_and_the_next_apply_resumes_there() {
    let workspace = Workspace::new();
    let db = MariaDb::new();
    let dev = MariaDb::new();
    diff(
        &workspace,
        "mariadb",
        Some(&dev.url()),
        "init",
        "CREATE TABLE users (id int PRIMARY KEY, email varchar(100) NOT NULL);\n",
        "0001",
    );
    write_config(&workspace, &[migration(&db.url(), "")]);
    workspace.init().success();
    workspace.apply().success();
    db.execute("INSERT INTO users (id, email) VALUES (1, 'ada@example.com')");
    cli(
        &workspace,
        &["migrate", "new", "seed", "--dir", "migrations", "--version", "0002"],
    );
    let path = workspace.workdir().join("migrations/0002_seed.sql");
    let header = std::fs::read_to_string(&path).unwrap();
    // Statement 1 commits by itself (DDL); statement 2 fails on the live row.
    let body = "CREATE TABLE audit (id int PRIMARY KEY);\n\
                INSERT INTO users (id, email) VALUES (1, 'bob@example.com');\n\
                CREATE TABLE later (id int PRIMARY KEY);\n";
    std::fs::write(&path, format!("{header}{body}")).unwrap();
    cli(&workspace, &["migrate", "hash", "--dir", "migrations"]);
    workspace
        .apply()
        .failure()
        .says("applying 0002_seed.sql")
        .says("failed at statement 2 (line")
        .says("its first 1 statement(s) stayed committed")
        .says("resumes at statement 2");
    let revisions = "SELECT CAST(CONCAT(version, ' ', state, ' ', statements_applied) AS CHAR) \
                     FROM tfalchemy_revisions ORDER BY version";
    assert_eq!(db.strings(revisions), vec!["0001 ok 1", "0002 failed 1"]);
    workspace
        .plan()
        .changes()
        .says("0002_seed.sql resumes at statement 2")
        .lacks("CREATE TABLE audit");
    db.execute("DELETE FROM users WHERE id = 1");
    workspace.apply().success();
    assert_eq!(db.strings(revisions), vec!["0001 ok 1", "0002 ok 3"]);
    assert_eq!(
        db.strings("SELECT email FROM users"),
        vec!["bob@example.com".to_string()]
    );
    workspace.plan().no_changes();
}

/// Between the plan `terraform apply` shows and its approval, the same
/// directory is applied by hand (`migrate apply`). The apply-time plan of the
/// new resource reads another revisions table than the plan did: Terraform
/// must hear that the database changed, not get a different plan (which it
/// reports as a provider bug), and no file may run twice.
#[test]
fn migrations_applied_elsewhere_while_apply_awaits_approval_are_named_not_reported_as_a_provider_bug() {
    let db = PostgresDb::new();
    let dev = PostgresDb::new();
    let workspace = Workspace::new();
    let v1 = "CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL);\n";
    diff(&workspace, "postgresql", Some(&dev.url()), "init", v1, "0001");
    write_config(&workspace, &[migration(&db.url(), "")]);
    workspace.init().success();

    let mut apply = workspace.start_asking(&["apply", "-no-color"]);
    apply.wait_for_its_plan(&workspace);
    cli(
        &workspace,
        &[
            "migrate",
            "apply",
            "--url",
            &db.url(),
            "--dir",
            "migrations",
            "--dev-url",
            &dev.url(),
        ],
    );
    apply.answer("yes");
    let refused = apply.wait();
    assert_ne!(refused.exit_code, Some(0), "the apply should be refused\n{refused}");
    assert!(
        refused
            .combined()
            .contains("The database changed since Terraform read it"),
        "{refused}"
    );
    assert_eq!(
        db.strings("SELECT version || ' ' || state FROM tfalchemy_revisions ORDER BY version"),
        vec!["0001 ok"]
    );

    workspace.apply().success();
    workspace.plan().no_changes();
}

#[test]
fn postgres_two_applies_of_one_directory_at_once_run_each_file_once() {
    let db = PostgresDb::new();
    let dev = PostgresDb::new();
    let workspaces = [Workspace::new(), Workspace::new()];
    let v1 = "CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL);\n";
    diff(&workspaces[0], "postgresql", Some(&dev.url()), "init", v1, "0001");
    let source = workspaces[0].workdir().join("migrations");
    std::fs::create_dir_all(workspaces[1].workdir().join("migrations")).unwrap();
    for entry in std::fs::read_dir(&source).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(
            entry.path(),
            workspaces[1].workdir().join("migrations").join(entry.file_name()),
        )
        .unwrap();
    }
    for workspace in &workspaces {
        write_config(workspace, &[migration(&db.url(), "")]);
        workspace.init().success();
    }

    let args = ["apply", "-input=false", "-no-color", "-auto-approve"];
    let running = [workspaces[0].start(&args), workspaces[1].start(&args)];
    let outcomes: Vec<_> = running.into_iter().map(|r| r.wait()).collect();
    // The one that took the lock second finds nothing pending: it either
    // planned after the first committed (no changes), or sees, at its final
    // plan or under the lock, that the revisions moved, and runs nothing.
    assert!(outcomes.iter().any(|o| o.exit_code == Some(0)), "{outcomes:#?}");
    for outcome in outcomes.iter().filter(|o| o.exit_code != Some(0)) {
        let said = outcome.combined();
        assert!(
            said.contains("The database changed since Terraform read it")
                || said.contains("the pending migrations are not the ones planned"),
            "{outcome}"
        );
    }
    assert_eq!(
        db.strings("SELECT version || ' ' || state FROM tfalchemy_revisions ORDER BY version"),
        vec!["0001 ok"]
    );
    for workspace in &workspaces {
        workspace.apply().success();
        workspace.plan().no_changes();
    }
}
