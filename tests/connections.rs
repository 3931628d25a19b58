//! Where the provider connects and how long it waits, through real Terraform:
//! a server that accepts connections and never answers fails the plan within
//! `connect_timeout`; URLs that cannot name the database meant (a PostgreSQL
//! URL without a database, an in-memory SQLite database as `url`, a SQLite
//! `timeout` SQLite cannot take) fail `terraform validate`; SQLite paths that
//! cannot hold a database say why. Each leaves the server and the files as
//! they were.

mod common;

use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::output::TfOutput;
use common::postgres_db::{server, server_objects, PostgresDb};
use common::{Config, ProviderBlock, SchemaBlock, Workspace};

const APP: &str = "app";
const DDL: &str = "CREATE TABLE notes (id int PRIMARY KEY);";
/// The password of URLs in these tests; no message may show it.
const PASSWORD: &str = "Zq9s3cr3tPw";

/// What a crash or a dropped plugin connection looks like in Terraform's output.
const BROKEN_PROVIDER_SIGNS: &[&str] = &["panic", "Plugin did not respond", "transport is closing", "rpc error"];

#[track_caller]
fn assert_diagnosed(output: &TfOutput) {
    for sign in BROKEN_PROVIDER_SIGNS.iter().chain(&[PASSWORD]) {
        assert!(!output.combined().contains(sign), "the output shows {sign:?}\n{output}");
    }
}

fn workspace_with(schema: SchemaBlock) -> Workspace {
    Workspace::initialized(&Config::new().schema(schema).render())
}

