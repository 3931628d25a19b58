//! The dialect-neutral schema model: what a database looks like, with nothing
//! about how it was written. Every collection has a deterministic order so that
//! two inspections of the same database serialize byte-for-byte the same.
//!
//! Expressions (defaults, checks, index predicates, view bodies) are kept as SQL
//! text in the dialect's canonical spelling; the driver that produced the model
//! is responsible for making equal things spell the same.

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::annotations::Annotations;
pub use super::comments::{Comment, CommentKind};
pub use super::privileges::{DefaultPrivileges, ObjectPrivileges, Owner};

thread_local! {
    /// Set while [`to_complete_json`] serializes.
    static COMPLETE: Cell<bool> = const { Cell::new(false) };
}

/// Fields that are not part of a schema's identity (what orders statements,
/// how the source spelled things, what is not managed) are left out of its
/// serialized form, and so of its hash, except while [`to_complete_json`]
/// writes the whole model (for the normalization cache).
fn identity_only<T>(_: &T) -> bool {
    !COMPLETE.with(Cell::get)
}

/// The whole of `value`, identity or not, as JSON; deserializing it gives the
/// same model back.
pub fn to_complete_json<T: Serialize>(value: &T) -> serde_json::Result<Vec<u8>> {
    COMPLETE.with(|complete| complete.set(true));
    let json = serde_json::to_vec(value);
    COMPLETE.with(|complete| complete.set(false));
    json
}

/// The sha256 of [`to_complete_json`], without holding the JSON: a large
/// schema's is megabytes.
pub fn complete_json_sha256<T: Serialize>(value: &T) -> serde_json::Result<[u8; 32]> {
    use sha2::Digest;
    let mut hasher = sha2::Sha256::new();
    COMPLETE.with(|complete| complete.set(true));
    let written = serde_json::to_writer(&mut hasher, value);
    COMPLETE.with(|complete| complete.set(false));
    written.map(|()| hasher.finalize().into())
}

