//! A throwaway Terraform working directory wired to the provider under test.
//!
//! Layout of one workspace (all inside one temporary directory under Cargo's
//! `target/tmp`, removed when the `Workspace` is dropped unless
//! `TFALCHEMY_KEEP_WORKSPACE` is set):
//!
//! ```text
//! mirror/            the provider, as a filesystem_mirror
//! terraform.tfrc     CLI configuration (TF_CLI_CONFIG_FILE)
//! work/              main.tf, state; Terraform and the provider run here
//! work/.terraform/   TF_DATA_DIR
//! db/                SQLite files made with `Workspace::sqlite`
//! ```

use std::env;
use std::ffi::{OsStr, OsString};
use std::fs;
use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;

use super::output::TfOutput;
use super::provider_mirror::ProviderMirror;
use super::sqlite_db::SqliteDb;
use super::terraform_binary::terraform_binary;

/// Set to keep workspaces on disk for debugging.
pub const KEEP_WORKSPACE_ENV: &str = "TFALCHEMY_KEEP_WORKSPACE";
/// Seconds one Terraform command may take before it is killed (default 300).
pub const COMMAND_TIMEOUT_ENV: &str = "TFALCHEMY_TERRAFORM_TIMEOUT";

const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(300);

/// Variables from the developer's shell that would change what Terraform does
/// (extra flags, a provider reattached by hand, plugins without TLS).
const SCRUBBED_ENV: &[&str] = &[
    "TF_CLI_ARGS",
    "TF_REATTACH_PROVIDERS",
    "TF_DISABLE_PLUGIN_TLS",
    "TF_PLUGIN_CACHE_DIR",
    "TF_WORKSPACE",
    "TF_LOG_PATH",
];

pub struct Workspace {
    root: Option<TempDir>,
    root_path: PathBuf,
    workdir: PathBuf,
    mirror: ProviderMirror,
    /// Extra variables for every Terraform command (and so for the provider).
    env: Vec<(String, OsString)>,
}

impl Workspace {
    /// An empty workspace with the provider installed in its mirror.
    #[track_caller]
    pub fn new() -> Self {
        Self::with_installation(ProviderMirror::install)
    }

    /// An empty workspace whose provider installation `install` lays out
    /// under the given root directory (the default is [`ProviderMirror::install`]).
    #[track_caller]
    pub fn with_installation(install: impl FnOnce(&Path) -> std::io::Result<ProviderMirror>) -> Self {
        let root = tempfile::Builder::new()
            .prefix("tfalchemy-")
            .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
            .unwrap_or_else(|error| panic!("creating a workspace directory: {error}"));
        let root_path = root.path().to_path_buf();
        let workdir = root_path.join("work");
        for dir in [&workdir, &root_path.join("db")] {
            fs::create_dir_all(dir).unwrap_or_else(|error| panic!("creating {}: {error}", dir.display()));
        }
        let mirror =
            install(&root_path).unwrap_or_else(|error| panic!("installing the provider into a mirror: {error}"));
        Self {
            root: Some(root),
            root_path,
            workdir,
            mirror,
            env: Vec::new(),
        }
    }

    /// Sets `name` for every later Terraform command, and so for the provider it starts.
    pub fn set_env(&mut self, name: &str, value: impl AsRef<OsStr>) {
        self.env.retain(|(existing, _)| existing != name);
        self.env.push((name.to_owned(), value.as_ref().to_owned()));
    }

    /// A workspace with `main_tf` written and `terraform init` done.
    #[track_caller]
    pub fn initialized(main_tf: &str) -> Self {
        let workspace = Self::new();
        workspace.write_main_tf(main_tf);
        workspace.init().success();
        workspace
    }

    /// The workspace's own directory (holding `work/`, the mirror, `db/`).
    pub fn root(&self) -> &Path {
        &self.root_path
    }

    /// The CLI configuration Terraform runs with (`TF_CLI_CONFIG_FILE`).
    pub fn cli_config(&self) -> &Path {
        self.mirror.cli_config()
    }

    /// Where Terraform runs (and where `main.tf` and the state live).
    pub fn workdir(&self) -> &Path {
        &self.workdir
    }

    /// A SQLite database file in this workspace; not created until used.
    pub fn sqlite(&self, name: &str) -> SqliteDb {
        SqliteDb::at(self.root_path.join("db").join(format!("{name}.db")))
    }

    #[track_caller]
    pub fn write_main_tf(&self, contents: &str) {
        self.write_file("main.tf", contents);
    }

    /// Writes `name` (relative to the working directory).
    #[track_caller]
    pub fn write_file(&self, name: &str, contents: &str) {
        let path = self.workdir.join(name);
        fs::write(&path, contents).unwrap_or_else(|error| panic!("writing {}: {error}", path.display()));
    }

    pub fn init(&self) -> TfOutput {
        self.run(&["init", "-input=false", "-no-color"])
    }

