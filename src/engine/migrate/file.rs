//! A migration file is a saved plan: a header (version, name, what wrote
//! it), directives in `-- tfalchemy:` comments, and the statements, each
//! with its hazards as `-- hazard <code>: …` comments above it. Reading one
//! back is the dialect's business (its gate splits and classifies the
//! statements, see replay.rs); this module writes files and reads the
//! directives of their header.

use super::directory::Version;
use super::error::MigrateError;
use crate::engine::plan::{Hazard, Statement};

/// The prefix of a directive comment.
const DIRECTIVE: &str = "-- tfalchemy:";

/// How a file's statements run against the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxMode {
    /// The file runs in one transaction, with its revision record: all or
    /// nothing. SQLite's `PRAGMA foreign_keys` may stand first or last and
    /// runs outside it.
    File,
    /// Every pending file runs in one transaction.
    All,
    /// No transaction: each statement commits by itself. For statements that
    /// cannot run in a transaction (`CREATE INDEX CONCURRENTLY`); the
    /// revision record counts the statements applied so far.
    None,
}

impl TxMode {
    pub fn parse(text: &str) -> Option<TxMode> {
        match text {
            "file" => Some(TxMode::File),
            "all" => Some(TxMode::All),
            "none" => Some(TxMode::None),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            TxMode::File => "file",
            TxMode::All => "all",
            TxMode::None => "none",
        }
    }
}

/// A statement of a migration file, as the dialect's gate split it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileStatement {
    /// As written, without the comments before it and its `;`.
    pub sql: String,
    /// 1-based line where it starts in the file.
    pub line: usize,
    /// False for statements that run outside a transaction.
    pub in_transaction: bool,
    /// True when the statement cannot run inside a transaction block at all
    /// (the file needs `-- tfalchemy:txmode none`).
    pub forbids_transaction: bool,
    /// A check: any row it returns is a violation and fails the file.
    pub fails_if_rows: bool,
}

/// What the header's directives say.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Directives {
    /// `-- tfalchemy:txmode none|file`; `None` when not given.
    pub txmode: Option<TxMode>,
}

/// The directives of `text`: `-- tfalchemy:` lines before its first
/// statement (`first_statement_line`; the whole file when it has none).
pub fn directives(file: &str, text: &str, first_statement_line: Option<usize>) -> Result<Directives, MigrateError> {
    let mut found = Directives::default();
    let header = text
        .lines()
        .enumerate()
        .take_while(|(index, _)| first_statement_line.is_none_or(|first| index + 1 < first));
    for (index, line) in header {
        let Some(directive) = line.trim().strip_prefix(DIRECTIVE) else {
            continue;
        };
        let bad = |problem: String| MigrateError::File {
            file: format!("{file} (line {})", index + 1),
            problem,
        };
        let mut words = directive.split_whitespace();
        match (words.next(), words.next(), words.next()) {
            (Some("txmode"), Some(mode), None) => match TxMode::parse(mode) {
                Some(TxMode::All) | None => {
                    return Err(bad(format!(
                        "has `txmode {mode}`: a file's txmode is `file` (the default) or `none`"
                    )))
                }
                Some(mode) => found.txmode = Some(mode),
            },
            _ => {
                return Err(bad(format!(
                    "has an unknown directive `{}`; the one directive is `-- tfalchemy:txmode none`",
                    line.trim()
                )))
            }
        }
    }
    Ok(found)
}

