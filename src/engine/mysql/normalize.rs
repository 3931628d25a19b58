//! Desired DDL → model: the server parses and resolves it in a scratch
//! database (scratch.rs), and we inspect what it made. The DDL first passes
//! the gate in script.rs: refused statements stop everything before
//! anything runs. Statements run one at a time, so a failure names its own.

use sqlx::Executor;

use super::inspect::inspect_connection;
use super::scratch::Scratch;
use super::script;
use crate::engine::error::{database_message, EngineError};
use crate::engine::model::Schema;
use crate::engine::url::DatabaseUrl;

/// `target`: the server to use a temporary database on when `dev` is `None`.
pub async fn normalize(
    target: Option<&DatabaseUrl>,
    dev: Option<&DatabaseUrl>,
    desired_sql: &str,
) -> Result<Schema, EngineError> {
    let statements = script::definitions(desired_sql)?;
    let mut scratch = Scratch::acquire(target, dev).await?;
    let result = async {
        for (position, statement) in statements.iter().enumerate() {
            scratch.conn.execute(sqlx::raw_sql(statement.text)).await.map_err(|e| {
                EngineError::desired_statement_failed(&scratch.label, position, statement, database_message(&e))
            })?;
        }
        let (schema, _) = inspect_connection(&mut scratch.conn, scratch.server, &scratch.label).await?;
        Ok(schema)
    }
    .await;
    let released = scratch.release().await;
    let schema = result?;
    released?;
    Ok(schema)
}
