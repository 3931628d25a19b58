//! Every hazard code and every policy setting, the way a user meets them: real
//! Terraform against the local PostgreSQL (and SQLite for its own codes).
//!
//! Each scenario applies a current schema, seeds rows, changes `desired_sql`
//! and then checks the default plan (a warning per hazard, or for data loss
//! the "Plan blocked by policy" error naming the statement and the `allow`
//! setting), the `hazards` attribute of a saved plan that allows the data
//! loss, the apply, and an empty second plan. `SCENARIOS` map every code of
//! `HazardKind::ALL` to the scenario that shows it, and `DEDICATED` the codes
//! that depend on what other sessions do to the test of their own; a new code
//! without a case fails `every_hazard_code_has_an_acceptance_case`.

mod common;

use std::collections::BTreeSet;

use common::output::TfOutput;
use common::postgres_db::PostgresDb;
use common::state_json::{planned_change, strings};
use common::{Config, SchemaBlock, SqliteDb, Workspace};
use serde_json::Value;
use tfalchemy::engine::HazardKind;

const APP: &str = "app";

/// One hazard code as a scenario's plan shows it.
struct Case {
    code: &'static str,
    /// Part of the statement that carries the hazard, as `planned_sql` spells it.
    statement: &'static str,
    /// What the data probe says in the diagnostic, when the rows matter.
    finding: Option<&'static str>,
}

/// A realistic change: `current` applied and `rows` inserted, then `desired`.
struct Scenario {
    current: &'static str,
    rows: &'static str,
    desired: &'static str,
    cases: &'static [Case],
    /// Codes the change also carries without being the case for them.
    incidental: &'static [&'static str],
}

