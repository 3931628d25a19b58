//! Normalization, remembered. Loading a 1,000-table schema into a scratch
//! database costs seconds, and the same desired schema is normalized again
//! and again: by every plan whose configuration did not change the schema,
//! by Terraform's second plan at apply time, and by the apply itself. So a
//! normalized schema is kept on disk (`$XDG_CACHE_HOME/tfalchemy/normalized`,
//! else `~/.cache/tfalchemy/normalized`) and reused when everything it
//! depends on is the same. The key covers:
//!
//! - the desired SQL's canonical form (engine/canonical.rs: its tokens
//!   without comments), so a comment or a moved model is the same entry;
//! - the dialect;
//! - the database that normalizes it: for PostgreSQL the server's version,
//!   and the encoding and collation a scratch database gets there (of the dev
//!   database, or of `template0` for a temporary one); for SQLite the library
//!   linked into this build;
//! - this build of the provider (a fingerprint of its sources and lock file):
//!   normalization is code, and a new version may read the same SQL better.
//!
//! Not covered: extensions upgraded on the server without a new server
//! version. The scope (`schemas`, `exclude`) and `skip` are applied after
//! normalization, so they are not part of the key. Failures are never
//! cached. `TFALCHEMY_NORMALIZE_CACHE=0` turns the cache off.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::canonical::canonical_sha256;
use super::driver::driver_for;
use super::error::EngineError;
use super::model::Schema;
use super::parts::{self, NormalizedParts, PartsHint};
use super::url::{DatabaseUrl, Dialect};
use crate::file_cache;
use crate::file_cache::entry::{self, Entry};

/// Bumped when an entry's layout or the key's meaning changes.
const CACHE_FORMAT: u32 = 2;

/// The environment variable that turns the cache off (`0`).
pub const CACHE_SWITCH: &str = "TFALCHEMY_NORMALIZE_CACHE";

/// Normalizes `desired_sql` for `dialect` in the dev database `dev`, else in
/// a scratch database on the server of `target` (PostgreSQL) or a private
/// in-memory one (SQLite): from the cache when it can.
pub async fn normalize_desired(
    dialect: Dialect,
    target: Option<&DatabaseUrl>,
    dev: Option<&DatabaseUrl>,
    desired_sql: &str,
) -> Result<Schema, EngineError> {
    let nothing_live = Schema::default();
    let normalized =
        normalize_for_plan(dialect, target, dev, desired_sql, &nothing_live, &PartsHint::default()).await?;
    Ok(normalized.schema)
}

/// A normalized desired schema, and its record by parts when asked for.
pub(crate) struct Normalized {
    pub schema: Schema,
    pub parts: Option<NormalizedParts>,
}

/// [`normalize_desired`] for a plan against `live`: on a cache miss, only the
/// parts that changed since `hint.previous` are normalized (engine/parts.rs),
/// and the record of this normalization is returned when `hint.record`.
pub(crate) async fn normalize_for_plan(
    dialect: Dialect,
    target: Option<&DatabaseUrl>,
    dev: Option<&DatabaseUrl>,
    desired_sql: &str,
    live: &Schema,
    hint: &PartsHint,
) -> Result<Normalized, EngineError> {
    let named = dev
        .or(target)
        .map_or_else(|| dialect.name().to_string(), DatabaseUrl::redacted);
    let driver = driver_for(dialect, &named)?;
    let cache = cache_dir();
    let wants_parts = hint.previous.is_some() || hint.record;
    let identity = match cache.is_some() || wants_parts {
        true => Some(driver.normalizer_identity(target, dev).await?),
        false => None,
    };
    let normalizer = identity.as_deref().map(normalizer_of_parts);
    let cached = match (&cache, &identity) {
        (Some(dir), Some(identity)) => {
            let key = key(dialect, identity, desired_sql);
            let path = dir.join(format!("{key}.json"));
            Some((lookup(&path, &key).await, dir, path, key))
        }
        _ => None,
    };
    let schema = match cached {
        Some((Some(schema), ..)) => {
            tracing::debug!("normalized schema from the cache");
            schema
        }
        cached => {
            let in_parts = match (&hint.previous, &normalizer) {
                (Some(previous), Some(normalizer)) => {
                    parts::normalize_changed_parts(driver, target, dev, normalizer, live, desired_sql, previous).await?
                }
                _ => None,
            };
            let schema = match in_parts {
                Some(schema) => schema,
                None => driver.normalize(target, dev, desired_sql).await?,
            };
            if let Some((_, dir, path, key)) = cached {
                store(dir, &path, &key, &schema).await;
            }
            schema
        }
    };
    let parts = match (hint.record, &normalizer) {
        (true, Some(normalizer)) => parts::record(driver, normalizer, desired_sql, &schema),
        _ => None,
    };
    Ok(Normalized { schema, parts })
}

