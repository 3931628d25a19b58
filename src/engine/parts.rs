//! Normalizing only what changed. A large schema's desired SQL is mostly the
//! same from one apply to the next, and loading all of it into a scratch
//! database costs seconds of the server's DDL time. When a dialect can say
//! which table each statement of the script belongs to ([`Part`]), an apply
//! records, per table, a fingerprint of its statements and the hash of what
//! they normalized to ([`NormalizedParts`]). The next plan then normalizes
//! only the tables whose statements changed, or whose live copy no longer has
//! the recorded hash (drift is still seen), and takes every other table from
//! the live schema, which is what those statements made (see
//! [`normalize_changed_parts`]).
//!
//! The result must equal a full normalization. What could make them differ
//! sends the plan to a full normalization instead: a statement no table owns
//! (views, functions, grants, …; the dialect answers `None`), a shared
//! statement (types, schemas, extensions) that changed, another server or
//! build, a table referencing a table the script does not create,
//! any failure, and names PostgreSQL would have chosen differently with every
//! table present (an object of a changed table named like one of a kept table).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::canonical::canonical_form;
use super::driver::Driver;
use super::error::EngineError;
use super::hash::table_hash;
use super::model::{Column, Schema, Table};
use super::url::{DatabaseUrl, Dialect};

/// What a statement of desired SQL belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Types, schemas, extensions, sequences of their own: what tables use.
    Shared,
    /// The table `key` (its dialect's key), with the tables its statement
    /// references (foreign keys).
    Table { key: String, references: Vec<String> },
}

/// A statement of desired SQL and its part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartStatement<'a> {
    pub part: Part,
    /// As written (the dialect's gate reads it again).
    pub text: &'a str,
}

/// What the last apply's desired SQL normalized to, part by part: kept in the
/// resource's private state. Hashes are cut to 128 bits to keep the state
/// small (a 1,000-table schema records about 80 kB).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NormalizedParts {
    /// Who normalized: the server's identity and this build.
    pub normalizer: String,
    /// Of the shared statements, in order.
    pub shared: String,
    /// Table key → its part.
    pub tables: BTreeMap<String, NormalizedPart>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NormalizedPart {
    /// Of the table's statements, in order.
    pub statements: String,
    /// [`part_hash`] of what they normalized to.
    pub normalized: String,
}

/// A planning hint: the parts the last apply recorded, and whether to record
/// this plan's. It only saves time: the schema a normalization yields is the
/// same with or without it, so like [`super::model::LastValue`] any two
/// compare equal, and it is no part of any cache key (its `Debug` is fixed).
#[derive(Clone, Default)]
pub struct PartsHint {
    pub previous: Option<std::sync::Arc<NormalizedParts>>,
    /// Compute this normalization's record (an apply keeps it).
    pub record: bool,
}

impl std::fmt::Debug for PartsHint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PartsHint")
    }
}

impl PartialEq for PartsHint {
    fn eq(&self, _other: &PartsHint) -> bool {
        true
    }
}

impl Eq for PartsHint {}

/// The statements of a script grouped by part, each group fingerprinted.
struct Grouped<'a> {
    shared: Vec<&'a str>,
    shared_fingerprint: String,
    /// Table key → (fingerprint of its statements, its statements in order).
    tables: BTreeMap<String, TableStatements<'a>>,
}

struct TableStatements<'a> {
    fingerprint: String,
    statements: Vec<(usize, &'a str)>,
    references: BTreeSet<String>,
}

fn short_sha256(parts: impl IntoIterator<Item = String>) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    hex::encode(&hasher.finalize()[..16])
}

/// A table's statements (with their positions) and what they reference.
type Collected<'a> = (Vec<(usize, &'a str)>, BTreeSet<String>);

/// The statements by part, fingerprinted by their canonical forms.
fn grouped<'a>(dialect: Dialect, statements: &[PartStatement<'a>]) -> Grouped<'a> {
    let mut shared = Vec::new();
    let mut tables: BTreeMap<String, Collected<'a>> = BTreeMap::new();
    for (position, statement) in statements.iter().enumerate() {
        match &statement.part {
            Part::Shared => shared.push(statement.text),
            Part::Table { key, references } => {
                let entry = tables.entry(key.clone()).or_default();
                entry.0.push((position, statement.text));
                entry.1.extend(references.iter().filter(|r| *r != key).cloned());
            }
        }
    }
    let shared_fingerprint = short_sha256(shared.iter().map(|text| canonical_form(dialect, text)));
    let tables = tables
        .into_iter()
        .map(|(key, (statements, references))| {
            let fingerprint = short_sha256(statements.iter().map(|(_, text)| canonical_form(dialect, text)));
            (
                key,
                TableStatements {
                    fingerprint,
                    statements,
                    references,
                },
            )
        })
        .collect();
    Grouped {
        shared,
        shared_fingerprint,
        tables,
    }
}

