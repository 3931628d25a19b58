//! Resource `sqlalchemy_migration`: a database kept at a version of a
//! migration directory (reviewed SQL files written by `migrate diff` or by
//! hand, pinned by `tfalchemy.sum`).
//!
//! Refresh reads the revisions table and compares it with the directory;
//! plan shows the pending files, their SQL and their hazards (judged by the
//! same `policy` as `sqlalchemy_schema`), and optionally checks that the
//! directory creates `desired_sql`; apply runs the engine's migrate apply
//! (lock, transaction modes, a check after each file). Like `planned_sql` of
//! `sqlalchemy_schema`, `pending` holds what the last apply ran until the
//! next refresh clears it, so new files show up as a planned change.

use sha2::{Digest, Sha256};

use crate::engine::migrate;
use crate::tfproto::cty::{Type, Value};
use crate::tfproto::diagnostics::Diagnostics;
use crate::tfproto::schema::{Attribute, Block, Schema};

use super::super::config::{validate_url, warn_ignored_options, UrlAttribute};
use super::super::errors;
use super::super::field::{self, Field};
use super::super::policy::{self, Policy};
use super::super::run_memo::{RunMemo, Seen};
use super::super::Context;

mod applied;
mod gate;
mod pending;
mod target;

use target::{Resolved, Target};

pub const TYPE_NAME: &str = "sqlalchemy_migration";

pub fn schema() -> Schema {
    Schema::new(
        0,
        Block::new(
            "A database kept at a version of a migration directory: `<version>_<name>.sql` files written by \
             `terraform-provider-sqlalchemy migrate diff` (or by hand), reviewed, and pinned by `tfalchemy.sum`. \
             `terraform plan` shows the pending files, their SQL and hazards; `terraform apply` runs them in order \
             and records each in the revisions table. Destroying the resource keeps the database as it is.",
        )
        .attribute(Attribute::computed(
            "id",
            Type::String,
            "The database URL with its password redacted.",
        ))
        .attribute(
            Attribute::optional(
                "url",
                Type::String,
                "URL of the database to migrate; defaults to the provider's `url`. The same forms as \
                 `sqlalchemy_schema.url` (SQLAlchemy URLs included).",
            )
            .sensitive(),
        )
        .attribute(Attribute::required(
            "dir",
            Type::String,
            "The migration directory, relative to Terraform's working directory (or absolute). Stored as \
             written: the state holds no path of this machine that the configuration does not.",
        ))
        .attribute(Attribute::optional(
            "version",
            Type::String,
            "The version to migrate to (a file's version, such as `20250101120000`). Default: the directory's \
             latest.",
        ))
        .attribute(Attribute::optional(
            "baseline",
            Type::String,
            "Adopting a database whose schema already exists: when its revisions table records nothing, the \
             files up to this version are recorded as applied without running them. Their schema must be the \
             live one (the plan fails otherwise).",
        ))
        .attribute(Attribute::optional(
            "revisions_table",
            Type::String,
            "Where applied files are recorded: `name`, or on PostgreSQL `schema.name`. Default \
             `tfalchemy_revisions`. Neither this resource nor `sqlalchemy_schema` ever plans to drop it.",
        ))
        .attribute(Attribute::optional(
            "tx_mode",
            Type::String,
            "`file` (default): each file in its own transaction with its revision record; `all`: every pending \
             file in one transaction; `none`: statements commit one by one and an interrupted file resumes \
             after the last statement that ran. A file whose header says `-- tfalchemy:txmode none` always \
             runs without a transaction.",
        ))
        .attribute(Attribute::optional(
            "lock_timeout",
            Type::String,
            "PostgreSQL: `lock_timeout` of the apply session in PostgreSQL's duration syntax (`\"5s\"`); also \
             the longest wait for another apply's lock. Default `\"10s\"`.",
        ))
        .attribute(
            Attribute::optional(
                "desired_sql",
                Type::String,
                "Optional desired schema (for example `data.sqlalchemy_models.app.sql`). When set, the plan fails \
                 if the migration directory, replayed, does not create it, and says what differs and which \
                 `migrate diff` command writes the missing file. Write-only (Terraform 1.11 and later).",
            )
            .write_only(),
        )
        .attribute(Attribute::computed(
            "current_version",
            Type::String,
            "The latest version applied completely (null before the first).",
        ))
        .attribute(Attribute::computed(
            "pending",
            Type::list(pending::pending_type()),
            "The files the next apply runs, in order: `version`, `name`, `checksum`, `statements` (the SQL \
             still to run) and `hazards` (`code`, `category`, `message`: what the file's change risks, as \
             `migrate lint` classifies it). After an apply, the files it ran, until the next refresh.",
        ))
        .attribute(Attribute::computed(
            "planned_sql",
            Type::list(Type::String),
            "The statements of the pending files, in the order they run.",
        ))
        .attribute(Attribute::computed(
            "applied",
            Type::list(applied::applied_type()),
            "The files the revisions table records as applied: `version`, `checksum`, `applied_at` (UTC, RFC 3339).",
        ))
        .block(policy::block()),
    )
}

