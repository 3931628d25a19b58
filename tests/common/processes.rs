//! Processes seen through /proc (Linux): the provider a Terraform command
//! started, whether a process is still alive, and the processes the model
//! fixtures start (the `processes/` fixtures append `ROLE PID` lines —
//! "interpreter", "child", "daemon" — to the file named by
//! `TFALCHEMY_FIXTURE_PID_FILE`).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use super::workspace::RunningTerraform;

/// `pid (comm) state ppid …` of a live process; `comm` is cut to 15 bytes
/// and may hold spaces.
fn stat(pid: u32) -> Option<(String, char, u32)> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (head, tail) = stat.rsplit_once(')')?;
    let comm = head.split_once('(')?.1.to_string();
    let mut fields = tail.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let ppid: u32 = fields.next()?.parse().ok()?;
    Some((comm, state, ppid))
}

/// The provider process Terraform started for `terraform` (its parent is Terraform).
pub fn provider_of(terraform: &RunningTerraform) -> Option<u32> {
    let parent = terraform.id();
    fs::read_dir("/proc").ok()?.flatten().find_map(|entry| {
        let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
        let (comm, _, ppid) = stat(pid)?;
        (ppid == parent && comm.starts_with("terraform-provi")).then_some(pid)
    })
}

/// True once `pid` has exited: it is gone, or a zombie that its new parent
/// (init in a container may never reap) has not collected.
pub fn has_exited(pid: u32) -> bool {
    stat(pid).is_none_or(|(_, state, _)| state == 'Z' || state == 'X')
}

/// SIGKILL for `pid` alone (not its process group).
#[track_caller]
pub fn kill(pid: u32) {
    let status = Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "could not kill {pid}");
}

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
    !has_exited(pid)
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
