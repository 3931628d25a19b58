//! Composite types: created (in dependency order) with the other types,
//! changed in place with `ALTER TYPE … ADD / DROP / ALTER ATTRIBUTE` where
//! PostgreSQL can, rebuilt (see [`retype`]) where it cannot: attributes
//! reordered, or retyped while a table column stores the type.

use super::retype::{self, mentions_type, Retype, TypeRebuild};
use crate::engine::model::{CompositeAttribute, CompositeType, Schema};
use crate::engine::plan::{HazardKind, Statement};
use crate::engine::postgres::ident::{qualified, quote};

fn name(composite: &CompositeType) -> String {
    qualified(&composite.namespace, &composite.name)
}

/// How column and attribute types spell the composite type.
fn spelling(composite: &CompositeType) -> String {
    if composite.spelling.is_empty() {
        name(composite)
    } else {
        composite.spelling.clone()
    }
}

fn attribute_definition(attribute: &CompositeAttribute) -> String {
    let mut sql = format!("{} {}", quote(&attribute.name), attribute.data_type);
    if let Some(collation) = &attribute.collation {
        sql.push_str(&format!(" COLLATE {}", super::ddl::collate(collation)));
    }
    sql
}

pub fn create_composite(composite: &CompositeType) -> Statement {
    let attributes: Vec<String> = composite.attributes.iter().map(attribute_definition).collect();
    Statement::ddl(format!(
        "CREATE TYPE {} AS ({})",
        name(composite),
        attributes.join(", ")
    ))
}

pub fn drop_composite(composite: &CompositeType) -> Statement {
    Statement::ddl(format!("DROP TYPE {}", name(composite)))
}

fn attribute<'a>(composite: &'a CompositeType, attribute_name: &str) -> Option<&'a CompositeAttribute> {
    composite.attributes.iter().find(|a| a.name == attribute_name)
}

/// `ADD ATTRIBUTE` appends, so in place works when the kept attributes keep
/// their order and every new one comes after them.
fn keeps_order(from: &CompositeType, to: &CompositeType) -> bool {
    let kept_before: Vec<&str> = from
        .attributes
        .iter()
        .filter(|a| attribute(to, &a.name).is_some())
        .map(|a| a.name.as_str())
        .collect();
    let kept_after: Vec<&str> = to
        .attributes
        .iter()
        .filter(|a| attribute(from, &a.name).is_some())
        .map(|a| a.name.as_str())
        .collect();
    let first_new = to.attributes.iter().position(|a| attribute(from, &a.name).is_none());
    let last_kept = to.attributes.iter().rposition(|a| attribute(from, &a.name).is_some());
    let new_ones_last = match (first_new, last_kept) {
        (Some(new), Some(kept)) => new > kept,
        _ => true,
    };
    kept_before == kept_after && new_ones_last
}

fn retyped(from: &CompositeType, to: &CompositeType) -> bool {
    to.attributes
        .iter()
        .any(|a| attribute(from, &a.name).is_some_and(|old| old != a))
}

/// True when a live table column stores values of the type.
fn stored_in_tables(composite: &CompositeType, live: &Schema) -> bool {
    let spelling = spelling(composite);
    let array = format!("{spelling}[]");
    live.tables
        .values()
        .flat_map(|t| &t.columns)
        .any(|c| c.data_type == spelling || c.data_type == array)
}

/// PostgreSQL refuses `ALTER ATTRIBUTE … TYPE` on a type a table column
/// stores, and cannot reorder attributes at all.
pub fn needs_rebuild(from: &CompositeType, to: &CompositeType, live: &Schema) -> bool {
    !keeps_order(from, to) || (retyped(from, to) && stored_in_tables(from, live))
}

pub fn rebuild(from: &CompositeType, to: &CompositeType, live: &Schema, desired: &Schema) -> Retype {
    let mut create = create_composite(to);
    if !keeps_order(from, to) && stored_in_tables(from, live) {
        // Stored values convert through their text form, which is positional.
        create = create.with_hazard(
            HazardKind::DropsColumn,
            format!(
                "attributes of {} change order: stored values are converted attribute by position, not by name",
                name(to)
            ),
        );
    }
    let rebuild = TypeRebuild {
        keyword: "TYPE",
        namespace: &to.namespace,
        name: &to.name,
        current: name(from),
        spelling: spelling(from),
        create,
        lost_values: None,
    };
    retype::rebuild(&rebuild, live, desired)
}