/// The resource's attributes, typed.
#[derive(Debug, Clone, PartialEq)]
pub struct MigrationResource {
    id: Field<String>,
    url: Field<String>,
    dir: Field<String>,
    version: Field<String>,
    baseline: Field<String>,
    revisions_table: Field<String>,
    tx_mode: Field<String>,
    lock_timeout: Field<String>,
    desired_sql: Field<String>,
    current_version: Field<String>,
    /// The computed lists, as values (null or unknown when so).
    pending: Value,
    planned_sql: Field<Vec<String>>,
    applied: Value,
    policy: Value,
}

impl MigrationResource {
    fn from_value(value: &Value) -> Self {
        Self {
            id: field::string(value, "id"),
            url: field::string(value, "url"),
            dir: field::string(value, "dir"),
            version: field::string(value, "version"),
            baseline: field::string(value, "baseline"),
            revisions_table: field::string(value, "revisions_table"),
            tx_mode: field::string(value, "tx_mode"),
            lock_timeout: field::string(value, "lock_timeout"),
            desired_sql: field::string(value, "desired_sql"),
            current_version: field::string(value, "current_version"),
            pending: value.attr("pending").cloned().unwrap_or(Value::Null),
            planned_sql: field::string_list(value, "planned_sql"),
            applied: value.attr("applied").cloned().unwrap_or(Value::Null),
            policy: value.attr(policy::BLOCK_NAME).cloned().unwrap_or(Value::Null),
        }
    }

    fn to_value(&self) -> Value {
        Value::object([
            ("id", field::string_value(&self.id)),
            ("url", field::string_value(&self.url)),
            ("dir", field::string_value(&self.dir)),
            ("version", field::string_value(&self.version)),
            ("baseline", field::string_value(&self.baseline)),
            ("revisions_table", field::string_value(&self.revisions_table)),
            ("tx_mode", field::string_value(&self.tx_mode)),
            ("lock_timeout", field::string_value(&self.lock_timeout)),
            // Write-only: Terraform requires it null in plans and state.
            ("desired_sql", Value::Null),
            ("current_version", field::string_value(&self.current_version)),
            ("pending", self.pending.clone()),
            ("planned_sql", field::string_list_value(&self.planned_sql)),
            ("applied", self.applied.clone()),
            (policy::BLOCK_NAME, self.policy.clone()),
        ])
    }

    /// Nothing about the outcome is known yet.
    fn unknown_outcome(&mut self) {
        self.current_version = Field::Unknown;
        self.pending = Value::Unknown;
        self.planned_sql = Field::Unknown;
        self.applied = Value::Unknown;
    }

    /// What a refresh or an up-to-date plan shows: nothing pending.
    fn nothing_pending(&mut self) {
        self.pending = Value::List(Vec::new());
        self.planned_sql = Field::Known(Vec::new());
    }
}

