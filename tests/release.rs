//! The release archive installs like a Registry provider: `scripts/release.sh`
//! (with `--binary`, on the debug build) produces the Registry's files, and
//! Terraform installs the provider from them through a `filesystem_mirror`
//! (packed layout: the zip itself; unpacked layout: its contents), with no
//! network, and `terraform providers lock` records the package's hash.
//! What Terraform says on the way is what docs/guides/installing.md explains.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use sha2::{Digest, Sha256};

use common::hcl::quote;
use common::provider_mirror::{provider_binary, provider_version, terraform_platform, ProviderMirror};
use common::Workspace;

const NAME: &str = "terraform-provider-sqlalchemy";
const HOSTNAME_NAMESPACE_TYPE: &str = "registry.terraform.io/tfalchemy/sqlalchemy";

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// What one run of the script produced (shared by the tests of this file).
struct Release {
    dir: PathBuf,
    stderr: String,
}

fn release() -> &'static Release {
    static RELEASE: OnceLock<Release> = OnceLock::new();
    RELEASE.get_or_init(|| {
        let root = tempfile::Builder::new()
            .prefix("tfalchemy-release-")
            .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
            .expect("temp dir")
            .keep();
        let dir = root.join("dist");
        let output = Command::new(repo().join("scripts/release.sh"))
            .arg("--out")
            .arg(&dir)
            .arg("--binary")
            .arg(provider_binary())
            .output()
            .expect("running scripts/release.sh");
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(output.status.success(), "scripts/release.sh failed:\n{stderr}");
        Release { dir, stderr }
    })
}

fn prefix() -> String {
    format!("{NAME}_{}", provider_version())
}

