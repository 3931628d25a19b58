//! Applying a migration directory: under the schema lock, read the
//! revisions, replay the directory to know what every file must leave, check
//! the database is what its applied files left (nothing changed it beside
//! them), then run the pending files (each in its transaction, all in one,
//! or statement by statement: [`TxMode`]) and check after each file that the
//! database is what the replay predicted. A file that fails is rolled back
//! (when it ran in a transaction) and recorded as failed; the error says
//! what to do next.

use super::directory::{Directory, MigrationFile, Version};
use super::error::MigrateError;
use super::file::{transaction_mode, FileStatement, TxMode};
use super::replay::{replay, Inspect};
use super::revisions::{now_rfc3339, Revision, RevisionsSyntax, RevisionsTable, State};
use super::session::Session;
use super::status::{read_revisions, Status};
use super::sum;
use crate::engine::bookkeeping;
use crate::engine::converge::differences;
use crate::engine::model::Schema;
use crate::engine::options::Options;
use crate::engine::url::DatabaseUrl;
use crate::engine::EngineError;

/// How to apply.
#[derive(Debug, Clone)]
pub struct ApplySettings {
    pub table: RevisionsTable,
    /// Timeouts and the lock wait (PostgreSQL).
    pub options: Options,
    pub txmode: TxMode,
    /// Stop after this version (it must be in the directory).
    pub to: Option<Version>,
    /// Scratch database for the replay (PostgreSQL: else a temporary
    /// database on the target's server).
    pub dev: Option<DatabaseUrl>,
    /// Adopting a database: when its revisions table records nothing, the
    /// files up to this version count as applied (their schema must be the
    /// live one) and an apply records them without running them.
    pub baseline: Option<Version>,
    /// The files (version, checksum) a reviewed plan showed as pending: an
    /// apply that would run others refuses, under the lock, before running
    /// anything (the directory or the database changed since the plan).
    pub expected: Option<Vec<(Version, String)>>,
}

impl Default for ApplySettings {
    fn default() -> ApplySettings {
        ApplySettings {
            table: RevisionsTable::default(),
            options: Options::default(),
            txmode: TxMode::File,
            to: None,
            dev: None,
            baseline: None,
            expected: None,
        }
    }
}

/// A file an apply would run.
#[derive(Debug, Clone)]
pub struct PendingFile {
    pub file: MigrationFile,
    pub statements: Vec<FileStatement>,
    /// How it runs: [`TxMode::None`] for files that say so.
    pub runs_as: TxMode,
    /// Statements already run by an apply that stopped midway.
    pub resume_at: usize,
    /// The schema before it and after it, as the replay left them.
    pub before: Schema,
    pub after: Schema,
}

/// Where the database stands and what an apply would run.
#[derive(Debug, Clone)]
pub struct Assessment {
    pub status: Status,
    pub pending: Vec<PendingFile>,
    /// Revisions `baseline` marks as applied without running them; an
    /// apply records them first.
    pub baselined: Vec<Revision>,
}

/// One batch of files run on the target: in one transaction, or each
/// statement committing by itself.
pub(crate) struct Batch<'a> {
    pub files: Vec<BatchFile<'a>>,
    pub in_transaction: bool,
    /// A query that must return no rows under the write lock before
    /// anything runs (another apply completed these files meanwhile).
    pub guard: Option<String>,
}

pub(crate) type Record<'a> = Box<dyn Fn(usize, bool, u64) -> String + Send + Sync + 'a>;
pub(crate) type Differences<'a> = Box<dyn Fn(&Schema) -> Vec<String> + Send + Sync + 'a>;

pub(crate) struct BatchFile<'a> {
    pub statements: &'a [FileStatement],
    pub resume_at: usize,
    /// The revision record after `applied` statements, completed or not, in
    /// `duration_ms`: SQL for the session to run.
    pub record: Record<'a>,
    /// What differs between the live schema and what the file must leave.
    pub differences: Differences<'a>,
}

impl BatchFile<'_> {
    /// After the file ran: the live schema must be what replay predicted;
    /// then the SQL recording the file as completed. `in_transaction`: the
    /// file ran in a transaction that a mismatch rolls back.
    pub fn completed_record(
        &self,
        file: usize,
        live: &Schema,
        started: std::time::Instant,
        in_transaction: bool,
    ) -> Result<String, BatchFailure> {
        let differences = (self.differences)(live);
        if !differences.is_empty() {
            return Err(BatchFailure::NotAsPredicted {
                file,
                differences,
                rolled_back: in_transaction,
            });
        }
        Ok((self.record)(
            self.statements.len(),
            true,
            started.elapsed().as_millis() as u64,
        ))
    }
}

