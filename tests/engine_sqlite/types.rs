//! Column types reach planned SQL rendered from their parsed form: a usual
//! type bare, any other as one quoted name, never pasted as it came.

use tfalchemy::engine;

use super::Db;

const VICTIMS: &str = "CREATE TABLE victims (id INTEGER PRIMARY KEY, note TEXT NOT NULL);
INSERT INTO victims VALUES (1, 'still here');";

#[tokio::test]
async fn a_type_built_to_inject_sql_is_one_quoted_name_and_deletes_nothing() {
    let db = Db::new();
    db.execute(VICTIMS).await;
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY);").await;
    let desired = "CREATE TABLE victims (id INTEGER PRIMARY KEY, note TEXT NOT NULL);
CREATE TABLE t (id INTEGER PRIMARY KEY, a \"x; DELETE FROM victims; --\");";
    let plan = engine::plan(&db.url, None, desired).await.expect("plan");
    assert_eq!(
        plan.sql(),
        vec![r#"ALTER TABLE "t" ADD COLUMN "a" "x; DELETE FROM victims; --""#]
    );
    assert_eq!(plan.unverified, None);
    engine::apply(&db.url, None, desired, &plan.sql()).await.expect("apply");
    assert_eq!(
        db.column_values("victims", "note").await,
        vec![Some("still here".to_string())]
    );
    let again = engine::plan(&db.url, None, desired).await.expect("replan");
    assert!(again.is_empty(), "{:?}", again.sql());
}

#[tokio::test]
async fn unusual_types_survive_a_rebuild_as_declared() {
    let db = Db::new();
    let current = "CREATE TABLE t (id INTEGER PRIMARY KEY, a \"my type\", b [odd type], c 'str type', d varchar( 10 ), e \"x-y\"(5));";
    db.execute(current).await;
    let desired = current.replace("d varchar( 10 )", "d varchar( 10 ) NOT NULL DEFAULT ''");
    let plan = engine::plan(&db.url, None, &desired).await.expect("plan");
    let create = plan
        .sql()
        .into_iter()
        .find(|s| s.starts_with("CREATE TABLE"))
        .expect("a rebuild");
    assert_eq!(create, desired.trim_end_matches(';'), "the desired statement itself");
    engine::apply(&db.url, None, &desired, &plan.sql())
        .await
        .expect("apply");
    assert!(engine::plan(&db.url, None, &desired).await.expect("replan").is_empty());
}
