//! Which objects a resource manages: the schemas it owns (`schemas`) minus
//! the objects it must leave alone (`exclude` patterns). Dialect-neutral: it
//! filters the inspected and normalized models before they are diffed or
//! hashed, so out-of-scope objects are never dropped, created or part of a
//! schema hash.
//!
//! Patterns name objects by their unquoted, case-sensitive names:
//! - `schema.object` matches objects part by part: `audit.*`, `*.spatial_ref_sys`,
//!   `public.tmp_*`. A `*` (any run of characters) or `?` (one character)
//!   never crosses the dot, so `*` alone never means "everything everywhere".
//! - `schema` (no dot) matches the schema itself and everything in it.
//!
//! Objects of a dialect without schemas (SQLite; MySQL and MariaDB, where
//! one database is one schema) belong to [`UNQUALIFIED_NAMESPACE`], SQLite's
//! own name for the main database, whatever their kind, so `main.legacy_*`
//! excludes them there: tables, views, routines and sequences alike. (Not the
//! MySQL database's own name: desired SQL runs in another database than the
//! live one.) `schemas` is for dialects with namespaces only.
//!
//! A schema is left alone when a one-part pattern matches it or a pattern
//! `<match>.*` covers all of its objects. Indexes, constraints, policies and
//! triggers follow their table; a sequence owned by a column follows the
//! column's table.

use std::collections::{BTreeMap, BTreeSet};

use super::error::EngineError;
use super::glob;
use super::model::Schema;

/// The namespace patterns name objects of a dialect without schemas by.
pub const UNQUALIFIED_NAMESPACE: &str = "main";

/// A problem with the `schemas` or `exclude` settings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    #[error("`schemas` is empty; leave it unset to manage every schema")]
    NoSchemas,
    #[error("`schemas` contains an empty name")]
    EmptySchemaName,
    #[error(
        "exclude pattern {pattern:?} {problem}; write `schema.object` (such as `audit.*` or \
         `*.spatial_ref_sys`) or a schema name alone"
    )]
    BadPattern { pattern: String, problem: &'static str },
}

/// One `exclude` pattern, split into its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ExcludePattern {
    text: String,
    namespace: String,
    /// `None` for a schema-only pattern.
    object: Option<String>,
}

impl ExcludePattern {
    fn parse(text: &str) -> Result<ExcludePattern, ScopeError> {
        let bad = |problem| ScopeError::BadPattern {
            pattern: text.to_string(),
            problem,
        };
        if text.trim().is_empty() {
            return Err(bad("is empty"));
        }
        let mut parts = text.split('.');
        let namespace = parts.next().unwrap_or_default().to_string();
        let object = parts.next().map(str::to_string);
        if parts.next().is_some() {
            return Err(bad("has more than one dot"));
        }
        if namespace.is_empty() || object.as_deref() == Some("") {
            return Err(bad("has an empty part"));
        }
        Ok(ExcludePattern {
            text: text.to_string(),
            namespace,
            object,
        })
    }

    fn covers_object(&self, namespace: &str, name: &str) -> bool {
        glob::matches(&self.namespace, namespace)
            && self.object.as_deref().is_none_or(|object| glob::matches(object, name))
    }

    fn covers_namespace(&self, namespace: &str) -> bool {
        matches!(self.object.as_deref(), None | Some("*")) && glob::matches(&self.namespace, namespace)
    }
}

/// The managed part of a database. The default manages everything the
/// dialect's inspector reports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    /// `None`: every schema.
    schemas: Option<BTreeSet<String>>,
    exclude: Vec<ExcludePattern>,
}

/// An object a filter removed because its schema is not managed.
struct OutOfSchemas {
    kind: &'static str,
    key: String,
}

impl Scope {
    pub fn new(schemas: Option<Vec<String>>, exclude: &[String]) -> Result<Scope, ScopeError> {
        let schemas = match schemas {
            None => None,
            Some(names) if names.is_empty() => return Err(ScopeError::NoSchemas),
            Some(names) if names.iter().any(|n| n.is_empty()) => return Err(ScopeError::EmptySchemaName),
            Some(names) => Some(names.into_iter().collect()),
        };
        let exclude = exclude
            .iter()
            .map(|text| ExcludePattern::parse(text))
            .collect::<Result<_, _>>()?;
        Ok(Scope { schemas, exclude })
    }

