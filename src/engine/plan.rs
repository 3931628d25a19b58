//! Plans are plain data: ordered SQL statements with what they risk. A plan can
//! be shown, saved (a migration file is a saved plan) and replayed.

use serde::{Deserialize, Serialize};

/// One SQL statement of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    pub sql: String,
    /// False for statements that must run outside the plan's transaction
    /// (SQLite's `PRAGMA foreign_keys`, which is a no-op inside one). Such
    /// statements only appear at the start or the end of a plan.
    pub in_transaction: bool,
    /// A check query: any row it returns is a violation, and the apply fails
    /// (rolling back) instead of committing.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fails_if_rows: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hazards: Vec<Hazard>,
}

impl Statement {
    pub fn ddl(sql: impl Into<String>) -> Statement {
        Statement {
            sql: sql.into(),
            in_transaction: true,
            fails_if_rows: false,
            hazards: Vec::new(),
        }
    }

    pub fn outside_transaction(sql: impl Into<String>) -> Statement {
        Statement {
            in_transaction: false,
            ..Statement::ddl(sql)
        }
    }

    pub fn check(sql: impl Into<String>) -> Statement {
        Statement {
            fails_if_rows: true,
            ..Statement::ddl(sql)
        }
    }

    pub fn with_hazard(mut self, kind: HazardKind, detail: impl Into<String>) -> Statement {
        self.hazards.push(Hazard {
            kind,
            detail: detail.into(),
        });
        self
    }
}

/// Something a statement may do that a reviewer should know about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hazard {
    pub kind: HazardKind,
    pub detail: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HazardKind {
    /// Deletes a table and its rows.
    DropsTable,
    /// Deletes a column and its values.
    DropsColumn,
    /// Copies a table into a new one (locks the database for the copy).
    RebuildsTable,
    /// Adds a constraint existing rows may violate; the apply fails if they do.
    MayFailOnExistingRows,
}

/// The statements that bring a live database to the desired schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub statements: Vec<Statement>,
    /// Hash of the live schema the plan was made against.
    pub live_hash: String,
    /// Hash of the desired schema; equals `live_hash` after a successful apply.
    pub desired_hash: String,
    /// What the plan leaves alone that a reviewer should know about, such as
    /// objects the engine does not manage yet.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
    }

    /// The SQL strings, as shown to the user and passed back to `apply`.
    pub fn sql(&self) -> Vec<String> {
        self.statements.iter().map(|s| s.sql.clone()).collect()
    }
}

/// What `apply` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplyOutcome {
    pub executed: Vec<Statement>,
    /// Hash of the live schema after the apply (equal to the desired hash).
    pub live_hash: String,
}

/// What differs between the SQL shown at plan time and the SQL planned now.
pub(crate) fn plan_difference(expected: &[String], planned: &[Statement]) -> Option<String> {
    let differing = expected.iter().zip(planned).position(|(e, p)| *e != p.sql);
    match differing {
        Some(i) => Some(format!(
            "statement {} was planned as `{}` but is now `{}`",
            i + 1,
            expected[i],
            planned[i].sql
        )),
        None if expected.len() > planned.len() => Some(format!(
            "the plan had {} statements, now {} suffice; first no longer needed: `{}`",
            expected.len(),
            planned.len(),
            expected[planned.len()]
        )),
        None if expected.len() < planned.len() => Some(format!(
            "the plan had {} statements, now {} are needed; first new one: `{}`",
            expected.len(),
            planned.len(),
            planned[expected.len()].sql
        )),
        None => None,
    }
}
