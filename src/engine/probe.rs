//! Data probes: for hazards where the rows decide (a NOT NULL on a column with
//! NULLs, a unique index over duplicates, a dropped table that is not empty),
//! the plan asks the live database and says what it found.
//!
//! Renderers describe the question ([`Probe`], with identifiers and
//! predicates already in their dialect's SQL); this module turns it into one
//! `count(*)` query and its answer into a sentence; each dialect runs the
//! queries read-only and bounded by [`PROBE_TIME_LIMIT`] (`sqlite/probe.rs`,
//! `postgres/probe.rs`).
//!
//! A hazard whose probe finds nothing is kept, saying "none now": rows can
//! arrive between plan and apply.

use std::collections::BTreeMap;
use std::time::Duration;

use super::plan::Statement;

/// How long one probe query may run before the plan gives up on it.
pub const PROBE_TIME_LIMIT: Duration = Duration::from_secs(2);

/// A question about the live rows of one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// The table in SQL (quoted, qualified where the dialect has namespaces).
    pub table: String,
    /// What the finding names: the table or `table.column` in SQL.
    pub subject: String,
    pub count: Count,
}

/// What to count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Count {
    /// Every row; `consequence` says what happens to them.
    Rows { consequence: String },
    /// Rows where `predicate` (dialect SQL) is true.
    Matching {
        predicate: String,
        /// What one such row holds, singular and plural ("NULL value", "NULL values").
        noun: (String, String),
        consequence: String,
    },
    /// Key values (dialect SQL expressions) held by more than one row;
    /// rows with a NULL in the key do not count, as for a unique index,
    /// unless `nulls_equal` (PostgreSQL's `NULLS NOT DISTINCT`): GROUP BY
    /// then counts NULLs as one value, as the key will.
    Duplicates {
        keys: Vec<String>,
        nulls_equal: bool,
        /// A partial index's predicate.
        filter: Option<String>,
        consequence: String,
    },
    /// Rows whose non-NULL key matches no row of `parent`.
    Orphans {
        columns: Vec<String>,
        parent: String,
        parent_columns: Vec<String>,
    },
}

/// Why a probe has no count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeFailure {
    /// It ran past [`PROBE_TIME_LIMIT`].
    TimedOut,
    /// The database refused it (the reason, without the URL).
    Failed(String),
    /// It reads something this plan creates first (a function a new check
    /// calls, say): there is nothing to count before the plan runs.
    NeedsThePlan,
}

impl Probe {
    pub fn rows(table: impl Into<String>, consequence: impl Into<String>) -> Probe {
        let table = table.into();
        Probe {
            subject: table.clone(),
            table,
            count: Count::Rows {
                consequence: consequence.into(),
            },
        }
    }

    /// Rows of `table` where `predicate` holds, named by `subject`.
    pub fn matching(
        table: impl Into<String>,
        subject: impl Into<String>,
        predicate: impl Into<String>,
        noun: (&str, &str),
        consequence: impl Into<String>,
    ) -> Probe {
        Probe {
            table: table.into(),
            subject: subject.into(),
            count: Count::Matching {
                predicate: predicate.into(),
                noun: (noun.0.to_string(), noun.1.to_string()),
                consequence: consequence.into(),
            },
        }
    }

    /// The one query that answers the probe: a single `count(*)`.
    pub fn sql(&self) -> String {
        let table = &self.table;
        match &self.count {
            Count::Rows { .. } => format!("SELECT count(*) FROM {table}"),
            Count::Matching { predicate, .. } => format!("SELECT count(*) FROM {table} WHERE {predicate}"),
            Count::Duplicates {
                keys,
                nulls_equal,
                filter,
                ..
            } => {
                let mut conditions: Vec<String> = if *nulls_equal {
                    Vec::new()
                } else {
                    keys.iter().map(|k| format!("({k}) IS NOT NULL")).collect()
                };
                conditions.extend(filter.iter().map(|f| format!("({f})")));
                let filter = if conditions.is_empty() {
                    String::new()
                } else {
                    format!(" WHERE {}", conditions.join(" AND "))
                };
                format!(
                    "SELECT count(*) FROM (SELECT 1 FROM {table}{filter} GROUP BY {} HAVING count(*) > 1) AS repeated",
                    keys.join(", ")
                )
            }
            Count::Orphans {
                columns,
                parent,
                parent_columns,
            } => {
                let present: Vec<String> = columns.iter().map(|c| format!("child.{c} IS NOT NULL")).collect();
                let matched: Vec<String> = columns
                    .iter()
                    .zip(parent_columns)
                    .map(|(c, p)| format!("parent.{p} = child.{c}"))
                    .collect();
                format!(
                    "SELECT count(*) FROM {table} AS child WHERE {} \
                     AND NOT EXISTS (SELECT 1 FROM {parent} AS parent WHERE {})",
                    present.join(" AND "),
                    matched.join(" AND ")
                )
            }
        }
    }

    /// The sentence for a count, or for the lack of one; `None` when there
    /// is nothing to say ([`ProbeFailure::NeedsThePlan`]).
    pub fn finding(&self, count: Result<i64, ProbeFailure>) -> Option<String> {
        let subject = &self.subject;
        let count = match count {
            Ok(count) => count,
            Err(ProbeFailure::TimedOut) => {
                return Some(format!(
                    "{subject}: the rows could not be counted within {} s",
                    PROBE_TIME_LIMIT.as_secs()
                ))
            }
            Err(ProbeFailure::Failed(reason)) => {
                return Some(format!("{subject}: the rows could not be counted: {reason}"))
            }
            Err(ProbeFailure::NeedsThePlan) => return None,
        };
        Some(self.counted(count))
    }

