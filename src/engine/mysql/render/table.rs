//! `CREATE TABLE` and the one `ALTER TABLE` that changes an existing table,
//! with the hazards of each part and the online-DDL algorithm of the whole.

use std::collections::BTreeSet;

use super::columns::{self, definition, enum_values, position, Collation};
use super::narrowing::{self, narrows};
use super::online::{self, Algorithm, Part};
use super::renamed_keys::{renamed_checks, renamed_foreign_keys};
use crate::engine::diff::TableChange;
use crate::engine::model::{Check, Column, ForeignKey, Index, IndexKey, Table};
use crate::engine::mysql::connect::Server;
use crate::engine::mysql::ident::{literal, quote};
use crate::engine::mysql::inspect::{table_collation, COLLATE, ENGINE, ROW_FORMAT};
use crate::engine::plan::{HazardKind, Statement};
use crate::engine::probe::{Count, Probe};

/// `CREATE TABLE` with the foreign keys in `inline_keys` (the rest are
/// added once the tables they reference exist), for `server`'s spelling.
pub fn create(table: &Table, inline_keys: &[&ForeignKey], server: &Server) -> Statement {
    let mut items: Vec<String> = table
        .columns
        .iter()
        .map(|c| definition(table, c, Collation::OwnOnly))
        .collect();
    if let Some(key) = &table.primary_key {
        items.push(format!("PRIMARY KEY ({})", column_list(&key.columns)));
    }
    for index in table.indexes.values() {
        items.push(index_definition(index, server));
    }
    for check in &table.checks {
        items.push(check_definition(check));
    }
    for key in inline_keys {
        items.push(foreign_key_definition(key));
    }
    let mut sql = format!("CREATE TABLE {} (\n  {}\n)", quote(&table.name), items.join(",\n  "));
    for option in table_options(table) {
        sql.push(' ');
        sql.push_str(&option);
    }
    Statement::ddl(sql)
}

/// The table's options as `CREATE TABLE` and `ALTER TABLE` write them.
fn table_options(table: &Table) -> Vec<String> {
    let mut options: Vec<String> = table
        .options
        .iter()
        .map(|option| {
            if let Some(engine) = option.strip_prefix(ENGINE) {
                format!("ENGINE={engine}")
            } else if let Some(collation) = option.strip_prefix(COLLATE) {
                format!("DEFAULT COLLATE={collation}")
            } else if let Some(format) = option.strip_prefix(ROW_FORMAT) {
                format!("ROW_FORMAT={format}")
            } else {
                option.clone()
            }
        })
        .collect();
    if let Some(comment) = &table.comment {
        options.push(format!("COMMENT={}", literal(comment)));
    }
    options
}

/// `` `table`.`column` ``, as messages name a column.
fn column_subject(table: &str, column: &str) -> String {
    format!("{}.{}", quote(table), quote(column))
}

pub fn column_list(columns: &[String]) -> String {
    columns.iter().map(|c| quote(c)).collect::<Vec<_>>().join(", ")
}

/// `[UNIQUE|FULLTEXT|SPATIAL] INDEX name (parts) [IGNORED|INVISIBLE]`, as
/// `server` spells an index the optimizer does not use.
pub fn index_definition(index: &Index, server: &Server) -> String {
    let kind = match (&index.kind, index.unique) {
        (Some(kind), _) => format!("{kind} "),
        (None, true) => "UNIQUE ".to_string(),
        (None, false) => String::new(),
    };
    let parts: Vec<String> = index
        .parts
        .iter()
        .map(|part| {
            let mut sql = match &part.key {
                IndexKey::Column(column) => quote(column),
                IndexKey::Expression(expression) => format!("({expression})"),
            };
            if let Some(length) = part.length {
                sql.push_str(&format!("({length})"));
            }
            if part.descending {
                sql.push_str(" DESC");
            }
            sql
        })
        .collect();
    let ignored = if index.ignored {
        format!(" {}", visibility(server, true))
    } else {
        String::new()
    };
    format!("{kind}INDEX {} ({}){ignored}", quote(&index.name), parts.join(", "))
}