/// Why a batch stopped.
#[derive(Debug)]
pub(crate) enum BatchFailure {
    /// Statement `index` (0-based) of file `file` (0-based in the batch)
    /// failed; `applied` statements of the file stayed committed.
    Statement {
        file: usize,
        index: usize,
        message: String,
        applied: usize,
    },
    NotAsPredicted {
        file: usize,
        differences: Vec<String>,
        rolled_back: bool,
    },
    /// Another apply completed some of these files meanwhile.
    Concurrent,
    Engine(EngineError),
}

/// What an apply did.
#[derive(Debug, Clone)]
pub struct ApplyReport {
    pub applied: Vec<PendingFile>,
    /// The latest version applied completely now.
    pub current: Option<Version>,
}

/// Where the database at `url` stands, without changing anything.
pub async fn assess(
    url: &DatabaseUrl,
    directory: &Directory,
    settings: &ApplySettings,
) -> Result<Assessment, MigrateError> {
    sum::verify(directory)?;
    let mut session = Session::open_read(url).await?;
    let assessed = assess_on(&mut session, url, directory, settings).await;
    session.close().await;
    assessed
}

async fn assess_on(
    session: &mut Session,
    url: &DatabaseUrl,
    directory: &Directory,
    settings: &ApplySettings,
) -> Result<Assessment, MigrateError> {
    let recorded = read_revisions(session, &settings.table).await?;
    let baselined = match &settings.baseline {
        Some(version) if recorded.as_ref().is_none_or(Vec::is_empty) => {
            baseline_revisions(url, directory, version, settings.dev.as_ref()).await?
        }
        _ => Vec::new(),
    };
    let revisions = if baselined.is_empty() {
        recorded
    } else {
        Some(baselined.clone())
    };
    let status = Status::compare(directory, revisions);
    status.check(url)?;
    if let Some(to) = &settings.to {
        if directory.find(to).is_none() {
            return Err(MigrateError::Database {
                url: url.redacted(),
                problem: format!(
                    "version {to} is not in the migration directory {}",
                    directory.path.display()
                ),
            });
        }
        if status.current.as_ref().is_some_and(|current| to < current) {
            return Err(MigrateError::Database {
                url: url.redacted(),
                problem: format!(
                    "the database is at version {}, after {to}; migrations only go forward",
                    status.current.as_ref().map(Version::to_string).unwrap_or_default()
                ),
            });
        }
    }
    let to_apply: Vec<usize> = status
        .pending
        .iter()
        .copied()
        .filter(|&i| settings.to.as_ref().is_none_or(|to| directory.files[i].version <= *to))
        .collect();
    let applied_count = status.pending.first().copied().unwrap_or(directory.files.len());
    let replayed_count = to_apply.last().map_or(applied_count, |last| last + 1);
    let live = session.inspect(&settings.table).await?;
    let replay = replay(
        url.dialect(),
        Some(url),
        settings.dev.as_ref(),
        &directory.files[..replayed_count],
        Inspect::Each,
    )
    .await?;
    let schema_at = |count: usize| replay.schemas.get(count).cloned().flatten();
    if let Some(failure) = replay.failure {
        return Err(failure);
    }
    if status.resume.is_none() {
        let expected = schema_at(applied_count).unwrap_or_default();
        let drift = differences(&live, &expected);
        if !drift.is_empty() {
            let applied = match &status.current {
                Some(version) => format!("its applied migrations (up to version {version}) create"),
                None => {
                    "an empty database has (no migration is applied yet; `migrate baseline` adopts an existing schema)"
                        .to_string()
                }
            };
            return Err(MigrateError::Database {
                url: url.redacted(),
                problem: format!(
                    "the schema differs from what {applied}; it was changed outside the migrations: {}",
                    drift.join("; ")
                ),
            });
        }
    }
    let transactional_ddl = url.driver()?.capabilities().transactional_ddl;
    let mut pending = Vec::new();
    for index in to_apply {
        let file = &directory.files[index];
        let replayed = &replay.files[index];
        let runs_as = transaction_mode(
            &file.file_name,
            replayed.directives,
            &replayed.statements,
            settings.txmode,
            transactional_ddl,
        )?;
        if settings.txmode == TxMode::All && replayed.statements.iter().any(|s| !s.in_transaction) {
            return Err(MigrateError::Transaction {
                file: file.file_name.clone(),
                problem:
                    "has statements that run outside a transaction, so it cannot run with txmode `all`; use `file`"
                        .to_string(),
            });
        }
        pending.push(PendingFile {
            file: file.clone(),
            statements: replayed.statements.clone(),
            runs_as,
            resume_at: status.resume.filter(|(i, _)| *i == index).map_or(0, |(_, ran)| ran),
            before: schema_at(index).unwrap_or_default(),
            after: schema_at(index + 1).unwrap_or_default(),
        });
    }
    Ok(Assessment {
        status,
        pending,
        baselined,
    })
}

