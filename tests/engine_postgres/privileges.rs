//! Privileges and ownership (issue 14): GRANT / REVOKE on tables, columns,
//! sequences, routines, schemas and types, the grant option, default
//! privileges and owners converge when the desired SQL declares them, and
//! are left as they are (never a phantom change) when it does not. Roles are
//! server-wide: each test creates its own, uniquely named, and drops them
//! after its databases.

use std::sync::atomic::{AtomicUsize, Ordering};

use sqlx::{ConnectOptions, Connection, Executor};
use tfalchemy::engine::{self, EngineError};

use super::{admin_options, converge, Case, PgDb};

static ROLES: AtomicUsize = AtomicUsize::new(0);

/// Roles of one test, mixed-case names that need quoting, dropped on Drop
/// (declare them before the databases, so those go first).
struct Roles {
    names: Vec<String>,
}

impl Roles {
    async fn new(labels: &[&str]) -> Roles {
        let names: Vec<String> = labels
            .iter()
            .map(|label| {
                format!(
                    "tfalchemy_{label}_{}_{}",
                    std::process::id(),
                    ROLES.fetch_add(1, Ordering::SeqCst)
                )
            })
            .collect();
        let mut admin = admin_options().connect().await.expect("connect");
        for name in &names {
            admin
                .execute(format!("CREATE ROLE \"{name}\" NOLOGIN").as_str())
                .await
                .expect("create role");
        }
        admin.close().await.expect("close");
        Roles { names }
    }

    /// The `i`th role's name, quoted.
    fn quoted(&self, i: usize) -> String {
        format!("\"{}\"", self.names[i])
    }
}

impl Drop for Roles {
    fn drop(&mut self) {
        let names = self.names.clone();
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            runtime.block_on(async {
                let mut admin = admin_options().connect().await.map_err(std::io::Error::other)?;
                for name in &names {
                    admin
                        .execute(format!("DROP ROLE IF EXISTS \"{name}\"").as_str())
                        .await
                        .map_err(std::io::Error::other)?;
                }
                admin.close().await.map_err(std::io::Error::other)
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop test roles {:?}", self.names);
        }
    }
}

/// `{0}`, `{1}`, … in `sql` replaced by the quoted role names; kept for the
/// test's lifetime, as [`Case`] wants.
fn with_roles(sql: &str, roles: &Roles) -> &'static str {
    let mut sql = sql.to_string();
    for i in 0..roles.names.len() {
        sql = sql.replace(&format!("{{{i}}}"), &roles.quoted(i));
    }
    Box::leak(sql.into_boxed_str())
}

const OBJECTS: &str = r#"
    CREATE SCHEMA "App";
    CREATE TYPE "App"."Mood" AS ENUM ('sad', 'happy');
    CREATE DOMAIN "App".positive AS int CHECK (VALUE > 0);
    CREATE TABLE "App"."Users" (id serial PRIMARY KEY, "Email" text, name text);
    CREATE VIEW "App".names AS SELECT id, name FROM "App"."Users";
    CREATE SEQUENCE "App".tickets;
    CREATE FUNCTION "App".greet(who text) RETURNS text LANGUAGE sql AS $$ SELECT 'hi ' || who $$;
    CREATE PROCEDURE "App".touch() LANGUAGE sql AS $$ SELECT 1 $$;
"#;

fn objects_with(grants: &str, roles: &Roles) -> &'static str {
    with_roles(&format!("{OBJECTS}\n{grants}"), roles)
}

