//! The `policy` block: which hazards a plan may carry, which kinds of drop
//! are never planned (`skip`), how PostgreSQL builds indexes
//! (`concurrent_indexes`) and whether MySQL/MariaDB statements name their
//! online-DDL algorithm (`explicit_algorithm`).
//!
//! The verdict rules themselves are the engine's ([`HazardPolicy`]), shared
//! with the CLI; this module reads them from Terraform values and turns
//! verdicts into diagnostics that name the statement and the setting that
//! would allow it.

use crate::engine::{
    capabilities_of, Capability, DatabaseUrl, HazardKind, HazardPolicy, Options, Skip, Statement, Verdict,
};
use crate::tfproto::cty::{Type, Value};
use crate::tfproto::diagnostics::{Diagnostics, PathStep};
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
        ))
        .attribute(Attribute::optional(
            "skip",
            Type::list(Type::String),
            "Kinds of drop never planned: `drops_table`, `drops_column`, `drops_schema` or `drops_object` \
             (views, functions, types, sequences, triggers, indexes, policies, extensions). Live objects of \
             these kinds that the desired schema lacks are kept as they are, with what they need, and the \
             plan warns which.",
        ))
        .attribute(Attribute::optional(
            "concurrent_indexes",
            Type::Bool,
            "PostgreSQL: build and drop the indexes of existing tables `CONCURRENTLY`, outside the plan's \
             transaction, so writes to the table never wait for them.",
        ))
        .attribute(Attribute::optional(
            "explicit_algorithm",
            Type::Bool,
            "MySQL/MariaDB: end each `ALTER TABLE` in the `ALGORITHM=…, LOCK=…` the plan classified it as \
             (INSTANT, INPLACE or COPY), so the server refuses a change it cannot make that way instead of \
             silently copying the table or blocking writes.",
        )),
        nesting: Nesting::Single,
        min_items: 0,
        max_items: 0,
    }
}

/// The block, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    hazards: HazardPolicy,
    skip: Field<Skip>,
    concurrent_indexes: Field<bool>,
    explicit_algorithm: Field<bool>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            hazards: HazardPolicy::default(),
            skip: Field::Null,
            concurrent_indexes: Field::Null,
            explicit_algorithm: Field::Null,
        }
    }
}

impl Policy {
    /// Reads the block; unknown names are reported against the block.
    pub fn from_value(resource: &Value, diagnostics: &mut Diagnostics) -> Policy {
        let Some(block) = resource.attr(BLOCK_NAME).filter(|block| !block.is_null()) else {
            return Policy::default();
        };
        let mut hazards = HazardPolicy::default();
        for verdict in Verdict::ALL {
            let Field::Known(names) = field::string_list(block, verdict.setting()) else {
                continue;
            };
            for name in names {
                if let Err(err) = hazards.add(verdict, &name) {
                    diagnostics.attribute_error(
                        BLOCK_NAME,
                        "Unknown hazard in policy",
                        format!("In `policy {{ {} = [...] }}`: {err}", verdict.setting()),
                    );
                }
            }
        }
        let skip = match field::string_list(block, "skip") {
            Field::Known(names) => match Skip::new(&names) {
                Ok(skip) => Field::Known(skip),
                Err(err) => {
                    diagnostics.attribute_error(
                        BLOCK_NAME,
                        "Unknown kind of drop in policy skip",
                        format!("In `policy {{ skip = [...] }}`: {err}."),
                    );
                    Field::Null
                }
            },
            Field::Unknown => Field::Unknown,
            Field::Null => Field::Null,
        };
        Policy {
            hazards,
            skip,
            concurrent_indexes: field::bool(block, "concurrent_indexes"),
            explicit_algorithm: field::bool(block, "explicit_algorithm"),
        }
    }

