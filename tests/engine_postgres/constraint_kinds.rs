//! Constraint attributes (deferral, `NULLS NOT DISTINCT`, `NOT VALID`,
//! `NO INHERIT`), columns moved between enum types, and sequence ranges
//! narrowed past where the sequence is.

use tfalchemy::engine::{self, HazardKind, Plan};

use super::{converge, Case, PgDb};

fn sql(plan: &Plan) -> Vec<&str> {
    plan.statements.iter().map(|s| s.sql.as_str()).collect()
}

/// The finding of the hazard `kind` on the one statement containing `part`.
#[track_caller]
fn finding(plan: &Plan, part: &str, kind: HazardKind) -> Option<String> {
    let statements: Vec<_> = plan.statements.iter().filter(|s| s.sql.contains(part)).collect();
    assert_eq!(statements.len(), 1, "one statement with `{part}` in {:#?}", sql(plan));
    let hazard = statements[0]
        .hazards
        .iter()
        .find(|h| h.kind == kind)
        .unwrap_or_else(|| panic!("no {kind:?} on `{part}`: {:#?}", statements[0].hazards));
    hazard.finding.clone()
}

#[tokio::test]
async fn keys_become_deferrable_and_nulls_not_distinct_and_back() {
    let plain = "CREATE TABLE \"Accounts\" (\"Id\" int PRIMARY KEY, \"Code\" text, region text,
                     CONSTRAINT \"Code Once\" UNIQUE (\"Code\"), UNIQUE (region));";
    let attributed = "CREATE TABLE \"Accounts\" (\"Id\" int, \"Code\" text, region text,
                     CONSTRAINT \"Accounts_pkey\" PRIMARY KEY (\"Id\") DEFERRABLE INITIALLY DEFERRED,
                     CONSTRAINT \"Code Once\" UNIQUE NULLS NOT DISTINCT (\"Code\") DEFERRABLE,
                     UNIQUE (region));
                 CREATE UNIQUE INDEX \"Region Idx\" ON \"Accounts\" (region) NULLS NOT DISTINCT;";
    let plan = converge(&Case {
        name: "keys gain attributes",
        current: plain,
        seed: "INSERT INTO \"Accounts\" VALUES (1, 'a', 'x'), (2, NULL, NULL);",
        desired: attributed,
        kept: &["SELECT \"Id\"::text FROM \"Accounts\""],
    })
    .await;
    let statements = sql(&plan);
    assert!(
        statements.iter().any(|s| s.ends_with(
            "ADD CONSTRAINT \"Accounts_pkey\" PRIMARY KEY (\"Id\") DEFERRABLE INITIALLY DEFERRED"
        )),
        "{statements:#?}"
    );
    assert!(
        statements
            .iter()
            .any(|s| s.ends_with("ADD CONSTRAINT \"Code Once\" UNIQUE NULLS NOT DISTINCT (\"Code\") DEFERRABLE")),
        "{statements:#?}"
    );
    converge(&Case {
        name: "keys lose attributes",
        current: attributed,
        seed: "INSERT INTO \"Accounts\" VALUES (1, 'a', 'x'), (2, NULL, NULL);",
        desired: plain,
        kept: &["SELECT \"Id\"::text FROM \"Accounts\""],
    })
    .await;
}

#[tokio::test]
async fn nulls_not_distinct_is_added_to_a_live_unique_constraint() {
    let db = PgDb::new().await;
    db.execute("CREATE TABLE t (a int, CONSTRAINT t_a UNIQUE (a)); INSERT INTO t VALUES (NULL), (NULL), (1);")
        .await;
    let dev = PgDb::new().await;
    let plan = engine::plan(
        &db.url,
        Some(&dev.url),
        "CREATE TABLE t (a int, CONSTRAINT t_a UNIQUE NULLS NOT DISTINCT (a));
         CREATE UNIQUE INDEX t_a_again ON t (a) NULLS NOT DISTINCT;",
    )
    .await
    .expect("plan");
    assert!(
        sql(&plan).contains(&"ALTER TABLE \"public\".\"t\" ADD CONSTRAINT \"t_a\" UNIQUE NULLS NOT DISTINCT (\"a\")"),
        "{:#?}",
        sql(&plan)
    );
    // The two NULLs clash under NULLS NOT DISTINCT: the probes count them.
    for (part, consequence) in [
        ("ADD CONSTRAINT \"t_a\"", "the unique constraint will fail"),
        ("CREATE UNIQUE INDEX \"t_a_again\"", "the unique index will fail"),
    ] {
        let found = finding(&plan, part, HazardKind::MayFailOnExistingRows).expect("probed");
        assert!(
            found.ends_with(&format!("has 1 duplicate value: {consequence}")),
            "{found}"
        );
    }
}

