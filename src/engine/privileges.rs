//! Privileges and ownership (PostgreSQL's ACLs and owners), kept apart from
//! the objects they are on, like comments: a grant or an owner change is
//! never a change of the object itself.
//!
//! What the model holds is what differs from what PostgreSQL gives an object
//! by itself, so a schema without grants serializes (and hashes) as before:
//! - privileges: an object's grants when they differ from the built-in ones
//!   (nothing for tables, `EXECUTE` to PUBLIC for routines, `USAGE` to PUBLIC
//!   for types); the owner's own privileges are never listed;
//! - owners: only when the owner is not the role that inspects (the role
//!   that applies, or that ran the desired SQL);
//! - default privileges (`ALTER DEFAULT PRIVILEGES`): what they change.
//!
//! Privileges are managed once the desired SQL declares any (see
//! [`adopt_unmanaged`]); owners are managed for the objects the desired SQL
//! gives another owner.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::model::Schema;

/// The kind of object privileges or an owner are on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectKind {
    Schema,
    Table,
    View,
    MaterializedView,
    Sequence,
    Function,
    Procedure,
    /// Enum and composite types.
    Type,
    Domain,
    /// A column (`member`) of a table or view.
    Column,
}

impl ObjectKind {
    /// The words `ALTER … OWNER TO` names the kind with.
    pub fn alter_sql(self) -> &'static str {
        match self {
            ObjectKind::Schema => "SCHEMA",
            ObjectKind::Table | ObjectKind::Column => "TABLE",
            ObjectKind::View => "VIEW",
            ObjectKind::MaterializedView => "MATERIALIZED VIEW",
            ObjectKind::Sequence => "SEQUENCE",
            ObjectKind::Function => "FUNCTION",
            ObjectKind::Procedure => "PROCEDURE",
            ObjectKind::Type => "TYPE",
            ObjectKind::Domain => "DOMAIN",
        }
    }

    /// The words `GRANT … ON` names the kind with (views are tables there).
    pub fn grant_sql(self) -> &'static str {
        match self {
            ObjectKind::View | ObjectKind::MaterializedView => "TABLE",
            other => other.alter_sql(),
        }
    }

    /// The kind of default privileges a new object of this kind gets.
    fn defaults(self) -> Option<DefaultObjects> {
        Some(match self {
            ObjectKind::Schema => DefaultObjects::Schemas,
            ObjectKind::Table | ObjectKind::View | ObjectKind::MaterializedView => DefaultObjects::Tables,
            ObjectKind::Sequence => DefaultObjects::Sequences,
            ObjectKind::Function | ObjectKind::Procedure => DefaultObjects::Functions,
            ObjectKind::Type | ObjectKind::Domain => DefaultObjects::Types,
            ObjectKind::Column => return None,
        })
    }
}

/// An object privileges or an owner are on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ObjectRef {
    pub kind: ObjectKind,
    /// Model key of the object; for a column, of its table or view.
    pub object: String,
    /// The column's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
}

impl ObjectRef {
    /// Where the object's entries are stored: what it is, whoever owns it.
    pub fn key(&self) -> String {
        let kind = self.kind.alter_sql().to_lowercase();
        match &self.member {
            Some(member) => format!("column {} {member:?}", self.object),
            None => format!("{kind} {}", self.object),
        }
    }

    /// True when `schema` has the object.
    pub fn exists_in(&self, schema: &Schema) -> bool {
        let object = self.object.as_str();
        let view = schema.views.get(object);
        match self.kind {
            ObjectKind::Schema => schema.namespaces.contains_key(object),
            ObjectKind::Table => schema.tables.contains_key(object),
            ObjectKind::View => view.is_some_and(|v| !v.materialized),
            ObjectKind::MaterializedView => view.is_some_and(|v| v.materialized),
            ObjectKind::Sequence => {
                schema.sequences.contains_key(object) || identity_sequence_table(schema, object).is_some()
            }
            ObjectKind::Function | ObjectKind::Procedure => schema.routines.contains_key(object),
            ObjectKind::Type => {
                schema.enums.contains_key(object)
                    || schema.composites.contains_key(object)
                    || schema.ranges.contains_key(object)
            }
            ObjectKind::Domain => schema.domains.contains_key(object),
            ObjectKind::Column => {
                let member = self.member.as_deref().unwrap_or_default();
                schema.tables.get(object).is_some_and(|t| t.column(member).is_some())
                    || view.is_some_and(|v| view_has_column(&v.columns, member))
            }
        }
    }