/// ValidateResourceConfig: checks that need no database.
pub fn validate(config: &Value, write_only_allowed: bool) -> Diagnostics {
    let resource = MigrationResource::from_value(config);
    let mut diagnostics = Diagnostics::new();
    if !write_only_allowed && resource.desired_sql != Field::Null {
        diagnostics.attribute_error(
            "desired_sql",
            "Terraform 1.11 or later is needed",
            "`desired_sql` is a write-only attribute, which needs Terraform 1.11 or later. Upgrade Terraform, \
             or check the models with `terraform-provider-sqlalchemy migrate lint --models …` instead.",
        );
    }
    let url = validate_url(&mut diagnostics, UrlAttribute::Url, &resource.url);
    if let Some(url) = &url {
        warn_ignored_options(&mut diagnostics, UrlAttribute::Url, url);
    }
    if resource.dir == Field::Known(String::new()) {
        diagnostics.attribute_error(
            "dir",
            "Empty migration directory path",
            "Set `dir` to the migration directory.",
        );
    }
    let policy = Policy::from_value(config, &mut diagnostics);
    if policy.shapes_plans() {
        diagnostics.attribute_error(
            policy::BLOCK_NAME,
            "Setting of sqlalchemy_schema only",
            "`skip`, `concurrent_indexes` and `explicit_algorithm` shape the SQL a `sqlalchemy_schema` plan writes; a migration's SQL \
             is written in its file. Use `allow`, `warn` and `deny` here, and edit the file (for example \
             `CREATE INDEX CONCURRENTLY` under `-- tfalchemy:txmode none`) to change what it does.",
        );
    }
    target::settings(&resource, url.as_ref(), &mut diagnostics);
    diagnostics
}

/// PlanResourceChange. `config` carries the write-only `desired_sql`.
pub async fn plan(ctx: &Context, prior: &Value, proposed: &Value, config: &Value) -> (Value, Diagnostics) {
    let mut diagnostics = Diagnostics::new();
    if proposed.is_null() {
        destroy_keeps_the_database(prior, &mut diagnostics);
        return (Value::Null, diagnostics);
    }
    let mut planned = MigrationResource::from_value(proposed);
    planned.desired_sql = field::string(config, "desired_sql");
    let Some(resolved) = target::resolve(ctx, &planned, &mut diagnostics) else {
        return (planned.to_value(), diagnostics);
    };
    let target = match resolved {
        Resolved::Unknown { url } => {
            planned.id = url.known().map_or(Field::Unknown, |url| Field::Known(url.redacted()));
            planned.unknown_outcome();
            return (planned.to_value(), diagnostics);
        }
        Resolved::Known(target) => target,
    };
    planned.id = Field::Known(target.url.redacted());
    let policy = Policy::from_value(proposed, &mut diagnostics);
    let assessed = ctx
        .canceller
        .run(migrate::assess(&target.url, &target.directory, &target.settings))
        .await;
    let assessment = match assessed {
        Ok(Ok(assessment)) => assessment,
        Ok(Err(err)) => {
            errors::migrate_error(&mut diagnostics, "plan the migrations", &err);
            return (planned.to_value(), diagnostics);
        }
        Err(cancelled) => {
            errors::cancelled(&mut diagnostics, "plan the migrations", cancelled);
            return (planned.to_value(), diagnostics);
        }
    };
    if revisions_changed_since_refresh(prior, &assessment) {
        changed_since_refresh(&target.url, &mut diagnostics);
        return (planned.to_value(), diagnostics);
    }
    if prior.is_null() && revisions_changed_since_this_runs_plan(ctx, &target.url, &assessment).await {
        changed_since_refresh(&target.url, &mut diagnostics);
        return (planned.to_value(), diagnostics);
    }
    report_baseline(&assessment, &mut diagnostics);
    match pending::review(&target.url, &assessment, &policy, &mut diagnostics).await {
        Ok(reviewed) => {
            let nothing_to_do = assessment.pending.is_empty() && assessment.baselined.is_empty();
            planned.current_version = match assessment.pending.last() {
                Some(last) => Field::Known(last.file.version.to_string()),
                None => field_of(assessment.status.current.as_ref()),
            };
            planned.pending = reviewed.pending;
            planned.planned_sql = Field::Known(reviewed.planned_sql);
            // Applying records new rows (their time), unless nothing runs.
            planned.applied = if nothing_to_do {
                applied::applied_value(&assessment.status.revisions)
            } else {
                Value::Unknown
            };
        }
        Err(err) => errors::migrate_error(&mut diagnostics, "classify the pending migrations", &err),
    }
    if let (Field::Known(desired_sql), Field::Known(dir)) = (&planned.desired_sql, &planned.dir) {
        gate::check(&target, dir, desired_sql, &mut diagnostics).await;
    }
    (planned.to_value(), diagnostics)
}

