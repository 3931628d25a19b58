//! Why an export failed. Each message is the diagnostic a user reads: what is wrong, where
//! (file:line in their models when Python knows it), and what to do.

use std::fmt;
use std::path::PathBuf;

use super::outcome::ProcessOutcome;
use super::pipes::StderrTail;
use super::protocol::WireError;
use super::request::DIALECTS;

/// A place in the user's model sources (paths relative to `working_dir` when inside it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceLocation {
    pub file: String,
    pub line: u32,
}

impl fmt::Display for SourceLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// A Python exception raised by the user's code or by SQLAlchemy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PythonException {
    /// Such as `RuntimeError` or `sqlalchemy.exc.ArgumentError`.
    pub type_name: String,
    pub message: String,
    /// The innermost traceback frame in the user's own files.
    pub location: Option<SourceLocation>,
    /// The full Python traceback, for logs.
    pub traceback: String,
}

impl fmt::Display for PythonException {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.type_name, self.message)?;
        if let Some(location) = &self.location {
            write!(f, " (at {location})")?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("importing the models ({models}) failed: {exception}. {}", .hint.as_deref().unwrap_or(
        "The models must import cleanly with this interpreter; fix the error there."))]
    ImportFailed {
        models: String,
        exception: Box<PythonException>,
        hint: Option<String>,
    },

    #[error(
        "no SQLAlchemy tables found in {models}: the exporter found no declarative base, registry, \
         MetaData or Table with tables in the modules it imported. An empty desired schema would drop \
         every table, so this is an error: point `module` or `path` at the module that defines (or \
         imports) the models."
    )]
    NoModels { models: String },

    #[error(
        "SQLAlchemy cannot be imported by the Python interpreter {python} ({message}). Set `python` to \
         the interpreter of the environment that has SQLAlchemy and your application's dependencies \
         (for example .venv/bin/python), or install SQLAlchemy 1.4 or 2.x into it."
    )]
    SqlalchemyMissing { python: String, message: String },

    #[error(
        "SQLAlchemy {version} (used by {python}) is not supported: the exporter needs SQLAlchemy 1.4 or \
         2.x. Upgrade it in that environment, or set `python` to an interpreter that has a supported version."
    )]
    UnsupportedSqlalchemyVersion { python: String, version: String },

    #[error("unknown dialect \"{dialect}\": use one of {}", DIALECTS.join(", "))]
    UnknownDialect { dialect: String },

    #[error("SQLAlchemy rejected the models ({models}): {exception}. {}", .hint.as_deref().unwrap_or(
        "Fix the model definition there."))]
    ModelError {
        models: String,
        exception: Box<PythonException>,
        hint: Option<String>,
    },

    #[error(
        "table {table} is defined twice, differently, in two MetaData objects (at {first} and at \
         {second}). Define it once, or give one of them another name or schema."
    )]
    DuplicateTable {
        table: String,
        first: String,
        second: String,
    },

    #[error(
        "Python interpreter {python} {reason}. Set `python` to the interpreter that has SQLAlchemy and \
         your application's dependencies (for example \"${{path.module}}/.venv/bin/python\")."
    )]
    InterpreterNotFound { python: String, reason: String },

    #[error(
        "the interpreter {python} {outcome} before the export of {models} finished. {}\n\n{stderr}",
        .outcome.explanation()
    )]
    InterpreterFailed {
        python: String,
        models: String,
        outcome: ProcessOutcome,
        stderr: StderrTail,
    },

    #[error(
        "{python} is Python {version}; the exporter needs Python 3.7 or newer. Set `python` to the \
         interpreter of your application's environment (for example \"${{path.module}}/.venv/bin/python\")."
    )]
    UnsupportedPython { python: String, version: String },

    #[error(
        "the export of {models} with {python} did not finish within {seconds} s; the interpreter and \
         every process it started were stopped. Importing the models must not wait for a database or \
         the network.\n\n{stderr}"
    )]
    Timeout {
        python: String,
        models: String,
        seconds: u64,
        stderr: StderrTail,
    },

    #[error(
        "the exported schema of {models} (run by {python}) is larger than {}; the export was stopped. \
         The limit keeps the provider's memory bounded.",
        size(*.limit)
    )]
    ResultTooLarge { python: String, models: String, limit: u64 },

    #[error(
        "importing {models} with {python} wrote more than {} to standard error; the export was stopped \
         so that the output cannot exhaust memory or run on until the timeout. Importing the models \
         should not print that much (is logging at DEBUG level, or is a loop printing?).\n\n{stderr}",
        size(*.limit)
    )]
    StderrTooLarge {
        python: String,
        models: String,
        limit: u64,
        stderr: StderrTail,
    },

    #[error("the models path {} does not exist", .path.display())]
    SourceNotFound { path: PathBuf },

    #[error("the working directory {} does not exist", .path.display())]
    WorkingDirNotFound { path: PathBuf },

    #[error("the exporter wrote a result that cannot be read ({detail}); this is a bug in tfalchemy")]
    InvalidOutput { detail: String },

    #[error("the exporter failed unexpectedly: {exception}; this is a bug in tfalchemy")]
    Internal { exception: Box<PythonException> },

    #[error("could not {action}: {source}")]
    Io {
        action: &'static str,
        #[source]
        source: std::io::Error,
    },
}

/// The argument of the data source an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportInput {
    Python,
    /// `module` or `path`, whichever names the models.
    Models,
    Dialect,
    WorkingDir,
}

