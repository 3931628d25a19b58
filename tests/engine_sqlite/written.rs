//! Defaults, checks, index expressions, views and triggers are compared in a
//! normalized spelling but (re)created as the desired SQL wrote them, so the
//! database keeps the user's text (and SQLAlchemy's, for exported models).

use tfalchemy::engine::{self, Options, Skip};

use super::{converge, Case, Db};

const WRITTEN: &str = "CREATE TABLE t (
  id INTEGER PRIMARY KEY,
  a TEXT CHECK (substr(a,2) <> 'x'),
  b TEXT DEFAULT (lower( 'X' )),
  c TEXT
);
CREATE INDEX t_a ON t (substr(a,2)) WHERE a IS NOT  NULL;
CREATE VIEW v AS SELECT substr(a,2)   AS s FROM t;
CREATE TRIGGER r AFTER INSERT ON t BEGIN UPDATE t SET c = substr(new.a,2) WHERE id = new.id; END;";

#[tokio::test]
async fn a_rebuild_writes_checks_defaults_indexes_views_and_triggers_as_written() {
    let desired = WRITTEN.replace("  c TEXT\n", "  c VARCHAR(10)\n");
    let plan = converge(&Case {
        name: "rebuild keeps the text",
        current: WRITTEN,
        seed: "INSERT INTO t (id, a) VALUES (1, 'abc');",
        desired: Box::leak(desired.into_boxed_str()),
        kept: &[("t", "a"), ("t", "b")],
    })
    .await;
    assert!(
        plan.sql().iter().any(|s| s.starts_with("INSERT INTO \"t\"")),
        "a rebuild: {:#?}",
        plan.sql()
    );
    let shown = plan.sql().join("\n");
    for written in [
        "CHECK (substr(a,2) <> 'x')",
        "DEFAULT (lower( 'X' ))",
        "(substr(a,2)) WHERE a IS NOT  NULL",
        "CREATE VIEW v AS SELECT substr(a,2)   AS s FROM t",
        "SET c = substr(new.a,2) WHERE",
    ] {
        assert!(shown.contains(written), "{written:?} not in the plan:\n{shown}");
    }
}

#[tokio::test]
async fn the_stored_text_is_the_desired_sqls_after_the_apply() {
    let db = Db::new();
    db.execute(WRITTEN).await;
    let desired = WRITTEN.replace("  c TEXT\n", "  c VARCHAR(10)\n");
    let plan = engine::plan(&db.url, None, &desired).await.expect("plan");
    engine::apply(&db.url, None, &desired, &plan.sql())
        .await
        .expect("apply");
    // The desired statements themselves, without their `;`.
    let statement = |prefix: &str| {
        desired
            .split(";\n")
            .find(|s| s.starts_with(prefix))
            .unwrap_or_else(|| panic!("{prefix}"))
            .to_string()
    };
    assert_eq!(db.stored_sql("t").await, statement("CREATE TABLE t"));
    assert_eq!(
        db.stored_sql("t_a").await,
        "CREATE INDEX t_a ON t (substr(a,2)) WHERE a IS NOT  NULL"
    );
    assert_eq!(
        db.stored_sql("v").await,
        "CREATE VIEW v AS SELECT substr(a,2)   AS s FROM t"
    );
}

/// What SQLAlchemy's `create_all` writes for `server_default=func.now()` and
/// `server_default="0"`, and a check it renders.
const SQLALCHEMY_TABLE: &str = "CREATE TABLE events (
\tid INTEGER NOT NULL, 
\tcreated_at DATETIME DEFAULT (CURRENT_TIMESTAMP), 
\tdone BOOLEAN DEFAULT '0' NOT NULL, 
\tPRIMARY KEY (id), 
\tCONSTRAINT done_flag CHECK (done IN (0, 1))
)";

#[tokio::test]
async fn a_new_table_gets_the_defaults_sqlalchemy_writes() {
    let plan = converge(&Case {
        name: "create_all's defaults",
        current: "",
        seed: "",
        desired: SQLALCHEMY_TABLE,
        kept: &[],
    })
    .await;
    assert_eq!(plan.sql()[0], SQLALCHEMY_TABLE, "create_all's own statement");
}

/// A table the desired statement no longer describes (`skip` keeps a live
/// column in it) is written from the model, its expressions still as written.
#[tokio::test]
async fn a_table_written_from_the_model_keeps_the_expressions_as_written() {
    let db = Db::new();
    db.execute(&WRITTEN.replace("  c TEXT\n", "  c TEXT,\n  legacy TEXT\n"))
        .await;
    let desired = WRITTEN.replace("  c TEXT\n", "  c VARCHAR(10)\n");
    let options = Options {
        skip: Skip::new(&["drops_column"]).expect("skip"),
        ..Options::default()
    };
    let plan = engine::plan_with(&db.url, None, &desired, &options)
        .await
        .expect("plan");
    let create = plan
        .sql()
        .into_iter()
        .find(|s| s.starts_with("CREATE TABLE"))
        .expect("a rebuild");
    assert!(
        create.starts_with("CREATE TABLE \"t\" (\n  \"id\""),
        "from the model: {create}"
    );
    for written in [
        "\"legacy\" TEXT",
        "CHECK (substr(a,2) <> 'x')",
        "DEFAULT (lower( 'X' ))",
    ] {
        assert!(create.contains(written), "{written:?} in {create}");
    }
    let shown = plan.sql().join("\n");
    assert!(
        shown.contains("CREATE INDEX t_a ON t (substr(a,2)) WHERE a IS NOT  NULL"),
        "the index is the desired statement: {shown}"
    );
    engine::apply_with(&db.url, None, &desired, &plan.sql(), &options)
        .await
        .expect("apply");
    assert!(engine::plan_with(&db.url, None, &desired, &options)
        .await
        .expect("replan")
        .is_empty());
}

#[tokio::test]
async fn spelling_an_expression_differently_is_no_change() {
    let db = Db::new();
    db.execute("CREATE TABLE t (a TEXT CHECK (substr(a, 2) <> 'x') DEFAULT (lower('X')));")
        .await;
    let plan = engine::plan(
        &db.url,
        None,
        "CREATE TABLE t (a TEXT CHECK (substr( a,2 )<>'x') DEFAULT (lower(  'X')));",
    )
    .await
    .expect("plan");
    assert!(plan.is_empty(), "{:?}", plan.sql());
}
