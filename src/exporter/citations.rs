//! The `file:line` citations an export carries, and moving them to where an edit put the lines.
//!
//! `sources` cite each table's line; on CREATE TABLE statements the annotations
//! `-- model: <class> (<file>:<line>)` and `-- model-column: <column> (<file>:<line>)` cite the
//! class and each column's declaration (the engine reads the location after the last ` (`).
//! Warnings and duplicate declarations cite lines too, in prose: an export whose prose cites an
//! edited file is not reused, rather than rewritten.

use std::collections::{BTreeMap, BTreeSet};

use super::cache::CachedExport;

/// Display path (as the exporter shows it) -> the lines cited in it.
pub(crate) type Citations = BTreeMap<String, BTreeSet<u32>>;

/// Display path -> old line -> new line.
pub(crate) type LineMoves = BTreeMap<String, BTreeMap<u32, u32>>;

const ANNOTATIONS: [&str; 2] = ["-- model: ", "-- model-column: "];

/// Every line the sources and the SQL's annotations cite, by file.
pub(crate) fn cited(export: &CachedExport) -> Citations {
    let mut cited = Citations::new();
    for source in &export.sources {
        if let Some(line) = source.line {
            cited.entry(source.file.clone()).or_default().insert(line);
        }
    }
    for line in export.sql.lines() {
        if let Some((display, number)) = annotation_location(line) {
            cited.entry(display.to_string()).or_default().insert(number);
        }
    }
    cited
}

/// Whether a warning or a duplicate's declaration cites a line of `display`.
pub(crate) fn cited_in_prose(export: &CachedExport, display: &str) -> bool {
    let needle = format!("{display}:");
    let declarations = export.duplicates.iter().flat_map(|d| d.declarations.iter());
    export
        .warnings
        .iter()
        .chain(declarations)
        .any(|text| text.contains(&needle))
}

/// `export` with every cited line that `moves` knows replaced by its new line.
pub(crate) fn moved(mut export: CachedExport, moves: &LineMoves) -> CachedExport {
    let new_line = |display: &str, line: u32| moves.get(display).and_then(|lines| lines.get(&line)).copied();
    for source in &mut export.sources {
        if let Some(line) = source.line.and_then(|line| new_line(&source.file, line)) {
            source.line = Some(line);
        }
    }
    let mut sql = String::with_capacity(export.sql.len());
    for line in export.sql.split_inclusive('\n') {
        let text = line.trim_end_matches('\n');
        match annotation_location(text).and_then(|(display, old)| Some((display, old, new_line(display, old)?))) {
            Some((display, old, new)) if new != old => {
                let cut = text.len() - format!("{display}:{old})").len();
                sql.push_str(&text[..cut]);
                sql.push_str(&format!("{display}:{new})"));
                sql.push_str(&line[text.len()..]);
            }
            _ => sql.push_str(line),
        }
    }
    export.sql = sql;
    export
}

/// `(display, line)` of an annotation comment line, which ends in ` (<display>:<line>)`.
fn annotation_location(line: &str) -> Option<(&str, u32)> {
    if !ANNOTATIONS.iter().any(|prefix| line.starts_with(prefix)) {
        return None;
    }
    let (_, location) = line.strip_suffix(')')?.rsplit_once(" (")?;
    let (display, number) = location.rsplit_once(':')?;
    Some((display, number.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exporter::cache::CachedSource;

    fn export(sql: &str) -> CachedExport {
        CachedExport {
            sql: sql.to_string(),
            tables: vec!["users".into()],
            sources: vec![
                CachedSource {
                    table: "users".into(),
                    file: "app/models.py".into(),
                    line: Some(7),
                },
                // Made by `type()`: no line, so nothing cited and nothing moved.
                CachedSource {
                    table: "made".into(),
                    file: "app/factory.py".into(),
                    line: None,
                },
            ],
            warnings: vec![],
            duplicates: vec![],
            sqlalchemy_version: "2.0".into(),
            python_version: "3.11".into(),
        }
    }

    const SQL: &str = "-- model: app.models.User (app/models.py:7)\n\
                       -- model-column: \"email\" (app/models.py:9)\n\
                       -- model-column: \"name\" (lib/base.py:3)\n\
                       CREATE TABLE users (\n\temail TEXT -- (app/models.py:9)\n);\n";

    #[test]
    fn finds_the_sources_and_annotation_citations_only() {
        let cited = cited(&export(SQL));
        assert_eq!(cited["app/models.py"], BTreeSet::from([7, 9]));
        assert_eq!(cited["lib/base.py"], BTreeSet::from([3]));
        assert_eq!(cited.len(), 2);
    }

    #[test]
    fn moves_annotations_and_sources_and_leaves_the_statements_alone() {
        let moves = LineMoves::from([("app/models.py".to_string(), BTreeMap::from([(7, 8), (9, 10)]))]);
        let moved = moved(export(SQL), &moves);
        assert_eq!(moved.sources[0].line, Some(8));
        assert_eq!(moved.sources[1].line, None);
        assert_eq!(
            moved.sql,
            "-- model: app.models.User (app/models.py:8)\n\
             -- model-column: \"email\" (app/models.py:10)\n\
             -- model-column: \"name\" (lib/base.py:3)\n\
             CREATE TABLE users (\n\temail TEXT -- (app/models.py:9)\n);\n"
        );
    }

    #[test]
    fn prose_citations_are_found_by_file() {
        let mut cached = export(SQL);
        cached
            .warnings
            .push("SQLAlchemy warning at app/models.py:12: something".into());
        assert!(cited_in_prose(&cached, "app/models.py"));
        assert!(!cited_in_prose(&cached, "lib/base.py"));
    }
}
