//! Functions called by domains, column defaults, checks, indexes and
//! triggers: created before their callers, dropped after them, and when a
//! function must be dropped and created again, its callers step aside and
//! come back (issue #4: order by the dependencies PostgreSQL records).

use super::{converge, statement_at, Case};

#[tokio::test]
async fn domains_calling_functions_and_functions_over_domains_are_created_in_dependency_order() {
    let plan = converge(&Case {
        name: "domains and functions created",
        current: "",
        seed: "",
        desired: r#"
            CREATE FUNCTION "Is Even"(x int) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT x % 2 = 0 $$;
            CREATE FUNCTION start_at() RETURNS int LANGUAGE sql AS $$ SELECT 2 $$;
            CREATE DOMAIN "Even" AS int DEFAULT start_at() CONSTRAINT "Even Check" CHECK ("Is Even"(VALUE));
            CREATE FUNCTION halve(n "Even") RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT n / 2 $$;
            CREATE DOMAIN half_even AS int CHECK (halve((VALUE * 2)::"Even") >= 0);
            CREATE TABLE "Pairs" (id int, n "Even", h half_even);"#,
        kept: &[],
    })
    .await;
    let is_even = statement_at(&plan, "CREATE OR REPLACE FUNCTION public.\"Is Even\"");
    let even = statement_at(&plan, "CREATE DOMAIN \"public\".\"Even\"");
    let halve = statement_at(&plan, "CREATE OR REPLACE FUNCTION public.halve");
    let half_even = statement_at(&plan, "CREATE DOMAIN \"public\".\"half_even\"");
    assert!(is_even < even && statement_at(&plan, "CREATE OR REPLACE FUNCTION public.start_at") < even);
    assert!(even < halve && halve < half_even);
    assert!(half_even < statement_at(&plan, "CREATE TABLE \"public\".\"Pairs\""));
}

#[tokio::test]
async fn a_domain_gains_a_check_calling_a_new_function() {
    let plan = converge(&Case {
        name: "domain check on a new function",
        current: "CREATE DOMAIN code AS text; CREATE TABLE tags (c code);",
        seed: "INSERT INTO tags VALUES ('ABC'), ('XY');",
        desired: "CREATE FUNCTION is_upper(v text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT v = upper(v) $$;
                  CREATE DOMAIN code AS text CONSTRAINT code_upper CHECK (is_upper(VALUE));
                  CREATE TABLE tags (c code);",
        kept: &["SELECT c::text FROM tags"],
    })
    .await;
    assert!(
        statement_at(&plan, "CREATE OR REPLACE FUNCTION public.is_upper")
            < statement_at(&plan, "ALTER DOMAIN \"public\".\"code\" ADD CONSTRAINT")
    );
}

/// `"Pick"` is called by a domain's default and check, a column default, a
/// table check, an index expression and a trigger's WHEN clause.
const PICK_USERS: &str = r#"
CREATE FUNCTION "Pick"(x int) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT x $$;
CREATE DOMAIN picked AS int DEFAULT "Pick"(1) CONSTRAINT picked_ok CHECK ("Pick"(VALUE) >= 0);
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TABLE "Items" (id int, n int DEFAULT "Pick"(5) CONSTRAINT "N Ok" CHECK ("Pick"(n) < 100), p picked);
CREATE INDEX "Items Pick" ON "Items" ("Pick"(n));
CREATE TRIGGER "Items Touch" BEFORE UPDATE ON "Items" FOR EACH ROW WHEN ("Pick"(NEW.n) > 0) EXECUTE FUNCTION touch();
"#;

