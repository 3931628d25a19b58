//! The newcomer's scripts: `scripts/test.sh` says first what the machine
//! lacks and how to get it, instead of failing tests one by one;
//! `scripts/quickstart.sh` works, and the lines it says to paste work too.

mod common;

use std::path::Path;
use std::process::Command;

use common::provider_mirror::provider_binary;
use common::terraform_binary::terraform_binary;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Variables of the developer's shell that would change what the quickstart
/// or its pasted lines do.
const SHELL_STATE: &[&str] = &[
    "TF_CLI_CONFIG_FILE",
    "TF_DATA_DIR",
    "TF_VAR_python",
    "TF_CLI_ARGS",
    "TF_CLI_ARGS_plan",
    "TF_CLI_ARGS_init",
    "TF_PLUGIN_CACHE_DIR",
    "TF_REATTACH_PROVIDERS",
];

#[test]
fn test_sh_preflight_names_what_is_missing_in_its_first_lines() {
    let output = Command::new(repo().join("scripts/test.sh"))
        .arg("--preflight")
        // A machine without libclang, a usable Terraform, PostgreSQL or
        // MariaDB (port 1 has no server; a non-default address is never started).
        .env("LIBCLANG_PATH", "/nonexistent/llvm/lib")
        .env("TFALCHEMY_TERRAFORM", "/nonexistent/terraform")
        .env("TFALCHEMY_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:1")
        .env("TFALCHEMY_TEST_MYSQL_URL", "mysql://root@127.0.0.1:1")
        .output()
        .expect("running scripts/test.sh --preflight");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(output.stdout.is_empty(), "{}", String::from_utf8_lossy(&output.stdout));
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(lines[0].starts_with("preflight:"), "{stderr}");
    for expected in [
        "MISSING  libclang: LIBCLANG_PATH=/nonexistent/llvm/lib holds no libclang",
        "MISSING  terraform: TFALCHEMY_TERRAFORM=/nonexistent/terraform does not run as terraform",
        "MISSING  PostgreSQL at 127.0.0.1:1",
        "apt-get install postgresql, or set TFALCHEMY_TEST_POSTGRES_URL",
        "MISSING  MariaDB at 127.0.0.1:1",
        "apt-get install mariadb-server and start it (service mariadb start), or set TFALCHEMY_TEST_MYSQL_URL",
        "lacks 4 thing(s)",
    ] {
        assert!(stderr.contains(expected), "{expected:?} in:\n{stderr}");
    }
    // Nothing was installed or built before it said so.
    assert!(
        !stderr.contains("Compiling") && !stderr.contains("Installing"),
        "{stderr}"
    );
}

/// The quickstart in a temporary directory, on the build this test run made;
/// then the "To keep going" lines it prints, pasted into a fresh shell that
/// knows nothing of the quickstart's environment, plan nothing to do.
#[test]
fn quickstart_runs_and_its_keep_going_lines_work_when_pasted() {
    let dir = tempfile::Builder::new()
        .prefix("quickstart-")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .expect("a temporary directory");
    let quickstart_dir = dir.path().join("quickstart");
    let mut command = Command::new(repo().join("scripts/quickstart.sh"));
    command
        .arg("--binary")
        .arg(provider_binary())
        .env("TFALCHEMY_QUICKSTART_DIR", &quickstart_dir)
        .env("TFALCHEMY_TERRAFORM", terraform_binary());
    for name in SHELL_STATE {
        command.env_remove(name);
    }
    let output = command.output().expect("running scripts/quickstart.sh");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        quickstart_dir.join("work/app.db").is_file(),
        "the quickstart works in TFALCHEMY_QUICKSTART_DIR:\n{stdout}"
    );

    // Init says only what docs/guides/installing.md explains.
    let install = section(&stdout, "==> terraform providers lock", "==> terraform plan:");
    let guide = std::fs::read_to_string(repo().join("docs/guides/installing.md")).expect("the installing guide");
    for warning in install.lines().filter(|line| line.starts_with("Warning: ")) {
        assert!(
            guide.contains(warning),
            "init warns {warning:?}, which docs/guides/installing.md does not explain:\n{install}"
        );
    }
    if install.contains("(unauthenticated)") {
        assert!(
            install.contains("(\"unauthenticated\": installed from a local mirror"),
            "the quickstart explains \"unauthenticated\":\n{install}"
        );
    }

    let (_, keep_going) = stdout
        .split_once("To keep going")
        .unwrap_or_else(|| panic!("no \"To keep going\" in:\n{stdout}"));
    let pasted: Vec<&str> = keep_going
        .lines()
        .skip(1)
        .take_while(|line| line.starts_with("  "))
        .map(str::trim)
        .collect();
    let plan_line = pasted.last().expect("lines to paste");
    assert!(plan_line.ends_with(" plan"), "{pasted:?}");
    let script = format!(
        "set -e\n{}\n{plan_line} -detailed-exitcode -no-color\n",
        pasted[..pasted.len() - 1].join("\n")
    );
    let pasted_run = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir.path())
        .current_dir(dir.path())
        .output()
        .expect("running the pasted lines");
    assert_eq!(
        pasted_run.status.code(),
        Some(0),
        "the pasted lines plan nothing to do:\n{script}\n{}\n{}",
        String::from_utf8_lossy(&pasted_run.stdout),
        String::from_utf8_lossy(&pasted_run.stderr)
    );
}

/// The part of `text` from the line starting with `from` to the one starting with `to`.
fn section<'a>(text: &'a str, from: &str, to: &str) -> &'a str {
    let start = text.find(from).unwrap_or_else(|| panic!("no {from:?} in:\n{text}"));
    let rest = &text[start..];
    let end = rest.find(to).unwrap_or(rest.len());
    &rest[..end]
}
