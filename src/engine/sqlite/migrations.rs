//! Migration files on SQLite: replaying a directory in a private in-memory
//! database (SQLite splits each file itself, so a file is split where it
//! runs), and the session that applies files to the target. A file's
//! transaction starts with `BEGIN IMMEDIATE`, SQLite's write lock: a second
//! apply waits for it, then finds the file recorded and stops.

use std::time::Instant;

use sqlx::sqlite::SqliteConnection;
use sqlx::{Connection, Executor, Row};

use super::c_api::Handle;
use super::connect::{open_for_inspect, open_for_write, open_memory};
use super::inspect::inspect_connection;
use super::script::run_migration;
use crate::engine::error::{database_message, EngineError};
use crate::engine::migrate::{Batch, BatchFailure, DialectReplay, FileStatement};
use crate::engine::model::Schema;
use crate::engine::sqlite::script::single::{self, Failed, Rules};
use crate::engine::url::DatabaseUrl;

/// How the replay's database is named in messages.
const SCRATCH_DATABASE: &str = "sqlite:// (in-memory scratch database replaying the migrations)";

/// Replays migration files (`texts`); `inspect[i]`: whether to inspect
/// before file `i` (0) or after file `i` (`i + 1`).
pub(crate) async fn replay_migrations(texts: &[&str], inspect: &[bool]) -> Result<DialectReplay, EngineError> {
    let mut conn = open_memory(SCRATCH_DATABASE).await?;
    let mut replay = DialectReplay::default();
    replay.schemas.push(inspected(&mut conn, inspect[0]).await?);
    for (index, text) in texts.iter().enumerate() {
        let ran = {
            let mut locked = conn.lock_handle().await.map_err(|e| EngineError::Connect {
                url: SCRATCH_DATABASE.to_string(),
                reason: e.to_string(),
            })?;
            run_migration(&Handle::locked(&mut locked), SCRATCH_DATABASE, text)
        };
        match ran {
            Ok(ran) => replay.files.push(
                ran.into_iter()
                    .map(|r| FileStatement {
                        sql: r.text,
                        line: r.line,
                        in_transaction: r.in_transaction,
                        forbids_transaction: false,
                        fails_if_rows: r.fails_if_rows,
                    })
                    .collect(),
            ),
            Err(error) => {
                replay.failure = Some((index, error));
                break;
            }
        }
        replay.schemas.push(inspected(&mut conn, inspect[index + 1]).await?);
    }
    let _ = conn.close().await;
    Ok(replay)
}

async fn inspected(conn: &mut SqliteConnection, wanted: bool) -> Result<Option<Schema>, EngineError> {
    if wanted {
        Ok(Some(inspect_connection(conn, SCRATCH_DATABASE).await?))
    } else {
        Ok(None)
    }
}

/// A session on the target that applies migration files; `None` for a
/// database file that does not exist yet (read-only sessions only).
pub(crate) struct MigrationSession {
    conn: Option<SqliteConnection>,
    label: String,
}

impl MigrationSession {
    /// Opens the database for writing, creating the file if needed.
    pub async fn open(url: &DatabaseUrl) -> Result<MigrationSession, EngineError> {
        Ok(MigrationSession {
            conn: Some(open_for_write(url).await?),
            label: url.redacted(),
        })
    }

    /// Opens the database read-only; a missing file is an empty database.
    pub async fn open_read(url: &DatabaseUrl) -> Result<MigrationSession, EngineError> {
        Ok(MigrationSession {
            conn: open_for_inspect(url).await?,
            label: url.redacted(),
        })
    }

    pub async fn close(self) {
        if let Some(conn) = self.conn {
            let _ = conn.close().await;
        }
    }

    pub async fn inspect(&mut self) -> Result<Schema, EngineError> {
        match &mut self.conn {
            Some(conn) => inspect_connection(conn, &self.label).await,
            None => Ok(Schema::default()),
        }
    }

    pub async fn table_exists(&mut self, name: &str) -> Result<bool, EngineError> {
        let label = self.label.clone();
        let Some(conn) = &mut self.conn else { return Ok(false) };
        let found = sqlx::query("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1")
            .bind(name)
            .fetch_optional(conn)
            .await
            .map_err(|e| failed(&label, &e))?;
        Ok(found.is_some())
    }

    pub async fn execute(&mut self, sql: &str) -> Result<(), EngineError> {
        let label = self.label.clone();
        let conn = self.conn.as_mut().expect("a write session has a connection");
        conn.execute(sqlx::raw_sql(sql))
            .await
            .map(|_| ())
            .map_err(|e| failed(&label, &e))
    }