const ORDERS: &str = "CREATE TABLE \"Parents\" (id int PRIMARY KEY);
     CREATE TABLE \"Orders\" (\"Qty\" int, parent_id int);";

#[tokio::test]
async fn not_valid_constraints_are_added_without_reading_rows() {
    let plan = converge(&Case {
        name: "not valid",
        current: ORDERS,
        // Rows the constraints reject: NOT VALID leaves them alone.
        seed: "INSERT INTO \"Parents\" VALUES (1); INSERT INTO \"Orders\" VALUES (-1, 2), (3, 1);",
        desired: "CREATE TABLE \"Parents\" (id int PRIMARY KEY);
                  CREATE TABLE \"Orders\" (\"Qty\" int, parent_id int);
                  ALTER TABLE \"Orders\" ADD CONSTRAINT \"Positive Qty\" CHECK (\"Qty\" > 0) NOT VALID;
                  ALTER TABLE \"Orders\" ADD CONSTRAINT \"Has Parent\" FOREIGN KEY (parent_id)
                      REFERENCES \"Parents\" NOT VALID;",
        kept: &["SELECT \"Qty\"::text FROM \"Orders\""],
    })
    .await;
    for statement in &plan.statements {
        assert!(statement.sql.ends_with(" NOT VALID"), "{}", statement.sql);
        assert!(statement.hazards.is_empty(), "{statement:#?}");
    }
}

#[tokio::test]
async fn a_validated_constraint_satisfies_a_desired_not_valid_one() {
    let db = PgDb::new().await;
    db.execute(ORDERS).await;
    db.execute(
        "ALTER TABLE \"Orders\" ADD CONSTRAINT \"Positive Qty\" CHECK (\"Qty\" > 0);
         ALTER TABLE \"Orders\" ADD CONSTRAINT \"Has Parent\" FOREIGN KEY (parent_id) REFERENCES \"Parents\";",
    )
    .await;
    let dev = PgDb::new().await;
    let desired = format!(
        "{ORDERS}
         ALTER TABLE \"Orders\" ADD CONSTRAINT \"Positive Qty\" CHECK (\"Qty\" > 0) NOT VALID;
         ALTER TABLE \"Orders\" ADD CONSTRAINT \"Has Parent\" FOREIGN KEY (parent_id) REFERENCES \"Parents\" NOT VALID;"
    );
    let plan = engine::plan(&db.url, Some(&dev.url), &desired).await.expect("plan");
    assert!(plan.is_empty(), "{:#?}", sql(&plan));
    assert_eq!(plan.live_hash, plan.desired_hash);
}

