//! Replay verification, remembered. One `terraform apply` plans twice — the
//! plan walk, then the final plan of the apply walk, each in a provider
//! process of its own — and replays the same plan both times. So the
//! verdict of a replay is kept on disk (`$XDG_CACHE_HOME/tfalchemy/verified`,
//! else `~/.cache/tfalchemy/verified`) under a key covering everything the
//! replay depends on:
//!
//! - the live schema planned from and the desired schema, each as its whole
//!   model (what orders statements included, not only the identity a hash
//!   covers): a different live database is a different entry;
//! - the statements (their SQL, whether they run in the transaction, check
//!   queries);
//! - the options (the scope decides what the replay compares);
//! - the server the replay runs on (the normalizer's identity: version,
//!   encoding, collation), the dialect, and this build.
//!
//! Only verdicts are kept — verified, or not verifiable and why. A refused
//! plan is never cached: it is replayed again and refused with its reason.
//! `TFALCHEMY_VERIFY_CACHE=0` turns the cache off.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::error::EngineError;
use super::model::{complete_json_sha256, Schema};
use super::options::Options;
use super::plan::Statement;
use super::url::DatabaseUrl;
use super::verify::verify_plan;
use crate::file_cache;
use crate::file_cache::entry::{self, Entry};

/// Bumped when an entry's layout or the key's meaning changes.
const CACHE_FORMAT: u32 = 1;

/// The environment variable that turns the cache off (`0`).
pub const CACHE_SWITCH: &str = "TFALCHEMY_VERIFY_CACHE";

/// [`verify_plan`], from the cache when the same plan was verified before
/// against the same live schema on the same server.
pub(crate) async fn verify_plan_remembered(
    url: &DatabaseUrl,
    dev: Option<&DatabaseUrl>,
    live: &Schema,
    desired: &Schema,
    statements: &[Statement],
    options: &Options,
) -> Result<Option<String>, EngineError> {
    match cache_dir().filter(|_| !statements.is_empty()) {
        Some(dir) => verify_with_cache(&dir, url, dev, live, desired, statements, options)
            .await
            .map(|(verdict, _)| verdict),
        None => verify_plan(url, dev, live, desired, statements, options).await,
    }
}

/// Whether a verdict came from the cache or from a replay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifiedBy {
    Cache,
    Replay,
}

/// [`verify_plan`] with the cache in `dir`; says where the verdict came from.
pub async fn verify_with_cache(
    dir: &Path,
    url: &DatabaseUrl,
    dev: Option<&DatabaseUrl>,
    live: &Schema,
    desired: &Schema,
    statements: &[Statement],
    options: &Options,
) -> Result<(Option<String>, VerifiedBy), EngineError> {
    let Some(key) = key(url, dev, live, desired, statements, options).await else {
        let verdict = verify_plan(url, dev, live, desired, statements, options).await?;
        return Ok((verdict, VerifiedBy::Replay));
    };
    let path = dir.join(format!("{key}.json"));
    if let Some(verdict) = entry::lookup::<Option<String>>(&path, CACHE_FORMAT, &key).await {
        tracing::debug!(%key, "replay verdict from the cache");
        return Ok((verdict, VerifiedBy::Cache));
    }
    let verdict = verify_plan(url, dev, live, desired, statements, options).await?;
    let bytes = serde_json::to_vec(&Entry::new(CACHE_FORMAT, &key, &verdict)).map_err(std::io::Error::other);
    entry::save(dir, &path, bytes, "verification").await;
    Ok((verdict, VerifiedBy::Replay))
}

/// The entry's name; `None` when a part of it cannot be known (the server
/// does not answer): then the plan is simply replayed.
async fn key(
    url: &DatabaseUrl,
    dev: Option<&DatabaseUrl>,
    live: &Schema,
    desired: &Schema,
    statements: &[Statement],
    options: &Options,
) -> Option<String> {
    let server = url.driver().ok()?.normalizer_identity(Some(url), dev).await.ok()?;
    let plan: Vec<(&str, bool, bool)> = statements
        .iter()
        .map(|s| (s.sql.as_str(), s.in_transaction, s.fails_if_rows))
        .collect();
    let digest = |part: &[u8]| -> [u8; 32] { Sha256::digest(part).into() };
    let mut hasher = Sha256::new();
    for part in [
        digest(CACHE_FORMAT.to_string().as_bytes()),
        digest(env!("TFALCHEMY_SOURCE_SHA256").as_bytes()),
        digest(url.dialect().name().as_bytes()),
        digest(server.as_bytes()),
        complete_json_sha256(live).ok()?,
        complete_json_sha256(desired).ok()?,
        digest(&serde_json::to_vec(&plan).ok()?),
        digest(format!("{options:?}").as_bytes()),
    ] {
        hasher.update(part);
    }
    Some(hex::encode(hasher.finalize()))
}

fn cache_dir() -> Option<PathBuf> {
    if std::env::var(CACHE_SWITCH).is_ok_and(|value| value == "0") {
        return None;
    }
    file_cache::default_dir("verified")
}
