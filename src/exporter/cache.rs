//! Reusing an export when nothing it depends on changed.
//!
//! Mapping and compiling 1,000 classes costs SQLAlchemy seconds; a plan in which no model
//! changed should not pay it. An entry is found by a **key** and then trusted only if its
//! **fingerprint** still matches.
//!
//! The key (SHA-256, the entry's file name) covers:
//! - the cache format version and the bytes of the embedded `bootstrap.py` and `exporter.py`;
//! - the interpreter: the path that is run, the executable it resolves to (symlinks followed),
//!   and that executable's size and modification time;
//! - the model source: the module name, or the absolute path;
//! - the dialect;
//! - the absolute working directory and `python_path` entries;
//! - the `env` entries, and this process's own `PYTHON*` variables (`PYTHONPATH`, …) that the
//!   interpreter inherits;
//! - every `extra_cache_inputs` string.
//!
//! The fingerprint, recorded after a successful export and checked on every lookup, covers:
//! - the content (SHA-256) of every file of the user's that the export imported (modules
//!   outside the standard library and site-packages), wherever it lives;
//! - the list and content of all `.py` files under the models' package directory (for `path`:
//!   the file, or every `.py` file under the directory), so a new file is noticed too;
//! - SQLAlchemy's `__init__.py` (its version) and the modification times of the
//!   interpreter's site-packages directories (any package installed, upgraded or removed).
//!
//! Not covered: files outside those that the models read at import time (settings, data
//! files), network or database state, and libraries changed in place without reinstalling.
//! Declare such inputs with `extra_cache_inputs`, or turn the cache off.
//!
//! An entry whose only difference is the content of some watched files is not thrown away: the
//! entry keeps those files' text, and `reuse` may show the edit cannot have changed the export
//! (comments, blank lines, layout), in which case the entry is stored again for the edited files.
//!
//! Entries are JSON files written atomically (temporary file + rename); a corrupt or
//! unreadable entry is a miss, and failing to write one never fails the export. Old entries are
//! pruned after each store (`file_cache`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::fingerprint::{EditedFile, Fingerprint, SourceState};
use super::interpreter::InterpreterIdentity;
use super::protocol::WireExport;
use super::request::{ExportRequest, ModelSource, ResolvedPaths};
use super::{DuplicateStatement, BOOTSTRAP_SCRIPT, EXPORTER_SCRIPT};
use crate::file_cache;

/// Bumped whenever the entry layout or the meaning of the key changes.
const CACHE_FORMAT: u32 = 3;

/// The inputs fixed before any Python runs; hashed into the entry's name.
#[derive(Serialize)]
struct KeyInputs<'a> {
    format: u32,
    exporter_sha256: String,
    interpreter: &'a InterpreterIdentity,
    module: Option<&'a str>,
    path: Option<&'a PathBuf>,
    dialect: &'a str,
    working_dir: &'a PathBuf,
    python_path: &'a [PathBuf],
    env: &'a BTreeMap<String, String>,
    extra_cache_inputs: &'a [String],
}

/// The entry's file name (hex SHA-256 of the key inputs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CacheKey(String);

impl CacheKey {
    /// `child_env` is the environment the interpreter would get on top of this process's.
    /// `None` when an input cannot be written down (a path that is not UTF-8): no caching then.
    pub fn new(
        request: &ExportRequest,
        paths: &ResolvedPaths,
        interpreter: &InterpreterIdentity,
        child_env: &BTreeMap<String, String>,
    ) -> Option<Self> {
        let mut env: BTreeMap<String, String> = std::env::vars()
            .filter(|(name, _)| name.starts_with("PYTHON"))
            .collect();
        env.extend(child_env.iter().map(|(k, v)| (k.clone(), v.clone())));
        let inputs = KeyInputs {
            format: CACHE_FORMAT,
            exporter_sha256: super::sha256_hex([BOOTSTRAP_SCRIPT, EXPORTER_SCRIPT].concat().as_bytes()),
            interpreter,
            module: match &request.source {
                ModelSource::Module(name) => Some(name),
                ModelSource::Path(_) => None,
            },
            path: paths.source_path.as_ref(),
            dialect: &request.dialect,
            working_dir: &paths.working_dir,
            python_path: &paths.python_path,
            env: &env,
            extra_cache_inputs: &request.extra_cache_inputs,
        };
        // Serializing plain structs and BTreeMaps is deterministic.
        let bytes = serde_json::to_vec(&inputs).ok()?;
        Some(CacheKey(hex::encode(Sha256::digest(bytes))))
    }
}

