//! `migrate baseline`: adopt a database that already has a schema (made by
//! hand, by `sqlalchemy_schema`, or by Alembic). Its live schema, rendered as
//! DDL, becomes the directory's first file, recorded as applied, so the
//! files after it start from what the database has. Alembic's
//! `alembic_version` table is recognised and left alone (see
//! engine/bookkeeping.rs): the database can go on being read by Alembic
//! tooling, but from now on migrations come from this directory.

use super::apply::ApplySettings;
use super::diff::write;
use super::directory::{check_name, Directory, MigrationFile, Version};
use super::error::MigrateError;
use super::file::render;
use super::replay::{replay, Inspect};
use super::revisions::{now_rfc3339, now_version, Revision, State};
use super::session::Session;
use super::status::read_revisions;
use crate::engine::bookkeeping::ALEMBIC_VERSION_TABLE;
use crate::engine::converge::differences;
use crate::engine::plan::Statement;
use crate::engine::schema_sql;
use crate::engine::url::DatabaseUrl;

#[derive(Debug)]
pub struct BaselineReport {
    pub file: MigrationFile,
    /// The revision(s) Alembic's table names, when the database has one.
    pub alembic: Option<Vec<String>>,
}

pub async fn baseline(
    url: &DatabaseUrl,
    directory: &Directory,
    settings: &ApplySettings,
    name: &str,
    version: Option<Version>,
) -> Result<BaselineReport, MigrateError> {
    check_name(name)?;
    if let Some(first) = directory.files.first() {
        return Err(MigrateError::Directory {
            path: directory.path.display().to_string(),
            problem: format!(
                "already has migrations ({}, …); a baseline starts an empty directory",
                first.file_name
            ),
        });
    }
    let mut session = Session::open(url, &settings.options).await?;
    let made = baseline_on(&mut session, url, directory, settings, name, version).await;
    session.close().await;
    made
}

async fn baseline_on(
    session: &mut Session,
    url: &DatabaseUrl,
    directory: &Directory,
    settings: &ApplySettings,
    name: &str,
    version: Option<Version>,
) -> Result<BaselineReport, MigrateError> {
    let table = &settings.table;
    if let Some(revisions) = read_revisions(session, table).await? {
        if let Some(last) = revisions.last() {
            return Err(MigrateError::Database {
                url: url.redacted(),
                problem: format!(
                    "already records migrations (version {} and {} more) in {}; it needs no baseline",
                    last.version,
                    revisions.len() - 1,
                    table.sql_name()
                ),
            });
        }
    }
    let live = session.inspect(table).await?;
    let statements: Vec<Statement> = schema_sql(&live, url.dialect())?
        .into_iter()
        .map(Statement::ddl)
        .collect();
    if statements.is_empty() {
        return Err(MigrateError::Database {
            url: url.redacted(),
            problem: "has no schema to adopt; write the first migration with `migrate diff` instead".to_string(),
        });
    }
    let version = version.unwrap_or_else(|| directory.next_version(&now_version()));
    let text = render(&version, name, &statements, false).replace(
        "(migrate diff); review it before it is applied",
        &format!(
            "(migrate baseline): the schema of {} when it was adopted",
            url.redacted()
        ),
    );
    let file = MigrationFile::new(version, name, text);
    let (_, reached) = replay(
        url.dialect(),
        Some(url),
        settings.dev.as_ref(),
        std::slice::from_ref(&file),
        Inspect::Last,
    )
    .await?
    .complete()?;
    let off = differences(&reached, &live);
    if !off.is_empty() {
        return Err(MigrateError::Database {
            url: url.redacted(),
            problem: format!(
                "its schema, rendered as DDL and replayed, is not reproduced exactly, so it cannot be a baseline; differs: {}",
                off.join("; ")
            ),
        });
    }
    let alembic = if session.table_exists(None, ALEMBIC_VERSION_TABLE).await? {
        let rows = session
            .rows(&format!(
                "SELECT {} FROM {ALEMBIC_VERSION_TABLE}",
                session.syntax().as_text("version_num")
            ))
            .await?;
        Some(
            rows.into_iter()
                .filter_map(|row| row.into_iter().next().flatten())
                .collect(),
        )
    } else {
        None
    };
    let mut with_file = directory.clone();
    with_file.files.push(file.clone());
    write(&with_file, &file)?;
    session.execute(&table.create_sql(session.syntax())).await?;
    let revision = Revision {
        version: file.version.clone(),
        name: file.name.clone(),
        checksum: file.checksum.clone(),
        statements_total: statements.len() as u64,
        statements_applied: statements.len() as u64,
        duration_ms: 0,
        applied_at: now_rfc3339(),
        state: State::Ok,
    };
    session.execute(&table.record_sql(session.syntax(), &revision)).await?;
    Ok(BaselineReport { file, alembic })
}
