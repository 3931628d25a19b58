//! Bad input, seen through real Terraform (and the CLI): every case must end in
//! a diagnostic that says what is wrong and where, leave the database exactly as
//! it was, and never surface as a provider crash or a broken gRPC connection.

mod common;

use std::io::Write as _;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::hcl::resource_address;
use common::mariadb_db::MariaDb;
use common::output::TfOutput;
use common::postgres_db::PostgresDb;
use common::state_json::{planned_change, strings};
use common::{Config, SchemaBlock, SqliteDb, Workspace};

const APP: &str = "app";

/// A table the tests keep in the live database, with a row, to prove nothing
/// touched it.
const VICTIMS: &str = "CREATE TABLE victims (id INTEGER PRIMARY KEY, note TEXT NOT NULL);";
const VICTIM_ROW: &str = "INSERT INTO victims (id, note) VALUES (1, 'still here');";

/// What a crash, a dropped plugin connection or a panic looks like in
/// Terraform's output; none of it may appear, whatever the input.
const BROKEN_PROVIDER_SIGNS: &[&str] = &[
    "panic",
    "Plugin did not respond",
    "transport is closing",
    "rpc error",
    "Unavailable",
    "connection reset",
    "The plugin encountered an error",
];

#[track_caller]
fn assert_no_crash(output: &TfOutput) {
    for sign in BROKEN_PROVIDER_SIGNS {
        assert!(
            !output.combined().contains(sign),
            "the provider must answer bad input with a diagnostic, not {sign:?}\n{output}"
        );
    }
}

/// Plan and apply both fail with every `expected` fragment in their output.
#[track_caller]
fn plan_and_apply_fail_saying(workspace: &Workspace, expected: &[&str]) {
    for attempt in [workspace.plan(), workspace.apply()] {
        assert_no_crash(&attempt);
        let failed = attempt.failure();
        for fragment in expected {
            failed.clone().says(fragment);
        }
    }
}

fn workspace_with(schema: SchemaBlock) -> Workspace {
    Workspace::initialized(&Config::new().schema(schema).render())
}

/// A SQLite database holding `victims` and its row.
fn sqlite_with_victims(workspace: &Workspace) -> SqliteDb {
    let db = workspace.sqlite(APP);
    db.execute(&format!("{VICTIMS}\n{VICTIM_ROW}"));
    db
}

#[track_caller]
fn assert_victims_untouched(db: &SqliteDb) {
    assert_eq!(db.tables(), ["victims"]);
    assert_eq!(db.strings("SELECT note FROM victims", &[]), ["still here"]);
}

/// A PostgreSQL database holding `victims` and its row.
fn postgres_with_victims() -> PostgresDb {
    let db = PostgresDb::new();
    db.execute(&format!("{VICTIMS}\n{VICTIM_ROW}"));
    db
}

#[track_caller]
fn assert_postgres_victims_untouched(db: &PostgresDb) {
    assert_eq!(db.tables(), ["public.victims"]);
    assert_eq!(db.strings("SELECT note FROM victims"), ["still here"]);
}

/// `url` with its user or database replaced (the rest, host and port, kept).
fn with_user(url: &str, user: &str) -> String {
    let mut parsed = url::Url::parse(url).unwrap_or_else(|error| panic!("{url}: {error}"));
    parsed
        .set_username(user)
        .unwrap_or_else(|()| panic!("cannot set a user on {url}"));
    parsed.to_string()
}

fn with_database(url: &str, database: &str) -> String {
    let mut parsed = url::Url::parse(url).unwrap_or_else(|error| panic!("{url}: {error}"));
    parsed.set_path(database);
    parsed.to_string()
}

/// The desired schema that keeps `victims` and adds `extra`, with a syntax
/// error in its third statement, on line 5.
const BROKEN_DDL: &str = "\
CREATE TABLE victims (id INTEGER PRIMARY KEY, note TEXT NOT NULL);
CREATE TABLE extra (id INTEGER PRIMARY KEY);

-- the third statement is missing a column name
CREATE TABLE broken (id INTEGER PRIMARY KEY,, x);
";

