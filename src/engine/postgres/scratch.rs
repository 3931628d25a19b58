//! Scratch databases: where desired SQL is normalized and plans are replayed.
//! Every use is one transaction that is always rolled back, so a scratch
//! database is as empty after a use as before it.
//!
//! Except for large schemas in a temporary database. One transaction can
//! hold only so many locks (lock_table.rs), and a few thousand tables exceed
//! it; so work in a temporary database commits what it has loaded and goes
//! on in a new transaction whenever its transaction holds more than its
//! share of the server's lock table. Only a temporary database: this process
//! created it, no one else connects to it, and it is dropped afterwards, so
//! nothing outside it ever sees a commit there. The part a result depends on
//! still runs in the last transaction, which is rolled back, and a database
//! that committed anything is never reused: it is dropped when the work
//! releases it (a `DROP DATABASE`, so a checkpoint on that server, paid only
//! by work too large for one transaction) and the next work creates a new
//! one. A dev database (`dev_url`) is the user's: work there always stays in
//! one rolled-back transaction, and a schema too large for it fails with
//! [`EngineError::ServerLimit`], which names the setting and the alternatives.
//!
//! With a `dev_url`, the dev database is the scratch database; it must be
//! empty, and this process uses it for one piece of work at a time. Without
//! one, a temporary database is created on the target's server and dropped
//! when the work is done (also when the work is abandoned midway). A process
//! that does many plans (the provider, a CLI command) calls
//! [`keep_scratch_databases`] first: its temporary databases then outlive
//! each piece of work and are reused by the next, because creating and
//! dropping a database costs a checkpoint on that server; it pays that once,
//! and [`drop_scratch_databases`] drops them when it ends. A process that is
//! killed leaves its database behind, and the next process to create one on
//! that server drops the abandoned ones (no session connected, older than
//! [`ABANDONED_AFTER`]).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};
use sqlx::postgres::{PgConnection, Postgres};
use sqlx::{Connection, Executor, Row, Transaction};

use super::connect::{connect, options, ServerOptions};
use super::ident::quote;
use super::inspect::inspect_connection;
use super::lock_table::Budget;
use crate::engine::error::{database_message, EngineError};
use crate::engine::model::Schema;
use crate::engine::url::DatabaseUrl;

/// Prefix of the temporary databases' names: `tfalchemy_dev_<unix seconds>_<pid>_<random>`.
pub const TEMPORARY_DATABASE_PREFIX: &str = "tfalchemy_dev_";

/// A temporary database with no session for this long belongs to a process
/// that is gone.
pub const ABANDONED_AFTER: Duration = Duration::from_secs(10 * 60);

/// How often a `DROP DATABASE` is tried again while the database's last
/// session is still ending, a second apart.
const DROP_RETRIES: usize = 30;
/// SQLSTATE `object_in_use`: "database … is being accessed by other users".
const OBJECT_IN_USE: &str = "55006";

/// Whether temporary databases are kept for this process's next piece of work.
static KEEP: AtomicBool = AtomicBool::new(false);

/// From now on, this process keeps its temporary databases between pieces of
/// work, until [`drop_scratch_databases`]. For processes that run in one
/// async runtime until they end, and then call it.
pub fn keep_scratch_databases() {
    KEEP.store(true, Ordering::SeqCst);
}

/// One scratch database, held by one piece of work until [`Scratch::release`].
pub(super) struct Scratch {
    conn: Option<PgConnection>,
    /// Names it in messages: the redacted URL, and which database.
    pub label: String,
    kind: Option<Kind>,
    /// Some work committed here: the database is not empty any more.
    committed: bool,
}

enum Kind {
    /// The user's dev database; the guard keeps this process's other work out.
    Dev(tokio::sync::OwnedMutexGuard<()>),
    /// A temporary database, returned to the pool when released.
    Temporary(Box<TemporaryDatabase>),
}

/// A temporary database this process created.
#[derive(Clone)]
struct TemporaryDatabase {
    /// Which pool it belongs to: the server and role, hashed (the URL holds a password).
    pool_key: String,
    admin: ServerOptions,
    name: String,
    server_label: String,
}

impl Scratch {
    /// A scratch database for work against `target`: the dev database when
    /// given, else a temporary database on the target's server.
    pub async fn acquire(target: Option<&DatabaseUrl>, dev: Option<&DatabaseUrl>) -> Result<Scratch, EngineError> {
        match (dev, target) {
            (Some(dev), _) => Scratch::dev(dev).await,
            (None, Some(target)) => Scratch::temporary(target).await,
            (None, None) => Err(EngineError::DevDatabase {
                url: "postgres".to_string(),
                reason: "there is no target server to create one on".to_string(),
            }),
        }
    }

