//! The SQLite engine end to end, on real database files: plan, apply, converge.

use std::path::PathBuf;

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection, Row};
use tfalchemy::engine::{self, diff, schema_hash, DatabaseUrl, Dialect, EngineError, HazardKind, Plan, Statement};

#[path = "engine_sqlite/case.rs"]
mod case;
#[path = "engine_sqlite/hazards.rs"]
mod hazards;
#[path = "engine_sqlite/kinds.rs"]
mod kinds;
#[path = "engine_sqlite/older_readers.rs"]
mod older_readers;
#[allow(dead_code)]
#[path = "common/python.rs"]
mod python;
#[path = "engine_sqlite/sqlalchemy_parity.rs"]
mod sqlalchemy_parity;
#[path = "engine_sqlite/types.rs"]
mod types;
#[path = "engine_sqlite/written.rs"]
mod written;

const BLOG_V1: &str = include_str!("fixtures/sqlite/blog_v1.sql");
const BLOG_V2: &str = include_str!("fixtures/sqlite/blog_v2.sql");
const BLOG_SEED: &str = include_str!("fixtures/sqlite/blog_seed.sql");

/// A throwaway database file.
struct Db {
    _dir: tempfile::TempDir,
    path: PathBuf,
    url: DatabaseUrl,
}

impl Db {
    fn new() -> Db {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("app.db");
        let url = DatabaseUrl::parse(&format!("sqlite:///{}", path.display())).expect("url");
        Db { _dir: dir, path, url }
    }

    async fn connect(&self) -> SqliteConnection {
        SqliteConnectOptions::new()
            .filename(&self.path)
            .create_if_missing(true)
            .connect()
            .await
            .expect("connect")
    }

    async fn execute(&self, sql: &str) {
        if sql.trim().is_empty() {
            return;
        }
        let mut conn = self.connect().await;
        sqlx::raw_sql(sql).execute(&mut conn).await.expect(sql);
        conn.close().await.expect("close");
    }

    /// The `CREATE` statement SQLite stored for `name`.
    async fn stored_sql(&self, name: &str) -> String {
        let mut conn = self.connect().await;
        let sql: String = sqlx::query_scalar("SELECT sql FROM sqlite_schema WHERE name = ?1")
            .bind(name)
            .fetch_one(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("no stored SQL for {name}: {e}"));
        conn.close().await.expect("close");
        sql
    }

