//! What to export: the models, the interpreter that imports them, the dialect, the cache.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use super::errors::ExportError;

/// The dialects SQLAlchemy compiles DDL for through the exporter.
pub const DIALECTS: [&str; 4] = ["postgresql", "mysql", "mariadb", "sqlite"];

/// The interpreter used when the request names none.
pub const DEFAULT_PYTHON: &str = "python3";

/// One export: which models, with which interpreter, for which dialect.
///
/// Relative paths (`python` with a `/`, `source` paths, `working_dir`, `python_path`) are
/// relative to the current directory of this process (Terraform's working directory).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRequest {
    /// The interpreter that has SQLAlchemy and the application's dependencies: a path, or a
    /// command name looked up on `PATH` (`env`'s `PATH` when it sets one). Default: `python3`.
    pub python: String,
    pub source: ModelSource,
    /// One of [`DIALECTS`].
    pub dialect: String,
    /// The interpreter's current directory, put first on `sys.path`. Default: this process's.
    pub working_dir: Option<PathBuf>,
    /// Extra `sys.path` entries, after `working_dir`.
    pub python_path: Vec<PathBuf>,
    /// Extra environment variables for the interpreter (settings modules read them on import).
    pub env: BTreeMap<String, String>,
    pub cache: CacheMode,
    /// Strings that invalidate the cache when they change, for inputs it cannot see.
    pub extra_cache_inputs: Vec<String>,
}

impl ExportRequest {
    /// A request with the defaults: `python3`, no extra paths or environment, the default cache.
    pub fn new(source: ModelSource, dialect: impl Into<String>) -> Self {
        ExportRequest {
            python: DEFAULT_PYTHON.to_string(),
            source,
            dialect: dialect.into(),
            working_dir: None,
            python_path: Vec::new(),
            env: BTreeMap::new(),
            cache: CacheMode::default_dir(),
            extra_cache_inputs: Vec::new(),
        }
    }

    pub(crate) fn validated_dialect(&self) -> Result<&str, ExportError> {
        if DIALECTS.contains(&self.dialect.as_str()) {
            Ok(&self.dialect)
        } else {
            Err(ExportError::UnknownDialect {
                dialect: self.dialect.clone(),
            })
        }
    }
}

/// Where the models are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelSource {
    /// An importable module or package, such as `app.models`.
    Module(String),
    /// A model file, or a directory tree imported as a package (relative imports work).
    Path(PathBuf),
}

impl fmt::Display for ModelSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelSource::Module(name) => write!(f, "module {name}"),
            ModelSource::Path(path) => write!(f, "path {}", path.display()),
        }
    }
}

/// Whether an earlier export may be reused (see [`super::cache`] for what the key covers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheMode {
    Enabled { dir: PathBuf },
    Disabled,
}

impl CacheMode {
    /// `$XDG_CACHE_HOME/tfalchemy/exports`, else `~/.cache/tfalchemy/exports`; disabled when
    /// neither variable is set (there is nowhere sensible to write).
    pub fn default_dir() -> Self {
        match crate::file_cache::default_dir("exports") {
            Some(dir) => CacheMode::Enabled { dir },
            None => CacheMode::Disabled,
        }
    }
}

/// A request with every path made absolute against this process's current directory.
#[derive(Debug, Clone)]
pub(crate) struct ResolvedPaths {
    pub working_dir: PathBuf,
    pub python_path: Vec<PathBuf>,
    pub source_path: Option<PathBuf>,
}

impl ResolvedPaths {
    pub fn of(request: &ExportRequest) -> Result<Self, ExportError> {
        let cwd = std::env::current_dir().map_err(ExportError::io("read the current directory"))?;
        let absolute = |path: &Path| {
            if path.is_absolute() {
                path.to_path_buf()
            } else {
                cwd.join(path)
            }
        };
        let working_dir = request
            .working_dir
            .as_deref()
            .map(absolute)
            .unwrap_or_else(|| cwd.clone());
        if !working_dir.is_dir() {
            return Err(ExportError::WorkingDirNotFound { path: working_dir });
        }
        let source_path = match &request.source {
            ModelSource::Path(path) => {
                let path = absolute(path);
                if !path.exists() {
                    return Err(ExportError::SourceNotFound { path });
                }
                Some(path)
            }
            ModelSource::Module(_) => None,
        };
        Ok(ResolvedPaths {
            working_dir,
            python_path: request.python_path.iter().map(|p| absolute(p)).collect(),
            source_path,
        })
    }
}
