//! The newcomer's scripts: `scripts/test.sh` says first what the machine
//! lacks and how to get it, instead of failing tests one by one.

use std::path::Path;
use std::process::Command;

#[test]
fn test_sh_preflight_names_what_is_missing_in_its_first_lines() {
    let output = Command::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/test.sh"))
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