/// MariaDB says `IGNORED`, MySQL `INVISIBLE`.
fn visibility(server: &Server, ignored: bool) -> &'static str {
    match (server.is_mariadb(), ignored) {
        (true, true) => "IGNORED",
        (true, false) => "NOT IGNORED",
        (false, true) => "INVISIBLE",
        (false, false) => "VISIBLE",
    }
}

fn check_definition(check: &Check) -> String {
    match &check.name {
        Some(name) => format!("CONSTRAINT {} CHECK ({})", quote(name), check.expression),
        None => format!("CHECK ({})", check.expression),
    }
}

pub fn foreign_key_definition(key: &ForeignKey) -> String {
    let name = key
        .name
        .as_ref()
        .map(|n| format!("CONSTRAINT {} ", quote(n)))
        .unwrap_or_default();
    format!(
        "{name}FOREIGN KEY ({}) REFERENCES {} ({}) ON DELETE {} ON UPDATE {}",
        column_list(&key.columns),
        quote(&key.ref_table),
        column_list(&key.ref_columns),
        key.on_delete.sql(),
        key.on_update.sql()
    )
}

/// Why a constraint that only changed name is dropped and added again.
fn no_rename(kind: &str, old: &str, table: &str, new: &str) -> String {
    format!(
        "{kind} {} of {} is renamed to {}: MySQL and MariaDB cannot rename a {kind}, so it is dropped and \
         added again under the new name, and adding it checks every row",
        quote(old),
        quote(table),
        quote(new)
    )
}

/// What one existing table needs.
pub struct Alteration<'a> {
    /// The live table as renames leave it, and the desired one.
    pub from: &'a Table,
    pub to: &'a Table,
    pub changes: &'a [TableChange],
    pub dropped_indexes: Vec<&'a Index>,
    pub created_indexes: Vec<&'a Index>,
    pub renamed_indexes: Vec<(&'a str, &'a str)>,
    /// Constraints renamed (MySQL renames neither kind: dropped and added).
    pub renamed_constraints: Vec<(&'a str, &'a str)>,
    pub server: &'a Server,
}

/// Clauses of an `ALTER TABLE` with their parts and hazards.
#[derive(Default)]
pub struct Clauses {
    sql: Vec<String>,
    parts: Vec<Part>,
    hazards: Vec<ClauseHazard>,
}

/// A hazard of one clause: the column it is about, when it is about one.
struct ClauseHazard {
    kind: HazardKind,
    detail: String,
    probe: Option<Probe>,
    column: Option<String>,
}

impl Clauses {
    fn push(&mut self, sql: String, part: Part) {
        self.sql.push(sql);
        self.parts.push(part);
    }

    fn hazard(&mut self, kind: HazardKind, detail: String, probe: Option<Probe>) {
        self.hazards.push(ClauseHazard {
            kind,
            detail,
            probe,
            column: None,
        });
    }

