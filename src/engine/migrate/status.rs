//! Where a database stands against a migration directory: which files its
//! revisions table records as applied, which are pending, and what does not
//! add up (an applied file edited or deleted, a database ahead of the
//! directory, a file added before one already applied, a file stopped
//! midway).

use super::directory::{Directory, MigrationFile, Version};
use super::error::MigrateError;
use super::revisions::{Revision, RevisionsTable, State};
use super::session::Session;
use crate::engine::url::DatabaseUrl;

#[derive(Debug, Clone)]
pub struct Status {
    /// Whether the revisions table exists.
    pub has_table: bool,
    /// Every row of the revisions table, in version order.
    pub revisions: Vec<Revision>,
    /// The latest version applied completely.
    pub current: Option<Version>,
    /// Indexes (into the directory's files) of the files to apply, in order.
    pub pending: Vec<usize>,
    /// The file stopped midway (txmode none): its index and how many of its
    /// statements ran; an apply resumes after them.
    pub resume: Option<(usize, usize)>,
    /// What does not add up, one sentence each; an apply refuses to run.
    pub problems: Vec<String>,
}

impl Status {
    /// Compares the directory with the revisions recorded (`None`: no table).
    pub fn compare(directory: &Directory, revisions: Option<Vec<Revision>>) -> Status {
        let has_table = revisions.is_some();
        let revisions = revisions.unwrap_or_default();
        let mut problems = Vec::new();
        let latest = directory.latest().map(|f| f.version.clone());
        let completed: Vec<&Revision> = revisions.iter().filter(|r| r.state == State::Ok).collect();
        for revision in &completed {
            match directory.find(&revision.version) {
                None if latest.as_ref().is_none_or(|latest| revision.version > *latest) => problems.push(format!(
                    "the database is ahead of the directory: version {} ({}) is applied but not in the directory; \
                     update the directory (pull the latest migrations) before applying",
                    revision.version, revision.name
                )),
                None => problems.push(format!(
                    "version {} ({}) is applied but its file is missing from the directory (deleted or renamed); restore it",
                    revision.version, revision.name
                )),
                Some(file) if file.checksum != revision.checksum => problems.push(edited(file, revision)),
                Some(_) => {}
            }
        }
        let current = completed.last().map(|r| r.version.clone());
        let mut pending = Vec::new();
        let mut resume = None;
        for (index, file) in directory.files.iter().enumerate() {
            let record = revisions.iter().find(|r| r.version == file.version);
            if record.is_some_and(|r| r.state == State::Ok) {
                continue;
            }
            if let Some(current) = &current {
                if file.version < *current {
                    problems.push(format!(
                        "{} was never applied, but the database already has the later version {current}: \
                         it was added out of order (merged from another branch?); give it a version after {current} \
                         (rename the file and run `migrate hash`)",
                        file.file_name
                    ));
                }
            }
            if let Some(stopped) = record.filter(|r| r.statements_applied > 0) {
                if stopped.checksum != file.checksum {
                    problems.push(format!(
                        "{} stopped after {} of its statements, and was edited since; restore the file as it was, \
                         or finish the migration by hand and record it",
                        file.file_name, stopped.statements_applied
                    ));
                }
                resume = Some((index, stopped.statements_applied as usize));
            }
            pending.push(index);
        }
        Status {
            has_table,
            revisions,
            current,
            pending,
            resume,
            problems,
        }
    }

    /// The problems as one error, if there are any.
    pub fn check(&self, url: &DatabaseUrl) -> Result<(), MigrateError> {
        if self.problems.is_empty() {
            return Ok(());
        }
        Err(MigrateError::Database {
            url: url.redacted(),
            problem: format!(
                "its revisions do not match the migration directory:\n{}",
                self.problems
                    .iter()
                    .map(|p| format!("  {p}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
        })
    }
}

fn edited(file: &MigrationFile, revision: &Revision) -> String {
    format!(
        "{} was edited after it was applied (checksum applied {}, now {}); restore it, and put the change in a new migration",
        file.file_name, revision.checksum, file.checksum
    )
}

/// Reads the revisions table (when there is one) on an open session.
pub(crate) async fn read_revisions(
    session: &mut Session,
    table: &RevisionsTable,
) -> Result<Option<Vec<Revision>>, MigrateError> {
    if !session.table_exists(table.schema.as_deref(), &table.name).await? {
        return Ok(None);
    }
    let rows = session.rows(&table.select_sql(session.syntax())).await?;
    table.parse_rows(rows).map(Some)
}

/// The status of the database at `url` against `directory`, read only.
pub async fn status(url: &DatabaseUrl, directory: &Directory, table: &RevisionsTable) -> Result<Status, MigrateError> {
    let mut session = Session::open_read(url).await?;
    let revisions = read_revisions(&mut session, table).await;
    session.close().await;
    Ok(Status::compare(directory, revisions?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn directory(versions: &[(&str, &str)]) -> Directory {
        Directory {
            path: "m".into(),
            files: versions
                .iter()
                .map(|(v, text)| MigrationFile::new(Version::parse(v).unwrap(), "f", text.to_string()))
                .collect(),
        }
    }

    fn applied(version: &str, text: &str, state: State, ran: u64) -> Revision {
        Revision {
            version: Version::parse(version).unwrap(),
            name: "f".to_string(),
            checksum: super::super::checksum::checksum(text.as_bytes()),
            statements_total: 2,
            statements_applied: ran,
            duration_ms: 0,
            applied_at: String::new(),
            state,
        }
    }

    #[test]
    fn pending_files_follow_the_applied_ones() {
        let dir = directory(&[("1", "a"), ("2", "b"), ("3", "c")]);
        let status = Status::compare(&dir, Some(vec![applied("1", "a", State::Ok, 2)]));
        assert_eq!(status.pending, vec![1, 2]);
        assert_eq!(status.current.unwrap().as_str(), "1");
        assert!(status.problems.is_empty());
        let none = Status::compare(&dir, None);
        assert!(!none.has_table);
        assert_eq!(none.pending, vec![0, 1, 2]);
    }

    #[test]
    fn edited_deleted_ahead_and_out_of_order_are_problems() {
        let dir = directory(&[("1", "a"), ("2", "b"), ("4", "d")]);
        let status = Status::compare(
            &dir,
            Some(vec![
                applied("1", "edited", State::Ok, 2),
                applied("3", "c", State::Ok, 2),
                applied("5", "e", State::Ok, 2),
            ]),
        );
        let text = status.problems.join("\n");
        assert!(text.contains("1_f.sql was edited after it was applied"), "{text}");
        assert!(
            text.contains("version 3 (f) is applied but its file is missing"),
            "{text}"
        );
        assert!(text.contains("ahead of the directory: version 5"), "{text}");
        assert!(
            text.contains("2_f.sql was never applied, but the database already has the later version 5"),
            "{text}"
        );
    }

    #[test]
    fn a_file_stopped_midway_resumes_unless_edited() {
        let dir = directory(&[("1", "a")]);
        let status = Status::compare(&dir, Some(vec![applied("1", "a", State::Failed, 1)]));
        assert_eq!((status.pending.clone(), status.resume), (vec![0], Some((0, 1))));
        assert!(status.problems.is_empty());
        let rolled_back = Status::compare(&dir, Some(vec![applied("1", "old", State::Failed, 0)]));
        assert!(rolled_back.problems.is_empty() && rolled_back.resume.is_none());
        let edited = Status::compare(&dir, Some(vec![applied("1", "old", State::Failed, 1)]));
        assert!(edited.problems[0].contains("stopped after 1"), "{:?}", edited.problems);
    }
}
