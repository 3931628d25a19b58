//! Resource `sqlalchemy_schema`: one database whose schema Terraform manages.
//!
//! Plan computes the SQL that brings the live database to `desired_sql` and
//! shows it as `planned_sql`; apply runs exactly that SQL (refusing if the
//! database changed since the plan) and proves convergence. Refresh records
//! the live schema's hash and clears `planned_sql`, so drift reappears as a
//! planned update carrying the SQL that repairs it.

use crate::engine::{self, DatabaseUrl, Options};
use crate::tfproto::cty::{Type, Value};
use crate::tfproto::diagnostics::Diagnostics;
use crate::tfproto::schema::{Attribute, Block, Schema};

use super::super::adoption;
use super::super::config::{missing_url, parse_url_field, validate_url, warn_ignored_options, UrlAttribute};
use super::super::dialect_marker;
use super::super::errors;
use super::super::field::{self, Field};
use super::super::policy::{self, Policy};
use super::super::private::{AppliedDesired, ResourcePrivate, SeenLive};
use super::super::run_memo::{RunMemo, Seen};
use super::super::Context;
use super::schema_settings::{self, Settings};

mod destroy;

pub const TYPE_NAME: &str = "sqlalchemy_schema";

pub fn schema() -> Schema {
    let [schemas, exclude, lock_timeout, statement_timeout] = schema_settings::attributes();
    Schema::new(
        0,
        Block::new(
            "A database schema managed from desired DDL (for example the output of the \
             `sqlalchemy_models` data source). `terraform plan` shows the exact SQL in `planned_sql`; \
             `terraform apply` runs it in one transaction and verifies that the database converged. \
             Destroying the resource only removes it from the state, unless `drop_on_destroy` is set.",
        )
        .attribute(Attribute::computed(
            "id",
            Type::String,
            "The database URL, naming the database, with its password redacted.",
        ))
        .attribute(
            Attribute::optional(
                "url",
                Type::String,
                "URL of the database to manage; defaults to the provider's `url`. SQLAlchemy URLs \
                 (`postgresql+psycopg://…`, `mysql+pymysql://…`, `sqlite:///relative.db`, \
                 `sqlite:////absolute/path.db`) and plain `postgres://`, `mysql://` URLs are accepted; a \
                 PostgreSQL URL names its database, and an in-memory SQLite database cannot be managed. \
                 Percent-encode `@ / ? # %` in the user name and password. `?connect_timeout=N` (seconds, \
                 default 10, 0 for no limit) bounds connecting to a server.",
            )
            .sensitive(),
        )
        .attribute(
            Attribute::optional(
                "dev_url",
                Type::String,
                "URL of a scratch database the provider may wipe, used to normalize `desired_sql` by \
                 executing it and reading back what the database understood. Defaults to the provider's \
                 `dev_url`; for SQLite, to a private in-memory database.",
            )
            .sensitive(),
        )
        .attribute(
            // Optional to Terraform so that a configuration generated after an
            // import (`-generate-config-out`, which cannot know it) plans: the
            // plan then says to set it. A new resource without it is an error.
            Attribute::optional(
                "desired_sql",
                Type::String,
                "The desired schema as DDL statements in the database's dialect. Write-only (Terraform 1.11 \
                 and later): Terraform never stores it in the state or shows it in plans, so a change of its \
                 text alone is no change; what it means for the database shows in `planned_sql` and \
                 `schema_hash`. Needed to create the resource; an imported resource without it plans no \
                 change and a warning says to set it.",
            )
            .write_only(),
        )
        .attribute(Attribute::computed(
            "planned_sql",
            Type::list(Type::String),
            "The SQL statements the next apply will run, in order. Empty when the database matches \
             `desired_sql`.",
        ))
        .attribute(Attribute::computed(
            "schema_hash",
            Type::String,
            "SHA-256 of the normalized live schema.",
        ))
        .attribute(Attribute::computed(
            "hazards",
            Type::list(policy::hazard_type()),
            "What the statements in `planned_sql` risk: one object per hazard with `statement` (1-based index \
             into `planned_sql`), `code` (such as `drops_table`), `category` (`data_loss`, `may_fail`, \
             `blocking_lock`) and `message`. `policy` decides which hazards are allowed.",
        ))
        .attribute(Attribute::optional(
            "drop_on_destroy",
            Type::Bool,
            "Whether destroying the resource drops every object it manages (within `schemas` and `exclude`; \
             PostgreSQL's own `public` schema stays). The destroy plan shows the statements and applies the \
             policy to them, so dropping tables needs `allow`. Destroy reads this setting, and the policy, from \
             the state: apply it before destroying. Defaults to false: destroy only forgets the resource.",
        ))
        .attribute(schemas)
        .attribute(exclude)
        .attribute(lock_timeout)
        .attribute(statement_timeout)
        .block(policy::block()),
    )
}

