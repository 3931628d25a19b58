//! The schema engine: inspect a live database, normalize desired DDL into the
//! same neutral model, diff the two, render the difference as ordered
//! statements, and apply them. It knows nothing of Terraform or gRPC.
//!
//! Each dialect is a folder (`sqlite/`, `postgres/`) whose `driver.rs`
//! implements the one interface of `driver/`; this module asks a URL's
//! driver and never names a dialect. A dialect without a registered driver
//! (MySQL today) answers [`EngineError::UnsupportedDialect`].

pub mod activity;
pub mod annotations;
pub mod bookkeeping;
mod canonical;
pub mod comments;
mod converge;
pub mod diff;
mod driver;
mod duration;
mod error;
mod glob;
pub mod hash;
pub mod hazard;
pub mod hazard_policy;
pub mod keep;
mod lexemes;
pub mod migrate;
pub mod model;
pub mod mysql;
mod normalized;
mod options;
pub mod parts;
pub mod plan;
mod planning;
pub mod postgres;
pub mod privileges;
pub mod probe;
mod renames;
mod replay_subset;
pub mod scope;
pub mod script;
mod sources;
pub mod sqlite;
mod url;
#[cfg(test)]
mod url_properties;
mod verified;
mod verify;

pub use canonical::{canonical_form, canonical_sha256};
pub use diff::{diff, Change, TableChange, TableDiff};
pub use driver::{capabilities_of, is_supported, Capabilities, Capability};
pub use duration::{parse as parse_duration, DurationError};
pub use error::{EngineError, Progress};
pub use hash::schema_hash;
pub use hazard::HazardCategory;
pub use hazard_policy::{HazardPolicy, UnknownHazard, Verdict};
pub use keep::{DroppedObject, Skip, SkipError, SKIPPABLE};
pub use model::Schema;
pub use normalized::{
    normalize_in_parts, normalize_with_cache, Source as NormalizedFrom, CACHE_SWITCH as NORMALIZE_CACHE_SWITCH,
};
pub use options::{Options, Timeout, DEFAULT_LOCK_TIMEOUT};
pub use parts::{NormalizedParts, PartsHint};
pub use plan::{ApplyOutcome, Hazard, HazardKind, Plan, Statement};
pub use scope::{Scope, ScopeError};
pub use url::{DatabaseUrl, Dialect, SqliteLocation, UrlError, DEFAULT_CONNECT_TIMEOUT};
pub use verified::{verify_with_cache, VerifiedBy, CACHE_SWITCH as VERIFY_CACHE_SWITCH};
pub use verify::{verify_plan, ReplayFailure};

/// The dev database must speak the target's dialect.
fn check_dev_dialect(dialect: Dialect, url: &str, dev: Option<&DatabaseUrl>) -> Result<(), EngineError> {
    match dev {
        Some(dev) if dev.dialect() != dialect => Err(EngineError::DevDialectMismatch {
            url: url.to_string(),
            dialect,
            dev_url: dev.redacted(),
            dev_dialect: dev.dialect(),
        }),
        _ => Ok(()),
    }
}

/// Inspect the live database. A SQLite file that does not exist yet is an
/// empty schema (and is not created).
pub async fn inspect(url: &DatabaseUrl) -> Result<Schema, EngineError> {
    inspect_with(url, &Options::default()).await
}

/// [`inspect`], keeping only what `options.scope` manages: the model whose
/// hash a plan under the same options predicts.
pub async fn inspect_with(url: &DatabaseUrl, options: &Options) -> Result<Schema, EngineError> {
    options.check(url.dialect(), &url.redacted())?;
    let live = url.driver()?.inspect(url).await?;
    Ok(options.scope.live(live))
}

/// Normalize desired DDL: execute it in the dev database (`None` => the
/// dialect default; for SQLite a private in-memory database) and inspect the
/// result. PostgreSQL needs a dev database here; [`plan`] and [`apply`] fall
/// back to a temporary database on the target server instead.
pub async fn normalize(
    dialect: Dialect,
    dev_url: Option<&DatabaseUrl>,
    desired_sql: &str,
) -> Result<Schema, EngineError> {
    check_dev_dialect(dialect, dialect.name(), dev_url)?;
    script::check_usable(desired_sql)?;
    let annotations = annotations::read(dialect, desired_sql)?;
    let mut desired = normalized::normalize_desired(dialect, None, dev_url, desired_sql).await?;
    desired.annotations = annotations;
    Ok(desired)
}

/// Inspect live + normalize desired + diff + render, in that order.
pub async fn plan(url: &DatabaseUrl, dev_url: Option<&DatabaseUrl>, desired_sql: &str) -> Result<Plan, EngineError> {
    plan_with(url, dev_url, desired_sql, &Options::default()).await
}

