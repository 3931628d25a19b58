//! The PostgreSQL engine end to end against the real server: plan, apply,
//! converge. Every test works in its own throwaway databases, dropped when the
//! test ends (also when it fails).

use std::sync::atomic::{AtomicUsize, Ordering};

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{ConnectOptions, Connection, Executor, Row};
use tfalchemy::engine::{self, diff, schema_hash, DatabaseUrl, Dialect, EngineError, HazardKind, Plan};

const SERVER: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const SHOP_V1: &str = include_str!("fixtures/postgres/shop_v1.sql");
const SHOP_V2: &str = include_str!("fixtures/postgres/shop_v2.sql");

static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn admin_options() -> PgConnectOptions {
    SERVER.parse().expect("server url")
}

/// A throwaway database, dropped (with its connections) on Drop.
struct PgDb {
    name: String,
    url: DatabaseUrl,
}

impl PgDb {
    async fn new() -> PgDb {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!(
            "tfalchemy_t_{}_{}_{nanos:x}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let mut admin = admin_options().connect().await.expect("connect to the server");
        admin
            .execute(format!("CREATE DATABASE \"{name}\" TEMPLATE template0").as_str())
            .await
            .expect("create database");
        admin.close().await.expect("close");
        let url = DatabaseUrl::parse(&format!("postgres://postgres@127.0.0.1:5432/{name}")).expect("url");
        PgDb { name, url }
    }

    async fn connect(&self) -> PgConnection {
        admin_options().database(&self.name).connect().await.expect("connect")
    }

    async fn execute(&self, sql: &str) {
        if sql.trim().is_empty() {
            return;
        }
        let mut conn = self.connect().await;
        // As pg_dump does: functions may name tables created after them.
        conn.execute("SET check_function_bodies = off").await.expect("set");
        conn.execute(sqlx::raw_sql(sql)).await.expect(sql);
        conn.close().await.expect("close");
    }

    /// One column's values as text, sorted.
    async fn values(&self, query: &str) -> Vec<Option<String>> {
        let mut conn = self.connect().await;
        let rows = sqlx::query(query).fetch_all(&mut conn).await.expect(query);
        conn.close().await.expect("close");
        let mut values: Vec<Option<String>> = rows.iter().map(|r| r.get::<Option<String>, _>(0)).collect();
        values.sort();
        values
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        // A runtime of its own on a thread of its own: Drop cannot await.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            runtime.block_on(async {
                let mut admin = admin_options().connect().await.map_err(std::io::Error::other)?;
                admin
                    .execute(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)").as_str())
                    .await
                    .map_err(std::io::Error::other)?;
                admin.close().await.map_err(std::io::Error::other)
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop test database {}", self.name);
        }
    }
}

/// One convergence pair: a database at `current` (with `seed` rows) is planned
/// and applied to `desired`; each `kept` query must return the same values after.
struct Case {
    name: &'static str,
    current: &'static str,
    seed: &'static str,
    desired: &'static str,
    kept: &'static [&'static str],
}

async fn converge(case: &Case) -> Plan {
    let db = PgDb::new().await;
    db.execute(case.current).await;
    db.execute(case.seed).await;
    let mut before = Vec::new();
    for query in case.kept {
        before.push(db.values(query).await);
    }

    // A dev database is faster than the temporary one each step would create
    // (the DDL runs in a rolled-back transaction); other tests cover that path.
    let dev = PgDb::new().await;
    let plan = engine::plan(&db.url, Some(&dev.url), case.desired)
        .await
        .unwrap_or_else(|e| panic!("{}: plan: {e}", case.name));
    assert!(!plan.is_empty(), "{}: expected changes", case.name);
    let outcome = engine::apply(&db.url, Some(&dev.url), case.desired, &plan.sql())
        .await
        .unwrap_or_else(|e| panic!("{}: apply: {e}\nplan:\n{}", case.name, plan.sql().join(";\n")));
    assert_eq!(outcome.executed, plan.statements, "{}", case.name);

    // Compare with the desired schema normalized independently.
    let live = engine::inspect(&db.url).await.expect("inspect");
    let desired = engine::normalize(Dialect::Postgres, Some(&dev.url), case.desired)
        .await
        .expect("normalize");
    let remaining: Vec<String> = diff(&live, &desired).iter().map(|c| c.describe()).collect();
    assert!(remaining.is_empty(), "{}: still differs: {remaining:?}", case.name);
    assert_eq!(schema_hash(&live), schema_hash(&desired), "{}", case.name);
    assert_eq!(outcome.live_hash, plan.desired_hash, "{}", case.name);

    let again = engine::plan(&db.url, Some(&dev.url), case.desired)
        .await
        .expect("replan");
    assert!(
        again.is_empty(),
        "{}: second plan not empty: {:?}",
        case.name,
        again.sql()
    );
    assert_eq!(again.live_hash, again.desired_hash);

    for (query, values) in case.kept.iter().zip(before) {
        assert_eq!(db.values(query).await, values, "{}: {query}", case.name);
    }
    plan
}

fn render_plan(plan: &Plan) -> String {
    plan.statements
        .iter()
        .map(|s| {
            let mut line = format!("{};", s.sql);
            if !s.in_transaction {
                line.push_str("  -- outside the transaction");
            }
            for hazard in &s.hazards {
                line.push_str(&format!("\n  -- hazard {:?}: {}", hazard.kind, hazard.detail));
            }
            line
        })
        .collect::<Vec<_>>()
        .join("\n")
}

const SHOP_SEED: &str = "
INSERT INTO customers (email, name) VALUES ('ann@example.com', 'Ann'), ('bob@example.com', 'Bob');
INSERT INTO products (sku, price) VALUES ('A-1', 9.99), ('B-2', 20);
INSERT INTO orders (customer_id, status, total) VALUES (1, 'paid', 9.99), (2, 'new', 20);
";

