//! What a statement does, judged from what SQLite's authorizer was told while
//! it compiled the statement (see c_api.rs), and whether it may run.
//!
//! A definition (`CREATE`/`DROP` of a table, index, view or trigger, `ALTER
//! TABLE`) also reports the bookkeeping SQLite does for it: writes to its
//! own `sqlite_*` tables, reads of the columns it indexes or checks, the
//! functions it names, the row deletion a `DROP TABLE` implies, the queries
//! `ALTER TABLE` runs over the schema. Those are allowed inside a definition
//! and nowhere else. Trigger bodies are not compiled until the trigger fires,
//! so their `INSERT`s and `UPDATE`s report nothing here.

use std::ffi::c_int;

use libsqlite3_sys as ffi;

use crate::engine::script::RefusalReason;
use crate::engine::sqlite::c_api::Action;
use crate::engine::sqlite::render::REBUILD_PREFIX;

/// Which statements may run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allowed {
    /// Desired SQL: schema definitions, and `PRAGMA foreign_keys = …` (it
    /// changes the session only, and a plan sets it itself where it matters).
    Definitions,
    /// A plan's statements: definitions, the rows a rebuild copies from the
    /// old table into the new one, and the pragmas around a rebuild.
    PlanSteps,
    /// Data probes: queries.
    Reads,
    /// A migration file: definitions, the data changes a hand-written
    /// backfill needs (INSERT, UPDATE, DELETE of the database's own tables),
    /// and the foreign-key pragmas around a rebuild. Transaction control,
    /// attached files, temporary and virtual tables stay refused.
    Migration,
}

/// Why a statement may not run, and what SQLite saw it do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub reason: RefusalReason,
    pub detail: String,
}

/// What one authorizer action means for its statement.
enum Role {
    /// What the statement is for: at least one is needed.
    Purpose,
    /// Bookkeeping of the statement's purpose.
    Incidental,
    Refused(Refused),
}

/// Whether a statement that reported `actions` may run under `allowed`.
/// `explain`: SQLite's `sqlite3_stmt_isexplain`; `first_word`: the
/// statement's first word, used to name a statement that reported nothing
/// (`VACUUM`).
pub fn judge(allowed: Allowed, actions: &[Action], explain: bool, first_word: Option<&str>) -> Result<(), Refused> {
    if explain {
        return Err(refused(RefusalReason::Query, "EXPLAIN"));
    }
    let context = Context::of(actions);
    let mut purposeful = false;
    for action in actions {
        match role(allowed, action, &context) {
            Role::Purpose => purposeful = true,
            Role::Incidental => {}
            Role::Refused(refusal) => return Err(refusal),
        }
    }
    let word = first_word.unwrap_or_default().to_ascii_uppercase();
    // `CREATE … IF NOT EXISTS` an existing object and `DROP … IF EXISTS` a
    // missing one stop before asking the authorizer anything: they do nothing.
    let no_op = actions.is_empty()
        && matches!(allowed, Allowed::Definitions | Allowed::Migration)
        && (word == "CREATE" || word == "DROP");
    if purposeful || no_op {
        return Ok(());
    }
    let reason = match word.as_str() {
        "VACUUM" | "REINDEX" | "ANALYZE" => RefusalReason::Maintenance,
        "SELECT" | "VALUES" | "WITH" => RefusalReason::Query,
        _ => RefusalReason::NotSchemaDefinition,
    };
    let detail = if word.is_empty() {
        "a statement SQLite reports no definition for".to_string()
    } else {
        word
    };
    Err(refused(reason, detail))
}

/// What the whole statement reported, which decides some actions' roles.
struct Context {
    /// Whether the statement creates, drops or alters something, even
    /// something refused (a temporary or virtual table).
    defines: bool,
    alters_table: bool,
    /// The table a `CREATE TABLE` names.
    creates_table: Option<String>,
    /// The table or view a `DROP` drops (SQLite reports deleting its rows).
    drops: Option<String>,
    /// The index a `CREATE INDEX` creates (SQLite reports building it as a reindex).
    creates_index: Option<String>,
    /// An `INSERT` of the rows of the old table of a rebuild.
    copies_rows: bool,
    /// An `INSERT`, `UPDATE` or `DELETE` of one of the database's own tables.
    changes_data: bool,
}