/// One cached export.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CacheEntry {
    format: u32,
    key: String,
    pub export: CachedExport,
    fingerprint: Fingerprint,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CachedExport {
    pub sql: String,
    pub tables: Vec<String>,
    pub sources: Vec<CachedSource>,
    pub warnings: Vec<String>,
    pub duplicates: Vec<DuplicateStatement>,
    pub sqlalchemy_version: String,
    pub python_version: String,
}

impl CachedExport {
    pub fn from_wire(export: &WireExport) -> Self {
        CachedExport {
            sql: export.sql.clone(),
            tables: export.tables.clone(),
            sources: export
                .sources
                .iter()
                .map(|s| CachedSource {
                    table: s.table.clone(),
                    file: s.file.clone(),
                    line: s.line,
                })
                .collect(),
            warnings: export.warnings.clone(),
            duplicates: export.duplicates.clone(),
            sqlalchemy_version: export.sqlalchemy_version.clone(),
            python_version: export.python_version.clone(),
        }
    }
}

/// What the cache holds for a key.
#[derive(Debug)]
pub(crate) enum Lookup {
    Current(CachedExport),
    /// An entry whose watched files were edited since; it may still hold for them (`reuse`).
    Edited {
        export: CachedExport,
        fingerprint: Fingerprint,
        edits: Vec<EditedFile>,
    },
    Miss,
}

/// A table's source as the exporter found it: `line` is `None` when no line could be found
/// (a class made by `type()`), which is not a citation of any line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CachedSource {
    pub table: String,
    pub file: String,
    pub line: Option<u32>,
}

/// The entry stored under `key` in `dir`, and how it stands against the files now.
pub(crate) async fn lookup(dir: &Path, key: &CacheKey) -> Lookup {
    let path = entry_path(dir, key);
    let key = key.0.clone();
    let found = tokio::task::spawn_blocking(move || {
        let Some(entry) = std::fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<CacheEntry>(&bytes).ok())
            .filter(|entry| entry.format == CACHE_FORMAT && entry.key == key)
        else {
            return Lookup::Miss;
        };
        match entry.fingerprint.state() {
            SourceState::Current => {
                file_cache::touch(&path);
                Lookup::Current(entry.export)
            }
            SourceState::Edited(edits) => Lookup::Edited {
                export: entry.export,
                fingerprint: entry.fingerprint,
                edits,
            },
            SourceState::Changed => Lookup::Miss,
        }
    });
    found.await.unwrap_or(Lookup::Miss)
}

/// Stores an export made by a run that started at `export_started`. Returns whether an entry
/// was written; a failure is logged, never returned: the export itself succeeded.
pub(crate) async fn store(dir: &Path, key: &CacheKey, export: &WireExport, export_started: SystemTime) -> bool {
    let inputs = export.cache.clone();
    let export = CachedExport::from_wire(export);
    store_with(dir, key, export, move || Fingerprint::capture(&inputs, export_started)).await
}

/// Stores an export found still valid after an edit, for the files as they are now (read no
/// later than `compared_at`).
pub(crate) async fn store_reused(
    dir: &Path,
    key: &CacheKey,
    export: CachedExport,
    previous: Fingerprint,
    compared_at: SystemTime,
) -> bool {
    store_with(dir, key, export, move || previous.recapture(compared_at)).await
}

async fn store_with(
    dir: &Path,
    key: &CacheKey,
    export: CachedExport,
    fingerprint: impl FnOnce() -> Option<Fingerprint> + Send + 'static,
) -> bool {
    let dir = dir.to_path_buf();
    let key = key.clone();
    let written = tokio::task::spawn_blocking(move || {
        let Some(fingerprint) = fingerprint() else {
            tracing::debug!("model sources changed during the export or are unreadable; not caching it");
            return false;
        };
        let entry = CacheEntry {
            format: CACHE_FORMAT,
            key: key.0.clone(),
            export,
            fingerprint,
        };
        let stored = serde_json::to_vec(&entry)
            .map_err(std::io::Error::other)
            .and_then(|bytes| file_cache::store(&dir, &entry_path(&dir, &key), &bytes, file_cache::Limits::DEFAULT));
        match stored {
            Ok(removed) => {
                if removed > 0 {
                    tracing::debug!(removed, "pruned old export cache entries");
                }
                true
            }
            Err(err) => {
                tracing::warn!(dir = %dir.display(), error = %err, "could not write the export cache entry");
                false
            }
        }
    });
    written.await.unwrap_or(false)
}

fn entry_path(dir: &Path, key: &CacheKey) -> PathBuf {
    dir.join(format!("{}.json", key.0))
}
