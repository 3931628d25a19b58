//! PostgreSQL's duration syntax for time settings such as `lock_timeout`:
//! a non-negative number, optionally followed by a unit (`us`, `ms`, `s`,
//! `min`, `h`, `d`; case-sensitive, as in PostgreSQL), milliseconds when
//! there is none. Checked here so a typo fails at `terraform validate` rather
//! than halfway through an apply, and so does a value PostgreSQL would round
//! to 0 (`"400us"`), which it reads as "no limit".

use std::time::Duration;

/// PostgreSQL stores these settings as a 32-bit count of milliseconds.
const MAX_MILLISECONDS: f64 = 2_147_483_647.0;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    #[error(
        "{text:?} is not a PostgreSQL duration; write a number with a unit, such as \"500ms\", \
         \"5s\", \"2min\" or \"1h\" (units: us, ms, s, min, h, d)"
    )]
    Syntax { text: String },
    #[error("{text:?} is longer than PostgreSQL allows (about 24 days)")]
    TooLong { text: String },
    #[error(
        "{text:?} is below a millisecond, the unit of this setting: PostgreSQL would round it to 0, \
         which means no limit at all; write at least \"1ms\", or \"0\" to mean no limit"
    )]
    RoundsToZero { text: String },
}

/// Parses `text` as PostgreSQL would for a millisecond-based setting.
pub fn parse(text: &str) -> Result<Duration, DurationError> {
    let syntax = || DurationError::Syntax { text: text.to_string() };
    let trimmed = text.trim();
    let number_end = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(number_end);
    if number.is_empty() || number.starts_with('.') && number.len() == 1 {
        return Err(syntax());
    }
    let value: f64 = number.parse().map_err(|_| syntax())?;
    let milliseconds_per_unit = match unit.trim_start() {
        "" | "ms" => 1.0,
        "us" => 0.001,
        "s" => 1_000.0,
        "min" => 60_000.0,
        "h" => 3_600_000.0,
        "d" => 86_400_000.0,
        _ => return Err(syntax()),
    };
    let milliseconds = value * milliseconds_per_unit;
    if milliseconds > MAX_MILLISECONDS {
        return Err(DurationError::TooLong { text: text.to_string() });
    }
    // PostgreSQL rounds to whole milliseconds, half to even (`rint`).
    if milliseconds > 0.0 && milliseconds.round_ties_even() == 0.0 {
        return Err(DurationError::RoundsToZero { text: text.to_string() });
    }
    Ok(Duration::from_secs_f64(milliseconds / 1_000.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_and_bare_milliseconds() {
        assert_eq!(parse("5s"), Ok(Duration::from_secs(5)));
        assert_eq!(parse("2min"), Ok(Duration::from_secs(120)));
        assert_eq!(parse(" 1 h "), Ok(Duration::from_secs(3600)));
        assert_eq!(parse("1d"), Ok(Duration::from_secs(86_400)));
        assert_eq!(parse("250"), Ok(Duration::from_millis(250)));
        assert_eq!(parse("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse("1500us"), Ok(Duration::from_micros(1500)));
        assert_eq!(parse("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse("0"), Ok(Duration::ZERO));
    }

    #[test]
    fn anything_else_is_refused_with_examples() {
        for bad in ["soon", "", "s", "5 seconds", "5S", "-1s", "1.2.3s", ".", "5m"] {
            let err = parse(bad).expect_err(bad);
            assert!(err.to_string().contains("\"5s\""), "{bad}: {err}");
        }
        for tiny in ["400us", "500us", "0.4", "0.5ms", "0.0004s"] {
            assert_eq!(
                parse(tiny),
                Err(DurationError::RoundsToZero { text: tiny.to_string() }),
                "{tiny}"
            );
        }
        assert_eq!(parse("600us"), Ok(Duration::from_micros(600)));
        assert_eq!(parse("0us"), Ok(Duration::ZERO));
        assert_eq!(
            parse("30d"),
            Err(DurationError::TooLong {
                text: "30d".to_string()
            })
        );
    }
}