#[tokio::test]
async fn a_not_valid_constraint_is_validated_in_place() {
    let current = format!(
        "{ORDERS}
         ALTER TABLE \"Orders\" ADD CONSTRAINT \"Positive Qty\" CHECK (\"Qty\" > 0) NOT VALID;
         ALTER TABLE \"Orders\" ADD CONSTRAINT \"Has Parent\" FOREIGN KEY (parent_id) REFERENCES \"Parents\" NOT VALID;"
    );
    let plan = converge(&Case {
        name: "validate",
        current: &current,
        seed: "INSERT INTO \"Parents\" VALUES (1); INSERT INTO \"Orders\" VALUES (3, 1);",
        desired: "CREATE TABLE \"Parents\" (id int PRIMARY KEY);
                  CREATE TABLE \"Orders\" (\"Qty\" int, parent_id int,
                      CONSTRAINT \"Positive Qty\" CHECK (\"Qty\" > 0),
                      CONSTRAINT \"Has Parent\" FOREIGN KEY (parent_id) REFERENCES \"Parents\");",
        kept: &["SELECT \"Qty\"::text FROM \"Orders\""],
    })
    .await;
    assert_eq!(
        sql(&plan),
        vec![
            "ALTER TABLE \"public\".\"Orders\" VALIDATE CONSTRAINT \"Has Parent\"",
            "ALTER TABLE \"public\".\"Orders\" VALIDATE CONSTRAINT \"Positive Qty\"",
        ]
    );
    // Validation lets reads and writes go on: no lock hazards.
    for statement in &plan.statements {
        let kinds: Vec<HazardKind> = statement.hazards.iter().map(|h| h.kind).collect();
        assert_eq!(kinds, vec![HazardKind::MayFailOnExistingRows], "{}", statement.sql);
    }

    // Rows that violate them are counted before apply.
    // (Rows come in before the constraints: new rows must satisfy them.)
    let db = PgDb::new().await;
    db.execute(ORDERS).await;
    db.execute("INSERT INTO \"Parents\" VALUES (1); INSERT INTO \"Orders\" VALUES (-1, 2), (-2, 1);")
        .await;
    db.execute(current.strip_prefix(ORDERS).expect("constraints after the tables"))
        .await;
    let dev = PgDb::new().await;
    let plan = engine::plan(
        &db.url,
        Some(&dev.url),
        "CREATE TABLE \"Parents\" (id int PRIMARY KEY);
         CREATE TABLE \"Orders\" (\"Qty\" int, parent_id int,
             CONSTRAINT \"Positive Qty\" CHECK (\"Qty\" > 0),
             CONSTRAINT \"Has Parent\" FOREIGN KEY (parent_id) REFERENCES \"Parents\");",
    )
    .await
    .expect("plan");
    assert_eq!(
        finding(
            &plan,
            "VALIDATE CONSTRAINT \"Positive Qty\"",
            HazardKind::MayFailOnExistingRows
        )
        .as_deref(),
        Some("\"public\".\"Orders\" has 2 rows violating the check: validating the check will fail")
    );
    let orphans = finding(
        &plan,
        "VALIDATE CONSTRAINT \"Has Parent\"",
        HazardKind::MayFailOnExistingRows,
    )
    .expect("orphans counted");
    assert!(orphans.starts_with("\"public\".\"Orders\" has 1 "), "{orphans}");
}

#[tokio::test]
async fn no_inherit_checks_are_added_and_changed() {
    converge(&Case {
        name: "no inherit",
        current: "CREATE TABLE \"Items\" (\"Price\" int, qty int, CONSTRAINT \"Cheap\" CHECK (\"Price\" < 100));",
        seed: "INSERT INTO \"Items\" VALUES (5, 1);",
        desired: "CREATE TABLE \"Items\" (\"Price\" int, qty int,
                      CONSTRAINT \"Cheap\" CHECK (\"Price\" < 100) NO INHERIT,
                      CONSTRAINT \"Some\" CHECK (qty > 0) NO INHERIT);",
        kept: &["SELECT \"Price\"::text FROM \"Items\""],
    })
    .await;
    // The probe negates the expression alone, not the attribute.
    let db = PgDb::new().await;
    db.execute("CREATE TABLE \"Items\" (qty int); INSERT INTO \"Items\" VALUES (0), (1);")
        .await;
    let dev = PgDb::new().await;
    let plan = engine::plan(
        &db.url,
        Some(&dev.url),
        "CREATE TABLE \"Items\" (qty int, CONSTRAINT \"Some\" CHECK (qty > 0) NO INHERIT);",
    )
    .await
    .expect("plan");
    assert_eq!(
        finding(&plan, "NO INHERIT", HazardKind::MayFailOnExistingRows).as_deref(),
        Some("\"public\".\"Items\" has 1 row violating the check: adding the check will fail")
    );
}

const MOODS: &str = "CREATE SCHEMA app;
    CREATE TYPE app.\"Mood\" AS ENUM ('sad', 'happy');
    CREATE TYPE feeling AS ENUM ('sad', 'happy', 'meh');";