    pub fn validate(&self) -> TfOutput {
        self.run(&["validate", "-no-color"])
    }

    /// `terraform plan -detailed-exitcode`: exit 0 means no changes, 2 changes.
    pub fn plan(&self) -> TfOutput {
        self.plan_with(&[])
    }

    /// `terraform plan -detailed-exitcode` with extra arguments.
    pub fn plan_with(&self, extra: &[&str]) -> TfOutput {
        let mut args = vec!["plan", "-input=false", "-no-color", "-detailed-exitcode"];
        args.extend_from_slice(extra);
        self.run(&args)
    }

    /// Plans into the file `name`, returning the plan output and the file.
    pub fn plan_to_file(&self, name: &str) -> (TfOutput, PathBuf) {
        let path = self.workdir.join(name);
        let out = format!("-out={}", path.display());
        (self.plan_with(&[&out]), path)
    }

    /// `terraform apply -auto-approve` (plans and applies in one go).
    pub fn apply(&self) -> TfOutput {
        self.run(&["apply", "-input=false", "-no-color", "-auto-approve"])
    }

    /// Applies a plan saved by [`Workspace::plan_to_file`].
    pub fn apply_plan_file(&self, plan_file: &Path) -> TfOutput {
        let plan_file = plan_file.to_string_lossy();
        self.run(&["apply", "-input=false", "-no-color", &plan_file])
    }

    /// Refreshes the state from the real database and saves it.
    pub fn apply_refresh_only(&self) -> TfOutput {
        self.run(&["apply", "-refresh-only", "-input=false", "-no-color", "-auto-approve"])
    }

    pub fn destroy(&self) -> TfOutput {
        self.run(&["destroy", "-input=false", "-no-color", "-auto-approve"])
    }

    /// `terraform import ADDRESS ID`.
    pub fn import(&self, address: &str, id: &str) -> TfOutput {
        self.run(&["import", "-input=false", "-no-color", address, id])
    }

    /// `terraform state list`, one address per entry.
    #[track_caller]
    pub fn state_list(&self) -> Vec<String> {
        let listed = self.run(&["state", "list"]).success();
        listed.stdout.lines().map(str::to_owned).collect()
    }

    /// `terraform show -json`: the current state.
    #[track_caller]
    pub fn show_state(&self) -> Value {
        self.show_json(&[])
    }

    /// `terraform show -json PLANFILE`: a saved plan.
    #[track_caller]
    pub fn show_plan(&self, plan_file: &Path) -> Value {
        self.show_json(&[&plan_file.to_string_lossy()])
    }

    #[track_caller]
    fn show_json(&self, extra: &[&str]) -> Value {
        let mut args = vec!["show", "-json", "-no-color"];
        args.extend_from_slice(extra);
        let shown = self.run(&args).success();
        serde_json::from_str(&shown.stdout)
            .unwrap_or_else(|error| panic!("`terraform show -json` is not JSON ({error})\n{shown}"))
    }

    /// Runs Terraform with `args` in the working directory and captures its
    /// output. Never asserts on the exit code (callers do), but always checks
    /// that Terraform did not report an inconsistent provider: that is a
    /// provider bug whatever the test is about.
    #[track_caller]
    pub fn run(&self, args: &[&str]) -> TfOutput {
        self.start(args).wait()
    }

    /// Starts Terraform with `args` without waiting for it, for tests that
    /// act while it runs (kill its provider, start another one).
    #[track_caller]
    pub fn start(&self, args: &[&str]) -> RunningTerraform {
        self.start_in(&self.workdir, args, false)
    }

    /// Runs Terraform like [`Workspace::run`], in `dir` (with its own
    /// `dir/.terraform`) instead of the working directory: for configurations
    /// copied into the workspace, such as the examples.
    #[track_caller]
    pub fn run_in(&self, dir: &Path, args: &[&str]) -> TfOutput {
        self.start_in(dir, args, false).wait()
    }

    /// Starts Terraform with `args` as a person at a terminal would: it may
    /// ask for input (`terraform apply` asks for approval), which
    /// [`RunningTerraform::answer`] gives.
    #[track_caller]
    pub fn start_asking(&self, args: &[&str]) -> RunningTerraform {
        self.start_in(&self.workdir, args, true)
    }

