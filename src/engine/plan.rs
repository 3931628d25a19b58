//! Plans are plain data: ordered SQL statements with what they risk. A plan can
//! be shown, saved (a migration file is a saved plan) and replayed.

use serde::{Deserialize, Serialize};

use super::activity::TableLock;
use super::keep::DroppedObject;
use super::parts::NormalizedParts;
use super::probe::Probe;

/// The comment that marks a statement running outside the transaction.
pub const OUTSIDE_TRANSACTION_NOTE: &str =
    "-- runs outside the transaction: not rolled back if a later statement fails";

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
    /// The existing table the statement locks against all other use, when
    /// it does: the plan asks the live database how large and busy it is.
    #[serde(skip)]
    pub lock: Option<TableLock>,
}

impl Statement {
    pub fn ddl(sql: impl Into<String>) -> Statement {
        Statement {
            sql: sql.into(),
            in_transaction: true,
            fails_if_rows: false,
            hazards: Vec::new(),
            lock: None,
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

    /// The statement as shown to people (`planned_sql`, the CLI): a statement
    /// that runs outside the plan's transaction says so in a leading comment,
    /// because a failure after it cannot roll it back.
    pub fn shown(&self) -> String {
        if self.in_transaction {
            self.sql.clone()
        } else {
            format!("{OUTSIDE_TRANSACTION_NOTE}\n{}", self.sql)
        }
    }

    pub fn with_hazard(mut self, kind: HazardKind, detail: impl Into<String>) -> Statement {
        self.hazards.push(Hazard {
            kind,
            detail: detail.into(),
            source: None,
            model: None,
            table: None,
            column: None,
            finding: None,
            probe: None,
            found: None,
        });
        self
    }

    /// Gives the last hazard a data probe: at plan time the live database is
    /// asked how many rows the hazard would hit (see [`crate::engine::probe`]).
    pub fn with_probe(mut self, probe: Probe) -> Statement {
        if let Some(hazard) = self.hazards.last_mut() {
            hazard.probe = Some(probe);
        }
        self
    }

    /// Says that the hazards of the statement not yet about a column are
    /// about `column` (its name in the desired schema) of their table, so a
    /// hazard names the line declaring the column (see `sources.rs`).
    pub fn about_column(mut self, column: impl AsRef<str>) -> Statement {
        for hazard in self.hazards.iter_mut().filter(|h| h.column.is_none()) {
            hazard.column = Some(column.as_ref().to_string());
        }
        self
    }

    /// Marks the statement as locking the existing table `table` (SQL) stored
    /// under `table_key` against other use; `effect` says what the lock
    /// stops, in the dialect's words (see [`TableLock`]).
    pub fn locking(
        mut self,
        table_key: impl Into<String>,
        table: impl Into<String>,
        effect: impl Into<String>,
    ) -> Statement {
        self.lock = Some(TableLock {
            key: table_key.into(),
            table: table.into(),
            effect: effect.into(),
        });
        self
    }

    /// [`Statement::with_hazard`] for a hazard about the table stored under
    /// `table_key` in the schema model.
    pub fn with_table_hazard(
        mut self,
        kind: HazardKind,
        table_key: impl Into<String>,
        detail: impl Into<String>,
    ) -> Statement {
        self = self.with_hazard(kind, detail);
        if let Some(hazard) = self.hazards.last_mut() {
            hazard.table = Some(table_key.into());
        }
        self
    }
}

/// Something a statement may do that a reviewer should know about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hazard {
    pub kind: HazardKind,
    /// One line naming the object, and what the live data says where the
    /// engine looked ("users.email has 3 duplicate values").
    pub detail: String,
    /// Where the object is declared when it comes from a SQLAlchemy model
    /// ("app/models.py:14"), so the reviewer can go and look.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The model declaring the object, as the exporter names it
    /// (`app.models.User`, or `app.models.users_table` for a `Table(...)`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The key (as in `Schema::tables`) of the table the hazard is about, when
    /// it is about one: how data probes and model sources find their table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    /// The column of `table` the hazard is about, by its desired name, when
    /// it is about one (a type change, a new NOT NULL column, a rename, the
    /// first column of a new key): the model's line for that column is the
    /// place to look, not the class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// What a data probe found in the live database when the plan was made
    /// ("\"public\".\"users\".\"email\" has 3 NULL values: SET NOT NULL
    /// will fail", or "... has no NULL values now"). Kept apart from `detail`
    /// because data moves between plan and apply while `detail` must not: the
    /// plan Terraform checks again at apply time has to be the same.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finding: Option<String>,
    /// The question to ask the live data, when the data decides.
    #[serde(skip)]
    pub probe: Option<Probe>,
    /// How many rows the probe counted, when it could count them.
    #[serde(skip)]
    pub found: Option<i64>,
}

impl Hazard {
    /// True when the live rows the probe counted make the statement fail:
    /// applying it can only end in an error, after the statements before it
    /// (some of which cannot be rolled back) have run.
    pub fn proves_failure(&self) -> bool {
        self.kind.fails_on_found_rows() && self.found.is_some_and(|count| count > 0)
    }