    /// [`Clauses::hazard`] about `column` (its desired name), if any.
    fn column_hazard(&mut self, kind: HazardKind, column: Option<&str>, detail: String, probe: Option<Probe>) {
        self.hazard(kind, detail, probe);
        if let Some(hazard) = self.hazards.last_mut() {
            hazard.column = column.map(str::to_string);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.sql.is_empty()
    }

    /// One `ALTER TABLE` of all clauses; a copying one says so as a hazard.
    /// `explicit`: append `ALGORITHM=…, LOCK=…` so the server refuses to
    /// fall back to a heavier algorithm than the plan said.
    pub fn statement(self, table: &Table, server: &Server, explicit: bool) -> Statement {
        let algorithm = online::statement_algorithm(&self.parts, server);
        let mut sql = format!("ALTER TABLE {}\n  {}", quote(&table.name), self.sql.join(",\n  "));
        if explicit {
            sql.push_str(&format!(",\n  ALGORITHM={}", algorithm.sql()));
            if algorithm != Algorithm::Instant {
                sql.push_str(&format!(", LOCK={}", algorithm.lock()));
            }
        }
        let mut statement = Statement::ddl(sql);
        for hazard in self.hazards {
            statement = statement.with_table_hazard(hazard.kind, table.name.clone(), hazard.detail);
            if let Some(probe) = hazard.probe {
                statement = statement.with_probe(probe);
            }
            // One ALTER TABLE holds the hazards of several clauses: the
            // column is this hazard's alone.
            if let Some(last) = statement.hazards.last_mut() {
                last.column = hazard.column;
            }
        }
        if algorithm == Algorithm::Copy {
            let name = quote(&table.name);
            statement = statement
                .with_table_hazard(
                    HazardKind::RewritesTable,
                    table.name.clone(),
                    format!(
                        "ALTER TABLE {name} copies every row into a new table (ALGORITHM=COPY): writes wait until it is done"
                    ),
                )
                .with_probe(Probe::rows(
                    name.clone(),
                    "each is copied while writes to the table wait",
                ))
                .locking(
                    table.name.clone(),
                    name.clone(),
                    format!(
                        "copies {name} row by row (ALGORITHM=COPY): other sessions can read it, but every write \
                         waits until the copy is done"
                    ),
                );
        }
        statement
    }
}

impl Alteration<'_> {
    /// The clauses, in an order the server accepts in one statement: what
    /// goes away first, then what changes, then what is added. Foreign keys
    /// are left to the caller when `keys_apart` (they wait for other tables).
    pub fn clauses(&self, keys_apart: bool) -> (Clauses, Vec<&ForeignKey>, Vec<&ForeignKey>) {
        let (from, to) = (self.from, self.to);
        let mut out = Clauses::default();
        let (mut dropped_keys, mut added_keys) = (Vec::new(), Vec::new());
        for change in self.changes {
            match change {
                TableChange::DropForeignKey(key) => dropped_keys.push(key),
                TableChange::AddForeignKey(key) => added_keys.push(key),
                _ => {}
            }
        }
        for (old, new) in &self.renamed_constraints {
            if let Some(key) = to.foreign_keys.iter().find(|k| k.name.as_deref() == Some(new)) {
                out.push(format!("DROP FOREIGN KEY {}", quote(old)), Part::DropForeignKey);
                added_keys.push(key);
            } else if let Some(check) = to.checks.iter().find(|c| c.name.as_deref() == Some(new)) {
                out.push(format!("DROP CONSTRAINT {}", quote(old)), Part::DropCheck);
                out.push(format!("ADD {}", check_definition(check)), Part::AddCheck);
            }
        }
        if !keys_apart {
            for key in &dropped_keys {
                if let Some(name) = &key.name {
                    out.push(format!("DROP FOREIGN KEY {}", quote(name)), Part::DropForeignKey);
                }
            }
        }
        for (old, new) in &self.renamed_indexes {
            out.push(
                format!("RENAME INDEX {} TO {}", quote(old), quote(new)),
                Part::RenameIndex,
            );
        }
        for change in self.changes {
            if let TableChange::RenameColumn { from: old, to: new } = change {
                // A column renamed and redefined at once is one `CHANGE
                // COLUMN` (modify_columns): the server refuses a `MODIFY` of
                // the new name beside the `RENAME` in one statement.
                if !to.column(new).is_some_and(|column| self.redefines(column)) {
                    out.push(
                        format!("RENAME COLUMN {} TO {}", quote(old), quote(new)),
                        Part::RenameColumn,
                    );
                }
                out.column_hazard(
                    HazardKind::RenamesColumn,
                    Some(new),
                    format!("column {} is renamed to {}", column_subject(&to.name, old), quote(new)),
                    None,
                );
            }
        }
        for change in self.changes {
            match change {
                TableChange::DropCheck(check) => {
                    if let Some(name) = &check.name {
                        out.push(format!("DROP CONSTRAINT {}", quote(name)), Part::DropCheck);
                    }
                }
                TableChange::DropUnique(unique) => {
                    if let Some(name) = &unique.name {
                        out.push(format!("DROP INDEX {}", quote(name)), Part::DropIndex);
                    }
                }
                _ => {}
            }
        }
        let visibility_only = |index: &Index| -> bool {
            to.indexes.get(&index.name).is_some_and(|new| {
                new.ignored != index.ignored
                    && Index {
                        ignored: index.ignored,
                        ..new.clone()
                    } == *index
            })
        };
        for index in &self.dropped_indexes {
            if !visibility_only(index) {
                out.push(format!("DROP INDEX {}", quote(&index.name)), Part::DropIndex);
            }
        }
        if let Some(TableChange::SetPrimaryKey { from: Some(_), .. }) = self
            .changes
            .iter()
            .find(|c| matches!(c, TableChange::SetPrimaryKey { .. }))
        {
            out.push("DROP PRIMARY KEY".to_string(), Part::DropPrimaryKey);
        }
        for change in self.changes {
            if let TableChange::DropColumn(column) = change {
                out.push(format!("DROP COLUMN {}", quote(&column.name)), Part::DropColumn);
                out.hazard(
                    HazardKind::DropsColumn,
                    format!(
                        "column {} and its values are deleted",
                        column_subject(&to.name, &column.name)
                    ),
                    None,
                );
            }
        }
        self.modify_columns(&mut out);
        let existing: BTreeSet<&str> = from.columns.iter().map(|c| c.name.as_str()).collect();
        let last_existing = to.columns.iter().rposition(|c| existing.contains(c.name.as_str()));
        for (at, column) in to.columns.iter().enumerate() {
            if existing.contains(column.name.as_str()) {
                continue;
            }
            let last = last_existing.is_none_or(|l| at > l);
            out.push(
                format!(
                    "ADD COLUMN {}{}",
                    definition(to, column, Collation::Effective),
                    position(to, &column.name)
                ),
                Part::AddColumn { last },
            );
        }
        if let Some(TableChange::SetPrimaryKey { to: Some(key), .. }) = self
            .changes
            .iter()
            .find(|c| matches!(c, TableChange::SetPrimaryKey { .. }))
        {
            out.push(
                format!("ADD PRIMARY KEY ({})", column_list(&key.columns)),
                Part::AddPrimaryKey,
            );
        }
        for index in &self.created_indexes {
            if from.indexes.get(&index.name).is_some_and(&visibility_only) {
                out.push(
                    format!(
                        "ALTER INDEX {} {}",
                        quote(&index.name),
                        visibility(self.server, index.ignored)
                    ),
                    Part::IndexVisibility,
                );
                continue;
            }
            let part = match index.kind.as_deref() {
                Some("FULLTEXT") => Part::AddFulltextIndex,
                Some("SPATIAL") => Part::AddSpatialIndex,
                _ => Part::AddIndex,
            };
            out.push(format!("ADD {}", index_definition(index, self.server)), part);
            if index.unique {
                self.unique_hazard(&mut out, index);
            }
        }
        for change in self.changes {
            match change {
                TableChange::AddUnique(unique) => {
                    let name = unique
                        .name
                        .as_ref()
                        .map(|n| format!("{} ", quote(n)))
                        .unwrap_or_default();
                    out.push(
                        format!("ADD UNIQUE INDEX {name}({})", column_list(&unique.columns)),
                        Part::AddIndex,
                    );
                }
                TableChange::AddCheck(check) => {
                    out.push(format!("ADD {}", check_definition(check)), Part::AddCheck);
                    let renamed = renamed_checks(self.changes)
                        .into_iter()
                        .find(|(_, new)| check.name.as_deref() == Some(*new));
                    if let Some((old, new)) = renamed {
                        out.hazard(HazardKind::RewritesTable, no_rename("check", old, &to.name, new), None);
                    }
                    let probe = self.all_live(&self.check_columns(check)).then(|| {
                        Probe::matching(
                            quote(&from.name),
                            format!("{} CHECK ({})", quote(&from.name), check.expression),
                            format!("NOT ({})", check.expression),
                            ("row violates", "rows violate"),
                            "adding the check will fail",
                        )
                    });
                    out.hazard(
                        HazardKind::MayFailOnExistingRows,
                        format!(
                            "check ({}) on {} may fail on existing rows",
                            check.expression,
                            quote(&to.name)
                        ),
                        probe,
                    );
                }
                _ => {}
            }
        }
        if let Some(TableChange::SetOptions { from: old, to: new }) = self
            .changes
            .iter()
            .find(|c| matches!(c, TableChange::SetOptions { .. }))
        {
            for option in new.iter().filter(|o| !old.contains(o)) {
                if let Some(engine) = option.strip_prefix(ENGINE) {
                    out.push(format!("ENGINE={engine}"), Part::ChangeEngine);
                } else if let Some(collation) = option.strip_prefix(COLLATE) {
                    out.push(format!("DEFAULT COLLATE={collation}"), Part::TableMetadata);
                } else if let Some(format) = option.strip_prefix(ROW_FORMAT) {
                    out.push(format!("ROW_FORMAT={format}"), Part::ChangeRowFormat);
                }
            }
            if old.iter().any(|o| o.starts_with(ROW_FORMAT)) && !new.iter().any(|o| o.starts_with(ROW_FORMAT)) {
                out.push("ROW_FORMAT=DEFAULT".to_string(), Part::ChangeRowFormat);
            }
        }
        if let Some(TableChange::SetComment { to: comment, .. }) = self
            .changes
            .iter()
            .find(|c| matches!(c, TableChange::SetComment { .. }))
        {
            out.push(
                format!("COMMENT={}", literal(comment.as_deref().unwrap_or_default())),
                Part::TableMetadata,
            );
        }
        if keys_apart {
            return (out, dropped_keys, added_keys);
        }
        for key in &added_keys {
            out.push(format!("ADD {}", foreign_key_definition(key)), Part::AddForeignKey);
            self.foreign_key_hazard(&mut out, key);
        }
        (out, Vec::new(), Vec::new())
    }