fn zip_name() -> String {
    format!("{}_{}.zip", prefix(), terraform_platform())
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn read(path: &Path) -> Vec<u8> {
    fs::read(path).unwrap_or_else(|error| panic!("reading {}: {error}", path.display()))
}

#[test]
fn release_files_are_named_as_the_registry_expects() {
    let release = release();
    let mut names: Vec<String> = fs::read_dir(&release.dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut expected = vec![
        format!("{}_SHA256SUMS", prefix()),
        format!("{}_manifest.json", prefix()),
        zip_name(),
    ];
    expected.sort();
    assert_eq!(names, expected, "files in {}", release.dir.display());
    // The script says what it made and that it made nothing else (--binary: this platform only).
    for name in &expected {
        assert!(
            release.stderr.contains(&format!("produced: {name}")),
            "{}",
            release.stderr
        );
    }
    assert!(release.stderr.contains("not signed"), "{}", release.stderr);
}

#[test]
fn sha256sums_lists_every_file_with_its_hash() {
    let release = release();
    let sums = String::from_utf8(read(&release.dir.join(format!("{}_SHA256SUMS", prefix())))).unwrap();
    let mut listed = BTreeMap::new();
    for line in sums.lines() {
        // sha256sum's format: 64 hex digits, two spaces, the file name.
        let (hash, name) = line
            .split_once("  ")
            .unwrap_or_else(|| panic!("not a sha256sum line: {line:?}"));
        assert_eq!(hash.len(), 64, "{line:?}");
        assert!(
            hash.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()),
            "{line:?}"
        );
        listed.insert(name.to_owned(), hash.to_owned());
    }
    assert!(sums.ends_with('\n'), "newline-terminated: {sums:?}");
    let names: Vec<String> = listed.keys().cloned().collect();
    let mut expected = vec![format!("{}_manifest.json", prefix()), zip_name()];
    expected.sort();
    assert_eq!(names, expected, "the zips and the manifest:\n{sums}");
    let sorted: Vec<&str> = sums.lines().map(|l| &l[66..]).collect();
    assert!(sorted.windows(2).all(|w| w[0] < w[1]), "sorted by name: {sums}");
    for (name, hash) in &listed {
        assert_eq!(&sha256_hex(&read(&release.dir.join(name))), hash, "{name}");
    }
}

#[test]
fn manifest_declares_the_protocol_the_handshake_speaks() {
    let release = release();
    let manifest: serde_json::Value =
        serde_json::from_slice(&read(&release.dir.join(format!("{}_manifest.json", prefix())))).unwrap();
    assert_eq!(
        manifest,
        serde_json::json!({
            "version": 1,
            "metadata": { "protocol_versions": [format!("{}.0", tfalchemy::plugin::PROTOCOL_VERSION)] }
        })
    );
    // The copy at the repository root (goreleaser's convention) is the same file.
    let root: serde_json::Value =
        serde_json::from_slice(&read(&repo().join("terraform-registry-manifest.json"))).unwrap();
    assert_eq!(root, manifest);
}

#[test]
fn the_zip_holds_only_the_executable_named_for_its_version() {
    let archive = read(&release().dir.join(zip_name()));
    let entries = zip_entries(&archive);
    assert_eq!(entries.len(), 1, "{entries:?}");
    let entry = &entries[0];
    assert_eq!(entry.name, format!("{NAME}_v{}", provider_version()));
    assert_eq!(entry.unix_mode & 0o777, 0o755, "executable: {entry:?}");
    assert_eq!(entry.unix_mode & 0o170000, 0o100000, "a regular file: {entry:?}");
    let binary = read(provider_binary());
    assert_eq!(entry.size, binary.len() as u64, "{entry:?}");
    assert_eq!(entry.crc32, crc32(&binary), "the zip holds this build: {entry:?}");
}

/// Installs from the zip itself (`HOSTNAME/NAMESPACE/TYPE/terraform-provider-TYPE_VERSION_TARGET.zip`).
#[test]
fn packed_mirror_installs_offline_and_locks() {
    let workspace = mirror_workspace(|mirror| {
        let dir = mirror.join(HOSTNAME_NAMESPACE_TYPE);
        fs::create_dir_all(&dir)?;
        fs::copy(release().dir.join(zip_name()), dir.join(zip_name())).map(|_| ())
    });
    install_lock_and_plan(&workspace);
}

/// Installs from the zip's contents
/// (`HOSTNAME/NAMESPACE/TYPE/VERSION/TARGET/terraform-provider-TYPE_vVERSION`).
#[test]
fn unpacked_mirror_installs_offline_and_locks() {
    let workspace = mirror_workspace(|mirror| {
        let dir = mirror
            .join(HOSTNAME_NAMESPACE_TYPE)
            .join(provider_version())
            .join(terraform_platform());
        fs::create_dir_all(&dir)?;
        unzip(&release().dir.join(zip_name()), &dir);
        Ok(())
    });
    install_lock_and_plan(&workspace);
}

/// A workspace whose CLI configuration has only a `filesystem_mirror`, laid
/// out by `lay_out`: no `direct`, so Terraform has no way to the network for
/// providers, and proxies that refuse every connection for anything else.
fn mirror_workspace(lay_out: impl FnOnce(&Path) -> std::io::Result<()>) -> Workspace {
    let mut workspace = Workspace::with_installation(|root| {
        let mirror = root.join("mirror");
        fs::create_dir_all(&mirror)?;
        lay_out(&mirror)?;
        let cli_config = root.join("terraform.tfrc");
        fs::write(
            &cli_config,
            format!(
                "provider_installation {{\n  filesystem_mirror {{\n    path    = {}\n  }}\n}}\n",
                quote(&mirror.to_string_lossy())
            ),
        )?;
        Ok(ProviderMirror::existing(mirror, cli_config))
    });
    for proxy in ["HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy"] {
        workspace.set_env(proxy, "http://127.0.0.1:9");
    }
    workspace.set_env("NO_PROXY", "");
    workspace.set_env("no_proxy", "");
    workspace.write_main_tf(&format!(
        r#"terraform {{
  required_providers {{
    sqlalchemy = {{
      source  = "tfalchemy/sqlalchemy"
      version = "{version}"
    }}
  }}
}}

resource "sqlalchemy_schema" "app" {{
  url         = "sqlite:///${{abspath(path.module)}}/app.db"
  desired_sql = "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);"
}}
"#,
        version = provider_version()
    ));
    workspace
}

