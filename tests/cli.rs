//! The binary as a CLI: `inspect`, `plan` (exit codes like
//! `terraform plan -detailed-exitcode`), `apply` and `export`, on real SQLite
//! files and real SQLAlchemy.

mod common;

use common::cli::{cli, command, text, workdir};
use common::python::{copy_model_fixture, test_python};
use common::SqliteDb;

const DESIRED: &str = "\
CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE);
CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id), title TEXT);
CREATE INDEX ix_posts_user ON posts (user_id);
";

#[test]
fn plan_apply_plan_follows_detailed_exit_codes() {
    let dir = workdir("tfalchemy-cli-");
    std::fs::write(dir.path().join("schema.sql"), DESIRED).unwrap();
    let db = SqliteDb::at(dir.path().join("app.db"));

    let plan = cli(&["plan", "--url", &db.url(), "--desired", "schema.sql"], dir.path());
    assert_eq!(plan.status.code(), Some(2), "changes → exit 2\n{}", text(&plan.stderr));
    let script = text(&plan.stdout);
    // The desired statements themselves, as SQLite stores them.
    assert!(
        script.contains("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE);"),
        "{script}"
    );
    assert!(
        script.contains("CREATE INDEX ix_posts_user ON posts (user_id);"),
        "{script}"
    );
    assert!(!db.exists(), "plan must not create the database file");

    let apply = cli(&["apply", "--url", &db.url(), "--desired", "schema.sql"], dir.path());
    assert_eq!(apply.status.code(), Some(0), "{}", text(&apply.stderr));
    assert!(
        text(&apply.stderr).contains("Applied 3 statement(s)"),
        "{}",
        text(&apply.stderr)
    );
    assert_eq!(db.tables(), vec!["posts".to_string(), "users".to_string()]);

    let again = cli(&["plan", "--url", &db.url(), "--desired", "schema.sql"], dir.path());
    assert_eq!(
        again.status.code(),
        Some(0),
        "no changes → exit 0\n{}",
        text(&again.stderr)
    );
    assert!(text(&again.stdout).is_empty());
    assert!(text(&again.stderr).contains("No changes"));
}

#[test]
fn inspect_prints_the_live_schema_as_ddl_that_plans_nothing() {
    let dir = workdir("tfalchemy-cli-");
    let db = SqliteDb::at(dir.path().join("app.db"));
    db.execute(DESIRED);
    let inspect = cli(&["inspect", "--url", &db.url()], dir.path());
    assert_eq!(inspect.status.code(), Some(0), "{}", text(&inspect.stderr));
    let ddl = text(&inspect.stdout);
    assert!(ddl.contains("CREATE TABLE posts ("), "{ddl}");
    // The inspected DDL is itself a desired schema equal to the live one.
    std::fs::write(dir.path().join("inspected.sql"), &ddl).unwrap();
    let plan = cli(&["plan", "--url", &db.url(), "--desired", "inspected.sql"], dir.path());
    assert_eq!(
        plan.status.code(),
        Some(0),
        "{}{}",
        text(&plan.stdout),
        text(&plan.stderr)
    );
}

#[test]
fn the_url_may_come_from_the_environment() {
    let dir = workdir("tfalchemy-cli-");
    let db = SqliteDb::at(dir.path().join("env.db"));
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY);");
    let output = command(dir.path())
        .args(["inspect"])
        .env("DATABASE_URL", db.url())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("CREATE TABLE t (id INTEGER PRIMARY KEY)"));
}

#[test]
fn errors_exit_1_with_a_message_and_never_show_the_password() {
    let dir = workdir("tfalchemy-cli-");
    std::fs::write(dir.path().join("schema.sql"), DESIRED).unwrap();
    let bad_scheme = cli(
        &["plan", "--url", "oracle://scott:tiger@db/x", "--desired", "schema.sql"],
        dir.path(),
    );
    assert_eq!(bad_scheme.status.code(), Some(1));
    let message = text(&bad_scheme.stderr);
    assert!(message.contains("--url") && message.contains("oracle"), "{message}");
    assert!(!message.contains("tiger"), "{message}");

    let unreachable = cli(
        &[
            "plan",
            "--url",
            "postgresql+psycopg://app:s3cret@127.0.0.1:1/db",
            "--desired",
            "schema.sql",
        ],
        dir.path(),
    );
    assert_eq!(unreachable.status.code(), Some(1));
    let output = format!("{}{}", text(&unreachable.stdout), text(&unreachable.stderr));
    assert!(
        output.contains("127.0.0.1:1"),
        "the message names the database: {output}"
    );
    assert!(!output.contains("s3cret"), "{output}");

    let missing = cli(
        &["plan", "--url", "sqlite:///x.db", "--desired", "missing.sql"],
        dir.path(),
    );
    assert_eq!(missing.status.code(), Some(1));
    assert!(text(&missing.stderr).contains("cannot read missing.sql"));

    std::fs::write(
        dir.path().join("broken.sql"),
        "CREATE TABLE ok (id INTEGER);\nCREATE TABLEX nope;\n",
    )
    .unwrap();
    let broken = cli(
        &["plan", "--url", "sqlite:///x.db", "--desired", "broken.sql"],
        dir.path(),
    );
    assert_eq!(broken.status.code(), Some(1));
    let message = text(&broken.stderr);
    assert!(message.contains("CREATE TABLEX nope"), "names the statement: {message}");
    assert!(message.contains("line 2"), "and its line: {message}");
}

