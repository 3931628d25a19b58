//! The provider block: defaults every resource falls back to.

use crate::engine::DatabaseUrl;
use crate::tfproto::cty::{Type, Value};
use crate::tfproto::diagnostics::Diagnostics;
use crate::tfproto::schema::{Attribute, Block, Schema};

use super::field::{self, Field};

pub fn schema() -> Schema {
    Schema::new(
        0,
        Block::new(
            "Manages SQL database schemas whose source of truth is SQLAlchemy models or DDL. \
             Every argument is optional and only supplies defaults for resources.",
        )
        .attribute(
            Attribute::optional(
                "url",
                Type::String,
                "Default database URL for resources that do not set `url`. Accepts SQLAlchemy URLs \
                 (`postgresql+psycopg://user:pw@host/db`, `mysql+pymysql://…`, `sqlite:///relative.db`, \
                 `sqlite:////absolute/path.db`) as well as `postgres://`, `mysql://` and `sqlite://` URLs. \
                 Percent-encode `@ / ? # %` in the user name and password. `?connect_timeout=N` (seconds, \
                 default 10, 0 for no limit) bounds connecting to a server.",
            )
            .sensitive(),
        )
        .attribute(
            Attribute::optional(
                "dev_url",
                Type::String,
                "Default dev database URL: a scratch database the provider may wipe, used to normalize the \
                 desired schema. For SQLite the default is a private in-memory database.",
            )
            .sensitive(),
        ),
    )
}

/// The provider's configured defaults, as Terraform sent them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderConfig {
    pub url: Field<String>,
    pub dev_url: Field<String>,
}

impl Default for ProviderConfig {
    fn default() -> Self {
        Self {
            url: Field::Null,
            dev_url: Field::Null,
        }
    }
}

impl ProviderConfig {
    pub fn from_value(value: &Value) -> Self {
        Self {
            url: field::string(value, "url"),
            dev_url: field::string(value, "dev_url"),
        }
    }

    /// Check what can be checked without touching a database.
    pub fn validate(&self) -> Diagnostics {
        let mut diagnostics = Diagnostics::new();
        for (attribute, text) in [(UrlAttribute::Url, &self.url), (UrlAttribute::DevUrl, &self.dev_url)] {
            if let Some(url) = validate_url(&mut diagnostics, attribute, text) {
                warn_ignored_options(&mut diagnostics, attribute, &url);
            }
        }
        diagnostics
    }
}

/// The two URL attributes of the provider and of `sqlalchemy_schema`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlAttribute {
    /// The database whose schema is managed.
    Url,
    /// The scratch database desired SQL is normalized in.
    DevUrl,
}

impl UrlAttribute {
    pub fn name(self) -> &'static str {
        match self {
            UrlAttribute::Url => "url",
            UrlAttribute::DevUrl => "dev_url",
        }
    }
}

/// Report a URL that does not parse, or that cannot be what `attribute`
/// names (an in-memory SQLite database cannot be managed), against the
/// attribute that holds it.
pub fn validate_url(
    diagnostics: &mut Diagnostics,
    attribute: UrlAttribute,
    url: &Field<String>,
) -> Option<DatabaseUrl> {
    let Field::Known(text) = url else { return None };
    let checked = DatabaseUrl::parse(text).and_then(|url| match attribute {
        UrlAttribute::Url => url.check_manageable().map(|()| url),
        UrlAttribute::DevUrl => Ok(url),
    });
    match checked {
        Ok(url) => Some(url),
        Err(err) => {
            diagnostics.attribute_error(attribute.name(), "Invalid database URL", err.to_string());
            None
        }
    }
}

/// A resource's URL attribute (already falling back to the provider's),
/// parsed when known; `None` (with a diagnostic) when it is invalid.
pub fn parse_url_field(
    diagnostics: &mut Diagnostics,
    attribute: UrlAttribute,
    text: Field<String>,
) -> Option<Field<DatabaseUrl>> {
    match text {
        Field::Null => Some(Field::Null),
        Field::Unknown => Some(Field::Unknown),
        known @ Field::Known(_) => validate_url(diagnostics, attribute, &known).map(Field::Known),
    }
}

/// Neither the resource nor the provider names a database.
pub fn missing_url(diagnostics: &mut Diagnostics) {
    diagnostics.attribute_error(
        "url",
        "No database URL",
        "Set `url` on this resource or in the `provider \"sqlalchemy\"` block.",
    );
}

/// A warning for each query option the engine's driver leaves out. Only at
/// validation, so a plan does not repeat it.
pub fn warn_ignored_options(diagnostics: &mut Diagnostics, attribute: UrlAttribute, url: &DatabaseUrl) {
    for option in url.ignored_options() {
        // One summary per option: Terraform folds warnings with equal summaries.
        diagnostics.attribute_warning(
            attribute.name(),
            format!("URL option `{option}` ignored"),
            format!(
                "The option `{option}` of `{}` is not supported by the provider's {} driver and is left out \
                 when connecting. Remove it, or expect it to have no effect.",
                attribute.name(),
                url.dialect()
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(url: &str, dev_url: &str) -> ProviderConfig {
        ProviderConfig {
            url: Field::Known(url.to_string()),
            dev_url: Field::Known(dev_url.to_string()),
        }
    }

    /// (severity, attribute, summary) of each diagnostic.
    fn shown(diagnostics: Diagnostics) -> Vec<(i32, String, String)> {
        diagnostics
            .into_proto()
            .into_iter()
            .map(|d| (d.severity, format!("{:?}", d.attribute), d.summary))
            .collect()
    }

    #[test]
    fn an_in_memory_database_is_a_dev_database_only() {
        assert!(config("sqlite:///app.db", "sqlite://").validate().is_empty());
        let refused = shown(config("sqlite://", "sqlite://").validate());
        assert_eq!(refused.len(), 1, "{refused:?}");
        assert!(refused[0].1.contains("\"url\""), "{refused:?}");
        assert_eq!(refused[0].2, "Invalid database URL");
    }

    #[test]
    fn options_the_driver_ignores_are_warnings_on_their_attribute() {
        let warned = shown(
            config(
                "postgresql://app@db/shop?target_session_attrs=any",
                "postgresql://app@db/dev?sslmode=require",
            )
            .validate(),
        );
        assert_eq!(warned.len(), 1, "{warned:?}");
        assert!(
            warned[0].1.contains("\"url\"") && warned[0].2 == "URL option `target_session_attrs` ignored",
            "{warned:?}"
        );
    }
}
