//! Running the binary by hand, as a person or a CI script does: no Terraform
//! handshake in its environment, and no database URL or log filter inherited
//! from the shell that runs the tests.

use std::path::Path;
use std::process::{Command, Output};

/// The binary under test.
pub const BINARY: &str = env!("CARGO_BIN_EXE_terraform-provider-sqlalchemy");

/// The binary, to be given arguments, in `dir`.
pub fn command(dir: &Path) -> Command {
    let mut command = Command::new(BINARY);
    command
        .current_dir(dir)
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .env_remove("DATABASE_URL")
        .env_remove("DEV_DATABASE_URL")
        .env_remove("RUST_LOG")
        .env_remove("TFALCHEMY_LOG");
    command
}

/// Runs the binary with `args` in `dir` and waits for it.
pub fn cli(args: &[&str], dir: &Path) -> Output {
    command(dir).args(args).output().expect("running the CLI")
}

/// Output bytes as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A working directory under the build's temporary directory.
pub fn workdir(prefix: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(prefix)
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .expect("temp dir")
}
