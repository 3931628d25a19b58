//! The PostgreSQL engine end to end against the real server: plan, apply,
//! converge. Every test works in its own throwaway databases, dropped when the
//! test ends (also when it fails).

use std::sync::atomic::{AtomicUsize, Ordering};

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{ConnectOptions, Connection, Executor, Row};
use tfalchemy::engine::{self, diff, schema_hash, DatabaseUrl, Dialect, EngineError, HazardKind, Plan, Statement};

#[path = "engine_postgres/collations.rs"]
mod collations;
#[path = "engine_postgres/constraint_kinds.rs"]
mod constraint_kinds;
#[path = "engine_postgres/function_users.rs"]
mod function_users;
#[path = "engine_postgres/hazards.rs"]
mod hazards;
#[path = "engine_postgres/inheritance.rs"]
mod inheritance;
#[path = "engine_postgres/object_kinds.rs"]
mod object_kinds;
#[path = "engine_postgres/privileges.rs"]
mod privileges;

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
struct Case<'a> {
    name: &'a str,
    current: &'a str,
    seed: &'a str,
    desired: &'a str,
    kept: &'a [&'a str],
}

/// `statements` without what the plan's data probes found: apply plans
/// again without probing, so that is what it reports as executed.
fn unprobed(statements: &[Statement]) -> Vec<Statement> {
    let mut statements = statements.to_vec();
    for hazard in statements.iter_mut().flat_map(|s| s.hazards.iter_mut()) {
        hazard.finding = None;
        hazard.found = None;
    }
    statements
}

