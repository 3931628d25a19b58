//! `COMMENT ON` for everything but tables and their columns (see
//! [`super::table`]), once every object exists: a comment that is added or
//! changed, one whose object this plan drops and creates again (a drop takes
//! the comment with it), and `IS NULL` for one removed from an object that
//! stays.

use std::collections::BTreeSet;

use super::ddl::{comment_text, relation_name, sequence_name};
use super::order::routine_key;
use super::rebuilds::{signature_changes, Rebuilds};
use super::rules::Renewed;
use super::table_key;
use crate::engine::diff::{Change, TableChange};
use crate::engine::model::{Comment, CommentKind, Routine, Schema};
use crate::engine::plan::Statement;
use crate::engine::postgres::ident::{key_part, qualified, quote};

/// The objects this plan drops and creates again under the same key.
pub struct Recreated {
    views: BTreeSet<String>,
    routines: BTreeSet<String>,
    types: BTreeSet<String>,
    triggers: BTreeSet<String>,
    /// Tables whose constraints and indexes may be dropped and added again
    /// (created, retyped, or stepping aside for a rekeyed table).
    tables: BTreeSet<String>,
    /// `(table key, member name)` of constraints, indexes and policies
    /// added by a table's own changes.
    members: BTreeSet<(String, String)>,
    /// Rules and statistics objects dropped and created again.
    attached: Renewed,
}

impl Recreated {
    pub fn new(
        changes: &[Change],
        live: &Schema,
        rebuilds: &Rebuilds,
        retype_dropped: &[Routine],
        types: BTreeSet<String>,
        mut tables: BTreeSet<String>,
        attached: Renewed,
    ) -> Recreated {
        let views = rebuilds
            .creates
            .iter()
            .filter(|key| !rebuilds.replaced.contains(*key))
            .cloned()
            .collect();
        let mut routines: BTreeSet<String> = rebuilds
            .drops
            .iter()
            .filter(|key| live.routines.contains_key(*key))
            .cloned()
            .collect();
        routines.extend(retype_dropped.iter().filter_map(|r| routine_key(live, r)).cloned());
        let mut members = BTreeSet::new();
        for change in changes {
            match change {
                Change::ReplaceRoutine { from, to } if signature_changes(from, to) => {
                    routines.extend(routine_key(live, from).cloned());
                }
                Change::CreateTable(t) => {
                    tables.insert(table_key(t));
                }
                Change::CreateIndex { table, index } => {
                    members.insert((table.clone(), index.name.clone()));
                }
                Change::AlterTable(d) => {
                    let table = table_key(&d.to);
                    for c in &d.changes {
                        let name = match c {
                            TableChange::AddUnique(u) => u.name.clone(),
                            TableChange::AddForeignKey(f) => f.name.clone(),
                            TableChange::AddCheck(k) => k.name.clone(),
                            TableChange::AddExclusion(x) => Some(x.name.clone()),
                            TableChange::AddPolicy(p) => Some(p.name.clone()),
                            TableChange::SetPrimaryKey { to: Some(pk), .. } => pk.name.clone(),
                            _ => None,
                        };
                        members.extend(name.map(|n| (table.clone(), n)));
                    }
                }
                Change::AlterDomain { from, to } => {
                    let domain = super::key(&to.namespace, &to.name);
                    for check in to.checks.iter().filter(|c| !from.checks.contains(c)) {
                        members.extend(check.name.clone().map(|n| (domain.clone(), n)));
                    }
                }
                _ => {}
            }
        }
        Recreated {
            views,
            routines,
            types,
            triggers: rebuilds.trigger_creates.clone(),
            tables,
            members,
            attached,
        }
    }

    /// Keys of the views, routines and types dropped and created again.
    pub fn objects(&self) -> impl Iterator<Item = &String> {
        self.views.iter().chain(&self.routines).chain(&self.types)
    }

    /// True when the object `comment` is on is dropped and created again.
    fn covers(&self, comment: &Comment) -> bool {
        let object = &comment.object;
        let member = comment.member.clone().unwrap_or_default();
        let added = || self.members.contains(&(object.clone(), member.clone()));
        match comment.kind {
            CommentKind::View | CommentKind::MaterializedView | CommentKind::Column => self.views.contains(object),
            CommentKind::Index => self.views.contains(object) || self.tables.contains(object) || added(),
            CommentKind::Constraint | CommentKind::Policy => self.tables.contains(object) || added(),
            CommentKind::Trigger => self.triggers.contains(&format!("{object}.{}", key_part(&member))),
            CommentKind::Function | CommentKind::Procedure | CommentKind::Aggregate => self.routines.contains(object),
            CommentKind::Type | CommentKind::Domain | CommentKind::Collation => self.types.contains(object),
            CommentKind::DomainConstraint => self.types.contains(object) || added(),
            CommentKind::Rule => self.attached.rules.contains(&format!("{object}.{}", key_part(&member))),
            CommentKind::Statistics => self.attached.statistics.contains(object),
            CommentKind::Schema | CommentKind::Extension | CommentKind::Sequence => false,
        }
    }
}