/// The resource's attributes, typed.
#[derive(Debug, Clone, PartialEq)]
struct SchemaResource {
    id: Field<String>,
    url: Field<String>,
    dev_url: Field<String>,
    desired_sql: Field<String>,
    planned_sql: Field<Vec<String>>,
    schema_hash: Field<String>,
    /// The `policy` block as configured (null when absent).
    policy: Value,
    /// The computed `hazards` list (or null / unknown).
    hazards: Value,
    drop_on_destroy: Field<bool>,
    /// `schemas`, `exclude` and the timeouts.
    settings: Settings,
}

impl SchemaResource {
    fn from_value(value: &Value) -> Self {
        Self {
            id: field::string(value, "id"),
            url: field::string(value, "url"),
            dev_url: field::string(value, "dev_url"),
            desired_sql: field::string(value, "desired_sql"),
            planned_sql: field::string_list(value, "planned_sql"),
            schema_hash: field::string(value, "schema_hash"),
            policy: value.attr(policy::BLOCK_NAME).cloned().unwrap_or(Value::Null),
            hazards: value.attr("hazards").cloned().unwrap_or(Value::Null),
            drop_on_destroy: field::bool(value, "drop_on_destroy"),
            settings: Settings::from_value(value),
        }
    }

    fn to_value(&self) -> Value {
        Value::object(
            [
                ("id", field::string_value(&self.id)),
                ("url", field::string_value(&self.url)),
                ("dev_url", field::string_value(&self.dev_url)),
                // Write-only: Terraform requires it null in plans and state.
                ("desired_sql", Value::Null),
                ("planned_sql", field::string_list_value(&self.planned_sql)),
                ("schema_hash", field::string_value(&self.schema_hash)),
                ("hazards", self.hazards.clone()),
                (policy::BLOCK_NAME, self.policy.clone()),
                ("drop_on_destroy", field::bool_value(&self.drop_on_destroy)),
            ]
            .into_iter()
            .chain(self.settings.values()),
        )
    }

    /// Nothing about the outcome is known yet.
    fn unknown_outcome(&mut self) {
        self.planned_sql = Field::Unknown;
        self.schema_hash = Field::Unknown;
        self.hazards = Value::Unknown;
    }

    /// Nothing is pending.
    fn nothing_planned(&mut self) {
        self.planned_sql = Field::Known(Vec::new());
        self.hazards = Value::List(Vec::new());
    }
}

/// The database URLs in effect for one resource: its own, else the provider's.
struct Urls {
    url: Field<DatabaseUrl>,
    dev_url: Field<DatabaseUrl>,
}

fn resolve_urls(ctx: &Context, resource: &SchemaResource, diagnostics: &mut Diagnostics) -> Option<Urls> {
    let provider = ctx.provider_config();
    let url = parse_url_field(diagnostics, UrlAttribute::Url, resource.url.clone().or(provider.url))?;
    let dev_url = parse_url_field(
        diagnostics,
        UrlAttribute::DevUrl,
        resource.dev_url.clone().or(provider.dev_url),
    )?;
    if let (Field::Known(url), Field::Known(dev_url)) = (&url, &dev_url) {
        if url.dialect() != dev_url.dialect() {
            diagnostics.attribute_error(
                "dev_url",
                "Dev database of another dialect",
                format!(
                    "`dev_url` ({}) must be a {:?} database like `url` ({}): the desired schema is \
                     normalized in the dev database before it is compared with the live one.",
                    dev_url.redacted(),
                    url.dialect(),
                    url.redacted()
                ),
            );
            return None;
        }
    }
    Some(Urls { url, dev_url })
}