#[tokio::test]
async fn shop_v1_to_v2_changes_every_kind_of_object() {
    let plan = converge(&Case {
        name: "shop",
        current: SHOP_V1,
        seed: SHOP_SEED,
        desired: SHOP_V2,
        kept: &[
            "SELECT email::text FROM customers",
            "SELECT price::text FROM products",
            "SELECT status::text FROM orders",
        ],
    })
    .await;
    insta::assert_snapshot!(render_plan(&plan));
}

#[tokio::test]
async fn create_from_nothing_and_drop_everything() {
    let plan = converge(&Case {
        name: "create",
        current: "",
        seed: "",
        desired: SHOP_V2,
        kept: &[],
    })
    .await;
    insta::assert_snapshot!(render_plan(&plan));
    let plan = converge(&Case {
        name: "drop",
        current: SHOP_V2,
        seed: "",
        desired: "",
        kept: &[],
    })
    .await;
    let hazards: Vec<HazardKind> = plan
        .statements
        .iter()
        .flat_map(|s| s.hazards.iter().map(|h| h.kind))
        .collect();
    assert!(hazards.contains(&HazardKind::DropsTable), "{hazards:?}");
}

#[tokio::test]
async fn enum_values_are_added_in_place_at_their_position() {
    let plan = converge(&Case {
        name: "enum add",
        current: "CREATE TYPE mood AS ENUM ('sad', 'happy');
                  CREATE TABLE people (name text, mood mood DEFAULT 'happy');",
        seed: "INSERT INTO people VALUES ('a', 'sad'), ('b', 'happy');",
        desired: "CREATE TYPE mood AS ENUM ('gloomy', 'sad', 'ok', 'happy', 'ecstatic');
                  CREATE TABLE people (name text, mood mood DEFAULT 'ok');",
        kept: &["SELECT mood::text FROM people"],
    })
    .await;
    let added: Vec<&str> = plan
        .statements
        .iter()
        .filter(|s| s.sql.contains("ADD VALUE"))
        .map(|s| s.sql.as_str())
        .collect();
    assert_eq!(
        added,
        vec![
            "ALTER TYPE \"public\".\"mood\" ADD VALUE 'gloomy' BEFORE 'sad'",
            "ALTER TYPE \"public\".\"mood\" ADD VALUE 'ok' AFTER 'sad'",
            "ALTER TYPE \"public\".\"mood\" ADD VALUE 'ecstatic' AFTER 'happy'",
        ]
    );
    assert!(plan
        .statements
        .iter()
        .filter(|s| s.sql.contains("ADD VALUE"))
        .all(|s| !s.in_transaction));
    insta::assert_snapshot!(render_plan(&plan));
}

