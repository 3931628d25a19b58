//! Table activity: how large and how busy the tables are that a plan locks
//! against other use (PostgreSQL's ACCESS EXCLUSIVE: adding, dropping or
//! changing a column, a default, NOT NULL, a constraint; MySQL's table copy,
//! during which writes wait). Each dialect's renderer says in its own words
//! what the lock stops ([`TableLock::effect`]).
//!
//! Such a lock is short on a small, quiet table. On a busy one the statement
//! first waits for every transaction using the table, and every query that
//! arrives meanwhile queues behind it; on a large one whatever the statement
//! does under the lock takes long. Renderers mark the statements
//! ([`crate::engine::plan::Statement::locking`]); at plan time each dialect
//! asks its live database (read-only, from the catalog: the planner's
//! estimates and the lock table, never the rows), and a statement on a large
//! or busy table gets the `locks_table` hazard, with what was found.
//!
//! The answer changes from one moment to the next, so the hazard is left out
//! of the `hazards` attribute (see [`HazardKind::decided_by_live_activity`]).

use std::collections::BTreeMap;

use super::plan::{Hazard, HazardKind, Statement};
use super::probe::{thousands, ProbeFailure};

/// A table with at least this many rows (the planner's estimate) is large.
pub const LARGE_TABLE_ROWS: i64 = 1_000_000;
/// A table taking at least this much space is large.
pub const LARGE_TABLE_BYTES: i64 = 1024 * 1024 * 1024;

/// An existing table a statement locks against all other use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableLock {
    /// The table in SQL (quoted and qualified), as the database is asked about it.
    pub table: String,
    /// The key of the table in the schema model.
    pub key: String,
    /// What the lock stops and for how long, in the dialect's words: the
    /// `locks_table` hazard's message.
    pub effect: String,
}

/// What the live database said about one table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableActivity {
    /// The planner's row estimate; `None` before the table was ever analyzed.
    pub estimated_rows: Option<i64>,
    /// The table's size on disk, as of its last vacuum or analyze.
    pub bytes: i64,
    /// Other sessions holding or waiting for a lock on the table right now.
    pub other_sessions: i64,
}

impl TableActivity {
    pub fn is_large(&self) -> bool {
        self.estimated_rows.is_some_and(|rows| rows >= LARGE_TABLE_ROWS) || self.bytes >= LARGE_TABLE_BYTES
    }

    pub fn is_busy(&self) -> bool {
        self.other_sessions > 0
    }

    /// The sentence for a large or busy table, `None` for one that is neither.
    pub fn finding(&self, table: &str) -> Option<String> {
        let mut facts = Vec::new();
        if self.is_large() {
            let rows = self
                .estimated_rows
                .map_or_else(String::new, |rows| format!("about {} rows, ", thousands(rows)));
            facts.push(format!("holds {rows}{}", size(self.bytes)));
        }
        if self.is_busy() {
            let (sessions, verb) = match self.other_sessions {
                1 => ("1 other session".to_string(), "holds or waits for a lock"),
                n => (format!("{} other sessions", thousands(n)), "hold or wait for locks"),
            };
            facts.push(format!("{sessions} {verb} on it now"));
        }
        let consequence = if self.is_busy() {
            "the statement waits for them (up to `lock_timeout`), and every query on the table that arrives \
             meanwhile waits behind it"
        } else {
            "every query on the table waits as long as the statement takes"
        };
        (!facts.is_empty()).then(|| format!("{table} {}: {consequence}", facts.join(" and ")))
    }
}

/// `1073741824` as `1.0 GB`, `52428800` as `50 MB`.
fn size(bytes: i64) -> String {
    const MB: f64 = 1024.0 * 1024.0;
    let megabytes = bytes as f64 / MB;
    if megabytes >= 1024.0 {
        format!("{:.1} GB", megabytes / 1024.0)
    } else {
        format!("{megabytes:.0} MB")
    }
}

/// What the live database said about each locked table, by table (SQL).
pub type Activities = BTreeMap<String, Result<TableActivity, ProbeFailure>>;

/// The distinct tables `statements` lock, in plan order.
pub fn locked_tables(statements: &[Statement]) -> Vec<String> {
    let mut tables: Vec<String> = Vec::new();
    for lock in statements.iter().filter_map(|s| s.lock.as_ref()) {
        if !tables.contains(&lock.table) {
            tables.push(lock.table.clone());
        }
    }
    tables
}

