//! The dialect-neutral schema model: what a database looks like, with nothing
//! about how it was written. Every collection has a deterministic order so that
//! two inspections of the same database serialize byte-for-byte the same.
//!
//! Expressions (defaults, checks, index predicates, view bodies) are kept as SQL
//! text in the dialect's canonical spelling; the driver that produced the model
//! is responsible for making equal things spell the same.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// A whole schema (for SQLite: the `main` database).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    pub tables: BTreeMap<String, Table>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub views: BTreeMap<String, View>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub triggers: BTreeMap<String, Trigger>,
}

impl Schema {
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty() && self.views.is_empty() && self.triggers.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    pub name: String,
    /// In declaration order. Order is not part of the schema's identity: diff
    /// and hash compare columns by name.
    pub columns: Vec<Column>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_key: Option<PrimaryKey>,
    /// Sorted (see [`Table::sort`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uniques: Vec<UniqueConstraint>,
    /// Keyed by index name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub indexes: BTreeMap<String, Index>,
    /// Sorted (see [`Table::sort`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub foreign_keys: Vec<ForeignKey>,
    /// Sorted (see [`Table::sort`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<Check>,
    /// Dialect table options in canonical spelling, e.g. SQLite's `STRICT`, `WITHOUT ROWID`.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub options: BTreeSet<String>,
}

impl Table {
    pub fn new(name: impl Into<String>) -> Table {
        Table {
            name: name.into(),
            columns: Vec::new(),
            primary_key: None,
            uniques: Vec::new(),
            indexes: BTreeMap::new(),
            foreign_keys: Vec::new(),
            checks: Vec::new(),
            options: BTreeSet::new(),
        }
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Puts the order-free collections in their canonical order.
    pub fn sort(&mut self) {
        self.uniques.sort();
        self.uniques.dedup();
        self.foreign_keys.sort();
        self.checks.sort();
    }

    /// Tables this one references through foreign keys (excluding itself).
    pub fn referenced_tables(&self) -> BTreeSet<&str> {
        self.foreign_keys
            .iter()
            .map(|fk| fk.ref_table.as_str())
            .filter(|t| *t != self.name)
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    /// The declared type in canonical spelling; empty when none was declared.
    pub data_type: String,
    pub nullable: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrimaryKey {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub columns: Vec<String>,
    /// SQLite `INTEGER PRIMARY KEY AUTOINCREMENT`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub autoincrement: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct UniqueConstraint {
    pub columns: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    pub name: String,
    pub unique: bool,
    pub parts: Vec<IndexPart>,
    /// The `WHERE` predicate of a partial index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predicate: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexPart {
    pub key: IndexKey,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub descending: bool,
    /// Only when it differs from the column's own collation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndexKey {
    Column(String),
    Expression(String),
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ForeignKey {
    pub columns: Vec<String>,
    pub ref_table: String,
    pub ref_columns: Vec<String>,
    pub on_delete: ReferentialAction,
    pub on_update: ReferentialAction,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferentialAction {
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

impl ReferentialAction {
    /// Parses the spelling catalogs use (`NO ACTION`, `SET NULL`, …), any case.
    pub fn from_sql(text: &str) -> Option<ReferentialAction> {
        let words: Vec<String> = text.split_whitespace().map(|w| w.to_ascii_uppercase()).collect();
        match words.join(" ").as_str() {
            "NO ACTION" | "NONE" | "" => Some(ReferentialAction::NoAction),
            "RESTRICT" => Some(ReferentialAction::Restrict),
            "CASCADE" => Some(ReferentialAction::Cascade),
            "SET NULL" => Some(ReferentialAction::SetNull),
            "SET DEFAULT" => Some(ReferentialAction::SetDefault),
            _ => None,
        }
    }

    pub fn sql(self) -> &'static str {
        match self {
            ReferentialAction::NoAction => "NO ACTION",
            ReferentialAction::Restrict => "RESTRICT",
            ReferentialAction::Cascade => "CASCADE",
            ReferentialAction::SetNull => "SET NULL",
            ReferentialAction::SetDefault => "SET DEFAULT",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Check {
    pub expression: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A view, kept as its whole canonical `CREATE VIEW` statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct View {
    pub name: String,
    pub definition: String,
}

/// A trigger, kept as its whole canonical `CREATE TRIGGER` statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trigger {
    pub name: String,
    pub table: String,
    pub definition: String,
}