    /// One `MODIFY COLUMN` per column whose definition changes, including
    /// those following a changed table collation.
    fn modify_columns(&self, out: &mut Clauses) {
        let (from, to) = (self.from, self.to);
        for column in &to.columns {
            let Some(old) = from.column(&column.name) else { continue };
            if !self.redefines(column) {
                continue;
            }
            let (old_attributes, new_attributes) =
                (from.column_attributes(&column.name), to.column_attributes(&column.name));
            let follows_table = self.follows_table_collation(column);
            let part = if old.data_type != column.data_type {
                let extends = match (enum_values(&old.data_type), enum_values(&column.data_type)) {
                    (Some(a), Some(b)) => b.len() > a.len() && b.starts_with(&a),
                    _ => false,
                };
                if extends {
                    Part::ExtendEnum
                } else {
                    Part::ChangeType
                }
            } else if old.collation != column.collation
                || follows_table
                || old_attributes.generated != new_attributes.generated
                || old_attributes.generated_virtual != new_attributes.generated_virtual
                || old_attributes.auto_increment != new_attributes.auto_increment
            {
                Part::ChangeType
            } else if old.nullable != column.nullable {
                Part::Nullability
            } else {
                Part::ColumnMetadata
            };
            let definition = definition(to, column, Collation::Effective);
            let live_name = self.live_column(&column.name);
            let clause = if live_name == column.name {
                format!("MODIFY COLUMN {definition}")
            } else {
                format!("CHANGE COLUMN {} {definition}", quote(live_name))
            };
            out.push(clause, part);
            self.column_hazards(out, old, column);
        }
    }