fn install_lock_and_plan(workspace: &Workspace) {
    let mirror = workspace.root().join("mirror");
    let version = provider_version();
    let lock_args = [
        "providers".to_owned(),
        "lock".to_owned(),
        "-no-color".to_owned(),
        format!("-fs-mirror={}", mirror.display()),
        format!("-platform={}", terraform_platform()),
    ];
    let lock_args: Vec<&str> = lock_args.iter().map(String::as_str).collect();
    let lock_file = workspace.workdir().join(".terraform.lock.hcl");
    let read_lock = || String::from_utf8(read(&lock_file)).unwrap();
    let guide = String::from_utf8(read(&repo().join("docs/guides/installing.md"))).unwrap();
    let explained = |output: &common::output::TfOutput| {
        for message in terraform_messages_about_mirrors(&output.combined()) {
            assert!(
                guide.contains(message),
                "Terraform said {message:?}, which docs/guides/installing.md must explain\n{output}"
            );
        }
    };

    // 1. init alone: installs from the mirror. Terraform says the package is
    // unauthenticated (a mirror has no signature) and that it computed the
    // lock file's hash itself, for this platform only.
    let init = workspace.init().success();
    explained(&init);
    init.clone()
        .says(&format!("Installed tfalchemy/sqlalchemy v{version} (unauthenticated)"))
        .says("Incomplete lock file information for providers");
    let lock = read_lock();
    assert!(lock.contains(&format!("version     = \"{version}\"")), "{lock}");
    assert_eq!(
        h1_hashes(&lock),
        vec![h1_of_package()],
        "the h1: hash of the zip's contents\n{lock}"
    );
    assert!(
        !lock.contains("zh:"),
        "zh: hashes come from a registry's SHA256SUMS only\n{lock}"
    );

    // 2. providers lock from the same mirror finds that hash already there.
    let locked = workspace.run(&lock_args).success();
    explained(&locked);
    locked.says("All checksums for this platform were already tracked in the lock file");
    assert_eq!(h1_hashes(&read_lock()), vec![h1_of_package()]);

    // 3. providers lock first, then init (what the guide and the quick start
    // do): the lock file is complete, so init has nothing to warn about
    // except the missing signature.
    fs::remove_dir_all(workspace.workdir().join(".terraform")).unwrap();
    fs::remove_file(&lock_file).unwrap();
    let locked = workspace.run(&lock_args).success();
    explained(&locked);
    locked.says("checksums for this platform are now tracked in the lock file");
    let again = workspace.init().success();
    explained(&again);
    assert!(!again.combined().contains("Incomplete lock file"), "{again}");
    assert!(!again.combined().contains("Warning"), "{again}");
    again.says("Reusing previous version of tfalchemy/sqlalchemy from the dependency lock file");
    assert_eq!(h1_hashes(&read_lock()), vec![h1_of_package()]);

    // 4. The installed provider runs: validate and plan.
    workspace.validate().success();
    workspace.plan().changes().says("CREATE TABLE users (");
}

/// Terraform's `h1:` hash of the package (Go's dirhash.Hash1): the SHA-256 of
/// the lines `<sha256 of file>  <name>` of its files, base64. The package is
/// the one executable, so this is computed from the build itself.
fn h1_of_package() -> String {
    use base64::Engine as _;
    let line = format!(
        "{}  {NAME}_v{}\n",
        sha256_hex(&read(provider_binary())),
        provider_version()
    );
    format!(
        "h1:{}",
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(line.as_bytes()))
    )
}

/// Messages Terraform prints about installing from a mirror that a user may
/// wonder about; each that appears must be explained in the guide.
fn terraform_messages_about_mirrors(output: &str) -> Vec<&'static str> {
    [
        "(unauthenticated)",
        "Incomplete lock file information for providers",
        "forced to calculate lock file checksums locally",
        "terraform providers lock",
    ]
    .into_iter()
    .filter(|message| output.contains(message))
    .collect()
}

fn h1_hashes(lock: &str) -> Vec<String> {
    lock.split('"')
        .filter(|part| part.starts_with("h1:"))
        .map(str::to_owned)
        .collect()
}

/// Unpacks `archive` into `dir` as `unzip` would, keeping the files' modes.
fn unzip(archive: &Path, dir: &Path) {
    let script = "import os, sys, zipfile\n\
                  with zipfile.ZipFile(sys.argv[1]) as z:\n\
                  \x20   for info in z.infolist():\n\
                  \x20       path = z.extract(info, sys.argv[2])\n\
                  \x20       os.chmod(path, (info.external_attr >> 16) & 0o777)\n";
    let status = Command::new("python3")
        .args(["-c", script])
        .arg(archive)
        .arg(dir)
        .status()
        .expect("running python3 to unzip");
    assert!(status.success(), "unzipping {}", archive.display());
}