/// A whole schema (for SQLite: the `main` database; for PostgreSQL: every
/// managed namespace of one database).
///
/// Keys are the names a dialect uses to tell objects apart: bare names in
/// SQLite, quoted-where-needed qualified names (`public.users`,
/// `"My App".t`) in PostgreSQL. The collections after `triggers` are empty
/// for dialects that lack them and then leave the serialized form (and so the
/// hash) unchanged.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    pub tables: BTreeMap<String, Table>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub views: BTreeMap<String, View>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub triggers: BTreeMap<String, Trigger>,
    /// Namespaces (PostgreSQL `CREATE SCHEMA`), keyed by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub namespaces: BTreeMap<String, Namespace>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extensions: BTreeMap<String, Extension>,
    /// Collations (PostgreSQL `CREATE COLLATION`), keyed by qualified name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub collations: BTreeMap<String, Collation>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub enums: BTreeMap<String, EnumType>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub domains: BTreeMap<String, Domain>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sequences: BTreeMap<String, Sequence>,
    /// Functions, procedures and aggregates, keyed by qualified name and
    /// argument types.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub routines: BTreeMap<String, Routine>,
    /// Composite types (`CREATE TYPE … AS (…)`), keyed by qualified name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub composites: BTreeMap<String, CompositeType>,
    /// Range types (`CREATE TYPE … AS RANGE`), keyed by qualified name;
    /// each brings its multirange type along.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub ranges: BTreeMap<String, RangeType>,
    /// Rules (`CREATE RULE`) on tables and views, keyed by
    /// `relation_key.rule_name` (a view's own `_RETURN` rule is its query).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub rules: BTreeMap<String, Rule>,
    /// Extended statistics objects (`CREATE STATISTICS`), keyed by
    /// qualified name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub statistics: BTreeMap<String, StatisticsObject>,
    /// Comments on objects other than tables and table columns (those are
    /// on [`Table`]), keyed by [`Comment::key`].
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub comments: BTreeMap<String, Comment>,
    /// Grants on objects that differ from their built-in ones, keyed by
    /// [`ObjectRef::key`](super::privileges::ObjectRef::key) (see
    /// [`privileges`](super::privileges)).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub privileges: BTreeMap<String, ObjectPrivileges>,
    /// Owners other than the inspecting role, keyed like `privileges`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub owners: BTreeMap<String, Owner>,
    /// The sequences of identity columns (not objects of their own: they
    /// come and go with their column), sequence key → table key, so that
    /// grants on them are managed. Read with the privileges; the columns
    /// are the identity, so this is not.
    #[serde(default, skip_serializing_if = "identity_only")]
    pub identity_sequences: BTreeMap<String, String>,
    /// `ALTER DEFAULT PRIVILEGES`, keyed by [`DefaultPrivileges::key`].
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub default_privileges: BTreeMap<String, DefaultPrivileges>,
    /// The desired SQL declares privileges (`GRANT`, `REVOKE`, `ALTER
    /// DEFAULT PRIVILEGES`), so they are managed. Read from the source, so
    /// not part of the schema's identity.
    #[serde(default, skip_serializing_if = "identity_only")]
    pub privileges_declared: bool,
    /// Objects the inspector saw but does not manage (e.g. `partitioned table
    /// public.events`): left alone, and reported as plan warnings. Not part
    /// of the schema's identity, so not serialized (or hashed).
    #[serde(default, skip_serializing_if = "identity_only")]
    pub unmanaged: Vec<String>,
    /// What the desired SQL's comments declare (renames, the models tables
    /// come from): read from the source, never from a database, so not part
    /// of the schema's identity either.
    #[serde(skip)]
    pub annotations: Annotations,
    /// Defaults, checks, indexes, triggers and domains that call each
    /// routine (PostgreSQL's `pg_depend`): they order statements, so like
    /// [`Dependencies`] they are not part of the schema's identity.
    #[serde(default, skip_serializing_if = "identity_only")]
    pub routine_users: RoutineUsers,
    /// How the source wrote its views and triggers (see [`AsWritten`]).
    #[serde(default, skip_serializing_if = "identity_only")]
    pub written: AsWritten,
    /// The server the schema was read from (`VERSION()`), for dialects whose
    /// DDL depends on flavour and version (MySQL/MariaDB's online DDL): the
    /// renderer reads it from the live schema. Not part of the identity.
    #[serde(default, skip_serializing_if = "identity_only")]
    pub server: Option<String>,
}