/// Desired SQL exported by `sqlalchemy_models` for another dialect than the database's.
pub(super) fn check_exported_dialect(diagnostics: &mut Diagnostics, url: &DatabaseUrl, desired_sql: &str) {
    let wrong: Vec<&str> = dialect_marker::exported_dialects(desired_sql)
        .into_iter()
        .filter(|exported| !dialect_marker::suits(exported, url))
        .collect();
    if let Some(exported) = wrong.first() {
        diagnostics.attribute_error(
            "desired_sql",
            "Desired SQL is for another dialect",
            format!(
                "`desired_sql` was exported by `sqlalchemy_models` for `{exported}`, but the database {} is {}. \
                 Set `dialect = \"{}\"` on the data source.",
                url.redacted(),
                dialect_marker::exporter_dialect(url),
                dialect_marker::exporter_dialect(url)
            ),
        );
    }
}

/// ValidateResourceConfig: checks that need no database. `write_only_allowed`:
/// whether this Terraform knows write-only attributes (1.11 and later).
pub fn validate(config: &Value, write_only_allowed: bool) -> Diagnostics {
    let resource = SchemaResource::from_value(config);
    let mut diagnostics = Diagnostics::new();
    if !write_only_allowed {
        diagnostics.attribute_error(
            "desired_sql",
            "Terraform 1.11 or later is needed",
            "`desired_sql` is a write-only attribute: Terraform passes it to the provider without storing it \
             in the state or diffing its text, which needs Terraform 1.11 or later. Upgrade Terraform.",
        );
    }
    let url = validate_url(&mut diagnostics, UrlAttribute::Url, &resource.url);
    let dev_url = validate_url(&mut diagnostics, UrlAttribute::DevUrl, &resource.dev_url);
    for (attribute, url) in [(UrlAttribute::Url, &url), (UrlAttribute::DevUrl, &dev_url)] {
        if let Some(url) = url {
            warn_ignored_options(&mut diagnostics, attribute, url);
        }
    }
    let policy = Policy::from_value(config, &mut diagnostics);
    if let Some(url) = &url {
        policy.check_dialect(url, &mut diagnostics);
    }
    resource.settings.validate(url.as_ref(), &mut diagnostics);
    if let (Some(url), Field::Known(desired_sql)) = (&url, &resource.desired_sql) {
        check_exported_dialect(&mut diagnostics, url, desired_sql);
    }
    if let (Some(url), Some(dev_url)) = (url, dev_url) {
        if url.dialect() != dev_url.dialect() {
            diagnostics.attribute_error(
                "dev_url",
                "Dev database of another dialect",
                format!("`dev_url` must be a {:?} database like `url`.", url.dialect()),
            );
        }
    }
    diagnostics
}

/// A new resource without `desired_sql`.
fn desired_sql_missing(diagnostics: &mut Diagnostics) {
    diagnostics.attribute_error(
        "desired_sql",
        "Missing desired_sql",
        "`desired_sql` is the schema this resource brings the database to: set it to DDL in the database's \
         dialect, for example `desired_sql = data.sqlalchemy_models.app.sql`.",
    );
}

/// An existing (typically just imported) resource without `desired_sql`.
fn desired_sql_unset(diagnostics: &mut Diagnostics, url: &DatabaseUrl) {
    diagnostics.attribute_warning(
        "desired_sql",
        "desired_sql is not set: nothing will change",
        format!(
            "The schema of {} is only read: without `desired_sql` there is no desired schema to plan towards. \
             Set `desired_sql` to the schema's DDL, for example `desired_sql = data.sqlalchemy_models.app.sql` \
             (a configuration written by `terraform plan -generate-config-out` cannot know it). The next plan \
             then shows in `planned_sql` what differs, or nothing when the database already matches.",
            url.redacted()
        ),
    );
}