/// The hash a part is recorded with: its table and the sequences the table
/// owns (`serial` columns), so drift in either is seen.
pub(crate) fn part_hash(schema: &Schema, key: &str) -> Option<String> {
    let table = schema.tables.get(key)?;
    let owned_prefix = format!("{key}.");
    let owned = schema
        .sequences
        .iter()
        .filter(|(_, sequence)| {
            sequence
                .owned_by
                .as_deref()
                .is_some_and(|by| by.starts_with(&owned_prefix))
        })
        .map(|(name, sequence)| format!("{name}={}", serde_json::to_string(sequence).unwrap_or_default()));
    Some(short_sha256(std::iter::once(table_hash(table)).chain(owned)))
}

/// The record of `desired_sql` normalized to `normalized` by `normalizer`:
/// `None` when the dialect cannot cut the script into parts.
pub(crate) fn record(
    driver: &dyn Driver,
    normalizer: &str,
    desired_sql: &str,
    normalized: &Schema,
) -> Option<NormalizedParts> {
    let statements = driver.script_parts(desired_sql)?;
    let grouped = grouped(driver.dialect(), &statements);
    let tables = grouped
        .tables
        .iter()
        .filter_map(|(key, table)| {
            Some((
                key.clone(),
                NormalizedPart {
                    statements: table.fingerprint.clone(),
                    normalized: part_hash(normalized, key)?,
                },
            ))
        })
        .collect();
    Some(NormalizedParts {
        normalizer: normalizer.to_string(),
        shared: grouped.shared_fingerprint,
        tables,
    })
}

/// Normalizes `desired_sql` from `previous`: only the parts that changed (or
/// drifted in `live`) run in a scratch database, beside the shared statements
/// and stubs of the kept tables they reference. `Ok(None)`: this script cannot
/// be normalized in parts; normalize it whole.
pub(crate) async fn normalize_changed_parts(
    driver: &dyn Driver,
    target: Option<&DatabaseUrl>,
    dev: Option<&DatabaseUrl>,
    normalizer: &str,
    live: &Schema,
    desired_sql: &str,
    previous: &NormalizedParts,
) -> Result<Option<Schema>, EngineError> {
    if previous.normalizer != normalizer {
        return Ok(None);
    }
    let Some(statements) = driver.script_parts(desired_sql) else {
        return Ok(None);
    };
    let grouped = grouped(driver.dialect(), &statements);
    if grouped.shared_fingerprint != previous.shared {
        return Ok(None);
    }
    let kept: BTreeSet<&String> = grouped
        .tables
        .iter()
        .filter(|(key, table)| {
            previous.tables.get(*key).is_some_and(|recorded| {
                recorded.statements == table.fingerprint
                    && part_hash(live, key).is_some_and(|hash| hash == recorded.normalized)
            })
        })
        .map(|(key, _)| key)
        .collect();
    let dangling = grouped
        .tables
        .values()
        .flat_map(|table| &table.references)
        .any(|reference| !grouped.tables.contains_key(reference));
    if dangling {
        // A reference to a table the script does not create: a whole
        // normalization says what is wrong with it.
        return Ok(None);
    }
    let changed: Vec<&String> = grouped.tables.keys().filter(|key| !kept.contains(key)).collect();
    let stubs: BTreeSet<String> = changed
        .iter()
        .flat_map(|key| &grouped.tables[*key].references)
        .filter(|reference| kept.contains(reference))
        .cloned()
        .collect();
    tracing::info!(
        changed = changed.len(),
        kept = kept.len(),
        stubs = stubs.len(),
        "normalizing only the tables whose statements changed"
    );
    let script = partial_script(driver, live, &grouped, &changed, &stubs);
    let normalized = match driver.normalize(target, dev, &script).await {
        Ok(normalized) => normalized,
        Err(error) => {
            tracing::debug!(%error, "normalizing in parts failed; normalizing the whole script");
            return Ok(None);
        }
    };
    if changed.iter().any(|key| !normalized.tables.contains_key(*key)) {
        return Ok(None);
    }
    let kept: BTreeSet<String> = kept.into_iter().cloned().collect();
    if names_collide(&normalized, &changed, live, &kept) {
        tracing::debug!("a changed table's object is named like a kept table's; normalizing the whole script");
        return Ok(None);
    }
    Ok(Some(merged(normalized, &stubs, live, &kept)))
}

/// The shared statements, the stubs, then the changed tables' statements in
/// the script's order.
fn partial_script(
    driver: &dyn Driver,
    live: &Schema,
    grouped: &Grouped<'_>,
    changed: &[&String],
    stubs: &BTreeSet<String>,
) -> String {
    let mut stub_schema = Schema::default();
    for key in stubs {
        stub_schema
            .tables
            .insert(key.clone(), reference_stub(&live.tables[key]));
    }
    let mut changed_statements: Vec<(usize, &str)> = changed
        .iter()
        .flat_map(|key| grouped.tables[*key].statements.iter().copied())
        .collect();
    changed_statements.sort_by_key(|(position, _)| *position);
    let mut script = String::new();
    let statements = grouped
        .shared
        .iter()
        .map(|text| text.to_string())
        .chain(driver.schema_sql(&stub_schema))
        .chain(changed_statements.into_iter().map(|(_, text)| text.to_string()));
    for statement in statements {
        script.push_str(&statement);
        script.push_str(";\n");
    }
    script
}