    /// The namespace of the object, read from its key (an identity
    /// sequence's is its table's).
    fn namespace<'s>(&self, schema: &'s Schema) -> Option<&'s str> {
        let object = self.object.as_str();
        match self.kind {
            ObjectKind::Schema | ObjectKind::Column => None,
            ObjectKind::Table => schema.tables.get(object).and_then(|t| t.namespace.as_deref()),
            ObjectKind::View | ObjectKind::MaterializedView => {
                schema.views.get(object).and_then(|v| v.namespace.as_deref())
            }
            ObjectKind::Sequence => schema
                .sequences
                .get(object)
                .map(|s| s.namespace.as_str())
                .or_else(|| identity_sequence_table(schema, object).and_then(|t| t.namespace.as_deref())),
            ObjectKind::Function | ObjectKind::Procedure => schema.routines.get(object).map(|r| r.namespace.as_str()),
            ObjectKind::Type => schema
                .enums
                .get(object)
                .map(|e| e.namespace.as_str())
                .or_else(|| schema.composites.get(object).map(|c| c.namespace.as_str()))
                .or_else(|| schema.ranges.get(object).map(|r| r.namespace.as_str())),
            ObjectKind::Domain => schema.domains.get(object).map(|d| d.namespace.as_str()),
        }
    }
}

/// View columns are kept as `name type`, the name quoted where needed.
fn view_has_column(columns: &[String], name: &str) -> bool {
    let quoted = format!("\"{}\"", name.replace('"', "\"\""));
    columns.iter().any(|c| {
        c.strip_prefix(name)
            .or_else(|| c.strip_prefix(&quoted))
            .is_some_and(|rest| rest.starts_with(' '))
    })
}

/// One privilege held by one role.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Grant {
    /// The role's name; `public` for everyone (no role can be named so).
    pub grantee: String,
    /// `SELECT`, `USAGE`, `EXECUTE`, …
    pub privilege: String,
    /// `WITH GRANT OPTION`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub grantable: bool,
}

impl Grant {
    pub fn new(grantee: &str, privilege: &str, grantable: bool) -> Grant {
        Grant {
            grantee: grantee.to_string(),
            privilege: privilege.to_string(),
            grantable,
        }
    }
}

/// The grants on one object, when they differ from its built-in ones.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ObjectPrivileges {
    pub on: ObjectRef,
    /// Sorted, the owner's own privileges left out.
    pub grants: Vec<Grant>,
}

/// The owner of one object, when it is not the inspecting role.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Owner {
    pub of: ObjectRef,
    pub role: String,
}

/// What `ALTER DEFAULT PRIVILEGES` can be about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DefaultObjects {
    Tables,
    Sequences,
    Functions,
    Types,
    Schemas,
}

impl DefaultObjects {
    pub fn sql(self) -> &'static str {
        match self {
            DefaultObjects::Tables => "TABLES",
            DefaultObjects::Sequences => "SEQUENCES",
            DefaultObjects::Functions => "FUNCTIONS",
            DefaultObjects::Types => "TYPES",
            DefaultObjects::Schemas => "SCHEMAS",
        }
    }

    /// What PostgreSQL grants on a new object of this kind when no default
    /// privileges say otherwise (the owner's own privileges left out).
    pub fn built_in(self) -> Vec<Grant> {
        match self {
            DefaultObjects::Functions => vec![Grant::new("public", "EXECUTE", false)],
            DefaultObjects::Types => vec![Grant::new("public", "USAGE", false)],
            DefaultObjects::Tables | DefaultObjects::Sequences | DefaultObjects::Schemas => Vec::new(),
        }
    }
}

/// Default privileges of one role, everywhere (`namespace` `None`) or in
/// one schema.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct DefaultPrivileges {
    /// `FOR ROLE`; `None` for the inspecting role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// `IN SCHEMA`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub objects: DefaultObjects,
    /// Everywhere: what new objects get instead of [`DefaultObjects::built_in`];
    /// in a schema: what they get in addition. Sorted, the role's own left out.
    pub grants: Vec<Grant>,
}

