//! Installs the provider binary built by Cargo into a private, offline
//! Terraform `filesystem_mirror`, and writes the CLI configuration that points
//! Terraform at it.
//!
//! The unpacked mirror layout is
//! `<mirror>/registry.terraform.io/tfalchemy/sqlalchemy/<version>/<os>_<arch>/terraform-provider-sqlalchemy_v<version>`.
//! `terraform init` symlinks the workspace's `.terraform/providers/...` to the
//! mirror directory, so a mirror must live as long as the workspaces using it;
//! each `Workspace` therefore owns its own (a hard link and a small file).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::hcl::quote;

pub const PROVIDER_HOSTNAME: &str = "registry.terraform.io";
pub const PROVIDER_NAMESPACE: &str = "tfalchemy";
pub const PROVIDER_TYPE: &str = "sqlalchemy";
/// The `source` used in `required_providers`.
pub const PROVIDER_SOURCE: &str = "tfalchemy/sqlalchemy";

/// The provider version Terraform installs: the crate's own.
pub fn provider_version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// The provider executable Cargo built for this test run.
pub fn provider_binary() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_terraform-provider-sqlalchemy"))
}

/// A mirror holding the provider, and the CLI configuration that uses it.
#[derive(Debug)]
pub struct ProviderMirror {
    mirror_dir: PathBuf,
    cli_config: PathBuf,
}

impl ProviderMirror {
    /// Lays out `<dir>/mirror` and writes `<dir>/terraform.tfrc`.
    pub fn install(dir: &Path) -> io::Result<Self> {
        let mirror_dir = dir.join("mirror");
        let version = provider_version();
        let package_dir = mirror_dir
            .join(PROVIDER_HOSTNAME)
            .join(PROVIDER_NAMESPACE)
            .join(PROVIDER_TYPE)
            .join(version)
            .join(terraform_platform());
        fs::create_dir_all(&package_dir)?;
        let installed = package_dir.join(format!("terraform-provider-{PROVIDER_TYPE}_v{version}"));
        link_or_copy(provider_binary(), &installed)?;

        let cli_config = dir.join("terraform.tfrc");
        fs::write(&cli_config, cli_config_text(&mirror_dir))?;
        Ok(Self { mirror_dir, cli_config })
    }

    /// A mirror (or any provider installation) laid out by the caller, with
    /// the CLI configuration that uses it.
    pub fn existing(mirror_dir: PathBuf, cli_config: PathBuf) -> Self {
        Self { mirror_dir, cli_config }
    }

    /// The file to pass as `TF_CLI_CONFIG_FILE`.
    pub fn cli_config(&self) -> &Path {
        &self.cli_config
    }

    pub fn mirror_dir(&self) -> &Path {
        &self.mirror_dir
    }
}

/// Our namespace comes from the mirror only; everything else (there is
/// nothing else in these tests but built-in providers) may go direct.
fn cli_config_text(mirror_dir: &Path) -> String {
    let pattern = quote(&format!("{PROVIDER_HOSTNAME}/{PROVIDER_NAMESPACE}/*"));
    format!(
        "provider_installation {{\n  filesystem_mirror {{\n    path    = {path}\n    include = [{pattern}]\n  }}\n  direct {{\n    exclude = [{pattern}]\n  }}\n}}\n",
        path = quote(&mirror_dir.to_string_lossy()),
    )
}

/// Terraform's name for this platform, e.g. `linux_amd64`.
pub fn terraform_platform() -> String {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    };
    format!("{}_{arch}", std::env::consts::OS)
}

/// A hard link is free when the mirror is on the same file system as
/// `target/`; otherwise fall back to a copy.
fn link_or_copy(source: &Path, destination: &Path) -> io::Result<()> {
    match fs::hard_link(source, destination) {
        Ok(()) => Ok(()),
        Err(_) => fs::copy(source, destination).map(|_| ()),
    }
}