/// [`plan`] under `options`: both models are cut to `options.scope` before
/// they are diffed and hashed, and live objects of kinds `options.skip` names
/// are kept in the desired model. A plan with statements is verified by
/// replaying it in a scratch database ([`verify_plan`]).
pub async fn plan_with(
    url: &DatabaseUrl,
    dev_url: Option<&DatabaseUrl>,
    desired_sql: &str,
    options: &Options,
) -> Result<Plan, EngineError> {
    check_dev_dialect(url.dialect(), &url.redacted(), dev_url)?;
    script::check_usable(desired_sql)?;
    let annotations = annotations::read(url.dialect(), desired_sql)?;
    let started = std::time::Instant::now();
    let (live, ()) = tokio::join!(inspect_with(url, options), prepare_scratch(url, dev_url, desired_sql));
    let live = live?;
    tracing::info!(
        database = %url.redacted(),
        tables = live.tables.len(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "inspected the live schema"
    );
    let planning::Planned {
        desired,
        mut statements,
        kept,
        ..
    } = planning::plan_from(url, dev_url, &live, desired_sql, annotations, options).await?;
    probe_live_data(url, &mut statements).await?;
    let started = std::time::Instant::now();
    let unverified = verified::verify_plan_remembered(url, dev_url, &live, &desired, &statements, options).await?;
    tracing::info!(
        statements = statements.len(),
        verified = unverified.is_none(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "planned and replayed the statements"
    );
    Ok(Plan {
        statements,
        live_hash: schema_hash(&live),
        desired_hash: schema_hash(&desired),
        warnings: unmanaged_warnings(&live, &desired),
        kept,
        drops: keep::dropped_objects(&live, &desired),
        unverified,
    })
}

/// A plan that will run the desired statements gets its scratch database
/// ready while it inspects live; one the cache answers creates none.
async fn prepare_scratch(url: &DatabaseUrl, dev: Option<&DatabaseUrl>, desired_sql: &str) {
    if !normalized::will_run_statements(url.dialect(), Some(url), dev, desired_sql).await {
        return;
    }
    if let Ok(driver) = url.driver() {
        driver.prepare_scratch(url, dev, desired_sql).await;
    }
}

/// The statements that change `from` into `to`, with their hazards (and
/// where the models declare the objects they are about): what a plan
/// shows, and what a migration file holds.
pub(crate) fn render_changes(
    dialect: Dialect,
    from: &Schema,
    to: &mut Schema,
    options: &Options,
) -> Result<Vec<Statement>, EngineError> {
    let driver = driver::driver_for(dialect, dialect.name())?;
    driver.declare_implicit_renames(from, to);
    driver.settle(from, to);
    let changes = diff(from, to);
    let mut statements = driver.render(&changes, from, to, options);
    sources::attach(&mut statements, to);
    Ok(statements)
}

/// Asks the live database what the probed hazards would hit (see [`probe`]),
/// and how large and busy the tables are that statements lock (see [`activity`]).
pub(crate) async fn probe_live_data(url: &DatabaseUrl, statements: &mut [Statement]) -> Result<(), EngineError> {
    let queries = probe::queries(statements);
    let locked = activity::locked_tables(statements);
    if queries.is_empty() && locked.is_empty() {
        return Ok(());
    }
    let (answers, activities) = url.driver()?.probe(url, &queries, &locked).await?;
    probe::record(statements, &answers);
    activity::record(statements, &activities);
    Ok(())
}

/// One warning per object the engine saw but left alone, in either schema.
fn unmanaged_warnings(live: &Schema, desired: &Schema) -> Vec<String> {
    let mut warnings: Vec<String> =
        live.unmanaged
            .iter()
            .map(|object| format!("{object} in the live database is not managed yet and is left alone"))
            .chain(desired.unmanaged.iter().map(|object| {
                format!("{object} in the desired schema is not managed yet and is not created or changed")
            }))
            .collect();
    warnings.sort();
    warnings.dedup();
    warnings
}

/// Re-plan; if the statements differ from `expected` (the SQL strings shown at
/// plan time) fail with [`EngineError::ChangedSincePlan`]; run all statements
/// in one transaction; re-inspect and verify live == desired
/// ([`EngineError::NotConverged`] otherwise); return the executed statements
/// and the new live hash.
pub async fn apply(
    url: &DatabaseUrl,
    dev_url: Option<&DatabaseUrl>,
    desired_sql: &str,
    expected: &[String],
) -> Result<ApplyOutcome, EngineError> {
    apply_with(url, dev_url, desired_sql, expected, &Options::default()).await
}

/// [`apply`] under `options`: the scope as in [`plan_with`], the timeouts set
/// on the apply session (PostgreSQL).
pub async fn apply_with(
    url: &DatabaseUrl,
    dev_url: Option<&DatabaseUrl>,
    desired_sql: &str,
    expected: &[String],
    options: &Options,
) -> Result<ApplyOutcome, EngineError> {
    check_dev_dialect(url.dialect(), &url.redacted(), dev_url)?;
    script::check_usable(desired_sql)?;
    options.check(url.dialect(), &url.redacted())?;
    url.driver()?.apply(url, dev_url, desired_sql, expected, options).await
}

/// The part of `schema` every new database of `dialect` holds before any DDL
/// runs: a desired schema has it even when the user's SQL never mentions it.
fn built_in(dialect: Dialect, schema: &Schema) -> Schema {
    driver::registered(dialect).map_or_else(Schema::default, |driver| driver.built_in(schema))
}

/// From now on, keeps the scratch databases this process creates for its
/// next plans (PostgreSQL's temporary databases; see `postgres/scratch.rs`),
/// until [`release_scratch_databases`]: for the provider and CLI commands,
/// which run many plans in one runtime.
pub fn keep_scratch_databases() {
    driver::drivers().for_each(|driver| driver.keep_scratch_databases());
}

/// Drops the scratch databases this process kept. Call when the provider or
/// a CLI command is done; failures are returned for logging, never fatal.
pub async fn release_scratch_databases() -> Vec<EngineError> {
    let mut failures = Vec::new();
    for driver in driver::drivers() {
        failures.extend(driver.release_scratch_databases().await);
    }
    failures
}

/// Render a schema as normalized DDL statements (for `inspect` in the CLI).
/// Fails only for dialects without a renderer yet.
pub fn schema_sql(schema: &Schema, dialect: Dialect) -> Result<Vec<String>, EngineError> {
    Ok(driver::driver_for(dialect, dialect.name())?.schema_sql(schema))
}