#[tokio::test]
async fn enum_value_removal_rebuilds_the_type_and_keeps_rows() {
    let plan = converge(&Case {
        name: "enum remove",
        current: "CREATE SCHEMA app;
                  CREATE TYPE app.\"Mood\" AS ENUM ('sad', 'ok', 'happy');
                  CREATE TABLE app.people (name text, mood app.\"Mood\" NOT NULL DEFAULT 'ok', past app.\"Mood\"[]);
                  CREATE VIEW app.moods AS SELECT mood FROM app.people;",
        seed: "INSERT INTO app.people VALUES ('a', 'sad', '{sad,happy}'), ('b', 'happy', NULL);",
        desired: "CREATE SCHEMA app;
                  CREATE TYPE app.\"Mood\" AS ENUM ('happy', 'sad');
                  CREATE TABLE app.people (name text, mood app.\"Mood\" NOT NULL DEFAULT 'sad', past app.\"Mood\"[]);
                  CREATE VIEW app.moods AS SELECT mood FROM app.people;",
        kept: &["SELECT mood::text FROM app.people", "SELECT past::text FROM app.people"],
    })
    .await;
    insta::assert_snapshot!(render_plan(&plan));
}

#[tokio::test]
async fn check_constraints_compare_by_expression() {
    converge(&Case {
        name: "check",
        current: "CREATE TABLE items (price int, qty int, CONSTRAINT positive CHECK (price > 0), CHECK (qty < 100));",
        seed: "INSERT INTO items VALUES (5, 1), (7, 2);",
        desired: "CREATE TABLE items (price int, qty int, CONSTRAINT positive CHECK (price >= 0), CHECK (qty < 1000));",
        kept: &["SELECT price::text FROM items"],
    })
    .await;
}

#[tokio::test]
async fn foreign_key_actions_match_and_deferral_change() {
    converge(&Case {
        name: "fk",
        current: "CREATE TABLE parents (id int PRIMARY KEY, code int, UNIQUE (id, code));
                  CREATE TABLE children (id int, parent_id int REFERENCES parents, code int);",
        seed: "INSERT INTO parents VALUES (1, 1); INSERT INTO children VALUES (1, 1, 1);",
        desired: "CREATE TABLE parents (id int PRIMARY KEY, code int, UNIQUE (id, code));
                  CREATE TABLE children (id int, parent_id int REFERENCES parents ON DELETE SET NULL ON UPDATE CASCADE
                      DEFERRABLE INITIALLY DEFERRED, code int,
                      FOREIGN KEY (parent_id, code) REFERENCES parents (id, code) MATCH FULL DEFERRABLE);",
        kept: &["SELECT parent_id::text FROM children"],
    })
    .await;
}

#[tokio::test]
async fn partial_expression_and_include_indexes() {
    converge(&Case {
        name: "indexes",
        current: "CREATE EXTENSION pg_trgm;
                  CREATE TABLE docs (id int, title text, body text, score int);
                  CREATE INDEX docs_title ON docs (title);
                  CREATE INDEX docs_gone ON docs (score);",
        seed: "INSERT INTO docs VALUES (1, 'a', 'b', 3);",
        desired: "CREATE EXTENSION pg_trgm;
                  CREATE TABLE docs (id int, title text, body text, score int);
                  CREATE INDEX docs_title ON docs (lower(title) text_pattern_ops DESC NULLS LAST) WHERE score > 0;
                  CREATE UNIQUE INDEX docs_id ON docs (id) INCLUDE (score);
                  CREATE INDEX docs_body ON docs USING gin (body gin_trgm_ops);
                  CREATE INDEX docs_score ON docs USING brin (score);
                  CREATE INDEX docs_hash ON docs USING hash (title);",
        kept: &["SELECT title FROM docs"],
    })
    .await;
}

#[tokio::test]
async fn views_over_a_retyped_column_are_dropped_and_recreated() {
    let plan = converge(&Case {
        name: "retyped view",
        current: "CREATE TABLE t (a int NOT NULL DEFAULT 1, b text);
                  CREATE VIEW v1 AS SELECT a, b FROM t;
                  CREATE VIEW v2 AS SELECT a FROM v1 WHERE a > 0;
                  CREATE VIEW unrelated AS SELECT 1 AS one;",
        seed: "INSERT INTO t VALUES (1, 'x'), (2, 'y');",
        desired: "CREATE TABLE t (a bigint NOT NULL DEFAULT 1, b text);
                  CREATE VIEW v1 AS SELECT a, b FROM t;
                  CREATE VIEW v2 AS SELECT a FROM v1 WHERE a > 0;
                  CREATE VIEW unrelated AS SELECT 1 AS one;",
        kept: &["SELECT a::text FROM t"],
    })
    .await;
    assert!(!plan.sql().iter().any(|s| s.contains("unrelated")), "{:?}", plan.sql());
    insta::assert_snapshot!(render_plan(&plan));
}

#[tokio::test]
async fn function_used_in_default_check_and_trigger() {
    converge(&Case {
        name: "function deps",
        current: "CREATE TABLE events (id int, at timestamptz, code text);",
        seed: "INSERT INTO events VALUES (1, now(), 'ABC');",
        desired: "CREATE FUNCTION default_code() RETURNS text LANGUAGE sql AS $$ SELECT 'NEW' $$;
                  CREATE FUNCTION is_code(value text) RETURNS boolean LANGUAGE sql IMMUTABLE
                      AS $$ SELECT value = upper(value) $$;
                  CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$
                  BEGIN NEW.at := now(); RETURN NEW; END $$;
                  CREATE TABLE events (id int, at timestamptz, code text DEFAULT default_code() CHECK (is_code(code)));
                  CREATE TRIGGER events_stamp BEFORE INSERT OR UPDATE ON events FOR EACH ROW EXECUTE FUNCTION stamp();",
        kept: &["SELECT code FROM events"],
    })
    .await;
}

#[tokio::test]
async fn functions_are_replaced_overloaded_and_dropped() {
    converge(&Case {
        name: "routines",
        current: "CREATE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql AS $$ SELECT a + b $$;
                  CREATE FUNCTION gone() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
                  CREATE FUNCTION retyped() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
                  CREATE PROCEDURE noop() LANGUAGE sql AS $$ SELECT 1 $$;",
        seed: "",
        desired: "CREATE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql AS $$ SELECT a + b + 0 $$;
                  CREATE FUNCTION add(a numeric, b numeric) RETURNS numeric LANGUAGE sql AS $$ SELECT a + b $$;
                  CREATE FUNCTION retyped() RETURNS bigint LANGUAGE sql AS $$ SELECT 1::bigint $$;
                  CREATE PROCEDURE noop(x int) LANGUAGE sql AS $$ SELECT x $$;
                  CREATE FUNCTION atomic_body(x int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT x * 2; END;",
        kept: &[],
    })
    .await;
}

#[tokio::test]
async fn identity_columns_are_added_changed_and_dropped() {
    converge(&Case {
        name: "identity",
        current: "CREATE TABLE a (id int NOT NULL, other int GENERATED ALWAYS AS IDENTITY, third int GENERATED BY DEFAULT AS IDENTITY);",
        seed: "INSERT INTO a (id) VALUES (1), (2);",
        desired: "CREATE TABLE a (id int GENERATED ALWAYS AS IDENTITY (START WITH 100),
                      other bigint GENERATED BY DEFAULT AS IDENTITY (INCREMENT BY 5 CACHE 10),
                      third int NOT NULL DEFAULT 0);",
        kept: &["SELECT id::text FROM a", "SELECT other::text FROM a"],
    })
    .await;
}

#[tokio::test]
async fn generated_columns_are_added_and_recomputed() {
    converge(&Case {
        name: "generated",
        current: "CREATE TABLE boxes (w int, h int, area int GENERATED ALWAYS AS (w * h) STORED);",
        seed: "INSERT INTO boxes (w, h) VALUES (2, 3);",
        desired: "CREATE TABLE boxes (w int, h int, area int GENERATED ALWAYS AS (w * h * 1) STORED,
                      perimeter int GENERATED ALWAYS AS (2 * (w + h)) STORED);",
        kept: &["SELECT w::text FROM boxes"],
    })
    .await;
}

#[tokio::test]
async fn comments_are_added_changed_and_removed() {
    converge(&Case {
        name: "comments",
        current: "CREATE TABLE t (a int, b int); COMMENT ON TABLE t IS 'old'; COMMENT ON COLUMN t.a IS 'gone';",
        seed: "",
        desired: "CREATE TABLE t (a int, b int, c int); COMMENT ON TABLE t IS 'it''s new';
                  COMMENT ON COLUMN t.b IS 'bee'; COMMENT ON COLUMN t.c IS 'sea';",
        kept: &[],
    })
    .await;
}

#[tokio::test]
async fn columns_change_type_default_and_nullability_keeping_rows() {
    converge(&Case {
        name: "columns",
        current: "CREATE TABLE t (id int PRIMARY KEY, n text DEFAULT '1', flag boolean, gone text, name varchar(10));",
        seed: "INSERT INTO t VALUES (1, '10', true, 'x', 'ann'), (2, '20', false, 'y', 'bob');",
        desired: "CREATE TABLE t (id int PRIMARY KEY, n integer DEFAULT 5, flag boolean NOT NULL DEFAULT false,
                      name varchar(20) COLLATE \"C\", added int NOT NULL DEFAULT 7);",
        kept: &["SELECT n::text FROM t", "SELECT name FROM t"],
    })
    .await;
}

#[tokio::test]
async fn primary_and_unique_keys_change() {
    converge(&Case {
        name: "keys",
        current: "CREATE TABLE t (a int PRIMARY KEY, b int UNIQUE, c int);",
        seed: "INSERT INTO t VALUES (1, 1, 1);",
        desired: "CREATE TABLE t (a int, b int NOT NULL, c int, PRIMARY KEY (a, b), CONSTRAINT t_c UNIQUE (c));",
        kept: &["SELECT a::text FROM t"],
    })
    .await;
}

#[tokio::test]
async fn sequences_are_created_altered_owned_and_dropped() {
    converge(&Case {
        name: "sequences",
        current: "CREATE SEQUENCE counter START 5; CREATE SEQUENCE gone;
                  CREATE TABLE t (id serial, x int);",
        seed: "",
        desired: "CREATE SEQUENCE counter AS integer START 5 INCREMENT 2 MAXVALUE 1000 CYCLE;
                  CREATE SEQUENCE fresh CACHE 10;
                  CREATE TABLE t (x int, y bigserial);",
        kept: &[],
    })
    .await;
}

#[tokio::test]
async fn schemas_extensions_unlogged_and_exclusion_constraints() {
    converge(&Case {
        name: "misc",
        current: "CREATE SCHEMA old_stuff; CREATE TABLE old_stuff.t (a int); CREATE TABLE logs (line text);",
        seed: "INSERT INTO logs VALUES ('kept');",
        desired: "CREATE EXTENSION btree_gist WITH SCHEMA public;
                  CREATE SCHEMA \"Reporting\";
                  CREATE UNLOGGED TABLE logs (line text);
                  CREATE TABLE \"Reporting\".bookings (room int, during tsrange,
                      EXCLUDE USING gist (room WITH =, during WITH &&));",
        kept: &["SELECT line FROM logs"],
    })
    .await;
}