impl Schema {
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
            && self.views.is_empty()
            && self.triggers.is_empty()
            && self.namespaces.is_empty()
            && self.extensions.is_empty()
            && self.collations.is_empty()
            && self.enums.is_empty()
            && self.domains.is_empty()
            && self.sequences.is_empty()
            && self.routines.is_empty()
            && self.composites.is_empty()
            && self.ranges.is_empty()
            && self.rules.is_empty()
            && self.statistics.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    pub name: String,
    /// The namespace holding the table, for dialects that have them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
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
    /// Dialect table options in canonical spelling, e.g. SQLite's `STRICT`,
    /// `WITHOUT ROWID`, PostgreSQL's `UNLOGGED`.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub options: BTreeSet<String>,
    /// Exclusion constraints (PostgreSQL), sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclusions: Vec<Exclusion>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Row-level security policies (PostgreSQL), sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<Policy>,
    /// Column attributes only some dialects have (identity, generated
    /// expressions, comments), keyed by column name; absent when all are unset.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub column_attributes: BTreeMap<String, ColumnAttributes>,
    /// The partition key of a partitioned table (PostgreSQL's
    /// `pg_get_partkeydef`: `RANGE (at)`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition_key: Option<String>,
    /// For a partition: the key of its parent table and its bound
    /// (`FOR VALUES FROM (…) TO (…)`). A partition's columns, and the
    /// constraints and indexes it inherits, belong to the parent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition_of: Option<Partition>,
    /// Keys of the tables this one inherits from (PostgreSQL `INHERITS`),
    /// in the order PostgreSQL keeps them. The columns and checks it
    /// inherits belong to its parents: they are not in `columns`/`checks`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inherits: Vec<String>,
    /// How the source wrote the defaults, checks and index expressions the
    /// model keeps normalized (see [`AsWritten`]).
    #[serde(default, skip_serializing_if = "identity_only")]
    pub written: AsWritten,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Partition {
    pub parent: String,
    pub bound: String,
}

impl Table {
    pub fn new(name: impl Into<String>) -> Table {
        Table {
            name: name.into(),
            namespace: None,
            columns: Vec::new(),
            primary_key: None,
            uniques: Vec::new(),
            indexes: BTreeMap::new(),
            foreign_keys: Vec::new(),
            checks: Vec::new(),
            options: BTreeSet::new(),
            exclusions: Vec::new(),
            policies: Vec::new(),
            comment: None,
            column_attributes: BTreeMap::new(),
            partition_key: None,
            partition_of: None,
            inherits: Vec::new(),
            written: AsWritten::default(),
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
        self.exclusions.sort();
        self.policies.sort();
    }

    pub fn column_attributes(&self, column: &str) -> ColumnAttributes {
        self.column_attributes.get(column).cloned().unwrap_or_default()
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

/// Column attributes beyond [`Column`], for dialects that have them.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ColumnAttributes {
    /// `GENERATED … AS IDENTITY`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
    /// The identity's sequence options, canonical:
    /// `START WITH 1 INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 CACHE 1 NO CYCLE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_options: Option<String>,
    /// What the identity's sequence handed out last (live databases only).
    #[serde(default, skip_serializing_if = "identity_only")]
    pub identity_last_value: LastValue,
    /// The expression of a `GENERATED ALWAYS AS (…) STORED` column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated: Option<String>,
    /// The generated column is computed when read (`VIRTUAL`, SQLite's and
    /// MySQL's default), not stored; only with `generated`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub generated_virtual: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// MySQL `AUTO_INCREMENT` (its counter is data, not schema).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub auto_increment: bool,
    /// MySQL `ON UPDATE` expression (`current_timestamp()`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_update: Option<String>,
    /// MySQL/MariaDB `INVISIBLE`: left out of `SELECT *`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub invisible: bool,
}

impl ColumnAttributes {
    pub fn is_empty(&self) -> bool {
        *self == ColumnAttributes::default()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Identity {
    Always,
    ByDefault,
}

impl Identity {
    pub fn sql(self) -> &'static str {
        match self {
            Identity::Always => "ALWAYS",
            Identity::ByDefault => "BY DEFAULT",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrimaryKey {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub columns: Vec<String>,
    /// SQLite `INTEGER PRIMARY KEY AUTOINCREMENT`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub autoincrement: bool,
    /// `DEFERRABLE` (PostgreSQL).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deferrable: bool,
    /// `INITIALLY DEFERRED` (PostgreSQL).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub initially_deferred: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct UniqueConstraint {
    pub columns: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `DEFERRABLE` (PostgreSQL).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deferrable: bool,
    /// `INITIALLY DEFERRED` (PostgreSQL).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub initially_deferred: bool,
    /// `NULLS NOT DISTINCT` (PostgreSQL 15+): rows whose key holds NULLs
    /// clash like any others.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub nulls_not_distinct: bool,
}

impl UniqueConstraint {
    /// A plain unique constraint over `columns`.
    pub fn new(columns: Vec<String>, name: Option<String>) -> UniqueConstraint {
        UniqueConstraint {
            columns,
            name,
            deferrable: false,
            initially_deferred: false,
            nulls_not_distinct: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    pub name: String,
    pub unique: bool,
    pub parts: Vec<IndexPart>,
    /// The `WHERE` predicate of a partial index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predicate: Option<String>,
    /// For dialects that keep an index whole: its canonical definition after
    /// `CREATE [UNIQUE] INDEX name ON ` (PostgreSQL's `pg_get_indexdef`), which
    /// then says everything `parts` and `predicate` would.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition: Option<String>,
    /// An index the database does not use: PostgreSQL leaves one behind when
    /// `CREATE INDEX CONCURRENTLY` fails. It never equals a desired index,
    /// so the next plan drops and builds it again.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub invalid: bool,
    /// MySQL `FULLTEXT` or `SPATIAL`; absent for an ordinary (B-tree) index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// An index the optimizer ignores (MySQL `INVISIBLE`, MariaDB `IGNORED`)
    /// but keeps up to date.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ignored: bool,
}

impl Index {
    /// A plain (non-unique, B-tree) index on one column.
    pub fn on_column(name: &str, column: &str) -> Index {
        Index {
            name: name.to_string(),
            unique: false,
            parts: vec![IndexPart {
                key: IndexKey::Column(column.to_string()),
                descending: false,
                collation: None,
                length: None,
            }],
            predicate: None,
            definition: None,
            invalid: false,
            kind: None,
            ignored: false,
        }
    }

    /// The column its first key is, when it is a column (what a hazard
    /// about the index points at in the model).
    pub fn first_column(&self) -> Option<&str> {
        match &self.parts.first()?.key {
            IndexKey::Column(column) => Some(column),
            IndexKey::Expression(_) => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexPart {
    pub key: IndexKey,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub descending: bool,
    /// Only when it differs from the column's own collation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
    /// MySQL prefix length: the index holds the first `length` characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<u32>,
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
    /// `MATCH FULL` (the default is `MATCH SIMPLE`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub match_full: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deferrable: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub initially_deferred: bool,
    /// Added `NOT VALID` (PostgreSQL): rows that were there before it are not
    /// known to satisfy it. A validated live key satisfies a desired
    /// `NOT VALID` one (see postgres/validity.rs).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub not_valid: bool,
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
    /// `NO INHERIT` (PostgreSQL): child tables do not get the check.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_inherit: bool,
    /// Added `NOT VALID` (PostgreSQL), as [`ForeignKey::not_valid`].
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub not_valid: bool,
}

impl Check {
    /// A plain check of `expression`.
    pub fn new(expression: String, name: Option<String>) -> Check {
        Check {
            expression,
            name,
            no_inherit: false,
            not_valid: false,
        }
    }
}

/// An exclusion constraint, kept as its canonical definition (`EXCLUDE USING …`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Exclusion {
    pub name: String,
    pub definition: String,
}

/// A row-level security policy.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Policy {
    pub name: String,
    /// `ALL`, `SELECT`, `INSERT`, `UPDATE` or `DELETE`.
    pub command: String,
    pub permissive: bool,
    /// Role names, sorted; `public` for everyone.
    pub roles: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub using: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub with_check: Option<String>,
}

/// A view, kept as its whole canonical `CREATE VIEW` statement (SQLite) or
/// its canonical query (PostgreSQL's `pg_get_viewdef`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct View {
    pub name: String,
    pub definition: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub materialized: bool,
    /// Keys of the relations, routines and types the query uses: a change
    /// to one of them may require dropping and recreating this view around it.
    #[serde(default, skip_serializing_if = "identity_only")]
    pub depends_on: Dependencies,
    /// Output columns as `name type`, in order (PostgreSQL): whether
    /// `CREATE OR REPLACE` can change the view depends on them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<String>,
    /// Indexes of a materialized view, keyed by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub indexes: BTreeMap<String, Index>,
    /// Options as `name=value`, sorted (PostgreSQL's `reloptions`:
    /// `security_barrier=true`, `check_option=local`, a materialized
    /// view's storage parameters).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
}

/// Keys of the objects (relations, routines, types) a definition uses,
/// sorted. They follow from the definition and serve only to order
/// statements, so they are not part of a schema's identity: any two compare
/// equal, and they are neither serialized nor hashed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Dependencies(pub Vec<String>);

impl PartialEq for Dependencies {
    fn eq(&self, _other: &Dependencies) -> bool {
        true
    }
}

impl Eq for Dependencies {}

impl<'a> IntoIterator for &'a Dependencies {
    type Item = &'a String;
    type IntoIter = std::slice::Iter<'a, String>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl std::ops::Deref for Dependencies {
    type Target = [String];

    fn deref(&self) -> &[String] {
        &self.0
    }
}

/// Something other than a view or routine that calls a routine; tables and
/// domains by key, the rest by name within them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum RoutineUser {
    ColumnDefault { table: String, column: String },
    Check { table: String, name: String },
    Index { table: String, name: String },
    Trigger { table: String, name: String },
    DomainCheck { domain: String, name: String },
    DomainDefault { domain: String },
}

/// Routine key → what calls it (see [`RoutineUser`]). Any two compare equal
/// for the same reason as [`Dependencies`].
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RoutineUsers(pub BTreeMap<String, BTreeSet<RoutineUser>>);

impl PartialEq for RoutineUsers {
    fn eq(&self, _other: &RoutineUsers) -> bool {
        true
    }
}

impl Eq for RoutineUsers {}

impl RoutineUsers {
    pub fn of(&self, routine_key: &str) -> impl Iterator<Item = &RoutineUser> {
        self.0.get(routine_key).into_iter().flatten()
    }

    /// Keys of the routines domain `domain_key` calls in a check or default.
    pub fn called_by_domain<'a>(&'a self, domain_key: &'a str) -> impl Iterator<Item = &'a String> + 'a {
        self.0.iter().filter_map(move |(routine, users)| {
            users
                .iter()
                .any(|u| matches!(u, RoutineUser::DomainCheck { domain, .. } | RoutineUser::DomainDefault { domain } if domain == domain_key))
                .then_some(routine)
        })
    }
}

/// How the source (desired SQL, or what a database stored) wrote what the
/// model keeps in a normalized spelling, for dialects whose database keeps
/// the text as written: a renderer that (re)creates an object writes the
/// source's text, while diff and hash compare the normalized one. Like
/// [`Dependencies`], not part of a schema's identity: any two compare equal,
/// and they are neither serialized nor hashed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AsWritten {
    /// Column name → its `DEFAULT` term as written (`(CURRENT_TIMESTAMP)`).
    pub defaults: BTreeMap<String, String>,
    /// Normalized check expression → as written.
    pub checks: BTreeMap<String, String>,
    /// Normalized index key expression or predicate → as written.
    pub index_expressions: BTreeMap<String, String>,
    /// View or trigger name → its whole `CREATE` statement as written.
    pub definitions: BTreeMap<String, String>,
    /// Generated column name → its expression as written.
    #[serde(default)]
    pub generated: BTreeMap<String, String>,
    /// Table or index name → its whole `CREATE` statement as the database
    /// stored it, for recreating the object in the source's own words.
    #[serde(default)]
    pub statements: BTreeMap<String, WrittenStatement>,
    /// Columns a table inherits and also declares itself (PostgreSQL's
    /// `attislocal` with `attinhcount > 0`): they belong to the parent like
    /// any inherited column, but outlive the parent's own, so a plan (and a
    /// replay's copy) declares them again.
    #[serde(default)]
    pub inherited_columns: Vec<Column>,
    /// Checks a table inherits and also declares itself, likewise.
    #[serde(default)]
    pub inherited_checks: Vec<Check>,
}

impl AsWritten {
    /// `normalized` as `written` wrote it, or `normalized` itself.
    pub fn spelling<'a>(written: &'a BTreeMap<String, String>, normalized: &'a str) -> &'a str {
        written.get(normalized).map_or(normalized, String::as_str)
    }

    /// The statement stored for `name`, if it still creates `object` as the
    /// model now has it.
    pub fn statement<T: Serialize>(&self, name: &str, object: &T) -> Option<&str> {
        self.statements
            .get(name)
            .filter(|statement| statement.fingerprint == fingerprint(object))
            .map(|statement| statement.sql.as_str())
    }
}

/// A whole `CREATE` statement and the fingerprint of the model object it was
/// read into. Whatever changes the object after it was read (a `skip` that
/// puts a live column back, a rename) changes the fingerprint, and the
/// renderer then writes the object from the model instead.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WrittenStatement {
    pub sql: String,
    pub fingerprint: String,
}

impl WrittenStatement {
    pub fn of<T: Serialize>(sql: impl Into<String>, object: &T) -> WrittenStatement {
        WrittenStatement {
            sql: sql.into(),
            fingerprint: fingerprint(object),
        }
    }
}

/// sha256 of the object's identity (what the schema hash sees of it).
fn fingerprint<T: Serialize>(object: &T) -> String {
    use sha2::{Digest, Sha256};
    // Serializing plain structs, strings and maps cannot fail.
    hex::encode(Sha256::digest(serde_json::to_vec(object).unwrap_or_default()))
}

impl PartialEq for AsWritten {
    fn eq(&self, _other: &AsWritten) -> bool {
        true
    }
}

impl Eq for AsWritten {}

/// A trigger, kept as its whole canonical `CREATE TRIGGER` statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trigger {
    pub name: String,
    /// Key of the table (or view) the trigger is on.
    pub table: String,
    pub definition: String,
    /// Where the trigger fires among the table's triggers of the same
    /// timing and event, for dialects where that order is declared (MySQL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<TriggerOrder>,
}

/// A trigger's place among those of one table, timing and event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TriggerOrder {
    /// `BEFORE INSERT`: the triggers it is ordered among.
    pub timing_event: String,
    /// The trigger that fires just before it; `None` for the first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follows: Option<String>,
}

/// A rewrite rule, kept as its canonical `CREATE RULE` statement
/// (`pg_get_ruledef`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub name: String,
    /// Key of the table or view the rule is on.
    pub table: String,
    pub definition: String,
}

/// An extended statistics object, kept as its canonical `CREATE
/// STATISTICS` statement (`pg_get_statisticsobjdef`) and its statistics
/// target (`ALTER STATISTICS … SET STATISTICS`; `None` for the default).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatisticsObject {
    pub namespace: String,
    pub name: String,
    /// Key of the table the statistics are on.
    pub table: String,
    pub definition: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<i32>,
}

/// A namespace (PostgreSQL schema).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Namespace {
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    pub name: String,
    pub namespace: String,
    pub version: String,
}

