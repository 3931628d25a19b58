//! `tfalchemy.sum`: what the migration files of a directory contained when
//! they were last written by us (or hashed with `migrate hash`). The format:
//!
//! ```text
//! h1:<checksum of all the lines below, each ending in a newline>
//! <file name> h1:<checksum of the file's bytes>
//! …
//! ```
//!
//! one line per file, in version order. A file edited, deleted or added
//! without updating the sum is found by comparing the lines. The first line
//! changes with every new file, so two branches that each add a migration
//! conflict there when they are merged, and someone has to decide their
//! order, instead of git merging them silently.

use std::path::Path;

use super::checksum::checksum;
use super::directory::Directory;
use super::error::MigrateError;

/// The sum file's name in the migration directory.
pub const SUM_FILE: &str = "tfalchemy.sum";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sum {
    /// The checksum of the file lines.
    pub total: String,
    /// (file name, checksum), in version order.
    pub files: Vec<(String, String)>,
}

impl Sum {
    /// The sum of the files of `directory` as they are now.
    pub fn of(directory: &Directory) -> Sum {
        let files: Vec<(String, String)> = directory
            .files
            .iter()
            .map(|file| (file.file_name.clone(), file.checksum.clone()))
            .collect();
        Sum {
            total: checksum(file_lines(&files).as_bytes()),
            files,
        }
    }

    /// The text of the sum file.
    pub fn render(&self) -> String {
        format!("{}\n{}", self.total, file_lines(&self.files))
    }

    /// Writes the sum of `directory` as it is now.
    pub fn write(directory: &Directory) -> Result<Sum, MigrateError> {
        let sum = Sum::of(directory);
        let path = directory.path.join(SUM_FILE);
        std::fs::write(&path, sum.render()).map_err(|e| MigrateError::File {
            file: path.display().to_string(),
            problem: format!("cannot be written: {e}"),
        })?;
        Ok(sum)
    }

    /// The sum file of the directory at `path`; `None` when there is none.
    pub fn read(path: &Path) -> Result<Option<Sum>, MigrateError> {
        let file = path.join(SUM_FILE);
        let text = match std::fs::read_to_string(&file) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(MigrateError::File {
                    file: file.display().to_string(),
                    problem: format!("cannot be read: {e}"),
                })
            }
        };
        Sum::parse(&text)
            .map(Some)
            .map_err(|(line, problem)| MigrateError::File {
                file: format!("{} (line {line})", file.display()),
                problem,
            })
    }

    fn parse(text: &str) -> Result<Sum, (usize, String)> {
        let mut lines = text.lines().enumerate().filter(|(_, line)| !line.trim().is_empty());
        let Some((_, total)) = lines.next() else {
            return Err((1, "is empty; `migrate hash` writes it".to_string()));
        };
        if !total.starts_with("h1:") || total.contains(' ') {
            return Err((1, "must start with the directory's checksum, `h1:…`".to_string()));
        }
        let mut files = Vec::new();
        for (index, line) in lines {
            let Some((name, sum)) = line.rsplit_once(' ') else {
                return Err((index + 1, format!("`{line}` is not `<file name> h1:<checksum>`")));
            };
            if !sum.starts_with("h1:") {
                return Err((index + 1, format!("`{line}` is not `<file name> h1:<checksum>`")));
            }
            files.push((name.to_string(), sum.to_string()));
        }
        Ok(Sum {
            total: total.to_string(),
            files,
        })
    }

    /// Whether `directory` is what this sum says it was: the problems, one
    /// sentence each, or an empty list.
    pub fn differences(&self, directory: &Directory) -> Vec<String> {
        let now = Sum::of(directory);
        let mut problems = Vec::new();
        for (name, sum) in &self.files {
            match now.files.iter().find(|(n, _)| n == name) {
                None => problems.push(format!(
                    "{name} is in the sum file but not in the directory (deleted or renamed)"
                )),
                Some((_, current)) if current != sum => {
                    problems.push(format!("{name} was edited after the sum file was written"))
                }
                Some(_) => {}
            }
        }
        for (name, _) in &now.files {
            if !self.files.iter().any(|(n, _)| n == name) {
                problems.push(format!(
                    "{name} is not in the sum file (added by hand, or by another branch)"
                ));
            }
        }
        let recorded: Vec<&String> = self.files.iter().map(|(n, _)| n).collect();
        let present: Vec<&String> = now
            .files
            .iter()
            .map(|(n, _)| n)
            .filter(|n| recorded.contains(n))
            .collect();
        if problems.is_empty() && recorded != present {
            problems.push("the files are in another order than the sum file lists them".to_string());
        }
        if problems.is_empty() && self.total != checksum(file_lines(&self.files).as_bytes()) {
            problems.push(
                "the sum file's first line does not match its other lines (edited by hand, or a merge)".to_string(),
            );
        }
        problems
    }
}