#[test]
fn invalid_sql_on_sqlite_names_the_statement_its_line_column_and_the_database_error() {
    let workspace = Workspace::new();
    let db = sqlite_with_victims(&workspace);
    workspace.write_main_tf(
        &Config::new()
            .schema(SchemaBlock::new(APP, BROKEN_DDL).url(&db.url()))
            .render(),
    );
    workspace.init().success();

    plan_and_apply_fail_saying(
        &workspace,
        &[
            "statement: CREATE TABLE broken (id INTEGER PRIMARY KEY,, x)",
            "does not parse at statement 3 (line 5, column 45)",
            "near \",\": syntax error",
            "nothing was run",
        ],
    );
    assert_victims_untouched(&db);
}

#[test]
fn invalid_sql_on_postgresql_names_the_statement_its_line_and_the_database_error() {
    let db = postgres_with_victims();
    let workspace = workspace_with(SchemaBlock::new(APP, BROKEN_DDL).url(&db.url()));

    plan_and_apply_fail_saying(
        &workspace,
        &[
            "CREATE TABLE broken (id INTEGER PRIMARY KEY,, x)",
            "statement 3",
            "line 5",
            "syntax error at or near \",\"",
        ],
    );
    assert_postgres_victims_untouched(&db);
}

#[test]
fn invalid_sql_is_reported_on_the_desired_sql_attribute() {
    let workspace = Workspace::new();
    let db = workspace.sqlite(APP);
    workspace.write_main_tf(
        &Config::new()
            .schema(SchemaBlock::new(APP, BROKEN_DDL).url(&db.url()))
            .render(),
    );
    workspace.init().success();

    // Terraform quotes the configuration line of the diagnostic's attribute.
    workspace
        .plan()
        .failure()
        .contains("desired_sql = \"CREATE TABLE victims");
    assert!(!db.exists());
}

#[test]
fn urls_that_do_not_parse_are_rejected_on_their_attribute() {
    let workspace = Workspace::new();
    let untouched = workspace.sqlite("untouched");
    let ddl = "CREATE TABLE t (id INTEGER PRIMARY KEY)";
    let config = Config::new()
        .schema(SchemaBlock::new("garbage", ddl).url("not a url"))
        .schema(SchemaBlock::new("bad_port", ddl).url("postgresql://postgres@127.0.0.1:99999/app"))
        .schema(SchemaBlock::new("unknown_scheme", ddl).url("oracle://scott@127.0.0.1:1521/xe"))
        .schema(SchemaBlock::new("sqlite_with_host", ddl).url("sqlite://somehost/app.db"))
        .schema(SchemaBlock::new("sqlite_option", ddl).url(&format!("{}?journal=off", untouched.url())));
    workspace.write_main_tf(&config.render());
    workspace.init().success();

    plan_and_apply_fail_saying(
        &workspace,
        &[
            "Invalid database URL",
            r#"url = "not a url""#,
            "not a database URL",
            r#"url = "postgresql://postgres@127.0.0.1:99999/app""#,
            r#"url = "oracle://scott@127.0.0.1:1521/xe""#,
            "unsupported database URL scheme `oracle`",
            r#"url = "sqlite://somehost/app.db""#,
            "SQLite URLs have no host",
            "unsupported SQLite URL option `journal`",
        ],
    );
    assert!(!untouched.exists(), "{} was created", untouched.path().display());
}

#[test]
fn an_unreachable_host_is_named_with_the_reason() {
    let workspace = workspace_with(
        SchemaBlock::new(APP, "CREATE TABLE t (id int PRIMARY KEY)").url("postgresql://postgres@127.0.0.1:1/app"),
    );
    plan_and_apply_fail_saying(&workspace, &["127.0.0.1:1/app", "Connection refused"]);
}

#[test]
fn a_missing_postgresql_database_is_named_and_not_created() {
    let server = PostgresDb::new();
    let missing = format!("{}_missing", server.strings("SELECT current_database()::text")[0]);
    let url = with_database(&server.url(), &missing);
    let workspace = workspace_with(SchemaBlock::new(APP, "CREATE TABLE t (id int PRIMARY KEY)").url(&url));

    plan_and_apply_fail_saying(&workspace, &[&format!("database \"{missing}\" does not exist")]);
    let found = server.strings(&format!(
        "SELECT datname::text FROM pg_database WHERE datname = '{missing}'"
    ));
    assert!(found.is_empty(), "the provider created {missing}");
}

