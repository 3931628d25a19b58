//! Acceptance tests of what a plan may do, through real Terraform on real
//! SQLite files and the local PostgreSQL: `policy { skip }`, `drop_on_destroy`,
//! and the first apply against a database that already holds objects.

mod common;

use common::hcl::quote;
use common::postgres_db::PostgresDb;
use common::{Config, SchemaBlock, SqliteDb, Workspace};

const APP: &str = "app";

const USERS_AND_AUDIT: &str = "\
CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, nickname TEXT, email TEXT);
CREATE TABLE audit_log (id INTEGER PRIMARY KEY, line TEXT NOT NULL);
";
const ROWS: &str = "\
INSERT INTO users (id, name, nickname, email) VALUES (1, 'ada', 'countess', 'ada@example.com');
INSERT INTO audit_log (id, line) VALUES (1, 'created ada'), (2, 'renamed ada');
";
/// `USERS_AND_AUDIT` without `audit_log` and `users.nickname`.
const USERS_ONLY: &str = "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT);";

fn render(schema: SchemaBlock) -> String {
    Config::new().schema(schema).render()
}

/// A workspace managing `app.db`, which already holds `USERS_AND_AUDIT` and `ROWS`.
fn populated_sqlite() -> (Workspace, SqliteDb) {
    let workspace = Workspace::new();
    let db = workspace.sqlite(APP);
    db.execute(USERS_AND_AUDIT);
    db.execute(ROWS);
    (workspace, db)
}

#[test]
fn skip_keeps_a_table_and_a_column_dropped_from_the_models_with_their_rows() {
    let workspace = Workspace::new();
    let db = workspace.sqlite(APP);
    workspace.write_main_tf(&render(SchemaBlock::new(APP, USERS_AND_AUDIT).url(&db.url())));
    workspace.init().success();
    workspace.apply().success();
    db.execute(ROWS);

    let skipping = |ddl: &str| {
        render(
            SchemaBlock::new(APP, ddl)
                .url(&db.url())
                .policy_list("skip", &["drops_table", "drops_column"]),
        )
    };
    workspace.write_main_tf(&skipping(USERS_ONLY));
    workspace
        .plan()
        .changes()
        .contains("Warning: Objects kept by policy skip")
        .contains("    table audit_log")
        .contains("    column users.nickname")
        .hides_sql("DROP");
    workspace.apply().success();
    assert_eq!(db.tables(), ["audit_log", "users"]);
    assert_eq!(db.row_count("audit_log"), 2);
    let columns: Vec<String> = db.columns("users").into_iter().map(|c| c.name).collect();
    assert_eq!(
        columns,
        ["id", "name", "nickname", "email"],
        "the kept column keeps its place"
    );
    assert_eq!(db.strings("SELECT nickname FROM users", &[]), ["countess"]);
    workspace.plan().no_changes();

    // Other changes are still planned around the kept objects.
    let with_bio = USERS_ONLY.replace("email TEXT)", "email TEXT, bio TEXT)");
    workspace.write_main_tf(&skipping(&with_bio));
    workspace
        .plan()
        .changes()
        .shows_sql("\"bio\"")
        .hides_sql("DROP TABLE \"audit_log\"");
    workspace.apply().success();
    workspace.plan().no_changes();
    assert_eq!(db.strings("SELECT nickname FROM users", &[]), ["countess"]);
    assert_eq!(db.row_count("audit_log"), 2);
}

#[test]
fn drop_on_destroy_drops_the_managed_tables_only_when_the_policy_allows_it() {
    let workspace = Workspace::new();
    let db = workspace.sqlite(APP);
    let dropping = SchemaBlock::new(APP, USERS_AND_AUDIT)
        .url(&db.url())
        .attribute("drop_on_destroy", "true");
    workspace.write_main_tf(&render(dropping.clone()));
    workspace.init().success();
    workspace.apply().success();
    db.execute(ROWS);

    // Dropping tables is data loss, denied by default: destroy fails, nothing goes.
    workspace
        .destroy()
        .failure()
        .contains("Plan blocked by policy: drops_table")
        .contains("terraform apply");
    assert_eq!(db.tables(), ["audit_log", "users"]);
    assert_eq!(workspace.state_list(), [dropping.address()]);

    // Destroy reads the policy from the state: apply the allow first.
    workspace.write_main_tf(&render(dropping.clone().allow(&["data_loss"])));
    workspace.apply().success();
    assert_eq!(db.row_count("audit_log"), 2);
    workspace
        .destroy()
        .success()
        .contains("Warning: Destroy drops database objects")
        .contains("DROP TABLE \"audit_log\"");
    assert_eq!(db.tables(), Vec::<String>::new());
    assert_eq!(workspace.state_list(), Vec::<String>::new());
}

#[test]
fn without_drop_on_destroy_destroy_warns_that_it_keeps_everything() {
    let (workspace, db) = populated_sqlite();
    workspace.write_main_tf(&render(SchemaBlock::new(APP, USERS_AND_AUDIT).url(&db.url())));
    workspace.init().success();
    workspace.apply().success();
    workspace
        .destroy()
        .success()
        .contains("Warning: Destroy keeps the database")
        .says("no table, view, row or other object in the database")
        .says("set `drop_on_destroy = true`")
        .lacks("DROP");
    assert_eq!(db.tables(), ["audit_log", "users"]);
    assert_eq!(db.row_count("audit_log"), 2);
}

