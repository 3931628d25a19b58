//! Annotations: what only the source of the desired schema knows, written as
//! SQL line comments (normalization executes the DDL, and databases keep no
//! comments, so they are read here and attached to the normalized model):
//!
//! - `-- renamed_from: old` on a line above `CREATE TABLE`: the table was
//!   called `old` (optionally `schema.old`, the same schema); on a line above
//!   a column definition inside it: the column was called `old`.
//! - `-- model: app.models.User (app/models.py:14)` on a line above
//!   `CREATE TABLE`: the SQLAlchemy model that declares the table (the
//!   exporter writes it). Any other `-- model:` comment is an ordinary one.
//! - `-- model-column: email (app/models.py:17)` on a line above
//!   `CREATE TABLE`: where the model declares column `email` of that table
//!   (the exporter writes one per column it can locate, from the class, a
//!   mixin or base class, or a `Table(...)` call). Above the statement rather
//!   than above the column definition because SQLite keeps the text of a
//!   `CREATE TABLE` from its first word on, comments inside it included: a
//!   location there would end up in the live database.
//!
//! Names are written as SQL identifiers and folded as the dialect folds them.
//! Parsing is dialect-neutral over the dialect's lexemes: comments are what
//! lies between two lexemes.

use std::collections::BTreeMap;

use super::error::EngineError;
use super::script::ScriptStatement;
use super::url::Dialect;

/// A token of desired SQL, as the dialect's lexer sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lexeme {
    pub kind: LexemeKind,
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LexemeKind {
    /// A bare word: keyword or unquoted identifier.
    Word,
    QuotedIdentifier,
    /// One punctuation character (or operator).
    Punct,
    /// Strings, numbers and anything else.
    Other,
}

/// What a dialect tells the annotation parser.
pub struct Grammar {
    pub lex: fn(&str) -> Vec<Lexeme>,
    pub split: fn(&str) -> Vec<ScriptStatement<'_>>,
    /// The name a word or quoted identifier stands for.
    pub identifier: fn(&str, LexemeKind) -> String,
    /// The model key of table `name` in `namespace` (`None`: the default one).
    pub table_key: fn(Option<&str>, &str) -> String,
    /// How the database spells a name in the expressions it reports.
    pub spell: fn(&str) -> String,
    /// Whether the database names indexes, constraints and sequences after
    /// their table and columns (so a rename renames them too).
    pub derives_object_names: bool,
}

/// The grammar annotations are read with in `dialect`.
pub fn grammar(dialect: Dialect) -> Option<&'static Grammar> {
    super::driver::registered(dialect).map(|driver| driver.annotation_grammar())
}

/// The annotations of `sql` in `dialect` (none for dialects without a grammar yet).
pub fn read(dialect: Dialect, sql: &str) -> Result<Annotations, EngineError> {
    match grammar(dialect) {
        Some(grammar) => parse(sql, grammar).map(|mut found| {
            if !found.is_empty() {
                found.dialect = Some(dialect);
            }
            found
        }),
        None => Ok(Annotations::default()),
    }
}

/// The annotations of a desired schema, keyed as the model keys tables.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Annotations {
    /// Table key → the key the table had before.
    pub renamed_tables: BTreeMap<String, String>,
    /// Table key → column name → the name the column had before.
    pub renamed_columns: BTreeMap<String, BTreeMap<String, String>>,
    /// Table key → the model declaring the table.
    pub sources: BTreeMap<String, ModelSource>,
    /// Table key → column name → where the model declares the column
    /// (`app/models.py:17`).
    pub column_sources: BTreeMap<String, BTreeMap<String, String>>,
    /// The dialect they were read in (so renames can rewrite expressions).
    pub dialect: Option<Dialect>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelSource {
    /// `app.models.User`.
    pub model: String,
    /// `app/models.py:14`.
    pub location: String,
}

impl Annotations {
    pub fn is_empty(&self) -> bool {
        self.renamed_tables.is_empty()
            && self.renamed_columns.is_empty()
            && self.sources.is_empty()
            && self.column_sources.is_empty()
    }
}

const RENAMED_FROM: &str = "renamed_from:";
const MODEL: &str = "model:";
const MODEL_COLUMN: &str = "model-column:";

/// One annotation comment and the lexeme that follows it.
struct Comment {
    line: usize,
    /// Index of the next lexeme (`lexemes.len()` at the end of the script).
    before: usize,
    annotation: Annotation,
}

