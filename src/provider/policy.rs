//! The `policy` block: which hazards a plan may carry.
//!
//! Every hazard gets one of three verdicts: allowed (silently), warned (a
//! warning in `terraform plan`) or denied (the plan fails, naming the
//! statement and the setting that would allow it). Rules name a hazard code
//! (`drops_table`), a category (`data_loss`) or `all`; the most specific rule
//! wins, and among equally specific ones the strictest. Without a rule, data
//! loss is denied and everything else is warned.

use crate::engine::{HazardCategory, HazardKind, Statement};
use crate::tfproto::cty::{Type, Value};
use crate::tfproto::diagnostics::Diagnostics;
use crate::tfproto::schema::{Attribute, Block, NestedBlock, Nesting};

use super::field::{self, Field};

pub const BLOCK_NAME: &str = "policy";

pub fn block() -> NestedBlock {
    NestedBlock {
        type_name: BLOCK_NAME,
        block: Block::new(
            "Which hazards a plan may carry. Each list takes hazard codes (such as `drops_table`), categories \
             (`data_loss`, `may_fail`, `blocking_lock`, `backward_incompatible`) or `all`. The most specific rule wins; among equally \
             specific rules the strictest. Without a rule, data loss is an error and other hazards are warnings.",
        )
        .attribute(Attribute::optional(
            "allow",
            Type::list(Type::String),
            "Hazards allowed without a warning.",
        ))
        .attribute(Attribute::optional(
            "warn",
            Type::list(Type::String),
            "Hazards allowed with a warning in the plan.",
        ))
        .attribute(Attribute::optional(
            "deny",
            Type::list(Type::String),
            "Hazards that fail the plan.",
        )),
        nesting: Nesting::Single,
        min_items: 0,
        max_items: 0,
    }
}

/// What happens to a plan that carries a hazard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    Allow,
    Warn,
    Deny,
}

impl Verdict {
    fn setting(self) -> &'static str {
        match self {
            Verdict::Allow => "allow",
            Verdict::Warn => "warn",
            Verdict::Deny => "deny",
        }
    }
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

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    rules: Vec<(Target, Verdict)>,
}

impl Policy {
    /// Reads the block; unknown names are reported against their list.
    pub fn from_value(resource: &Value, diagnostics: &mut Diagnostics) -> Policy {
        let mut rules = Vec::new();
        let Some(block) = resource.attr(BLOCK_NAME).filter(|block| !block.is_null()) else {
            return Policy::default();
        };
        for verdict in [Verdict::Allow, Verdict::Warn, Verdict::Deny] {
            let Field::Known(names) = field::string_list(block, verdict.setting()) else {
                continue;
            };
            for name in names {
                match Target::parse(&name) {
                    Some(target) => rules.push((target, verdict)),
                    None => diagnostics.attribute_error(
                        BLOCK_NAME,
                        "Unknown hazard in policy",
                        format!(
                            "`{name}` in `policy {{ {} = [...] }}` is not a hazard code, category or `all`. Codes: {}. \
                             Categories: {}.",
                            verdict.setting(),
                            HazardKind::ALL.map(|k| k.code()).join(", "),
                            HazardCategory::ALL.map(|c| c.code()).join(", "),
                        ),
                    ),
                }
            }
        }
        Policy { rules }
    }

    pub fn verdict(&self, kind: HazardKind) -> Verdict {
        self.rules
            .iter()
            .filter_map(|(target, verdict)| target.specificity(kind).map(|rank| (rank, std::cmp::Reverse(*verdict))))
            .min()
            .map(|(_, std::cmp::Reverse(verdict))| verdict)
            .unwrap_or(match kind.category() {
                HazardCategory::DataLoss => Verdict::Deny,
                _ => Verdict::Warn,
            })
    }

