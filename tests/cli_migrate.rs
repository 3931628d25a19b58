//! `migrate`: versioned migrations through the CLI, on real SQLite files and
//! real PostgreSQL and MariaDB servers. Exit codes: 0 ok, 1 error, 2 findings
//! or pending.

mod common;

use std::path::Path;
use std::process::Output;

use common::cli::{cli, text, workdir};
use common::mariadb_db::MariaDb;
use common::postgres_db::PostgresDb;
use common::SqliteDb;

#[track_caller]
fn expect(output: &Output, code: i32) -> String {
    let all = format!("{}{}", text(&output.stdout), text(&output.stderr));
    assert_eq!(output.status.code(), Some(code), "{all}");
    all
}

const V1: &str = "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);\n";
const V2: &str = "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT);\n\
                  CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id), title TEXT);\n";

fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir.join("migrations"))
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// A work directory with `v1.sql`, `v2.sql`, and a SQLite database `app.db`.
fn sqlite_project() -> (tempfile::TempDir, SqliteDb) {
    let dir = workdir("tfalchemy-migrate-");
    std::fs::write(dir.path().join("v1.sql"), V1).unwrap();
    std::fs::write(dir.path().join("v2.sql"), V2).unwrap();
    let db = SqliteDb::at(dir.path().join("app.db"));
    (dir, db)
}

fn diff_sqlite(dir: &Path, name: &str, desired: &str, version: &str) -> Output {
    cli(
        &[
            "migrate",
            "diff",
            name,
            "--dialect",
            "sqlite",
            "--desired",
            desired,
            "--version",
            version,
        ],
        dir,
    )
}

#[test]
fn sqlite_models_v1_diff_apply_v2_diff_apply_then_nothing_to_do() {
    let (dir, db) = sqlite_project();
    let d = dir.path();
    expect(&diff_sqlite(d, "init", "v1.sql", "0001"), 0);
    assert_eq!(files(d), vec!["0001_init.sql", "tfalchemy.sum"]);
    expect(&cli(&["migrate", "validate", "--dialect", "sqlite"], d), 0);

    let status = expect(&cli(&["migrate", "status", "--url", &db.url()], d), 2);
    assert!(status.contains("pending: 0001_init.sql"), "{status}");
    assert!(!db.exists(), "status creates nothing");
    let dry = expect(&cli(&["migrate", "apply", "--url", &db.url(), "--dry-run"], d), 2);
    assert!(dry.contains("CREATE TABLE users ("), "{dry}");
    assert!(!db.exists(), "a dry run creates nothing");
    expect(&cli(&["migrate", "apply", "--url", &db.url()], d), 0);
    assert_eq!(db.tables(), vec!["tfalchemy_revisions", "users"]);
    expect(&cli(&["migrate", "status", "--url", &db.url()], d), 0);

    let written = expect(&diff_sqlite(d, "posts", "v2.sql", "0002"), 0);
    assert!(written.contains("0002_posts.sql"), "{written}");
    let file = std::fs::read_to_string(d.join("migrations/0002_posts.sql")).unwrap();
    assert!(file.starts_with("-- version: 0002\n-- name: posts\n"), "{file}");
    assert!(
        file.contains("ALTER TABLE \"users\" ADD COLUMN \"name\" TEXT;"),
        "{file}"
    );
    assert!(file.contains("CREATE TABLE posts ("), "{file}");
    expect(&cli(&["migrate", "apply", "--url", &db.url()], d), 0);
    assert_eq!(db.tables(), vec!["posts", "tfalchemy_revisions", "users"]);
    let revisions = db.strings(
        "SELECT version || ' ' || name || ' ' || state || ' ' || statements_applied || '/' || statements_total \
         FROM tfalchemy_revisions ORDER BY version",
        &[],
    );
    assert_eq!(revisions, vec!["0001 init ok 1/1", "0002 posts ok 2/2"]);

    let again = expect(&diff_sqlite(d, "again", "v2.sql", "0003"), 0);
    assert!(again.contains("No changes"), "{again}");
    assert_eq!(files(d).len(), 3, "nothing written");
    let nothing = expect(&cli(&["migrate", "apply", "--url", &db.url()], d), 0);
    assert!(nothing.contains("No migrations pending"), "{nothing}");
}

