//! How a changed view can be changed: replaced in place, its options
//! altered, or dropped and created again (see [`super::order`] for the order).

use super::ddl::view_name;
use crate::engine::model::View;
use crate::engine::plan::Statement;

/// PostgreSQL's rule for `CREATE OR REPLACE VIEW`: same kind (not
/// materialized), and the old output columns, names and types, are a prefix
/// of the new ones. Indexes only exist on materialized views.
pub fn replaceable(old: &View, new: &View) -> bool {
    !old.materialized && !new.materialized && new.columns.starts_with(&old.columns)
}

/// True when nothing but the options differ: `ALTER VIEW … SET / RESET`.
pub fn only_options_differ(old: &View, new: &View) -> bool {
    old.options != new.options
        && View {
            options: new.options.clone(),
            ..old.clone()
        } == *new
}

/// `ALTER [MATERIALIZED] VIEW … RESET (…)` for options that go and
/// `SET (…)` for options that come or change. Options are written as the
/// catalog keeps them (`name=value`, plain words).
pub fn alter_options(old: &View, new: &View) -> Vec<Statement> {
    let name_of = |option: &str| option.split_once('=').map_or(option, |(name, _)| name).to_string();
    let kind = if new.materialized { "MATERIALIZED VIEW" } else { "VIEW" };
    let new_names: Vec<String> = new.options.iter().map(|o| name_of(o)).collect();
    let reset: Vec<String> = old
        .options
        .iter()
        .map(|o| name_of(o))
        .filter(|name| !new_names.contains(name))
        .collect();
    let set: Vec<&str> = new
        .options
        .iter()
        .filter(|o| !old.options.contains(o))
        .map(String::as_str)
        .collect();
    let mut out = Vec::new();
    if !reset.is_empty() {
        out.push(Statement::ddl(format!(
            "ALTER {kind} {} RESET ({})",
            view_name(new),
            reset.join(", ")
        )));
    }
    if !set.is_empty() {
        out.push(Statement::ddl(format!(
            "ALTER {kind} {} SET ({})",
            view_name(new),
            set.join(", ")
        )));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn view(columns: &[&str], options: &[&str]) -> View {
        View {
            name: "v".to_string(),
            definition: "SELECT 1".to_string(),
            namespace: Some("public".to_string()),
            materialized: false,
            depends_on: Default::default(),
            columns: columns.iter().map(|c| c.to_string()).collect(),
            indexes: BTreeMap::new(),
            options: options.iter().map(|c| c.to_string()).collect(),
        }
    }

    #[test]
    fn only_views_that_gain_trailing_columns_are_replaceable() {
        let old = view(&["a integer"], &[]);
        assert!(replaceable(&old, &view(&["a integer", "b text"], &[])));
        assert!(!replaceable(&old, &view(&["a bigint"], &[])));
        assert!(!replaceable(&old, &view(&["b text", "a integer"], &[])));
    }

    #[test]
    fn option_changes_set_and_reset_only_what_changes() {
        let old = view(&["a integer"], &["check_option=local", "security_barrier=true"]);
        let new = view(&["a integer"], &["check_option=cascaded", "security_invoker=true"]);
        assert!(only_options_differ(&old, &new));
        assert!(!only_options_differ(&old, &view(&["a bigint"], &[])));
        let sql: Vec<String> = alter_options(&old, &new).into_iter().map(|s| s.sql).collect();
        assert_eq!(
            sql,
            vec![
                "ALTER VIEW \"public\".\"v\" RESET (security_barrier)",
                "ALTER VIEW \"public\".\"v\" SET (check_option=cascaded, security_invoker=true)",
            ]
        );
    }
}