#[tokio::test]
async fn columns_move_between_enum_types_and_text() {
    let current = format!(
        "{MOODS}
         CREATE TABLE \"People\" (name text,
             \"Now\" app.\"Mood\" NOT NULL DEFAULT 'happy',
             past app.\"Mood\"[],
             said text DEFAULT 'sad',
             was feeling DEFAULT 'meh');"
    );
    let desired = format!(
        "{MOODS}
         CREATE TABLE \"People\" (name text,
             \"Now\" feeling NOT NULL DEFAULT 'meh',
             past feeling[],
             said app.\"Mood\" DEFAULT 'sad',
             was text DEFAULT 'meh');"
    );
    let plan = converge(&Case {
        name: "enum to enum",
        current: &current,
        seed: "INSERT INTO \"People\" VALUES ('a', 'sad', '{sad,happy}', 'happy', 'sad'),
                                            ('b', 'happy', NULL, NULL, NULL);",
        desired: &desired,
        kept: &[
            "SELECT \"Now\"::text FROM \"People\"",
            "SELECT past::text FROM \"People\"",
            "SELECT said::text FROM \"People\"",
            "SELECT was::text FROM \"People\"",
        ],
    })
    .await;
    let statements = sql(&plan);
    for expected in [
        "ALTER COLUMN \"Now\" TYPE feeling USING \"Now\"::text::feeling",
        "ALTER COLUMN \"past\" TYPE feeling[] USING \"past\"::text[]::feeling[]",
        "ALTER COLUMN \"said\" TYPE app.\"Mood\" USING \"said\"::text::app.\"Mood\"",
    ] {
        assert!(
            statements.iter().any(|s| s.contains(expected)),
            "{expected} in {statements:#?}"
        );
    }
    // The default goes before the type changes and comes back after it.
    let now = |part: &str| {
        statements
            .iter()
            .position(|s| s.contains("\"Now\"") && s.contains(part))
            .unwrap_or_else(|| panic!("{part} of \"Now\" in {statements:#?}"))
    };
    assert!(now("DROP DEFAULT") < now("TYPE feeling") && now("TYPE feeling") < now("SET DEFAULT"));
    assert_eq!(
        finding(&plan, "TYPE feeling USING", HazardKind::CastMayFail).as_deref(),
        Some("\"public\".\"People\".\"Now\" has no values that are not labels of feeling now")
    );
}

#[tokio::test]
async fn values_without_a_label_in_the_new_enum_are_counted() {
    let db = PgDb::new().await;
    db.execute(MOODS).await;
    db.execute(
        "CREATE TABLE t (m app.\"Mood\", s text, tags text[]);
         INSERT INTO t VALUES ('sad', 'meh', '{sad}'), ('happy', 'angry', '{sad,cross}'), (NULL, 'bored', NULL);",
    )
    .await;
    let dev = PgDb::new().await;
    let desired = format!("{MOODS} CREATE TABLE t (m app.\"Mood\", s feeling, tags app.\"Mood\"[]);");
    let plan = engine::plan(&db.url, Some(&dev.url), &desired).await.expect("plan");
    assert_eq!(
        finding(&plan, "TYPE feeling", HazardKind::CastMayFail).as_deref(),
        Some("\"public\".\"t\".\"s\" has 2 values that are not labels of feeling: the type change will fail")
    );
    assert_eq!(
        finding(&plan, "TYPE app.\"Mood\"[]", HazardKind::CastMayFail).as_deref(),
        Some("\"public\".\"t\".\"tags\" has 1 value that is not a label of app.\"Mood\": the type change will fail")
    );
}

#[tokio::test]
async fn narrowed_sequences_restart_inside_their_new_range() {
    let plan = converge(&Case {
        name: "sequence ranges",
        current: "CREATE SEQUENCE \"Counter\" START 5;
                  CREATE SEQUENCE untouched;
                  CREATE TABLE \"Tickets\" (\"Id\" int GENERATED BY DEFAULT AS IDENTITY, x int, n serial);",
        seed: "SELECT nextval('\"Counter\"'), nextval('\"Counter\"');
               SELECT nextval('untouched') FROM generate_series(1, 50);
               INSERT INTO \"Tickets\" (x) VALUES (1), (2);",
        desired: "CREATE SEQUENCE \"Counter\" MINVALUE 10 START 10;
                  CREATE SEQUENCE untouched MINVALUE 20 START 20;
                  CREATE TABLE \"Tickets\" (\"Id\" int GENERATED BY DEFAULT AS IDENTITY (START WITH 20 MINVALUE 20),
                      x int, n serial);",
        kept: &["SELECT \"Id\"::text FROM \"Tickets\""],
    })
    .await;
    let statements = sql(&plan);
    let restarts: Vec<&&str> = statements.iter().filter(|s| s.ends_with(" RESTART")).collect();
    assert_eq!(restarts.len(), 2, "{statements:#?}");
    assert!(
        restarts[0].starts_with("ALTER SEQUENCE \"public\".\"Counter\""),
        "{restarts:#?}"
    );
    assert!(
        restarts[1].contains("ALTER COLUMN \"Id\" SET START WITH 20"),
        "{restarts:#?}"
    );
    // At 50, `untouched` is inside its new range: it goes on from there.
    assert!(
        statements
            .iter()
            .any(|s| s.starts_with("ALTER SEQUENCE \"public\".\"untouched\"") && !s.contains("RESTART")),
        "{statements:#?}"
    );
    assert_eq!(
        finding(&plan, "ALTER COLUMN \"Id\"", HazardKind::MayFailOnExistingRows).as_deref(),
        Some("\"public\".\"Tickets\".\"Id\" has no values the restarted sequence hands out again now")
    );
}

