//! Leaving with Terraform. A Terraform killed with SIGKILL never calls
//! `Shutdown`, and nothing else tells its plugins: the provider would serve a
//! socket nobody dials, for ever, holding its database sessions (and the
//! schema lock an apply was waiting for or held). When its parent dies the
//! provider is adopted by init or a subreaper, so its parent process id
//! changes, on Linux and macOS alike; looking at it a few times a second
//! costs nothing and needs no platform-specific call.

use std::os::unix::process::parent_id;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// How often the parent is looked at: a killed Terraform's provider is gone
/// well within a second of it.
const CHECK_INTERVAL: Duration = Duration::from_millis(200);

/// Cancels `shutdown` once the process that started this one has exited.
pub fn stop_when_orphaned(shutdown: CancellationToken) {
    let parent = parent_id();
    if parent == 1 {
        // Started by init itself (or already orphaned): no parent to outlive.
        return;
    }
    tokio::spawn(async move {
        let mut checks = tokio::time::interval(CHECK_INTERVAL);
        loop {
            tokio::select! {
                _ = checks.tick() => {}
                () = shutdown.cancelled() => return,
            }
            if parent_id() != parent {
                tracing::warn!(
                    parent,
                    "the process that started the provider (Terraform) exited without stopping it; shutting down"
                );
                shutdown.cancel();
                return;
            }
        }
    });
}

/// Names the Terraform process that started this provider: its process id
/// and, where the system tells it, its start time, so a later process that
/// happens to get the same id is another run. `None` when started by init.
///
/// Terraform starts a fresh provider process for each walk of one command
/// (validate, plan, apply), so this is what those processes have in common.
pub fn terraform_run() -> Option<String> {
    let parent = parent_id();
    if parent == 1 {
        return None;
    }
    Some(match process_start_ticks(parent) {
        Some(ticks) => format!("{parent}-{ticks}"),
        None => parent.to_string(),
    })
}

/// Field 22 of `/proc/<pid>/stat` (start time since boot, in clock ticks);
/// `None` off Linux. The command name (field 2) may hold spaces and
/// parentheses, so fields are counted after its closing parenthesis.
fn process_start_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(19)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_run_is_named_by_the_parent_and_stays_the_same() {
        let run = terraform_run().expect("tests are not started by init");
        assert!(run.starts_with(&parent_id().to_string()), "{run}");
        assert_eq!(terraform_run(), Some(run));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_start_time_is_read_from_the_right_field() {
        // Clock ticks are 100 a second on Linux; this test process started
        // within the last hour, and after its parent.
        let ours = process_start_ticks(std::process::id()).expect("Linux has /proc") / 100;
        let parent = process_start_ticks(parent_id()).expect("Linux has /proc") / 100;
        let uptime: f64 = std::fs::read_to_string("/proc/uptime")
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let uptime = uptime as u64;
        assert!(
            ours <= uptime && ours + 3600 >= uptime,
            "started {ours} s after boot, uptime {uptime} s"
        );
        assert!(parent <= ours, "a parent starts before its child: {parent} > {ours}");
    }
}