#[test]
fn without_arguments_it_explains_that_it_is_a_plugin() {
    let dir = workdir("tfalchemy-cli-");
    let output = cli(&[], dir.path());
    assert_eq!(output.status.code(), Some(1));
    let message = format!("{}{}", text(&output.stdout), text(&output.stderr));
    assert!(message.contains("Terraform") && message.contains("--help"), "{message}");
    let help = cli(&["--help"], dir.path());
    assert_eq!(help.status.code(), Some(0));
    for command in ["export", "inspect", "plan", "apply"] {
        assert!(text(&help.stdout).contains(command), "--help lists {command}");
    }
}

/// `--version` and `-V` print the name and the crate's version (the version a
/// release archive names), on stdout, exit 0, touching nothing.
#[test]
fn version_flag_prints_the_crate_version() {
    let dir = workdir("tfalchemy-cli-");
    for flag in ["--version", "-V"] {
        let output = cli(&[flag], dir.path());
        assert_eq!(output.status.code(), Some(0), "{flag}: {}", text(&output.stderr));
        assert_eq!(
            text(&output.stdout),
            format!("terraform-provider-sqlalchemy {}\n", env!("CARGO_PKG_VERSION")),
            "{flag}"
        );
        assert_eq!(text(&output.stderr), "", "{flag}");
    }
    assert_eq!(tfalchemy::VERSION, env!("CARGO_PKG_VERSION"));
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "--version writes nothing"
    );
}

