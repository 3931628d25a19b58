//! Tests of the shared test harness itself (`tests/common`): the pieces every
//! acceptance test relies on, checked without needing a working provider.

mod common;

use common::hcl::quote;
use common::provider_mirror::{provider_version, terraform_platform};
use common::{Config, ProviderBlock, SchemaBlock, Workspace};

#[test]
fn terraform_runs_and_reports_its_version() {
    Workspace::new().run(&["version"]).success().contains("Terraform v");
}

#[test]
fn init_installs_the_built_provider_from_the_private_mirror_offline() {
    let workspace = Workspace::new();
    workspace.write_main_tf(&Config::new().render());

    workspace
        .init()
        .success()
        .contains(&format!("Installed tfalchemy/sqlalchemy v{}", provider_version()));

    let lock = std::fs::read_to_string(workspace.workdir().join(".terraform.lock.hcl"))
        .unwrap_or_else(|error| panic!("reading the lock file: {error}"));
    assert!(
        lock.contains(r#"provider "registry.terraform.io/tfalchemy/sqlalchemy""#),
        "{lock}"
    );
    let installed = workspace
        .workdir()
        .join(".terraform/providers/registry.terraform.io/tfalchemy/sqlalchemy")
        .join(provider_version())
        .join(terraform_platform())
        .join(format!("terraform-provider-sqlalchemy_v{}", provider_version()));
    assert!(installed.is_file(), "{} is missing", installed.display());
}

#[test]
fn hcl_strings_escape_quotes_newlines_and_templates() {
    assert_eq!(
        quote("say \"hi\"\\ ${x} %{y} $z 100%\n"),
        r#""say \"hi\"\\ $${x} %%{y} $z 100%\n""#
    );
}

#[test]
fn config_renders_provider_resource_and_import_blocks() {
    let rendered = Config::new()
        .provider(ProviderBlock::new().url("sqlite:///a.db"))
        .schema(SchemaBlock::new("app", "CREATE TABLE t (id INTEGER)").dev_url("sqlite://"))
        .import("sqlalchemy_schema.app", "sqlite:///a.db")
        .render();

    for expected in [
        r#"source  = "tfalchemy/sqlalchemy""#,
        "provider \"sqlalchemy\" {\n  url = \"sqlite:///a.db\"\n}",
        "resource \"sqlalchemy_schema\" \"app\" {\n  dev_url = \"sqlite://\"\n  desired_sql = \"CREATE TABLE t (id INTEGER)\"\n}",
        "import {\n  to = sqlalchemy_schema.app\n  id = \"sqlite:///a.db\"\n}",
    ] {
        assert!(rendered.contains(expected), "missing {expected:?} in:\n{rendered}");
    }
}

#[test]
fn sqlite_helpers_read_back_what_was_created() {
    let workspace = Workspace::new();
    let db = workspace.sqlite("scratch");
    assert!(!db.exists());
    assert!(db.url().starts_with("sqlite:////"), "{}", db.url());

    db.execute(
        "CREATE TABLE parent (id INTEGER PRIMARY KEY, name VARCHAR(20) NOT NULL DEFAULT 'x', UNIQUE (name));
         CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id));
         CREATE INDEX ix_child_parent ON child (parent_id) WHERE parent_id IS NOT NULL;
         INSERT INTO parent (id, name) VALUES (1, 'a'), (2, 'b');",
    );

    assert_eq!(db.tables(), ["child", "parent"]);
    assert!(db.has_table("parent") && !db.has_table("missing"));
    let name = db.column("parent", "name");
    assert_eq!(name.declared_type, "VARCHAR(20)");
    assert!(name.not_null);
    assert_eq!(name.default.as_deref(), Some("'x'"));
    assert_eq!(db.column("parent", "id").primary_key_position, 1);
    // The UNIQUE constraint's automatic index is not an explicit one.
    assert_eq!(db.indexes("parent"), Vec::<String>::new());
    assert_eq!(db.indexes("child"), ["ix_child_parent"]);
    assert!(db.stored_sql("ix_child_parent").contains("WHERE"));
    assert_eq!(db.row_count("parent"), 2);
    assert_eq!(db.strings("SELECT name FROM parent ORDER BY id", &[]), ["a", "b"]);
}