    /// Values of one column, in rowid order (key order in a table without
    /// rowid), as text.
    async fn column_values(&self, table: &str, column: &str) -> Vec<Option<String>> {
        let mut conn = self.connect().await;
        let without_rowid: bool = sqlx::query_scalar("SELECT wr FROM pragma_table_list(?1)")
            .bind(table)
            .fetch_one(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("no table {table}: {e}"));
        let order = if without_rowid {
            let key: Vec<String> =
                sqlx::query_scalar("SELECT name FROM pragma_table_info(?1) WHERE pk > 0 ORDER BY pk")
                    .bind(table)
                    .fetch_all(&mut conn)
                    .await
                    .expect("key");
            key.iter().map(|c| quote(c)).collect::<Vec<_>>().join(", ")
        } else {
            "rowid".to_string()
        };
        let sql = format!(
            "SELECT CAST({} AS TEXT) FROM {} ORDER BY {order}",
            quote(column),
            quote(table)
        );
        let rows = sqlx::query(&sql).fetch_all(&mut conn).await.expect(&sql);
        conn.close().await.expect("close");
        rows.iter().map(|r| r.get::<Option<String>, _>(0)).collect()
    }
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// One convergence pair: a database at `current` (with `seed` rows) is planned
/// and applied to `desired`; `kept` columns must keep their values.
struct Case {
    name: &'static str,
    current: &'static str,
    seed: &'static str,
    desired: &'static str,
    kept: &'static [(&'static str, &'static str)],
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

async fn converge(case: &Case) -> Plan {
    converge_on(&Db::new(), case).await
}

/// [`converge`] on `db`, which the caller may look into afterwards.
async fn converge_on(db: &Db, case: &Case) -> Plan {
    db.execute(case.current).await;
    db.execute(case.seed).await;
    let mut before = Vec::new();
    for (table, column) in case.kept {
        before.push(db.column_values(table, column).await);
    }

    let plan = engine::plan(&db.url, None, case.desired)
        .await
        .unwrap_or_else(|e| panic!("{}: plan: {e}", case.name));
    assert!(!plan.is_empty(), "{}: expected changes", case.name);
    let outcome = engine::apply(&db.url, None, case.desired, &plan.sql())
        .await
        .unwrap_or_else(|e| panic!("{}: apply: {e}\nplan:\n{}", case.name, plan.sql().join(";\n")));
    assert_eq!(outcome.executed, unprobed(&plan.statements), "{}", case.name);

    let live = engine::inspect(&db.url).await.expect("inspect");
    let desired = engine::normalize(Dialect::Sqlite, None, case.desired)
        .await
        .expect("normalize");
    let remaining: Vec<String> = diff(&live, &desired).iter().map(|c| c.describe()).collect();
    assert!(remaining.is_empty(), "{}: still differs: {remaining:?}", case.name);
    assert_eq!(schema_hash(&live), schema_hash(&desired), "{}", case.name);
    assert_eq!(outcome.live_hash, plan.desired_hash, "{}", case.name);

    let again = engine::plan(&db.url, None, case.desired).await.expect("replan");
    assert!(
        again.is_empty(),
        "{}: second plan not empty: {:?}",
        case.name,
        again.sql()
    );
    assert_eq!(again.live_hash, again.desired_hash);

    for ((table, column), values) in case.kept.iter().zip(before) {
        assert_eq!(
            db.column_values(table, column).await,
            values,
            "{}: values of {table}.{column}",
            case.name
        );
    }
    plan
}

const T_ROWS: &str = "INSERT INTO t (id, a) VALUES (1, 'x'), (2, 'y'), (3, NULL);";

const CASES: &[Case] = &[
    Case {
        name: "create table from nothing",
        current: "",
        seed: "",
        desired: "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE);\
                  CREATE INDEX ix_users_email ON users (email);",
        kept: &[],
    },
    Case {
        name: "drop table",
        current: "CREATE TABLE keep (id INTEGER PRIMARY KEY); CREATE TABLE gone (id INTEGER PRIMARY KEY);",
        seed: "INSERT INTO keep VALUES (1), (2); INSERT INTO gone VALUES (1);",
        desired: "CREATE TABLE keep (id INTEGER PRIMARY KEY);",
        kept: &[("keep", "id")],
    },
    Case {
        name: "add nullable column in place",
        current: "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);",
        seed: T_ROWS,
        desired: "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b VARCHAR(20));",
        kept: &[("t", "id"), ("t", "a")],
    },
    Case {
        name: "add not null column with constant default in place",
        current: "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);",
        seed: T_ROWS,
        desired: "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, n INTEGER NOT NULL DEFAULT -1);",
        kept: &[("t", "id"), ("t", "a")],
    },
    Case {
        name: "add column with expression default needs a rebuild",
        current: "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);",
        seed: T_ROWS,
        desired: "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, created TEXT DEFAULT CURRENT_TIMESTAMP, \
                  score INTEGER DEFAULT (1 + 2));",
        kept: &[("t", "id"), ("t", "a")],
    },
    Case {
        name: "drop column in place",
        current: "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT);",
        seed: "INSERT INTO t VALUES (1, 'x', 'b1'), (2, 'y', 'b2');",
        desired: "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);",
        kept: &[("t", "id"), ("t", "a")],
    },
    Case {
        name: "drop an indexed column",
        current: "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT); CREATE INDEX ix_b ON t (b);",
        seed: "INSERT INTO t VALUES (1, 'x', 'b1');",
        desired: "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);",
        kept: &[("t", "a")],
    },
    Case {
        name: "drop a unique column needs a rebuild",
        current: "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, code TEXT UNIQUE);",
        seed: "INSERT INTO t VALUES (1, 'x', 'c1'), (2, 'y', 'c2');",
        desired: "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);",
        kept: &[("t", "id"), ("t", "a")],
    },
    Case {
        name: "change type keeps rows",
        current: "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, n TEXT);",
        seed: "INSERT INTO t VALUES (1, 'x', '10'), (2, 'y', '20');",
        desired: "CREATE TABLE t (id INTEGER PRIMARY KEY, a VARCHAR(10), n INTEGER);",
        kept: &[("t", "id"), ("t", "a"), ("t", "n")],
    },
    Case {
        name: "add not null",
        current: "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);",
        seed: "INSERT INTO t VALUES (1, 'x'), (2, 'y');",
        desired: "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT NOT NULL);",
        kept: &[("t", "id"), ("t", "a")],
    },
    Case {
        name: "drop not null",
        current: "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT NOT NULL);",
        seed: "INSERT INTO t VALUES (1, 'x'), (2, 'y');",
        desired: "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);",
        kept: &[("t", "id"), ("t", "a")],
    },
    Case {
        name: "default change",
        current: "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT DEFAULT 'old');",
        seed: T_ROWS,
        desired: "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT DEFAULT 'new');",
        kept: &[("t", "id"), ("t", "a")],
    },
    Case {
        name: "add and drop unique constraints",
        current: "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT UNIQUE, b TEXT);",
        seed: "INSERT INTO t VALUES (1, 'x', 'p'), (2, 'y', 'q');",
        desired: "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT, CONSTRAINT uq_t_b UNIQUE (b, id));",
        kept: &[("t", "id"), ("t", "a"), ("t", "b")],
    },
    Case {
        name: "add and drop indexes, partial, expression, desc and collate",
        current: "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT); CREATE INDEX ix_old ON t (a);",
        seed: T_ROWS,
        desired: "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT);\
                  CREATE UNIQUE INDEX ix_a_partial ON t (a) WHERE a IS NOT NULL AND id > 0;\
                  CREATE INDEX ix_lower_b ON t (lower(b), id DESC);\
                  CREATE INDEX ix_b_nocase ON t (b COLLATE NOCASE);",
        kept: &[("t", "id"), ("t", "a")],
    },
    Case {
        name: "foreign key added with actions",
        current: "CREATE TABLE parent (id INTEGER PRIMARY KEY);\
                  CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER);",
        seed: "INSERT INTO parent VALUES (1), (2); INSERT INTO child VALUES (10, 1), (11, 2), (12, NULL);",
        desired: "CREATE TABLE parent (id INTEGER PRIMARY KEY);\
                  CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER,\
                  CONSTRAINT fk_child_parent FOREIGN KEY (parent_id) REFERENCES parent (id) ON DELETE CASCADE ON UPDATE SET NULL);",
        kept: &[("child", "parent_id"), ("parent", "id")],
    },
    Case {
        name: "foreign key dropped",
        current: "CREATE TABLE parent (id INTEGER PRIMARY KEY);\
                  CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent ON DELETE SET NULL);",
        seed: "INSERT INTO parent VALUES (1); INSERT INTO child VALUES (10, 1);",
        desired: "CREATE TABLE parent (id INTEGER PRIMARY KEY);\
                  CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER);",
        kept: &[("child", "parent_id")],
    },
    Case {
        name: "column with a foreign key added in place",
        current: "CREATE TABLE parent (id INTEGER PRIMARY KEY); CREATE TABLE child (id INTEGER PRIMARY KEY);",
        seed: "INSERT INTO parent VALUES (1); INSERT INTO child VALUES (10);",
        desired: "CREATE TABLE parent (id INTEGER PRIMARY KEY);\
                  CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id) ON DELETE CASCADE);",
        kept: &[("child", "id")],
    },
    Case {
        name: "rebuilding a parent keeps cascading children",
        current: "CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT);\
                  CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id) ON DELETE CASCADE);",
        seed: "INSERT INTO parent VALUES (1, 'a'), (2, 'b'); INSERT INTO child VALUES (10, 1), (11, 2);",
        desired: "CREATE TABLE parent (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL);\
                  CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id) ON DELETE CASCADE);",
        kept: &[("child", "id"), ("child", "parent_id"), ("parent", "name")],
    },
    Case {
        name: "check added and changed",
        current: "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, n INTEGER CHECK (n > 0));",
        seed: "INSERT INTO t VALUES (1, 'x', 5), (2, 'y', 7);",
        desired: "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, n INTEGER CHECK (n > 1),\
                  CONSTRAINT ck_a CHECK (length(a) < 10));",
        kept: &[("t", "a"), ("t", "n")],
    },
    Case {
        name: "composite primary key",
        current: "CREATE TABLE m (a INTEGER NOT NULL, b INTEGER NOT NULL, v TEXT, PRIMARY KEY (a));",
        seed: "INSERT INTO m VALUES (1, 1, 'x'), (2, 1, 'y');",
        desired: "CREATE TABLE m (a INTEGER NOT NULL, b INTEGER NOT NULL, v TEXT, CONSTRAINT pk_m PRIMARY KEY (a, b));",
        kept: &[("m", "a"), ("m", "b"), ("m", "v")],
    },
    Case {
        name: "autoincrement",
        current: "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);",
        seed: T_ROWS,
        desired: "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, a TEXT);",
        kept: &[("t", "id"), ("t", "a")],
    },
    Case {
        name: "weird names are quoted",
        current: "CREATE TABLE \"Order Items\" (\"select\" INTEGER PRIMARY KEY, \"we\"\"ird\" TEXT);",
        seed: "INSERT INTO \"Order Items\" VALUES (1, 'q');",
        desired: "CREATE TABLE \"Order Items\" (\"select\" INTEGER PRIMARY KEY, \"we\"\"ird\" VARCHAR(5),\
                  [Group] TEXT DEFAULT 'it''s', UNIQUE (\"we\"\"ird\", [Group]));\
                  CREATE INDEX \"ix \"\"odd\"\"\" ON \"Order Items\" ([Group] DESC);\
                  CREATE TABLE \"from\" (\"to\" INTEGER REFERENCES \"Order Items\" (\"select\"));",
        kept: &[("Order Items", "select"), ("Order Items", "we\"ird")],
    },
    Case {
        name: "views and triggers survive a rebuild",
        current: "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);\
                  CREATE TABLE log (msg TEXT);\
                  CREATE VIEW v AS SELECT a FROM t;\
                  CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO log VALUES (new.a); END;",
        seed: T_ROWS,
        desired: "CREATE TABLE t (id INTEGER PRIMARY KEY, a VARCHAR(9));\
                  CREATE TABLE log (msg TEXT);\
                  CREATE VIEW v AS SELECT a FROM t;\
                  CREATE VIEW v2 AS SELECT id FROM t WHERE a IS NULL;\
                  CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO log VALUES (new.a); END;",
        kept: &[("t", "a"), ("log", "msg")],
    },
    Case {
        name: "table options and collation",
        current: "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);",
        seed: T_ROWS,
        desired: "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT COLLATE NOCASE) STRICT;",
        kept: &[("t", "id"), ("t", "a")],
    },
    Case {
        name: "without rowid table",
        current: "",
        seed: "",
        desired: "CREATE TABLE kv (k TEXT PRIMARY KEY, v BLOB) WITHOUT ROWID;",
        kept: &[],
    },
    Case {
        name: "blog v1 to v2",
        current: BLOG_V1,
        seed: BLOG_SEED,
        desired: BLOG_V2,
        kept: &[("users", "email"), ("posts", "title"), ("posts", "body")],
    },
];

#[tokio::test]
async fn every_pair_converges_and_keeps_rows() {
    for case in CASES {
        converge(case).await;
    }
}

/// Statements and hazards as reviewable text.
fn render_plan(plan: &Plan) -> String {
    plan.statements
        .iter()
        .map(|s| {
            let mut text = String::new();
            for hazard in &s.hazards {
                text.push_str(&format!("-- hazard {:?}: {}\n", hazard.kind, hazard.detail));
                if let Some(finding) = &hazard.finding {
                    text.push_str(&format!("--   found: {finding}\n"));
                }
            }
            if !s.in_transaction {
                text.push_str("-- outside the transaction\n");
            }
            text.push_str(&s.sql);
            text.push(';');
            text
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

fn case(name: &str) -> &'static Case {
    CASES
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no case {name}"))
}

#[tokio::test]
async fn snapshot_blog_v1_to_v2() {
    let plan = converge(case("blog v1 to v2")).await;
    insta::assert_snapshot!(render_plan(&plan));
}

#[tokio::test]
async fn snapshot_create_from_nothing() {
    let plan = converge(&Case {
        name: "blog from nothing",
        current: "",
        seed: "",
        desired: BLOG_V2,
        kept: &[],
    })
    .await;
    insta::assert_snapshot!(render_plan(&plan));
}

#[tokio::test]
async fn snapshot_rebuild_with_views_and_triggers() {
    let plan = converge(case("views and triggers survive a rebuild")).await;
    insta::assert_snapshot!(render_plan(&plan));
}

#[tokio::test]
async fn snapshot_weird_names() {
    let plan = converge(case("weird names are quoted")).await;
    insta::assert_snapshot!(render_plan(&plan));
}

#[tokio::test]
async fn snapshot_in_place_column_changes() {
    let plan = converge(&Case {
        name: "in place",
        current: "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, gone TEXT);\
                  CREATE TABLE parent (id INTEGER PRIMARY KEY);",
        seed: "INSERT INTO t VALUES (1, 'x', 'g');",
        desired: "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, n INTEGER NOT NULL DEFAULT 0,\
                  parent_id INTEGER REFERENCES parent (id) ON DELETE SET NULL);\
                  CREATE TABLE parent (id INTEGER PRIMARY KEY);",
        kept: &[("t", "a")],
    })
    .await;
    assert!(plan.statements.iter().all(|s| s.in_transaction));
    insta::assert_snapshot!(render_plan(&plan));
}

#[tokio::test]
async fn plans_are_deterministic() {
    let db = Db::new();
    db.execute(BLOG_V1).await;
    db.execute(BLOG_SEED).await;
    let first = engine::plan(&db.url, None, BLOG_V2).await.expect("plan");
    let second = engine::plan(&db.url, None, BLOG_V2).await.expect("plan");
    assert_eq!(
        serde_json::to_string(&first).expect("json"),
        serde_json::to_string(&second).expect("json")
    );
    assert!(!first.is_empty());
}

#[tokio::test]
async fn reformatted_desired_sql_is_the_same_schema() {
    let db = Db::new();
    db.execute(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a varchar( 10 ) DEFAULT 'x', CHECK (a<>'y'));\
                CREATE INDEX ix ON t (lower(a)) WHERE a IS NOT NULL;",
    )
    .await;
    let desired =
        "create table t (\n  id integer primary key,\n  a VARCHAR(10) default 'x',\n  check ( a <> 'y' )\n);\n\
                   create index ix on t ( lower( a ) ) where a is not null;";
    let plan = engine::plan(&db.url, None, desired).await.expect("plan");
    assert!(plan.is_empty(), "{:?}", plan.sql());
    assert_eq!(plan.live_hash, plan.desired_hash);
}

#[tokio::test]
async fn apply_refuses_a_plan_the_database_no_longer_matches() {
    let db = Db::new();
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY);").await;
    let desired = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);";
    let plan = engine::plan(&db.url, None, desired).await.expect("plan");
    db.execute("ALTER TABLE t ADD COLUMN b TEXT;").await;
    let err = engine::apply(&db.url, None, desired, &plan.sql())
        .await
        .expect_err("must refuse");
    assert!(matches!(err, EngineError::ChangedSincePlan { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains(&db.url.redacted()), "{message}");
    assert!(message.contains("DROP COLUMN \"b\""), "{message}");
    // Nothing ran: b is still there, a is not.
    let live = engine::inspect(&db.url).await.expect("inspect");
    let t = &live.tables["t"];
    assert!(t.column("b").is_some() && t.column("a").is_none());
}

#[tokio::test]
async fn invalid_desired_sql_names_its_line_column_and_statement() {
    let db = Db::new();
    let desired = "CREATE TABLE a (id INTEGER PRIMARY KEY);\n\n-- second\nCREATE TABLE b (id INTEGER PRIMARY KEY,\n  a_id INTEGER REFERENCES a (id)\n  oops);\nCREATE TABLE c (x);";
    let err = engine::plan(&db.url, None, desired).await.expect_err("bad sql");
    let EngineError::SqlSyntax {
        index,
        line,
        column,
        ref statement,
        ref message,
    } = err
    else {
        panic!("unexpected error {err:?}");
    };
    assert_eq!((index, line, column), (2, 6, 3), "where `oops` stands");
    assert!(
        statement.starts_with("CREATE TABLE b") && statement.ends_with("oops)"),
        "{statement}"
    );
    assert!(message.contains("syntax error"), "{message}");
    assert!(!db.path.exists(), "planning created the database");
}

#[tokio::test]
async fn unwritable_database_is_reported_with_its_url() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("missing-dir").join("app.db");
    let url = DatabaseUrl::parse(&format!("sqlite:///{}", path.display())).expect("url");
    let desired = "CREATE TABLE t (id INTEGER PRIMARY KEY);";
    let plan = engine::plan(&url, None, desired).await.expect("plan of a missing file");
    assert_eq!(plan.statements.len(), 1);
    let err = engine::apply(&url, None, desired, &plan.sql())
        .await
        .expect_err("cannot create");
    assert!(matches!(err, EngineError::Connect { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains(&url.redacted()), "{message}");
    assert!(message.contains("missing-dir does not exist"), "{message}");

    // A directory where the file should be.
    let url = DatabaseUrl::parse(&format!("sqlite:///{}", dir.path().display())).expect("url");
    let err = engine::plan(&url, None, desired).await.expect_err("a directory");
    assert!(matches!(err, EngineError::Connect { .. }), "{err:?}");
}

#[tokio::test]
async fn server_urls_never_leak_the_password() {
    let url = DatabaseUrl::parse("postgresql+psycopg://app:hunter2@db.invalid:5432/shop").expect("url");
    let err = engine::plan(&url, None, "CREATE TABLE t (id INT)")
        .await
        .expect_err("not supported yet");
    let message = err.to_string();
    assert!(!message.contains("hunter2"), "{message}");
    assert!(message.contains("app:****@db.invalid"), "{message}");
    assert!(!format!("{err:?}").contains("hunter2"));
}

#[tokio::test]
async fn violated_foreign_key_rolls_everything_back() {
    let db = Db::new();
    db.execute(
        "CREATE TABLE parent (id INTEGER PRIMARY KEY); CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER);",
    )
    .await;
    db.execute("INSERT INTO parent VALUES (1); INSERT INTO child VALUES (10, 1), (11, 99);")
        .await;
    let desired = "CREATE TABLE parent (id INTEGER PRIMARY KEY);\
                   CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id));\
                   CREATE TABLE extra (id INTEGER);";
    let before = engine::inspect(&db.url).await.expect("inspect");
    let plan = engine::plan(&db.url, None, desired).await.expect("plan");
    let err = engine::apply(&db.url, None, desired, &plan.sql())
        .await
        .expect_err("violation");
    let message = err.to_string();
    assert!(message.contains("foreign_key_check"), "{message}");
    assert!(
        message.contains("table=child") && message.contains("rowid=11"),
        "{message}"
    );
    let after = engine::inspect(&db.url).await.expect("inspect");
    assert_eq!(schema_hash(&before), schema_hash(&after));
    assert_eq!(db.column_values("child", "id").await.len(), 2);
}

#[tokio::test]
async fn rebuild_that_violates_not_null_fails_and_rolls_back() {
    let db = Db::new();
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);").await;
    db.execute(T_ROWS).await;
    let desired = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT NOT NULL);";
    let plan = engine::plan(&db.url, None, desired).await.expect("plan");
    // The rebuild's copy is about column `a` (a model's line for it is where to look).
    assert!(plan
        .statements
        .iter()
        .flat_map(|s| &s.hazards)
        .any(|h| h.kind == HazardKind::MayFailOnExistingRows && h.column.as_deref() == Some("a")));
    let err = engine::apply(&db.url, None, desired, &plan.sql())
        .await
        .expect_err("NULL in a");
    assert!(matches!(err, EngineError::Apply { .. }), "{err:?}");
    assert!(err.to_string().contains("NOT NULL constraint failed"), "{err}");
    let live = engine::inspect(&db.url).await.expect("inspect");
    assert!(live.tables["t"].column("a").is_some_and(|c| c.nullable));
    assert!(!live.tables.contains_key("_tfalchemy_old_t"));
}

#[tokio::test]
async fn hash_ignores_rows_and_sqlite_internals() {
    let db = Db::new();
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, a TEXT);")
        .await;
    let empty = schema_hash(&engine::inspect(&db.url).await.expect("inspect"));
    db.execute("INSERT INTO t (a) VALUES ('x'), ('y'); ANALYZE;").await;
    let full = schema_hash(&engine::inspect(&db.url).await.expect("inspect"));
    assert_eq!(empty, full);
    db.execute("CREATE INDEX ix ON t (a);").await;
    let indexed = schema_hash(&engine::inspect(&db.url).await.expect("inspect"));
    assert_ne!(full, indexed);
}

#[tokio::test]
async fn plan_of_missing_file_creates_nothing_and_apply_creates_it() {
    let db = Db::new();
    let desired = "CREATE TABLE t (id INTEGER PRIMARY KEY);";
    let plan = engine::plan(&db.url, None, desired).await.expect("plan");
    assert!(!db.path.exists());
    engine::apply(&db.url, None, desired, &plan.sql()).await.expect("apply");
    assert!(db.path.exists());
}

#[tokio::test]
async fn dev_database_file_is_left_empty_and_must_start_empty() {
    let dev = Db::new();
    dev.execute("SELECT 1;").await;
    let desired = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT); CREATE INDEX ix ON t (a);";
    let via_dev = engine::normalize(Dialect::Sqlite, Some(&dev.url), desired)
        .await
        .expect("normalize in dev file");
    let private = engine::normalize(Dialect::Sqlite, None, desired)
        .await
        .expect("normalize");
    assert_eq!(via_dev, private);
    assert!(engine::inspect(&dev.url).await.expect("inspect").is_empty());

