//! Runs the exporter with the user's interpreter and reads its one result.
//!
//! `python -c <bootstrap> <marker>` gets the request and the exporter's source on its stdin and
//! answers with one line on its stdout that starts with the marker; the models' own output goes
//! to stderr. Nothing touches the disk, so nothing is left behind when the provider is killed,
//! and nothing the models do to temporary files can lose the result.
//!
//! The export ends when the result line has arrived, the interpreter exited, the time limit
//! passed, or an output limit was crossed; then every process it started is killed.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::process::{Child, Command};

use super::errors::ExportError;
use super::interpreter::Interpreter;
use super::outcome::ProcessOutcome;
use super::pipes::{self, ResultRead, StderrReader};
use super::process::{self, ExportProcesses};
use super::protocol::{WireCompareRequest, WireCompared, WireComparison, WireExport, WireRequest, WireResult};
use super::{ExportLimits, BOOTSTRAP_SCRIPT, EXPORTER_SCRIPT};

/// Starts the result line on stdout; anything else there is not the exporter's.
const RESULT_MARKER: &str = "tfalchemy-export-result:";

/// How long pipes and the interpreter get to close after the processes were killed.
const AFTER_KILL_GRACE: Duration = Duration::from_secs(2);

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
    pub limits: ExportLimits,
    /// How the models are named in messages (`module app.models`).
    pub models: String,
}

/// Why the wait for the interpreter ended.
enum Ending {
    /// The interpreter exited; `result_pending` when stdout had not closed yet.
    Exited {
        outcome: ProcessOutcome,
        result_pending: bool,
    },
    Result(Vec<u8>),
    ResultTooLarge,
    StderrTooLarge,
    TimedOut,
}