#[test]
fn a_nonexistent_postgresql_role_is_named() {
    let db = postgres_with_victims();
    let url = with_user(&db.url(), "tfalchemy_no_such_role");
    let workspace = workspace_with(SchemaBlock::new(APP, VICTIMS).url(&url));

    plan_and_apply_fail_saying(&workspace, &["role \"tfalchemy_no_such_role\" does not exist"]);
    assert_postgres_victims_untouched(&db);
}

/// A PostgreSQL login role with no privileges beyond PUBLIC's, dropped at the
/// end of the test (after the databases, which are declared later).
struct ReadOnlyRole {
    name: String,
    admin: PostgresDb,
}

impl ReadOnlyRole {
    fn new() -> Self {
        let admin = PostgresDb::new();
        let name = format!("tfalchemy_ro_{}", std::process::id());
        admin.execute(&format!("DROP ROLE IF EXISTS {name}; CREATE ROLE {name} LOGIN"));
        Self { name, admin }
    }
}

impl Drop for ReadOnlyRole {
    fn drop(&mut self) {
        self.admin.execute(&format!("DROP ROLE IF EXISTS {}", self.name));
    }
}

#[test]
fn a_read_only_postgresql_user_can_plan_but_not_apply_and_changes_nothing() {
    let role = ReadOnlyRole::new();
    let db = postgres_with_victims();
    let dev = PostgresDb::new();
    let url = with_user(&db.url(), &role.name);
    let desired = format!("{VICTIMS}\nCREATE TABLE extra (id int PRIMARY KEY);");

    // Without a dev_url the provider needs CREATE DATABASE and says so.
    let no_dev = workspace_with(SchemaBlock::new(APP, &desired).url(&url));
    let refused = no_dev.plan();
    assert_no_crash(&refused);
    let refused = refused.failure();
    refused.clone().says("permission denied to create database");
    refused.clone().says("set `dev_url`");

    // With a dev database it can read and plan; apply is refused by the server.
    let workspace = workspace_with(SchemaBlock::new(APP, &desired).url(&url).dev_url(&dev.url()));
    let plan = workspace.plan();
    assert_no_crash(&plan);
    plan.changes().shows_sql("CREATE TABLE \"public\".\"extra\"");
    let apply = workspace.apply();
    assert_no_crash(&apply);
    let apply = apply.failure();
    for fragment in [
        "failed at statement 1",
        "permission denied for schema public",
        "CREATE TABLE \"public\".\"extra\"",
    ] {
        apply.clone().says(fragment);
    }
    assert_postgres_victims_untouched(&db);
    assert!(workspace.state_list().is_empty(), "a failed create leaves no state");
}

/// Makes a file unwritable even for root, whose writes `chmod` cannot stop:
/// the immutable attribute (`chattr +i`) is lifted again on drop so the
/// workspace can be deleted.
struct Unwritable<'a> {
    path: &'a Path,
    immutable: bool,
}

impl<'a> Unwritable<'a> {
    fn new(path: &'a Path) -> Self {
        let mut permissions = std::fs::metadata(path).expect("database file").permissions();
        permissions.set_mode(0o444);
        std::fs::set_permissions(path, permissions).expect("chmod 444");
        let mut unwritable = Self { path, immutable: false };
        if std::fs::OpenOptions::new().write(true).open(path).is_ok() {
            // Running as root: only the immutable attribute stops writes.
            let status = Command::new("chattr").arg("+i").arg(path).status();
            assert!(
                status.is_ok_and(|status| status.success()),
                "cannot make {} read-only: running as root and `chattr +i` failed \
                 (needs CAP_LINUX_IMMUTABLE and a file system with the attribute)",
                path.display()
            );
            unwritable.immutable = true;
        }
        unwritable
    }
}

impl Drop for Unwritable<'_> {
    fn drop(&mut self) {
        if self.immutable {
            let _ = Command::new("chattr").arg("-i").arg(self.path).status();
        }
        if let Ok(metadata) = std::fs::metadata(self.path) {
            let mut permissions = metadata.permissions();
            permissions.set_mode(0o644);
            let _ = std::fs::set_permissions(self.path, permissions);
        }
    }
}

