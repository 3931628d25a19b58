//! Generated columns (VIRTUAL and STORED) and `WITHOUT ROWID` / `STRICT`
//! tables are managed: inspected, diffed, planned (in place where SQLite's
//! ALTER TABLE can, by a rebuild where it cannot) and converged, with quoted
//! mixed-case names.

use tfalchemy::engine::{HazardKind, Plan};

use super::{converge, converge_on, Case, Db};

/// `Orders` with rows; its generated columns are what the cases change.
const ORDERS: &str = "CREATE TABLE \"Orders\" (\"Id\" INTEGER PRIMARY KEY, \"Price\" REAL NOT NULL, \"Qty\" INTEGER);";
const ORDER_ROWS: &str = "INSERT INTO \"Orders\" VALUES (1, 2.5, 4), (2, 10, NULL);";

fn hazard_kinds(plan: &Plan, sql_prefix: &str) -> Vec<HazardKind> {
    plan.statements
        .iter()
        .filter(|s| s.sql.starts_with(sql_prefix))
        .flat_map(|s| s.hazards.iter().map(|h| h.kind))
        .collect()
}

fn rebuilds(plan: &Plan) -> bool {
    plan.statements.iter().any(|s| s.sql.starts_with("INSERT INTO"))
}

/// Converges `case` on a database the test then reads.
async fn converged(case: &Case) -> (Plan, Db) {
    let db = Db::new();
    let plan = converge_on(&db, case).await;
    (plan, db)
}

#[tokio::test]
async fn a_virtual_generated_column_is_added_in_place() {
    let (plan, db) = converged(&Case {
        name: "virtual generated column added",
        current: ORDERS,
        seed: ORDER_ROWS,
        desired: "CREATE TABLE \"Orders\" (\"Id\" INTEGER PRIMARY KEY, \"Price\" REAL NOT NULL, \"Qty\" INTEGER,\
                  \"Total\" REAL GENERATED ALWAYS AS (\"Price\" * coalesce(\"Qty\", 1)) VIRTUAL);\
                  CREATE INDEX \"ix_Orders_Total\" ON \"Orders\" (\"Total\");",
        kept: &[("Orders", "Price"), ("Orders", "Qty")],
    })
    .await;
    assert!(!rebuilds(&plan), "{:#?}", plan.sql());
    assert_eq!(
        plan.sql()[0],
        "ALTER TABLE \"Orders\" ADD COLUMN \"Total\" REAL GENERATED ALWAYS AS (\"Price\" * coalesce(\"Qty\", 1)) VIRTUAL"
    );
    assert_eq!(
        db.column_values("Orders", "Total").await,
        vec![Some("10.0".into()), Some("10.0".into())]
    );
}

#[tokio::test]
async fn a_stored_generated_column_is_added_by_a_rebuild() {
    let (plan, db) = converged(&Case {
        name: "stored generated column added",
        current: ORDERS,
        seed: ORDER_ROWS,
        desired: "CREATE TABLE \"Orders\" (\"Id\" INTEGER PRIMARY KEY, \"Price\" REAL NOT NULL, \"Qty\" INTEGER,\
                  \"Label\" TEXT AS ('#' || \"Id\") STORED NOT NULL);",
        kept: &[("Orders", "Id"), ("Orders", "Price"), ("Orders", "Qty")],
    })
    .await;
    assert!(rebuilds(&plan), "{:#?}", plan.sql());
    let copy = plan
        .sql()
        .into_iter()
        .find(|s| s.starts_with("INSERT INTO"))
        .expect("a copy");
    assert!(!copy.contains("Label"), "a generated column takes no values: {copy}");
    assert!(hazard_kinds(&plan, "INSERT INTO").contains(&HazardKind::MayFailOnExistingRows));
    assert_eq!(
        db.column_values("Orders", "Label").await,
        vec![Some("#1".into()), Some("#2".into())]
    );
}

