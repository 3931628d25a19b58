//! Collations (`CREATE COLLATION`): ICU and libc, deterministic or not,
//! created before the columns, domains and indexes using them and dropped
//! after; a changed definition taken up by the columns and indexes using it;
//! comments on them.

use tfalchemy::engine::Plan;

use super::{converge, Case};

fn sql(plan: &Plan) -> Vec<&str> {
    plan.statements.iter().map(|s| s.sql.as_str()).collect()
}

fn position(plan: &Plan, part: &str) -> usize {
    plan.statements
        .iter()
        .position(|s| s.sql.contains(part))
        .unwrap_or_else(|| panic!("no statement with `{part}` in {:#?}", sql(plan)))
}

const COLLATED: &str = "CREATE SCHEMA \"App\";
    CREATE COLLATION \"App\".\"Folded\" (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
    CREATE COLLATION plain_c (provider = libc, locale = 'C');
    COMMENT ON COLLATION \"App\".\"Folded\" IS 'case-insensitive';
    CREATE DOMAIN code AS text COLLATE plain_c;
    CREATE TABLE \"App\".\"People\" (\"Name\" text COLLATE \"App\".\"Folded\", code code, sorted text COLLATE plain_c);
    CREATE INDEX \"Name Idx\" ON \"App\".\"People\" (\"Name\");
    CREATE INDEX sorted_folded ON \"App\".\"People\" (sorted COLLATE \"App\".\"Folded\");";

#[tokio::test]
async fn collations_are_created_before_their_users_and_dropped_after() {
    let plan = converge(&Case {
        name: "create collations",
        current: "",
        seed: "",
        desired: COLLATED,
        kept: &[],
    })
    .await;
    let folded = position(
        &plan,
        "CREATE COLLATION \"App\".\"Folded\" (provider = icu, locale = 'und-u-ks-level2', deterministic = false)",
    );
    let plain = position(
        &plan,
        "CREATE COLLATION \"public\".\"plain_c\" (provider = libc, lc_collate = 'C', lc_ctype = 'C')",
    );
    assert!(position(&plan, "CREATE SCHEMA") < folded);
    assert!(plain < position(&plan, "CREATE DOMAIN"), "{:#?}", sql(&plan));
    assert!(folded < position(&plan, "CREATE TABLE"), "{:#?}", sql(&plan));
    assert!(position(&plan, "COMMENT ON COLLATION \"App\".\"Folded\" IS 'case-insensitive'") > folded);

    let plan = converge(&Case {
        name: "drop collations",
        current: COLLATED,
        seed: "INSERT INTO \"App\".\"People\" VALUES ('Ann', 'a', 'x');",
        desired: "",
        kept: &[],
    })
    .await;
    let table = position(&plan, "DROP TABLE");
    assert!(
        table < position(&plan, "DROP COLLATION \"App\".\"Folded\""),
        "{:#?}",
        sql(&plan)
    );
    assert!(position(&plan, "DROP DOMAIN") < position(&plan, "DROP COLLATION \"public\".\"plain_c\""));
}

#[tokio::test]
async fn a_changed_collation_is_created_anew_and_taken_up_by_its_users() {
    let changed = COLLATED
        .replace(
            "und-u-ks-level2', deterministic = false",
            "und-u-ks-level1', deterministic = false",
        )
        .replace("'case-insensitive'", "'accent- and case-insensitive'");
    let plan = converge(&Case {
        name: "collation changes",
        current: COLLATED,
        seed: "INSERT INTO \"App\".\"People\" VALUES ('Ann', 'a', 'x'), ('bob', 'b', 'y');",
        desired: &changed,
        kept: &[
            "SELECT \"Name\" FROM \"App\".\"People\"",
            "SELECT sorted FROM \"App\".\"People\"",
        ],
    })
    .await;
    assert_eq!(
        sql(&plan),
        vec![
            "DROP INDEX \"App\".\"sorted_folded\"",
            "ALTER COLLATION \"App\".\"Folded\" RENAME TO \"Folded__tfalchemy_old\"",
            "CREATE COLLATION \"App\".\"Folded\" (provider = icu, locale = 'und-u-ks-level1', deterministic = false)",
            "ALTER TABLE \"App\".\"People\" ALTER COLUMN \"Name\" TYPE text COLLATE \"App\".\"Folded\"",
            "CREATE INDEX \"sorted_folded\" ON \"App\".\"People\" USING btree (sorted COLLATE \"App\".\"Folded\")",
            "DROP COLLATION \"App\".\"Folded__tfalchemy_old\"",
            "COMMENT ON COLLATION \"App\".\"Folded\" IS 'accent- and case-insensitive'",
        ]
    );
}

#[tokio::test]
async fn a_column_moves_to_a_new_collation_and_the_old_one_goes() {
    converge(&Case {
        name: "column collation",
        current: "CREATE COLLATION \"Old\" (provider = icu, locale = 'de-DE');
                  CREATE TABLE words (w text COLLATE \"Old\");",
        seed: "INSERT INTO words VALUES ('a'), ('B');",
        desired: "CREATE COLLATION \"New\" (provider = icu, locale = 'sv-SE', deterministic = true);
                  CREATE TABLE words (w text COLLATE \"New\");
                  COMMENT ON COLLATION \"New\" IS 'Swedish';",
        kept: &["SELECT w FROM words"],
    })
    .await;
}
