//! Migration files on PostgreSQL: replaying a directory in a scratch
//! database (the same one normalization and plan replays use, in a
//! transaction that is rolled back), and the session that applies files to
//! the target under the schema lock every apply takes.

use std::time::Instant;

use sqlx::postgres::PgConnection;
use sqlx::{Connection, Executor, Row};

use super::apply::{lock, set_timeouts, APPLY_LOCK_KEY};
use super::connect::{open, pin_session};
use super::inspect::inspect_connection;
use super::normalize::message_with_position;
use super::scratch::Scratch;
use super::script::{contain_for, Purpose};
use crate::engine::error::{database_message, EngineError};
use crate::engine::migrate::{Batch, BatchFailure, DialectReplay, FileStatement};
use crate::engine::model::Schema;
use crate::engine::options::{Options, DEFAULT_LOCK_TIMEOUT};
use crate::engine::url::DatabaseUrl;

/// Replays migration files (`texts`) in a scratch database; `inspect[i]`:
/// whether to inspect before file `i` (0) or after file `i` (`i + 1`).
pub(crate) async fn replay_migrations(
    target: Option<&DatabaseUrl>,
    dev: Option<&DatabaseUrl>,
    texts: &[&str],
    inspect: &[bool],
) -> Result<DialectReplay, EngineError> {
    let mut scratch = Scratch::acquire(target, dev).await?;
    let label = scratch.label.clone();
    let result = async {
        let mut tx = scratch.begin().await?;
        let replayed = replay_on(&mut tx, &label, texts, inspect).await;
        // The rollback keeps the scratch database empty.
        let _ = tx.rollback().await;
        replayed
    }
    .await;
    scratch.release().await;
    result
}

async fn replay_on(
    conn: &mut PgConnection,
    label: &str,
    texts: &[&str],
    inspect: &[bool],
) -> Result<DialectReplay, EngineError> {
    let mut replay = DialectReplay::default();
    replay.schemas.push(inspected(conn, label, inspect[0]).await?);
    for (index, text) in texts.iter().enumerate() {
        match replay_file(conn, label, text).await {
            Ok(statements) => replay.files.push(statements),
            Err(error) => {
                replay.failure = Some((index, error));
                break;
            }
        }
        replay.schemas.push(inspected(conn, label, inspect[index + 1]).await?);
    }
    Ok(replay)
}

async fn inspected(conn: &mut PgConnection, label: &str, wanted: bool) -> Result<Option<Schema>, EngineError> {
    if !wanted {
        return Ok(None);
    }
    pin_session(conn, label).await?;
    Ok(Some(inspect_connection(conn, label).await?.0))
}

/// One file, contained (script/ in its migration mode) and run in its
/// scratch form inside a savepoint; what it runs on the target is the
/// statement as written.
async fn replay_file(conn: &mut PgConnection, label: &str, text: &str) -> Result<Vec<FileStatement>, EngineError> {
    let script = contain_for(Purpose::Migration, text)?;
    let session = |e: sqlx::Error| EngineError::Connect {
        url: label.to_string(),
        reason: database_message(&e),
    };
    // Function bodies are checked when called, as when normalizing.
    conn.execute("SET LOCAL check_function_bodies = off")
        .await
        .map_err(session)?;
    for (position, contained) in script.statements.iter().enumerate() {
        if contained.scratch_sql.is_empty() {
            continue;
        }
        conn.execute(sqlx::raw_sql(&contained.scratch_sql)).await.map_err(|e| {
            let statement = &contained.statement;
            EngineError::desired_statement_failed(label, position, statement, message_with_position(&e, statement.text))
        })?;
    }
    script.bodies.restore(conn, label).await?;
    pin_session(conn, label).await?;
    Ok(script
        .statements
        .iter()
        .map(|contained| FileStatement {
            sql: contained.statement.text.to_string(),
            line: contained.statement.line,
            in_transaction: contained.in_transaction,
            forbids_transaction: !contained.in_transaction,
            fails_if_rows: false,
        })
        .collect())
}

/// A session on the target that applies migration files, holding the
/// schema lock (the advisory lock `sqlalchemy_schema` applies take too).
pub(crate) struct MigrationSession {
    conn: PgConnection,
    label: String,
    options: Options,
}

impl MigrationSession {
    /// Opens a session and waits for the schema lock (up to `lock_timeout`).
    pub async fn open(url: &DatabaseUrl, options: &Options) -> Result<MigrationSession, EngineError> {
        let label = url.redacted();
        let lock_wait = options.lock_wait()?;
        let mut conn = open(url).await?;
        set_timeouts(&mut conn, options).await?;
        lock(&mut conn, &label, lock_wait, options).await?;
        Ok(MigrationSession {
            conn,
            label,
            options: options.clone(),
        })
    }

    /// A session that only reads (no lock).
    pub async fn open_read(url: &DatabaseUrl) -> Result<MigrationSession, EngineError> {
        Ok(MigrationSession {
            conn: open(url).await?,
            label: url.redacted(),
            options: Options::default(),
        })
    }

    pub async fn close(mut self) {
        let _ = self
            .conn
            .execute(sqlx::query("SELECT pg_advisory_unlock($1)").bind(APPLY_LOCK_KEY))
            .await;
        let _ = self.conn.close().await;
    }

    pub async fn inspect(&mut self) -> Result<Schema, EngineError> {
        Ok(inspect_connection(&mut self.conn, &self.label).await?.0)
    }