/// Who normalizes, for a record by parts: the server's identity and this
/// build (normalization is code).
fn normalizer_of_parts(identity: &str) -> String {
    format!("{identity} {}", build_fingerprint())
}

/// Whether normalizing `desired_sql` for a plan will run statements in a
/// scratch database: the cache does not hold it (its entry is not read
/// here, only looked for).
pub(crate) async fn will_run_statements(
    dialect: Dialect,
    target: Option<&DatabaseUrl>,
    dev: Option<&DatabaseUrl>,
    desired_sql: &str,
) -> bool {
    let Some(dir) = cache_dir() else {
        return true;
    };
    let Ok(identity) = normalizer_identity(dialect, target, dev).await else {
        // The normalization will fail the same way.
        return false;
    };
    let path = dir.join(format!("{}.json", key(dialect, &identity, desired_sql)));
    !tokio::fs::try_exists(&path).await.unwrap_or(false)
}

/// Normalizes `desired_sql` in parts from `previous` (engine/parts.rs) and
/// nothing else: `None` where a plan would normalize the whole script.
pub async fn normalize_in_parts(
    target: &DatabaseUrl,
    dev: Option<&DatabaseUrl>,
    live: &Schema,
    desired_sql: &str,
    previous: &NormalizedParts,
) -> Result<Option<Schema>, EngineError> {
    let driver = driver_for(target.dialect(), &target.redacted())?;
    let normalizer = normalizer_of_parts(&driver.normalizer_identity(Some(target), dev).await?);
    parts::normalize_changed_parts(driver, Some(target), dev, &normalizer, live, desired_sql, previous).await
}

/// Whether a normalization came from the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Cache,
    Database,
}

/// [`normalize_desired`] with the cache in `dir`; says where the schema came from.
pub async fn normalize_with_cache(
    dir: &Path,
    dialect: Dialect,
    target: Option<&DatabaseUrl>,
    dev: Option<&DatabaseUrl>,
    desired_sql: &str,
) -> Result<(Schema, Source), EngineError> {
    let identity = normalizer_identity(dialect, target, dev).await?;
    let key = key(dialect, &identity, desired_sql);
    let path = dir.join(format!("{key}.json"));
    if let Some(schema) = lookup(&path, &key).await {
        tracing::debug!(%key, "normalized schema from the cache");
        return Ok((schema, Source::Cache));
    }
    let schema = normalize_now(dialect, target, dev, desired_sql).await?;
    store(dir, &path, &key, &schema).await;
    Ok((schema, Source::Database))
}

async fn normalize_now(
    dialect: Dialect,
    target: Option<&DatabaseUrl>,
    dev: Option<&DatabaseUrl>,
    desired_sql: &str,
) -> Result<Schema, EngineError> {
    let named = dev
        .or(target)
        .map_or_else(|| dialect.name().to_string(), DatabaseUrl::redacted);
    driver_for(dialect, &named)?.normalize(target, dev, desired_sql).await
}

