//! Which statements desired SQL may contain, decided on PostgreSQL's own
//! syntax tree. Desired SQL defines a schema; a plan runs it in a scratch
//! database as the target's role, so anything that changes data, controls
//! the transaction, acts on the server, or runs code while being defined is
//! refused before anything runs. Whatever is not known to be a definition is
//! refused too: a new statement kind is refused until someone decides.

use pg_query::protobuf::{
    a_const, AlterTableType, ConstrType, CreateFunctionStmt, GrantStmt, ObjectType, PartitionBoundSpec,
};
use pg_query::NodeEnum;

use super::settings;
use crate::engine::script::RefusalReason;

/// Why a statement is refused: the reason and what the parser saw.
pub type Verdict = Result<(), (RefusalReason, String)>;

fn refuse(reason: RefusalReason, detail: impl Into<String>) -> Verdict {
    Err((reason, detail.into()))
}

/// What a script is for, which decides what it may contain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Desired SQL: schema definitions only.
    Desired,
    /// A migration file: schema definitions and the data changes a
    /// hand-written backfill needs (INSERT, UPDATE, DELETE, MERGE,
    /// TRUNCATE). Everything else stays refused.
    Migration,
}

/// Classifies one top-level statement of a script written for `purpose`.
pub fn classify_for(purpose: Purpose, node: &NodeEnum) -> Verdict {
    use RefusalReason::*;
    let migration = purpose == Purpose::Migration;
    match node {
        NodeEnum::InsertStmt(_)
        | NodeEnum::UpdateStmt(_)
        | NodeEnum::DeleteStmt(_)
        | NodeEnum::MergeStmt(_)
        | NodeEnum::TruncateStmt(_)
            if migration =>
        {
            Ok(())
        }
        // Schema definitions.
        NodeEnum::CreateStmt(create) => match &create.partbound {
            Some(bound) => partition_bound(bound),
            None => Ok(()),
        },
        NodeEnum::CreateSchemaStmt(schema) => schema
            .schema_elts
            .iter()
            .filter_map(|element| element.node.as_ref())
            .try_for_each(|element| classify_for(purpose, element)),
        NodeEnum::AlterTableStmt(alter) => alter
            .cmds
            .iter()
            .filter_map(|cmd| match &cmd.node {
                Some(NodeEnum::AlterTableCmd(cmd)) => Some(cmd),
                _ => None,
            })
            .try_for_each(|cmd| alter_table_command(cmd)),
        NodeEnum::CreateTableAsStmt(create) => {
            if create.objtype == ObjectType::ObjectMatview as i32 {
                // Run WITH NO DATA in scratch databases (see scratch_form.rs).
                Ok(())
            } else {
                refuse(ExecutesCode, "CREATE TABLE … AS runs a query and stores its rows")
            }
        }
        NodeEnum::CreateFunctionStmt(function) => function_language(function),
        NodeEnum::GrantStmt(grant) => grant_target(grant),
        NodeEnum::CommentStmt(comment) => server_object(comment.objtype, "COMMENT ON"),
        NodeEnum::RenameStmt(rename) => server_object(rename.rename_type, "ALTER … RENAME"),
        NodeEnum::AlterOwnerStmt(owner) => server_object(owner.object_type, "ALTER … OWNER TO"),
        NodeEnum::AlterObjectSchemaStmt(_)
        | NodeEnum::AlterCollationStmt(_)
        | NodeEnum::AlterDomainStmt(_)
        | NodeEnum::AlterDefaultPrivilegesStmt(_)
        | NodeEnum::CreateExtensionStmt(_)
        | NodeEnum::AlterExtensionStmt(_)
        | NodeEnum::AlterExtensionContentsStmt(_)
        | NodeEnum::CreateFdwStmt(_)
        | NodeEnum::AlterFdwStmt(_)
        | NodeEnum::CreateForeignServerStmt(_)
        | NodeEnum::AlterForeignServerStmt(_)
        | NodeEnum::CreateForeignTableStmt(_)
        | NodeEnum::CreatePolicyStmt(_)
        | NodeEnum::AlterPolicyStmt(_)
        | NodeEnum::CreateAmStmt(_)
        | NodeEnum::CreateTrigStmt(_)
        | NodeEnum::CreateSeqStmt(_)
        | NodeEnum::AlterSeqStmt(_)
        | NodeEnum::DefineStmt(_)
        | NodeEnum::CreateDomainStmt(_)
        | NodeEnum::CreateOpClassStmt(_)
        | NodeEnum::CreateOpFamilyStmt(_)
        | NodeEnum::AlterOpFamilyStmt(_)
        | NodeEnum::DropStmt(_)
        | NodeEnum::IndexStmt(_)
        | NodeEnum::CreateStatsStmt(_)
        | NodeEnum::AlterStatsStmt(_)
        | NodeEnum::AlterFunctionStmt(_)
        | NodeEnum::AlterObjectDependsStmt(_)
        | NodeEnum::AlterOperatorStmt(_)
        | NodeEnum::AlterTypeStmt(_)
        | NodeEnum::RuleStmt(_)
        | NodeEnum::CompositeTypeStmt(_)
        | NodeEnum::CreateEnumStmt(_)
        | NodeEnum::CreateRangeStmt(_)
        | NodeEnum::AlterEnumStmt(_)
        | NodeEnum::ViewStmt(_)
        | NodeEnum::CreateConversionStmt(_)
        | NodeEnum::CreateCastStmt(_)
        | NodeEnum::CreateTransformStmt(_)
        | NodeEnum::AlterTsdictionaryStmt(_)
        | NodeEnum::AlterTsconfigurationStmt(_) => Ok(()),

        NodeEnum::VariableSetStmt(set) => settings::variable_set(set),
        NodeEnum::SelectStmt(select) => {
            if select.into_clause.is_some() {
                refuse(ExecutesCode, "SELECT … INTO runs a query and stores its rows")
            } else if settings::is_set_config(select) {
                settings::set_config(select)
            } else if !select.values_lists.is_empty() {
                refuse(Query, "VALUES")
            } else {
                refuse(Query, "SELECT")
            }
        }

        NodeEnum::InsertStmt(_) => refuse(DataChange, "INSERT"),
        NodeEnum::UpdateStmt(_) => refuse(DataChange, "UPDATE"),
        NodeEnum::DeleteStmt(_) => refuse(DataChange, "DELETE"),
        NodeEnum::MergeStmt(_) => refuse(DataChange, "MERGE"),
        NodeEnum::TruncateStmt(_) => refuse(DataChange, "TRUNCATE"),
        NodeEnum::CopyStmt(_) => refuse(DataChange, "COPY"),

        NodeEnum::TransactionStmt(transaction) => refuse(TransactionControl, transaction_kind(transaction.kind)),
        NodeEnum::ConstraintsSetStmt(_) => refuse(TransactionControl, "SET CONSTRAINTS"),

        NodeEnum::DiscardStmt(_) => refuse(SessionChange, "DISCARD"),

        NodeEnum::CreatedbStmt(_) => refuse(ServerLevel, "CREATE DATABASE"),
        NodeEnum::AlterDatabaseStmt(_)
        | NodeEnum::AlterDatabaseSetStmt(_)
        | NodeEnum::AlterDatabaseRefreshCollStmt(_) => refuse(ServerLevel, "ALTER DATABASE"),
        NodeEnum::DropdbStmt(_) => refuse(ServerLevel, "DROP DATABASE"),
        NodeEnum::CreateRoleStmt(_) => refuse(ServerLevel, "CREATE ROLE"),
        NodeEnum::AlterRoleStmt(_) | NodeEnum::AlterRoleSetStmt(_) => refuse(ServerLevel, "ALTER ROLE"),
        NodeEnum::DropRoleStmt(_) => refuse(ServerLevel, "DROP ROLE"),
        NodeEnum::GrantRoleStmt(_) => refuse(ServerLevel, "GRANT or REVOKE of a role"),
        NodeEnum::DropOwnedStmt(_) => refuse(ServerLevel, "DROP OWNED"),
        NodeEnum::ReassignOwnedStmt(_) => refuse(ServerLevel, "REASSIGN OWNED"),
        NodeEnum::CreateTableSpaceStmt(_) => refuse(ServerLevel, "CREATE TABLESPACE"),
        NodeEnum::DropTableSpaceStmt(_) => refuse(ServerLevel, "DROP TABLESPACE"),
        NodeEnum::AlterTableSpaceOptionsStmt(_) => refuse(ServerLevel, "ALTER TABLESPACE"),
        NodeEnum::AlterTableMoveAllStmt(_) => refuse(ServerLevel, "ALTER … ALL IN TABLESPACE"),
        NodeEnum::AlterSystemStmt(_) => refuse(ServerLevel, "ALTER SYSTEM"),
        NodeEnum::CreateSubscriptionStmt(_)
        | NodeEnum::AlterSubscriptionStmt(_)
        | NodeEnum::DropSubscriptionStmt(_) => refuse(ServerLevel, "a subscription"),
        NodeEnum::CreatePublicationStmt(_) | NodeEnum::AlterPublicationStmt(_) => refuse(ServerLevel, "a publication"),
        NodeEnum::CreateUserMappingStmt(_) | NodeEnum::AlterUserMappingStmt(_) | NodeEnum::DropUserMappingStmt(_) => {
            refuse(ServerLevel, "a user mapping (credentials for another server)")
        }

        NodeEnum::DoStmt(_) => refuse(ExecutesCode, "DO"),
        NodeEnum::CallStmt(_) => refuse(ExecutesCode, "CALL"),
        NodeEnum::LoadStmt(_) => refuse(ExecutesCode, "LOAD (a shared library)"),
        NodeEnum::CreateEventTrigStmt(_) | NodeEnum::AlterEventTrigStmt(_) => {
            refuse(ExecutesCode, "an event trigger (runs code on every DDL command)")
        }
        NodeEnum::ImportForeignSchemaStmt(_) => {
            refuse(ExecutesCode, "IMPORT FOREIGN SCHEMA (connects to another server)")
        }
        NodeEnum::CreatePlangStmt(_) => refuse(
            ExecutesCode,
            "CREATE LANGUAGE (install a language with CREATE EXTENSION)",
        ),
        NodeEnum::SecLabelStmt(_) => refuse(ExecutesCode, "SECURITY LABEL (calls a label provider)"),
        NodeEnum::PrepareStmt(_) | NodeEnum::ExecuteStmt(_) | NodeEnum::DeallocateStmt(_) => {
            refuse(ExecutesCode, "PREPARE, EXECUTE or DEALLOCATE")
        }

        NodeEnum::ExplainStmt(_) => refuse(Query, "EXPLAIN"),
        NodeEnum::VariableShowStmt(_) => refuse(Query, "SHOW"),
        NodeEnum::DeclareCursorStmt(_) | NodeEnum::FetchStmt(_) | NodeEnum::ClosePortalStmt(_) => {
            refuse(Query, "a cursor")
        }

        NodeEnum::VacuumStmt(_) => refuse(Maintenance, "VACUUM or ANALYZE"),
        NodeEnum::ClusterStmt(_) => refuse(Maintenance, "CLUSTER"),
        NodeEnum::ReindexStmt(_) => refuse(Maintenance, "REINDEX"),
        NodeEnum::RefreshMatViewStmt(_) => refuse(Maintenance, "REFRESH MATERIALIZED VIEW"),
        NodeEnum::CheckPointStmt(_) => refuse(Maintenance, "CHECKPOINT"),
        NodeEnum::LockStmt(_) => refuse(Maintenance, "LOCK"),

        NodeEnum::NotifyStmt(_) | NodeEnum::ListenStmt(_) | NodeEnum::UnlistenStmt(_) => {
            refuse(NotSchemaDefinition, "NOTIFY, LISTEN or UNLISTEN")
        }
        _ => refuse(NotSchemaDefinition, "a statement the provider does not run"),
    }
}

