//! Function bodies are set aside while a script runs in a scratch database.
//!
//! PostgreSQL runs user functions while it defines things: an immutable
//! function called with constant arguments is evaluated when an index
//! predicate or expression is built, when a CHECK added by ALTER TABLE is
//! validated, when a domain constraint is checked, even on tables without
//! rows (the planner folds such calls into constants). A function whose body
//! reached outside the scratch database (through dblink, COPY … PROGRAM, or
//! by signalling other sessions) would then act at plan time. So in a scratch
//! database every function is first created with a stub body that does
//! nothing, and after the whole script has run, each function that still
//! exists gets its real body back through `CREATE OR REPLACE FUNCTION`, built
//! from the catalog's own definition (`pg_get_functiondef`), so whatever the
//! script did to the function after creating it (renamed it, moved it,
//! changed its volatility or owner) stays as it is. Nothing runs a function
//! after that: the schema is read and the transaction rolled back.

use pg_query::protobuf::{
    CreateFunctionStmt, DefElem, DefElemAction, FunctionParameterMode, List, Node, ScanToken, String as PgString, Token,
};
use pg_query::NodeEnum;
use sqlx::postgres::PgConnection;
use sqlx::{Executor, Row};

use super::scratch_form::deparse;
use crate::engine::error::{database_message, EngineError};

/// Starts every stub body: `/* tfalchemy scratch stub N */`, N indexing [`FunctionBodies`].
const STUB_MARKER: &str = "/* tfalchemy scratch stub ";

/// The real bodies of the functions a script creates with stubs.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FunctionBodies {
    bodies: Vec<RealBody>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct RealBody {
    language: String,
    body: Body,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Body {
    /// `AS 'source'`.
    Quoted(String),
    /// A SQL-standard body (`RETURN …` or `BEGIN ATOMIC … END`), as written.
    Standard(String),
}

impl FunctionBodies {
    pub fn is_empty(&self) -> bool {
        self.bodies.is_empty()
    }

    /// The scratch form of a CREATE FUNCTION statement (`text`, with its
    /// script-relative `tokens` starting at byte `start`), when it needs a stub.
    pub fn stub(
        &mut self,
        function: &CreateFunctionStmt,
        text: &str,
        start: usize,
        tokens: &[ScanToken],
    ) -> Result<Option<String>, EngineError> {
        if !runs_during_definitions(function) {
            return Ok(None);
        }
        let language = option(function, "language")
            .and_then(string_value)
            .unwrap_or("sql")
            .to_string();
        let body = match &function.sql_body {
            Some(_) => Body::Standard(standard_body(text, start, tokens).to_string()),
            None => match option(function, "as").map(strings).as_deref() {
                Some([source]) => Body::Quoted(source.to_string()),
                // Two strings (object file and symbol) are C; nothing else to stub.
                _ => return Ok(None),
            },
        };
        let marker = self.bodies.len();
        self.bodies.push(RealBody { language, body });
        let mut stubbed = function.clone();
        stubbed.sql_body = None;
        stubbed
            .options
            .retain(|o| !matches!(&o.node, Some(NodeEnum::DefElem(d)) if d.defname == "as" || d.defname == "language"));
        let stub_source = format!("{STUB_MARKER}{marker} */ {}", stub_statement(function));
        stubbed.options.push(def_elem("language", string_node("plpgsql")));
        stubbed.options.push(def_elem(
            "as",
            Node {
                node: Some(NodeEnum::List(List {
                    items: vec![string_node(&stub_source)],
                })),
            },
        ));
        deparse(NodeEnum::CreateFunctionStmt(Box::new(stubbed))).map(Some)
    }

    /// Puts the real bodies back into the functions of the scratch database
    /// behind `conn` that still have stubs.
    pub async fn restore(&self, conn: &mut PgConnection, label: &str) -> Result<(), EngineError> {
        if self.is_empty() {
            return Ok(());
        }
        let failed = |e: sqlx::Error| EngineError::Inspect {
            url: label.to_string(),
            reason: format!("could not restore function bodies: {}", database_message(&e)),
        };
        let rows = sqlx::query(
            "SELECT pg_get_functiondef(p.oid), p.prosrc FROM pg_proc p WHERE starts_with(p.prosrc, $1) ORDER BY p.oid",
        )
        .bind(STUB_MARKER)
        .fetch_all(&mut *conn)
        .await
        .map_err(failed)?;
        for row in rows {
            let definition: String = row.try_get(0).map_err(failed)?;
            let source: String = row.try_get(1).map_err(failed)?;
            let Some(real) = self.marked(&source) else { continue };
            let statement = real.replacing_stub(&definition).ok_or_else(|| EngineError::Inspect {
                url: label.to_string(),
                reason: format!("could not restore the body of a function defined as: {definition}"),
            })?;
            conn.execute(sqlx::raw_sql(&statement))
                .await
                .map_err(|e| EngineError::Inspect {
                    url: label.to_string(),
                    reason: format!(
                        "could not restore a function body: {}\n  statement: {statement}",
                        database_message(&e)
                    ),
                })?;
        }
        Ok(())
    }

    fn marked(&self, source: &str) -> Option<&RealBody> {
        let number = source.strip_prefix(STUB_MARKER)?.split(' ').next()?;
        self.bodies.get(number.parse::<usize>().ok()?)
    }
}

impl RealBody {
    /// `definition` (pg_get_functiondef of a stub) with the real language and body.
    fn replacing_stub(&self, definition: &str) -> Option<String> {
        let definition = definition.replacen(
            "\n LANGUAGE plpgsql\n",
            &format!("\n LANGUAGE {}\n", super::super::ident::quote(&self.language)),
            1,
        );
        let header = &definition[..definition.rfind("\nAS $function$")?];
        let body = match &self.body {
            Body::Quoted(source) => format!("AS {}", dollar_quoted(source)),
            Body::Standard(text) => text.clone(),
        };
        Some(format!("{header}\n{body}"))
    }
}

/// Whether PostgreSQL may call the function while defining other objects.
/// Procedures are only ever called by CALL, trigger functions by row
/// changes: neither happens in a scratch database.
fn runs_during_definitions(function: &CreateFunctionStmt) -> bool {
    if function.is_procedure {
        return false;
    }
    let language = option(function, "language").and_then(string_value).unwrap_or("sql");
    if language.eq_ignore_ascii_case("internal") || language.eq_ignore_ascii_case("c") {
        return false;
    }
    !matches!(return_type(function).as_deref(), Some("trigger" | "event_trigger"))
}

fn return_type(function: &CreateFunctionStmt) -> Option<String> {
    let names = &function.return_type.as_ref()?.names;
    names.last().and_then(|n| string_value(n)).map(str::to_ascii_lowercase)
}

/// A body that returns at once: no value where the function has OUT
/// parameters, returns a set or nothing, else NULL.
fn stub_statement(function: &CreateFunctionStmt) -> &'static str {
    let has_out = function.parameters.iter().any(|p| match &p.node {
        Some(NodeEnum::FunctionParameter(p)) => [
            FunctionParameterMode::FuncParamOut as i32,
            FunctionParameterMode::FuncParamInout as i32,
            FunctionParameterMode::FuncParamTable as i32,
        ]
        .contains(&p.mode),
        _ => false,
    });
    let returns_set = function.return_type.as_ref().is_some_and(|t| t.setof);
    if has_out || returns_set || return_type(function).as_deref() == Some("void") {
        "BEGIN RETURN; END"
    } else {
        "BEGIN RETURN NULL; END"
    }
}

