//! The CLI as a tool people script: saved plans (`plan --out`, `apply FILE`),
//! confirmation on a terminal, closed pipes, quiet stderr, `--help` examples.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::cli::{cli, command, text, workdir, BINARY};
use common::postgres_db::PostgresDb;
use common::SqliteDb;

const USERS: &str = "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);\n";
const USERS_AND_POSTS: &str = "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);
CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id), title TEXT);
";

/// A directory with `app.db` holding `USERS` and `desired.sql` asking for `USERS_AND_POSTS`.
fn users_then_posts() -> (tempfile::TempDir, SqliteDb) {
    let dir = workdir("tfalchemy-cli-");
    let db = SqliteDb::at(dir.path().join("app.db"));
    db.execute(USERS);
    std::fs::write(dir.path().join("desired.sql"), USERS_AND_POSTS).unwrap();
    (dir, db)
}

#[test]
fn a_saved_plan_applies_exactly_what_it_showed() {
    let (dir, db) = users_then_posts();
    let url = db.url();
    let plan = cli(
        &["plan", "--url", &url, "--desired", "desired.sql", "--out", "app.plan"],
        dir.path(),
    );
    assert_eq!(plan.status.code(), Some(2), "{}", text(&plan.stderr));
    assert!(text(&plan.stderr).contains("Saved the plan to app.plan"));
    assert!(!db.has_table("posts"), "plan changes nothing");

    // The desired file changes after the plan: the saved plan still applies what it showed.
    std::fs::write(dir.path().join("desired.sql"), USERS).unwrap();
    let apply = cli(&["apply", "--url", &url, "app.plan"], dir.path());
    assert_eq!(apply.status.code(), Some(0), "{}", text(&apply.stderr));
    assert!(text(&apply.stdout).contains("CREATE TABLE posts ("));
    assert!(db.has_table("posts"));

    // Applied once, the plan is stale: the database changed since.
    let again = cli(&["apply", "--url", &url, "app.plan"], dir.path());
    assert_eq!(again.status.code(), Some(1), "{}", text(&again.stderr));
    assert!(
        text(&again.stderr).contains("changed since app.plan was planned"),
        "{}",
        text(&again.stderr)
    );
}

#[test]
fn a_saved_plan_is_refused_when_the_database_changed_since() {
    let (dir, db) = users_then_posts();
    let url = db.url();
    let plan = cli(
        &["plan", "--url", &url, "--desired", "desired.sql", "--out", "app.plan"],
        dir.path(),
    );
    assert_eq!(plan.status.code(), Some(2), "{}", text(&plan.stderr));
    db.execute("CREATE TABLE audit (id INTEGER PRIMARY KEY);");
    let apply = cli(&["apply", "--url", &url, "app.plan"], dir.path());
    assert_eq!(apply.status.code(), Some(1), "{}", text(&apply.stderr));
    let message = text(&apply.stderr);
    assert!(
        message.contains("changed since app.plan was planned") && message.contains("Plan again"),
        "{message}"
    );
    assert!(!db.has_table("posts"), "a refused saved plan changes nothing");
    assert!(db.has_table("audit"));

    // Another database, or policy flags that would change the plan, are refused too.
    let other = SqliteDb::at(dir.path().join("other.db"));
    other.execute(USERS);
    let elsewhere = cli(&["apply", "--url", &other.url(), "app.plan"], dir.path());
    assert_eq!(elsewhere.status.code(), Some(1));
    assert!(
        text(&elsewhere.stderr).contains("was planned for"),
        "{}",
        text(&elsewhere.stderr)
    );
    let flags = cli(&["apply", "--url", &url, "app.plan", "--allow", "all"], dir.path());
    assert_eq!(flags.status.code(), Some(1));
    assert!(text(&flags.stderr).contains("policy flags belong to the `plan`"));

    std::fs::write(dir.path().join("not-a-plan"), "CREATE TABLE x (id int);").unwrap();
    let garbage = cli(&["apply", "--url", &url, "not-a-plan"], dir.path());
    assert_eq!(garbage.status.code(), Some(1));
    assert!(text(&garbage.stderr).contains("not-a-plan is not a plan saved by"));
}