#[test]
fn edited_deleted_and_added_files_break_the_sum_until_hashed_and_an_edited_applied_file_is_refused() {
    let (dir, db) = sqlite_project();
    let d = dir.path();
    expect(&diff_sqlite(d, "init", "v1.sql", "0001"), 0);
    expect(&cli(&["migrate", "apply", "--url", &db.url()], d), 0);
    let file = d.join("migrations/0001_init.sql");
    let original = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, original.replace("email TEXT NOT NULL", "email TEXT")).unwrap();
    let edited = expect(&cli(&["migrate", "validate", "--dialect", "sqlite"], d), 1);
    assert!(
        edited.contains("0001_init.sql was edited") && edited.contains("migrate hash"),
        "{edited}"
    );
    expect(&cli(&["migrate", "apply", "--url", &db.url()], d), 1);
    expect(&cli(&["migrate", "hash"], d), 0);
    let refused = expect(&cli(&["migrate", "status", "--url", &db.url()], d), 1);
    assert!(
        refused.contains("0001_init.sql was edited after it was applied"),
        "{refused}"
    );
    let apply = expect(&cli(&["migrate", "apply", "--url", &db.url()], d), 1);
    assert!(apply.contains("edited after it was applied"), "{apply}");

    std::fs::write(&file, original).unwrap();
    expect(&cli(&["migrate", "hash"], d), 0);
    expect(&cli(&["migrate", "status", "--url", &db.url()], d), 0);
    std::fs::remove_file(&file).unwrap();
    let deleted = expect(&cli(&["migrate", "status", "--url", &db.url()], d), 1);
    assert!(
        deleted.contains("0001_init.sql is in the sum file but not in the directory"),
        "{deleted}"
    );
    expect(&cli(&["migrate", "hash"], d), 0);
    let ahead = expect(&cli(&["migrate", "status", "--url", &db.url()], d), 1);
    assert!(ahead.contains("ahead of the directory: version 0001"), "{ahead}");
}

#[test]
fn a_failing_file_mid_directory_is_rolled_back_and_recorded_and_apply_resumes_after_a_fix() {
    let (dir, db) = sqlite_project();
    let d = dir.path();
    expect(&diff_sqlite(d, "init", "v1.sql", "0001"), 0);
    expect(&cli(&["migrate", "apply", "--url", &db.url()], d), 0);
    db.execute("INSERT INTO users (id, email) VALUES (1, 'a@x'), (2, 'a@x');");
    expect(&cli(&["migrate", "new", "unique_email", "--version", "0002"], d), 0);
    let second = d.join("migrations/0002_unique_email.sql");
    let header = std::fs::read_to_string(&second).unwrap();
    std::fs::write(
        &second,
        format!(
            "{header}\nCREATE TABLE audit (id INTEGER PRIMARY KEY);\nCREATE UNIQUE INDEX ux_email ON users (email);\n"
        ),
    )
    .unwrap();
    expect(&cli(&["migrate", "hash"], d), 0);
    expect(&cli(&["migrate", "new", "later", "--version", "0003"], d), 0);
    let failed = expect(&cli(&["migrate", "apply", "--url", &db.url()], d), 1);
    assert!(
        failed.contains("0002_unique_email.sql")
            && failed.contains("statement 2 (line 6)")
            && failed.contains("UNIQUE"),
        "names file, statement and line: {failed}"
    );
    assert!(failed.contains("rolled back"), "{failed}");
    assert!(!db.has_table("audit"), "the failed file left nothing");
    let revisions = db.strings(
        "SELECT version || ' ' || state || ' ' || statements_applied FROM tfalchemy_revisions ORDER BY version",
        &[],
    );
    assert_eq!(revisions, vec!["0001 ok 1", "0002 failed 0"]);
    db.execute("DELETE FROM users WHERE id = 2;");
    expect(&cli(&["migrate", "apply", "--url", &db.url()], d), 0);
    assert!(db.has_table("audit"));
    let revisions = db.strings(
        "SELECT version || ' ' || state FROM tfalchemy_revisions ORDER BY version",
        &[],
    );
    assert_eq!(revisions, vec!["0001 ok", "0002 ok", "0003 ok"]);
}

#[test]
fn hand_written_backfills_run_and_forbidden_statements_are_refused_with_their_line() {
    let (dir, db) = sqlite_project();
    let d = dir.path();
    expect(&diff_sqlite(d, "init", "v1.sql", "0001"), 0);
    expect(&cli(&["migrate", "new", "backfill", "--version", "0002"], d), 0);
    let file = d.join("migrations/0002_backfill.sql");
    let header = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        format!("{header}\nINSERT INTO users (email) VALUES ('root@x');\nUPDATE users SET email = lower(email);\n"),
    )
    .unwrap();
    expect(&cli(&["migrate", "hash"], d), 0);
    expect(&cli(&["migrate", "apply", "--url", &db.url()], d), 0);
    assert_eq!(db.row_count("users"), 1);

    expect(&cli(&["migrate", "new", "sneaky", "--version", "0003"], d), 0);
    let file = d.join("migrations/0003_sneaky.sql");
    let header = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, format!("{header}\nCOMMIT;\nATTACH 'other.db' AS other;\n")).unwrap();
    expect(&cli(&["migrate", "hash"], d), 0);
    let refused = expect(&cli(&["migrate", "validate", "--dialect", "sqlite"], d), 1);
    assert!(
        refused.contains("0003_sneaky.sql")
            && refused.contains("line 5")
            && refused.contains("controls the transaction"),
        "{refused}"
    );
    let lint = expect(&cli(&["migrate", "lint", "--dialect", "sqlite"], d), 2);
    assert!(lint.contains("0003_sneaky.sql: replay_fails:"), "{lint}");
    expect(&cli(&["migrate", "apply", "--url", &db.url()], d), 1);
    assert!(!d.join("other.db").exists());
}

