//! The engine settings of `sqlalchemy_schema`: `schemas`, `exclude`,
//! `lock_timeout` and `statement_timeout`, read from the resource, checked
//! with attribute diagnostics, and turned into [`engine::Options`].
//!
//! The scope also keys what the private state remembers: a hash computed
//! under one scope says nothing about the database under another.

use crate::engine::{self, capabilities_of, Capability, DatabaseUrl, Options, Scope, Timeout};
use crate::tfproto::cty::{Type, Value};
use crate::tfproto::diagnostics::Diagnostics;
use crate::tfproto::schema::Attribute;

use super::super::field::{self, Field};

/// The attributes, declared on the resource's block.
pub fn attributes() -> [Attribute; 4] {
    [
        Attribute::optional(
            "schemas",
            Type::list(Type::String),
            "PostgreSQL: the schemas this resource manages. Defaults to every schema except PostgreSQL's own \
             and those created by extensions. Objects in other schemas are neither inspected, dropped nor \
             created; a desired object in another schema is an error.",
        ),
        Attribute::optional(
            "exclude",
            Type::list(Type::String),
            "Objects to leave alone, live and desired, as `schema.object` patterns on unquoted \
             names, where `*` matches any run of characters within one name and `?` one character \
             (`audit.*`, `*.spatial_ref_sys`, `public.tmp_*`); a name without a dot leaves a whole schema alone. \
             SQLite's, MySQL's and MariaDB's objects are in the schema `main` (`main.legacy_*`).",
        ),
        Attribute::optional(
            "lock_timeout",
            Type::String,
            "PostgreSQL: `lock_timeout` of the apply session, in PostgreSQL's duration syntax (`\"5s\"`, \
             `\"2min\"`; `\"0\"` for no limit). Unset, the plan's transaction runs under `\"10s\"`. Also the \
             longest wait for another apply's schema lock (default 2 minutes).",
        ),
        Attribute::optional(
            "statement_timeout",
            Type::String,
            "PostgreSQL: `statement_timeout` of the apply session, in PostgreSQL's duration syntax.",
        ),
    ]
}

/// The four attributes as configured.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    schemas: Field<Vec<String>>,
    exclude: Field<Vec<String>>,
    lock_timeout: Field<String>,
    statement_timeout: Field<String>,
}

impl Settings {
    pub fn from_value(value: &Value) -> Self {
        Self {
            schemas: field::string_list(value, "schemas"),
            exclude: field::string_list(value, "exclude"),
            lock_timeout: field::string(value, "lock_timeout"),
            statement_timeout: field::string(value, "statement_timeout"),
        }
    }

    /// None of them set (an imported resource).
    pub fn unset() -> Self {
        Self {
            schemas: Field::Null,
            exclude: Field::Null,
            lock_timeout: Field::Null,
            statement_timeout: Field::Null,
        }
    }

