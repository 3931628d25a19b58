//! Running data probes on MySQL/MariaDB: each count in a read-only
//! transaction under the server's statement time limit (MySQL's
//! `MAX_EXECUTION_TIME` optimizer hint, MariaDB's `max_statement_time`), so
//! a probe can neither write nor hold up a plan for long. How large the
//! tables are that a plan copies comes from information_schema, never from
//! the rows; busy means other sessions have a metadata lock or a running
//! statement on the table.

use sqlx::mysql::MySqlConnection;
use sqlx::{Executor, Row};

use super::connect::{open, Server};
use crate::engine::activity::{Activities, TableActivity};
use crate::engine::error::{database_message, EngineError};
use crate::engine::probe::{Answers, ProbeFailure, PROBE_TIME_LIMIT};
use crate::engine::url::DatabaseUrl;

/// Server error codes of a statement cut short by the time limit
/// (MySQL 3024 ER_QUERY_TIMEOUT, MariaDB 1969 ER_STATEMENT_TIMEOUT).
const TIMED_OUT: [u16; 2] = [3024, 1969];
/// Unknown table or column: the probe names something the plan creates.
const UNDEFINED: [u16; 2] = [1146, 1054];

/// Answers the count `queries` and looks at the size of the `locked` tables
/// (backtick-quoted names of the connection's database).
pub async fn run(
    url: &DatabaseUrl,
    queries: &[String],
    locked: &[String],
) -> Result<(Answers, Activities), EngineError> {
    let (mut conn, server) = open(url).await?;
    let mut answers = Answers::new();
    for sql in queries {
        answers.insert(sql.clone(), count(&mut conn, &server, sql).await);
    }
    let mut activities = Activities::new();
    for table in locked {
        activities.insert(table.clone(), activity(&mut conn, table).await.map_err(failure));
    }
    let _ = sqlx::Connection::close(conn).await;
    Ok((answers, activities))
}

/// `sql` as MySQL runs it under the time limit: the hint goes after `SELECT`.
fn limited(sql: &str, server: &Server) -> String {
    if server.is_mariadb() {
        return sql.to_string();
    }
    match sql.strip_prefix("SELECT ") {
        Some(rest) => format!(
            "SELECT /*+ MAX_EXECUTION_TIME({}) */ {rest}",
            PROBE_TIME_LIMIT.as_millis()
        ),
        None => sql.to_string(),
    }
}

async fn count(conn: &mut MySqlConnection, server: &Server, sql: &str) -> Result<i64, ProbeFailure> {
    let begin = if server.is_mariadb() {
        format!(
            "SET SESSION max_statement_time = {}; START TRANSACTION READ ONLY",
            PROBE_TIME_LIMIT.as_secs_f64()
        )
    } else {
        "START TRANSACTION READ ONLY".to_string()
    };
    conn.execute(sqlx::raw_sql(&begin)).await.map_err(failure)?;
    let answer = sqlx::query(&limited(sql, server))
        .fetch_one(&mut *conn)
        .await
        .and_then(|row| row.try_get::<i64, _>(0))
        .map_err(failure);
    let _ = conn
        .execute(sqlx::raw_sql("ROLLBACK; SET SESSION max_statement_time = DEFAULT"))
        .await;
    answer
}

async fn activity(conn: &mut MySqlConnection, table: &str) -> Result<TableActivity, sqlx::Error> {
    let name = table.trim_matches('`').replace("``", "`");
    let row = sqlx::query(
        "SELECT CAST(TABLE_ROWS AS SIGNED), CAST(DATA_LENGTH + INDEX_LENGTH AS SIGNED), \
         (SELECT COUNT(*) FROM information_schema.PROCESSLIST p \
           WHERE p.DB = DATABASE() AND p.ID <> CONNECTION_ID() AND p.COMMAND <> 'Sleep' \
             AND p.INFO LIKE CONCAT('%', ?, '%')) \
         FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?",
    )
    .bind(&name)
    .bind(&name)
    .fetch_one(&mut *conn)
    .await?;
    Ok(TableActivity {
        estimated_rows: row.try_get::<Option<i64>, _>(0)?,
        bytes: row.try_get::<Option<i64>, _>(1)?.unwrap_or(0),
        other_sessions: row.try_get::<i64, _>(2)?,
    })
}

fn failure(error: sqlx::Error) -> ProbeFailure {
    if let sqlx::Error::Database(db) = &error {
        let code = db
            .try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>()
            .map(|e| e.number());
        if code.is_some_and(|c| TIMED_OUT.contains(&c)) {
            return ProbeFailure::TimedOut;
        }
        if code.is_some_and(|c| UNDEFINED.contains(&c)) {
            return ProbeFailure::NeedsThePlan;
        }
    }
    ProbeFailure::Failed(database_message(&error))
}