#[test]
fn baseline_adopts_an_alembic_database_and_leaves_alembic_version_alone() {
    let (dir, db) = sqlite_project();
    let d = dir.path();
    db.execute(V1);
    db.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY); INSERT INTO alembic_version VALUES ('ae1027a6acf');");
    let baseline = expect(
        &cli(&["migrate", "baseline", "--url", &db.url(), "--version", "0001"], d),
        0,
    );
    assert!(baseline.contains("alembic_version (at ae1027a6acf)"), "{baseline}");
    let file = std::fs::read_to_string(d.join("migrations/0001_baseline.sql")).unwrap();
    assert!(file.contains("CREATE TABLE users ("), "{file}");
    assert!(!file.contains("alembic_version"), "{file}");
    expect(&cli(&["migrate", "status", "--url", &db.url()], d), 0);
    expect(&diff_sqlite(d, "posts", "v2.sql", "0002"), 0);
    expect(&cli(&["migrate", "apply", "--url", &db.url()], d), 0);
    assert!(db.has_table("alembic_version") && db.has_table("posts"));
    let again = expect(&cli(&["migrate", "baseline", "--url", &db.url()], d), 1);
    assert!(again.contains("already has migrations"), "{again}");
}

#[test]
fn a_database_changed_outside_the_migrations_is_refused() {
    let (dir, db) = sqlite_project();
    let d = dir.path();
    expect(&diff_sqlite(d, "init", "v1.sql", "0001"), 0);
    expect(&cli(&["migrate", "apply", "--url", &db.url()], d), 0);
    expect(&diff_sqlite(d, "posts", "v2.sql", "0002"), 0);
    db.execute("CREATE TABLE stray (id INTEGER);");
    let drift = expect(&cli(&["migrate", "apply", "--url", &db.url()], d), 1);
    assert!(
        drift.contains("changed outside the migrations") && drift.contains("stray"),
        "{drift}"
    );
}

/// Writes one migration file per step (numbered in order), hashes the
/// directory, lints it with `lint_args` and checks that each file's findings
/// are exactly the codes its step names.
#[track_caller]
fn assert_lint_codes(d: &Path, steps: &[(&str, &str, &[&str])], lint_args: &[&str]) {
    std::fs::create_dir_all(d.join("migrations")).unwrap();
    for (i, (name, sql, _)) in steps.iter().enumerate() {
        std::fs::write(
            d.join(format!("migrations/{:02}_{name}.sql", i + 1)),
            format!("{sql}\n"),
        )
        .unwrap();
    }
    expect(&cli(&["migrate", "hash"], d), 0);
    let mut args = vec!["migrate", "lint"];
    args.extend(lint_args);
    let lint = expect(&cli(&args, d), 2);
    for (i, (name, _, codes)) in steps.iter().enumerate() {
        let file = format!("{:02}_{name}.sql", i + 1);
        let found: Vec<&str> = lint
            .lines()
            .filter_map(|line| line.strip_prefix(&format!("{file}: ")))
            .map(|rest| rest.split(':').next().unwrap())
            .collect();
        assert_eq!(found, codes.to_vec(), "{file}:\n{lint}");
    }
}

/// Each fixture file (after the base) does one thing; lint names its hazard.
#[test]
fn lint_reports_the_hazard_codes_plans_use() {
    let dir = workdir("tfalchemy-migrate-");
    let d = dir.path();
    let steps: &[(&str, &str, &[&str])] = &[
        ("base", "CREATE TABLE a (id INTEGER PRIMARY KEY, x TEXT, y INTEGER);\nCREATE TABLE b (id INTEGER PRIMARY KEY);\nCREATE TABLE c (id INTEGER PRIMARY KEY, v TEXT);\nCREATE VIEW vb AS SELECT id FROM b;", &[]),
        ("drop_column", "ALTER TABLE a DROP COLUMN y;", &["drops_column"]),
        ("rename_column", "ALTER TABLE a RENAME COLUMN x TO z;", &["renames_column"]),
        ("rename_table", "ALTER TABLE c RENAME TO d;", &["renames_table"]),
        // Same shape, but no RENAME in the file: the values of v are lost.
        ("replace_column", "ALTER TABLE d DROP COLUMN v;\nALTER TABLE d ADD COLUMN w TEXT;", &["drops_column"]),
        ("index", "CREATE INDEX ix_a_z ON a (z);", &["builds_index_blocking_writes"]),
        ("drop_view", "DROP VIEW vb;", &["drops_object"]),
        ("drop_table", "DROP TABLE b;", &["drops_table"]),
        // SQLite cannot alter a column in place: the table is rebuilt.
        (
            "narrow",
            "CREATE TABLE a2 (id INTEGER PRIMARY KEY, z INTEGER NOT NULL);\nINSERT INTO a2 SELECT id, z FROM a;\nDROP TABLE a;\nALTER TABLE a2 RENAME TO a;",
            &["rebuilds_table", "may_fail_on_existing_rows"],
        ),
    ];
    assert_lint_codes(d, steps, &["--dialect", "sqlite"]);
}