#[test]
fn export_prints_the_models_ddl() {
    let dir = workdir("tfalchemy-cli-");
    copy_model_fixture("shop", dir.path());
    let python = test_python();
    let output = cli(
        &[
            "export",
            "--module",
            "shop.models",
            "--dialect",
            "sqlite",
            "--python",
            python.to_str().unwrap(),
            "--no-cache",
        ],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let ddl = text(&output.stdout);
    assert!(
        ddl.contains("CREATE TABLE customers") && ddl.contains("CREATE INDEX ix_orders_customer_id"),
        "{ddl}"
    );

    let unknown = cli(
        &[
            "export",
            "--module",
            "shop.models",
            "--dialect",
            "oracle",
            "--python",
            python.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_eq!(unknown.status.code(), Some(1));
    assert!(text(&unknown.stderr).contains("oracle"));
    let neither = cli(&["export", "--dialect", "sqlite"], dir.path());
    assert_eq!(neither.status.code(), Some(1));
}

/// `DESIRED` without the `posts` table.
const USERS_ONLY: &str = "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE);\n";

/// A directory whose `app.db` has `DESIRED` applied and a post, and whose
/// `users.sql` asks for `USERS_ONLY`.
fn applied_then_shrunk() -> (tempfile::TempDir, SqliteDb) {
    let dir = workdir("tfalchemy-cli-");
    let db = SqliteDb::at(dir.path().join("app.db"));
    db.execute(DESIRED);
    db.execute("INSERT INTO users VALUES (1, 'ada@example.com'); INSERT INTO posts VALUES (1, 1, 'hello');");
    std::fs::write(dir.path().join("users.sql"), USERS_ONLY).unwrap();
    (dir, db)
}

#[test]
fn denied_hazards_are_commented_above_their_statement_and_refused_naming_the_flag() {
    let (dir, db) = applied_then_shrunk();
    let url = db.url();
    let plan = cli(&["plan", "--url", &url, "--desired", "users.sql"], dir.path());
    assert_eq!(plan.status.code(), Some(1), "denied → exit 1\n{}", text(&plan.stderr));
    let script = text(&plan.stdout);
    let comment = script.find("-- deny drops_table:").expect(&script);
    let drop = script.find("DROP TABLE \"posts\"").expect(&script);
    assert!(comment < drop, "the hazard comes above its statement:\n{script}");
    let message = text(&plan.stderr);
    assert!(
        message.contains("blocked by policy") && message.contains("--allow drops_table"),
        "{message}"
    );

    let apply = cli(&["apply", "--url", &url, "--desired", "users.sql"], dir.path());
    assert_eq!(apply.status.code(), Some(1), "{}", text(&apply.stderr));
    assert!(text(&apply.stderr).contains("--allow drops_table"));
    assert!(db.has_table("posts"), "a refused apply changes nothing");

    // A warn rule lets the plan through, still commented.
    let warned = cli(
        &["plan", "--url", &url, "--desired", "users.sql", "--warn", "data_loss"],
        dir.path(),
    );
    assert_eq!(warned.status.code(), Some(2), "{}", text(&warned.stderr));
    assert!(text(&warned.stdout).contains("-- warn drops_table:"));

    let allowed = cli(
        &[
            "apply",
            "--url",
            &url,
            "--desired",
            "users.sql",
            "--allow",
            "drops_table",
        ],
        dir.path(),
    );
    assert_eq!(allowed.status.code(), Some(0), "{}", text(&allowed.stderr));
    assert!(text(&allowed.stdout).contains("-- allow drops_table:"));
    assert!(!db.has_table("posts"));
}

#[test]
fn skip_keeps_what_the_desired_schema_lacks() {
    let (dir, db) = applied_then_shrunk();
    let args = ["--url", &db.url(), "--desired", "users.sql", "--skip", "drops_table"];
    let plan = cli(&[&["plan"][..], &args].concat(), dir.path());
    assert_eq!(
        plan.status.code(),
        Some(0),
        "nothing to do → exit 0\n{}",
        text(&plan.stderr)
    );
    assert!(text(&plan.stderr).contains("table posts is not in the desired schema; --skip keeps it"));
    let apply = cli(&[&["apply"][..], &args].concat(), dir.path());
    assert_eq!(apply.status.code(), Some(0), "{}", text(&apply.stderr));
    assert_eq!(db.row_count("posts"), 1);
}

#[test]
fn bad_policy_flags_are_errors_naming_the_flag() {
    let (dir, db) = applied_then_shrunk();
    let url = db.url();
    for (flags, expected) in [
        (&["--skip", "drops_enum_value"][..], "--skip"),
        (&["--allow", "drop_everything"][..], "--allow drop_everything"),
        (&["--concurrent-indexes"][..], "concurrent_indexes"),
        (
            &["--explicit-algorithm"][..],
            "`explicit_algorithm` (MySQL/MariaDB only)",
        ),
    ] {
        let output = cli(
            &[&["plan", "--url", &url, "--desired", "users.sql"][..], flags].concat(),
            dir.path(),
        );
        assert_eq!(output.status.code(), Some(1), "{flags:?}");
        let message = text(&output.stderr);
        assert!(message.contains(expected), "{flags:?}: {message}");
    }
    assert!(db.has_table("posts"));
}

#[test]
fn a_plan_the_live_rows_prove_will_fail_is_refused_until_warned() {
    let dir = workdir("tfalchemy-cli-");
    let db = SqliteDb::at(dir.path().join("app.db"));
    db.execute(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT); INSERT INTO users VALUES (1, NULL), (2, NULL);",
    );
    std::fs::write(
        dir.path().join("users.sql"),
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);\n",
    )
    .unwrap();
    let args = ["--url", &db.url(), "--desired", "users.sql"];
    let plan = cli(&[&["plan"][..], &args].concat(), dir.path());
    assert_eq!(
        plan.status.code(),
        Some(1),
        "proven to fail → exit 1\n{}",
        text(&plan.stderr)
    );
    assert!(
        text(&plan.stdout).contains("-- deny may_fail_on_existing_rows:"),
        "{}",
        text(&plan.stdout)
    );
    let message = text(&plan.stderr);
    assert!(
        message.contains("has 2 NULL values") && message.contains("--warn may_fail_on_existing_rows"),
        "{message}"
    );
    let apply = cli(&[&["apply"][..], &args].concat(), dir.path());
    assert_eq!(apply.status.code(), Some(1), "{}", text(&apply.stderr));
    assert_eq!(
        db.strings("SELECT sql FROM sqlite_schema WHERE name = 'users'", &[])
            .len(),
        1
    );
    assert!(
        db.strings("SELECT sql FROM sqlite_schema WHERE name = 'users'", &[])[0].contains("email TEXT)"),
        "a refused apply changes nothing"
    );

    let warned = cli(
        &[&["plan"][..], &args, &["--warn", "may_fail_on_existing_rows"]].concat(),
        dir.path(),
    );
    assert_eq!(warned.status.code(), Some(2), "{}", text(&warned.stderr));
    assert!(text(&warned.stdout).contains("-- warn may_fail_on_existing_rows:"));
}
