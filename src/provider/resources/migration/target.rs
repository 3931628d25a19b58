//! What a `sqlalchemy_migration` works on: the database (its `url`, else
//! the provider's), the migration directory (`dir`, read relative to
//! Terraform's working directory but stored as written), and how to apply
//! (`version`, `baseline`, `revisions_table`, `tx_mode`, `lock_timeout`),
//! read into the engine's [`ApplySettings`] with a diagnostic on the
//! attribute at fault.

use std::path::Path;

use crate::engine::migrate::{ApplySettings, Directory, RevisionsTable, TxMode, Version};
use crate::engine::{self, capabilities_of, DatabaseUrl, Options};
use crate::tfproto::diagnostics::Diagnostics;

use super::super::super::config::{missing_url, parse_url_field, UrlAttribute};
use super::super::super::errors;
use super::super::super::field::Field;
use super::super::super::Context;
use super::MigrationResource;

/// A resource's database, directory and apply settings, all known.
pub struct Target {
    pub url: DatabaseUrl,
    pub directory: Directory,
    pub settings: ApplySettings,
}

/// What can be said at plan time.
pub enum Resolved {
    /// `url`, `dir` or a setting is not known yet.
    Unknown {
        url: Field<DatabaseUrl>,
    },
    Known(Box<Target>),
}

/// Reads the resource's target; `None` when something is wrong (reported).
pub fn resolve(ctx: &Context, resource: &MigrationResource, diagnostics: &mut Diagnostics) -> Option<Resolved> {
    let url = parse_url_field(
        diagnostics,
        UrlAttribute::Url,
        resource.url.clone().or(ctx.provider_config().url),
    )?;
    let settings = settings(resource, url.clone().known().as_ref(), diagnostics)?;
    let (Field::Known(url), Field::Known(dir), Some(settings)) = (url.clone(), resource.dir.clone(), settings) else {
        if url == Field::Null {
            missing_url(diagnostics);
            return None;
        }
        return Some(Resolved::Unknown { url });
    };
    let directory = match Directory::read(Path::new(&dir)) {
        Ok(directory) => directory,
        Err(err) => {
            errors::migrate_error(diagnostics, "read the migration directory", &err);
            return None;
        }
    };
    if let Some(version) = settings.to.as_ref().filter(|v| directory.find(v).is_none()) {
        not_in_directory(diagnostics, "version", version, &dir);
        return None;
    }
    if let Some(version) = settings.baseline.as_ref().filter(|v| directory.find(v).is_none()) {
        not_in_directory(diagnostics, "baseline", version, &dir);
        return None;
    }
    Some(Resolved::Known(Box::new(Target {
        url,
        directory,
        settings,
    })))
}

fn not_in_directory(diagnostics: &mut Diagnostics, attribute: &str, version: &Version, dir: &str) {
    diagnostics.attribute_error(
        attribute,
        "Version not in the migration directory",
        format!("`{attribute} = \"{version}\"`, but the migration directory `{dir}` has no file with that version."),
    );
}

/// The apply settings: `None` with diagnostics when one is invalid,
/// `Some(None)` while one is unknown. `url` (when known) rules out what its
/// dialect lacks.
pub fn settings(
    resource: &MigrationResource,
    url: Option<&DatabaseUrl>,
    diagnostics: &mut Diagnostics,
) -> Option<Option<ApplySettings>> {
    let mut found = Diagnostics::new();
    let version = |attribute: &str, field: &Field<String>, found: &mut Diagnostics| match field {
        Field::Known(text) => match Version::parse(text) {
            Some(version) => Field::Known(Some(version)),
            None => {
                found.attribute_error(
                    attribute,
                    "Invalid version",
                    format!(
                        "`{attribute} = \"{text}\"` is not a migration version: digits only, as in the file names."
                    ),
                );
                Field::Null
            }
        },
        Field::Unknown => Field::Unknown,
        Field::Null => Field::Known(None),
    };
    let to = version("version", &resource.version, &mut found);
    let baseline = version("baseline", &resource.baseline, &mut found);
    let table = match &resource.revisions_table {
        Field::Known(text) => match RevisionsTable::parse(text) {
            Ok(table) if table.schema.is_some() && url.is_some_and(|u| !capabilities_of(u.dialect()).schemas) => {
                let dialect = url.map_or("", |u| u.dialect().display_name());
                found.attribute_error(
                    "revisions_table",
                    format!("{dialect} has no schemas"),
                    format!("`revisions_table = \"{text}\"` names a schema; on {dialect} name the table alone."),
                );
                Field::Null
            }
            Ok(table) => Field::Known(table),
            Err(_) => {
                found.attribute_error(
                    "revisions_table",
                    "Invalid revisions table",
                    format!("`revisions_table = \"{text}\"` is not `name` or `schema.name` (letters, digits and `_`)."),
                );
                Field::Null
            }
        },
        Field::Unknown => Field::Unknown,
        Field::Null => Field::Known(RevisionsTable::default()),
    };
    let txmode = match &resource.tx_mode {
        Field::Known(text) => match TxMode::parse(text) {
            Some(TxMode::All) if url.is_some_and(|u| !capabilities_of(u.dialect()).transactional_ddl) => {
                let dialect = url.map_or("", |u| u.dialect().display_name());
                found.attribute_error(
                    "tx_mode",
                    format!("{dialect} has no transactional DDL"),
                    format!(
                        "`tx_mode = \"all\"` runs every pending file in one transaction, but {dialect} commits every \
                         DDL statement by itself. Use `file` (the default): each statement commits as it runs and the \
                         revisions table records how many did, so a failed file resumes where it stopped."
                    ),
                );
                Field::Null
            }
            Some(mode) => Field::Known(mode),
            None => {
                found.attribute_error(
                    "tx_mode",
                    "Invalid transaction mode",
                    format!("`tx_mode = \"{text}\"`: use `file` (each file in its transaction, the default), `all` (every pending file in one) or `none`."),
                );
                Field::Null
            }
        },
        Field::Unknown => Field::Unknown,
        Field::Null => Field::Known(TxMode::File),
    };
    let lock_timeout = match &resource.lock_timeout {
        Field::Known(text) => match engine::parse_duration(text) {
            Ok(_) => Field::Known(Some(text.clone())),
            Err(err) => {
                found.attribute_error("lock_timeout", "Invalid duration", err.to_string());
                Field::Null
            }
        },
        Field::Unknown => Field::Unknown,
        Field::Null => Field::Known(None),
    };
    let invalid = found.has_errors();
    diagnostics.extend(found);
    if invalid {
        return None;
    }
    let (
        Field::Known(to),
        Field::Known(baseline),
        Field::Known(table),
        Field::Known(txmode),
        Field::Known(lock_timeout),
    ) = (to, baseline, table, txmode, lock_timeout)
    else {
        return Some(None);
    };
    Some(Some(ApplySettings {
        table,
        options: Options {
            lock_timeout,
            ..Options::default()
        },
        txmode,
        to,
        baseline,
        ..ApplySettings::default()
    }))
}