    pub fn values(&self) -> [(&'static str, Value); 4] {
        [
            ("schemas", field::string_list_value(&self.schemas)),
            ("exclude", field::string_list_value(&self.exclude)),
            ("lock_timeout", field::string_value(&self.lock_timeout)),
            ("statement_timeout", field::string_value(&self.statement_timeout)),
        ]
    }

    fn timeout(&self, which: Timeout) -> &Field<String> {
        match which {
            Timeout::Lock => &self.lock_timeout,
            Timeout::Statement => &self.statement_timeout,
        }
    }

    /// Checks what is known, with a diagnostic on the attribute at fault;
    /// `url`, when known, rules out the PostgreSQL-only settings on SQLite.
    pub fn validate(&self, url: Option<&DatabaseUrl>, diagnostics: &mut Diagnostics) {
        let _ = self.options(url, diagnostics);
    }

    /// The engine options, `Unknown` while a setting is, `None` (with
    /// diagnostics) when one is invalid.
    pub fn options(&self, url: Option<&DatabaseUrl>, diagnostics: &mut Diagnostics) -> Option<Field<Options>> {
        let mut found = Diagnostics::new();
        let options = self.options_reporting_to(url, &mut found);
        let invalid = found.has_errors();
        diagnostics.extend(found);
        options.filter(|_| !invalid)
    }

    fn options_reporting_to(&self, url: Option<&DatabaseUrl>, diagnostics: &mut Diagnostics) -> Option<Field<Options>> {
        let mut any_unknown = false;
        if let Some(url) = url {
            self.reject_unsupported_on(url, diagnostics);
        }
        for which in Timeout::ALL {
            match self.timeout(which) {
                Field::Known(text) => {
                    if let Err(err) = engine::parse_duration(text) {
                        diagnostics.attribute_error(which.setting(), "Invalid duration", err.to_string());
                    }
                }
                Field::Unknown => any_unknown = true,
                Field::Null => {}
            }
        }
        let (schemas, exclude) = match (&self.schemas, &self.exclude) {
            (Field::Unknown, _) | (_, Field::Unknown) => {
                any_unknown = true;
                (None, Vec::new())
            }
            (schemas, exclude) => (schemas.clone().known(), exclude.clone().known().unwrap_or_default()),
        };
        let scope = match Scope::new(schemas, &exclude) {
            Ok(scope) => Some(scope),
            Err(err) => {
                let attribute = match err {
                    engine::ScopeError::BadPattern { .. } => "exclude",
                    engine::ScopeError::NoSchemas | engine::ScopeError::EmptySchemaName => "schemas",
                };
                diagnostics.attribute_error(attribute, "Invalid scope", err.to_string());
                None
            }
        };
        let scope = scope?;
        if any_unknown {
            return Some(Field::Unknown);
        }
        Some(Field::Known(Options {
            scope,
            lock_timeout: self.lock_timeout.clone().known(),
            statement_timeout: self.statement_timeout.clone().known(),
            ..Options::default()
        }))
    }

    /// Settings the URL's dialect does not have (its driver's capabilities), as errors.
    fn reject_unsupported_on(&self, url: &DatabaseUrl, diagnostics: &mut Diagnostics) {
        let set = [
            ("schemas", Capability::Schemas, matches!(self.schemas, Field::Known(_))),
            (
                "lock_timeout",
                Timeout::Lock.capability(),
                matches!(self.lock_timeout, Field::Known(_)),
            ),
            (
                "statement_timeout",
                Timeout::Statement.capability(),
                matches!(self.statement_timeout, Field::Known(_)),
            ),
        ];
        let capabilities = capabilities_of(url.dialect());
        for (attribute, capability, _) in set
            .into_iter()
            .filter(|(_, capability, is_set)| *is_set && !capabilities.has(*capability))
        {
            let holders = capability.holders();
            diagnostics.attribute_error(
                attribute,
                format!("{holders}-only setting"),
                format!(
                    "`{attribute}` applies to {holders} databases only, and {} is a {} database. \
                     Remove it from this resource.",
                    url.redacted(),
                    url.dialect()
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, Value)]) -> Settings {
        Settings::from_value(&Value::object(pairs.iter().cloned()))
    }

    fn list(items: &[&str]) -> Value {
        Value::List(items.iter().map(|s| Value::string(s.to_string())).collect())
    }

    #[test]
    fn unset_settings_are_the_default_options() {
        let mut diagnostics = Diagnostics::new();
        let options = Settings::unset().options(None, &mut diagnostics);
        assert_eq!(options, Some(Field::Known(Options::default())));
        assert!(diagnostics.is_empty());
    }

    #[test]
    fn known_settings_become_options() {
        let mut diagnostics = Diagnostics::new();
        let options = settings(&[
            ("schemas", list(&["app"])),
            ("exclude", list(&["app.tmp_*"])),
            ("lock_timeout", Value::string("1s".to_string())),
        ])
        .options(None, &mut diagnostics);
        let Some(Field::Known(options)) = options else {
            panic!("{options:?}");
        };
        assert_eq!(options.lock_timeout.as_deref(), Some("1s"));
        assert!(!options.scope.is_everything());
    }

    #[test]
    fn invalid_settings_are_attribute_errors() {
        let mut diagnostics = Diagnostics::new();
        let options = settings(&[
            ("lock_timeout", Value::string("soon".to_string())),
            ("exclude", list(&["a.b.c"])),
        ])
        .options(None, &mut diagnostics);
        assert_eq!(options, None);
        let text = format!("{:?}", diagnostics.into_proto());
        assert!(text.contains("lock_timeout") && text.contains("\\\"soon\\\""), "{text}");
        assert!(text.contains("more than one dot"), "{text}");
    }

    #[test]
    fn sqlite_rejects_postgresql_settings() {
        let mut diagnostics = Diagnostics::new();
        let url = DatabaseUrl::parse("sqlite:///app.db").expect("url");
        let options =
            settings(&[("statement_timeout", Value::string("5s".to_string()))]).options(Some(&url), &mut diagnostics);
        assert_eq!(options, None);
        let text = format!("{:?}", diagnostics.into_proto());
        assert!(text.contains("PostgreSQL-only setting"), "{text}");
    }

    #[test]
    fn unknown_settings_make_unknown_options() {
        let mut diagnostics = Diagnostics::new();
        let options = settings(&[("exclude", Value::Unknown)]).options(None, &mut diagnostics);
        assert_eq!(options, Some(Field::Unknown));
    }
}