/// A PostgreSQL release that retires a schema, a table, a column, an enum value
/// and a view, and tightens the column types and rules of what stays.
const RETIRE_AND_TIGHTEN: Scenario = Scenario {
    current: r#"
CREATE SCHEMA reporting;
CREATE TABLE reporting.daily_totals (day date PRIMARY KEY, total bigint);
CREATE TYPE mood AS ENUM ('happy', 'ok', 'sad');
CREATE TABLE people (
  id int PRIMARY KEY,
  email text,
  nick varchar(100),
  code text,
  visits int,
  mood mood,
  legacy text
);
CREATE TABLE archived (id int);
CREATE VIEW happy_people AS SELECT id FROM people WHERE mood = 'happy';
"#,
    rows: "
INSERT INTO people VALUES
  (1, 'ann@example.com', 'ann', '1', 10, 'happy', 'kept since 2019'),
  (2, 'bo@example.com', 'bo', '2', 20, 'sad', NULL);
INSERT INTO archived SELECT generate_series(1, 3);
INSERT INTO reporting.daily_totals VALUES ('2024-01-01', 30);
",
    desired: r#"
CREATE TYPE mood AS ENUM ('happy', 'sad');
CREATE TABLE people (
  id int PRIMARY KEY,
  email text NOT NULL,
  nick varchar(20),
  code integer,
  visits bigint,
  mood mood
);
CREATE UNIQUE INDEX people_email ON people (email);
"#,
    cases: &[
        Case {
            code: "drops_schema",
            statement: r#"DROP SCHEMA "reporting""#,
            finding: None,
        },
        Case {
            code: "drops_table",
            statement: r#"DROP TABLE "public"."archived""#,
            finding: Some(r#""public"."archived" has 3 rows: lost in the drop"#),
        },
        Case {
            code: "drops_column",
            statement: r#"DROP COLUMN "legacy""#,
            finding: Some(r#""public"."people"."legacy" has 1 non-NULL value: lost in the drop"#),
        },
        Case {
            code: "drops_enum_value",
            statement: r#"ALTER COLUMN "mood" TYPE"#,
            finding: Some(r#""public"."people"."mood" has no rows holding a removed value now"#),
        },
        Case {
            code: "narrows_type",
            statement: r#"ALTER COLUMN "nick" TYPE"#,
            finding: Some(r#""public"."people"."nick" has no values longer than 20 characters now"#),
        },
        Case {
            code: "rewrites_table",
            statement: r#"ALTER COLUMN "visits" TYPE bigint"#,
            finding: None,
        },
        Case {
            code: "cast_may_fail",
            statement: r#"ALTER COLUMN "code" TYPE integer"#,
            finding: None,
        },
        Case {
            code: "drops_object",
            statement: r#"DROP VIEW "public"."happy_people""#,
            finding: None,
        },
        Case {
            code: "may_fail_on_existing_rows",
            statement: r#"ALTER COLUMN "email" SET NOT NULL"#,
            finding: Some(r#""public"."people"."email" has no NULL values now"#),
        },
        Case {
            code: "scans_table_under_lock",
            statement: r#"ALTER COLUMN "email" SET NOT NULL"#,
            finding: None,
        },
        Case {
            code: "builds_index_blocking_writes",
            statement: r#"CREATE UNIQUE INDEX "people_email""#,
            finding: None,
        },
    ],
    incidental: &[],
};

/// PostgreSQL: `users` becomes `members` and its `mail` column `email`.
const RENAMES: Scenario = Scenario {
    current: "CREATE TABLE users (id int PRIMARY KEY, mail text NOT NULL);",
    rows: "INSERT INTO users VALUES (1, 'ann@example.com'), (2, 'bo@example.com');",
    desired: "
-- renamed_from: users
CREATE TABLE members (
  id int PRIMARY KEY,
  -- renamed_from: mail
  email text NOT NULL
);
",
    cases: &[
        Case {
            code: "renames_table",
            statement: r#"ALTER TABLE "public"."users" RENAME TO "members""#,
            finding: None,
        },
        Case {
            code: "renames_column",
            statement: r#"RENAME COLUMN "mail" TO "email""#,
            finding: None,
        },
    ],
    incidental: &[],
};

/// SQLite: a column becomes NOT NULL, which SQLite can only do by copying the
/// rows into a new table.
const SQLITE_REBUILD: Scenario = Scenario {
    current: "CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT, body TEXT);",
    rows: "INSERT INTO posts VALUES (1, 'hello', 'first'), (2, 'again', NULL);",
    desired: "CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT NOT NULL, body TEXT);",
    cases: &[Case {
        code: "rebuilds_table",
        statement: r#"INSERT INTO "posts""#,
        finding: None,
    }],
    // The copy fails if a NULL title arrives before apply.
    incidental: &["may_fail_on_existing_rows"],
};

const SCENARIOS: [&Scenario; 3] = [&RETIRE_AND_TIGHTEN, &RENAMES, &SQLITE_REBUILD];

/// Codes decided by the live database's activity at plan time, which a
/// scenario cannot show, each with the test that does.
const DEDICATED: [(&str, &str); 1] = [(
    "locks_table",
    "postgresql_changing_a_busy_or_large_table_warns_that_it_locks_the_table",
)];

fn kind(code: &str) -> HazardKind {
    HazardKind::ALL
        .into_iter()
        .find(|kind| kind.code() == code)
        .unwrap_or_else(|| panic!("{code} is not a hazard code"))
}

#[test]
fn every_hazard_code_has_an_acceptance_case() {
    let cases: Vec<&str> = SCENARIOS
        .iter()
        .flat_map(|scenario| scenario.cases.iter().map(|case| case.code))
        .chain(DEDICATED.iter().map(|(code, _)| *code))
        .collect();
    for kind in HazardKind::ALL {
        let count = cases.iter().filter(|code| **code == kind.code()).count();
        assert_eq!(
            count,
            1,
            "hazard code {} needs exactly one case in tests/acceptance_hazards.rs",
            kind.code()
        );
    }
    for code in cases {
        kind(code);
    }
}

/// A database a scenario runs against.
trait Database {
    fn url(&self) -> String;
    fn run_sql(&self, sql: &str);
}

impl Database for PostgresDb {
    fn url(&self) -> String {
        PostgresDb::url(self)
    }
    fn run_sql(&self, sql: &str) {
        self.execute(sql);
    }
}

impl Database for SqliteDb {
    fn url(&self) -> String {
        SqliteDb::url(self)
    }
    fn run_sql(&self, sql: &str) {
        self.execute(sql);
    }
}

fn render(schema: SchemaBlock) -> String {
    Config::new().schema(schema).render()
}

/// The diagnostics Terraform printed, each as one line of normalized text
/// ("Error: …" or "Warning: …" and its detail): Terraform wraps long detail
/// lines and draws a box around each diagnostic, neither of which matters here.
fn diagnostics(output: &TfOutput) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for line in output.combined().lines() {
        let text = line.trim_start_matches(['│', '╷', '╵']).trim();
        if text.starts_with("Error: ") || text.starts_with("Warning: ") {
            found.push(text.to_owned());
        } else if let Some(current) = found.last_mut() {
            if !text.is_empty() {
                current.push(' ');
                current.push_str(text);
            }
        }
    }
    found
}

/// The one diagnostic starting with `heading` (its summary up to the code)
/// that names statement `index` of `planned_sql`.
#[track_caller]
fn diagnostic_about<'a>(output: &'a [String], heading: &str, index: usize, sql: &str) -> &'a String {
    let statement = format!("Statement {index} of planned_sql: {}", normalize(sql));
    let matching: Vec<&String> = output
        .iter()
        .filter(|text| text.starts_with(heading) && text.contains(&statement))
        .collect();
    assert_eq!(
        matching.len(),
        1,
        "one diagnostic {heading:?} about {statement:?} in:\n{output:#?}"
    );
    matching[0]
}

/// Whitespace collapsed, as [`diagnostics`] leaves Terraform's text.
fn normalize(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The `hazards` and `planned_sql` attributes of the resource in a saved plan.
fn planned_hazards(workspace: &Workspace, plan_file: &std::path::Path) -> (Vec<Value>, Vec<String>) {
    let shown = workspace.show_plan(plan_file);
    let after = &planned_change(&shown, &format!("sqlalchemy_schema.{APP}"))["after"];
    let hazards = after["hazards"]
        .as_array()
        .unwrap_or_else(|| panic!("hazards is a list: {after:#}"))
        .clone();
    (hazards, strings(&after["planned_sql"]))
}

/// The 1-based index of the statement of `planned_sql` containing `fragment`
/// and carrying `code`, checked against the `hazards` attribute.
#[track_caller]
fn statement_with(hazards: &[Value], planned_sql: &[String], code: &str, fragment: &str) -> usize {
    let entries: Vec<&Value> = hazards
        .iter()
        .filter(|hazard| hazard["code"] == code)
        .filter(|hazard| {
            hazard["statement"]
                .as_u64()
                .and_then(|index| planned_sql.get(index as usize - 1))
                .is_some_and(|sql| sql.contains(fragment))
        })
        .collect();
    assert_eq!(
        entries.len(),
        1,
        "one {code} hazard on the statement containing {fragment:?}:\n{hazards:#?}\n{planned_sql:#?}"
    );
    let entry = entries[0];
    let kind = kind(code);
    assert_eq!(entry["category"], kind.category().code(), "{entry:#}");
    assert!(
        entry["message"].as_str().is_some_and(|message| !message.is_empty()),
        "{entry:#}"
    );
    entry["statement"].as_u64().expect("statement index") as usize
}

/// Drives `scenario` through Terraform against `db`, up to the apply and the
/// empty plan after it; the caller then checks the database.
fn drive(scenario: &Scenario, db: &impl Database) -> Workspace {
    let workspace = Workspace::new();
    let resource = |desired: &str| SchemaBlock::new(APP, desired).url(&db.url());
    workspace.write_main_tf(&render(resource(scenario.current)));
    workspace.init().success();
    workspace.apply().success();
    db.run_sql(scenario.rows);

    // The default policy: data loss blocks the plan, the rest warns.
    workspace.write_main_tf(&render(resource(scenario.desired)));
    let default_plan = workspace.plan();
    let data_loss: Vec<&str> = scenario
        .cases
        .iter()
        .map(|case| case.code)
        .filter(|code| kind(code).category().code() == "data_loss")
        .collect();
    let default_plan = if data_loss.is_empty() {
        default_plan.changes()
    } else {
        default_plan.failure()
    };

    // Allowing exactly the data loss codes, the plan goes through.
    workspace.write_main_tf(&render(resource(scenario.desired).allow(&data_loss)));
    let (allowed_plan, plan_file) = workspace.plan_to_file("hazards.tfplan");
    let allowed_plan = allowed_plan.changes().lacks("Error:");
    let (hazards, planned_sql) = planned_hazards(&workspace, &plan_file);

    let default_diagnostics = diagnostics(&default_plan);
    let allowed_diagnostics = diagnostics(&allowed_plan);
    for case in scenario.cases {
        let kind = kind(case.code);
        let index = statement_with(&hazards, &planned_sql, case.code, case.statement);
        let sql = planned_sql[index - 1].lines().next().unwrap_or_default();
        let diagnostic = if kind.category().code() == "data_loss" {
            let blocked = diagnostic_about(
                &default_diagnostics,
                &format!("Error: Plan blocked by policy: {} ({})", case.code, kind.summary()),
                index,
                sql,
            );
            assert!(
                blocked.contains(&format!("policy {{ allow = [\"{}\"] }}", case.code)),
                "the error shows the setting that allows it: {blocked}"
            );
            assert!(
                !allowed_diagnostics
                    .iter()
                    .any(|text| text.contains(&format!("Hazard {}:", case.code))),
                "an allowed hazard is silent: {allowed_diagnostics:#?}"
            );
            blocked
        } else {
            let heading = format!("Warning: Hazard {}: {} (statement {index})", case.code, kind.summary());
            diagnostic_about(&allowed_diagnostics, &heading, index, sql);
            diagnostic_about(&default_diagnostics, &heading, index, sql)
        };
        if let Some(finding) = case.finding {
            assert!(
                diagnostic.contains(finding),
                "the diagnostic says what the rows hold ({finding}): {diagnostic}"
            );
        }
    }
    let codes: BTreeSet<&str> = hazards.iter().filter_map(|hazard| hazard["code"].as_str()).collect();
    let expected: BTreeSet<&str> = scenario
        .cases
        .iter()
        .map(|case| case.code)
        .chain(scenario.incidental.iter().copied())
        .collect();
    assert_eq!(codes, expected, "{hazards:#?}");

    workspace.apply_plan_file(&plan_file).success();
    workspace.plan().no_changes();
    workspace
}

#[test]
fn postgresql_retiring_and_tightening_shows_each_hazard_then_applies() {
    let db = PostgresDb::new();
    let _workspace = drive(&RETIRE_AND_TIGHTEN, &db);
    assert_eq!(db.tables(), ["public.people"]);
    assert_eq!(
        db.strings("SELECT nspname::text FROM pg_namespace WHERE nspname = 'reporting'"),
        Vec::<String>::new()
    );
    assert_eq!(
        db.strings("SELECT concat_ws(' ', id, email, nick, code, visits, mood) FROM people ORDER BY id"),
        ["1 ann@example.com ann 1 10 happy", "2 bo@example.com bo 2 20 sad"]
    );
    assert_eq!(
        db.strings(
            "SELECT column_name || ' ' || format_type(atttypid, atttypmod) FROM information_schema.columns \
             JOIN pg_attribute ON attrelid = 'people'::regclass AND attname = column_name \
             WHERE table_name = 'people' ORDER BY ordinal_position"
        ),
        [
            "id integer",
            "email text",
            "nick character varying(20)",
            "code integer",
            "visits bigint",
            "mood mood"
        ]
    );
    assert_eq!(
        db.strings("SELECT string_agg(enumlabel::text, ',' ORDER BY enumsortorder) FROM pg_enum"),
        ["happy,sad"]
    );
}

#[test]
fn postgresql_renames_show_their_hazards_and_keep_the_rows() {
    let db = PostgresDb::new();
    let _workspace = drive(&RENAMES, &db);
    assert_eq!(db.tables(), ["public.members"]);
    assert_eq!(
        db.strings("SELECT email FROM members ORDER BY id"),
        ["ann@example.com", "bo@example.com"]
    );
}

#[test]
fn sqlite_rebuild_shows_its_hazard_and_keeps_the_rows() {
    let workspace = Workspace::new();
    let db = workspace.sqlite(APP);
    let _driven = drive(&SQLITE_REBUILD, &db);
    assert!(db.column("posts", "title").not_null);
    assert_eq!(
        db.strings("SELECT title || '/' || coalesce(body, '-') FROM posts ORDER BY id", &[]),
        ["hello/first", "again/-"]
    );
}

const EVENTS: &str = "CREATE TABLE events (id int PRIMARY KEY, kind text);";
const EVENT_ROWS: &str = "INSERT INTO events SELECT n, 'kind ' || (n % 7) FROM generate_series(1, 100) AS n;";
const EVENTS_INDEXED: &str =
    "CREATE TABLE events (id int PRIMARY KEY, kind text); CREATE INDEX events_kind ON events (kind);";

#[test]
fn postgresql_concurrent_indexes_build_outside_the_transaction_without_blocking_writes() {
    let db = PostgresDb::new();
    let workspace = Workspace::new();
    let resource = |desired: &str| SchemaBlock::new(APP, desired).url(&db.url());
    workspace.write_main_tf(&render(resource(EVENTS)));
    workspace.init().success();
    workspace.apply().success();
    db.execute(EVENT_ROWS);

    // Without the setting the index is built inside the transaction, and says so.
    workspace.write_main_tf(&render(resource(EVENTS_INDEXED)));
    let blocking = workspace.plan().changes().hides_sql("CONCURRENTLY");
    diagnostic_about(
        &diagnostics(&blocking),
        "Warning: Hazard builds_index_blocking_writes: builds an index while writes to the table wait (statement 1)",
        1,
        r#"CREATE INDEX "events_kind" ON public.events USING btree (kind)"#,
    );
    blocking.says("`policy { concurrent_indexes = true }` builds it without blocking writes");

    workspace.write_main_tf(&render(
        resource(EVENTS_INDEXED).policy_setting("concurrent_indexes", "true"),
    ));
    let (concurrent, plan_file) = workspace.plan_to_file("concurrent.tfplan");
    concurrent
        .changes()
        .lacks("Warning:")
        .contains("-- runs outside the transaction: not rolled back if a later statement fails")
        .shows_sql(r#"CREATE INDEX CONCURRENTLY "events_kind" ON public.events USING btree (kind)"#);
    let (hazards, planned_sql) = planned_hazards(&workspace, &plan_file);
    assert_eq!(
        planned_sql,
        [
            "-- runs outside the transaction: not rolled back if a later statement fails\n\
          CREATE INDEX CONCURRENTLY \"events_kind\" ON public.events USING btree (kind)"
        ]
    );
    assert_eq!(hazards, Vec::<Value>::new());

    workspace.apply_plan_file(&plan_file).success();
    assert_eq!(
        db.strings("SELECT indisvalid::text FROM pg_index WHERE indexrelid = 'events_kind'::regclass"),
        ["true"]
    );
    assert_eq!(db.strings("SELECT count(*)::text FROM events"), ["100"]);
    workspace.plan().no_changes();
}

const NOTES: &str = "CREATE TABLE notes (id int PRIMARY KEY, title text);";
const NOTES_WITH_BODY: &str = "CREATE TABLE notes (id int PRIMARY KEY, title text, body text);";
const EVENTS_NARROW: &str = "CREATE TABLE events (id int);";
const EVENTS_WITH_KIND: &str = "CREATE TABLE events (id int, kind text);";

/// The one `locks_table` warning of `output`, about the statement of
/// `planned_sql` containing `fragment`.
#[track_caller]
fn locks_table_warning(output: &TfOutput, planned_sql: &[String], fragment: &str) -> String {
    let index = planned_sql
        .iter()
        .position(|sql| sql.contains(fragment))
        .unwrap_or_else(|| panic!("no statement with {fragment:?}: {planned_sql:#?}"))
        + 1;
    let kind = kind("locks_table");
    let heading = format!("Warning: Hazard locks_table: {} (statement {index})", kind.summary());
    diagnostic_about(&diagnostics(output), &heading, index, &planned_sql[index - 1]).clone()
}

#[test]
fn postgresql_changing_a_busy_or_large_table_warns_that_it_locks_the_table() {
    let db = PostgresDb::new();
    let workspace = Workspace::new();
    let resource = |desired: &str| SchemaBlock::new(APP, desired).url(&db.url());
    workspace.write_main_tf(&render(resource(NOTES)));
    workspace.init().success();
    workspace.apply().success();
    db.execute("INSERT INTO notes VALUES (1, 'first'), (2, 'second');");

    // A quiet small table: adding a column is not worth a word.
    workspace.write_main_tf(&render(resource(NOTES_WITH_BODY).attribute("lock_timeout", "\"1s\"")));
    workspace.plan().changes().lacks("locks_table");

    // Another session is reading the table, in a transaction it keeps open.
    let reader = db.hold("BEGIN; SELECT count(*) FROM notes;");
    let (busy, plan_file) = workspace.plan_to_file("busy.tfplan");
    let busy = busy.changes();
    let (hazards, planned_sql) = planned_hazards(&workspace, &plan_file);
    let warning = locks_table_warning(&busy, &planned_sql, r#"ADD COLUMN "body" text"#);
    for said in [
        r#"takes an ACCESS EXCLUSIVE lock on "public"."notes""#,
        r#""public"."notes" 1 other session holds or waits for a lock on it now"#,
        "up to `lock_timeout`",
    ] {
        assert!(normalize(&warning).contains(said), "{said:?} in {warning}");
    }
    // Activity changes by the moment: it is not part of the planned values.
    assert!(
        hazards.iter().all(|hazard| hazard["code"] != "locks_table"),
        "{hazards:#?}"
    );
    // The apply waits for the reader no longer than `lock_timeout`, and changes nothing.
    workspace
        .apply_plan_file(&plan_file)
        .failure()
        .contains("lock_timeout")
        .contains("ran out");
    assert_eq!(db.columns("public", "notes"), ["id", "title"]);
    drop(reader);
    workspace.plan().changes().lacks("locks_table");
    workspace.apply().success();
    assert_eq!(db.columns("public", "notes"), ["id", "title", "body"]);

    // A large table, nobody using it: the planner's estimate says how large.
    workspace.write_main_tf(&render(resource(&format!("{NOTES_WITH_BODY}\n{EVENTS_NARROW}"))));
    workspace.apply().success();
    db.execute("INSERT INTO events SELECT generate_series(1, 1200000);");
    db.execute("VACUUM ANALYZE events;");
    workspace.write_main_tf(&render(resource(&format!("{NOTES_WITH_BODY}\n{EVENTS_WITH_KIND}"))));
    let (large, plan_file) = workspace.plan_to_file("large.tfplan");
    let large = large.changes();
    let (_, planned_sql) = planned_hazards(&workspace, &plan_file);
    let warning = locks_table_warning(&large, &planned_sql, r#"ADD COLUMN "kind" text"#);
    assert!(
        normalize(&warning).contains(r#""public"."events" holds about 1,200,000 rows, "#),
        "{warning}"
    );
    workspace.apply_plan_file(&plan_file).success();
    workspace.plan().no_changes();
}

/// What a policy does with one hazard code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Silent,
    Warned,
    Blocked,
}

/// The lists of a `policy` block, as `(list, names)` pairs.
type PolicyRules = &'static [(&'static str, &'static [&'static str])];

#[test]
fn policy_rules_per_code_category_and_all_change_each_verdict_as_documented() {
    let db = PostgresDb::new();
    let workspace = Workspace::new();
    let resource = |desired: &str| SchemaBlock::new(APP, desired).url(&db.url());
    workspace.write_main_tf(&render(resource(
        "CREATE TABLE orders (id int PRIMARY KEY, total int, note text);",
    )));
    workspace.init().success();
    workspace.apply().success();
    db.execute("INSERT INTO orders VALUES (1, 250, 'gift'), (2, 90, NULL);");

    // One change, three hazards: data loss and two kinds of blocking lock.
    let desired =
        "CREATE TABLE orders (id int PRIMARY KEY, total bigint); CREATE INDEX orders_total ON orders (total);";
    let codes = ["drops_column", "rewrites_table", "builds_index_blocking_writes"];
    use Expect::{Blocked, Silent, Warned};
    let policies: [(PolicyRules, [Expect; 3]); 7] = [
        // Without rules: data loss blocks, the rest warns.
        (&[], [Blocked, Warned, Warned]),
        (
            &[("allow", &["drops_column"]), ("deny", &["blocking_lock"])],
            [Silent, Blocked, Blocked],
        ),
        // A code is more specific than its category.
        (
            &[
                ("warn", &["drops_column"]),
                ("allow", &["rewrites_table"]),
                ("deny", &["blocking_lock"]),
            ],
            [Warned, Silent, Blocked],
        ),
        (
            &[("warn", &["data_loss"]), ("deny", &["drops_column"])],
            [Blocked, Warned, Warned],
        ),
        // A category is more specific than `all`.
        (
            &[("deny", &["all"]), ("allow", &["blocking_lock"])],
            [Blocked, Silent, Silent],
        ),
        // Between equally specific rules the strictest wins.
        (
            &[("allow", &["data_loss", "blocking_lock"]), ("warn", &["blocking_lock"])],
            [Silent, Warned, Warned],
        ),
        (&[("allow", &["all"])], [Silent, Silent, Silent]),
    ];
    for (rules, expected) in policies {
        let block = rules
            .iter()
            .fold(resource(desired), |block, (list, names)| block.policy_list(list, names));
        workspace.write_main_tf(&render(block));
        let plan = workspace.plan();
        let plan = if expected.contains(&Blocked) {
            plan.failure()
        } else {
            plan.changes()
        };
        let shown = diagnostics(&plan);
        for (code, expect) in codes.iter().zip(expected) {
            let warned = shown
                .iter()
                .any(|text| text.starts_with(&format!("Warning: Hazard {code}:")));
            let blocked = shown
                .iter()
                .any(|text| text.starts_with(&format!("Error: Plan blocked by policy: {code} ")));
            assert_eq!(
                (warned, blocked),
                (expect == Warned, expect == Blocked),
                "{code} under {rules:?} should be {expect:?}\n{plan}"
            );
        }
    }

    // The last policy allows everything: the change applies and stays applied.
    workspace.apply().success();
    assert_eq!(db.columns("public", "orders"), ["id", "total"]);
    assert_eq!(
        db.strings("SELECT indexname::text FROM pg_indexes WHERE tablename = 'orders' ORDER BY 1"),
        ["orders_pkey", "orders_total"]
    );
    workspace.plan().no_changes();
}
