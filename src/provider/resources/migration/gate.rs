//! The `desired_sql` gate: a plan fails when the migration directory,
//! replayed, does not create the desired schema (the models), naming what
//! differs and the `migrate diff` command that writes the missing file.
//! Alembic's `alembic check`, inside `terraform plan`.

use crate::engine::migrate::{self, DiffRequest};
use crate::engine::{capabilities_of, DatabaseUrl};
use crate::tfproto::diagnostics::Diagnostics;

use super::super::super::errors;
use super::super::super::policy::excerpt;
use super::Target;

/// Checks that `target`'s directory creates `desired_sql`.
pub async fn check(target: &Target, dir: &str, desired_sql: &str, diagnostics: &mut Diagnostics) {
    let request = DiffRequest {
        dialect: target.url.dialect(),
        dev: target.settings.dev.as_ref(),
        target: Some(&target.url),
        desired_sql,
        name: "gate",
        version: None,
    };
    let gap = match migrate::lacking(&target.directory, &request).await {
        Ok(gap) => gap,
        Err(err) => {
            errors::migrate_error(diagnostics, "compare the migrations with `desired_sql`", &err);
            return;
        }
    };
    if gap.statements.is_empty() {
        return;
    }
    let differences: Vec<String> = gap.differences.iter().map(|d| format!("  - {d}")).collect();
    let statements: Vec<String> = gap.statements.iter().map(|s| excerpt(&s.sql)).collect();
    diagnostics.attribute_error(
        "desired_sql",
        "The migrations do not create the desired schema",
        format!(
            "Replaying the migration directory `{dir}` does not give the schema of `desired_sql`; what differs:\n\n{}\n\n\
             A new migration would run:\n\n{}\n\nWrite it (then review it) with:\n\n  {}\n\nNothing was changed.",
            differences.join("\n"),
            statements.join("\n\n"),
            diff_command(dir, &target.url)
        ),
    );
}

/// The `migrate diff` command line for `dir` (the models' source is the
/// user's: `--models`, `--path` or `--desired`).
fn diff_command(dir: &str, url: &DatabaseUrl) -> String {
    let name = url.dialect().sqlalchemy_name();
    let dialect = if capabilities_of(url.dialect()).needs_scratch_server {
        format!("{name} --dev-url <scratch database URL>")
    } else {
        name.to_string()
    };
    format!(
        "terraform-provider-sqlalchemy migrate diff <name> --dir {dir} --dialect {dialect} \
         (--models <module> | --path <models path> | --desired <DDL file>)"
    )
}
