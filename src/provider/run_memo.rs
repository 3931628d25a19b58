//! What the plan of a new resource saw, kept for the apply of the same
//! Terraform run.
//!
//! `terraform apply` plans each resource twice: once to show the plan, and
//! once more just before ApplyResourceChange, in a new provider process; the
//! second answer must equal the first, or Terraform reports "Provider produced
//! inconsistent final plan" and calls it a provider bug. An existing resource
//! carries what its refresh saw (private state, or its `applied` attribute),
//! so a database that changed in between (another apply, a colleague) is
//! named as such. A new resource has neither in either plan, so a fingerprint
//! of what the first plan saw (the live schema's hash, the revisions table)
//! is kept on disk under the Terraform process (plugin/parent.rs), and the
//! apply-time plan of that run compares with it.
//!
//! A plan saved with `-out` and applied by another Terraform process has no
//! entry to find; there the apply itself still refuses a changed database.

use std::path::PathBuf;

use sha2::{Digest, Sha256};

use crate::file_cache::{self, entry};

/// Bumped when the entry's layout changes.
const FORMAT: u32 = 1;

/// One entry per new resource planned, and a `for_each` over tenant
/// databases plans many in one run: far more than a cache of schemas keeps.
/// An entry is needed only until the apply of its run.
const LIMITS: file_cache::Limits = file_cache::Limits {
    max_age: std::time::Duration::from_secs(7 * 24 * 60 * 60),
    max_entries: 1024,
};

/// The entry of one resource kind's view of one database, under one scope,
/// in one Terraform run.
pub struct RunMemo {
    dir: PathBuf,
    path: PathBuf,
    key: String,
}

/// How what a plan read compares with what this run's first plan read.
#[derive(Debug, PartialEq, Eq)]
pub enum Seen {
    /// This is the run's first plan of the database (now remembered).
    First,
    Unchanged,
    /// Something else than the first plan saw: what that was.
    Changed {
        at_plan: String,
    },
}

impl RunMemo {
    /// `kind` names what is fingerprinted (a resource type); `None` without a
    /// Terraform run (debug mode) or a cache directory.
    pub fn new(terraform_run: Option<&str>, kind: &str, redacted_url: &str, scope: Option<&str>) -> Option<Self> {
        Some(Self::in_dir(
            file_cache::default_dir("runs")?,
            terraform_run?,
            kind,
            redacted_url,
            scope,
        ))
    }

    fn in_dir(dir: PathBuf, terraform_run: &str, kind: &str, redacted_url: &str, scope: Option<&str>) -> Self {
        let mut hasher = Sha256::new();
        for part in [terraform_run, kind, redacted_url, scope.unwrap_or("")] {
            hasher.update(part.as_bytes());
            hasher.update([0]);
        }
        let key = hex::encode(hasher.finalize());
        let path = dir.join(format!("{key}.json"));
        Self { dir, path, key }
    }

    /// Compares `seen` (a fingerprint of what this plan read) with the first
    /// plan's, remembering it if this is the first plan. An entry that cannot
    /// be read or written counts as a first plan.
    pub async fn compare(&self, seen: &str) -> Seen {
        match entry::lookup::<String>(&self.path, FORMAT, &self.key).await {
            Some(at_plan) if at_plan == seen => Seen::Unchanged,
            Some(at_plan) => Seen::Changed { at_plan },
            None => {
                let bytes =
                    serde_json::to_vec(&entry::Entry::new(FORMAT, &self.key, seen)).map_err(std::io::Error::other);
                entry::save_within(&self.dir, &self.path, bytes, "Terraform run", LIMITS).await;
                Seen::First
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memo(dir: &tempfile::TempDir, run: &str, url: &str) -> RunMemo {
        RunMemo::in_dir(dir.path().to_path_buf(), run, "sqlalchemy_schema", url, None)
    }

    #[tokio::test]
    async fn the_apply_time_plan_of_a_run_compares_with_its_first_plan() {
        let dir = tempfile::tempdir().unwrap();
        let url = "postgres://app@db/app";
        assert_eq!(memo(&dir, "41-7", url).compare("h0").await, Seen::First);
        assert_eq!(memo(&dir, "41-7", url).compare("h0").await, Seen::Unchanged);
        assert_eq!(
            memo(&dir, "41-7", url).compare("h1").await,
            Seen::Changed { at_plan: "h0".into() }
        );
        // The first plan's hash stays what later plans compare with.
        assert_eq!(
            memo(&dir, "41-7", url).compare("h2").await,
            Seen::Changed { at_plan: "h0".into() }
        );
    }

    #[tokio::test]
    async fn a_run_remembers_each_of_a_hundred_new_databases() {
        let dir = tempfile::tempdir().unwrap();
        for tenant in 0..100 {
            let url = format!("postgres://app@db/tenant_{tenant}");
            assert_eq!(memo(&dir, "41-7", &url).compare("h0").await, Seen::First);
        }
        for tenant in 0..100 {
            let url = format!("postgres://app@db/tenant_{tenant}");
            assert_eq!(
                memo(&dir, "41-7", &url).compare("h1").await,
                Seen::Changed { at_plan: "h0".into() }
            );
        }
    }

    #[tokio::test]
    async fn another_run_kind_database_or_scope_starts_afresh() {
        let dir = tempfile::tempdir().unwrap();
        let url = "postgres://app@db/app";
        assert_eq!(memo(&dir, "41-7", url).compare("h0").await, Seen::First);
        assert_eq!(memo(&dir, "41-8", url).compare("h1").await, Seen::First);
        assert_eq!(
            memo(&dir, "41-7", "postgres://app@db/other").compare("h1").await,
            Seen::First
        );
        let scoped = RunMemo::in_dir(
            dir.path().to_path_buf(),
            "41-7",
            "sqlalchemy_schema",
            url,
            Some("schemas=app"),
        );
        assert_eq!(scoped.compare("h1").await, Seen::First);
        let other_kind = RunMemo::in_dir(dir.path().to_path_buf(), "41-7", "sqlalchemy_migration", url, None);
        assert_eq!(other_kind.compare("h1").await, Seen::First);
    }
}
