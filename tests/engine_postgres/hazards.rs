//! Hazards on PostgreSQL: each code on the statement it belongs to, what the
//! data probes find in real rows, and `concurrent_indexes`.

use sqlx::{Connection, Executor};
use tfalchemy::engine::{self, diff, Options, Plan};

use super::PgDb;

/// `(statement SQL, code, detail, finding)` for every hazard of `plan`.
fn hazards(plan: &Plan) -> Vec<(String, &'static str, String, Option<String>)> {
    plan.statements
        .iter()
        .flat_map(|s| {
            s.hazards
                .iter()
                .map(|h| (s.sql.clone(), h.kind.code(), h.detail.clone(), h.finding.clone()))
        })
        .collect()
}

/// The finding of the one hazard `code` on the statement containing `sql`.
#[track_caller]
fn finding(plan: &Plan, sql: &str, code: &str) -> String {
    let found: Vec<_> = hazards(plan)
        .into_iter()
        .filter(|(statement, c, ..)| statement.contains(sql) && *c == code)
        .collect();
    assert_eq!(found.len(), 1, "one {code} on `{sql}` in:\n{:#?}", hazards(plan));
    found[0]
        .3
        .clone()
        .unwrap_or_else(|| panic!("no finding for {code} on `{sql}`"))
}

/// The column the hazard `code` on the statement containing `sql` is about.
#[track_caller]
fn column_of(plan: &Plan, sql: &str, code: &str) -> Option<String> {
    let statement = plan.statements.iter().find(|s| s.sql.contains(sql));
    let hazard = statement.and_then(|s| s.hazards.iter().find(|h| h.kind.code() == code));
    hazard
        .unwrap_or_else(|| panic!("no {code} on `{sql}` in:\n{:#?}", hazards(plan)))
        .column
        .clone()
}

#[track_caller]
fn has(plan: &Plan, sql: &str, code: &str) -> bool {
    hazards(plan)
        .iter()
        .any(|(statement, c, ..)| statement.contains(sql) && *c == code)
}

const PEOPLE: &str = "
CREATE TABLE teams (id int PRIMARY KEY);
CREATE TABLE people (
  id int PRIMARY KEY, email text, nick varchar(100), age bigint, team_id int,
  score numeric(10,2), born timestamp, code text, visits int, legacy text, tidy text);
CREATE TABLE archived (id int);
CREATE TABLE scratch (id int);
INSERT INTO teams VALUES (1);
INSERT INTO people VALUES
  (1, 'a@example.com', 'ann', 1, 1, 1.5, '2020-01-01', '1', 1, 'x', 't'),
  (2, 'a@example.com', 'a nickname well over twenty characters', 3000000000, 9, 2.25, '2020-01-01 10:30', '2', 2, NULL, 't'),
  (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'y', 't'),
  (4, 'b@example.com', 'bo', 4, 1, 4, '2020-02-02', '4', 4, NULL, 't');
INSERT INTO archived SELECT generate_series(1, 1204);
";

const PEOPLE_DESIRED: &str = "
CREATE TABLE teams (id int PRIMARY KEY);
CREATE TABLE people (
  id int PRIMARY KEY CHECK (id < 3), email text NOT NULL, nick varchar(20), age integer,
  team_id int REFERENCES teams (id), score numeric(10,1), born date, code integer, visits bigint,
  tidy text NOT NULL);
CREATE UNIQUE INDEX people_email ON people (email);
";

