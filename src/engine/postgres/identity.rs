//! Which PostgreSQL normalizes desired SQL, as far as the result depends on
//! it: the server's version, and the encoding and collation a scratch
//! database has there (the dev database's own, or `template0`'s, which a
//! temporary database copies). Part of the normalization cache's key
//! (engine/normalized.rs).

use sqlx::Connection;

use super::connect::open;
use crate::engine::error::{database_message, EngineError};
use crate::engine::url::DatabaseUrl;

pub async fn normalizer_identity(
    target: Option<&DatabaseUrl>,
    dev: Option<&DatabaseUrl>,
) -> Result<String, EngineError> {
    let (url, database, kind) = match (dev, target) {
        (Some(dev), _) => (dev, "current_database()", "dev database"),
        (None, Some(target)) => (target, "'template0'", "temporary database"),
        (None, None) => {
            return Err(EngineError::DevDatabase {
                url: "postgres".to_string(),
                reason: "there is no target server to create one on".to_string(),
            })
        }
    };
    let mut conn = open(url).await?;
    let query = format!(
        "SELECT concat_ws(' ', current_setting('server_version'), pg_encoding_to_char(encoding), datcollate, datctype) \
         FROM pg_database WHERE datname = {database}"
    );
    let found = sqlx::query_scalar::<_, String>(&query).fetch_one(&mut conn).await;
    let _ = conn.close().await;
    let found = found.map_err(|e| EngineError::Connect {
        url: url.redacted(),
        reason: database_message(&e),
    })?;
    Ok(format!("PostgreSQL {found} ({kind})"))
}
