//! Running SQL the engine wrote (a plan's statements, the copy of a live
//! schema a plan is replayed on, data probes): each text must be exactly one
//! statement as SQLite splits it, of a kind its caller allows (classify.rs),
//! or it does not run. A text that carried a second statement — say a type
//! name pasted into SQL unquoted — is refused before anything of it runs.

use crate::engine::sqlite::c_api::{Handle, Row, Script};
use crate::engine::sqlite::script::classify::{judge, Allowed};
use crate::engine::sqlite::script::older_readers::too_deep;
use crate::engine::sqlite::script::parser_stack::with_fixed_stack;

/// How to run one statement.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    pub allowed: Allowed,
    /// Refuse what SQLite 3.40 could not parse (what a plan writes must stay
    /// readable there; see older_readers.rs).
    pub oldest_reader: bool,
}

impl Rules {
    /// A plan's statements: what they write must stay readable by SQLite 3.40.
    pub const PLAN: Rules = Rules {
        allowed: Allowed::PlanSteps,
        oldest_reader: true,
    };
    /// The live schema copied into a scratch database, as it is.
    pub const COPY: Rules = Rules {
        allowed: Allowed::PlanSteps,
        oldest_reader: false,
    };
    /// A migration file's statements: definitions and data changes, written
    /// readable by SQLite 3.40 like a plan's.
    pub const MIGRATION: Rules = Rules {
        allowed: Allowed::Migration,
        oldest_reader: true,
    };
    pub const READ: Rules = Rules {
        allowed: Allowed::Reads,
        oldest_reader: false,
    };
}

/// Why a statement did not run, or failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failed {
    /// It must not run: more than one statement, or a kind the rules refuse.
    Refused(String),
    /// SQLite's own error while compiling or running it.
    Sqlite(String),
}

impl Failed {
    pub fn reason(&self) -> &str {
        match self {
            Failed::Refused(reason) | Failed::Sqlite(reason) => reason,
        }
    }
}

/// Runs `sql` as one statement under `rules`; returns the rows it produced.
pub fn run(handle: &Handle<'_>, sql: &str, rules: Rules) -> Result<Vec<Row>, Failed> {
    let script = Script::new(sql).ok_or_else(|| Failed::Refused("it holds a NUL character".to_string()))?;
    let (prepared, outgrown) = if rules.oldest_reader {
        with_fixed_stack(|| handle.prepare(&script, 0))
    } else {
        (handle.prepare(&script, 0), false)
    };
    if outgrown {
        return Err(Failed::Refused(format!("statement refused: {}", too_deep())));
    }
    let prepared = prepared.map_err(|failure| Failed::Sqlite(failure.message))?;
    let Some(statement) = prepared.statement else {
        return Err(Failed::Refused("it holds no statement".to_string()));
    };
    if prepared.tail < script.end() {
        // Whatever follows must be only comments and whitespace: SQLite
        // compiles nothing from those.
        let rest = handle.prepare(&script, prepared.tail);
        if !matches!(rest, Ok(ref more) if more.statement.is_none() && more.tail == script.end()) {
            return Err(Failed::Refused(
                "it holds more than one statement (nothing of it ran)".to_string(),
            ));
        }
    }
    judge(rules.allowed, &prepared.actions, statement.is_explain(), None)
        .map_err(|refused| Failed::Refused(format!("{} ({})", refused.reason.phrase(), refused.detail)))?;
    statement.run().map_err(|failure| Failed::Sqlite(failure.message))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::sqlite::c_api::PrivateDatabase;

    fn run_on(database: &PrivateDatabase, sql: &str, rules: Rules) -> Result<Vec<Row>, Failed> {
        run(&database.handle(), sql, rules)
    }

    #[test]
    fn one_allowed_statement_runs() {
        let database = PrivateDatabase::open().expect("open");
        run_on(
            &database,
            "CREATE TABLE victims (id INTEGER PRIMARY KEY, note TEXT) -- why",
            Rules::PLAN,
        )
        .expect("runs");
        for step in [
            "PRAGMA legacy_alter_table = ON",
            "ALTER TABLE victims RENAME TO \"_tfalchemy_old_victims\"",
            "PRAGMA legacy_alter_table = OFF",
            "CREATE TABLE victims (id INTEGER PRIMARY KEY, note TEXT, extra TEXT)",
        ] {
            run_on(&database, step, Rules::PLAN).expect(step);
        }
        run_on(
            &database,
            "INSERT INTO victims (id, note) SELECT id, note FROM \"_tfalchemy_old_victims\"",
            Rules::PLAN,
        )
        .expect("the rows a rebuild copies");
        let refused = run_on(&database, "INSERT INTO victims (id, note) SELECT 1, 'x'", Rules::PLAN)
            .expect_err("rows from anywhere else");
        assert!(refused.reason().contains("changes data"), "{refused:?}");
        let rows = run_on(&database, "SELECT count(*) AS n FROM victims", Rules::READ).expect("reads");
        assert_eq!(rows, vec![vec![("n".to_string(), Some("0".to_string()))]]);
        run_on(&database, "PRAGMA foreign_key_check", Rules::PLAN).expect("runs");
    }

    #[test]
    fn a_second_statement_or_a_data_change_never_runs() {
        let database = PrivateDatabase::open().expect("open");
        run_on(
            &database,
            "CREATE TABLE victims (note TEXT); INSERT INTO victims VALUES ('x')",
            Rules::COPY,
        )
        .expect_err("the first statement alone would run");
        run_on(&database, "CREATE TABLE victims (note TEXT)", Rules::COPY).expect("runs");
        let pasted = "ALTER TABLE \"victims\" ADD COLUMN \"a\" X; DELETE FROM VICTIMS; --";
        let refused = run_on(&database, pasted, Rules::PLAN).expect_err("refused");
        assert!(
            matches!(&refused, Failed::Refused(r) if r.contains("more than one statement")),
            "{refused:?}"
        );
        let columns = run_on(
            &database,
            "SELECT count(*) FROM pragma_table_info('victims')",
            Rules::READ,
        )
        .expect("reads");
        assert_eq!(columns[0][0].1.as_deref(), Some("1"), "the ALTER did not run either");
        let refused = run_on(&database, "DELETE FROM victims", Rules::PLAN).expect_err("refused");
        assert!(refused.reason().contains("changes data"), "{refused:?}");
        let refused = run_on(&database, "VACUUM INTO 'copy.db'", Rules::READ).expect_err("refused");
        assert!(matches!(refused, Failed::Refused(_)));
        assert!(!std::path::Path::new("copy.db").exists());
    }
}
