//! Reads what SQLite's pragmas do not tell: from the stored `CREATE TABLE` text,
//! CHECK constraints, constraint names, column collations, AUTOINCREMENT and
//! table options; from `CREATE INDEX` text, expression keys and the WHERE clause.
//!
//! The text comes from `sqlite_schema`, so SQLite has already accepted it; the
//! parser only has to find clauses, not validate them.

use std::collections::BTreeSet;

use crate::engine::sqlite::tokens::{canonical, matching_paren, split_top_level_commas, tokenize, Token};

#[derive(Debug, Default, PartialEq, Eq)]
pub struct ParsedTable {
    pub columns: Vec<ParsedColumn>,
    /// Column and table constraints alike, in order of appearance.
    pub constraints: Vec<ParsedConstraint>,
    /// `STRICT`, `WITHOUT ROWID`.
    pub options: BTreeSet<String>,
}

#[derive(Debug, PartialEq, Eq)]
pub struct ParsedColumn {
    pub name: String,
    pub collation: Option<String>,
    pub generated: Option<Generated>,
    /// The `DEFAULT` term as written: `'x'`, `-1`, `(lower('X'))`.
    pub default: Option<String>,
}

/// `[GENERATED ALWAYS] AS (expression) [VIRTUAL | STORED]`.
#[derive(Debug, PartialEq, Eq)]
pub struct Generated {
    pub expression: Spelled,
    pub stored: bool,
}

#[derive(Debug, PartialEq, Eq)]
pub struct ParsedConstraint {
    pub name: Option<String>,
    pub kind: ConstraintKind,
}

#[derive(Debug, PartialEq, Eq)]
pub enum ConstraintKind {
    PrimaryKey {
        columns: Vec<String>,
        autoincrement: bool,
    },
    Unique {
        columns: Vec<String>,
    },
    /// `expression` canonical, `written` as written (both inside the parentheses).
    Check {
        expression: String,
        written: String,
    },
    ForeignKey {
        columns: Vec<String>,
        ref_table: String,
    },
}

#[derive(Debug, PartialEq, Eq)]
pub struct ParsedIndex {
    /// Each key, canonical and as written, without ASC/DESC and COLLATE.
    pub keys: Vec<Spelled>,
    pub predicate: Option<Spelled>,
}

/// An expression in canonical spelling and as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spelled {
    pub canonical: String,
    pub written: String,
}

