//! Names of throwaway databases: unique across the processes and threads of
//! one run and across runs, and recognisable by their prefix when a killed
//! run leaves one behind.

use std::sync::atomic::{AtomicU32, Ordering};

/// `<prefix><pid>_<counter>_<nanoseconds>`.
pub fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0)
    )
}