/// True (with an error) when the configuration leaves `url` unset while the
/// state names a database of its own, and the URL in effect now (the
/// provider's, or none) is not that database: planning would silently move
/// the resource to another database. That is what a configuration generated
/// by `terraform plan -generate-config-out` does: Terraform writes sensitive
/// values as `null`.
fn url_left_out(
    diagnostics: &mut Diagnostics,
    prior: &SchemaResource,
    planned: &SchemaResource,
    url: &Field<DatabaseUrl>,
) -> bool {
    let (Field::Null, Field::Known(state_url)) = (&planned.url, &prior.url) else {
        return false;
    };
    let Ok(state_url) = DatabaseUrl::parse(state_url) else {
        return false;
    };
    let now = match url {
        Field::Known(url) if same_database(url, &state_url) => return false,
        Field::Known(url) => format!("the provider's `url` names {} instead", url.redacted()),
        Field::Unknown => return false,
        Field::Null => "the provider has no `url` either".to_string(),
    };
    diagnostics.attribute_error(
        "url",
        "url not set for this database",
        format!(
            "This resource manages {} (the `url` in its state, for example the import ID), but its configuration \
             leaves `url` unset and {now}. Set `url` to that database's URL, for example from a variable marked \
             `sensitive`. A configuration written by `terraform plan -generate-config-out` has `url = null`: \
             Terraform writes no sensitive value into it.",
            state_url.redacted()
        ),
    );
    true
}

/// The live schema is not the one the last refresh saw.
fn changed_since_refresh(diagnostics: &mut Diagnostics, url: &DatabaseUrl) {
    diagnostics.error(
        "The database changed since Terraform read it",
        format!(
            "The schema of {} is not the one Terraform refreshed before planning: someone or something changed \
             it in the meantime (for example between `terraform plan -out` and `terraform apply`). Nothing was \
             changed. Run `terraform plan` again to see the SQL for the database as it is now.",
            url.redacted()
        ),
    );
}

fn changed_since_this_runs_plan(diagnostics: &mut Diagnostics, url: &DatabaseUrl) {
    diagnostics.error(
        "The database changed since the plan was made",
        format!(
            "The schema of {} is not the one this `terraform apply` planned against: someone or something \
             changed it since the plan was made (for example another apply running at the same time). Nothing \
             was changed. Run `terraform apply` again to plan for the database as it is now.",
            url.redacted()
        ),
    );
}

/// The engine options of `resource`: its settings, and its policy's `skip`,
/// `concurrent_indexes` and `explicit_algorithm`. `Unknown` while one of them is, `None` (with
/// diagnostics) when one is invalid.
fn engine_options(
    resource: &SchemaResource,
    url: &DatabaseUrl,
    policy: &Policy,
    diagnostics: &mut Diagnostics,
) -> Option<Field<Options>> {
    let mut found = Diagnostics::new();
    policy.check_dialect(url, &mut found);
    let options = resource.settings.options(Some(url), &mut found);
    let invalid = found.has_errors();
    diagnostics.extend(found);
    match options.filter(|_| !invalid)? {
        Field::Known(mut options) => Some(if policy.configure(&mut options) {
            Field::Known(options)
        } else {
            Field::Unknown
        }),
        other => Some(other),
    }
}

/// What a plan's reviewer is told: objects `skip` kept, then (for a new
/// resource) the drops it must not make unasked, then the hazards' verdicts.
fn review(
    plan: &engine::Plan,
    policy: &Policy,
    options: &Options,
    url: &DatabaseUrl,
    creating: bool,
    diagnostics: &mut Diagnostics,
) {
    crate::provider::unmanaged::report(&plan.warnings, diagnostics);
    if let Some(reason) = &plan.unverified {
        diagnostics.warning("Plan not verified", reason.clone());
    }
    policy::report_kept(&plan.kept, options, diagnostics);
    let mut adopting = Diagnostics::new();
    if creating {
        adoption::check(policy, &plan.drops, &plan.statements, url, &mut adopting);
    }
    if adopting.has_errors() {
        // The adoption error already names every drop and how to allow it.
        diagnostics.extend(adopting);
        return;
    }
    policy.check(&plan.statements, false, diagnostics);
}