#[tokio::test]
async fn materialized_views_and_triggers_change() {
    converge(&Case {
        name: "matviews and triggers",
        current: "CREATE TABLE t (a int, b int);
                  CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
                  CREATE TRIGGER t_f BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();
                  CREATE MATERIALIZED VIEW mv AS SELECT a FROM t;",
        seed: "INSERT INTO t VALUES (1, 2);",
        desired: "CREATE TABLE t (a int, b int);
                  CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
                  CREATE TRIGGER t_f BEFORE INSERT OR UPDATE OF b ON t FOR EACH ROW WHEN (NEW.b IS NOT NULL)
                      EXECUTE FUNCTION f();
                  CREATE MATERIALIZED VIEW mv AS SELECT a, b FROM t;
                  CREATE VIEW iv AS SELECT a FROM t;
                  CREATE FUNCTION iv_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
                  CREATE TRIGGER iv_ins INSTEAD OF INSERT ON iv FOR EACH ROW EXECUTE FUNCTION iv_insert();",
        kept: &["SELECT b::text FROM t"],
    })
    .await;
}

const WEIRD: &str = r#"
CREATE SCHEMA "My ""App""";
CREATE TYPE "My ""App"""."Select" AS ENUM ('a''b', 'C');
CREATE TABLE "My ""App"""."Order Lines" (
    "ID" int PRIMARY KEY,
    "select" "My ""App"""."Select",
    "we""ird" text CHECK ("we""ird" <> ''),
    "from" int UNIQUE
);
CREATE TABLE "user" ("group" int REFERENCES "My ""App"""."Order Lines" ("ID"));
CREATE INDEX "Idx ""1""" ON "user" ("group");
CREATE VIEW "My ""App"""."All Lines" AS SELECT "ID", "select" FROM "My ""App"""."Order Lines";
COMMENT ON COLUMN "user"."group" IS 'the "group"';
"#;

#[tokio::test]
async fn weird_identifiers_are_quoted_everywhere() {
    let plan = converge(&Case {
        name: "weird create",
        current: "",
        seed: "",
        desired: WEIRD,
        kept: &[],
    })
    .await;
    insta::assert_snapshot!(render_plan(&plan));
    converge(&Case {
        name: "weird drop",
        current: WEIRD,
        seed: "",
        desired: "",
        kept: &[],
    })
    .await;
}

