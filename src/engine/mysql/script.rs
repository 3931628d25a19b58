//! The gate desired SQL passes before the scratch database runs any of it:
//! split into statements by sqlparser (MySQL dialect) and classified from the
//! syntax tree; statements that are not schema definitions are refused, all
//! of them at once, before anything runs.
//!
//! A migration file passes the same gate in its migration mode
//! ([`Purpose::Migration`]): the row changes a hand-written backfill needs
//! (INSERT, REPLACE, UPDATE, DELETE, TRUNCATE) also pass, on tables of this
//! database only; transaction control and server-level statements stay
//! refused.
//!
//! `DELIMITER` is a command of the `mysql` client, not SQL: desired SQL does
//! not use it. A trigger or routine with a `BEGIN … END` body is written as
//! one statement ending in `;` after `END`, and sqlparser reads the body's
//! own semicolons as part of it.

use sqlparser::ast::{ObjectName, ObjectType, Set, Statement};
use sqlparser::dialect::MySqlDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Location, Token, Tokenizer};

use crate::engine::error::EngineError;
use crate::engine::script::{Lines, Refusal, RefusalReason, ScriptStatement};

/// Session settings desired SQL may set: they change how the rest of the
/// script is read or checked, not what it defines.
const HARMLESS_SETTINGS: [&str; 6] = [
    "foreign_key_checks",
    "unique_checks",
    "names",
    "character_set_client",
    "sql_notes",
    "time_zone",
];

/// A statement as the gate read it.
#[derive(Debug, Clone)]
pub enum Parsed {
    Ast(Box<Statement>),
    /// A definition sqlparser does not know all of MySQL's syntax for
    /// (`ZEROFILL`, `INVISIBLE`, `IGNORED`, table options): cut at its `;`
    /// by sqlparser's tokens and judged by its leading keywords; the server
    /// parses it.
    Definition {
        /// The leading keywords, upper case.
        words: Vec<String>,
        /// The object is named with a database qualifier (`other.t`).
        qualified: bool,
    },
}

/// Leading keywords of the definitions accepted without a syntax tree.
const DEFINITION_STARTS: &[&[&str]] = &[
    &["CREATE", "TABLE"],
    &["CREATE", "VIEW"],
    &["CREATE", "ALGORITHM"],
    &["CREATE", "SQL", "SECURITY"],
    &["CREATE", "OR", "REPLACE", "VIEW"],
    &["CREATE", "OR", "REPLACE", "ALGORITHM"],
    &["CREATE", "OR", "REPLACE", "SQL"],
    &["ALTER", "VIEW"],
    &["CREATE", "INDEX"],
    &["CREATE", "UNIQUE", "INDEX"],
    &["CREATE", "FULLTEXT", "INDEX"],
    &["CREATE", "SPATIAL", "INDEX"],
    &["ALTER", "TABLE"],
    &["CREATE", "SEQUENCE"],
    &["ALTER", "SEQUENCE"],
    &["CREATE", "OR", "REPLACE", "SEQUENCE"],
    &["DROP", "SEQUENCE"],
    &["CREATE", "FUNCTION"],
    &["CREATE", "PROCEDURE"],
    &["CREATE", "TRIGGER"],
    &["CREATE", "OR", "REPLACE", "FUNCTION"],
    &["CREATE", "OR", "REPLACE", "PROCEDURE"],
    &["CREATE", "OR", "REPLACE", "TRIGGER"],
    &["DROP", "TABLE"],
    &["DROP", "VIEW"],
    &["DROP", "INDEX"],
    &["DROP", "FUNCTION"],
    &["DROP", "PROCEDURE"],
    &["DROP", "TRIGGER"],
];