/// One entry of a zip's central directory.
#[derive(Debug)]
struct ZipEntry {
    name: String,
    size: u64,
    crc32: u32,
    unix_mode: u32,
}

/// Reads the central directory of a (non-zip64) archive.
fn zip_entries(archive: &[u8]) -> Vec<ZipEntry> {
    let u16_at = |at: usize| u16::from_le_bytes([archive[at], archive[at + 1]]);
    let u32_at = |at: usize| u32::from_le_bytes(archive[at..at + 4].try_into().unwrap());
    let end = (0..=archive.len() - 22)
        .rev()
        .find(|&at| u32_at(at) == 0x0605_4b50)
        .expect("end of central directory");
    let count = u16_at(end + 10) as usize;
    let mut at = u32_at(end + 16) as usize;
    let mut entries = Vec::new();
    for _ in 0..count {
        assert_eq!(u32_at(at), 0x0201_4b50, "central directory entry at {at}");
        let made_by_system = archive[at + 5];
        assert_eq!(made_by_system, 3, "made on Unix, so the mode is read");
        let name_len = u16_at(at + 28) as usize;
        let extra_len = u16_at(at + 30) as usize;
        let comment_len = u16_at(at + 32) as usize;
        entries.push(ZipEntry {
            name: String::from_utf8(archive[at + 46..at + 46 + name_len].to_vec()).unwrap(),
            size: u64::from(u32_at(at + 24)),
            crc32: u32_at(at + 16),
            unix_mode: u32_at(at + 38) >> 16,
        });
        at += 46 + name_len + extra_len + comment_len;
    }
    entries
}

fn crc32(bytes: &[u8]) -> u32 {
    let table: Vec<u32> = (0..256u32)
        .map(|n| (0..8).fold(n, |c, _| if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 }))
        .collect();
    !bytes.iter().fold(!0u32, |crc, &b| {
        table[((crc ^ u32::from(b)) & 0xFF) as usize] ^ (crc >> 8)
    })
}

/// A stand-in for the provider that only answers `--version` (all the script
/// asks of a `--binary`), so these tests need not zip the real build.
fn fake_binary(dir: &Path, says: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("fake-provider");
    fs::write(&path, format!("#!/bin/sh\necho '{says}'\n")).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn run_release(args: &[&std::ffi::OsStr]) -> (Option<i32>, String) {
    let output = Command::new(repo().join("scripts/release.sh"))
        .args(args)
        .output()
        .expect("running scripts/release.sh");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_platform_this_machine_cannot_build_is_skipped_with_the_reason() {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let binary = fake_binary(dir.path(), &format!("{NAME} {}", provider_version()));
    let out = dir.path().join("dist");
    // FreeBSD: a platform Terraform knows, whose Rust target (and C cross
    // toolchain) a Linux or macOS development machine does not have.
    let (code, stderr) = run_release(&[
        "--out".as_ref(),
        out.as_os_str(),
        "--binary".as_ref(),
        binary.as_os_str(),
        "--target".as_ref(),
        "x86_64-unknown-freebsd".as_ref(),
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains(
            "skipped: freebsd_amd64 (x86_64-unknown-freebsd): the Rust target is not installed (rustup target add x86_64-unknown-freebsd)"
        ),
        "{stderr}"
    );
    assert!(stderr.contains(&format!("produced: {}", zip_name())), "{stderr}");
    assert!(!out.join(format!("{}_freebsd_amd64.zip", prefix())).exists());
}

#[test]
fn a_binary_of_another_version_is_refused() {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let binary = fake_binary(dir.path(), &format!("{NAME} 0.0.0-other"));
    let out = dir.path().join("dist");
    let (code, stderr) = run_release(&[
        "--out".as_ref(),
        out.as_os_str(),
        "--binary".as_ref(),
        binary.as_os_str(),
    ]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "says '{NAME} 0.0.0-other' for --version, expected '{NAME} {}'",
            provider_version()
        )),
        "{stderr}"
    );
    assert!(
        fs::read_dir(&out).map(|mut d| d.next().is_none()).unwrap_or(true),
        "nothing written"
    );
}