    /// Whether the desired `column` is defined otherwise than its live self
    /// (under the name renames give it): type, nullability, default,
    /// attributes, or a collation that follows a changed table default.
    fn redefines(&self, column: &Column) -> bool {
        let (from, to) = (self.from, self.to);
        from.column(&column.name).is_some_and(|old| {
            old != column
                || from.column_attributes(&column.name) != to.column_attributes(&column.name)
                || self.follows_table_collation(column)
        })
    }

    /// Whether `column` inherits a table collation that changes.
    fn follows_table_collation(&self, column: &Column) -> bool {
        table_collation(self.from) != table_collation(self.to)
            && column.collation.is_none()
            && columns::is_character(&column.data_type)
    }

    fn column_hazards(&self, out: &mut Clauses, old: &Column, new: &Column) {
        let subject = column_subject(&self.to.name, &new.name);
        // Probes read the live table, where a renamed column has its old name.
        let column = quote(self.live_column(&new.name));
        let consequence = "the change fails on them, or cuts them where the SQL mode is not strict";
        if let (Some(before), Some(after)) = (enum_values(&old.data_type), enum_values(&new.data_type)) {
            let removed: Vec<&String> = before.iter().filter(|v| !after.contains(v)).collect();
            if !removed.is_empty() {
                let list: Vec<String> = removed.iter().map(|v| literal(v)).collect();
                // A SET value holds several members: each one is looked for.
                let predicate = if columns::base_type(&old.data_type) == "set" {
                    list.iter()
                        .map(|v| format!("FIND_IN_SET({v}, {column}) > 0"))
                        .collect::<Vec<_>>()
                        .join(" OR ")
                } else {
                    format!("{column} IN ({})", list.join(", "))
                };
                out.column_hazard(
                    HazardKind::DropsEnumValue,
                    Some(&new.name),
                    format!("column {subject} loses the values {}", list.join(", ")),
                    Some(Probe::matching(
                        quote(&self.from.name),
                        format!("column {subject}"),
                        predicate,
                        ("row holds a removed value", "rows hold a removed value"),
                        consequence,
                    )),
                );
            }
        } else if old.data_type != new.data_type && narrows(&old.data_type, &new.data_type) {
            let probe = narrowing::cut(&column, &old.data_type, &new.data_type).map(|cut| {
                Probe::matching(
                    quote(&self.from.name),
                    format!("column {subject}"),
                    cut.predicate,
                    (&cut.noun.0, &cut.noun.1),
                    consequence,
                )
            });
            out.column_hazard(
                HazardKind::NarrowsType,
                Some(&new.name),
                format!("column {subject} changes from {} to {}", old.data_type, new.data_type),
                probe,
            );
        }
        if old.nullable && !new.nullable {
            out.column_hazard(
                HazardKind::MayFailOnExistingRows,
                Some(&new.name),
                format!("column {subject} becomes NOT NULL"),
                Some(Probe::matching(
                    quote(&self.from.name),
                    format!("column {subject}"),
                    format!("{column} IS NULL"),
                    ("NULL value", "NULL values"),
                    "NOT NULL will fail",
                )),
            );
        }
    }