impl Context {
    fn of(actions: &[Action]) -> Context {
        let named = |code: c_int| {
            actions
                .iter()
                .find(|a| a.code == code)
                .map(|a| a.first.clone().unwrap_or_default())
        };
        Context {
            defines: actions.iter().any(|a| {
                DEFINITIONS.contains(&a.code)
                    || TEMPORARY.iter().any(|(code, _)| *code == a.code)
                    || [ffi::SQLITE_CREATE_VTABLE, ffi::SQLITE_DROP_VTABLE].contains(&a.code)
            }),
            alters_table: actions.iter().any(|a| a.code == ffi::SQLITE_ALTER_TABLE),
            creates_table: named(ffi::SQLITE_CREATE_TABLE),
            drops: named(ffi::SQLITE_DROP_TABLE).or_else(|| named(ffi::SQLITE_DROP_VIEW)),
            creates_index: named(ffi::SQLITE_CREATE_INDEX),
            copies_rows: actions.iter().any(|a| a.code == ffi::SQLITE_INSERT)
                && actions
                    .iter()
                    .any(|a| a.code == ffi::SQLITE_READ && is_rebuild_table(a.first.as_deref())),
            changes_data: actions.iter().any(|a| {
                [ffi::SQLITE_INSERT, ffi::SQLITE_UPDATE, ffi::SQLITE_DELETE].contains(&a.code)
                    && !is_internal(a.first.as_deref().unwrap_or_default())
            }),
        }
    }
}

const DEFINITIONS: &[c_int] = &[
    ffi::SQLITE_CREATE_INDEX,
    ffi::SQLITE_CREATE_TABLE,
    ffi::SQLITE_CREATE_TRIGGER,
    ffi::SQLITE_CREATE_VIEW,
    ffi::SQLITE_DROP_INDEX,
    ffi::SQLITE_DROP_TABLE,
    ffi::SQLITE_DROP_TRIGGER,
    ffi::SQLITE_DROP_VIEW,
    ffi::SQLITE_ALTER_TABLE,
];

/// Temporary objects, with the words that name their kind.
const TEMPORARY: &[(c_int, &str)] = &[
    (ffi::SQLITE_CREATE_TEMP_INDEX, "CREATE TEMP INDEX"),
    (ffi::SQLITE_CREATE_TEMP_TABLE, "CREATE TEMP TABLE"),
    (ffi::SQLITE_CREATE_TEMP_TRIGGER, "CREATE TEMP TRIGGER"),
    (ffi::SQLITE_CREATE_TEMP_VIEW, "CREATE TEMP VIEW"),
    (ffi::SQLITE_DROP_TEMP_INDEX, "DROP TEMP INDEX"),
    (ffi::SQLITE_DROP_TEMP_TABLE, "DROP TEMP TABLE"),
    (ffi::SQLITE_DROP_TEMP_TRIGGER, "DROP TEMP TRIGGER"),
    (ffi::SQLITE_DROP_TEMP_VIEW, "DROP TEMP VIEW"),
];

fn role(allowed: Allowed, action: &Action, context: &Context) -> Role {
    let first = action.first.as_deref().unwrap_or_default();
    let code = action.code;
    if allowed == Allowed::Reads {
        return match code {
            ffi::SQLITE_SELECT => Role::Purpose,
            ffi::SQLITE_READ | ffi::SQLITE_FUNCTION | ffi::SQLITE_RECURSIVE => Role::Incidental,
            _ => Role::Refused(refused(
                RefusalReason::NotSchemaDefinition,
                "a data probe may only read",
            )),
        };
    }
    if DEFINITIONS.contains(&code) {
        return Role::Purpose;
    }
    if let Some((_, words)) = TEMPORARY.iter().find(|(temporary, _)| *temporary == code) {
        return Role::Refused(refused(
            RefusalReason::NotSchemaDefinition,
            format!("{words} {first}: temporary objects vanish when the connection closes"),
        ));
    }
    match code {
        ffi::SQLITE_CREATE_VTABLE | ffi::SQLITE_DROP_VTABLE => Role::Refused(refused(
            RefusalReason::NotSchemaDefinition,
            format!(
                "virtual table {first} (module {}): virtual tables are not managed",
                action.second.as_deref().unwrap_or("?")
            ),
        )),
        ffi::SQLITE_INSERT | ffi::SQLITE_UPDATE | ffi::SQLITE_DELETE => data_change(allowed, action, context),
        ffi::SQLITE_READ | ffi::SQLITE_FUNCTION => Role::Incidental,
        ffi::SQLITE_SELECT | ffi::SQLITE_RECURSIVE => {
            let reads_for_its_change = match allowed {
                Allowed::PlanSteps => context.copies_rows,
                Allowed::Migration => context.changes_data,
                _ => false,
            };
            if context.alters_table || reads_for_its_change {
                Role::Incidental
            } else if let Some(table) = &context.creates_table {
                Role::Refused(refused(
                    RefusalReason::ExecutesCode,
                    format!("CREATE TABLE {table} AS SELECT copies the rows of a query"),
                ))
            } else {
                Role::Refused(refused(RefusalReason::Query, "SELECT"))
            }
        }
        ffi::SQLITE_PRAGMA => pragma(allowed, first, action.second.as_deref()),
        ffi::SQLITE_REINDEX if context.creates_index.as_deref() == Some(first) => Role::Incidental,
        ffi::SQLITE_REINDEX => Role::Refused(refused(RefusalReason::Maintenance, "REINDEX")),
        ffi::SQLITE_ANALYZE => Role::Refused(refused(RefusalReason::Maintenance, "ANALYZE")),
        ffi::SQLITE_TRANSACTION => Role::Refused(refused(RefusalReason::TransactionControl, first)),
        ffi::SQLITE_SAVEPOINT => {
            let name = action.second.as_deref().unwrap_or_default();
            let words = match first {
                "BEGIN" => format!("SAVEPOINT {name}"),
                "ROLLBACK" => format!("ROLLBACK TO {name}"),
                other => format!("{other} {name}"),
            };
            Role::Refused(refused(RefusalReason::TransactionControl, words))
        }
        ffi::SQLITE_ATTACH => Role::Refused(refused(
            RefusalReason::ServerLevel,
            if first.is_empty() {
                "ATTACH of a temporary database file".to_string()
            } else {
                format!("ATTACH opens or creates the file '{first}'")
            },
        )),
        ffi::SQLITE_DETACH => Role::Refused(refused(RefusalReason::ServerLevel, format!("DETACH {first}"))),
        other => Role::Refused(refused(
            RefusalReason::NotSchemaDefinition,
            format!("SQLite action {other}"),
        )),
    }
}