/// Whether the revisions table no longer records what the state (the last
/// refresh or apply) does: another apply ran in between. Planning anyway
/// would answer Terraform's final plan differently from the plan it showed.
fn revisions_changed_since_refresh(prior: &Value, assessment: &migrate::Assessment) -> bool {
    if prior.is_null() {
        return false;
    }
    let recorded = MigrationResource::from_value(prior).applied;
    recorded.is_known() && recorded != applied::applied_value(&assessment.status.revisions)
}

/// For a new resource: whether the revisions table no longer records what
/// the plan of this Terraform run read (see provider/run_memo.rs).
async fn revisions_changed_since_this_runs_plan(
    ctx: &Context,
    url: &crate::engine::DatabaseUrl,
    assessment: &migrate::Assessment,
) -> bool {
    let Some(memo) = RunMemo::new(ctx.terraform_run.as_deref(), TYPE_NAME, &url.redacted(), None) else {
        return false;
    };
    // What the rows say of each file; not their times, which a baseline
    // (rows made up at each plan, written only by the apply) sets to now.
    let rows: Vec<String> = assessment
        .status
        .revisions
        .iter()
        .map(|r| {
            format!(
                "{} {} {} {}/{} {}",
                r.version,
                r.name,
                r.checksum,
                r.statements_applied,
                r.statements_total,
                r.state.name()
            )
        })
        .collect();
    let read = hex::encode(Sha256::digest(rows.join("\n")));
    matches!(memo.compare(&read).await, Seen::Changed { .. })
}

fn changed_since_refresh(url: &crate::engine::DatabaseUrl, diagnostics: &mut Diagnostics) {
    diagnostics.error(
        "The database changed since Terraform read it",
        format!(
            "The revisions table of {} no longer records what Terraform read before planning: another apply (or \
             `migrate apply`) ran migrations in the meantime. Nothing was run. Run `terraform plan` again to see \
             what is pending now.",
            url.redacted()
        ),
    );
}

fn field_of(version: Option<&migrate::Version>) -> Field<String> {
    version.map_or(Field::Null, |v| Field::Known(v.to_string()))
}

fn report_baseline(assessment: &migrate::Assessment, diagnostics: &mut Diagnostics) {
    if let Some(last) = assessment.baselined.last() {
        diagnostics.warning(
            "Baseline: migrations recorded without running",
            format!(
                "The revisions table records nothing yet, so `baseline = \"{}\"` applies: the {} file(s) up to \
                 version {} are recorded as applied without running them (the live schema is the one they create).",
                last.version,
                assessment.baselined.len(),
                last.version
            ),
        );
    }
}

fn destroy_keeps_the_database(prior: &Value, diagnostics: &mut Diagnostics) {
    let resource = MigrationResource::from_value(prior);
    let url = resource.id.known().unwrap_or_else(|| "the database".to_string());
    diagnostics.warning(
        "Destroy keeps the database",
        format!(
            "Destroying this `{TYPE_NAME}` only removes it from the Terraform state. {url} keeps its schema, its data \
             and its revisions table; no migration is undone. Write a new migration to change the schema."
        ),
    );
}