/// The same on PostgreSQL, for every hazard a migration file can carry
/// there (`rebuilds_table` is SQLite's; `locks_table` depends on the live
/// table's size and traffic, so only a plan against a database reports it).
/// Together with the SQLite test, every code of `HazardKind::ALL` but
/// `locks_table` is linted.
#[test]
fn postgres_lint_reports_each_hazard_code_of_the_dialect() {
    let dir = workdir("tfalchemy-migrate-");
    let d = dir.path();
    let dev = PostgresDb::new();
    let steps: &[(&str, &str, &[&str])] = &[
        (
            "base",
            "CREATE SCHEMA archive;\nCREATE TABLE archive.old (id int);\n\
             CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');\n\
             CREATE TABLE a (id int PRIMARY KEY, x text, y int, n int, code text, m mood, s text);\n\
             CREATE TABLE b (id int PRIMARY KEY);\nCREATE TABLE c (id int PRIMARY KEY, v text);\n\
             CREATE VIEW vb AS SELECT id FROM b;",
            &[],
        ),
        ("drop_column", "ALTER TABLE a DROP COLUMN y;", &["drops_column"]),
        (
            "rename_column",
            "ALTER TABLE a RENAME COLUMN x TO z;",
            &["renames_column"],
        ),
        ("rename_table", "ALTER TABLE c RENAME TO d;", &["renames_table"]),
        (
            "index",
            "CREATE INDEX ix_a_z ON a (z);",
            &["builds_index_blocking_writes"],
        ),
        ("drop_view", "DROP VIEW vb;", &["drops_object"]),
        ("drop_table", "DROP TABLE b;", &["drops_table"]),
        (
            "drop_schema",
            "DROP TABLE archive.old;\nDROP SCHEMA archive;",
            &["drops_table", "drops_schema"],
        ),
        (
            "narrow",
            "ALTER TABLE a ALTER COLUMN s TYPE varchar(8);",
            &["narrows_type", "rewrites_table"],
        ),
        (
            "widen",
            "ALTER TABLE a ALTER COLUMN n TYPE bigint;",
            &["rewrites_table"],
        ),
        (
            "cast",
            "ALTER TABLE a ALTER COLUMN code TYPE int USING code::int;",
            &["cast_may_fail", "rewrites_table"],
        ),
        (
            "not_null",
            "ALTER TABLE a ALTER COLUMN z SET NOT NULL;",
            &["may_fail_on_existing_rows", "scans_table_under_lock"],
        ),
        (
            "enum_value",
            "ALTER TYPE mood RENAME TO mood_old;\nCREATE TYPE mood AS ENUM ('sad', 'happy');\n\
             ALTER TABLE a ALTER COLUMN m TYPE mood USING m::text::mood;\nDROP TYPE mood_old;",
            &["drops_enum_value", "rewrites_table"],
        ),
        (
            "required_column",
            "ALTER TABLE a ADD COLUMN k int NOT NULL;",
            &["may_fail_on_existing_rows"],
        ),
    ];
    assert_lint_codes(d, steps, &["--dev-url", &dev.url()]);
}