/// Adds the `locks_table` hazard to each statement locking a table that
/// `activities` found large or busy. A table that could not be looked at
/// adds nothing: the hazard says what was seen, not what might be.
pub fn record(statements: &mut [Statement], activities: &Activities) {
    for statement in statements.iter_mut() {
        let Some(lock) = statement.lock.clone() else {
            continue;
        };
        let Some(Ok(activity)) = activities.get(&lock.table) else {
            continue;
        };
        let Some(finding) = activity.finding(&lock.table) else {
            continue;
        };
        statement.hazards.push(Hazard {
            kind: HazardKind::LocksTable,
            detail: lock.effect,
            source: None,
            model: None,
            column: None,
            table: Some(lock.key),
            finding: Some(finding),
            probe: None,
            found: None,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str = "\"public\".\"events\"";

    fn activity(estimated_rows: Option<i64>, bytes: i64, other_sessions: i64) -> TableActivity {
        TableActivity {
            estimated_rows,
            bytes,
            other_sessions,
        }
    }

    #[test]
    fn small_quiet_tables_say_nothing() {
        for quiet in [
            activity(None, 0, 0),
            activity(Some(LARGE_TABLE_ROWS - 1), LARGE_TABLE_BYTES - 1, 0),
        ] {
            assert_eq!(quiet.finding(TABLE), None, "{quiet:?}");
        }
    }

    #[test]
    fn large_or_busy_tables_say_what_was_found() {
        assert_eq!(
            activity(Some(2_400_000), 190 * 1024 * 1024, 0)
                .finding(TABLE)
                .as_deref(),
            Some(
                "\"public\".\"events\" holds about 2,400,000 rows, 190 MB: every query on the table waits as \
                 long as the statement takes"
            )
        );
        assert_eq!(
            activity(None, 3 * LARGE_TABLE_BYTES / 2, 1).finding(TABLE).as_deref(),
            Some(
                "\"public\".\"events\" holds 1.5 GB and 1 other session holds or waits for a lock on it now: the \
                 statement waits for them (up to `lock_timeout`), and every query on the table that arrives \
                 meanwhile waits behind it"
            )
        );
        let busy = activity(Some(10), 8192, 3).finding(TABLE).expect("busy");
        assert!(
            busy.starts_with("\"public\".\"events\" 3 other sessions hold or wait for locks on it now:"),
            "{busy}"
        );
    }

    #[test]
    fn only_large_or_busy_tables_get_the_hazard() {
        let quiet = "\"public\".\"quiet\"";
        let mut statements = vec![
            Statement::ddl("ALTER TABLE \"public\".\"events\" ADD COLUMN \"note\" text").locking(
                "public.events",
                TABLE,
                "locks events",
            ),
            Statement::ddl("ALTER TABLE \"public\".\"quiet\" ADD COLUMN \"note\" text").locking(
                "public.quiet",
                quiet,
                "locks quiet",
            ),
            Statement::ddl("ALTER TABLE \"public\".\"events\" DROP COLUMN \"old\"").locking(
                "public.events",
                TABLE,
                "locks events",
            ),
            Statement::ddl("CREATE TABLE \"public\".\"new\" (id int)"),
        ];
        assert_eq!(locked_tables(&statements), [TABLE, quiet]);
        let activities: Activities = [
            (TABLE.to_string(), Ok(activity(Some(5), 8192, 2))),
            (quiet.to_string(), Ok(activity(Some(5), 8192, 0))),
        ]
        .into_iter()
        .collect();
        record(&mut statements, &activities);
        let kinds: Vec<Vec<HazardKind>> = statements
            .iter()
            .map(|s| s.hazards.iter().map(|h| h.kind).collect())
            .collect();
        assert_eq!(
            kinds,
            [
                vec![HazardKind::LocksTable],
                vec![],
                vec![HazardKind::LocksTable],
                vec![]
            ]
        );
        let hazard = &statements[0].hazards[0];
        assert_eq!(hazard.table.as_deref(), Some("public.events"));
        assert_eq!(hazard.detail, "locks events", "the renderer's words");
        assert!(hazard
            .finding
            .as_deref()
            .is_some_and(|f| f.contains("2 other sessions")));
    }
}