/// Checks that the statements of a file can run as its directives say, in
/// `mode` (the apply's), on a dialect whose DDL is transactional or not;
/// returns how the file runs.
///
/// Where DDL commits by itself (MySQL, MariaDB) no file runs in a
/// transaction: every file runs as `txmode none` does elsewhere, statement
/// by statement, its revision recording how many ran. A file or an apply
/// that asks for a transaction there (`-- tfalchemy:txmode file`, txmode
/// `all`) is refused rather than silently run otherwise.
pub fn transaction_mode(
    file: &str,
    directives: Directives,
    statements: &[FileStatement],
    mode: TxMode,
    transactional_ddl: bool,
) -> Result<TxMode, MigrateError> {
    let problem = |problem: String| MigrateError::Transaction {
        file: file.to_string(),
        problem,
    };
    if !transactional_ddl {
        return match (directives.txmode, mode) {
            (Some(TxMode::File), _) => Err(problem(
                "asks for `-- tfalchemy:txmode file`, but this database commits every DDL statement by itself, so \
                 a file cannot run in one transaction; remove the directive (or write `-- tfalchemy:txmode none`): \
                 its statements then run one by one and the revisions table records how many ran"
                    .to_string(),
            )),
            (_, TxMode::All) => Err(problem(
                "cannot run with txmode `all`: this database commits every DDL statement by itself, so no files \
                 can run in one transaction; use txmode `file` (the default), under which each statement commits \
                 as it runs"
                    .to_string(),
            )),
            _ => Ok(TxMode::None),
        };
    }
    let declared = directives.txmode.unwrap_or(TxMode::File);
    if declared == TxMode::File {
        if let Some(statement) = statements.iter().find(|s| s.forbids_transaction) {
            return Err(problem(format!(
                "the statement at line {} cannot run inside a transaction; add `-- tfalchemy:txmode none` \
                 to the file's header (its statements then commit one by one)\n  statement: {}",
                statement.line, statement.sql
            )));
        }
        let inside: Vec<usize> = (0..statements.len())
            .filter(|&i| statements[i].in_transaction)
            .collect();
        if let (Some(&first), Some(&last)) = (inside.first(), inside.last()) {
            if let Some(statement) = statements[first..=last].iter().find(|s| !s.in_transaction) {
                return Err(problem(format!(
                    "the statement at line {} runs outside a transaction, so it must come before or after all \
                     the others (or the file needs `-- tfalchemy:txmode none`)\n  statement: {}",
                    statement.line, statement.sql
                )));
            }
        }
    }
    Ok(match (declared, mode) {
        (TxMode::None, _) | (_, TxMode::None) => TxMode::None,
        (_, mode) => mode,
    })
}

/// [`transaction_mode`] for a replayed file.
pub fn check_transactions(
    file: &str,
    replayed: &super::replay::ReplayedFile,
    mode: TxMode,
    transactional_ddl: bool,
) -> Result<TxMode, MigrateError> {
    transaction_mode(file, replayed.directives, &replayed.statements, mode, transactional_ddl)
}

/// The text of a new migration file holding `statements`.
pub fn render(version: &Version, name: &str, statements: &[Statement], forbids_transaction: bool) -> String {
    let mut text = format!(
        "-- version: {version}\n-- name: {name}\n-- generated by terraform-provider-sqlalchemy {} (migrate diff); review it before it is applied\n",
        env!("CARGO_PKG_VERSION")
    );
    if forbids_transaction {
        text.push_str(&format!("{DIRECTIVE}txmode none\n"));
    }
    for statement in statements {
        text.push('\n');
        for hazard in &statement.hazards {
            text.push_str(&hazard_comment(hazard));
            text.push('\n');
        }
        let shown = statement.shown();
        let shown = shown.trim_end_matches(';');
        text.push_str(shown);
        // A statement as written may end in a line comment, which would swallow the terminator.
        if shown.rsplit('\n').next().is_some_and(|line| line.contains("--")) {
            text.push('\n');
        }
        text.push_str(";\n");
    }
    text
}