#[test]
fn postgres_models_v1_diff_apply_v2_with_a_concurrent_index_then_nothing_to_do() {
    let dir = workdir("tfalchemy-migrate-");
    let d = dir.path();
    let target = PostgresDb::new();
    let dev = PostgresDb::new();
    std::fs::write(
        d.join("v1.sql"),
        "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);\n",
    )
    .unwrap();
    std::fs::write(
        d.join("v2.sql"),
        "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, name text);\nCREATE INDEX ix_users_email ON users (email);\n",
    )
    .unwrap();
    let diff = |name: &str, file: &str, version: &str| {
        cli(
            &[
                "migrate",
                "diff",
                name,
                "--dialect",
                "postgresql",
                "--dev-url",
                &dev.url(),
                "--desired",
                file,
                "--version",
                version,
            ],
            d,
        )
    };
    expect(&diff("init", "v1.sql", "0001"), 0);
    expect(&cli(&["migrate", "validate", "--dev-url", &dev.url()], d), 0);
    expect(&cli(&["migrate", "status", "--url", &target.url()], d), 2);
    expect(&cli(&["migrate", "apply", "--url", &target.url()], d), 0);
    expect(&diff("name", "v2.sql", "0002"), 0);
    let file = std::fs::read_to_string(d.join("migrations/0002_name.sql")).unwrap();
    assert!(file.contains("ADD COLUMN \"name\" text"), "{file}");
    // Hand-edited to build the index without blocking writes.
    let concurrent = file.replace("CREATE INDEX", "CREATE INDEX CONCURRENTLY").replacen(
        "-- generated",
        "-- tfalchemy:txmode none\n-- generated",
        1,
    );
    std::fs::write(d.join("migrations/0002_name.sql"), &concurrent).unwrap();
    expect(&cli(&["migrate", "hash"], d), 0);
    let lint = expect(&cli(&["migrate", "lint", "--dev-url", &dev.url()], d), 0);
    assert!(!lint.contains("builds_index_blocking_writes"), "{lint}");
    // Without the directive, the file cannot run.
    std::fs::write(
        d.join("migrations/0002_name.sql"),
        concurrent.replace("-- tfalchemy:txmode none\n", ""),
    )
    .unwrap();
    expect(&cli(&["migrate", "hash"], d), 0);
    let refused = expect(&cli(&["migrate", "apply", "--url", &target.url()], d), 1);
    assert!(
        refused.contains("cannot run inside a transaction") && refused.contains("txmode none"),
        "{refused}"
    );
    std::fs::write(d.join("migrations/0002_name.sql"), &concurrent).unwrap();
    expect(&cli(&["migrate", "hash"], d), 0);
    expect(&cli(&["migrate", "apply", "--url", &target.url()], d), 0);
    assert_eq!(target.columns("public", "users"), vec!["id", "email", "name"]);
    assert_eq!(
        target.strings(
            "SELECT indexname::text FROM pg_indexes WHERE tablename = 'users' AND indexname = 'ix_users_email'"
        ),
        vec!["ix_users_email"]
    );
    let again = expect(&diff("again", "v2.sql", "0003"), 0);
    assert!(again.contains("No changes"), "{again}");
    expect(&cli(&["migrate", "status", "--url", &target.url()], d), 0);
    let revisions = target.strings(
        "SELECT version || ' ' || state || ' ' || statements_applied FROM tfalchemy_revisions ORDER BY version",
    );
    assert_eq!(revisions, vec!["0001 ok 1", "0002 ok 2"]);
}

#[test]
fn postgres_a_failing_file_is_rolled_back_and_the_database_ahead_is_refused() {
    let dir = workdir("tfalchemy-migrate-");
    let d = dir.path();
    let target = PostgresDb::new();
    std::fs::create_dir_all(d.join("migrations")).unwrap();
    std::fs::write(
        d.join("migrations/1_init.sql"),
        "CREATE TABLE t (id int PRIMARY KEY);\n",
    )
    .unwrap();
    expect(&cli(&["migrate", "hash"], d), 0);
    expect(&cli(&["migrate", "apply", "--url", &target.url()], d), 0);
    target.execute("INSERT INTO t VALUES (1)");
    std::fs::write(
        d.join("migrations/2_broken.sql"),
        "CREATE TABLE u (id int);\nALTER TABLE t ADD COLUMN n int NOT NULL;\n",
    )
    .unwrap();
    expect(&cli(&["migrate", "hash"], d), 0);
    let failed = expect(&cli(&["migrate", "apply", "--url", &target.url()], d), 1);
    assert!(
        failed.contains("2_broken.sql") && failed.contains("line 2") && failed.contains("rolled back"),
        "{failed}"
    );
    assert_eq!(target.tables(), vec!["public.t", "public.tfalchemy_revisions"]);
    assert_eq!(
        target.strings("SELECT version || ' ' || state FROM tfalchemy_revisions ORDER BY version"),
        vec!["1 ok", "2 failed"]
    );
    target.execute("INSERT INTO tfalchemy_revisions VALUES ('9', 'future', 'h1:x', 1, 1, 0, 'now', 'ok')");
    let ahead = expect(&cli(&["migrate", "status", "--url", &target.url()], d), 1);
    assert!(ahead.contains("ahead of the directory: version 9 (future)"), "{ahead}");
    assert!(!ahead.contains("password"));
}

