//! Process-wide logging for the plugin: hclog JSON lines on stderr, at the
//! level Terraform will show. Terraform drops provider log lines below the
//! level set by `TF_LOG_PROVIDER` (else `TF_LOG`), so we do not produce them.

use std::cmp;

use tracing::level_filters::LevelFilter;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

use super::hclog_json::HclogJsonLayer;

/// Checked in order; the first non-empty one decides. The first is the
/// provider-specific convention of terraform-plugin-log.
const LEVEL_KEYS: [&str; 3] = ["TF_LOG_PROVIDER_SQLALCHEMY", "TF_LOG_PROVIDER", "TF_LOG"];
/// Terraform shows no provider logs when no level is set; warnings and errors
/// are still cheap to produce and help when the plugin runs outside Terraform.
const DEFAULT_LEVEL: LevelFilter = LevelFilter::WARN;
/// Dependencies (gRPC, HTTP/2, TLS) are very chatty below this level; only
/// the database driver is allowed the full level, for its query log.
const DEPENDENCY_CEILING: LevelFilter = LevelFilter::WARN;

/// Installs the stderr hclog JSON subscriber. Does nothing if a global
/// subscriber is already installed.
pub fn init_logging() {
    let level = level_from(|key| std::env::var(key).ok());
    let filter = Targets::new()
        .with_default(cmp::min(level, DEPENDENCY_CEILING))
        .with_target("tfalchemy", level)
        .with_target("terraform_provider_sqlalchemy", level)
        .with_target("sqlx", level);
    let layer = HclogJsonLayer::new(std::io::stderr).with_filter(filter);
    // Fails only when a subscriber is already set, which then stays in charge.
    let _ = tracing_subscriber::registry().with(layer).try_init();
}

/// The level from the first non-empty variable of [`LEVEL_KEYS`].
fn level_from(lookup: impl Fn(&str) -> Option<String>) -> LevelFilter {
    LEVEL_KEYS
        .iter()
        .filter_map(|key| lookup(key))
        .map(|value| value.trim().to_owned())
        .find(|value| !value.is_empty())
        .map_or(DEFAULT_LEVEL, |value| parse_level(&value))
}

/// Terraform's level names; `JSON` means trace, and like Terraform we read an
/// unknown name as trace rather than hide logs.
fn parse_level(value: &str) -> LevelFilter {
    match value.to_ascii_lowercase().as_str() {
        "off" => LevelFilter::OFF,
        "error" => LevelFilter::ERROR,
        "warn" => LevelFilter::WARN,
        "info" => LevelFilter::INFO,
        "debug" => LevelFilter::DEBUG,
        _ => LevelFilter::TRACE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level_with(vars: &[(&str, &str)]) -> LevelFilter {
        level_from(|key| {
            vars.iter()
                .find(|(name, _)| *name == key)
                .map(|(_, value)| (*value).to_owned())
        })
    }

    #[test]
    fn provider_specific_variables_win_over_tf_log() {
        assert_eq!(level_with(&[("TF_LOG", "debug")]), LevelFilter::DEBUG);
        assert_eq!(
            level_with(&[("TF_LOG", "trace"), ("TF_LOG_PROVIDER", "INFO")]),
            LevelFilter::INFO
        );
        assert_eq!(
            level_with(&[("TF_LOG_PROVIDER", "info"), ("TF_LOG_PROVIDER_SQLALCHEMY", "error")]),
            LevelFilter::ERROR
        );
        assert_eq!(
            level_with(&[("TF_LOG_PROVIDER", ""), ("TF_LOG", "warn")]),
            LevelFilter::WARN
        );
    }

    #[test]
    fn terraform_level_names_are_understood() {
        assert_eq!(level_with(&[]), DEFAULT_LEVEL);
        assert_eq!(level_with(&[("TF_LOG", "JSON")]), LevelFilter::TRACE);
        assert_eq!(level_with(&[("TF_LOG", "off")]), LevelFilter::OFF);
        assert_eq!(level_with(&[("TF_LOG", "verbose")]), LevelFilter::TRACE);
    }
}
