//! Migration files on MySQL and MariaDB. DDL commits as it runs (an
//! implicit commit before and after every `CREATE`, `ALTER`, `DROP`, …), so
//! a file cannot be one transaction:
//!
//! - Replay runs the directory in a database of its own (scratch.rs: a
//!   temporary database next to the target, or the empty dev database),
//!   dropped or emptied afterwards, never in a transaction.
//! - Apply runs every file statement by statement, each committing by
//!   itself, and the revisions row records how many ran (`failed N` after a
//!   failure at statement N + 1); the next apply resumes there. This is what
//!   `-- tfalchemy:txmode none` means on the other dialects; a file or apply
//!   asking for a transaction is refused (migrate/file.rs `transaction_mode`).
//! - Concurrent applies wait for the `GET_LOCK` named lock that
//!   `sqlalchemy_schema` applies take (apply.rs), held for the whole session.

use std::time::Instant;

use sqlx::mysql::MySqlConnection;
use sqlx::{Connection, Executor};

use super::apply::{lock_session, unlock};
use super::connect::{open, Server};
use super::ident::quote;
use super::inspect::{inspect_connection, text};
use super::scratch::Scratch;
use super::script::{statements_for, Purpose};
use crate::engine::error::{database_message, EngineError};
use crate::engine::migrate::{Batch, BatchFailure, DialectReplay, FileStatement, RevisionsSyntax, Upsert};
use crate::engine::model::Schema;
use crate::engine::options::Options;
use crate::engine::url::DatabaseUrl;

/// The revisions table on MySQL: backticks, a `VARCHAR` key (a `TEXT`
/// column cannot be a primary key without a prefix length), `CAST(… AS
/// CHAR)`, and `ON DUPLICATE KEY UPDATE` (there is no `ON CONFLICT`) with
/// `VALUES(c)`, which MariaDB and every MySQL read.
pub static REVISIONS_SYNTAX: RevisionsSyntax = RevisionsSyntax {
    quote,
    // Versions are digits: a timestamp is 14 of them.
    key_type: "VARCHAR(64)",
    text_cast: "CHAR",
    upsert: Upsert::OnDuplicateKey,
};

/// [`REVISIONS_SYNTAX`] with MySQL 8.0.19's row alias instead of `VALUES()`,
/// which MySQL 8.0.20+ deprecates (a warning on every revision written).
static REVISIONS_SYNTAX_ROW_ALIAS: RevisionsSyntax = RevisionsSyntax {
    upsert: Upsert::OnDuplicateKeyRowAlias,
    ..REVISIONS_SYNTAX
};

/// How `server` reads the revisions table's upsert best.
pub fn revisions_syntax(server: &Server) -> &'static RevisionsSyntax {
    if !server.is_mariadb() && server.at_least(8, 0, 19) {
        &REVISIONS_SYNTAX_ROW_ALIAS
    } else {
        &REVISIONS_SYNTAX
    }
}

/// Replays migration files (`texts`) in a scratch database; `inspect[i]`:
/// whether to inspect before file `i` (0) or after file `i` (`i + 1`).
pub(crate) async fn replay_migrations(
    target: Option<&DatabaseUrl>,
    dev: Option<&DatabaseUrl>,
    texts: &[&str],
    inspect: &[bool],
) -> Result<DialectReplay, EngineError> {
    let mut scratch = Scratch::acquire(target, dev).await?;
    let replayed = replay_on(&mut scratch, texts, inspect).await;
    let released = scratch.release().await;
    let replay = replayed?;
    released?;
    Ok(replay)
}

async fn replay_on(scratch: &mut Scratch, texts: &[&str], inspect: &[bool]) -> Result<DialectReplay, EngineError> {
    let mut replay = DialectReplay::default();
    replay.schemas.push(inspected(scratch, inspect[0]).await?);
    for (index, text) in texts.iter().enumerate() {
        match replay_file(&mut scratch.conn, &scratch.label, text).await {
            Ok(statements) => replay.files.push(statements),
            Err(error) => {
                replay.failure = Some((index, error));
                break;
            }
        }
        replay.schemas.push(inspected(scratch, inspect[index + 1]).await?);
    }
    Ok(replay)
}

