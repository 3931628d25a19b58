//! A schema the provider writes stays readable by SQLite 3.40 (Debian 12's
//! sqlite3), which cannot open a file holding a statement its fixed parser
//! stack cannot parse. Where a `sqlite3` 3.40 is on PATH, it checks both
//! sides of the limit; the engine's side is checked everywhere.

use std::path::Path;
use std::process::Command;

use tfalchemy::engine::script::RefusalReason;
use tfalchemy::engine::{self, EngineError};

use super::Db;

/// A CHECK whose expression sits in `depth` parentheses (the CHECK's own included).
fn nested_check(table: &str, depth: usize) -> String {
    format!(
        "CREATE TABLE {table} (a INT CHECK {}a{});",
        "(".repeat(depth),
        ")".repeat(depth)
    )
}

/// The deepest CHECK SQLite 3.40 reads, and one deeper.
const DEEPEST: usize = 92;

/// Whether the system's SQLite 3.40 opens the file and reads its schema;
/// `None` when no `sqlite3` 3.40 is on PATH.
fn sqlite_3_40_opens(path: &Path) -> Option<bool> {
    let version = Command::new("sqlite3").arg("--version").output().ok()?;
    if !String::from_utf8_lossy(&version.stdout).starts_with("3.40.") {
        return None;
    }
    let read = Command::new("sqlite3")
        .arg(path)
        .arg("SELECT count(*) FROM sqlite_schema")
        .output()
        .ok()?;
    Some(read.status.success())
}

#[tokio::test]
async fn the_deepest_check_sqlite_3_40_reads_is_applied_and_one_deeper_is_refused() {
    let db = Db::new();
    let deepest = nested_check("deepest", DEEPEST);
    let plan = engine::plan(&db.url, None, &deepest).await.expect("plan");
    engine::apply(&db.url, None, &deepest, &plan.sql())
        .await
        .expect("apply");

    let deeper = format!("{deepest}\n{}", nested_check("deeper", DEEPEST + 1));
    match engine::plan(&db.url, None, &deeper).await {
        Err(EngineError::RefusedSql { refusals }) => {
            assert_eq!(refusals.len(), 1, "{refusals:?}");
            assert_eq!((refusals[0].index, refusals[0].line), (2, 2));
            assert_eq!(refusals[0].reason, RefusalReason::UnreadableByOlderVersions);
        }
        other => panic!("expected a refusal, got {other:?}"),
    }

    match sqlite_3_40_opens(&db.path) {
        Some(opens) => assert!(opens, "SQLite 3.40 cannot read the schema the provider wrote"),
        None => eprintln!("no sqlite3 3.40 on PATH: the provider's side of the limit only"),
    }
}

/// The evidence for the limit: a file holding the CHECK one level deeper,
/// written by the bundled SQLite directly, is one SQLite 3.40 cannot open.
#[tokio::test]
async fn sqlite_3_40_cannot_open_a_file_holding_one_level_more() {
    let db = Db::new();
    db.execute(&nested_check("deeper", DEEPEST + 1)).await;
    match sqlite_3_40_opens(&db.path) {
        Some(opens) => assert!(!opens, "SQLite 3.40 opened a schema one level deeper than the limit"),
        None => eprintln!("no sqlite3 3.40 on PATH: nothing to compare with"),
    }
}
