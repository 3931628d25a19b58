//! Acceptance tests for the `sqlalchemy_models` data source: real Terraform,
//! real SQLAlchemy in a virtualenv, real SQLite files.

mod common;

use common::hcl::quote;
use common::python::{copy_model_fixture, test_python};
use common::state_json::strings;
use common::{Config, Workspace};

/// A workspace with the `shop` models copied in, exporting them for `dialect`
/// into `sqlalchemy_schema.app` on `app.db`.
fn shop_workspace(dialect: &str) -> (Workspace, common::SqliteDb) {
    let workspace = Workspace::new();
    copy_model_fixture("shop", workspace.workdir());
    let db = workspace.sqlite("app");
    workspace.write_main_tf(&shop_config(&db.url(), dialect, "module = \"shop.models\""));
    workspace.init().success();
    (workspace, db)
}

fn shop_config(url: &str, dialect: &str, source: &str) -> String {
    Config::new()
        .raw(&format!(
            "data \"sqlalchemy_models\" \"app\" {{\n  {source}\n  python  = {}\n  dialect = {}\n}}\n",
            quote(&test_python().display().to_string()),
            quote(dialect),
        ))
        .raw(&format!(
            "resource \"sqlalchemy_schema\" \"app\" {{\n  url         = {}\n  desired_sql = data.sqlalchemy_models.app.sql\n}}\n",
            quote(url)
        ))
        .render()
}

#[test]
fn models_are_planned_applied_and_then_stable() {
    let (workspace, db) = shop_workspace("sqlite");
    workspace
        .plan()
        .changes()
        .shows_sql("CREATE TABLE \"customers\"")
        .shows_sql("CREATE TABLE \"orders\"")
        .shows_sql("CREATE INDEX \"ix_orders_customer_id\"");
    workspace.apply().success();
    assert!(db.has_table("customers") && db.has_table("orders"));
    assert_eq!(db.indexes("orders"), vec!["ix_orders_customer_id".to_string()]);
    workspace.plan().no_changes();

    let state = workspace.show_state();
    let data = common::state_json::state_values(&state, "data.sqlalchemy_models.app");
    assert_eq!(strings(&data["tables"]), vec!["customers", "orders"]);
    assert!(
        common::state_json::is_sha256_hex(&data["sha256"]),
        "sha256 is {}",
        data["sha256"]
    );
    let sources = data["sources"].as_array().expect("sources");
    let customers = sources
        .iter()
        .find(|s| s["table"] == "customers")
        .expect("customers source");
    assert!(
        customers["file"].as_str().unwrap().ends_with("customers.py"),
        "{customers}"
    );
    assert_eq!(customers["line"], 7, "the `class Customer` line");
}

#[test]
fn a_model_change_plans_exactly_that_change() {
    let (workspace, db) = shop_workspace("sqlite");
    workspace.apply().success();
    db.execute("INSERT INTO customers (id, email) VALUES (1, 'ada@example.com');");
    let orders = workspace.workdir().join("shop/models/orders.py");
    let source = std::fs::read_to_string(&orders).unwrap();
    let changed = source.replace(
        "    total_cents: Mapped[int] = mapped_column(Integer, server_default=\"0\")\n",
        "    total_cents: Mapped[int] = mapped_column(Integer, server_default=\"0\")\n    note: Mapped[str | None] = mapped_column(String(200), index=True)\n",
    );
    let changed = changed.replace(
        "from sqlalchemy import ForeignKey, Integer",
        "from sqlalchemy import ForeignKey, Integer, String",
    );
    assert_ne!(source, changed, "the fixture changed shape; update this test");
    std::fs::write(&orders, changed).unwrap();

    let (_, plan_file) = workspace.plan_to_file("model-change.tfplan");
    let plan = workspace.show_plan(&plan_file);
    let change = common::state_json::planned_change(&plan, "sqlalchemy_schema.app");
    assert_eq!(
        strings(&change["after"]["planned_sql"]),
        vec![
            "ALTER TABLE \"orders\" ADD COLUMN \"note\" VARCHAR(200)".to_string(),
            "CREATE INDEX \"ix_orders_note\" ON \"orders\" (\"note\")".to_string(),
        ],
        "exactly the new column and its index"
    );
    workspace.apply_plan_file(&plan_file).success();
    assert!(db.columns("orders").iter().any(|c| c.name == "note"));
    assert_eq!(db.tables().len(), 2);
    workspace.plan().no_changes();
}

#[test]
fn models_from_a_path_work_like_a_module() {
    let workspace = Workspace::new();
    copy_model_fixture("shop", workspace.workdir());
    let db = workspace.sqlite("app");
    workspace.write_main_tf(&shop_config(
        &db.url(),
        "sqlite",
        "path = \"${path.module}/shop/models\"",
    ));
    workspace.init().success();
    workspace.apply().success();
    assert!(db.has_table("customers"));
    workspace.plan().no_changes();
}

#[test]
fn models_exported_for_another_dialect_are_refused() {
    let (workspace, db) = shop_workspace("postgresql");
    workspace
        .plan()
        .failure()
        .contains("Desired SQL is for another dialect")
        .contains("exported by `sqlalchemy_models` for `postgresql`")
        .contains("dialect = \"sqlite\"");
    assert!(!db.exists(), "nothing may be created");
}

