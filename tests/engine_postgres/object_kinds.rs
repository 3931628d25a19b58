//! Range and multirange types, aggregates, rules and statistics objects:
//! created, changed and dropped like the other kinds.

use tfalchemy::engine::{self, EngineError, Plan};

use super::{converge, Case, PgDb};

fn sql(plan: &Plan) -> Vec<&str> {
    plan.statements.iter().map(|s| s.sql.as_str()).collect()
}

const RANGES: &str = "CREATE SCHEMA \"App\";
    CREATE TYPE \"App\".\"Span\" AS RANGE (subtype = double precision, subtype_diff = float8mi);
    CREATE TYPE daytime AS RANGE (subtype = time, multirange_type_name = \"Day Times\");
    CREATE TYPE word_range AS RANGE (subtype = text, collation = \"C\");
    CREATE TABLE booking (id int PRIMARY KEY, during \"App\".\"Span\", free \"App\".\"Span_multirange\",
                          hours \"Day Times\", words word_range[],
                          EXCLUDE USING gist (during WITH &&));
    CREATE VIEW short_bookings AS SELECT id FROM booking WHERE during <@ '[0,1)'::\"App\".\"Span\";";

#[tokio::test]
async fn range_types_are_created_with_their_multiranges_and_dropped() {
    let plan = converge(&Case {
        name: "range create",
        current: "CREATE SCHEMA \"App\"; CREATE TABLE booking (id int PRIMARY KEY);",
        seed: "INSERT INTO booking VALUES (1);",
        desired: RANGES,
        kept: &["SELECT id::text FROM booking"],
    })
    .await;
    let statements = sql(&plan);
    let created = |part: &str| statements.iter().position(|s| s.contains(part)).expect(part);
    assert!(created("CREATE TYPE \"App\".\"Span\" AS RANGE") < created("ADD COLUMN \"during\""));
    assert!(statements.contains(
        &"CREATE TYPE \"public\".\"daytime\" AS RANGE (subtype = time without time zone, \
          multirange_type_name = \"public\".\"Day Times\")"
    ));
    converge(&Case {
        name: "range drop",
        current: RANGES,
        seed: "INSERT INTO booking VALUES (1, '[0,0.5)', '{[2,3)}', '{[08:00,09:00)}', ARRAY['[a,b)'::word_range]);",
        desired: "CREATE SCHEMA \"App\"; CREATE TABLE booking (id int PRIMARY KEY);",
        kept: &["SELECT id::text FROM booking"],
    })
    .await;
}

#[tokio::test]
async fn a_changed_range_type_is_dropped_and_created_again_with_the_views_using_it() {
    let current = "CREATE TYPE \"Span\" AS RANGE (subtype = double precision);
                   CREATE VIEW unit AS SELECT '[0,1)'::\"Span\" AS s;";
    let desired = "CREATE TYPE \"Span\" AS RANGE (subtype = double precision, subtype_diff = float8mi,
                                                 multirange_type_name = \"Spans\");
                   CREATE VIEW unit AS SELECT '[0,1)'::\"Span\" AS s;";
    let plan = converge(&Case {
        name: "range changed",
        current,
        seed: "",
        desired,
        kept: &[],
    })
    .await;
    assert_eq!(
        sql(&plan),
        vec![
            "DROP VIEW \"public\".\"unit\"",
            "DROP TYPE \"public\".\"Span\"",
            "CREATE TYPE \"public\".\"Span\" AS RANGE (subtype = double precision, subtype_diff = float8mi, \
             multirange_type_name = \"public\".\"Spans\")",
            "CREATE VIEW \"public\".\"unit\" AS SELECT '[0,1)'::\"Span\" AS s",
        ]
    );
}

#[tokio::test]
async fn a_changed_range_type_a_column_stores_is_refused_naming_the_column() {
    let db = PgDb::new().await;
    db.execute("CREATE TYPE span AS RANGE (subtype = int); CREATE TABLE t (s span);")
        .await;
    let desired = "CREATE TYPE span AS RANGE (subtype = bigint); CREATE TABLE t (s span);";
    let err = engine::plan(&db.url, None, desired).await.expect_err("must be refused");
    assert!(matches!(err, EngineError::PlanReplay { .. }), "{err}");
    let message = err.to_string();
    assert!(
        message.contains("statement 1 failed there: cannot drop type span because other objects depend on it"),
        "{message}"
    );
}

const AGGREGATES: &str = "CREATE FUNCTION \"Acc\"(s numeric, v numeric) RETURNS numeric LANGUAGE sql IMMUTABLE
                              AS 'SELECT s + v * v';
    CREATE FUNCTION fin(s numeric) RETURNS numeric LANGUAGE sql IMMUTABLE AS 'SELECT sqrt(s)';
    CREATE AGGREGATE \"Norm\"(numeric) (sfunc = \"Acc\", stype = numeric, finalfunc = fin, initcond = '0',
                                       combinefunc = numeric_add, parallel = safe);
    CREATE AGGREGATE my_mode(ORDER BY anyelement) (sfunc = ordered_set_transition, stype = internal,
                                                   finalfunc = mode_final, finalfunc_extra);
    CREATE TABLE m (x numeric);
    CREATE VIEW norms AS SELECT \"Norm\"(x) AS n, my_mode() WITHIN GROUP (ORDER BY x) AS common FROM m;";

#[tokio::test]
async fn aggregates_come_after_their_functions_and_before_the_views_using_them() {
    let plan = converge(&Case {
        name: "aggregate create",
        current: "CREATE TABLE m (x numeric);",
        seed: "INSERT INTO m VALUES (3), (4);",
        desired: AGGREGATES,
        kept: &["SELECT x::text FROM m"],
    })
    .await;
    let statements = sql(&plan);
    let at = |part: &str| statements.iter().position(|s| s.contains(part)).expect(part);
    assert!(at("FUNCTION public.\"Acc\"") < at("AGGREGATE public.\"Norm\""));
    assert!(at("AGGREGATE public.\"Norm\"") < at("CREATE VIEW"));
    assert!(statements.contains(
        &"CREATE OR REPLACE AGGREGATE public.my_mode(ORDER BY anyelement) (SFUNC = ordered_set_transition, \
          STYPE = internal, FINALFUNC = mode_final, FINALFUNC_EXTRA)"
    ));
}

#[tokio::test]
async fn aggregates_are_replaced_in_place_or_dropped_before_their_functions() {
    let changed = AGGREGATES.replace("finalfunc = fin, initcond = '0'", "initcond = '1'");
    let plan = converge(&Case {
        name: "aggregate replaced",
        current: AGGREGATES,
        seed: "INSERT INTO m VALUES (3), (4);",
        desired: &changed,
        kept: &["SELECT x::text FROM m"],
    })
    .await;
    assert!(
        sql(&plan)
            .iter()
            .any(|s| s.starts_with("CREATE OR REPLACE AGGREGATE public.\"Norm\"(numeric)")),
        "{:#?}",
        sql(&plan)
    );
    assert!(!sql(&plan).iter().any(|s| s.contains("VIEW")), "{:#?}", sql(&plan));
    let plan = converge(&Case {
        name: "aggregate dropped",
        current: AGGREGATES,
        seed: "",
        desired: "CREATE TABLE m (x numeric);",
        kept: &[],
    })
    .await;
    let statements = sql(&plan);
    let at = |part: &str| statements.iter().position(|s| s.contains(part)).expect(part);
    assert!(at("DROP VIEW") < at("DROP AGGREGATE \"public\".\"Norm\"(numeric)"));
    assert!(at("DROP AGGREGATE \"public\".\"Norm\"(numeric)") < at("DROP FUNCTION \"public\".\"Acc\""));
}

const RULES: &str = "CREATE TABLE \"Items\" (id int, note text);
    CREATE TABLE log (id int);
    CREATE VIEW items_view AS SELECT id FROM \"Items\";
    CREATE RULE \"No Deletes\" AS ON DELETE TO \"Items\" DO INSTEAD NOTHING;
    CREATE RULE view_insert AS ON INSERT TO items_view DO INSTEAD
      (INSERT INTO \"Items\" (id) VALUES (NEW.id); INSERT INTO log VALUES (NEW.id));";

#[tokio::test]
async fn rules_are_created_replaced_and_dropped() {
    converge(&Case {
        name: "rules created",
        current: "CREATE TABLE \"Items\" (id int, note text); CREATE VIEW items_view AS SELECT id FROM \"Items\";",
        seed: "",
        desired: RULES,
        kept: &[],
    })
    .await;
    let changed = RULES.replace("DO INSTEAD NOTHING", "DO INSTEAD INSERT INTO log VALUES (OLD.id)");
    let plan = converge(&Case {
        name: "rule replaced",
        current: RULES,
        seed: "INSERT INTO \"Items\" VALUES (1, 'a');",
        desired: &changed,
        kept: &["SELECT id::text FROM \"Items\""],
    })
    .await;
    assert_eq!(
        sql(&plan),
        vec![
            "CREATE OR REPLACE RULE \"No Deletes\" AS\n    ON DELETE TO public.\"Items\" DO INSTEAD  \
              INSERT INTO log (id)\n  VALUES (old.id)"
        ]
    );
    converge(&Case {
        name: "rules dropped",
        current: RULES,
        seed: "",
        desired: "CREATE TABLE \"Items\" (id int, note text); CREATE TABLE log (id int);
                  CREATE VIEW items_view AS SELECT id FROM \"Items\";",
        kept: &[],
    })
    .await;
}

#[tokio::test]
async fn a_rule_on_a_view_rebuilt_around_a_retyped_column_comes_back() {
    let plan = converge(&Case {
        name: "rule on a rebuilt view",
        current: RULES,
        seed: "INSERT INTO \"Items\" VALUES (1, 'a');",
        desired: &RULES.replace("(id int, note text)", "(id bigint, note text)"),
        kept: &["SELECT id::text FROM \"Items\""],
    })
    .await;
    let statements = sql(&plan);
    let at = |part: &str| statements.iter().position(|s| s.contains(part)).expect(part);
    assert!(at("DROP VIEW") < at("TYPE bigint"));
    assert!(at("CREATE VIEW") < at("CREATE RULE view_insert"));
}

const STATISTICS: &str = "CREATE SCHEMA \"Stats\";
    CREATE TABLE orders (id int, city text, zip text, amount numeric);
    CREATE STATISTICS \"Stats\".\"City Zip\" (ndistinct, dependencies) ON city, zip FROM orders;
    CREATE STATISTICS amounts ON (amount * 2), city FROM orders;
    ALTER STATISTICS amounts SET STATISTICS 500;";

#[tokio::test]
async fn statistics_objects_are_created_altered_and_dropped() {
    converge(&Case {
        name: "statistics created",
        current: "CREATE SCHEMA \"Stats\"; CREATE TABLE orders (id int, city text, zip text, amount numeric);",
        seed: "",
        desired: STATISTICS,
        kept: &[],
    })
    .await;
    let retargeted = STATISTICS.replace("500", "100");
    let plan = converge(&Case {
        name: "statistics target",
        current: STATISTICS,
        seed: "",
        desired: &retargeted,
        kept: &[],
    })
    .await;
    assert_eq!(
        sql(&plan),
        vec!["ALTER STATISTICS \"public\".\"amounts\" SET STATISTICS 100"]
    );
    let redefined = STATISTICS.replace("(ndistinct, dependencies) ON city, zip", "(mcv) ON city, zip, id");
    let plan = converge(&Case {
        name: "statistics redefined",
        current: STATISTICS,
        seed: "",
        desired: &redefined,
        kept: &[],
    })
    .await;
    assert_eq!(
        sql(&plan),
        vec![
            "DROP STATISTICS \"Stats\".\"City Zip\"",
            "CREATE STATISTICS \"Stats\".\"City Zip\" (mcv) ON id, city, zip FROM orders",
        ]
    );
    // A dropped column takes its statistics along: they go first.
    converge(&Case {
        name: "statistics dropped with a column",
        current: STATISTICS,
        seed: "INSERT INTO orders VALUES (1, 'x', '1', 2);",
        desired: "CREATE SCHEMA \"Stats\"; CREATE TABLE orders (id int, city text, amount numeric);
                  CREATE STATISTICS amounts ON (amount * 2), city FROM orders;",
        kept: &["SELECT id::text FROM orders"],
    })
    .await;
}

#[tokio::test]
async fn an_aggregate_whose_result_or_argument_type_changes_is_dropped_and_created_again() {
    let total = |aggregate: &str| {
        format!(
            "CREATE TABLE \"Sales\" (amount int);
             {aggregate};
             CREATE VIEW \"Totals\" AS SELECT \"Total\"(amount) AS total FROM \"Sales\";"
        )
    };
    let int_total = total("CREATE AGGREGATE \"Total\"(int) (sfunc = int4pl, stype = int)");
    // A result type CREATE OR REPLACE AGGREGATE cannot change.
    let bigint_result = total("CREATE AGGREGATE \"Total\"(int) (sfunc = int4_sum, stype = bigint)");
    let plan = converge(&Case {
        name: "aggregate result type",
        current: &int_total,
        seed: "INSERT INTO \"Sales\" VALUES (2), (3);",
        desired: &bigint_result,
        kept: &["SELECT total::text FROM \"Totals\""],
    })
    .await;
    let statements = sql(&plan);
    let at = |part: &str| {
        statements
            .iter()
            .position(|s| s.contains(part))
            .unwrap_or_else(|| panic!("{part} in {statements:#?}"))
    };
    assert!(at("DROP VIEW") < at("DROP AGGREGATE \"public\".\"Total\"(integer)"));
    assert!(at("DROP AGGREGATE") < at("AGGREGATE public.\"Total\"(integer) (SFUNC = int4_sum"));
    assert!(at("SFUNC = int4_sum") < at("CREATE VIEW"));

    // Another argument type: another aggregate; the view follows it.
    let bigint_argument = total("CREATE AGGREGATE \"Total\"(bigint) (sfunc = int8pl, stype = bigint)");
    let plan = converge(&Case {
        name: "aggregate argument type",
        current: &int_total,
        seed: "INSERT INTO \"Sales\" VALUES (2), (3);",
        desired: &bigint_argument,
        kept: &["SELECT total::text FROM \"Totals\""],
    })
    .await;
    assert!(
        sql(&plan)
            .iter()
            .any(|s| s.contains("DROP AGGREGATE \"public\".\"Total\"(integer)")),
        "{:#?}",
        sql(&plan)
    );
}