#[test]
fn a_saved_plan_holds_no_password() {
    let dir = workdir("tfalchemy-cli-");
    std::fs::write(dir.path().join("desired.sql"), USERS).unwrap();
    // No server answers on port 1: the plan fails before writing, and says so without the password.
    let plan = cli(
        &[
            "plan",
            "--url",
            "postgresql://app:s3cret@127.0.0.1:1/app",
            "--desired",
            "desired.sql",
            "--out",
            "app.plan",
        ],
        dir.path(),
    );
    assert_eq!(plan.status.code(), Some(1));
    assert!(!text(&plan.stderr).contains("s3cret"));
    assert!(!dir.path().join("app.plan").exists(), "a failed plan saves nothing");
}

/// Runs `shell_command` with a pseudo-terminal as its standard input (util-linux
/// `script`), typing `answer`.
fn on_a_terminal(dir: &Path, shell_command: &str, answer: &str) -> Output {
    let mut child = Command::new("script")
        .args(["-qec", shell_command, "/dev/null"])
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("RUST_LOG")
        .env_remove("TFALCHEMY_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("util-linux `script` runs a command on a pseudo-terminal");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{answer}\n").as_bytes())
        .expect("typing the answer");
    child.wait_with_output().expect("script")
}

#[test]
fn apply_on_a_terminal_asks_first_and_only_yes_goes_ahead() {
    let (dir, db) = users_then_posts();
    let apply = format!("'{BINARY}' apply --url '{}' --desired desired.sql", db.url());

    let declined = on_a_terminal(dir.path(), &apply, "no");
    let shown = text(&declined.stdout);
    assert!(shown.contains("Only 'yes' will be accepted"), "{shown}");
    assert!(shown.contains("Apply cancelled; nothing was changed."), "{shown}");
    assert!(!db.has_table("posts"));

    let accepted = on_a_terminal(dir.path(), &apply, "yes");
    assert!(
        text(&accepted.stdout).contains("Applied 1 statement(s)"),
        "{}",
        text(&accepted.stdout)
    );
    assert!(db.has_table("posts"));

    // --auto-approve never asks.
    std::fs::write(dir.path().join("desired.sql"), USERS).unwrap();
    let approved = on_a_terminal(
        dir.path(),
        &format!(
            "'{BINARY}' apply --url '{}' --desired desired.sql --auto-approve --allow drops_table",
            db.url()
        ),
        "",
    );
    let shown = text(&approved.stdout);
    assert!(!shown.contains("Only 'yes'"), "{shown}");
    assert!(!db.has_table("posts"), "{shown}");
}