/// SQLite has no users; a read-only database is a file the process cannot
/// write. The URL cannot ask for it (`?mode=ro` is not a SQLAlchemy option,
/// and the parser rejects it, see `urls_that_do_not_parse_are_rejected_on_their_attribute`).
#[test]
fn a_read_only_sqlite_file_can_be_planned_but_not_applied_and_is_unchanged() {
    let workspace = Workspace::new();
    let db = sqlite_with_victims(&workspace);
    let before = std::fs::read(db.path()).expect("database bytes");
    let desired = format!("{VICTIMS}\nCREATE TABLE extra (id INTEGER PRIMARY KEY);");
    workspace.write_main_tf(
        &Config::new()
            .schema(SchemaBlock::new(APP, &desired).url(&db.url()))
            .render(),
    );
    workspace.init().success();
    let _read_only = Unwritable::new(db.path());

    let plan = workspace.plan();
    assert_no_crash(&plan);
    plan.changes().shows_sql("CREATE TABLE extra (id INTEGER PRIMARY KEY)");
    let apply = workspace.apply();
    assert_no_crash(&apply);
    let apply = apply.failure();
    // Said before any statement runs, rather than SQLite's "attempt to write
    // a readonly database" at the first one.
    apply.clone().says(&format!(
        "cannot open database {}: the database file {} is read-only",
        db.url(),
        db.path().display()
    ));
    assert_eq!(std::fs::read(db.path()).expect("database bytes"), before);
    assert!(workspace.state_list().is_empty(), "a failed create leaves no state");
}

#[test]
fn postgresql_ddl_for_a_sqlite_database_fails_on_the_first_foreign_statement() {
    let workspace = Workspace::new();
    let db = workspace.sqlite(APP);
    let ddl = "CREATE TABLE t (id INTEGER PRIMARY KEY);\nCREATE TYPE mood AS ENUM ('happy', 'sad');\n";
    workspace.write_main_tf(&Config::new().schema(SchemaBlock::new(APP, ddl).url(&db.url())).render());
    workspace.init().success();

    plan_and_apply_fail_saying(
        &workspace,
        &[
            "statement: CREATE TYPE mood AS ENUM ('happy', 'sad')",
            "does not parse at statement 2 (line 2, column 8)",
            "syntax error",
        ],
    );
    assert!(!db.exists(), "{} was created", db.path().display());
}

#[test]
fn sqlite_ddl_for_a_postgresql_database_fails_on_the_first_foreign_statement() {
    let db = postgres_with_victims();
    let ddl = format!("{VICTIMS}\nCREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT);\n");
    let workspace = workspace_with(SchemaBlock::new(APP, &ddl).url(&db.url()));

    plan_and_apply_fail_saying(
        &workspace,
        &[
            "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT)",
            "statement 2",
            "line 2",
            "syntax error at or near \"AUTOINCREMENT\"",
        ],
    );
    assert_postgres_victims_untouched(&db);
}

#[test]
fn mariadb_invalid_or_refused_desired_sql_names_the_statement_and_changes_nothing() {
    let db = MariaDb::new();
    let workspace = Workspace::new();
    let write = |sql: &str| {
        workspace.write_main_tf(&Config::new().schema(SchemaBlock::new(APP, sql).url(&db.url())).render());
    };
    write("CREATE TABLE a (id int PRIMARY KEY);\nCREATE TABLE b (id int PRIMARY KEY AUTOINCREMENT);\n");
    workspace.init().success();
    plan_and_apply_fail_saying(&workspace, &["statement 2", "line 2", "AUTOINCREMENT"]);
    write("CREATE TABLE a (id int PRIMARY KEY);\nINSERT INTO a VALUES (1);\n");
    plan_and_apply_fail_saying(&workspace, &["INSERT INTO a VALUES (1)", "line 2"]);
    assert!(
        db.strings("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()")
            .is_empty(),
        "the target database was changed"
    );
}

/// A new resource pointed at a database that already holds other objects
/// (here MariaDB's own `mysql` database) plans nothing that would drop them.
#[test]
fn mariadb_system_database_is_protected_by_the_first_apply_check() {
    let workspace = Workspace::new();
    let config = Config::new()
        .schema(SchemaBlock::new(APP, "CREATE TABLE t (id int PRIMARY KEY)").url("mysql://root@127.0.0.1:3306/mysql"));
    workspace.write_main_tf(&config.render());
    workspace.init().success();
    plan_and_apply_fail_saying(&workspace, &["First apply would drop existing objects", "table db"]);
}