/// One `ALTER TYPE` with every attribute change; see [`needs_rebuild`] for
/// what cannot be done in place.
pub fn alter_composite(from: &CompositeType, to: &CompositeType) -> Statement {
    let type_name = name(to);
    let mut actions = Vec::new();
    let mut dropped = Vec::new();
    for old in &from.attributes {
        if attribute(to, &old.name).is_none() {
            actions.push(format!("DROP ATTRIBUTE {}", quote(&old.name)));
            dropped.push(old.name.clone());
        }
    }
    for new in &to.attributes {
        match attribute(from, &new.name) {
            None => actions.push(format!("ADD ATTRIBUTE {}", attribute_definition(new))),
            Some(old) if old != new => {
                let mut action = format!("ALTER ATTRIBUTE {} TYPE {}", quote(&new.name), new.data_type);
                if let Some(collation) = &new.collation {
                    action.push_str(&format!(" COLLATE {}", super::ddl::collate(collation)));
                }
                actions.push(action);
            }
            Some(_) => {}
        }
    }
    let statement = Statement::ddl(format!("ALTER TYPE {type_name} {}", actions.join(", ")));
    if dropped.is_empty() {
        return statement;
    }
    statement.with_hazard(
        HazardKind::DropsColumn,
        format!(
            "drops attribute(s) {} of {type_name} and their values wherever the type is stored",
            dropped.join(", ")
        ),
    )
}

/// Composite types ordered so each comes after the ones its attributes use
/// (the caller reverses it for drops).
pub fn dependency_order(composites: Vec<&CompositeType>) -> Vec<&CompositeType> {
    let uses = |user: &CompositeType, used: &CompositeType| {
        let used_spelling = spelling(used);
        !std::ptr::eq(user, used)
            && user
                .attributes
                .iter()
                .any(|a| mentions_type(&a.data_type, &used_spelling))
    };
    let mut pending = composites;
    let mut ordered = Vec::with_capacity(pending.len());
    while !pending.is_empty() {
        // PostgreSQL forbids cycles between composite types; should one be
        // reported anyway, the rest keeps its given order.
        let ready = pending
            .iter()
            .position(|c| !pending.iter().any(|other| uses(c, other)))
            .unwrap_or(0);
        ordered.push(pending.remove(ready));
    }
    ordered
}

#[cfg(test)]
mod tests {
    use super::*;

    fn composite(name: &str, attributes: &[(&str, &str)]) -> CompositeType {
        CompositeType {
            namespace: "public".to_string(),
            name: name.to_string(),
            attributes: attributes
                .iter()
                .map(|(n, t)| CompositeAttribute {
                    name: n.to_string(),
                    data_type: t.to_string(),
                    collation: None,
                })
                .collect(),
            spelling: name.to_string(),
        }
    }

    #[test]
    fn used_types_come_first() {
        let person = composite("person", &[("home", "addr"), ("past", "addr[]")]);
        let addr = composite("addr", &[("zip", "text")]);
        let ordered: Vec<&str> = dependency_order(vec![&person, &addr])
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(ordered, vec!["addr", "person"]);
    }

    #[test]
    fn appended_attributes_alter_in_place_and_reorders_rebuild() {
        let live = Schema::default();
        let from = composite("addr", &[("street", "text"), ("zip", "text")]);
        let added = composite("addr", &[("zip", "text"), ("city", "text")]);
        assert!(!needs_rebuild(&from, &added, &live));
        assert_eq!(
            alter_composite(&from, &added).sql,
            "ALTER TYPE \"public\".\"addr\" DROP ATTRIBUTE \"street\", ADD ATTRIBUTE \"city\" text"
        );
        let inserted = composite("addr", &[("city", "text"), ("street", "text"), ("zip", "text")]);
        assert!(needs_rebuild(&from, &inserted, &live));
        let swapped = composite("addr", &[("zip", "text"), ("street", "text")]);
        assert!(needs_rebuild(&from, &swapped, &live));
    }
}
