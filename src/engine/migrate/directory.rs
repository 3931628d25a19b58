//! A migration directory: `<version>_<name>.sql` files applied in the
//! numeric order of their versions, and the sum file that pins their
//! contents (sum.rs). Versions are digits: by default the UTC time the file
//! was made (`YYYYMMDDHHMMSS`), sequential numbers (`0001`) work as well.
//! Files without the `.sql` extension, and directories, are not read; a
//! `.sql` file whose name does not follow the pattern is an error, so a
//! misnamed migration is never skipped silently.

use std::cmp::Ordering;
use std::fmt;
use std::path::{Path, PathBuf};

use super::checksum::checksum;
use super::error::MigrateError;
use super::sum::SUM_FILE;

/// A migration's version: the digits its file name starts with. Versions
/// compare as numbers (`0007` is `7`), but keep their spelling.
#[derive(Debug, Clone)]
pub struct Version(String);

impl PartialEq for Version {
    fn eq(&self, other: &Version) -> bool {
        self.significant() == other.significant()
    }
}

impl Eq for Version {}

impl Version {
    /// `text` when it is a non-empty run of ASCII digits.
    pub fn parse(text: &str) -> Option<Version> {
        (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())).then(|| Version(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number without leading zeros: `0007` and `7` are the same version.
    fn significant(&self) -> &str {
        let trimmed = self.0.trim_start_matches('0');
        if trimmed.is_empty() {
            "0"
        } else {
            trimmed
        }
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Version) -> Ordering {
        let (a, b) = (self.significant(), other.significant());
        a.len().cmp(&b.len()).then_with(|| a.cmp(b))
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Version) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One migration file as read from the directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationFile {
    pub version: Version,
    /// The part of the file name after the version and `_`, without `.sql`.
    pub name: String,
    /// The file name, as the sum file and messages name it.
    pub file_name: String,
    pub text: String,
    /// `h1:` and the base64 SHA-256 of the file's bytes.
    pub checksum: String,
}

impl MigrationFile {
    /// A file not (yet) on disk, as a new migration is before it is written.
    pub fn new(version: Version, name: &str, text: String) -> MigrationFile {
        MigrationFile {
            file_name: file_name(&version, name),
            checksum: checksum(text.as_bytes()),
            version,
            name: name.to_string(),
            text,
        }
    }
}

/// The file name of migration `version` called `name`.
pub fn file_name(version: &Version, name: &str) -> String {
    format!("{version}_{name}.sql")
}

/// A migration directory's files, in version order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directory {
    pub path: PathBuf,
    pub files: Vec<MigrationFile>,
}

impl Directory {
    /// Reads every migration file of `path`. A directory that does not exist
    /// is an error; an empty one has no files.
    pub fn read(path: &Path) -> Result<Directory, MigrateError> {
        let unreadable = |reason: std::io::Error| MigrateError::Directory {
            path: path.display().to_string(),
            problem: format!("cannot be read: {reason}"),
        };
        let mut files = Vec::new();
        for entry in std::fs::read_dir(path).map_err(unreadable)? {
            let entry = entry.map_err(unreadable)?;
            let file_name = entry.file_name().to_string_lossy().into_owned();
            let is_file = entry.file_type().map_err(unreadable)?.is_file();
            if !is_file || file_name == SUM_FILE || !file_name.ends_with(".sql") {
                continue;
            }
            let (version, name) = split_name(&file_name).ok_or_else(|| MigrateError::MalformedName {
                file: entry.path().display().to_string(),
            })?;
            let bytes = std::fs::read(entry.path()).map_err(unreadable)?;
            let text = String::from_utf8(bytes).map_err(|e| MigrateError::File {
                file: file_name.clone(),
                problem: format!(
                    "is not UTF-8 text (invalid byte at offset {})",
                    e.utf8_error().valid_up_to()
                ),
            })?;
            files.push(MigrationFile {
                checksum: checksum(text.as_bytes()),
                version,
                name,
                file_name,
                text,
            });
        }
        files.sort_by(|a, b| a.version.cmp(&b.version).then_with(|| a.file_name.cmp(&b.file_name)));
        if let Some(pair) = files.windows(2).find(|pair| pair[0].version == pair[1].version) {
            return Err(MigrateError::DuplicateVersion {
                version: pair[1].version.to_string(),
                first: pair[0].file_name.clone(),
                second: pair[1].file_name.clone(),
            });
        }
        Ok(Directory {
            path: path.to_path_buf(),
            files,
        })
    }

    pub fn latest(&self) -> Option<&MigrationFile> {
        self.files.last()
    }

    pub fn find(&self, version: &Version) -> Option<&MigrationFile> {
        self.files.iter().find(|file| &file.version == version)
    }

    /// The version a new file gets at `now_utc` (`YYYYMMDDHHMMSS`): the
    /// time, unless the directory numbers its files sequentially (its last
    /// version is shorter than a timestamp) or already has a later one; then
    /// the last version plus one, as wide as it.
    pub fn next_version(&self, now_utc: &str) -> Version {
        let now = Version(now_utc.to_string());
        match self.latest() {
            None => now,
            Some(last) if last.version.as_str().len() >= now_utc.len() && last.version < now => now,
            Some(last) => increment(&last.version),
        }
    }
}

/// `<digits>_<name>.sql` → the version and the name.
fn split_name(file_name: &str) -> Option<(Version, String)> {
    let stem = file_name.strip_suffix(".sql")?;
    let (digits, name) = stem.split_once('_')?;
    let version = Version::parse(digits)?;
    (!name.is_empty()).then(|| (version, name.to_string()))
}

/// Checks a name for a new migration: it becomes part of a file name.
pub fn check_name(name: &str) -> Result<(), MigrateError> {
    let fine = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if fine {
        Ok(())
    } else {
        Err(MigrateError::BadName { name: name.to_string() })
    }
}

fn increment(version: &Version) -> Version {
    let mut digits: Vec<u8> = version.0.bytes().collect();
    let mut i = digits.len();
    loop {
        if i == 0 {
            digits.insert(0, b'1');
            break;
        }
        i -= 1;
        if digits[i] == b'9' {
            digits[i] = b'0';
        } else {
            digits[i] += 1;
            break;
        }
    }
    Version(String::from_utf8(digits).expect("digits"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir_with(files: &[(&str, &str)]) -> (tempfile::TempDir, Result<Directory, MigrateError>) {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        let read = Directory::read(dir.path());
        (dir, read)
    }

    #[test]
    fn files_are_ordered_by_number_and_other_files_ignored() {
        let (_dir, read) = dir_with(&[
            ("10_third.sql", "c"),
            ("9_second.sql", "b"),
            ("0001_first.sql", "a"),
            ("README.md", "docs"),
            ("tfalchemy.sum", "h1:x"),
        ]);
        let dir = read.unwrap();
        let names: Vec<&str> = dir.files.iter().map(|f| f.file_name.as_str()).collect();
        assert_eq!(names, vec!["0001_first.sql", "9_second.sql", "10_third.sql"]);
        assert_eq!(dir.files[1].name, "second");
        assert!(dir.files[0].checksum.starts_with("h1:"));
    }

    #[test]
    fn duplicate_versions_and_malformed_names_are_errors() {
        let (_dir, read) = dir_with(&[("1_a.sql", ""), ("001_b.sql", "")]);
        let message = read.unwrap_err().to_string();
        assert!(
            message.contains("001_b.sql") && message.contains("1_a.sql"),
            "{message}"
        );
        for bad in ["init.sql", "v1_init.sql", "12.sql", "12_.sql"] {
            let (_dir, read) = dir_with(&[(bad, "")]);
            let message = read.unwrap_err().to_string();
            assert!(
                message.contains(bad) && message.contains("<version>_<name>.sql"),
                "{message}"
            );
        }
    }

    #[test]
    fn new_versions_follow_the_directory_style() {
        let (_dir, empty) = dir_with(&[]);
        assert_eq!(empty.unwrap().next_version("20250102030405").as_str(), "20250102030405");
        let (_dir, sequential) = dir_with(&[("0009_a.sql", "")]);
        assert_eq!(sequential.unwrap().next_version("20250102030405").as_str(), "0010");
        let (_dir, same_second) = dir_with(&[("20250102030405_a.sql", "")]);
        assert_eq!(
            same_second.unwrap().next_version("20250102030405").as_str(),
            "20250102030406"
        );
        let (_dir, older) = dir_with(&[("20240102030405_a.sql", "")]);
        assert_eq!(older.unwrap().next_version("20250102030405").as_str(), "20250102030405");
    }
}