/// A TCP port that accepts connections and never says a word, as a wrong
/// port behind some proxies or a hung server does. Lives as long as the test.
fn silent_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a local port");
    let port = listener.local_addr().expect("its address").port();
    std::thread::spawn(move || {
        let mut held: Vec<TcpStream> = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    port
}

#[test]
fn a_server_that_accepts_and_never_answers_fails_the_plan_within_connect_timeout() {
    let port = silent_server();
    let before = server_objects();

    let url = format!("postgresql+psycopg://app:{PASSWORD}@127.0.0.1:{port}/app?connect_timeout=2");
    let workspace = workspace_with(SchemaBlock::new(APP, DDL).url(&url));
    let started = Instant::now();
    let plan = workspace.plan();
    let took = started.elapsed();
    assert_diagnosed(&plan);
    plan.failure()
        .says(&format!(
            "cannot open database postgresql+psycopg://app:****@127.0.0.1:{port}/app?connect_timeout=2: \
             no answer within 2 s (`connect_timeout=2` in the URL)"
        ))
        .says("check the host and port");
    assert!(took < Duration::from_secs(30), "the plan took {took:?}");

    // Without the option, the default applies.
    let url = format!("postgresql://app:{PASSWORD}@127.0.0.1:{port}/app");
    let workspace = workspace_with(SchemaBlock::new(APP, DDL).url(&url));
    let started = Instant::now();
    let plan = workspace.plan();
    let took = started.elapsed();
    assert_diagnosed(&plan);
    plan.failure()
        .says("no answer within 10 s (`connect_timeout` defaults to 10 s)")
        .says("`?connect_timeout=30`");
    assert!(
        took >= Duration::from_secs(10) && took < Duration::from_secs(60),
        "the plan took {took:?}"
    );
    assert_eq!(server_objects(), before, "no database or role was created");
}

#[test]
fn a_postgresql_url_without_a_database_fails_validate_and_touches_nothing() {
    let postgres = PostgresDb::default_of_the_user();
    let tables_before = postgres.tables();
    let before = server_objects();
    let url = server().replacen("postgres://", "postgresql+psycopg://", 1);
    for config in [
        Config::new().schema(SchemaBlock::new(APP, DDL).url(&url)),
        Config::new()
            .provider(ProviderBlock::new().url(&url))
            .schema(SchemaBlock::new(APP, DDL)),
    ] {
        let workspace = Workspace::initialized(&config.render());
        for attempt in [workspace.validate(), workspace.plan(), workspace.apply()] {
            assert_diagnosed(&attempt);
            attempt
                .failure()
                .says("Invalid database URL")
                .says("the postgresql URL names no database")
                .says("or as the option `?dbname=app`");
        }
    }
    assert_eq!(
        postgres.tables(),
        tables_before,
        "the user's default database is unchanged"
    );
    assert_eq!(server_objects(), before, "no database or role was created");
}

#[test]
fn sqlite_urls_sqlite_cannot_use_fail_validate_and_create_nothing() {
    let workspace = Workspace::new();
    let untouched = workspace.sqlite("untouched");
    let config = Config::new()
        .schema(SchemaBlock::new("in_memory", DDL).url("sqlite://"))
        .schema(SchemaBlock::new("in_memory_too", DDL).url("sqlite:///:memory:"))
        .schema(SchemaBlock::new("huge_timeout", DDL).url(&format!("{}?timeout=1e10", untouched.url())))
        .schema(SchemaBlock::new("negative_timeout", DDL).url(&format!("{}?timeout=-1", untouched.url())));
    workspace.write_main_tf(&config.render());
    workspace.init().success();
    for attempt in [workspace.validate(), workspace.plan()] {
        assert_diagnosed(&attempt);
        attempt
            .failure()
            .says(r#"url = "sqlite://""#)
            .says("is a private in-memory database that vanishes")
            .says("only useful as `dev_url`")
            .says(r#"url = "sqlite:///:memory:""#)
            .says("invalid SQLite `timeout` option: expected a number of seconds from 0 to 2147483");
    }
    assert!(!untouched.exists(), "{} was created", untouched.path().display());

    // As the dev database, memory is what SQLite uses by default anyway.
    let db = workspace.sqlite(APP);
    workspace.write_main_tf(
        &Config::new()
            .schema(SchemaBlock::new(APP, DDL).url(&db.url()).dev_url("sqlite://"))
            .render(),
    );
    workspace.apply().success();
    assert_eq!(db.tables(), ["notes"]);
}

/// Makes a directory unwritable for the provider. `chmod` does not stop
/// root, so as root the immutable attribute (`chattr +i`) stands in; it is
/// lifted again on drop so the workspace can be deleted.
struct ReadOnlyDirectory<'a> {
    path: &'a Path,
    immutable: bool,
}

impl<'a> ReadOnlyDirectory<'a> {
    fn new(path: &'a Path) -> Self {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o555)).expect("chmod 555");
        let mut read_only = Self { path, immutable: false };
        if tempfile::tempfile_in(path).is_ok() {
            let status = Command::new("chattr").arg("+i").arg(path).status();
            assert!(
                status.is_ok_and(|status| status.success()),
                "cannot make {} read-only: running as root and `chattr +i` failed \
                 (needs CAP_LINUX_IMMUTABLE and a file system with the attribute)",
                path.display()
            );
            read_only.immutable = true;
        }
        read_only
    }
}

impl Drop for ReadOnlyDirectory<'_> {
    fn drop(&mut self) {
        if self.immutable {
            let _ = Command::new("chattr").arg("-i").arg(self.path).status();
        }
        let _ = std::fs::set_permissions(self.path, std::fs::Permissions::from_mode(0o755));
    }
}

#[test]
fn sqlite_paths_that_cannot_hold_a_database_say_why_and_change_nothing() {
    let workspace = Workspace::new();
    let db_dir = workspace
        .sqlite("probe")
        .path()
        .parent()
        .expect("the db directory")
        .to_path_buf();
    let a_directory = db_dir.join("a_directory");
    std::fs::create_dir(&a_directory).expect("a directory");
    let missing = db_dir.join("missing").join("app.db");
    let locked = db_dir.join("locked");
    std::fs::create_dir(&locked).expect("a directory");
    let in_locked = locked.join("app.db");
    let url = |path: &Path| format!("sqlite:///{}", path.display());

    // A directory: already the plan says so.
    let workspace = workspace_with(SchemaBlock::new(APP, DDL).url(&url(&a_directory)));
    for attempt in [workspace.plan(), workspace.apply()] {
        assert_diagnosed(&attempt);
        attempt.failure().says(&format!(
            "cannot open database {}: {} is a directory, not a database file",
            url(&a_directory),
            a_directory.display()
        ));
    }
    assert!(std::fs::read_dir(&a_directory).expect("listing").next().is_none());

    // A directory that does not exist: the plan reads an empty database (the
    // directory may be made before the apply), the apply says what is missing.
    let workspace = workspace_with(SchemaBlock::new(APP, DDL).url(&url(&missing)));
    workspace.plan().changes().shows_sql("CREATE TABLE notes (");
    let apply = workspace.apply();
    assert_diagnosed(&apply);
    apply.failure().says(&format!(
        "cannot open database {}: the directory {} does not exist: SQLite creates the database file on the first \
         apply, but not its directory",
        url(&missing),
        db_dir.join("missing").display()
    ));
    assert!(!db_dir.join("missing").exists());
    std::fs::create_dir(db_dir.join("missing")).expect("the directory, made by someone else");
    workspace.apply().success();
    assert!(missing.exists());

    // A read-only directory: the plan (which only reads) goes through, the apply says why it cannot.
    let read_only = workspace_with(SchemaBlock::new(APP, DDL).url(&url(&in_locked)));
    {
        let _locked = ReadOnlyDirectory::new(&locked);
        read_only.plan().changes().shows_sql("CREATE TABLE notes (");
        let apply = read_only.apply();
        assert_diagnosed(&apply);
        apply.failure().says(&format!(
            "cannot open database {}: the directory {} is read-only (",
            url(&in_locked),
            locked.display()
        ));
        assert!(!in_locked.exists());
    }
    assert!(read_only.state_list().is_empty(), "a failed create leaves no state");
}
