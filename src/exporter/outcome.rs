//! How the interpreter ended, in the words a failure message uses: an exit status, or a signal
//! by its name, with what that usually means.

use std::fmt;
use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;

/// How a process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcessOutcome {
    Exited(i32),
    Signaled { signal: i32, core_dumped: bool },
}

impl ProcessOutcome {
    /// The most likely cause, as a sentence.
    pub fn explanation(&self) -> &'static str {
        match *self {
            ProcessOutcome::Exited(_) => {
                "Something the models ran ended it early (such as `os._exit()`), or `python` is not a \
                 Python interpreter; its standard error may say more."
            }
            ProcessOutcome::Signaled { signal, .. } => match signal {
                libc::SIGSEGV | libc::SIGBUS | libc::SIGILL | libc::SIGFPE | libc::SIGABRT => {
                    "The interpreter crashed, in Python itself or in a C extension the models import; \
                     the Python stack at the crash is in its standard error."
                }
                libc::SIGKILL => "Another process or the kernel killed it (the out-of-memory killer sends SIGKILL).",
                libc::SIGXCPU => "It ran out of its CPU time limit (ulimit -t).",
                libc::SIGXFSZ => "It exceeded its file size limit (ulimit -f).",
                _ => "Another process, or the models themselves, sent it that signal.",
            },
        }
    }
}

impl From<ExitStatus> for ProcessOutcome {
    fn from(status: ExitStatus) -> Self {
        match (status.code(), status.signal()) {
            (Some(code), _) => ProcessOutcome::Exited(code),
            (None, Some(signal)) => ProcessOutcome::Signaled {
                signal,
                core_dumped: status.core_dumped(),
            },
            // Neither: a stopped or continued status, which `wait` does not report.
            (None, None) => ProcessOutcome::Exited(-1),
        }
    }
}

impl fmt::Display for ProcessOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ProcessOutcome::Exited(code) => write!(f, "exited with status {code}"),
            ProcessOutcome::Signaled { signal, core_dumped } => {
                match signal_name(signal) {
                    Some(name) => write!(f, "was killed by signal {name}")?,
                    None => write!(f, "was killed by signal {signal}")?,
                }
                if core_dumped {
                    f.write_str(" (core dumped)")?;
                }
                Ok(())
            }
        }
    }
}

/// The conventional name of a signal (numbers differ between Linux and macOS; names do not).
pub fn signal_name(signal: i32) -> Option<&'static str> {
    const NAMES: &[(i32, &str)] = &[
        (libc::SIGHUP, "SIGHUP"),
        (libc::SIGINT, "SIGINT"),
        (libc::SIGQUIT, "SIGQUIT"),
        (libc::SIGILL, "SIGILL"),
        (libc::SIGTRAP, "SIGTRAP"),
        (libc::SIGABRT, "SIGABRT"),
        (libc::SIGBUS, "SIGBUS"),
        (libc::SIGFPE, "SIGFPE"),
        (libc::SIGKILL, "SIGKILL"),
        (libc::SIGUSR1, "SIGUSR1"),
        (libc::SIGSEGV, "SIGSEGV"),
        (libc::SIGUSR2, "SIGUSR2"),
        (libc::SIGPIPE, "SIGPIPE"),
        (libc::SIGALRM, "SIGALRM"),
        (libc::SIGTERM, "SIGTERM"),
        (libc::SIGXCPU, "SIGXCPU"),
        (libc::SIGXFSZ, "SIGXFSZ"),
        (libc::SIGSYS, "SIGSYS"),
    ];
    NAMES
        .iter()
        .find(|(number, _)| *number == signal)
        .map(|(_, name)| *name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signals_are_named_and_unknown_ones_numbered() {
        let segfault = ProcessOutcome::Signaled {
            signal: libc::SIGSEGV,
            core_dumped: false,
        };
        assert_eq!(segfault.to_string(), "was killed by signal SIGSEGV");
        let dumped = ProcessOutcome::Signaled {
            signal: libc::SIGABRT,
            core_dumped: true,
        };
        assert_eq!(dumped.to_string(), "was killed by signal SIGABRT (core dumped)");
        assert_eq!(
            ProcessOutcome::Signaled {
                signal: 63,
                core_dumped: false
            }
            .to_string(),
            "was killed by signal 63"
        );
        assert_eq!(ProcessOutcome::Exited(3).to_string(), "exited with status 3");
    }

    #[test]
    fn exit_statuses_convert_from_wait_statuses() {
        // Raw wait statuses: exit code in the high byte, terminating signal in the low bits.
        assert_eq!(
            ProcessOutcome::from(ExitStatus::from_raw(3 << 8)),
            ProcessOutcome::Exited(3)
        );
        assert_eq!(
            ProcessOutcome::from(ExitStatus::from_raw(libc::SIGKILL)),
            ProcessOutcome::Signaled {
                signal: libc::SIGKILL,
                core_dumped: false
            }
        );
        assert_eq!(
            ProcessOutcome::from(ExitStatus::from_raw(libc::SIGSEGV | 0x80)),
            ProcessOutcome::Signaled {
                signal: libc::SIGSEGV,
                core_dumped: true
            }
        );
    }
}