    /// Whether `schemas` limits the managed namespaces.
    pub fn limits_schemas(&self) -> bool {
        self.schemas.is_some()
    }

    /// Whether this scope manages everything (nothing is filtered).
    pub fn is_everything(&self) -> bool {
        self.schemas.is_none() && self.exclude.is_empty()
    }

    /// A canonical description (schemas sorted, patterns in order), or `None`
    /// for the default scope: two scopes with the same description filter alike.
    pub fn fingerprint(&self) -> Option<String> {
        if self.is_everything() {
            return None;
        }
        let schemas = self
            .schemas
            .as_ref()
            .map_or_else(|| "*".to_string(), |s| s.iter().cloned().collect::<Vec<_>>().join(","));
        let exclude: Vec<&str> = self.exclude.iter().map(|p| p.text.as_str()).collect();
        Some(format!("schemas={schemas};exclude={}", exclude.join(",")))
    }

    fn in_schemas(&self, namespace: &str) -> bool {
        self.schemas.as_ref().is_none_or(|s| s.contains(namespace))
    }

    fn excluded(&self, namespace: &str, name: &str) -> bool {
        self.exclude.iter().any(|p| p.covers_object(namespace, name))
    }

    /// The live schema as this resource sees it: out-of-scope objects removed.
    pub fn live(&self, schema: Schema) -> Schema {
        self.filter(schema).0
    }

    /// The desired schema as this resource sees it. A desired object in a
    /// schema outside `schemas` (and not excluded) is an error: it would never
    /// be created. Objects `built_in` has (what every new database holds, such
    /// as PostgreSQL's `public` schema) are exempt: the user did not write them.
    pub fn desired(&self, schema: Schema, built_in: &Schema) -> Result<Schema, EngineError> {
        let (schema, outside) = self.filter(schema);
        let offending: Vec<&OutOfSchemas> = outside
            .iter()
            .filter(|o| !built_in_has(built_in, o.kind, &o.key))
            .collect();
        if offending.is_empty() {
            return Ok(schema);
        }
        let objects: Vec<String> = offending.iter().map(|o| format!("{} {}", o.kind, o.key)).collect();
        let managed = self
            .schemas
            .as_ref()
            .map(|s| s.iter().map(|n| format!("{n:?}")).collect::<Vec<_>>().join(", "))
            .unwrap_or_default();
        Err(EngineError::OutsideManagedSchemas {
            objects: objects.join(", "),
            managed,
        })
    }

    fn filter(&self, mut schema: Schema) -> (Schema, Vec<OutOfSchemas>) {
        if self.is_everything() {
            return (schema, Vec::new());
        }
        let mut outside = Vec::new();
        let mut removed_relations = BTreeSet::new();
        let keep_namespace =
            |name: &str| self.in_schemas(name) && !self.exclude.iter().any(|p| p.covers_namespace(name));
        let namespaces = std::mem::take(&mut schema.namespaces);
        for (key, namespace) in namespaces {
            if keep_namespace(&namespace.name) {
                schema.namespaces.insert(key, namespace);
            } else if !self.exclude.iter().any(|p| p.covers_namespace(&namespace.name)) {
                outside.push(OutOfSchemas { kind: "schema", key });
            }
        }
        // Decides one object: kept, or removed (and remembered when the only
        // reason is its schema, for the desired side's error).
        let mut keep = |kind: &'static str, key: &str, namespace: &str, name: &str| {
            // The inspectors of dialects without schemas leave a namespace
            // empty (MySQL's routines, MariaDB's sequences) or unset (tables).
            let namespace = Some(namespace)
                .filter(|n| !n.is_empty())
                .unwrap_or(UNQUALIFIED_NAMESPACE);
            if self.excluded(namespace, name) {
                return false;
            }
            if self.in_schemas(namespace) {
                return true;
            }
            outside.push(OutOfSchemas {
                kind,
                key: key.to_string(),
            });
            false
        };