/// What decides, besides the SQL, the schema normalization yields.
async fn normalizer_identity(
    dialect: Dialect,
    target: Option<&DatabaseUrl>,
    dev: Option<&DatabaseUrl>,
) -> Result<String, EngineError> {
    let named = dev
        .or(target)
        .map_or_else(|| dialect.name().to_string(), DatabaseUrl::redacted);
    driver_for(dialect, &named)?.normalizer_identity(target, dev).await
}

/// The entry's name: SHA-256 of everything the key covers (see the module documentation).
pub fn key(dialect: Dialect, normalizer: &str, desired_sql: &str) -> String {
    let mut hasher = Sha256::new();
    for part in [
        CACHE_FORMAT.to_string().as_str(),
        build_fingerprint(),
        dialect.name(),
        normalizer,
        &canonical_sha256(dialect, desired_sql),
    ] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    hex::encode(hasher.finalize())
}

/// This build: its sources and lock file (see build.rs).
fn build_fingerprint() -> &'static str {
    env!("TFALCHEMY_SOURCE_SHA256")
}

fn cache_dir() -> Option<PathBuf> {
    if std::env::var(CACHE_SWITCH).is_ok_and(|value| value == "0") {
        return None;
    }
    file_cache::default_dir("normalized")
}

async fn lookup(path: &Path, key: &str) -> Option<Schema> {
    entry::lookup(path, CACHE_FORMAT, key).await
}

/// Failing to write an entry never fails the normalization.
async fn store(dir: &Path, path: &Path, key: &str, schema: &Schema) {
    // The whole model: what orders statements is not part of its identity.
    let bytes = super::model::to_complete_json(&Entry::new(CACHE_FORMAT, key, schema)).map_err(std::io::Error::other);
    entry::save(dir, path, bytes, "normalization").await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::model::{Dependencies, View};

    #[tokio::test]
    async fn an_entry_keeps_what_is_not_part_of_the_schemas_identity() {
        let mut schema = Schema::default();
        schema.views.insert(
            "public.v".to_string(),
            View {
                depends_on: Dependencies(vec!["public.t".to_string()]),
                ..serde_json::from_str(r#"{"name": "v", "definition": "SELECT 1"}"#).unwrap()
            },
        );
        schema.unmanaged.push("rule public.r".to_string());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.json");
        store(dir.path(), &path, "k", &schema).await;
        let read = lookup(&path, "k").await.expect("the entry just stored");
        assert_eq!(read.views["public.v"].depends_on.0, vec!["public.t".to_string()]);
        assert_eq!(read.unmanaged, schema.unmanaged);
        assert!(lookup(&path, "another key").await.is_none());
        // The identity form (and so the hash) is unchanged.
        let identity = serde_json::to_string(&schema).unwrap();
        assert!(
            !identity.contains("public.t") && !identity.contains("rule"),
            "{identity}"
        );
    }

    #[test]
    fn the_key_changes_with_everything_it_covers_and_nothing_else() {
        let sql = "CREATE TABLE t (id int);";
        let base = key(Dialect::Postgres, "PostgreSQL 15.20 UTF8 C.UTF-8", sql);
        assert_eq!(
            base,
            key(
                Dialect::Postgres,
                "PostgreSQL 15.20 UTF8 C.UTF-8",
                "-- a comment\nCREATE TABLE t (\n  id int\n);"
            )
        );
        for other in [
            key(Dialect::Postgres, "PostgreSQL 16.4 UTF8 C.UTF-8", sql),
            key(Dialect::Postgres, "PostgreSQL 15.20 UTF8 en_US.UTF-8", sql),
            key(Dialect::Sqlite, "PostgreSQL 15.20 UTF8 C.UTF-8", sql),
            key(
                Dialect::Postgres,
                "PostgreSQL 15.20 UTF8 C.UTF-8",
                "CREATE TABLE t (id bigint);",
            ),
        ] {
            assert_ne!(base, other);
        }
    }
}