#[tokio::test]
async fn a_restart_that_hands_out_used_values_again_is_found() {
    let db = PgDb::new().await;
    db.execute(
        "CREATE TABLE t (id int GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, x int);
         INSERT INTO t (x) SELECT generate_series(1, 30);",
    )
    .await;
    let dev = PgDb::new().await;
    let plan = engine::plan(
        &db.url,
        Some(&dev.url),
        "CREATE TABLE t (id int GENERATED BY DEFAULT AS IDENTITY (MAXVALUE 20) PRIMARY KEY, x int);",
    )
    .await
    .expect("plan");
    let finding = finding(&plan, "RESTART", HazardKind::MayFailOnExistingRows);
    assert_eq!(
        finding.as_deref(),
        Some(
            "\"public\".\"t\".\"id\" has 20 values the restarted sequence hands out again: \
             inserts taking them from the sequence will clash"
        )
    );
}

#[tokio::test]
async fn a_unique_constraint_becomes_initially_deferred_and_back() {
    let plain = "CREATE TABLE \"Seats\" (\"Row\" int, \"Number\" int,
                     CONSTRAINT \"One Per Seat\" UNIQUE (\"Row\", \"Number\"));";
    let deferred = "CREATE TABLE \"Seats\" (\"Row\" int, \"Number\" int,
                     CONSTRAINT \"One Per Seat\" UNIQUE (\"Row\", \"Number\") DEFERRABLE INITIALLY DEFERRED);";
    let plan = converge(&Case {
        name: "unique initially deferred",
        current: plain,
        seed: "INSERT INTO \"Seats\" VALUES (1, 1), (1, 2);",
        desired: deferred,
        kept: &["SELECT \"Number\"::text FROM \"Seats\""],
    })
    .await;
    assert!(
        sql(&plan).iter().any(|s| s
            .ends_with("ADD CONSTRAINT \"One Per Seat\" UNIQUE (\"Row\", \"Number\") DEFERRABLE INITIALLY DEFERRED")),
        "{:#?}",
        sql(&plan)
    );
    converge(&Case {
        name: "unique no longer deferred",
        current: deferred,
        seed: "INSERT INTO \"Seats\" VALUES (1, 1), (1, 2);",
        desired: plain,
        kept: &["SELECT \"Number\"::text FROM \"Seats\""],
    })
    .await;
}

/// MAXVALUE narrowed below where an identity sequence stands: the plan
/// restarts it inside the new range, the probe finds the rows left are out
/// of its way, and apply converges.
#[tokio::test]
async fn a_narrowed_maxvalue_is_applied_end_to_end() {
    let plan = converge(&Case {
        name: "maxvalue narrowed",
        current: "CREATE TABLE \"Tickets\" (\"Id\" int GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, x int);
                  CREATE SEQUENCE \"Counter\";",
        seed: "INSERT INTO \"Tickets\" (x) SELECT generate_series(1, 30);
               DELETE FROM \"Tickets\" WHERE \"Id\" <= 25;
               SELECT nextval('\"Counter\"') FROM generate_series(1, 40);",
        desired:
            "CREATE TABLE \"Tickets\" (\"Id\" int GENERATED BY DEFAULT AS IDENTITY (MAXVALUE 20) PRIMARY KEY, x int);
                  CREATE SEQUENCE \"Counter\" MAXVALUE 20;",
        kept: &["SELECT \"Id\"::text FROM \"Tickets\""],
    })
    .await;
    let statements = sql(&plan);
    assert_eq!(
        statements.iter().filter(|s| s.ends_with(" RESTART")).count(),
        2,
        "{statements:#?}"
    );
    assert_eq!(
        finding(&plan, "ALTER COLUMN \"Id\"", HazardKind::MayFailOnExistingRows).as_deref(),
        Some("\"public\".\"Tickets\".\"Id\" has no values the restarted sequence hands out again now")
    );
}
