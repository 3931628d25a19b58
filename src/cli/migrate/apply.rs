//! `migrate apply`: run the pending migrations.

use std::process::ExitCode;

use clap::Args;

use super::output::print_pending;
use super::{parse_version, DirArgs, ScratchArgs, TableArgs, EXIT_ATTENTION};
use crate::engine::migrate::{self, ApplySettings, TxMode};
use crate::engine::{Options, Verdict};

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  DATABASE_URL=postgresql://app@db/app terraform-provider-sqlalchemy migrate apply --dir migrations\n  \
    terraform-provider-sqlalchemy migrate apply --url sqlite:///app.db --to 20250101120000 --dry-run\n\n\
    Each pending file runs in its own transaction (--tx-mode file), all of them in one (all), or\n\
    statement by statement (none; files with `-- tfalchemy:txmode none` always run so). Hazards are\n\
    judged like plans: data loss is refused unless allowed (--allow drops_column), the rest warned.\n\
    Exit code 0: applied (or nothing pending); 2: --dry-run with migrations pending; 1: error."
)]
pub struct ApplyArgs {
    #[command(flatten)]
    dir: DirArgs,
    /// The database.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    url: String,
    /// Apply up to this version (included).
    #[arg(long)]
    to: Option<String>,
    /// Show what would run, run nothing.
    #[arg(long)]
    dry_run: bool,
    /// file, all or none.
    #[arg(long, default_value = "file")]
    tx_mode: String,
    /// The longest wait for a lock (and for another apply), such as `5s`
    /// (PostgreSQL: `lock_timeout`; MySQL/MariaDB: `lock_wait_timeout` and `GET_LOCK`).
    #[arg(long)]
    lock_timeout: Option<String>,
    /// Allow a hazard code, category or `all` without a warning (repeatable).
    #[arg(long, value_name = "HAZARD")]
    allow: Vec<String>,
    /// Allow a hazard code, category or `all`, with a warning (repeatable).
    #[arg(long, value_name = "HAZARD")]
    warn: Vec<String>,
    /// Refuse migrations with this hazard code, category or `all` (repeatable).
    #[arg(long, value_name = "HAZARD")]
    deny: Vec<String>,
    #[command(flatten)]
    table: TableArgs,
    #[command(flatten)]
    scratch: ScratchArgs,
}

pub async fn run(args: ApplyArgs) -> Result<ExitCode, String> {
    let url = super::super::parse_url(&args.url)?;
    let txmode = match TxMode::parse(&args.tx_mode) {
        Some(mode) => mode,
        None => return Err(format!("--tx-mode: `{}` is not file, all or none", args.tx_mode)),
    };
    let policy = super::super::policy::rules_from_flags(&args.allow, &args.warn, &args.deny)?;
    let settings = ApplySettings {
        table: args.table.table()?,
        options: Options {
            lock_timeout: args.lock_timeout.clone(),
            ..Options::default()
        },
        txmode,
        to: args.to.as_deref().map(parse_version).transpose()?,
        dev: args.scratch.dev()?,
        ..ApplySettings::default()
    };
    let directory = args.dir.read()?;
    let assessment = migrate::assess(&url, &directory, &settings)
        .await
        .map_err(|e| e.to_string())?;
    if assessment.pending.is_empty() {
        eprintln!("No migrations pending: {} is up to date.", url.redacted());
        return Ok(ExitCode::SUCCESS);
    }
    let mut denied = Vec::new();
    for pending in &assessment.pending {
        let concurrent = pending.statements.iter().any(|s| s.forbids_transaction);
        let hazards = migrate::hazards_of(url.dialect(), &pending.before, &pending.after, concurrent)
            .map_err(|e| e.to_string())?;
        print_pending(pending, &hazards, &policy);
        for hazard in hazards.iter().flat_map(|s| &s.hazards) {
            if policy.verdict_on(hazard) == Verdict::Deny {
                denied.push(format!(
                    "  {}: {} ({}); --allow {} allows it",
                    pending.file.file_name,
                    hazard.kind.code(),
                    hazard.message(),
                    hazard.kind.code()
                ));
            }
        }
    }
    if !denied.is_empty() {
        return Err(format!(
            "the migrations are blocked by policy; nothing was applied:\n{}",
            denied.join("\n")
        ));
    }
    if args.dry_run {
        eprintln!(
            "{} migration(s) would be applied to {}.",
            assessment.pending.len(),
            url.redacted()
        );
        return Ok(ExitCode::from(EXIT_ATTENTION));
    }
    let report = migrate::apply(&url, &directory, &settings)
        .await
        .map_err(|e| e.to_string())?;
    for file in &report.applied {
        eprintln!(
            "Applied {} ({} statement(s)).",
            file.file.file_name,
            file.statements.len()
        );
    }
    eprintln!(
        "{} is at version {}.",
        url.redacted(),
        report.current.as_ref().map_or("none".to_string(), |v| v.to_string())
    );
    Ok(ExitCode::SUCCESS)
}
