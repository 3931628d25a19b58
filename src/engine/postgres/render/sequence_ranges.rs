//! Narrowing a sequence's range (`MINVALUE`, `MAXVALUE`) past the value it
//! is at: PostgreSQL refuses the change ("RESTART value cannot be less than
//! MINVALUE") unless the sequence restarts inside the new range. The plan
//! restarts it at its new `START` when the live sequence's position (its
//! last value, or its old start if it never handed one out) falls outside;
//! from there it may hand out values that rows already hold, which a probe
//! counts in the column the sequence feeds (its owner, or the identity
//! column).

use super::ddl::{sequence_name, table_name};
use crate::engine::model::{LastValue, Schema, Sequence};
use crate::engine::plan::{HazardKind, Statement};
use crate::engine::postgres::ident::quote;
use crate::engine::probe::Probe;

/// The part of a sequence's options a restart depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub start: i64,
    pub increment: i64,
    pub min: i64,
    pub max: i64,
}

impl Range {
    pub fn of_sequence(sequence: &Sequence) -> Range {
        Range {
            start: sequence.start,
            increment: sequence.increment,
            min: sequence.min_value,
            max: sequence.max_value,
        }
    }

    /// From an identity's canonical options (`START WITH 1 INCREMENT BY 1
    /// MINVALUE 1 MAXVALUE 2147483647 CACHE 1 NO CYCLE`).
    pub fn of_identity(options: &str) -> Option<Range> {
        let words: Vec<&str> = options.split_whitespace().collect();
        let after = |keyword: &[&str]| {
            words
                .windows(keyword.len() + 1)
                .find(|w| w[..keyword.len()] == *keyword)
                .and_then(|w| w[keyword.len()].parse::<i64>().ok())
        };
        Some(Range {
            start: after(&["START", "WITH"])?,
            increment: after(&["INCREMENT", "BY"])?,
            min: after(&["MINVALUE"])?,
            max: after(&["MAXVALUE"])?,
        })
    }

    fn contains(&self, value: i64) -> bool {
        self.min <= value && value <= self.max
    }
}

/// True when a sequence at `from`, now at `last_value`, cannot take the range
/// `to` without restarting. A sequence that never handed out a value is at
/// its old start.
pub fn needs_restart(from: &Range, to: &Range, last_value: LastValue) -> bool {
    !to.contains(last_value.0.unwrap_or(from.start))
}

/// The column a sequence feeds, for the probe: its table (SQL), the table's
/// key in the model, and the column (SQL).
pub struct Feeds {
    pub table: String,
    pub table_key: String,
    pub column: String,
}

/// Statements that put the sequences of `schema` (read from a live
/// database) where they are: a replay's copy of live must refuse or take a
/// narrowing exactly as live would. Not part of `schema_sql` (what `inspect`
/// prints and a baseline migration holds): a position is data.
pub fn positions(schema: &Schema) -> Vec<String> {
    let mut out = Vec::new();
    for sequence in schema.sequences.values() {
        if let LastValue(Some(value)) = sequence.last_value {
            out.push(format!(
                "ALTER SEQUENCE {} RESTART WITH {value}",
                sequence_name(sequence)
            ));
        }
    }
    for table in schema.tables.values() {
        for (column, attributes) in &table.column_attributes {
            if let LastValue(Some(value)) = attributes.identity_last_value {
                out.push(format!(
                    "ALTER TABLE {} ALTER COLUMN {} RESTART WITH {value}",
                    table_name(table),
                    quote(column)
                ));
            }
        }
    }
    out
}

/// The live column that owns `sequence` (`serial`), if any.
pub fn owner(sequence: &Sequence, live: &Schema) -> Option<Feeds> {
    let owner = sequence.owned_by.as_ref()?;
    live.tables.iter().find_map(|(key, table)| {
        let column = owner.strip_prefix(key.as_str())?.strip_prefix('.')?;
        table.column(column).map(|c| Feeds {
            table: table_name(table),
            table_key: key.clone(),
            column: quote(&c.name),
        })
    })
}

/// `statement` (which restarts the sequence `sequence`, SQL, at `to.start`)
/// with its hazard, probed in the column it feeds when there is one.
pub fn restarted(statement: Statement, sequence: &str, to: &Range, feeds: Option<Feeds>) -> Statement {
    let detail = format!(
        "{sequence} is outside its new range ({} to {}) and restarts at {}: values it hands out again may already be in rows",
        to.min, to.max, to.start
    );
    let Some(feeds) = feeds else {
        return statement.with_hazard(HazardKind::MayFailOnExistingRows, detail);
    };
    // The values the restarted sequence hands out, in its direction.
    let column = &feeds.column;
    let predicate = if to.increment > 0 {
        format!("{column} BETWEEN {} AND {}", to.start, to.max)
    } else {
        format!("{column} BETWEEN {} AND {}", to.min, to.start)
    };
    statement
        .with_table_hazard(HazardKind::MayFailOnExistingRows, &feeds.table_key, detail)
        .with_probe(Probe::matching(
            feeds.table.clone(),
            format!("{}.{column}", feeds.table),
            predicate,
            (
                "value the restarted sequence hands out again",
                "values the restarted sequence hands out again",
            ),
            "inserts taking them from the sequence will clash",
        ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_options_give_the_range() {
        assert_eq!(
            Range::of_identity("START WITH 5 INCREMENT BY -1 MINVALUE -9 MAXVALUE 9 CACHE 1 NO CYCLE"),
            Some(Range {
                start: 5,
                increment: -1,
                min: -9,
                max: 9
            })
        );
    }

    #[test]
    fn a_restart_is_needed_only_outside_the_new_range() {
        let from = Range {
            start: 1,
            increment: 1,
            min: 1,
            max: 100,
        };
        let to = Range { min: 10, ..from };
        assert!(needs_restart(&from, &to, LastValue(Some(6))));
        assert!(!needs_restart(&from, &to, LastValue(Some(60))));
        // Never called: at its old start.
        assert!(needs_restart(&from, &to, LastValue(None)));
        assert!(!needs_restart(&from, &Range { max: 50, ..from }, LastValue(Some(6))));
    }
}