/// Latin-1 bytes: `é` is 0xE9, which is not UTF-8.
const LATIN1_DDL: &[u8] = b"CREATE TABLE caf\xe9 (id INTEGER PRIMARY KEY);\n";

#[test]
fn a_non_utf8_schema_file_is_refused_by_terraform_with_a_clear_message() {
    let workspace = Workspace::new();
    let db = workspace.sqlite(APP);
    std::fs::write(workspace.workdir().join("schema.sql"), LATIN1_DDL).expect("writing schema.sql");
    let config = Config::new()
        .schema(SchemaBlock::with_desired_expression(APP, "file(\"${path.module}/schema.sql\")").url(&db.url()));
    workspace.write_main_tf(&config.render());
    workspace.init().success();

    // Terraform's strings are Unicode: a provider never receives such bytes.
    plan_and_apply_fail_saying(&workspace, &["schema.sql", "not valid UTF-8"]);
    assert!(!db.exists());
}

fn cli(args: &[&str], dir: &Path, stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_terraform-provider-sqlalchemy"))
        .args(args)
        .current_dir(dir)
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .env_remove("DATABASE_URL")
        .env_remove("DEV_DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting the CLI");
    if let Some(mut pipe) = child.stdin.take() {
        // A CLI that exits before reading closes the pipe; that is its answer.
        let _ = pipe.write_all(stdin.unwrap_or_default());
    }
    wait_at_most(child, Duration::from_secs(60))
}