    async fn dev(dev: &DatabaseUrl) -> Result<Scratch, EngineError> {
        let label = dev.redacted();
        let guard = dev_lock(&label).lock_owned().await;
        let mut conn = super::connect::open(dev).await?;
        let (existing, _) = inspect_connection(&mut conn, &label).await?;
        let extra = objects_beyond_a_new_database(&existing);
        if !extra.is_empty() {
            let _ = conn.close().await;
            return Err(EngineError::DevDatabaseNotEmpty {
                url: label,
                objects: extra.join(", "),
            });
        }
        Ok(Scratch {
            conn: Some(conn),
            label,
            kind: Some(Kind::Dev(guard)),
            committed: false,
        })
    }

    async fn temporary(target: &DatabaseUrl) -> Result<Scratch, EngineError> {
        let key = pool_key(target);
        while let Some((database, mut conn)) = take_pooled(&key) {
            // A use cut short never committed anything; checking is cheap.
            if is_empty(&mut conn).await {
                return Ok(Scratch::holding(database, conn));
            }
            let _ = conn.close().await;
            let _ = database.drop_now().await;
        }
        let database = TemporaryDatabase::create(target, key).await?;
        match connect(&database.admin.database(&database.name), &database.label()).await {
            Ok(conn) => Ok(Scratch::holding(database, conn)),
            Err(error) => {
                let _ = database.drop_now().await;
                Err(error)
            }
        }
    }

    fn holding(database: TemporaryDatabase, conn: PgConnection) -> Scratch {
        Scratch {
            conn: Some(conn),
            label: database.label(),
            kind: Some(Kind::Temporary(Box::new(database))),
            committed: false,
        }
    }

    /// How many locks work here may hold before it commits: a share of the
    /// server's lock table in a temporary database, no early commit in a dev
    /// database (see the module documentation).
    pub async fn lock_budget(&mut self) -> Result<Budget, EngineError> {
        if !matches!(self.kind, Some(Kind::Temporary(_))) {
            return Ok(Budget::one_transaction());
        }
        let label = self.label.clone();
        let conn = self
            .conn
            .as_mut()
            .expect("a scratch database keeps its connection until it is released");
        Budget::may_commit(conn).await.map_err(|e| EngineError::Connect {
            url: label,
            reason: database_message(&e),
        })
    }

    /// Records that work committed here (see [`Budget::committed`]): the
    /// database is dropped at release instead of being reused.
    pub fn spent(&mut self, budget: &Budget) {
        self.committed |= budget.committed;
    }

    /// Begins the transaction the work runs in; the caller rolls it back.
    pub async fn begin(&mut self) -> Result<Transaction<'_, Postgres>, EngineError> {
        let label = self.label.clone();
        let conn = self
            .conn
            .as_mut()
            .expect("a scratch database keeps its connection until it is released");
        conn.begin().await.map_err(|e| EngineError::Connect {
            url: label,
            reason: database_message(&e),
        })
    }

    /// Gives the database back: the dev database to the next piece of work;
    /// a temporary one to this process's pool, or drops it (see
    /// [`keep_scratch_databases`]).
    pub async fn release(mut self) {
        let (Some(conn), Some(kind)) = (self.conn.take(), self.kind.take()) else {
            return;
        };
        match kind {
            Kind::Dev(_guard) => {
                let _ = conn.close().await;
            }
            Kind::Temporary(database) if KEEP.load(Ordering::SeqCst) && !self.committed => give_back(*database, conn),
            Kind::Temporary(database) => {
                let _ = conn.close().await;
                if let Err(error) = database.drop_now().await {
                    tracing::warn!("{error}");
                }
            }
        }
    }
}

/// Work abandoned midway (a cancelled Terraform operation drops the future):
/// the connection goes, and so does its uncommitted transaction. A kept
/// temporary database is dropped at the end of the process like the others;
/// one that is not kept is dropped now, in the background.
impl Drop for Scratch {
    fn drop(&mut self) {
        let Some(Kind::Temporary(database)) = self.kind.take() else {
            return;
        };
        if KEEP.load(Ordering::SeqCst) {
            return;
        }
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let _ = database.drop_now().await;
            });
        }
    }
}

