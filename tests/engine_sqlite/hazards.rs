//! Hazards on SQLite: each code on the statement it belongs to, and what the
//! data probes find in real rows.

use tfalchemy::engine::{self, EngineError, Options, Plan};

use super::Db;

/// `(statement SQL, code, finding)` for every hazard of `plan`.
fn hazards(plan: &Plan) -> Vec<(String, &'static str, Option<String>)> {
    plan.statements
        .iter()
        .flat_map(|s| {
            s.hazards
                .iter()
                .map(|h| (s.sql.clone(), h.kind.code(), h.finding.clone()))
        })
        .collect()
}

/// The findings of hazards `code` on statements containing `sql`.
fn findings(plan: &Plan, sql: &str, code: &str) -> Vec<Option<String>> {
    hazards(plan)
        .into_iter()
        .filter(|(statement, c, _)| statement.contains(sql) && *c == code)
        .map(|(.., finding)| finding)
        .collect()
}

#[tokio::test]
async fn data_probes_count_the_rows_each_hazard_would_hit() {
    let db = Db::new();
    db.execute(
        "CREATE TABLE parent (id INTEGER PRIMARY KEY);
         CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER, name TEXT, email TEXT, extra TEXT);
         CREATE TABLE archived (id INTEGER);
         CREATE TABLE scratch (id INTEGER);
         CREATE VIEW names AS SELECT name FROM child;
         CREATE TRIGGER child_touch AFTER INSERT ON child BEGIN SELECT 1; END;
         INSERT INTO parent VALUES (1);
         INSERT INTO child VALUES (1, 1, 'ann', 'a@x', 'e'), (2, 7, NULL, 'a@x', NULL), (3, 8, 'cy', 'c@x', 'f');
         INSERT INTO archived VALUES (1), (2), (3);",
    )
    .await;
    let desired = "CREATE TABLE parent (id INTEGER PRIMARY KEY);
                   CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id),
                                       name TEXT NOT NULL CHECK (length(name) > 2), email TEXT);
                   CREATE UNIQUE INDEX child_email ON child (email);";
    let plan = engine::plan(&db.url, None, desired).await.expect("plan");

    assert_eq!(
        findings(&plan, "DROP TABLE \"archived\"", "drops_table"),
        [Some("\"archived\" has 3 rows: lost in the drop".to_string())]
    );
    assert_eq!(
        findings(&plan, "DROP TABLE \"scratch\"", "drops_table"),
        [Some("\"scratch\" is empty now".to_string())]
    );
    assert_eq!(
        findings(&plan, "DROP TABLE \"_tfalchemy_old_child\"", "drops_column"),
        [Some("child.extra has 2 non-NULL values: lost in the drop".to_string())]
    );
    let copy = findings(&plan, "INSERT INTO \"child\"", "may_fail_on_existing_rows");
    for expected in [
        "child.name has 1 NULL value: the copy will fail",
        "child has 1 row violating the check: the copy will fail",
        "child has 2 rows referencing a missing row of \"parent\": the foreign key will fail",
    ] {
        assert!(copy.contains(&Some(expected.to_string())), "{expected}: {copy:#?}");
    }
    assert_eq!(findings(&plan, "INSERT INTO \"child\"", "rebuilds_table").len(), 1);
    assert_eq!(
        findings(&plan, "DROP VIEW \"names\"", "drops_object"),
        [None],
        "{:#?}",
        hazards(&plan)
    );
    assert_eq!(findings(&plan, "DROP TRIGGER \"child_touch\"", "drops_object"), [None]);
}

#[tokio::test]
async fn indexes_on_existing_tables_block_writes_and_count_duplicates() {
    let db = Db::new();
    db.execute(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT);
         INSERT INTO t VALUES (1, 'x', 'p'), (2, 'x', 'q'), (3, 'y', 'q'), (4, 'y', NULL), (5, NULL, NULL);",
    )
    .await;
    let desired = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT, c TEXT);
                   CREATE UNIQUE INDEX t_a ON t (a);
                   CREATE UNIQUE INDEX t_b ON t (b COLLATE NOCASE) WHERE b <> 'p';
                   CREATE UNIQUE INDEX t_c ON t (c);
                   CREATE INDEX t_ab ON t (a, b);";
    let plan = engine::plan(&db.url, None, desired).await.expect("plan");
    assert_eq!(
        findings(&plan, "INDEX t_a ON", "may_fail_on_existing_rows"),
        [Some(
            "t (\"a\") has 2 duplicate values: the unique index will fail".to_string()
        )]
    );
    assert_eq!(
        findings(&plan, "INDEX t_b ON", "may_fail_on_existing_rows"),
        [Some(
            "t (\"b\" COLLATE NOCASE) has 1 duplicate value: the unique index will fail".to_string()
        )]
    );
    // A column this plan adds has nothing to count yet.
    assert_eq!(findings(&plan, "INDEX t_c ON", "may_fail_on_existing_rows"), [None]);
    for index in ["INDEX t_a ON", "INDEX t_b ON", "INDEX t_c ON", "INDEX t_ab ON"] {
        assert_eq!(
            findings(&plan, index, "builds_index_blocking_writes").len(),
            1,
            "{index}"
        );
    }
    assert!(findings(&plan, "INDEX t_ab ON", "may_fail_on_existing_rows").is_empty());
}

#[tokio::test]
async fn a_strict_table_changing_a_column_type_may_fail_the_cast() {
    let db = Db::new();
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, n TEXT) STRICT; INSERT INTO t VALUES (1, 'one');")
        .await;
    let desired = "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER) STRICT;";
    let plan = engine::plan(&db.url, None, desired).await.expect("plan");
    assert_eq!(findings(&plan, "INSERT INTO \"t\"", "cast_may_fail").len(), 1);
    let err = engine::apply(&db.url, None, desired, &plan.sql())
        .await
        .expect_err("'one' is no integer");
    assert!(matches!(err, EngineError::Apply { .. }), "{err}");
}

#[tokio::test]
async fn concurrent_indexes_are_an_error_on_sqlite() {
    let db = Db::new();
    let options = Options {
        concurrent_indexes: true,
        ..Options::default()
    };
    let err = engine::plan_with(&db.url, None, "CREATE TABLE t (a INTEGER);", &options)
        .await
        .expect_err("PostgreSQL only");
    assert!(matches!(err, EngineError::Unsupported { .. }), "{err}");
    assert!(
        err.to_string().contains("`concurrent_indexes` (PostgreSQL only)"),
        "{err}"
    );
}