#[tokio::test]
async fn data_probes_count_the_rows_each_hazard_would_hit() {
    let db = PgDb::new().await;
    db.execute(PEOPLE).await;
    let dev = PgDb::new().await;
    let plan = engine::plan(&db.url, Some(&dev.url), PEOPLE_DESIRED)
        .await
        .expect("plan");

    assert_eq!(
        finding(&plan, "DROP TABLE \"public\".\"archived\"", "drops_table"),
        "\"public\".\"archived\" has 1,204 rows: lost in the drop"
    );
    assert_eq!(
        finding(&plan, "DROP TABLE \"public\".\"scratch\"", "drops_table"),
        "\"public\".\"scratch\" is empty now"
    );
    assert_eq!(
        finding(&plan, "DROP COLUMN \"legacy\"", "drops_column"),
        "\"public\".\"people\".\"legacy\" has 2 non-NULL values: lost in the drop"
    );
    assert_eq!(
        finding(
            &plan,
            "ALTER COLUMN \"email\" SET NOT NULL",
            "may_fail_on_existing_rows"
        ),
        "\"public\".\"people\".\"email\" has 1 NULL value: SET NOT NULL will fail"
    );
    assert!(has(
        &plan,
        "ALTER COLUMN \"email\" SET NOT NULL",
        "scans_table_under_lock"
    ));
    // The hazard stays when the data is fine today: rows may come before apply.
    assert_eq!(
        finding(&plan, "ALTER COLUMN \"tidy\" SET NOT NULL", "may_fail_on_existing_rows"),
        "\"public\".\"people\".\"tidy\" has no NULL values now"
    );
    assert_eq!(
        finding(
            &plan,
            "CREATE UNIQUE INDEX \"people_email\"",
            "may_fail_on_existing_rows"
        ),
        "\"public\".\"people\" (email) has 1 duplicate value: the unique index will fail"
    );
    assert!(has(
        &plan,
        "CREATE UNIQUE INDEX \"people_email\"",
        "builds_index_blocking_writes"
    ));
    assert_eq!(
        finding(&plan, "ALTER COLUMN \"nick\" TYPE", "narrows_type"),
        "\"public\".\"people\".\"nick\" has 1 value longer than 20 characters: cut by the change"
    );
    assert_eq!(
        finding(&plan, "ALTER COLUMN \"age\" TYPE", "narrows_type"),
        "\"public\".\"people\".\"age\" has 1 value out of range for integer: the type change will fail"
    );
    assert_eq!(
        finding(&plan, "ALTER COLUMN \"score\" TYPE", "narrows_type"),
        "\"public\".\"people\".\"score\" has 1 value that does not fit numeric(10,1): rounded or rejected by the change"
    );
    assert_eq!(
        finding(&plan, "ALTER COLUMN \"born\" TYPE", "narrows_type"),
        "\"public\".\"people\".\"born\" has 1 value with a time of day: the time of day is lost"
    );
    assert_eq!(
        finding(&plan, "FOREIGN KEY (\"team_id\")", "may_fail_on_existing_rows"),
        "\"public\".\"people\" has 1 row referencing a missing row of \"public\".\"teams\": the foreign key will fail"
    );
    assert!(has(&plan, "FOREIGN KEY (\"team_id\")", "scans_table_under_lock"));
    assert_eq!(
        finding(&plan, "CHECK (id < 3)", "may_fail_on_existing_rows"),
        "\"public\".\"people\" has 2 rows violating the check: adding the check will fail"
    );
    assert!(has(&plan, "CHECK (id < 3)", "scans_table_under_lock"));
    assert!(has(&plan, "ALTER COLUMN \"code\" TYPE integer", "cast_may_fail"));
    assert!(has(&plan, "ALTER COLUMN \"visits\" TYPE bigint", "rewrites_table"));
    assert!(!has(&plan, "ALTER COLUMN \"visits\" TYPE bigint", "narrows_type"));
    // Every table hazard names its table for the model-source lookup.
    for statement in &plan.statements {
        for hazard in &statement.hazards {
            assert!(hazard.table.is_some(), "{:?} on {}", hazard.kind, statement.sql);
        }
    }
    // A hazard about a column names it too, so a model's line for the column can be found.
    let columns = [
        (
            "ALTER COLUMN \"email\" SET NOT NULL",
            "may_fail_on_existing_rows",
            Some("email"),
        ),
        (
            "ALTER COLUMN \"email\" SET NOT NULL",
            "scans_table_under_lock",
            Some("email"),
        ),
        ("ALTER COLUMN \"nick\" TYPE", "narrows_type", Some("nick")),
        ("ALTER COLUMN \"code\" TYPE integer", "cast_may_fail", Some("code")),
        (
            "CREATE UNIQUE INDEX \"people_email\"",
            "may_fail_on_existing_rows",
            Some("email"),
        ),
        (
            "FOREIGN KEY (\"team_id\")",
            "may_fail_on_existing_rows",
            Some("team_id"),
        ),
        ("CHECK (id < 3)", "may_fail_on_existing_rows", None),
        ("DROP TABLE \"public\".\"archived\"", "drops_table", None),
    ];
    for (sql, code, column) in columns {
        assert_eq!(column_of(&plan, sql, code).as_deref(), column, "{code} on `{sql}`");
    }
}

