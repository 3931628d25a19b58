//! Finding the user's Python interpreter and telling whether it is still the same one.

use std::ffi::OsStr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use serde::Serialize;

use super::errors::ExportError;

/// An interpreter found on disk.
#[derive(Debug, Clone)]
pub(crate) struct Interpreter {
    /// The path the export runs (a venv's `bin/python` stays as it is: it selects the venv).
    pub path: PathBuf,
    pub identity: InterpreterIdentity,
}

/// What changes when the interpreter is replaced: part of the cache key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct InterpreterIdentity {
    pub path: PathBuf,
    /// The executable after following symlinks (a venv links to its base interpreter).
    pub target: PathBuf,
    pub size: u64,
    pub modified_ns: u128,
}

impl Interpreter {
    /// `python` is a path when it contains a `/` (relative to this process's directory), else
    /// a command looked up on `search_path` (a `PATH`-style list).
    pub fn resolve(python: &str, search_path: Option<&OsStr>) -> Result<Self, ExportError> {
        let not_found = |reason: String| ExportError::InterpreterNotFound {
            python: python.to_string(),
            reason,
        };
        if python.is_empty() {
            return Err(not_found("is empty".into()));
        }
        let path = if python.contains('/') {
            let path = PathBuf::from(python);
            let path = if path.is_absolute() {
                path
            } else {
                std::env::current_dir()
                    .map_err(ExportError::io("read the current directory"))?
                    .join(path)
            };
            if !path.exists() {
                return Err(not_found("does not exist".into()));
            }
            if !is_executable_file(&path) {
                return Err(not_found("is not an executable file".into()));
            }
            path
        } else {
            search_path
                .into_iter()
                .flat_map(std::env::split_paths)
                .map(|dir| dir.join(python))
                .find(|candidate| is_executable_file(candidate))
                .ok_or_else(|| not_found("was not found on PATH".into()))?
        };
        let identity = identify(&path).map_err(|err| not_found(format!("cannot be read ({err})")))?;
        Ok(Interpreter { path, identity })
    }

    pub fn display(&self) -> String {
        self.path.display().to_string()
    }
}

fn is_executable_file(path: &Path) -> bool {
    std::fs::metadata(path)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

fn identify(path: &Path) -> std::io::Result<InterpreterIdentity> {
    let target = std::fs::canonicalize(path)?;
    let metadata = std::fs::metadata(&target)?;
    let modified_ns = metadata
        .modified()?
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    Ok(InterpreterIdentity {
        path: path.to_path_buf(),
        target,
        size: metadata.len(),
        modified_ns,
    })
}
