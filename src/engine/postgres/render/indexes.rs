//! Indexes of tables that already exist: a plain `CREATE INDEX` makes every
//! write to the table wait for the build; with `concurrent_indexes` they are
//! built (and dropped) `CONCURRENTLY` instead, which cannot run in a
//! transaction: drops go before the plan's transaction, builds after it.
//!
//! Not concurrent, whatever the option: indexes of partitioned tables
//! (PostgreSQL cannot), and unique indexes of tables a foreign key
//! references (the key may need the index inside the transaction).

use std::collections::BTreeSet;

use super::ddl::table_name;
use super::table_key;
use crate::engine::diff::{Change, TableChange};
use crate::engine::model::{Index, Schema};
use crate::engine::options::Options;
use crate::engine::plan::{HazardKind, Statement};
use crate::engine::postgres::ident::{key_part, qualified, quote};
use crate::engine::probe::{Count, Probe};

/// The index statements that run outside the transaction.
pub struct Concurrent {
    /// `DROP INDEX CONCURRENTLY`, before the transaction.
    pub drops: Vec<Statement>,
    /// `CREATE INDEX CONCURRENTLY`, after it.
    pub creates: Vec<Statement>,
    dropped: BTreeSet<(String, String)>,
    created: BTreeSet<(String, String)>,
}

impl Concurrent {
    pub fn plan(changes: &[Change], live: &Schema, options: &Options) -> Concurrent {
        let mut plan = Concurrent {
            drops: Vec::new(),
            creates: Vec::new(),
            dropped: BTreeSet::new(),
            created: BTreeSet::new(),
        };
        if !options.concurrent_indexes {
            return plan;
        }
        let referenced: BTreeSet<&str> = live
            .tables
            .values()
            .flat_map(|t| t.foreign_keys.iter().map(|fk| fk.ref_table.as_str()))
            .chain(changes.iter().flat_map(added_foreign_key_targets))
            .collect();
        let eligible = |table: &str, index: &Index| {
            let partitioned = live.tables.get(table).is_none_or(|t| t.partition_key.is_some());
            let needed_by_a_foreign_key = index.unique && referenced.contains(table);
            !partitioned && !needed_by_a_foreign_key
        };
        for change in changes {
            match change {
                Change::DropIndex { table, index } if eligible(table, index) => {
                    plan.drops.push(Statement::outside_transaction(format!(
                        "DROP INDEX CONCURRENTLY {}",
                        index_name(live, table, index)
                    )));
                    plan.dropped.insert((table.clone(), index.name.clone()));
                }
                Change::CreateIndex { table, index } if eligible(table, index) => {
                    plan.creates
                        .push(create_on_existing_table(changes, live, table, index, true));
                    plan.created.insert((table.clone(), index.name.clone()));
                }
                _ => {}
            }
        }
        plan
    }

    pub fn drops_concurrently(&self, table: &str, index: &Index) -> bool {
        self.dropped.contains(&(table.to_string(), index.name.clone()))
    }

    pub fn builds_concurrently(&self, table: &str, index: &Index) -> bool {
        self.created.contains(&(table.to_string(), index.name.clone()))
    }
}

