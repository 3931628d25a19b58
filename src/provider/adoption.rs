//! First apply against a database that already holds objects: a new
//! `sqlalchemy_schema` that would drop live objects the desired schema lacks
//! is an error, unless the policy allows each of those drops explicitly
//! (a warning is not enough: nobody reads warnings on a first apply). The
//! message lists the objects and the settings that adopt them.

use crate::engine::{DatabaseUrl, DroppedObject, Statement, Verdict, SKIPPABLE};
use crate::tfproto::diagnostics::Diagnostics;

use super::policy::Policy;

/// Reports an error unless `policy` allows every drop in `drops`, the
/// objects a plan of `statements` drops.
pub fn check(
    policy: &Policy,
    drops: &[DroppedObject],
    statements: &[Statement],
    url: &DatabaseUrl,
    diagnostics: &mut Diagnostics,
) {
    let unallowed: Vec<&DroppedObject> = drops
        .iter()
        .filter(|dropped| policy.verdict(dropped.kind) != Verdict::Allow)
        .collect();
    if unallowed.is_empty() {
        return;
    }
    let objects: Vec<String> = unallowed.iter().map(|d| format!("    {}", d.object)).collect();
    let dropping: Vec<String> = statements
        .iter()
        .filter(|statement| statement.hazards.iter().any(|h| SKIPPABLE.contains(&h.kind)))
        .flat_map(|statement| {
            statement
                .sql
                .lines()
                .map(|line| format!("    {line}"))
                .collect::<Vec<_>>()
        })
        .collect();
    let statements_shown = if dropping.is_empty() {
        String::new()
    } else {
        format!("\n\nThe statements that drop them:\n\n{}", dropping.join("\n"))
    };
    let mut codes: Vec<&str> = unallowed.iter().map(|d| d.kind.code()).collect();
    codes.sort_unstable();
    codes.dedup();
    let quoted = |items: &[&str]| {
        items
            .iter()
            .map(|item| format!("\"{item}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut remedies =
        vec!["Add them to the desired schema (the models), if this resource should manage them.".to_string()];
    let mut patterns: Vec<&str> = unallowed.iter().filter_map(|d| d.exclude.as_deref()).collect();
    patterns.sort_unstable();
    patterns.dedup();
    if !patterns.is_empty() {
        remedies.push(format!(
            "Leave them alone, outside this resource (a column, index, trigger or policy goes with its \
             table):\n\n  exclude = [{}]",
            quoted(&patterns)
        ));
    }
    remedies.push(format!(
        "Keep them, never planning their drop:\n\n  policy {{\n    skip = [{}]\n  }}",
        quoted(&codes)
    ));
    remedies.push(format!(
        "Or, if dropping them is intended, allow it explicitly:\n\n  policy {{\n    allow = [{}]\n  }}",
        quoted(&codes)
    ));
    let numbered: Vec<String> = remedies
        .iter()
        .enumerate()
        .map(|(i, remedy)| format!("{}. {remedy}", i + 1))
        .collect();
    diagnostics.attribute_error(
        "desired_sql",
        "First apply would drop existing objects",
        format!(
            "This resource is new, and {} already holds objects the desired schema does not have; \
             applying would drop them:\n\n{}{statements_shown}\n\nNothing was changed. To adopt the database:\n\n{}",
            url.redacted(),
            objects.join("\n"),
            numbered.join("\n\n")
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::HazardKind;
    use crate::tfproto::cty::Value;

    fn dropped(kind: HazardKind, object: &str, exclude: Option<&str>) -> DroppedObject {
        DroppedObject {
            kind,
            object: object.to_string(),
            exclude: exclude.map(str::to_string),
        }
    }

    fn policy_allowing(names: &[&str]) -> Policy {
        let block = Value::object([(
            super::super::policy::BLOCK_NAME,
            Value::object([("allow", Value::List(names.iter().map(|n| Value::string(*n)).collect()))]),
        )]);
        let mut diagnostics = Diagnostics::new();
        Policy::from_value(&block, &mut diagnostics)
    }

    #[test]
    fn drops_are_an_error_naming_objects_patterns_and_codes() {
        let url = DatabaseUrl::parse("postgresql://app:s3cret@127.0.0.1/app").expect("url");
        let drops = [
            dropped(HazardKind::DropsTable, "table public.legacy", Some("public.legacy")),
            dropped(
                HazardKind::DropsColumn,
                "column public.users.nickname",
                Some("public.users"),
            ),
        ];
        let mut diagnostics = Diagnostics::new();
        check(&Policy::default(), &drops, &[], &url, &mut diagnostics);
        let text = format!("{:?}", diagnostics.into_proto());
        assert!(text.contains("table public.legacy"), "{text}");
        assert!(
            text.contains(r#"exclude = [\"public.legacy\", \"public.users\"]"#),
            "{text}"
        );
        assert!(
            text.contains(r#"allow = [\"drops_column\", \"drops_table\"]"#),
            "{text}"
        );
        assert!(!text.contains("s3cret"), "{text}");
    }

    #[test]
    fn only_an_explicit_allow_adopts_and_no_pattern_means_no_exclude_advice() {
        let url = DatabaseUrl::parse("sqlite:///app.db").expect("url");
        let drops = [dropped(HazardKind::DropsObject, "index ix on t", None)];
        let mut diagnostics = Diagnostics::new();
        check(&policy_allowing(&["data_loss"]), &drops, &[], &url, &mut diagnostics);
        let text = format!("{:?}", diagnostics.into_proto());
        assert!(
            text.contains("First apply would drop"),
            "a warning-level hazard is not enough: {text}"
        );
        assert!(!text.contains("exclude"), "{text}");

        for allowing in [&["drops_object"][..], &["backward_incompatible"], &["all"]] {
            let mut diagnostics = Diagnostics::new();
            check(&policy_allowing(allowing), &drops, &[], &url, &mut diagnostics);
            assert!(diagnostics.is_empty(), "{allowing:?}");
        }
    }
}
