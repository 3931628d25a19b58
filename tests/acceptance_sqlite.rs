//! Acceptance tests: real Terraform driving the provider we just built against
//! real SQLite files, one test per user story.
//!
//! Every Terraform command goes through `common::Workspace::run`, which also
//! fails the test if Terraform ever reports an inconsistent plan or result.

mod common;

use common::hcl::resource_address;
use common::state_json::{actions, is_sha256_hex, planned_change, state_values, strings};
use common::{Config, ProviderBlock, SchemaBlock, Workspace};

/// The starting schema: a primary key, NOT NULL, a default, a named unique
/// constraint, a foreign key, a check and an index.
const BLOG_SCHEMA: &str = "\
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name VARCHAR(50) NOT NULL,
    email VARCHAR(120) NOT NULL,
    CONSTRAINT uq_users_email UNIQUE (email)
);
CREATE TABLE posts (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    title TEXT NOT NULL,
    score INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT ck_posts_score CHECK (score >= 0)
);
CREATE INDEX ix_posts_user_id ON posts (user_id);
";

const SEED_ROWS: &str = "\
INSERT INTO users (id, name, email) VALUES (1, 'ada', 'ada@example.com'), (2, 'bob', 'bob@example.com');
INSERT INTO posts (id, user_id, title, score) VALUES (10, 1, 'hello', 3), (11, 2, 'again', 0);
";

const APP: &str = "app";

/// A workspace whose `sqlalchemy_schema.app` manages `app.db` with `ddl`.
fn blog_workspace(ddl: &str) -> (Workspace, common::SqliteDb) {
    let workspace = Workspace::new();
    let db = workspace.sqlite(APP);
    workspace.write_main_tf(&schema_config(&db.url(), ddl));
    workspace.init().success();
    (workspace, db)
}

fn schema_config(url: &str, ddl: &str) -> String {
    Config::new().schema(SchemaBlock::new(APP, ddl).url(url)).render()
}

/// Applies `BLOG_SCHEMA` and inserts `SEED_ROWS`.
fn applied_blog() -> (Workspace, common::SqliteDb) {
    let (workspace, db) = blog_workspace(BLOG_SCHEMA);
    workspace.apply().success();
    db.execute(SEED_ROWS);
    (workspace, db)
}

/// Changes the desired schema, checks the plan shows every `expected` SQL
/// fragment, applies it and checks the next plan is empty.
fn converge_to(workspace: &Workspace, db: &common::SqliteDb, ddl: &str, expected: &[&str]) {
    workspace.write_main_tf(&schema_config(&db.url(), ddl));
    let mut plan = workspace.plan().changes();
    for fragment in expected {
        plan = plan.shows_sql(fragment);
    }
    workspace.apply().success();
    workspace.plan().no_changes();
}

#[test]
fn create_shows_the_sql_applies_it_and_then_plans_nothing() {
    let (workspace, db) = blog_workspace(BLOG_SCHEMA);
    let address = resource_address(APP);

    let (plan, plan_file) = workspace.plan_to_file("create.tfplan");
    plan.changes()
        .contains("planned_sql")
        .shows_sql("CREATE TABLE users (")
        .shows_sql("CREATE TABLE posts (")
        .shows_sql("CREATE INDEX ix_posts_user_id ON posts (user_id)");

    let saved_plan = workspace.show_plan(&plan_file);
    let change = planned_change(&saved_plan, &address);
    assert_eq!(actions(change), ["create"]);
    let planned_sql = strings(&change["after"]["planned_sql"]);
    assert!(
        planned_sql
            .iter()
            .any(|statement| statement.starts_with("CREATE TABLE users (")),
        "planned_sql: {planned_sql:#?}"
    );

    workspace.apply_plan_file(&plan_file).success();
    assert_eq!(db.tables(), ["posts", "users"]);
    assert_eq!(db.indexes("posts"), ["ix_posts_user_id"]);
    assert!(db.stored_sql("posts").contains("REFERENCES"));
    assert!(db.stored_sql("posts").contains("CHECK"));
    let email = db.column("users", "email");
    assert!(email.not_null, "{email:?}");
    assert_eq!(
        db.column("posts", "score").default.as_deref(),
        Some("0"),
        "posts.score default"
    );

    let state = workspace.show_state();
    let values = state_values(&state, &address);
    assert!(values["planned_sql"].is_array(), "{values:#}");
    assert!(is_sha256_hex(&values["schema_hash"]), "{values:#}");
    let id = values["id"].as_str().unwrap_or_default();
    assert!(id.contains(&*db.path().to_string_lossy()), "id {id:?}");

    workspace.plan().no_changes();

    // Refreshing reads the live schema: nothing left to run, same hash.
    workspace.apply_refresh_only().success();
    let refreshed = workspace.show_state();
    let refreshed_values = state_values(&refreshed, &address);
    assert_eq!(strings(&refreshed_values["planned_sql"]), Vec::<String>::new());
    assert_eq!(refreshed_values["schema_hash"], values["schema_hash"]);
}

