//! The form a statement runs in, in a scratch database: the same definition,
//! without the parts that would run code or cannot run inside the scratch
//! transaction.
//!
//! - `CONCURRENTLY` is dropped from CREATE/DROP INDEX: it cannot run in a
//!   transaction, and on tables without rows it changes nothing.
//! - A materialized view is created `WITH NO DATA`: populating it would run
//!   its query (and any function it calls).
//! - `ALTER TABLE … ADD COLUMN` gets an explicit `DEFAULT NULL`, and its real
//!   default is set by a following `ALTER COLUMN … SET DEFAULT` (or the
//!   explicit one dropped): PostgreSQL evaluates a new column's non-volatile
//!   default, and a domain's default, once while adding it, so a function in
//!   it would run at plan time. `SET DEFAULT` evaluates nothing.
//!
//! - CREATE FUNCTION gets a stub body until the script has run (see
//!   function_bodies.rs).
//!
//! The catalogs end up the same as with the original statement, which is all
//! normalization and replay read.

use std::borrow::Cow;

use pg_query::protobuf::{
    a_const, AConst, AlterTableCmd, AlterTableStmt, ColumnDef, ConstrType, Constraint, Node, ObjectType, ParseResult,
    RawStmt, ScanToken, Token,
};
use pg_query::NodeEnum;

use super::classify::supplies_values;
use super::function_bodies::FunctionBodies;
use crate::engine::error::EngineError;

/// Types that are shorthands for a column with a sequence default.
const SERIAL_TYPES: &[&str] = &["serial", "serial4", "bigserial", "serial8", "smallserial", "serial2"];

/// `text` (the statement at byte `start` of the script, whose `tokens` these
/// are) in its scratch form.
pub fn scratch_form<'a>(
    node: &NodeEnum,
    text: &'a str,
    start: usize,
    tokens: &[ScanToken],
    bodies: &mut FunctionBodies,
) -> Result<Cow<'a, str>, EngineError> {
    let relative = |token: &ScanToken| (token.start as usize - start, token.end as usize - start);
    match node {
        NodeEnum::IndexStmt(index) if index.concurrent => {
            Ok(without_token(text, tokens, Token::Concurrently, relative))
        }
        NodeEnum::DropStmt(drop) if drop.concurrent => Ok(without_token(text, tokens, Token::Concurrently, relative)),
        NodeEnum::CreateTableAsStmt(create)
            if create.objtype == ObjectType::ObjectMatview as i32
                && !create.into.as_ref().is_some_and(|into| into.skip_data) =>
        {
            Ok(Cow::Owned(with_no_data(text, tokens, relative)))
        }
        NodeEnum::AlterTableStmt(alter) if adds_columns(alter) => deparse_alter_table(alter).map(Cow::Owned),
        NodeEnum::CreateFunctionStmt(function) => Ok(match bodies.stub(function, text, start, tokens)? {
            Some(stubbed) => Cow::Owned(stubbed),
            None => Cow::Borrowed(text),
        }),
        _ => Ok(Cow::Borrowed(text)),
    }
}

fn without_token<'a>(
    text: &'a str,
    tokens: &[ScanToken],
    unwanted: Token,
    relative: impl Fn(&ScanToken) -> (usize, usize),
) -> Cow<'a, str> {
    match tokens.iter().find(|t| t.token == unwanted as i32) {
        Some(token) => {
            let (from, to) = relative(token);
            Cow::Owned(format!("{}{}", &text[..from], &text[to..]))
        }
        None => Cow::Borrowed(text),
    }
}

/// The statement ends `WITH DATA` (make it `WITH NO DATA`) or says nothing
/// (add `WITH NO DATA`).
fn with_no_data(text: &str, tokens: &[ScanToken], relative: impl Fn(&ScanToken) -> (usize, usize)) -> String {
    let code: Vec<&ScanToken> = tokens
        .iter()
        .filter(|t| t.token != Token::SqlComment as i32 && t.token != Token::CComment as i32)
        .collect();
    if let [.., with, data] = code.as_slice() {
        if with.token == Token::With as i32 && data.token == Token::DataP as i32 {
            let (from, _) = relative(data);
            return format!("{}NO {}", &text[..from], &text[from..]);
        }
    }
    format!("{text} WITH NO DATA")
}

fn adds_columns(alter: &AlterTableStmt) -> bool {
    alter.objtype == ObjectType::ObjectTable as i32 && alter.cmds.iter().any(|cmd| added_column(cmd).is_some())
}

