//! A plan is empty when the schema is. `desired_sql` is write-only: Terraform
//! keeps no copy of its text, so a change of text alone (comments, layout, the
//! order of statements, the exporter's `-- model:` and `-- model-column:`
//! lines that move when a models file is edited, another checkout's paths) is
//! no change, and a database adopted by import with the same schema plans
//! nothing.

mod common;

use common::hcl::resource_address;
use common::state_json::{planned_change, state_values};
use common::{Config, SchemaBlock, Workspace};

const APP: &str = "app";

const SCHEMA: &str = "\
-- model: app.models.User (app/models.py:14)
-- model-column: email (app/models.py:17)
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email VARCHAR(120) NOT NULL UNIQUE
);
-- model: app.models.Post (app/models.py:30)
CREATE TABLE posts (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    title TEXT NOT NULL
);
CREATE INDEX ix_posts_user_id ON posts (user_id);
";

/// The same schema: models moved in their file, comments and layout changed,
/// the tables in the other order (SQLite resolves `REFERENCES users` when the
/// key is used, not when the table is created).
const SAME_SCHEMA_OTHER_TEXT: &str = "\
/* posts, after a docstring was added above the class */
-- model: app.models.Post (/home/ci/checkout/app/models.py:77)
CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users (id),
                    title TEXT NOT NULL);
CREATE INDEX ix_posts_user_id ON posts (user_id);
-- model: app.models.User (/home/ci/checkout/app/models.py:40)
-- model-column: email (/home/ci/checkout/app/models.py:43)
CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(120) NOT NULL UNIQUE);
";

#[test]
fn the_other_text_really_orders_the_tables_the_other_way() {
    let position = |text: &str, table: &str| text.find(&format!("CREATE TABLE {table} (")).unwrap();
    assert!(position(SCHEMA, "users") < position(SCHEMA, "posts"));
    assert!(position(SAME_SCHEMA_OTHER_TEXT, "posts") < position(SAME_SCHEMA_OTHER_TEXT, "users"));
}

#[test]
fn the_text_of_desired_sql_is_neither_stored_nor_diffed() {
    let workspace = Workspace::new();
    let db = workspace.sqlite(APP);
    workspace.write_main_tf(
        &Config::new()
            .schema(SchemaBlock::new(APP, SCHEMA).url(&db.url()))
            .render(),
    );
    workspace.init().success();
    let (plan, plan_file) = workspace.plan_to_file("create.tfplan");
    plan.changes()
        .shows_sql("CREATE TABLE users (")
        .lacks("app/models.py:14");
    let shown = workspace.show_plan(&plan_file);
    let change = planned_change(&shown, &resource_address(APP));
    assert!(change["after"]["desired_sql"].is_null(), "{change:#}");
    workspace.apply_plan_file(&plan_file).success();
    let state = workspace.show_state();
    let values = state_values(&state, &resource_address(APP));
    assert!(
        values["desired_sql"].is_null(),
        "the state keeps no copy of desired_sql: {values:#}"
    );
    assert!(!state.to_string().contains("app.models.User"), "{state:#}");

    workspace.write_main_tf(
        &Config::new()
            .schema(SchemaBlock::new(APP, SAME_SCHEMA_OTHER_TEXT).url(&db.url()))
            .render(),
    );
    workspace.plan().no_changes();
}

#[test]
fn a_database_imported_with_the_same_schema_plans_nothing() {
    let workspace = Workspace::new();
    let db = workspace.sqlite(APP);
    db.execute(SCHEMA);
    let address = resource_address(APP);
    let config = Config::new()
        .import(&address, &db.url())
        .schema(SchemaBlock::new(APP, SAME_SCHEMA_OTHER_TEXT).url(&db.url()));
    workspace.write_main_tf(&config.render());
    workspace.init().success();
    workspace
        .plan()
        .changes()
        .says("1 to import, 0 to add, 0 to change, 0 to destroy");
    workspace.apply().success();
    workspace.plan().no_changes();
}

#[test]
fn a_real_change_still_shows_in_planned_sql() {
    let workspace = Workspace::new();
    let db = workspace.sqlite(APP);
    workspace.write_main_tf(
        &Config::new()
            .schema(SchemaBlock::new(APP, SCHEMA).url(&db.url()))
            .render(),
    );
    workspace.init().success();
    workspace.apply().success();
    let grown = SAME_SCHEMA_OTHER_TEXT.replace("title TEXT NOT NULL)", "title TEXT NOT NULL, body TEXT)");
    workspace.write_main_tf(
        &Config::new()
            .schema(SchemaBlock::new(APP, &grown).url(&db.url()))
            .render(),
    );
    workspace
        .plan()
        .changes()
        .shows_sql("ALTER TABLE \"posts\" ADD COLUMN \"body\" TEXT")
        .says("1 to change");
    workspace.apply().success();
    workspace.plan().no_changes();
}
