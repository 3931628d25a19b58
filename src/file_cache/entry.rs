//! One cache entry on disk: the value with the key and format it was stored
//! under, so a stale file or a file from another layout reads as a miss,
//! never as a wrong hit.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::{store, touch, Limits};

#[derive(Serialize, Deserialize)]
pub struct Entry<T> {
    format: u32,
    key: String,
    value: T,
}

impl<T> Entry<T> {
    pub fn new(format: u32, key: &str, value: T) -> Self {
        Entry {
            format,
            key: key.to_string(),
            value,
        }
    }
}

/// The value stored at `path` under `format` and `key`, if there is one
/// (a hit also marks the entry as recently used).
pub async fn lookup<T: DeserializeOwned + Send + 'static>(path: &Path, format: u32, key: &str) -> Option<T> {
    let (path, key) = (path.to_path_buf(), key.to_string());
    tokio::task::spawn_blocking(move || {
        let bytes = std::fs::read(&path).ok()?;
        let entry: Entry<T> = serde_json::from_slice(&bytes).ok()?;
        let current = entry.format == format && entry.key == key;
        if current {
            touch(&path);
        }
        current.then_some(entry.value)
    })
    .await
    .ok()
    .flatten()
}

/// Writes an entry's serialized `bytes` to `path` in `dir`, off the async
/// threads. A cache that cannot be written never fails its caller: the
/// error is only logged, with `what` naming the cache.
pub async fn save(dir: &Path, path: &Path, bytes: std::io::Result<Vec<u8>>, what: &'static str) {
    save_within(dir, path, bytes, what, Limits::DEFAULT).await;
}

/// [`save`] into a directory that keeps `limits`.
pub async fn save_within(dir: &Path, path: &Path, bytes: std::io::Result<Vec<u8>>, what: &'static str, limits: Limits) {
    let (dir, path): (PathBuf, PathBuf) = (dir.to_path_buf(), path.to_path_buf());
    let stored = tokio::task::spawn_blocking(move || store(&dir, &path, &bytes?, limits)).await;
    if let Ok(Err(error)) = stored {
        tracing::warn!(%error, "could not write the {what} cache entry");
    }
}
