//! A database our plan and apply made from exported models stores, in
//! `sqlite_schema`, the same text as one SQLAlchemy's `create_all` made from
//! the same models: for a fresh database, and for tables a change rebuilds
//! (tests/fixtures/models/sqlite_parity: defaults, checks, partial and
//! expression indexes, generated columns, a WITHOUT ROWID STRICT table, a
//! view and a trigger).

use std::path::{Path, PathBuf};
use std::process::Command;

use tfalchemy::engine;
use tfalchemy::exporter::{self, CacheMode, ExportRequest, ModelSource};

use super::{python, Db};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/models/sqlite_parity")
}

/// The models of `module` exported for SQLite, as a user's `desired_sql`.
async fn exported(module: &str) -> String {
    let mut request = ExportRequest::new(ModelSource::Module(module.into()), "sqlite");
    request.python = python::test_python().display().to_string();
    request.working_dir = Some(fixtures());
    request.cache = CacheMode::Disabled;
    exporter::export(&request)
        .await
        .unwrap_or_else(|e| panic!("export of {module}: {e}"))
        .sql
}

/// `metadata.create_all` of `module` on a new database file.
fn created_by_sqlalchemy(module: &str) -> Db {
    let db = Db::new();
    let script = format!(
        "import sys; sys.path.insert(0, sys.argv[1]); import importlib; \
         from sqlalchemy import create_engine; \
         importlib.import_module('{module}').metadata.create_all(create_engine('sqlite:///' + sys.argv[2]))"
    );
    let status = Command::new(python::test_python())
        .args(["-c", &script])
        .arg(fixtures())
        .arg(&db.path)
        .status()
        .expect("python runs");
    assert!(status.success(), "create_all of {module}: {status}");
    db
}

/// Every object's type, name and stored text, by name.
async fn stored(db: &Db) -> Vec<(String, String, Option<String>)> {
    let mut conn = db.connect().await;
    let rows: Vec<(String, String, Option<String>)> =
        sqlx::query_as("SELECT type, name, sql FROM sqlite_schema ORDER BY type, name")
            .fetch_all(&mut conn)
            .await
            .expect("sqlite_schema");
    rows
}

async fn plan_and_apply(db: &Db, desired: &str) -> Vec<String> {
    let plan = engine::plan(&db.url, None, desired).await.expect("plan");
    engine::apply(&db.url, None, desired, &plan.sql()).await.expect("apply");
    assert!(engine::plan(&db.url, None, desired).await.expect("replan").is_empty());
    plan.sql()
}

#[tokio::test]
async fn a_fresh_database_stores_what_create_all_stores() {
    let ours = Db::new();
    plan_and_apply(&ours, &exported("shop_v1").await).await;
    assert_eq!(stored(&ours).await, stored(&created_by_sqlalchemy("shop_v1")).await);
}

#[tokio::test]
async fn rebuilt_tables_store_what_create_all_stores() {
    let ours = created_by_sqlalchemy("shop_v1");
    ours.execute(
        "INSERT INTO \"Customers\" (id, \"Email\") VALUES (1, 'ann@example.com');\
         INSERT INTO orders (id, customer_id, price, qty, note) VALUES (10, 1, 2.5, 2, 'a long note here');",
    )
    .await;
    let sql = plan_and_apply(&ours, &exported("shop_v2").await).await;
    for table in ["\"Customers\"", "\"orders\""] {
        assert!(
            sql.iter().any(|s| s.starts_with(&format!("INSERT INTO {table}"))),
            "{table} is rebuilt: {sql:#?}"
        );
    }
    assert_eq!(stored(&ours).await, stored(&created_by_sqlalchemy("shop_v2")).await);
    assert_eq!(
        ours.column_values("orders", "total").await,
        vec![Some("6".to_string())],
        "the rows stay and the generated column is computed anew (NUMERIC stores 6.0 as 6)"
    );
}