/// ApplyResourceChange. `config` carries the write-only `desired_sql`.
pub async fn apply(ctx: &Context, planned: &Value, config: &Value) -> (Value, Diagnostics) {
    let mut diagnostics = Diagnostics::new();
    if planned.is_null() {
        return (Value::Null, diagnostics);
    }
    let mut state = MigrationResource::from_value(planned);
    state.desired_sql = field::string(config, "desired_sql");
    let target = match target::resolve(ctx, &state, &mut diagnostics) {
        Some(Resolved::Known(target)) => target,
        Some(Resolved::Unknown { .. }) => {
            diagnostics.error(
                "Settings unknown at apply time",
                "`url`, `dir` and the other settings of the migration must be known when it is applied.",
            );
            return (Value::Null, diagnostics);
        }
        None => return (Value::Null, diagnostics),
    };
    let mut settings = target.settings.clone();
    settings.expected = pending::planned_files(&state.pending);
    if settings.expected.is_none() {
        // Planned while `url` or `dir` were unknown: review now, as
        // `terraform plan` would have, before anything runs.
        if !review_late(ctx, &mut state, &target, &mut diagnostics).await {
            return (Value::Null, diagnostics);
        }
        settings.expected = pending::planned_files(&state.pending);
    }
    let applied = ctx
        .canceller
        .run(migrate::apply(&target.url, &target.directory, &settings))
        .await;
    let report = match applied {
        Ok(Ok(report)) => report,
        Ok(Err(err)) => {
            errors::migrate_error(&mut diagnostics, "apply the migrations", &err);
            return (Value::Null, diagnostics);
        }
        Err(cancelled) => {
            errors::cancelled(&mut diagnostics, "apply the migrations", cancelled);
            return (Value::Null, diagnostics);
        }
    };
    tracing::info!(files = report.applied.len(), database = %target.url.redacted(), "applied migrations");
    state.id = Field::Known(target.url.redacted());
    state.current_version = field_of(report.current.as_ref());
    match migrate::status(&target.url, &target.directory, &settings.table).await {
        Ok(status) => state.applied = applied::applied_value(&status.revisions),
        Err(err) => {
            errors::migrate_error(&mut diagnostics, "read the revisions after applying", &err);
            return (Value::Null, diagnostics);
        }
    }
    (state.to_value(), diagnostics)
}

/// Assesses and reviews at apply time what the plan could not; false when
/// the policy (or anything else) stops the apply.
async fn review_late(
    ctx: &Context,
    state: &mut MigrationResource,
    target: &Target,
    diagnostics: &mut Diagnostics,
) -> bool {
    let policy = Policy::from_value(&state.to_value(), diagnostics);
    let assessment = match ctx
        .canceller
        .run(migrate::assess(&target.url, &target.directory, &target.settings))
        .await
    {
        Ok(Ok(assessment)) => assessment,
        Ok(Err(err)) => {
            errors::migrate_error(diagnostics, "plan the migrations", &err);
            return false;
        }
        Err(cancelled) => {
            errors::cancelled(diagnostics, "plan the migrations", cancelled);
            return false;
        }
    };
    match pending::review(&target.url, &assessment, &policy, diagnostics).await {
        Ok(reviewed) if !diagnostics.has_errors() => {
            state.pending = reviewed.pending;
            state.planned_sql = Field::Known(reviewed.planned_sql);
            true
        }
        Ok(_) => false,
        Err(err) => {
            errors::migrate_error(diagnostics, "classify the pending migrations", &err);
            false
        }
    }
}

/// ReadResource: the revisions table against the directory. A database
/// behind the directory plans the files it lacks; one ahead, an applied file
/// edited or deleted, or a revisions table gone are errors.
pub async fn read(ctx: &Context, current: &Value) -> (Value, Diagnostics) {
    let mut diagnostics = Diagnostics::new();
    if current.is_null() {
        return (Value::Null, diagnostics);
    }
    let mut state = MigrationResource::from_value(current);
    let Some(Resolved::Known(target)) = target::resolve(ctx, &state, &mut diagnostics) else {
        return (current.clone(), diagnostics);
    };
    let status = match ctx
        .canceller
        .run(migrate::status(&target.url, &target.directory, &target.settings.table))
        .await
    {
        Ok(Ok(status)) => status,
        Ok(Err(err)) => {
            errors::migrate_error(&mut diagnostics, "read the revisions table", &err);
            return (current.clone(), diagnostics);
        }
        Err(cancelled) => {
            errors::cancelled(&mut diagnostics, "read the revisions table", cancelled);
            return (current.clone(), diagnostics);
        }
    };
    if !status.has_table && applied::lists_any(&state.applied) {
        revisions_table_missing(&target, &state, &mut diagnostics);
        return (current.clone(), diagnostics);
    }
    if let Err(err) = status.check(&target.url) {
        diagnostics.error(
            "The database does not match the migration directory",
            format!(
                "{err}\n\nNothing was changed. `terraform plan` and `apply` stay blocked until the directory and the \
                 revisions table agree (`terraform-provider-sqlalchemy migrate status --dir {} --url …` shows where \
                 they differ).",
                state.dir.clone().known().unwrap_or_default()
            ),
        );
        return (current.clone(), diagnostics);
    }
    state.id = Field::Known(target.url.redacted());
    state.current_version = field_of(status.current.as_ref());
    state.applied = applied::applied_value(&status.revisions);
    state.nothing_pending();
    (state.to_value(), diagnostics)
}

