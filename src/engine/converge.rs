//! The last step of every apply, whatever the dialect: the schema read back
//! after the commit must be the desired one, or the apply reports what differs.
//! The replay that verifies a plan (verify.rs) asks the same question.

use super::diff::{diff, Change};
use super::error::EngineError;
use super::hash::schema_hash;
use super::model::Schema;
use super::parts::NormalizedParts;
use super::plan::{ApplyOutcome, Statement};

/// What still differs between `actual` and `desired`, one line per object;
/// empty when they converged.
pub(crate) fn differences(actual: &Schema, desired: &Schema) -> Vec<String> {
    diff(actual, desired).iter().map(Change::describe).collect()
}

/// `after` is the live schema inspected once the plan's `executed` statements
/// committed on the database named `url` (redacted); `parts`: the desired
/// SQL's record by parts, passed on to the outcome.
pub(crate) fn prove_converged(
    url: String,
    after: &Schema,
    desired: &Schema,
    executed: Vec<Statement>,
    parts: Option<NormalizedParts>,
) -> Result<ApplyOutcome, EngineError> {
    let differences = differences(after, desired);
    if !differences.is_empty() {
        return Err(EngineError::NotConverged { url, differences });
    }
    Ok(ApplyOutcome {
        executed,
        live_hash: schema_hash(after),
        parts,
    })
}
