//! Tables that record which migrations ran: ours (`tfalchemy_revisions`) and
//! Alembic's (`alembic_version`). They belong to the tools, not to the
//! schema, so every inspection leaves them out (both dialects call [`hide`]
//! on what they read): neither `sqlalchemy_schema` nor `migrate` ever plans
//! to drop them, and they are not part of a schema's hash.

use super::model::Schema;

/// The table `migrate` records applied files in, unless told otherwise.
pub const REVISIONS_TABLE: &str = "tfalchemy_revisions";

/// Alembic's one-row table naming the revision a database is at.
pub const ALEMBIC_VERSION_TABLE: &str = "alembic_version";

/// Tables left out of every inspection, whatever their schema (namespace).
const HIDDEN: [&str; 2] = [REVISIONS_TABLE, ALEMBIC_VERSION_TABLE];

/// `schema` without the bookkeeping tables (and what hangs off them).
pub fn hide(schema: Schema) -> Schema {
    hide_tables(schema, |name| HIDDEN.contains(&name))
}

/// `schema` without the table named `name` (in any namespace): a revisions
/// table given another name.
pub fn hide_named(schema: Schema, name: &str) -> Schema {
    hide_tables(schema, |table| table == name)
}

fn hide_tables(mut schema: Schema, hidden: impl Fn(&str) -> bool) -> Schema {
    let removed: Vec<String> = schema
        .tables
        .iter()
        .filter(|(_, table)| hidden(&table.name))
        .map(|(key, _)| key.clone())
        .collect();
    if removed.is_empty() {
        return schema;
    }
    for key in &removed {
        schema.tables.remove(key);
    }
    schema.triggers.retain(|_, trigger| !removed.contains(&trigger.table));
    schema.sequences.retain(|_, sequence| {
        !sequence.owned_by.as_deref().is_some_and(|owner| {
            removed.iter().any(|table| {
                owner
                    .strip_prefix(table.as_str())
                    .is_some_and(|rest| rest.starts_with('.'))
            })
        })
    });
    let comments = std::mem::take(&mut schema.comments);
    schema.comments = comments.into_iter().filter(|(_, c)| c.target_exists(&schema)).collect();
    super::privileges::retain_existing(&mut schema);
    schema
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::model::Table;

    fn with_tables(names: &[(&str, &str)]) -> Schema {
        let mut schema = Schema::default();
        for (namespace, name) in names {
            let mut table = Table::new(*name);
            table.namespace = (!namespace.is_empty()).then(|| namespace.to_string());
            let key = if namespace.is_empty() {
                name.to_string()
            } else {
                format!("{namespace}.{name}")
            };
            schema.tables.insert(key, table);
        }
        schema
    }

    #[test]
    fn bookkeeping_tables_are_hidden_in_any_namespace_and_others_kept() {
        let schema = with_tables(&[
            ("public", "users"),
            ("public", "alembic_version"),
            ("ops", "tfalchemy_revisions"),
            ("", "tfalchemy_revisions"),
        ]);
        let hidden = hide(schema);
        assert_eq!(hidden.tables.keys().collect::<Vec<_>>(), vec!["public.users"]);
        let custom = hide_named(with_tables(&[("public", "users"), ("public", "my_revs")]), "my_revs");
        assert_eq!(custom.tables.keys().collect::<Vec<_>>(), vec!["public.users"]);
    }
}