/// The statements of `sql`, or why it does not parse.
pub fn split(sql: &str) -> Result<Vec<(ScriptStatement<'_>, Parsed)>, EngineError> {
    let dialect = MySqlDialect {};
    let lines = Lines::new(sql);
    let tokens = Tokenizer::new(&dialect, sql)
        .with_unescape(false)
        .tokenize_with_location()
        .map_err(|e| syntax_error(&lines, sql, 1, e.location, e.message))?;
    let offsets = Offsets::new(sql);
    let mut parser = Parser::new(&dialect).with_tokens_with_locations(tokens);
    let mut statements = Vec::new();
    loop {
        while parser.consume_token(&Token::SemiColon) {}
        if parser.peek_token_ref().token == Token::EOF {
            break;
        }
        // Stand on the statement's first token, so that going back to it
        // is by position in the token stream: a parse that ran to the end
        // stands on the end's token, whose span is empty.
        parser.next_token();
        parser.prev_token();
        let first = parser.index();
        let start = parser.peek_token_ref().span.start;
        // A statement sqlparser cannot read, or reads only the start of, is
        // cut at its `;` when it is a definition the server will parse.
        let parsed = match parser.parse_statement() {
            Ok(statement) if matches!(parser.peek_token_ref().token, Token::SemiColon | Token::EOF) => {
                Parsed::Ast(Box::new(statement))
            }
            outcome => {
                let at = parser.peek_token_ref().span.start;
                let message = match outcome {
                    Ok(_) => format!(
                        "expected `;` after the statement, found {}",
                        parser.peek_token_ref().token
                    ),
                    Err(error) => error.to_string(),
                };
                // Back to the statement's first token, then its words.
                while parser.index() > first {
                    parser.prev_token();
                }
                let words = leading_words(&mut parser);
                if !is_definition_start(&words) {
                    return Err(syntax_error(&lines, sql, statements.len() + 1, at, message));
                }
                let qualified = names_are_qualified(&mut parser);
                skip_to_end(&mut parser);
                Parsed::Definition { words, qualified }
            }
        };
        let end = parser.get_current_token().span.end;
        statements.push((lines.statement(offsets.of(start), offsets.of(end)), parsed));
    }
    Ok(statements)
}

/// The statement's first words (up to four, upper case, unquoted ones only),
/// leaving the parser where it was.
fn leading_words(parser: &mut Parser<'_>) -> Vec<String> {
    let mut words = Vec::new();
    let mut taken = 0;
    while words.len() < 4 {
        match &parser.peek_token_ref().token {
            Token::Word(word) if word.quote_style.is_none() => {
                words.push(word.value.to_ascii_uppercase());
                parser.next_token();
                taken += 1;
            }
            _ => break,
        }
    }
    for _ in 0..taken {
        parser.prev_token();
    }
    words
}

fn is_definition_start(words: &[String]) -> bool {
    DEFINITION_STARTS
        .iter()
        .any(|start| start.len() <= words.len() && start.iter().zip(words).all(|(a, b)| a == b))
}

/// Whether the statement's head (up to its first `(`, `AS`, a trigger's `FOR`, or its end)
/// names anything as `database.name`; leaves the parser where it was.
fn names_are_qualified(parser: &mut Parser<'_>) -> bool {
    let mut moved = 0;
    let mut previous_was_word = false;
    let mut qualified = false;
    loop {
        let token = &parser.peek_token_ref().token;
        match token {
            Token::EOF | Token::SemiColon | Token::LParen => break,
            Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("AS") => break,
            // A trigger's names come before `FOR EACH ROW`; its body's
            // `NEW.col` and `OLD.col` are not database-qualified names.
            Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("FOR") => break,
            Token::Period if previous_was_word => {
                qualified = true;
                break;
            }
            _ => {}
        }
        previous_was_word = matches!(token, Token::Word(_));
        parser.next_token();
        moved += 1;
    }
    for _ in 0..moved {
        parser.prev_token();
    }
    qualified
}

/// Moves to the last token before the statement's `;` or the end. A `;`
/// inside parentheses or inside a compound statement (`BEGIN … END`, and a
/// `CASE … END`) belongs to the statement; `END IF`, `END LOOP`, `END
/// WHILE` and `END REPEAT` close blocks that did not open one.
fn skip_to_end(parser: &mut Parser<'_>) {
    let (mut parentheses, mut blocks) = (0usize, 0usize);
    let keyword = |token: &Token| match token {
        Token::Word(w) if w.quote_style.is_none() => Some(w.value.to_ascii_uppercase()),
        _ => None,
    };
    loop {
        let token = parser.peek_token_ref().token.clone();
        match (&token, keyword(&token).as_deref()) {
            (Token::EOF, _) => return,
            (Token::SemiColon, _) if parentheses == 0 && blocks == 0 => return,
            (Token::LParen, _) => parentheses += 1,
            (Token::RParen, _) => parentheses = parentheses.saturating_sub(1),
            (_, Some("BEGIN" | "CASE")) => blocks += 1,
            (_, Some("END")) => {
                parser.next_token();
                match keyword(&parser.peek_token_ref().token).as_deref() {
                    Some("IF" | "LOOP" | "WHILE" | "REPEAT") => {}
                    Some("CASE") => {
                        blocks = blocks.saturating_sub(1);
                        parser.next_token();
                    }
                    _ => blocks = blocks.saturating_sub(1),
                }
                continue;
            }
            _ => {}
        }
        parser.next_token();
    }
}

