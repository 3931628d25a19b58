//! The SQLAlchemy exporter with real Python and real SQLAlchemy (the venvs made by
//! `scripts/install-python.sh`): DDL per dialect, determinism, every error's message, the cache,
//! and what the models' processes and output can and cannot do to the provider.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::processes::{assert_gone, PidFile, PID_FILE_ENV};
use tfalchemy::engine::{self, Dialect};
use tfalchemy::exporter::{
    self, CacheMode, Export, ExportError, ExportLimits, ExportRequest, ModelSource, ProcessOutcome,
};

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixtures() -> PathBuf {
    manifest_dir().join("tests/fixtures/models")
}

/// The SQLAlchemy 2.x interpreter: `TFALCHEMY_TEST_PYTHON`, else `.tools/sqla2/bin/python`.
fn test_python() -> String {
    let python = std::env::var("TFALCHEMY_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|_| manifest_dir().join(".tools/sqla2/bin/python"));
    assert!(
        python.exists(),
        "the exporter tests need a Python with SQLAlchemy 2.x at {}: run scripts/install-python.sh \
         (or set TFALCHEMY_TEST_PYTHON)",
        python.display()
    );
    python.display().to_string()
}

/// The SQLAlchemy 1.4 interpreter, unless `TFALCHEMY_SKIP_SQLA14=1` says it was not installed.
fn test_python_14() -> Option<String> {
    if std::env::var("TFALCHEMY_SKIP_SQLA14").as_deref() == Ok("1") {
        eprintln!("TFALCHEMY_SKIP_SQLA14=1: not testing SQLAlchemy 1.4");
        return None;
    }
    let python = std::env::var("TFALCHEMY_TEST_PYTHON14")
        .map(PathBuf::from)
        .unwrap_or_else(|_| manifest_dir().join(".tools/sqla14/bin/python"));
    assert!(
        python.exists(),
        "no SQLAlchemy 1.4 interpreter at {}: run scripts/install-python.sh (or set \
         TFALCHEMY_SKIP_SQLA14=1)",
        python.display()
    );
    Some(python.display().to_string())
}

fn request(source: ModelSource, dialect: &str) -> ExportRequest {
    let mut request = ExportRequest::new(source, dialect);
    request.python = test_python();
    request.working_dir = Some(fixtures());
    request.cache = CacheMode::Disabled;
    request
}

fn module(name: &str, dialect: &str) -> ExportRequest {
    request(ModelSource::Module(name.into()), dialect)
}

fn path(relative: &str, dialect: &str) -> ExportRequest {
    request(ModelSource::Path(fixtures().join(relative)), dialect)
}

async fn export_ok(request: &ExportRequest) -> Export {
    match exporter::export(request).await {
        Ok(export) => export,
        Err(err) => panic!("export of {} failed: {err}", request.source),
    }
}

async fn export_err(request: &ExportRequest) -> ExportError {
    match exporter::export(request).await {
        Ok(export) => panic!("export of {} unexpectedly succeeded:\n{}", request.source, export.sql),
        Err(err) => err,
    }
}

fn assert_contains(haystack: &str, needles: &[&str]) {
    for needle in needles {
        assert!(haystack.contains(needle), "expected {needle:?} in:\n{haystack}");
    }
}

fn statement_starting(sql: &str, prefix: &str) -> usize {
    sql.find(prefix)
        .unwrap_or_else(|| panic!("no statement starting {prefix:?} in:\n{sql}"))
}

// ---------------------------------------------------------------------------------------------
// DDL

#[tokio::test]
async fn package_with_relative_imports_exports_every_metadata_for_postgresql() {
    let export = export_ok(&module("app.models", "postgresql")).await;
    // Two MetaData objects (the declarative base's and the Core one): both exported.
    assert_eq!(export.tables, ["audit_log", "posts", "users"]);
    assert!(!export.from_cache);
    assert!(export.warnings.is_empty(), "{:?}", export.warnings);
    assert!(
        export.sqlalchemy_version.starts_with("2."),
        "{}",
        export.sqlalchemy_version
    );
    assert_eq!(export.sha256, exporter::sha256_hex(export.sql.as_bytes()));
    // A table before the tables that reference it, its indexes after it, sorted by name.
    let sql = &export.sql;
    assert!(statement_starting(sql, "CREATE TABLE users") < statement_starting(sql, "CREATE TABLE posts"));
    assert!(
        statement_starting(sql, "CREATE INDEX ix_users_created ")
            < statement_starting(sql, "CREATE INDEX ix_users_name ")
    );
    let sources: Vec<String> = export
        .sources
        .iter()
        .map(|s| format!("{} {}:{}", s.table, s.file, s.line))
        .collect();
    assert_eq!(
        sources,
        [
            "audit_log app/models/audit.py:7",
            "posts app/models/posts.py:8",
            "users app/models/users.py:6"
        ]
    );
    insta::assert_snapshot!("app_postgresql", export.sql);
}

#[tokio::test]
async fn package_exports_for_sqlite() {
    let export = export_ok(&module("app.models", "sqlite")).await;
    assert_eq!(export.tables, ["audit_log", "posts", "users"]);
    assert_contains(
        &export.sql,
        &[
            "DEFAULT CURRENT_TIMESTAMP",
            "GENERATED ALWAYS AS (lower(email))",
            "CREATE VIEW recent_posts AS\n",
        ],
    );
    assert!(!export.sql.contains("SERIAL"), "{}", export.sql);
    insta::assert_snapshot!("app_sqlite", export.sql);
}

#[tokio::test]
async fn directory_of_postgres_models_keeps_types_listeners_and_function_bodies() {
    let export = export_ok(&path("pg_models", "postgresql")).await;
    assert_eq!(export.tables, ["billing.accounts", "billing.invoices"]);
    let sql = &export.sql;
    assert!(sql.starts_with("CREATE SCHEMA IF NOT EXISTS billing;\n\n"), "{sql}");
    assert_contains(
        sql,
        &[
            "CREATE TYPE billing.plan AS ENUM ('free', 'pro');",
            "CREATE SEQUENCE billing.invoice_number_seq",
            "id INTEGER GENERATED ALWAYS AS IDENTITY",
            "public_id UUID DEFAULT gen_random_uuid() NOT NULL",
            "settings JSONB DEFAULT '{}'::jsonb NOT NULL",
            "tags VARCHAR(40)[]",
            "last_ip INET",
            "GENERATED ALWAYS AS (seats * seat_price_cents) STORED",
            "COMMENT ON TABLE billing.accounts IS 'Paying customers';",
            "COMMENT ON COLUMN billing.accounts.last_ip IS 'Last address seen';",
            // The function body exactly as written: newlines, indentation, `--` comment, one `%`.
            "RETURNS trigger AS $$\nBEGIN\n    -- keep the row's timestamp current; 100% of updates",
            "END;\n$$ LANGUAGE plpgsql;\n\n",
            "CREATE TRIGGER accounts_touch BEFORE UPDATE ON billing.accounts\nFOR EACH ROW",
        ],
    );
    assert!(!sql.contains(";;"), "{sql}");
    // The Python listener that reads rows cannot run on a mock engine: skipped, with a warning
    // that names it, and none of what it executed before failing is kept.
    assert_eq!(export.warnings.len(), 1, "{:?}", export.warnings);
    assert_contains(
        &export.warnings[0],
        &["seed_accounts", "pg_models/triggers.py:28", "live database"],
    );
    assert!(!sql.contains("SELECT 1"), "{sql}");
    insta::assert_snapshot!("pg_models_postgresql", export.sql);
}

#[tokio::test]
async fn schemas_are_created_on_postgresql_and_reported_on_mysql() {
    let export = export_ok(&path("reporting.py", "postgresql")).await;
    assert_eq!(export.tables, ["reporting.daily_totals"]);
    assert!(
        export.sql.starts_with(
            "CREATE SCHEMA IF NOT EXISTS reporting;\n\n-- model: reporting.daily_totals (reporting.py:7)\n\
                      -- model-column: day (reporting.py:10)\n-- model-column: total (reporting.py:11)\n\
                      CREATE TABLE reporting.daily_totals ("
        ),
        "{}",
        export.sql
    );

    for dialect in ["mysql", "mariadb"] {
        let export = export_ok(&path("reporting.py", dialect)).await;
        assert!(!export.sql.contains("CREATE SCHEMA"), "{}", export.sql);
        assert_contains(&export.sql, &["CREATE TABLE reporting.daily_totals ("]);
        assert_eq!(export.warnings.len(), 1, "{:?}", export.warnings);
        assert_contains(&export.warnings[0], &["reporting", dialect, "separate database"]);
    }
}

#[tokio::test]
async fn sqlmodel_metadata_is_found() {
    let export = export_ok(&path("sqlmodel_heroes.py", "sqlite")).await;
    assert_eq!(export.tables, ["hero"]);
    assert_contains(
        &export.sql,
        &["CREATE TABLE hero (", "CREATE INDEX ix_hero_name ON hero (name);"],
    );
    assert_eq!(export.sources[0].file, "sqlmodel_heroes.py");
    assert_eq!(export.sources[0].line, 6);
}

#[tokio::test]
async fn two_cold_runs_in_two_processes_are_byte_identical() {
    let request = path("pg_models", "postgresql");
    let first = export_ok(&request).await;
    let second = export_ok(&request).await;
    assert!(!first.from_cache && !second.from_cache);
    assert_eq!(first, second);

    let request = module("app.models", "postgresql");
    assert_eq!(export_ok(&request).await.sql, export_ok(&request).await.sql);
}

#[tokio::test]
async fn sqlalchemy_1_4_exports_the_package_too() {
    let Some(python) = test_python_14() else { return };
    for dialect in ["postgresql", "sqlite"] {
        let mut request = module("app.models", dialect);
        request.python = python.clone();
        let export = export_ok(&request).await;
        assert!(
            export.sqlalchemy_version.starts_with("1.4."),
            "{}",
            export.sqlalchemy_version
        );
        assert_eq!(export.tables, ["audit_log", "posts", "users"]);
        assert_contains(
            &export.sql,
            &["CREATE TABLE users (", "CREATE INDEX ix_users_name ON users (name);"],
        );
        assert_contains(
            &export.sql,
            &["CREATE VIEW recent_posts AS\n-- posts with their author's name\n"],
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Statements declared twice

#[tokio::test]
async fn identical_statements_are_created_once_and_reported_with_every_declaration() {
    let mut interpreters = vec![test_python()];
    interpreters.extend(test_python_14());
    for python in interpreters {
        let mut request = path("duplicates.py", "sqlite");
        request.python = python.clone();
        let export = export_ok(&request).await;
        for statement in [
            "CREATE INDEX ix_things_name ON things (name);",
            "CREATE INDEX ix_things_code ON things (code);",
            "CREATE INDEX ix_gadgets_label ON gadgets (label);",
            "CREATE VIEW thing_names AS SELECT name FROM things;",
        ] {
            assert_eq!(
                export.sql.matches(statement).count(),
                1,
                "{python}: {statement}\n{}",
                export.sql
            );
        }
        let reported: Vec<(&str, Vec<&str>)> = export
            .duplicates
            .iter()
            .map(|d| {
                (
                    d.statement.as_str(),
                    d.declarations.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(
            reported,
            [
                (
                    "CREATE INDEX ix_gadgets_label ON gadgets (label);",
                    vec![
                        "Index('ix_gadgets_label') on table gadgets at duplicates.py:28",
                        "Index('ix_gadgets_label') on table gadgets at duplicates.py:29",
                    ]
                ),
                (
                    "CREATE INDEX ix_things_code ON things (code);",
                    vec![
                        "Index('ix_things_code') on table things at duplicates.py:16",
                        // The Table(...) call that holds the column.
                        "`index=True` on column things.code at duplicates.py:8",
                    ]
                ),
                (
                    "CREATE INDEX ix_things_name ON things (name);",
                    vec![
                        "Index('ix_things_name') on table things at duplicates.py:14",
                        "Index('ix_things_name') on table things at duplicates.py:15",
                    ]
                ),
                (
                    "CREATE VIEW thing_names AS SELECT name FROM things;",
                    vec![
                        "DDL attached to table things (after_create) at duplicates.py:19",
                        "DDL attached to table things (after_create) at duplicates.py:20",
                    ]
                ),
            ],
            "{python}"
        );
        assert!(export.warnings.is_empty(), "{python}: {:?}", export.warnings);
    }
}

#[tokio::test]
async fn statements_are_identical_only_when_they_read_the_same_once_terminated() {
    let export = export_ok(&path("near_duplicates.py", "sqlite")).await;
    // Another column, another uniqueness, other spacing or case: different statements, all kept.
    for statement in [
        "CREATE INDEX ix_near_ab ON near (a);",
        "CREATE INDEX ix_near_ab ON near (b);",
        "CREATE INDEX ix_near_uniq ON near (a);",
        "CREATE UNIQUE INDEX ix_near_uniq ON near (a);",
        "CREATE VIEW near_w AS SELECT a FROM near;",
        "CREATE VIEW near_w AS  SELECT a FROM near;",
        "create view near_w as select a from near;",
    ] {
        assert_eq!(export.sql.matches(statement).count(), 1, "{statement}\n{}", export.sql);
    }
    // Only a terminating semicolon apart: the same statement in the export.
    assert_eq!(
        export.sql.matches("CREATE VIEW near_v AS SELECT a FROM near;").count(),
        1
    );
    assert_eq!(export.duplicates.len(), 1, "{:?}", export.duplicates);
    assert_eq!(
        export.duplicates[0].statement,
        "CREATE VIEW near_v AS SELECT a FROM near;"
    );
}

#[tokio::test]
async fn models_without_duplicates_report_none() {
    for (source, dialect) in [("app.models", "postgresql"), ("app.models", "sqlite")] {
        assert_eq!(export_ok(&module(source, dialect)).await.duplicates, []);
    }
    assert_eq!(export_ok(&path("pg_models", "postgresql")).await.duplicates, []);
}

// ---------------------------------------------------------------------------------------------
// Errors: each one's message says what, where and what to do

#[tokio::test]
async fn module_raising_on_import_reports_type_message_and_user_frame() {
    let err = export_err(&module("broken", "postgresql")).await;
    assert!(matches!(err, ExportError::ImportFailed { .. }), "{err:?}");
    assert_contains(
        &err.to_string(),
        &[
            "module broken",
            "RuntimeError: environment variable TFALCHEMY_FIXTURE_UNSET_VARIABLE is not set",
            "(at broken/settings.py:7)",
        ],
    );
}

#[tokio::test]
async fn unknown_module_says_where_python_looked() {
    let err = export_err(&module("no_such_models_package", "sqlite")).await;
    assert_contains(
        &err.to_string(),
        &[
            "ModuleNotFoundError: No module named 'no_such_models_package'",
            "sys.path",
            "`working_dir`",
        ],
    );
}

#[tokio::test]
async fn module_without_models_is_a_hard_error() {
    let err = export_err(&path("errors/no_models.py", "postgresql")).await;
    assert!(matches!(err, ExportError::NoModels { .. }), "{err:?}");
    assert_contains(
        &err.to_string(),
        &["no SQLAlchemy tables found", "errors/no_models.py", "drop every table"],
    );
}

#[tokio::test]
async fn invalid_mapping_is_a_model_error_at_the_class() {
    let err = export_err(&path("errors/no_primary_key.py", "postgresql")).await;
    assert!(matches!(err, ExportError::ModelError { .. }), "{err:?}");
    assert_contains(
        &err.to_string(),
        &[
            "sqlalchemy.exc.ArgumentError",
            "could not assemble any primary key",
            "(at errors/no_primary_key.py:7)",
        ],
    );
}

#[tokio::test]
async fn ddl_text_that_does_not_compile_names_the_statement_and_the_rule() {
    let err = export_err(&path("errors/ddl_percent.py", "postgresql")).await;
    assert!(matches!(err, ExportError::ModelError { .. }), "{err:?}");
    assert_contains(
        &err.to_string(),
        &[
            "ValueError: unsupported format character",
            "DDL(\"CREATE INDEX ix_codes_a ON codes (code) WHERE code LIKE 'a%'\"...)",
            "on table codes",
            "written %%",
        ],
    );
}

#[tokio::test]
async fn same_table_defined_differently_twice_is_refused() {
    let err = export_err(&path("errors/duplicate_table.py", "postgresql")).await;
    assert!(matches!(err, ExportError::DuplicateTable { .. }), "{err:?}");
    assert_contains(
        &err.to_string(),
        &[
            "table things is defined twice",
            "errors/duplicate_table.py:6",
            "errors/duplicate_table.py:7",
        ],
    );
}

#[tokio::test]
async fn unknown_dialect_lists_the_valid_ones() {
    let err = export_err(&module("app.models", "oracle")).await;
    assert!(matches!(err, ExportError::UnknownDialect { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "unknown dialect \"oracle\": use one of postgresql, mysql, mariadb, sqlite"
    );
}

#[tokio::test]
async fn missing_interpreter_names_the_path_and_the_setting() {
    let mut request = module("app.models", "sqlite");
    request.python = "/nonexistent/python".into();
    let err = export_err(&request).await;
    assert!(matches!(err, ExportError::InterpreterNotFound { .. }), "{err:?}");
    assert_contains(
        &err.to_string(),
        &["/nonexistent/python does not exist", "Set `python`"],
    );

    request.python = "tfalchemy-no-such-python".into();
    let err = export_err(&request).await;
    assert_contains(
        &err.to_string(),
        &["tfalchemy-no-such-python was not found on PATH", "Set `python`"],
    );
}

#[tokio::test]
async fn interpreter_without_sqlalchemy_says_to_pick_another() {
    let venv = tempfile::tempdir().expect("temp dir");
    let status = std::process::Command::new(test_python())
        .args(["-m", "venv", "--without-pip"])
        .arg(venv.path())
        .status()
        .expect("run python -m venv");
    assert!(status.success(), "python -m venv failed");
    let mut request = module("app.models", "sqlite");
    request.python = venv.path().join("bin/python").display().to_string();
    let err = export_err(&request).await;
    assert!(matches!(err, ExportError::SqlalchemyMissing { .. }), "{err:?}");
    assert_contains(
        &err.to_string(),
        &[
            "SQLAlchemy cannot be imported",
            "No module named 'sqlalchemy'",
            "Set `python`",
            "SQLAlchemy 1.4 or 2.x",
        ],
    );
}

#[tokio::test]
async fn unsupported_sqlalchemy_version_is_named() {
    // A stand-in `sqlalchemy` package first on sys.path, reporting an old version.
    let shadow = tempfile::tempdir().expect("temp dir");
    let package = shadow.path().join("sqlalchemy");
    std::fs::create_dir(&package).expect("mkdir");
    std::fs::write(package.join("__init__.py"), "__version__ = '1.3.24'\n").expect("write");
    std::fs::write(package.join("exc.py"), "").expect("write");
    std::fs::write(package.join("orm.py"), "").expect("write");
    let mut request = module("app.models", "sqlite");
    request.python_path = vec![shadow.path().to_path_buf()];
    let err = export_err(&request).await;
    assert!(
        matches!(err, ExportError::UnsupportedSqlalchemyVersion { .. }),
        "{err:?}"
    );
    assert_contains(
        &err.to_string(),
        &["SQLAlchemy 1.3.24", "is not supported", "1.4 or 2.x"],
    );
}

/// An executable standing in for Python, for failures no real interpreter produces on demand.
fn fake_interpreter(dir: &Path, script: &str) -> String {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("python");
    std::fs::write(&path, format!("#!/bin/sh\n{script}\n")).expect("write fake interpreter");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path.display().to_string()
}

#[tokio::test]
async fn a_program_that_is_not_python_reports_its_exit_status() {
    let mut request = module("app.models", "sqlite");
    // Looked up on PATH, as `python = "false"` would be.
    request.python = "false".into();
    let err = export_err(&request).await;
    let ExportError::InterpreterFailed { outcome, stderr, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(*outcome, ProcessOutcome::Exited(1));
    assert!(stderr.lines.is_empty(), "{stderr:?}");
    assert_eq!(err.summary(), "Python exited with status 1 during the export");
    assert_contains(
        &err.to_string(),
        &[
            "/false exited with status 1 before the export of module app.models finished",
            "`python` is not a Python interpreter",
            "It wrote nothing to standard error.",
        ],
    );
}

#[tokio::test]
async fn a_model_exiting_with_status_3_is_reported_with_its_status_and_stderr() {
    let err = export_err(&path("errors/exit_status.py", "sqlite")).await;
    let ExportError::InterpreterFailed { outcome, stderr, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(*outcome, ProcessOutcome::Exited(3));
    assert_eq!(stderr.lines, ["loading settings", "settings are incomplete; giving up"]);
    assert!(!stderr.truncated);
    assert_eq!(err.summary(), "Python exited with status 3 during the export");
    let message = err.to_string();
    assert_contains(
        &message,
        &[
            &format!("the interpreter {} exited with status 3", test_python()),
            "before the export of path ",
            "errors/exit_status.py finished",
            "os._exit()",
            "Everything it wrote to standard error:\n    loading settings\n    settings are incomplete; giving up",
        ],
    );
    assert!(!message.contains("3.7"), "no guess about the Python version: {message}");
}

#[tokio::test]
async fn a_segfault_is_named_by_its_signal_and_shows_the_python_stack() {
    let err = export_err(&path("errors/segfault.py", "sqlite")).await;
    let ExportError::InterpreterFailed { outcome, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(
        matches!(outcome, ProcessOutcome::Signaled { signal, .. } if *signal == libc::SIGSEGV),
        "{outcome:?}"
    );
    assert_eq!(err.summary(), "Python was killed by signal SIGSEGV during the export");
    assert_contains(
        &err.to_string(),
        &[
            "was killed by signal SIGSEGV before the export of path",
            "The interpreter crashed",
            "Fatal Python error: Segmentation fault",
            "errors/segfault.py\", line 5 in <module>",
        ],
    );
}

/// A directory with a `sitecustomize.py` that makes the interpreter report `version_info`.
fn python_reporting_version(version_info: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("sitecustomize.py"),
        format!("import sys\nsys.version_info = {version_info}\n"),
    )
    .expect("write sitecustomize.py");
    dir
}

#[tokio::test]
async fn a_python_too_old_is_recognised_by_its_version() {
    // The bootstrap checks sys.version_info before anything else runs.
    let site = python_reporting_version("(3, 6, 15, 'final', 0)");
    let mut request = module("app.models", "sqlite");
    request.env = BTreeMap::from([("PYTHONPATH".to_string(), site.path().display().to_string())]);
    let err = export_err(&request).await;
    let ExportError::UnsupportedPython { version, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(version, "3.6.15");
    assert_eq!(err.summary(), "Python 3.6.15 is too old for the export");
    assert_contains(
        &err.to_string(),
        &[
            &test_python(),
            "is Python 3.6.15",
            "needs Python 3.7 or newer",
            "Set `python`",
        ],
    );

    // The oldest supported version passes the check (and exports).
    let site = python_reporting_version("(3, 7, 0, 'final', 0)");
    request.env = BTreeMap::from([("PYTHONPATH".to_string(), site.path().display().to_string())]);
    assert_eq!(export_ok(&request).await.tables, ["audit_log", "posts", "users"]);
}

/// Real interpreters older than 3.7: `TFALCHEMY_TEST_OLD_PYTHONS` (a PATH-style list), else
/// the 2.x and 3.0–3.6 versions pyenv has installed.
fn old_pythons() -> Vec<PathBuf> {
    if let Some(list) = std::env::var_os("TFALCHEMY_TEST_OLD_PYTHONS") {
        return std::env::split_paths(&list).collect();
    }
    let root = std::env::var_os("PYENV_ROOT")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".pyenv")));
    let Some(Ok(versions)) = root.map(|root| std::fs::read_dir(root.join("versions"))) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = versions
        .flatten()
        .filter(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let mut parts = name.split('.').map(|part| part.parse::<u32>().ok());
            matches!(
                (parts.next(), parts.next()),
                (Some(Some(2)), _) | (Some(Some(3)), Some(Some(0..=6)))
            )
        })
        .map(|entry| entry.path().join("bin/python"))
        .filter(|python| python.exists())
        .collect();
    found.sort();
    found
}

#[tokio::test]
async fn real_old_interpreters_are_recognised_by_their_version() {
    let pythons = old_pythons();
    if pythons.is_empty() {
        eprintln!("no Python older than 3.7 found (set TFALCHEMY_TEST_OLD_PYTHONS); the version check is covered by a_python_too_old_is_recognised_by_its_version");
    }
    for python in pythons {
        let mut request = module("app.models", "sqlite");
        request.python = python.display().to_string();
        let err = export_err(&request).await;
        let ExportError::UnsupportedPython { version, .. } = &err else {
            panic!("{}: {err:?}", python.display())
        };
        assert!(
            version.starts_with("2.") || version.starts_with("3."),
            "{}: {version}",
            python.display()
        );
        assert_contains(&err.to_string(), &["needs Python 3.7 or newer"]);
    }
}

#[tokio::test]
async fn models_closing_the_result_channel_are_told_so() {
    let err = export_err(&path("errors/closes_descriptors.py", "sqlite")).await;
    let ExportError::InterpreterFailed { outcome, stderr, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(*outcome, ProcessOutcome::Exited(70));
    assert_contains(
        &stderr.text(),
        &["cannot send the result on file descriptor", "os.closerange"],
    );
}

// ---------------------------------------------------------------------------------------------
// Output: the result is never confused with the models' output, and output is bounded

#[tokio::test]
async fn whatever_the_models_write_to_stdout_does_not_disturb_the_result() {
    let export = export_ok(&path("errors/stdout_noise.py", "sqlite")).await;
    assert_eq!(export.tables, ["quiet"]);
    assert!(!export.sql.contains("on import"), "{}", export.sql);
}

#[tokio::test]
async fn a_model_flooding_stderr_is_stopped_at_the_limit() {
    let limits = ExportLimits {
        max_stderr_bytes: 1024 * 1024,
        ..ExportLimits::default()
    };
    let started = Instant::now();
    let err = exporter::export_with_limits(&path("errors/stderr_flood.py", "sqlite"), limits)
        .await
        .expect_err("must be stopped");
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "took {:?}",
        started.elapsed()
    );
    let ExportError::StderrTooLarge { stderr, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(stderr.truncated);
    assert!(stderr
        .lines
        .iter()
        .all(|line| line.starts_with("debug: xxx") || line.is_empty()));
    assert!(stderr.text().len() <= 4096, "the quoted tail is bounded");
    assert_eq!(err.summary(), "The models wrote more than 1 MiB to standard error");
    assert_contains(
        &err.to_string(),
        &[
            "errors/stderr_flood.py",
            "wrote more than 1 MiB to standard error",
            "The last lines",
        ],
    );
}

#[tokio::test]
async fn a_result_over_the_limit_is_refused() {
    let limits = ExportLimits {
        max_result_bytes: 1024,
        ..ExportLimits::default()
    };
    let err = exporter::export_with_limits(&module("app.models", "postgresql"), limits)
        .await
        .expect_err("the app's result is larger than 1 KiB");
    assert!(matches!(err, ExportError::ResultTooLarge { .. }), "{err:?}");
    assert_contains(&err.to_string(), &["module app.models", "is larger than 1 KiB"]);
}

#[tokio::test]
async fn hanging_import_times_out() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut request = module("app.models", "sqlite");
    request.python = fake_interpreter(dir.path(), "echo 'connecting to the database' >&2; exec sleep 30");
    let started = Instant::now();
    let err = exporter::export_with_timeout(&request, Duration::from_secs(1))
        .await
        .expect_err("must time out");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    assert!(matches!(err, ExportError::Timeout { .. }), "{err:?}");
    assert_eq!(err.summary(), "The export did not finish within 1 s");
    assert_contains(
        &err.to_string(),
        &["did not finish within 1 s", "connecting to the database"],
    );
}

#[tokio::test]
async fn missing_models_path_is_reported_before_python_runs() {
    let mut request = path("does/not/exist", "sqlite");
    request.python = "/nonexistent/python".into();
    let err = export_err(&request).await;
    assert!(matches!(err, ExportError::SourceNotFound { .. }), "{err:?}");
    assert_contains(&err.to_string(), &["does/not/exist does not exist"]);
}

// ---------------------------------------------------------------------------------------------
// Processes the models start do not outlive the export

/// `relative` under the fixtures, exporting for sqlite, recording its processes in `pids`.
fn recording(pids: &PidFile, relative: &str) -> ExportRequest {
    let mut request = path(relative, "sqlite");
    request.env = BTreeMap::from([(PID_FILE_ENV.to_string(), pids.path().display().to_string())]);
    request
}

#[tokio::test]
async fn a_child_started_at_import_does_not_outlive_a_successful_export() {
    let pids = PidFile::new();
    let export = export_ok(&recording(&pids, "processes/child_at_import.py")).await;
    assert_eq!(export.tables, ["jobs"]);
    assert_gone("the child", &[pids.pid("child")]);
    assert_gone("the interpreter", &[pids.pid("interpreter")]);
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_daemon_started_at_import_neither_outlives_the_export_nor_holds_it_up() {
    let pids = PidFile::new();
    let started = Instant::now();
    // The daemon keeps the interpreter's stdout and stderr open in another session.
    let export = export_ok(&recording(&pids, "processes/daemon_at_import.py")).await;
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(export.tables, ["daemons"]);
    assert_gone("the daemon", &[pids.pid("daemon")]);
}

#[tokio::test]
async fn children_are_killed_when_the_import_fails() {
    let pids = PidFile::new();
    let err = export_err(&recording(&pids, "processes/child_then_raise.py")).await;
    assert!(matches!(err, ExportError::ImportFailed { .. }), "{err:?}");
    assert_gone("the child", &[pids.pid("child")]);
}

#[tokio::test]
async fn children_are_killed_when_the_export_times_out() {
    let pids = PidFile::new();
    let err = exporter::export_with_timeout(
        &recording(&pids, "processes/child_then_hang.py"),
        Duration::from_secs(3),
    )
    .await
    .expect_err("must time out");
    assert!(matches!(err, ExportError::Timeout { .. }), "{err:?}");
    assert_contains(&err.to_string(), &["waiting for the database"]);
    assert_gone("the child", &[pids.pid("child")]);
    assert_gone("the interpreter", &[pids.pid("interpreter")]);
}

#[tokio::test]
async fn children_are_killed_when_the_export_is_cancelled() {
    let pids = PidFile::new();
    let request = recording(&pids, "processes/child_then_hang.py");
    let export = exporter::export(&request);
    let child_started = async {
        while pids.pids("child").is_empty() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    // StopProvider drops the export's future like this.
    tokio::select! {
        result = export => panic!("the export ended: {result:?}"),
        () = child_started => {}
    }
    assert_gone("the child", &[pids.pid("child")]);
    assert_gone("the interpreter", &[pids.pid("interpreter")]);
}

/// What a provider killed with SIGKILL leaves: a process whose marker names a provider that is
/// gone, in a session of its own. The next export sweeps it.
#[cfg(target_os = "linux")]
#[tokio::test]
async fn the_next_export_sweeps_processes_left_by_a_killed_provider() {
    let mut gone = std::process::Command::new("true").spawn().expect("run true");
    let dead_pid = gone.id();
    gone.wait().expect("reap true");
    let namespace = std::fs::read_link("/proc/self/ns/pid").expect("pid namespace");
    let namespace = namespace.to_string_lossy();
    let namespace = namespace.trim_start_matches("pid:[").trim_end_matches(']');
    let mut orphan = std::process::Command::new("setsid")
        .args(["sleep", "1000"])
        .env("TFALCHEMY_EXPORT_RUN", format!("{namespace}.{dead_pid}.1.0"))
        .spawn()
        .expect("run setsid sleep");
    // Once `setsid` has become `sleep`: a process in the middle of exec shows no environment.
    let comm = format!("/proc/{}/comm", orphan.id());
    let started = Instant::now();
    while std::fs::read_to_string(&comm).unwrap_or_default().trim() != "sleep" {
        assert!(started.elapsed() < Duration::from_secs(10), "setsid never ran sleep");
        std::thread::sleep(Duration::from_millis(10));
    }

    export_ok(&path("reporting.py", "sqlite")).await;
    let started = Instant::now();
    let status = loop {
        if let Some(status) = orphan.try_wait().expect("wait for the orphan") {
            break status;
        }
        if started.elapsed() > Duration::from_secs(10) {
            let _ = orphan.kill();
            panic!("the export did not sweep the orphan");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(libc::SIGKILL)
    );
}

// ---------------------------------------------------------------------------------------------
// Cache

/// A writable copy of the `app` package in its own working directory.
fn copy_of_app() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    copy_tree(&fixtures().join("app"), &dir.path().join("app"));
    dir
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read fixture dir").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            if entry.file_name() != "__pycache__" {
                copy_tree(&entry.path(), &target);
            }
        } else {
            std::fs::copy(entry.path(), &target).expect("copy fixture");
        }
    }
}

fn cached_request(work: &Path, cache: &Path) -> ExportRequest {
    let mut request = module("app.models", "postgresql");
    request.working_dir = Some(work.to_path_buf());
    request.cache = CacheMode::Enabled {
        dir: cache.to_path_buf(),
    };
    request
}

#[tokio::test]
async fn unchanged_models_come_from_the_cache_and_an_edit_is_a_miss() {
    let work = copy_of_app();
    let cache = tempfile::tempdir().expect("temp dir");
    let request = cached_request(work.path(), cache.path());

    let cold = export_ok(&request).await;
    assert!(!cold.from_cache);
    let warm = export_ok(&request).await;
    assert!(warm.from_cache, "second export must come from the cache");
    assert_eq!(
        Export {
            from_cache: false,
            ..warm.clone()
        },
        cold
    );

    // Editing a model file: a miss, and the new column is there.
    let users = work.path().join("app/models/users.py");
    let source = std::fs::read_to_string(&users).expect("read users.py");
    let edited = source.replace(
        "    status = Column(",
        "    nickname = Column(String(40))\n    status = Column(",
    );
    assert_ne!(source, edited);
    std::fs::write(&users, edited).expect("write users.py");
    let after_edit = export_ok(&request).await;
    assert!(
        !after_edit.from_cache,
        "an edited model file must not be served from the cache"
    );
    assert_contains(&after_edit.sql, &["nickname VARCHAR(40)"]);
    assert!(export_ok(&request).await.from_cache);

    // A new file in the package, even one nothing imports yet: a miss.
    std::fs::write(work.path().join("app/models/tags.py"), "TAGS = []\n").expect("write tags.py");
    assert!(
        !export_ok(&request).await.from_cache,
        "a new file under the package must be a miss"
    );
    assert!(export_ok(&request).await.from_cache);
}

/// An export of the models file or directory `models`, run in `work`, cached in `cache`.
fn cached_path_request(models: &Path, work: &Path, cache: &Path, dialect: &str) -> ExportRequest {
    let mut request = request(ModelSource::Path(models.to_path_buf()), dialect);
    request.working_dir = Some(work.to_path_buf());
    request.cache = CacheMode::Enabled {
        dir: cache.to_path_buf(),
    };
    request
}

/// The export of `request` made afresh, without the cache.
async fn fresh_export(request: &ExportRequest) -> Export {
    let mut uncached = request.clone();
    uncached.cache = CacheMode::Disabled;
    export_ok(&uncached).await
}

/// The first `-- model: …` annotation line of `sql`.
fn model_annotation(sql: &str, class: &str) -> String {
    let prefix = format!("-- model: {class} (");
    sql.lines()
        .find(|line| line.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no annotation for {class} in:\n{sql}"))
        .to_string()
}

#[tokio::test]
async fn an_edit_that_changes_no_syntax_reuses_the_export_with_its_lines_moved() {
    let work = copy_of_app();
    let cache = tempfile::tempdir().expect("temp dir");
    let request = cached_request(work.path(), cache.path());
    let cold = export_ok(&request).await;
    assert!(!cold.from_cache);
    assert_eq!(
        model_annotation(&cold.sql, "app.models.users.User"),
        "-- model: app.models.users.User (app/models/users.py:6)"
    );

    // Comments, blank lines and another layout: the same program.
    let users = work.path().join("app/models/users.py");
    let source = std::fs::read_to_string(&users).expect("read users.py");
    let edited = format!("# Users of the app.\n# Two lines of comment.\n\n{source}")
        .replace("    email = Column(", "    # the login\n    email = Column(\n        ")
        .replace("    __table_args__ = (", "\n    __table_args__ = (  # indexes");
    std::fs::write(&users, &edited).expect("write users.py");

    let reused = export_ok(&request).await;
    assert!(
        reused.from_cache,
        "an edit that changes no syntax must reuse the export"
    );
    let fresh = fresh_export(&request).await;
    assert_eq!(
        Export {
            from_cache: false,
            ..reused.clone()
        },
        fresh,
        "the reused export must be what an export makes now"
    );
    assert_eq!(
        model_annotation(&reused.sql, "app.models.users.User"),
        "-- model: app.models.users.User (app/models/users.py:9)"
    );
    let user_source = reused
        .sources
        .iter()
        .find(|s| s.table == "users")
        .expect("users source");
    assert_eq!(
        (user_source.file.as_str(), user_source.line),
        ("app/models/users.py", 9)
    );
    // Three lines above the class, and a comment line above `email`.
    for column in [
        "-- model-column: id (app/models/users.py:12)",
        "-- model-column: email (app/models/users.py:14)",
    ] {
        assert!(reused.sql.contains(column), "{column} in:\n{}", reused.sql);
    }

    // The entry now describes the edited file: the next export is a plain hit.
    assert!(export_ok(&request).await.from_cache);

    // A docstring is part of the program: the export runs.
    std::fs::write(
        &users,
        edited.replace("class User(Base):\n", "class User(Base):\n    \"\"\"A user.\"\"\"\n"),
    )
    .expect("write users.py");
    let documented = export_ok(&request).await;
    assert!(!documented.from_cache, "a docstring edit must run the export");
    assert_eq!(documented.sql, fresh_export(&request).await.sql);

    // A file that no longer parses is exported, so its error is reported.
    std::fs::write(&users, format!("# broken\n{source}class Broken(\n")).expect("write users.py");
    let error = export_err(&request).await;
    assert!(error.to_string().contains("SyntaxError"), "{error}");
}

/// Classes made by `type()` have no `class` line: their sources say line 1, which cites nothing,
/// so an edit that moves line 1 still reuses the export.
#[tokio::test]
async fn classes_without_a_line_do_not_stop_the_reuse() {
    let work = tempfile::tempdir().expect("temp dir");
    let models = work.path().join("generated.py");
    let source = "\nfrom sqlalchemy import Integer\nfrom sqlalchemy.orm import DeclarativeBase, mapped_column\n\n\n\
                  class Base(DeclarativeBase):\n    pass\n\n\n\
                  for _i in range(3):\n    globals()[\"T%d\" % _i] = type(\"T%d\" % _i, (Base,), {\"__tablename__\": \"t%d\" % _i, \"id\": mapped_column(Integer, primary_key=True)})\n";
    std::fs::write(&models, source).expect("write generated.py");
    let cache = tempfile::tempdir().expect("temp dir");
    let request = cached_path_request(&models, work.path(), cache.path(), "postgresql");
    let cold = export_ok(&request).await;
    assert_eq!(cold.tables, ["t0", "t1", "t2"]);
    assert!(cold.sources.iter().all(|s| s.line == 1), "{:?}", cold.sources);

    std::fs::write(&models, format!("# generated tables{source}")).expect("write generated.py");
    let reused = export_ok(&request).await;
    assert!(reused.from_cache, "line 1 of a class without a line cites nothing");
    assert_eq!(
        Export {
            from_cache: false,
            ..reused
        },
        fresh_export(&request).await
    );
}

#[tokio::test]
async fn an_export_whose_warnings_or_duplicates_cite_the_edited_file_runs_again() {
    let work = tempfile::tempdir().expect("temp dir");
    let models = work.path().join("duplicates.py");
    std::fs::copy(fixtures().join("duplicates.py"), &models).expect("copy duplicates.py");
    let cache = tempfile::tempdir().expect("temp dir");
    let request = cached_path_request(&models, work.path(), cache.path(), "sqlite");
    let cold = export_ok(&request).await;
    let cited = |export: &Export| {
        export
            .duplicates
            .iter()
            .flat_map(|d| d.declarations.clone())
            .collect::<Vec<_>>()
    };
    assert!(cited(&cold).contains(&"Index('ix_gadgets_label') on table gadgets at duplicates.py:28".to_string()));

    let source = std::fs::read_to_string(&models).expect("read duplicates.py");
    std::fs::write(&models, format!("# moved down a line\n{source}")).expect("write duplicates.py");
    let after = export_ok(&request).await;
    assert!(
        !after.from_cache,
        "duplicates cite the edited file: the export must run"
    );
    assert!(cited(&after).contains(&"Index('ix_gadgets_label') on table gadgets at duplicates.py:29".to_string()));
}

#[tokio::test]
async fn declared_inputs_env_and_dialect_are_part_of_the_key() {
    let work = copy_of_app();
    let cache = tempfile::tempdir().expect("temp dir");
    let request = cached_request(work.path(), cache.path());
    export_ok(&request).await;
    assert!(export_ok(&request).await.from_cache);

    let mut with_input = request.clone();
    with_input.extra_cache_inputs = vec!["settings-v2".into()];
    assert!(!export_ok(&with_input).await.from_cache);

    let mut with_env = request.clone();
    with_env.env = BTreeMap::from([("APP_ENV".to_string(), "test".to_string())]);
    assert!(!export_ok(&with_env).await.from_cache);

    let mut sqlite = request.clone();
    sqlite.dialect = "sqlite".into();
    let sqlite_export = export_ok(&sqlite).await;
    assert!(!sqlite_export.from_cache);
    assert!(!sqlite_export.sql.contains("SERIAL"));
    // The earlier entries are still there.
    assert!(export_ok(&request).await.from_cache);
}

#[tokio::test]
async fn path_sources_are_cached_too() {
    let work = copy_of_app();
    let cache = tempfile::tempdir().expect("temp dir");
    let request = cached_path_request(&work.path().join("app/models"), work.path(), cache.path(), "sqlite");
    assert!(!export_ok(&request).await.from_cache);
    assert!(export_ok(&request).await.from_cache);
    std::fs::remove_file(work.path().join("app/models/audit.py")).expect("remove audit.py");
    std::fs::write(
        work.path().join("app/models/__init__.py"),
        "from . import posts, users  # noqa: F401\nfrom .base import Base  # noqa: F401\n",
    )
    .expect("write __init__.py");
    let export = export_ok(&request).await;
    assert!(!export.from_cache);
    assert_eq!(export.tables, ["posts", "users"]);
}

#[tokio::test]
async fn disabled_cache_never_hits() {
    let request = module("app.models", "sqlite");
    assert_eq!(request.cache, CacheMode::Disabled);
    assert!(!export_ok(&request).await.from_cache);
    assert!(!export_ok(&request).await.from_cache);
}

// ---------------------------------------------------------------------------------------------
// Benchmark: `scripts/bench-export.sh` (or this test with --ignored --nocapture)

/// A module with `count` mapped classes: columns of several types, an index, a foreign key.
fn thousand_classes_module(count: usize) -> String {
    let mut source = String::from(
        "from sqlalchemy import ForeignKey, Index, String, Text, func\n\
         from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n\n\n\
         class Base(DeclarativeBase):\n    pass\n",
    );
    for i in 0..count {
        let parent = if i == 0 {
            String::new()
        } else {
            format!(
                "    parent_id: Mapped[int] = mapped_column(ForeignKey(\"table_{:04}.id\"), index=True)\n",
                i - 1
            )
        };
        source.push_str(&format!(
            "\n\nclass Model{i:04}(Base):\n    __tablename__ = \"table_{i:04}\"\n    \
             __table_args__ = (Index(\"ix_table_{i:04}_name_created\", \"name\", \"created_at\"),)\n\n    \
             id: Mapped[int] = mapped_column(primary_key=True)\n    \
             name: Mapped[str] = mapped_column(String(100))\n    \
             body: Mapped[str] = mapped_column(Text, server_default=\"\")\n    \
             created_at = mapped_column(server_default=func.now(), type_=String(40))\n{parent}"
        ));
    }
    source
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

#[tokio::test]
#[ignore = "benchmark: run with scripts/bench-export.sh"]
async fn bench_export_1000_classes() {
    const RUNS: usize = 3;
    let work = tempfile::tempdir().expect("temp dir");
    std::fs::write(work.path().join("bench_models.py"), thousand_classes_module(1000)).expect("write models");
    let cache = tempfile::tempdir().expect("temp dir");
    let mut request = module("bench_models", "postgresql");
    request.working_dir = Some(work.path().to_path_buf());

    let mut cold = Vec::new();
    let mut reference = None;
    for _ in 0..RUNS {
        request.cache = CacheMode::Disabled;
        let started = Instant::now();
        let export = export_ok(&request).await;
        cold.push(started.elapsed());
        assert_eq!(export.tables.len(), 1000);
        reference.get_or_insert(export.sql);
    }
    request.cache = CacheMode::Enabled {
        dir: cache.path().to_path_buf(),
    };
    export_ok(&request).await;
    let mut warm = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        let export = export_ok(&request).await;
        warm.push(started.elapsed());
        assert!(export.from_cache);
        assert_eq!(Some(&export.sql), reference.as_ref());
    }
    println!("| export of 1,000 mapped classes (postgresql) | median of {RUNS} |");
    println!("|---|---|");
    println!("| cold (Python + SQLAlchemy) | {:.3} s |", median(cold).as_secs_f64());
    println!("| warm (cache hit, no Python) | {:.3} s |", median(warm).as_secs_f64());
}

// ---------------------------------------------------------------------------------------------
// Annotations: model sources and `info={"renamed_from": ...}`

#[tokio::test]
async fn renamed_from_and_model_sources_become_annotations_the_engine_reads() {
    let mut interpreters = vec![test_python()];
    interpreters.extend(test_python_14());
    for python in interpreters {
        let mut request = module("renamed", "postgresql");
        request.python = python;
        let export = export_ok(&request).await;
        assert_contains(
            &export.sql,
            &[
                "-- model: renamed.Member (renamed.py:10)\n-- model-column: id (renamed.py:14)\n\
                 -- model-column: mail (renamed.py:15)\n-- model-column: name (renamed.py:16)\n\
                 -- renamed_from: users\nCREATE TABLE \"Members\" (\n",
                "\n\t-- renamed_from: \"E-Mail\"\n\tmail VARCHAR NOT NULL,",
                "-- model: renamed.history (renamed.py:19)\n-- model-column: id (renamed.py:22)\n\
                 -- model-column: at (renamed.py:23)\nCREATE TABLE history (\n",
                "\n\t-- renamed_from: \"Created\"\n\tat VARCHAR,",
            ],
        );
        let annotations = engine::annotations::read(Dialect::Postgres, &export.sql).expect("annotations");
        assert_eq!(annotations.renamed_tables["public.\"Members\""], "public.users");
        assert_eq!(annotations.renamed_columns["public.\"Members\""]["mail"], "E-Mail");
        assert_eq!(annotations.renamed_columns["public.history"]["at"], "Created");
        assert_eq!(annotations.sources["public.\"Members\""].location, "renamed.py:10");
        assert_eq!(annotations.sources["public.history"].model, "renamed.history");
        assert_eq!(
            annotations.column_sources["public.\"Members\""]["mail"],
            "renamed.py:15"
        );
    }
}

#[tokio::test]
async fn columns_name_the_line_that_declares_them_in_the_class_a_mixin_a_base_or_a_table_call() {
    let mut interpreters = vec![test_python()];
    interpreters.extend(test_python_14());
    for python in interpreters {
        let mut request = module("column_lines.legacy", "sqlite");
        request.python = python.clone();
        let export = export_ok(&request).await;
        assert_contains(
            &export.sql,
            &[
                // The class's attributes (`email` maps column `email_address`), the mixin's
                // column and `declared_attr`, a single-table subclass's column.
                "-- model: column_lines.legacy.Account (column_lines/legacy.py:11)\n",
                "-- model-column: id (column_lines/legacy.py:14)\n",
                "-- model-column: email_address (column_lines/legacy.py:16)\n",
                "-- model-column: created_at (column_lines/mixins.py:6)\n",
                "-- model-column: note (column_lines/mixins.py:9)\n",
                "-- model-column: invited_by (column_lines/legacy.py:33)\n",
                // Joined inheritance: the subclass's own table, its own `id`.
                "-- model: column_lines.legacy.Admin (column_lines/legacy.py:22)\n\
                 -- model-column: id (column_lines/legacy.py:25)\n\
                 -- model-column: level (column_lines/legacy.py:26)\n\
                 CREATE TABLE admins (",
                // `__table__ = Table(...)` and a Core table: the Column(...) calls.
                "-- model-column: code (column_lines/legacy.py:43)\nCREATE TABLE legacy (",
                "-- model-column: id (column_lines/legacy.py:52)\n\
                 -- model-column: payload (column_lines/legacy.py:53)\n\
                 CREATE TABLE events (",
            ],
        );
        let annotations = engine::annotations::read(Dialect::Sqlite, &export.sql).expect("annotations");
        assert_eq!(
            annotations.column_sources["accounts"]["created_at"],
            "column_lines/mixins.py:6"
        );
        assert_eq!(
            annotations.column_sources["events"]["payload"],
            "column_lines/legacy.py:53"
        );
        // SQLite keeps a CREATE TABLE's text from `CREATE` on: nothing of the annotations in it.
        let create = &export.sql[statement_starting(&export.sql, "CREATE TABLE accounts")..];
        let create = &create[..create.find(';').unwrap()];
        assert!(!create.contains("--"), "{create}");
        if python != test_python() {
            continue;
        }
        // SQLAlchemy 2's annotated declarations, `Mapped[...]` alone included.
        let export = export_ok(&module("column_lines.modern", "postgresql")).await;
        assert_contains(
            &export.sql,
            &[
                "-- model: column_lines.modern.Member (column_lines/modern.py:15)\n\
                 -- model-column: id (column_lines/modern.py:18)\n\
                 -- model-column: email (column_lines/modern.py:19)\n\
                 -- model-column: nickname (column_lines/modern.py:20)\n\
                 -- model-column: created_at (column_lines/mixins.py:6)\n",
                "-- model-column: member_id (column_lines/modern.py:27)\nCREATE TABLE badges (",
            ],
        );
    }
}