    fn counted(&self, count: i64) -> String {
        let subject = &self.subject;
        let n = thousands(count);
        match &self.count {
            Count::Rows { .. } if count == 0 => format!("{subject} is empty now"),
            Count::Rows { consequence } => format!("{subject} has {n} {}: {consequence}", plural(count, "row", "rows")),
            Count::Matching { noun, .. } if count == 0 => format!("{subject} has no {} now", noun.1),
            Count::Matching { noun, consequence, .. } => {
                format!("{subject} has {n} {}: {consequence}", plural(count, &noun.0, &noun.1))
            }
            Count::Duplicates { .. } if count == 0 => format!("{subject} has no duplicate values now"),
            Count::Duplicates { consequence, .. } => format!(
                "{subject} has {n} {}: {consequence}",
                plural(count, "duplicate value", "duplicate values")
            ),
            Count::Orphans { parent, .. } if count == 0 => {
                format!("{subject} has no rows referencing a missing row of {parent} now")
            }
            Count::Orphans { parent, .. } => format!(
                "{subject} has {n} {} referencing a missing row of {parent}: the foreign key will fail",
                plural(count, "row", "rows")
            ),
        }
    }
}

fn plural<'a>(count: i64, one: &'a str, many: &'a str) -> &'a str {
    if count == 1 {
        one
    } else {
        many
    }
}

/// `1204` as `1,204`.
pub(crate) fn thousands(count: i64) -> String {
    let digits = count.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    if count < 0 {
        out.insert(0, '-');
    }
    out
}

/// What each probe query answered, by query.
pub type Answers = BTreeMap<String, Result<i64, ProbeFailure>>;

/// The distinct probe queries of `statements`, in plan order.
pub fn queries(statements: &[Statement]) -> Vec<String> {
    let mut seen = Vec::new();
    for probe in statements
        .iter()
        .flat_map(|s| &s.hazards)
        .filter_map(|h| h.probe.as_ref())
    {
        let sql = probe.sql();
        if !seen.contains(&sql) {
            seen.push(sql);
        }
    }
    seen
}

/// Writes each probed hazard's finding from `answers`.
pub fn record(statements: &mut [Statement], answers: &Answers) {
    for hazard in statements.iter_mut().flat_map(|s| s.hazards.iter_mut()) {
        let Some(probe) = &hazard.probe else {
            continue;
        };
        if let Some(answer) = answers.get(&probe.sql()) {
            hazard.finding = probe.finding(answer.clone());
            hazard.found = answer.as_ref().ok().copied();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_like_sentences() {
        let probe = Probe::matching(
            "\"users\"",
            "\"users\".\"email\"",
            "\"email\" IS NULL",
            ("NULL value", "NULL values"),
            "SET NOT NULL will fail",
        );
        let finding = |count| probe.finding(count).expect("a finding");
        assert_eq!(
            finding(Ok(3)),
            "\"users\".\"email\" has 3 NULL values: SET NOT NULL will fail"
        );
        assert_eq!(
            finding(Ok(1)),
            "\"users\".\"email\" has 1 NULL value: SET NOT NULL will fail"
        );
        assert_eq!(finding(Ok(0)), "\"users\".\"email\" has no NULL values now");
        assert!(finding(Err(ProbeFailure::TimedOut)).ends_with("could not be counted within 2 s"));
        assert_eq!(probe.finding(Err(ProbeFailure::NeedsThePlan)), None);
        let rows = Probe::rows("\"users\"", "lost in the drop");
        assert_eq!(rows.counted(1204), "\"users\" has 1,204 rows: lost in the drop");
        assert_eq!(rows.counted(0), "\"users\" is empty now");
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }

    #[test]
    fn duplicates_and_orphans_are_single_counts() {
        let duplicates = Probe {
            table: "t".into(),
            subject: "t".into(),
            count: Count::Duplicates {
                keys: vec!["a".into(), "lower(b)".into()],
                nulls_equal: false,
                filter: Some("c > 0".into()),
                consequence: "the unique index will fail".into(),
            },
        };
        assert_eq!(
            duplicates.sql(),
            "SELECT count(*) FROM (SELECT 1 FROM t WHERE (a) IS NOT NULL AND (lower(b)) IS NOT NULL AND (c > 0) \
             GROUP BY a, lower(b) HAVING count(*) > 1) AS repeated"
        );
        let nulls_equal = Probe {
            table: "t".into(),
            subject: "t".into(),
            count: Count::Duplicates {
                keys: vec!["a".into(), "b".into()],
                nulls_equal: true,
                filter: None,
                consequence: "the unique constraint will fail".into(),
            },
        };
        assert_eq!(
            nulls_equal.sql(),
            "SELECT count(*) FROM (SELECT 1 FROM t GROUP BY a, b HAVING count(*) > 1) AS repeated"
        );
        let orphans = Probe {
            table: "child_t".into(),
            subject: "child_t".into(),
            count: Count::Orphans {
                columns: vec!["p".into()],
                parent: "parent_t".into(),
                parent_columns: vec!["id".into()],
            },
        };
        assert_eq!(
            orphans.sql(),
            "SELECT count(*) FROM child_t AS child WHERE child.p IS NOT NULL \
             AND NOT EXISTS (SELECT 1 FROM parent_t AS parent WHERE parent.id = child.p)"
        );
    }
}
