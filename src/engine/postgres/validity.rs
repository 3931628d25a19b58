//! `NOT VALID` checks and foreign keys. Desired SQL that adds a constraint
//! `NOT VALID` asks for it without checking the rows already there, and
//! promises nothing about them; a live constraint that is validated keeps
//! that promise too, so it satisfies the desired one and nothing is planned
//! (dropping it to add it again unvalidated would only lose information).
//! The other way round, a live `NOT VALID` constraint the desired SQL
//! declares plainly is validated in place (`VALIDATE CONSTRAINT`), which
//! checks the existing rows without blocking writes.

use crate::engine::diff::{TableChange, TableDiff};
use crate::engine::model::{Check, ForeignKey, Schema};

/// Marks the desired `NOT VALID` constraints that live has validated as
/// validated, so that diff, hash and the convergence proof agree that
/// nothing is to be done about them.
pub fn settle(live: &Schema, desired: &mut Schema) {
    for (key, table) in desired.tables.iter_mut() {
        let Some(live_table) = live.tables.get(key) else {
            continue;
        };
        for check in table.checks.iter_mut().filter(|c| c.not_valid) {
            let validated = Check {
                not_valid: false,
                ..check.clone()
            };
            if live_table.checks.contains(&validated) {
                check.not_valid = false;
            }
        }
        for fk in table.foreign_keys.iter_mut().filter(|fk| fk.not_valid) {
            let validated = ForeignKey {
                not_valid: false,
                ..fk.clone()
            };
            if live_table.foreign_keys.contains(&validated) {
                fk.not_valid = false;
            }
        }
        table.sort();
    }
}

/// A live `NOT VALID` constraint that only differs from its desired form by
/// being unvalidated: validated in place instead of dropped and added.
pub enum Validation<'a> {
    Check(&'a Check),
    ForeignKey(&'a ForeignKey),
}

impl Validation<'_> {
    pub fn name(&self) -> Option<&str> {
        match self {
            Validation::Check(c) => c.name.as_deref(),
            Validation::ForeignKey(fk) => fk.name.as_deref(),
        }
    }
}

/// The constraints of `diff` that are validated in place: each of them is
/// both dropped (as `NOT VALID`) and added (validated) by the diff, and the
/// renderer writes neither.
pub fn validations(diff: &TableDiff) -> Vec<Validation<'_>> {
    let dropped_checks: Vec<&Check> = diff
        .changes
        .iter()
        .filter_map(|c| match c {
            TableChange::DropCheck(check) if check.not_valid && check.name.is_some() => Some(check),
            _ => None,
        })
        .collect();
    let dropped_keys: Vec<&ForeignKey> = diff
        .changes
        .iter()
        .filter_map(|c| match c {
            TableChange::DropForeignKey(fk) if fk.not_valid && fk.name.is_some() => Some(fk),
            _ => None,
        })
        .collect();
    diff.changes
        .iter()
        .filter_map(|c| match c {
            TableChange::AddCheck(check) if !check.not_valid => {
                let unvalidated = Check {
                    not_valid: true,
                    ..check.clone()
                };
                dropped_checks
                    .contains(&&unvalidated)
                    .then_some(Validation::Check(check))
            }
            TableChange::AddForeignKey(fk) if !fk.not_valid => {
                let unvalidated = ForeignKey {
                    not_valid: true,
                    ..fk.clone()
                };
                dropped_keys
                    .contains(&&unvalidated)
                    .then_some(Validation::ForeignKey(fk))
            }
            _ => None,
        })
        .collect()
}

/// True when `change` is one half of a validation in `validations`.
pub fn is_validated(change: &TableChange, validations: &[Validation<'_>]) -> bool {
    let name = match change {
        TableChange::AddCheck(c) | TableChange::DropCheck(c) => c.name.as_deref(),
        TableChange::AddForeignKey(fk) | TableChange::DropForeignKey(fk) => fk.name.as_deref(),
        _ => return false,
    };
    let is_check = matches!(change, TableChange::AddCheck(_) | TableChange::DropCheck(_));
    validations
        .iter()
        .any(|v| matches!(v, Validation::Check(_)) == is_check && name.is_some() && v.name() == name)
}
