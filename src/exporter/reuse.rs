//! Reusing an export after edits that cannot have changed it.
//!
//! A comment added to a models file, a blank line, a reformatted call: the next plan would pay
//! seconds of SQLAlchemy for the same SQL. When the cache's entry differs from the files only by
//! such edits, the exporter parses the old text (kept in the entry) and the new one with
//! Python's own `ast`, without importing anything: equal trees once positions are left out are
//! the same program, so the models declare the same tables. The export is then reused with its
//! `file:line` citations moved to where the edit put those lines (`citations`).
//!
//! It is not reused when a tree differs (a docstring counts), a file no longer parses, a cited
//! line starts no syntax node, a citation names a file the fingerprint does not watch, or a
//! warning or duplicate cites an edited file in prose. The comparison runs while the export
//! starts, so a real model change costs no wall time; whichever answers first decides.

use std::collections::BTreeMap;
use std::time::SystemTime;

use super::cache::CachedExport;
use super::citations::{self, LineMoves};
use super::fingerprint::{EditedFile, Fingerprint};
use super::protocol::{WireChangedSource, WireComparison};
use super::runner::Run;

/// The export moved to the edited files, and when they were read (no earlier than this), or
/// `None` when it must be made again.
pub(crate) async fn after_edit(
    run: &Run<'_>,
    export: &CachedExport,
    fingerprint: &Fingerprint,
    edits: &[EditedFile],
) -> Option<(CachedExport, SystemTime)> {
    let cited = citations::cited(export);
    let compared_at = SystemTime::now();
    let comparison = WireComparison {
        changed: edits
            .iter()
            .map(|edit| WireChangedSource {
                path: &edit.path,
                old: &edit.old_text,
            })
            .collect(),
        watched: fingerprint.files().collect(),
        references: cited.iter().map(|(display, lines)| (display.as_str(), lines)).collect(),
    };
    let compared = match run.compare_sources(comparison).await {
        Ok(compared) => compared,
        Err(err) => {
            tracing::debug!(error = %err, "could not compare the edited model sources; exporting");
            return None;
        }
    };
    if !compared.same_program {
        tracing::debug!(
            edited = edits.len(),
            "the edited model sources are another program; exporting"
        );
        return None;
    }
    if !compared.unknown.is_empty() {
        tracing::debug!(files = ?compared.unknown, "the export cites files the cache does not watch; exporting");
        return None;
    }
    if let Some(file) = compared
        .edited
        .iter()
        .find(|file| citations::cited_in_prose(export, file))
    {
        tracing::debug!(file = %file, "a warning or duplicate cites an edited file; exporting");
        return None;
    }
    let mut moves = LineMoves::new();
    for (file, lines) in compared.moved {
        let mut moved = BTreeMap::new();
        for (old, new) in lines {
            let (Ok(old), Some(new)) = (old.parse::<u32>(), new) else {
                tracing::debug!(file = %file, line = %old, "a cited line starts no syntax node; exporting");
                return None;
            };
            moved.insert(old, new);
        }
        moves.insert(file, moved);
    }
    tracing::debug!(edited = ?compared.edited, "edits of the models changed no syntax; reusing the export");
    Some((citations::moved(export.clone(), &moves), compared_at))
}