impl TemporaryDatabase {
    async fn create(server: &DatabaseUrl, pool_key: String) -> Result<TemporaryDatabase, EngineError> {
        let admin = options(server, None)?;
        let server_label = server.redacted();
        let mut admin_conn = connect(&admin, &server_label).await?;
        drop_abandoned(&mut admin_conn).await;
        let name = new_name();
        let created = admin_conn
            .execute(format!("CREATE DATABASE {} TEMPLATE template0", quote(&name)).as_str())
            .await;
        let _ = admin_conn.close().await;
        created.map_err(|e| EngineError::DevDatabase {
            url: server_label.clone(),
            reason: format!("CREATE DATABASE failed: {}", database_message(&e)),
        })?;
        let database = TemporaryDatabase {
            pool_key,
            admin,
            name,
            server_label,
        };
        registry().lock().expect("registry lock").push(database.clone());
        Ok(database)
    }

    fn label(&self) -> String {
        format!("{} (temporary dev database {})", self.server_label, self.name)
    }

    /// Drops the database now (its sessions too).
    async fn drop_now(&self) -> Result<(), EngineError> {
        registry()
            .lock()
            .expect("registry lock")
            .retain(|d| d.name != self.name);
        let mut conn = connect(&self.admin, &self.server_label).await?;
        let drop = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quote(&self.name));
        let mut dropped = conn.execute(drop.as_str()).await;
        // FORCE waits 5 s for the sessions it ends; one that is still
        // undoing a large transaction (a load that filled the lock table)
        // takes longer, and the database must not be left behind.
        for _ in 0..DROP_RETRIES {
            match &dropped {
                Err(e) if e.as_database_error().and_then(|d| d.code()).as_deref() == Some(OBJECT_IN_USE) => {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    dropped = conn.execute(drop.as_str()).await;
                }
                _ => break,
            }
        }
        let _ = conn.close().await;
        dropped.map(|_| ()).map_err(|e| EngineError::DevDatabase {
            url: self.server_label.clone(),
            reason: format!(
                "could not drop the temporary database {}: {}",
                self.name,
                database_message(&e)
            ),
        })
    }
}

/// Drops every temporary database this process created. Called when the
/// provider or the CLI is about to exit; errors are reported, not fatal.
pub async fn drop_scratch_databases() -> Vec<EngineError> {
    let pooled: Vec<(TemporaryDatabase, PgConnection)> =
        pool().lock().expect("pool lock").drain().flat_map(|(_, v)| v).collect();
    for (_, conn) in pooled {
        let _ = conn.close().await;
    }
    let created: Vec<TemporaryDatabase> = registry().lock().expect("registry lock").clone();
    let mut errors = Vec::new();
    for database in created {
        if let Err(error) = database.drop_now().await {
            errors.push(error);
        }
    }
    errors
}

/// Drops temporary databases that processes killed before they could: no
/// session uses them and their name says they are older than
/// [`ABANDONED_AFTER`]. Best effort: a database someone just connected to
/// refuses to go, and is left for later.
async fn drop_abandoned(admin: &mut PgConnection) {
    let rows = sqlx::query(
        "SELECT d.datname FROM pg_database d \
         WHERE d.datname LIKE $1 \
           AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datname = d.datname)",
    )
    .bind(format!("{TEMPORARY_DATABASE_PREFIX}%"))
    .fetch_all(&mut *admin)
    .await
    .unwrap_or_default();
    let now = unix_seconds();
    for row in rows {
        let Ok(name) = row.try_get::<String, _>(0) else {
            continue;
        };
        let Some(created) = created_at(&name) else { continue };
        if now.saturating_sub(created) < ABANDONED_AFTER.as_secs() {
            continue;
        }
        tracing::info!(database = %name, "dropping a temporary database a killed process left behind");
        let _ = admin
            .execute(format!("DROP DATABASE IF EXISTS {}", quote(&name)).as_str())
            .await;
    }
}

/// The creation time a temporary database's name carries.
/// When the temporary database `name` was created (seconds since the epoch);
/// MySQL's scratch databases share the naming scheme.
pub(crate) fn created_at(name: &str) -> Option<u64> {
    name.strip_prefix(TEMPORARY_DATABASE_PREFIX)?
        .split('_')
        .next()?
        .parse()
        .ok()
}

/// A new temporary database name, unique across processes and calls.
pub(crate) fn new_name() -> String {
    let random: u64 = {
        let mut hasher = Sha256::new();
        hasher.update(std::process::id().to_le_bytes());
        hasher.update(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_nanos()
                .to_le_bytes(),
        );
        hasher.update(NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed).to_le_bytes());
        let digest = hasher.finalize();
        u64::from_le_bytes(digest[..8].try_into().expect("8 bytes"))
    };
    format!(
        "{TEMPORARY_DATABASE_PREFIX}{}_{}_{random:016x}",
        unix_seconds(),
        std::process::id()
    )
}

static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

pub(crate) fn unix_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