/// Checks the directory against its sum file: a missing sum file is fine
/// only for a directory without files.
pub fn verify(directory: &Directory) -> Result<(), MigrateError> {
    let path = directory.path.display().to_string();
    match Sum::read(&directory.path)? {
        None if directory.files.is_empty() => Ok(()),
        None => Err(MigrateError::SumMismatch {
            path,
            problems: vec![format!("there is no {SUM_FILE}")],
        }),
        Some(sum) => {
            let problems = sum.differences(directory);
            if problems.is_empty() {
                Ok(())
            } else {
                Err(MigrateError::SumMismatch { path, problems })
            }
        }
    }
}

fn file_lines(files: &[(String, String)]) -> String {
    files.iter().map(|(name, sum)| format!("{name} {sum}\n")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn directory(files: &[(&str, &str)]) -> (tempfile::TempDir, Directory) {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        let read = Directory::read(dir.path()).unwrap();
        (dir, read)
    }

    #[test]
    fn the_sum_round_trips_and_finds_edits_deletions_and_insertions() {
        let (dir, first) = directory(&[("1_a.sql", "CREATE TABLE a (x int);"), ("3_c.sql", "-- c")]);
        let written = Sum::write(&first).unwrap();
        let text = std::fs::read_to_string(dir.path().join(SUM_FILE)).unwrap();
        assert!(
            text.starts_with("h1:") && text.contains("\n1_a.sql h1:") && text.contains("\n3_c.sql h1:"),
            "{text}"
        );
        assert_eq!(Sum::read(dir.path()).unwrap(), Some(written));
        verify(&first).unwrap();

        std::fs::write(dir.path().join("1_a.sql"), "CREATE TABLE a (y int);").unwrap();
        std::fs::write(dir.path().join("2_b.sql"), "-- in the middle").unwrap();
        std::fs::remove_file(dir.path().join("3_c.sql")).unwrap();
        let changed = Directory::read(dir.path()).unwrap();
        let message = verify(&changed).unwrap_err().to_string();
        assert!(message.contains("1_a.sql was edited"), "{message}");
        assert!(
            message.contains("3_c.sql is in the sum file but not in the directory"),
            "{message}"
        );
        assert!(message.contains("2_b.sql is not in the sum file"), "{message}");
        assert!(
            message.contains("migrate hash"),
            "says how to accept the change: {message}"
        );
    }

    #[test]
    fn a_missing_sum_is_fine_only_for_an_empty_directory() {
        let (_dir, empty) = directory(&[]);
        verify(&empty).unwrap();
        let (_dir, one) = directory(&[("1_a.sql", "")]);
        assert!(verify(&one).unwrap_err().to_string().contains("no tfalchemy.sum"));
    }

    #[test]
    fn an_edited_first_line_is_found() {
        let (dir, files) = directory(&[("1_a.sql", "x")]);
        let sum = Sum::write(&files).unwrap();
        std::fs::write(dir.path().join(SUM_FILE), sum.render().replacen("h1:", "h1:X", 1)).unwrap();
        assert!(verify(&files).unwrap_err().to_string().contains("first line"));
    }
}
