//! Small on-disk caches of JSON entries under the user's cache directory:
//! where they live, writing an entry atomically, and keeping the directory
//! small. Shared by the export cache (exporter/cache.rs), the normalization
//! cache (engine/normalized.rs) and the verification cache
//! (engine/verified.rs); it knows nothing of any of them.

pub mod entry;
mod prune;

use std::path::{Path, PathBuf};
use std::time::SystemTime;

pub use prune::{prune, prune_within, touch, Limits, MAX_AGE, MAX_ENTRIES};

/// `$XDG_CACHE_HOME/tfalchemy/<name>`, else `~/.cache/tfalchemy/<name>`;
/// `None` when neither variable is set (there is nowhere sensible to write).
pub fn default_dir(name: &str) -> Option<PathBuf> {
    let base = non_empty_env("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| non_empty_env("HOME").map(|home| Path::new(&home).join(".cache")))?;
    Some(base.join("tfalchemy").join(name))
}

fn non_empty_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.is_empty())
}

/// Writes `bytes` to `path` in `dir` so a reader sees the old entry or the
/// new one, never half of one.
pub fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    std::io::Write::write_all(&mut temp, bytes)?;
    temp.persist(path).map_err(|err| err.error)?;
    Ok(())
}

/// Stores an entry and prunes the directory to `limits`; returns how many old entries went.
pub fn store(dir: &Path, path: &Path, bytes: &[u8], limits: Limits) -> std::io::Result<usize> {
    write_atomically(dir, path, bytes)?;
    Ok(prune_within(dir, SystemTime::now(), limits))
}
