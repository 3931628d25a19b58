//! Acceptance tests on MySQL/MariaDB: real Terraform driving the provider
//! against the real MariaDB server (127.0.0.1:3306), with models exported by
//! real SQLAlchemy. One test per story a user lives through.

mod common;

use common::hcl::quote;
use common::mariadb_db::MariaDb;
use common::python::{copy_model_fixture, test_python};
use common::state_json::{planned_change, strings};
use common::{Config, SchemaBlock, Workspace};

#[test]
fn sqlalchemy_models_converge_on_mariadb_and_a_model_change_plans_only_it() {
    let db = MariaDb::new();
    let workspace = Workspace::new();
    copy_model_fixture("shop", workspace.workdir());
    workspace.write_main_tf(
        &Config::new()
            .raw(&format!(
                "data \"sqlalchemy_models\" \"shop\" {{\n  module  = \"shop.models\"\n  python  = {}\n  dialect = \"mariadb\"\n}}\n",
                quote(&test_python().display().to_string())
            ))
            .raw(&format!(
                "resource \"sqlalchemy_schema\" \"app\" {{\n  url         = {}\n  desired_sql = data.sqlalchemy_models.shop.sql\n}}\n",
                quote(&db.url())
            ))
            .render(),
    );
    workspace.init().success();
    workspace
        .plan()
        .changes()
        .shows_sql("CREATE TABLE `customers`")
        .shows_sql("ON DELETE CASCADE");
    workspace.apply().success();
    assert_eq!(
        db.strings("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1"),
        vec!["customers".to_string(), "orders".to_string()]
    );
    workspace.plan().no_changes();

    let orders = workspace.workdir().join("shop/models/orders.py");
    let source = std::fs::read_to_string(&orders).unwrap();
    std::fs::write(
        &orders,
        source.replace(
            "    total_cents: Mapped[int] = mapped_column(Integer, server_default=\"0\")\n",
            "    total_cents: Mapped[int] = mapped_column(Integer, server_default=\"0\")\n    shipped: Mapped[bool | None] = mapped_column(index=True)\n",
        ),
    )
    .unwrap();
    let (_, plan_file) = workspace.plan_to_file("change.tfplan");
    let shown = workspace.show_plan(&plan_file);
    let planned = strings(&planned_change(&shown, "sqlalchemy_schema.app")["after"]["planned_sql"]);
    assert_eq!(planned.len(), 1, "one ALTER TABLE for the one table: {planned:#?}");
    assert!(
        planned[0].starts_with("ALTER TABLE `orders`")
            && planned[0].contains("ADD COLUMN `shipped` tinyint(1)")
            && planned[0].contains("ADD INDEX `ix_orders_shipped`"),
        "{planned:#?}"
    );
    workspace.apply_plan_file(&plan_file).success();
    assert_eq!(
        db.strings(
            "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() \
             AND TABLE_NAME = 'orders' AND COLUMN_NAME = 'shipped'"
        ),
        vec!["shipped".to_string()]
    );
    workspace.plan().no_changes();
}

const TWO_TABLES: &str =
    "CREATE TABLE users (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, email varchar(120) NOT NULL);\n\
                          CREATE TABLE notes (id int PRIMARY KEY, body text);\n";

fn schema_workspace(db: &MariaDb, ddl: &str) -> Workspace {
    let workspace = Workspace::new();
    workspace.write_main_tf(
        &Config::new()
            .schema(SchemaBlock::new("app", ddl).url(&db.url()))
            .render(),
    );
    workspace.init().success();
    workspace
}

#[test]
fn drift_is_repaired_and_a_table_drop_is_blocked_until_the_policy_allows_it() {
    let db = MariaDb::new();
    let workspace = schema_workspace(&db, TWO_TABLES);
    workspace.apply().success();
    workspace.plan().no_changes();

    db.execute("ALTER TABLE users DROP COLUMN email");
    workspace.plan().changes().shows_sql("ADD COLUMN `email` varchar(120)");
    workspace.apply().success();
    workspace.plan().no_changes();

    db.execute("INSERT INTO notes VALUES (1, 'keep me')");
    let without_notes =
        "CREATE TABLE users (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, email varchar(120) NOT NULL);\n";
    workspace.write_main_tf(
        &Config::new()
            .schema(SchemaBlock::new("app", without_notes).url(&db.url()))
            .render(),
    );
    workspace.plan().failure().says("drops_table");
    assert_eq!(db.strings("SELECT body FROM notes"), vec!["keep me".to_string()]);
}

