//! The last step of every apply, whatever the dialect: the schema read back
//! after the commit must be the desired one, or the apply reports what differs.

use super::diff::{diff, Change};
use super::error::EngineError;
use super::hash::schema_hash;
use super::model::Schema;
use super::plan::{ApplyOutcome, Statement};

/// `after` is the live schema inspected once the plan's `executed` statements
/// committed on the database named `url` (redacted).
pub(crate) fn prove_converged(
    url: String,
    after: &Schema,
    desired: &Schema,
    executed: Vec<Statement>,
) -> Result<ApplyOutcome, EngineError> {
    let remaining = diff(after, desired);
    if !remaining.is_empty() {
        return Err(EngineError::NotConverged {
            url,
            differences: remaining.iter().map(Change::describe).collect(),
        });
    }
    Ok(ApplyOutcome {
        executed,
        live_hash: schema_hash(after),
    })
}
