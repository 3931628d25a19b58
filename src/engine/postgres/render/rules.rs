//! Rules (`CREATE RULE`) and extended statistics objects (`CREATE
//! STATISTICS`): both hang off one table or view and name its columns, so
//! both are dropped before anything else changes (a dropped column would
//! take them along) and created once every table and view exists. Those
//! on a relation the plan drops and creates again come back with it.

use std::collections::BTreeSet;

use super::ddl::relation_name;
use super::rebuilds::Rebuilds;
use super::table_key;
use crate::engine::diff::Change;
use crate::engine::model::{Rule, Schema, StatisticsObject};
use crate::engine::plan::{HazardKind, Statement};
use crate::engine::postgres::ident::{key, key_part, qualified, quote};

/// What the plan runs for rules and statistics objects.
pub struct Attached {
    /// Before the teardown of views and tables.
    pub drops: Vec<Statement>,
    /// After every table, view and trigger exists.
    pub creates: Vec<Statement>,
    /// Keys of the live rules and statistics objects dropped and created
    /// again: a drop takes their comment along.
    pub renewed: Renewed,
}

/// Keys (as in [`Schema::rules`] and [`Schema::statistics`]) of what
/// [`plan`] drops and creates again.
#[derive(Default)]
pub struct Renewed {
    pub rules: BTreeSet<String>,
    pub statistics: BTreeSet<String>,
}

pub fn plan(changes: &[Change], live: &Schema, desired: &Schema, rebuilds: &Rebuilds) -> Attached {
    let schemas = [desired, live];
    // Relations dropped in this plan: what hangs off them goes too.
    let mut dropped: BTreeSet<String> = rebuilds.drops.iter().cloned().collect();
    dropped.extend(changes.iter().filter_map(|c| match c {
        Change::DropTable(t) => Some(table_key(t)),
        _ => None,
    }));
    let mut out = Attached {
        drops: Vec::new(),
        creates: Vec::new(),
        renewed: Renewed::default(),
    };
    for change in changes {
        match change {
            Change::DropRule(rule) => out.drops.push(drop_rule(rule, &schemas).with_hazard(
                HazardKind::DropsObject,
                format!(
                    "drops rule {} on {}",
                    quote(&rule.name),
                    relation_name(&rule.table, &schemas)
                ),
            )),
            Change::CreateRule(rule) => out.creates.push(Statement::ddl(rule.definition.clone())),
            Change::ReplaceRule { to, .. } => {
                out.creates.push(Statement::ddl(replace_rule(to)));
                // In place it keeps its comment; with its relation it went.
                if dropped.contains(&to.table) {
                    out.renewed.rules.insert(rule_key(to));
                }
            }
            Change::DropStatistics(s) => out.drops.push(drop_statistics(s)),
            Change::CreateStatistics(s) => out.creates.extend(create_statistics(s)),
            Change::AlterStatistics { from, to } if from.definition == to.definition && from.table == to.table => {
                out.creates.push(set_target(to))
            }
            Change::AlterStatistics { from, to } => {
                out.drops
                    .push(Statement::ddl(format!("DROP STATISTICS {}", statistics_name(from))));
                out.creates.extend(create_statistics(to));
                out.renewed.statistics.insert(statistics_key(to));
            }
            _ => {}
        }
    }
    // Unchanged ones on a relation dropped and created again.
    for (key, rule) in &live.rules {
        if dropped.contains(&rule.table) && desired.rules.get(key) == Some(rule) {
            out.creates.push(Statement::ddl(rule.definition.clone()));
            out.renewed.rules.insert(key.clone());
        }
    }
    for (key, statistics) in &live.statistics {
        if dropped.contains(&statistics.table) && desired.statistics.get(key) == Some(statistics) {
            out.creates.extend(create_statistics(statistics));
            out.renewed.statistics.insert(key.clone());
        }
    }
    out
}

fn drop_rule(rule: &Rule, schemas: &[&Schema]) -> Statement {
    Statement::ddl(format!(
        "DROP RULE {} ON {}",
        quote(&rule.name),
        relation_name(&rule.table, schemas)
    ))
}

fn replace_rule(rule: &Rule) -> String {
    rule.definition.replacen("CREATE RULE ", "CREATE OR REPLACE RULE ", 1)
}

fn rule_key(rule: &Rule) -> String {
    format!("{}.{}", rule.table, key_part(&rule.name))
}

fn statistics_key(statistics: &StatisticsObject) -> String {
    key(&statistics.namespace, &statistics.name)
}

fn statistics_name(statistics: &StatisticsObject) -> String {
    qualified(&statistics.namespace, &statistics.name)
}

/// Statistics hold no data of their own (ANALYZE computes them again).
fn drop_statistics(statistics: &StatisticsObject) -> Statement {
    Statement::ddl(format!("DROP STATISTICS {}", statistics_name(statistics)))
}

fn create_statistics(statistics: &StatisticsObject) -> Vec<Statement> {
    let mut out = vec![Statement::ddl(statistics.definition.clone())];
    if statistics.target.is_some() {
        out.push(set_target(statistics));
    }
    out
}

fn set_target(statistics: &StatisticsObject) -> Statement {
    Statement::ddl(format!(
        "ALTER STATISTICS {} SET STATISTICS {}",
        statistics_name(statistics),
        statistics.target.unwrap_or(-1)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_rule_is_replaced_in_place() {
        let rule = Rule {
            name: "Keep".to_string(),
            table: "app.\"T\"".to_string(),
            definition: "CREATE RULE \"Keep\" AS\n    ON DELETE TO app.\"T\" DO INSTEAD NOTHING".to_string(),
        };
        assert_eq!(
            replace_rule(&rule),
            "CREATE OR REPLACE RULE \"Keep\" AS\n    ON DELETE TO app.\"T\" DO INSTEAD NOTHING"
        );
    }
}