/// Tables the plan's new foreign keys reference.
fn added_foreign_key_targets(change: &Change) -> Vec<&str> {
    match change {
        Change::CreateTable(t) => t.foreign_keys.iter().map(|fk| fk.ref_table.as_str()).collect(),
        Change::AlterTable(d) => d
            .changes
            .iter()
            .filter_map(|c| match c {
                TableChange::AddForeignKey(fk) => Some(fk.ref_table.as_str()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The qualified name of `index` on the live table stored under `table`.
pub fn index_name(live: &Schema, table: &str, index: &Index) -> String {
    let namespace = live
        .tables
        .get(table)
        .and_then(|t| t.namespace.as_deref())
        .unwrap_or("public");
    qualified(namespace, &index.name)
}

/// `CREATE INDEX` on the live table stored under `table`: concurrently
/// (outside the transaction), or blocking its writes. A unique index may
/// fail on the rows already there, and its probe counts duplicates.
pub fn create_on_existing_table(
    changes: &[Change],
    live: &Schema,
    table: &str,
    index: &Index,
    concurrently: bool,
) -> Statement {
    let unique = if index.unique { "UNIQUE " } else { "" };
    let definition = index.definition.as_deref().unwrap_or_default();
    let keyword = if concurrently { "CONCURRENTLY " } else { "" };
    let sql = format!("CREATE {unique}INDEX {keyword}{} ON {definition}", quote(&index.name));
    let mut statement = if concurrently {
        Statement::outside_transaction(sql)
    } else {
        Statement::ddl(sql)
    };
    let table_sql = live.tables.get(table).map_or_else(|| table.to_string(), table_name);
    if index.unique {
        statement = statement.with_table_hazard(
            HazardKind::MayFailOnExistingRows,
            table,
            format!(
                "existing rows of {table_sql} must not repeat a key of unique index {}",
                quote(&index.name)
            ),
        );
        let added = added_columns(changes, table);
        let nulls_equal = definition.contains(NULLS_NOT_DISTINCT);
        if let Some((keys, filter)) = unique_keys(&definition.replacen(NULLS_NOT_DISTINCT, "", 1)) {
            let mentions_new = |text: &str| added.iter().any(|c| super::table::mentions_column(text, c));
            if !keys.iter().any(|k| mentions_new(k)) && !filter.as_deref().is_some_and(mentions_new) {
                statement = statement.with_probe(duplicates(
                    &table_sql,
                    keys,
                    nulls_equal,
                    filter,
                    "the unique index will fail",
                ));
            }
        }
    }
    if !concurrently {
        statement = statement.with_table_hazard(
            HazardKind::BuildsIndexBlockingWrites,
            table,
            format!(
                "building index {} reads every row of {table_sql} while writes to it wait; \
                 `policy {{ concurrent_indexes = true }}` builds it without blocking writes",
                quote(&index.name)
            ),
        );
    }
    let columns = live
        .tables
        .get(table)
        .into_iter()
        .flat_map(|t| t.columns.iter().map(|c| c.name.as_str()))
        .chain(added_columns(changes, table));
    match first_key_column(definition, columns) {
        Some(column) => statement.about_column(column),
        None => statement,
    }
}

/// Which of `columns` the first key of an index definition
/// (`pg_get_indexdef`'s text after `ON`) is, when it is a column: the key is
/// the column's name, bare when it is a plain word (a keyword is quoted too,
/// so both spellings are tried), alone or followed by an operator class or
/// an order.
fn first_key_column<'a>(definition: &str, mut columns: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let using = definition.find(" USING ")?;
    let open = using + definition[using..].find('(')?;
    let close = open + closing_paren(&definition[open..])?;
    let first = split_top_level(&definition[open + 1..close]).into_iter().next()?.trim();
    columns.find(|column| {
        [key_part(column), quote(column)].iter().any(|spelling| {
            first
                .strip_prefix(spelling.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(' '))
        })
    })
}

/// Counts duplicated `keys` of `table` (SQL), for a new unique key
/// (`nulls_equal`: one with `NULLS NOT DISTINCT`).
pub fn duplicates(
    table: &str,
    keys: Vec<String>,
    nulls_equal: bool,
    filter: Option<String>,
    consequence: &str,
) -> Probe {
    Probe {
        table: table.to_string(),
        subject: format!("{table} ({})", keys.join(", ")),
        count: Count::Duplicates {
            keys,
            nulls_equal,
            filter,
            consequence: consequence.to_string(),
        },
    }
}

/// Columns the plan adds to the live table stored under `table`: they have
/// no values to probe yet.
fn added_columns<'a>(changes: &'a [Change], table: &str) -> Vec<&'a str> {
    changes
        .iter()
        .filter_map(|c| match c {
            Change::AlterTable(d) if table_key(&d.from) == table => Some(d),
            _ => None,
        })
        .flat_map(|d| &d.changes)
        .filter_map(|c| match c {
            TableChange::AddColumn(column) => Some(column.name.as_str()),
            _ => None,
        })
        .collect()
}

/// How `pg_get_indexdef` marks a unique index whose NULLs count as equal.
const NULLS_NOT_DISTINCT: &str = " NULLS NOT DISTINCT";

/// The key expressions and predicate of a unique index from its
/// `pg_get_indexdef` text (`public.t USING btree (a, lower(b)) WHERE (c > 0)`),
/// without its `NULLS NOT DISTINCT`; `None` when a key carries an operator
/// class or collation: a plain GROUP BY would not count like the index.
fn unique_keys(definition: &str) -> Option<(Vec<String>, Option<String>)> {
    let using = definition.find(" USING ")?;
    let open = using + definition[using..].find('(')?;
    let close = open + closing_paren(&definition[open..])?;
    let mut keys = Vec::new();
    for key in split_top_level(&definition[open + 1..close]) {
        let mut key = key.trim();
        for suffix in [" NULLS FIRST", " NULLS LAST", " DESC", " ASC"] {
            key = key.strip_suffix(suffix).unwrap_or(key);
        }
        if has_top_level_space(key) {
            return None;
        }
        keys.push(key.to_string());
    }
    let rest = &definition[close + 1..];
    let filter = rest
        .find(" WHERE ")
        .map(|at| rest[at + " WHERE ".len()..].trim().to_string());
    Some((keys, filter))
}

/// Scans SQL text outside quotes, calling `visit(position, char, depth)`.
fn scan(text: &str, mut visit: impl FnMut(usize, char, usize) -> bool) {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for (at, c) in text.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '"' | '\'' => quote = Some(c),
                '(' => depth += 1,
                ')' => depth = depth.saturating_sub(1),
                _ => {}
            },
        }
        if quote.is_none() && !visit(at, c, depth) {
            return;
        }
    }
}