/// `INSERT`, `UPDATE` and `DELETE`: bookkeeping inside a definition, the
/// rows a rebuild copies in a plan, a data change anywhere else.
fn data_change(allowed: Allowed, action: &Action, context: &Context) -> Role {
    let table = action.first.as_deref().unwrap_or_default();
    let internal = is_internal(table);
    let dropped = action.code == ffi::SQLITE_DELETE
        && context
            .drops
            .as_deref()
            .is_some_and(|dropped| dropped.eq_ignore_ascii_case(table));
    if context.defines && (internal || dropped) {
        return Role::Incidental;
    }
    if allowed == Allowed::PlanSteps && action.code == ffi::SQLITE_INSERT && context.copies_rows {
        return Role::Purpose;
    }
    if allowed == Allowed::Migration && !internal {
        return Role::Purpose;
    }
    let words = match action.code {
        ffi::SQLITE_INSERT => format!("INSERT into {table}"),
        ffi::SQLITE_UPDATE => format!("UPDATE of {table}"),
        _ => format!("DELETE from {table}"),
    };
    Role::Refused(refused(RefusalReason::DataChange, words))
}

/// `PRAGMA foreign_keys = …` sets the session's enforcement only; a plan
/// also runs `PRAGMA foreign_key_check`, and sets `legacy_alter_table` (how
/// the session's renames treat references) around a rebuild. Every other
/// pragma is refused: they change the file (`journal_mode`,
/// `user_version`), the schema's protection (`writable_schema`) or are
/// queries.
fn pragma(allowed: Allowed, name: &str, value: Option<&str>) -> Role {
    let name = name.to_ascii_lowercase();
    let plan = matches!(allowed, Allowed::PlanSteps | Allowed::Migration);
    let harmless = match (name.as_str(), value) {
        ("foreign_keys", Some(_)) => true,
        ("foreign_key_check", None) | ("legacy_alter_table", Some(_)) => plan,
        _ => false,
    };
    if harmless {
        return Role::Purpose;
    }
    let words = match value {
        Some(value) => format!("PRAGMA {name} = {value}"),
        None => format!("PRAGMA {name}"),
    };
    Role::Refused(refused(RefusalReason::SessionChange, words))
}

/// SQLite's own tables (`sqlite_schema`, `sqlite_sequence`, …).
fn is_internal(table: &str) -> bool {
    table
        .get(..7)
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case("sqlite_"))
}

/// Whether a statement that reported `actions` sets `PRAGMA foreign_keys`:
/// SQLite ignores it inside a transaction, so it runs outside one.
pub fn sets_foreign_keys(actions: &[Action]) -> bool {
    actions.iter().any(|a| {
        a.code == ffi::SQLITE_PRAGMA
            && a.first
                .as_deref()
                .is_some_and(|p| p.eq_ignore_ascii_case("foreign_keys"))
    })
}

/// Whether a statement is `PRAGMA foreign_key_check`: a check whose rows
/// are violations.
pub fn checks_foreign_keys(actions: &[Action]) -> bool {
    actions.iter().any(|a| {
        a.code == ffi::SQLITE_PRAGMA
            && a.first
                .as_deref()
                .is_some_and(|p| p.eq_ignore_ascii_case("foreign_key_check"))
    })
}

fn is_rebuild_table(table: Option<&str>) -> bool {
    table.is_some_and(|t| t.starts_with(REBUILD_PREFIX))
}

fn refused(reason: RefusalReason, detail: impl Into<String>) -> Refused {
    Refused {
        reason,
        detail: detail.into(),
    }
}
