//! Benchmark: planning against a 1,000-table PostgreSQL schema.
//!
//! `cargo bench --bench plan_postgres` (needs the local server at
//! 127.0.0.1:5432, or `TFALCHEMY_BENCH_POSTGRES_URL`; another size with
//! `TFALCHEMY_BENCH_TABLES=3000`). Prints a table; it asserts nothing, since
//! timings belong to benchmarks, not tests.
//!
//! What it measures, in the provider's terms:
//! - no-op plan: what `terraform plan` costs the provider when the desired
//!   SQL is the one already applied (one bulk inspection and a hash; no dev
//!   database, no Python);
//! - full plan, nothing to do: the same plan without that shortcut
//!   (normalization in a temporary database + inspection + diff);
//! - a plan whose desired text changed but whose schema did not (a comment
//!   added): cold (`TFALCHEMY_NORMALIZE_CACHE=0`, normalized in a temporary
//!   database) and warm (the normalization cache hit);
//! - plan with 50 changes, and the part of it spent verifying the plan by
//!   replaying it in a scratch database (a copy of the live schema);
//! - plan with 5% of the tables changed (3 differences each), cold, and its
//!   replay verification;
//! - the number of catalog queries one inspection sends, at 10 and at 1,000
//!   tables (it must not grow with the schema);
//! - peak resident memory of this process.

use std::time::{Duration, Instant};

use tfalchemy::engine::{self, postgres, DatabaseUrl};

#[allow(dead_code)] // each bench uses its part
mod common;

use common::{caches, header, median, peak_rss_mib, row, runs, secs, tables};

#[path = "../tests/common/generated_schema.rs"]
#[allow(dead_code)] // shared with the tests, which use all of it
mod generated_schema;

use generated_schema::{batches, schema_ddl};

fn main() {
    if !common::asked_to_run("plan_postgres") {
        return;
    }
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    if let Err(message) = runtime.block_on(run()) {
        eprintln!("benchmark failed: {message}");
        std::process::exit(1);
    }
}

fn server() -> String {
    std::env::var("TFALCHEMY_BENCH_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

/// 50 changes: 20 new columns, 20 new indexes, 10 new tables.
fn changed_ddl(n: usize) -> String {
    let mut sql = schema_ddl(n);
    for i in 1..=20 {
        sql.push_str(&format!("ALTER TABLE t{i:04} ADD COLUMN extra integer;\n"));
        sql.push_str(&format!(
            "CREATE INDEX t{:04}_created ON t{:04} (created_at);\n",
            i + 100,
            i + 100
        ));
    }
    for i in 1..=10 {
        sql.push_str(&format!(
            "CREATE TABLE added_{i} (id bigint PRIMARY KEY, t_id bigint REFERENCES t0001 (id));\n"
        ));
    }
    sql
}

struct ScratchDatabase {
    name: String,
}

impl ScratchDatabase {
    async fn create(tag: &str) -> Result<Self, String> {
        let name = format!("tfalchemy_bench_{tag}_{}", std::process::id());
        admin(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await?;
        admin(&format!("CREATE DATABASE {name}")).await?;
        Ok(Self { name })
    }

    fn url(&self) -> DatabaseUrl {
        DatabaseUrl::parse(&format!("{}/{}", server(), self.name)).expect("database URL")
    }

    async fn drop(self) {
        let _ = admin(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)).await;
    }
}

async fn admin(sql: &str) -> Result<(), String> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(&format!("{}/postgres", server()))
        .await
        .map_err(|e| e.to_string())?;
    sqlx::raw_sql(sql).execute(&mut conn).await.map_err(|e| e.to_string())?;
    conn.close().await.map_err(|e| e.to_string())
}

/// Loads `n` generated tables, 100 per transaction (more would not fit the
/// server's lock table at a few thousand tables).
async fn load(url: &DatabaseUrl, n: usize) -> Result<(), String> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(&url.sqlx_url())
        .await
        .map_err(|e| e.to_string())?;
    for script in batches(n, 100) {
        sqlx::raw_sql(&script)
            .execute(&mut conn)
            .await
            .map_err(|e| e.to_string())?;
    }
    conn.close().await.map_err(|e| e.to_string())
}

async fn run() -> Result<(), String> {
    let small = ScratchDatabase::create("small").await?;
    let big = ScratchDatabase::create("big").await?;
    // As the provider and the CLI do: one temporary database per process.
    engine::keep_scratch_databases();
    let outcome = measure(&small, &big).await;
    engine::release_scratch_databases().await;
    small.drop().await;
    big.drop().await;
    outcome
}

