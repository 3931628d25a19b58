//! Desired SQL as PostgreSQL's own grammar reads it (libpg_query, through the
//! `pg_query` crate): split into statements, each located, classified, and
//! given the form it runs in a scratch database. This is the gate every
//! piece of SQL passes before a plan runs it anywhere: statements that are
//! not schema definitions are refused here, all of them at once, with their
//! line, before anything runs (see classify.rs for the accepted set).

mod access;
mod classify;
mod enum_values;
mod function_bodies;
mod lexemes;
mod parse;
mod parts;
mod scratch_form;
mod settings;

use std::borrow::Cow;

use std::ops::Range;

use pg_query::protobuf::{ScanToken, Token};
use pg_query::NodeEnum;

use enum_values::EnumValues;

pub use classify::Purpose;
pub use function_bodies::FunctionBodies;
pub use lexemes::GRAMMAR;
pub(crate) use parse::parse;
pub use settings::ALLOWED as ALLOWED_SETTINGS;

use crate::engine::error::EngineError;
use crate::engine::parts::{Part, PartStatement};
use crate::engine::script::{shorten, Lines, Refusal, ScriptStatement};

/// A statement of desired SQL that may run in a scratch database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainedStatement<'a> {
    /// As written, for messages.
    pub statement: ScriptStatement<'a>,
    /// What runs (see scratch_form.rs); usually the statement itself.
    pub scratch_sql: Cow<'a, str>,
    /// False for a statement that cannot run inside a transaction block
    /// (see [`classify::needs_no_transaction`]).
    pub in_transaction: bool,
    /// The table it belongs to, or shared (see parts.rs); `None`: neither.
    pub part: Option<Part>,
}

/// A script ready for a scratch database: its statements in scratch form, and
/// the function bodies to put back after they ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScratchScript<'a> {
    pub statements: Vec<ContainedStatement<'a>>,
    pub bodies: FunctionBodies,
    /// Whether the script declares privileges (see [`access`]).
    pub declares_privileges: bool,
    /// The privilege and ownership statements the model does not manage,
    /// as `statement N: what it is about`.
    pub unmanaged_access: Vec<String>,
}

/// Parses `sql`, refuses what is not schema definition, and returns the
/// statements in their scratch form. Nothing has run when this fails.
pub fn contain(sql: &str) -> Result<ScratchScript<'_>, EngineError> {
    contain_for(Purpose::Desired, sql)
}

/// The statements of `sql` with their parts (see engine/parts.rs); `None`
/// when the gate refuses the script or a statement belongs to no part.
pub fn script_parts(sql: &str) -> Option<Vec<PartStatement<'_>>> {
    let script = contain(sql).ok()?;
    script
        .statements
        .into_iter()
        .map(|contained| {
            Some(PartStatement {
                part: contained.part?,
                text: contained.statement.text,
            })
        })
        .collect()
}

/// [`contain`] for a script written for `purpose`: a migration file may
/// also change data (see [`Purpose::Migration`]).
pub fn contain_for(purpose: Purpose, sql: &str) -> Result<ScratchScript<'_>, EngineError> {
    parse::on_parser_stack(|| contain_on_parser_stack(purpose, sql))
}

fn contain_on_parser_stack(purpose: Purpose, sql: &str) -> Result<ScratchScript<'_>, EngineError> {
    let mut bodies = FunctionBodies::default();
    let mut enums = EnumValues::default();
    let lines = Lines::new(sql);
    let syntax = |error: parse::SyntaxError| syntax_error(sql, &lines, error);
    let tokens = parse::scan(sql).map_err(syntax)?;
    // One statement's tree at a time: the trees of a whole script of
    // thousands of tables would take a hundred megabytes at once.
    let pieces = parse::split(sql).map_err(syntax)?;
    let mut contained = Vec::with_capacity(pieces.len());
    let mut refusals = Vec::new();
    let mut declares_privileges = false;
    let mut unmanaged_access = Vec::new();
    for piece in pieces {
        let Some((start, end, own_tokens)) = statement_span(&piece, &tokens) else {
            continue;
        };
        let statement = lines.statement(start, end);
        let tree = parse::parse(&sql[piece.clone()]).map_err(|mut error| {
            error.offset = error.offset.map(|offset| offset + piece.start);
            syntax(error)
        })?;
        let Some(node) = tree
            .stmts
            .first()
            .and_then(|raw| raw.stmt.as_ref())
            .and_then(|s| s.node.as_ref())
        else {
            continue;
        };
        let index = contained.len() + refusals.len() + 1;
        if let Err((reason, detail)) = classify::classify_for(purpose, node) {
            refusals.push(Refusal::new(&statement, index, reason, detail));
            continue;
        }
        declares_privileges |= access::declares_privileges(node);
        if let Some(what) = access::unmanaged(node) {
            unmanaged_access.push(format!("{what} (statement {index}, line {})", statement.line));
        }
        let mut scratch_sql = scratch_form::scratch_form(node, statement.text, start, own_tokens, &mut bodies)?;
        match node {
            NodeEnum::CreateEnumStmt(create) => enums.created(contained.len(), create),
            NodeEnum::AlterEnumStmt(alter) => {
                if let Some(rewrite) = enums.fold(alter)? {
                    let earlier: &mut ContainedStatement<'_> = &mut contained[rewrite.position];
                    earlier.scratch_sql = Cow::Owned(rewrite.scratch_sql);
                    scratch_sql = Cow::Borrowed("");
                }
            }
            _ => {}
        }
        let in_transaction = !classify::needs_no_transaction(node);
        contained.push(ContainedStatement {
            statement,
            scratch_sql,
            in_transaction,
            part: parts::part_of(node),
        });
        // The tree is dropped here, on the parser's stack.
    }
    if refusals.is_empty() {
        Ok(ScratchScript {
            statements: contained,
            bodies,
            declares_privileges,
            unmanaged_access,
        })
    } else {
        Err(EngineError::RefusedSql { refusals })
    }
}

