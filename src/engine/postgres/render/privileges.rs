//! `GRANT`, `REVOKE`, `ALTER DEFAULT PRIVILEGES` and `ALTER … OWNER TO`.
//!
//! Default privileges change first, so the objects this plan creates get the
//! desired ones; grants and owners come last, once every object exists. An
//! object this plan creates starts from what the default privileges give it,
//! one it drops and creates again from either that or what it had (both
//! revoked where not desired, granted where not in both: a privilege granted
//! twice or revoked while not held is no error), and gets its owner again.

use std::collections::BTreeSet;

use super::ddl::{relation_name, sequence_name};
use crate::engine::diff::Change;
use crate::engine::model::Schema;
use crate::engine::plan::Statement;
use crate::engine::postgres::ident::{qualified, quote};
use crate::engine::privileges::{
    at_creation, effective_grants, normalized, objects, DefaultPrivileges, Grant, ObjectKind, ObjectRef,
};

/// The `ALTER DEFAULT PRIVILEGES` statements of a plan.
pub fn default_privileges(changes: &[Change]) -> Vec<Statement> {
    let mut out = Vec::new();
    for change in changes {
        let Change::SetDefaultPrivileges { from, to } = change else {
            continue;
        };
        let Some(entry) = to.as_ref().or(from.as_ref()) else {
            continue;
        };
        let namespace = entry.namespace.as_deref();
        let before = DefaultPrivileges::effective(from.as_ref(), namespace, entry.objects);
        let after = DefaultPrivileges::effective(to.as_ref(), namespace, entry.objects);
        let mut prefix = String::from("ALTER DEFAULT PRIVILEGES");
        if let Some(role) = &entry.role {
            prefix.push_str(&format!(" FOR ROLE {}", quote(role)));
        }
        if let Some(namespace) = namespace {
            prefix.push_str(&format!(" IN SCHEMA {}", quote(namespace)));
        }
        let target = Target {
            on: entry.objects.sql().to_string(),
            column: None,
        };
        out.extend(
            changed(&before, &before, &after, &target)
                .into_iter()
                .map(|sql| Statement::ddl(format!("{prefix} {sql}"))),
        );
    }
    out
}

/// The grants and owner changes of a plan. `recreated`: keys of the live
/// objects this plan drops and creates again.
pub fn grants_and_owners(live: &Schema, desired: &Schema, recreated: &BTreeSet<String>) -> Vec<Statement> {
    let schemas = [desired, live];
    let mut on_objects: BTreeSet<ObjectRef> = objects(desired).into_iter().collect();
    on_objects.extend(live.privileges.values().map(|p| p.on.clone()));
    on_objects.extend(desired.privileges.values().map(|p| p.on.clone()));
    let mut grants = Vec::new();
    for on in on_objects.iter().filter(|on| on.exists_in(desired)) {
        let to = effective_grants(desired, on);
        let target = Target::of(on, &schemas);
        // A relation created again has no column privileges.
        let fresh_column = on.member.is_some() && recreated.contains(&on.object);
        let statements = if !on.exists_in(live) || fresh_column {
            let start = at_creation(desired, on);
            changed(&start, &start, &to, &target)
        } else if recreated.contains(&on.object) {
            let had = effective_grants(live, on);
            let fresh = at_creation(desired, on);
            let either = normalized(had.iter().chain(&fresh).cloned().collect());
            let both: Vec<Grant> = had.iter().filter(|g| fresh.contains(g)).cloned().collect();
            changed(&either, &both, &to, &target)
        } else {
            let had = effective_grants(live, on);
            changed(&had, &had, &to, &target)
        };
        grants.extend(statements.into_iter().map(Statement::ddl));
    }
    let mut owners = Vec::new();
    for on in objects(desired) {
        // A sequence owned by a column follows its table's owner.
        if on.kind == ObjectKind::Sequence && desired.sequences.get(&on.object).is_some_and(|s| s.owned_by.is_some()) {
            continue;
        }
        let key = on.key();
        let wanted = desired.owners.get(&key).map(|o| o.role.as_str());
        let had = live.owners.get(&key).map(|o| o.role.as_str());
        let fresh = !on.exists_in(live) || recreated.contains(&on.object);
        let statement = match wanted {
            Some(role) if fresh || had != Some(role) => Some(quote(role)),
            None if !fresh && had.is_some() => Some("CURRENT_USER".to_string()),
            _ => None,
        };
        if let Some(role) = statement {
            owners.push(Statement::ddl(format!(
                "ALTER {} {} OWNER TO {role}",
                on.kind.alter_sql(),
                name(&on, &schemas)
            )));
        }
    }
    grants.into_iter().chain(owners).collect()
}

