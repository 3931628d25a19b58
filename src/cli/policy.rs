//! The policy flags of `plan` and `apply`: the same rules and defaults as the
//! resource's `policy` block (data loss denied, other hazards warned), the
//! same `skip` kinds, `--concurrent-indexes` and `--explicit-algorithm`.

use clap::Args;

use crate::engine::{HazardPolicy, Options, Skip, Statement, Verdict};

use super::saved_plan::SavedPolicy;

#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub struct PolicyArgs {
    /// Allow a hazard code, category or `all` without a warning (repeatable).
    #[arg(long, value_name = "HAZARD")]
    allow: Vec<String>,
    /// Allow a hazard code, category or `all`, with a warning (repeatable).
    #[arg(long, value_name = "HAZARD")]
    warn: Vec<String>,
    /// Refuse plans with this hazard code, category or `all` (repeatable).
    /// Without a rule, data loss is refused and other hazards are warned.
    #[arg(long, value_name = "HAZARD")]
    deny: Vec<String>,
    /// Never plan this kind of drop, keeping the live objects: drops_table,
    /// drops_column, drops_schema or drops_object (repeatable).
    #[arg(long, value_name = "KIND")]
    skip: Vec<String>,
    /// PostgreSQL: build and drop the indexes of existing tables
    /// CONCURRENTLY, outside the transaction.
    #[arg(long)]
    concurrent_indexes: bool,
    /// MySQL/MariaDB: end each ALTER TABLE in the ALGORITHM=…, LOCK=… the
    /// plan classified it as, so the server refuses instead of copying.
    #[arg(long)]
    explicit_algorithm: bool,
}

impl PolicyArgs {
    /// The flags as a saved plan records them.
    pub fn saved(&self) -> SavedPolicy {
        SavedPolicy {
            allow: self.allow.clone(),
            warn: self.warn.clone(),
            deny: self.deny.clone(),
            skip: self.skip.clone(),
            concurrent_indexes: self.concurrent_indexes,
            explicit_algorithm: self.explicit_algorithm,
        }
    }

    /// The flags a saved plan was made with.
    pub fn from_saved(saved: &SavedPolicy) -> PolicyArgs {
        PolicyArgs {
            allow: saved.allow.clone(),
            warn: saved.warn.clone(),
            deny: saved.deny.clone(),
            skip: saved.skip.clone(),
            concurrent_indexes: saved.concurrent_indexes,
            explicit_algorithm: saved.explicit_algorithm,
        }
    }

    /// True when no flag was given.
    pub fn is_empty(&self) -> bool {
        *self == PolicyArgs::from_saved(&SavedPolicy::default())
    }

    pub fn hazard_policy(&self) -> Result<HazardPolicy, String> {
        rules_from_flags(&self.allow, &self.warn, &self.deny)
    }

    pub fn options(&self) -> Result<Options, String> {
        Ok(Options {
            skip: Skip::new(&self.skip).map_err(|err| format!("--skip: {err}"))?,
            concurrent_indexes: self.concurrent_indexes,
            explicit_algorithm: self.explicit_algorithm,
            ..Options::default()
        })
    }
}

/// The verdict rules of `--allow`, `--warn` and `--deny`; an unknown name is
/// an error naming its flag.
pub fn rules_from_flags(allow: &[String], warn: &[String], deny: &[String]) -> Result<HazardPolicy, String> {
    let mut policy = HazardPolicy::default();
    for (verdict, names) in [(Verdict::Allow, allow), (Verdict::Warn, warn), (Verdict::Deny, deny)] {
        for name in names {
            policy
                .add(verdict, name)
                .map_err(|err| format!("--{} {name}: {err}", verdict.setting()))?;
        }
    }
    Ok(policy)
}

/// Each statement's hazards as SQL comments (verdict, code, detail) above it.
pub fn annotated(statement: &Statement, policy: &HazardPolicy) -> String {
    let mut lines: Vec<String> = statement
        .hazards
        .iter()
        .map(|hazard| {
            let detail = hazard.message().lines().map(sentence).collect::<Vec<_>>().join(" ");
            format!(
                "-- {} {}: {detail}",
                policy.verdict_on(hazard).setting(),
                hazard.kind.code()
            )
        })
        .collect();
    lines.push(statement.shown());
    lines.join("\n")
}