    dev.execute("CREATE TABLE leftover (x);").await;
    // Another desired schema: the one above is in the normalization cache,
    // and a cached normalization does not use the dev database at all.
    let other = "CREATE TABLE u (id INTEGER PRIMARY KEY);";
    let err = engine::normalize(Dialect::Sqlite, Some(&dev.url), other)
        .await
        .expect_err("not empty");
    assert!(matches!(err, EngineError::DevDatabaseNotEmpty { .. }), "{err:?}");
    assert!(err.to_string().contains("leftover"));
}

#[tokio::test]
async fn schema_sql_recreates_the_same_schema() {
    let db = Db::new();
    db.execute(BLOG_V2).await;
    let live = engine::inspect(&db.url).await.expect("inspect");
    let statements = engine::schema_sql(&live, Dialect::Sqlite).expect("sqlite renders");
    let recreated = engine::normalize(Dialect::Sqlite, None, &statements.join(";\n"))
        .await
        .expect("normalize");
    assert_eq!(schema_hash(&live), schema_hash(&recreated));
}

#[tokio::test]
async fn virtual_tables_are_reported_as_unsupported() {
    let db = Db::new();
    db.execute("CREATE VIRTUAL TABLE docs USING fts5(body);").await;
    let err = engine::inspect(&db.url).await.expect_err("virtual");
    assert!(matches!(err, EngineError::Unsupported { .. }), "{err:?}");
    assert!(err.to_string().contains("virtual table docs"), "{err}");
}

