//! A column moved to or from an enum type. PostgreSQL has no cast between
//! two enum types, nor from an enum to anything but text, nor to an enum
//! from anything but text: the conversion goes through text
//! (`USING col::text::new_enum`). Into an enum it fails on any value that is
//! not one of the enum's labels, which a probe counts in the live rows.

use super::ddl::enum_type_spelling;
use crate::engine::model::{EnumType, Schema};
use crate::engine::postgres::ident::literal;
use crate::engine::probe::Probe;

/// The enum types of both sides of a plan.
#[derive(Clone, Copy)]
pub struct EnumCasts<'a> {
    pub live: &'a Schema,
    pub desired: &'a Schema,
}

/// A column type taken apart: its element type, and whether it is an array of it.
fn element(data_type: &str) -> (&str, bool) {
    match data_type.strip_suffix("[]") {
        Some(element) => (element, true),
        None => (data_type, false),
    }
}

fn find_enum<'s>(schema: &'s Schema, data_type: &str) -> Option<&'s EnumType> {
    let (element, _) = element(data_type);
    schema.enums.values().find(|e| enum_type_spelling(e) == element)
}

impl<'a> EnumCasts<'a> {
    /// The enum `to` (a desired column type) is, or is an array of.
    fn target(&self, to: &str) -> Option<&'a EnumType> {
        find_enum(self.desired, to)
    }

    fn through_text(&self, from: &str, to: &str) -> bool {
        let same_shape = element(from).1 == element(to).1;
        same_shape && (find_enum(self.live, from).is_some() || self.target(to).is_some())
    }

    /// The `USING` expression converting `column` (SQL) from type `from` to `to`.
    pub fn using(&self, column: &str, from: &str, to: &str) -> String {
        if !self.through_text(from, to) {
            return format!("{column}::{to}");
        }
        let text = if element(to).1 { "text[]" } else { "text" };
        format!("{column}::{text}::{to}")
    }

    /// Rows of `table` (SQL) whose `column` holds a value that is not a label
    /// of the enum `to` names: the conversion fails on them.
    pub fn unlabelled_values(&self, table: &str, subject: &str, column: &str, from: &str, to: &str) -> Option<Probe> {
        if !self.through_text(from, to) {
            return None;
        }
        let target = self.target(to)?;
        let labels: Vec<String> = target.values.iter().map(|v| literal(v)).collect();
        let predicate = if element(to).1 {
            format!("NOT ({column}::text[] <@ ARRAY[{}]::text[])", labels.join(", "))
        } else if labels.is_empty() {
            format!("{column} IS NOT NULL")
        } else {
            format!("{column}::text NOT IN ({})", labels.join(", "))
        };
        Some(Probe::matching(
            table,
            subject,
            predicate,
            (
                &format!("value that is not a label of {}", enum_type_spelling(target)),
                &format!("values that are not labels of {}", enum_type_spelling(target)),
            ),
            "the type change will fail",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema(enums: &[(&str, &[&str])]) -> Schema {
        let mut schema = Schema::default();
        for (name, values) in enums {
            schema.enums.insert(
                format!("public.{name}"),
                EnumType {
                    namespace: "public".into(),
                    name: name.to_string(),
                    values: values.iter().map(|v| v.to_string()).collect(),
                    spelling: name.to_string(),
                },
            );
        }
        schema
    }

    #[test]
    fn enums_convert_through_text_and_other_types_directly() {
        let live = schema(&[("mood", &["a"])]);
        let desired = schema(&[("feeling", &["a", "b"])]);
        let casts = EnumCasts {
            live: &live,
            desired: &desired,
        };
        assert_eq!(casts.using("\"c\"", "mood", "feeling"), "\"c\"::text::feeling");
        assert_eq!(casts.using("\"c\"", "mood[]", "feeling[]"), "\"c\"::text[]::feeling[]");
        assert_eq!(casts.using("\"c\"", "integer", "feeling"), "\"c\"::text::feeling");
        assert_eq!(casts.using("\"c\"", "mood", "text"), "\"c\"::text::text");
        assert_eq!(casts.using("\"c\"", "integer", "bigint"), "\"c\"::bigint");
        let probe = casts
            .unlabelled_values("t", "t.c", "\"c\"", "text", "feeling")
            .expect("probed");
        assert_eq!(
            probe.sql(),
            "SELECT count(*) FROM t WHERE \"c\"::text NOT IN ('a', 'b')"
        );
        assert!(casts.unlabelled_values("t", "t.c", "\"c\"", "mood", "text").is_none());
    }
}