    /// Whether the block sets `skip`, `concurrent_indexes` or
    /// `explicit_algorithm`, which shape what a declarative plan writes (not
    /// what a written file does).
    pub fn shapes_plans(&self) -> bool {
        self.skip != Field::Null || self.concurrent_indexes != Field::Null || self.explicit_algorithm != Field::Null
    }

    pub fn verdict(&self, kind: HazardKind) -> Verdict {
        self.hazards.verdict(kind)
    }

    /// Settings the database's dialect does not have, as errors on the
    /// setting (`policy.concurrent_indexes`).
    pub fn check_dialect(&self, url: &DatabaseUrl, diagnostics: &mut Diagnostics) {
        let switches = [
            (
                "concurrent_indexes",
                &self.concurrent_indexes,
                Capability::ConcurrentIndexes,
            ),
            (
                "explicit_algorithm",
                &self.explicit_algorithm,
                Capability::ExplicitAlgorithm,
            ),
        ];
        for (setting, value, capability) in switches {
            if *value != Field::Known(true) || capabilities_of(url.dialect()).has(capability) {
                continue;
            }
            let holders = capability.holders();
            diagnostics.error_at(
                &[PathStep::Attribute(BLOCK_NAME), PathStep::Attribute(setting)],
                format!("{holders}-only setting"),
                format!(
                    "`policy {{ {setting} = true }}` applies to {holders} databases only, and {} is a {} \
                     database. Remove it from this resource.",
                    url.redacted(),
                    url.dialect()
                ),
            );
        }
    }

    /// Puts `skip`, `concurrent_indexes` and `explicit_algorithm` into
    /// `options`; false while one of them is unknown.
    pub fn configure(&self, options: &mut Options) -> bool {
        let switches = [&self.concurrent_indexes, &self.explicit_algorithm];
        if self.skip == Field::Unknown || switches.iter().any(|s| **s == Field::Unknown) {
            return false;
        }
        let on = |switch: &Field<bool>| switch.clone().known().unwrap_or(false);
        options.skip = self.skip.clone().known().unwrap_or_default();
        options.concurrent_indexes = on(&self.concurrent_indexes);
        options.explicit_algorithm = on(&self.explicit_algorithm);
        true
    }

    /// Warnings and errors for the hazards of `statements`. A destroy plan
    /// reads the policy from the state, which its advice says.
    pub fn check(&self, statements: &[Statement], destroying: bool, diagnostics: &mut Diagnostics) {
        let sites: Vec<Site> = statements
            .iter()
            .enumerate()
            .map(|(index, statement)| Site {
                tag: format!("statement {}", index + 1),
                place: format!(
                    "Statement {} of planned_sql:\n\n{}\n",
                    index + 1,
                    excerpt(&statement.sql)
                ),
                statement,
            })
            .collect();
        let denial = if destroying {
            Denial::Destroy
        } else {
            Denial::Attribute("desired_sql")
        };
        self.judge(&sites, denial, diagnostics);
    }

