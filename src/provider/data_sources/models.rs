//! Data source `sqlalchemy_models`: SQLAlchemy models → desired DDL.
//!
//! The exporter (`crate::exporter`) runs the user's own Python interpreter,
//! so no package of ours needs installing next to their application.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::exporter::{self, CacheMode, ExportError, ExportInput, ExportRequest, ModelSource};
use crate::tfproto::cty::{Type, Value};
use crate::tfproto::diagnostics::Diagnostics;
use crate::tfproto::schema::{Attribute, Block, Schema};

use super::super::dialect_marker;
use super::super::field::{self, Field};
use super::super::Context;

pub const TYPE_NAME: &str = "sqlalchemy_models";

use crate::exporter::DIALECTS;

fn source_type() -> Type {
    Type::object([("table", Type::String), ("file", Type::String), ("line", Type::Number)])
}

pub fn schema() -> Schema {
    Schema::new(
        0,
        Block::new(
            "Turns SQLAlchemy models into the DDL SQLAlchemy itself would emit for a dialect, using \
             your own Python interpreter (the one that has SQLAlchemy and your application's \
             dependencies). Feed `sql` to `sqlalchemy_schema.desired_sql`.",
        )
        .attribute(Attribute::computed(
            "id",
            Type::String,
            "The `sha256` of the exported DDL.",
        ))
        .attribute(Attribute::optional(
            "module",
            Type::String,
            "An importable module or package holding the models, such as `app.models`. Exactly one of \
             `module` and `path` must be set.",
        ))
        .attribute(Attribute::optional(
            "path",
            Type::String,
            "A model file, or a directory of model files imported as a package (so relative imports \
             such as `from .base import Base` work).",
        ))
        .attribute(Attribute::optional(
            "python",
            Type::String,
            "The Python interpreter to run, for example `../.venv/bin/python`. Default: `python3` on `PATH`.",
        ))
        .attribute(Attribute::required(
            "dialect",
            Type::String,
            "The SQL dialect to export for: `postgresql`, `mysql`, `mariadb` or `sqlite`.",
        ))
        .attribute(Attribute::optional(
            "working_dir",
            Type::String,
            "Directory the interpreter runs in and that is put first on `sys.path`. Default: Terraform's \
             working directory.",
        ))
        .attribute(Attribute::optional(
            "python_path",
            Type::list(Type::String),
            "Extra entries for `sys.path`, before the working directory.",
        ))
        .attribute(Attribute::optional(
            "env",
            Type::map(Type::String),
            "Extra environment variables for the interpreter (for settings modules that read them on import).",
        ))
        .attribute(Attribute::optional(
            "cache",
            Type::Bool,
            "Reuse an earlier export when nothing it depends on changed (default `true`). The cache key \
             covers the model source files, the interpreter, the SQLAlchemy version, the dialect, `env` \
             and `cache_inputs`.",
        ))
        .attribute(Attribute::optional(
            "cache_inputs",
            Type::list(Type::String),
            "Extra strings that invalidate the cache when they change, for inputs the key cannot see \
             (for example a hash of a settings file outside the model sources).",
        ))
        .attribute(Attribute::computed("sql", Type::String, "The exported DDL."))
        .attribute(Attribute::computed(
            "tables",
            Type::list(Type::String),
            "Qualified names of the exported tables, sorted.",
        ))
        .attribute(Attribute::computed(
            "sha256",
            Type::String,
            "SHA-256 of `sql`, hex encoded.",
        ))
        .attribute(Attribute::computed(
            "sources",
            Type::list(source_type()),
            "Where each table was defined: `table`, `file` and `line`.",
        )),
    )
}

/// ValidateDataResourceConfig.
pub fn validate(config: &Value) -> Diagnostics {
    let mut diagnostics = Diagnostics::new();
    let module = field::string(config, "module");
    let path = field::string(config, "path");
    match (&module, &path) {
        (Field::Null, Field::Null) => diagnostics.attribute_error(
            "module",
            "No models to export",
            "Set `module` (an importable module such as `app.models`) or `path` (a model file or directory).",
        ),
        (Field::Known(_) | Field::Unknown, Field::Known(_) | Field::Unknown) => diagnostics.attribute_error(
            "path",
            "Both `module` and `path` are set",
            "Set only one of them: `module` imports by name, `path` imports files.",
        ),
        _ => {}
    }
    if let Field::Known(dialect) = field::string(config, "dialect") {
        if !DIALECTS.contains(&dialect.as_str()) {
            diagnostics.attribute_error(
                "dialect",
                "Unknown dialect",
                format!(
                    "`{dialect}` is not a dialect the exporter knows; use one of: {}.",
                    DIALECTS.join(", ")
                ),
            );
        }
    }
    diagnostics
}

