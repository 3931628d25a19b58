//! Why an export failed. Each message is the diagnostic a user reads: what is wrong, where
//! (file:line in their models when Python knows it), and what to do.

use std::fmt;
use std::path::PathBuf;

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
        "the exporter run by {python} {status} without writing its result; the interpreter must be \
         Python 3.7 or newer. Its last output:\n{stderr_tail}"
    )]
    InterpreterFailed {
        python: String,
        status: String,
        stderr_tail: String,
    },

    #[error(
        "the export with {python} did not finish within {seconds} s and was stopped. Importing the \
         models must not wait for a database or the network; its last output:\n{stderr_tail}"
    )]
    Timeout {
        python: String,
        seconds: u64,
        stderr_tail: String,
    },

    #[error("the models path {} does not exist", .path.display())]
    SourceNotFound { path: PathBuf },

    #[error("the working directory {} does not exist", .path.display())]
    WorkingDirNotFound { path: PathBuf },

    #[error("the exporter wrote a result that cannot be read ({detail}); this is a bug in tfalchemy")]
    InvalidOutput { detail: String },

    #[error("the exporter failed unexpectedly: {exception}; this is a bug in tfalchemy")]
    Internal { exception: Box<PythonException> },

    #[error("could not prepare the exporter's temporary files: {0}")]
    Workspace(#[source] std::io::Error),
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