/// PlanResourceChange. `private` is what the last refresh or apply recorded;
/// `prior` is null for a new resource; `config` carries the write-only
/// `desired_sql`. Also returns the planned private state when it differs from
/// `private` (a destroy that drops objects).
pub async fn plan(
    ctx: &Context,
    prior: &Value,
    proposed: &Value,
    config: &Value,
    private: &ResourcePrivate,
) -> (Value, Diagnostics, Option<ResourcePrivate>) {
    if proposed.is_null() {
        let (diagnostics, planned_private) = destroy::plan(ctx, prior, private).await;
        return (Value::Null, diagnostics, planned_private);
    }
    let (planned, diagnostics) = plan_change(ctx, prior, proposed, config, private).await;
    (planned, diagnostics, None)
}

async fn plan_change(
    ctx: &Context,
    prior: &Value,
    proposed: &Value,
    config: &Value,
    private: &ResourcePrivate,
) -> (Value, Diagnostics) {
    let creating = prior.is_null();
    let prior = (!creating).then(|| SchemaResource::from_value(prior));
    let mut diagnostics = Diagnostics::new();
    let mut planned = SchemaResource::from_value(proposed);
    planned.desired_sql = field::string(config, "desired_sql");
    let Some(urls) = resolve_urls(ctx, &planned, &mut diagnostics) else {
        return (Value::Null, diagnostics);
    };
    if let Some(prior) = &prior {
        if url_left_out(&mut diagnostics, prior, &planned, &urls.url) {
            return (Value::Null, diagnostics);
        }
    }
    let url = match urls.url {
        Field::Null => {
            missing_url(&mut diagnostics);
            return (Value::Null, diagnostics);
        }
        Field::Unknown => {
            planned.id = Field::Unknown;
            planned.unknown_outcome();
            return (planned.to_value(), diagnostics);
        }
        Field::Known(url) => url,
    };
    planned.id = Field::Known(url.redacted());
    if matches!(planned.desired_sql, Field::Null) {
        if creating {
            desired_sql_missing(&mut diagnostics);
        } else {
            // Imported (or written) without it: nothing to compare the live
            // schema with, so nothing to change; the state stays as read.
            desired_sql_unset(&mut diagnostics, &url);
            planned.nothing_planned();
        }
        return (planned.to_value(), diagnostics);
    }
    let (Field::Known(desired_sql), false) = (planned.desired_sql.clone(), urls.dev_url.is_unknown()) else {
        // The desired schema depends on values only known during apply.
        planned.unknown_outcome();
        return (planned.to_value(), diagnostics);
    };
    check_exported_dialect(&mut diagnostics, &url, &desired_sql);
    let policy = Policy::from_value(proposed, &mut diagnostics);
    let options = engine_options(&planned, &url, &policy, &mut diagnostics);
    if diagnostics.has_errors() {
        return (planned.to_value(), diagnostics);
    }
    let Some(Field::Known(options)) = options else {
        // A setting depends on values only known during apply.
        planned.unknown_outcome();
        return (planned.to_value(), diagnostics);
    };

    // Fast path: the desired SQL is the one last applied, so its normalized
    // hash is known. If the refresh just before this plan saw the live schema
    // with that hash, nothing is to be done and no database work is needed;
    // otherwise one inspection (no dev database) may still prove it.
    let scope = options.scope.fingerprint();
    let desired_key = options.desired_fingerprint();
    if let Some(desired_hash) = private
        .applied
        .as_ref()
        .and_then(|applied| applied.desired_hash_of(url.dialect(), &desired_sql, desired_key.as_deref()))
    {
        if private.refreshed_hash(scope.as_deref()) == Some(desired_hash) {
            tracing::debug!(database = %url.redacted(), "desired SQL already applied; the refresh saw it unchanged");
            planned.schema_hash = Field::Known(desired_hash.to_string());
            planned.nothing_planned();
            return (planned.to_value(), diagnostics);
        }
        match ctx.canceller.run(engine::inspect_with(&url, &options)).await {
            Ok(Ok(live)) => {
                let live_hash = engine::schema_hash(&live);
                if private.changed_since_refresh(&live_hash, scope.as_deref()) {
                    changed_since_refresh(&mut diagnostics, &url);
                    return (planned.to_value(), diagnostics);
                }
                if live_hash == desired_hash {
                    tracing::debug!(database = %url.redacted(), "desired SQL already applied and live schema unchanged");
                    planned.schema_hash = Field::Known(live_hash);
                    planned.nothing_planned();
                    return (planned.to_value(), diagnostics);
                }
            }
            Ok(Err(err)) => {
                errors::engine_error(&mut diagnostics, "read the live schema", &err);
                return (planned.to_value(), diagnostics);
            }
            Err(cancelled) => {
                errors::cancelled(&mut diagnostics, "read the live schema", cancelled);
                return (planned.to_value(), diagnostics);
            }
        }
    }

    let dev_url = urls.dev_url.known();
    let options = Options {
        parts: private.parts_hint(false),
        ..options
    };
    match ctx
        .canceller
        .run(engine::plan_with(&url, dev_url.as_ref(), &desired_sql, &options))
        .await
    {
        Ok(Ok(plan)) => {
            if private.changed_since_refresh(&plan.live_hash, scope.as_deref()) {
                changed_since_refresh(&mut diagnostics, &url);
                return (planned.to_value(), diagnostics);
            }
            if creating {
                let memo = RunMemo::new(
                    ctx.terraform_run.as_deref(),
                    TYPE_NAME,
                    &url.redacted(),
                    scope.as_deref(),
                );
                if let Some(memo) = memo {
                    if let Seen::Changed { at_plan } = memo.compare(&plan.live_hash).await {
                        tracing::debug!(database = %url.redacted(), at_plan, now = %plan.live_hash, "live schema changed since this run's plan");
                        changed_since_this_runs_plan(&mut diagnostics, &url);
                        return (planned.to_value(), diagnostics);
                    }
                }
            }
            tracing::debug!(statements = plan.statements.len(), database = %url.redacted(), "planned schema change");
            review(&plan, &policy, &options, &url, creating, &mut diagnostics);
            planned.hazards = policy::hazards_value(&plan.statements);
            planned.planned_sql = Field::Known(plan.sql());
            planned.schema_hash = Field::Known(if plan.statements.is_empty() {
                plan.live_hash
            } else {
                plan.desired_hash
            });
        }
        Ok(Err(err)) => errors::engine_error(&mut diagnostics, "plan the schema change", &err),
        Err(cancelled) => errors::cancelled(&mut diagnostics, "plan the schema change", cancelled),
    }
    (planned.to_value(), diagnostics)
}