/// `migrate diff NAME --dialect mariadb` from the DDL file `desired`,
/// replayed in the empty dev database `dev`.
fn diff_mariadb(dir: &Path, dev: &MariaDb, name: &str, desired: &str, version: &str) -> Output {
    cli(
        &[
            "migrate",
            "diff",
            name,
            "--dialect",
            "mariadb",
            "--dev-url",
            &dev.url(),
            "--desired",
            desired,
            "--version",
            version,
        ],
        dir,
    )
}

#[test]
fn mariadb_models_v1_diff_apply_v2_diff_lint_apply_then_nothing_to_do() {
    let dir = workdir("tfalchemy-migrate-");
    let d = dir.path();
    let target = MariaDb::new();
    let dev = MariaDb::new();
    let v1 = "CREATE TABLE users (id bigint PRIMARY KEY, email varchar(255) NOT NULL);\n";
    let v2 = "CREATE TABLE users (id bigint PRIMARY KEY, email varchar(255) NOT NULL, name varchar(100));\n\
              CREATE TABLE posts (id bigint PRIMARY KEY, user_id bigint, title text, \
              CONSTRAINT fk_posts_user FOREIGN KEY (user_id) REFERENCES users (id));\n";
    std::fs::write(d.join("v1.sql"), v1).unwrap();
    std::fs::write(d.join("v2.sql"), v2).unwrap();
    expect(&diff_mariadb(d, &dev, "init", "v1.sql", "0001"), 0);
    let first = std::fs::read_to_string(d.join("migrations/0001_init.sql")).unwrap();
    assert!(first.contains("CREATE TABLE `users`"), "{first}");
    // Nothing to declare: every file runs statement by statement here.
    assert!(!first.contains("tfalchemy:txmode"), "{first}");
    expect(&cli(&["migrate", "validate", "--dev-url", &dev.url()], d), 0);
    let status = expect(&cli(&["migrate", "status", "--url", &target.url()], d), 2);
    assert!(status.contains("pending: 0001_init.sql"), "{status}");
    expect(&cli(&["migrate", "apply", "--url", &target.url()], d), 0);
    expect(&cli(&["migrate", "status", "--url", &target.url()], d), 0);

    expect(&diff_mariadb(d, &dev, "posts", "v2.sql", "0002"), 0);
    let second = std::fs::read_to_string(d.join("migrations/0002_posts.sql")).unwrap();
    assert!(
        second.contains("ADD COLUMN `name`") && second.contains("CREATE TABLE `posts`"),
        "{second}"
    );
    expect(&cli(&["migrate", "lint", "--dev-url", &dev.url()], d), 0);
    expect(&cli(&["migrate", "apply", "--url", &target.url()], d), 0);
    let again = expect(&diff_mariadb(d, &dev, "again", "v2.sql", "0003"), 0);
    assert!(again.contains("No changes"), "{again}");
    expect(&cli(&["migrate", "status", "--url", &target.url()], d), 0);
    assert_eq!(
        target.strings(
            "SELECT CAST(CONCAT(version, ' ', state, ' ', statements_applied, '/', statements_total) AS CHAR) \
             FROM tfalchemy_revisions ORDER BY version"
        ),
        vec!["0001 ok 1/1", "0002 ok 3/3"]
    );
    // The revisions table is the tool's: a declarative plan of the same
    // models over the migrated database has nothing to do.
    let plan = expect(&cli(&["plan", "--url", &target.url(), "--desired", "v2.sql"], d), 0);
    assert!(plan.contains("No changes"), "{plan}");
    // The dev database is left as it was: empty.
    assert!(dev
        .strings("SELECT CAST(TABLE_NAME AS CHAR) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()")
        .is_empty());
}