/// The revisions that mark the files up to `version` as applied, as if they
/// had run; whether the live schema is theirs is checked like any applied
/// files' (see [`assess_on`]).
async fn baseline_revisions(
    url: &DatabaseUrl,
    directory: &Directory,
    version: &Version,
    dev: Option<&DatabaseUrl>,
) -> Result<Vec<Revision>, MigrateError> {
    let Some(last) = directory.files.iter().position(|f| &f.version == version) else {
        return Err(MigrateError::Database {
            url: url.redacted(),
            problem: format!(
                "the baseline version {version} is not in the migration directory {}",
                directory.path.display()
            ),
        });
    };
    let files = &directory.files[..=last];
    let replayed = replay(url.dialect(), Some(url), dev, files, Inspect::Last).await?;
    let (replayed, _) = replayed.complete()?;
    Ok(files
        .iter()
        .zip(replayed)
        .map(|(file, replayed)| Revision {
            version: file.version.clone(),
            name: file.name.clone(),
            checksum: file.checksum.clone(),
            statements_total: replayed.statements.len() as u64,
            statements_applied: replayed.statements.len() as u64,
            duration_ms: 0,
            applied_at: now_rfc3339(),
            state: State::Ok,
        })
        .collect())
}

/// Refuses to run other files than the reviewed plan showed.
fn check_expected(
    url: &DatabaseUrl,
    pending: &[PendingFile],
    expected: &[(Version, String)],
) -> Result<(), MigrateError> {
    let running: Vec<(Version, String)> = pending
        .iter()
        .map(|p| (p.file.version.clone(), p.file.checksum.clone()))
        .collect();
    if running == expected {
        return Ok(());
    }
    let list = |files: &[(Version, String)]| {
        if files.is_empty() {
            "none".to_string()
        } else {
            files.iter().map(|(v, _)| v.to_string()).collect::<Vec<_>>().join(", ")
        }
    };
    Err(MigrateError::Database {
        url: url.redacted(),
        problem: format!(
            "the pending migrations are not the ones planned (planned: {}; pending now: {}), or a file changed \
             since the plan: the directory or the database changed in between. Nothing was run; plan again",
            list(expected),
            list(&running)
        ),
    })
}

/// Applies the pending files of `directory` to `url`.
pub async fn apply(
    url: &DatabaseUrl,
    directory: &Directory,
    settings: &ApplySettings,
) -> Result<ApplyReport, MigrateError> {
    sum::verify(directory)?;
    let mut session = Session::open(url, &settings.options).await?;
    let applied = apply_on(&mut session, url, directory, settings).await;
    session.close().await;
    applied
}

async fn apply_on(
    session: &mut Session,
    url: &DatabaseUrl,
    directory: &Directory,
    settings: &ApplySettings,
) -> Result<ApplyReport, MigrateError> {
    let table = &settings.table;
    if table.schema.is_some() && !url.driver()?.capabilities().schemas {
        return Err(MigrateError::Database {
            url: url.redacted(),
            problem: format!(
                "{} has no schemas; name the revisions table without one, not {}",
                url.dialect().display_name(),
                table.sql_name()
            ),
        });
    }
    session.execute(&table.create_sql(session.syntax())).await?;
    let assessment = assess_on(session, url, directory, settings).await?;
    if let Some(expected) = &settings.expected {
        check_expected(url, &assessment.pending, expected)?;
    }
    for revision in &assessment.baselined {
        session.execute(&table.record_sql(session.syntax(), revision)).await?;
    }
    let syntax = session.syntax();
    let mut current = assessment.status.current.clone();
    let files = &assessment.pending;
    let batches: Vec<Vec<&PendingFile>> = match settings.txmode {
        TxMode::All if !files.is_empty() => vec![files.iter().collect()],
        _ => files.iter().map(|f| vec![f]).collect(),
    };
    for group in batches {
        let in_transaction = group.iter().all(|f| f.runs_as != TxMode::None);
        let versions: Vec<&Version> = group.iter().map(|f| &f.file.version).collect();
        let batch = Batch {
            files: group.iter().map(|pending| batch_file(table, syntax, pending)).collect(),
            in_transaction,
            guard: Some(table.completed_sql(syntax, &versions)),
        };
        if let Err(failure) = session.run(&batch).await {
            drop(batch);
            return Err(failed(session, url, table, &group, failure, in_transaction).await);
        }
        current = group.last().map(|f| f.file.version.clone());
    }
    Ok(ApplyReport {
        applied: assessment.pending,
        current,
    })
}