#[tokio::test]
async fn binary_coercible_type_changes_carry_no_hazard() {
    let db = PgDb::new().await;
    db.execute("CREATE TABLE t (a varchar(20), b varchar(20), c numeric(10,2)); INSERT INTO t VALUES ('x', 'y', 1);")
        .await;
    let dev = PgDb::new().await;
    let plan = engine::plan(
        &db.url,
        Some(&dev.url),
        "CREATE TABLE t (a varchar(100), b text, c numeric(12,2));",
    )
    .await
    .expect("plan");
    assert_eq!(plan.statements.len(), 3, "{:?}", plan.sql());
    assert!(hazards(&plan).is_empty(), "{:#?}", hazards(&plan));
}

#[tokio::test]
async fn drops_of_schemas_enum_values_and_other_objects() {
    let db = PgDb::new().await;
    db.execute(
        "CREATE SCHEMA extra;
         CREATE TYPE mood AS ENUM ('happy', 'ok', 'sad');
         CREATE TYPE pair AS (a int, b int);
         CREATE DOMAIN positive AS int CHECK (VALUE > 0);
         CREATE SEQUENCE counter;
         CREATE TABLE people (id int PRIMARY KEY, mood mood);
         INSERT INTO people VALUES (1, 'ok'), (2, 'sad');
         CREATE VIEW happy AS SELECT id FROM people WHERE mood = 'happy';
         CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
         CREATE TRIGGER people_stamp BEFORE INSERT ON people FOR EACH ROW EXECUTE FUNCTION stamp();
         CREATE POLICY own_rows ON people USING (id > 0);",
    )
    .await;
    let dev = PgDb::new().await;
    let desired = "CREATE TYPE mood AS ENUM ('happy', 'sad');
                   CREATE TABLE people (id int PRIMARY KEY, mood mood);";
    let plan = engine::plan(&db.url, Some(&dev.url), desired).await.expect("plan");
    assert!(has(&plan, "DROP SCHEMA \"extra\"", "drops_schema"));
    assert_eq!(
        finding(&plan, "ALTER COLUMN \"mood\" TYPE", "drops_enum_value"),
        "\"public\".\"people\".\"mood\" has 1 row holding a removed value: the conversion will fail"
    );
    assert!(has(&plan, "ALTER COLUMN \"mood\" TYPE", "rewrites_table"));
    for dropped in [
        "DROP VIEW \"public\".\"happy\"",
        "DROP FUNCTION",
        "DROP TRIGGER \"people_stamp\"",
        "DROP POLICY \"own_rows\"",
        "DROP SEQUENCE \"public\".\"counter\"",
        "DROP DOMAIN \"public\".\"positive\"",
        "DROP TYPE \"public\".\"pair\"",
    ] {
        assert!(has(&plan, dropped, "drops_object"), "{dropped}: {:#?}", hazards(&plan));
    }
    // The old enum, renamed away and dropped once converted, is no loss.
    assert!(!has(&plan, "__tfalchemy_old", "drops_object"), "{:#?}", hazards(&plan));
}

#[tokio::test]
async fn a_probe_that_runs_out_of_time_says_so() {
    let db = PgDb::new().await;
    db.execute("CREATE TABLE busy (id int); CREATE TABLE kept (id int);")
        .await;
    // Another session holds a lock the probe must wait for.
    let mut holder = db.connect().await;
    holder
        .execute("BEGIN; LOCK TABLE busy IN ACCESS EXCLUSIVE MODE")
        .await
        .expect("lock");
    let dev = PgDb::new().await;
    let plan = engine::plan(&db.url, Some(&dev.url), "CREATE TABLE kept (id int);")
        .await
        .expect("plan");
    holder.close().await.expect("close");
    assert_eq!(
        finding(&plan, "DROP TABLE \"public\".\"busy\"", "drops_table"),
        "\"public\".\"busy\": the rows could not be counted within 2 s"
    );
}