enum Annotation {
    RenamedFrom(String),
    Model(ModelSource),
    /// The column as written (an identifier) and where it is declared.
    ModelColumn {
        column: String,
        location: String,
    },
}

impl Annotation {
    fn name(&self) -> &'static str {
        match self {
            Annotation::RenamedFrom(_) => "renamed_from",
            Annotation::Model(_) => "model",
            Annotation::ModelColumn { .. } => "model-column",
        }
    }
}

/// What an annotation above a lexeme would be about.
enum Target {
    Table { key: String, namespace: Option<String> },
    Column { table: String, column: String },
}

/// Reads the annotations of `sql`.
fn parse(sql: &str, grammar: &Grammar) -> Result<Annotations, EngineError> {
    let lexemes = (grammar.lex)(sql);
    let comments = comments(sql, &lexemes);
    if comments.is_empty() {
        return Ok(Annotations::default());
    }
    let targets = targets(sql, &lexemes, grammar);
    let mut annotations = Annotations::default();
    // Where each old name was claimed, to name both lines of a conflict.
    let mut claimed_tables: BTreeMap<String, (String, usize)> = BTreeMap::new();
    let mut renamed_lines: BTreeMap<String, usize> = BTreeMap::new();
    for comment in comments {
        let bad = |problem: String| EngineError::BadAnnotation {
            line: comment.line,
            problem,
        };
        let Some(target) = targets.get(&comment.before) else {
            return Err(bad(format!(
                "`{}` is not on a line just above a CREATE TABLE statement or a column definition inside one",
                comment.annotation.name()
            )));
        };
        match (comment.annotation, target) {
            (Annotation::Model(source), Target::Table { key, .. }) => {
                annotations.sources.insert(key.clone(), source);
            }
            (Annotation::ModelColumn { column, location }, Target::Table { key, .. }) => {
                let column = single_identifier(&column, grammar).map_err(|_| {
                    bad(format!(
                        "model-column takes a column name and its location: `-- model-column: name (file.py:12)`, not `{column}`"
                    ))
                })?;
                annotations
                    .column_sources
                    .entry(key.clone())
                    .or_default()
                    .insert(column, location);
            }
            (annotation @ (Annotation::Model(_) | Annotation::ModelColumn { .. }), Target::Column { .. }) => {
                return Err(bad(format!(
                    "`{}` belongs above a CREATE TABLE statement, not a column",
                    annotation.name()
                )))
            }
            (Annotation::RenamedFrom(old), Target::Table { key, namespace }) => {
                let old_key = old_table_key(&old, namespace.as_deref(), grammar).map_err(bad)?;
                if old_key == *key {
                    return Err(bad(format!("table {key} is renamed from its own name")));
                }
                if let Some(line) = renamed_lines.insert(key.clone(), comment.line) {
                    return Err(bad(format!("table {key} already has a renamed_from at line {line}")));
                }
                if let Some((other, line)) = claimed_tables.insert(old_key.clone(), (key.clone(), comment.line)) {
                    return Err(bad(format!(
                        "tables {other} (line {line}) and {key} are both renamed from {old_key}"
                    )));
                }
                annotations.renamed_tables.insert(key.clone(), old_key);
            }
            (Annotation::RenamedFrom(old), Target::Column { table, column }) => {
                let old_column = single_identifier(&old, grammar).map_err(bad)?;
                if old_column == *column {
                    return Err(bad(format!("column {table}.{column} is renamed from its own name")));
                }
                let renames = annotations.renamed_columns.entry(table.clone()).or_default();
                if renames.contains_key(column) {
                    return Err(bad(format!("column {table}.{column} has two renamed_from annotations")));
                }
                if let Some((other, _)) = renames.iter().find(|(_, old)| **old == old_column) {
                    return Err(bad(format!(
                        "columns {other} and {column} of table {table} are both renamed from {old_column}"
                    )));
                }
                renames.insert(column.clone(), old_column);
            }
        }
    }
    Ok(annotations)
}

