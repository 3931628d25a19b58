//! `terraform plan` is harmless on SQLite (issue #9): whoever edits
//! `desired_sql` cannot change anything through a plan, and planned SQL is
//! well-formed. Through real Terraform, each case asserts the message the
//! user sees and that nothing changed: the database file's bytes, and no
//! file created beside it or wherever the SQL pointed.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use common::hcl::resource_address;
use common::output::TfOutput;
use common::state_json::{planned_change, strings};
use common::{Config, SchemaBlock, SqliteDb, Workspace};

const APP: &str = "app";

/// A table the tests keep in the live database, with a row, to prove nothing
/// touched it.
const VICTIMS: &str = "CREATE TABLE victims (id INTEGER PRIMARY KEY, note TEXT NOT NULL);";
const VICTIM_ROW: &str = "INSERT INTO victims (id, note) VALUES (1, 'still here');";

/// Runs of whitespace as one space: Terraform wraps diagnostics at 78 columns.
fn unwrapped(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[track_caller]
fn assert_says(output: &TfOutput, fragment: &str) {
    assert!(
        unwrapped(&output.combined()).contains(&unwrapped(fragment)),
        "expected the output to say {fragment:?}\n{output}"
    );
}

/// The files of a directory, by name.
fn files_in(dir: &Path) -> BTreeSet<String> {
    fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|entry| entry.ok())
                .map(|entry| entry.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// What must not change: the database file's bytes and the files beside it.
struct Untouched {
    db: SqliteDb,
    bytes: Vec<u8>,
    files: BTreeSet<String>,
}

impl Untouched {
    fn record(db: &SqliteDb) -> Untouched {
        Untouched {
            db: db.clone(),
            bytes: fs::read(db.path()).expect("database bytes"),
            files: files_in(directory(db)),
        }
    }

    #[track_caller]
    fn assert_unchanged(&self) {
        assert_eq!(
            fs::read(self.db.path()).expect("database bytes"),
            self.bytes,
            "{} changed",
            self.db.path().display()
        );
        assert_eq!(
            files_in(directory(&self.db)),
            self.files,
            "files appeared beside the database"
        );
        assert_eq!(self.db.strings("SELECT note FROM victims", &[]), ["still here"]);
    }
}

fn directory(db: &SqliteDb) -> &Path {
    db.path().parent().expect("the database has a directory")
}

/// A workspace whose database holds `victims` and its row, managed with `desired`.
fn workspace_with_victims(desired: &str) -> (Workspace, SqliteDb) {
    let workspace = Workspace::new();
    let db = workspace.sqlite(APP);
    db.execute(&format!("{VICTIMS}\n{VICTIM_ROW}"));
    workspace.write_main_tf(
        &Config::new()
            .schema(SchemaBlock::new(APP, desired).url(&db.url()))
            .render(),
    );
    workspace.init().success();
    (workspace, db)
}

/// Plan and apply both fail saying every fragment, and change nothing.
#[track_caller]
fn plan_and_apply_refuse(workspace: &Workspace, untouched: &Untouched, fragments: &[&str]) {
    for attempt in [workspace.plan(), workspace.apply()] {
        let failed = attempt.failure();
        for fragment in fragments {
            assert_says(&failed, fragment);
        }
        untouched.assert_unchanged();
    }
}

/// Where statements that open or create files would have put them.
fn elsewhere() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::Builder::new()
        .prefix("tfalchemy-elsewhere-")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .expect("temp dir");
    let attached = dir.path().join("attached.db");
    let copy = dir.path().join("copy.db");
    (dir, attached, copy)
}

#[test]
fn statements_that_are_not_definitions_are_refused_together_before_anything_runs() {
    let (_dir, attached, copy) = elsewhere();
    let desired = format!(
        "{VICTIMS}
INSERT INTO victims (id, note) VALUES (2, 'planted');
UPDATE victims SET note = 'changed';
DELETE FROM victims;
COMMIT;
ATTACH '{}' AS other;
VACUUM INTO '{}';
PRAGMA journal_mode = WAL;
CREATE TABLE copied AS SELECT * FROM victims;
SELECT * FROM victims;
CREATE TABLE extra (id INTEGER PRIMARY KEY);
",
        attached.display(),
        copy.display()
    );
    let (workspace, db) = workspace_with_victims(&desired);
    let untouched = Untouched::record(&db);

    plan_and_apply_refuse(
        &workspace,
        &untouched,
        &[
            "a plan does not run 9 of its statements; nothing was run",
            "statement 2 (line 2) changes data (INSERT into victims)",
            "statement 3 (line 3) changes data (UPDATE of victims)",
            "statement 4 (line 4) changes data (DELETE from victims)",
            "statement 5 (line 5) controls the transaction (COMMIT)",
            "statement 6 (line 6) acts on the server, beyond this database's schema (ATTACH opens or creates the file",
            "statement 7 (line 7) is maintenance, not a definition (VACUUM)",
            "statement 8 (line 8) changes the session or its role (PRAGMA journal_mode = WAL)",
            "statement 9 (line 9) executes code while it is defined (CREATE TABLE copied AS SELECT",
            "statement 10 (line 10) is a query, not a definition (SELECT)",
        ],
    );
    assert!(!attached.exists(), "ATTACH created {}", attached.display());
    assert!(!copy.exists(), "VACUUM INTO created {}", copy.display());
}

#[test]
fn a_refused_script_never_reaches_a_dev_database_file() {
    let desired = format!("{VICTIMS}\nCREATE TABLE extra (id INTEGER PRIMARY KEY);\nDELETE FROM victims;\n");
    let workspace = Workspace::new();
    let db = workspace.sqlite(APP);
    db.execute(&format!("{VICTIMS}\n{VICTIM_ROW}"));
    let dev = workspace.sqlite("dev");
    workspace.write_main_tf(
        &Config::new()
            .schema(SchemaBlock::new(APP, &desired).url(&db.url()).dev_url(&dev.url()))
            .render(),
    );
    workspace.init().success();
    let untouched = Untouched::record(&db);

    plan_and_apply_refuse(
        &workspace,
        &untouched,
        &["statement 3 (line 3) changes data (DELETE from victims)"],
    );
    assert!(!dev.exists(), "the dev database {} was created", dev.path().display());
}

#[test]
fn trigger_bodies_may_change_data_and_run_only_when_the_trigger_fires() {
    let desired = format!(
        "{VICTIMS}
CREATE TABLE audit (note TEXT);
CREATE TRIGGER victims_audit AFTER UPDATE ON victims BEGIN
  INSERT INTO audit VALUES (old.note);
  DELETE FROM audit WHERE note IS NULL;
END;
"
    );
    let (workspace, db) = workspace_with_victims(&desired);
    workspace
        .plan()
        .changes()
        .shows_sql("CREATE TRIGGER victims_audit AFTER UPDATE ON victims BEGIN");
    workspace.apply().success();
    assert_eq!(db.strings("SELECT note FROM victims", &[]), ["still here"]);
    assert_eq!(db.row_count("audit"), 0);
    workspace.plan().no_changes();
}

#[test]
fn a_column_type_built_to_inject_sql_is_planned_as_one_quoted_name() {
    let (workspace, db) = workspace_with_victims(VICTIMS);
    workspace.apply().success();
    let desired = format!("{VICTIMS}\nCREATE TABLE t (id INTEGER PRIMARY KEY, a \"x; DELETE FROM victims; --\");\n");
    workspace.write_main_tf(
        &Config::new()
            .schema(SchemaBlock::new(APP, &desired).url(&db.url()))
            .render(),
    );

    let (plan, plan_file) = workspace.plan_to_file("typed.tfplan");
    plan.changes();
    let shown = workspace.show_plan(&plan_file);
    let planned = strings(&planned_change(&shown, &resource_address(APP))["after"]["planned_sql"]);
    assert_eq!(planned.len(), 1, "{planned:#?}");
    assert_eq!(
        planned[0], "CREATE TABLE t (id INTEGER PRIMARY KEY, a \"x; DELETE FROM victims; --\")",
        "the desired statement as SQLite stored it, the type one quoted name"
    );
    workspace.apply_plan_file(&plan_file).success();
    assert_eq!(db.strings("SELECT note FROM victims", &[]), ["still here"]);
    assert_eq!(db.columns("t")[1].declared_type, "x; DELETE FROM victims; --");
    workspace.plan().no_changes();
}

#[test]
fn a_table_and_a_column_renamed_by_case_keep_their_rows() {
    let (workspace, db) = workspace_with_victims(VICTIMS);
    workspace.apply().success();
    let desired = "CREATE TABLE VICTIMS (id INTEGER PRIMARY KEY, NOTE TEXT NOT NULL);";
    workspace.write_main_tf(
        &Config::new()
            .schema(SchemaBlock::new(APP, desired).url(&db.url()))
            .render(),
    );

    workspace
        .plan()
        .changes()
        .shows_sql(r#"ALTER TABLE "victims" RENAME TO "_tfalchemy_renaming_VICTIMS""#)
        .shows_sql(r#"ALTER TABLE "VICTIMS" RENAME COLUMN "note" TO "NOTE""#)
        .hides_sql("DROP TABLE");
    workspace.apply().success();
    assert_eq!(db.tables(), ["VICTIMS"]);
    assert_eq!(db.strings("SELECT NOTE FROM VICTIMS", &[]), ["still here"]);
    workspace.plan().no_changes();
}

#[test]
fn a_schema_sqlite_3_40_could_not_open_is_refused_at_plan() {
    let deep = format!(
        "CREATE TABLE deep (a INT CHECK ({}a > 0{}));",
        "(".repeat(100),
        ")".repeat(100)
    );
    let desired = format!(
        "{VICTIMS}\n{deep}\nCREATE TABLE separated (a INT DEFAULT 1_000);\nCREATE VIEW ordered AS SELECT group_concat(note ORDER BY id) AS notes FROM victims;\n"
    );
    let (workspace, db) = workspace_with_victims(&desired);
    let untouched = Untouched::record(&db);

    plan_and_apply_refuse(
        &workspace,
        &untouched,
        &[
            "a plan does not run 3 of its statements",
            "statement 2 (line 2) would make the database unreadable for older versions (it nests deeper than SQLite 3.40 (Debian 12's sqlite3) can parse",
            "statement 3 (line 3) would make the database unreadable for older versions (the number 1_000 uses digit separators",
            "statement 4 (line 4) would make the database unreadable for older versions (ORDER BY inside an aggregate call is new in SQLite 3.44",
        ],
    );
}
