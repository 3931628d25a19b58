//! The core every plan shares, whoever asks: the desired schema normalized
//! and cut like live, and the statements that change live into it. `plan`,
//! each dialect's apply (which plans again under its lock) and the no-op
//! checks all come through here, so they cannot disagree.

use std::time::Instant;

use super::annotations::Annotations;
use super::error::EngineError;
use super::model::Schema;
use super::normalized::{normalize_for_plan, Normalized};
use super::options::Options;
use super::parts::NormalizedParts;
use super::plan::Statement;
use super::privileges::adopt_unmanaged;
use super::url::DatabaseUrl;
use super::{built_in, render_changes};

pub(crate) struct Planned {
    /// The desired schema, in scope, with kept objects and annotations.
    pub desired: Schema,
    pub statements: Vec<Statement>,
    /// Live objects `skip` kept in the desired schema, described.
    pub kept: Vec<String>,
    /// The normalization's record by parts, when `options.parts.record`.
    pub parts: Option<NormalizedParts>,
}

/// Normalizes `desired_sql` and renders the statements from `live` (already
/// cut to `options.scope`) to it.
pub(crate) async fn plan_from(
    url: &DatabaseUrl,
    dev: Option<&DatabaseUrl>,
    live: &Schema,
    desired_sql: &str,
    annotations: Annotations,
    options: &Options,
) -> Result<Planned, EngineError> {
    let started = Instant::now();
    let Normalized { schema: desired, parts } =
        normalize_for_plan(url.dialect(), Some(url), dev, desired_sql, live, &options.parts).await?;
    tracing::info!(
        tables = desired.tables.len(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "normalized the desired schema"
    );
    let built_in = built_in(url.dialect(), &desired);
    let desired = options.scope.desired(desired, &built_in)?;
    let kept = options.skip.keep(live, desired);
    // Privileges and owners the desired SQL does not declare stay as they are.
    let mut desired = adopt_unmanaged(live, kept.desired);
    desired.annotations = annotations;
    let statements = render_changes(url.dialect(), live, &mut desired, options)?;
    Ok(Planned {
        desired,
        statements,
        kept: kept.objects,
        parts,
    })
}
