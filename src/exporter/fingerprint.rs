//! The state of everything an export read, recorded so a later run can tell it is unchanged.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::protocol::WireCacheInputs;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Fingerprint {
    /// SHA-256 of every watched file: the user's imported modules, every `.py` file under the
    /// source roots, and SQLAlchemy's `__init__.py` (it carries the version).
    files: BTreeMap<PathBuf, String>,
    /// Package directories (or module files) of the models: a `.py` file added under them
    /// invalidates the entry even though the export never imported it.
    roots: Vec<PathBuf>,
    /// Modification times (ns) of site-packages directories: a package installed, upgraded
    /// or removed changes them.
    directories: BTreeMap<PathBuf, u128>,
    /// The text of every watched file that is UTF-8 and at most [`MAX_KEPT_TEXT`] bytes (up to
    /// [`MAX_KEPT_TEXTS`] in all): after an edit, the old text is what the new one is compared
    /// with (`reuse`).
    texts: BTreeMap<PathBuf, String>,
}

/// Larger files are not kept: an edit of one always runs the export.
const MAX_KEPT_TEXT: usize = 4 * 1024 * 1024;

/// At most this much text is kept per entry (files beyond it, in path order, are not), so a
/// project importing a great deal of its own code does not make every cache entry huge.
const MAX_KEPT_TEXTS: usize = 16 * 1024 * 1024;

/// How the watched files stand against a fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SourceState {
    Current,
    /// Only the content of some watched files differs, and their old text was kept.
    Edited(Vec<EditedFile>),
    /// Anything else: a file added, removed, unreadable or edited without its old text kept, a
    /// package installed or removed.
    Changed,
}

/// A watched file whose content differs from when the export was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EditedFile {
    pub path: PathBuf,
    pub old_text: String,
}

impl Fingerprint {
    /// Records the current state, or `None` when it cannot be trusted: a file is unreadable, or
    /// was modified after `export_started` (the export may have read the older content).
    pub fn capture(inputs: &WireCacheInputs, export_started: SystemTime) -> Option<Fingerprint> {
        let mut paths: BTreeSet<PathBuf> = inputs.files.iter().cloned().collect();
        for root in &inputs.source_roots {
            paths.extend(python_files_under(root));
        }
        Self::record(paths, inputs.source_roots.clone(), &inputs.directories, export_started)
    }

    /// The same files, roots and directories recorded again, or `None` as for [`capture`]:
    /// after an edit that left the export valid, the entry must describe the edited files.
    ///
    /// [`capture`]: Fingerprint::capture
    pub fn recapture(&self, started: SystemTime) -> Option<Fingerprint> {
        let directories: Vec<PathBuf> = self.directories.keys().cloned().collect();
        Self::record(
            self.files.keys().cloned().collect(),
            self.roots.clone(),
            &directories,
            started,
        )
    }

    fn record(
        paths: BTreeSet<PathBuf>,
        roots: Vec<PathBuf>,
        directories: &[PathBuf],
        started: SystemTime,
    ) -> Option<Fingerprint> {
        let mut files = BTreeMap::new();
        let mut texts = BTreeMap::new();
        let mut kept = 0;
        for path in paths {
            let modified = std::fs::metadata(&path).and_then(|m| m.modified()).ok()?;
            if modified >= started {
                return None;
            }
            let bytes = std::fs::read(&path).ok()?;
            files.insert(path.clone(), super::sha256_hex(&bytes));
            if bytes.len() <= MAX_KEPT_TEXT && kept + bytes.len() <= MAX_KEPT_TEXTS {
                if let Ok(text) = String::from_utf8(bytes) {
                    kept += text.len();
                    texts.insert(path, text);
                }
            }
        }
        let directories = directories
            .iter()
            .filter_map(|dir| modified_ns(dir).map(|ns| (dir.clone(), ns)))
            .collect();
        Some(Fingerprint {
            files,
            roots,
            directories,
            texts,
        })
    }

    /// Current when every watched file has the same content, no `.py` file appeared under or
    /// vanished from the roots, and no site-packages directory changed.
    pub fn state(&self) -> SourceState {
        let mut paths: BTreeSet<&Path> = self.files.keys().map(PathBuf::as_path).collect();
        let found: Vec<PathBuf> = self.roots.iter().flat_map(|root| python_files_under(root)).collect();
        paths.extend(found.iter().map(PathBuf::as_path));
        if paths.len() != self.files.len() || self.directories.iter().any(|(dir, ns)| modified_ns(dir) != Some(*ns)) {
            return SourceState::Changed;
        }
        let mut edited = Vec::new();
        for (path, hash) in &self.files {
            match file_sha256(path) {
                Some(now) if now == *hash => {}
                Some(_) => match self.texts.get(path) {
                    Some(old_text) => edited.push(EditedFile {
                        path: path.clone(),
                        old_text: old_text.clone(),
                    }),
                    None => return SourceState::Changed,
                },
                None => return SourceState::Changed,
            }
        }
        if edited.is_empty() {
            SourceState::Current
        } else {
            SourceState::Edited(edited)
        }
    }