/// The scratch form of statements the engine rendered (the copy of a live
/// schema followed by a plan), for replaying them: one entry per statement,
/// empty where nothing needs to run. A statement the gate refuses is reported
/// by its 1-based position.
pub fn contain_rendered(statements: &[&str]) -> Result<(Vec<String>, FunctionBodies), (usize, String)> {
    // One script, so that what one statement needs from an earlier one (a
    // function body, an enum type's values) carries over.
    let mut script = String::new();
    let mut first_lines = Vec::with_capacity(statements.len());
    let mut line = 1;
    for statement in statements {
        first_lines.push(line);
        script.push_str(statement);
        script.push_str("\n;\n");
        line += statement.matches('\n').count() + 2;
    }
    let owner = |line: usize| first_lines.partition_point(|&first| first <= line).max(1);
    let contained = contain(&script).map_err(|error| match &error {
        EngineError::RefusedSql { refusals } => (owner(refusals[0].line), error.to_string()),
        EngineError::SqlSyntax { line, .. } => (owner(*line), error.to_string()),
        _ => (1, error.to_string()),
    })?;
    let mut forms = vec![String::new(); statements.len()];
    for statement in &contained.statements {
        if statement.scratch_sql.is_empty() {
            continue;
        }
        let form = &mut forms[owner(statement.statement.line) - 1];
        if !form.is_empty() {
            form.push_str(";\n");
        }
        form.push_str(&statement.scratch_sql);
    }
    Ok((forms, contained.bodies))
}

/// The tokens of `sql` as PostgreSQL's scanner reads them, without comments
/// (see engine/canonical.rs); `None` when the scanner rejects the text.
pub fn tokens_without_comments(sql: &str) -> Option<Vec<String>> {
    let tokens = parse::tokens(sql).ok()?;
    Some(
        tokens
            .iter()
            .filter(|t| t.token != Token::SqlComment as i32 && t.token != Token::CComment as i32)
            .map(|t| sql[t.start as usize..t.end as usize].to_string())
            .collect(),
    )
}

/// The byte range of the statement in `piece` without surrounding comments
/// and `;`, and its tokens; `None` for an empty statement.
fn statement_span<'t>(piece: &Range<usize>, tokens: &'t [ScanToken]) -> Option<(usize, usize, &'t [ScanToken])> {
    let first = tokens.partition_point(|t| (t.start as usize) < piece.start);
    let last = tokens.partition_point(|t| (t.start as usize) < piece.end);
    let own = &tokens[first..last];
    let is_code = |t: &&ScanToken| {
        t.token != Token::SqlComment as i32 && t.token != Token::CComment as i32 && t.token != Token::Ascii59 as i32
    };
    let start = own.iter().find(is_code)?.start as usize;
    let end = own.iter().rev().find(is_code)?.end as usize;
    Some((start, end, own))
}

fn syntax_error(sql: &str, lines: &Lines, error: parse::SyntaxError) -> EngineError {
    let offset = error.offset.unwrap_or(0).min(sql.len());
    let (index, statement) = statement_around(sql, offset);
    EngineError::SqlSyntax {
        index,
        line: lines.position(offset).0,
        column: lines.position(offset).1,
        message: error.message,
        statement: shorten(statement),
    }
}

/// The 1-based position and the text of the statement holding byte `offset`,
/// as the scanner (which tolerates what the grammar rejects) splits the
/// script; where the scanner fails too, the statements before the offset.
fn statement_around(sql: &str, offset: usize) -> (usize, &str) {
    let pieces = |text: &'_ str| -> Option<Vec<(usize, usize)>> {
        let pieces = pg_query::split_with_scanner(text).ok()?;
        Some(
            pieces
                .iter()
                .filter(|piece| !piece.trim().is_empty())
                .map(|piece| {
                    let start = piece.as_ptr() as usize - sql.as_ptr() as usize;
                    let start = start + piece.len() - piece.trim_start().len();
                    (start, start + piece.trim().len())
                })
                .collect(),
        )
    };
    if let Some(statements) = pieces(sql) {
        if let Some(i) = statements.iter().position(|&(_, end)| offset < end) {
            let (start, end) = statements[i];
            return (i + 1, &sql[start..end]);
        }
    }
    // The scanner stopped at the error: count what came before it.
    let before = &sql[..offset];
    let statements = pieces(before).unwrap_or_default();
    let ends_a_statement = before.trim_end().ends_with(';') || before.trim().is_empty();
    let (index, start) = match statements.last() {
        Some(&(start, _)) if !ends_a_statement => (statements.len(), start),
        _ => (statements.len() + 1, offset),
    };
    (index, sql[start..].trim())
}

#[cfg(test)]
mod tests;
