//! Which table each statement of desired SQL belongs to (see
//! engine/parts.rs): the statements SQLAlchemy writes for a table (its
//! `CREATE TABLE`, indexes, comments, and the `ALTER TABLE … ADD CONSTRAINT`
//! of a foreign key cycle), and the shared ones tables use (types, schemas,
//! extensions, sequences of their own). Anything else — views, functions,
//! triggers, grants, `SET`, inheritance, partitions — belongs to no part,
//! and the script is normalized whole.

use pg_query::protobuf::{AlterTableType, ConstrType, ObjectType, RangeVar};
use pg_query::{Node, NodeEnum};

use crate::engine::parts::Part;
use crate::engine::postgres::ident;

/// The part `node` belongs to, if any.
pub fn part_of(node: &NodeEnum) -> Option<Part> {
    match node {
        NodeEnum::CreateStmt(create) => {
            let plain = create.inh_relations.is_empty()
                && create.partbound.is_none()
                && create.partspec.is_none()
                && create.of_typename.is_none();
            let relation = create.relation.as_ref()?;
            if !plain || relation.relpersistence == "t" {
                return None;
            }
            let mut references = Vec::new();
            for element in nodes(&create.table_elts).chain(nodes(&create.constraints)) {
                match element {
                    NodeEnum::ColumnDef(column) => references.extend(referenced(nodes(&column.constraints))),
                    NodeEnum::Constraint(_) => references.extend(referenced(std::iter::once(element))),
                    // `LIKE other`: the table is made of another.
                    _ => return None,
                }
            }
            table(relation, references)
        }
        NodeEnum::IndexStmt(index) => table(index.relation.as_ref()?, Vec::new()),
        NodeEnum::AlterTableStmt(alter) if alter.objtype == ObjectType::ObjectTable as i32 => {
            let mut references = Vec::new();
            for command in nodes(&alter.cmds) {
                let NodeEnum::AlterTableCmd(command) = command else {
                    return None;
                };
                let definition = command.def.as_deref().and_then(|def| def.node.as_ref());
                match AlterTableType::try_from(command.subtype).ok()? {
                    AlterTableType::AtAddConstraint => references.extend(referenced(definition.into_iter())),
                    AlterTableType::AtAddColumn => {
                        if let Some(NodeEnum::ColumnDef(column)) = definition {
                            references.extend(referenced(nodes(&column.constraints)));
                        }
                    }
                    AlterTableType::AtColumnDefault | AlterTableType::AtSetNotNull | AlterTableType::AtDropNotNull => {}
                    _ => return None,
                }
            }
            table(alter.relation.as_ref()?, references)
        }
        NodeEnum::CommentStmt(comment) => match ObjectType::try_from(comment.objtype).ok()? {
            ObjectType::ObjectTable => {
                let names = names(comment.object.as_deref()?)?;
                table_named(&names)
            }
            ObjectType::ObjectColumn => {
                let names = names(comment.object.as_deref()?)?;
                table_named(names.split_last()?.1)
            }
            ObjectType::ObjectType | ObjectType::ObjectDomain | ObjectType::ObjectSchema => Some(Part::Shared),
            _ => None,
        },
        NodeEnum::CreateEnumStmt(_)
        | NodeEnum::AlterEnumStmt(_)
        | NodeEnum::CreateExtensionStmt(_)
        | NodeEnum::CreateDomainStmt(_)
        | NodeEnum::CompositeTypeStmt(_) => Some(Part::Shared),
        NodeEnum::CreateSchemaStmt(schema) if schema.schema_elts.is_empty() => Some(Part::Shared),
        // `OWNED BY` ties the sequence to a table.
        NodeEnum::CreateSeqStmt(sequence) if !nodes(&sequence.options).any(is_owned_by) => Some(Part::Shared),
        _ => None,
    }
}

fn nodes(list: &[Node]) -> impl Iterator<Item = &NodeEnum> {
    list.iter().filter_map(|node| node.node.as_ref())
}

fn is_owned_by(option: &NodeEnum) -> bool {
    matches!(option, NodeEnum::DefElem(definition) if definition.defname == "owned_by")
}

/// The tables foreign-key constraints among `constraints` reference.
fn referenced<'n>(constraints: impl Iterator<Item = &'n NodeEnum>) -> Vec<String> {
    constraints
        .filter_map(|constraint| match constraint {
            NodeEnum::Constraint(constraint) if constraint.contype == ConstrType::ConstrForeign as i32 => {
                constraint.pktable.as_ref().map(key)
            }
            _ => None,
        })
        .collect()
}

