//! Which MySQL/MariaDB normalizes desired SQL, as far as the result depends
//! on it: flavour and version, the database's default character set and
//! collation (a temporary database takes the target's), how names are
//! cased, and the SQL mode. Part of the normalization cache's key
//! (engine/normalized.rs).

use sqlx::Connection;

use super::connect::open;
use crate::engine::error::{database_message, EngineError};
use crate::engine::url::DatabaseUrl;

const IDENTITY: &str = "SELECT CONCAT_WS(' ', VERSION(), @@character_set_database, @@collation_database, \
                        @@lower_case_table_names, @@sql_mode)";

pub async fn normalizer_identity(
    target: Option<&DatabaseUrl>,
    dev: Option<&DatabaseUrl>,
) -> Result<String, EngineError> {
    let (url, kind) = match (dev, target) {
        (Some(dev), _) => (dev, "dev database"),
        (None, Some(target)) => (target, "temporary database"),
        (None, None) => {
            return Err(EngineError::DevDatabase {
                url: "mysql".to_string(),
                reason: "there is no target server to create one on".to_string(),
            })
        }
    };
    let (mut conn, _) = open(url).await?;
    let found = sqlx::query_scalar::<_, String>(IDENTITY).fetch_one(&mut conn).await;
    let _ = conn.close().await;
    let found = found.map_err(|e| EngineError::Connect {
        url: url.redacted(),
        reason: database_message(&e),
    })?;
    Ok(format!("MySQL {found} ({kind})"))
}
