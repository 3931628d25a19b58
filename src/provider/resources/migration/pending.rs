//! The pending files of a plan: what each runs (`pending`, `planned_sql`),
//! what each risks (the engine's hazard codes, as `migrate lint` finds them:
//! the schema before the file and after it, diffed and rendered), and the
//! policy's verdicts on those hazards as diagnostics.

use crate::engine::migrate::{self, Assessment, PendingFile};
use crate::engine::{self, DatabaseUrl, Statement};
use crate::tfproto::cty::{Type, Value};
use crate::tfproto::diagnostics::Diagnostics;

use super::super::super::policy::{excerpt, Denial, Policy, Site};

/// Type of one element of the computed `pending` list.
pub fn pending_type() -> Type {
    Type::object([
        ("version", Type::String),
        ("name", Type::String),
        ("checksum", Type::String),
        ("statements", Type::list(Type::String)),
        ("hazards", Type::list(hazard_type())),
    ])
}

fn hazard_type() -> Type {
    Type::object([
        ("code", Type::String),
        ("category", Type::String),
        ("message", Type::String),
    ])
}

/// The pending files, as the plan shows them.
pub struct Reviewed {
    pub pending: Value,
    pub planned_sql: Vec<String>,
}

/// The statements of `file` still to run: an apply that stopped midway
/// resumes after the ones that ran.
fn to_run(file: &PendingFile) -> Vec<String> {
    file.statements[file.resume_at.min(file.statements.len())..]
        .iter()
        .map(|s| s.sql.clone())
        .collect()
}

/// What each pending file of `assessment` risks, judged by `policy`; data
/// probes count the rows the first file's hazards would hit in `url` (the
/// later files' tables are not there yet).
pub async fn review(
    url: &DatabaseUrl,
    assessment: &Assessment,
    policy: &Policy,
    diagnostics: &mut Diagnostics,
) -> Result<Reviewed, migrate::MigrateError> {
    let mut pending = Vec::new();
    let mut planned_sql = Vec::new();
    for (index, file) in assessment.pending.iter().enumerate() {
        let concurrent = file.statements.iter().any(|s| s.forbids_transaction);
        let mut risks = migrate::hazards_of(url.dialect(), &file.before, &file.after, concurrent)?;
        if index == 0 && file.resume_at == 0 {
            if let Err(err) = engine::probe_live_data(url, &mut risks).await {
                diagnostics.warning(
                    "Data probes did not run",
                    format!(
                        "Counting the rows the hazards of {} would hit failed: {err}",
                        file.file.file_name
                    ),
                );
            }
        }
        if file.resume_at > 0 {
            diagnostics.warning(
                format!("{} resumes at statement {}", file.file.file_name, file.resume_at + 1),
                format!(
                    "An earlier apply of {} ran without a transaction and stopped after {} of its {} statements; \
                     they stay committed. This apply runs the rest.",
                    file.file.file_name,
                    file.resume_at,
                    file.statements.len()
                ),
            );
        }
        judge(policy, file, &risks, diagnostics);
        let statements = to_run(file);
        planned_sql.extend(statements.iter().cloned());
        pending.push(file_value(file, statements, &risks));
    }
    Ok(Reviewed {
        pending: Value::List(pending),
        planned_sql,
    })
}

fn judge(policy: &Policy, file: &PendingFile, risks: &[Statement], diagnostics: &mut Diagnostics) {
    let sites: Vec<Site> = risks
        .iter()
        .filter(|statement| !statement.hazards.is_empty())
        .map(|statement| Site {
            tag: file.file.file_name.clone(),
            place: format!(
                "Pending migration {} (version {}) makes this change, shown as the engine would write it:\n\n{}\n",
                file.file.file_name,
                file.file.version,
                excerpt(&statement.sql)
            ),
            statement,
        })
        .collect();
    policy.judge(&sites, Denial::Attribute("dir"), diagnostics);
}

fn file_value(file: &PendingFile, statements: Vec<String>, risks: &[Statement]) -> Value {
    // Without the probes' findings and the hazards decided by the live
    // activity: Terraform plans again at apply time and insists on the same value.
    let hazards = risks
        .iter()
        .flat_map(|statement| &statement.hazards)
        .filter(|hazard| !hazard.kind.decided_by_live_activity())
        .map(|hazard| {
            Value::object([
                ("code", Value::string(hazard.kind.code())),
                ("category", Value::string(hazard.kind.category().code())),
                ("message", Value::string(hazard.described())),
            ])
        })
        .collect();
    Value::object([
        ("version", Value::string(file.file.version.to_string())),
        ("name", Value::string(file.file.name.clone())),
        ("checksum", Value::string(file.file.checksum.clone())),
        (
            "statements",
            Value::List(statements.into_iter().map(Value::string).collect()),
        ),
        ("hazards", Value::List(hazards)),
    ])
}

/// The (version, checksum) of the files a planned `pending` value lists.
pub fn planned_files(pending: &Value) -> Option<Vec<(migrate::Version, String)>> {
    pending
        .as_list()?
        .iter()
        .map(|file| {
            let version = migrate::Version::parse(file.attr("version")?.as_str()?)?;
            Some((version, file.attr("checksum")?.as_str()?.to_string()))
        })
        .collect()
}