impl DefaultPrivileges {
    /// Where the entry is stored in [`Schema::default_privileges`].
    pub fn key(&self) -> String {
        format!(
            "{} in {} on {}",
            self.role.as_deref().unwrap_or("current role"),
            self.namespace.as_deref().unwrap_or("every schema"),
            self.objects.sql().to_lowercase()
        )
    }

    /// The grants to compare with another entry's: everywhere, a missing
    /// entry means the built-in privileges; in a schema, none.
    pub fn effective(
        entry: Option<&DefaultPrivileges>,
        namespace: Option<&str>,
        objects: DefaultObjects,
    ) -> Vec<Grant> {
        match (entry, namespace) {
            (Some(entry), _) => entry.grants.clone(),
            (None, None) => objects.built_in(),
            (None, Some(_)) => Vec::new(),
        }
    }
}

/// An object's grants, the built-in ones when the model lists none.
pub fn effective_grants(schema: &Schema, on: &ObjectRef) -> Vec<Grant> {
    match schema.privileges.get(&on.key()) {
        Some(entry) => entry.grants.clone(),
        None => built_in(on),
    }
}

/// What an object has by itself (see the module's comment): the `public`
/// schema of a new database lets everyone use it.
pub fn built_in(on: &ObjectRef) -> Vec<Grant> {
    if on.kind == ObjectKind::Schema && on.object == "public" {
        return vec![Grant::new("public", "USAGE", false)];
    }
    on.kind.defaults().map(DefaultObjects::built_in).unwrap_or_default()
}

/// The grants a new object of `on`'s kind gets when the inspecting role
/// creates it under `schema`'s default privileges (its own, everywhere, then
/// added in its namespace). A column gets none.
pub fn at_creation(schema: &Schema, on: &ObjectRef) -> Vec<Grant> {
    let Some(objects) = on.kind.defaults() else {
        return Vec::new();
    };
    let own = |namespace: Option<&str>| {
        schema
            .default_privileges
            .values()
            .find(|d| d.role.is_none() && d.objects == objects && d.namespace.as_deref() == namespace)
    };
    let mut grants = DefaultPrivileges::effective(own(None), None, objects);
    if let Some(in_namespace) = on.namespace(schema).and_then(|n| own(Some(n))) {
        grants.extend(in_namespace.grants.iter().cloned());
    }
    normalized(grants)
}

/// Sorted, each privilege once per role (with the grant option when any
/// copy has it).
pub fn normalized(grants: Vec<Grant>) -> Vec<Grant> {
    let mut by_role: BTreeMap<(String, String), bool> = BTreeMap::new();
    for grant in grants {
        *by_role.entry((grant.grantee, grant.privilege)).or_default() |= grant.grantable;
    }
    by_role
        .into_iter()
        .map(|((grantee, privilege), grantable)| Grant {
            grantee,
            privilege,
            grantable,
        })
        .collect()
}

/// Drops the privileges and owners of objects `schema` does not have (a
/// filter removed them, or they were never managed).
pub fn retain_existing(schema: &mut Schema) {
    let privileges = std::mem::take(&mut schema.privileges);
    let owners = std::mem::take(&mut schema.owners);
    schema.privileges = privileges.into_iter().filter(|(_, p)| p.on.exists_in(schema)).collect();
    schema.owners = owners.into_iter().filter(|(_, o)| o.of.exists_in(schema)).collect();
    let namespaces: BTreeSet<String> = schema.namespaces.keys().cloned().collect();
    schema
        .default_privileges
        .retain(|_, d| d.namespace.as_ref().is_none_or(|n| namespaces.contains(n)));
}