/// The SQL-standard body of a CREATE FUNCTION statement: from its `RETURN`
/// or `BEGIN ATOMIC` to the end.
fn standard_body<'a>(text: &'a str, start: usize, tokens: &[ScanToken]) -> &'a str {
    let opens_body = |pair: &[ScanToken]| {
        pair[0].token == Token::Return as i32
            || (pair[0].token == Token::BeginP as i32 && pair[1].token == Token::Atomic as i32)
    };
    let at = tokens
        .windows(2)
        .find(|pair| opens_body(pair))
        .map(|pair| pair[0].start as usize - start);
    at.map_or(text, |at| &text[at..])
}

fn dollar_quoted(text: &str) -> String {
    let mut tag = "$tfalchemy$".to_string();
    let mut n = 0;
    while text.contains(&tag) {
        n += 1;
        tag = format!("$tfalchemy{n}$");
    }
    format!("{tag}{text}{tag}")
}

fn option<'f>(function: &'f CreateFunctionStmt, name: &str) -> Option<&'f Node> {
    function.options.iter().find_map(|o| match &o.node {
        Some(NodeEnum::DefElem(d)) if d.defname == name => d.arg.as_deref(),
        _ => None,
    })
}

fn string_value(node: &Node) -> Option<&str> {
    match &node.node {
        Some(NodeEnum::String(s)) => Some(&s.sval),
        _ => None,
    }
}

fn strings(node: &Node) -> Vec<&str> {
    match &node.node {
        Some(NodeEnum::List(list)) => list.items.iter().filter_map(string_value).collect(),
        Some(NodeEnum::String(s)) => vec![s.sval.as_str()],
        _ => Vec::new(),
    }
}

fn string_node(text: &str) -> Node {
    Node {
        node: Some(NodeEnum::String(PgString { sval: text.to_string() })),
    }
}

fn def_elem(name: &str, arg: Node) -> Node {
    Node {
        node: Some(NodeEnum::DefElem(Box::new(DefElem {
            defname: name.to_string(),
            arg: Some(Box::new(arg)),
            defaction: DefElemAction::DefelemUnspec as i32,
            location: -1,
            ..DefElem::default()
        }))),
    }
}
