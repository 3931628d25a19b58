//! Plan verification seen through Terraform: a plan the provider could not
//! verify by replaying it (src/engine/verify.rs) is still shown, with a
//! "Plan not verified" warning saying why, and applies.

mod common;

use common::postgres_db::PostgresDb;
use common::{Config, SchemaBlock, Workspace};

/// The view reads a foreign table, which the provider does not manage, so the
/// copy of the live schema the plan is replayed in lacks it.
#[test]
fn an_unverified_plan_warns_and_still_applies() {
    let db = PostgresDb::new();
    let remote = "CREATE FOREIGN DATA WRAPPER elsewhere; CREATE SERVER far FOREIGN DATA WRAPPER elsewhere; \
                  CREATE FOREIGN TABLE remote (x int) SERVER far;";
    db.execute(remote);
    let desired = format!("{remote}\nCREATE VIEW sums AS SELECT x AS sum FROM remote;");
    let workspace = Workspace::initialized(
        &Config::new()
            .schema(SchemaBlock::new("app", &desired).url(&db.url()))
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
