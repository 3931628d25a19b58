//! `migrate diff`: the next migration file is a saved plan. Replay the
//! directory in a scratch database and inspect it, normalize the desired
//! schema (the models' DDL), diff and render with the same engine calls a
//! `sqlalchemy_schema` plan makes, and write the statements as a new file;
//! but only after the directory with the new file, replayed, is proven to
//! reach the desired schema.

use super::directory::{check_name, Directory, MigrationFile, Version};
use super::error::MigrateError;
use super::file::render;
use super::replay::{replay, Inspect};
use super::revisions::now_version;
use super::sum::{self, Sum};
use crate::engine::converge::differences;
use crate::engine::driver::capabilities_of;
use crate::engine::model::Schema;
use crate::engine::normalized::normalize_desired;
use crate::engine::options::Options;
use crate::engine::plan::Statement;
use crate::engine::url::{DatabaseUrl, Dialect};
use crate::engine::{annotations, built_in, render_changes, script};

/// What to diff against the directory.
pub struct DiffRequest<'a> {
    pub dialect: Dialect,
    /// Scratch database (PostgreSQL: required, a server to use; SQLite:
    /// `None` for a private in-memory one).
    pub dev: Option<&'a DatabaseUrl>,
    /// PostgreSQL without `dev`: the server whose temporary database
    /// replays and normalizes (a target database's own server).
    pub target: Option<&'a DatabaseUrl>,
    /// The desired schema as DDL (the models' export).
    pub desired_sql: &'a str,
    /// The new file's name (after its version).
    pub name: &'a str,
    /// The new file's version; by default the UTC time (see
    /// [`Directory::next_version`]).
    pub version: Option<Version>,
}

#[derive(Debug)]
pub enum DiffOutcome {
    /// The directory already creates the desired schema; nothing was written.
    NoChanges,
    /// The new file, written with the sum file updated.
    Written {
        file: MigrationFile,
        statements: Vec<Statement>,
    },
}

pub async fn diff(directory: &Directory, request: &DiffRequest<'_>) -> Result<DiffOutcome, MigrateError> {
    check_name(request.name)?;
    let (statements, desired) = changes(directory, request).await?;
    if statements.is_empty() {
        return Ok(DiffOutcome::NoChanges);
    }
    let dialect = request.dialect;
    let version = request
        .version
        .clone()
        .unwrap_or_else(|| directory.next_version(&now_version()));
    if let Some(existing) = directory.find(&version) {
        return Err(MigrateError::DuplicateVersion {
            version: version.to_string(),
            first: existing.file_name.clone(),
            second: super::directory::file_name(&version, request.name),
        });
    }
    // A statement that cannot run in a transaction (CREATE INDEX CONCURRENTLY)
    // makes the whole file run outside one, where DDL is transactional.
    let transactional = capabilities_of(dialect).transactional_ddl;
    let forbids_transaction = transactional && statements.iter().any(|s| !s.in_transaction);
    let text = render(&version, request.name, &statements, forbids_transaction);
    let file = MigrationFile::new(version, request.name, text);
    let mut with_file = directory.clone();
    with_file.files.push(file.clone());
    let (_, reached) = replay(dialect, request.target, request.dev, &with_file.files, Inspect::Last)
        .await?
        .complete()?;
    let remaining = differences(&reached, &desired);
    if !remaining.is_empty() {
        return Err(MigrateError::File {
            file: file.file_name.clone(),
            problem: format!(
                "was not written: replayed after the directory, it does not reach the desired schema; still different: {}",
                remaining.join("; ")
            ),
        });
    }
    write(&with_file, &file)?;
    Ok(DiffOutcome::Written { file, statements })
}

/// The statements that would bring what the directory creates to the
/// desired schema (empty: in step), and the desired schema.
pub async fn changes(
    directory: &Directory,
    request: &DiffRequest<'_>,
) -> Result<(Vec<Statement>, Schema), MigrateError> {
    let gap = lacking(directory, request).await?;
    Ok((gap.statements, gap.desired))
}

/// What a directory lacks to create the desired schema.
#[derive(Debug)]
pub struct Gap {
    /// The statements a new file would hold (empty: in step).
    pub statements: Vec<Statement>,
    /// What differs between the replayed directory and the desired schema,
    /// one phrase each.
    pub differences: Vec<String>,
    pub desired: Schema,
}

/// Replays the directory, normalizes the desired schema, and compares them.
pub async fn lacking(directory: &Directory, request: &DiffRequest<'_>) -> Result<Gap, MigrateError> {
    sum::verify(directory)?;
    script::check_usable(request.desired_sql)?;
    let dialect = request.dialect;
    let (_, current) = replay(dialect, request.target, request.dev, &directory.files, Inspect::Last)
        .await?
        .complete()?;
    let annotations = annotations::read(dialect, request.desired_sql)?;
    let desired = normalize_desired(dialect, request.target, request.dev, request.desired_sql).await?;
    let built_in = built_in(dialect, &desired);
    let desired = Options::default().scope.desired(desired, &built_in)?;
    let mut desired = crate::engine::privileges::adopt_unmanaged(&current, desired);
    desired.annotations = annotations;
    let statements = render_changes(dialect, &current, &mut desired, &Options::default())?;
    let differences = differences(&current, &desired);
    Ok(Gap {
        statements,
        differences,
        desired,
    })
}

/// A new file for statements written by hand: the header only.
pub fn new_file(directory: &Directory, name: &str, version: Option<Version>) -> Result<MigrationFile, MigrateError> {
    check_name(name)?;
    sum::verify(directory)?;
    let version = version.unwrap_or_else(|| directory.next_version(&now_version()));
    if let Some(existing) = directory.find(&version) {
        return Err(MigrateError::DuplicateVersion {
            version: version.to_string(),
            first: existing.file_name.clone(),
            second: super::directory::file_name(&version, name),
        });
    }
    let text = render(&version, name, &[], false).replace(
        "(migrate diff); review it before it is applied",
        "(migrate new); write its statements below",
    );
    let file = MigrationFile::new(version, name, text);
    let mut with_file = directory.clone();
    with_file.files.push(file.clone());
    write(&with_file, &file)?;
    Ok(file)
}

/// Writes `file` into the directory and the sum of `with_file` (the
/// directory with it).
pub(crate) fn write(with_file: &Directory, file: &MigrationFile) -> Result<(), MigrateError> {
    let path = with_file.path.join(&file.file_name);
    std::fs::write(&path, &file.text).map_err(|e| MigrateError::File {
        file: path.display().to_string(),
        problem: format!("cannot be written: {e}"),
    })?;
    let mut sorted = with_file.clone();
    sorted.files.sort_by(|a, b| a.version.cmp(&b.version));
    Sum::write(&sorted).map(|_| ())
}
