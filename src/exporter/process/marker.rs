//! Linux: an export's processes, found by a variable in their environment. The environment a
//! process started with (/proc/PID/environ) is inherited through `fork`, `setsid` and double
//! forks, so daemons the models start carry it too.

use std::fs;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

/// The variable every process of an export inherits.
pub(super) const VARIABLE: &str = "TFALCHEMY_EXPORT_RUN";

/// Kill rounds before giving up on a process tree that keeps forking.
const KILL_ROUNDS: usize = 50;
const BETWEEN_ROUNDS: Duration = Duration::from_millis(10);

/// `<pid namespace>.<provider pid>.<provider start time>.<sequence>`: unique to one export,
/// and naming a provider process that can be told alive or dead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RunMarker(String);

impl RunMarker {
    /// A fresh marker; `None` when this process cannot describe itself (no /proc).
    pub fn next() -> Option<Self> {
        static SEQUENCE: AtomicU64 = AtomicU64::new(0);
        let owner = Owner::current()?;
        let sequence = SEQUENCE.fetch_add(1, Ordering::Relaxed);
        Some(RunMarker(format!(
            "{}.{}.{}.{sequence}",
            owner.namespace, owner.pid, owner.start_time
        )))
    }

    pub fn value(&self) -> &str {
        &self.0
    }
}

/// The provider process that started an export.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Owner {
    /// The inode of its pid namespace: pids mean nothing across namespaces.
    namespace: u64,
    pid: u32,
    /// Clock ticks after boot (/proc/PID/stat field 22): tells a reused pid apart.
    start_time: u64,
}

impl Owner {
    fn current() -> Option<&'static Owner> {
        static CURRENT: OnceLock<Option<Owner>> = OnceLock::new();
        CURRENT
            .get_or_init(|| {
                let pid = std::process::id();
                Some(Owner {
                    namespace: pid_namespace()?,
                    pid,
                    start_time: start_time(pid)?,
                })
            })
            .as_ref()
    }

    fn parse(marker: &str) -> Option<Owner> {
        let mut parts = marker.split('.');
        let owner = Owner {
            namespace: parts.next()?.parse().ok()?,
            pid: parts.next()?.parse().ok()?,
            start_time: parts.next()?.parse().ok()?,
        };
        parts.next()?.parse::<u64>().ok()?;
        parts.next().is_none().then_some(owner)
    }

    fn is_alive(&self) -> bool {
        start_time(self.pid) == Some(self.start_time)
    }
}

/// Kills every process carrying `marker`, round after round until one finds none, for at most
/// [`KILL_ROUNDS`] rounds: one may fork while the others die, and a process in the middle of
/// `exec` shows no environment for an instant, so the first round alone is never trusted.
pub(super) fn kill_marked(marker: &RunMarker) {
    for round in 0..KILL_ROUNDS {
        let found: Vec<u32> = marked_processes()
            .into_iter()
            .filter(|(_, value)| value == marker.value())
            .map(|(pid, _)| pid)
            .collect();
        if found.is_empty() && round > 0 {
            return;
        }
        found.into_iter().for_each(kill);
        std::thread::sleep(BETWEEN_ROUNDS);
    }
    tracing::warn!(
        marker = marker.value(),
        "processes of the export kept appearing while they were killed"
    );
}

/// Kills the processes of exports whose provider is gone: it was killed before it could.
pub(super) fn sweep_orphans() {
    let Some(current) = Owner::current() else { return };
    for (pid, value) in marked_processes() {
        let Some(owner) = Owner::parse(&value) else { continue };
        if owner.namespace == current.namespace && !owner.is_alive() {
            tracing::debug!(pid, marker = value, "killing a process left by an earlier export");
            kill(pid);
        }
    }
}

/// (pid, marker) of every live process with the variable that this user may read.
fn marked_processes() -> Vec<(u32, String)> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    let own = std::process::id();
    let prefix = format!("{VARIABLE}=");
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| pid != own)
        .filter_map(|pid| {
            // Unreadable (another user's process) or empty (a zombie): not ours to kill.
            let environ = fs::read(format!("/proc/{pid}/environ")).ok()?;
            let value = environ
                .split(|&byte| byte == 0)
                .find_map(|entry| entry.strip_prefix(prefix.as_bytes()))?;
            Some((pid, String::from_utf8_lossy(value).into_owned()))
        })
        .collect()
}

fn kill(pid: u32) {
    let Ok(pid) = libc::pid_t::try_from(pid) else { return };
    if pid > 1 {
        // SAFETY: kill only sends a signal, to a process whose environment names this export.
        unsafe {
            libc::kill(pid, libc::SIGKILL);
        }
    }
}

fn pid_namespace() -> Option<u64> {
    // "pid:[4026531836]"
    let link = fs::read_link("/proc/self/ns/pid").ok()?;
    let link = link.to_str()?;
    link.strip_prefix("pid:[")?.strip_suffix(']')?.parse().ok()
}

fn start_time(pid: u32) -> Option<u64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // `pid (comm) state ppid …`: comm may hold spaces and parentheses, so split at the last ')'.
    let (_, fields) = stat.rsplit_once(')')?;
    // Field 22 is the 20th after the command.
    fields.split_whitespace().nth(19)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_name_this_process_and_differ_per_run() {
        let first = RunMarker::next().expect("/proc is readable");
        let second = RunMarker::next().expect("/proc is readable");
        assert_ne!(first, second);
        let owner = Owner::parse(first.value()).expect("a marker parses");
        assert_eq!(&owner, Owner::current().unwrap());
        assert!(owner.is_alive());
        let reused_pid = Owner {
            start_time: owner.start_time + 1,
            ..owner.clone()
        };
        assert!(
            !reused_pid.is_alive(),
            "a pid with another start time is another process"
        );
        assert_eq!(Owner::parse("1.2.3"), None);
        assert_eq!(Owner::parse("1.2.3.4.5"), None);
        assert_eq!(Owner::parse("a.2.3.4"), None);
    }

    #[test]
    fn a_marked_process_is_found_and_killed_even_in_another_session() {
        let marker = RunMarker::next().unwrap();
        // `setsid` puts the sleeper in its own session and group: only the marker finds it.
        let mut child = std::process::Command::new("setsid")
            .args(["sleep", "60"])
            .env(VARIABLE, marker.value())
            .spawn()
            .expect("run setsid sleep");
        let started = std::time::Instant::now();
        while !marked_processes().iter().any(|(_, value)| value == marker.value()) {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "the marked process never appeared"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        kill_marked(&marker);
        let status = child.wait().expect("wait for the sleeper");
        assert_eq!(
            std::os::unix::process::ExitStatusExt::signal(&status),
            Some(libc::SIGKILL)
        );
    }
}