    /// [`Hazard::described`] (the detail and where the object is declared),
    /// followed by the probe's finding when there is one: the text for people
    /// (diagnostics, the CLI).
    pub fn message(&self) -> String {
        match &self.finding {
            Some(finding) => format!("{}\n{finding}", self.described()),
            None => self.described(),
        }
    }
}

/// What a hazard is. The stable codes and categories are in `hazard.rs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HazardKind {
    /// Deletes a table and its rows.
    DropsTable,
    /// Deletes a column and its values.
    DropsColumn,
    /// Deletes a schema (namespace) and whatever is still in it.
    DropsSchema,
    /// Removes a value from an enum type; rows holding it cannot stay.
    DropsEnumValue,
    /// Changes a column to a type that holds less (shorter, less precise,
    /// fewer digits): values may be cut or the change may fail.
    NarrowsType,
    /// Copies a table into a new one (locks the database for the copy).
    RebuildsTable,
    /// Rewrites every row of a table in place under an exclusive lock (a
    /// column type change that is not binary compatible).
    RewritesTable,
    /// Builds an index on an existing table without CONCURRENTLY: writes to
    /// the table wait for the build.
    BuildsIndexBlockingWrites,
    /// Checks every existing row for a new constraint while holding a lock
    /// that blocks writes.
    ScansTableUnderLock,
    /// Adds a constraint existing rows may violate; the apply fails if they do.
    MayFailOnExistingRows,
    /// Converts values with a cast that fails on some of them.
    CastMayFail,
    /// Drops an object (view, function, type, sequence, trigger, …) that
    /// applications or other objects may still use.
    DropsObject,
    /// Renames a table: code still using the old name breaks.
    RenamesTable,
    /// Renames a column: code still using the old name breaks.
    RenamesColumn,
    /// Takes a lock that stops every read and write of a table the plan
    /// found large or busy (PostgreSQL's ACCESS EXCLUSIVE). Decided by what
    /// the live database showed at plan time (see [`crate::engine::activity`]).
    LocksTable,
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
    /// Live objects the desired schema lacks that `skip` keeps, described.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kept: Vec<String>,
    /// What the statements drop, whole objects only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub drops: Vec<DroppedObject>,
    /// Why the plan could not be verified by replaying it in a scratch
    /// database (verify.rs); `None` when it was verified, or was empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unverified: Option<String>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
    }

    /// The statements as shown to the user and passed back to `apply`.
    pub fn sql(&self) -> Vec<String> {
        self.statements.iter().map(Statement::shown).collect()
    }
}

/// What `apply` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplyOutcome {
    pub executed: Vec<Statement>,
    /// Hash of the live schema after the apply (equal to the desired hash).
    pub live_hash: String,
    /// What the desired SQL normalized to, part by part, when the options
    /// asked for it: the next plan's hint (see engine/parts.rs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parts: Option<NormalizedParts>,
}

/// The statements of a plan that run in its one transaction: those outside
/// it only come before or after.
pub(crate) fn transaction_span(statements: &[Statement]) -> std::ops::Range<usize> {
    let first = statements
        .iter()
        .position(|s| s.in_transaction)
        .unwrap_or(statements.len());
    let end = statements
        .iter()
        .rposition(|s| s.in_transaction)
        .map_or(first, |last| last + 1);
    first..end
}

/// What differs between the SQL shown at plan time and the SQL planned now.
pub(crate) fn plan_difference(expected: &[String], planned: &[Statement]) -> Option<String> {
    let differing = expected.iter().zip(planned).position(|(e, p)| *e != p.shown());
    match differing {
        Some(i) => Some(format!(
            "statement {} was planned as `{}` but is now `{}`",
            i + 1,
            expected[i],
            planned[i].shown()
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
            planned[expected.len()].shown()
        )),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_outside_the_transaction_say_so_and_the_note_is_part_of_the_comparison() {
        let inside = Statement::ddl("CREATE TABLE t (id int)");
        let outside = Statement::outside_transaction("ALTER TYPE mood ADD VALUE 'meh'");
        assert_eq!(inside.shown(), inside.sql);
        assert_eq!(
            outside.shown(),
            format!("{OUTSIDE_TRANSACTION_NOTE}\nALTER TYPE mood ADD VALUE 'meh'")
        );
        let planned = vec![outside.clone(), inside.clone()];
        let shown: Vec<String> = planned.iter().map(Statement::shown).collect();
        assert_eq!(plan_difference(&shown, &planned), None);
        // A plan shown before the statement moved out of the transaction is stale.
        let stale = vec![outside.sql.clone(), inside.sql.clone()];
        let difference = plan_difference(&stale, &planned).expect("differs");
        assert!(difference.starts_with("statement 1 was planned as"), "{difference}");
    }
}