/// Unqualified names are in `public` (a script that sets `search_path`
/// belongs to no part); a wrong guess only makes the table look changed.
fn key(relation: &RangeVar) -> String {
    let namespace = if relation.schemaname.is_empty() {
        "public"
    } else {
        &relation.schemaname
    };
    ident::key(namespace, &relation.relname)
}

fn table(relation: &RangeVar, references: Vec<String>) -> Option<Part> {
    if !relation.catalogname.is_empty() {
        return None;
    }
    Some(Part::Table {
        key: key(relation),
        references,
    })
}

/// `[table]` or `[schema, table]`.
fn table_named(names: &[String]) -> Option<Part> {
    let (namespace, name) = match names {
        [name] => ("public", name),
        [namespace, name] => (namespace.as_str(), name),
        _ => return None,
    };
    Some(Part::Table {
        key: ident::key(namespace, name),
        references: Vec::new(),
    })
}

/// The names of a `COMMENT ON` object (a list of strings).
fn names(object: &Node) -> Option<Vec<String>> {
    let NodeEnum::List(list) = object.node.as_ref()? else {
        return None;
    };
    nodes(&list.items)
        .map(|item| match item {
            NodeEnum::String(name) => Some(name.sval.clone()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(sql: &str) -> Option<Part> {
        let tree = super::super::parse::parse(sql).unwrap();
        part_of(tree.stmts[0].stmt.as_ref().unwrap().node.as_ref().unwrap())
    }

    fn table_part(key: &str, references: &[&str]) -> Option<Part> {
        Some(Part::Table {
            key: key.to_string(),
            references: references.iter().map(|r| r.to_string()).collect(),
        })
    }

    #[test]
    fn a_tables_statements_belong_to_it_with_what_they_reference() {
        assert_eq!(
            part("CREATE TABLE orders (id serial PRIMARY KEY, customer int REFERENCES app.\"Customers\" (id), FOREIGN KEY (id) REFERENCES other)"),
            table_part("public.orders", &["app.\"Customers\"", "public.other"])
        );
        assert_eq!(
            part("CREATE UNIQUE INDEX ix ON app.\"T\" (a) WHERE a > 0"),
            table_part("app.\"T\"", &[])
        );
        assert_eq!(part("COMMENT ON TABLE t IS 'x'"), table_part("public.t", &[]));
        assert_eq!(part("COMMENT ON COLUMN s.t.c IS 'x'"), table_part("s.t", &[]));
        assert_eq!(
            part("ALTER TABLE a ADD CONSTRAINT fk FOREIGN KEY (b) REFERENCES b (id)"),
            table_part("public.a", &["public.b"])
        );
    }

    #[test]
    fn types_schemas_extensions_and_free_sequences_are_shared() {
        for sql in [
            "CREATE TYPE status AS ENUM ('a', 'b')",
            "ALTER TYPE status ADD VALUE 'c'",
            "CREATE SCHEMA app",
            "CREATE EXTENSION IF NOT EXISTS citext",
            "CREATE DOMAIN positive AS int CHECK (VALUE > 0)",
            "CREATE TYPE pair AS (a int, b int)",
            "CREATE SEQUENCE numbers",
            "COMMENT ON TYPE status IS 'x'",
        ] {
            assert_eq!(part(sql), Some(Part::Shared), "{sql}");
        }
    }

    #[test]
    fn what_no_table_owns_alone_belongs_to_no_part() {
        for sql in [
            "CREATE VIEW v AS SELECT 1",
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
            "CREATE TABLE child (a int) INHERITS (parent)",
            "CREATE TABLE p (a int) PARTITION BY RANGE (a)",
            "CREATE TABLE c (LIKE p)",
            "CREATE TEMP TABLE t (a int)",
            "CREATE SEQUENCE s OWNED BY t.id",
            "ALTER TABLE t OWNER TO someone",
            "ALTER TABLE t ENABLE ROW LEVEL SECURITY",
            "GRANT SELECT ON t TO someone",
            "SET search_path = app",
            "COMMENT ON INDEX ix IS 'x'",
            "CREATE SCHEMA app CREATE TABLE t (a int)",
            "CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()",
        ] {
            assert_eq!(part(sql), None, "{sql}");
        }
    }
}
