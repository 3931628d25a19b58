//! The processes behind a Terraform command, seen through /proc (Linux): the
//! provider it started, and whether a process is still alive.

use std::fs;
use std::process::Command;

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
