//! Which hazards a plan may carry: the verdict rules shared by the provider's
//! `policy` block and the CLI's `--allow` / `--warn` / `--deny` flags.
//!
//! Every hazard gets one of three verdicts: allowed (silently), warned or
//! denied (the plan is refused). Rules name a hazard code (`drops_table`), a
//! category (`data_loss`) or `all`; the most specific rule wins, and among
//! equally specific ones the strictest. Without a rule, data loss is denied
//! and everything else is warned, except a hazard whose data probe proved
//! that its statement will fail: that is denied too.

use super::hazard::HazardCategory;
use super::plan::{Hazard, HazardKind};

/// What happens to a plan that carries a hazard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    Allow,
    Warn,
    Deny,
}

impl Verdict {
    pub const ALL: [Verdict; 3] = [Verdict::Allow, Verdict::Warn, Verdict::Deny];

    /// The name of the rule list (`allow`, `warn`, `deny`).
    pub fn setting(self) -> &'static str {
        match self {
            Verdict::Allow => "allow",
            Verdict::Warn => "warn",
            Verdict::Deny => "deny",
        }
    }
}

/// A rule naming no hazard code, category or `all`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{name}` is not a hazard code, category or `all`. Codes: {}. Categories: {}.",
    HazardKind::ALL.map(|k| k.code()).join(", "),
    HazardCategory::ALL.map(|c| c.code()).join(", ")
)]
pub struct UnknownHazard {
    pub name: String,
}

/// What a rule names, from most to least specific.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Target {
    Code(HazardKind),
    Category(HazardCategory),
    All,
}

impl Target {
    fn parse(name: &str) -> Option<Target> {
        if name == "all" {
            return Some(Target::All);
        }
        HazardKind::ALL
            .into_iter()
            .find(|kind| kind.code() == name)
            .map(Target::Code)
            .or_else(|| {
                HazardCategory::ALL
                    .into_iter()
                    .find(|c| c.code() == name)
                    .map(Target::Category)
            })
    }

    /// Lower is more specific; `None` when the rule does not apply.
    fn specificity(self, kind: HazardKind) -> Option<u8> {
        match self {
            Target::Code(code) if code == kind => Some(0),
            Target::Category(category) if category == kind.category() => Some(1),
            Target::All => Some(2),
            _ => None,
        }
    }
}

/// The rules, in any order (the verdict does not depend on it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HazardPolicy {
    rules: Vec<(Target, Verdict)>,
}

impl HazardPolicy {
    /// Adds the rule "`name` gets `verdict`".
    pub fn add(&mut self, verdict: Verdict, name: &str) -> Result<(), UnknownHazard> {
        let target = Target::parse(name).ok_or_else(|| UnknownHazard { name: name.to_string() })?;
        self.rules.push((target, verdict));
        Ok(())
    }

    /// The verdict on a kind of hazard, whatever the live data says.
    pub fn verdict(&self, kind: HazardKind) -> Verdict {
        self.rule_for(kind).unwrap_or(match kind.category() {
            HazardCategory::DataLoss => Verdict::Deny,
            _ => Verdict::Warn,
        })
    }

    /// The verdict on one hazard of a plan. Without a rule naming it, a
    /// hazard whose probe proved that the statement will fail is denied: a
    /// plan that can only fail half-way is not worth applying. A rule that
    /// names it (`warn` when a backfill runs between plan and apply) wins.
    pub fn verdict_on(&self, hazard: &Hazard) -> Verdict {
        match self.rule_for(hazard.kind) {
            Some(verdict) => verdict,
            None if hazard.proves_failure() => Verdict::Deny,
            None => self.verdict(hazard.kind),
        }
    }

    /// Whether the verdict on `hazard` comes from the data rather than a rule.
    pub fn denied_by_the_data(&self, hazard: &Hazard) -> bool {
        self.rule_for(hazard.kind).is_none() && hazard.proves_failure()
    }

    /// The most specific rule's verdict (the strictest among equals).
    fn rule_for(&self, kind: HazardKind) -> Option<Verdict> {
        self.rules
            .iter()
            .filter_map(|(target, verdict)| target.specificity(kind).map(|rank| (rank, std::cmp::Reverse(*verdict))))
            .min()
            .map(|(_, std::cmp::Reverse(verdict))| verdict)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(allow: &[&str], warn: &[&str], deny: &[&str]) -> HazardPolicy {
        let mut policy = HazardPolicy::default();
        for (verdict, names) in [(Verdict::Allow, allow), (Verdict::Warn, warn), (Verdict::Deny, deny)] {
            for name in names {
                policy.add(verdict, name).expect("known hazard");
            }
        }
        policy
    }

    #[test]
    fn data_loss_is_denied_by_default_and_the_rest_warned() {
        let default = HazardPolicy::default();
        assert_eq!(default.verdict(HazardKind::DropsTable), Verdict::Deny);
        assert_eq!(default.verdict(HazardKind::DropsColumn), Verdict::Deny);
        assert_eq!(default.verdict(HazardKind::RebuildsTable), Verdict::Warn);
        assert_eq!(default.verdict(HazardKind::MayFailOnExistingRows), Verdict::Warn);
    }

    fn not_null_hazard(found: Option<i64>) -> Hazard {
        let statement = crate::engine::Statement::ddl("ALTER TABLE t ALTER COLUMN c SET NOT NULL").with_hazard(
            HazardKind::MayFailOnExistingRows,
            "existing rows must have a value in c",
        );
        let mut hazard = statement.hazards[0].clone();
        hazard.found = found;
        hazard
    }

    #[test]
    fn a_probe_proving_failure_denies_unless_a_rule_names_the_hazard() {
        let default = HazardPolicy::default();
        assert_eq!(default.verdict_on(&not_null_hazard(Some(3))), Verdict::Deny);
        assert!(default.denied_by_the_data(&not_null_hazard(Some(3))));
        assert_eq!(default.verdict_on(&not_null_hazard(Some(0))), Verdict::Warn);
        assert_eq!(default.verdict_on(&not_null_hazard(None)), Verdict::Warn);
        for name in ["may_fail_on_existing_rows", "may_fail", "all"] {
            let p = policy(&[], &[name], &[]);
            assert_eq!(p.verdict_on(&not_null_hazard(Some(3))), Verdict::Warn, "{name}");
            assert!(!p.denied_by_the_data(&not_null_hazard(Some(3))));
        }
    }

    #[test]
    fn the_most_specific_rule_wins_then_the_strictest() {
        let p = policy(&["all"], &[], &["drops_table"]);
        assert_eq!(p.verdict(HazardKind::DropsColumn), Verdict::Allow);
        assert_eq!(p.verdict(HazardKind::DropsTable), Verdict::Deny);
        let p = policy(&["drops_column"], &[], &["data_loss"]);
        assert_eq!(p.verdict(HazardKind::DropsColumn), Verdict::Allow);
        assert_eq!(p.verdict(HazardKind::DropsTable), Verdict::Deny);
        let p = policy(&["data_loss"], &["data_loss"], &[]);
        assert_eq!(
            p.verdict(HazardKind::DropsTable),
            Verdict::Warn,
            "the stricter of two equal rules"
        );
    }

    #[test]
    fn unknown_names_are_refused_with_the_known_ones() {
        let err = HazardPolicy::default()
            .add(Verdict::Allow, "drop_everything")
            .expect_err("unknown");
        let message = err.to_string();
        assert!(message.contains("`drop_everything`"), "{message}");
        assert!(
            message.contains("drops_table") && message.contains("data_loss"),
            "{message}"
        );
    }
}