    fn unique_hazard(&self, out: &mut Clauses, index: &Index) {
        let columns: Vec<String> = index
            .parts
            .iter()
            .filter_map(|p| match &p.key {
                IndexKey::Column(c) => Some(c.clone()),
                IndexKey::Expression(_) => None,
            })
            .collect();
        let probe = (columns.len() == index.parts.len() && self.all_live(&columns)).then(|| Probe {
            table: quote(&self.from.name),
            subject: format!("{} ({})", quote(&self.to.name), column_list(&columns)),
            count: Count::Duplicates {
                keys: columns.iter().map(|c| quote(c)).collect(),
                nulls_equal: false,
                filter: None,
                consequence: "the unique index will fail".to_string(),
            },
        });
        out.column_hazard(
            HazardKind::MayFailOnExistingRows,
            index.first_column(),
            format!(
                "unique index {} on {} may fail on duplicate rows",
                quote(&index.name),
                quote(&self.to.name)
            ),
            probe,
        );
    }

    /// Hazard of a foreign key added to this (existing) table.
    pub fn foreign_key_hazard(&self, out: &mut Clauses, key: &ForeignKey) {
        let renamed = renamed_foreign_keys(self.changes)
            .into_iter()
            .find(|(_, new)| key.name.as_deref() == Some(*new));
        if let Some((old, new)) = renamed {
            out.hazard(
                HazardKind::RewritesTable,
                no_rename("foreign key", old, &self.to.name, new),
                None,
            );
        }
        let probe = self.all_live(&key.columns).then(|| Probe {
            table: quote(&self.from.name),
            subject: quote(&self.from.name),
            count: Count::Orphans {
                columns: key.columns.iter().map(|c| quote(c)).collect(),
                parent: quote(&key.ref_table),
                parent_columns: key.ref_columns.iter().map(|c| quote(c)).collect(),
            },
        });
        out.column_hazard(
            HazardKind::MayFailOnExistingRows,
            key.columns.first().map(String::as_str),
            format!(
                "foreign key ({}) of {} may fail on rows without a parent in {}",
                column_list(&key.columns),
                quote(&self.to.name),
                quote(&key.ref_table)
            ),
            probe,
        );
    }

