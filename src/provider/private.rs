//! The resource's private state: what the provider remembers between RPCs
//! without showing it to the user.
//!
//! Two facts are kept, each with the scope (`schemas` / `exclude`) it was
//! computed under, since another scope means another model and another hash:
//! - The live schema's hash at the last refresh. Terraform refreshes just
//!   before it plans, and when it applies it plans once more against the state
//!   of that refresh. If the apply-time plan finds another live schema, the
//!   database changed since the plan was made: a clear error asking for a new
//!   plan, instead of different SQL, which Terraform would report as a
//!   provider bug ("inconsistent final plan").
//! - Which desired SQL was last applied (its canonical form: comments and
//!   layout do not count, see engine/canonical.rs), and the hash of its
//!   normalized schema. A plan whose desired SQL has that canonical form,
//!   against a live schema that still has that hash, is a no-op without
//!   normalizing (loading a large schema into a dev database costs seconds).
//!   With it, what each table's statements normalized to (engine/parts.rs),
//!   so that a plan of other desired SQL normalizes only the tables whose
//!   statements changed.
//!
//! A destroy plan with `drop_on_destroy` also passes the statements it showed
//! to the apply that runs them, which refuses if they are no longer the ones.

use serde::{Deserialize, Serialize};

use std::sync::Arc;

use crate::engine::{canonical_sha256, Dialect, NormalizedParts, PartsHint};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourcePrivate {
    /// What the last ReadResource saw.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refreshed: Option<SeenLive>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applied: Option<AppliedDesired>,
    /// The statements a destroy plan showed (`planned_private` of a destroy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destroy: Option<Vec<String>>,
}

/// A live schema's hash, under a scope (`None`: the whole database).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeenLive {
    pub live_hash: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// The desired SQL an apply converged to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedDesired {
    /// Normalization may change between provider versions; a record from
    /// another version is not trusted.
    pub provider_version: String,
    /// Of the desired SQL's canonical form.
    pub desired_sql_sha256: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The hash of the normalized desired schema (the live hash after apply).
    pub desired_hash: String,
    /// What that SQL normalized to, table by table: the next plan normalizes
    /// only the tables whose statements changed (see engine/parts.rs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parts: Option<NormalizedParts>,
}

impl AppliedDesired {
    pub fn new(dialect: Dialect, desired_sql: &str, scope: Option<String>, desired_hash: String) -> Self {
        Self {
            provider_version: env!("CARGO_PKG_VERSION").to_string(),
            desired_sql_sha256: canonical_sha256(dialect, desired_sql),
            scope,
            desired_hash,
            parts: None,
        }
    }

    pub fn with_parts(self, parts: Option<NormalizedParts>) -> Self {
        Self { parts, ..self }
    }

    /// The normalized hash of `desired_sql` under `scope`, if this record knows it.
    pub fn desired_hash_of(&self, dialect: Dialect, desired_sql: &str, scope: Option<&str>) -> Option<&str> {
        (self.provider_version == env!("CARGO_PKG_VERSION")
            && self.scope.as_deref() == scope
            && self.desired_sql_sha256 == canonical_sha256(dialect, desired_sql))
        .then_some(self.desired_hash.as_str())
    }
}

impl ResourcePrivate {
    /// The hint a plan normalizes with: the parts the last apply recorded;
    /// `record`: an apply, which records its own.
    pub fn parts_hint(&self, record: bool) -> PartsHint {
        PartsHint {
            previous: self
                .applied
                .as_ref()
                .and_then(|applied| applied.parts.clone())
                .map(Arc::new),
            record,
        }
    }

    /// The live hash the last refresh saw under `scope`. A refresh under
    /// another scope (the configuration's scope just changed) saw another
    /// model, which proves nothing about the database.
    pub fn refreshed_hash(&self, scope: Option<&str>) -> Option<&str> {
        self.refreshed
            .as_ref()
            .filter(|seen| seen.scope.as_deref() == scope)
            .map(|seen| seen.live_hash.as_str())
    }

    /// Whether the last refresh, under the same scope, saw another live schema.
    pub fn changed_since_refresh(&self, live_hash: &str, scope: Option<&str>) -> bool {
        self.refreshed_hash(scope)
            .is_some_and(|refreshed| refreshed != live_hash)
    }

    pub fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Private bytes from an older provider version, or none at all, mean
    /// "nothing known": never an error.
    pub fn decode(bytes: &[u8]) -> Self {
        serde_json::from_slice(bytes).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_tolerates_foreign_bytes() {
        let private = ResourcePrivate {
            refreshed: Some(SeenLive {
                live_hash: "h1".into(),
                scope: Some("schemas=public".into()),
            }),
            applied: Some(AppliedDesired::new(
                Dialect::Postgres,
                "CREATE TABLE t (id int);",
                None,
                "h2".into(),
            )),
            destroy: Some(vec!["DROP TABLE t".into()]),
        };
        assert_eq!(ResourcePrivate::decode(&private.encode()), private);
        assert_eq!(ResourcePrivate::decode(b""), ResourcePrivate::default());
        assert_eq!(ResourcePrivate::decode(b"\x00garbage"), ResourcePrivate::default());
    }

    #[test]
    fn the_applied_hash_is_only_known_for_the_same_sql_scope_and_version() {
        let applied = AppliedDesired::new(Dialect::Postgres, "CREATE TABLE t (id int);", None, "h2".into());
        assert_eq!(
            applied.desired_hash_of(Dialect::Postgres, "CREATE TABLE t (id int);", None),
            Some("h2")
        );
        assert_eq!(
            applied.desired_hash_of(Dialect::Postgres, "CREATE TABLE t (id bigint);", None),
            None
        );
        assert_eq!(
            applied.desired_hash_of(Dialect::Postgres, "CREATE TABLE t (id int);", Some("schemas=public")),
            None
        );
        let older = AppliedDesired {
            provider_version: "0.0.0".into(),
            ..applied
        };
        assert_eq!(
            older.desired_hash_of(Dialect::Postgres, "CREATE TABLE t (id int);", None),
            None
        );
    }

    #[test]
    fn a_model_moved_within_its_file_or_reformatted_is_still_the_sql_already_applied() {
        let at = |line: u32| format!("-- model: app.models.T (app/models.py:{line})\nCREATE TABLE t (id int);");
        let applied = AppliedDesired::new(Dialect::Postgres, &at(14), None, "h2".into());
        assert_eq!(applied.desired_hash_of(Dialect::Postgres, &at(21), None), Some("h2"));
        assert_eq!(
            applied.desired_hash_of(Dialect::Postgres, "CREATE TABLE t (\n  id int\n);", None),
            Some("h2")
        );
        assert_eq!(
            applied.desired_hash_of(Dialect::Postgres, "CREATE TABLE t (id bigint);", None),
            None,
            "the tokens still count"
        );
    }

    #[test]
    fn a_refresh_only_speaks_for_its_own_scope() {
        let private = ResourcePrivate {
            refreshed: Some(SeenLive {
                live_hash: "h1".into(),
                scope: None,
            }),
            applied: None,
            destroy: None,
        };
        assert!(!private.changed_since_refresh("h1", None));
        assert!(private.changed_since_refresh("h2", None));
        assert!(
            !private.changed_since_refresh("h2", Some("schemas=public")),
            "the scope changed"
        );
        assert!(!ResourcePrivate::default().changed_since_refresh("h2", None));
    }
}