/// `REVOKE` of what `revoke_from` has and `to` does not (or has without the
/// grant option), `GRANT` of what `to` has and `grant_from` does not, one
/// statement per role, `… ON <on> TO|FROM <role>` after the privileges.
fn changed(revoke_from: &[Grant], grant_from: &[Grant], to: &[Grant], target: &Target) -> Vec<String> {
    let holds = |grants: &[Grant], g: &Grant| {
        grants
            .iter()
            .find(|h| h.grantee == g.grantee && h.privilege == g.privilege)
            .cloned()
    };
    let mut revoke: Vec<(&str, &str, bool)> = Vec::new();
    for g in revoke_from {
        match holds(to, g) {
            None => revoke.push((&g.grantee, &g.privilege, false)),
            Some(kept) if g.grantable && !kept.grantable => revoke.push((&g.grantee, &g.privilege, true)),
            Some(_) => {}
        }
    }
    let mut grant: Vec<(&str, &str, bool)> = Vec::new();
    for g in to {
        match holds(grant_from, g) {
            Some(had) if had.grantable || !g.grantable => {}
            _ => grant.push((&g.grantee, &g.privilege, g.grantable)),
        }
    }
    let mut out = Vec::new();
    for (grantee, option) in grouped(&revoke) {
        let privileges = target.privileges(&revoke, grantee, option);
        let option = if option { "GRANT OPTION FOR " } else { "" };
        out.push(format!(
            "REVOKE {option}{privileges} ON {} FROM {}",
            target.on,
            role(grantee)
        ));
    }
    for (grantee, option) in grouped(&grant) {
        let privileges = target.privileges(&grant, grantee, option);
        let option = if option { " WITH GRANT OPTION" } else { "" };
        out.push(format!(
            "GRANT {privileges} ON {} TO {}{option}",
            target.on,
            role(grantee)
        ));
    }
    out
}

fn grouped<'a>(entries: &[(&'a str, &str, bool)]) -> BTreeSet<(&'a str, bool)> {
    entries.iter().map(|(grantee, _, option)| (*grantee, *option)).collect()
}

fn role(grantee: &str) -> String {
    if grantee == "public" {
        "PUBLIC".to_string()
    } else {
        quote(grantee)
    }
}

/// What `GRANT` and `REVOKE` are about: `ON` what, and for a column's
/// privileges, the column (`SELECT (col) ON TABLE t`).
struct Target {
    on: String,
    column: Option<String>,
}

impl Target {
    fn of(on: &ObjectRef, schemas: &[&Schema]) -> Target {
        Target {
            on: format!("{} {}", on.kind.grant_sql(), name(on, schemas)),
            column: on.member.as_deref().map(quote),
        }
    }

    /// The privileges `grantee` is given or loses (with the grant option
    /// or not), comma-separated.
    fn privileges(&self, entries: &[(&str, &str, bool)], grantee: &str, option: bool) -> String {
        let privileges: BTreeSet<&str> = entries
            .iter()
            .filter(|(g, _, o)| *g == grantee && *o == option)
            .map(|(_, p, _)| *p)
            .collect();
        let written: Vec<String> = privileges
            .into_iter()
            .map(|p| match &self.column {
                Some(column) => format!("{p} ({column})"),
                None => p.to_string(),
            })
            .collect();
        written.join(", ")
    }
}

/// The object's SQL name, found in either schema; keys are valid SQL names
/// too, should the object be missing.
fn name(on: &ObjectRef, schemas: &[&Schema]) -> String {
    let object = on.object.as_str();
    let find = |name: &dyn Fn(&Schema) -> Option<String>| {
        schemas
            .iter()
            .find_map(|schema| name(schema))
            .unwrap_or_else(|| object.to_string())
    };
    match on.kind {
        ObjectKind::Schema => quote(object),
        ObjectKind::Table | ObjectKind::View | ObjectKind::MaterializedView | ObjectKind::Column => {
            relation_name(object, schemas)
        }
        ObjectKind::Sequence => find(&|s| s.sequences.get(object).map(sequence_name)),
        ObjectKind::Function | ObjectKind::Procedure => find(&|s| {
            s.routines
                .get(object)
                .map(|r| format!("{}({})", qualified(&r.namespace, &r.name), r.identity_arguments))
        }),
        ObjectKind::Type => find(&|s| {
            s.enums
                .get(object)
                .map(|e| qualified(&e.namespace, &e.name))
                .or_else(|| s.composites.get(object).map(|c| qualified(&c.namespace, &c.name)))
                .or_else(|| s.ranges.get(object).map(|r| qualified(&r.namespace, &r.name)))
        }),
        ObjectKind::Domain => find(&|s| s.domains.get(object).map(|d| qualified(&d.namespace, &d.name))),
    }
}