fn batch_file<'a>(table: &'a RevisionsTable, syntax: &'a RevisionsSyntax, pending: &'a PendingFile) -> BatchFile<'a> {
    BatchFile {
        statements: &pending.statements,
        resume_at: pending.resume_at,
        record: Box::new(move |applied, complete, duration_ms| {
            table.record_sql(syntax, &revision(pending, applied, complete, duration_ms))
        }),
        differences: Box::new(move |live| {
            differences(&bookkeeping::hide_named(live.clone(), &table.name), &pending.after)
        }),
    }
}

fn revision(pending: &PendingFile, applied: usize, complete: bool, duration_ms: u64) -> Revision {
    Revision {
        version: pending.file.version.clone(),
        name: pending.file.name.clone(),
        checksum: pending.file.checksum.clone(),
        statements_total: pending.statements.len() as u64,
        statements_applied: applied as u64,
        duration_ms,
        applied_at: now_rfc3339(),
        state: if complete { State::Ok } else { State::Failed },
    }
}

/// The error for a batch that stopped, once the failure is recorded.
async fn failed(
    session: &mut Session,
    url: &DatabaseUrl,
    table: &RevisionsTable,
    group: &[&PendingFile],
    failure: BatchFailure,
    in_transaction: bool,
) -> MigrateError {
    let earlier = |file: usize| {
        if group.len() > 1 && file > 0 {
            format!(" (and the {} file(s) before it in the same transaction)", file)
        } else {
            String::new()
        }
    };
    match failure {
        BatchFailure::Statement {
            file,
            index,
            message,
            applied,
        } => {
            let pending = group[file];
            if in_transaction {
                // Nothing of the file stayed: say so in the table, outside the rolled-back transaction.
                let _ = session
                    .execute(&table.record_sql(session.syntax(), &revision(pending, 0, false, 0)))
                    .await;
            }
            let statement = &pending.statements[index];
            let note = if in_transaction {
                format!(
                    "Nothing of {}{} was committed: its transaction was rolled back, and the revisions table records it \
                     as failed. Fix the cause (a new version of the file, then `migrate hash`, if the file is wrong) \
                     and apply again.",
                    pending.file.file_name,
                    earlier(file)
                )
            } else {
                format!(
                    "{} runs without a transaction: its first {applied} statement(s) stayed committed and are recorded. \
                     Fix the cause in the database and apply again: it resumes at statement {}.",
                    pending.file.file_name,
                    applied + 1
                )
            };
            MigrateError::Apply {
                file: pending.file.file_name.clone(),
                url: url.redacted(),
                index: index + 1,
                line: statement.line,
                statement: statement.sql.clone(),
                message,
                note,
            }
        }
        BatchFailure::NotAsPredicted {
            file,
            differences,
            rolled_back,
        } => {
            let pending = group[file];
            let note = if rolled_back {
                let _ = session
                    .execute(&table.record_sql(session.syntax(), &revision(pending, 0, false, 0)))
                    .await;
                format!(
                    "{}{} was rolled back and is recorded as failed.",
                    pending.file.file_name,
                    earlier(file)
                )
            } else {
                format!(
                    "{} ran without a transaction and stayed committed; it is recorded as not completed. Find out what \
                     else changed the schema before applying again.",
                    pending.file.file_name
                )
            };
            MigrateError::NotAsPredicted {
                file: pending.file.file_name.clone(),
                url: url.redacted(),
                differences,
                note,
            }
        }
        BatchFailure::Concurrent => MigrateError::Database {
            url: url.redacted(),
            problem: "another apply recorded some of these migrations while this one waited for the lock; nothing was \
                      run by this one (see `migrate status`)"
                .to_string(),
        },
        BatchFailure::Engine(error) => MigrateError::from(error),
    }
}
