//! Benchmark: planning against a 1,000-table MySQL/MariaDB schema, the
//! counterpart of `plan_postgres` (same measures, same table layout).
//!
//! `cargo bench --bench plan_mysql` (needs the local server at
//! 127.0.0.1:3306, or `TFALCHEMY_BENCH_MYSQL_URL`; another size with
//! `TFALCHEMY_BENCH_TABLES`, fewer runs with `TFALCHEMY_BENCH_RUNS=1`).
//! Prints a table; it asserts nothing.

use std::time::Instant;

use tfalchemy::engine::{self, mysql, DatabaseUrl};

#[allow(dead_code)] // each bench uses its part
mod common;

use common::{caches, header, median, peak_rss_mib, row, runs, secs, tables};

fn main() {
    if !common::asked_to_run("plan_mysql") {
        return;
    }
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    if let Err(message) = runtime.block_on(run()) {
        eprintln!("benchmark failed: {message}");
        std::process::exit(1);
    }
}

fn server() -> String {
    std::env::var("TFALCHEMY_BENCH_MYSQL_URL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into())
}

/// Table `i`: the PostgreSQL benchmark's layout in MySQL's words (an
/// auto-increment key, a foreign key to the table before, typed columns with
/// defaults and a check, a unique and an ordinary index), and a view per 100.
fn table_ddl(i: usize) -> String {
    let mut sql = format!(
        "CREATE TABLE t{i:04} (\n  id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY,\n  parent_id bigint NULL,\n  \
         code varchar(32) NOT NULL,\n  title varchar(200) NOT NULL DEFAULT '',\n  \
         amount decimal(12,2) NOT NULL DEFAULT 0 CHECK (amount >= 0),\n  active tinyint(1) NOT NULL DEFAULT 1,\n  \
         created_at datetime NOT NULL DEFAULT CURRENT_TIMESTAMP,\n  updated_at datetime NULL,\n  payload json NULL,\n  \
         note text NULL,\n  UNIQUE KEY t{i:04}_code (code),\n  KEY t{i:04}_parent (parent_id),\n  \
         CONSTRAINT t{i:04}_fk FOREIGN KEY (parent_id) REFERENCES t{p:04} (id) ON DELETE CASCADE\n);\n",
        p = i - 1
    );
    if i.is_multiple_of(100) {
        sql.push_str(&format!(
            "CREATE VIEW v{i:04} AS SELECT id, code, amount FROM t{i:04} WHERE active = 1;\n"
        ));
    }
    sql
}

fn schema_ddl(n: usize) -> String {
    let mut sql = "CREATE TABLE t0000 (id bigint NOT NULL PRIMARY KEY, name varchar(100) NOT NULL);\n".to_string();
    sql.extend((1..=n).map(table_ddl));
    sql
}

/// 5% of the tables changed, three differences each (one ALTER TABLE).
fn changed_ddl(n: usize) -> String {
    let mut sql = schema_ddl(n);
    for i in (1..=n).filter(|i| i.is_multiple_of(20)) {
        sql.push_str(&format!(
            "ALTER TABLE t{i:04} ADD COLUMN extra int NULL, ADD INDEX t{i:04}_created (created_at), \
             MODIFY note varchar(200) NULL;\n"
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
        execute(
            &server(),
            &format!("DROP DATABASE IF EXISTS {name}; CREATE DATABASE {name}"),
        )
        .await?;
        Ok(Self { name })
    }

    fn url(&self) -> DatabaseUrl {
        DatabaseUrl::parse(&format!("{}/{}", server(), self.name)).expect("database URL")
    }

    async fn drop(self) {
        let _ = execute(&server(), &format!("DROP DATABASE IF EXISTS {}", self.name)).await;
    }
}

async fn execute(url: &str, sql: &str) -> Result<(), String> {
    use sqlx::Connection;
    let mut conn = sqlx::MySqlConnection::connect(url).await.map_err(|e| e.to_string())?;
    sqlx::raw_sql(sql).execute(&mut conn).await.map_err(|e| e.to_string())?;
    conn.close().await.map_err(|e| e.to_string())
}

async fn run() -> Result<(), String> {
    let small = ScratchDatabase::create("small").await?;
    let big = ScratchDatabase::create("big").await?;
    let outcome = measure(&small, &big).await;
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
    execute(&small_url.sqlx_url(), &schema_ddl(10)).await?;
    let started = Instant::now();
    execute(&big_url.sqlx_url(), &desired).await?;
    let load_time = started.elapsed();

    let (_, small_stats) = mysql::inspect_with_stats(&small_url).await.map_err(|e| e.to_string())?;
    let (inspect_time, (schema, big_stats)) =
        median(|| async { mysql::inspect_with_stats(&big_url).await.map_err(|e| e.to_string()) }).await?;
    let (noop_time, _) = median(|| async {
        let live = engine::inspect(&big_url).await.map_err(|e| e.to_string())?;
        Ok(engine::schema_hash(&live))
    })
    .await?;
    let (full_time, full_plan) =
        median(|| async { engine::plan(&big_url, None, &desired).await.map_err(|e| e.to_string()) }).await?;
    let commented = format!("-- the models moved to another module\n{desired}");
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
    let five = changed_ddl(tables);
    let (five_time, five_plan) =
        median(|| async { engine::plan(&big_url, None, &five).await.map_err(|e| e.to_string()) }).await?;

    println!("MySQL/MariaDB planning, {tables} tables (10 columns, 2 indexes, 1 FK each; a view per 100)");
    println!(
        "median of {} runs; normalization and verification caches off unless said\n",
        runs()
    );
    header();
    row("load the schema, one script", secs(load_time));
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
    row("plan, desired text changed, schema not: warm", secs(text_warm));
    row(
        "plan with 5% of tables changed (with replay)",
        format!(
            "{} ({} statements{})",
            secs(five_time),
            five_plan.statements.len(),
            if five_plan.unverified.is_some() {
                ", unverified"
            } else {
                ""
            }
        ),
    );
    row("peak resident memory", peak_rss_mib());
    Ok(())
}
