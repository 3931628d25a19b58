//! Plan verification seen through Terraform: a plan the provider could not
//! verify by replaying it (src/engine/verify.rs) is still shown, with a
//! "Plan not verified" warning saying why, and applies.

mod common;

use common::postgres_db::PostgresDb;
use common::{Config, SchemaBlock, Workspace};

/// The view needs an aggregate the provider does not manage, so the copy of
/// the live schema the plan is replayed in lacks it.
#[test]
fn an_unverified_plan_warns_and_still_applies() {
    let db = PostgresDb::new();
    db.execute("CREATE TABLE kept (x int); CREATE AGGREGATE total(int) (sfunc = int4pl, stype = int)");
    let desired = "CREATE AGGREGATE total(int) (sfunc = int4pl, stype = int);
                   CREATE TABLE kept (x int);
                   CREATE VIEW sums AS SELECT total(x) AS sum FROM kept;";
    let workspace = Workspace::initialized(
        &Config::new()
            .schema(SchemaBlock::new("app", desired).url(&db.url()))
            .render(),
    );
    workspace
        .plan()
        .changes()
        .contains("Warning: Plan not verified")
        .contains("could not verify the plan");
    workspace.apply().success();
    assert_eq!(
        db.strings("SELECT viewname::text FROM pg_views WHERE viewname = 'sums'"),
        vec!["sums"]
    );
    workspace.plan().no_changes();
}