impl Spelled {
    fn of(sql: &str, tokens: &[Token<'_>]) -> Spelled {
        Spelled {
            canonical: canonical(tokens),
            written: written(sql, tokens),
        }
    }
}

/// The text `tokens` span in `sql`, comments and all.
fn written(sql: &str, tokens: &[Token<'_>]) -> String {
    match (tokens.first(), tokens.last()) {
        (Some(first), Some(last)) => sql[first.start..last.end].to_string(),
        _ => String::new(),
    }
}

/// Words that start a column constraint, ending the type name or the previous constraint.
const COLUMN_CONSTRAINT_STARTS: &[&str] = &[
    "CONSTRAINT",
    "PRIMARY",
    "NOT",
    "NULL",
    "UNIQUE",
    "CHECK",
    "DEFAULT",
    "COLLATE",
    "REFERENCES",
    "GENERATED",
    "AS",
];

const TABLE_CONSTRAINT_STARTS: &[&str] = &["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"];

fn starts_with_any(token: Option<&Token<'_>>, words: &[&str]) -> bool {
    token.is_some_and(|t| words.iter().any(|w| t.is_word(w)))
}

/// Parses a `CREATE TABLE name (…) [options]` statement.
pub fn parse_create_table(sql: &str) -> Option<ParsedTable> {
    let tokens = tokenize(sql);
    let open = tokens.iter().position(|t| t.is_punct("("))?;
    let close = matching_paren(&tokens, open)?;
    let mut table = ParsedTable::default();
    for element in split_top_level_commas(&tokens[open + 1..close]) {
        if starts_with_any(element.first(), TABLE_CONSTRAINT_STARTS) {
            parse_table_constraint(sql, element, &mut table.constraints);
        } else if let Some(first) = element.first() {
            let column = parse_column(sql, first.identifier(), &element[1..], &mut table.constraints);
            table.columns.push(column);
        }
    }
    for option in split_top_level_commas(&tokens[close + 1..]) {
        let words: Vec<String> = option.iter().map(|t| t.text.to_ascii_uppercase()).collect();
        if !words.is_empty() && words != [";"] {
            table.options.insert(words.join(" ").trim_end_matches(" ;").to_string());
        }
    }
    Some(table)
}

fn parse_column(sql: &str, name: String, rest: &[Token<'_>], constraints: &mut Vec<ParsedConstraint>) -> ParsedColumn {
    let mut column = ParsedColumn {
        name,
        collation: None,
        generated: None,
        default: None,
    };
    let mut i = skip_until_constraint(rest, 0);
    let mut pending_name = None;
    while let Some(token) = rest.get(i) {
        let single = vec![column.name.clone()];
        if token.is_word("CONSTRAINT") {
            pending_name = rest.get(i + 1).map(Token::identifier);
            i += 2;
            continue;
        }
        if token.is_word("PRIMARY") {
            let end = skip_until_constraint(rest, i + 1);
            let autoincrement = rest[i..end].iter().any(|t| t.is_word("AUTOINCREMENT"));
            push(
                constraints,
                pending_name.take(),
                ConstraintKind::PrimaryKey {
                    columns: single,
                    autoincrement,
                },
            );
            i = end;
        } else if token.is_word("UNIQUE") {
            push(
                constraints,
                pending_name.take(),
                ConstraintKind::Unique { columns: single },
            );
            i = skip_until_constraint(rest, i + 1);
        } else if token.is_word("CHECK") {
            let (expression, end) = parenthesised(sql, rest, i + 1);
            push(
                constraints,
                pending_name.take(),
                ConstraintKind::Check {
                    expression: expression.canonical,
                    written: expression.written,
                },
            );
            i = end;
        } else if token.is_word("COLLATE") {
            column.collation = rest.get(i + 1).map(Token::identifier);
            pending_name = None;
            i += 2;
        } else if token.is_word("DEFAULT") {
            pending_name = None;
            let end = skip_default(rest, i + 1).min(rest.len());
            column.default = Some(written(sql, &rest[(i + 1).min(end)..end]));
            i = end;
        } else if token.is_word("REFERENCES") {
            let ref_table = rest.get(i + 1).map(Token::identifier).unwrap_or_default();
            push(
                constraints,
                pending_name.take(),
                ConstraintKind::ForeignKey {
                    columns: single,
                    ref_table,
                },
            );
            i = skip_references(rest, i + 2);
        } else if token.is_word("GENERATED") || token.is_word("AS") {
            pending_name = None;
            let (generated, end) = parse_generated(sql, rest, i);
            column.generated = Some(generated);
            i = end;
        } else {
            // NOT NULL, NULL and their conflict clauses.
            pending_name = None;
            i = skip_until_constraint(rest, i + 1);
        }
    }
    column
}

/// `[GENERATED ALWAYS] AS ( expression ) [VIRTUAL | STORED]` from `at`, and
/// the index after it. Without a keyword SQLite makes the column VIRTUAL.
fn parse_generated(sql: &str, tokens: &[Token<'_>], at: usize) -> (Generated, usize) {
    let open = (at..tokens.len())
        .find(|&i| tokens[i].is_punct("("))
        .unwrap_or(tokens.len());
    let (expression, mut end) = parenthesised(sql, tokens, open);
    let stored = tokens.get(end).is_some_and(|t| t.is_word("STORED"));
    if stored || tokens.get(end).is_some_and(|t| t.is_word("VIRTUAL")) {
        end += 1;
    }
    (Generated { expression, stored }, end)
}

fn push(constraints: &mut Vec<ParsedConstraint>, name: Option<String>, kind: ConstraintKind) {
    constraints.push(ParsedConstraint { name, kind });
}

/// Index of the next column-constraint keyword at parenthesis depth 0, from `from`.
fn skip_until_constraint(tokens: &[Token<'_>], from: usize) -> usize {
    let mut i = from;
    while i < tokens.len() {
        if tokens[i].is_punct("(") {
            i = matching_paren(tokens, i).map_or(tokens.len(), |c| c + 1);
            continue;
        }
        if starts_with_any(tokens.get(i), COLUMN_CONSTRAINT_STARTS) {
            return i;
        }
        i += 1;
    }
    tokens.len()
}

/// A DEFAULT value is one literal, a signed number, or a parenthesised expression.
fn skip_default(tokens: &[Token<'_>], from: usize) -> usize {
    match tokens.get(from) {
        Some(t) if t.is_punct("(") => matching_paren(tokens, from).map_or(tokens.len(), |c| c + 1),
        Some(t) if t.is_punct("-") || t.is_punct("+") => from + 2,
        Some(_) => from + 1,
        None => from,
    }
}

/// Skips `[(cols)] [ON DELETE|UPDATE action] [MATCH x] [[NOT] DEFERRABLE [INITIALLY x]]`.
fn skip_references(tokens: &[Token<'_>], from: usize) -> usize {
    let mut i = from;
    if tokens.get(i).is_some_and(|t| t.is_punct("(")) {
        i = matching_paren(tokens, i).map_or(tokens.len(), |c| c + 1);
    }
    while let Some(token) = tokens.get(i) {
        let next = tokens.get(i + 1);
        if token.is_word("ON") {
            // ON DELETE|UPDATE then SET NULL | SET DEFAULT | NO ACTION | CASCADE | RESTRICT
            let two_words = tokens.get(i + 2).is_some_and(|t| t.is_word("SET") || t.is_word("NO"));
            i += if two_words { 4 } else { 3 };
        } else if token.is_word("MATCH") || token.is_word("INITIALLY") {
            i += 2;
        } else if token.is_word("DEFERRABLE") {
            i += 1;
        } else if token.is_word("NOT") && next.is_some_and(|t| t.is_word("DEFERRABLE")) {
            i += 2;
        } else {
            break;
        }
    }
    i.min(tokens.len())
}

/// The text inside the parentheses starting at `open`, and the index after them.
fn parenthesised(sql: &str, tokens: &[Token<'_>], open: usize) -> (Spelled, usize) {
    match matching_paren(tokens, open) {
        Some(close) if tokens[open].is_punct("(") => (Spelled::of(sql, &tokens[open + 1..close]), close + 1),
        _ => (Spelled::of(sql, &[]), tokens.len()),
    }
}

fn parse_table_constraint(sql: &str, element: &[Token<'_>], constraints: &mut Vec<ParsedConstraint>) {
    let mut i = 0;
    let mut name = None;
    if element.first().is_some_and(|t| t.is_word("CONSTRAINT")) {
        name = element.get(1).map(Token::identifier);
        i = 2;
    }
    let Some(head) = element.get(i) else {
        return;
    };
    let kind = if head.is_word("PRIMARY") {
        // PRIMARY KEY ( cols )
        let columns = column_list(element, i + 2);
        let autoincrement = element.iter().any(|t| t.is_word("AUTOINCREMENT"));
        ConstraintKind::PrimaryKey { columns, autoincrement }
    } else if head.is_word("UNIQUE") {
        ConstraintKind::Unique {
            columns: column_list(element, i + 1),
        }
    } else if head.is_word("CHECK") {
        let expression = parenthesised(sql, element, i + 1).0;
        ConstraintKind::Check {
            expression: expression.canonical,
            written: expression.written,
        }
    } else if head.is_word("FOREIGN") {
        // FOREIGN KEY ( cols ) REFERENCES table
        let columns = column_list(element, i + 2);
        let ref_table = element
            .iter()
            .position(|t| t.is_word("REFERENCES"))
            .and_then(|p| element.get(p + 1))
            .map(Token::identifier)
            .unwrap_or_default();
        ConstraintKind::ForeignKey { columns, ref_table }
    } else {
        return;
    };
    constraints.push(ParsedConstraint { name, kind });
}

/// Names in `( a [COLLATE x] [ASC|DESC], … )` starting at `open`.
fn column_list(tokens: &[Token<'_>], open: usize) -> Vec<String> {
    let Some(close) = matching_paren(tokens, open) else {
        return Vec::new();
    };
    split_top_level_commas(&tokens[open + 1..close])
        .iter()
        .filter_map(|part| part.first().map(Token::identifier))
        .collect()
}

/// Parses `CREATE [UNIQUE] INDEX … ON table ( keys ) [WHERE expr]`.
pub fn parse_create_index(sql: &str) -> Option<ParsedIndex> {
    let tokens = tokenize(sql);
    let on = tokens.iter().position(|t| t.is_word("ON"))?;
    let open = on + tokens[on..].iter().position(|t| t.is_punct("("))?;
    let close = matching_paren(&tokens, open)?;
    let keys = split_top_level_commas(&tokens[open + 1..close])
        .into_iter()
        .map(|part| Spelled::of(sql, strip_key_suffix(part)))
        .collect();
    let predicate = match tokens.get(close + 1) {
        Some(t) if t.is_word("WHERE") => {
            let mut rest = &tokens[close + 2..];
            if rest.last().is_some_and(|t| t.is_punct(";")) {
                rest = &rest[..rest.len() - 1];
            }
            Some(Spelled::of(sql, rest))
        }
        _ => None,
    };
    Some(ParsedIndex { keys, predicate })
}

/// Drops a trailing `ASC`/`DESC` and `COLLATE name` from an index key.
fn strip_key_suffix<'t, 'a>(part: &'t [Token<'a>]) -> &'t [Token<'a>] {
    let mut end = part.len();
    if end > 1 && (part[end - 1].is_word("ASC") || part[end - 1].is_word("DESC")) {
        end -= 1;
    }
    if end > 2 && part[end - 2].is_word("COLLATE") {
        end -= 2;
    }
    &part[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_constraints_names_collations_and_options() {
        let parsed = parse_create_table(
            "CREATE TABLE \"we ird\" (\n  id INTEGER CONSTRAINT pk PRIMARY KEY AUTOINCREMENT,\n  \
             name TEXT COLLATE nocase NOT NULL CHECK (length(name) > 0) UNIQUE,\n  \
             parent INT REFERENCES \"we ird\" (id) ON DELETE SET NULL NOT DEFERRABLE,\n  \
             note DEFAULT (1 + 2) CHECK(note<>''),\n  \
             CONSTRAINT uq_pair UNIQUE (name, parent),\n  \
             CONSTRAINT fk FOREIGN KEY (parent) REFERENCES other (id),\n  \
             CHECK (id > 0)\n) STRICT, WITHOUT ROWID",
        )
        .expect("parses");
        let names: Vec<&str> = parsed.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, vec!["id", "name", "parent", "note"]);
        assert_eq!(parsed.columns[1].collation.as_deref(), Some("nocase"));
        assert_eq!(
            parsed.options.iter().cloned().collect::<Vec<_>>(),
            vec!["STRICT", "WITHOUT ROWID"]
        );
        let expected = vec![
            ParsedConstraint {
                name: Some("pk".into()),
                kind: ConstraintKind::PrimaryKey {
                    columns: vec!["id".into()],
                    autoincrement: true,
                },
            },
            ParsedConstraint {
                name: None,
                kind: ConstraintKind::Check {
                    expression: "length(name) > 0".into(),
                    written: "length(name) > 0".into(),
                },
            },
            ParsedConstraint {
                name: None,
                kind: ConstraintKind::Unique {
                    columns: vec!["name".into()],
                },
            },
            ParsedConstraint {
                name: None,
                kind: ConstraintKind::ForeignKey {
                    columns: vec!["parent".into()],
                    ref_table: "we ird".into(),
                },
            },
            ParsedConstraint {
                name: None,
                kind: ConstraintKind::Check {
                    expression: "note <> ''".into(),
                    written: "note<>''".into(),
                },
            },
            ParsedConstraint {
                name: Some("uq_pair".into()),
                kind: ConstraintKind::Unique {
                    columns: vec!["name".into(), "parent".into()],
                },
            },
            ParsedConstraint {
                name: Some("fk".into()),
                kind: ConstraintKind::ForeignKey {
                    columns: vec!["parent".into()],
                    ref_table: "other".into(),
                },
            },
            ParsedConstraint {
                name: None,
                kind: ConstraintKind::Check {
                    expression: "id > 0".into(),
                    written: "id > 0".into(),
                },
            },
        ];
        assert_eq!(parsed.constraints, expected);
        let defaults: Vec<Option<&str>> = parsed.columns.iter().map(|c| c.default.as_deref()).collect();
        assert_eq!(defaults, vec![None, None, None, Some("(1 + 2)")]);
    }

    #[test]
    fn reads_generated_columns() {
        let parsed = parse_create_table(
            "CREATE TABLE t (a TEXT, b TEXT GENERATED ALWAYS AS (upper( a )) STORED NOT NULL, \
             c AS (a || 'x') COLLATE nocase, d INT GENERATED ALWAYS AS (length(a)) VIRTUAL UNIQUE)",
        )
        .expect("parses");
        let generated: Vec<Option<(&str, &str, bool)>> = parsed
            .columns
            .iter()
            .map(|c| {
                c.generated
                    .as_ref()
                    .map(|g| (g.expression.canonical.as_str(), g.expression.written.as_str(), g.stored))
            })
            .collect();
        assert_eq!(
            generated,
            vec![
                None,
                Some(("upper(a)", "upper( a )", true)),
                Some(("a || 'x'", "a || 'x'", false)),
                Some(("length(a)", "length(a)", false)),
            ]
        );
        assert_eq!(parsed.columns[2].collation.as_deref(), Some("nocase"));
        assert_eq!(
            parsed.constraints,
            vec![ParsedConstraint {
                name: None,
                kind: ConstraintKind::Unique {
                    columns: vec!["d".into()]
                },
            }]
        );
    }

    #[test]
    fn reads_index_keys_and_predicate() {
        let parsed = parse_create_index(
            "CREATE UNIQUE INDEX IF NOT EXISTS ix ON t (lower( name ) COLLATE nocase DESC, \"b\" ASC) WHERE deleted_at IS NULL",
        )
        .expect("parses");
        let keys: Vec<(&str, &str)> = parsed
            .keys
            .iter()
            .map(|k| (k.canonical.as_str(), k.written.as_str()))
            .collect();
        assert_eq!(keys, vec![("lower(name)", "lower( name )"), ("\"b\"", "\"b\"")]);
        let predicate = parsed.predicate.expect("a predicate");
        assert_eq!(predicate.canonical, "deleted_at IS NULL");
    }

    #[test]
    fn garbage_does_not_panic() {
        assert_eq!(parse_create_table("CREATE TABLE"), None);
        assert!(parse_create_table("CREATE TABLE t (a CONSTRAINT").is_none());
        assert_eq!(parse_create_index("CREATE INDEX ix"), None);
    }
}
