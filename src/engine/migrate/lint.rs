//! Linting migration files: what does each file do? Replay the files before
//! it and inspect (A), run it and inspect (B), and let the engine's own diff
//! and renderers say what changing A into B risks: the same hazards, with
//! the same codes, a plan of `sqlalchemy_schema` would carry. No SQL is read
//! for this beyond what the dialect's gate splits. With a live database,
//! the data probes count what the hazards would hit there.
//!
//! A rename looks like a drop and an add to a diff of two models; in a file
//! that renames something (its parser says so), a table or column that
//! disappears while exactly one of the same shape appears is taken for a
//! rename (see [`inferred_renames`]); in any other file it is a drop and an add.

use super::directory::{Directory, Version};
use super::error::MigrateError;
use super::file::{transaction_mode, TxMode};
use super::replay::{replay, Inspect};
use crate::engine::annotations::Annotations;
use crate::engine::driver::{capabilities_of, registered, Capability};
use crate::engine::model::Schema;
use crate::engine::options::Options;
use crate::engine::plan::{Hazard, HazardKind, Statement};
use crate::engine::url::{DatabaseUrl, Dialect};
use crate::engine::{probe_live_data, render_changes};

/// What lint found in one file.
#[derive(Debug, Clone)]
pub struct FileLint {
    pub file_name: String,
    pub version: Version,
    pub findings: Vec<Finding>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// What changing the schema as the file does risks.
    Hazard(Box<Hazard>),
    /// The file's statements cannot run as its directives say.
    Transaction(String),
    /// The file fails when replayed after the files before it.
    Fails(String),
}

impl Finding {
    /// A stable code: the hazard's, `transaction` or `replay_fails`.
    pub fn code(&self) -> &'static str {
        match self {
            Finding::Hazard(hazard) => hazard.kind.code(),
            Finding::Transaction(_) => "transaction",
            Finding::Fails(_) => "replay_fails",
        }
    }

    pub fn message(&self) -> String {
        match self {
            Finding::Hazard(hazard) => format!("{}: {}", hazard.kind.summary(), hazard.message()),
            Finding::Transaction(message) | Finding::Fails(message) => message.clone(),
        }
    }
}

/// Where to lint.
pub struct LintSettings<'a> {
    pub dialect: Dialect,
    /// Scratch database for the replay; PostgreSQL without one uses a
    /// temporary database on the server of `probe_url`.
    pub dev: Option<&'a DatabaseUrl>,
    /// The live database the data probes ask, when given.
    pub probe_url: Option<&'a DatabaseUrl>,
    /// Lint the files from this index on (the ones before are replayed only).
    pub from: usize,
}

/// Lints the files of `directory` from `settings.from` on.
pub async fn lint(directory: &Directory, settings: &LintSettings<'_>) -> Result<Vec<FileLint>, MigrateError> {
    let replay = replay(
        settings.dialect,
        settings.probe_url,
        settings.dev,
        &directory.files,
        Inspect::Each,
    )
    .await?;
    let mut linted = Vec::new();
    for (index, file) in directory.files.iter().enumerate().skip(settings.from) {
        let mut findings = Vec::new();
        let Some(replayed) = replay.files.get(index) else {
            if let Some(failure) = &replay.failure {
                findings.push(Finding::Fails(failure.to_string()));
            }
            linted.push(FileLint {
                file_name: file.file_name.clone(),
                version: file.version.clone(),
                findings,
            });
            break;
        };
        if let Err(problem) = transaction_mode(
            &file.file_name,
            replayed.directives,
            &replayed.statements,
            TxMode::File,
            capabilities_of(settings.dialect).transactional_ddl,
        ) {
            findings.push(Finding::Transaction(problem.to_string()));
        }
        if let (Some(before), Some(after)) = (replay.before(index), replay.after(index)) {
            let concurrent = replayed.statements.iter().any(|s| s.forbids_transaction);
            let renames = replayed
                .statements
                .iter()
                .any(|s| renames_something(settings.dialect, &s.sql));
            let mut statements = if renames {
                hazards_of(settings.dialect, before, after, concurrent)?
            } else {
                hazards_without_renames(settings.dialect, before, after, concurrent)?
            };
            if let Some(url) = settings.probe_url {
                probe_live_data(url, &mut statements).await?;
            }
            findings.extend(
                statements
                    .into_iter()
                    .flat_map(|s| s.hazards)
                    .map(|h| Finding::Hazard(Box::new(h))),
            );
        }
        linted.push(FileLint {
            file_name: file.file_name.clone(),
            version: file.version.clone(),
            findings,
        });
    }
    Ok(linted)
}

/// The statements (carrying hazards) the engine would plan to change
/// `before` into `after`; `concurrent`: the file builds its indexes
/// CONCURRENTLY (PostgreSQL), so writes do not wait for them.
pub fn hazards_of(
    dialect: Dialect,
    before: &Schema,
    after: &Schema,
    concurrent: bool,
) -> Result<Vec<Statement>, MigrateError> {
    let mut after = after.clone();
    after.annotations = inferred_renames(dialect, before, &after);
    let options = Options {
        concurrent_indexes: concurrent && has(dialect, Capability::ConcurrentIndexes),
        ..Options::default()
    };
    Ok(render_changes(dialect, before, &mut after, &options)?)
}