fn syntax_error(lines: &Lines<'_>, sql: &str, index: usize, at: Location, message: String) -> EngineError {
    let offset = Offsets::new(sql).of(at);
    let (line, column) = lines.position(offset);
    let rest = &sql[offset.min(sql.len())..];
    EngineError::SqlSyntax {
        index,
        line,
        column,
        message,
        statement: crate::engine::script::shorten(rest.split(';').next().unwrap_or_default().trim()),
    }
}

/// Byte offsets of the tokenizer's 1-based line and column (in characters).
struct Offsets {
    /// Byte offset where each line starts.
    starts: Vec<usize>,
    text: String,
}

impl Offsets {
    fn new(text: &str) -> Offsets {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(at, _)| at + 1))
            .collect();
        Offsets {
            starts,
            text: text.to_string(),
        }
    }

    fn of(&self, location: Location) -> usize {
        let Some(&start) = self.starts.get((location.line as usize).saturating_sub(1)) else {
            return self.text.len();
        };
        self.text[start..]
            .char_indices()
            .nth((location.column as usize).saturating_sub(1))
            .map_or(self.text.len(), |(offset, _)| start + offset)
    }
}

/// What a script is for, which decides what it may contain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Desired SQL: schema definitions only.
    Definitions,
    /// A migration file: definitions, and row changes on this database's tables.
    Migration,
}

/// The desired SQL's statements, or every refusal among them.
pub fn definitions(sql: &str) -> Result<Vec<ScriptStatement<'_>>, EngineError> {
    statements_for(Purpose::Definitions, sql)
}

/// The statements of a script written for `purpose`, or every refusal among them.
pub fn statements_for(purpose: Purpose, sql: &str) -> Result<Vec<ScriptStatement<'_>>, EngineError> {
    let statements = split(sql)?;
    let refusals: Vec<Refusal> = statements
        .iter()
        .enumerate()
        .filter_map(|(i, (text, parsed))| {
            judge_parsed_for(purpose, parsed)
                .err()
                .map(|(reason, detail)| Refusal::new(text, i + 1, reason, detail))
        })
        .collect();
    if !refusals.is_empty() {
        return Err(EngineError::RefusedSql { refusals });
    }
    Ok(statements.into_iter().map(|(text, _)| text).collect())
}

/// Whether desired SQL may contain `parsed`.
pub fn judge_parsed(parsed: &Parsed) -> Result<(), (RefusalReason, String)> {
    judge_parsed_for(Purpose::Definitions, parsed)
}

/// Whether a script written for `purpose` may contain `parsed`.
pub fn judge_parsed_for(purpose: Purpose, parsed: &Parsed) -> Result<(), (RefusalReason, String)> {
    match parsed {
        Parsed::Ast(statement) if purpose == Purpose::Migration => judge_migration(statement),
        Parsed::Ast(statement) => judge(statement),
        // Only the starts in DEFINITION_STARTS get here (so no TEMPORARY).
        Parsed::Definition { qualified: true, words } => Err((
            RefusalReason::ServerLevel,
            format!("{} names another database", words.join(" ")),
        )),
        Parsed::Definition { .. } => Ok(()),
    }
}