#[test]
fn adding_a_column_keeps_rows() {
    let (workspace, db) = applied_blog();
    let with_bio = BLOG_SCHEMA.replace(
        "    email VARCHAR(120) NOT NULL,\n",
        "    email VARCHAR(120) NOT NULL,\n    bio TEXT,\n",
    );
    converge_to(&workspace, &db, &with_bio, &[r#""bio""#]);

    let bio = db.column("users", "bio");
    assert!(!bio.not_null, "{bio:?}");
    assert_eq!(db.row_count("users"), 2);
    assert_eq!(db.strings("SELECT name FROM users ORDER BY id", &[]), ["ada", "bob"]);
}

#[test]
fn adding_unique_and_partial_indexes() {
    let (workspace, db) = applied_blog();
    let indexed = format!(
        "{BLOG_SCHEMA}\
         CREATE UNIQUE INDEX uq_users_name ON users (name);\n\
         CREATE INDEX ix_posts_scored ON posts (title) WHERE score > 0;\n"
    );
    converge_to(
        &workspace,
        &db,
        &indexed,
        &[
            "CREATE UNIQUE INDEX uq_users_name ON users (name)",
            "CREATE INDEX ix_posts_scored ON posts (title) WHERE score > 0",
        ],
    );

    assert_eq!(db.indexes("users"), ["uq_users_name"]);
    assert_eq!(db.indexes("posts"), ["ix_posts_scored", "ix_posts_user_id"]);
    assert!(db.stored_sql("ix_posts_scored").contains("WHERE"));
    assert_eq!(db.row_count("posts"), 2);
}

#[test]
fn changing_a_column_type_rebuilds_the_table_keeping_rows() {
    let (workspace, db) = applied_blog();
    let retyped = BLOG_SCHEMA.replace("title TEXT NOT NULL", "title VARCHAR(200) NOT NULL");
    converge_to(&workspace, &db, &retyped, &[r#""posts""#]);

    let title = db.column("posts", "title");
    assert_eq!(title.declared_type.to_uppercase(), "VARCHAR(200)");
    assert!(title.not_null);
    assert_eq!(
        db.strings("SELECT title FROM posts ORDER BY id", &[]),
        ["hello", "again"]
    );
    // The rebuilt table keeps its foreign key, check and index.
    assert!(db.stored_sql("posts").contains("REFERENCES"));
    assert!(db.stored_sql("posts").contains("CHECK"));
    assert_eq!(db.indexes("posts"), ["ix_posts_user_id"]);
}

#[test]
fn a_table_created_by_hand_is_detected_and_dropped() {
    let (workspace, db) = applied_blog();
    workspace.plan().no_changes();

    db.execute("CREATE TABLE extra (id INTEGER PRIMARY KEY, note TEXT)");
    // Dropping it loses data: the default policy refuses and says how to allow it.
    workspace
        .plan()
        .failure()
        .contains("Plan blocked by policy: drops_table")
        .shows_sql(r#"DROP TABLE "extra""#)
        .contains(r#"allow = ["drops_table"]"#);
    assert!(db.has_table("extra"));
    workspace.write_main_tf(
        &Config::new()
            .schema(SchemaBlock::new(APP, BLOG_SCHEMA).url(&db.url()).allow(&["data_loss"]))
            .render(),
    );
    let (plan, plan_file) = workspace.plan_to_file("drop.tfplan");
    plan.changes().shows_sql(r#"DROP TABLE "extra""#);
    let shown = workspace.show_plan(&plan_file);
    let hazards = &planned_change(&shown, &resource_address(APP))["after"]["hazards"];
    assert_eq!(hazards[0]["code"], "drops_table", "{hazards:#}");
    assert_eq!(hazards[0]["category"], "data_loss");
    let planned = strings(&planned_change(&shown, &resource_address(APP))["after"]["planned_sql"]);
    let index = hazards[0]["statement"].as_u64().expect("statement index") as usize;
    assert!(
        planned[index - 1].contains("DROP TABLE"),
        "the hazard points at its statement: {planned:#?}"
    );
    workspace.apply_plan_file(&plan_file).success();

    assert!(!db.has_table("extra"));
    assert_eq!(db.tables(), ["posts", "users"]);
    workspace.plan().no_changes();
}

#[test]
fn a_column_added_by_hand_is_removed_keeping_rows() {
    let (workspace, db) = applied_blog();

    db.execute("ALTER TABLE users ADD COLUMN nickname TEXT");
    workspace
        .plan()
        .failure()
        .contains("Plan blocked by policy: drops_column");
    workspace.write_main_tf(
        &Config::new()
            .schema(
                SchemaBlock::new(APP, BLOG_SCHEMA)
                    .url(&db.url())
                    .allow(&["drops_column"]),
            )
            .render(),
    );
    workspace.plan().changes().shows_sql("nickname");
    workspace.apply().success();

    let columns: Vec<String> = db.columns("users").into_iter().map(|column| column.name).collect();
    assert_eq!(columns, ["id", "name", "email"]);
    assert_eq!(
        db.strings("SELECT email FROM users ORDER BY id", &[]),
        ["ada@example.com", "bob@example.com"]
    );
    workspace.plan().no_changes();
}

#[test]
fn desired_sql_unknown_at_plan_time() {
    let workspace = Workspace::new();
    let db = workspace.sqlite(APP);
    let config = Config::new()
        .raw(
            r#"resource "terraform_data" "ddl" {
  input = "CREATE TABLE late (id INTEGER PRIMARY KEY, note TEXT)"
}"#,
        )
        .schema(SchemaBlock::with_desired_expression(APP, "terraform_data.ddl.output").url(&db.url()));
    workspace.write_main_tf(&config.render());
    workspace.init().success();

    let (plan, plan_file) = workspace.plan_to_file("unknown.tfplan");
    let plan = plan.changes();
    let planned_sql_line = plan.line_with("planned_sql").unwrap_or_default();
    assert!(
        planned_sql_line.contains("(known after apply)"),
        "planned_sql should be unknown\n{plan}"
    );
    let saved_plan = workspace.show_plan(&plan_file);
    let change = planned_change(&saved_plan, &resource_address(APP));
    assert_eq!(change["after_unknown"]["planned_sql"], true, "{change:#}");

    workspace.apply_plan_file(&plan_file).success();
    assert_eq!(db.tables(), ["late"]);
    workspace.plan().no_changes();
}

#[test]
fn an_unwritable_sqlite_database_is_an_error_naming_it() {
    let workspace = Workspace::new();
    workspace.write_main_tf(&schema_config(
        "sqlite:////nonexistent-dir/x.db",
        "CREATE TABLE t (id INTEGER PRIMARY KEY)",
    ));
    workspace.init().success();

    workspace
        .apply()
        .failure()
        .contains("Error")
        .contains("/nonexistent-dir/x.db");
    assert!(!std::path::Path::new("/nonexistent-dir").exists());
}

#[test]
fn an_unreachable_database_error_never_shows_the_password() {
    let workspace = Workspace::initialized(
        &Config::new()
            .schema(
                SchemaBlock::new(APP, "CREATE TABLE t (id INTEGER PRIMARY KEY)")
                    .url("postgresql://app:s3cret@127.0.0.1:1/appdb")
                    .dev_url("postgresql://dev:t0psecret@127.0.0.1:1/devdb"),
            )
            .render(),
    );

    for attempt in [workspace.plan(), workspace.apply()] {
        attempt
            .failure()
            .contains("127.0.0.1")
            .lacks("s3cret")
            .lacks("t0psecret");
    }
}

#[test]
fn destroy_forgets_the_resource_but_keeps_tables_and_rows() {
    let (workspace, db) = applied_blog();

    workspace.destroy().success();

    assert_eq!(workspace.state_list(), Vec::<String>::new());
    assert_eq!(db.tables(), ["posts", "users"]);
    assert_eq!(db.row_count("users"), 2);
    assert_eq!(db.row_count("posts"), 2);
}

#[test]
fn import_with_the_cli_adopts_an_existing_database() {
    let workspace = Workspace::new();
    let db = workspace.sqlite(APP);
    db.execute(BLOG_SCHEMA);
    db.execute(SEED_ROWS);
    workspace.write_main_tf(&schema_config(&db.url(), BLOG_SCHEMA));
    workspace.init().success();
    let address = resource_address(APP);

    workspace.import(&address, &db.url()).success();
    assert_eq!(workspace.state_list(), vec![address.to_owned()]);
    let state = workspace.show_state();
    let id = state_values(&state, &address)["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(id.contains(&*db.path().to_string_lossy()), "id {id:?}");

    // The database already matches the configuration: nothing to do at all.
    let (plan, plan_file) = workspace.plan_to_file("adopt.tfplan");
    let plan = plan.no_changes();
    let saved_plan = workspace.show_plan(&plan_file);
    let change = planned_change(&saved_plan, &address);
    assert_eq!(actions(change), ["no-op"], "{change:#}\n{plan}");
    assert_eq!(strings(&change["after"]["planned_sql"]), Vec::<String>::new());

    workspace.apply_plan_file(&plan_file).success();
    workspace.plan().no_changes();
    assert_eq!(db.row_count("posts"), 2);
}

#[test]
fn an_import_block_adopts_a_database_and_plans_only_the_difference() {
    let workspace = Workspace::new();
    let db = workspace.sqlite(APP);
    db.execute(BLOG_SCHEMA);
    db.execute(SEED_ROWS);
    let address = resource_address(APP);
    let grown = format!("{BLOG_SCHEMA}CREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT NOT NULL);\n");
    let config = Config::new()
        .import(&address, &db.url())
        .schema(SchemaBlock::new(APP, &grown).url(&db.url()));
    workspace.write_main_tf(&config.render());
    workspace.init().success();

    let (plan, plan_file) = workspace.plan_to_file("import.tfplan");
    plan.changes()
        .shows_sql("CREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT NOT NULL)");
    let saved_plan = workspace.show_plan(&plan_file);
    let change = planned_change(&saved_plan, &address);
    assert_eq!(change["importing"]["id"], db.url().as_str(), "{change:#}");
    assert_eq!(actions(change), ["update"]);
    // Only the new table: nothing dropped, nothing already there re-created.
    let planned_sql = strings(&change["after"]["planned_sql"]);
    assert!(!planned_sql.is_empty());
    assert!(
        planned_sql.iter().all(|statement| statement.contains("tags")),
        "planned_sql: {planned_sql:#?}"
    );

    workspace.apply_plan_file(&plan_file).success();
    assert_eq!(db.tables(), ["posts", "tags", "users"]);
    assert_eq!(db.row_count("users"), 2);
    workspace.plan().no_changes();
}

/// The configuration `terraform plan -generate-config-out` writes for `sqlalchemy_schema`:
/// every argument, those Terraform cannot know as `null` (`desired_sql` is write-only, `url` and
/// `dev_url` are sensitive). The line assigning `name`.
fn generated_line<'a>(generated: &'a str, name: &str) -> &'a str {
    generated
        .lines()
        .find(|line| line.trim_start().starts_with(&format!("{name} ")))
        .unwrap_or_else(|| panic!("no `{name}` in the generated configuration:\n{generated}"))
}

#[test]
fn a_configuration_generated_after_an_import_block_plans_and_says_to_set_desired_sql() {
    let workspace = Workspace::new();
    let db = workspace.sqlite(APP);
    db.execute(BLOG_SCHEMA);
    db.execute(SEED_ROWS);
    let address = resource_address(APP);
    // The provider's url names the database: the import ID may, and the resource keeps `url` unset.
    let config = Config::new()
        .provider(ProviderBlock::new().url(&db.url()))
        .import(&address, &db.url());
    workspace.write_main_tf(&config.render());
    workspace.init().success();

    workspace
        .plan_with(&["-generate-config-out=generated.tf"])
        .changes()
        .says("1 to import, 0 to add, 0 to change, 0 to destroy")
        .contains("Warning: desired_sql is not set: nothing will change")
        .says("Set `desired_sql` to the schema's DDL")
        .lacks("Error");
    let generated_path = workspace.workdir().join("generated.tf");
    let generated = std::fs::read_to_string(&generated_path).expect("the generated configuration");
    assert!(
        generated.contains("resource \"sqlalchemy_schema\" \"app\" {"),
        "{generated}"
    );
    let desired_line = generated_line(&generated, "desired_sql");
    assert!(desired_line.ends_with("= null"), "{generated}");
    assert!(
        generated_line(&generated, "url").ends_with("= null # sensitive"),
        "{generated}"
    );

    // Applied as generated, it imports and changes nothing; the warning stays until desired_sql is set.
    workspace.apply().success();
    assert_eq!(workspace.state_list(), vec![address.clone()]);
    workspace
        .plan()
        .no_changes()
        .contains("desired_sql is not set: nothing will change");
    assert_eq!(db.row_count("posts"), 2);

    // What the warning says to do: set desired_sql. The same schema plans nothing…
    let with_desired =
        |ddl: &str| generated.replace(desired_line, &format!("  desired_sql = {}", common::hcl::quote(ddl)));
    std::fs::write(&generated_path, with_desired(BLOG_SCHEMA)).unwrap();
    workspace.plan().no_changes().lacks("desired_sql is not set");
    // …and a change plans its SQL.
    let grown = format!("{BLOG_SCHEMA}CREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT NOT NULL);\n");
    std::fs::write(&generated_path, with_desired(&grown)).unwrap();
    workspace
        .plan()
        .changes()
        .shows_sql("CREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT NOT NULL)");
}

#[test]
fn a_generated_configuration_whose_url_terraform_left_out_says_to_set_it() {
    let workspace = Workspace::new();
    let db = workspace.sqlite(APP);
    db.execute(BLOG_SCHEMA);
    let address = resource_address(APP);
    // No provider url: the resource's own url is the only way to the database.
    workspace.write_main_tf(&Config::new().import(&address, &db.url()).render());
    workspace.init().success();

    workspace
        .plan_with(&["-generate-config-out=generated.tf"])
        .failure()
        .contains("Error: url not set for this database")
        .says("the provider has no `url` either")
        .says("Terraform writes no sensitive value into it");
    let generated_path = workspace.workdir().join("generated.tf");
    let generated = std::fs::read_to_string(&generated_path).expect("written even though the plan failed");
    let url_line = generated_line(&generated, "url");
    assert!(url_line.ends_with("= null # sensitive"), "{generated}");

    // Set as the error says, the configuration plans the import.
    let fixed = generated.replace(url_line, &format!("  url = {}", common::hcl::quote(&db.url())));
    std::fs::write(&generated_path, fixed).unwrap();
    workspace
        .plan()
        .changes()
        .says("1 to import, 0 to add, 0 to change, 0 to destroy")
        .contains("desired_sql is not set: nothing will change");
    assert_eq!(db.tables(), ["posts", "users"]);
}

#[test]
fn a_new_resource_without_desired_sql_is_an_error_naming_it() {
    let workspace = Workspace::new();
    let db = workspace.sqlite(APP);
    let resource = format!(
        "resource \"sqlalchemy_schema\" \"app\" {{\n  url = {}\n}}\n",
        common::hcl::quote(&db.url())
    );
    workspace.write_main_tf(&Config::new().raw(&resource).render());
    workspace.init().success();
    workspace
        .plan()
        .failure()
        .contains("Error: Missing desired_sql")
        .says("`desired_sql` is the schema this resource brings the database to");
    assert!(!db.exists(), "nothing touched the database");
}

#[test]
fn validate_rejects_malformed_urls_without_touching_a_database() {
    let workspace = Workspace::new();
    let untouched = workspace.sqlite("untouched");
    let ddl = "CREATE TABLE t (id INTEGER PRIMARY KEY)";
    let config = Config::new()
        .schema(SchemaBlock::new("garbage", ddl).url("not a url"))
        .schema(SchemaBlock::new("unknown_scheme", ddl).url("nonsense://x"))
        .schema(
            SchemaBlock::new("unknown_dev_dialect", ddl)
                .url(&untouched.url())
                .dev_url("oracle://127.0.0.1:1/xe"),
        );
    workspace.write_main_tf(&config.render());
    workspace.init().success();

    // Terraform quotes the offending line only for diagnostics that carry the
    // attribute's path; a resource-level one would quote the block header.
    workspace
        .validate()
        .failure()
        .contains(r#"url = "not a url""#)
        .contains(r#"url = "nonsense://x""#)
        .contains(r#"dev_url = "oracle://127.0.0.1:1/xe""#);
    assert!(!untouched.exists(), "validate created {}", untouched.path().display());
}

#[test]
fn resources_fall_back_to_the_provider_url() {
    let workspace = Workspace::new();
    let db = workspace.sqlite(APP);
    let config = Config::new()
        .provider(ProviderBlock::new().url(&db.url()))
        .schema(SchemaBlock::new(
            APP,
            "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL DEFAULT '')",
        ));
    workspace.write_main_tf(&config.render());
    workspace.init().success();

    workspace
        .plan()
        .changes()
        .shows_sql("CREATE TABLE settings (key TEXT PRIMARY KEY");
    workspace.apply().success();
    assert_eq!(db.tables(), ["settings"]);
    workspace.plan().no_changes();
}

#[test]
fn a_saved_plan_is_refused_when_the_database_changed_since() {
    let (workspace, db) = applied_blog();
    workspace.write_main_tf(&schema_config(
        &db.url(),
        &format!("{BLOG_SCHEMA}CREATE TABLE tags (id INTEGER PRIMARY KEY);\n"),
    ));
    let (plan, plan_file) = workspace.plan_to_file("stale.tfplan");
    plan.changes().shows_sql("CREATE TABLE tags (id INTEGER PRIMARY KEY)");
    // Someone else changes the database between plan and apply.
    db.execute("CREATE TABLE audit (id INTEGER PRIMARY KEY);");
    workspace
        .apply_plan_file(&plan_file)
        .failure()
        .contains("The database changed since Terraform read it")
        .contains("Run `terraform plan` again");
    assert!(!db.has_table("tags"), "nothing of the stale plan may run");
    assert!(db.has_table("audit"));
    // A fresh plan takes the change into account and converges.
    workspace.write_main_tf(
        &Config::new()
            .schema(
                SchemaBlock::new(
                    APP,
                    &format!("{BLOG_SCHEMA}CREATE TABLE tags (id INTEGER PRIMARY KEY);\n"),
                )
                .url(&db.url())
                .allow(&["drops_table"]),
            )
            .render(),
    );
    workspace
        .plan()
        .changes()
        .shows_sql("DROP TABLE \"audit\"")
        .shows_sql("CREATE TABLE tags (id INTEGER PRIMARY KEY)");
    workspace.apply().success();
    workspace.plan().no_changes();
}

#[test]
fn an_already_applied_desired_schema_is_planned_without_normalizing_it() {
    let (workspace, db) = applied_blog();
    // A dev database that normalization would refuse (it is not empty).
    let dev = workspace.sqlite("dev");
    dev.execute("CREATE TABLE occupied (id INTEGER PRIMARY KEY);");
    let with_dev = |ddl: &str| {
        Config::new()
            .schema(SchemaBlock::new(APP, ddl).url(&db.url()).dev_url(&dev.url()))
            .render()
    };

    // Same desired SQL as applied, live schema unchanged: one inspection, no dev database.
    workspace.write_main_tf(&with_dev(BLOG_SCHEMA));
    let (plan, plan_file) = workspace.plan_to_file("same.tfplan");
    plan.changes().lacks("Error");
    let shown = workspace.show_plan(&plan_file);
    let change = planned_change(&shown, &resource_address(APP));
    assert!(strings(&change["after"]["planned_sql"]).is_empty(), "{change:#}");

    // A different desired schema must be normalized, and the dev database says why it can't be.
    workspace.write_main_tf(&with_dev(&format!(
        "{BLOG_SCHEMA}CREATE TABLE tags (id INTEGER PRIMARY KEY);\n"
    )));
    workspace.plan().failure().contains("occupied");
}

#[test]
fn hazards_warn_by_default_and_policy_silences_or_denies_them() {
    let (workspace, db) = applied_blog();
    let retyped = BLOG_SCHEMA.replace("title TEXT NOT NULL", "title VARCHAR(200) NOT NULL");
    // A table rebuild is a blocking-lock hazard: warned, not refused.
    workspace.write_main_tf(&schema_config(&db.url(), &retyped));
    workspace.plan().changes().contains("Warning: Hazard rebuilds_table");
    // Allowed: no warning.
    workspace.write_main_tf(
        &Config::new()
            .schema(SchemaBlock::new(APP, &retyped).url(&db.url()).allow(&["blocking_lock"]))
            .render(),
    );
    workspace.plan().changes().lacks("Warning: Hazard");
    // Denied: the plan fails and nothing changes.
    let denied = Config::new()
        .schema(SchemaBlock::new(APP, &retyped).url(&db.url()))
        .render()
        .replace(
            "desired_sql =",
            "policy {\n    deny = [\"rebuilds_table\"]\n  }\n  desired_sql =",
        );
    workspace.write_main_tf(&denied);
    workspace
        .plan()
        .failure()
        .contains("Plan blocked by policy: rebuilds_table");
    assert_eq!(db.column("posts", "title").declared_type.to_uppercase(), "TEXT");
}

#[test]
fn validate_rejects_unknown_hazard_names_in_policy() {
    let workspace = Workspace::new();
    let db = workspace.sqlite(APP);
    workspace.write_main_tf(
        &Config::new()
            .schema(
                SchemaBlock::new(APP, BLOG_SCHEMA)
                    .url(&db.url())
                    .allow(&["drop_everything"]),
            )
            .render(),
    );
    workspace.init().success();
    workspace
        .validate()
        .failure()
        .contains("Unknown hazard in policy")
        .contains("`drop_everything`");
    assert!(!db.exists());
}

/// Migration tools' tables (Alembic's `alembic_version`, `migrate`'s
/// revisions table under its own or a custom name) are not the schema's: a
/// `sqlalchemy_schema` on the same database neither drops nor reports them.
#[test]
fn migration_tools_tables_are_never_planned_for_dropping() {
    let (workspace, db) = blog_workspace(BLOG_SCHEMA);
    db.execute(
        "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY);
         INSERT INTO alembic_version VALUES ('ae1027a6acf');
         CREATE TABLE ops_history (version TEXT PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL,
           statements_total INTEGER NOT NULL, statements_applied INTEGER NOT NULL,
           duration_ms BIGINT NOT NULL, applied_at TEXT NOT NULL, state TEXT NOT NULL);",
    );
    workspace.apply().success();
    workspace.plan().no_changes();
    converge_to(
        &workspace,
        &db,
        &format!("{BLOG_SCHEMA}CREATE TABLE tags (id INTEGER PRIMARY KEY);"),
        &["CREATE TABLE tags"],
    );
    assert!(
        db.has_table("alembic_version") && db.has_table("ops_history"),
        "{:?}",
        db.tables()
    );
}