impl Run<'_> {
    pub async fn execute(&self) -> Result<WireExport, ExportError> {
        let bytes = self.exchange(self.stdin_payload()?).await?;
        self.read_result(&bytes)
    }

    /// Asks the exporter whether edited sources are the same program (no model is imported).
    pub async fn compare_sources(&self, comparison: WireComparison<'_>) -> Result<WireCompared, ExportError> {
        let request = WireCompareRequest {
            compare_sources: comparison,
            working_dir: self.working_dir,
        };
        let bytes = self.exchange(payload(&request)?).await?;
        self.read_result(&bytes)
    }

    /// The result document's success, or the error it reports.
    fn read_result<T: serde::de::DeserializeOwned>(&self, bytes: &[u8]) -> Result<T, ExportError> {
        match serde_json::from_slice::<WireResult<T>>(bytes) {
            Ok(WireResult::Success(result)) => Ok(result),
            Ok(WireResult::Failure { error }) => Err(ExportError::from_wire(*error, &self.models, &self.python())),
            Err(err) => Err(ExportError::InvalidOutput {
                detail: err.to_string(),
            }),
        }
    }

    /// Runs the interpreter with `payload` on its stdin; the bytes of its one result line.
    async fn exchange(&self, payload: Vec<u8>) -> Result<Vec<u8>, ExportError> {
        process::sweep_orphans();
        let mut command = Command::new(&self.interpreter.path);
        command
            .arg("-c")
            .arg(BOOTSTRAP_SCRIPT)
            .arg(RESULT_MARKER)
            .current_dir(self.working_dir)
            .envs(self.env)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let prepared = ExportProcesses::prepare(&mut command);
        let mut child = command.spawn().map_err(|err| ExportError::InterpreterNotFound {
            python: self.python(),
            reason: format!("could not be started ({err})"),
        })?;
        // Bound after the child, so dropped before it: a cancelled export kills the whole group
        // while its leader still lives.
        let mut processes = prepared;
        if let Some(pid) = child.id() {
            processes.started(pid);
        }

        let stdin = child.stdin.take().map(|stdin| tokio::spawn(send(stdin, payload)));
        let mut result = pipes::read_result(
            child.stdout.take().expect("stdout is piped"),
            RESULT_MARKER,
            self.limits.max_result_bytes,
        );
        let stderr = StderrReader::spawn(
            child.stderr.take().expect("stderr is piped"),
            self.limits.max_stderr_bytes,
        );

        let ending = self.wait(&mut child, &mut result, &stderr).await?;
        // At once: the group id stays the interpreter's only while one of its processes lives.
        processes.kill_all();
        if let Some(stdin) = stdin {
            stdin.abort();
        }
        let _ = tokio::time::timeout(AFTER_KILL_GRACE, child.wait()).await;
        let ending = match ending {
            // The result may still be in the pipe; the killed writers have closed it by now.
            Ending::Exited {
                outcome,
                result_pending: true,
            } => match tokio::time::timeout(AFTER_KILL_GRACE, &mut result).await {
                Ok(Ok(ResultRead::Complete(bytes))) => Ending::Result(bytes),
                _ => Ending::Exited {
                    outcome,
                    result_pending: false,
                },
            },
            other => other,
        };
        result.abort();
        let stderr = stderr.finish(AFTER_KILL_GRACE).await;

        let (python, models) = (self.python(), self.models.clone());
        match ending {
            Ending::Result(bytes) => Ok(bytes),
            Ending::Exited { outcome, .. } => Err(ExportError::InterpreterFailed {
                python,
                models,
                outcome,
                stderr,
            }),
            Ending::TimedOut => Err(ExportError::Timeout {
                python,
                models,
                seconds: self.limits.timeout.as_secs(),
                stderr,
            }),
            Ending::ResultTooLarge => Err(ExportError::ResultTooLarge {
                python,
                models,
                limit: self.limits.max_result_bytes,
            }),
            Ending::StderrTooLarge => Err(ExportError::StderrTooLarge {
                python,
                models,
                limit: self.limits.max_stderr_bytes,
                stderr,
            }),
        }
    }

    /// Waits until the result arrives, the interpreter exits, or a limit is crossed.
    async fn wait(
        &self,
        child: &mut Child,
        result: &mut tokio::task::JoinHandle<ResultRead>,
        stderr: &StderrReader,
    ) -> Result<Ending, ExportError> {
        let deadline = tokio::time::sleep(self.limits.timeout);
        tokio::pin!(deadline);
        let mut stdout_open = true;
        loop {
            tokio::select! {
                status = child.wait() => {
                    let status = status.map_err(ExportError::io("wait for the Python interpreter"))?;
                    return Ok(Ending::Exited {
                        outcome: status.into(),
                        result_pending: stdout_open,
                    });
                }
                read = &mut *result, if stdout_open => match read {
                    Ok(ResultRead::Complete(bytes)) => return Ok(Ending::Result(bytes)),
                    Ok(ResultRead::TooLarge) => return Ok(Ending::ResultTooLarge),
                    // Closed without a result: the interpreter's exit says why.
                    Ok(ResultRead::Closed) | Err(_) => stdout_open = false,
                },
                () = stderr.over_limit() => return Ok(Ending::StderrTooLarge),
                () = &mut deadline => return Ok(Ending::TimedOut),
            }
        }
    }

    /// The request as one line of JSON, then the exporter's source.
    fn stdin_payload(&self) -> Result<Vec<u8>, ExportError> {
        payload(&WireRequest {
            module: self.module,
            path: self.path,
            dialect: self.dialect,
            working_dir: self.working_dir,
            python_path: self.python_path,
        })
    }

    fn python(&self) -> String {
        self.interpreter.display()
    }
}

/// `request` as one line of JSON, then the exporter's source.
fn payload(request: &impl serde::Serialize) -> Result<Vec<u8>, ExportError> {
    let mut payload = serde_json::to_vec(request).map_err(|err| ExportError::Io {
        action: "encode the export request",
        source: err.into(),
    })?;
    payload.push(b'\n');
    payload.extend_from_slice(EXPORTER_SCRIPT.as_bytes());
    Ok(payload)
}

async fn send(mut stdin: tokio::process::ChildStdin, payload: Vec<u8>) {
    // An interpreter that exits at once closes the pipe; its exit status says more.
    let _ = stdin.write_all(&payload).await;
}