/// Whether desired SQL may contain `statement`.
pub fn judge(statement: &Statement) -> Result<(), (RefusalReason, String)> {
    use RefusalReason::*;
    let refuse = |reason, detail: &str| Err((reason, detail.to_string()));
    match statement {
        Statement::CreateTable(create) => {
            if create.temporary {
                refuse(NotSchemaDefinition, "CREATE TEMPORARY TABLE")
            } else if create.query.is_some() {
                refuse(ExecutesCode, "CREATE TABLE … AS SELECT")
            } else {
                local(&create.name)
            }
        }
        Statement::CreateView(view) => local(&view.name),
        Statement::CreateIndex(index) => local(&index.table_name),
        Statement::AlterTable(alter) => local(&alter.name),
        Statement::AlterView(alter) => local(&alter.name),
        Statement::Drop { object_type, names, .. } => match object_type {
            ObjectType::Table | ObjectType::View | ObjectType::Index | ObjectType::Sequence => {
                names.iter().try_for_each(local)
            }
            _ => refuse(ServerLevel, "DROP of an object beyond this database's schema"),
        },
        Statement::CreateTrigger(_)
        | Statement::DropTrigger(_)
        | Statement::CreateFunction(_)
        | Statement::DropFunction(_)
        | Statement::CreateProcedure { .. }
        | Statement::DropProcedure { .. }
        | Statement::CreateSequence { .. }
        | Statement::RenameTable(_) => Ok(()),
        Statement::Set(set) => judge_set(set),
        Statement::Insert(_)
        | Statement::Update(_)
        | Statement::Delete(_)
        | Statement::Truncate(_)
        | Statement::Merge(_)
        | Statement::LoadData { .. } => refuse(DataChange, "changes rows"),
        Statement::StartTransaction { .. }
        | Statement::Commit { .. }
        | Statement::Rollback { .. }
        | Statement::Savepoint { .. }
        | Statement::ReleaseSavepoint { .. } => refuse(TransactionControl, "transaction control"),
        Statement::CreateDatabase { .. }
        | Statement::CreateSchema { .. }
        | Statement::Grant(_)
        | Statement::Revoke(_)
        | Statement::CreateUser(_)
        | Statement::AlterUser(_)
        | Statement::CreateRole(_)
        | Statement::Kill { .. }
        | Statement::Flush { .. } => refuse(ServerLevel, "acts on the server"),
        Statement::Use(_) => refuse(SessionChange, "USE"),
        Statement::Query(_) | Statement::Explain { .. } | Statement::ExplainTable { .. } => refuse(Query, "a query"),
        Statement::Call(_) | Statement::Execute { .. } | Statement::Prepare { .. } => refuse(ExecutesCode, "runs code"),
        Statement::LockTables { .. }
        | Statement::UnlockTables
        | Statement::Analyze(_)
        | Statement::OptimizeTable { .. } => refuse(Maintenance, "maintenance"),
        other => Err((NotSchemaDefinition, first_words(&other.to_string()))),
    }
}

/// Whether a migration file may contain `statement`: what desired SQL may,
/// and row changes on this database's tables (a backfill); a row change
/// that writes to another database would reach beyond the scratch
/// database a replay runs in.
fn judge_migration(statement: &Statement) -> Result<(), (RefusalReason, String)> {
    use sqlparser::ast::{FromTable, TableObject, UpdateTableFromKind};
    match statement {
        Statement::Insert(insert) => match &insert.table {
            TableObject::TableName(name) => local(name),
            other => Err((RefusalReason::ExecutesCode, format!("INSERT INTO {other}"))),
        },
        Statement::Update(update) => {
            let from = match &update.from {
                Some(UpdateTableFromKind::BeforeSet(tables) | UpdateTableFromKind::AfterSet(tables)) => {
                    tables.as_slice()
                }
                None => &[],
            };
            std::iter::once(&update.table)
                .chain(from)
                .try_for_each(tables_are_local)
        }
        Statement::Delete(delete) => {
            let (FromTable::WithFromKeyword(from) | FromTable::WithoutKeyword(from)) = &delete.from;
            delete.tables.iter().try_for_each(local)?;
            from.iter()
                .chain(delete.using.iter().flatten())
                .try_for_each(tables_are_local)
        }
        Statement::Truncate(truncate) => truncate.table_names.iter().try_for_each(|target| local(&target.name)),
        Statement::LoadData { .. } => Err((RefusalReason::ServerLevel, "LOAD DATA reads files".to_string())),
        other => judge(other),
    }
}

/// The tables a row change names (and may write to) are of this database.
fn tables_are_local(tables: &sqlparser::ast::TableWithJoins) -> Result<(), (RefusalReason, String)> {
    use sqlparser::ast::TableFactor;
    std::iter::once(&tables.relation)
        .chain(tables.joins.iter().map(|join| &join.relation))
        .try_for_each(|factor| match factor {
            TableFactor::Table { name, .. } => local(name),
            _ => Ok(()),
        })
}

/// Objects of another database are beyond the scratch database's isolation.
fn local(name: &ObjectName) -> Result<(), (RefusalReason, String)> {
    if name.0.len() > 1 {
        return Err((RefusalReason::ServerLevel, format!("{name} names another database")));
    }
    Ok(())
}