fn transaction_kind(kind: i32) -> &'static str {
    use pg_query::protobuf::TransactionStmtKind::*;
    match pg_query::protobuf::TransactionStmtKind::try_from(kind).unwrap_or(Undefined) {
        TransStmtBegin | TransStmtStart => "BEGIN",
        TransStmtCommit => "COMMIT",
        TransStmtRollback => "ROLLBACK",
        TransStmtSavepoint => "SAVEPOINT",
        TransStmtRelease => "RELEASE SAVEPOINT",
        TransStmtRollbackTo => "ROLLBACK TO SAVEPOINT",
        TransStmtPrepare => "PREPARE TRANSACTION",
        TransStmtCommitPrepared => "COMMIT PREPARED",
        TransStmtRollbackPrepared => "ROLLBACK PREPARED",
        Undefined => "a transaction statement",
    }
}

fn alter_table_command(cmd: &pg_query::protobuf::AlterTableCmd) -> Verdict {
    let subtype = AlterTableType::try_from(cmd.subtype).unwrap_or(AlterTableType::Undefined);
    match subtype {
        // A conditional column cannot be split into an unconditional
        // column and its default (see scratch_form.rs).
        AlterTableType::AtAddColumn if cmd.missing_ok => refuse(
            RefusalReason::NotSchemaDefinition,
            "ADD COLUMN IF NOT EXISTS (declare the column in CREATE TABLE, or add it without IF NOT EXISTS)",
        ),
        AlterTableType::AtAttachPartition => match &cmd.def {
            Some(def) => match &def.node {
                Some(NodeEnum::PartitionCmd(partition)) => partition.bound.as_ref().map_or(Ok(()), partition_bound),
                _ => Ok(()),
            },
            None => Ok(()),
        },
        _ => Ok(()),
    }
}

