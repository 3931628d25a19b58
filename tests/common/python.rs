//! The Python interpreter with SQLAlchemy that the exporter tests run
//! (`scripts/install-python.sh` creates it), and copies of model fixtures.

use std::fs;
use std::path::{Path, PathBuf};

/// `TFALCHEMY_TEST_PYTHON`, else `.tools/sqla2/bin/python` in the repository.
/// Fails (never skips) when it is missing.
pub fn test_python() -> PathBuf {
    let python = std::env::var_os("TFALCHEMY_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".tools/sqla2/bin/python"));
    assert!(
        python.exists(),
        "no Python with SQLAlchemy at {}: run scripts/install-python.sh (or set TFALCHEMY_TEST_PYTHON)",
        python.display()
    );
    python
}

/// Copies the fixture tree `tests/fixtures/models/<name>` into `dest/<name>`,
/// so a test may edit its models without touching other tests.
pub fn copy_model_fixture(name: &str, dest: &Path) -> PathBuf {
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/models")
        .join(name);
    let target = dest.join(name);
    copy_tree(&source, &target);
    target
}

fn copy_tree(source: &Path, target: &Path) {
    fs::create_dir_all(target).unwrap_or_else(|e| panic!("creating {}: {e}", target.display()));
    for entry in fs::read_dir(source).unwrap_or_else(|e| panic!("reading {}: {e}", source.display())) {
        let entry = entry.expect("directory entry");
        let path = entry.path();
        if path.file_name().is_some_and(|n| n == "__pycache__") {
            continue;
        }
        let to = target.join(entry.file_name());
        if path.is_dir() {
            copy_tree(&path, &to);
        } else {
            fs::copy(&path, &to).unwrap_or_else(|e| panic!("copying {}: {e}", path.display()));
        }
    }
}