async fn converge(case: &Case<'_>) -> Plan {
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
    assert_eq!(outcome.executed, unprobed(&plan.statements), "{}", case.name);

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
                if let Some(finding) = &hazard.finding {
                    line.push_str(&format!("\n  --   found: {finding}"));
                }
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
    // One per object kind (collations among them, and one for every kind
    // left alone); two of them read privileges, owners and default
    // privileges. docs/resources/schema.md gives this number.
    assert_eq!(small_stats.queries, 23, "{small_stats:?}");
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
    // Foreign tables and servers stay outside, and so do the kinds below
    // (docs/resources/schema.md says why): each is named, never silently dropped.
    let server = "CREATE FOREIGN DATA WRAPPER elsewhere; CREATE SERVER far FOREIGN DATA WRAPPER elsewhere;";
    let both = "CREATE TYPE mood AS ENUM ('calm');
        CREATE TYPE \"Quad\";
        CREATE FUNCTION quad_in(cstring) RETURNS \"Quad\" LANGUAGE internal IMMUTABLE STRICT AS 'int4in';
        CREATE FUNCTION quad_out(\"Quad\") RETURNS cstring LANGUAGE internal IMMUTABLE STRICT AS 'int4out';
        CREATE TYPE \"Quad\" (INPUT = quad_in, OUTPUT = quad_out, LIKE = int4);
        CREATE OPERATOR === (LEFTARG = int4, RIGHTARG = int4, FUNCTION = int4eq);";
    let desired_only = "CREATE OPERATOR FAMILY fam USING btree;
        CREATE OPERATOR CLASS cls FOR TYPE int4 USING hash AS OPERATOR 1 =, FUNCTION 1 hashint4(int4);
        CREATE CAST (int4 AS mood) WITH INOUT;
        CREATE CONVERSION to_latin FOR 'UTF8' TO 'LATIN1' FROM utf8_to_iso8859_1;
        CREATE ACCESS METHOD heap2 TYPE TABLE HANDLER heap_tableam_handler;
        CREATE TEXT SEARCH CONFIGURATION cfg (COPY = english);
        CREATE TEXT SEARCH DICTIONARY dict (TEMPLATE = simple);
        CREATE TEXT SEARCH PARSER prs (START = prsd_start, GETTOKEN = prsd_nexttoken, END = prsd_end, LEXTYPES = prsd_lextype);
        CREATE TEXT SEARCH TEMPLATE tmpl (LEXIZE = dsimple_lexize, INIT = dsimple_init);
        CREATE TRANSFORM FOR mood LANGUAGE plpgsql (FROM SQL WITH FUNCTION brin_minmax_opcinfo(internal));
        CREATE TYPE later;";
    let db = PgDb::new().await;
    db.execute(&format!(
        "{server} {both} CREATE TABLE kept (x int, y int); CREATE FOREIGN TABLE remote (x int) SERVER far;"
    ))
    .await;
    let desired = format!(
        "{server} {both} {desired_only} CREATE TABLE kept (x int, y int); CREATE FOREIGN TABLE wanted (x int) SERVER far;"
    );
    let plan = engine::plan(&db.url, None, &desired).await.expect("plan");
    assert!(plan.is_empty(), "{:?}", plan.sql());
    let live = |object: &str| format!("{object} in the live database is not managed yet and is left alone");
    let wanted =
        |object: &str| format!("{object} in the desired schema is not managed yet and is not created or changed");
    let mut expected = vec![
        live("base type public.\"Quad\""),
        live("foreign server far"),
        live("foreign table public.remote"),
        live("foreign-data wrapper elsewhere"),
        live("operator public.===(integer, integer)"),
        wanted("access method heap2"),
        wanted("base type public.\"Quad\""),
        wanted("cast (integer AS mood)"),
        wanted("conversion public.to_latin"),
        wanted("foreign server far"),
        wanted("foreign table public.wanted"),
        wanted("foreign-data wrapper elsewhere"),
        wanted("operator class public.cls USING hash"),
        wanted("operator family public.fam USING btree"),
        wanted("operator public.===(integer, integer)"),
        wanted("shell type public.later"),
        wanted("text search configuration public.cfg"),
        wanted("text search dictionary public.dict"),
        wanted("text search parser public.prs"),
        wanted("text search template public.tmpl"),
        wanted("transform FOR mood LANGUAGE plpgsql"),
    ];
    expected.sort();
    assert_eq!(plan.warnings, expected);
}

#[tokio::test]
async fn table_inheritance_and_collations_are_managed_without_warnings() {
    let schema = "CREATE TABLE parent (id int); CREATE TABLE \"Child\" (extra int) INHERITS (parent);
                  CREATE COLLATION \"Folded\" (provider = icu, locale = 'und-u-ks-level2', deterministic = false);";
    let db = PgDb::new().await;
    db.execute(schema).await;
    let plan = engine::plan(&db.url, None, schema).await.expect("plan");
    assert!(plan.is_empty(), "{:?}", plan.sql());
    assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
    let live = engine::inspect(&db.url).await.expect("inspect");
    assert_eq!(live.tables["public.\"Child\""].inherits, vec!["public.parent"]);
    assert!(live.collations.contains_key("public.\"Folded\""));
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
FOR VALUES FROM ('2026-01-01') TO ('2028-01-01')
  -- hazard ScansTableUnderLock: checking the partition bound reads every row of \"public\".\"events_2026\" \
while writes to it wait"
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

/// Index of the first planned statement starting with `prefix`.
fn statement_at(plan: &Plan, prefix: &str) -> usize {
    plan.sql()
        .iter()
        .position(|s| s.starts_with(prefix))
        .unwrap_or_else(|| panic!("no statement starts with {prefix}: {:#?}", plan.sql()))
}

/// Views, materialized views and SQL-standard function bodies that use one
/// another, with quoted names: created and dropped in dependency order.
const DEPENDENT_OBJECTS: &str = r#"
CREATE SCHEMA "Rep";
CREATE TABLE "Rep"."Orders" ("Total" int NOT NULL, region text);
CREATE FUNCTION "Rep".doubled(x bigint) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$ SELECT x * 2 $$;
CREATE VIEW "Rep".a_base AS SELECT "Total", region FROM "Rep"."Orders";
CREATE VIEW "Rep".z_on_view AS SELECT "Rep".doubled("Total") AS twice, region FROM "Rep".a_base;
CREATE MATERIALIZED VIEW "Rep".m_summary AS SELECT region, sum(twice) AS total FROM "Rep".z_on_view GROUP BY region;
CREATE FUNCTION "Rep".a_count() RETURNS bigint LANGUAGE sql STABLE
    BEGIN ATOMIC SELECT count(*) FROM "Rep".z_on_view; END;
CREATE VIEW "Rep".b_counted AS SELECT "Rep".a_count() AS n;
"#;

#[tokio::test]
async fn views_and_atomic_functions_are_created_and_dropped_in_dependency_order() {
    let plan = converge(&Case {
        name: "dependent objects created",
        current: "",
        seed: "",
        desired: DEPENDENT_OBJECTS,
        kept: &[],
    })
    .await;
    let base = statement_at(&plan, "CREATE VIEW \"Rep\".\"a_base\"");
    let on_view = statement_at(&plan, "CREATE VIEW \"Rep\".\"z_on_view\"");
    let summary = statement_at(&plan, "CREATE MATERIALIZED VIEW \"Rep\".\"m_summary\"");
    let count = statement_at(&plan, "CREATE OR REPLACE FUNCTION \"Rep\".a_count()");
    let counted = statement_at(&plan, "CREATE VIEW \"Rep\".\"b_counted\"");
    assert!(statement_at(&plan, "CREATE OR REPLACE FUNCTION \"Rep\".doubled") < on_view);
    assert!(base < on_view && on_view < summary && on_view < count && count < counted);

    let plan = converge(&Case {
        name: "dependent objects dropped",
        current: DEPENDENT_OBJECTS,
        seed: "",
        desired: "CREATE SCHEMA \"Rep\";",
        kept: &[],
    })
    .await;
    let counted = statement_at(&plan, "DROP VIEW \"Rep\".\"b_counted\"");
    let count = statement_at(&plan, "DROP FUNCTION \"Rep\".\"a_count\"");
    let on_view = statement_at(&plan, "DROP VIEW \"Rep\".\"z_on_view\"");
    assert!(counted < count && count < on_view);
    assert!(statement_at(&plan, "DROP MATERIALIZED VIEW \"Rep\".\"m_summary\"") < on_view);
    assert!(on_view < statement_at(&plan, "DROP VIEW \"Rep\".\"a_base\""));
    assert!(on_view < statement_at(&plan, "DROP FUNCTION \"Rep\".\"doubled\""));
}

#[tokio::test]
async fn users_of_a_retyped_column_or_recreated_view_are_rebuilt_around_it() {
    let retyped = DEPENDENT_OBJECTS.replace("\"Total\" int NOT NULL", "\"Total\" bigint NOT NULL");
    let plan = converge(&Case {
        name: "retyped column under views and a function",
        current: DEPENDENT_OBJECTS,
        seed: "INSERT INTO \"Rep\".\"Orders\" VALUES (1, 'north'), (2, 'south');",
        desired: Box::leak(retyped.into_boxed_str()),
        kept: &["SELECT \"Total\"::text FROM \"Rep\".\"Orders\""],
    })
    .await;
    let alter = statement_at(
        &plan,
        "ALTER TABLE \"Rep\".\"Orders\" ALTER COLUMN \"Total\" TYPE bigint",
    );
    for dropped in ["DROP VIEW \"Rep\".\"b_counted\"", "DROP FUNCTION \"Rep\".\"a_count\""] {
        assert!(statement_at(&plan, dropped) < alter, "{dropped}");
    }
    assert!(statement_at(&plan, "CREATE OR REPLACE FUNCTION \"Rep\".a_count()") > alter);
    assert!(
        !plan.sql().iter().any(|s| s.contains("FUNCTION \"Rep\".doubled")),
        "an unaffected function stays: {:?}",
        plan.sql()
    );

    // A view whose columns change other than at the end is dropped and
    // created again; its users go first and come back after.
    let reshaped = DEPENDENT_OBJECTS.replace(
        "SELECT \"Total\", region FROM \"Rep\".\"Orders\"",
        "SELECT region, \"Total\" FROM \"Rep\".\"Orders\"",
    );
    let plan = converge(&Case {
        name: "recreated underlying view",
        current: DEPENDENT_OBJECTS,
        seed: "",
        desired: Box::leak(reshaped.into_boxed_str()),
        kept: &[],
    })
    .await;
    let drop_base = statement_at(&plan, "DROP VIEW \"Rep\".\"a_base\"");
    let create_base = statement_at(&plan, "CREATE VIEW \"Rep\".\"a_base\"");
    for user in [
        "VIEW \"Rep\".\"z_on_view\"",
        "MATERIALIZED VIEW \"Rep\".\"m_summary\"",
        "VIEW \"Rep\".\"b_counted\"",
    ] {
        assert!(statement_at(&plan, &format!("DROP {user}")) < drop_base, "{user}");
        assert!(statement_at(&plan, &format!("CREATE {user}")) > create_base, "{user}");
    }
}

#[tokio::test]
async fn a_function_dropped_and_created_again_takes_the_views_using_it_along() {
    let plan = converge(&Case {
        name: "function signature under a view",
        current: "CREATE FUNCTION half(x int) RETURNS int LANGUAGE sql AS $$ SELECT x / 2 $$;
                  CREATE VIEW \"Halves\" AS SELECT half(10) AS h;
                  CREATE VIEW unrelated AS SELECT 1 AS one;",
        seed: "",
        desired: "CREATE FUNCTION half(value int) RETURNS int LANGUAGE sql AS $$ SELECT value / 2 $$;
                  CREATE VIEW \"Halves\" AS SELECT half(10) AS h;
                  CREATE VIEW unrelated AS SELECT 1 AS one;",
        kept: &[],
    })
    .await;
    let drop_view = statement_at(&plan, "DROP VIEW \"public\".\"Halves\"");
    let drop_function = statement_at(&plan, "DROP FUNCTION \"public\".\"half\"");
    let create_function = statement_at(&plan, "CREATE OR REPLACE FUNCTION public.half");
    let create_view = statement_at(&plan, "CREATE VIEW \"public\".\"Halves\"");
    assert!(drop_view < drop_function && drop_function < create_function && create_function < create_view);
    assert!(!plan.sql().iter().any(|s| s.contains("unrelated")), "{:?}", plan.sql());
}

#[tokio::test]
async fn an_atomic_function_reading_a_new_column_waits_for_it() {
    converge(&Case {
        name: "atomic body over a changed table",
        current: "CREATE TABLE items (id int);",
        seed: "INSERT INTO items VALUES (1);",
        desired: "CREATE TABLE items (id int, price numeric);
                  CREATE FUNCTION total() RETURNS numeric LANGUAGE sql BEGIN ATOMIC SELECT sum(price) FROM items; END;
                  CREATE FUNCTION plain() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
                  CREATE TABLE uses_plain (n int DEFAULT plain());",
        kept: &["SELECT id::text FROM items"],
    })
    .await;
    converge(&Case {
        name: "atomic function dropped with its table",
        current: "CREATE TABLE items (id int);
                  CREATE FUNCTION counted() RETURNS bigint LANGUAGE sql BEGIN ATOMIC SELECT count(*) FROM items; END;",
        seed: "",
        desired: "",
        kept: &[],
    })
    .await;
}

const UNCOMMENTED: &str = r#"
CREATE SCHEMA "Docs";
CREATE EXTENSION pg_trgm WITH SCHEMA public;
CREATE TYPE "Docs"."Mood" AS ENUM ('ok');
CREATE TYPE "Docs".pair AS (a int, b int);
CREATE DOMAIN "Docs".positive AS int CONSTRAINT is_positive CHECK (VALUE > 0);
CREATE SEQUENCE "Docs".counter;
CREATE TABLE "Docs".t (id int CONSTRAINT t_key PRIMARY KEY, "Body" text CONSTRAINT has_body CHECK ("Body" <> ''));
CREATE INDEX "T Body" ON "Docs".t ("Body");
ALTER TABLE "Docs".t ENABLE ROW LEVEL SECURITY;
CREATE POLICY "Readers" ON "Docs".t FOR SELECT USING (true);
CREATE FUNCTION "Docs".touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE PROCEDURE "Docs".noop(x int) LANGUAGE sql AS $$ SELECT x $$;
CREATE TRIGGER "Touch" BEFORE INSERT ON "Docs".t FOR EACH ROW EXECUTE FUNCTION "Docs".touch();
CREATE VIEW "Docs"."Visible" AS SELECT id, "Body" FROM "Docs".t;
CREATE MATERIALIZED VIEW "Docs".counts AS SELECT count(*) AS n FROM "Docs".t;
CREATE INDEX counts_n ON "Docs".counts (n);
CREATE AGGREGATE "Docs".total(int) (SFUNC = int4pl, STYPE = int);
CREATE TYPE "Docs"."Span" AS RANGE (subtype = int);
CREATE RULE "No Delete" AS ON DELETE TO "Docs".t DO INSTEAD NOTHING;
CREATE STATISTICS "Docs"."Body Stats" ON id, "Body" FROM "Docs".t;
"#;

const COMMENTS: &str = r#"
COMMENT ON SCHEMA "Docs" IS 'documents';
COMMENT ON EXTENSION pg_trgm IS 'trigrams';
COMMENT ON TYPE "Docs"."Mood" IS 'how it feels';
COMMENT ON TYPE "Docs".pair IS 'two ints';
COMMENT ON DOMAIN "Docs".positive IS 'above zero';
COMMENT ON CONSTRAINT is_positive ON DOMAIN "Docs".positive IS 'the rule';
COMMENT ON SEQUENCE "Docs".counter IS 'counts';
COMMENT ON CONSTRAINT t_key ON "Docs".t IS 'the key';
COMMENT ON CONSTRAINT has_body ON "Docs".t IS 'not empty';
COMMENT ON INDEX "Docs"."T Body" IS 'by body';
COMMENT ON POLICY "Readers" ON "Docs".t IS 'everyone reads';
COMMENT ON FUNCTION "Docs".touch() IS 'touches';
COMMENT ON PROCEDURE "Docs".noop(int) IS 'does nothing';
COMMENT ON TRIGGER "Touch" ON "Docs".t IS 'on insert';
COMMENT ON VIEW "Docs"."Visible" IS 'what shows';
COMMENT ON COLUMN "Docs"."Visible"."Body" IS 'the body';
COMMENT ON MATERIALIZED VIEW "Docs".counts IS 'how many';
COMMENT ON INDEX "Docs".counts_n IS 'by count';
COMMENT ON AGGREGATE "Docs".total(int) IS 'adds up';
COMMENT ON TYPE "Docs"."Span" IS 'from to';
COMMENT ON RULE "No Delete" ON "Docs".t IS 'keeps rows';
COMMENT ON STATISTICS "Docs"."Body Stats" IS 'correlated';
"#;

#[tokio::test]
async fn comments_on_every_kind_of_object_are_added_changed_and_removed() {
    let commented: &'static str = Box::leak(format!("{UNCOMMENTED}{COMMENTS}").into_boxed_str());
    let plan = converge(&Case {
        name: "comments added",
        current: UNCOMMENTED,
        seed: "",
        desired: commented,
        kept: &[],
    })
    .await;
    assert_eq!(
        plan.statements.len(),
        COMMENTS.trim().lines().count(),
        "{:#?}",
        plan.sql()
    );
    assert!(
        plan.sql().iter().all(|s| s.starts_with("COMMENT ON ")),
        "{:#?}",
        plan.sql()
    );

    let changed: &'static str = Box::leak(commented.replace("'what shows'", "'what is shown'").into_boxed_str());
    let plan = converge(&Case {
        name: "one comment changed",
        current: commented,
        seed: "",
        desired: changed,
        kept: &[],
    })
    .await;
    assert_eq!(
        plan.sql(),
        vec!["COMMENT ON VIEW \"Docs\".\"Visible\" IS 'what is shown'"]
    );

    let plan = converge(&Case {
        name: "comments removed",
        current: commented,
        seed: "",
        desired: UNCOMMENTED,
        kept: &[],
    })
    .await;
    assert_eq!(
        plan.statements.len(),
        COMMENTS.trim().lines().count(),
        "{:#?}",
        plan.sql()
    );
    assert!(plan.sql().iter().all(|s| s.ends_with(" IS NULL")), "{:#?}", plan.sql());
    assert!(plan
        .sql()
        .contains(&"COMMENT ON CONSTRAINT \"is_positive\" ON DOMAIN \"Docs\".\"positive\" IS NULL".to_string()));
}

#[tokio::test]
async fn comments_come_back_on_objects_that_are_recreated() {
    converge(&Case {
        name: "recreated objects keep their comments",
        current: "CREATE TABLE t (a int, b text);
                  CREATE VIEW v AS SELECT a, b FROM t;
                  COMMENT ON VIEW v IS 'kept';
                  COMMENT ON COLUMN v.a IS 'kept column';
                  CREATE FUNCTION f(x int) RETURNS int LANGUAGE sql AS $$ SELECT x $$;
                  COMMENT ON FUNCTION f(int) IS 'kept function';
                  CREATE TYPE mood AS ENUM ('a', 'b');
                  COMMENT ON TYPE mood IS 'kept type';
                  CREATE INDEX t_a ON t (a);
                  COMMENT ON INDEX t_a IS 'kept index';
                  CREATE RULE \"No Insert\" AS ON INSERT TO v DO INSTEAD NOTHING;
                  COMMENT ON RULE \"No Insert\" ON v IS 'kept rule';
                  CREATE STATISTICS \"T Stats\" (ndistinct) ON a, b FROM t;
                  COMMENT ON STATISTICS \"T Stats\" IS 'kept statistics';",
        seed: "INSERT INTO t VALUES (1, 'x');",
        desired: "CREATE TABLE t (a bigint, b text);
                  CREATE VIEW v AS SELECT a, b FROM t;
                  COMMENT ON VIEW v IS 'kept';
                  COMMENT ON COLUMN v.a IS 'kept column';
                  CREATE FUNCTION f(x int) RETURNS bigint LANGUAGE sql AS $$ SELECT x::bigint $$;
                  COMMENT ON FUNCTION f(int) IS 'kept function';
                  CREATE TYPE mood AS ENUM ('b');
                  COMMENT ON TYPE mood IS 'kept type';
                  CREATE INDEX t_a ON t (a DESC);
                  COMMENT ON INDEX t_a IS 'kept index';
                  CREATE RULE \"No Insert\" AS ON INSERT TO v DO INSTEAD NOTHING;
                  COMMENT ON RULE \"No Insert\" ON v IS 'kept rule';
                  CREATE STATISTICS \"T Stats\" (dependencies) ON a, b FROM t;
                  COMMENT ON STATISTICS \"T Stats\" IS 'kept statistics';",
        kept: &["SELECT a::text FROM t"],
    })
    .await;
}

#[tokio::test]
async fn view_options_change_in_place() {
    let plan = converge(&Case {
        name: "view options",
        current: "CREATE TABLE t (a int, b int);
                  CREATE VIEW \"Guarded\" WITH (security_barrier) AS SELECT a FROM t WHERE a > 0;
                  CREATE VIEW checked AS SELECT a FROM t WHERE a > 0 WITH LOCAL CHECK OPTION;
                  CREATE VIEW reader AS SELECT a FROM \"Guarded\";
                  CREATE MATERIALIZED VIEW mv AS SELECT a FROM t;",
        seed: "",
        desired: "CREATE TABLE t (a int, b int);
                  CREATE VIEW \"Guarded\" WITH (security_invoker = true) AS SELECT a FROM t WHERE a > 0;
                  CREATE VIEW checked AS SELECT a FROM t WHERE a > 0 WITH CASCADED CHECK OPTION;
                  CREATE VIEW reader AS SELECT a FROM \"Guarded\";
                  CREATE MATERIALIZED VIEW mv WITH (fillfactor = 70) AS SELECT a FROM t;",
        kept: &[],
    })
    .await;
    assert_eq!(
        plan.sql(),
        vec![
            "ALTER VIEW \"public\".\"Guarded\" RESET (security_barrier)",
            "ALTER VIEW \"public\".\"Guarded\" SET (security_invoker=true)",
            "ALTER VIEW \"public\".\"checked\" SET (check_option=cascaded)",
            "ALTER MATERIALIZED VIEW \"public\".\"mv\" SET (fillfactor=70)",
        ]
    );
    // Created with their options; a replaced view keeps the new ones.
    converge(&Case {
        name: "views created with options",
        current: "CREATE TABLE t (a int, b int); CREATE VIEW grows AS SELECT a FROM t;",
        seed: "",
        desired: "CREATE TABLE t (a int, b int);
                  CREATE VIEW grows WITH (security_barrier) AS SELECT a, b FROM t;
                  CREATE VIEW fresh AS SELECT a FROM t WITH CHECK OPTION;
                  CREATE MATERIALIZED VIEW mv WITH (autovacuum_enabled = false) AS SELECT a FROM t;",
        kept: &[],
    })
    .await;
}
mod renames {
    use super::*;

    const BEFORE: &str = "CREATE SCHEMA app;\n\
        CREATE TABLE app.\"Accounts\" (id serial PRIMARY KEY, \"E-Mail\" text NOT NULL UNIQUE CHECK (\"E-Mail\" <> ''), name text);\n\
        CREATE INDEX \"Accounts_name_idx\" ON app.\"Accounts\" (lower(name));\n\
        CREATE TABLE app.posts (id serial PRIMARY KEY, account_id int REFERENCES app.\"Accounts\" (id));\n\
        CREATE VIEW app.emails AS SELECT \"E-Mail\" FROM app.\"Accounts\";\n\
        INSERT INTO app.\"Accounts\" (\"E-Mail\", name) VALUES ('a@example.com', 'Ann'), ('b@example.com', 'Bob');\n\
        INSERT INTO app.posts (account_id) VALUES (2);";
    // The constraint, index and sequence names are the ones PostgreSQL gives
    // a new table `Members`: the plan renames them too.
    const AFTER: &str = "CREATE SCHEMA app;\n\
        -- model: app.models.Member (app/models.py:14)\n\
        -- model-column: mail (app/models.py:17)\n\
        -- renamed_from: \"Accounts\"\n\
        CREATE TABLE app.\"Members\" (\n\
          id serial PRIMARY KEY,\n\
          -- renamed_from: \"E-Mail\"\n\
          mail text NOT NULL UNIQUE CHECK (mail <> ''),\n\
          name text\n\
        );\n\
        CREATE INDEX \"Members_name_idx\" ON app.\"Members\" (lower(name));\n\
        CREATE TABLE app.posts (id serial PRIMARY KEY, account_id int REFERENCES app.\"Members\" (id));\n\
        CREATE VIEW app.emails AS SELECT mail AS \"E-Mail\" FROM app.\"Members\";";

    #[tokio::test]
    async fn a_table_and_a_column_are_renamed_with_their_rows_and_sequence() {
        let db = PgDb::new().await;
        db.execute(BEFORE).await;
        let plan = engine::plan(&db.url, None, AFTER).await.unwrap();
        let sql = plan.sql();
        assert_eq!(
            sql[..3],
            [
                r#"ALTER TABLE "app"."Accounts" RENAME TO "Members""#,
                r#"ALTER TABLE "app"."Members" RENAME COLUMN "E-Mail" TO "mail""#,
                r#"ALTER INDEX "app"."Accounts_name_idx" RENAME TO "Members_name_idx""#,
            ],
            "{sql:#?}"
        );
        for expected in [
            r#"ALTER TABLE "app"."Members" RENAME CONSTRAINT "Accounts_pkey" TO "Members_pkey""#,
            r#"ALTER SEQUENCE "app"."Accounts_id_seq" RENAME TO "Members_id_seq""#,
        ] {
            assert!(sql.contains(&expected.to_string()), "{expected} in {sql:#?}");
        }
        assert!(
            !sql.iter()
                .any(|s| s.starts_with("DROP TABLE") || s.starts_with("DROP SEQUENCE") || s.contains("SET DEFAULT")),
            "{sql:#?}"
        );
        let renames: Vec<(HazardKind, Option<&str>, Option<&str>)> = plan
            .statements
            .iter()
            .flat_map(|s| &s.hazards)
            .filter(|h| matches!(h.kind, HazardKind::RenamesTable | HazardKind::RenamesColumn))
            .map(|h| (h.kind, h.table.as_deref(), h.source.as_deref()))
            .collect();
        let members = Some("app.\"Members\"");
        // The table's rename names the class, the column's the column's own line.
        assert_eq!(
            renames,
            vec![
                (HazardKind::RenamesTable, members, Some("app/models.py:14")),
                (HazardKind::RenamesColumn, members, Some("app/models.py:17"))
            ]
        );
        let outcome = engine::apply(&db.url, None, AFTER, &sql).await.unwrap();
        assert_eq!(outcome.live_hash, plan.desired_hash);
        let mut conn = db.connect().await;
        let rows = sqlx::query("SELECT id, mail FROM app.\"Members\" ORDER BY id")
            .fetch_all(&mut conn)
            .await
            .unwrap();
        let rows: Vec<(i32, String)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
        assert_eq!(rows, vec![(1, "a@example.com".into()), (2, "b@example.com".into())]);
        // The sequence kept counting.
        let next: i32 = sqlx::query("INSERT INTO app.\"Members\" (mail) VALUES ('c@example.com') RETURNING id")
            .fetch_one(&mut conn)
            .await
            .unwrap()
            .get(0);
        assert_eq!(next, 3);
        conn.close().await.unwrap();
        // The annotations stay in the source; now they change nothing.
        let again = engine::plan(&db.url, None, AFTER).await.unwrap();
        assert!(again.is_empty(), "{:#?}", again.sql());
    }

    #[tokio::test]
    async fn unquoted_names_fold_to_lower_case() {
        let db = PgDb::new().await;
        db.execute("CREATE TABLE old_items (id int PRIMARY KEY, label text); INSERT INTO old_items VALUES (1, 'one');")
            .await;
        let desired = "-- renamed_from: OLD_ITEMS\nCREATE TABLE Items (\n  id int PRIMARY KEY,\n  -- renamed_from: LABEL\n  Title text\n);";
        let plan = engine::plan(&db.url, None, desired).await.unwrap();
        assert_eq!(
            plan.sql(),
            vec![
                r#"ALTER TABLE "public"."old_items" RENAME TO "items""#,
                r#"ALTER TABLE "public"."items" RENAME COLUMN "label" TO "title""#,
                r#"ALTER TABLE "public"."items" RENAME CONSTRAINT "old_items_pkey" TO "items_pkey""#,
            ]
        );
        engine::apply(&db.url, None, desired, &plan.sql()).await.unwrap();
        assert!(engine::plan(&db.url, None, desired).await.unwrap().is_empty());
    }
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