/// Waits for `child`, killing it (and failing the test) past `limit`: a hang
/// on bad input is a bug, not a slow test.
#[track_caller]
fn wait_at_most(mut child: std::process::Child, limit: Duration) -> Output {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if matches!(child.try_wait(), Ok(Some(_))) {
            return child.wait_with_output().expect("collecting the CLI's output");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let output = child.wait_with_output().expect("collecting the CLI's output");
    panic!(
        "the CLI still ran after {}s\n--- stdout ---\n{}\n--- stderr ---\n{}",
        limit.as_secs(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn cli_dir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("tfalchemy-bad-input-")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .expect("temp dir")
}

#[track_caller]
fn assert_cli_error(output: &Output, expected: &[&str]) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "exit code\n{stderr}");
    assert!(
        output.stdout.is_empty(),
        "nothing on stdout: {:?}",
        String::from_utf8_lossy(&output.stdout)
    );
    for fragment in expected {
        assert!(stderr.contains(fragment), "expected {fragment:?} in\n{stderr}");
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn the_cli_refuses_a_non_utf8_desired_file_or_stdin_naming_the_position() {
    let dir = cli_dir();
    std::fs::write(dir.path().join("latin1.sql"), LATIN1_DDL).expect("writing latin1.sql");
    let db = SqliteDb::at(dir.path().join("app.db"));

    for command in ["plan", "apply"] {
        let from_file = cli(
            &[command, "--url", &db.url(), "--desired", "latin1.sql"],
            dir.path(),
            None,
        );
        assert_cli_error(&from_file, &["latin1.sql", "not UTF-8", "offset 16"]);
        let from_stdin = cli(
            &[command, "--url", &db.url(), "--desired", "-"],
            dir.path(),
            Some(LATIN1_DDL),
        );
        assert_cli_error(&from_stdin, &["not UTF-8", "offset 16"]);
    }
    assert!(!db.exists(), "{} was created", db.path().display());
}

/// DDL with a NUL character between two statements. HCL's `\u0000` escape
/// puts it into a Terraform string; the database must not see a truncated
/// statement, and the provider must not hang on it.
const NUL_DDL: &str = "CREATE TABLE t (id INTEGER PRIMARY KEY);\u{0}CREATE TABLE u (id INTEGER PRIMARY KEY);\n";

#[test]
fn a_nul_character_in_desired_sql_is_an_error_on_sqlite() {
    let dir = cli_dir();
    std::fs::write(dir.path().join("nul.sql"), NUL_DDL).expect("writing nul.sql");
    let db = SqliteDb::at(dir.path().join("app.db"));
    let plan = cli(&["plan", "--url", &db.url(), "--desired", "nul.sql"], dir.path(), None);
    assert_cli_error(&plan, &["NUL", "line 1"]);
    assert!(!db.exists());
}

#[test]
fn a_nul_character_in_desired_sql_is_an_error_on_postgresql() {
    let db = postgres_with_victims();
    let workspace = workspace_with(SchemaBlock::new(APP, &format!("{VICTIMS}\n{NUL_DDL}")).url(&db.url()));
    plan_and_apply_fail_saying(&workspace, &["NUL", "line 2"]);
    assert_postgres_victims_untouched(&db);
}

#[test]
fn an_empty_desired_schema_on_an_empty_database_plans_no_sql_and_creates_nothing() {
    let workspace = Workspace::new();
    let db = workspace.sqlite(APP);
    workspace.write_main_tf(&Config::new().schema(SchemaBlock::new(APP, "").url(&db.url())).render());
    workspace.init().success();

    let (plan, plan_file) = workspace.plan_to_file("empty.tfplan");
    assert_no_crash(&plan);
    // Terraform creates the resource; the database gets no SQL at all.
    plan.changes();
    let shown = workspace.show_plan(&plan_file);
    let change = planned_change(&shown, &resource_address(APP));
    assert_eq!(
        strings(&change["after"]["planned_sql"]),
        Vec::<String>::new(),
        "{change:#}"
    );

    workspace.apply_plan_file(&plan_file).success();
    assert!(!db.exists(), "applying no SQL created {}", db.path().display());
    workspace.plan().no_changes();
}

#[test]
fn an_empty_desired_schema_on_a_database_with_tables_plans_drops_but_changes_nothing() {
    let workspace = Workspace::new();
    let db = sqlite_with_victims(&workspace);
    let before = std::fs::read(db.path()).expect("database bytes");
    workspace.write_main_tf(&Config::new().schema(SchemaBlock::new(APP, "").url(&db.url())).render());
    workspace.init().success();

    // Planning only: whether a data-loss policy turns this plan into an error
    // (exit 1) or shows it (exit 2), the DROP is what it must talk about.
    let plan = workspace.plan();
    assert_no_crash(&plan);
    assert!(matches!(plan.exit_code, Some(1 | 2)), "{plan}");
    plan.shows_sql("DROP TABLE \"victims\"");
    assert_eq!(std::fs::read(db.path()).expect("database bytes"), before);
    assert_victims_untouched(&db);
}

/// A table name that closes the quote, drops another table and comments out
/// the rest, correctly quoted in the DDL itself (`""` is an escaped quote).
const INJECTING_NAME: &str = "x\"; DROP TABLE victims; --";
const INJECTING_DDL: &str = "CREATE TABLE \"x\"\"; DROP TABLE victims; --\" (id INTEGER PRIMARY KEY);";

#[test]
fn an_identifier_built_to_inject_sql_is_quoted_on_sqlite() {
    let workspace = Workspace::new();
    let db = sqlite_with_victims(&workspace);
    let desired = format!("{VICTIMS}\n{INJECTING_DDL}\n");
    workspace.write_main_tf(
        &Config::new()
            .schema(SchemaBlock::new(APP, &desired).url(&db.url()))
            .render(),
    );
    workspace.init().success();

    let (plan, plan_file) = workspace.plan_to_file("inject.tfplan");
    assert_no_crash(&plan);
    plan.changes();
    let shown = workspace.show_plan(&plan_file);
    let planned = strings(&planned_change(&shown, &resource_address(APP))["after"]["planned_sql"]);
    assert!(
        planned
            .iter()
            .any(|statement| statement.starts_with("CREATE TABLE \"x\"\"; DROP TABLE victims; --\"")),
        "the name is quoted with its quote doubled: {planned:#?}"
    );
    workspace.apply_plan_file(&plan_file).success();
    assert_eq!(db.tables(), ["victims", INJECTING_NAME]);
    assert_eq!(db.row_count("victims"), 1);
    workspace.plan().no_changes();
}

/// A database whose name is built to inject SQL, with its own `victims`;
/// dropped at the end of the test.
struct InjectingDatabase {
    name: String,
    admin: PostgresDb,
}

impl InjectingDatabase {
    fn new() -> Self {
        let admin = PostgresDb::new();
        let name = format!("tfalchemy_acc_inj_{}\"; DROP TABLE victims; --", std::process::id());
        admin.execute(&format!("CREATE DATABASE \"{}\"", name.replace('"', "\"\"")));
        Self { name, admin }
    }

    /// The URL, the name percent-encoded as URLs require.
    fn url(&self) -> String {
        with_database(&self.admin.url(), &self.name)
    }

    /// The first column of the rows of `sql`, run in this database.
    fn strings(&self, sql: &str) -> Vec<String> {
        use sqlx::{ConnectOptions, Connection, Row};
        let options = sqlx::postgres::PgConnectOptions::from_url(
            &url::Url::parse(&self.url().replacen("postgresql+psycopg://", "postgres://", 1)).expect("url"),
        )
        .expect("connect options");
        common::sqlite_db::block_on(async {
            let mut connection = options.connect().await?;
            let rows = sqlx::raw_sql(sql).fetch_all(&mut connection).await?;
            connection.close().await?;
            rows.iter().map(|row| row.try_get::<String, _>(0)).collect()
        })
        .unwrap_or_else(|error| panic!("{sql} on {:?}: {error}", self.name))
    }
}

impl Drop for InjectingDatabase {
    fn drop(&mut self) {
        self.admin.execute(&format!(
            "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
            self.name.replace('"', "\"\"")
        ));
    }
}

#[test]
fn identifiers_built_to_inject_sql_are_quoted_on_postgresql_in_ddl_and_in_the_url() {
    let target = InjectingDatabase::new();
    target.strings(&format!("{VICTIMS}\n{VICTIM_ROW}\nSELECT 'ok'"));
    let desired = format!("{VICTIMS}\n{INJECTING_DDL}\n");
    let workspace = workspace_with(SchemaBlock::new(APP, &desired).url(&target.url()));

    let (plan, plan_file) = workspace.plan_to_file("inject.tfplan");
    assert_no_crash(&plan);
    plan.changes();
    let shown = workspace.show_plan(&plan_file);
    let planned = strings(&planned_change(&shown, &resource_address(APP))["after"]["planned_sql"]);
    assert!(
        planned
            .iter()
            .any(|statement| statement.starts_with("CREATE TABLE \"public\".\"x\"\"; DROP TABLE victims; --\"")),
        "the name is quoted with its quote doubled: {planned:#?}"
    );
    workspace.apply_plan_file(&plan_file).success();
    assert_eq!(
        target.strings("SELECT relname::text FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace ORDER BY 1"),
        ["victims", INJECTING_NAME]
    );
    assert_eq!(target.strings("SELECT note FROM victims"), ["still here"]);
    workspace.plan().no_changes();
}

#[test]
fn an_enormous_desired_schema_plans_without_a_message_size_error() {
    const TABLES: usize = 2_000;
    let workspace = Workspace::new();
    let db = workspace.sqlite(APP);
    let mut ddl = String::new();
    for table in 0..TABLES {
        ddl.push_str(&format!("CREATE TABLE table_{table:04} (\n  id INTEGER PRIMARY KEY"));
        for column in 0..40 {
            ddl.push_str(&format!(
                ",\n  column_with_a_long_name_{column:02} VARCHAR(200) NOT NULL DEFAULT 'x'"
            ));
        }
        ddl.push_str("\n);\n");
    }
    assert!(
        ddl.len() > 4 * 1024 * 1024,
        "more than tonic's default 4 MiB: {}",
        ddl.len()
    );
    std::fs::write(workspace.workdir().join("schema.sql"), &ddl).expect("writing schema.sql");
    let config = Config::new()
        .schema(SchemaBlock::with_desired_expression(APP, "file(\"${path.module}/schema.sql\")").url(&db.url()));
    workspace.write_main_tf(&config.render());
    workspace.init().success();

    let plan = workspace.plan_with(&[&format!("-out={}", workspace.workdir().join("big.tfplan").display())]);
    assert_no_crash(&plan);
    plan.changes()
        .contains("Plan: 1 to add")
        .shows_sql("CREATE TABLE table_0000 (")
        .shows_sql(&format!("CREATE TABLE table_{:04} (", TABLES - 1));
    assert!(!db.exists(), "planning created {}", db.path().display());
}
