//! `plan --out FILE` and `apply FILE`: a plan saved for later, as Terraform's
//! saved plans work. The file holds what the plan was made from and the
//! statements it showed, never a password: `apply` takes the URL again and
//! refuses when the database is no longer the one the plan saw.

use std::path::Path;

use serde::{Deserialize, Serialize};

/// Names the file format, so a file from another tool or version is refused
/// with a clear message rather than misread.
const FORMAT: &str = "tfalchemy-cli-plan/1";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedPlan {
    pub format: String,
    /// The database as the plan named it, password redacted.
    pub database: String,
    /// Hash of the live schema the plan was made against.
    pub live_hash: String,
    pub desired_sql: String,
    pub policy: SavedPolicy,
    /// The statements the plan showed, in order.
    pub statements: Vec<String>,
}

/// The policy flags the plan was made with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedPolicy {
    pub allow: Vec<String>,
    pub warn: Vec<String>,
    pub deny: Vec<String>,
    pub skip: Vec<String>,
    pub concurrent_indexes: bool,
    /// Absent from plans saved before the flag existed.
    #[serde(default)]
    pub explicit_algorithm: bool,
}

impl SavedPlan {
    pub fn new(
        database: String,
        live_hash: String,
        desired_sql: String,
        policy: SavedPolicy,
        statements: Vec<String>,
    ) -> SavedPlan {
        SavedPlan {
            format: FORMAT.to_string(),
            database,
            live_hash,
            desired_sql,
            policy,
            statements,
        }
    }

    pub fn write(&self, path: &Path) -> Result<(), String> {
        let text = serde_json::to_string_pretty(self).map_err(|err| format!("cannot encode the plan: {err}"))?;
        std::fs::write(path, text + "\n").map_err(|err| format!("cannot write {}: {err}", path.display()))
    }

    pub fn read(path: &Path) -> Result<SavedPlan, String> {
        let text = std::fs::read_to_string(path).map_err(|err| format!("cannot read {}: {err}", path.display()))?;
        let not_a_plan = || {
            format!(
                "{} is not a plan saved by `terraform-provider-sqlalchemy plan --out`",
                path.display()
            )
        };
        let value: serde_json::Value = serde_json::from_str(&text).map_err(|_| not_a_plan())?;
        match value.get("format").and_then(|f| f.as_str()) {
            Some(FORMAT) => {}
            Some(other) => {
                return Err(format!(
                    "{} is a plan of format {other:?}; this version reads {FORMAT:?}: plan again",
                    path.display()
                ))
            }
            None => return Err(not_a_plan()),
        }
        serde_json::from_value(value).map_err(|err| format!("{}: {err}", not_a_plan()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_plan_reads_back_and_other_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plan.json");
        let plan = SavedPlan::new(
            "sqlite:///app.db".into(),
            "abc".into(),
            "CREATE TABLE t (id int);".into(),
            SavedPolicy::default(),
            vec!["CREATE TABLE \"t\" (\"id\" int)".into()],
        );
        plan.write(&path).unwrap();
        assert_eq!(SavedPlan::read(&path).unwrap(), plan);

        std::fs::write(&path, "CREATE TABLE t (id int);").unwrap();
        assert!(SavedPlan::read(&path).unwrap_err().contains("is not a plan saved by"));
        std::fs::write(&path, r#"{"format": "tfalchemy-cli-plan/0"}"#).unwrap();
        assert!(SavedPlan::read(&path).unwrap_err().contains("plan again"));
    }
}