fn revisions_table_missing(target: &Target, state: &MigrationResource, diagnostics: &mut Diagnostics) {
    diagnostics.error(
        "The revisions table is missing",
        format!(
            "The state records migrations applied to {} (up to version {}), but its revisions table {} does not \
             exist: the database was replaced or the table dropped. Nothing was changed, and the database is not \
             treated as empty. If the database was recreated empty, remove the resource from the state \
             (`terraform state rm`) so the next apply runs every migration; if the schema is still there, restore \
             the table or set `baseline` to the version the database is at.",
            target.url.redacted(),
            state.current_version.clone().known().unwrap_or_else(|| "?".to_string()),
            target.settings.table.sql_name()
        ),
    );
}

/// ImportResourceState: nothing to import; declaring the resource adopts the database.
pub fn import(_id: &str) -> Diagnostics {
    let mut diagnostics = Diagnostics::new();
    diagnostics.error(
        "Import is not needed",
        format!(
            "`{TYPE_NAME}` has nothing to import: declare the resource with `url` and `dir`. Its first plan reads the \
             database's revisions table, so a database already migrated plans only the files it lacks; a database \
             migrated by other means is adopted with `baseline`."
        ),
    );
    diagnostics
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Value {
        Value::object(pairs.iter().map(|(k, v)| (*k, Value::string(*v))))
    }

    fn summaries(diagnostics: Diagnostics) -> Vec<String> {
        diagnostics
            .into_proto()
            .into_iter()
            .map(|d| format!("{} {:?}", d.summary, d.attribute))
            .collect()
    }

    #[test]
    fn settings_are_checked_on_their_attribute() {
        let fine = config(&[("url", "sqlite:///app.db"), ("dir", "migrations"), ("tx_mode", "all")]);
        assert!(validate(&fine, true).is_empty());
        let bad = config(&[
            ("url", "sqlite:///app.db"),
            ("dir", "migrations"),
            ("tx_mode", "sometimes"),
            ("version", "v2"),
            ("revisions_table", "ops.revisions"),
            ("lock_timeout", "soon"),
        ]);
        let found = summaries(validate(&bad, true)).join("\n");
        for expected in ["tx_mode", "version", "revisions_table", "lock_timeout"] {
            assert!(found.contains(&format!("\"{expected}\"")), "{expected}: {found}");
        }
        assert!(found.contains("SQLite has no schemas"), "{found}");
        let mysql = config(&[
            ("url", "mariadb://root@127.0.0.1/app"),
            ("dir", "migrations"),
            ("tx_mode", "all"),
        ]);
        let found = summaries(validate(&mysql, true)).join("\n");
        assert!(
            found.contains("has no transactional DDL") && found.contains("\"tx_mode\""),
            "{found}"
        );
        let mysql_file = config(&[
            ("url", "mariadb://root@127.0.0.1/app"),
            ("dir", "migrations"),
            ("tx_mode", "file"),
        ]);
        assert!(validate(&mysql_file, true).is_empty());
    }

    #[test]
    fn desired_sql_is_write_only_and_optional() {
        let block = schema().to_proto().block.expect("a block");
        let desired = block
            .attributes
            .iter()
            .find(|a| a.name == "desired_sql")
            .expect("desired_sql");
        assert!(desired.write_only && desired.optional && !desired.required);
        let without = config(&[("dir", "m")]);
        assert!(!validate(&without, false).has_errors());
        let with = config(&[("dir", "m"), ("desired_sql", "CREATE TABLE t (id INTEGER);")]);
        assert!(validate(&with, false).has_errors());
        assert!(MigrationResource::from_value(&with)
            .to_value()
            .attr("desired_sql")
            .is_some_and(Value::is_null));
    }
}