#[test]
fn a_module_that_raises_is_an_error_with_the_exception_and_its_line() {
    let workspace = Workspace::new();
    copy_model_fixture("shop", workspace.workdir());
    let customers = workspace.workdir().join("shop/models/customers.py");
    let source = std::fs::read_to_string(&customers).unwrap();
    std::fs::write(
        &customers,
        source.replace(
            "from .base import Base\n",
            "from .base import Base\n\nraise RuntimeError(\"settings missing\")\n",
        ),
    )
    .unwrap();
    let db = workspace.sqlite("app");
    workspace.write_main_tf(&shop_config(&db.url(), "sqlite", "module = \"shop.models\""));
    workspace.init().success();
    workspace
        .plan()
        .failure()
        .contains("Could not export the SQLAlchemy models")
        .contains("RuntimeError")
        .contains("settings")
        .contains("customers.py:6");
    assert!(!db.exists(), "an export failure must not touch the database");
}

#[test]
fn no_models_is_an_error_not_an_empty_schema() {
    let workspace = Workspace::new();
    std::fs::create_dir_all(workspace.workdir().join("empty")).unwrap();
    workspace.write_file("empty/__init__.py", "VALUE = 1\n");
    let db = workspace.sqlite("app");
    db.execute("CREATE TABLE keep_me (id INTEGER PRIMARY KEY);");
    workspace.write_main_tf(&shop_config(&db.url(), "sqlite", "module = \"empty\""));
    workspace.init().success();
    workspace
        .plan()
        .failure()
        .contains("Could not export the SQLAlchemy models")
        .hides_sql("DROP");
    assert!(db.has_table("keep_me"));
}

#[test]
fn validate_rejects_bad_data_source_arguments_without_python() {
    let workspace = Workspace::new();
    let db = workspace.sqlite("app");
    let config = Config::new()
        .raw("data \"sqlalchemy_models\" \"neither\" {\n  dialect = \"sqlite\"\n}\n")
        .raw("data \"sqlalchemy_models\" \"both\" {\n  module  = \"a\"\n  path    = \"b\"\n  dialect = \"sqlite\"\n}\n")
        .raw("data \"sqlalchemy_models\" \"oracle\" {\n  module  = \"a\"\n  dialect = \"oracle\"\n  python  = \"/nonexistent/python\"\n}\n")
        .render();
    workspace.write_main_tf(&config);
    workspace.init().success();
    workspace
        .validate()
        .failure()
        .contains("No models to export")
        .contains("Both `module` and `path` are set")
        .contains("Unknown dialect")
        .contains("`oracle` is not a dialect");
    assert!(!db.exists());
}

#[test]
fn a_missing_interpreter_says_what_to_set() {
    let workspace = Workspace::new();
    copy_model_fixture("shop", workspace.workdir());
    let config = Config::new()
        .raw("data \"sqlalchemy_models\" \"app\" {\n  module  = \"shop.models\"\n  python  = \"/nonexistent/python\"\n  dialect = \"sqlite\"\n}\n")
        .render();
    workspace.write_main_tf(&config);
    workspace.init().success();
    workspace
        .plan()
        .failure()
        .contains("/nonexistent/python")
        .contains("python");
}

/// `shop` with `customers.name` renamed to `display_name` in the model,
/// declared with `info={"renamed_from": "name"}`.
fn rename_customer_name(workspace: &Workspace) {
    let customers = workspace.workdir().join("shop/models/customers.py");
    let source = std::fs::read_to_string(&customers).unwrap();
    let changed = source.replace(
        "    name: Mapped[str] = mapped_column(String(80), server_default=\"anonymous\")\n",
        "    display_name: Mapped[str] = mapped_column(\n        String(80), server_default=\"anonymous\", info={\"renamed_from\": \"name\"}\n    )\n",
    );
    assert_ne!(source, changed, "the fixture changed shape; update this test");
    std::fs::write(&customers, changed).unwrap();
}

#[test]
fn a_column_renamed_in_a_model_is_renamed_with_its_values() {
    let (workspace, db) = shop_workspace("sqlite");
    workspace.apply().success();
    db.execute("INSERT INTO customers (id, email, name) VALUES (1, 'ada@example.com', 'Ada');");
    rename_customer_name(&workspace);

    let (output, plan_file) = workspace.plan_to_file("rename.tfplan");
    output.changes().contains("Hazard renames_column");
    let plan = workspace.show_plan(&plan_file);
    let change = common::state_json::planned_change(&plan, "sqlalchemy_schema.app");
    assert_eq!(
        strings(&change["after"]["planned_sql"]),
        vec!["ALTER TABLE \"customers\" RENAME COLUMN \"name\" TO \"display_name\"".to_string()],
        "a rename, not a drop and an add"
    );
    let hazard = &change["after"]["hazards"][0];
    assert_eq!(hazard["code"], "renames_column");
    let message = hazard["message"].as_str().unwrap();
    assert!(
        message.starts_with("renames column customers.name to display_name;")
            && message.ends_with("(declared at shop/models/customers.py:7)"),
        "{message}"
    );
    workspace.apply_plan_file(&plan_file).success();
    assert_eq!(
        db.strings("SELECT display_name FROM customers", &[]),
        vec!["Ada".to_string()]
    );
    // The annotation stays in the model; now it changes nothing.
    workspace.plan().no_changes();
}

#[test]
fn a_denied_hazard_names_the_model_file_and_line() {
    let (workspace, db) = shop_workspace("sqlite");
    workspace.apply().success();
    rename_customer_name(&workspace);
    let denying = shop_config(&db.url(), "sqlite", "module = \"shop.models\"").replace(
        "  desired_sql = data.sqlalchemy_models.app.sql\n",
        "  desired_sql = data.sqlalchemy_models.app.sql\n  policy {\n    deny = [\"renames_column\"]\n  }\n",
    );
    workspace.write_main_tf(&denying);
    workspace
        .plan()
        .failure()
        .contains("Plan blocked by policy: renames_column")
        .contains("customers.py:7)");
    assert!(
        db.columns("customers").iter().any(|c| c.name == "name"),
        "nothing changed"
    );
}