    /// Every watched file.
    pub fn files(&self) -> impl Iterator<Item = &Path> {
        self.files.keys().map(PathBuf::as_path)
    }
}

/// Every `.py` file under `root` (or `root` itself when it is a file), skipping what Python
/// could not import as part of a package: caches, virtualenvs, names that are not identifiers.
pub(crate) fn python_files_under(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    if root.is_file() {
        found.push(root.to_path_buf());
        return found;
    }
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else { continue };
            if kind.is_dir() {
                if is_package_dir(&path) {
                    pending.push(path);
                }
            } else if path.extension().is_some_and(|ext| ext == "py") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

fn is_package_dir(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    let mut chars = name.chars();
    let starts_well = chars.next().is_some_and(|c| c == '_' || c.is_alphabetic());
    starts_well
        && chars.all(|c| c == '_' || c.is_alphanumeric())
        && name != "__pycache__"
        && !path.join("pyvenv.cfg").exists()
}

pub(crate) fn file_sha256(path: &Path) -> Option<String> {
    let mut file = std::fs::File::open(path).ok()?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let read = file.read(&mut buffer).ok()?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
    }
    Some(hex::encode(hasher.finalize()))
}

fn modified_ns(path: &Path) -> Option<u128> {
    let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok()?;
    modified.duration_since(UNIX_EPOCH).ok().map(|d| d.as_nanos())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn inputs(files: &[&Path]) -> WireCacheInputs {
        WireCacheInputs {
            files: files.iter().map(|path| path.to_path_buf()).collect(),
            directories: Vec::new(),
            source_roots: Vec::new(),
        }
    }

    fn later() -> SystemTime {
        SystemTime::now() + Duration::from_secs(1)
    }

    #[test]
    fn an_edit_keeps_the_old_text_unless_the_file_was_too_large_to_keep() {
        let dir = tempfile::tempdir().expect("temp dir");
        let small = dir.path().join("models.py");
        let large = dir.path().join("generated.py");
        std::fs::write(&small, "x = 1\n").expect("write");
        std::fs::write(&large, "#".repeat(MAX_KEPT_TEXT + 1)).expect("write");
        let fingerprint = Fingerprint::capture(&inputs(&[&small, &large]), later()).expect("captured");
        assert_eq!(fingerprint.state(), SourceState::Current);

        std::fs::write(&small, "# one\nx = 1\n").expect("write");
        assert_eq!(
            fingerprint.state(),
            SourceState::Edited(vec![EditedFile {
                path: small.clone(),
                old_text: "x = 1\n".into(),
            }])
        );

        std::fs::write(&large, "#".repeat(MAX_KEPT_TEXT + 2)).expect("write");
        assert_eq!(fingerprint.state(), SourceState::Changed, "no old text to compare with");
    }

    #[test]
    fn texts_beyond_the_entry_budget_are_not_kept() {
        let dir = tempfile::tempdir().expect("temp dir");
        let count = MAX_KEPT_TEXTS / MAX_KEPT_TEXT + 1;
        let paths: Vec<PathBuf> = (0..count).map(|i| dir.path().join(format!("m{i}.py"))).collect();
        for path in &paths {
            std::fs::write(path, "#".repeat(MAX_KEPT_TEXT)).expect("write");
        }
        let refs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
        let fingerprint = Fingerprint::capture(&inputs(&refs), later()).expect("captured");
        std::fs::write(&paths[0], "# edited\n").expect("write");
        assert!(
            matches!(fingerprint.state(), SourceState::Edited(_)),
            "the first files are kept"
        );
        std::fs::write(&paths[count - 1], "# edited\n").expect("write");
        assert_eq!(
            fingerprint.state(),
            SourceState::Changed,
            "the last file is over the budget"
        );
    }

    #[test]
    fn a_file_written_after_the_export_started_is_not_fingerprinted() {
        let dir = tempfile::tempdir().expect("temp dir");
        let models = dir.path().join("models.py");
        std::fs::write(&models, "x = 1\n").expect("write");
        let started = SystemTime::now() - Duration::from_secs(60);
        assert!(Fingerprint::capture(&inputs(&[&models]), started).is_none());
    }
}