#[tokio::test]
async fn a_function_recreated_for_a_new_signature_takes_its_callers_along() {
    let current: &'static str = Box::leak(
        format!("{PICK_USERS}CREATE TABLE gone (v int CONSTRAINT gone_v CHECK (\"Pick\"(v) > 0));").into_boxed_str(),
    );
    let desired: &'static str = Box::leak(
        PICK_USERS
            .replace("\"Pick\"(x int)", "\"Pick\"(y int)")
            .replace("SELECT x", "SELECT y")
            .into_boxed_str(),
    );
    let plan = converge(&Case {
        name: "function signature under its callers",
        current,
        seed: "INSERT INTO \"Items\" VALUES (1, 7, 3), (2, 9, 4); INSERT INTO gone VALUES (1);",
        desired,
        kept: &["SELECT id || ':' || n || ':' || p FROM \"Items\""],
    })
    .await;
    let drop_function = statement_at(&plan, "DROP FUNCTION \"public\".\"Pick\"");
    let create_function = statement_at(&plan, "CREATE OR REPLACE FUNCTION public.\"Pick\"");
    for caller in [
        "ALTER TABLE \"public\".\"Items\" ALTER COLUMN \"n\" DROP DEFAULT",
        "ALTER TABLE \"public\".\"Items\" DROP CONSTRAINT \"N Ok\"",
        "ALTER TABLE \"public\".\"gone\" DROP CONSTRAINT \"gone_v\"",
        "DROP INDEX \"public\".\"Items Pick\"",
        "DROP TRIGGER \"Items Touch\"",
        "ALTER DOMAIN \"public\".\"picked\" DROP CONSTRAINT \"picked_ok\"",
        "ALTER DOMAIN \"public\".\"picked\" DROP DEFAULT",
    ] {
        assert!(statement_at(&plan, caller) < drop_function, "{caller}");
    }
    for caller in [
        "ALTER TABLE \"public\".\"Items\" ALTER COLUMN \"n\" SET DEFAULT",
        "ALTER TABLE \"public\".\"Items\" ADD CONSTRAINT \"N Ok\"",
        "CREATE INDEX \"Items Pick\"",
        "CREATE TRIGGER \"Items Touch\"",
        "ALTER DOMAIN \"public\".\"picked\" ADD CONSTRAINT \"picked_ok\"",
        "ALTER DOMAIN \"public\".\"picked\" SET DEFAULT",
    ] {
        assert!(statement_at(&plan, caller) > create_function, "{caller}");
    }
    assert!(
        !plan.sql().iter().any(|s| s.contains("ADD CONSTRAINT \"gone_v\"")),
        "{:?}",
        plan.sql()
    );
}

#[tokio::test]
async fn callers_that_change_with_a_recreated_function_are_changed_once() {
    let desired: &'static str = Box::leak(
        PICK_USERS
            .replace("\"Pick\"(x int)", "\"Pick\"(y int)")
            .replace("SELECT x", "SELECT y")
            .replace("DEFAULT \"Pick\"(5)", "DEFAULT \"Pick\"(6)")
            .replace("CHECK (\"Pick\"(n) < 100)", "CHECK (\"Pick\"(n) < 200)")
            .replace("WHEN (\"Pick\"(NEW.n) > 0)", "WHEN (\"Pick\"(NEW.n) > 1)")
            .replace("CHECK (\"Pick\"(VALUE) >= 0)", "CHECK (\"Pick\"(VALUE) >= -1)")
            .into_boxed_str(),
    );
    converge(&Case {
        name: "function signature under changed callers",
        current: PICK_USERS,
        seed: "INSERT INTO \"Items\" VALUES (1, 7, 3);",
        desired,
        kept: &["SELECT id || ':' || n || ':' || p FROM \"Items\""],
    })
    .await;
}

#[tokio::test]
async fn a_function_dropped_for_good_goes_after_its_callers() {
    let plan = converge(&Case {
        name: "function dropped with its callers",
        current: r#"
            CREATE FUNCTION "Check It"(x int) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT x > 0 $$;
            CREATE DOMAIN "Checked" AS int CHECK ("Check It"(VALUE));
            CREATE FUNCTION use_checked(c "Checked") RETURNS int LANGUAGE sql AS $$ SELECT c $$;
            CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
            CREATE TABLE kept (id int DEFAULT CASE WHEN "Check It"(1) THEN 1 END CHECK ("Check It"(id)));
            CREATE TRIGGER kept_touch BEFORE UPDATE ON kept FOR EACH ROW WHEN ("Check It"(NEW.id)) EXECUTE FUNCTION touch();"#,
        seed: "INSERT INTO kept VALUES (4);",
        desired: "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
                  CREATE TABLE kept (id int);",
        kept: &["SELECT id::text FROM kept"],
    })
    .await;
    let check_it = statement_at(&plan, "DROP FUNCTION \"public\".\"Check It\"");
    let domain = statement_at(&plan, "DROP DOMAIN \"public\".\"Checked\"");
    assert!(statement_at(&plan, "DROP FUNCTION \"public\".\"use_checked\"") < domain && domain < check_it);
    assert!(statement_at(&plan, "DROP TRIGGER \"kept_touch\"") < check_it);
}
