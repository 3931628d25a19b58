//! Runs `exporter.py` with the user's interpreter and reads its one result document.
//!
//! The script is written to a private temporary directory and run as a file, so Python's
//! tracebacks name real lines. The request goes to its stdin; the result comes back in a file
//! whose path the request names: the user's models may print anything to stdout on import.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::Command;

use super::errors::ExportError;
use super::interpreter::Interpreter;
use super::protocol::{WireExport, WireRequest, WireResult};
use super::EXPORTER_SCRIPT;

/// How much of the interpreter's stderr a failure message quotes.
const STDERR_TAIL_BYTES: usize = 4 * 1024;
/// How much stderr is kept in memory while the interpreter runs.
const STDERR_KEEP_BYTES: usize = 64 * 1024;

/// Everything one run needs, with paths already absolute.
pub(crate) struct Run<'a> {
    pub interpreter: &'a Interpreter,
    pub module: Option<&'a str>,
    pub path: Option<&'a PathBuf>,
    pub dialect: &'a str,
    pub working_dir: &'a PathBuf,
    pub python_path: &'a [PathBuf],
    /// Variables added to (or replacing) this process's environment.
    pub env: &'a BTreeMap<String, String>,
    pub timeout: Duration,
    /// How the models are named in messages (`module app.models`).
    pub models: String,
}

impl Run<'_> {
    pub async fn execute(&self) -> Result<WireExport, ExportError> {
        let workspace = tempfile::Builder::new()
            .prefix("tfalchemy-export-")
            .tempdir()
            .map_err(ExportError::Workspace)?;
        let script = workspace.path().join("tfalchemy_exporter.py");
        let result_path = workspace.path().join("result.json");
        tokio::fs::write(&script, EXPORTER_SCRIPT)
            .await
            .map_err(ExportError::Workspace)?;
        let request = WireRequest {
            module: self.module,
            path: self.path,
            dialect: self.dialect,
            working_dir: self.working_dir,
            python_path: self.python_path,
            result_path: &result_path,
        };
        let request = serde_json::to_vec(&request).map_err(|err| ExportError::Workspace(err.into()))?;

        let python = self.interpreter.display();
        let mut child = Command::new(&self.interpreter.path)
            .arg(&script)
            .current_dir(self.working_dir)
            .envs(self.env)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|err| ExportError::InterpreterNotFound {
                python: python.clone(),
                reason: format!("could not be started ({err})"),
            })?;

        let stderr = child.stderr.take().map(|stderr| tokio::spawn(read_tail(stderr)));
        if let Some(mut stdin) = child.stdin.take() {
            // An interpreter that exits at once closes the pipe; its missing result says more.
            let _ = stdin.write_all(&request).await;
        }
        let waited = tokio::time::timeout(self.timeout, child.wait()).await;
        let status = match waited {
            Ok(status) => status.map_err(|err| ExportError::InterpreterFailed {
                python: python.clone(),
                status: format!("could not be waited for ({err})"),
                stderr_tail: String::new(),
            })?,
            Err(_) => {
                let _ = child.kill().await;
                return Err(ExportError::Timeout {
                    python,
                    seconds: self.timeout.as_secs(),
                    stderr_tail: collect_tail(stderr).await,
                });
            }
        };
        let stderr_tail = collect_tail(stderr).await;

        let bytes = match tokio::fs::read(&result_path).await {
            Ok(bytes) => bytes,
            Err(_) => {
                return Err(ExportError::InterpreterFailed {
                    python,
                    status: describe_status(status),
                    stderr_tail,
                })
            }
        };
        match serde_json::from_slice::<WireResult>(&bytes) {
            Ok(WireResult::Success(export)) => Ok(export),
            Ok(WireResult::Failure { error }) => Err(ExportError::from_wire(error, &self.models, &python)),
            Err(err) => Err(ExportError::InvalidOutput {
                detail: err.to_string(),
            }),
        }
    }
}

fn describe_status(status: std::process::ExitStatus) -> String {
    match status.code() {
        Some(0) => "exited normally".to_string(),
        Some(code) => format!("exited with status {code}"),
        None => "was killed by a signal".to_string(),
    }
}

async fn read_tail(mut stderr: tokio::process::ChildStderr) -> Vec<u8> {
    let mut kept = Vec::new();
    let mut chunk = [0u8; 8192];
    while let Ok(read) = stderr.read(&mut chunk).await {
        if read == 0 {
            break;
        }
        kept.extend_from_slice(&chunk[..read]);
        if kept.len() > STDERR_KEEP_BYTES {
            kept.drain(..kept.len() - STDERR_KEEP_BYTES);
        }
    }
    kept
}

async fn collect_tail(reader: Option<tokio::task::JoinHandle<Vec<u8>>>) -> String {
    let Some(reader) = reader else { return String::new() };
    // A grandchild may hold stderr open after a kill; do not wait for it forever.
    let bytes = match tokio::time::timeout(Duration::from_secs(2), reader).await {
        Ok(Ok(bytes)) => bytes,
        _ => Vec::new(),
    };
    let start = bytes.len().saturating_sub(STDERR_TAIL_BYTES);
    String::from_utf8_lossy(&bytes[start..]).trim_end().to_string()
}
