//! Versioned migrations: a directory of reviewed SQL files, each a saved
//! plan, applied in order and recorded in a revisions table. The engine's
//! own pieces do the work: the dialect's gate splits and contains every
//! file (in its migration mode, which also lets data changes through), a
//! scratch database replays the directory, inspection and diff say what a
//! directory creates and what a file changes, and the hazard code says what
//! that risks. Dialect-specific parts live in each dialect's
//! `migrations.rs` (PostgreSQL, SQLite, MySQL), reached through the driver
//! in replay.rs and session.rs.

// A migration error names its file, statement, line and database as text:
// it is large, and rare; copying it on the way out costs nothing that matters.
#![allow(clippy::result_large_err)]

mod apply;
mod baseline;
mod checksum;
mod diff;
mod directory;
mod error;
mod file;
mod lint;
mod replay;
mod revisions;
mod session;
mod status;
mod sum;

pub use apply::{apply, assess, ApplyReport, ApplySettings, Assessment, PendingFile};
pub(crate) use apply::{Batch, BatchFailure};
pub use baseline::{baseline, BaselineReport};
pub use checksum::checksum;
pub use diff::{changes, diff, lacking, new_file, DiffOutcome, DiffRequest, Gap};
pub use directory::{check_name, Directory, MigrationFile, Version};
pub use error::MigrateError;
pub use file::{check_transactions, FileStatement, TxMode};
pub use lint::{hazards_of, kinds, lint, FileLint, Finding, LintSettings};
pub(crate) use replay::DialectReplay;
pub use replay::{replay, Inspect, Replay, ReplayedFile};
pub use revisions::{Revision, RevisionsSyntax, RevisionsTable, State, Upsert};
pub use status::{status, Status};
pub use sum::{verify as verify_sum, Sum, SUM_FILE};