    /// The name `column` (desired) has in the live database: its old name
    /// when this plan renames it.
    fn live_column<'b>(&'b self, column: &'b str) -> &'b str {
        self.changes
            .iter()
            .find_map(|change| match change {
                TableChange::RenameColumn { from, to } if to == column => Some(from.as_str()),
                _ => None,
            })
            .unwrap_or(column)
    }

    /// Whether all `columns` exist in the live table (new ones hold no values).
    fn all_live(&self, columns: &[String]) -> bool {
        columns.iter().all(|c| self.from.column(c).is_some())
    }

    /// Columns of the table a check mentions by quoted name.
    fn check_columns(&self, check: &Check) -> Vec<String> {
        self.to
            .columns
            .iter()
            .filter(|c| check.expression.contains(&quote(&c.name)))
            .map(|c| c.name.clone())
            .collect()
    }
}

impl Clauses {
    pub fn drop_foreign_key(&mut self, key: &ForeignKey) {
        if let Some(name) = &key.name {
            self.push(format!("DROP FOREIGN KEY {}", quote(name)), Part::DropForeignKey);
        }
    }

    /// The clauses as one `ALTER TABLE` of a table that holds no rows yet:
    /// nothing to copy, so no classification.
    pub fn plain(self, table: &Table) -> Statement {
        Statement::ddl(format!(
            "ALTER TABLE {}\n  {}",
            quote(&table.name),
            self.sql.join(",\n  ")
        ))
    }

    pub fn add_foreign_key(&mut self, key: &ForeignKey) {
        self.push(format!("ADD {}", foreign_key_definition(key)), Part::AddForeignKey);
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::diff::diff;
    use crate::engine::model::{Column, Index, Schema, Table};
    use crate::engine::mysql::connect::Server;
    use crate::engine::mysql::render::{render, RenderOptions};

    fn schema(ignored_index: bool) -> Schema {
        let mut table = Table::new("t");
        table.columns.push(Column {
            name: "a".into(),
            data_type: "int".into(),
            nullable: true,
            default: None,
            collation: None,
        });
        if ignored_index {
            table.indexes.insert(
                "ix_a".into(),
                Index {
                    ignored: true,
                    ..Index::on_column("ix_a", "a")
                },
            );
        }
        let mut schema = Schema::default();
        schema.tables.insert("t".into(), table);
        schema
    }

    fn sql(live: &Schema, desired: &Schema, server: &str) -> String {
        let options = RenderOptions {
            explicit_algorithm: false,
        };
        render(
            &diff(live, desired),
            live,
            desired,
            &Server::from_version(server),
            options,
        )
        .into_iter()
        .map(|s| s.sql)
        .collect::<Vec<_>>()
        .join(";\n")
    }

    #[test]
    fn an_ignored_index_is_spelled_as_each_server_spells_it() {
        let (empty, plain, ignored) = (Schema::default(), schema(false), schema(true));
        for (server, word) in [("10.11.6-MariaDB", "IGNORED"), ("8.0.36", "INVISIBLE")] {
            let created = sql(&empty, &ignored, server);
            assert!(created.contains(&format!("INDEX `ix_a` (`a`) {word}\n)")), "{created}");
            let added = sql(&plain, &ignored, server);
            assert!(added.contains(&format!("ADD INDEX `ix_a` (`a`) {word}")), "{added}");
        }
    }
}