/// A collation: how text sorts and compares. Columns, domains and
/// composite attributes name it in their `collation` by its SQL name
/// ([`Collation::sql_name`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Collation {
    pub namespace: String,
    pub name: String,
    /// `icu` or `libc` (PostgreSQL's `collprovider`).
    pub provider: String,
    /// The ICU locale (`und-u-ks-level2`); none for libc.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// libc's `LC_COLLATE` and `LC_CTYPE`; none for ICU.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lc_collate: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lc_ctype: Option<String>,
    /// ICU tailoring rules (PostgreSQL 16+).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules: Option<String>,
    /// False for a nondeterministic collation (equal strings may differ
    /// in their bytes).
    pub deterministic: bool,
}

/// An enumerated type; `values` in their sort order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnumType {
    pub namespace: String,
    pub name: String,
    pub values: Vec<String>,
    /// How the database spells the type in column types and expressions
    /// (PostgreSQL's `format_type`: `mood`, `app."Mood"`, `"user"`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub spelling: String,
}

/// A domain: a base type with a default, nullability and checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Domain {
    pub namespace: String,
    pub name: String,
    pub data_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub not_null: bool,
    /// Named checks, sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<Check>,
    /// How the database spells the type in column types (see [`EnumType::spelling`]).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub spelling: String,
}