        retain(&mut schema.extensions, |k, e| {
            keep("extension", k, &e.namespace, &e.name)
        });
        retain(&mut schema.collations, |k, c| {
            keep("collation", k, &c.namespace, &c.name)
        });
        retain(&mut schema.enums, |k, e| keep("type", k, &e.namespace, &e.name));
        retain(&mut schema.domains, |k, d| keep("domain", k, &d.namespace, &d.name));
        retain(&mut schema.composites, |k, c| keep("type", k, &c.namespace, &c.name));
        retain(&mut schema.ranges, |k, r| keep("type", k, &r.namespace, &r.name));
        retain(&mut schema.routines, |k, r| keep("function", k, &r.namespace, &r.name));
        retain(&mut schema.tables, |k, t| {
            let kept = keep(
                "table",
                k,
                t.namespace.as_deref().unwrap_or(UNQUALIFIED_NAMESPACE),
                &t.name,
            );
            if !kept {
                removed_relations.insert(k.to_string());
            }
            kept
        });
        retain(&mut schema.views, |k, v| {
            let kept = keep(
                "view",
                k,
                v.namespace.as_deref().unwrap_or(UNQUALIFIED_NAMESPACE),
                &v.name,
            );
            if !kept {
                removed_relations.insert(k.to_string());
            }
            kept
        });
        retain(&mut schema.sequences, |k, s| {
            let owner_removed = s.owned_by.as_deref().is_some_and(|owner| {
                removed_relations.iter().any(|table| {
                    owner
                        .strip_prefix(table.as_str())
                        .is_some_and(|rest| rest.starts_with('.'))
                })
            });
            !owner_removed && keep("sequence", k, &s.namespace, &s.name)
        });
        schema.triggers.retain(|_, t| !removed_relations.contains(&t.table));
        schema.rules.retain(|_, r| !removed_relations.contains(&r.table));
        schema.statistics.retain(|_, s| !removed_relations.contains(&s.table));
        // A comment goes with the object it is on.
        let comments = std::mem::take(&mut schema.comments);
        schema.comments = comments.into_iter().filter(|(_, c)| c.target_exists(&schema)).collect();
        // So do its privileges and owner.
        super::privileges::retain_existing(&mut schema);
        schema.unmanaged.retain(|object| match trailing_qualified_name(object) {
            Some((namespace, name)) => self.in_schemas(&namespace) && !self.excluded(&namespace, &name),
            None => true,
        });
        (schema, outside)
    }
}

fn retain<T>(map: &mut BTreeMap<String, T>, mut keep: impl FnMut(&str, &T) -> bool) {
    map.retain(|key, value| keep(key, value));
}

fn built_in_has(built_in: &Schema, kind: &str, key: &str) -> bool {
    match kind {
        "schema" => built_in.namespaces.contains_key(key),
        "extension" => built_in.extensions.contains_key(key),
        _ => false,
    }
}

/// The `schema.name` an unmanaged-object description ends with (such as
/// `partitioned table public.events` or `rule "r 1" on "My App".t`), unquoted.
fn trailing_qualified_name(description: &str) -> Option<(String, String)> {
    let mut in_quotes = false;
    let mut token_start = 0;
    let mut dots = Vec::new();
    for (i, c) in description.char_indices() {
        match c {
            '"' => in_quotes = !in_quotes,
            ' ' if !in_quotes => {
                token_start = i + 1;
                dots.clear();
            }
            '.' if !in_quotes => dots.push(i),
            _ => {}
        }
    }
    let [dot] = dots[..] else {
        return None;
    };
    let namespace = unquote(&description[token_start..dot])?;
    let name = unquote(&description[dot + 1..])?;
    Some((namespace, name))
}