/// Partition bounds are evaluated when the partition is created: only
/// constants (and MINVALUE / MAXVALUE) may appear in them.
fn partition_bound(bound: &PartitionBoundSpec) -> Verdict {
    let datums = bound
        .listdatums
        .iter()
        .chain(&bound.lowerdatums)
        .chain(&bound.upperdatums);
    for datum in datums {
        if !is_constant(datum.node.as_ref()) {
            return refuse(
                RefusalReason::ExecutesCode,
                "a partition bound that is not a constant (PostgreSQL evaluates it while creating the partition)",
            );
        }
    }
    Ok(())
}

/// A literal, a literal with a type cast, or a bare word (MINVALUE, MAXVALUE).
pub fn is_constant(node: Option<&NodeEnum>) -> bool {
    match node {
        Some(NodeEnum::AConst(_)) => true,
        Some(NodeEnum::TypeCast(cast)) => is_constant(cast.arg.as_ref().and_then(|arg| arg.node.as_ref())),
        Some(NodeEnum::ColumnRef(reference)) => reference.fields.len() == 1,
        Some(NodeEnum::PartitionRangeDatum(datum)) => {
            datum.value.is_none() || is_constant(datum.value.as_ref().and_then(|value| value.node.as_ref()))
        }
        _ => false,
    }
}