/// The column an `ADD COLUMN` command adds, when its default must be moved.
fn added_column(cmd: &Node) -> Option<&ColumnDef> {
    let Some(NodeEnum::AlterTableCmd(cmd)) = &cmd.node else {
        return None;
    };
    if cmd.subtype != pg_query::protobuf::AlterTableType::AtAddColumn as i32 {
        return None;
    }
    let Some(NodeEnum::ColumnDef(column)) = cmd.def.as_ref().and_then(|d| d.node.as_ref()) else {
        return None;
    };
    let supplied = column.constraints.iter().any(|c| match &c.node {
        Some(NodeEnum::Constraint(constraint)) => supplies_values(constraint.contype),
        _ => false,
    });
    (!supplied && !is_serial(column)).then_some(&**column)
}

fn is_serial(column: &ColumnDef) -> bool {
    let Some(type_name) = &column.type_name else {
        return false;
    };
    match type_name.names.as_slice() {
        [only] => matches!(&only.node, Some(NodeEnum::String(s)) if SERIAL_TYPES.contains(&s.sval.as_str())),
        _ => false,
    }
}

/// Rewrites each added column as described in the module documentation and
/// prints the statement again with libpg_query's deparser.
fn deparse_alter_table(alter: &AlterTableStmt) -> Result<String, EngineError> {
    let mut rewritten = alter.clone();
    let mut commands = Vec::with_capacity(alter.cmds.len());
    // PostgreSQL checks ALTER COLUMN commands before it adds columns, so the
    // defaults go in a second statement.
    let mut defaults = Vec::new();
    for cmd in &alter.cmds {
        let Some(column) = added_column(cmd) else {
            commands.push(cmd.clone());
            continue;
        };
        let mut column = column.clone();
        let default = take_default(&mut column);
        column.constraints.push(wrap(NodeEnum::Constraint(Box::new(Constraint {
            contype: ConstrType::ConstrDefault as i32,
            raw_expr: Some(Box::new(wrap(null_constant()))),
            location: -1,
            ..Constraint::default()
        }))));
        let name = column.colname.clone();
        let mut add = match &cmd.node {
            Some(NodeEnum::AlterTableCmd(add)) => (**add).clone(),
            _ => unreachable!("added_column only matches ALTER TABLE commands"),
        };
        add.def = Some(Box::new(wrap(NodeEnum::ColumnDef(Box::new(column)))));
        commands.push(wrap(NodeEnum::AlterTableCmd(Box::new(add))));
        // A default of None prints as DROP DEFAULT.
        defaults.push(wrap(NodeEnum::AlterTableCmd(Box::new(AlterTableCmd {
            subtype: pg_query::protobuf::AlterTableType::AtColumnDefault as i32,
            name,
            def: default,
            behavior: pg_query::protobuf::DropBehavior::DropRestrict as i32,
            ..AlterTableCmd::default()
        }))));
    }
    rewritten.cmds = commands;
    let mut then = alter.clone();
    then.cmds = defaults;
    Ok(format!(
        "{};\n{}",
        deparse(NodeEnum::AlterTableStmt(rewritten))?,
        deparse(NodeEnum::AlterTableStmt(then))?
    ))
}

/// One statement printed back by libpg_query's deparser.
pub fn deparse(statement: NodeEnum) -> Result<String, EngineError> {
    let tree = ParseResult {
        version: 0,
        stmts: vec![RawStmt {
            stmt: Some(Box::new(wrap(statement))),
            stmt_location: 0,
            stmt_len: 0,
        }],
    };
    pg_query::deparse(&tree, Default::default()).map_err(|error| EngineError::Unsupported {
        url: "the SQL parser".to_string(),
        what: format!("printing a statement for a scratch database ({error})"),
    })
}

/// Removes the column's DEFAULT constraint, returning its expression.
fn take_default(column: &mut ColumnDef) -> Option<Box<Node>> {
    let position = column.constraints.iter().position(|c| {
        matches!(&c.node, Some(NodeEnum::Constraint(constraint)) if constraint.contype == ConstrType::ConstrDefault as i32)
    })?;
    match column.constraints.remove(position).node {
        Some(NodeEnum::Constraint(constraint)) => constraint.raw_expr,
        _ => None,
    }
}

fn null_constant() -> NodeEnum {
    NodeEnum::AConst(AConst {
        isnull: true,
        location: -1,
        val: None::<a_const::Val>,
    })
}

fn wrap(node: NodeEnum) -> Node {
    Node { node: Some(node) }
}
