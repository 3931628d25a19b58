//! The JSON exchanged with `exporter.py`: the request on the first line of its stdin, and the
//! result on the marked line of its stdout.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::duplicates::DuplicateStatement;

/// The first line of the script's standard input.
#[derive(Debug, Serialize)]
pub(crate) struct WireRequest<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub module: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<&'a PathBuf>,
    pub dialect: &'a str,
    pub working_dir: &'a PathBuf,
    pub python_path: &'a [PathBuf],
}

/// The script's one result document (or the bootstrap's, for a Python that is too old): `T` is
/// the export, or the comparison of edited sources. The error is boxed: it is the larger one.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum WireResult<T> {
    Failure { error: Box<WireError> },
    Success(T),
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct WireExport {
    pub sql: String,
    pub tables: Vec<String>,
    pub sources: Vec<WireSource>,
    pub warnings: Vec<String>,
    pub duplicates: Vec<DuplicateStatement>,
    pub sqlalchemy_version: String,
    pub python_version: String,
    pub cache: WireCacheInputs,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct WireSource {
    pub table: String,
    pub file: String,
    pub line: Option<u32>,
}

/// What the export read, so a later run can tell whether it may reuse the result.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct WireCacheInputs {
    /// The user's module files that were imported, plus SQLAlchemy's `__init__.py`.
    pub files: Vec<PathBuf>,
    /// site-packages directories: installing or removing a package changes their mtime.
    pub directories: Vec<PathBuf>,
    /// The package directories (or module files) the models were loaded from.
    pub source_roots: Vec<PathBuf>,
}

/// `{"error": {...}}`: `kind` says which; the other fields depend on it.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct WireError {
    pub kind: String,
    pub message: String,
    pub hint: Option<String>,
    pub exception_type: Option<String>,
    pub exception_message: Option<String>,
    pub file: Option<String>,
    pub line: Option<u32>,
    pub traceback: Option<String>,
    pub python: Option<String>,
    pub version: Option<String>,
    pub dialect: Option<String>,
    pub table: Option<String>,
    pub first: Option<String>,
    pub second: Option<String>,
}

/// The first line of stdin when the exporter compares edited sources instead of exporting.
#[derive(Debug, Serialize)]
pub(crate) struct WireCompareRequest<'a> {
    pub compare_sources: WireComparison<'a>,
    pub working_dir: &'a PathBuf,
}

#[derive(Debug, Serialize)]
pub(crate) struct WireComparison<'a> {
    pub changed: Vec<WireChangedSource<'a>>,
    pub watched: Vec<&'a std::path::Path>,
    /// Display path -> the lines the export cites in it.
    pub references: BTreeMap<&'a str, &'a BTreeSet<u32>>,
}

#[derive(Debug, Serialize)]
pub(crate) struct WireChangedSource<'a> {
    pub path: &'a PathBuf,
    pub old: &'a str,
}

/// `same_program` false: at least one edit changed the syntax tree (or a file did not parse).
#[derive(Debug, Deserialize)]
pub(crate) struct WireCompared {
    pub same_program: bool,
    /// Display paths of the edited files.
    #[serde(default)]
    pub edited: Vec<String>,
    /// Display path -> old line -> new line (`None`: no syntax node starts on the old line).
    /// The old line is a string: JSON keys are, and an untagged enum cannot parse them as numbers.
    #[serde(default)]
    pub moved: BTreeMap<String, BTreeMap<String, Option<u32>>>,
    /// Cited display paths that name no watched file.
    #[serde(default)]
    pub unknown: Vec<String>,
}