    /// Warnings and errors for the hazards at `sites`; a denial points at
    /// what `denial` says.
    pub fn judge(&self, sites: &[Site], denial: Denial, diagnostics: &mut Diagnostics) {
        for site in sites {
            for (kind, messages) in messages_by_kind(site.statement) {
                let where_ = &site.place;
                let how = match denial {
                    Denial::Destroy => {
                        "Destroy uses the policy recorded in the state: add the rule to the resource, run \
                         `terraform apply`, then destroy again"
                    }
                    Denial::Attribute(_) => "If this is intended, allow it in the resource",
                };
                let proven_to_fail = site
                    .statement
                    .hazards
                    .iter()
                    .any(|hazard| hazard.kind == kind && self.hazards.denied_by_the_data(hazard));
                if proven_to_fail {
                    let summary = format!("Plan would fail: {} ({})", kind.code(), kind.summary());
                    let detail = format!(
                        "{where_}\n{messages}\n\nThe rows in the database now make this statement fail, after the \
                         statements before it have run. Nothing was changed. Fix the data or the model first (backfill \
                         the missing values, remove the duplicate or orphaned rows, or give a new NOT NULL column a \
                         server default) and plan again. If the data will be fixed between plan and apply, let the \
                         plan through:\n\n  policy {{\n    warn = [\"{}\"]\n  }}",
                        kind.code(),
                    );
                    match denial {
                        Denial::Destroy => diagnostics.error(summary, detail),
                        Denial::Attribute(attribute) => diagnostics.attribute_error(attribute, summary, detail),
                    }
                    continue;
                }
                match self.verdict(kind) {
                    Verdict::Allow => {}
                    // Terraform folds warnings with equal summaries into the
                    // first one ("and 1 more similar warning"), hiding the
                    // others' statements and findings: the tag keeps them apart.
                    Verdict::Warn => diagnostics.warning(
                        format!("Hazard {}: {} ({})", kind.code(), kind.summary(), site.tag),
                        format!("{where_}\n{messages}"),
                    ),
                    Verdict::Deny => {
                        let summary = format!("Plan blocked by policy: {} ({})", kind.code(), kind.summary());
                        let detail = format!(
                            "{where_}\n{messages}\n\nNothing was changed. {how} (or allow the whole category, \"{}\"):\n\n  \
                             policy {{\n    allow = [\"{}\"]\n  }}",
                            kind.category().code(),
                            kind.code(),
                        );
                        match denial {
                            // A destroy has no configuration to point into.
                            Denial::Destroy => diagnostics.error(summary, detail),
                            Denial::Attribute(attribute) => diagnostics.attribute_error(attribute, summary, detail),
                        }
                    }
                }
            }
        }
    }
}

/// A statement whose hazards are judged, and how diagnostics name it.
pub struct Site<'a> {
    /// Short, in summaries: `statement 2`, `0002_posts.sql`.
    pub tag: String,
    /// Heads the detail: where the statement is, and the statement.
    pub place: String,
    pub statement: &'a Statement,
}

