//! SQLAlchemy models → DDL, with the user's own Python interpreter.
//!
//! `exporter.py` is embedded in the binary and run with the interpreter that already has
//! SQLAlchemy (1.4 or 2.x) and the application's dependencies: nothing of ours is installed
//! there. It imports the models, collects every MetaData, and lets SQLAlchemy compile
//! `create_all` for the dialect against a mock engine. Results are cached (see [`cache`]).
//!
//! The models are the user's code, so an export is contained: nothing is written to disk, every
//! process the models start is killed when it ends ([`process`]), and its time and output are
//! bounded ([`ExportLimits`]).

mod cache;
mod citations;
mod duplicates;
mod errors;
mod fingerprint;
mod interpreter;
mod outcome;
mod pipes;
mod process;
mod protocol;
mod request;
mod reuse;
mod runner;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use duplicates::DuplicateStatement;
pub use errors::{ExportError, ExportInput, PythonException, SourceLocation};
pub use outcome::{signal_name, ProcessOutcome};
pub use pipes::StderrTail;
pub use request::{CacheMode, ExportRequest, ModelSource, DEFAULT_PYTHON, DIALECTS};

use cache::{CacheKey, CachedExport, Lookup};
use interpreter::Interpreter;
use request::ResolvedPaths;
use runner::Run;

/// The Python side, sent on the interpreter's standard input.
pub const EXPORTER_SCRIPT: &str = include_str!("exporter.py");

/// Run with `python -c`: checks the version, then runs [`EXPORTER_SCRIPT`].
pub const BOOTSTRAP_SCRIPT: &str = include_str!("bootstrap.py");

/// How long an export may take before the interpreter is stopped.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

/// What one export may use before it is stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportLimits {
    pub timeout: Duration,
    /// The result document (mostly the DDL): 1,000 mapped classes make about half a MiB.
    pub max_result_bytes: u64,
    /// Everything the interpreter writes to standard error (and to standard output, which is
    /// sent there); only the last 64 KiB are kept in memory.
    pub max_stderr_bytes: u64,
}

impl Default for ExportLimits {
    fn default() -> Self {
        ExportLimits {
            timeout: DEFAULT_TIMEOUT,
            max_result_bytes: 256 * 1024 * 1024,
            max_stderr_bytes: 64 * 1024 * 1024,
        }
    }
}

/// The DDL SQLAlchemy creates for the models, and where each table came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    /// Statements each terminated by `;` and a newline, separated by a blank line;
    /// byte-for-byte the same for the same models.
    pub sql: String,
    /// Qualified table names (`schema.table`, or `table`), sorted.
    pub tables: Vec<String>,
    pub sources: Vec<TableSource>,
    /// What was left out (listeners that need a live database, schemas the dialect cannot
    /// create, SQLAlchemy warnings).
    pub warnings: Vec<String>,
    /// Statements the models declare more than once; each is in `sql` once.
    pub duplicates: Vec<DuplicateStatement>,
    /// Hex SHA-256 of `sql`.
    pub sha256: String,
    pub sqlalchemy_version: String,
    pub python_version: String,
    pub from_cache: bool,
}

/// Where a table is defined: the mapped class's `class` line, or a Core table's assignment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableSource {
    pub table: String,
    /// Relative to the working directory when inside it, else absolute.
    pub file: String,
    /// 1 when the line could not be found.
    pub line: u32,
}

/// Exports the models, reusing a cached export when nothing it depends on changed.
pub async fn export(request: &ExportRequest) -> Result<Export, ExportError> {
    export_with_limits(request, ExportLimits::default()).await
}

/// [`export`] with a custom limit on how long the interpreter may run.
pub async fn export_with_timeout(request: &ExportRequest, timeout: Duration) -> Result<Export, ExportError> {
    let limits = ExportLimits {
        timeout,
        ..ExportLimits::default()
    };
    export_with_limits(request, limits).await
}

/// [`export`] with custom limits.
pub async fn export_with_limits(request: &ExportRequest, limits: ExportLimits) -> Result<Export, ExportError> {
    let dialect = request.validated_dialect()?;
    let paths = ResolvedPaths::of(request)?;
    let child_env = child_env(&request.env);
    let search_path = child_env
        .get("PATH")
        .map(OsString::from)
        .or_else(|| std::env::var_os("PATH"));
    let interpreter = Interpreter::resolve(&request.python, search_path.as_deref())?;

    let cache = match &request.cache {
        CacheMode::Enabled { dir } => {
            CacheKey::new(request, &paths, &interpreter.identity, &child_env).map(|key| (dir.as_path(), key))
        }
        CacheMode::Disabled => None,
    };
    let lookup = match &cache {
        Some((dir, key)) => cache::lookup(dir, key).await,
        None => Lookup::Miss,
    };
    let edited = match lookup {
        Lookup::Current(cached) => return Ok(finish(cached, true)),
        Lookup::Edited {
            export,
            fingerprint,
            edits,
        } => Some((export, fingerprint, edits)),
        Lookup::Miss => None,
    };

    let started = SystemTime::now();
    let run = Run {
        interpreter: &interpreter,
        module: match &request.source {
            ModelSource::Module(name) => Some(name.as_str()),
            ModelSource::Path(_) => None,
        },
        path: paths.source_path.as_ref(),
        dialect,
        working_dir: &paths.working_dir,
        python_path: &paths.python_path,
        env: &child_env,
        limits,
        models: request.source.to_string(),
    };
    let output = match edited {
        None => run.execute().await?,
        Some((cached, fingerprint, edits)) => {
            // Both start at once; an export that answers first wins (and stops the comparison).
            let exporting = run.execute();
            tokio::pin!(exporting);
            tokio::select! {
                output = &mut exporting => output?,
                reused = reuse::after_edit(&run, &cached, &fingerprint, &edits) => match reused {
                    Some((moved, compared_at)) => {
                        if let Some((dir, key)) = &cache {
                            cache::store_reused(dir, key, moved.clone(), fingerprint, compared_at).await;
                        }
                        return Ok(finish(moved, true));
                    }
                    None => exporting.await?,
                },
            }
        }
    };
    if output.tables.is_empty() {
        return Err(ExportError::NoModels {
            models: request.source.to_string(),
        });
    }
    if let Some((dir, key)) = &cache {
        cache::store(dir, key, &output, started).await;
    }
    Ok(finish(CachedExport::from_wire(&output), false))
}

/// Hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The request's variables, plus defaults that keep exports reproducible and the user's
/// source tree clean (no `__pycache__` written next to the models); the request wins.
fn child_env(requested: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut env = BTreeMap::from([
        ("PYTHONDONTWRITEBYTECODE".to_string(), "1".to_string()),
        ("PYTHONHASHSEED".to_string(), "0".to_string()),
        ("PYTHONIOENCODING".to_string(), "utf-8".to_string()),
    ]);
    env.extend(requested.iter().map(|(k, v)| (k.clone(), v.clone())));
    env
}

fn finish(export: CachedExport, from_cache: bool) -> Export {
    Export {
        sha256: sha256_hex(export.sql.as_bytes()),
        sql: export.sql,
        tables: export.tables,
        sources: export
            .sources
            .into_iter()
            .map(|source| TableSource {
                table: source.table,
                file: source.file,
                line: source.line.unwrap_or(1),
            })
            .collect(),
        warnings: export.warnings,
        duplicates: export.duplicates,
        sqlalchemy_version: export.sqlalchemy_version,
        python_version: export.python_version,
        from_cache,
    }
}
