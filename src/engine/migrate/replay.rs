//! Replaying a migration directory: its files run one after the other in a
//! scratch database (PostgreSQL: the dev database or a temporary one, in a
//! transaction that is rolled back; SQLite: a private in-memory database),
//! split and contained by the dialect's gate in its migration mode, and the
//! schema they leave is inspected. What a directory "is" is what its replay
//! leaves: `diff` compares it with the models, `lint` compares consecutive
//! files, `apply` checks the target against it after every file.

use super::directory::MigrationFile;
use super::error::MigrateError;
use super::file::{directives, Directives, FileStatement};
use crate::engine::driver::driver_for;
use crate::engine::model::Schema;
use crate::engine::url::{DatabaseUrl, Dialect};
use crate::engine::EngineError;

/// What a dialect's replay of some files produced.
#[derive(Debug, Default)]
pub(crate) struct DialectReplay {
    /// The statements of each file that ran, in order.
    pub files: Vec<Vec<FileStatement>>,
    /// Index 0: the empty scratch database; index `i`: after file `i`.
    /// `None` where no inspection was asked for or the replay did not get.
    pub schemas: Vec<Option<Schema>>,
    /// The file (0-based) that failed, and why; the replay stopped there.
    pub failure: Option<(usize, EngineError)>,
}

/// Which schemas a replay inspects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inspect {
    /// Only the schema the last file leaves.
    Last,
    /// The empty database, and the schema after every file.
    Each,
}

/// One replayed file.
#[derive(Debug, Clone)]
pub struct ReplayedFile {
    pub statements: Vec<FileStatement>,
    pub directives: Directives,
}

/// A directory's replay, as far as it got.
#[derive(Debug)]
pub struct Replay {
    pub files: Vec<ReplayedFile>,
    /// See [`DialectReplay::schemas`].
    pub schemas: Vec<Option<Schema>>,
    /// The file that failed; the files after it did not run.
    pub failure: Option<MigrateError>,
}

impl Replay {
    /// The schema the whole directory leaves, or why it cannot be had.
    pub fn complete(self) -> Result<(Vec<ReplayedFile>, Schema), MigrateError> {
        if let Some(failure) = self.failure {
            return Err(failure);
        }
        let last = self.schemas.into_iter().last().flatten().unwrap_or_default();
        Ok((self.files, last))
    }

    /// The schema before file `index` (0-based) ran, when inspected.
    pub fn before(&self, index: usize) -> Option<&Schema> {
        self.schemas.get(index).and_then(Option::as_ref)
    }

    /// The schema after file `index` (0-based) ran, when inspected.
    pub fn after(&self, index: usize) -> Option<&Schema> {
        self.schemas.get(index + 1).and_then(Option::as_ref)
    }
}

/// Replays `files` in a scratch database of `dialect`: the dev database
/// `dev` when given, else (PostgreSQL) a temporary database on the server
/// of `target`.
pub async fn replay(
    dialect: Dialect,
    target: Option<&DatabaseUrl>,
    dev: Option<&DatabaseUrl>,
    files: &[MigrationFile],
    inspect: Inspect,
) -> Result<Replay, MigrateError> {
    let texts: Vec<&str> = files.iter().map(|f| f.text.as_str()).collect();
    let wanted: Vec<bool> = (0..=files.len())
        .map(|i| inspect == Inspect::Each || i == files.len())
        .collect();
    let replayed = driver_for(dialect, dialect.name())?
        .replay_migrations(target, dev, &texts, &wanted)
        .await?;
    let mut out = Vec::with_capacity(replayed.files.len());
    for (file, statements) in files.iter().zip(replayed.files) {
        let first = statements.first().map(|s| s.line);
        out.push(ReplayedFile {
            directives: directives(&file.file_name, &file.text, first)?,
            statements,
        });
    }
    let failure = replayed
        .failure
        .map(|(index, error)| MigrateError::in_file(&files[index].file_name, error));
    Ok(Replay {
        files: out,
        schemas: replayed.schemas,
        failure,
    })
}