/// [`hazards_of`] for a file that renames nothing: a column dropped while
/// one of the same shape is added is a drop (its values are lost), not a
/// rename.
fn hazards_without_renames(
    dialect: Dialect,
    before: &Schema,
    after: &Schema,
    concurrent: bool,
) -> Result<Vec<Statement>, MigrateError> {
    let mut after = after.clone();
    after.annotations = Annotations::default();
    let options = Options {
        concurrent_indexes: concurrent && has(dialect, Capability::ConcurrentIndexes),
        ..Options::default()
    };
    Ok(render_changes(dialect, before, &mut after, &options)?)
}

fn has(dialect: Dialect, capability: Capability) -> bool {
    capabilities_of(dialect).has(capability)
}

/// Whether a statement of a migration file renames something, read by the
/// dialect's parser.
fn renames_something(dialect: Dialect, sql: &str) -> bool {
    // Without a driver to read the file, assume it might.
    registered(dialect).is_none_or(|driver| driver.renames_something(sql))
}

/// The hazard kinds of `statements`, sorted and without repeats.
pub fn kinds(findings: &[Finding]) -> Vec<HazardKind> {
    let mut kinds: Vec<HazardKind> = findings
        .iter()
        .filter_map(|f| match f {
            Finding::Hazard(h) => Some(h.kind),
            _ => None,
        })
        .collect();
    kinds.sort();
    kinds.dedup();
    kinds
}

/// Renames a file made, judged by shape: a table that disappears while
/// exactly one table with the same columns appears (in the same schema), a
/// column that disappears while exactly one column of the same type,
/// nullability and default appears in the same table.
pub fn inferred_renames(dialect: Dialect, before: &Schema, after: &Schema) -> Annotations {
    let mut annotations = Annotations::default();
    let shape = |table: &crate::engine::model::Table| {
        let mut columns: Vec<(String, String, bool)> = table
            .columns
            .iter()
            .map(|c| (c.name.to_lowercase(), c.data_type.clone(), c.nullable))
            .collect();
        columns.sort();
        (table.namespace.clone(), columns)
    };
    let gone: Vec<&String> = before
        .tables
        .keys()
        .filter(|k| !after.tables.contains_key(*k))
        .collect();
    let new: Vec<&String> = after
        .tables
        .keys()
        .filter(|k| !before.tables.contains_key(*k))
        .collect();
    for added in &new {
        let wanted = shape(&after.tables[added.as_str()]);
        let candidates: Vec<&String> = gone
            .iter()
            .copied()
            .filter(|old| shape(&before.tables[old.as_str()]) == wanted)
            .collect();
        let alike = new
            .iter()
            .filter(|other| shape(&after.tables[other.as_str()]) == wanted)
            .count();
        if let ([old], 1) = (candidates.as_slice(), alike) {
            annotations.renamed_tables.insert((*added).clone(), (*old).clone());
        }
    }
    for (key, table) in &after.tables {
        let Some(old) = before.tables.get(key) else { continue };
        let removed: Vec<_> = old.columns.iter().filter(|c| table.column(&c.name).is_none()).collect();
        let added: Vec<_> = table.columns.iter().filter(|c| old.column(&c.name).is_none()).collect();
        if let ([from], [to]) = (removed.as_slice(), added.as_slice()) {
            let same = from.data_type == to.data_type && from.nullable == to.nullable && from.default == to.default;
            if same {
                annotations
                    .renamed_columns
                    .entry(key.clone())
                    .or_default()
                    .insert(to.name.clone(), from.name.clone());
            }
        }
    }
    if !annotations.renamed_tables.is_empty() || !annotations.renamed_columns.is_empty() {
        annotations.dialect = Some(dialect);
    }
    annotations
}

#[cfg(test)]
mod rename_tests {
    use super::renames_something;
    use crate::engine::url::Dialect;

    #[test]
    fn only_rename_statements_rename_in_either_dialect() {
        for dialect in [Dialect::Postgres, Dialect::Sqlite] {
            assert!(
                renames_something(dialect, "ALTER TABLE t RENAME COLUMN a TO b"),
                "{dialect}"
            );
            assert!(renames_something(dialect, "ALTER TABLE t RENAME TO u"), "{dialect}");
            assert!(!renames_something(dialect, "ALTER TABLE t DROP COLUMN a"), "{dialect}");
            assert!(
                !renames_something(dialect, "ALTER TABLE t ADD COLUMN rename_me TEXT"),
                "{dialect}"
            );
            assert!(
                !renames_something(dialect, "INSERT INTO t (note) VALUES ('rename')"),
                "{dialect}"
            );
        }
    }
}