/// C functions load a shared library into the server when they are created.
fn function_language(function: &CreateFunctionStmt) -> Verdict {
    let language = function.options.iter().find_map(|option| match &option.node {
        Some(NodeEnum::DefElem(def)) if def.defname == "language" => {
            match def.arg.as_ref().and_then(|a| a.node.as_ref()) {
                Some(NodeEnum::String(name)) => Some(name.sval.to_ascii_lowercase()),
                _ => None,
            }
        }
        _ => None,
    });
    match language.as_deref() {
        Some("c") => refuse(
            RefusalReason::ExecutesCode,
            "a LANGUAGE C function (creating it loads a shared library into the server)",
        ),
        _ => Ok(()),
    }
}

fn grant_target(grant: &GrantStmt) -> Verdict {
    let object = ObjectType::try_from(grant.objtype).unwrap_or(ObjectType::Undefined);
    match object {
        ObjectType::ObjectLargeobject => refuse(RefusalReason::DataChange, "GRANT or REVOKE on a large object"),
        ObjectType::ObjectParameterAcl => refuse(RefusalReason::ServerLevel, "GRANT or REVOKE on a server parameter"),
        _ => server_object(grant.objtype, "GRANT or REVOKE"),
    }
}

/// Statements that name a database, role, tablespace, subscription or
/// publication act on the server, not on this database's schema.
fn server_object(object_type: i32, statement: &str) -> Verdict {
    let object = ObjectType::try_from(object_type).unwrap_or(ObjectType::Undefined);
    let what = match object {
        ObjectType::ObjectDatabase => "a database",
        ObjectType::ObjectRole => "a role",
        ObjectType::ObjectTablespace => "a tablespace",
        ObjectType::ObjectSubscription => "a subscription",
        ObjectType::ObjectPublication => "a publication",
        ObjectType::ObjectLargeobject => "a large object",
        _ => return Ok(()),
    };
    refuse(RefusalReason::ServerLevel, format!("{statement} on {what}"))
}

/// The constant text of a node, when it is a string literal.
pub fn string_constant(node: Option<&NodeEnum>) -> Option<&str> {
    match node {
        Some(NodeEnum::AConst(constant)) => match &constant.val {
            Some(a_const::Val::Sval(text)) => Some(&text.sval),
            _ => None,
        },
        Some(NodeEnum::String(text)) => Some(&text.sval),
        _ => None,
    }
}

/// Whether a statement cannot run inside a transaction block: indexes built
/// or dropped CONCURRENTLY, and a new enum value (which later statements of
/// the same transaction could not use).
pub fn needs_no_transaction(node: &NodeEnum) -> bool {
    match node {
        NodeEnum::IndexStmt(index) => index.concurrent,
        NodeEnum::DropStmt(drop) => drop.concurrent,
        NodeEnum::AlterEnumStmt(alter) => alter.old_val.is_empty(),
        _ => false,
    }
}

/// Whether `kind` of constraint gives a column its values (so the scratch
/// form must not add a default beside it).
pub fn supplies_values(kind: i32) -> bool {
    kind == ConstrType::ConstrIdentity as i32 || kind == ConstrType::ConstrGenerated as i32
}
