//! The interpreter's processes, killed together when the export ends (finished, failed, timed
//! out or cancelled).
//!
//! The interpreter leads a new process group, so what the models start (a `subprocess.Popen`
//! at import time, a `multiprocessing` pool) is in that group and one `killpg` ends it all. A
//! daemon leaves the group with `setsid()`; on Linux every process also inherits a marker in
//! its environment, found again through /proc, so the daemon is killed too, and so are the
//! processes of an export whose provider was itself killed (the next export sweeps them).
//! macOS has no /proc: there the process group is what is killed.

#[cfg(target_os = "linux")]
mod marker;

use tokio::process::Command;

/// Every process one export started; killed when this is dropped, at the latest.
pub(crate) struct ExportProcesses {
    /// The interpreter's pid, which is also its process group's id.
    group: Option<libc::pid_t>,
    #[cfg(target_os = "linux")]
    marker: Option<marker::RunMarker>,
}

impl ExportProcesses {
    /// Sets `command` up so that everything it starts can be found and killed.
    pub fn prepare(command: &mut Command) -> Self {
        command.process_group(0);
        ExportProcesses {
            group: None,
            #[cfg(target_os = "linux")]
            marker: marker::RunMarker::next().inspect(|marker| {
                command.env(marker::VARIABLE, marker.value());
            }),
        }
    }

    /// The interpreter started as `pid`.
    pub fn started(&mut self, pid: u32) {
        // Never 0 or 1: killpg(0) would be our own group, and 1 is init's.
        self.group = libc::pid_t::try_from(pid).ok().filter(|&pid| pid > 1);
    }

    /// Kills the interpreter's group and (on Linux) every process carrying this export's marker.
    /// Does nothing the second time.
    pub fn kill_all(&mut self) {
        let Some(group) = self.group.take() else { return };
        // SAFETY: killpg only sends a signal; `group` is the id of the group the interpreter led.
        unsafe {
            libc::killpg(group, libc::SIGKILL);
        }
        #[cfg(target_os = "linux")]
        if let Some(marker) = &self.marker {
            marker::kill_marked(marker);
        }
    }
}

impl Drop for ExportProcesses {
    fn drop(&mut self) {
        self.kill_all();
    }
}

/// Kills what earlier exports left behind because their provider was killed first (Linux).
pub(crate) fn sweep_orphans() {
    #[cfg(target_os = "linux")]
    marker::sweep_orphans();
}