#[test]
fn settings_mariadb_lacks_are_refused_at_validate_and_a_migration_in_one_transaction_too() {
    let db = MariaDb::new();
    let workspace = Workspace::new();
    workspace.write_main_tf(
        &Config::new()
            .schema(
                SchemaBlock::new("app", TWO_TABLES)
                    .url(&db.url())
                    .attribute("schemas", "[\"app\"]")
                    .attribute("statement_timeout", "\"5s\"")
                    .attribute("lock_timeout", "\"5s\""),
            )
            .render(),
    );
    workspace.init().success();
    workspace
        .validate()
        .failure()
        .says("`schemas` applies to PostgreSQL databases only")
        .says("`statement_timeout` applies to PostgreSQL databases only")
        .lacks("`lock_timeout` applies");

    workspace.write_main_tf(
        &Config::new()
            .raw(&format!(
                "resource \"sqlalchemy_migration\" \"app\" {{\n  url = {}\n  dir = \"migrations\"\n  tx_mode = \"all\"\n}}\n",
                quote(&db.url())
            ))
            .render(),
    );
    std::fs::create_dir_all(workspace.workdir().join("migrations")).unwrap();
    workspace
        .validate()
        .failure()
        .says("MySQL/MariaDB has no transactional DDL")
        .says("Use `file` (the default)");
}

#[test]
fn an_existing_mariadb_database_is_imported_and_its_plan_is_empty_when_the_models_match() {
    let db = MariaDb::new();
    db.execute(TWO_TABLES);
    let workspace = Workspace::new();
    workspace.write_main_tf(
        &Config::new()
            .provider(common::ProviderBlock::new().url(&db.url()))
            .schema(SchemaBlock::new("app", TWO_TABLES))
            .render(),
    );
    workspace.init().success();
    workspace.import("sqlalchemy_schema.app", &db.url()).success();
    workspace.plan().no_changes();

    // Drift after the import shows up with the SQL that repairs it.
    db.execute("DROP TABLE notes");
    workspace.plan().changes().shows_sql("CREATE TABLE `notes`");
    workspace.apply().success();
    workspace.plan().no_changes();
}

#[test]
fn explicit_algorithm_shows_in_the_plan_and_a_change_the_server_would_copy_stops_the_plan() {
    let db = MariaDb::new();
    db.execute(
        "CREATE TABLE t (id int PRIMARY KEY, a int);\n\
         CREATE TABLE archive (id int PRIMARY KEY, a int) ENGINE=Aria;",
    );
    let config = |ddl: &str| {
        Config::new()
            .schema(
                SchemaBlock::new("app", ddl)
                    .url(&db.url())
                    .policy_setting("explicit_algorithm", "true"),
            )
            .render()
    };
    let workspace = Workspace::new();
    workspace.write_main_tf(&config(
        "CREATE TABLE t (id int PRIMARY KEY, a int, b int);\n\
         CREATE TABLE archive (id int PRIMARY KEY, a int) ENGINE=Aria;",
    ));
    workspace.init().success();
    workspace
        .plan()
        .changes()
        .shows_sql("ADD COLUMN `b` int NULL AFTER `a`,")
        .shows_sql("ALGORITHM=INSTANT");
    workspace.apply().success();
    workspace.plan().no_changes();

    // Aria cannot add an index in place: the server refuses the statement
    // as planned, in the plan's replay, before the database is touched.
    workspace.write_main_tf(&config(
        "CREATE TABLE t (id int PRIMARY KEY, a int, b int);\n\
         CREATE TABLE archive (id int PRIMARY KEY, a int, INDEX ix_a (a)) ENGINE=Aria;",
    ));
    workspace
        .plan()
        .failure()
        .says("ALGORITHM=INPLACE is not supported for this operation")
        .says("`explicit_algorithm` is set")
        .says("plan without `explicit_algorithm`");
    assert_eq!(
        db.strings("SELECT INDEX_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'archive'"),
        vec!["PRIMARY".to_string()]
    );
}

#[test]
fn explicit_algorithm_is_refused_at_validate_on_sqlite_and_postgresql_at_the_setting() {
    let workspace = Workspace::new();
    let sqlite = workspace.sqlite("app");
    let postgres = "postgresql://postgres@127.0.0.1:5432/app";
    let config = Config::new()
        .schema(
            SchemaBlock::new("lite", "CREATE TABLE t (id integer PRIMARY KEY);")
                .url(&sqlite.url())
                .policy_setting("explicit_algorithm", "true"),
        )
        .schema(
            SchemaBlock::new("pg", "CREATE TABLE t (id integer PRIMARY KEY);")
                .url(postgres)
                .policy_setting("explicit_algorithm", "true"),
        )
        .render();
    workspace.write_main_tf(&config);
    workspace.init().success();
    let validated = workspace
        .validate()
        .failure()
        .says("MySQL/MariaDB-only setting")
        .says(&format!(
            "`policy {{ explicit_algorithm = true }}` applies to MySQL/MariaDB databases only, and {} is a sqlite database",
            sqlite.url()
        ))
        .says(&format!("and {postgres} is a postgres database"))
        .says("in resource \"sqlalchemy_schema\" \"lite\"")
        .says("in resource \"sqlalchemy_schema\" \"pg\"");
    // The diagnostics point at the setting itself, not at the block.
    let pointed = validated
        .combined()
        .lines()
        .filter(|line| {
            line.trim_start_matches(['│', ' '])
                .split_once(':')
                .is_some_and(|(n, rest)| n.trim().parse::<u32>().is_ok() && rest.trim() == "explicit_algorithm = true")
        })
        .count();
    assert_eq!(pointed, 2, "{validated}");
}