    /// The rows of a query the engine wrote, every column cast to text.
    pub async fn rows(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, EngineError> {
        let label = self.label.clone();
        let Some(conn) = &mut self.conn else {
            return Ok(Vec::new());
        };
        let rows = sqlx::query(sql).fetch_all(conn).await.map_err(|e| failed(&label, &e))?;
        Ok(rows
            .iter()
            .map(|row| {
                (0..row.len())
                    .map(|i| row.try_get::<Option<String>, _>(i).ok().flatten())
                    .collect()
            })
            .collect())
    }

    /// Runs `batch` (see [`Batch`]).
    pub async fn run(&mut self, batch: &Batch<'_>) -> Result<(), BatchFailure> {
        let label = self.label.clone();
        let conn = self.conn.as_mut().expect("a write session has a connection");
        if batch.in_transaction {
            run_in_transaction(conn, &label, batch).await
        } else {
            run_one_by_one(conn, &label, batch).await
        }
    }
}

fn failed(label: &str, error: &sqlx::Error) -> EngineError {
    EngineError::Inspect {
        url: label.to_string(),
        reason: database_message(error),
    }
}

/// One statement of a file, contained (single.rs) as the gate ran it in the replay.
async fn run_statement(conn: &mut SqliteConnection, statement: &FileStatement) -> Result<(), String> {
    let outcome = {
        let mut locked = conn.lock_handle().await.map_err(|e| e.to_string())?;
        single::run(&Handle::locked(&mut locked), &statement.sql, Rules::MIGRATION)
    };
    match outcome {
        Ok(rows) if statement.fails_if_rows && !rows.is_empty() => {
            Err(format!("the check returned {} violation(s)", rows.len()))
        }
        Ok(_) => Ok(()),
        Err(Failed::Refused(reason) | Failed::Sqlite(reason)) => Err(reason),
    }
}

async fn run_in_transaction(conn: &mut SqliteConnection, label: &str, batch: &Batch<'_>) -> Result<(), BatchFailure> {
    let engine = |e: sqlx::Error| BatchFailure::Engine(failed(label, &e));
    let outside = |file: usize, index: usize, message: String| BatchFailure::Statement {
        file,
        index,
        message,
        applied: 0,
    };
    let first = batch.files.first();
    let leading = first.map_or(0, |f| f.statements.iter().take_while(|s| !s.in_transaction).count());
    if let Some(file) = first {
        for (index, statement) in file.statements.iter().enumerate().take(leading) {
            run_statement(conn, statement).await.map_err(|m| outside(0, index, m))?;
        }
    }
    {
        let mut tx = conn.begin_with("BEGIN IMMEDIATE").await.map_err(engine)?;
        if let Some(guard) = &batch.guard {
            if !sqlx::query(guard).fetch_all(&mut *tx).await.map_err(engine)?.is_empty() {
                return Err(BatchFailure::Concurrent);
            }
        }
        for (file_index, file) in batch.files.iter().enumerate() {
            let started = Instant::now();
            for (index, statement) in file.statements.iter().enumerate() {
                if !statement.in_transaction {
                    continue;
                }
                run_statement(&mut tx, statement)
                    .await
                    .map_err(|m| outside(file_index, index, m))?;
            }
            let live = inspect_connection(&mut tx, label).await.map_err(BatchFailure::Engine)?;
            let record = file.completed_record(file_index, &live, started, true)?;
            tx.execute(sqlx::raw_sql(&record)).await.map_err(engine)?;
        }
        tx.commit().await.map_err(|e| {
            BatchFailure::Engine(EngineError::Commit {
                url: label.to_string(),
                reason: database_message(&e),
            })
        })?;
    }
    if let Some((file_index, file)) = batch.files.iter().enumerate().next_back() {
        let trailing = file.statements.iter().rev().take_while(|s| !s.in_transaction).count();
        let start = file.statements.len() - trailing;
        for (index, statement) in file
            .statements
            .iter()
            .enumerate()
            .skip(start.max(leading_of(batch, file_index)))
        {
            run_statement(conn, statement)
                .await
                .map_err(|m| outside(file_index, index, m))?;
        }
    }
    Ok(())
}

/// The statements of file `index` that ran before its transaction.
fn leading_of(batch: &Batch<'_>, index: usize) -> usize {
    if index == 0 {
        batch.files[0]
            .statements
            .iter()
            .take_while(|s| !s.in_transaction)
            .count()
    } else {
        0
    }
}

async fn run_one_by_one(conn: &mut SqliteConnection, label: &str, batch: &Batch<'_>) -> Result<(), BatchFailure> {
    let engine = |e: sqlx::Error| BatchFailure::Engine(failed(label, &e));
    for (file_index, file) in batch.files.iter().enumerate() {
        let started = Instant::now();
        for (index, statement) in file.statements.iter().enumerate().skip(file.resume_at) {
            run_statement(conn, statement)
                .await
                .map_err(|message| BatchFailure::Statement {
                    file: file_index,
                    index,
                    message,
                    applied: index,
                })?;
            let progress = (file.record)(index + 1, false, started.elapsed().as_millis() as u64);
            conn.execute(sqlx::raw_sql(&progress)).await.map_err(engine)?;
        }
        let live = inspect_connection(conn, label).await.map_err(BatchFailure::Engine)?;
        let done = file.completed_record(file_index, &live, started, false)?;
        conn.execute(sqlx::raw_sql(&done)).await.map_err(engine)?;
    }
    Ok(())
}

/// Whether `sql` (one statement of a migration file) renames something
/// (`ALTER TABLE … RENAME`): lint only takes a dropped-and-added pair for a
/// rename when the file says so.
pub(crate) fn renames_something(sql: &str) -> bool {
    crate::engine::lexemes::lex(sql)
        .iter()
        .any(|lexed| lexed.is_keyword(sqlparser::keywords::Keyword::RENAME))
}