/// A composite type: named attributes in declaration order. Order is part of
/// its identity (row constructors and its text form depend on it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompositeType {
    pub namespace: String,
    pub name: String,
    pub attributes: Vec<CompositeAttribute>,
    /// How the database spells the type in column types (see [`EnumType::spelling`]).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub spelling: String,
}

/// A range type and the multirange type PostgreSQL creates with it. The
/// optional parts are set only when they differ from what PostgreSQL picks
/// by itself, so that a desired type that leaves them out equals the live one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RangeType {
    pub namespace: String,
    pub name: String,
    /// Canonical type spelling of the subtype (`format_type`).
    pub subtype: String,
    /// The subtype's B-tree operator class, when not its default one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtype_opclass: Option<String>,
    /// When not the subtype's default collation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
    /// The canonical function (`regproc` spelling), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canonical: Option<String>,
    /// The subtype_diff function (`regproc` spelling), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtype_diff: Option<String>,
    /// Name of the multirange type (PostgreSQL 14+), in the range's namespace.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub multirange: String,
    /// How the database spells the range type in column types (see [`EnumType::spelling`]).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub spelling: String,
    /// How it spells the multirange type.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub multirange_spelling: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompositeAttribute {
    pub name: String,
    /// Canonical type spelling (PostgreSQL's `format_type`).
    pub data_type: String,
    /// Only when it differs from the type's default collation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sequence {
    pub namespace: String,
    pub name: String,
    pub data_type: String,
    pub start: i64,
    pub increment: i64,
    pub min_value: i64,
    pub max_value: i64,
    pub cache: i64,
    pub cycle: bool,
    /// `table_key.column` of the column owning the sequence (`serial`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owned_by: Option<String>,
    /// What the live sequence handed out last (see [`LastValue`]).
    #[serde(default, skip_serializing_if = "identity_only")]
    pub last_value: LastValue,
}

