//! Which privilege and ownership statements of desired SQL the model
//! manages (see [`crate::engine::privileges`]). The gate (classify.rs)
//! decides what may run; this says what a plan then keeps in step, so that
//! the rest is warned about instead of silently ignored.

use pg_query::protobuf::{AlterTableType, ObjectType};
use pg_query::NodeEnum;

/// True for a statement that declares privileges: from then on the
/// privileges of every object in scope are managed.
pub fn declares_privileges(node: &NodeEnum) -> bool {
    match node {
        NodeEnum::GrantStmt(grant) => managed_privileges(grant.objtype),
        NodeEnum::AlterDefaultPrivilegesStmt(_) => true,
        NodeEnum::CreateSchemaStmt(schema) => schema
            .schema_elts
            .iter()
            .filter_map(|element| element.node.as_ref())
            .any(declares_privileges),
        _ => false,
    }
}

/// What a privilege or ownership statement is about when the model does not
/// manage it (`GRANT or REVOKE on a language`), for a warning.
pub fn unmanaged(node: &NodeEnum) -> Option<String> {
    match node {
        NodeEnum::GrantStmt(grant) if !managed_privileges(grant.objtype) => {
            Some(format!("GRANT or REVOKE on {}", object_kind(grant.objtype)))
        }
        NodeEnum::AlterOwnerStmt(owner) if !managed_owner(owner.object_type) => {
            Some(format!("ALTER … OWNER TO on {}", object_kind(owner.object_type)))
        }
        NodeEnum::AlterTableStmt(alter) if alter.objtype == ObjectType::ObjectForeignTable as i32 => {
            let changes_owner = alter.cmds.iter().any(|cmd| match &cmd.node {
                Some(NodeEnum::AlterTableCmd(cmd)) => cmd.subtype == AlterTableType::AtChangeOwner as i32,
                _ => false,
            });
            changes_owner.then(|| "ALTER … OWNER TO on a foreign table".to_string())
        }
        NodeEnum::CreateSchemaStmt(schema) => schema
            .schema_elts
            .iter()
            .filter_map(|element| element.node.as_ref())
            .find_map(unmanaged),
        _ => None,
    }
}

fn managed_privileges(object_type: i32) -> bool {
    matches!(
        ObjectType::try_from(object_type).unwrap_or(ObjectType::Undefined),
        ObjectType::ObjectTable
            | ObjectType::ObjectSequence
            | ObjectType::ObjectFunction
            | ObjectType::ObjectProcedure
            | ObjectType::ObjectRoutine
            | ObjectType::ObjectSchema
            | ObjectType::ObjectType
            | ObjectType::ObjectDomain
    )
}

fn managed_owner(object_type: i32) -> bool {
    matches!(
        ObjectType::try_from(object_type).unwrap_or(ObjectType::Undefined),
        ObjectType::ObjectSchema
            | ObjectType::ObjectType
            | ObjectType::ObjectDomain
            | ObjectType::ObjectFunction
            | ObjectType::ObjectProcedure
            | ObjectType::ObjectRoutine
    )
}

/// `a language`, `a foreign data wrapper`, … from the parser's name.
fn object_kind(object_type: i32) -> String {
    let object = ObjectType::try_from(object_type).unwrap_or(ObjectType::Undefined);
    let name = match object {
        ObjectType::ObjectFdw => "foreign data wrapper".to_string(),
        ObjectType::ObjectForeignServer => "foreign server".to_string(),
        ObjectType::ObjectTsconfiguration => "text search configuration".to_string(),
        ObjectType::ObjectTsdictionary => "text search dictionary".to_string(),
        ObjectType::ObjectOpclass => "operator class".to_string(),
        ObjectType::ObjectOpfamily => "operator family".to_string(),
        ObjectType::ObjectStatisticExt => "statistics object".to_string(),
        other => format!("{other:?}").trim_start_matches("Object").to_lowercase(),
    };
    let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first(sql: &str) -> NodeEnum {
        let tree = super::super::parse::parse(sql).unwrap();
        tree.stmts[0].stmt.as_ref().unwrap().node.clone().unwrap()
    }

    #[test]
    fn grants_on_schema_objects_declare_privileges() {
        assert!(declares_privileges(&first("GRANT SELECT ON t TO r")));
        assert!(declares_privileges(&first(
            "REVOKE EXECUTE ON FUNCTION f() FROM PUBLIC"
        )));
        assert!(declares_privileges(&first(
            "ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO r"
        )));
        assert!(declares_privileges(&first(
            "CREATE SCHEMA s CREATE TABLE t (a int) GRANT SELECT ON t TO r"
        )));
        assert!(!declares_privileges(&first("ALTER TABLE t OWNER TO r")));
        assert!(!declares_privileges(&first("GRANT USAGE ON LANGUAGE plpgsql TO r")));
    }

    #[test]
    fn what_is_not_managed_is_named() {
        assert_eq!(
            unmanaged(&first("GRANT USAGE ON LANGUAGE plpgsql TO r")).as_deref(),
            Some("GRANT or REVOKE on a language")
        );
        assert_eq!(
            unmanaged(&first("GRANT USAGE ON FOREIGN DATA WRAPPER w TO r")).as_deref(),
            Some("GRANT or REVOKE on a foreign data wrapper")
        );
        assert_eq!(
            unmanaged(&first("ALTER COLLATION c OWNER TO r")).as_deref(),
            Some("ALTER … OWNER TO on a collation")
        );
        assert_eq!(unmanaged(&first("ALTER FUNCTION f() OWNER TO r")), None);
        assert_eq!(unmanaged(&first("ALTER TABLE t OWNER TO r")), None);
        assert_eq!(unmanaged(&first("GRANT SELECT ON ALL TABLES IN SCHEMA s TO r")), None);
    }
}
