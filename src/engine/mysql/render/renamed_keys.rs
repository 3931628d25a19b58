//! Keys that only changed name. MySQL 5.7+ and MariaDB 10.5.2+ rename an
//! index (a unique key is one) in place, touching no row: an index dropped
//! while one equal but for its name is created is renamed instead of built
//! again. Whether the name changed by hand or because a declared table or
//! column rename changed a naming convention's output does not matter: the
//! diff compares desired with live as the renames leave it.
//!
//! Foreign keys and checks have no rename in either server: they are
//! dropped and added again, and the plan says so.

use std::collections::BTreeSet;

use crate::engine::diff::TableChange;
use crate::engine::model::{Check, ForeignKey, Index};
use crate::engine::mysql::connect::Server;

/// Whether `server` has `ALTER TABLE … RENAME INDEX`.
pub fn renames_indexes(server: &Server) -> bool {
    if server.is_mariadb() {
        server.at_least(10, 5, 2)
    } else {
        server.at_least(5, 7, 0)
    }
}

/// Takes the dropped and created indexes that are one index under two
/// names out of `dropped` and `created`, as `(old, new)` name pairs. Names
/// that are both dropped and created (an index rebuilt under its name) are
/// left alone.
pub fn pair_renamed_indexes<'a>(
    dropped: &mut Vec<&'a Index>,
    created: &mut Vec<&'a Index>,
    server: &Server,
) -> Vec<(&'a str, &'a str)> {
    if !renames_indexes(server) {
        return Vec::new();
    }
    let names = |indexes: &[&Index]| -> BTreeSet<String> { indexes.iter().map(|i| i.name.clone()).collect() };
    let (dropped_names, created_names) = (names(dropped), names(created));
    let mut pairs = Vec::new();
    let mut at = 0;
    while at < dropped.len() {
        let old = dropped[at];
        let new = created.iter().position(|new| {
            !created_names.contains(&old.name) && !dropped_names.contains(&new.name) && same_but_name(old, new)
        });
        match new {
            Some(position) => {
                let new = created.remove(position);
                dropped.remove(at);
                pairs.push((old.name.as_str(), new.name.as_str()));
            }
            None => at += 1,
        }
    }
    pairs
}

fn same_but_name(old: &Index, new: &Index) -> bool {
    Index {
        name: old.name.clone(),
        ..new.clone()
    } == *old
}

/// The foreign keys `changes` drop and add again under another name:
/// `(old, new)`.
pub fn renamed_foreign_keys(changes: &[TableChange]) -> Vec<(&str, &str)> {
    renamed(
        changes,
        |c| match c {
            TableChange::DropForeignKey(key) => Some(key),
            _ => None,
        },
        |c| match c {
            TableChange::AddForeignKey(key) => Some(key),
            _ => None,
        },
        |key: &ForeignKey| key.name.as_deref(),
        |key, name| ForeignKey { name, ..key.clone() },
    )
}

/// The checks `changes` drop and add again under another name: `(old, new)`.
pub fn renamed_checks(changes: &[TableChange]) -> Vec<(&str, &str)> {
    renamed(
        changes,
        |c| match c {
            TableChange::DropCheck(check) => Some(check),
            _ => None,
        },
        |c| match c {
            TableChange::AddCheck(check) => Some(check),
            _ => None,
        },
        |check: &Check| check.name.as_deref(),
        |check, name| Check { name, ..check.clone() },
    )
}

/// Pairs each object `changes` add with one they drop that is the same
/// object under another name.
fn renamed<'a, T: PartialEq + 'a>(
    changes: &'a [TableChange],
    dropped: impl Fn(&'a TableChange) -> Option<&'a T>,
    added: impl Fn(&'a TableChange) -> Option<&'a T>,
    name: impl Fn(&'a T) -> Option<&'a str>,
    named: impl Fn(&T, Option<String>) -> T,
) -> Vec<(&'a str, &'a str)> {
    let dropped: Vec<&T> = changes.iter().filter_map(&dropped).collect();
    changes
        .iter()
        .filter_map(&added)
        .filter_map(|new| {
            dropped.iter().find_map(|old| {
                let same = named(new, name(old).map(str::to_string)) == **old;
                match (same, name(old), name(new)) {
                    (true, Some(old), Some(new)) if old != new => Some((old, new)),
                    _ => None,
                }
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(name: &str, column: &str) -> Index {
        Index::on_column(name, column)
    }

    #[test]
    fn only_an_equal_index_under_a_new_name_is_renamed_and_only_where_the_server_can() {
        let (a, b, c) = (index("ix_a", "x"), index("ix_b", "x"), index("ix_c", "y"));
        let maria = Server::from_version("10.11.6-MariaDB");
        let (mut dropped, mut created) = (vec![&a], vec![&c, &b]);
        assert_eq!(
            pair_renamed_indexes(&mut dropped, &mut created, &maria),
            vec![("ix_a", "ix_b")]
        );
        assert!(dropped.is_empty());
        assert_eq!(created.len(), 1);
        for old in ["10.4.30-MariaDB", "5.6.51"] {
            let (mut dropped, mut created) = (vec![&a], vec![&b]);
            let server = Server::from_version(old);
            assert!(
                pair_renamed_indexes(&mut dropped, &mut created, &server).is_empty(),
                "{old}"
            );
        }
        assert!(renames_indexes(&Server::from_version("8.0.36")));
    }
}