fn judge_set(set: &Set) -> Result<(), (RefusalReason, String)> {
    match set {
        Set::SetNames { .. } | Set::SetNamesDefault {} | Set::SetTimeZone { .. } => Ok(()),
        Set::SingleAssignment { scope, variable, .. } => {
            let name = variable.to_string().to_ascii_lowercase();
            let name = name.trim_start_matches("@@").trim_start_matches("session.");
            if matches!(scope, Some(sqlparser::ast::ContextModifier::Global)) || name.starts_with("global.") {
                Err((RefusalReason::ServerLevel, format!("SET GLOBAL {name}")))
            } else if HARMLESS_SETTINGS.contains(&name) {
                Ok(())
            } else {
                Err((RefusalReason::SessionChange, format!("SET {name}")))
            }
        }
        other => Err((RefusalReason::SessionChange, first_words(&other.to_string()))),
    }
}

/// The first words of a statement, to name it in a message.
fn first_words(text: &str) -> String {
    text.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(sql: &str) -> Vec<String> {
        match definitions(sql) {
            Ok(statements) => statements.iter().map(|s| s.text.to_string()).collect(),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn statements_keep_their_text_and_bodies_their_semicolons() {
        let sql = "CREATE TABLE `t` (id int PRIMARY KEY, n int) ENGINE=InnoDB;\n-- note\n\
                   CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.n = 1; SET NEW.n = NEW.n + 1; END;\n\
                   CREATE INDEX ix ON t (n);";
        let statements = texts(sql);
        assert_eq!(statements.len(), 3, "{statements:?}");
        assert_eq!(
            statements[0],
            "CREATE TABLE `t` (id int PRIMARY KEY, n int) ENGINE=InnoDB"
        );
        assert!(statements[1].ends_with("END"), "{}", statements[1]);
        assert_eq!(statements[2], "CREATE INDEX ix ON t (n)");
    }

    #[test]
    fn a_trigger_whose_body_is_one_statement_ends_at_its_semicolon() {
        let sql = "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.n = 1;\n\
                   CREATE TABLE u (id int);\n\
                   CREATE TRIGGER tr2 BEFORE UPDATE ON t FOR EACH ROW SET NEW.n = 2";
        assert_eq!(
            texts(sql),
            vec![
                "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.n = 1",
                "CREATE TABLE u (id int)",
                "CREATE TRIGGER tr2 BEFORE UPDATE ON t FOR EACH ROW SET NEW.n = 2",
            ]
        );
    }

    #[test]
    fn non_definitions_are_refused_all_at_once() {
        let sql = "CREATE TABLE t (id int);\nINSERT INTO t VALUES (1);\nUSE other;\nSET GLOBAL max_connections = 1;\n\
                   CREATE TABLE other.t (id int);\nSET foreign_key_checks = 0;\nSTART TRANSACTION;\nSELECT 1;\nGRANT ALL ON *.* TO x;";
        let Err(EngineError::RefusedSql { refusals }) = definitions(sql) else {
            panic!("refused");
        };
        let reasons: Vec<(usize, RefusalReason)> = refusals.iter().map(|r| (r.line, r.reason)).collect();
        assert_eq!(
            reasons,
            vec![
                (2, RefusalReason::DataChange),
                (3, RefusalReason::SessionChange),
                (4, RefusalReason::ServerLevel),
                (5, RefusalReason::ServerLevel),
                (7, RefusalReason::TransactionControl),
                (8, RefusalReason::Query),
                (9, RefusalReason::ServerLevel),
            ]
        );
    }

    #[test]
    fn definitions_beyond_sqlparser_pass_by_their_keywords_and_stay_in_this_database() {
        let sql =
            "CREATE TABLE t (a int(5) unsigned zerofill, b int INVISIBLE, KEY ix (a) IGNORED) ROW_FORMAT=COMPACT;\n\
                   ALTER TABLE t ALTER INDEX ix NOT IGNORED;";
        assert_eq!(texts(sql).len(), 2);
        let Err(EngineError::RefusedSql { refusals }) = definitions(
            "CREATE TABLE other.t (b int INVISIBLE);\nCREATE TABLE IF NOT EXISTS `o`.t (b int INVISIBLE);\n\
                 CREATE ALGORITHM=MERGE VIEW o.v AS SELECT 1 WITH CASCADED CHECK OPTION;",
        ) else {
            panic!("refused");
        };
        assert_eq!(refusals.len(), 3);
        assert!(refusals.iter().all(|r| r.reason == RefusalReason::ServerLevel));
    }

    #[test]
    fn routine_bodies_keep_their_semicolons() {
        let sql = "CREATE PROCEDURE p(IN x int) BEGIN\n  IF x > 0 THEN SELECT 1; END IF;\n  \
                   CASE x WHEN 1 THEN SELECT 2; ELSE SELECT 3; END CASE;\n  SET @y = CASE WHEN x THEN 1 ELSE 0 END;\nEND;\n\
                   CREATE FUNCTION f(x int) RETURNS int DETERMINISTIC RETURN x * 2;\nCREATE TABLE t (id int);";
        let statements = texts(sql);
        assert_eq!(statements.len(), 3, "{statements:?}");
        assert!(statements[0].ends_with("END"), "{}", statements[0]);
        assert!(statements[1].starts_with("CREATE FUNCTION"), "{}", statements[1]);
    }

    #[test]
    fn migration_files_may_backfill_rows_of_this_database_only() {
        let sql = "ALTER TABLE t ADD COLUMN n int;\nUPDATE t SET n = 1 WHERE n IS NULL;\n\
                   INSERT INTO t (id) SELECT id FROM other.src;\nREPLACE INTO t (id) VALUES (2);\n\
                   DELETE FROM t WHERE id > 9;\nTRUNCATE TABLE t;";
        assert_eq!(statements_for(Purpose::Migration, sql).unwrap().len(), 6);
        let Err(EngineError::RefusedSql { refusals }) = definitions(sql) else {
            panic!("desired SQL refuses row changes");
        };
        assert_eq!(refusals.len(), 5);
        let Err(EngineError::RefusedSql { refusals }) = statements_for(
            Purpose::Migration,
            "INSERT INTO other.t VALUES (1);\nUPDATE t JOIN other.u ON t.id = u.id SET u.n = 1;\n\
             DELETE FROM other.t;\nSTART TRANSACTION;\nCOMMIT;\nSET GLOBAL max_connections = 1;\n\
             GRANT ALL ON *.* TO x;",
        ) else {
            panic!("refused");
        };
        let reasons: Vec<(usize, RefusalReason)> = refusals.iter().map(|r| (r.line, r.reason)).collect();
        assert_eq!(
            reasons,
            vec![
                (1, RefusalReason::ServerLevel),
                (2, RefusalReason::ServerLevel),
                (3, RefusalReason::ServerLevel),
                (4, RefusalReason::TransactionControl),
                (5, RefusalReason::TransactionControl),
                (6, RefusalReason::ServerLevel),
                (7, RefusalReason::ServerLevel),
            ]
        );
        // sqlparser does not read MySQL's LOAD DATA INFILE: refused before anything runs.
        assert!(statements_for(Purpose::Migration, "LOAD DATA INFILE '/etc/passwd' INTO TABLE t;").is_err());
    }

    #[test]
    fn a_syntax_error_is_located() {
        let Err(EngineError::SqlSyntax { index, line, .. }) =
            definitions("CREATE TABLE t (id int);\nINSRT INTO t VALUES (1);")
        else {
            panic!("syntax error");
        };
        assert_eq!((index, line), (2, 2));
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    /// Fragments that make SQL-like text, so the parser gets past the first token.
    fn sql_like() -> impl Strategy<Value = String> {
        let fragment = prop::sample::select(vec![
            "CREATE TABLE t (id int)",
            ";",
            "\n",
            " ",
            "INSERT INTO t VALUES (1)",
            "BEGIN",
            "END",
            "`x`",
            "'s'",
            "-- c\n",
            "/* c */",
            "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW",
            "SET NEW.a = 1",
            "é",
            "(",
            ")",
            ",",
            "DROP TABLE t",
            "SELECT 1",
            "DELIMITER //",
        ]);
        prop::collection::vec(prop_oneof![fragment.prop_map(String::from), ".{0,8}"], 0..12)
            .prop_map(|parts| parts.concat())
    }

    proptest! {
        #[test]
        fn splitting_never_panics_and_statements_lie_inside_the_text(sql in sql_like()) {
            let lines = sql.matches('\n').count() + 1;
            match split(&sql) {
                Ok(statements) => {
                    let mut previous_end = 0;
                    for (statement, _) in &statements {
                        prop_assert!(statement.start >= previous_end);
                        prop_assert_eq!(&sql[statement.start..statement.start + statement.text.len()], statement.text);
                        previous_end = statement.start + statement.text.len();
                    }
                }
                Err(EngineError::SqlSyntax { line, .. }) => prop_assert!(line >= 1 && line <= lines),
                Err(other) => prop_assert!(false, "unexpected error: {}", other),
            }
        }
    }
}
