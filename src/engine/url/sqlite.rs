//! SQLite URLs, as SQLAlchemy reads them: `sqlite:///relative.db`,
//! `sqlite:////absolute.db`, `sqlite://` (in memory), and pysqlite's options.

use std::path::Path;
use std::time::Duration;

use super::{SqliteLocation, UrlError};

/// The longest `timeout` SQLite can wait: its busy timeout is a 32-bit count
/// of milliseconds.
pub const MAX_SQLITE_TIMEOUT: Duration = Duration::from_millis(i32::MAX as u64);

/// pysqlite query options that configure Python objects, not the database.
const IGNORED_SQLITE_OPTIONS: &[&str] = &[
    "check_same_thread",
    "uri",
    "cached_statements",
    "isolation_level",
    "detect_types",
];

/// `rest` is what follows `sqlite://`: the location and the busy timeout.
pub(super) fn parse(rest: &str) -> Result<(SqliteLocation, Option<Duration>), UrlError> {
    let (path_part, query) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    };
    // After `sqlite://` comes an (empty) host, then `/` and the path.
    let location = if path_part.is_empty() {
        SqliteLocation::Memory
    } else {
        let path = path_part.strip_prefix('/').ok_or(UrlError::Invalid {
            scheme: "sqlite".into(),
            reason: "expected `sqlite:///relative/path.db`, `sqlite:////absolute/path.db` \
                     or `sqlite://` (in memory); SQLite URLs have no host"
                .into(),
        })?;
        if path.is_empty() || path == ":memory:" {
            SqliteLocation::Memory
        } else {
            SqliteLocation::File(Path::new(path).to_path_buf())
        }
    };
    let mut busy_timeout = None;
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if key == "timeout" {
            busy_timeout = Some(timeout(value)?);
        } else if !IGNORED_SQLITE_OPTIONS.contains(&key) {
            return Err(UrlError::UnknownSqliteOption(key.to_string()));
        }
    }
    Ok((location, busy_timeout))
}

/// pysqlite's `timeout`: seconds, fractions allowed. Negative, NaN, infinite
/// and anything above [`MAX_SQLITE_TIMEOUT`] (which the driver cannot pass to
/// SQLite, and would panic on) are refused.
fn timeout(value: &str) -> Result<Duration, UrlError> {
    let seconds: f64 = value.trim().parse().map_err(|_| UrlError::InvalidSqliteTimeout)?;
    let timeout = Duration::try_from_secs_f64(seconds).map_err(|_| UrlError::InvalidSqliteTimeout)?;
    if timeout > MAX_SQLITE_TIMEOUT {
        return Err(UrlError::InvalidSqliteTimeout);
    }
    Ok(timeout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_up_to_what_sqlite_takes() {
        assert_eq!(timeout("2.5"), Ok(Duration::from_millis(2500)));
        assert_eq!(timeout("0"), Ok(Duration::ZERO));
        assert_eq!(timeout("2147483.647"), Ok(MAX_SQLITE_TIMEOUT));
        for bad in [
            "2147483.648",
            "3000000",
            "1e10",
            "1e300",
            "inf",
            "NaN",
            "-1",
            "soon",
            "",
        ] {
            assert_eq!(timeout(bad), Err(UrlError::InvalidSqliteTimeout), "{bad}");
        }
    }
}
