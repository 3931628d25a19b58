//! Which `terraform` the tests run.
//!
//! Order of preference: `TFALCHEMY_TERRAFORM`, then `terraform` on `PATH`, then
//! the project-local launcher that `scripts/install-terraform.sh` writes. The
//! tests never skip silently: without Terraform they fail and say how to get it.

use std::env;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Environment variable naming the Terraform executable to use.
pub const TERRAFORM_ENV: &str = "TFALCHEMY_TERRAFORM";

/// The Terraform executable for this test process (looked up once).
pub fn terraform_binary() -> &'static Path {
    static FOUND: OnceLock<PathBuf> = OnceLock::new();
    FOUND.get_or_init(|| match locate() {
        Ok(path) => path,
        Err(message) => panic!("{message}"),
    })
}

fn locate() -> Result<PathBuf, String> {
    if let Some(configured) = env::var_os(TERRAFORM_ENV).filter(|v| !v.is_empty()) {
        let path = PathBuf::from(configured);
        return if is_executable(&path) {
            Ok(path)
        } else {
            Err(format!("{TERRAFORM_ENV}={} is not an executable file", path.display()))
        };
    }
    if let Some(on_path) = find_on_path("terraform") {
        return Ok(on_path);
    }
    let local = project_local_launcher();
    if is_executable(&local) {
        return Ok(local);
    }
    Err(format!(
        "Terraform not found: set {TERRAFORM_ENV}, put `terraform` on PATH, or run \
         `scripts/install-terraform.sh` to create {}",
        local.display()
    ))
}

/// `.tools/bin/terraform` in this checkout.
pub fn project_local_launcher() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(".tools/bin/terraform")
}

fn find_on_path(program: &str) -> Option<PathBuf> {
    let search_path = env::var_os("PATH")?;
    env::split_paths(&search_path)
        .map(|dir| dir.join(program))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .map(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}