#[test]
fn a_closed_pipe_ends_the_output_quietly() {
    let dir = workdir("tfalchemy-cli-");
    let db = SqliteDb::at(dir.path().join("app.db"));
    let tables: String = (0..3000)
        .map(|n| format!("CREATE TABLE t{n} (id INTEGER PRIMARY KEY, note TEXT);\n"))
        .collect();
    db.execute(&tables);
    let mut child = command(dir.path())
        .args(["inspect", "--url", &db.url()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read one line and close the pipe, as `| head -n 1` does.
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 64];
    std::io::Read::read_exact(&mut stdout, &mut first).unwrap();
    drop(stdout);
    let output = child.wait_with_output().unwrap();
    let stderr = text(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(output.status.code(), Some(0), "{stderr}");
}

#[test]
fn stderr_carries_no_library_logs_unless_asked() {
    let (dir, db) = users_then_posts();
    let url = db.url();
    let quiet = cli(&["plan", "--url", &url, "--desired", "desired.sql"], dir.path());
    let stderr = text(&quiet.stderr);
    assert!(!stderr.contains("sqlx"), "{stderr}");
    assert!(!stderr.contains(" INFO ") && !stderr.contains(" DEBUG "), "{stderr}");

    let verbose = cli(
        &["--verbose", "plan", "--url", &url, "--desired", "desired.sql"],
        dir.path(),
    );
    assert_eq!(verbose.status.code(), Some(2), "{}", text(&verbose.stderr));
    assert!(text(&verbose.stderr).contains("INFO"), "{}", text(&verbose.stderr));

    let chosen = command(dir.path())
        .args(["plan", "--url", &url, "--desired", "desired.sql"])
        .env("RUST_LOG", "tfalchemy=info")
        .output()
        .unwrap();
    assert!(
        text(&chosen.stderr).contains("inspected the live schema"),
        "{}",
        text(&chosen.stderr)
    );
}

/// A function that speaks: PostgreSQL sends its `RAISE WARNING` to the client
/// as a notice, which sqlx logs at WARN, once per row an index build reads.
const LOUD_ITEMS: &str = "CREATE FUNCTION loud(v integer) RETURNS integer LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RAISE WARNING 'loud read %', v;
    RETURN v;
END
$$;
CREATE TABLE items (id integer PRIMARY KEY, n integer NOT NULL);
";

/// A PostgreSQL database holding `LOUD_ITEMS` with rows, and a directory whose
/// `desired.sql` adds an index over `loud(n)`: applying it makes the server
/// send notices.
fn loud_index_to_build() -> (tempfile::TempDir, PostgresDb) {
    let dir = workdir("tfalchemy-cli-");
    let db = PostgresDb::new();
    db.execute(LOUD_ITEMS);
    db.execute("INSERT INTO items VALUES (1, 10), (2, 20)");
    std::fs::write(
        dir.path().join("desired.sql"),
        format!("{LOUD_ITEMS}CREATE INDEX ix_items_loud ON items (loud(n));\n"),
    )
    .unwrap();
    (dir, db)
}

#[test]
fn server_notices_stay_off_stderr_unless_asked() {
    let apply = ["apply", "--url", "", "--desired", "desired.sql", "--auto-approve"];
    let with_url = |url: &str| -> Vec<String> {
        apply
            .iter()
            .map(|arg| {
                if arg.is_empty() {
                    url.to_owned()
                } else {
                    (*arg).to_owned()
                }
            })
            .collect()
    };

    // Asked for: the notices are there, as sqlx's log lines.
    let (dir, db) = loud_index_to_build();
    let asked = command(dir.path())
        .args(with_url(&db.url()))
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let stderr = text(&asked.stderr);
    assert_eq!(asked.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("sqlx") && stderr.contains("loud read 10"),
        "the server's notices reach the log when asked:\n{stderr}"
    );

    // By default: the same apply, not a word of them.
    let (dir, db) = loud_index_to_build();
    let quiet = command(dir.path()).args(with_url(&db.url())).output().unwrap();
    let stderr = text(&quiet.stderr);
    assert_eq!(quiet.status.code(), Some(0), "{stderr}");
    assert_eq!(
        db.strings("SELECT indexname::text FROM pg_indexes WHERE tablename = 'items' ORDER BY 1"),
        vec!["items_pkey".to_owned(), "ix_items_loud".to_owned()]
    );
    assert!(!stderr.contains("sqlx") && !stderr.contains("loud read"), "{stderr}");
}

#[test]
fn every_subcommand_help_has_an_example() {
    let dir = workdir("tfalchemy-cli-");
    for subcommand in ["export", "inspect", "plan", "apply"] {
        let help = cli(&[subcommand, "--help"], dir.path());
        assert_eq!(help.status.code(), Some(0));
        let shown = text(&help.stdout);
        assert!(
            shown.contains("Examples:") && shown.contains(&format!("terraform-provider-sqlalchemy {subcommand}")),
            "{subcommand} --help shows an example:\n{shown}"
        );
    }
}
