//! Where hazards come from: a hazard about a table that a SQLAlchemy model
//! declares names the model's file and line (the exporter's `-- model:`
//! annotation), so the reviewer knows where to look.

use super::model::Schema;
use super::plan::{Hazard, Statement};

/// Fills `source` of the hazards whose table `desired` has a model for.
pub(crate) fn attach(statements: &mut [Statement], desired: &Schema) {
    let sources = &desired.annotations.sources;
    for hazard in statements.iter_mut().flat_map(|s| s.hazards.iter_mut()) {
        let source = hazard.table.as_ref().and_then(|table| sources.get(table));
        if let (None, Some(source)) = (&hazard.source, source) {
            hazard.source = Some(source.location.clone());
        }
    }
}

impl Hazard {
    /// The detail, followed by where the object is declared when known.
    pub fn described(&self) -> String {
        match &self.source {
            Some(source) => format!("{} (declared at {source})", self.detail),
            None => self.detail.clone(),
        }
    }
}