/// What the desired SQL leaves unsaid is what live has, so the plan keeps it:
/// - when the desired SQL declares no privileges, they are not managed: the
///   objects live has keep their grants and live's default privileges, and
///   new objects get what those defaults give them;
/// - an object the desired SQL gives no other owner keeps live's.
///
/// Objects the plan drops and creates again are given back what they had
/// (see the PostgreSQL renderer), so the applied schema equals this one.
pub fn adopt_unmanaged(live: &Schema, mut desired: Schema) -> Schema {
    if !desired.privileges_declared {
        desired.default_privileges = live.default_privileges.clone();
        let mut privileges = BTreeMap::new();
        for (key, entry) in &live.privileges {
            if entry.on.exists_in(&desired) && entry.on.exists_in(live) {
                privileges.insert(key.clone(), entry.clone());
            }
        }
        for on in new_objects(live, &desired) {
            let grants = at_creation(&desired, &on);
            if grants != built_in(&on) {
                privileges.insert(on.key(), ObjectPrivileges { on, grants });
            }
        }
        desired.privileges = privileges;
    }
    for (key, owner) in &live.owners {
        if owner.of.exists_in(&desired) && !desired.owners.contains_key(key) {
            desired.owners.insert(key.clone(), owner.clone());
        }
    }
    desired
}

/// Objects `desired` has and `live` does not (columns aside: they get no
/// default privileges).
fn new_objects(live: &Schema, desired: &Schema) -> Vec<ObjectRef> {
    objects(desired).into_iter().filter(|on| !on.exists_in(live)).collect()
}

/// The table whose identity column owns sequence `key`, when it is in `schema`.
fn identity_sequence_table<'s>(schema: &'s Schema, key: &str) -> Option<&'s super::model::Table> {
    schema
        .identity_sequences
        .get(key)
        .and_then(|table| schema.tables.get(table))
}

/// Every object of `schema` that can have privileges or an owner, columns aside.
pub fn objects(schema: &Schema) -> Vec<ObjectRef> {
    let of = |kind, object: &String| ObjectRef {
        kind,
        object: object.clone(),
        member: None,
    };
    let mut out: Vec<ObjectRef> = Vec::new();
    out.extend(schema.namespaces.keys().map(|k| of(ObjectKind::Schema, k)));
    out.extend(schema.tables.keys().map(|k| of(ObjectKind::Table, k)));
    out.extend(schema.views.iter().map(|(k, v)| {
        let kind = if v.materialized {
            ObjectKind::MaterializedView
        } else {
            ObjectKind::View
        };
        of(kind, k)
    }));
    out.extend(schema.sequences.keys().map(|k| of(ObjectKind::Sequence, k)));
    out.extend(schema.routines.iter().map(|(k, r)| {
        let kind = if r.procedure {
            ObjectKind::Procedure
        } else {
            ObjectKind::Function
        };
        of(kind, k)
    }));
    out.extend(
        schema
            .enums
            .keys()
            .chain(schema.composites.keys())
            .chain(schema.ranges.keys())
            .map(|k| of(ObjectKind::Type, k)),
    );
    out.extend(schema.domains.keys().map(|k| of(ObjectKind::Domain, k)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::model::{Namespace, Table};

    fn table(schema: &mut Schema, key: &str) -> ObjectRef {
        let (namespace, name) = key.split_once('.').unwrap();
        let mut table = Table::new(name);
        table.namespace = Some(namespace.to_string());
        schema.tables.insert(key.to_string(), table);
        schema.namespaces.insert(
            namespace.to_string(),
            Namespace {
                name: namespace.to_string(),
            },
        );
        ObjectRef {
            kind: ObjectKind::Table,
            object: key.to_string(),
            member: None,
        }
    }

    #[test]
    fn new_objects_get_the_default_privileges_of_their_schema() {
        let mut live = Schema::default();
        let kept = table(&mut live, "app.kept");
        live.default_privileges.insert(
            "in app".to_string(),
            DefaultPrivileges {
                role: None,
                namespace: Some("app".to_string()),
                objects: DefaultObjects::Tables,
                grants: vec![Grant::new("reader", "SELECT", false)],
            },
        );
        let mut desired = live.clone();
        let new = table(&mut desired, "app.new");
        let desired = adopt_unmanaged(&live, desired);
        assert_eq!(
            effective_grants(&desired, &new),
            vec![Grant::new("reader", "SELECT", false)]
        );
        assert_eq!(effective_grants(&desired, &kept), Vec::new());
    }

    #[test]
    fn the_grant_option_wins_when_a_privilege_is_given_twice() {
        let grants = normalized(vec![
            Grant::new("r", "SELECT", false),
            Grant::new("r", "SELECT", true),
            Grant::new("public", "USAGE", false),
        ]);
        assert_eq!(
            grants,
            vec![Grant::new("public", "USAGE", false), Grant::new("r", "SELECT", true)]
        );
    }
}