    /// Whether the table `name` (optionally `schema.name`) exists.
    pub async fn table_exists(&mut self, qualified: &str) -> Result<bool, EngineError> {
        let row = sqlx::query("SELECT to_regclass($1) IS NOT NULL")
            .bind(qualified)
            .fetch_one(&mut self.conn)
            .await
            .map_err(|e| self.failed(&e))?;
        Ok(row.try_get::<bool, _>(0).unwrap_or(false))
    }

    /// Runs bookkeeping SQL the engine wrote (one or more statements).
    pub async fn execute(&mut self, sql: &str) -> Result<(), EngineError> {
        self.conn
            .execute(sqlx::raw_sql(sql))
            .await
            .map(|_| ())
            .map_err(|e| self.failed(&e))
    }

    /// The rows of a query the engine wrote, every column cast to text.
    pub async fn rows(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, EngineError> {
        let rows = sqlx::query(sql)
            .fetch_all(&mut self.conn)
            .await
            .map_err(|e| self.failed(&e))?;
        Ok(rows
            .iter()
            .map(|row| {
                (0..row.len())
                    .map(|i| row.try_get::<Option<String>, _>(i).ok().flatten())
                    .collect()
            })
            .collect())
    }

    fn failed(&self, error: &sqlx::Error) -> EngineError {
        EngineError::Inspect {
            url: self.label.clone(),
            reason: database_message(error),
        }
    }

    /// Runs `batch`: its files in one transaction, or statement by
    /// statement (see [`Batch`]).
    pub async fn run(&mut self, batch: &Batch<'_>) -> Result<(), BatchFailure> {
        if batch.in_transaction {
            self.run_in_transaction(batch).await
        } else {
            self.run_one_by_one(batch).await
        }
    }

    async fn run_in_transaction(&mut self, batch: &Batch<'_>) -> Result<(), BatchFailure> {
        let label = self.label.clone();
        let engine = |e: sqlx::Error| {
            BatchFailure::Engine(EngineError::Connect {
                url: label.clone(),
                reason: database_message(&e),
            })
        };
        let mut tx = self.conn.begin().await.map_err(engine)?;
        if self.options.lock_timeout.is_none() {
            tx.execute(sqlx::raw_sql(&format!(
                "SET LOCAL lock_timeout = '{DEFAULT_LOCK_TIMEOUT}'"
            )))
            .await
            .map_err(engine)?;
        }
        if let Some(guard) = &batch.guard {
            if !sqlx::query(guard).fetch_all(&mut *tx).await.map_err(engine)?.is_empty() {
                return Err(BatchFailure::Concurrent);
            }
        }
        for (file_index, file) in batch.files.iter().enumerate() {
            let started = Instant::now();
            for (index, statement) in file.statements.iter().enumerate() {
                if let Err(error) = tx.execute(sqlx::raw_sql(&statement.sql)).await {
                    return Err(BatchFailure::Statement {
                        file: file_index,
                        index,
                        message: message_with_position(&error, &statement.sql),
                        applied: 0,
                    });
                }
            }
            pin_session(&mut tx, &self.label).await.map_err(BatchFailure::Engine)?;
            let live = inspect_connection(&mut tx, &self.label)
                .await
                .map_err(BatchFailure::Engine)?
                .0;
            let record = file.completed_record(file_index, &live, started, true)?;
            tx.execute(sqlx::raw_sql(&record)).await.map_err(engine)?;
        }
        tx.commit().await.map_err(|e| {
            BatchFailure::Engine(EngineError::Commit {
                url: self.label.clone(),
                reason: database_message(&e),
            })
        })
    }

    async fn run_one_by_one(&mut self, batch: &Batch<'_>) -> Result<(), BatchFailure> {
        for (file_index, file) in batch.files.iter().enumerate() {
            let started = Instant::now();
            for (index, statement) in file.statements.iter().enumerate().skip(file.resume_at) {
                if let Err(error) = self.conn.execute(sqlx::raw_sql(&statement.sql)).await {
                    return Err(BatchFailure::Statement {
                        file: file_index,
                        index,
                        message: message_with_position(&error, &statement.sql),
                        applied: index,
                    });
                }
                // Until the file is done, its record says how far it got.
                let progress = (file.record)(index + 1, false, started.elapsed().as_millis() as u64);
                self.execute(&progress).await.map_err(BatchFailure::Engine)?;
            }
            pin_session(&mut self.conn, &self.label)
                .await
                .map_err(BatchFailure::Engine)?;
            let live = self.inspect().await.map_err(BatchFailure::Engine)?;
            let done = file.completed_record(file_index, &live, started, false)?;
            self.execute(&done).await.map_err(BatchFailure::Engine)?;
        }
        Ok(())
    }
}

/// Whether `sql` (one statement of a migration file) renames something, as
/// PostgreSQL's grammar reads it: lint only takes a dropped-and-added pair for
/// a rename when the file says so.
pub(crate) fn renames_something(sql: &str) -> bool {
    use pg_query::NodeEnum;
    let Ok(parsed) = super::script::parse(sql) else {
        return false;
    };
    parsed
        .stmts
        .iter()
        .filter_map(|raw| raw.stmt.as_ref().and_then(|node| node.node.as_ref()))
        .any(|node| matches!(node, NodeEnum::RenameStmt(_)))
}