#[tokio::test]
async fn grants_are_added_changed_and_revoked_on_every_kind_of_object() {
    let roles = Roles::new(&["Reader", "Writer"]).await;
    let before = r#"
        GRANT USAGE ON SCHEMA "App" TO {0};
        GRANT SELECT ON "App"."Users" TO {0};
        GRANT INSERT, DELETE ON "App"."Users" TO {1};
        GRANT SELECT ("Email") ON "App"."Users" TO {1};
        GRANT USAGE ON SEQUENCE "App".tickets TO {1};
        GRANT SELECT ON "App".names TO {1};"#;
    let after = r#"
        GRANT USAGE ON SCHEMA "App" TO {1};
        GRANT SELECT ON "App"."Users" TO {0} WITH GRANT OPTION;
        GRANT INSERT ON "App"."Users" TO {1};
        GRANT SELECT (name), UPDATE ("Email") ON "App"."Users" TO {1};
        GRANT USAGE, SELECT ON SEQUENCE "App".tickets TO {1};
        GRANT SELECT ON "App".names TO {0};
        REVOKE EXECUTE ON FUNCTION "App".greet(text) FROM PUBLIC;
        GRANT EXECUTE ON FUNCTION "App".greet(text) TO {0};
        REVOKE EXECUTE ON PROCEDURE "App".touch() FROM PUBLIC;
        REVOKE USAGE ON TYPE "App"."Mood" FROM PUBLIC;
        GRANT USAGE ON TYPE "App"."Mood" TO {1};
        GRANT USAGE ON DOMAIN "App".positive TO {0} WITH GRANT OPTION;"#;
    let plan = converge(&Case {
        name: "grants changed",
        current: objects_with(before, &roles),
        seed: "",
        desired: objects_with(after, &roles),
        kept: &[],
    })
    .await;
    let sql = plan.sql();
    let reader = roles.quoted(0);
    let writer = roles.quoted(1);
    for expected in [
        format!("REVOKE USAGE ON SCHEMA \"App\" FROM {reader}"),
        format!("GRANT USAGE ON SCHEMA \"App\" TO {writer}"),
        format!("GRANT SELECT ON TABLE \"App\".\"Users\" TO {reader} WITH GRANT OPTION"),
        format!("REVOKE DELETE ON TABLE \"App\".\"Users\" FROM {writer}"),
        format!("REVOKE SELECT (\"Email\") ON TABLE \"App\".\"Users\" FROM {writer}"),
        format!("GRANT SELECT (\"name\") ON TABLE \"App\".\"Users\" TO {writer}"),
        "REVOKE EXECUTE ON FUNCTION \"App\".\"greet\"(who text) FROM PUBLIC".to_string(),
        "REVOKE EXECUTE ON PROCEDURE \"App\".\"touch\"() FROM PUBLIC".to_string(),
        "REVOKE USAGE ON TYPE \"App\".\"Mood\" FROM PUBLIC".to_string(),
    ] {
        assert!(sql.contains(&expected), "{expected} not in {sql:#?}");
    }

    // And back: the grant option goes, and so does every grant the desired
    // SQL no longer makes (one GRANT keeps privileges managed).
    converge(&Case {
        name: "grants revoked",
        current: objects_with(after, &roles),
        seed: "",
        desired: objects_with(r#"GRANT SELECT ON "App"."Users" TO {0};"#, &roles),
        kept: &[],
    })
    .await;
}

#[tokio::test]
async fn the_grant_option_alone_is_added_and_revoked() {
    let roles = Roles::new(&["Grantee"]).await;
    let table = "CREATE TABLE t (a int);";
    let without = with_roles(&format!("{table} GRANT SELECT, UPDATE ON t TO {{0}};"), &roles);
    let with = with_roles(
        &format!("{table} GRANT SELECT ON t TO {{0}} WITH GRANT OPTION; GRANT UPDATE ON t TO {{0}};"),
        &roles,
    );
    let plan = converge(&Case {
        name: "grant option added",
        current: without,
        seed: "",
        desired: with,
        kept: &[],
    })
    .await;
    assert_eq!(
        plan.sql(),
        vec![format!(
            "GRANT SELECT ON TABLE \"public\".\"t\" TO {} WITH GRANT OPTION",
            roles.quoted(0)
        )]
    );
    let plan = converge(&Case {
        name: "grant option revoked",
        current: with,
        seed: "",
        desired: without,
        kept: &[],
    })
    .await;
    assert_eq!(
        plan.sql(),
        vec![format!(
            "REVOKE GRANT OPTION FOR SELECT ON TABLE \"public\".\"t\" FROM {}",
            roles.quoted(0)
        )]
    );
}

#[tokio::test]
async fn default_privileges_are_set_before_the_objects_they_apply_to() {
    let roles = Roles::new(&["Reader", "Runner"]).await;
    let plan = converge(&Case {
        name: "default privileges added",
        current: "CREATE SCHEMA app;",
        seed: "",
        desired: with_roles(
            "CREATE SCHEMA app;
             ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT ON TABLES TO {0};
             ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
             ALTER DEFAULT PRIVILEGES GRANT EXECUTE ON FUNCTIONS TO {1};
             CREATE TABLE app.events (id int);
             CREATE TABLE app.secrets (id int);
             REVOKE SELECT ON app.secrets FROM {0};
             CREATE FUNCTION app.now_utc() RETURNS timestamp LANGUAGE sql AS $$ SELECT now() $$;",
            &roles,
        ),
        kept: &[],
    })
    .await;
    let sql = plan.sql();
    let defaults = sql
        .iter()
        .position(|s| s.starts_with("ALTER DEFAULT PRIVILEGES"))
        .unwrap();
    let table = sql.iter().position(|s| s.starts_with("CREATE TABLE")).unwrap();
    assert!(defaults < table, "{sql:#?}");
    assert!(
        sql.contains(&format!(
            "REVOKE SELECT ON TABLE \"app\".\"secrets\" FROM {}",
            roles.quoted(0)
        )),
        "{sql:#?}"
    );
    converge(&Case {
        name: "default privileges changed",
        current: with_roles(
            "CREATE SCHEMA app;
             ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT ON TABLES TO {0};
             ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;",
            &roles,
        ),
        seed: "",
        desired: with_roles(
            "CREATE SCHEMA app;
             ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT, INSERT ON TABLES TO {1};
             ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT USAGE ON SEQUENCES TO {0};",
            &roles,
        ),
        kept: &[],
    })
    .await;
}

#[tokio::test]
async fn owners_change_when_declared() {
    let roles = Roles::new(&["Owner", "Other"]).await;
    let owned = r#"
        ALTER SCHEMA "App" OWNER TO {0};
        ALTER TABLE "App"."Users" OWNER TO {0};
        ALTER VIEW "App".names OWNER TO {1};
        ALTER SEQUENCE "App".tickets OWNER TO {0};
        ALTER FUNCTION "App".greet(text) OWNER TO {1};
        ALTER PROCEDURE "App".touch() OWNER TO {0};
        ALTER TYPE "App"."Mood" OWNER TO {1};
        ALTER DOMAIN "App".positive OWNER TO {0};"#;
    let plan = converge(&Case {
        name: "owners declared",
        current: objects_with("", &roles),
        seed: "",
        desired: objects_with(owned, &roles),
        kept: &[],
    })
    .await;
    let sql = plan.sql();
    assert!(sql.contains(&format!("ALTER TABLE \"App\".\"Users\" OWNER TO {}", roles.quoted(0))));
    assert!(sql.contains(&format!(
        "ALTER FUNCTION \"App\".\"greet\"(who text) OWNER TO {}",
        roles.quoted(1)
    )));
    // The serial column's sequence follows its table.
    assert!(!sql.iter().any(|s| s.contains("Users_id_seq")), "{sql:#?}");

    // Another owner declared: it changes (an undeclared one is left as it
    // is: see below).
    let plan = converge(&Case {
        name: "owner changed",
        current: objects_with(owned, &roles),
        seed: "",
        desired: objects_with(
            &owned.replace(
                r#"TABLE "App"."Users" OWNER TO {0}"#,
                r#"TABLE "App"."Users" OWNER TO {1}"#,
            ),
            &roles,
        ),
        kept: &[],
    })
    .await;
    assert_eq!(
        plan.sql(),
        vec![format!("ALTER TABLE \"App\".\"Users\" OWNER TO {}", roles.quoted(1))]
    );
}

#[tokio::test]
async fn undeclared_privileges_and_owners_are_left_as_they_are() {
    let roles = Roles::new(&["Reader", "Owner"]).await;
    let db = PgDb::new().await;
    db.execute(with_roles(
        r#"CREATE TABLE kept (x int);
           CREATE TABLE owned (x int);
           CREATE VIEW seen AS SELECT x FROM kept;
           GRANT SELECT ON kept, seen TO {0};
           ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
           ALTER TABLE owned OWNER TO {1};
           ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO {0};"#,
        &roles,
    ))
    .await;
    let desired = "CREATE TABLE kept (x int); CREATE TABLE owned (x int); CREATE VIEW seen AS SELECT x FROM kept;";
    let plan = engine::plan(&db.url, None, desired).await.expect("plan");
    assert!(plan.is_empty(), "{:?}", plan.sql());
    assert_eq!(plan.live_hash, plan.desired_hash);

    // A new table gets the default privileges live has; a view created
    // again gets its grants back.
    let desired = "CREATE TABLE kept (x bigint); CREATE TABLE owned (x int);
                   CREATE VIEW seen AS SELECT x FROM kept; CREATE TABLE added (y int);";
    let plan = engine::plan(&db.url, None, desired).await.expect("plan");
    let outcome = engine::apply(&db.url, None, desired, &plan.sql())
        .await
        .unwrap_or_else(|e| panic!("apply: {e}\n{:#?}", plan.sql()));
    assert_eq!(outcome.live_hash, plan.desired_hash);
    let reader_grants = format!(
        "SELECT grantee::text || ' ' || table_name::text FROM information_schema.role_table_grants \
         WHERE privilege_type = 'SELECT' AND grantee = '{}'",
        roles.names[0]
    );
    assert_eq!(
        db.values(&reader_grants).await,
        ["added", "kept", "seen"]
            .iter()
            .map(|t| Some(format!("{} {t}", roles.names[0])))
            .collect::<Vec<_>>()
    );
    let again = engine::plan(&db.url, None, desired).await.expect("replan");
    assert!(again.is_empty(), "{:?}", again.sql());
}

#[tokio::test]
async fn a_grant_to_a_role_that_does_not_exist_fails_naming_the_role() {
    let db = PgDb::new().await;
    let error = engine::plan(
        &db.url,
        None,
        "CREATE TABLE t (a int);\nGRANT SELECT ON t TO tfalchemy_nobody_at_all;",
    )
    .await
    .expect_err("no such role");
    assert!(matches!(error, EngineError::DesiredSql { .. }), "{error:?}");
    assert!(error.to_string().contains("tfalchemy_nobody_at_all"), "{error}");
}

#[tokio::test]
async fn privileges_that_are_not_managed_are_warned_about() {
    let roles = Roles::new(&["User"]).await;
    let db = PgDb::new().await;
    let desired = with_roles(
        "CREATE TABLE t (a int);\nGRANT USAGE ON LANGUAGE plpgsql TO {0};",
        &roles,
    );
    let plan = engine::plan(&db.url, None, desired).await.expect("plan");
    assert_eq!(plan.sql().len(), 1, "{:?}", plan.sql());
    assert!(plan.sql()[0].starts_with("CREATE TABLE"), "{:?}", plan.sql());
    assert!(
        plan.warnings
            .iter()
            .any(|w| w.starts_with("GRANT or REVOKE on a language (statement 2, line 2)")),
        "{:?}",
        plan.warnings
    );
}

/// A multirange type comes with its range type and has privileges of its
/// own, which the model does not hold: a grant on it is named, in the
/// desired schema and once applied by hand in the live one.
#[tokio::test]
async fn grants_on_a_multirange_type_are_warned_about() {
    let roles = Roles::new(&["Reader"]).await;
    let db = PgDb::new().await;
    let range = "CREATE SCHEMA \"App\"; CREATE TYPE \"App\".\"Span\" AS RANGE (subtype = int);";
    db.execute(range).await;
    let desired = with_roles(
        &format!("{range}\nGRANT USAGE ON TYPE \"App\".\"Span_multirange\" TO {{0}};"),
        &roles,
    );
    let plan = engine::plan(&db.url, None, desired).await.expect("plan");
    assert!(plan.is_empty(), "{:?}", plan.sql());
    assert_eq!(
        plan.warnings,
        vec![
            "GRANT or REVOKE on multirange type \"App\".\"Span_multirange\" in the desired schema \
              is not managed yet and is not created or changed"
        ]
    );
    db.execute(with_roles(
        "GRANT USAGE ON TYPE \"App\".\"Span_multirange\" TO {0};",
        &roles,
    ))
    .await;
    let plan = engine::plan(&db.url, None, range).await.expect("plan");
    assert!(plan.is_empty(), "{:?}", plan.sql());
    assert_eq!(
        plan.warnings,
        vec![
            "GRANT or REVOKE on multirange type \"App\".\"Span_multirange\" in the live database \
              is not managed yet and is left alone"
        ]
    );
}

#[tokio::test]
async fn objects_kept_by_skip_keep_their_grants_while_privileges_are_managed() {
    let roles = Roles::new(&["Reader"]).await;
    let db = PgDb::new().await;
    let dev = PgDb::new().await;
    db.execute(with_roles(
        "CREATE TABLE kept (a int, b int); CREATE TABLE wanted (a int);
         GRANT SELECT ON kept TO {0}; GRANT UPDATE (b) ON kept TO {0}; GRANT SELECT ON wanted TO {0};",
        &roles,
    ))
    .await;
    // The desired SQL manages privileges but no longer has `kept`.
    let desired = with_roles("CREATE TABLE wanted (a int); GRANT SELECT ON wanted TO {0};", &roles);
    let options = engine::Options {
        skip: engine::Skip::new(&["drops_table"]).expect("skippable"),
        ..engine::Options::default()
    };
    let plan = engine::plan_with(&db.url, Some(&dev.url), desired, &options)
        .await
        .expect("plan");
    assert!(plan.is_empty(), "{:#?}", plan.sql());
    assert_eq!(plan.kept, vec!["table public.kept".to_string()]);
}

#[tokio::test]
async fn grants_on_identity_sequences_are_granted_and_revoked() {
    let roles = Roles::new(&["Issuer"]).await;
    let table = "CREATE TABLE \"Tickets\" (id int GENERATED ALWAYS AS IDENTITY, note text);
                 GRANT INSERT ON \"Tickets\" TO {0};";
    let granted = with_roles(
        &format!("{table}\nGRANT USAGE, SELECT ON SEQUENCE \"Tickets_id_seq\" TO {{0}};"),
        &roles,
    );
    let plan = converge(&Case {
        name: "identity sequence granted",
        current: with_roles(table, &roles),
        seed: "",
        desired: granted,
        kept: &[],
    })
    .await;
    assert_eq!(
        plan.sql(),
        vec![format!(
            "GRANT SELECT, USAGE ON SEQUENCE public.\"Tickets_id_seq\" TO {}",
            roles.quoted(0)
        )]
    );
    let plan = converge(&Case {
        name: "identity sequence revoked",
        current: granted,
        seed: "",
        desired: with_roles(table, &roles),
        kept: &[],
    })
    .await;
    assert_eq!(
        plan.sql(),
        vec![format!(
            "REVOKE SELECT, USAGE ON SEQUENCE public.\"Tickets_id_seq\" FROM {}",
            roles.quoted(0)
        )]
    );
}

#[tokio::test]
async fn default_privileges_for_a_role_on_types_and_on_schemas_converge() {
    let roles = Roles::new(&["Creator", "Reader"]).await;
    let declared = with_roles(
        "CREATE SCHEMA app;
         ALTER DEFAULT PRIVILEGES FOR ROLE {0} IN SCHEMA app GRANT SELECT ON TABLES TO {1};
         ALTER DEFAULT PRIVILEGES REVOKE USAGE ON TYPES FROM PUBLIC;
         ALTER DEFAULT PRIVILEGES GRANT USAGE ON TYPES TO {1};
         ALTER DEFAULT PRIVILEGES GRANT USAGE, CREATE ON SCHEMAS TO {1};
         CREATE SCHEMA \"Later\";
         CREATE TYPE app.\"Mood\" AS ENUM ('calm');",
        &roles,
    );
    let plan = converge(&Case {
        name: "default privileges for a role, on types and schemas",
        current: "CREATE SCHEMA app;",
        seed: "",
        desired: declared,
        kept: &[],
    })
    .await;
    let sql = plan.sql();
    let at = |part: &str| {
        sql.iter()
            .position(|s| s.contains(part))
            .unwrap_or_else(|| panic!("{part} in {sql:#?}"))
    };
    assert!(at(&format!("FOR ROLE {}", roles.quoted(0))) < at("CREATE SCHEMA \"Later\""));
    assert!(at("ON SCHEMAS") < at("CREATE SCHEMA \"Later\""));
    assert!(at("ON TYPES") < at("CREATE TYPE"));
    converge(&Case {
        name: "default privileges for a role, on types and schemas changed",
        current: declared,
        seed: "",
        desired: with_roles(
            "CREATE SCHEMA app;
             ALTER DEFAULT PRIVILEGES FOR ROLE {0} IN SCHEMA app GRANT INSERT ON TABLES TO {1};
             ALTER DEFAULT PRIVILEGES GRANT USAGE ON SCHEMAS TO {1};
             CREATE SCHEMA \"Later\";
             GRANT USAGE, CREATE ON SCHEMA \"Later\" TO {1};
             CREATE TYPE app.\"Mood\" AS ENUM ('calm');
             REVOKE USAGE ON TYPE app.\"Mood\" FROM PUBLIC;
             GRANT USAGE ON TYPE app.\"Mood\" TO {1};",
            &roles,
        ),
        kept: &[],
    })
    .await;
}

#[tokio::test]
async fn grants_and_owner_of_a_materialized_view_converge_and_survive_its_rebuild() {
    let roles = Roles::new(&["Reader", "Owner"]).await;
    let counts = "CREATE MATERIALIZED VIEW \"App\".\"Counts\" AS SELECT count(*) AS n FROM \"App\".\"Users\";";
    let granted = r#"
        GRANT SELECT ON "App"."Counts" TO {0};
        ALTER MATERIALIZED VIEW "App"."Counts" OWNER TO {1};"#;
    let plan = converge(&Case {
        name: "materialized view grants and owner",
        current: objects_with(counts, &roles),
        seed: "INSERT INTO \"App\".\"Users\" (name) VALUES ('ann');",
        desired: objects_with(&format!("{counts}{granted}"), &roles),
        kept: &["SELECT name FROM \"App\".\"Users\""],
    })
    .await;
    let sql = plan.sql();
    assert!(
        sql.contains(&format!(
            "GRANT SELECT ON TABLE \"App\".\"Counts\" TO {}",
            roles.quoted(0)
        )),
        "{sql:#?}"
    );
    assert!(
        sql.contains(&format!(
            "ALTER MATERIALIZED VIEW \"App\".\"Counts\" OWNER TO {}",
            roles.quoted(1)
        )),
        "{sql:#?}"
    );
    // Dropped and created again with another query: its grants and owner come back.
    let rebuilt = counts.replace("count(*) AS n", "count(*) + 0 AS n");
    let plan = converge(&Case {
        name: "materialized view rebuilt",
        current: objects_with(&format!("{counts}{granted}"), &roles),
        seed: "",
        desired: objects_with(&format!("{rebuilt}{granted}"), &roles),
        kept: &[],
    })
    .await;
    assert!(
        plan.sql().iter().any(|s| s.starts_with("DROP MATERIALIZED VIEW")),
        "{:#?}",
        plan.sql()
    );
}