#[test]
fn mariadb_a_failing_file_keeps_what_ran_records_it_and_resumes_at_the_failed_statement() {
    let dir = workdir("tfalchemy-migrate-");
    let d = dir.path();
    let target = MariaDb::new();
    std::fs::create_dir_all(d.join("migrations")).unwrap();
    std::fs::write(
        d.join("migrations/1_init.sql"),
        "CREATE TABLE users (id int PRIMARY KEY, email varchar(100) NOT NULL);\n",
    )
    .unwrap();
    expect(&cli(&["migrate", "hash"], d), 0);
    // No dev URL: replays run in a temporary database next to the target.
    expect(&cli(&["migrate", "apply", "--url", &target.url()], d), 0);
    target.execute("INSERT INTO users VALUES (1, 'A@x'), (2, 'a@x');");
    std::fs::write(
        d.join("migrations/2_unique_email.sql"),
        "CREATE TABLE audit (id int PRIMARY KEY);\n\
         UPDATE users SET email = LOWER(email);\n\
         ALTER TABLE users ADD UNIQUE INDEX ux_email (email);\n\
         INSERT INTO audit VALUES (1);\n",
    )
    .unwrap();
    std::fs::write(d.join("migrations/3_later.sql"), "CREATE TABLE later (id int);\n").unwrap();
    expect(&cli(&["migrate", "hash"], d), 0);
    let failed = expect(&cli(&["migrate", "apply", "--url", &target.url()], d), 1);
    assert!(
        failed.contains("2_unique_email.sql") && failed.contains("statement 3 (line 3)"),
        "names file, statement and line: {failed}"
    );
    assert!(
        failed.contains("its first 2 statement(s) stayed committed") && failed.contains("resumes at statement 3"),
        "{failed}"
    );
    assert!(!failed.contains("rolled back"), "{failed}");
    assert_eq!(
        target.strings("SELECT CAST(CONCAT(version, ' ', state, ' ', statements_applied) AS CHAR) FROM tfalchemy_revisions ORDER BY version"),
        vec!["1 ok 1", "2 failed 2"]
    );
    assert_eq!(
        target.strings("SELECT email FROM users ORDER BY id"),
        vec!["a@x", "a@x"]
    );
    let status = expect(&cli(&["migrate", "status", "--url", &target.url()], d), 2);
    assert!(
        status.contains("pending: 2_unique_email.sql (stopped after statement 2; resumes there)"),
        "{status}"
    );
    target.execute("DELETE FROM users WHERE id = 2;");
    expect(&cli(&["migrate", "apply", "--url", &target.url()], d), 0);
    assert_eq!(
        target.strings("SELECT CAST(CONCAT(version, ' ', state, ' ', statements_applied) AS CHAR) FROM tfalchemy_revisions ORDER BY version"),
        vec!["1 ok 1", "2 ok 4", "3 ok 1"]
    );
    // Statements 1 and 2 ran once: the resumed apply started at statement 3.
    assert_eq!(target.strings("SELECT CAST(COUNT(*) AS CHAR) FROM audit"), vec!["1"]);
    let lint = expect(&cli(&["migrate", "lint", "--url", &target.url()], d), 0);
    assert!(!lint.contains("transaction"), "{lint}");
}

#[test]
fn mariadb_refuses_a_file_or_an_apply_asking_for_a_transaction_and_statements_a_migration_may_not_hold() {
    let dir = workdir("tfalchemy-migrate-");
    let d = dir.path();
    let target = MariaDb::new();
    let dev = MariaDb::new();
    std::fs::create_dir_all(d.join("migrations")).unwrap();
    std::fs::write(
        d.join("migrations/1_init.sql"),
        "CREATE TABLE t (id int PRIMARY KEY);\n",
    )
    .unwrap();
    std::fs::write(
        d.join("migrations/2_atomic.sql"),
        "-- tfalchemy:txmode file\nALTER TABLE t ADD COLUMN n int;\n",
    )
    .unwrap();
    expect(&cli(&["migrate", "hash"], d), 0);
    let refused = expect(&cli(&["migrate", "apply", "--url", &target.url()], d), 1);
    assert!(
        refused.contains("2_atomic.sql")
            && refused.contains("asks for `-- tfalchemy:txmode file`")
            && refused.contains("commits every DDL statement by itself"),
        "{refused}"
    );
    // Refused while assessing, before the apply session changed anything.
    assert_eq!(
        target.strings(
            "SELECT CAST(TABLE_NAME AS CHAR) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1"
        ),
        Vec::<String>::new(),
        "nothing ran"
    );
    let lint = expect(&cli(&["migrate", "lint", "--dev-url", &dev.url()], d), 2);
    assert!(lint.contains("2_atomic.sql: transaction:"), "{lint}");
    expect(&cli(&["migrate", "validate", "--dev-url", &dev.url()], d), 1);

    std::fs::write(d.join("migrations/2_atomic.sql"), "ALTER TABLE t ADD COLUMN n int;\n").unwrap();
    expect(&cli(&["migrate", "hash"], d), 0);
    let all = expect(
        &cli(&["migrate", "apply", "--url", &target.url(), "--tx-mode", "all"], d),
        1,
    );
    assert!(all.contains("cannot run with txmode `all`"), "{all}");
    expect(&cli(&["migrate", "apply", "--url", &target.url()], d), 0);

    std::fs::write(
        d.join("migrations/3_sneaky.sql"),
        "UPDATE t SET n = 1;\nCOMMIT;\nINSERT INTO mysql.user (User) VALUES ('x');\nSET GLOBAL max_connections = 1;\n",
    )
    .unwrap();
    expect(&cli(&["migrate", "hash"], d), 0);
    let refused = expect(&cli(&["migrate", "validate", "--dev-url", &dev.url()], d), 1);
    assert!(
        refused.contains("3_sneaky.sql")
            && refused.contains("line 2")
            && refused.contains("line 3")
            && refused.contains("line 4")
            && !refused.contains("(line 1)"),
        "{refused}"
    );
    let lint = expect(&cli(&["migrate", "lint", "--dev-url", &dev.url()], d), 2);
    assert!(lint.contains("3_sneaky.sql: replay_fails:"), "{lint}");
    expect(&cli(&["migrate", "apply", "--url", &target.url()], d), 1);
    assert_eq!(
        target.strings("SELECT CAST(CONCAT(version, ' ', state) AS CHAR) FROM tfalchemy_revisions ORDER BY version"),
        vec!["1 ok", "2 ok"]
    );
}

