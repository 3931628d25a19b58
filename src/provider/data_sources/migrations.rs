//! Data source `sqlalchemy_migrations`: a migration directory's files and,
//! given a database, where it stands (current version, pending files). Read
//! only: nothing is created, not even the revisions table.

use std::path::Path;

use crate::engine::migrate::{self, Directory, MigrationFile, RevisionsTable};
use crate::tfproto::cty::{Type, Value};
use crate::tfproto::diagnostics::Diagnostics;
use crate::tfproto::schema::{Attribute, Block, Schema};

use super::super::config::{validate_url, UrlAttribute};
use super::super::errors;
use super::super::field::{self, Field};
use super::super::Context;

pub const TYPE_NAME: &str = "sqlalchemy_migrations";

fn file_type() -> Type {
    Type::object([
        ("version", Type::String),
        ("name", Type::String),
        ("checksum", Type::String),
    ])
}

pub fn schema() -> Schema {
    Schema::new(
        0,
        Block::new(
            "The files of a migration directory (checked against its `tfalchemy.sum`) and, with `url`, which of \
             them a database has applied. Reads only: the database is not changed.",
        )
        .attribute(Attribute::computed(
            "id",
            Type::String,
            "The directory, as given in `dir`.",
        ))
        .attribute(Attribute::required(
            "dir",
            Type::String,
            "The migration directory, relative to Terraform's working directory (or absolute).",
        ))
        .attribute(
            Attribute::optional(
                "url",
                Type::String,
                "A database whose revisions to compare with the directory (fills `current` and `pending`).",
            )
            .sensitive(),
        )
        .attribute(Attribute::optional(
            "revisions_table",
            Type::String,
            "The revisions table to read: `name` or `schema.name`. Default `tfalchemy_revisions`.",
        ))
        .attribute(Attribute::computed(
            "files",
            Type::list(file_type()),
            "Every migration file in version order: `version`, `name`, `checksum` (as in `tfalchemy.sum`).",
        ))
        .attribute(Attribute::computed(
            "latest",
            Type::String,
            "The latest version in the directory (null when it has no file).",
        ))
        .attribute(Attribute::computed(
            "current",
            Type::String,
            "With `url`: the latest version the database applied completely (null before the first, or without `url`).",
        ))
        .attribute(Attribute::computed(
            "pending",
            Type::list(file_type()),
            "With `url`: the files the database has not applied, in order (null without `url`).",
        )),
    )
}

/// ValidateDataResourceConfig.
pub fn validate(config: &Value) -> Diagnostics {
    let mut diagnostics = Diagnostics::new();
    validate_url(&mut diagnostics, UrlAttribute::Url, &field::string(config, "url"));
    if let Field::Known(text) = field::string(config, "revisions_table") {
        if let Err(err) = RevisionsTable::parse(&text) {
            diagnostics.attribute_error("revisions_table", "Invalid revisions table", err.to_string());
        }
    }
    diagnostics
}

fn file_value(file: &MigrationFile) -> Value {
    Value::object([
        ("version", Value::string(file.version.to_string())),
        ("name", Value::string(file.name.clone())),
        ("checksum", Value::string(file.checksum.clone())),
    ])
}

/// The directory at `dir`, its files matching `tfalchemy.sum`.
#[allow(clippy::result_large_err)] // rare, and named with its file: see engine::migrate
fn read_checked(dir: &str) -> Result<Directory, migrate::MigrateError> {
    let directory = Directory::read(Path::new(dir))?;
    migrate::verify_sum(&directory)?;
    Ok(directory)
}

/// ReadDataSource.
pub async fn read(ctx: &Context, config: &Value) -> (Value, Diagnostics) {
    let mut diagnostics = validate(config);
    let Field::Known(dir) = field::string(config, "dir") else {
        diagnostics.attribute_error("dir", "No migration directory", "Set `dir`.");
        return (Value::Null, diagnostics);
    };
    if diagnostics.has_errors() {
        return (Value::Null, diagnostics);
    }
    let directory = match read_checked(&dir) {
        Ok(directory) => directory,
        Err(err) => {
            errors::migrate_error(&mut diagnostics, "read the migration directory", &err);
            return (Value::Null, diagnostics);
        }
    };
    let url = validate_url(&mut diagnostics, UrlAttribute::Url, &field::string(config, "url"));
    let (current, pending) = match url {
        None => (Value::Null, Value::Null),
        Some(url) => {
            let table = field::string(config, "revisions_table")
                .known()
                .and_then(|text| RevisionsTable::parse(&text).ok())
                .unwrap_or_default();
            let status = match ctx.canceller.run(migrate::status(&url, &directory, &table)).await {
                Ok(Ok(status)) => status,
                Ok(Err(err)) => {
                    errors::migrate_error(&mut diagnostics, "read the revisions table", &err);
                    return (Value::Null, diagnostics);
                }
                Err(cancelled) => {
                    errors::cancelled(&mut diagnostics, "read the revisions table", cancelled);
                    return (Value::Null, diagnostics);
                }
            };
            if let Err(err) = status.check(&url) {
                diagnostics.error("The database does not match the migration directory", err.to_string());
                return (Value::Null, diagnostics);
            }
            (
                status.current.map_or(Value::Null, |v| Value::string(v.to_string())),
                Value::List(
                    status
                        .pending
                        .iter()
                        .map(|&i| file_value(&directory.files[i]))
                        .collect(),
                ),
            )
        }
    };
    let value = Value::object([
        ("id", Value::string(dir.clone())),
        ("dir", Value::string(dir)),
        ("url", config.attr("url").cloned().unwrap_or(Value::Null)),
        (
            "revisions_table",
            config.attr("revisions_table").cloned().unwrap_or(Value::Null),
        ),
        ("files", Value::List(directory.files.iter().map(file_value).collect())),
        (
            "latest",
            directory
                .latest()
                .map_or(Value::Null, |f| Value::string(f.version.to_string())),
        ),
        ("current", current),
        ("pending", pending),
    ]);
    (value, diagnostics)
}