/// The value a live sequence handed out last; `None` when it never did (or
/// for a sequence not read from a live database). Narrowing a sequence's
/// range past it needs a `RESTART`, so renderers look at it; but it is data,
/// not schema: like [`Dependencies`], any two compare equal, and it is
/// neither serialized nor hashed.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct LastValue(pub Option<i64>);

impl PartialEq for LastValue {
    fn eq(&self, _other: &LastValue) -> bool {
        true
    }
}

impl Eq for LastValue {}

impl PartialOrd for LastValue {
    fn partial_cmp(&self, other: &LastValue) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for LastValue {
    fn cmp(&self, _other: &LastValue) -> std::cmp::Ordering {
        std::cmp::Ordering::Equal
    }
}

/// A function or procedure, kept as its canonical `CREATE OR REPLACE` statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Routine {
    pub namespace: String,
    pub name: String,
    pub procedure: bool,
    /// An aggregate (`CREATE AGGREGATE`): `definition` is then built from
    /// `pg_aggregate`, it is dropped with `DROP AGGREGATE`, and commented on
    /// as one.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub aggregate: bool,
    /// The argument types that identify an overload, e.g. `integer, text`.
    pub identity_arguments: String,
    /// The full argument list with names and defaults; `CREATE OR REPLACE`
    /// cannot rename arguments or remove defaults, so a change needs a drop.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub arguments: String,
    /// The result type (`pg_get_function_result`); changing it needs a drop.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub result: String,
    pub definition: String,
    /// What the routine uses (see [`Dependencies`]): a SQL-standard body
    /// (`BEGIN ATOMIC`) is bound to the tables, views and routines it reads.
    #[serde(default, skip_serializing_if = "identity_only")]
    pub depends_on: Dependencies,
}
