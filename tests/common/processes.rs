//! Processes the model fixtures start: where they record themselves, and whether they still run.
//!
//! The `processes/` fixtures append `ROLE PID` lines ("interpreter", "child", "daemon") to the
//! file named by `TFALCHEMY_FIXTURE_PID_FILE`.

use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

/// The variable the `processes/` fixtures read.
pub const PID_FILE_ENV: &str = "TFALCHEMY_FIXTURE_PID_FILE";

/// A private file for the fixtures' `ROLE PID` lines.
pub struct PidFile {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl PidFile {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("pids");
        PidFile { _dir: dir, path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every pid recorded under `role`, in order.
    pub fn pids(&self, role: &str) -> Vec<u32> {
        let text = std::fs::read_to_string(&self.path).unwrap_or_default();
        text.lines()
            .filter_map(|line| line.split_once(' '))
            .filter(|(name, _)| *name == role)
            .map(|(_, pid)| pid.parse().expect("a pid"))
            .collect()
    }

    /// The one pid recorded under `role`.
    #[track_caller]
    pub fn pid(&self, role: &str) -> u32 {
        match self.pids(role)[..] {
            [pid] => pid,
            ref other => panic!("expected one {role} in {}, found {other:?}", self.path.display()),
        }
    }

    /// Waits (at most a minute) until `role` is recorded.
    #[track_caller]
    pub fn wait_for(&self, role: &str) -> u32 {
        let started = Instant::now();
        loop {
            if let Some(&pid) = self.pids(role).first() {
                return pid;
            }
            assert!(started.elapsed() < Duration::from_secs(60), "no {role} was recorded");
            thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Default for PidFile {
    fn default() -> Self {
        Self::new()
    }
}

/// Whether `pid` is a live process (a zombie waiting for its parent is not).
pub fn is_running(pid: u32) -> bool {
    #[cfg(target_os = "linux")]
    {
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Ok(stat) => !matches!(
                stat.rsplit_once(')')
                    .and_then(|(_, rest)| rest.split_whitespace().next()),
                Some("Z" | "X")
            ),
            Err(_) => false,
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        // SAFETY: signal 0 only asks whether the process exists.
        unsafe { libc::kill(pid as libc::pid_t, 0) == 0 }
    }
}

/// Fails unless every one of `pids` is gone within a few seconds (SIGKILL is asynchronous).
#[track_caller]
pub fn assert_gone(what: &str, pids: &[u32]) {
    assert!(!pids.is_empty(), "no {what} was recorded");
    let started = Instant::now();
    while let Some(pid) = pids.iter().find(|&&pid| is_running(pid)) {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{what} {pid} outlived the export"
        );
        thread::sleep(Duration::from_millis(20));
    }
}
