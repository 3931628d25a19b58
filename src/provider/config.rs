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
                 `sqlite:////absolute/path.db`) as well as `postgres://`, `mysql://` and `sqlite://` URLs.",
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
        validate_url(&mut diagnostics, "url", &self.url);
        validate_url(&mut diagnostics, "dev_url", &self.dev_url);
        diagnostics
    }
}

/// Report a URL that does not parse, against the attribute that holds it.
pub fn validate_url(diagnostics: &mut Diagnostics, attribute: &str, url: &Field<String>) -> Option<DatabaseUrl> {
    let Field::Known(text) = url else { return None };
    match DatabaseUrl::parse(text) {
        Ok(url) => Some(url),
        Err(err) => {
            diagnostics.attribute_error(attribute, "Invalid database URL", err.to_string());
            None
        }
    }
}