    #[track_caller]
    fn start_in(&self, dir: &Path, args: &[&str], asking: bool) -> RunningTerraform {
        let terraform = terraform_binary();
        let mut command = Command::new(terraform);
        command
            .args(args)
            .current_dir(dir)
            .env("TF_CLI_CONFIG_FILE", self.mirror.cli_config())
            .env("TF_DATA_DIR", dir.join(".terraform"))
            .env("TF_IN_AUTOMATION", "1")
            .env("TF_INPUT", if asking { "1" } else { "0" })
            .env("CHECKPOINT_DISABLE", "1")
            // The provider's caches (exports, normalized schemas) per workspace:
            // what one test cached never decides what another one sees.
            .env("XDG_CACHE_HOME", self.workdir.join(".cache"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Own process group, so a timeout can stop the provider too.
            .process_group(0);
        for (name, _) in env::vars_os() {
            let name = name.to_string_lossy();
            if SCRUBBED_ENV.iter().any(|scrubbed| name.starts_with(scrubbed)) {
                command.env_remove(name.as_ref());
            }
        }
        command.envs(self.env.iter().map(|(name, value)| (name, value)));
        let description = format!("terraform {}  (in {})", args.join(" "), dir.display());
        let mut child = command
            .spawn()
            .unwrap_or_else(|error| panic!("starting {}: {error}", terraform.display()));
        // Without questions to answer, input ends at once.
        let stdin = child.stdin.take().filter(|_| asking);
        RunningTerraform {
            child,
            description,
            stdin,
        }
    }

    /// Keeps the directory on disk (printing where), e.g. to debug a failure.
    pub fn keep(&mut self) -> PathBuf {
        if let Some(root) = self.root.take() {
            let kept = root.keep();
            eprintln!("workspace kept at {}", kept.display());
        }
        self.root_path.clone()
    }
}

impl Default for Workspace {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        if env::var_os(KEEP_WORKSPACE_ENV).is_some_and(|v| !v.is_empty()) {
            self.keep();
        }
    }
}

/// A Terraform command started by [`Workspace::start`].
pub struct RunningTerraform {
    child: Child,
    description: String,
    /// Terraform's input when started by [`Workspace::start_asking`].
    stdin: Option<ChildStdin>,
}

impl RunningTerraform {
    /// Waits until the plan of this run has been made: the provider has
    /// recorded what it read for the run's apply (src/provider/run_memo.rs).
    #[track_caller]
    pub fn wait_for_its_plan(&self, workspace: &Workspace) {
        let runs = workspace.workdir().join(".cache/tfalchemy/runs");
        let started = Instant::now();
        while !fs::read_dir(&runs).is_ok_and(|mut entries| entries.next().is_some()) {
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "gave up waiting for the plan of {}",
                self.description
            );
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// Types `line` at Terraform's prompt.
    #[track_caller]
    pub fn answer(&mut self, line: &str) {
        let stdin = self
            .stdin
            .as_mut()
            .expect("started without input: use Workspace::start_asking");
        writeln!(stdin, "{line}").unwrap_or_else(|error| panic!("answering {}: {error}", self.description));
        stdin.flush().unwrap();
    }

    /// The process id of Terraform itself.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Waits for it like [`Workspace::run`] does (same timeout, same check
    /// that Terraform did not report an inconsistent provider).
    #[track_caller]
    pub fn wait(mut self) -> TfOutput {
        drop(self.stdin.take());
        let output = wait_with_timeout(self.child, self.description, command_timeout());
        assert!(
            !output.combined().to_lowercase().contains("inconsistent"),
            "Terraform reported an inconsistency in the provider's answers\n{output}"
        );
        output
    }
}

fn command_timeout() -> Duration {
    env::var(COMMAND_TIMEOUT_ENV)
        .ok()
        .and_then(|text| text.parse::<u64>().ok())
        .map_or(DEFAULT_COMMAND_TIMEOUT, Duration::from_secs)
}

/// Waits for `child`, reading both pipes as it goes; past `timeout` kills its
/// process group (Terraform and the providers it started) and fails the test.
#[track_caller]
fn wait_with_timeout(mut child: Child, description: String, timeout: Duration) -> TfOutput {
    let stdout = child.stdout.take().map(read_to_end_in_background);
    let stderr = child.stderr.take().map(read_to_end_in_background);
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() >= deadline => break None,
            Ok(None) => thread::sleep(Duration::from_millis(20)),
            Err(error) => panic!("waiting for {description}: {error}"),
        }
    };
    if status.is_none() {
        kill_process_group(child.id());
        // Reap it; the kill above leaves nothing to wait for long.
        let _ = child.wait();
    }
    let collect = |reader: Option<thread::JoinHandle<Vec<u8>>>| {
        reader
            .and_then(|handle| handle.join().ok())
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .unwrap_or_default()
    };
    let output = TfOutput {
        command: description,
        exit_code: status.and_then(|status| status.code()),
        stdout: collect(stdout),
        stderr: collect(stderr),
    };
    assert!(
        status.is_some(),
        "timed out after {}s ({COMMAND_TIMEOUT_ENV} sets the limit)\n{output}",
        timeout.as_secs()
    );
    output
}

fn read_to_end_in_background(mut pipe: impl Read + Send + 'static) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        // A read error ends the capture early; what was read is still reported.
        let _ = pipe.read_to_end(&mut bytes);
        bytes
    })
}

/// The child leads its own process group (see `process_group(0)`), so its
/// id is the group id.
fn kill_process_group(process_group_id: u32) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{process_group_id}")])
        .status();
}