async fn inspected(scratch: &mut Scratch, wanted: bool) -> Result<Option<Schema>, EngineError> {
    if !wanted {
        return Ok(None);
    }
    let (schema, _) = inspect_connection(&mut scratch.conn, scratch.server, &scratch.label).await?;
    Ok(Some(schema))
}

/// One file, through the gate in its migration mode, run statement by
/// statement as apply will run it on the target.
async fn replay_file(conn: &mut MySqlConnection, label: &str, text: &str) -> Result<Vec<FileStatement>, EngineError> {
    let statements = statements_for(Purpose::Migration, text)?;
    for (position, statement) in statements.iter().enumerate() {
        conn.execute(sqlx::raw_sql(statement.text))
            .await
            .map_err(|e| EngineError::desired_statement_failed(label, position, statement, database_message(&e)))?;
    }
    Ok(statements
        .iter()
        .map(|statement| FileStatement {
            sql: statement.text.to_string(),
            line: statement.line,
            // Nothing runs inside a transaction here, and nothing needs to
            // run outside one: every statement commits by itself.
            in_transaction: false,
            forbids_transaction: false,
            fails_if_rows: false,
        })
        .collect())
}

/// A session on the target that applies migration files; a write session
/// holds the apply lock until [`MigrationSession::close`].
pub(crate) struct MigrationSession {
    conn: MySqlConnection,
    server: Server,
    label: String,
    /// The `GET_LOCK` name held (write sessions).
    lock: Option<String>,
}

impl MigrationSession {
    /// Opens a session and waits for the apply lock (up to `lock_timeout`,
    /// which also bounds how long DDL waits for metadata locks).
    pub async fn open(url: &DatabaseUrl, options: &Options) -> Result<MigrationSession, EngineError> {
        let label = url.redacted();
        let (mut conn, server) = open(url).await?;
        let lock = match lock_session(&mut conn, &label, options).await {
            Ok(lock) => lock,
            Err(error) => {
                let _ = conn.close().await;
                return Err(error);
            }
        };
        Ok(MigrationSession {
            conn,
            server,
            label,
            lock: Some(lock),
        })
    }

    /// A session that only reads (no lock).
    pub async fn open_read(url: &DatabaseUrl) -> Result<MigrationSession, EngineError> {
        let (conn, server) = open(url).await?;
        Ok(MigrationSession {
            conn,
            server,
            label: url.redacted(),
            lock: None,
        })
    }

    pub async fn close(mut self) {
        if let Some(lock) = &self.lock {
            unlock(&mut self.conn, lock).await;
        }
        let _ = self.conn.close().await;
    }