/// ApplyResourceChange. `prior` is null for a new resource; `private` is the
/// planned private state; `config` carries the write-only `desired_sql`.
/// Also returns the private state to record: which desired SQL converged.
pub async fn apply(
    ctx: &Context,
    prior: &Value,
    planned: &Value,
    config: &Value,
    private: &ResourcePrivate,
) -> (Value, Diagnostics, Option<ResourcePrivate>) {
    if planned.is_null() {
        return (Value::Null, destroy::apply(ctx, prior, private).await, None);
    }
    let mut diagnostics = Diagnostics::new();
    let mut state = SchemaResource::from_value(planned);
    state.desired_sql = field::string(config, "desired_sql");
    let Some(urls) = resolve_urls(ctx, &state, &mut diagnostics) else {
        return (Value::Null, diagnostics, None);
    };
    if matches!(state.desired_sql, Field::Null) {
        // Planned without a desired schema (see `desired_sql_unset`): nothing
        // to run; the other attributes are recorded as planned.
        return (state.to_value(), diagnostics, None);
    }
    let (Field::Known(url), Field::Known(desired_sql)) = (urls.url, state.desired_sql.clone()) else {
        missing_url(&mut diagnostics);
        return (Value::Null, diagnostics, None);
    };
    let dev_url = urls.dev_url.known();
    let policy = Policy::from_value(planned, &mut diagnostics);
    let Some(Field::Known(options)) = engine_options(&state, &url, &policy, &mut diagnostics) else {
        if !diagnostics.has_errors() {
            diagnostics.error(
                "Settings unknown at apply time",
                "`schemas`, `exclude`, `lock_timeout`, `statement_timeout` and the `policy` block must be known \
                 when the schema is applied.",
            );
        }
        return (Value::Null, diagnostics, None);
    };
    let options = Options {
        parts: private.parts_hint(true),
        ..options
    };
    let expected = match &state.planned_sql {
        Field::Known(statements) => statements.clone(),
        // Planned while the desired schema was unknown: plan now, and review
        // the plan as `terraform plan` would have.
        _ => match ctx
            .canceller
            .run(engine::plan_with(&url, dev_url.as_ref(), &desired_sql, &options))
            .await
        {
            Ok(Ok(plan)) => {
                review(&plan, &policy, &options, &url, prior.is_null(), &mut diagnostics);
                if diagnostics.has_errors() {
                    return (Value::Null, diagnostics, None);
                }
                plan.sql()
            }
            Ok(Err(err)) => {
                errors::engine_error(&mut diagnostics, "plan the schema change", &err);
                return (Value::Null, diagnostics, None);
            }
            Err(cancelled) => {
                errors::cancelled(&mut diagnostics, "plan the schema change", cancelled);
                return (Value::Null, diagnostics, None);
            }
        },
    };
    let outcome = ctx
        .canceller
        .run(engine::apply_with(
            &url,
            dev_url.as_ref(),
            &desired_sql,
            &expected,
            &options,
        ))
        .await;
    match outcome {
        Ok(Ok(outcome)) => {
            tracing::info!(statements = outcome.executed.len(), database = %url.redacted(), "applied schema change");
            state.id = Field::Known(url.redacted());
            if !state.hazards.is_wholly_known() {
                state.hazards = policy::hazards_value(&outcome.executed);
            }
            state.planned_sql = Field::Known(outcome.executed.iter().map(engine::Statement::shown).collect());
            let seen = ResourcePrivate {
                refreshed: None,
                applied: Some(
                    AppliedDesired::new(
                        url.dialect(),
                        &desired_sql,
                        options.desired_fingerprint(),
                        outcome.live_hash.clone(),
                    )
                    .with_parts(outcome.parts),
                ),
                destroy: None,
            };
            state.schema_hash = Field::Known(outcome.live_hash);
            (state.to_value(), diagnostics, Some(seen))
        }
        Ok(Err(err)) => {
            errors::engine_error(&mut diagnostics, "apply the schema change", &err);
            (Value::Null, diagnostics, None)
        }
        Err(cancelled) => {
            errors::cancelled(&mut diagnostics, "apply the schema change", cancelled);
            (Value::Null, diagnostics, None)
        }
    }
}