/// `migrate apply` takes the `GET_LOCK` lock `sqlalchemy_schema` applies
/// take: while another session holds it, the apply waits up to
/// `--lock-timeout`, gives up, and runs nothing.
#[test]
fn mariadb_apply_waits_for_the_apply_lock_and_runs_nothing_without_it() {
    let dir = workdir("tfalchemy-migrate-");
    let d = dir.path();
    let target = MariaDb::new();
    std::fs::create_dir_all(d.join("migrations")).unwrap();
    std::fs::write(
        d.join("migrations/1_init.sql"),
        "CREATE TABLE t (id int PRIMARY KEY);\n",
    )
    .unwrap();
    expect(&cli(&["migrate", "hash"], d), 0);
    let held = target.hold(&format!(
        "SELECT GET_LOCK(CONCAT('{}', '.', DATABASE()), 0)",
        tfalchemy::engine::mysql::APPLY_LOCK_NAME
    ));
    let locked = expect(
        &cli(&["migrate", "apply", "--url", &target.url(), "--lock-timeout", "1s"], d),
        1,
    );
    assert!(
        locked.contains("another apply holds the schema lock") && locked.contains("(1s)"),
        "{locked}"
    );
    let tables =
        "SELECT CAST(TABLE_NAME AS CHAR) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1";
    assert_eq!(target.strings(tables), Vec::<String>::new(), "nothing ran");
    drop(held);
    expect(
        &cli(&["migrate", "apply", "--url", &target.url(), "--lock-timeout", "1s"], d),
        0,
    );
    assert_eq!(target.strings(tables), vec!["t", "tfalchemy_revisions"]);
}

/// The hazard codes a migration file can carry on MariaDB, found by lint.
#[test]
fn mariadb_lint_reports_the_hazard_codes_of_the_dialect() {
    let dir = workdir("tfalchemy-migrate-");
    let d = dir.path();
    let dev = MariaDb::new();
    let steps: &[(&str, &str, &[&str])] = &[
        (
            "base",
            "CREATE TABLE a (id int PRIMARY KEY, x varchar(50), y int, s varchar(200));\n\
             CREATE TABLE b (id int PRIMARY KEY);\nCREATE TABLE c (id int PRIMARY KEY, v text);\n\
             CREATE VIEW vb AS SELECT id FROM b;",
            &[],
        ),
        ("drop_column", "ALTER TABLE a DROP COLUMN y;", &["drops_column"]),
        (
            "rename_column",
            "ALTER TABLE a RENAME COLUMN x TO z;",
            &["renames_column"],
        ),
        ("rename_table", "RENAME TABLE c TO d;", &["renames_table"]),
        ("drop_view", "DROP VIEW vb;", &["drops_object"]),
        ("drop_table", "DROP TABLE b;", &["drops_table"]),
        // A narrower type copies the table on MariaDB.
        (
            "narrow",
            "ALTER TABLE a MODIFY s varchar(20);",
            &["narrows_type", "rewrites_table"],
        ),
        ("enum", "ALTER TABLE a ADD COLUMN k enum('x', 'y', 'z');", &[]),
        (
            "enum_value",
            "ALTER TABLE a MODIFY k enum('x', 'y');",
            &["drops_enum_value", "rewrites_table"],
        ),
    ];
    assert_lint_codes(d, steps, &["--dev-url", &dev.url()]);
}

#[test]
fn help_has_examples_and_bad_flags_exit_1() {
    let dir = workdir("tfalchemy-migrate-");
    for sub in ["diff", "new", "hash", "validate", "lint", "status", "apply", "baseline"] {
        let help = expect(&cli(&["migrate", sub, "--help"], dir.path()), 0);
        assert!(help.contains("Example"), "{sub}: {help}");
    }
    let bad = expect(&cli(&["migrate", "validate", "--dialect", "oracle"], dir.path()), 1);
    assert!(bad.contains("oracle"), "{bad}");
    std::fs::create_dir_all(dir.path().join("migrations")).unwrap();
    let secret = expect(
        &cli(
            &["migrate", "status", "--url", "postgresql://app:s3cret@127.0.0.1:1/db"],
            dir.path(),
        ),
        1,
    );
    assert!(!secret.contains("s3cret"), "{secret}");
}
