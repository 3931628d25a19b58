//! Tables that record which migrations ran: ours (`tfalchemy_revisions`) and
//! Alembic's (`alembic_version`). They belong to the tools, not to the
//! schema, so every inspection leaves them out (both dialects call [`hide`]
//! on what they read): neither `sqlalchemy_schema` nor `migrate` ever plans
//! to drop them, and they are not part of a schema's hash. A revisions table
//! given another name (`revisions_table`) is recognised by its columns, so a
//! `sqlalchemy_schema` on the same database leaves it alone too.

use super::model::{Schema, Table};

/// The table `migrate` records applied files in, unless told otherwise.
pub const REVISIONS_TABLE: &str = "tfalchemy_revisions";

/// Alembic's one-row table naming the revision a database is at.
pub const ALEMBIC_VERSION_TABLE: &str = "alembic_version";

/// Tables left out of every inspection, whatever their schema (namespace).
const HIDDEN: [&str; 2] = [REVISIONS_TABLE, ALEMBIC_VERSION_TABLE];

/// The columns of a revisions table, in the order `migrate` creates them.
pub const REVISIONS_COLUMNS: [&str; 8] = [
    "version",
    "name",
    "checksum",
    "statements_total",
    "statements_applied",
    "duration_ms",
    "applied_at",
    "state",
];

/// `schema` without the bookkeeping tables (and what hangs off them).
pub fn hide(schema: Schema) -> Schema {
    hide_tables(schema, |table| {
        HIDDEN.contains(&table.name.as_str()) || is_revisions_table(table)
    })
}

/// A table with exactly the revisions table's columns, whatever its name.
fn is_revisions_table(table: &Table) -> bool {
    table.columns.len() == REVISIONS_COLUMNS.len()
        && table
            .columns
            .iter()
            .all(|column| REVISIONS_COLUMNS.contains(&column.name.as_str()))
}

/// `schema` without the table named `name` (in any namespace): a revisions
/// table given another name.
pub fn hide_named(schema: Schema, name: &str) -> Schema {
    hide_tables(schema, |table| table.name == name)
}

fn hide_tables(mut schema: Schema, hidden: impl Fn(&Table) -> bool) -> Schema {
    let removed: Vec<String> = schema
        .tables
        .iter()
        .filter(|(_, table)| hidden(table))
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
    use crate::engine::model::Column;

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

    #[test]
    fn a_revisions_table_under_another_name_is_recognised_by_its_columns() {
        let mut schema = with_tables(&[("ops", "schema_history"), ("public", "history")]);
        let columns = |names: &[&str]| {
            names
                .iter()
                .map(|name| Column {
                    name: name.to_string(),
                    data_type: "text".to_string(),
                    nullable: false,
                    default: None,
                    collation: None,
                })
                .collect::<Vec<_>>()
        };
        schema.tables.get_mut("ops.schema_history").unwrap().columns = columns(&REVISIONS_COLUMNS);
        // One column short of the shape: a user's table, kept.
        schema.tables.get_mut("public.history").unwrap().columns = columns(&REVISIONS_COLUMNS[..7]);
        let hidden = hide(schema);
        assert_eq!(hidden.tables.keys().collect::<Vec<_>>(), vec!["public.history"]);
    }

    #[test]
    fn the_revisions_table_migrate_creates_has_the_recognised_columns_on_every_dialect() {
        for driver in crate::engine::driver::drivers() {
            let sql = crate::engine::migrate::RevisionsTable::parse("ops.history")
                .unwrap()
                .create_sql(driver.revisions_syntax());
            let declared: Vec<&str> = sql
                .lines()
                .skip(1)
                .filter_map(|line| line.split_whitespace().next())
                .filter(|word| *word != ")")
                .collect();
            assert_eq!(declared, REVISIONS_COLUMNS, "{}", driver.dialect().name());
        }
    }
}