    /// Warnings and errors for the hazards of `statements`.
    pub fn check(&self, statements: &[Statement], diagnostics: &mut Diagnostics) {
        for (index, statement) in statements.iter().enumerate() {
            for hazard in &statement.hazards {
                let kind = hazard.kind;
                let where_ = format!(
                    "Statement {} of planned_sql:\n\n{}\n",
                    index + 1,
                    excerpt(&statement.sql)
                );
                match self.verdict(kind) {
                    Verdict::Allow => {}
                    Verdict::Warn => diagnostics.warning(
                        format!("Hazard {}: {}", kind.code(), kind.summary()),
                        format!("{where_}\n{}", hazard.message()),
                    ),
                    Verdict::Deny => diagnostics.attribute_error(
                        "desired_sql",
                        format!("Plan blocked by policy: {} ({})", kind.code(), kind.summary()),
                        format!(
                            "{where_}\n{}\n\nNothing was changed. If this is intended, allow it in the resource \
                             (or allow the whole category, \"{}\"):\n\n  policy {{\n    allow = [\"{}\"]\n  }}",
                            hazard.message(),
                            kind.category().code(),
                            kind.code(),
                        ),
                    ),
                }
            }
        }
    }
}

/// Type of the computed `hazards` attribute's elements.
pub fn hazard_type() -> Type {
    Type::object([
        ("statement", Type::Number),
        ("code", Type::String),
        ("category", Type::String),
        ("message", Type::String),
    ])
}

/// The hazards of `statements` as the computed `hazards` list.
pub fn hazards_value(statements: &[Statement]) -> Value {
    Value::List(
        statements
            .iter()
            .enumerate()
            .flat_map(|(index, statement)| {
                statement.hazards.iter().map(move |hazard| {
                    Value::object([
                        (
                            "statement",
                            Value::Number(crate::tfproto::cty::Number::from_u64(index as u64 + 1)),
                        ),
                        ("code", Value::string(hazard.kind.code())),
                        ("category", Value::string(hazard.kind.category().code())),
                        // Without the probe's finding: Terraform plans again at
                        // apply time and insists on the same value, while the
                        // rows may have changed in between.
                        ("message", Value::string(hazard.described())),
                    ])
                })
            })
            .collect(),
    )
}

/// The statement indented (Terraform does not re-wrap indented lines), at
/// most a few lines of it.
fn excerpt(sql: &str) -> String {
    const MAX_LINES: usize = 6;
    let mut lines: Vec<String> = sql.lines().take(MAX_LINES).map(|line| format!("    {line}")).collect();
    if sql.lines().count() > MAX_LINES {
        lines.push("    …".to_string());
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(allow: &[&str], warn: &[&str], deny: &[&str]) -> Policy {
        let list = |names: &[&str]| Value::List(names.iter().map(|n| Value::string(*n)).collect());
        let resource = Value::object([(
            BLOCK_NAME,
            Value::object([("allow", list(allow)), ("warn", list(warn)), ("deny", list(deny))]),
        )]);
        let mut diagnostics = Diagnostics::new();
        let policy = Policy::from_value(&resource, &mut diagnostics);
        assert!(!diagnostics.has_errors());
        policy
    }

    #[test]
    fn data_loss_is_denied_by_default_and_the_rest_warned() {
        let default = Policy::default();
        assert_eq!(default.verdict(HazardKind::DropsTable), Verdict::Deny);
        assert_eq!(default.verdict(HazardKind::DropsColumn), Verdict::Deny);
        assert_eq!(default.verdict(HazardKind::RebuildsTable), Verdict::Warn);
        assert_eq!(default.verdict(HazardKind::MayFailOnExistingRows), Verdict::Warn);
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
    fn unknown_names_are_reported_on_the_policy_block() {
        let resource = Value::object([(
            BLOCK_NAME,
            Value::object([
                ("allow", Value::List(vec![Value::string("drop_everything")])),
                ("warn", Value::Null),
                ("deny", Value::Null),
            ]),
        )]);
        let mut diagnostics = Diagnostics::new();
        Policy::from_value(&resource, &mut diagnostics);
        assert!(diagnostics.has_errors());
    }
}