/// What a denied hazard's error points at.
#[derive(Debug, Clone, Copy)]
pub enum Denial {
    /// The configuration attribute the statements come from.
    Attribute(&'static str),
    /// A destroy: the policy comes from the state, there is no configuration.
    Destroy,
}

/// The messages of a statement's hazards, one entry per kind in the order
/// the kinds first appear: a SQLite table copy may carry several hazards of
/// one kind (a NULL, a check, a foreign key), which belong in one diagnostic.
fn messages_by_kind(statement: &Statement) -> Vec<(HazardKind, String)> {
    let mut grouped: Vec<(HazardKind, String)> = Vec::new();
    for hazard in &statement.hazards {
        match grouped.iter_mut().find(|(kind, _)| *kind == hazard.kind) {
            Some((_, messages)) => {
                messages.push_str("\n\n");
                messages.push_str(&hazard.message());
            }
            None => grouped.push((hazard.kind, hazard.message())),
        }
    }
    grouped
}

/// One warning naming the live objects `skip` kept.
pub fn report_kept(kept: &[String], options: &Options, diagnostics: &mut Diagnostics) {
    if kept.is_empty() {
        return;
    }
    let listed: Vec<String> = kept.iter().map(|object| format!("    {object}")).collect();
    diagnostics.warning(
        "Objects kept by policy skip",
        format!(
            "These live objects are not in the desired schema; `policy {{ skip = [{}] }}` keeps them:\n\n{}",
            options
                .skip
                .codes()
                .iter()
                .map(|code| format!("\"{code}\""))
                .collect::<Vec<_>>()
                .join(", "),
            listed.join("\n")
        ),
    );
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

/// The hazards of `statements` as the computed `hazards` list, without those
/// decided by the live database's activity at plan time: Terraform plans
/// again at apply time and insists on the same value.
pub fn hazards_value(statements: &[Statement]) -> Value {
    Value::List(
        statements
            .iter()
            .enumerate()
            .flat_map(|(index, statement)| {
                let stable = statement.hazards.iter().filter(|h| !h.kind.decided_by_live_activity());
                stable.map(move |hazard| {
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
pub fn excerpt(sql: &str) -> String {
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

    fn block(pairs: &[(&str, Value)]) -> Value {
        Value::object([(BLOCK_NAME, Value::object(pairs.iter().cloned()))])
    }

    fn list(names: &[&str]) -> Value {
        Value::List(names.iter().map(|n| Value::string(*n)).collect())
    }

    #[test]
    fn rules_come_from_the_three_lists() {
        let mut diagnostics = Diagnostics::new();
        let policy = Policy::from_value(
            &block(&[("allow", list(&["drops_column"])), ("deny", list(&["rebuilds_table"]))]),
            &mut diagnostics,
        );
        assert!(!diagnostics.has_errors());
        assert_eq!(policy.verdict(HazardKind::DropsColumn), Verdict::Allow);
        assert_eq!(policy.verdict(HazardKind::DropsTable), Verdict::Deny);
        assert_eq!(policy.verdict(HazardKind::RebuildsTable), Verdict::Deny);
        assert_eq!(policy.verdict(HazardKind::CastMayFail), Verdict::Warn);
    }

    #[test]
    fn unknown_names_are_reported_on_the_policy_block() {
        for (attribute, name) in [("allow", "drop_everything"), ("skip", "drops_enum_value")] {
            let mut diagnostics = Diagnostics::new();
            Policy::from_value(&block(&[(attribute, list(&[name]))]), &mut diagnostics);
            let text = format!("{:?}", diagnostics.into_proto());
            assert!(text.contains(name), "{text}");
            assert!(text.contains("policy"), "{text}");
        }
    }

    #[test]
    fn skip_and_concurrent_indexes_become_options() {
        let mut diagnostics = Diagnostics::new();
        let policy = Policy::from_value(
            &block(&[
                ("skip", list(&["drops_table", "drops_column"])),
                ("concurrent_indexes", Value::Bool(true)),
            ]),
            &mut diagnostics,
        );
        assert!(!diagnostics.has_errors());
        let mut options = Options::default();
        assert!(policy.configure(&mut options));
        assert!(options.concurrent_indexes);
        assert_eq!(options.skip.codes(), ["drops_column", "drops_table"]);

        let unknown = Policy::from_value(&block(&[("skip", Value::Unknown)]), &mut diagnostics);
        assert!(!unknown.configure(&mut Options::default()));
        let unset = Policy::from_value(&Value::object(Vec::<(String, Value)>::new()), &mut diagnostics);
        let mut options = Options::default();
        assert!(unset.configure(&mut options));
        assert_eq!(options, Options::default());
    }

    #[test]
    fn one_warning_per_statement_and_code_each_with_a_summary_of_its_own() {
        let copy = Statement::ddl("INSERT INTO \"_tfalchemy_new_t\" SELECT * FROM \"t\"")
            .with_hazard(HazardKind::MayFailOnExistingRows, "t.a must have a value")
            .with_hazard(HazardKind::RebuildsTable, "copies t")
            .with_hazard(HazardKind::MayFailOnExistingRows, "t must pass the check");
        let index = Statement::ddl("CREATE UNIQUE INDEX u ON t (b)")
            .with_hazard(HazardKind::MayFailOnExistingRows, "t (b) must be unique");
        let mut diagnostics = Diagnostics::new();
        Policy::default().check(&[copy, index], false, &mut diagnostics);
        let shown: Vec<(String, String)> = diagnostics
            .into_proto()
            .into_iter()
            .map(|diagnostic| (diagnostic.summary, diagnostic.detail))
            .collect();
        let summaries: Vec<&str> = shown.iter().map(|(summary, _)| summary.as_str()).collect();
        assert_eq!(
            summaries,
            [
                "Hazard may_fail_on_existing_rows: adds a rule that rows already in the table may break (statement 1)",
                "Hazard rebuilds_table: copies the table into a new one, locking it for the copy (statement 1)",
                "Hazard may_fail_on_existing_rows: adds a rule that rows already in the table may break (statement 2)",
            ]
        );
        assert!(
            shown[0].1.ends_with("t.a must have a value\n\nt must pass the check"),
            "{}",
            shown[0].1
        );
    }

    #[test]
    fn hazards_decided_by_live_activity_are_diagnostics_but_not_in_the_attribute() {
        let statement = Statement::ddl("ALTER TABLE t ADD COLUMN c text")
            .with_hazard(HazardKind::RewritesTable, "rewrites t")
            .with_hazard(HazardKind::LocksTable, "locks t");
        let Value::List(listed) = hazards_value(std::slice::from_ref(&statement)) else {
            panic!("a list");
        };
        let codes: Vec<String> = listed
            .iter()
            .filter_map(|hazard| hazard.attr("code").and_then(|code| code.as_str().map(str::to_string)))
            .collect();
        assert_eq!(codes, ["rewrites_table"]);
        let mut diagnostics = Diagnostics::new();
        Policy::default().check(&[statement], false, &mut diagnostics);
        let summaries: Vec<String> = diagnostics.into_proto().into_iter().map(|d| d.summary).collect();
        assert!(
            summaries.iter().any(|s| s.starts_with("Hazard locks_table:")),
            "{summaries:?}"
        );
    }

    #[test]
    fn concurrent_indexes_are_an_error_on_sqlite() {
        let mut diagnostics = Diagnostics::new();
        let policy = Policy::from_value(&block(&[("concurrent_indexes", Value::Bool(true))]), &mut diagnostics);
        let sqlite = DatabaseUrl::parse("sqlite:///app.db").expect("url");
        let postgres = DatabaseUrl::parse("postgresql://u@127.0.0.1/app").expect("url");
        policy.check_dialect(&postgres, &mut diagnostics);
        assert!(!diagnostics.has_errors());
        policy.check_dialect(&sqlite, &mut diagnostics);
        let text = format!("{:?}", diagnostics.into_proto());
        assert!(
            text.contains("concurrent_indexes") && text.contains("PostgreSQL-only"),
            "{text}"
        );
    }

    #[test]
    fn explicit_algorithm_becomes_an_option_and_is_an_error_on_the_setting_elsewhere() {
        let mut diagnostics = Diagnostics::new();
        let policy = Policy::from_value(&block(&[("explicit_algorithm", Value::Bool(true))]), &mut diagnostics);
        assert!(policy.shapes_plans());
        let mut options = Options::default();
        assert!(policy.configure(&mut options));
        assert!(options.explicit_algorithm && !options.concurrent_indexes);
        let mariadb = DatabaseUrl::parse("mariadb://root@127.0.0.1/app").expect("url");
        policy.check_dialect(&mariadb, &mut diagnostics);
        assert!(!diagnostics.has_errors());
        for url in ["sqlite:///app.db", "postgresql://u@127.0.0.1/app"] {
            let mut diagnostics = Diagnostics::new();
            policy.check_dialect(&DatabaseUrl::parse(url).expect("url"), &mut diagnostics);
            let found = diagnostics.into_proto();
            assert_eq!(found.len(), 1, "{found:?}");
            assert_eq!(found[0].summary, "MySQL/MariaDB-only setting");
            assert!(
                found[0]
                    .detail
                    .contains("`policy { explicit_algorithm = true }` applies to MySQL/MariaDB databases only"),
                "{}",
                found[0].detail
            );
            let path = format!("{:?}", found[0].attribute);
            assert!(
                path.contains("\"policy\"") && path.contains("\"explicit_algorithm\""),
                "{path}"
            );
        }
        let unknown = Policy::from_value(&block(&[("explicit_algorithm", Value::Unknown)]), &mut diagnostics);
        assert!(!unknown.configure(&mut Options::default()));
    }
}