    /// The revisions table's spelling on the server this session reached.
    pub fn revisions_syntax(&self) -> &'static RevisionsSyntax {
        revisions_syntax(&self.server)
    }

    /// The database, as messages name it.
    pub fn label(&self) -> &str {
        &self.label
    }

    pub async fn inspect(&mut self) -> Result<Schema, EngineError> {
        Ok(inspect_connection(&mut self.conn, self.server, &self.label).await?.0)
    }

    /// Whether the table `name` exists in the session's database (one
    /// database is one schema: there is no other namespace to look in).
    pub async fn table_exists(&mut self, name: &str) -> Result<bool, EngineError> {
        let found =
            sqlx::query("SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?")
                .bind(name)
                .fetch_optional(&mut self.conn)
                .await
                .map_err(|e| self.failed(&e))?;
        Ok(found.is_some())
    }

    /// Runs SQL the engine wrote (one statement).
    pub async fn execute(&mut self, sql: &str) -> Result<(), EngineError> {
        self.conn
            .execute(sqlx::raw_sql(sql))
            .await
            .map(|_| ())
            .map_err(|e| self.failed(&e))
    }

    /// The rows of a query the engine wrote, as text.
    pub async fn rows(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, EngineError> {
        let rows = sqlx::query(sql)
            .fetch_all(&mut self.conn)
            .await
            .map_err(|e| self.failed(&e))?;
        Ok(rows
            .iter()
            .map(|row| (0..sqlx::Row::len(row)).map(|i| text(row, i)).collect())
            .collect())
    }

    fn failed(&self, error: &sqlx::Error) -> EngineError {
        EngineError::Inspect {
            url: self.label.clone(),
            reason: database_message(error),
        }
    }

    /// Runs `batch` statement by statement, recording after each statement
    /// how many of its file ran, and after each file that it completed (once
    /// the live schema is what the replay predicted).
    pub async fn run(&mut self, batch: &Batch<'_>) -> Result<(), BatchFailure> {
        if batch.in_transaction {
            // migrate/file.rs never asks for one where DDL is not transactional.
            return Err(BatchFailure::Engine(EngineError::Unsupported {
                url: self.label.clone(),
                what: "running migration files in a transaction (DDL commits implicitly)".to_string(),
            }));
        }
        if let Some(guard) = &batch.guard {
            let done = self.rows(guard).await.map_err(BatchFailure::Engine)?;
            if !done.is_empty() {
                return Err(BatchFailure::Concurrent);
            }
        }
        for (file_index, file) in batch.files.iter().enumerate() {
            let started = Instant::now();
            for (index, statement) in file.statements.iter().enumerate().skip(file.resume_at) {
                if let Err(error) = self.conn.execute(sqlx::raw_sql(&statement.sql)).await {
                    // The statement failed; those before it stayed committed.
                    let progress = (file.record)(index, false, started.elapsed().as_millis() as u64);
                    self.execute(&progress).await.map_err(BatchFailure::Engine)?;
                    return Err(BatchFailure::Statement {
                        file: file_index,
                        index,
                        message: database_message(&error),
                        applied: index,
                    });
                }
                // Until the file is done, its record says how far it got.
                let progress = (file.record)(index + 1, false, started.elapsed().as_millis() as u64);
                self.execute(&progress).await.map_err(BatchFailure::Engine)?;
            }
            let live = self.inspect().await.map_err(BatchFailure::Engine)?;
            let done = file.completed_record(file_index, &live, started, false)?;
            self.execute(&done).await.map_err(BatchFailure::Engine)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::migrate::{Revision, RevisionsTable, State, Version};

    #[test]
    fn the_revisions_upsert_is_spelled_for_the_server() {
        let revision = Revision {
            version: Version::parse("1").expect("version"),
            name: "init".to_string(),
            checksum: "h1:x".to_string(),
            statements_total: 2,
            statements_applied: 2,
            duration_ms: 3,
            applied_at: "2025-01-01T00:00:00Z".to_string(),
            state: State::Ok,
        };
        let record = |version: &str| {
            RevisionsTable::default().record_sql(revisions_syntax(&Server::from_version(version)), &revision)
        };
        for values in ["10.11.6-MariaDB", "11.4.2-MariaDB", "8.0.18", "5.7.44"] {
            let sql = record(values);
            assert!(
                sql.contains("') ON DUPLICATE KEY UPDATE name = VALUES(name),")
                    && sql.ends_with("state = VALUES(state)"),
                "{values}: {sql}"
            );
        }
        for alias in ["8.0.19", "8.0.36", "8.4.0", "9.1.0"] {
            let sql = record(alias);
            assert!(
                sql.contains("') AS new ON DUPLICATE KEY UPDATE name = new.name,")
                    && sql.ends_with("state = new.state")
                    && !sql.contains("VALUES("),
                "{alias}: {sql}"
            );
        }
    }
}
