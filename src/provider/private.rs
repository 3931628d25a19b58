//! The resource's private state: what the provider remembers between RPCs
//! without showing it to the user.
//!
//! Terraform refreshes (ReadResource) just before it plans, and when it
//! applies it plans once more against the state of that refresh. Recording
//! the live schema's hash at refresh lets the apply-time plan tell "the
//! database changed since the plan was made" (a clear error asking for a new
//! plan) from a genuine plan, instead of answering with different SQL, which
//! Terraform would report as a provider bug ("inconsistent final plan").

use serde::{Deserialize, Serialize};

/// Who last saw the live schema, and its hash then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeenSchema {
    pub seen_by: SeenBy,
    pub live_hash: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeenBy {
    /// ReadResource: Terraform plans against this refresh.
    Refresh,
    /// ApplyResourceChange, just after the change.
    Apply,
}

impl SeenSchema {
    pub fn refreshed(live_hash: String) -> Self {
        Self {
            seen_by: SeenBy::Refresh,
            live_hash,
        }
    }

    pub fn applied(live_hash: String) -> Self {
        Self {
            seen_by: SeenBy::Apply,
            live_hash,
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Private bytes from an older provider version or none at all mean
    /// "nothing known": never an error.
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        serde_json::from_slice(bytes).ok()
    }

    /// The live hash a plan must still find, if this was a refresh.
    pub fn refreshed_hash(bytes: &[u8]) -> Option<String> {
        Self::decode(bytes)
            .filter(|seen| seen.seen_by == SeenBy::Refresh)
            .map(|seen| seen.live_hash)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_refresh_pins_the_hash_a_plan_must_find() {
        assert_eq!(
            SeenSchema::refreshed_hash(&SeenSchema::refreshed("h1".into()).encode()),
            Some("h1".into())
        );
        assert_eq!(
            SeenSchema::refreshed_hash(&SeenSchema::applied("h2".into()).encode()),
            None
        );
        assert_eq!(SeenSchema::refreshed_hash(b""), None);
        assert_eq!(SeenSchema::refreshed_hash(b"\x00garbage"), None);
    }
}