/// ReadResource: refresh the live schema's hash; nothing is pending until the next plan.
/// Also returns the private state to record: `private` with the hash this refresh saw.
pub async fn read(
    ctx: &Context,
    current: &Value,
    private: ResourcePrivate,
) -> (Value, Diagnostics, Option<ResourcePrivate>) {
    let mut diagnostics = Diagnostics::new();
    if current.is_null() {
        return (Value::Null, diagnostics, None);
    }
    let mut state = SchemaResource::from_value(current);
    let Some(urls) = resolve_urls(ctx, &state, &mut diagnostics) else {
        return (current.clone(), diagnostics, None);
    };
    let Field::Known(url) = urls.url else {
        return (current.clone(), diagnostics, None);
    };
    let Some(Field::Known(options)) = state.settings.options(Some(&url), &mut diagnostics) else {
        return (current.clone(), diagnostics, None);
    };
    match ctx.canceller.run(engine::inspect_with(&url, &options)).await {
        Ok(Ok(live)) => {
            state.id = Field::Known(url.redacted());
            let live_hash = engine::schema_hash(&live);
            let seen = ResourcePrivate {
                refreshed: Some(SeenLive {
                    live_hash: live_hash.clone(),
                    scope: options.scope.fingerprint(),
                }),
                // A destroy plan made before this refresh is stale now.
                destroy: None,
                ..private
            };
            state.schema_hash = Field::Known(live_hash);
            state.nothing_planned();
            (state.to_value(), diagnostics, Some(seen))
        }
        Ok(Err(err)) => {
            errors::engine_error(&mut diagnostics, "read the live schema", &err);
            (current.clone(), diagnostics, None)
        }
        Err(cancelled) => {
            errors::cancelled(&mut diagnostics, "read the live schema", cancelled);
            (current.clone(), diagnostics, None)
        }
    }
}

