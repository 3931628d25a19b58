//! SQLite names ignore ASCII case: a table or column whose desired name
//! differs from the live one only in case is renamed, keeping its rows, and
//! references spelled in another case are no change.

use tfalchemy::engine;

use super::{converge, Case, Db};

const LOWER: &str = "CREATE TABLE victims (id INTEGER PRIMARY KEY, note TEXT NOT NULL);
CREATE TABLE child (id INTEGER PRIMARY KEY, victim_id INTEGER REFERENCES victims (id));
CREATE INDEX victims_note ON victims (note);
CREATE VIEW notes AS SELECT note FROM victims;";

const UPPER: &str = "CREATE TABLE VICTIMS (id INTEGER PRIMARY KEY, note TEXT NOT NULL);
CREATE TABLE child (id INTEGER PRIMARY KEY, victim_id INTEGER REFERENCES VICTIMS (id));
CREATE INDEX victims_note ON VICTIMS (note);
CREATE VIEW notes AS SELECT note FROM VICTIMS;";

#[tokio::test]
async fn a_table_renamed_by_case_is_renamed_not_dropped_and_created() {
    let plan = converge(&Case {
        name: "table case",
        current: LOWER,
        seed: "INSERT INTO victims VALUES (1, 'still here'); INSERT INTO child VALUES (1, 1);",
        desired: UPPER,
        kept: &[("victims", "note"), ("child", "victim_id")],
    })
    .await;
    assert_eq!(
        plan.sql(),
        vec![
            r#"DROP VIEW "notes""#,
            r#"ALTER TABLE "victims" RENAME TO "_tfalchemy_renaming_VICTIMS""#,
            r#"ALTER TABLE "_tfalchemy_renaming_VICTIMS" RENAME TO "VICTIMS""#,
            "CREATE VIEW notes AS SELECT note FROM VICTIMS",
        ]
    );
    assert!(
        plan.statements.iter().all(|s| s.hazards.is_empty()),
        "a change of case risks nothing: {:?}",
        plan.statements
    );
}

#[tokio::test]
async fn a_column_renamed_by_case_keeps_its_values() {
    let plan = converge(&Case {
        name: "column case",
        current: "CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT); CREATE INDEX t_note ON t (note);",
        seed: "INSERT INTO t VALUES (1, 'kept');",
        desired: "CREATE TABLE t (id INTEGER PRIMARY KEY, NOTE TEXT); CREATE INDEX t_note ON t (NOTE);",
        kept: &[("t", "note")],
    })
    .await;
    assert_eq!(plan.sql(), vec![r#"ALTER TABLE "t" RENAME COLUMN "note" TO "NOTE""#]);
    assert!(plan.statements[0].hazards.is_empty());
}

#[tokio::test]
async fn a_renamed_from_annotation_may_spell_the_old_name_in_another_case() {
    let plan = converge(&Case {
        name: "annotation case",
        current: "CREATE TABLE users (id INTEGER PRIMARY KEY, mail TEXT);",
        seed: "INSERT INTO users VALUES (1, 'a@example.com');",
        desired: "-- renamed_from: USERS\nCREATE TABLE members (\n  id INTEGER PRIMARY KEY,\n  -- renamed_from: MAIL\n  email TEXT\n);",
        kept: &[],
    })
    .await;
    assert_eq!(
        plan.sql(),
        vec![
            r#"ALTER TABLE "users" RENAME TO "members""#,
            r#"ALTER TABLE "members" RENAME COLUMN "mail" TO "email""#,
        ]
    );
}

#[tokio::test]
async fn references_spelled_in_another_case_are_no_change() {
    let db = Db::new();
    db.execute(
        "CREATE TABLE parent (ID INTEGER PRIMARY KEY);
         CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (ID));",
    )
    .await;
    let desired = "CREATE TABLE parent (ID INTEGER PRIMARY KEY);
CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES PARENT (id));";
    let plan = engine::plan(&db.url, None, desired).await.expect("plan");
    assert!(plan.is_empty(), "{:?}", plan.sql());
}