async fn measure(small: &ScratchDatabase, big: &ScratchDatabase) -> Result<(), String> {
    let tables = tables();
    let cache = tempfile::tempdir().map_err(|e| e.to_string())?;
    caches(false, cache.path());
    let desired = schema_ddl(tables);
    let (small_url, big_url) = (small.url(), big.url());
    load(&small_url, 10).await?;
    let started = Instant::now();
    load(&big_url, tables).await?;
    let load_time = started.elapsed();

    let (_, small_stats) = postgres::inspect_with_stats(&small_url)
        .await
        .map_err(|e| e.to_string())?;
    let (inspect_time, (schema, big_stats)) =
        median(|| async { postgres::inspect_with_stats(&big_url).await.map_err(|e| e.to_string()) }).await?;
    let (noop_time, _) = median(|| async {
        let live = engine::inspect(&big_url).await.map_err(|e| e.to_string())?;
        Ok(engine::schema_hash(&live))
    })
    .await?;
    let (full_time, full_plan) =
        median(|| async { engine::plan(&big_url, None, &desired).await.map_err(|e| e.to_string()) }).await?;
    let commented = format!("-- the models moved to another module\n{desired}");
    let (text_cold, _) = median(|| async {
        engine::plan(&big_url, None, &commented)
            .await
            .map_err(|e| e.to_string())
    })
    .await?;
    caches(true, cache.path());
    engine::plan(&big_url, None, &desired)
        .await
        .map_err(|e| e.to_string())?;
    let (text_warm, _) = median(|| async {
        engine::plan(&big_url, None, &commented)
            .await
            .map_err(|e| e.to_string())
    })
    .await?;
    caches(false, cache.path());

    let changed = changed_ddl(tables);
    let (change_time, change_plan) =
        median(|| async { engine::plan(&big_url, None, &changed).await.map_err(|e| e.to_string()) }).await?;
    let replay_time = replay(&big_url, &schema, &changed, &change_plan).await?;
    let five = generated_schema::changed_ddl(tables);
    let (five_time, five_plan) =
        median(|| async { engine::plan(&big_url, None, &five).await.map_err(|e| e.to_string()) }).await?;
    let five_replay = replay(&big_url, &schema, &five, &five_plan).await?;
    // Terraform's final plan at apply time: the same plan, a second time.
    caches(true, cache.path());
    engine::plan(&big_url, None, &five).await.map_err(|e| e.to_string())?;
    let (five_again, _) =
        median(|| async { engine::plan(&big_url, None, &five).await.map_err(|e| e.to_string()) }).await?;
    caches(false, cache.path());
    let unverified = [&change_plan, &five_plan]
        .iter()
        .filter(|p| p.unverified.is_some())
        .count();

    println!("PostgreSQL planning, {tables} tables (10 columns, 2 indexes, 1 FK each; a view and a function per 100)");
    println!(
        "median of {} runs; normalization and verification caches off unless said\n",
        runs()
    );
    header();
    row("load the schema, 100 tables per transaction", secs(load_time));
    row("tables seen by one inspection", schema.tables.len().to_string());
    row(
        "catalog queries per inspection, 10 tables",
        small_stats.queries.to_string(),
    );
    row(
        &format!("catalog queries per inspection, {tables} tables"),
        big_stats.queries.to_string(),
    );
    row("one inspection", secs(inspect_time));
    row("no-op plan (provider fast path)", secs(noop_time));
    row(
        "full plan, nothing to do (normalizes)",
        format!("{} ({} statements)", secs(full_time), full_plan.statements.len()),
    );
    row("plan, desired text changed, schema not: cold", secs(text_cold));
    row("plan, desired text changed, schema not: warm", secs(text_warm));
    row(
        "plan with 50 changes",
        format!("{} ({} statements)", secs(change_time), change_plan.statements.len()),
    );
    row("  of which: replay verification", secs(replay_time));
    row(
        "plan with 5% of tables changed",
        format!("{} ({} statements)", secs(five_time), five_plan.statements.len()),
    );
    row("  of which: replay verification", secs(five_replay));
    row(
        "  the same plan again (caches on: Terraform's plan at apply)",
        secs(five_again),
    );
    row("plans left unverified", unverified.to_string());
    row("peak resident memory", peak_rss_mib());
    Ok(())
}

/// Median time to verify `plan` (made from `desired_sql`) against `live`.
async fn replay(
    url: &DatabaseUrl,
    live: &engine::Schema,
    desired_sql: &str,
    plan: &engine::Plan,
) -> Result<Duration, String> {
    let desired = postgres::normalize(Some(url), None, desired_sql)
        .await
        .map_err(|e| e.to_string())?;
    let (time, _) = median(|| async {
        engine::verify_plan(url, None, live, &desired, &plan.statements, &engine::Options::default())
            .await
            .map_err(|e| e.to_string())
    })
    .await?;
    Ok(time)
}