fn unquote(identifier: &str) -> Option<String> {
    if identifier.is_empty() {
        return None;
    }
    match identifier.strip_prefix('"').and_then(|rest| rest.strip_suffix('"')) {
        Some(inner) => Some(inner.replace("\"\"", "\"")),
        None => Some(identifier.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::model::{Extension, Namespace, Routine, Sequence, Table, Trigger, View};

    fn scope(schemas: Option<&[&str]>, exclude: &[&str]) -> Scope {
        Scope::new(
            schemas.map(|s| s.iter().map(|n| n.to_string()).collect()),
            &exclude.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
        )
        .expect("valid scope")
    }

    fn table(namespace: &str, name: &str) -> (String, Table) {
        let mut table = Table::new(name);
        table.namespace = Some(namespace.to_string());
        (format!("{namespace}.{name}"), table)
    }

    #[test]
    fn objects_without_a_schema_are_named_in_main() {
        let mut schema = Schema::default();
        for name in ["users", "legacy_orders", "legacy_items"] {
            schema.tables.insert(name.to_string(), Table::new(name));
        }
        schema.triggers.insert(
            "legacy_orders.t".to_string(),
            Trigger {
                name: "t".to_string(),
                table: "legacy_orders".to_string(),
                definition: "CREATE TRIGGER t …".to_string(),
                order: None,
            },
        );
        // MySQL's routines have an empty namespace: they are in `main` too.
        for name in ["legacy_proc", "current_proc"] {
            schema.routines.insert(
                name.to_string(),
                Routine {
                    namespace: String::new(),
                    name: name.to_string(),
                    procedure: true,
                    aggregate: false,
                    identity_arguments: String::new(),
                    arguments: String::new(),
                    result: String::new(),
                    definition: format!("CREATE PROCEDURE {name}() BEGIN END"),
                    depends_on: Default::default(),
                },
            );
        }
        let kept = scope(None, &["main.legacy_*"]).live(schema);
        assert_eq!(kept.tables.keys().collect::<Vec<_>>(), ["users"]);
        assert!(kept.triggers.is_empty(), "a trigger follows its table");
        assert_eq!(kept.routines.keys().collect::<Vec<_>>(), ["current_proc"]);
    }

    fn namespace(name: &str) -> (String, Namespace) {
        (name.to_string(), Namespace { name: name.to_string() })
    }

    fn sample() -> Schema {
        let mut schema = Schema::default();
        schema
            .namespaces
            .extend([namespace("public"), namespace("audit"), namespace("billing")]);
        schema.tables.extend([
            table("public", "users"),
            table("public", "tmp_import"),
            table("public", "spatial_ref_sys"),
            table("audit", "log"),
            table("billing", "invoices"),
        ]);
        schema.views.insert(
            "audit.recent".to_string(),
            View {
                name: "recent".to_string(),
                definition: "SELECT 1".to_string(),
                namespace: Some("audit".to_string()),
                materialized: false,
                depends_on: Default::default(),
                columns: Vec::new(),
                indexes: BTreeMap::new(),
                options: Vec::new(),
            },
        );
        schema.triggers.insert(
            "public.tmp_import.t".to_string(),
            Trigger {
                name: "t".to_string(),
                table: "public.tmp_import".to_string(),
                definition: "CREATE TRIGGER t …".to_string(),
                order: None,
            },
        );
        schema.sequences.insert(
            "public.tmp_import_id_seq".to_string(),
            Sequence {
                namespace: "public".to_string(),
                name: "tmp_import_id_seq".to_string(),
                data_type: "integer".to_string(),
                start: 1,
                increment: 1,
                min_value: 1,
                max_value: 2_147_483_647,
                cache: 1,
                cycle: false,
                owned_by: Some("public.tmp_import.id".to_string()),
                last_value: Default::default(),
            },
        );
        schema.extensions.insert(
            "plpgsql".to_string(),
            Extension {
                name: "plpgsql".to_string(),
                namespace: "pg_catalog".to_string(),
                version: "1.0".to_string(),
            },
        );
        schema.unmanaged = vec![
            "partitioned table audit.events".to_string(),
            "rule \"r 1\" on \"My.App\".t".to_string(),
            "partition public.events_2024".to_string(),
        ];
        schema
    }

    fn keys<T>(map: &BTreeMap<String, T>) -> Vec<&str> {
        map.keys().map(String::as_str).collect()
    }

    #[test]
    fn the_default_scope_changes_nothing() {
        let scope = Scope::default();
        assert!(scope.is_everything());
        assert_eq!(scope.fingerprint(), None);
        assert_eq!(scope.live(sample()), sample());
        assert_eq!(scope.live(sample()).unmanaged, sample().unmanaged);
    }

    #[test]
    fn patterns_match_part_by_part() {
        let live = scope(None, &["public.tmp_*", "*.spatial_ref_sys"]).live(sample());
        assert_eq!(
            keys(&live.tables),
            vec!["audit.log", "billing.invoices", "public.users"]
        );
        assert!(live.triggers.is_empty(), "the trigger follows its excluded table");
        assert!(live.sequences.is_empty(), "the owned sequence follows its table");
        assert_eq!(keys(&live.namespaces), vec!["audit", "billing", "public"]);
    }

    #[test]
    fn a_star_never_crosses_the_dot() {
        let live = scope(None, &["*"]).live(sample());
        // `*` alone is a schema pattern: it leaves every schema alone.
        assert!(live.tables.is_empty());
        let live = scope(None, &["p*s"]).live(sample());
        assert!(
            live.tables.contains_key("public.users"),
            "`p*s` does not reach into `public.users`"
        );
    }

    #[test]
    fn a_schema_pattern_and_schema_star_leave_the_schema_itself_alone() {
        for pattern in ["audit", "audit.*", "a?dit.*"] {
            let live = scope(None, &[pattern]).live(sample());
            assert_eq!(keys(&live.namespaces), vec!["billing", "public"], "{pattern}");
            assert!(!live.tables.contains_key("audit.log"), "{pattern}");
            assert!(live.views.is_empty(), "{pattern}");
            assert_eq!(live.unmanaged.len(), 2, "{pattern}: {:?}", live.unmanaged);
        }
        let live = scope(None, &["audit.l*"]).live(sample());
        assert!(live.namespaces.contains_key("audit"), "only some objects excluded");
    }

    #[test]
    fn schemas_limit_the_live_model_without_error() {
        let live = scope(Some(&["public"]), &[]).live(sample());
        assert_eq!(keys(&live.namespaces), vec!["public"]);
        assert_eq!(
            keys(&live.tables),
            vec!["public.spatial_ref_sys", "public.tmp_import", "public.users"]
        );
        assert!(live.extensions.is_empty(), "plpgsql lives in pg_catalog");
        assert_eq!(live.unmanaged, vec!["partition public.events_2024".to_string()]);
    }

    #[test]
    fn desired_objects_outside_the_schemas_are_an_error_naming_them() {
        let mut built_in = Schema::default();
        built_in
            .extensions
            .insert("plpgsql".to_string(), sample().extensions["plpgsql"].clone());
        let err = scope(Some(&["public", "audit"]), &[])
            .desired(sample(), &built_in)
            .expect_err("billing is not managed");
        let message = err.to_string();
        assert!(message.contains("schema billing"), "{message}");
        assert!(message.contains("table billing.invoices"), "{message}");
        assert!(message.contains("`schemas`"), "{message}");
        assert!(!message.contains("plpgsql"), "built-in objects are exempt: {message}");

        let desired = scope(Some(&["public", "audit"]), &["billing"])
            .desired(sample(), &built_in)
            .expect("excluded objects are simply left alone");
        assert!(!desired.tables.contains_key("billing.invoices"));
    }

    #[test]
    fn bad_settings_are_rejected() {
        let bad = |exclude: &str| Scope::new(None, &[exclude.to_string()]).expect_err(exclude);
        assert!(bad("").to_string().contains("is empty"));
        assert!(bad("a.b.c").to_string().contains("more than one dot"));
        assert!(bad(".x").to_string().contains("empty part"));
        assert!(bad("x.").to_string().contains("empty part"));
        assert_eq!(Scope::new(Some(Vec::new()), &[]), Err(ScopeError::NoSchemas));
        assert_eq!(
            Scope::new(Some(vec![String::new()]), &[]),
            Err(ScopeError::EmptySchemaName)
        );
    }

    #[test]
    fn fingerprints_ignore_schema_order() {
        assert_eq!(
            scope(Some(&["b", "a"]), &["x.*"]).fingerprint(),
            scope(Some(&["a", "b"]), &["x.*"]).fingerprint()
        );
        assert_ne!(scope(None, &["x.*"]).fingerprint(), scope(None, &["y.*"]).fingerprint());
    }

    #[test]
    fn unmanaged_descriptions_yield_their_qualified_name() {
        assert_eq!(
            trailing_qualified_name("partitioned table public.events"),
            Some(("public".to_string(), "events".to_string()))
        );
        assert_eq!(
            trailing_qualified_name("rule \"r 1\" on \"My.App\".\"t \"\"x\"\"\""),
            Some(("My.App".to_string(), "t \"x\"".to_string()))
        );
        assert_eq!(trailing_qualified_name("something odd"), None);
    }
}
