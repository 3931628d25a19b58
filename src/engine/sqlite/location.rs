//! Where a SQLite database file is, checked before SQLite opens it: for a
//! path that is a directory, a directory that does not exist, or a file or
//! directory the provider may not read or write, SQLite only says "unable to
//! open database file" (or opens a read-only file and fails at the first
//! write). These say which.

use std::fs::{self, OpenOptions};
use std::io::{self, ErrorKind};
use std::path::Path;

/// Why the database at `path` cannot be read; `None` when it can, or does
/// not exist (an empty database: its directory may yet be created before
/// the apply, which [`unwritable`] checks).
pub fn unreadable(path: &Path) -> Option<String> {
    match fs::metadata(path) {
        Ok(metadata) if metadata.is_dir() => Some(format!("{} is a directory, not a database file", path.display())),
        Ok(_) => fs::File::open(path)
            .err()
            .map(|error| format!("{} cannot be read: {}", path.display(), describe(&error))),
        Err(error) if error.kind() == ErrorKind::NotFound => None,
        Err(error) => Some(unreachable(path, &error)),
    }
}

/// Why the database at `path` cannot be written: created if missing,
/// changed, and its journal created beside it. Creates (and removes) a
/// scratch file in the directory to find out, so only for an apply.
pub fn unwritable(path: &Path) -> Option<String> {
    if let Some(problem) = unreadable(path).or_else(|| missing_directory(path)) {
        return Some(problem);
    }
    if path.exists() {
        if let Err(error) = OpenOptions::new().write(true).open(path) {
            return Some(format!(
                "the database file {} is read-only: {}",
                path.display(),
                describe(&error)
            ));
        }
    }
    let directory = directory_of(path);
    let scratch = tempfile::Builder::new()
        .prefix(".tfalchemy-write-check-")
        .tempfile_in(directory);
    scratch.err().map(|error| {
        format!(
            "the directory {} is read-only ({}): SQLite creates the database file and its journal there",
            directory.display(),
            describe(&error)
        )
    })
}

/// The directory a database file is in (`.` for a bare file name).
fn directory_of(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// The directory `path` should be in, when it is not there (or not a directory).
fn missing_directory(path: &Path) -> Option<String> {
    let directory = directory_of(path);
    match fs::metadata(directory) {
        Ok(metadata) if metadata.is_dir() => None,
        Ok(_) => Some(format!("{} is not a directory", directory.display())),
        Err(error) if error.kind() == ErrorKind::NotFound => Some(format!(
            "the directory {} does not exist: SQLite creates the database file on the first apply, but not \
             its directory",
            directory.display()
        )),
        Err(error) => Some(unreachable(path, &error)),
    }
}

/// A directory on the way to `path` is a file, or may not be entered.
fn unreachable(path: &Path, error: &io::Error) -> String {
    match error.kind() {
        ErrorKind::NotADirectory => format!(
            "{} cannot be a database file: a part of its path is a file, not a directory",
            path.display()
        ),
        _ => format!("{} cannot be reached: {}", path.display(), describe(error)),
    }
}

/// The operating system's reason, without Rust's error-code suffix.
fn describe(error: &io::Error) -> String {
    match error.kind() {
        ErrorKind::PermissionDenied => "permission denied".to_string(),
        ErrorKind::ReadOnlyFilesystem => "read-only file system".to_string(),
        _ => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_and_missing_directories_are_named() {
        let root = tempfile::tempdir().expect("temporary directory");
        let dir = root.path();
        let said = unreadable(dir).expect("a directory");
        assert!(said.ends_with("is a directory, not a database file"), "{said}");

        let missing = dir.join("missing").join("app.db");
        assert_eq!(unreadable(&missing), None, "an empty database, until the apply");
        let said = unwritable(&missing).expect("missing directory");
        assert!(
            said.starts_with(&format!(
                "the directory {} does not exist",
                dir.join("missing").display()
            )),
            "{said}"
        );

        let file = dir.join("file");
        fs::write(&file, b"").expect("a file");
        let said = unreadable(&file.join("app.db")).expect("a file in the path");
        assert!(said.contains("a part of its path is a file"), "{said}");

        let fresh = dir.join("app.db");
        assert_eq!(unreadable(&fresh), None);
        assert_eq!(unwritable(&fresh), None);
        assert!(!fresh.exists(), "checking creates nothing");
        assert_eq!(
            fs::read_dir(dir).expect("listing").count(),
            1,
            "the scratch file is gone"
        );
    }
}
