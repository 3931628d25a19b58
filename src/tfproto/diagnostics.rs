//! Building Terraform diagnostics: what went wrong, in words, and where
//! (an attribute path), so Terraform can underline the offending argument.

use super::tfplugin6 as pb;
use pb::attribute_path::{step::Selector, Step};
use pb::diagnostic::Severity;

/// A path to an attribute, such as `url` or `policy[0].allow`.
pub fn attribute_path(steps: &[PathStep<'_>]) -> pb::AttributePath {
    pb::AttributePath {
        steps: steps
            .iter()
            .map(|step| Step {
                selector: Some(match step {
                    PathStep::Attribute(name) => Selector::AttributeName(name.to_string()),
                    PathStep::Index(i) => Selector::ElementKeyInt(*i),
                    PathStep::Key(k) => Selector::ElementKeyString(k.to_string()),
                }),
            })
            .collect(),
    }
}

/// One step of an attribute path.
#[derive(Debug, Clone, Copy)]
pub enum PathStep<'a> {
    Attribute(&'a str),
    Index(i64),
    Key(&'a str),
}

/// An ordered collection of diagnostics for one RPC response.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics(Vec<pb::Diagnostic>);

impl Diagnostics {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn error(&mut self, summary: impl Into<String>, detail: impl Into<String>) {
        self.push(Severity::Error, summary.into(), detail.into(), None);
    }

    /// An error about one top-level attribute of the configuration.
    pub fn attribute_error(&mut self, attribute: &str, summary: impl Into<String>, detail: impl Into<String>) {
        let path = attribute_path(&[PathStep::Attribute(attribute)]);
        self.push(Severity::Error, summary.into(), detail.into(), Some(path));
    }

    /// An error about a nested attribute, such as `policy.allow`.
    pub fn error_at(&mut self, path: &[PathStep<'_>], summary: impl Into<String>, detail: impl Into<String>) {
        self.push(
            Severity::Error,
            summary.into(),
            detail.into(),
            Some(attribute_path(path)),
        );
    }

    pub fn warning(&mut self, summary: impl Into<String>, detail: impl Into<String>) {
        self.push(Severity::Warning, summary.into(), detail.into(), None);
    }

    /// A warning about one top-level attribute of the configuration.
    pub fn attribute_warning(&mut self, attribute: &str, summary: impl Into<String>, detail: impl Into<String>) {
        let path = attribute_path(&[PathStep::Attribute(attribute)]);
        self.push(Severity::Warning, summary.into(), detail.into(), Some(path));
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(|d| d.severity == Severity::Error as i32)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_proto(self) -> Vec<pb::Diagnostic> {
        self.0
    }

    fn push(&mut self, severity: Severity, summary: String, detail: String, attribute: Option<pb::AttributePath>) {
        self.0.push(pb::Diagnostic {
            severity: severity as i32,
            summary,
            detail,
            attribute,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_errors_carry_their_path() {
        let mut diags = Diagnostics::new();
        diags.warning("w", "");
        assert!(!diags.has_errors());
        diags.attribute_error("url", "Invalid database URL", "unknown scheme");
        assert!(diags.has_errors());
        let proto = diags.into_proto();
        assert_eq!(proto.len(), 2);
        let step = &proto[1].attribute.as_ref().unwrap().steps[0];
        assert_eq!(step.selector, Some(Selector::AttributeName("url".into())));
    }
}