/// The annotation comments of `sql`: line comments that start their line.
fn comments(sql: &str, lexemes: &[Lexeme]) -> Vec<Comment> {
    let mut found = Vec::new();
    let mut gap_start = 0;
    for before in 0..=lexemes.len() {
        let gap_end = lexemes.get(before).map_or(sql.len(), |l| l.start);
        for (offset, text) in line_comments(&sql[gap_start..gap_end]) {
            let at = gap_start + offset;
            let line_start = sql[..at].rfind('\n').map_or(0, |n| n + 1);
            if !sql[line_start..at].trim().is_empty() {
                continue; // after code on the same line: not "above" anything
            }
            if let Some(annotation) = annotation(text) {
                found.push(Comment {
                    line: 1 + sql[..at].matches('\n').count(),
                    before,
                    annotation,
                });
            }
        }
        gap_start = lexemes.get(before).map_or(sql.len(), |l| l.end);
    }
    found
}

/// `(offset, text after "--")` of each line comment in `gap`, which holds
/// only whitespace and comments.
fn line_comments(gap: &str) -> Vec<(usize, &str)> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < gap.len() {
        let rest = &gap[i..];
        if rest.starts_with("--") {
            let end = rest.find('\n').unwrap_or(rest.len());
            found.push((i, &rest[2..end]));
            i += end;
        } else if rest.starts_with("/*") {
            i += rest.find("*/").map_or(rest.len(), |n| n + 2);
        } else {
            i += rest.chars().next().map_or(1, char::len_utf8);
        }
    }
    found
}

fn annotation(comment: &str) -> Option<Annotation> {
    let text = comment.trim();
    if let Some(old) = text.strip_prefix(RENAMED_FROM) {
        return Some(Annotation::RenamedFrom(old.trim().to_string()));
    }
    // `model: NAME (LOCATION)` and `model-column: COLUMN (LOCATION)`;
    // anything else is a comment for people.
    if let Some(body) = text.strip_prefix(MODEL_COLUMN) {
        // A quoted column name may hold ` (`; the exporter writes no
        // location that does.
        let (column, location) = named_location(body.trim().strip_suffix(')')?.rsplit_once(" (")?)?;
        return Some(Annotation::ModelColumn {
            column: column.to_string(),
            location: location.to_string(),
        });
    }
    let body = text.strip_prefix(MODEL)?.trim();
    let (model, location) = named_location(body.strip_suffix(')')?.split_once(" (")?)?;
    if model.contains(char::is_whitespace) {
        return None;
    }
    Some(Annotation::Model(ModelSource {
        model: model.to_string(),
        location: location.to_string(),
    }))
}

/// A name and a location, both non-empty once trimmed.
fn named_location<'a>((name, location): (&'a str, &'a str)) -> Option<(&'a str, &'a str)> {
    let (name, location) = (name.trim(), location.trim());
    (!name.is_empty() && !location.is_empty()).then_some((name, location))
}

/// The lexemes annotations may stand above: the first of each `CREATE TABLE`
/// statement and of each column definition inside one, by lexeme index.
fn targets(sql: &str, lexemes: &[Lexeme], grammar: &Grammar) -> BTreeMap<usize, Target> {
    let mut targets = BTreeMap::new();
    let mut next = 0;
    for statement in (grammar.split)(sql) {
        let statement_end = statement.start + statement.text.len();
        let Some(first) = (next..lexemes.len()).find(|&i| lexemes[i].start >= statement.start) else {
            break;
        };
        let last = (first..lexemes.len())
            .find(|&i| lexemes[i].start >= statement_end)
            .unwrap_or(lexemes.len());
        next = last;
        let words = &lexemes[first..last];
        if let Some(table) = CreateTable::read(sql, words, grammar) {
            let key = (grammar.table_key)(table.namespace.as_deref(), &table.name);
            for (offset, column) in table.columns {
                targets.insert(
                    first + offset,
                    Target::Column {
                        table: key.clone(),
                        column,
                    },
                );
            }
            targets.insert(
                first,
                Target::Table {
                    key,
                    namespace: table.namespace,
                },
            );
        }
    }
    targets
}

/// Words that start a table constraint rather than a column definition.
const TABLE_CONSTRAINT_WORDS: &[&str] = &["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN", "EXCLUDE", "LIKE"];
/// Words between `CREATE` and `TABLE`.
const TABLE_MODIFIERS: &[&str] = &["GLOBAL", "LOCAL", "TEMP", "TEMPORARY", "UNLOGGED"];

/// What the annotations need of a `CREATE TABLE` statement.
struct CreateTable {
    namespace: Option<String>,
    name: String,
    /// (lexeme offset in the statement, column name) per column definition.
    columns: Vec<(usize, String)>,
}

