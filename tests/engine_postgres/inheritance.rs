//! Table inheritance (`INHERITS`): children created after their parents and
//! dropped before them, columns and checks inherited rather than declared,
//! `INHERIT` / `NO INHERIT` when parents change.

use tfalchemy::engine::{self, Plan};

use super::{converge, Case, PgDb};

fn sql(plan: &Plan) -> Vec<&str> {
    plan.statements.iter().map(|s| s.sql.as_str()).collect()
}

fn position(plan: &Plan, part: &str) -> usize {
    plan.statements
        .iter()
        .position(|s| s.sql.contains(part))
        .unwrap_or_else(|| panic!("no statement with `{part}` in {:#?}", sql(plan)))
}

const FAMILY: &str = "CREATE SCHEMA \"App\";
    CREATE TABLE \"App\".\"Parent\" (\"Id\" int NOT NULL, note text DEFAULT 'n',
        CONSTRAINT \"Id Positive\" CHECK (\"Id\" > 0));
    CREATE TABLE second (tag text);
    CREATE TABLE \"App\".\"Child\" (extra int, \"Id\" int NOT NULL) INHERITS (\"App\".\"Parent\", second);
    CREATE TABLE grandchild (CONSTRAINT small CHECK (extra < 100)) INHERITS (\"App\".\"Child\");";

#[tokio::test]
async fn a_family_is_created_parents_first_and_dropped_children_first() {
    let plan = converge(&Case {
        name: "create family",
        current: "",
        seed: "",
        desired: FAMILY,
        kept: &[],
    })
    .await;
    let child = position(&plan, "CREATE TABLE \"App\".\"Child\"");
    assert!(
        position(&plan, "CREATE TABLE \"App\".\"Parent\"") < child,
        "{:#?}",
        sql(&plan)
    );
    assert!(
        position(&plan, "CREATE TABLE \"public\".\"second\"") < child,
        "{:#?}",
        sql(&plan)
    );
    assert!(child < position(&plan, "CREATE TABLE \"public\".\"grandchild\""));
    // Inherited columns are not declared again, except the one the child
    // declares itself; the parents keep their order.
    let statement = &plan.statements[child].sql;
    assert!(
        statement.ends_with("INHERITS (\"App\".\"Parent\", public.second)"),
        "{statement}"
    );
    assert!(!statement.contains("note"), "{statement}");
    assert!(statement.contains("\"Id\" integer NOT NULL"), "{statement}");

    let plan = converge(&Case {
        name: "drop family",
        current: FAMILY,
        seed: "INSERT INTO grandchild (\"Id\", extra) VALUES (1, 2);",
        desired: "",
        kept: &[],
    })
    .await;
    let drops: Vec<&str> = sql(&plan).into_iter().filter(|s| s.starts_with("DROP TABLE")).collect();
    assert_eq!(
        drops,
        vec![
            "DROP TABLE \"public\".\"grandchild\"",
            "DROP TABLE \"App\".\"Child\"",
            "DROP TABLE \"App\".\"Parent\"",
            "DROP TABLE \"public\".\"second\"",
        ]
    );
}

#[tokio::test]
async fn a_column_added_to_a_parent_is_added_once_and_reaches_every_child() {
    let plan = converge(&Case {
        name: "parent gains a column",
        current: FAMILY,
        seed: "INSERT INTO grandchild (\"Id\", extra) VALUES (1, 2);",
        desired: &FAMILY.replace(
            "note text DEFAULT 'n',",
            "note text DEFAULT 'n', \"Added\" int DEFAULT 7,",
        ),
        kept: &["SELECT extra::text FROM grandchild"],
    })
    .await;
    assert_eq!(
        sql(&plan),
        vec!["ALTER TABLE \"App\".\"Parent\" ADD COLUMN \"Added\" integer DEFAULT 7"]
    );
    let db = PgDb::new().await;
    db.execute(FAMILY).await;
    // The children's inherited columns are not theirs: nothing to plan for
    // them, in either direction.
    let live = engine::inspect(&db.url).await.expect("inspect");
    let names = |key: &str| -> Vec<String> { live.tables[key].columns.iter().map(|c| c.name.clone()).collect() };
    assert_eq!(names("\"App\".\"Child\""), vec!["extra"]);
    assert!(names("public.grandchild").is_empty());
    assert_eq!(live.tables["public.grandchild"].inherits, vec!["\"App\".\"Child\""]);
}

#[tokio::test]
async fn an_existing_table_starts_inheriting_and_gets_what_the_parent_requires() {
    let parent = "CREATE TABLE \"Parent\" (\"Id\" int NOT NULL, label text,
                      CONSTRAINT \"Id Positive\" CHECK (\"Id\" > 0));";
    let plan = converge(&Case {
        name: "inherit",
        current: &format!("{parent} CREATE TABLE \"Kid\" (\"Id\" int NOT NULL, extra int);"),
        seed: "INSERT INTO \"Kid\" VALUES (1, 2), (3, 4);",
        desired: &format!("{parent} CREATE TABLE \"Kid\" (extra int) INHERITS (\"Parent\");"),
        kept: &["SELECT \"Id\"::text FROM \"Kid\"", "SELECT extra::text FROM \"Kid\""],
    })
    .await;
    assert_eq!(
        sql(&plan),
        vec![
            "ALTER TABLE \"public\".\"Kid\" ADD COLUMN \"label\" text",
            "ALTER TABLE \"public\".\"Kid\" ADD CONSTRAINT \"Id Positive\" CHECK (\"Id\" > 0)",
            "ALTER TABLE \"public\".\"Kid\" INHERIT public.\"Parent\"",
        ]
    );
}

#[tokio::test]
async fn a_table_that_stops_inheriting_keeps_what_it_declares() {
    let parent = "CREATE TABLE \"Parent\" (\"Id\" int NOT NULL, \"Note\" text,
                      CONSTRAINT \"Id Positive\" CHECK (\"Id\" > 0));";
    let plan = converge(&Case {
        name: "no inherit",
        current: &format!("{parent} CREATE TABLE \"Kid\" (extra int) INHERITS (\"Parent\");"),
        seed: "INSERT INTO \"Kid\" VALUES (1, 'a', 2), (3, 'b', 4);",
        desired: &format!(
            "{parent} CREATE TABLE \"Kid\" (\"Id\" int NOT NULL DEFAULT 5, extra int,
                 CONSTRAINT \"Id Positive\" CHECK (\"Id\" > 0));"
        ),
        kept: &["SELECT \"Id\"::text FROM \"Kid\"", "SELECT extra::text FROM \"Kid\""],
    })
    .await;
    let statements = sql(&plan);
    assert_eq!(
        statements[0],
        "ALTER TABLE \"public\".\"Kid\" NO INHERIT public.\"Parent\""
    );
    assert!(
        statements.contains(&"ALTER TABLE \"public\".\"Kid\" DROP COLUMN IF EXISTS \"Note\""),
        "{statements:#?}"
    );
    assert!(
        statements.contains(&"ALTER TABLE \"public\".\"Kid\" ALTER COLUMN \"Id\" SET DEFAULT 5"),
        "{statements:#?}"
    );
}

#[tokio::test]
async fn parents_change_and_a_dropped_parent_lets_its_child_go_first() {
    let plan = converge(&Case {
        name: "switch parents",
        current: "CREATE TABLE a (x int, CONSTRAINT x_small CHECK (x < 10)); CREATE TABLE b (y int);
                  CREATE TABLE \"Kid\" (z int) INHERITS (a, b);",
        seed: "INSERT INTO \"Kid\" VALUES (1, 2, 3);",
        desired: "CREATE TABLE b (y int); CREATE TABLE c (w text DEFAULT 'w');
                  CREATE TABLE \"Kid\" (z int) INHERITS (b, c);",
        kept: &["SELECT y::text FROM \"Kid\"", "SELECT z::text FROM \"Kid\""],
    })
    .await;
    let statements = sql(&plan);
    let no_inherit_a = position(&plan, "NO INHERIT public.a");
    assert!(
        no_inherit_a < position(&plan, "DROP TABLE \"public\".\"a\""),
        "{statements:#?}"
    );
    assert!(statements.contains(&"ALTER TABLE \"public\".\"Kid\" DROP COLUMN IF EXISTS \"x\""));
    assert!(position(&plan, "CREATE TABLE \"public\".\"c\"") < position(&plan, "INHERIT public.c"));
}

#[tokio::test]
async fn a_column_the_child_declares_too_outlives_the_parents() {
    // The child declares "Shared" itself: dropping it from the parent
    // leaves it on the child, so the plan drops it there too.
    converge(&Case {
        name: "parent drops a shared column",
        current: "CREATE TABLE \"Parent\" (\"Shared\" int, kept int);
                  CREATE TABLE \"Kid\" (\"Shared\" int, own int) INHERITS (\"Parent\");",
        seed: "INSERT INTO \"Kid\" VALUES (1, 2, 3);",
        desired: "CREATE TABLE \"Parent\" (kept int); CREATE TABLE \"Kid\" (own int) INHERITS (\"Parent\");",
        kept: &["SELECT own::text FROM \"Kid\""],
    })
    .await;
    // Declared on the child, it stays when the parent drops it.
    converge(&Case {
        name: "parent drops a column the child keeps",
        current: "CREATE TABLE \"Parent\" (\"Shared\" int, kept int);
                  CREATE TABLE \"Kid\" (own int) INHERITS (\"Parent\");",
        seed: "INSERT INTO \"Kid\" VALUES (1, 2, 3);",
        desired: "CREATE TABLE \"Parent\" (kept int);
                  CREATE TABLE \"Kid\" (\"Shared\" int, own int) INHERITS (\"Parent\");",
        kept: &["SELECT own::text FROM \"Kid\""],
    })
    .await;
}

/// What a child sets itself on a column it only inherits is not compared
/// (the parent's is): a plan names it instead of passing it over.
#[tokio::test]
async fn a_childs_own_default_or_not_null_on_an_inherited_column_is_warned_about() {
    let family = "CREATE TABLE \"Parent\" (\"Id\" int, note text DEFAULT 'n');
        CREATE TABLE \"Child\" () INHERITS (\"Parent\");";
    let db = PgDb::new().await;
    db.execute(family).await;
    db.execute("ALTER TABLE \"Child\" ALTER COLUMN note SET DEFAULT 'child';")
        .await;
    let desired = format!("{family} ALTER TABLE \"Child\" ALTER COLUMN \"Id\" SET NOT NULL;");
    let plan = engine::plan(&db.url, None, &desired).await.expect("plan");
    assert!(plan.is_empty(), "{:?}", sql(&plan));
    assert_eq!(
        plan.warnings,
        vec![
            "own NOT NULL on inherited column public.\"Child\".\"Id\" in the desired schema \
             is not managed yet and is not created or changed",
            "own default on inherited column public.\"Child\".note in the live database \
             is not managed yet and is left alone",
        ]
    );
    // The parent's own are managed, and the child's that follow them are no warning.
    let plan = engine::plan(&db.url, None, family).await.expect("plan");
    assert_eq!(plan.warnings.len(), 1, "{:?}", plan.warnings);
}

#[tokio::test]
async fn a_changed_order_of_parents_converges_with_the_rows() {
    let plan = converge(&Case {
        name: "parents reordered",
        current: "CREATE TABLE \"First\" (x int); CREATE TABLE second (y text DEFAULT 'y');
                  CREATE TABLE \"Kid\" (z int) INHERITS (\"First\", second);",
        seed: "INSERT INTO \"Kid\" VALUES (1, 'two', 3);",
        desired: "CREATE TABLE \"First\" (x int); CREATE TABLE second (y text DEFAULT 'y');
                  CREATE TABLE \"Kid\" (z int) INHERITS (second, \"First\");",
        kept: &[
            "SELECT x::text FROM \"Kid\"",
            "SELECT y FROM \"Kid\"",
            "SELECT z::text FROM \"Kid\"",
        ],
    })
    .await;
    // Detached from both and attached again in the new order: no column moves.
    assert_eq!(
        sql(&plan),
        vec![
            "ALTER TABLE \"public\".\"Kid\" NO INHERIT public.\"First\"",
            "ALTER TABLE \"public\".\"Kid\" NO INHERIT public.second",
            "ALTER TABLE \"public\".\"Kid\" INHERIT public.second",
            "ALTER TABLE \"public\".\"Kid\" INHERIT public.\"First\"",
        ]
    );
}
