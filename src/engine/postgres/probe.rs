//! Running data probes on PostgreSQL: each query in its own read-only
//! transaction under `SET LOCAL statement_timeout`, so a probe can neither
//! write nor hold up a plan on a huge (or locked) table for long. The same
//! goes for the activity of tables a plan locks, read from the catalog
//! (`pg_class`) and the lock table (`pg_locks`), never from the rows.

use sqlx::postgres::PgConnection;
use sqlx::{Executor, Row};

use super::connect::open;
use crate::engine::activity::{Activities, TableActivity};
use crate::engine::error::{database_message, EngineError};
use crate::engine::probe::{Answers, ProbeFailure, PROBE_TIME_LIMIT};
use crate::engine::url::DatabaseUrl;

/// SQLSTATE of a statement cancelled by `statement_timeout`.
const QUERY_CANCELED: &str = "57014";
/// SQLSTATEs of a query naming what does not exist yet: undefined table,
/// column, function, object.
const UNDEFINED: [&str; 4] = ["42P01", "42703", "42883", "42704"];

/// The table's row estimate (-1 before its first analyze), its size as of
/// then, and the other sessions holding or awaiting a lock on it now.
/// Autovacuum does not count: it gives way to a lock request.
const ACTIVITY: &str = "\
SELECT c.reltuples::float8,
       c.relpages::int8 * current_setting('block_size')::int8,
       (SELECT count(DISTINCT l.pid)
          FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
         WHERE l.locktype = 'relation' AND l.relation = c.oid
           AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
           AND l.pid <> pg_backend_pid()
           AND a.backend_type IS DISTINCT FROM 'autovacuum worker')
  FROM pg_class c
 WHERE c.oid = to_regclass($1)";

/// Answers the count `queries` and looks at the activity of the `locked` tables.
pub async fn run(
    url: &DatabaseUrl,
    queries: &[String],
    locked: &[String],
) -> Result<(Answers, Activities), EngineError> {
    let mut conn = open(url).await?;
    let mut answers = Answers::new();
    for sql in queries {
        let answer = match begin_read_only(&mut conn).await {
            Ok(()) => count(&mut conn, sql).await.map_err(failure),
            Err(failed) => Err(failed),
        };
        rollback(&mut conn).await;
        answers.insert(sql.clone(), answer);
    }
    let mut activities = Activities::new();
    for table in locked {
        let answer = match begin_read_only(&mut conn).await {
            Ok(()) => activity(&mut conn, table).await.map_err(failure),
            Err(failed) => Err(failed),
        };
        rollback(&mut conn).await;
        activities.insert(table.clone(), answer);
    }
    // Nothing was written; a failed close loses nothing.
    let _ = sqlx::Connection::close(conn).await;
    Ok((answers, activities))
}

/// A read-only transaction whose statements may run for [`PROBE_TIME_LIMIT`].
async fn begin_read_only(conn: &mut PgConnection) -> Result<(), ProbeFailure> {
    let begin = format!(
        "BEGIN READ ONLY; SET LOCAL statement_timeout = '{}ms'",
        PROBE_TIME_LIMIT.as_millis()
    );
    conn.execute(sqlx::raw_sql(&begin)).await.map(|_| ()).map_err(failure)
}

/// Also ends a transaction a failed query aborted.
async fn rollback(conn: &mut PgConnection) {
    let _ = conn.execute(sqlx::raw_sql("ROLLBACK")).await;
}

async fn count(conn: &mut PgConnection, sql: &str) -> Result<i64, sqlx::Error> {
    conn.fetch_one(sqlx::raw_sql(sql)).await?.try_get::<i64, _>(0)
}

async fn activity(conn: &mut PgConnection, table: &str) -> Result<TableActivity, sqlx::Error> {
    let row = sqlx::query(ACTIVITY)
        .bind(table)
        .fetch_optional(&mut *conn)
        .await?
        // A table this plan creates first (renamed to its new name, say).
        .ok_or(sqlx::Error::RowNotFound)?;
    let estimated_rows: f64 = row.try_get(0)?;
    Ok(TableActivity {
        estimated_rows: (estimated_rows >= 0.0).then_some(estimated_rows as i64),
        bytes: row.try_get(1)?,
        other_sessions: row.try_get(2)?,
    })
}

fn failure(error: sqlx::Error) -> ProbeFailure {
    if matches!(error, sqlx::Error::RowNotFound) {
        return ProbeFailure::NeedsThePlan;
    }
    let code = error.as_database_error().and_then(|e| e.code().map(|c| c.into_owned()));
    match code.as_deref() {
        Some(QUERY_CANCELED) => ProbeFailure::TimedOut,
        Some(code) if UNDEFINED.contains(&code) => ProbeFailure::NeedsThePlan,
        _ => ProbeFailure::Failed(database_message(&error)),
    }
}