#[tokio::test]
async fn a_changed_expression_or_storage_rebuilds_and_a_dropped_generated_column_loses_nothing() {
    let current = "CREATE TABLE \"Orders\" (\"Id\" INTEGER PRIMARY KEY, \"Price\" REAL NOT NULL, \"Qty\" INTEGER,\
                   \"Total\" REAL GENERATED ALWAYS AS (\"Price\" * \"Qty\"),\
                   \"Gone\" TEXT AS (upper('x')) STORED);";
    let (plan, db) = converged(&Case {
        name: "generated expression and storage changed",
        current,
        seed: ORDER_ROWS,
        desired: "CREATE TABLE \"Orders\" (\"Id\" INTEGER PRIMARY KEY, \"Price\" REAL NOT NULL, \"Qty\" INTEGER,\
                  \"Total\" REAL GENERATED ALWAYS AS (\"Price\" * coalesce(\"Qty\", 0)) STORED);",
        kept: &[("Orders", "Price"), ("Orders", "Qty")],
    })
    .await;
    assert!(rebuilds(&plan), "{:#?}", plan.sql());
    assert!(
        !plan
            .statements
            .iter()
            .flat_map(|s| &s.hazards)
            .any(|h| h.kind == HazardKind::DropsColumn),
        "{:#?}",
        plan.statements
    );
    assert_eq!(
        db.column_values("Orders", "Total").await,
        vec![Some("10.0".into()), Some("0.0".into())]
    );

    // Only a generated column dropped: in place.
    let plan = converge(&Case {
        name: "generated column dropped",
        current,
        seed: ORDER_ROWS,
        desired: "CREATE TABLE \"Orders\" (\"Id\" INTEGER PRIMARY KEY, \"Price\" REAL NOT NULL, \"Qty\" INTEGER,\
                  \"Total\" REAL GENERATED ALWAYS AS (\"Price\" * \"Qty\"));",
        kept: &[("Orders", "Price"), ("Orders", "Total")],
    })
    .await;
    assert_eq!(
        plan.sql(),
        vec!["ALTER TABLE \"Orders\" DROP COLUMN \"Gone\"".to_string()]
    );
    assert!(
        plan.statements[0].hazards.is_empty(),
        "{:?}",
        plan.statements[0].hazards
    );
}

#[tokio::test]
async fn a_column_becomes_generated_and_another_stops_being_generated() {
    converge(&Case {
        name: "generated to plain and back",
        current: "CREATE TABLE \"Mixed\" (\"Id\" INTEGER PRIMARY KEY, \"A\" TEXT, \"B\" TEXT AS (lower(\"A\")), \"C\" TEXT);",
        seed: "INSERT INTO \"Mixed\" (\"Id\", \"A\", \"C\") VALUES (1, 'X', 'c1'), (2, 'Y', 'c2');",
        desired: "CREATE TABLE \"Mixed\" (\"Id\" INTEGER PRIMARY KEY, \"A\" TEXT, \"B\" TEXT, \"C\" TEXT AS (\"A\" || '!') STORED);",
        // B keeps the values it computed; C is computed anew.
        kept: &[("Mixed", "A"), ("Mixed", "B")],
    })
    .await;
}

#[tokio::test]
async fn a_table_becomes_without_rowid_and_strict_and_back() {
    let rowid = "CREATE TABLE \"KeyValue\" (\"Key\" TEXT PRIMARY KEY, \"Val\" BLOB, \"N\" INTEGER);";
    // In key order, which is the rowid order too.
    let rows = "INSERT INTO \"KeyValue\" VALUES ('B', NULL, 2), ('a', x'01', 1);";
    let without_rowid =
        "CREATE TABLE \"KeyValue\" (\"Key\" TEXT PRIMARY KEY, \"Val\" BLOB, \"N\" INTEGER) WITHOUT ROWID, STRICT;";
    let kept: &[(&str, &str)] = &[("KeyValue", "Key"), ("KeyValue", "Val"), ("KeyValue", "N")];
    let plan = converge(&Case {
        name: "rowid table becomes WITHOUT ROWID and STRICT",
        current: rowid,
        seed: rows,
        desired: without_rowid,
        kept,
    })
    .await;
    let copy = hazard_kinds(&plan, "INSERT INTO");
    assert!(
        copy.contains(&HazardKind::CastMayFail),
        "STRICT checks every value: {copy:?}"
    );
    assert!(
        copy.contains(&HazardKind::MayFailOnExistingRows),
        "the key becomes NOT NULL: {copy:?}"
    );
    converge(&Case {
        name: "WITHOUT ROWID and STRICT table becomes a rowid table",
        current: without_rowid,
        seed: rows,
        desired: rowid,
        kept,
    })
    .await;
}

#[tokio::test]
async fn generated_columns_in_strict_without_rowid_tables_are_created() {
    converge(&Case {
        name: "created with every kind",
        current: "",
        seed: "",
        desired: "CREATE TABLE \"Shape\" (\"W\" INT NOT NULL, \"H\" INT NOT NULL,\
                  \"Area\" INT GENERATED ALWAYS AS (\"W\" * \"H\") STORED,\
                  \"Perimeter\" INT AS (2 * (\"W\" + \"H\")) VIRTUAL,\
                  PRIMARY KEY (\"W\", \"H\")) STRICT, WITHOUT ROWID;\
                  CREATE INDEX \"ix_Shape_Area\" ON \"Shape\" (\"Area\") WHERE \"Perimeter\" > 10;",
        kept: &[],
    })
    .await;
}
