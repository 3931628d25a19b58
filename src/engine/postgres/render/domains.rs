//! Domains: created with the other types, changed in place where
//! `ALTER DOMAIN` can, rebuilt (see [`retype`]) where it cannot.

use super::retype::{self, Retype, TypeRebuild};
use crate::engine::model::{Domain, Schema};
use crate::engine::plan::{HazardKind, Statement};
use crate::engine::postgres::ident::{qualified, quote};

fn name(domain: &Domain) -> String {
    qualified(&domain.namespace, &domain.name)
}

/// The key a domain is stored under.
pub fn key(domain: &Domain) -> String {
    crate::engine::postgres::ident::key(&domain.namespace, &domain.name)
}

pub fn create_domain(domain: &Domain) -> Statement {
    let mut sql = format!("CREATE DOMAIN {} AS {}", name(domain), domain.data_type);
    if let Some(collation) = &domain.collation {
        sql.push_str(&format!(" COLLATE {}", super::ddl::collate(collation)));
    }
    if let Some(default) = &domain.default {
        sql.push_str(&format!(" DEFAULT {default}"));
    }
    if domain.not_null {
        sql.push_str(" NOT NULL");
    }
    for check in &domain.checks {
        if let Some(check_name) = &check.name {
            sql.push_str(&format!(" CONSTRAINT {}", quote(check_name)));
        }
        sql.push_str(&format!(" CHECK {}", check.expression));
    }
    Statement::ddl(sql)
}

pub fn drop_domain(domain: &Domain) -> Statement {
    Statement::ddl(format!("DROP DOMAIN {}", name(domain)))
}

/// A new base type or collation cannot be set with `ALTER DOMAIN`.
pub fn needs_rebuild(from: &Domain, to: &Domain) -> bool {
    from.data_type != to.data_type || from.collation != to.collation
}

pub fn rebuild(from: &Domain, to: &Domain, live: &Schema, desired: &Schema) -> Retype {
    let spelling = if from.spelling.is_empty() {
        name(from)
    } else {
        from.spelling.clone()
    };
    let rebuild = TypeRebuild {
        keyword: "DOMAIN",
        namespace: &to.namespace,
        name: &to.name,
        current: name(from),
        spelling,
        create: create_domain(to),
        lost_values: None,
    };
    retype::rebuild(&rebuild, live, desired)
}

/// In place; see [`needs_rebuild`] for what cannot be.
pub fn alter_domain(from: &Domain, to: &Domain) -> Vec<Statement> {
    let mut out = drop_checks(from, to);
    out.extend(alter_after_checks_drop(from, to));
    out
}

/// The checks `to` no longer has, dropped: a domain that waits for a
/// routine its new checks call still drops the old ones early (they may
/// call a routine that is about to be dropped).
pub fn drop_checks(from: &Domain, to: &Domain) -> Vec<Statement> {
    let domain = name(to);
    let mut out = Vec::new();
    for check in from.checks.iter().filter(|c| !to.checks.contains(c)) {
        if let Some(check_name) = &check.name {
            out.push(Statement::ddl(format!(
                "ALTER DOMAIN {domain} DROP CONSTRAINT {}",
                quote(check_name)
            )));
        }
    }
    out
}

/// The rest of [`alter_domain`] after [`drop_checks`].
pub fn alter_after_checks_drop(from: &Domain, to: &Domain) -> Vec<Statement> {
    let domain = name(to);
    let mut out = Vec::new();
    if from.default != to.default {
        out.push(Statement::ddl(match &to.default {
            Some(default) => format!("ALTER DOMAIN {domain} SET DEFAULT {default}"),
            None => format!("ALTER DOMAIN {domain} DROP DEFAULT"),
        }));
    }
    if from.not_null != to.not_null {
        out.push(if to.not_null {
            Statement::ddl(format!("ALTER DOMAIN {domain} SET NOT NULL")).with_hazard(
                HazardKind::MayFailOnExistingRows,
                format!("columns of domain {domain} must hold no nulls"),
            )
        } else {
            Statement::ddl(format!("ALTER DOMAIN {domain} DROP NOT NULL"))
        });
    }
    for check in to.checks.iter().filter(|c| !from.checks.contains(c)) {
        let constraint = check
            .name
            .as_ref()
            .map(|n| format!("CONSTRAINT {} ", quote(n)))
            .unwrap_or_default();
        out.push(
            Statement::ddl(format!(
                "ALTER DOMAIN {domain} ADD {constraint}CHECK {}",
                check.expression
            ))
            .with_hazard(
                HazardKind::MayFailOnExistingRows,
                format!("values of domain {domain} must satisfy CHECK {}", check.expression),
            ),
        );
    }
    out
}
