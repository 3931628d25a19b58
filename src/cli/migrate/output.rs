//! How migrations are printed: SQL with hazards as comments, findings one per line.

use crate::engine::migrate::{FileLint, PendingFile};
use crate::engine::{HazardPolicy, Statement};

/// A pending file's statements as SQL, its hazards (with the policy's
/// verdicts) as comments at the top.
pub fn print_pending(file: &PendingFile, hazards: &[Statement], policy: &HazardPolicy) {
    println!("-- {} ({} statement(s))", file.file.file_name, file.statements.len());
    for hazard in hazards.iter().flat_map(|s| &s.hazards) {
        let message = hazard.message().split_whitespace().collect::<Vec<_>>().join(" ");
        println!(
            "-- {} {}: {message}",
            policy.verdict(hazard.kind).setting(),
            hazard.kind.code()
        );
    }
    for statement in &file.statements {
        println!("{};", statement.sql.trim_end_matches(';'));
    }
    println!();
}

/// Lint findings: `<file>: <code>: <message>`, one per line.
pub fn print_findings(linted: &[FileLint]) -> usize {
    let mut count = 0;
    for file in linted {
        for finding in &file.findings {
            count += 1;
            let message = finding.message().lines().collect::<Vec<_>>().join(" ");
            println!("{}: {}: {message}", file.file_name, finding.code());
        }
    }
    count
}