/// The comment statements of a plan.
pub fn comments(changes: &[Change], live: &Schema, desired: &Schema, recreated: &Recreated) -> Vec<Statement> {
    let mut out = Vec::new();
    for change in changes {
        if let Change::SetComment {
            from: Some(old),
            to: None,
        } = change
        {
            if old.target_exists(desired) && !recreated.covers(old) {
                out.push(comment_on(old, None, &[desired, live]));
            }
        }
    }
    for (key, comment) in &desired.comments {
        let changed = live.comments.get(key).map(|c| &c.text) != Some(&comment.text);
        if changed || recreated.covers(comment) {
            out.push(comment_on(comment, Some(&comment.text), &[desired, live]));
        }
    }
    out
}

fn comment_on(comment: &Comment, text: Option<&str>, schemas: &[&Schema]) -> Statement {
    Statement::ddl(format!(
        "COMMENT ON {} {} IS {}",
        comment.kind.sql(),
        target(comment, schemas),
        comment_text(text)
    ))
}

/// The object's name as `COMMENT ON <kind>` wants it, found in either
/// schema; keys are valid SQL names too, should the object be missing.
fn target(comment: &Comment, schemas: &[&Schema]) -> String {
    let object = comment.object.as_str();
    let member = quote(comment.member.as_deref().unwrap_or_default());
    let find = |name: &dyn Fn(&Schema) -> Option<String>| {
        schemas
            .iter()
            .find_map(|schema| name(schema))
            .unwrap_or_else(|| object.to_string())
    };
    match comment.kind {
        CommentKind::Schema | CommentKind::Extension => quote(object),
        CommentKind::Type => find(&|s| {
            s.enums
                .get(object)
                .map(|e| qualified(&e.namespace, &e.name))
                .or_else(|| s.composites.get(object).map(|c| qualified(&c.namespace, &c.name)))
                .or_else(|| s.ranges.get(object).map(|r| qualified(&r.namespace, &r.name)))
        }),
        CommentKind::Domain => find(&|s| s.domains.get(object).map(|d| qualified(&d.namespace, &d.name))),
        CommentKind::Collation => find(&|s| s.collations.get(object).map(|c| qualified(&c.namespace, &c.name))),
        CommentKind::DomainConstraint => format!(
            "{member} ON DOMAIN {}",
            find(&|s| s.domains.get(object).map(|d| qualified(&d.namespace, &d.name)))
        ),
        CommentKind::Sequence => find(&|s| s.sequences.get(object).map(sequence_name)),
        CommentKind::Function | CommentKind::Procedure | CommentKind::Aggregate => find(&|s| {
            s.routines
                .get(object)
                .map(|r| format!("{}({})", qualified(&r.namespace, &r.name), r.identity_arguments))
        }),
        CommentKind::View | CommentKind::MaterializedView => relation_name(object, schemas),
        CommentKind::Column => format!("{}.{member}", relation_name(object, schemas)),
        CommentKind::Index => {
            let namespace = find(&|s| {
                s.tables
                    .get(object)
                    .and_then(|t| t.namespace.clone())
                    .or_else(|| s.views.get(object).and_then(|v| v.namespace.clone()))
                    .map(|n| quote(&n))
            });
            format!("{namespace}.{member}")
        }
        CommentKind::Statistics => find(&|s| s.statistics.get(object).map(|x| qualified(&x.namespace, &x.name))),
        CommentKind::Constraint | CommentKind::Trigger | CommentKind::Policy | CommentKind::Rule => {
            format!("{member} ON {}", relation_name(object, schemas))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::model::View;

    #[test]
    fn targets_name_members_with_their_relation() {
        let mut schema = Schema::default();
        schema.views.insert(
            "\"My App\".v".to_string(),
            View {
                name: "v".to_string(),
                definition: "SELECT 1 AS \"Id\"".to_string(),
                namespace: Some("My App".to_string()),
                materialized: true,
                depends_on: Default::default(),
                columns: vec!["\"Id\" integer".to_string()],
                indexes: Default::default(),
                options: Vec::new(),
            },
        );
        let comment = |kind, member: Option<&str>| Comment {
            kind,
            object: "\"My App\".v".to_string(),
            member: member.map(str::to_string),
            text: "it's".to_string(),
        };
        let sql = |c: &Comment| comment_on(c, Some(&c.text), &[&schema]).sql;
        assert_eq!(
            sql(&comment(CommentKind::MaterializedView, None)),
            "COMMENT ON MATERIALIZED VIEW \"My App\".\"v\" IS 'it''s'"
        );
        assert_eq!(
            sql(&comment(CommentKind::Column, Some("Id"))),
            "COMMENT ON COLUMN \"My App\".\"v\".\"Id\" IS 'it''s'"
        );
        assert_eq!(
            sql(&comment(CommentKind::Index, Some("v_idx"))),
            "COMMENT ON INDEX \"My App\".\"v_idx\" IS 'it''s'"
        );
        assert_eq!(
            comment_on(&comment(CommentKind::Trigger, Some("t")), None, &[&schema]).sql,
            "COMMENT ON TRIGGER \"t\" ON \"My App\".\"v\" IS NULL"
        );
        assert!(comment(CommentKind::Column, Some("Id")).target_exists(&schema));
        assert!(!comment(CommentKind::Column, Some("id")).target_exists(&schema));
    }
}