#[test]
fn a_first_apply_that_would_drop_existing_objects_is_an_error_until_adopted() {
    let (workspace, db) = populated_sqlite();
    let new_resource = SchemaBlock::new(APP, USERS_ONLY).url(&db.url());
    workspace.write_main_tf(&render(new_resource.clone()));
    workspace.init().success();
    workspace
        .plan()
        .failure()
        .contains("Error: First apply would drop existing objects")
        .contains("    table audit_log")
        .contains("    column users.nickname")
        .contains(r#"skip = ["drops_column", "drops_table"]"#)
        .contains(r#"allow = ["drops_column", "drops_table"]"#)
        .contains(r#"exclude = ["main.audit_log", "main.users"]"#);
    // A warning is not consent: only an explicit allow is.
    workspace.write_main_tf(&render(
        new_resource
            .clone()
            .policy_list("warn", &["drops_table", "drops_column"]),
    ));
    workspace
        .plan()
        .failure()
        .contains("First apply would drop existing objects");

    // First remedy: keep them.
    workspace.write_main_tf(&render(
        new_resource
            .clone()
            .policy_list("skip", &["drops_table", "drops_column"]),
    ));
    workspace.apply().success();
    assert_eq!(db.row_count("audit_log"), 2);
    workspace.plan().no_changes();

    // Second remedy, on a database of its own: allow the drops.
    let (workspace, db) = populated_sqlite();
    workspace.write_main_tf(&render(
        SchemaBlock::new(APP, USERS_ONLY)
            .url(&db.url())
            .allow(&["drops_table", "drops_column"]),
    ));
    workspace.init().success();
    workspace.apply().success();
    assert_eq!(db.tables(), ["users"]);
    assert_eq!(db.strings("SELECT name FROM users", &[]), ["ada"]);
    workspace.plan().no_changes();

    // Third remedy, on SQLite too: leave the table outside the resource.
    let (workspace, db) = populated_sqlite();
    let users_with_nickname =
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, nickname TEXT, email TEXT);";
    workspace.write_main_tf(&render(
        SchemaBlock::new(APP, users_with_nickname)
            .url(&db.url())
            .attribute("exclude", &format!("[{}]", quote("main.audit_log"))),
    ));
    workspace.init().success();
    workspace.apply().success();
    assert_eq!(db.row_count("audit_log"), 2);
    workspace.plan().no_changes();
    // An excluded table made or changed by hand is none of this resource's business.
    db.execute("ALTER TABLE audit_log ADD COLUMN actor TEXT;");
    workspace.plan().no_changes();
}

#[test]
fn validate_rejects_unknown_skip_kinds_and_concurrent_indexes_on_sqlite() {
    let workspace = Workspace::new();
    let db = workspace.sqlite(APP);
    workspace.write_main_tf(&render(
        SchemaBlock::new(APP, USERS_ONLY)
            .url(&db.url())
            .policy_list("skip", &["drops_enum_value"]),
    ));
    workspace.init().success();
    workspace
        .validate()
        .failure()
        .contains("Unknown kind of drop in policy skip")
        .contains("`drops_enum_value`");

    workspace.write_main_tf(&render(
        SchemaBlock::new(APP, USERS_ONLY)
            .url(&db.url())
            .policy_setting("concurrent_indexes", "true"),
    ));
    workspace
        .validate()
        .failure()
        .contains("PostgreSQL-only setting")
        .contains("concurrent_indexes");
    assert!(!db.exists());
}

#[test]
fn postgresql_first_apply_names_the_exclude_patterns_that_adopt_and_they_do() {
    let db = PostgresDb::new();
    db.execute("CREATE TABLE legacy (id int PRIMARY KEY, note text); INSERT INTO legacy VALUES (1, 'old');");
    let workspace = Workspace::new();
    let desired = "CREATE TABLE notes (id int PRIMARY KEY);";
    workspace.write_main_tf(&render(SchemaBlock::new(APP, desired).url(&db.url())));
    workspace.init().success();
    workspace
        .plan()
        .failure()
        .contains("First apply would drop existing objects")
        .contains("    table public.legacy")
        .contains(r#"exclude = ["public.legacy"]"#);

    workspace.write_main_tf(&render(
        SchemaBlock::new(APP, desired)
            .url(&db.url())
            .attribute("exclude", &format!("[{}]", quote("public.legacy"))),
    ));
    workspace.apply().success();
    assert_eq!(db.tables(), ["public.legacy", "public.notes"]);
    workspace.plan().no_changes();
}

#[test]
fn postgresql_drop_on_destroy_drops_the_managed_objects_and_keeps_public() {
    let db = PostgresDb::new();
    let workspace = Workspace::new();
    let desired = "CREATE SCHEMA billing; CREATE TABLE billing.invoices (id int PRIMARY KEY); \
                   CREATE TABLE notes (id int PRIMARY KEY); CREATE VIEW note_ids AS SELECT id FROM notes;";
    workspace.write_main_tf(&render(
        SchemaBlock::new(APP, desired)
            .url(&db.url())
            .attribute("drop_on_destroy", "true")
            .allow(&["data_loss"]),
    ));
    workspace.init().success();
    workspace.apply().success();
    assert_eq!(db.tables(), ["billing.invoices", "public.notes"]);

    workspace
        .destroy()
        .success()
        .contains("Destroy drops database objects")
        .contains("DROP TABLE");
    assert_eq!(db.tables(), Vec::<String>::new());
    assert_eq!(
        db.strings("SELECT nspname::text FROM pg_namespace WHERE nspname IN ('public', 'billing') ORDER BY 1"),
        ["public"]
    );
}

#[test]
fn concurrent_indexes_are_accepted_on_postgresql() {
    let db = PostgresDb::new();
    let workspace = Workspace::new();
    workspace.write_main_tf(&render(
        SchemaBlock::new(APP, "CREATE TABLE notes (id int PRIMARY KEY);")
            .url(&db.url())
            .policy_setting("concurrent_indexes", "true"),
    ));
    workspace.init().success();
    workspace.validate().success();
    workspace.plan().changes().shows_sql("CREATE TABLE");
}