fn tables_ddl(count: usize) -> String {
    (0..count)
        .map(|i| {
            format!(
                "CREATE TABLE t{i} (id int PRIMARY KEY, parent int REFERENCES t0 (id), name text CHECK (name <> ''));
                 CREATE INDEX t{i}_name ON t{i} (name);"
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn inspection_query_count_does_not_grow_with_tables() {
    let small = PgDb::new().await;
    small.execute(&tables_ddl(10)).await;
    let large = PgDb::new().await;
    large.execute(&tables_ddl(100)).await;
    let (small_schema, small_stats) = engine::postgres::inspect_with_stats(&small.url).await.expect("inspect");
    let (large_schema, large_stats) = engine::postgres::inspect_with_stats(&large.url).await.expect("inspect");
    assert_eq!(small_schema.tables.len(), 10);
    assert_eq!(large_schema.tables.len(), 100);
    assert_eq!(small_stats.queries, large_stats.queries);
    assert!(small_stats.queries <= 15, "{small_stats:?}");
}

#[tokio::test]
async fn invalid_desired_sql_names_the_statement_and_position() {
    let db = PgDb::new().await;
    let desired = "CREATE TABLE a (x int);\n-- second\nCREATE TABLE b (\n  y int,\n  z nosuchtype\n);";
    let err = engine::plan(&db.url, None, desired).await.expect_err("must fail");
    match &err {
        EngineError::DesiredSql {
            index, line, message, ..
        } => {
            assert_eq!((*index, *line), (2, 3));
            assert!(message.contains("nosuchtype"), "{message}");
            assert!(message.contains("line 3, column 5"), "{message}");
        }
        other => panic!("unexpected error: {other}"),
    }
    let syntax = engine::plan(&db.url, None, "CREATE TABEL x (a int)")
        .await
        .expect_err("must fail");
    assert!(syntax.to_string().contains("syntax error"), "{syntax}");
}

#[tokio::test]
async fn server_urls_never_leak_the_password() {
    let url = DatabaseUrl::parse("postgresql://postgres:s3cr3t-pw@127.0.0.1:1/postgres").expect("url");
    for err in [
        engine::plan(&url, None, "CREATE TABLE a (x int)")
            .await
            .expect_err("unreachable"),
        engine::inspect(&url).await.expect_err("unreachable"),
        engine::apply(&url, Some(&url), "", &[]).await.expect_err("unreachable"),
    ] {
        let text = format!("{err} {err:?}");
        assert!(!text.contains("s3cr3t-pw"), "{text}");
        assert!(text.contains("****"), "{text}");
    }
}

#[tokio::test]
async fn apply_refuses_a_plan_the_database_no_longer_matches() {
    let db = PgDb::new().await;
    let desired = "CREATE TABLE a (x int);";
    let plan = engine::plan(&db.url, None, desired).await.expect("plan");
    db.execute("CREATE TABLE a (x int, y int);").await;
    let err = engine::apply(&db.url, None, desired, &plan.sql())
        .await
        .expect_err("changed");
    assert!(matches!(err, EngineError::ChangedSincePlan { .. }), "{err}");
}

#[tokio::test]
async fn concurrent_applies_serialize_on_the_lock() {
    let db = PgDb::new().await;
    let desired = "CREATE TABLE a (x int); CREATE TABLE b (y int);";
    let plan = engine::plan(&db.url, None, desired).await.expect("plan");
    let expected = plan.sql();
    let (first, second) = tokio::join!(
        engine::apply(&db.url, None, desired, &expected),
        engine::apply(&db.url, None, desired, &expected)
    );
    // One applies; the other, serialized behind it, sees the plan is stale.
    let outcomes = [first, second];
    assert_eq!(outcomes.iter().filter(|o| o.is_ok()).count(), 1);
    assert!(outcomes
        .iter()
        .any(|o| matches!(o, Err(EngineError::ChangedSincePlan { .. }))));
}

#[tokio::test]
async fn failed_apply_rolls_everything_back() {
    let db = PgDb::new().await;
    db.execute("CREATE TABLE a (x int); INSERT INTO a VALUES (NULL);").await;
    let desired = "CREATE TABLE a (x int NOT NULL); CREATE TABLE b (y int);";
    let plan = engine::plan(&db.url, None, desired).await.expect("plan");
    let err = engine::apply(&db.url, None, desired, &plan.sql())
        .await
        .expect_err("null row");
    assert!(matches!(err, EngineError::Apply { .. }), "{err}");
    let live = engine::inspect(&db.url).await.expect("inspect");
    assert!(!live.tables.contains_key("public.b"), "the transaction must roll back");
}

#[tokio::test]
async fn dev_database_is_left_empty_and_must_start_empty() {
    let dev = PgDb::new().await;
    engine::normalize(Dialect::Postgres, Some(&dev.url), SHOP_V2)
        .await
        .expect("normalize");
    let after = engine::inspect(&dev.url).await.expect("inspect");
    assert!(after.tables.is_empty() && after.routines.is_empty() && after.enums.is_empty());
    dev.execute("CREATE TABLE leftover (x int);").await;
    let err = engine::normalize(Dialect::Postgres, Some(&dev.url), "CREATE TABLE a (x int)")
        .await
        .expect_err("not empty");
    assert!(err.to_string().contains("public.leftover"), "{err}");
    let err = engine::normalize(Dialect::Postgres, None, "")
        .await
        .expect_err("no server");
    assert!(err.to_string().contains("dev_url"), "{err}");
}

#[tokio::test]
async fn plans_are_deterministic_and_schema_sql_recreates_the_schema() {
    let db = PgDb::new().await;
    db.execute(SHOP_V1).await;
    let a = engine::plan(&db.url, None, SHOP_V2).await.expect("plan");
    let b = engine::plan(&db.url, None, SHOP_V2).await.expect("plan");
    assert_eq!(a.sql(), b.sql());

    let everything = PgDb::new().await;
    everything.execute(SHOP_V2).await;
    everything.execute(WEIRD).await;
    everything
        .execute(
            "CREATE DOMAIN positive AS int CHECK (VALUE > 0);
             CREATE TABLE secured (n positive, during tsrange, EXCLUDE USING gist (during WITH &&));
             ALTER TABLE secured ENABLE ROW LEVEL SECURITY;
             CREATE POLICY mine ON secured USING (n > 1);
             CREATE INDEX daily_orders_day ON audit.daily_orders (day);",
        )
        .await;
    let live = engine::inspect(&everything.url).await.expect("inspect");
    let script = engine::schema_sql(&live, Dialect::Postgres).expect("schema sql");
    let copy = PgDb::new().await;
    copy.execute(&script.join(";\n")).await;
    let copied = engine::inspect(&copy.url).await.expect("inspect");
    let remaining: Vec<String> = diff(&copied, &live).iter().map(|c| c.describe()).collect();
    assert!(remaining.is_empty(), "{remaining:?}");
    assert_eq!(schema_hash(&copied), schema_hash(&live));
}

#[tokio::test]
async fn views_that_only_gain_columns_are_replaced_in_place() {
    let plan = converge(&Case {
        name: "replace view",
        current: "CREATE TABLE t (a int, b int);
                  CREATE VIEW base AS SELECT a FROM t;
                  CREATE VIEW reader AS SELECT a FROM base;",
        seed: "",
        desired: "CREATE TABLE t (a int, b int);
                  CREATE VIEW base AS SELECT a, b FROM t WHERE a > 0;
                  CREATE VIEW reader AS SELECT a FROM base;",
        kept: &[],
    })
    .await;
    assert_eq!(plan.sql().len(), 1, "{:?}", plan.sql());
    assert!(plan.sql()[0].starts_with("CREATE OR REPLACE VIEW \"public\".\"base\""));
}

#[tokio::test]
async fn materialized_views_keep_their_indexes() {
    converge(&Case {
        name: "matview indexes",
        current: "CREATE TABLE t (a int, b int);
                  CREATE MATERIALIZED VIEW mv AS SELECT a, b FROM t;
                  CREATE INDEX mv_a ON mv (a);",
        seed: "",
        desired: "CREATE TABLE t (a int, b int);
                  CREATE MATERIALIZED VIEW mv AS SELECT a, b FROM t;
                  CREATE UNIQUE INDEX mv_a ON mv (a, b);",
        kept: &[],
    })
    .await;
}

#[tokio::test]
async fn renamed_function_arguments_drop_and_recreate_the_function() {
    converge(&Case {
        name: "function args",
        current: "CREATE FUNCTION twice(x int) RETURNS int LANGUAGE sql AS $$ SELECT x * 2 $$;",
        seed: "",
        desired: "CREATE FUNCTION twice(value int DEFAULT 1) RETURNS int LANGUAGE sql AS $$ SELECT value * 2 $$;",
        kept: &[],
    })
    .await;
}

#[tokio::test]
async fn unmanaged_objects_are_left_alone_with_a_warning() {
    let db = PgDb::new().await;
    db.execute(
        "CREATE TABLE kept (x int);
         CREATE RULE no_deletes AS ON DELETE TO kept DO INSTEAD NOTHING;
         CREATE AGGREGATE total(int) (sfunc = int4pl, stype = int);",
    )
    .await;
    let desired = "CREATE TYPE span AS RANGE (subtype = int); CREATE TABLE kept (x int);";
    let plan = engine::plan(&db.url, None, desired).await.expect("plan");
    assert!(plan.is_empty(), "{:?}", plan.sql());
    assert_eq!(
        plan.warnings,
        vec![
            "aggregate public.total in the live database is not managed yet and is left alone",
            "range type public.span in the desired schema is not managed yet and is not created or changed",
            "rule no_deletes on public.kept in the live database is not managed yet and is left alone",
        ]
    );
}

#[tokio::test]
async fn referenced_keys_are_rebuilt_around_their_foreign_keys() {
    converge(&Case {
        name: "rekey",
        current: "CREATE TABLE parent (id int PRIMARY KEY, code text UNIQUE);
                  CREATE TABLE child (parent_id int REFERENCES parent, code text REFERENCES parent (code));",
        seed: "INSERT INTO parent VALUES (1, 'a'); INSERT INTO child VALUES (1, 'a');",
        desired: "CREATE TABLE parent (id int, code text, CONSTRAINT parent_key PRIMARY KEY (id),
                      CONSTRAINT parent_code UNIQUE (code));
                  CREATE TABLE child (parent_id int REFERENCES parent, code text REFERENCES parent (code));",
        kept: &["SELECT parent_id::text FROM child"],
    })
    .await;
}

#[tokio::test]
async fn enum_rebuild_carries_functions_checks_and_indexes_along() {
    converge(&Case {
        name: "enum rebuild deps",
        current: "CREATE TYPE state AS ENUM ('draft', 'live', 'gone');
                  CREATE TABLE posts (id int, state state NOT NULL CHECK (state <> 'gone'));
                  CREATE INDEX posts_live ON posts (id) WHERE state = 'live';
                  CREATE FUNCTION is_live(s state) RETURNS boolean LANGUAGE sql AS $$ SELECT s = 'live' $$;
                  CREATE TYPE \"user\" AS ENUM ('admin', 'guest', 'bot');
                  CREATE TABLE accounts (kind \"user\" CHECK (kind <> 'admin'), kinds \"user\"[]);",
        seed: "INSERT INTO posts VALUES (1, 'live'), (2, 'live');",
        desired: "CREATE TYPE state AS ENUM ('live', 'draft');
                  CREATE TABLE posts (id int, state state NOT NULL CHECK (state <> 'draft'));
                  CREATE INDEX posts_live ON posts (id) WHERE state = 'live';
                  CREATE FUNCTION is_live(s state) RETURNS boolean LANGUAGE sql AS $$ SELECT s = 'live' $$;
                  CREATE TYPE \"user\" AS ENUM ('guest', 'admin');
                  CREATE TABLE accounts (kind \"user\" CHECK (kind <> 'admin'), kinds \"user\"[]);",
        kept: &["SELECT state::text FROM posts WHERE id = 2"],
    })
    .await;
}

#[tokio::test]
async fn row_level_security_and_policies() {
    converge(&Case {
        name: "rls",
        current: "CREATE TABLE docs (owner text, body text);
                  CREATE TABLE notes (owner text);
                  ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
                  CREATE POLICY old_rule ON notes USING (true);",
        seed: "INSERT INTO docs VALUES ('ann', 'x');",
        desired: "CREATE TABLE docs (owner text, body text);
                  ALTER TABLE docs ENABLE ROW LEVEL SECURITY;
                  ALTER TABLE docs FORCE ROW LEVEL SECURITY;
                  CREATE POLICY \"Owner Only\" ON docs FOR UPDATE TO postgres, PUBLIC
                      USING (owner = current_user) WITH CHECK (body <> '');
                  CREATE POLICY no_secrets ON docs AS RESTRICTIVE FOR SELECT USING (body NOT LIKE '%secret%');
                  CREATE TABLE notes (owner text);",
        kept: &["SELECT body FROM docs"],
    })
    .await;
}

#[tokio::test]
async fn desired_sql_may_change_the_search_path() {
    converge(&Case {
        name: "search path",
        current: "",
        seed: "",
        desired: "CREATE SCHEMA app;
                  SET search_path = app, public;
                  CREATE TYPE kind AS ENUM ('a', 'b');
                  CREATE SEQUENCE public.counter;
                  CREATE TABLE things (k kind DEFAULT 'a', n int DEFAULT nextval('public.counter'));
                  CREATE VIEW thing_kinds AS SELECT k FROM things;",
        kept: &[],
    })
    .await;
}

#[tokio::test]
async fn domains_are_created_altered_and_dropped() {
    converge(&Case {
        name: "domains",
        current: "CREATE DOMAIN positive AS int CHECK (VALUE > 0);
                  CREATE DOMAIN code AS varchar(10);
                  CREATE DOMAIN gone AS text;
                  CREATE TABLE items (qty positive, code code);",
        seed: "INSERT INTO items VALUES (3, 'abc');",
        desired: "CREATE DOMAIN positive AS int DEFAULT 1 NOT NULL CONSTRAINT at_least_one CHECK (VALUE >= 1);
                  CREATE DOMAIN code AS varchar(20) COLLATE \"C\";
                  CREATE DOMAIN \"Email\" AS text CHECK (VALUE LIKE '%@%');
                  CREATE TABLE items (qty positive, code varchar(20), contact \"Email\");",
        kept: &["SELECT qty::text FROM items", "SELECT code FROM items"],
    })
    .await;
}

#[tokio::test]
async fn composite_types_are_created_and_dropped() {
    converge(&Case {
        name: "composite create",
        current: "CREATE TYPE gone AS (a int); CREATE TABLE t (x int);",
        seed: "",
        desired: "CREATE TYPE addr AS (street text, zip varchar(10) COLLATE \"C\");
                  CREATE TYPE person AS (name text, home addr, past addr[]);
                  CREATE TABLE t (x int, who person);
                  CREATE FUNCTION zip_of(a addr) RETURNS text LANGUAGE sql AS 'SELECT (a).zip';",
        kept: &[],
    })
    .await;
    converge(&Case {
        name: "composite drop",
        current: "CREATE TYPE addr AS (street text, zip varchar(10));
                  CREATE TYPE person AS (name text, home addr);
                  CREATE TABLE t (x int, who person);",
        seed: "INSERT INTO t VALUES (1, ROW('Ann', ROW('Main St', '123')));",
        desired: "CREATE TABLE t (x int);",
        kept: &["SELECT x::text FROM t"],
    })
    .await;
}

#[tokio::test]
async fn composite_attributes_are_added_dropped_and_retyped_in_place() {
    let plan = converge(&Case {
        name: "composite attributes",
        current: "CREATE TYPE addr AS (street text, zip varchar(10), note text);
                  CREATE TYPE pair AS (a int, b int);
                  CREATE TABLE t (x int, home addr);",
        seed: "INSERT INTO t VALUES (1, ROW('Main St', '123', 'n'));",
        desired: "CREATE TYPE addr AS (street text, zip varchar(10), city text);
                  CREATE TYPE pair AS (a bigint, b int);
                  CREATE TABLE t (x int, home addr);",
        kept: &["SELECT (home).street || (home).zip FROM t"],
    })
    .await;
    assert_eq!(
        render_plan(&plan),
        "ALTER TYPE \"public\".\"addr\" DROP ATTRIBUTE \"note\", ADD ATTRIBUTE \"city\" text;
  -- hazard DropsColumn: drops attribute(s) note of \"public\".\"addr\" and their values wherever the type is stored
ALTER TYPE \"public\".\"pair\" ALTER ATTRIBUTE \"a\" TYPE bigint;"
    );
}

#[tokio::test]
async fn composite_types_stored_in_columns_are_rebuilt_to_retype_or_reorder() {
    converge(&Case {
        name: "composite retype stored",
        current: "CREATE TYPE addr AS (street text, zip varchar(10));
                  CREATE TABLE t (x int, home addr, past addr[]);",
        seed: "INSERT INTO t VALUES (1, ROW('Main St', '123'), ARRAY[ROW('Old St', '9')::addr]);",
        desired: "CREATE TYPE addr AS (street text, zip varchar(20));
                  CREATE TABLE t (x int, home addr, past addr[]);",
        kept: &["SELECT home::text FROM t", "SELECT past::text FROM t"],
    })
    .await;
    converge(&Case {
        name: "composite reorder",
        current: "CREATE TYPE pair AS (a int, b int);",
        seed: "",
        desired: "CREATE TYPE pair AS (c int, a int, b int);",
        kept: &[],
    })
    .await;
}

const EVENTS_2026: &str = "CREATE TABLE events (id int, at date, note text, PRIMARY KEY (id, at),
                                              CHECK (id > 0)) PARTITION BY RANGE (at);
                           CREATE INDEX events_at ON events (at);
                           CREATE TABLE events_2025 PARTITION OF events
                             FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
                           CREATE TABLE events_2026 PARTITION OF events
                             FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
                           CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql
                             AS 'BEGIN NEW.note := coalesce(NEW.note, ''-''); RETURN NEW; END';
                           CREATE TRIGGER events_touch BEFORE INSERT ON events
                             FOR EACH ROW EXECUTE FUNCTION touch();";

#[tokio::test]
async fn partitioned_tables_and_partitions_are_created_and_dropped() {
    converge(&Case {
        name: "partitions create",
        current: "",
        seed: "",
        desired: EVENTS_2026,
        kept: &[],
    })
    .await;
    let plan = converge(&Case {
        name: "partition add and drop",
        current: EVENTS_2026,
        seed: "INSERT INTO events VALUES (1, '2026-05-01', 'kept');",
        desired: "CREATE TABLE events (id int, at date, note text, PRIMARY KEY (id, at),
                                       CHECK (id > 0)) PARTITION BY RANGE (at);
                  CREATE INDEX events_at ON events (at);
                  CREATE TABLE events_2026 PARTITION OF events
                    FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
                  CREATE TABLE events_2027 PARTITION OF events
                    FOR VALUES FROM ('2027-01-01') TO ('2028-01-01');
                  CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql
                    AS 'BEGIN NEW.note := coalesce(NEW.note, ''-''); RETURN NEW; END';
                  CREATE TRIGGER events_touch BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION touch();",
        kept: &["SELECT note FROM events"],
    })
    .await;
    assert_eq!(
        plan.sql(),
        vec![
            "DROP TABLE \"public\".\"events_2025\"",
            "CREATE TABLE \"public\".\"events_2027\" PARTITION OF public.events \
             FOR VALUES FROM ('2027-01-01') TO ('2028-01-01')",
        ]
    );
    converge(&Case {
        name: "partitioned table drop",
        current: EVENTS_2026,
        seed: "",
        desired: "CREATE TABLE other (x int);",
        kept: &[],
    })
    .await;
}

#[tokio::test]
async fn partition_bounds_change_by_detach_and_attach() {
    let plan = converge(&Case {
        name: "partition bound",
        current: EVENTS_2026,
        seed: "INSERT INTO events VALUES (1, '2026-05-01', 'kept');",
        desired: "CREATE TABLE events (id int, at date, note text, PRIMARY KEY (id, at),
                                       CHECK (id > 0)) PARTITION BY RANGE (at);
                  CREATE INDEX events_at ON events (at);
                  CREATE TABLE events_2025 PARTITION OF events
                    FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
                  CREATE TABLE events_2026 PARTITION OF events
                    FOR VALUES FROM ('2026-01-01') TO ('2028-01-01');
                  CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql
                    AS 'BEGIN NEW.note := coalesce(NEW.note, ''-''); RETURN NEW; END';
                  CREATE TRIGGER events_touch BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION touch();",
        kept: &["SELECT note FROM events"],
    })
    .await;
    assert_eq!(
        render_plan(&plan),
        "ALTER TABLE public.events DETACH PARTITION \"public\".\"events_2026\";
ALTER TABLE public.events ATTACH PARTITION \"public\".\"events_2026\" \
FOR VALUES FROM ('2026-01-01') TO ('2028-01-01');
  -- hazard MayFailOnExistingRows: existing rows of \"public\".\"events_2026\" must fit \
FOR VALUES FROM ('2026-01-01') TO ('2028-01-01')"
    );
    converge(&Case {
        name: "partition recreated standalone when its parent goes",
        current: EVENTS_2026,
        seed: "",
        desired: "CREATE TABLE events_2026 (id int NOT NULL, at date NOT NULL, note text,
                                            PRIMARY KEY (id, at), CHECK (id > 0));",
        kept: &[],
    })
    .await;
    converge(&Case {
        name: "partition key",
        current: EVENTS_2026,
        seed: "",
        desired: "CREATE TABLE events (id int, at date, note text) PARTITION BY LIST (id);
                  CREATE TABLE events_1 PARTITION OF events FOR VALUES IN (1);",
        kept: &[],
    })
    .await;
}

#[tokio::test]
async fn skip_keeps_what_the_models_dropped_with_what_it_needs() {
    let db = PgDb::new().await;
    let dev = PgDb::new().await;
    db.execute(
        "CREATE SCHEMA app;
         CREATE TYPE app.mood AS ENUM ('happy', 'sad');
         CREATE TABLE app.people (id int PRIMARY KEY, mood app.mood, nickname text, name text);
         CREATE INDEX people_name ON app.people (name);
         CREATE TABLE app.events (id serial PRIMARY KEY, person int REFERENCES app.people (id));
         CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
         CREATE TRIGGER events_touch BEFORE INSERT ON app.events FOR EACH ROW EXECUTE FUNCTION app.touch();
         INSERT INTO app.people VALUES (1, 'happy', 'ada', 'Ada');
         INSERT INTO app.events (person) VALUES (1);",
    )
    .await;
    // The models only know `people`, without its mood, nickname or index.
    let desired = "CREATE SCHEMA app; CREATE TABLE app.people (id int PRIMARY KEY, name text);";
    let options = engine::Options {
        skip: engine::Skip::new(&["drops_table", "drops_column", "drops_object"]).expect("skippable"),
        ..engine::Options::default()
    };
    let plan = engine::plan_with(&db.url, Some(&dev.url), desired, &options)
        .await
        .expect("plan");
    assert!(plan.is_empty(), "{:#?}", plan.sql());
    for kept in [
        "table app.events",
        "column app.people.mood",
        "column app.people.nickname",
        "type app.mood",
        "function app.touch()",
        "trigger events_touch on app.events",
        "index people_name on app.people",
    ] {
        assert!(plan.kept.iter().any(|k| k == kept), "{kept} in {:#?}", plan.kept);
    }

    // A change next to the kept objects is planned and applied around them.
    let grown = desired.replace("name text", "name text, email text");
    let plan = engine::plan_with(&db.url, Some(&dev.url), &grown, &options)
        .await
        .expect("plan");
    let sql = plan.sql();
    assert!(sql.iter().any(|s| s.contains("\"email\"")), "{sql:#?}");
    assert!(!sql.iter().any(|s| s.contains("DROP")), "{sql:#?}");
    engine::apply_with(&db.url, Some(&dev.url), &grown, &sql, &options)
        .await
        .expect("apply converges with the kept objects");
    assert_eq!(
        db.values("SELECT nickname FROM app.people").await,
        [Some("ada".to_string())]
    );
    assert_eq!(
        db.values("SELECT count(*)::text FROM app.events").await,
        [Some("1".to_string())]
    );
    let again = engine::plan_with(&db.url, Some(&dev.url), &grown, &options)
        .await
        .expect("replan");
    assert!(again.is_empty(), "{:#?}", again.sql());

    // Without skip, the same desired schema drops them all.
    let dropping = engine::plan_with(&db.url, Some(&dev.url), &grown, &engine::Options::default())
        .await
        .expect("plan");
    let drops: Vec<&str> = dropping.drops.iter().map(|d| d.object.as_str()).collect();
    assert!(
        drops.contains(&"table app.events") && drops.contains(&"column app.people.mood"),
        "{drops:?}"
    );
}