/// ReadDataSource: run (or reuse) the export.
pub async fn read(ctx: &Context, config: &Value) -> (Value, Diagnostics) {
    let mut diagnostics = validate(config);
    if diagnostics.has_errors() {
        return (Value::Null, diagnostics);
    }
    let request = match export_request(config) {
        Ok(request) => request,
        Err(message) => {
            diagnostics.error("Invalid model source", message);
            return (Value::Null, diagnostics);
        }
    };
    let export = match ctx.canceller.run(exporter::export(&request)).await {
        Ok(Ok(export)) => export,
        Ok(Err(err)) => {
            export_error(&mut diagnostics, &request, &err);
            return (Value::Null, diagnostics);
        }
        Err(cancelled) => {
            super::super::errors::cancelled(&mut diagnostics, "export the SQLAlchemy models", cancelled);
            return (Value::Null, diagnostics);
        }
    };
    for warning in &export.warnings {
        diagnostics.warning("SQLAlchemy models: part of the schema was skipped", warning.clone());
    }
    for duplicate in &export.duplicates {
        diagnostics.warning("SQLAlchemy models declare a statement twice", duplicate.to_string());
    }
    tracing::debug!(
        tables = export.tables.len(),
        from_cache = export.from_cache,
        "exported models"
    );
    let sql = format!("{}{}", dialect_marker::marker(&request.dialect), export.sql);
    let mut state: BTreeMap<String, Value> = match config {
        Value::Object(attributes) => attributes.clone(),
        _ => BTreeMap::new(),
    };
    let sha256 = exporter::sha256_hex(sql.as_bytes());
    state.insert("id".into(), Value::string(sha256.clone()));
    state.insert("sha256".into(), Value::string(sha256));
    state.insert("sql".into(), Value::string(sql));
    state.insert(
        "tables".into(),
        Value::List(export.tables.iter().cloned().map(Value::string).collect()),
    );
    state.insert(
        "sources".into(),
        Value::List(
            export
                .sources
                .iter()
                .map(|source| {
                    Value::object([
                        ("table", Value::string(source.table.clone())),
                        ("file", Value::string(source.file.clone())),
                        (
                            "line",
                            Value::Number(crate::tfproto::cty::Number::from_u64(source.line as u64)),
                        ),
                    ])
                })
                .collect(),
        ),
    );
    (Value::Object(state), diagnostics)
}

/// The failure as an error on the argument that caused it, when one did.
fn export_error(diagnostics: &mut Diagnostics, request: &ExportRequest, err: &ExportError) {
    let attribute = err.input().map(|input| match input {
        ExportInput::Python => "python",
        ExportInput::Models => match request.source {
            ModelSource::Module(_) => "module",
            ModelSource::Path(_) => "path",
        },
        ExportInput::Dialect => "dialect",
        ExportInput::WorkingDir => "working_dir",
    });
    match attribute {
        Some(attribute) => diagnostics.attribute_error(attribute, err.summary(), err.to_string()),
        None => diagnostics.error(err.summary(), err.to_string()),
    }
}

fn export_request(config: &Value) -> Result<ExportRequest, String> {
    let source = match (field::string(config, "module"), field::string(config, "path")) {
        (Field::Known(module), _) => ModelSource::Module(module),
        (_, Field::Known(path)) => ModelSource::Path(PathBuf::from(path)),
        _ => return Err("`module` or `path` must be known before the models can be exported".into()),
    };
    let python = field::string(config, "python")
        .known()
        .unwrap_or_else(|| "python3".to_string());
    let dialect = field::string(config, "dialect").known().unwrap_or_default();
    let env = match config.attr("env") {
        Some(Value::Map(entries)) => entries
            .iter()
            .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
            .collect(),
        _ => BTreeMap::new(),
    };
    let cache_enabled = config.attr("cache").and_then(Value::as_bool).unwrap_or(true);
    Ok(ExportRequest {
        python,
        source,
        dialect,
        working_dir: field::string(config, "working_dir").known().map(PathBuf::from),
        python_path: field::string_list(config, "python_path")
            .known()
            .unwrap_or_default()
            .into_iter()
            .map(PathBuf::from)
            .collect(),
        env,
        cache: if cache_enabled {
            CacheMode::default_dir()
        } else {
            CacheMode::Disabled
        },
        extra_cache_inputs: field::string_list(config, "cache_inputs").known().unwrap_or_default(),
    })
}