/// Whether a scratch database holds nothing a new database would not.
async fn is_empty(conn: &mut PgConnection) -> bool {
    let query = "SELECT \
           (SELECT count(*) FROM pg_namespace WHERE nspname NOT IN ('public', 'information_schema') \
              AND nspname NOT LIKE 'pg\\_%') \
         + (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
              WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%') \
         + (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
              WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')) \
         + (SELECT count(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
              WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%') \
         + (SELECT count(*) FROM pg_extension WHERE extname <> 'plpgsql')";
    matches!(sqlx::query_scalar::<_, i64>(query).fetch_one(conn).await, Ok(0))
}

/// What a database holds beyond `public` and `plpgsql`, which every new one has.
fn objects_beyond_a_new_database(schema: &Schema) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    found.extend(
        schema
            .namespaces
            .keys()
            .filter(|n| *n != "public")
            .map(|n| format!("schema {n}")),
    );
    found.extend(
        schema
            .extensions
            .keys()
            .filter(|e| *e != "plpgsql")
            .map(|e| format!("extension {e}")),
    );
    found.extend(schema.tables.keys().map(|k| format!("table {k}")));
    found.extend(schema.views.keys().map(|k| format!("view {k}")));
    found.extend(schema.collations.keys().map(|k| format!("collation {k}")));
    found.extend(schema.enums.keys().map(|k| format!("type {k}")));
    found.extend(schema.composites.keys().map(|k| format!("type {k}")));
    found.extend(schema.ranges.keys().map(|k| format!("type {k}")));
    found.extend(schema.sequences.keys().map(|k| format!("sequence {k}")));
    found.extend(schema.routines.keys().map(|k| format!("routine {k}")));
    found
}

fn pool_key(target: &DatabaseUrl) -> String {
    // The server and the credentials decide who may use a database; hashed,
    // because the URL holds the password.
    let mut hasher = Sha256::new();
    hasher.update(target.sqlx_url().as_bytes());
    hex::encode(hasher.finalize())
}

type Pool = HashMap<String, Vec<(TemporaryDatabase, PgConnection)>>;

fn pool() -> &'static Mutex<Pool> {
    static POOL: OnceLock<Mutex<Pool>> = OnceLock::new();
    POOL.get_or_init(Default::default)
}

/// Every temporary database this process created and has not dropped.
fn registry() -> &'static Mutex<Vec<TemporaryDatabase>> {
    static REGISTRY: OnceLock<Mutex<Vec<TemporaryDatabase>>> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

/// Creates this process's temporary database on `target`'s server ahead of
/// the work that will want it (a plan inspects live meanwhile: creating a
/// database takes a few hundred milliseconds), when the process keeps its
/// temporary databases and holds none on that server yet. Best effort: the
/// work's own [`Scratch::acquire`] reports what fails.
pub(super) async fn prepare(target: &DatabaseUrl) {
    let key = pool_key(target);
    let pooled = pool()
        .lock()
        .expect("pool lock")
        .get(&key)
        .is_some_and(|held| !held.is_empty());
    if !KEEP.load(Ordering::SeqCst) || pooled {
        return;
    }
    if let Ok(scratch) = Scratch::temporary(target).await {
        scratch.release().await;
    }
}

fn take_pooled(key: &str) -> Option<(TemporaryDatabase, PgConnection)> {
    pool().lock().expect("pool lock").get_mut(key)?.pop()
}

fn give_back(database: TemporaryDatabase, conn: PgConnection) {
    let key = database.pool_key.clone();
    pool()
        .lock()
        .expect("pool lock")
        .entry(key)
        .or_default()
        .push((database, conn));
}

/// One lock per dev database: this process's plans use it one at a time
/// (two scratch transactions creating the same objects would wait on each
/// other, or deadlock).
fn dev_lock(label: &str) -> Arc<tokio::sync::Mutex<()>> {
    static LOCKS: OnceLock<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>> = OnceLock::new();
    LOCKS
        .get_or_init(Default::default)
        .lock()
        .expect("dev lock map")
        .entry(label.to_string())
        .or_default()
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_their_creation_time() {
        let name = new_name();
        assert!(name.starts_with(TEMPORARY_DATABASE_PREFIX), "{name}");
        assert!(name.len() <= 63, "PostgreSQL truncates names beyond 63 bytes: {name}");
        let created = created_at(&name).unwrap();
        assert!(unix_seconds() - created < 5);
        assert_eq!(created_at("tfalchemy_dev_123_4_ff"), Some(123));
        assert_eq!(created_at("tfalchemy_dev_x"), None);
        assert_ne!(new_name(), new_name());
    }
}