/// The same database, whatever the password (redacted URLs differ only in it).
fn same_database(a: &DatabaseUrl, b: &DatabaseUrl) -> bool {
    let without_password = |url: &DatabaseUrl| url.redacted().replace(":****@", "@");
    without_password(a) == without_password(b)
}

/// ImportResourceState: the import ID is the database URL.
pub fn import(ctx: &Context, id: &str) -> (Value, Diagnostics) {
    let mut diagnostics = Diagnostics::new();
    let url = match DatabaseUrl::parse(id).and_then(|url| url.check_manageable().map(|()| url)) {
        Ok(url) => url,
        Err(err) => {
            diagnostics.error(
                "Invalid import ID",
                format!("The import ID of `{TYPE_NAME}` is the database URL. {err}"),
            );
            return (Value::Null, diagnostics);
        }
    };
    // A database reached through the provider's default URL keeps `url` unset,
    // so a configuration that relies on the default plans no change to it, and
    // reads go through the provider's URL. That also lets the import ID leave
    // out the password (Terraform prints import IDs): the provider's URL has it.
    let provider_url = ctx
        .provider_config()
        .url
        .known()
        .and_then(|text| DatabaseUrl::parse(&text).ok());
    let url_attribute = match provider_url {
        Some(provider_url) if same_database(&provider_url, &url) => Field::Null,
        _ => Field::Known(id.to_string()),
    };
    let state = SchemaResource {
        id: Field::Known(url.redacted()),
        url: url_attribute,
        dev_url: Field::Null,
        desired_sql: Field::Null,
        planned_sql: Field::Known(Vec::new()),
        schema_hash: Field::Null,
        policy: Value::Null,
        hazards: Value::List(Vec::new()),
        drop_on_destroy: Field::Null,
        settings: Settings::unset(),
    };
    (state.to_value(), diagnostics)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Value {
        Value::object([
            ("url", Value::string("sqlite:///app.db")),
            ("desired_sql", Value::string("CREATE TABLE t (id INTEGER);")),
        ])
    }

    #[test]
    fn desired_sql_is_write_only_and_needs_a_terraform_that_knows_it() {
        let declared = schema().to_proto();
        let block = declared.block.expect("a block");
        let desired = block
            .attributes
            .iter()
            .find(|a| a.name == "desired_sql")
            .expect("desired_sql");
        // Optional to Terraform: a configuration generated after an import
        // has none, and the plan says to set it (a new resource needs it).
        assert!(desired.write_only && desired.optional && !desired.required && !desired.computed);

        assert!(!validate(&config(), true).has_errors());
        let refused = validate(&config(), false);
        assert!(refused.has_errors());
        let text = format!("{:?}", refused.into_proto());
        assert!(text.contains("Terraform 1.11 or later is needed"), "{text}");
    }

    #[test]
    fn plans_and_state_never_carry_desired_sql() {
        let resource = SchemaResource::from_value(&config());
        assert_eq!(
            resource.desired_sql,
            Field::Known("CREATE TABLE t (id INTEGER);".to_string())
        );
        assert!(resource.to_value().attr("desired_sql").is_some_and(Value::is_null));
    }
}