impl CreateTable {
    fn read(sql: &str, lexemes: &[Lexeme], grammar: &Grammar) -> Option<CreateTable> {
        let text = |l: &Lexeme| &sql[l.start..l.end];
        let is_word = |i: usize, word: &str| {
            lexemes
                .get(i)
                .is_some_and(|l| l.kind == LexemeKind::Word && text(l).eq_ignore_ascii_case(word))
        };
        let is_punct = |i: usize, punct: &str| {
            lexemes
                .get(i)
                .is_some_and(|l| l.kind == LexemeKind::Punct && text(l) == punct)
        };
        let name_at = |i: usize| {
            lexemes
                .get(i)
                .filter(|l| matches!(l.kind, LexemeKind::Word | LexemeKind::QuotedIdentifier))
                .map(|l| (grammar.identifier)(text(l), l.kind))
        };
        if !is_word(0, "CREATE") {
            return None;
        }
        let mut i = 1;
        while TABLE_MODIFIERS.iter().any(|m| is_word(i, m)) {
            i += 1;
        }
        if !is_word(i, "TABLE") {
            return None;
        }
        i += 1;
        if is_word(i, "IF") && is_word(i + 1, "NOT") && is_word(i + 2, "EXISTS") {
            i += 3;
        }
        let mut name = name_at(i)?;
        let mut namespace = None;
        i += 1;
        if is_punct(i, ".") {
            namespace = Some(name);
            name = name_at(i + 1)?;
            i += 2;
        }
        let mut columns = Vec::new();
        if is_punct(i, "(") {
            let mut depth = 0usize;
            let mut element_start = true;
            for (offset, lexeme) in lexemes.iter().enumerate().skip(i) {
                let punct = (lexeme.kind == LexemeKind::Punct).then(|| text(lexeme));
                match punct {
                    Some("(") => depth += 1,
                    Some(")") => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    Some(",") if depth == 1 => {
                        element_start = true;
                        continue;
                    }
                    _ => {}
                }
                if element_start && depth == 1 && punct.is_none() {
                    element_start = false;
                    let starts_constraint = TABLE_CONSTRAINT_WORDS.iter().any(|w| is_word(offset, w));
                    if let (false, Some(column)) = (starts_constraint, name_at(offset)) {
                        columns.push((offset, column));
                    }
                }
            }
        }
        Some(CreateTable {
            namespace,
            name,
            columns,
        })
    }
}

/// The identifiers of `text` separated by dots: `old`, `"Old"`, `app.old`.
fn identifiers(text: &str, grammar: &Grammar) -> Result<Vec<String>, String> {
    let lexemes = (grammar.lex)(text);
    let mut parts = Vec::new();
    for (i, lexeme) in lexemes.iter().enumerate() {
        let piece = &text[lexeme.start..lexeme.end];
        let expected_name = i % 2 == 0;
        match lexeme.kind {
            LexemeKind::Word | LexemeKind::QuotedIdentifier if expected_name => {
                parts.push((grammar.identifier)(piece, lexeme.kind));
            }
            LexemeKind::Punct if !expected_name && piece == "." => {}
            _ => return Err(format!("renamed_from takes a name, not `{text}`")),
        }
    }
    if parts.is_empty() || lexemes.len().is_multiple_of(2) {
        return Err("renamed_from needs the old name: `-- renamed_from: old_name`".to_string());
    }
    Ok(parts)
}

fn single_identifier(text: &str, grammar: &Grammar) -> Result<String, String> {
    let mut parts = identifiers(text, grammar)?;
    match parts.len() {
        1 => Ok(parts.remove(0)),
        _ => Err(format!(
            "a column's renamed_from takes the old column name alone, not `{text}`"
        )),
    }
}