/// `-- hazard <code>: <what it means>: <detail>.` on one line.
fn hazard_comment(hazard: &Hazard) -> String {
    let detail = hazard.described().split_whitespace().collect::<Vec<_>>().join(" ");
    let mut sentence = format!("-- hazard {}: {}: {detail}", hazard.kind.code(), hazard.kind.summary());
    if !sentence.ends_with('.') {
        sentence.push('.');
    }
    sentence
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::HazardKind;

    fn statement(line: usize, in_transaction: bool, forbids: bool) -> FileStatement {
        FileStatement {
            sql: format!("S{line}"),
            line,
            in_transaction,
            forbids_transaction: forbids,
            fails_if_rows: false,
        }
    }

    #[test]
    fn a_rendered_file_has_a_header_and_hazards_above_statements() {
        let statements = vec![
            Statement::ddl("CREATE TABLE t (a int)"),
            Statement::ddl("ALTER TABLE u DROP COLUMN b").with_hazard(HazardKind::DropsColumn, "u.b\nhas 3 values"),
        ];
        let text = render(&Version::parse("0002").unwrap(), "shrink", &statements, false);
        assert!(
            text.starts_with("-- version: 0002\n-- name: shrink\n-- generated by terraform-provider-sqlalchemy"),
            "{text}"
        );
        assert!(text.contains("\nCREATE TABLE t (a int);\n"), "{text}");
        assert!(
            text.contains("\n-- hazard drops_column: drops a column and all its values: u.b has 3 values.\nALTER TABLE u DROP COLUMN b;\n"),
            "{text}"
        );
        assert!(!text.contains("txmode"), "{text}");
        let concurrent = render(
            &Version::parse("3").unwrap(),
            "idx",
            &[Statement::outside_transaction("CREATE INDEX CONCURRENTLY i ON t (a)")],
            true,
        );
        assert!(concurrent.contains("\n-- tfalchemy:txmode none\n"), "{concurrent}");
        assert_eq!(
            directives("f", &concurrent, Some(6)).unwrap().txmode,
            Some(TxMode::None)
        );
    }

    #[test]
    fn directives_are_read_from_the_header_only_and_unknown_ones_refused() {
        let text = "-- tfalchemy:txmode none\nCREATE TABLE t (a int);\n-- tfalchemy:txmode none\n";
        assert_eq!(directives("f", text, Some(2)).unwrap().txmode, Some(TxMode::None));
        assert_eq!(
            directives("f", "CREATE TABLE t (a int);\n-- tfalchemy:txmode none\n", Some(1))
                .unwrap()
                .txmode,
            None
        );
        let error = directives("f.sql", "-- x\n-- tfalchemy:txmode sometimes\n", None)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("f.sql (line 2)") && error.contains("txmode sometimes"),
            "{error}"
        );
        let error = directives("f.sql", "-- tfalchemy:retry 3\n", None)
            .unwrap_err()
            .to_string();
        assert!(error.contains("unknown directive"), "{error}");
    }

    #[test]
    fn statements_that_forbid_a_transaction_need_the_directive() {
        let file = [statement(1, true, false), statement(2, false, true)];
        let error = transaction_mode("f.sql", Directives::default(), &file, TxMode::File, true)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("f.sql") && error.contains("line 2") && error.contains("txmode none"),
            "{error}"
        );
        let none = Directives {
            txmode: Some(TxMode::None),
        };
        assert_eq!(
            transaction_mode("f", none, &file, TxMode::File, true).unwrap(),
            TxMode::None
        );
        // Session settings at the edges run outside the file's transaction.
        let edges = [
            statement(1, false, false),
            statement(2, true, false),
            statement(3, false, false),
        ];
        assert_eq!(
            transaction_mode("f", Directives::default(), &edges, TxMode::File, true).unwrap(),
            TxMode::File
        );
        let middle = [
            statement(1, true, false),
            statement(2, false, false),
            statement(3, true, false),
        ];
        assert!(transaction_mode("f", Directives::default(), &middle, TxMode::File, true).is_err());
    }

    #[test]
    fn without_transactional_ddl_files_run_statement_by_statement_and_transactions_are_refused() {
        let file = [statement(1, false, false), statement(2, false, false)];
        let plain = Directives::default();
        assert_eq!(
            transaction_mode("f", plain, &file, TxMode::File, false).unwrap(),
            TxMode::None
        );
        let none = Directives {
            txmode: Some(TxMode::None),
        };
        assert_eq!(
            transaction_mode("f", none, &file, TxMode::File, false).unwrap(),
            TxMode::None
        );
        let asks = Directives {
            txmode: Some(TxMode::File),
        };
        let error = transaction_mode("f.sql", asks, &file, TxMode::File, false)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("f.sql") && error.contains("txmode file") && error.contains("commits every DDL statement"),
            "{error}"
        );
        let error = transaction_mode("f.sql", plain, &file, TxMode::All, false)
            .unwrap_err()
            .to_string();
        assert!(error.contains("txmode `all`"), "{error}");
    }
}