impl ExportError {
    /// Wraps an I/O error with what was being done (for `map_err`).
    pub(crate) fn io(action: &'static str) -> impl FnOnce(std::io::Error) -> ExportError {
        move |source| ExportError::Io { action, source }
    }

    /// A one-line summary (a Terraform diagnostic's); the message itself is the detail.
    pub fn summary(&self) -> String {
        match self {
            ExportError::InterpreterFailed { outcome, .. } => format!("Python {outcome} during the export"),
            ExportError::UnsupportedPython { version, .. } => format!("Python {version} is too old for the export"),
            ExportError::Timeout { seconds, .. } => format!("The export did not finish within {seconds} s"),
            ExportError::ResultTooLarge { limit, .. } => format!("The exported schema is larger than {}", size(*limit)),
            ExportError::StderrTooLarge { limit, .. } => {
                format!("The models wrote more than {} to standard error", size(*limit))
            }
            ExportError::InterpreterNotFound { .. } => "Python interpreter not found".into(),
            ExportError::SqlalchemyMissing { .. } => "SQLAlchemy is missing from the Python interpreter".into(),
            ExportError::UnsupportedSqlalchemyVersion { version, .. } => {
                format!("SQLAlchemy {version} is not supported")
            }
            _ => "Could not export the SQLAlchemy models".into(),
        }
    }

    /// The argument to point at, when one is the cause.
    pub fn input(&self) -> Option<ExportInput> {
        match self {
            ExportError::InterpreterNotFound { .. }
            | ExportError::UnsupportedPython { .. }
            | ExportError::SqlalchemyMissing { .. }
            | ExportError::UnsupportedSqlalchemyVersion { .. } => Some(ExportInput::Python),
            ExportError::ImportFailed { .. }
            | ExportError::NoModels { .. }
            | ExportError::ModelError { .. }
            | ExportError::DuplicateTable { .. }
            | ExportError::SourceNotFound { .. }
            | ExportError::InterpreterFailed { .. }
            | ExportError::Timeout { .. }
            | ExportError::ResultTooLarge { .. }
            | ExportError::StderrTooLarge { .. } => Some(ExportInput::Models),
            ExportError::UnknownDialect { .. } => Some(ExportInput::Dialect),
            ExportError::WorkingDirNotFound { .. } => Some(ExportInput::WorkingDir),
            ExportError::InvalidOutput { .. } | ExportError::Internal { .. } | ExportError::Io { .. } => None,
        }
    }
}

/// `64 MiB`, `4 KiB` or `100 bytes`.
fn size(bytes: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * KIB;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= KIB && bytes.is_multiple_of(KIB) {
        format!("{} KiB", bytes / KIB)
    } else {
        format!("{bytes} bytes")
    }
}

impl ExportError {
    /// The error the script reported, with the context only the runner knows.
    pub(crate) fn from_wire(error: WireError, models: &str, python: &str) -> Self {
        let exception = python_exception(&error);
        let python = error.python.clone().unwrap_or_else(|| python.to_string());
        match error.kind.as_str() {
            "import_error" => ExportError::ImportFailed {
                models: models.to_string(),
                exception: exception.unwrap_or_else(|| plain_exception("ImportError", error.message)),
                hint: error.hint,
            },
            "no_models" => ExportError::NoModels {
                models: models.to_string(),
            },
            "sqlalchemy_missing" => ExportError::SqlalchemyMissing {
                python,
                message: error.exception_message.unwrap_or(error.message),
            },
            "unsupported_python" => ExportError::UnsupportedPython {
                python,
                version: error.version.unwrap_or_else(|| "(unknown version)".into()),
            },
            "unsupported_sqlalchemy_version" => ExportError::UnsupportedSqlalchemyVersion {
                python,
                version: error.version.unwrap_or_else(|| "(unknown version)".into()),
            },
            "unknown_dialect" => ExportError::UnknownDialect {
                dialect: error.dialect.unwrap_or_default(),
            },
            "model_error" => ExportError::ModelError {
                models: models.to_string(),
                exception: exception.unwrap_or_else(|| plain_exception("Error", error.message)),
                hint: error.hint,
            },
            "duplicate_table" => ExportError::DuplicateTable {
                table: error.table.unwrap_or_default(),
                first: error.first.unwrap_or_else(|| "an unknown module".into()),
                second: error.second.unwrap_or_else(|| "an unknown module".into()),
            },
            "internal_error" => ExportError::Internal {
                exception: exception.unwrap_or_else(|| plain_exception("Error", error.message)),
            },
            other => ExportError::InvalidOutput {
                detail: format!("unknown error kind {other:?}: {}", error.message),
            },
        }
    }
}

fn python_exception(error: &WireError) -> Option<Box<PythonException>> {
    let type_name = error.exception_type.clone()?;
    let location = match (&error.file, error.line) {
        (Some(file), Some(line)) => Some(SourceLocation {
            file: file.clone(),
            line,
        }),
        _ => None,
    };
    Some(Box::new(PythonException {
        type_name,
        message: error.exception_message.clone().unwrap_or_default(),
        location,
        traceback: error.traceback.clone().unwrap_or_default(),
    }))
}

fn plain_exception(type_name: &str, message: String) -> Box<PythonException> {
    Box::new(PythonException {
        type_name: type_name.to_string(),
        message,
        location: None,
        traceback: String::new(),
    })
}
