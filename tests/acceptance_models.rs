//! Acceptance tests for the `sqlalchemy_models` data source: real Terraform,
//! real SQLAlchemy in a virtualenv, real SQLite files.

mod common;

use std::path::Path;

use common::hcl::quote;
use common::processes::{assert_gone, provider_of, PidFile, PID_FILE_ENV};
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
        .shows_sql("CREATE TABLE customers (")
        .shows_sql("CREATE TABLE orders (")
        .shows_sql("CREATE INDEX ix_orders_customer_id ON orders (customer_id)");
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

/// A comment and a blank line added to a models file: the plan reuses the cached export (no
/// model is imported) and has nothing to do; after the apply the data source cites the new lines.
#[test]
fn an_edit_of_the_models_that_changes_no_code_reuses_the_export() {
    let (mut workspace, _db) = shop_workspace("sqlite");
    workspace.apply().success();
    let customers = workspace.workdir().join("shop/models/customers.py");
    let source = std::fs::read_to_string(&customers).unwrap();
    std::fs::write(&customers, format!("# Customers of the shop.\n\n{source}")).unwrap();

    workspace.set_env("TF_LOG_PROVIDER", "DEBUG");
    let plan = workspace.plan().no_changes();
    assert!(plan.stderr.contains("reusing the export"), "{plan}");
    workspace.apply().success();
    let state = workspace.show_state();
    let data = common::state_json::state_values(&state, "data.sqlalchemy_models.app");
    let sources = data["sources"].as_array().expect("sources");
    let customer = sources
        .iter()
        .find(|s| s["table"] == "customers")
        .expect("customers source");
    assert_eq!(customer["line"], 9, "the `class Customer` line, two lines down");
    let sql = data["sql"].as_str().expect("sql");
    assert!(sql.contains("customers.py:9)"), "{sql}");

    // A change of code is exported: the new column is planned.
    std::fs::write(
        &customers,
        format!("# Customers of the shop.\n\n{source}").replace(
            "    name: Mapped[str]",
            "    phone: Mapped[str] = mapped_column(String(20), nullable=True)\n    name: Mapped[str]",
        ),
    )
    .unwrap();
    let plan = workspace.plan().changes().shows_sql("ADD COLUMN \"phone\" VARCHAR(20)");
    assert!(!plan.stderr.contains("reusing the export"), "{plan}");
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
            "CREATE INDEX ix_orders_note ON orders (note)".to_string(),
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

/// SQLite models with generated columns (`Computed`, virtual and stored) and
/// a `STRICT`, `WITHOUT ROWID` table (tests/fixtures/models/sqlite_parity):
/// created as the models say, stable, and a change that rebuilds tables
/// (a check added, a generated expression and a default changed) keeps the
/// rows and is stable too.
#[test]
fn sqlite_models_with_generated_columns_and_strict_tables_apply_and_stay_stable() {
    let workspace = Workspace::new();
    copy_model_fixture("sqlite_parity", workspace.workdir());
    let db = workspace.sqlite("app");
    let configure = |module: &str| {
        workspace.write_main_tf(&shop_config(
            &db.url(),
            "sqlite",
            &format!("module      = \"{module}\"\n  working_dir = \"${{path.module}}/sqlite_parity\""),
        ))
    };
    configure("shop_v1");
    workspace.init().success();
    workspace
        .plan()
        .changes()
        .shows_sql("domain VARCHAR GENERATED ALWAYS AS (substr(\"Email\",instr(\"Email\",'@')+1))")
        .shows_sql("GENERATED ALWAYS AS (price*qty) STORED")
        .says("WITHOUT ROWID")
        .says("STRICT")
        .lacks("not managed");
    workspace.apply().success();
    let settings = db.stored_sql("Settings");
    assert!(
        settings.contains("WITHOUT ROWID") && settings.contains("STRICT"),
        "{settings}"
    );
    workspace.plan().no_changes();

    db.execute(
        "INSERT INTO \"Customers\" (id, \"Email\") VALUES (1, 'ada@example.com');
         INSERT INTO orders (id, customer_id, price, qty) VALUES (1, 1, 2.5, 4);",
    );
    configure("shop_v2");
    workspace.plan().changes().shows_sql("price * qty * 1.2");
    workspace.apply().success();
    workspace.plan().no_changes();
    assert_eq!(db.row_count("orders"), 1);
    assert!(db.stored_sql("orders").contains("qty_not_negative"));
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
            // The model's class, and the line declaring the column, not the class's (line 7).
            && message.ends_with("(model Customer, declared at shop/models/customers.py:13)"),
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
        .contains("customers.py:13)");
    assert!(
        db.columns("customers").iter().any(|c| c.name == "name"),
        "nothing changed"
    );
}

// --- The export contained: what failed is said, nothing outlives it ----------------------------

/// `main.tf` with only the data source: `source` names the models, `python` runs them, `extra`
/// adds arguments. Not cached, so every plan runs the interpreter.
fn models_only_config(python: &str, source: &str, extra: &str) -> String {
    Config::new()
        .raw(&format!(
            "data \"sqlalchemy_models\" \"app\" {{\n  {source}\n  python  = {}\n  dialect = \"sqlite\"\n  cache   = false\n{extra}}}\n",
            quote(python)
        ))
        .render()
}

fn fixture_python() -> String {
    test_python().display().to_string()
}

/// `env = { TFALCHEMY_FIXTURE_PID_FILE = … }` for the data source.
fn recording_env(pids: &PidFile) -> String {
    format!(
        "  env = {{\n    {PID_FILE_ENV} = {}\n  }}\n",
        quote(&pids.path().display().to_string())
    )
}

#[test]
fn interpreter_failures_say_what_happened_at_the_data_source() {
    let workspace = Workspace::new();
    copy_model_fixture("errors", workspace.workdir());
    let python = fixture_python();
    workspace.write_main_tf(&models_only_config(
        &python,
        "path    = \"${path.module}/errors/exit_status.py\"",
        "",
    ));
    workspace.init().success();
    workspace
        .plan()
        .failure()
        .contains("Error: Python exited with status 3 during the export")
        .contains("with data.sqlalchemy_models.app,")
        .contains("in data \"sqlalchemy_models\" \"app\":")
        .contains("path    = \"${path.module}/errors/exit_status.py\"")
        .says(&format!("the interpreter {python} exited with status 3"))
        .says("before the export of path ./errors/exit_status.py finished")
        .contains("loading settings")
        .contains("settings are incomplete; giving up")
        .lacks("3.7");

    workspace.write_main_tf(&models_only_config(
        &python,
        "path    = \"${path.module}/errors/segfault.py\"",
        "",
    ));
    workspace
        .plan()
        .failure()
        .contains("Error: Python was killed by signal SIGSEGV during the export")
        .contains("with data.sqlalchemy_models.app,")
        .says("The interpreter crashed")
        .contains("Fatal Python error: Segmentation fault")
        .contains("errors/segfault.py\", line 5");

    // Not a Python at all: its exit status, and the hint that it may not be Python.
    workspace.write_main_tf(&models_only_config("false", "module  = \"errors\"", ""));
    workspace
        .plan()
        .failure()
        .contains("Error: Python exited with status 1 during the export")
        .contains("with data.sqlalchemy_models.app,")
        .says("`python` is not a Python interpreter")
        .contains("It wrote nothing to standard error.");
}

#[test]
fn a_python_too_old_is_named_with_its_version_at_the_python_argument() {
    let workspace = Workspace::new();
    copy_model_fixture("shop", workspace.workdir());
    // Python reads sitecustomize before anything else: this one reports an old version.
    std::fs::create_dir_all(workspace.workdir().join("old_python")).unwrap();
    workspace.write_file(
        "old_python/sitecustomize.py",
        "import sys\nsys.version_info = (3, 6, 15, 'final', 0)\n",
    );
    let python = fixture_python();
    workspace.write_main_tf(&models_only_config(
        &python,
        "module  = \"shop.models\"",
        "  env = {\n    PYTHONPATH = \"old_python\"\n  }\n",
    ));
    workspace.init().success();
    workspace
        .plan()
        .failure()
        .contains("Error: Python 3.6.15 is too old for the export")
        .contains("with data.sqlalchemy_models.app,")
        // The source line Terraform quotes is the `python` argument.
        .contains(&format!(":   python  = {}", quote(&python)))
        .says("is Python 3.6.15; the exporter needs Python 3.7 or newer");
}

#[test]
fn an_index_declared_twice_is_a_warning_and_created_once() {
    let workspace = Workspace::new();
    copy_model_fixture("shop", workspace.workdir());
    let orders = workspace.workdir().join("shop/models/orders.py");
    let source = std::fs::read_to_string(&orders).unwrap();
    let twice = source
        .replace(
            "from sqlalchemy import ForeignKey, Integer",
            "from sqlalchemy import ForeignKey, Index, Integer",
        )
        .replace(
            "    __tablename__ = \"orders\"\n",
            "    __tablename__ = \"orders\"\n    __table_args__ = (\n        Index(\"ix_orders_total\", \"total_cents\"),\n        Index(\"ix_orders_total\", \"total_cents\"),\n    )\n",
        );
    assert_ne!(source, twice, "the fixture changed shape; update this test");
    std::fs::write(&orders, twice).unwrap();
    let db = workspace.sqlite("app");
    workspace.write_main_tf(&shop_config(&db.url(), "sqlite", "module = \"shop.models\""));
    workspace.init().success();
    workspace
        .plan()
        .changes()
        .contains("Warning: SQLAlchemy models declare a statement twice")
        .contains("with data.sqlalchemy_models.app,")
        .contains("CREATE INDEX ix_orders_total ON orders (total_cents);")
        .contains("Index('ix_orders_total') on table orders at shop/models/orders.py:10")
        .contains("Index('ix_orders_total') on table orders at shop/models/orders.py:11");
    workspace.apply().success();
    assert_eq!(
        db.indexes("orders"),
        vec!["ix_orders_customer_id".to_string(), "ix_orders_total".to_string()]
    );
    workspace.plan().no_changes();
}

/// Everything in `dir`, by name.
fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A workspace with the `processes` fixtures whose Terraform (and so provider and Python) uses
/// a temporary directory of its own, and keeps the plugin's socket elsewhere.
fn contained_workspace() -> (Workspace, tempfile::TempDir) {
    let mut workspace = Workspace::new();
    copy_model_fixture("processes", workspace.workdir());
    let temp = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let sockets = workspace.workdir().join(".sockets");
    std::fs::create_dir_all(&sockets).unwrap();
    workspace.set_env("PLUGIN_UNIX_SOCKET_DIR", &sockets);
    workspace.write_main_tf(&models_only_config(&fixture_python(), "module  = \"shop\"", ""));
    workspace.init().success();
    workspace.set_env("TMPDIR", temp.path());
    (workspace, temp)
}

#[test]
fn no_process_or_temporary_file_of_the_export_outlives_the_plan() {
    let (workspace, temp) = contained_workspace();
    let pids = PidFile::new();
    workspace.write_main_tf(&models_only_config(
        &fixture_python(),
        "path    = \"${path.module}/processes/child_at_import.py\"",
        &recording_env(&pids),
    ));
    workspace.plan().success();
    assert_gone("the child the model started", &[pids.pid("child")]);
    assert_gone("the interpreter", &[pids.pid("interpreter")]);
    assert_eq!(entries(temp.path()), Vec::<String>::new(), "left in TMPDIR");
}

#[test]
fn a_provider_killed_mid_export_leaves_no_file_and_its_processes_are_swept_by_the_next_plan() {
    let (workspace, temp) = contained_workspace();
    let hanging = PidFile::new();
    workspace.write_main_tf(&models_only_config(
        &fixture_python(),
        "path    = \"${path.module}/processes/child_then_hang.py\"",
        &recording_env(&hanging),
    ));
    let plan = workspace.start(&["plan", "-input=false", "-no-color"]);
    let child = hanging.wait_for("child");
    let interpreter = hanging.pid("interpreter");
    let provider = provider_of(&plan).expect("the provider of terraform plan");
    let killed = std::process::Command::new("kill")
        .args(["-KILL", &provider.to_string()])
        .status()
        .expect("run kill");
    assert!(killed.success(), "could not kill the provider {provider}");
    plan.wait().failure();
    assert_eq!(entries(temp.path()), Vec::<String>::new(), "left in TMPDIR");

    // The next export finds what the killed provider could not stop.
    let next = PidFile::new();
    workspace.write_main_tf(&models_only_config(
        &fixture_python(),
        "path    = \"${path.module}/processes/child_at_import.py\"",
        &recording_env(&next),
    ));
    workspace.plan().success();
    assert_gone("the killed provider's interpreter", &[interpreter]);
    assert_gone("the child its model started", &[child]);
    assert_gone("the next export's child", &[next.pid("child")]);
    assert_eq!(entries(temp.path()), Vec::<String>::new(), "left in TMPDIR");
}