/// `text` as a sentence: capitalized, ending with a full stop. Hazard
/// details and probe findings are written as clauses for diagnostics.
fn sentence(text: &str) -> String {
    let text = text.trim();
    let mut chars = text.chars();
    let Some(first) = chars.next() else {
        return String::new();
    };
    let mut out: String = first.to_uppercase().chain(chars).collect();
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

/// An error naming each denied hazard and the flag that would allow it, if
/// any statement carries one.
pub fn refusal(statements: &[Statement], policy: &HazardPolicy) -> Option<String> {
    let denied: Vec<String> = statements
        .iter()
        .enumerate()
        .flat_map(|(index, statement)| {
            statement
                .hazards
                .iter()
                .filter(|hazard| policy.verdict_on(hazard) == Verdict::Deny)
                .map(move |hazard| {
                    if policy.denied_by_the_data(hazard) {
                        return format!(
                            "  statement {}: {} ({}); the rows in the database make it fail: fix the data \
                             or the model first, or --warn {} if the data will be fixed before apply",
                            index + 1,
                            hazard.kind.code(),
                            hazard.message(),
                            hazard.kind.code()
                        );
                    }
                    format!(
                        "  statement {}: {} ({}); --allow {} (or --allow {}) allows it",
                        index + 1,
                        hazard.kind.code(),
                        hazard.message(),
                        hazard.kind.code(),
                        hazard.kind.category().code()
                    )
                })
        })
        .collect();
    (!denied.is_empty()).then(|| {
        format!(
            "the plan is blocked by policy; nothing was changed:\n{}",
            denied.join("\n")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hazard_comments_are_sentences() {
        assert_eq!(sentence("drops table t and its rows"), "Drops table t and its rows.");
        assert_eq!(
            sentence("\"t\" has 3 rows: lost in the drop"),
            "\"t\" has 3 rows: lost in the drop."
        );
        assert_eq!(sentence("already one."), "Already one.");
        assert_eq!(sentence(""), "");
    }
    use crate::engine::HazardKind;

    fn args(allow: &[&str], skip: &[&str]) -> PolicyArgs {
        PolicyArgs {
            allow: allow.iter().map(|s| s.to_string()).collect(),
            warn: Vec::new(),
            deny: Vec::new(),
            skip: skip.iter().map(|s| s.to_string()).collect(),
            concurrent_indexes: true,
            explicit_algorithm: true,
        }
    }

    #[test]
    fn flags_become_the_policy_and_options() {
        let flags = args(&["drops_column"], &["drops_table"]);
        let policy = flags.hazard_policy().expect("valid");
        assert_eq!(policy.verdict(HazardKind::DropsColumn), Verdict::Allow);
        assert_eq!(policy.verdict(HazardKind::DropsTable), Verdict::Deny);
        let options = flags.options().expect("valid");
        assert!(options.concurrent_indexes && options.explicit_algorithm);
        assert!(options.skip.skips(HazardKind::DropsTable));
        assert!(args(&["nope"], &[])
            .hazard_policy()
            .unwrap_err()
            .contains("--allow nope"));
        assert!(args(&[], &["drops_enum_value"])
            .options()
            .unwrap_err()
            .contains("--skip"));
    }

    #[test]
    fn denied_hazards_are_commented_and_refused_naming_the_flag() {
        let statement = Statement::ddl("DROP TABLE t").with_hazard(HazardKind::DropsTable, "drops t");
        let policy = HazardPolicy::default();
        assert_eq!(
            annotated(&statement, &policy),
            "-- deny drops_table: Drops t.\nDROP TABLE t"
        );
        let refusal = refusal(std::slice::from_ref(&statement), &policy).expect("denied");
        assert!(refusal.contains("--allow drops_table"), "{refusal}");
        let allowed = args(&["drops_table"], &[]).hazard_policy().expect("valid");
        assert_eq!(refusal_of(&statement, &allowed), None);
    }

    fn refusal_of(statement: &Statement, policy: &HazardPolicy) -> Option<String> {
        refusal(std::slice::from_ref(statement), policy)
    }
}