/// Offset of the parenthesis closing the one `text` starts with.
fn closing_paren(text: &str) -> Option<usize> {
    let mut found = None;
    scan(text, |at, c, depth| {
        if c == ')' && depth == 0 {
            found = Some(at);
            return false;
        }
        true
    });
    found
}

fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    scan(text, |at, c, depth| {
        if c == ',' && depth == 0 {
            parts.push(&text[start..at]);
            start = at + 1;
        }
        true
    });
    parts.push(&text[start..]);
    parts
}

fn has_top_level_space(text: &str) -> bool {
    let mut found = false;
    scan(text, |_, c, depth| {
        found |= c == ' ' && depth == 0;
        !found
    });
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_key_is_a_column_when_it_names_one() {
        let columns = || ["a", "ab", "odd name"].into_iter();
        assert_eq!(
            first_key_column("public.t USING btree (ab DESC, a)", columns()),
            Some("ab")
        );
        assert_eq!(
            first_key_column("public.t USING btree (a text_pattern_ops)", columns()),
            Some("a")
        );
        assert_eq!(
            first_key_column("public.t USING btree (\"odd name\")", columns()),
            Some("odd name")
        );
        assert_eq!(first_key_column("public.t USING btree (lower(a))", columns()), None);
        assert_eq!(
            first_key_column("public.t USING btree (\"order\")", ["order"].into_iter()),
            Some("order")
        );
    }

    #[test]
    fn unique_keys_come_from_the_index_definition() {
        assert_eq!(
            unique_keys("public.users USING btree (email)"),
            Some((vec!["email".to_string()], None))
        );
        assert_eq!(
            unique_keys("public.t USING btree (a DESC NULLS LAST, lower((b)::text)) INCLUDE (c) WHERE (d > 0)"),
            Some((
                vec!["a".to_string(), "lower((b)::text)".to_string()],
                Some("(d > 0)".to_string())
            ))
        );
        assert_eq!(unique_keys("public.t USING btree (a text_pattern_ops)"), None);
        assert_eq!(
            unique_keys("public.t USING btree (\"odd name\")"),
            Some((vec!["\"odd name\"".to_string()], None))
        );
        // The caller takes `NULLS NOT DISTINCT` out (and counts NULLs as equal).
        assert_eq!(
            unique_keys(&"public.t USING btree (a) NULLS NOT DISTINCT WHERE (b)".replacen(NULLS_NOT_DISTINCT, "", 1)),
            Some((vec!["a".to_string()], Some("(b)".to_string())))
        );
    }
}