#[tokio::test]
async fn concurrent_indexes_build_outside_the_transaction_and_converge() {
    let db = PgDb::new().await;
    db.execute(
        "CREATE TABLE t (a int, b text); CREATE INDEX t_old ON t (b);
         INSERT INTO t SELECT n, 'v' || n FROM generate_series(1, 50) AS n;",
    )
    .await;
    let dev = PgDb::new().await;
    let desired = "CREATE TABLE t (a int, b text, c int);
                   CREATE INDEX t_a ON t (a);
                   CREATE UNIQUE INDEX t_b ON t (b);
                   CREATE TABLE fresh (x int);
                   CREATE INDEX fresh_x ON fresh (x);";
    let options = Options {
        concurrent_indexes: true,
        ..Options::default()
    };
    let plan = engine::plan_with(&db.url, Some(&dev.url), desired, &options)
        .await
        .expect("plan");
    let outside: Vec<&str> = plan
        .statements
        .iter()
        .filter(|s| !s.in_transaction)
        .map(|s| s.sql.as_str())
        .collect();
    assert_eq!(
        outside,
        [
            "DROP INDEX CONCURRENTLY \"public\".\"t_old\"",
            "CREATE INDEX CONCURRENTLY \"t_a\" ON public.t USING btree (a)",
            "CREATE UNIQUE INDEX CONCURRENTLY \"t_b\" ON public.t USING btree (b)",
        ]
    );
    assert!(!plan.statements[0].in_transaction, "drops come before the transaction");
    assert!(plan.statements.last().is_some_and(|s| !s.in_transaction));
    assert!(plan.sql()[0].starts_with("-- runs outside the transaction"));
    assert!(!hazards(&plan).iter().any(|h| h.1 == "builds_index_blocking_writes"));
    assert_eq!(
        finding(&plan, "\"t_b\"", "may_fail_on_existing_rows"),
        "\"public\".\"t\" (b) has no duplicate values now"
    );
    // The new table's index is built inside the transaction, as usual.
    assert!(plan
        .statements
        .iter()
        .any(|s| s.in_transaction && s.sql.starts_with("CREATE INDEX \"fresh_x\"")));

    engine::apply_with(&db.url, Some(&dev.url), desired, &plan.sql(), &options)
        .await
        .expect("apply");
    let again = engine::plan_with(&db.url, Some(&dev.url), desired, &options)
        .await
        .expect("replan");
    assert!(again.is_empty(), "{:?}", again.sql());
}

#[tokio::test]
async fn a_failed_concurrent_build_is_dropped_and_built_again() {
    let db = PgDb::new().await;
    db.execute("CREATE TABLE t (b text); INSERT INTO t VALUES ('same'), ('same'), ('other');")
        .await;
    let dev = PgDb::new().await;
    let desired = "CREATE TABLE t (b text); CREATE UNIQUE INDEX t_b ON t (b);";
    let options = Options {
        concurrent_indexes: true,
        ..Options::default()
    };
    let plan = engine::plan_with(&db.url, Some(&dev.url), desired, &options)
        .await
        .expect("plan");
    assert_eq!(
        finding(&plan, "\"t_b\"", "may_fail_on_existing_rows"),
        "\"public\".\"t\" (b) has 1 duplicate value: the unique index will fail"
    );
    let err = engine::apply_with(&db.url, Some(&dev.url), desired, &plan.sql(), &options)
        .await
        .expect_err("duplicate key");
    assert!(err.to_string().contains("CONCURRENTLY"), "{err}");

    // PostgreSQL leaves the index behind, INVALID; inspection says so.
    let live = engine::inspect(&db.url).await.expect("inspect");
    assert!(live.tables["public.t"].indexes["t_b"].invalid);
    let normalized = engine::normalize(engine::Dialect::Postgres, Some(&dev.url), desired)
        .await
        .expect("normalize");
    assert_eq!(diff(&live, &normalized).len(), 2, "drop and create t_b");

    db.execute("DELETE FROM t WHERE ctid = (SELECT min(ctid) FROM t WHERE b = 'same');")
        .await;
    let repair = engine::plan_with(&db.url, Some(&dev.url), desired, &options)
        .await
        .expect("plan");
    assert_eq!(
        repair.statements.iter().map(|s| s.sql.as_str()).collect::<Vec<_>>(),
        [
            "DROP INDEX CONCURRENTLY \"public\".\"t_b\"",
            "CREATE UNIQUE INDEX CONCURRENTLY \"t_b\" ON public.t USING btree (b)",
        ]
    );
    engine::apply_with(&db.url, Some(&dev.url), desired, &repair.sql(), &options)
        .await
        .expect("apply");
    let live = engine::inspect(&db.url).await.expect("inspect");
    assert!(!live.tables["public.t"].indexes["t_b"].invalid);
}