/// What a foreign key to `table` needs of it: its columns (without
/// defaults, which may name sequences), its key and its unique constraints
/// and indexes; nothing that could name another object.
fn reference_stub(table: &Table) -> Table {
    let mut stub = Table::new(&table.name);
    stub.namespace = table.namespace.clone();
    stub.columns = table
        .columns
        .iter()
        .map(|column| Column {
            default: None,
            ..column.clone()
        })
        .collect();
    stub.primary_key = table.primary_key.clone();
    stub.uniques = table.uniques.clone();
    stub.indexes = table
        .indexes
        .iter()
        .filter(|(_, index)| index.unique && index.predicate.is_none())
        .map(|(name, index)| (name.clone(), index.clone()))
        .collect();
    stub
}

/// The names of a table's constraints.
fn constraint_names(table: &Table) -> impl Iterator<Item = &str> {
    let primary = table.primary_key.iter().filter_map(|key| key.name.as_deref());
    let uniques = table.uniques.iter().filter_map(|unique| unique.name.as_deref());
    let foreign = table.foreign_keys.iter().filter_map(|key| key.name.as_deref());
    let checks = table.checks.iter().filter_map(|check| check.name.as_deref());
    let exclusions = table.exclusions.iter().map(|exclusion| exclusion.name.as_str());
    primary.chain(uniques).chain(foreign).chain(checks).chain(exclusions)
}

/// Names a namespace may hold once (relations, constraints) of `tables` in `schema`.
/// `with_tables`: the tables' own names too (a user's choice, never
/// PostgreSQL's).
fn object_names<'s>(
    schema: &'s Schema,
    tables: impl Iterator<Item = &'s String>,
    with_tables: bool,
) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for key in tables {
        let Some(table) = schema.tables.get(key) else {
            continue;
        };
        let namespace = table.namespace.clone().unwrap_or_default();
        let mut add = |name: &str| {
            names.insert(format!("{namespace}\u{0}{name}"));
        };
        if with_tables {
            add(&table.name);
        }
        table.indexes.keys().for_each(|name| add(name));
        constraint_names(table).for_each(&mut add);
        let owned_prefix = format!("{key}.");
        for sequence in schema.sequences.values() {
            if sequence
                .owned_by
                .as_deref()
                .is_some_and(|by| by.starts_with(&owned_prefix))
            {
                add(&sequence.name);
            }
        }
        for (sequence, owner) in &schema.identity_sequences {
            if owner == key {
                add(sequence.rsplit('.').next().unwrap_or(sequence));
            }
        }
    }
    names
}

/// True when an object of a changed table bears a name a kept table's object
/// has, or that name with a number after it (PostgreSQL's way out of a clash
/// when it chooses a name): with every table present, in the script's order,
/// PostgreSQL may have chosen another.
fn names_collide(normalized: &Schema, changed: &[&String], live: &Schema, kept: &BTreeSet<String>) -> bool {
    let theirs = object_names(live, kept.iter(), true);
    let clash = !object_names(normalized, changed.iter().copied(), true).is_disjoint(&theirs);
    clash
        || object_names(normalized, changed.iter().copied(), false)
            .iter()
            .any(|name| {
                let unnumbered = name.trim_end_matches(|c: char| c.is_ascii_digit());
                unnumbered.len() < name.len() && theirs.contains(unnumbered)
            })
}

/// `normalized` (shared objects, stubs, changed tables) with the stubs taken
/// out and every kept table, and what it owns, taken from `live`.
fn merged(mut normalized: Schema, stubs: &BTreeSet<String>, live: &Schema, kept: &BTreeSet<String>) -> Schema {
    let owned_by = |owner: Option<&str>, tables: &BTreeSet<String>| {
        owner.is_some_and(|by| tables.iter().any(|key| by.starts_with(&format!("{key}."))))
    };
    normalized.tables.retain(|key, _| !stubs.contains(key));
    normalized
        .sequences
        .retain(|_, sequence| !owned_by(sequence.owned_by.as_deref(), stubs));
    normalized.identity_sequences.retain(|_, owner| !stubs.contains(owner));
    for key in kept {
        normalized.tables.insert(key.clone(), live.tables[key].clone());
    }
    for (name, sequence) in &live.sequences {
        if owned_by(sequence.owned_by.as_deref(), kept) {
            normalized.sequences.insert(name.clone(), sequence.clone());
        }
    }
    for (sequence, owner) in &live.identity_sequences {
        if kept.contains(owner) {
            normalized.identity_sequences.insert(sequence.clone(), owner.clone());
        }
    }
    normalized
}