mod renames {
    use super::*;

    const BEFORE: &str = "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT);\n\
        CREATE INDEX ix_users_email ON users (email);\n\
        CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id));\n\
        CREATE VIEW emails AS SELECT email FROM users;";
    const SEED: &str = "INSERT INTO users VALUES (1, 'a@example.com', 'Ann'), (2, 'b@example.com', 'Bob');\n\
        INSERT INTO posts VALUES (10, 2);";
    const AFTER: &str = "-- model: app.models.Member (app/models.py:14)\n\
        -- model-column: mail (app/models.py:17)\n\
        -- renamed_from: users\n\
        CREATE TABLE members (\n\
          id INTEGER PRIMARY KEY,\n\
          -- renamed_from: email\n\
          mail TEXT NOT NULL,\n\
          name TEXT\n\
        );\n\
        CREATE INDEX ix_users_email ON members (mail);\n\
        CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES members (id));\n\
        CREATE VIEW emails AS SELECT mail FROM members;";

    fn hazards(plan: &Plan) -> Vec<(HazardKind, Option<String>, Option<String>)> {
        plan.statements
            .iter()
            .flat_map(|s| s.hazards.iter())
            .map(|h| (h.kind, h.table.clone(), h.source.clone()))
            .collect()
    }

    #[tokio::test]
    async fn a_table_and_a_column_are_renamed_with_their_rows() {
        let db = Db::new();
        db.execute(BEFORE).await;
        db.execute(SEED).await;
        let plan = engine::plan(&db.url, None, AFTER).await.unwrap();
        let sql = plan.sql();
        assert!(
            sql.contains(&r#"ALTER TABLE "users" RENAME TO "members""#.to_string()),
            "{sql:#?}"
        );
        assert!(
            sql.contains(&r#"ALTER TABLE "members" RENAME COLUMN "email" TO "mail""#.to_string()),
            "{sql:#?}"
        );
        assert!(
            !sql.iter()
                .any(|s| s.starts_with("DROP TABLE") || s.contains("_tfalchemy_old_")),
            "{sql:#?}"
        );
        // The table's rename names the class, the column's the column's own line.
        assert_eq!(
            hazards(&plan),
            vec![
                (
                    HazardKind::RenamesTable,
                    Some("members".into()),
                    Some("app/models.py:14".into())
                ),
                (
                    HazardKind::RenamesColumn,
                    Some("members".into()),
                    Some("app/models.py:17".into())
                ),
            ]
        );
        let outcome = engine::apply(&db.url, None, AFTER, &sql).await.unwrap();
        assert_eq!(outcome.live_hash, plan.desired_hash);
        assert_eq!(
            db.column_values("members", "mail").await,
            vec![Some("a@example.com".into()), Some("b@example.com".into())]
        );
        assert_eq!(db.column_values("posts", "user_id").await, vec![Some("2".into())]);
        // The annotations stay in the source; now they change nothing.
        let again = engine::plan(&db.url, None, AFTER).await.unwrap();
        assert!(again.is_empty(), "{:#?}", again.sql());
    }

    #[tokio::test]
    async fn quoted_names_keep_their_case() {
        let db = Db::new();
        db.execute("CREATE TABLE \"Old Name\" (\"Key\" INTEGER PRIMARY KEY, \"Value\" TEXT CHECK (Value <> ''));")
            .await;
        db.execute("INSERT INTO \"Old Name\" VALUES (7, 'seven');").await;
        // SQLite quotes the new name in the CHECK it rewrites, so the table is
        // rebuilt from the desired text after the rename; the rows stay.
        let desired = "-- renamed_from: \"Old Name\"\nCREATE TABLE \"New Name\" (\n  \"Key\" INTEGER PRIMARY KEY,\n  \
                       -- renamed_from: [Value]\n  \"VALUE\" TEXT CHECK (VALUE <> '')\n);";
        let plan = engine::plan(&db.url, None, desired).await.unwrap();
        let sql = plan.sql();
        assert_eq!(
            sql[1..3],
            [
                r#"ALTER TABLE "Old Name" RENAME TO "New Name""#,
                r#"ALTER TABLE "New Name" RENAME COLUMN "Value" TO "VALUE""#,
            ],
            "{sql:#?}"
        );
        assert!(sql.iter().any(|s| s.starts_with("INSERT INTO")), "{sql:#?}");
        engine::apply(&db.url, None, desired, &plan.sql()).await.unwrap();
        assert_eq!(db.column_values("New Name", "VALUE").await, vec![Some("seven".into())]);
        assert!(engine::plan(&db.url, None, desired).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_rename_whose_old_and_new_names_both_exist_is_inert() {
        let db = Db::new();
        db.execute("CREATE TABLE a (x INTEGER); CREATE TABLE b (x INTEGER);")
            .await;
        let desired = "-- renamed_from: a\nCREATE TABLE b (x INTEGER);";
        let plan = engine::plan(&db.url, None, desired).await.unwrap();
        let sql = plan.sql();
        assert!(sql.contains(&r#"DROP TABLE "a""#.to_string()), "{sql:#?}");
        assert!(!sql.iter().any(|s| s.contains("RENAME")), "{sql:#?}");
        assert!(hazards(&plan).iter().all(|(kind, ..)| *kind == HazardKind::DropsTable));
    }

    #[tokio::test]
    async fn a_bad_annotation_fails_before_any_database_work() {
        let db = Db::new();
        let error = engine::plan(&db.url, None, "CREATE TABLE t (\n  -- renamed_from: a\n  a INTEGER\n);")
            .await
            .unwrap_err();
        assert!(matches!(error, EngineError::BadAnnotation { line: 2, .. }), "{error}");
        assert!(!db.path.exists());
    }
}
