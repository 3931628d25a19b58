//! Engine errors become Terraform diagnostics here, at the provider boundary.

use crate::engine::migrate::MigrateError;
use crate::engine::EngineError;
use crate::tfproto::diagnostics::Diagnostics;

use super::cancel::Cancelled;

/// An engine failure as a diagnostic. Engine messages already name the
/// database by its redacted URL, never with its password.
pub fn engine_error(diagnostics: &mut Diagnostics, action: &str, err: &EngineError) {
    match err {
        // The desired SQL itself is at fault: point Terraform at it.
        EngineError::DesiredSql { .. }
        | EngineError::UnusableDesiredSql { .. }
        | EngineError::BadAnnotation { .. }
        | EngineError::RefusedSql { .. }
        | EngineError::SqlSyntax { .. } => {
            diagnostics.attribute_error("desired_sql", format!("Could not {action}"), err.to_string())
        }
        _ => diagnostics.error(format!("Could not {action}"), err.to_string()),
    }
}

pub fn cancelled(diagnostics: &mut Diagnostics, action: &str, _: Cancelled) {
    diagnostics.error(
        format!("Could not {action}: interrupted"),
        "Terraform asked the provider to stop (StopProvider). The operation was cancelled; any open \
         transaction was rolled back.",
    );
}

/// A migration failure as a diagnostic: problems of the directory's files
/// point at `dir`; the rest (the database, an apply) at the resource.
pub fn migrate_error(diagnostics: &mut Diagnostics, action: &str, err: &MigrateError) {
    match err {
        MigrateError::Directory { .. }
        | MigrateError::MalformedName { .. }
        | MigrateError::DuplicateVersion { .. }
        | MigrateError::File { .. }
        | MigrateError::SumMismatch { .. }
        | MigrateError::Refused { .. }
        | MigrateError::Syntax { .. }
        | MigrateError::Transaction { .. } => {
            diagnostics.attribute_error("dir", format!("Could not {action}"), err.to_string())
        }
        _ => diagnostics.error(format!("Could not {action}"), err.to_string()),
    }
}
