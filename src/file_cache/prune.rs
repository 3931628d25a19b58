//! Keeping a cache directory small.
//!
//! Every distinct key (interpreter, module, dialect, desired schema, server, …) gets its own
//! entry, so a directory shared by many workspaces or a long-lived CI runner would grow without
//! bound. After each store the oldest entries go: those not used for [`MAX_AGE`], and beyond
//! [`MAX_ENTRIES`] the least recently used. A hit refreshes its entry's modification time, which is
//! what "used" means here.

use std::path::Path;
use std::time::{Duration, SystemTime};

/// Entries unused for this long are removed.
pub const MAX_AGE: Duration = Duration::from_secs(30 * 24 * 60 * 60);
/// At most this many entries are kept.
pub const MAX_ENTRIES: usize = 64;

/// Marks the entry at `path` as just used. Failing to do so only makes it age sooner.
pub fn touch(path: &Path) {
    if let Ok(file) = std::fs::File::options().append(true).open(path) {
        let _ = file.set_modified(SystemTime::now());
    }
}

/// How much a cache directory keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Entries unused for this long are removed.
    pub max_age: Duration,
    /// At most this many entries are kept.
    pub max_entries: usize,
}

impl Limits {
    /// What the caches of exports, normalizations and verdicts keep.
    pub const DEFAULT: Limits = Limits {
        max_age: MAX_AGE,
        max_entries: MAX_ENTRIES,
    };
}

/// Removes stale entries (`*.json`) from `dir` under the default limits; returns how many went.
pub fn prune(dir: &Path, now: SystemTime) -> usize {
    prune_within(dir, now, Limits::DEFAULT)
}

/// Removes the entries (`*.json`) of `dir` beyond `limits`; returns how many went. Errors are
/// ignored: a cache that cannot be pruned still works.
pub fn prune_within(dir: &Path, now: SystemTime, limits: Limits) -> usize {
    let Ok(listing) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut entries: Vec<(SystemTime, std::path::PathBuf)> = listing
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .filter_map(|path| {
            let used = std::fs::metadata(&path).and_then(|m| m.modified()).ok()?;
            Some((used, path))
        })
        .collect();
    // Most recently used first; ties broken by name so the outcome is deterministic.
    entries.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let mut removed = 0;
    for (position, (used, path)) in entries.iter().enumerate() {
        let too_old = now.duration_since(*used).is_ok_and(|age| age > limits.max_age);
        if (too_old || position >= limits.max_entries) && std::fs::remove_file(path).is_ok() {
            removed += 1;
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(dir: &Path, name: &str, used: SystemTime) -> std::path::PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, b"{}").expect("write entry");
        std::fs::File::options()
            .append(true)
            .open(&path)
            .and_then(|f| f.set_modified(used))
            .expect("set mtime");
        path
    }

    #[test]
    fn entries_unused_for_too_long_are_removed_and_recent_ones_kept() {
        let dir = tempfile::tempdir().expect("tempdir");
        let now = SystemTime::now();
        let old = entry(dir.path(), "old.json", now - MAX_AGE - Duration::from_secs(60));
        let recent = entry(dir.path(), "recent.json", now - Duration::from_secs(60));
        let unrelated = entry(dir.path(), "notes.txt", now - MAX_AGE - Duration::from_secs(60));
        assert_eq!(prune(dir.path(), now), 1);
        assert!(!old.exists());
        assert!(recent.exists());
        assert!(unrelated.exists(), "only cache entries are pruned");
    }

    #[test]
    fn a_directory_may_keep_more_or_less_than_the_default() {
        let dir = tempfile::tempdir().expect("tempdir");
        let now = SystemTime::now();
        for i in 0..5 {
            entry(
                dir.path(),
                &format!("{i}.json"),
                now - Duration::from_secs(60 * (5 - i)),
            );
        }
        let limits = Limits {
            max_age: Duration::from_secs(60 * 4 + 30),
            max_entries: 3,
        };
        // 0.json is too old; of the rest, the three most recently used stay.
        assert_eq!(prune_within(dir.path(), now, limits), 2);
        let mut kept: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        kept.sort();
        assert_eq!(kept, ["2.json", "3.json", "4.json"]);
    }

    #[test]
    fn beyond_the_limit_the_least_recently_used_go() {
        let dir = tempfile::tempdir().expect("tempdir");
        let now = SystemTime::now();
        let paths: Vec<_> = (0..MAX_ENTRIES + 3)
            .map(|i| {
                entry(
                    dir.path(),
                    &format!("{i:03}.json"),
                    now - Duration::from_secs(i as u64 * 10),
                )
            })
            .collect();
        assert_eq!(prune(dir.path(), now), 3);
        assert!(paths[..MAX_ENTRIES].iter().all(|p| p.exists()));
        assert!(paths[MAX_ENTRIES..].iter().all(|p| !p.exists()));
    }

    #[test]
    fn a_touched_entry_counts_as_recently_used() {
        let dir = tempfile::tempdir().expect("tempdir");
        let now = SystemTime::now();
        let path = entry(dir.path(), "hit.json", now - MAX_AGE - Duration::from_secs(60));
        touch(&path);
        assert_eq!(prune(dir.path(), SystemTime::now()), 0);
        assert!(path.exists());
    }

    #[test]
    fn a_missing_directory_prunes_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert_eq!(prune(&dir.path().join("absent"), SystemTime::now()), 0);
    }
}
