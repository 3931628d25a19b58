//! Comments on objects other than tables and table columns (those are part of
//! [`Table`](super::model::Table)). They are kept apart from the objects they
//! describe so that changing one is a comment change, never a change of the
//! object itself.

use serde::{Deserialize, Serialize};

use super::model::Schema;

/// The kind of object a comment is on, named as `COMMENT ON` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommentKind {
    Schema,
    Extension,
    Collation,
    Type,
    Domain,
    /// A check constraint of a domain (`member`).
    DomainConstraint,
    Sequence,
    Function,
    Procedure,
    Aggregate,
    View,
    MaterializedView,
    /// A column (`member`) of a view.
    Column,
    /// An index (`member`) of a table or materialized view.
    Index,
    /// A constraint (`member`) of a table.
    Constraint,
    /// A trigger (`member`) on a table or view.
    Trigger,
    /// A row-level security policy (`member`) of a table.
    Policy,
    /// A rule (`member`) on a table or view.
    Rule,
    /// An extended statistics object.
    Statistics,
}

impl CommentKind {
    /// The words after `COMMENT ON`.
    pub fn sql(self) -> &'static str {
        match self {
            CommentKind::Schema => "SCHEMA",
            CommentKind::Extension => "EXTENSION",
            CommentKind::Collation => "COLLATION",
            CommentKind::Type => "TYPE",
            CommentKind::Domain => "DOMAIN",
            CommentKind::DomainConstraint | CommentKind::Constraint => "CONSTRAINT",
            CommentKind::Sequence => "SEQUENCE",
            CommentKind::Function => "FUNCTION",
            CommentKind::Procedure => "PROCEDURE",
            CommentKind::Aggregate => "AGGREGATE",
            CommentKind::View => "VIEW",
            CommentKind::MaterializedView => "MATERIALIZED VIEW",
            CommentKind::Column => "COLUMN",
            CommentKind::Index => "INDEX",
            CommentKind::Trigger => "TRIGGER",
            CommentKind::Policy => "POLICY",
            CommentKind::Rule => "RULE",
            CommentKind::Statistics => "STATISTICS",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Comment {
    pub kind: CommentKind,
    /// Model key of the object; for a member, of the relation (or domain)
    /// it belongs to.
    pub object: String,
    /// The member's name (column, index, constraint, trigger, policy, rule).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
    pub text: String,
}

impl Comment {
    /// Where the comment is stored in [`Schema::comments`]: what it is on,
    /// whatever it says.
    pub fn key(&self) -> String {
        let kind = self.kind.sql().to_lowercase();
        match &self.member {
            Some(member) => format!("{kind} {} {member:?}", self.object),
            None => format!("{kind} {}", self.object),
        }
    }

    /// True when `schema` has the object the comment is on.
    pub fn target_exists(&self, schema: &Schema) -> bool {
        let object = self.object.as_str();
        let member = self.member.as_deref().unwrap_or_default();
        let view = schema.views.get(object);
        let table = schema.tables.get(object);
        match self.kind {
            CommentKind::Schema => schema.namespaces.contains_key(object),
            CommentKind::Extension => schema.extensions.contains_key(object),
            CommentKind::Collation => schema.collations.contains_key(object),
            CommentKind::Type => {
                schema.enums.contains_key(object)
                    || schema.composites.contains_key(object)
                    || schema.ranges.contains_key(object)
            }
            CommentKind::Domain => schema.domains.contains_key(object),
            CommentKind::DomainConstraint => schema
                .domains
                .get(object)
                .is_some_and(|d| d.checks.iter().any(|c| c.name.as_deref() == Some(member))),
            CommentKind::Sequence => schema.sequences.contains_key(object),
            CommentKind::Function | CommentKind::Procedure | CommentKind::Aggregate => {
                schema.routines.contains_key(object)
            }
            CommentKind::View => view.is_some_and(|v| !v.materialized),
            CommentKind::MaterializedView => view.is_some_and(|v| v.materialized),
            // View columns are kept as `name type`, the name quoted where needed.
            CommentKind::Column => view.is_some_and(|v| {
                let quoted = format!("\"{}\"", member.replace('"', "\"\""));
                v.columns.iter().any(|c| {
                    c.strip_prefix(member)
                        .or_else(|| c.strip_prefix(&quoted))
                        .is_some_and(|rest| rest.starts_with(' '))
                })
            }),
            CommentKind::Index => {
                table.is_some_and(|t| t.indexes.contains_key(member))
                    || view.is_some_and(|v| v.indexes.contains_key(member))
            }
            CommentKind::Constraint => table.is_some_and(|t| {
                let named = |name: Option<&String>| name.is_some_and(|n| n == member);
                named(t.primary_key.as_ref().and_then(|k| k.name.as_ref()))
                    || t.uniques.iter().any(|u| named(u.name.as_ref()))
                    || t.foreign_keys.iter().any(|f| named(f.name.as_ref()))
                    || t.checks.iter().any(|c| named(c.name.as_ref()))
                    || t.exclusions.iter().any(|x| x.name == member)
            }),
            CommentKind::Trigger => schema.triggers.values().any(|t| t.table == object && t.name == member),
            CommentKind::Policy => table.is_some_and(|t| t.policies.iter().any(|p| p.name == member)),
            CommentKind::Rule => schema.rules.values().any(|r| r.table == object && r.name == member),
            CommentKind::Statistics => schema.statistics.contains_key(object),
        }
    }
}
