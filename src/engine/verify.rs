//! Replay verification: before a plan is shown, it runs in a scratch database
//! that holds a copy of the live schema (no rows), and the schema it leaves
//! there is compared with the desired one. A plan that fails or does not
//! converge there is refused at plan time, with the statement or the objects
//! at fault, instead of half-applying to the real database.
//!
//! The scratch database is the dialect's business (SQLite: in memory;
//! PostgreSQL: the dev database in a rolled-back transaction, or a temporary
//! database); this module decides what a replay proves. When the copy of the
//! live schema is not faithful (our rendering of it fails, or the live
//! database has objects the copy leaves out), a failure is not the plan's
//! fault: the plan is then shown unverified, with a warning saying why.
//!
//! On PostgreSQL the copy holds only what the plan can touch, when that is
//! less than the whole schema (replay_subset.rs).

use std::fmt;

use super::converge::differences;
use super::error::EngineError;
use super::model::Schema;
use super::options::Options;
use super::plan::Statement;
use super::replay_subset::replay_subset;
use super::schema_sql;
use super::url::DatabaseUrl;

/// What a dialect's replay can report besides the schema it produced.
#[derive(Debug)]
pub(crate) enum ReplayError {
    /// The scratch database could not be prepared, or the live schema could
    /// not be loaded into it: says nothing about the plan.
    Setup(String),
    /// Running the plan's statements failed (an [`EngineError::Apply`] names
    /// the statement).
    Plan(EngineError),
    /// A statement of the plan must not run at all (not one well-formed
    /// statement, or not of a kind a plan may hold): the plan is refused
    /// whatever the copy of live lacks.
    Refused(EngineError),
}

/// Why a replayed plan is refused.
#[derive(Debug)]
pub enum ReplayFailure {
    /// Statement `index` (1-based) of the plan failed.
    Statement {
        index: usize,
        statement: String,
        reason: String,
    },
    /// Every statement ran, but these objects still differ from the desired schema.
    NotConverged { differences: Vec<String> },
}

impl fmt::Display for ReplayFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReplayFailure::Statement {
                index,
                statement,
                reason,
            } => write!(f, "statement {index} failed there: {reason}\n  statement: {statement}"),
            ReplayFailure::NotConverged { differences } => write!(
                f,
                "the result there is not the desired schema; still different: {}",
                differences.join("; ")
            ),
        }
    }
}

/// Replays `statements` (planned from `live` to `desired`, both already cut
/// to `options.scope`) in a scratch database. `Ok(None)`: verified (or nothing
/// to verify); `Ok(Some(warning))`: could not be verified, and why;
/// [`EngineError::PlanReplay`]: the plan is wrong.
pub async fn verify_plan(
    url: &DatabaseUrl,
    dev_url: Option<&DatabaseUrl>,
    live: &Schema,
    desired: &Schema,
    statements: &[Statement],
    options: &Options,
) -> Result<Option<String>, EngineError> {
    if statements.is_empty() {
        return Ok(None);
    }
    // Only what the plan can touch, when that is less than everything.
    let driver = url.driver()?;
    let subset = if driver.capabilities().partial_replay {
        replay_subset(live, desired)
    } else {
        None
    };
    let (copied, expected) = subset.as_ref().map_or((live, desired), |s| (&s.live, &s.desired));
    let mut live_sql = schema_sql(copied, url.dialect())?;
    // Where live's sequences are decides whether narrowing one needs a
    // restart: the copy puts them there too.
    live_sql.extend(driver.live_positions(copied));
    let failure = match replay(url, dev_url, &live_sql, statements).await {
        Ok(replayed) => {
            let remaining = differences(&options.scope.live(replayed), expected);
            if remaining.is_empty() {
                return Ok(None);
            }
            // Blame the plan only if the copy of live was faithful.
            if let Some(unfaithful) = unfaithful_copy(url, dev_url, copied, &live_sql, options).await {
                return Ok(Some(unverified(&unfaithful)));
            }
            ReplayFailure::NotConverged { differences: remaining }
        }
        Err(ReplayError::Setup(reason)) => return Ok(Some(unverified(&reason))),
        Err(ReplayError::Refused(EngineError::RefusedPlanStatement {
            index,
            statement,
            reason,
            ..
        })) => {
            return Err(EngineError::RefusedPlanStatement {
                url: url.redacted(),
                index,
                statement,
                reason,
            })
        }
        Err(ReplayError::Refused(other)) => return Err(other),
        Err(ReplayError::Plan(EngineError::Apply {
            index,
            statement,
            reason,
            ..
        })) => ReplayFailure::Statement {
            index,
            statement,
            reason,
        },
        Err(ReplayError::Plan(other)) => return Ok(Some(unverified(&other.to_string()))),
    };
    if let Some(missing) = left_out_of_the_copy(live, options) {
        return Ok(Some(unverified(&format!(
            "in a scratch database, which lacks {missing}, {failure}"
        ))));
    }
    Err(EngineError::PlanReplay {
        url: url.redacted(),
        failure,
    })
}

fn unverified(reason: &str) -> String {
    format!("could not verify the plan: {reason}")
}

async fn replay(
    url: &DatabaseUrl,
    dev_url: Option<&DatabaseUrl>,
    live_sql: &[String],
    statements: &[Statement],
) -> Result<Schema, ReplayError> {
    let driver = url.driver().map_err(ReplayError::Refused)?;
    driver.replay(url, dev_url, live_sql, statements).await
}

/// Why a scratch copy of `live` is not `live`, when it is not.
async fn unfaithful_copy(
    url: &DatabaseUrl,
    dev_url: Option<&DatabaseUrl>,
    live: &Schema,
    live_sql: &[String],
    options: &Options,
) -> Option<String> {
    match replay(url, dev_url, live_sql, &[]).await {
        Ok(copy) => {
            let off = differences(&options.scope.live(copy), live);
            (!off.is_empty()).then(|| {
                format!(
                    "the live schema is not reproduced exactly in a scratch database; differs: {}",
                    off.join("; ")
                )
            })
        }
        Err(ReplayError::Setup(reason)) => Some(reason),
        Err(ReplayError::Plan(error) | ReplayError::Refused(error)) => Some(error.to_string()),
    }
}

/// What the live database has that a copy of its managed schema leaves out,
/// and a plan may still rely on.
fn left_out_of_the_copy(live: &Schema, options: &Options) -> Option<String> {
    if !live.unmanaged.is_empty() {
        return Some(format!(
            "the objects the provider does not manage ({})",
            live.unmanaged.join(", ")
        ));
    }
    if !options.scope.is_everything() {
        return Some("the objects outside `schemas` / `exclude`".to_string());
    }
    None
}
