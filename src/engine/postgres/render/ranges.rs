//! Range types and their multirange types. PostgreSQL has no `ALTER` for a
//! range type's definition, so a changed one is dropped and created again:
//! the views using it are rebuilt around it (it counts as a rebuilt type),
//! while a column or routine still storing or taking it makes the drop
//! fail, which the plan's replay reports ("cannot drop type … because
//! other objects depend on it") before anything runs on the live database.

use crate::engine::model::{RangeType, Schema};
use crate::engine::plan::{HazardKind, Statement};
use crate::engine::postgres::ident::{key, key_part, qualified, quote};

pub fn name(range: &RangeType) -> String {
    qualified(&range.namespace, &range.name)
}

pub fn range_key(range: &RangeType) -> String {
    key(&range.namespace, &range.name)
}

pub fn create_range(range: &RangeType) -> Statement {
    let mut options = vec![format!("subtype = {}", range.subtype)];
    if let Some(opclass) = &range.subtype_opclass {
        options.push(format!("subtype_opclass = {opclass}"));
    }
    if let Some(collation) = &range.collation {
        options.push(format!("collation = {}", quote(collation)));
    }
    if let Some(canonical) = &range.canonical {
        options.push(format!("canonical = {canonical}"));
    }
    if let Some(diff) = &range.subtype_diff {
        options.push(format!("subtype_diff = {diff}"));
    }
    if !range.multirange.is_empty() {
        options.push(format!(
            "multirange_type_name = {}",
            qualified(&range.namespace, &range.multirange)
        ));
    }
    Statement::ddl(format!("CREATE TYPE {} AS RANGE ({})", name(range), options.join(", ")))
}

/// Dropping the range type drops its multirange type with it.
pub fn drop_range(range: &RangeType) -> Statement {
    Statement::ddl(format!("DROP TYPE {}", name(range)))
}

/// A drop of a range type the desired schema no longer has.
pub fn dropped_range(range: &RangeType) -> Statement {
    drop_range(range).with_hazard(
        HazardKind::DropsObject,
        format!(
            "drops range type {} and its multirange type; whatever still uses them breaks",
            name(range)
        ),
    )
}

/// True when the range's canonical or subtype_diff function is one of the
/// schema's routines: the type then waits for the routines.
pub fn calls_routine(range: &RangeType, schema: &Schema) -> bool {
    let functions = [&range.canonical, &range.subtype_diff];
    functions.into_iter().flatten().any(|function| {
        schema
            .routines
            .values()
            .any(|routine| *function == key_part(&routine.name) || *function == key(&routine.namespace, &routine.name))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(name: &str) -> RangeType {
        RangeType {
            namespace: "app".to_string(),
            name: name.to_string(),
            subtype: "double precision".to_string(),
            subtype_opclass: None,
            collation: None,
            canonical: None,
            subtype_diff: Some("float8mi".to_string()),
            multirange: format!("{name}_multirange"),
            spelling: String::new(),
            multirange_spelling: String::new(),
        }
    }

    #[test]
    fn the_multirange_is_always_named() {
        assert_eq!(
            create_range(&range("Span")).sql,
            "CREATE TYPE \"app\".\"Span\" AS RANGE (subtype = double precision, subtype_diff = float8mi, \
             multirange_type_name = \"app\".\"Span_multirange\")"
        );
    }
}
