//! What the benchmarks share: medians, the normalization cache switch, the
//! process's peak memory, and the table they print.

use std::time::{Duration, Instant};

use tfalchemy::engine::{NORMALIZE_CACHE_SWITCH, VERIFY_CACHE_SWITCH};

/// Runs per measurement (`TFALCHEMY_BENCH_RUNS`, default 3); the median is reported.
pub fn runs() -> usize {
    std::env::var("TFALCHEMY_BENCH_RUNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(3)
}

/// Tables in the big schema (`TFALCHEMY_BENCH_TABLES`, default 1,000).
pub fn tables() -> usize {
    std::env::var("TFALCHEMY_BENCH_TABLES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000)
}

/// `cargo test --all-targets` builds and runs benches without `--bench`:
/// true when this run is a real benchmark, after saying how to run one.
pub fn asked_to_run(name: &str) -> bool {
    let asked = std::env::args().any(|arg| arg == "--bench");
    if !asked {
        println!("{name}: run with `cargo bench --bench {name}`");
    }
    asked
}

/// Turns the normalization and verification caches on (in a private
/// directory) or off.
pub fn caches(on: bool, dir: &std::path::Path) {
    std::env::set_var("XDG_CACHE_HOME", dir);
    for switch in [NORMALIZE_CACHE_SWITCH, VERIFY_CACHE_SWITCH] {
        match on {
            true => std::env::remove_var(switch),
            false => std::env::set_var(switch, "0"),
        }
    }
}

/// Median of [`runs`] timings of `f`, and the last result.
pub async fn median<F, Fut, T>(mut f: F) -> Result<(Duration, T), String>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, String>>,
{
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..runs() {
        let started = Instant::now();
        last = Some(f().await?);
        times.push(started.elapsed());
    }
    times.sort();
    Ok((times[times.len() / 2], last.expect("at least one run")))
}

pub fn peak_rss_mib() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or_else(|| "n/a".into(), |kib| format!("{:.0} MiB", kib / 1024.0))
}

pub fn secs(duration: Duration) -> String {
    format!("{:.3} s", duration.as_secs_f64())
}

/// Prints the table's header; then [`row`] per measure.
pub fn header() {
    println!("| measure                                           | value |");
    println!("|---------------------------------------------------|-------|");
}

pub fn row(what: &str, value: String) {
    println!("| {what:<49} | {value} |");
}