/// The old key of a table in `namespace`: a qualified old name must name the
/// same schema (moving a table between schemas is not a rename).
fn old_table_key(text: &str, namespace: Option<&str>, grammar: &Grammar) -> Result<String, String> {
    let parts = identifiers(text, grammar)?;
    match parts.as_slice() {
        [name] => Ok((grammar.table_key)(namespace, name)),
        [old_namespace, name] => {
            let old_key = (grammar.table_key)(Some(old_namespace), name);
            if old_key != (grammar.table_key)(namespace, name) {
                return Err(format!(
                    "renamed_from `{text}` names another schema; a rename keeps the table in its schema"
                ));
            }
            Ok(old_key)
        }
        _ => Err(format!("renamed_from takes `name` or `schema.name`, not `{text}`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_postgres(sql: &str) -> Result<Annotations, String> {
        read(Dialect::Postgres, sql).map_err(|e| e.to_string())
    }

    #[test]
    fn renames_and_models_attach_to_tables_and_columns() {
        let sql = "CREATE TABLE kept (id int);\n\
                   -- model: app.models.Member (app/models.py:14)\n\
                   -- model-column: mail (app/mixins.py:5)\n\
                   -- model-column: \"Nick (Name)\" (app/models.py:17)\n\
                   -- renamed_from: users\n\
                   CREATE TABLE app.\"Members\" (\n\
                     id serial PRIMARY KEY,\n\
                     -- renamed_from: \"E-Mail\"\n\
                     mail text CHECK (mail <> ''), -- a trailing comment is no annotation\n\
                     CONSTRAINT c UNIQUE (mail)\n\
                   );";
        let found = read_postgres(sql).unwrap();
        assert_eq!(found.dialect, Some(Dialect::Postgres));
        assert_eq!(found.renamed_tables["app.\"Members\""], "app.users");
        assert_eq!(found.renamed_columns["app.\"Members\""]["mail"], "E-Mail");
        let source = &found.sources["app.\"Members\""];
        assert_eq!(
            (source.model.as_str(), source.location.as_str()),
            ("app.models.Member", "app/models.py:14")
        );
        let columns = &found.column_sources["app.\"Members\""];
        assert_eq!(columns["mail"], "app/mixins.py:5");
        assert_eq!(columns["Nick (Name)"], "app/models.py:17");
    }

    #[test]
    fn sqlite_keeps_names_as_written() {
        let sql = "-- renamed_from: [Old Name]\nCREATE TABLE \"New Name\" (\n  -- renamed_from: A\n  b INTEGER\n);";
        let found = read(Dialect::Sqlite, sql).unwrap();
        assert_eq!(found.renamed_tables["New Name"], "Old Name");
        assert_eq!(found.renamed_columns["New Name"]["b"], "A");
    }

    #[test]
    fn plain_comments_are_not_annotations() {
        let found =
            read_postgres("-- model: the users of the app\n-- renamed_from_x\nCREATE TABLE t (a int);").unwrap();
        assert!(found.is_empty() && found.dialect.is_none());
    }

    #[test]
    fn bad_annotations_name_their_line() {
        let cases = [
            (
                "CREATE TABLE t (a int);\n-- renamed_from: t\nCREATE TABLE u (a int);\n-- renamed_from: t\nCREATE TABLE v (a int);",
                "line 4: tables public.u (line 2) and public.v are both renamed from public.t",
            ),
            ("-- renamed_from: T\nCREATE TABLE t (a int);", "line 1: table public.t is renamed from its own name"),
            ("CREATE TABLE t (\n  -- renamed_from: a\n  a int\n);", "line 2: column public.t.a is renamed from its own name"),
            ("-- renamed_from: s\nCREATE INDEX i ON t (a);", "line 1: `renamed_from` is not on a line just above"),
            ("CREATE TABLE t (\n  a int,\n  -- renamed_from: b\n  PRIMARY KEY (a)\n);", "line 3: `renamed_from` is not"),
            ("-- renamed_from:\nCREATE TABLE t (a int);", "line 1: renamed_from needs the old name"),
            ("-- renamed_from: other.t0\nCREATE TABLE app.t (a int);", "names another schema"),
            ("CREATE TABLE t (\n  -- renamed_from: x.y\n  a int\n);", "takes the old column name alone"),
            ("CREATE TABLE t (\n  -- model-column: a (m.py:3)\n  a int\n);", "line 2: `model-column` belongs above a CREATE TABLE"),
            ("-- model-column: a (m.py:3)\nCREATE INDEX i ON t (a);", "line 1: `model-column` is not on a line just above"),
            ("-- model-column: a.b (m.py:3)\nCREATE TABLE t (a int);", "model-column takes a column name and its location"),
        ];
        for (sql, expected) in cases {
            let error = read_postgres(sql).unwrap_err();
            assert!(error.contains(expected), "{sql:?}: {error}");
            assert!(
                error.starts_with("the desired SQL has a bad annotation at line"),
                "{error}"
            );
        }
    }
}
