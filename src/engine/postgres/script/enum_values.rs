//! Enum values added after the type was created in the same script. Inside
//! one transaction, PostgreSQL before 17 refuses to use a value that
//! `ALTER TYPE … ADD VALUE` added ("unsafe use of new value") even when the
//! type itself is new, and a scratch database runs everything in one
//! transaction. So the scratch form folds such a value into the type's
//! `CREATE TYPE … AS ENUM` (at the position ADD VALUE would give it) and
//! skips the ALTER: the type ends up the same.

use std::collections::HashMap;

use pg_query::protobuf::{AlterEnumStmt, CreateEnumStmt, Node, String as PgString};
use pg_query::NodeEnum;

use super::scratch_form::deparse;
use crate::engine::error::EngineError;

/// Enum types created so far in a script, by name.
#[derive(Debug, Default)]
pub struct EnumValues {
    /// Type name (unqualified) → where its CREATE TYPE is in the output, and
    /// the statement with the values folded in so far; `None` when two
    /// schemas create a type of that name (then nothing is folded).
    created: HashMap<String, Option<(usize, CreateEnumStmt)>>,
}

/// An earlier statement's new scratch form.
pub struct Rewrite {
    pub position: usize,
    pub scratch_sql: String,
}

impl EnumValues {
    /// Notes a CREATE TYPE … AS ENUM at `position` of the output.
    pub fn created(&mut self, position: usize, create: &CreateEnumStmt) {
        let Some(name) = last_name(&create.type_name) else {
            return;
        };
        self.created
            .entry(name)
            .and_modify(|seen| *seen = None)
            .or_insert_with(|| Some((position, create.clone())));
    }

    /// For an ADD VALUE on a type this script created: the CREATE TYPE to
    /// run instead (the ALTER is then skipped). `None`: run the ALTER.
    pub fn fold(&mut self, alter: &AlterEnumStmt) -> Result<Option<Rewrite>, EngineError> {
        if !alter.old_val.is_empty() {
            return Ok(None); // RENAME VALUE is safe in a transaction
        }
        let Some(name) = last_name(&alter.type_name) else {
            return Ok(None);
        };
        let Some(Some((position, create))) = self.created.get_mut(&name) else {
            return Ok(None);
        };
        let labels: Vec<&str> = create.vals.iter().filter_map(label).collect();
        if labels.contains(&alter.new_val.as_str()) {
            return Ok(if alter.skip_if_new_val_exists {
                Some(Rewrite {
                    position: *position,
                    scratch_sql: deparse(NodeEnum::CreateEnumStmt(create.clone()))?,
                })
            } else {
                None // let PostgreSQL say the value exists
            });
        }
        let at = if alter.new_val_neighbor.is_empty() {
            labels.len()
        } else {
            match labels.iter().position(|l| *l == alter.new_val_neighbor) {
                Some(i) if alter.new_val_is_after => i + 1,
                Some(i) => i,
                None => return Ok(None), // let PostgreSQL say the neighbour is missing
            }
        };
        create.vals.insert(
            at,
            Node {
                node: Some(NodeEnum::String(PgString {
                    sval: alter.new_val.clone(),
                })),
            },
        );
        Ok(Some(Rewrite {
            position: *position,
            scratch_sql: deparse(NodeEnum::CreateEnumStmt(create.clone()))?,
        }))
    }
}

fn last_name(names: &[Node]) -> Option<String> {
    names.last().and_then(label).map(str::to_string)
}

fn label(node: &Node) -> Option<&str> {
    match &node.node {
        Some(NodeEnum::String(s)) => Some(&s.sval),
        _ => None,
    }
}
