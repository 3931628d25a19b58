//! A `tracing` layer that writes go-hclog's JSON log format, one object per
//! line: `@level`, `@message`, `@module`, `@timestamp`, `@caller`, then the
//! event's fields and those of its spans. go-plugin's client parses these
//! lines from the plugin's stderr and replays them into Terraform's own log
//! at the same level, so `TF_LOG=debug terraform plan` shows them.

use std::io::Write;

use serde_json::{Map, Number, Value};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

/// `@module` of our own events; submodules become `sqlalchemy.<name>`.
const MODULE_ROOT: &str = "sqlalchemy";
/// Targets (crate names) that belong to this project.
const OWN_CRATES: [&str; 2] = ["tfalchemy", "terraform_provider_sqlalchemy"];
/// Keys the format reserves; event or span fields of the same name are dropped.
const RESERVED_KEYS: [&str; 5] = ["@level", "@message", "@module", "@timestamp", "@caller"];

/// Writes each event as one hclog JSON line to the writer `W` makes.
pub struct HclogJsonLayer<W> {
    make_writer: W,
}

impl<W> HclogJsonLayer<W> {
    pub fn new(make_writer: W) -> Self {
        Self { make_writer }
    }
}

/// Fields recorded on a span, kept in the span's extensions.
struct SpanFields(Map<String, Value>);

impl<S, W> Layer<S> for HclogJsonLayer<W>
where
    S: Subscriber + for<'lookup> LookupSpan<'lookup>,
    W: for<'writer> MakeWriter<'writer> + 'static,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut fields = Map::new();
        attrs.record(&mut JsonVisitor(&mut fields));
        span.extensions_mut().insert(SpanFields(fields));
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut extensions = span.extensions_mut();
        if let Some(SpanFields(fields)) = extensions.get_mut::<SpanFields>() {
            values.record(&mut JsonVisitor(fields));
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        // Outer spans first, so inner spans and the event override them.
        let mut fields = Map::new();
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope.from_root() {
                if let Some(SpanFields(span_fields)) = span.extensions().get::<SpanFields>() {
                    fields.extend(span_fields.clone());
                }
            }
        }
        event.record(&mut JsonVisitor(&mut fields));

        let metadata = event.metadata();
        let message = match fields.remove("message") {
            Some(Value::String(text)) => text,
            Some(other) => other.to_string(),
            None => String::new(),
        };
        let caller = match (metadata.file(), metadata.line()) {
            (Some(file), Some(line)) => Some(format!("{file}:{line}")),
            _ => None,
        };
        let line = format_line(
            *metadata.level(),
            &message,
            &module_for_target(metadata.target()),
            &hclog_timestamp(time::OffsetDateTime::now_utc()),
            caller.as_deref(),
            fields,
        );
        // A log line that cannot be written has nowhere else to go.
        let _ = self.make_writer.make_writer().write_all(line.as_bytes());
    }
}

/// One complete log line, newline included.
fn format_line(
    level: Level,
    message: &str,
    module: &str,
    timestamp: &str,
    caller: Option<&str>,
    fields: Map<String, Value>,
) -> String {
    let mut object = Map::new();
    object.insert("@level".to_owned(), Value::from(hclog_level(level)));
    object.insert("@message".to_owned(), Value::from(message));
    object.insert("@module".to_owned(), Value::from(module));
    object.insert("@timestamp".to_owned(), Value::from(timestamp));
    if let Some(caller) = caller {
        object.insert("@caller".to_owned(), Value::from(caller));
    }
    for (key, value) in fields {
        if !RESERVED_KEYS.contains(&key.as_str()) {
            object.insert(key, value);
        }
    }
    let mut line = Value::Object(object).to_string();
    line.push('\n');
    line
}

fn hclog_level(level: Level) -> &'static str {
    match level {
        Level::TRACE => "trace",
        Level::DEBUG => "debug",
        Level::INFO => "info",
        Level::WARN => "warn",
        Level::ERROR => "error",
    }
}

/// `tfalchemy::engine::diff` becomes `sqlalchemy.engine`; events of other
/// crates (`sqlx::query`) become `sqlalchemy.sqlx`.
fn module_for_target(target: &str) -> String {
    let mut segments = target.split("::");
    let first = segments.next().unwrap_or_default();
    let part = if OWN_CRATES.contains(&first) {
        segments.next()
    } else {
        Some(first)
    };
    match part {
        Some(part) if !part.is_empty() => format!("{MODULE_ROOT}.{part}"),
        _ => MODULE_ROOT.to_owned(),
    }
}

/// The timestamp layout go-plugin parses: RFC 3339 in UTC with exactly six
/// fractional digits (`2006-01-02T15:04:05.000000Z07:00` in Go's notation).
fn hclog_timestamp(at: time::OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.microsecond()
    )
}

/// Records `tracing` fields as JSON values, keeping numbers and booleans typed.
struct JsonVisitor<'a>(&'a mut Map<String, Value>);

impl JsonVisitor<'_> {
    fn insert(&mut self, field: &Field, value: Value) {
        self.0.insert(field.name().to_owned(), value);
    }
}

impl Visit for JsonVisitor<'_> {
    fn record_f64(&mut self, field: &Field, value: f64) {
        let value = Number::from_f64(value).map_or_else(|| Value::from(value.to_string()), Value::Number);
        self.insert(field, value);
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.insert(field, Value::from(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.insert(field, Value::from(value));
    }

    fn record_i128(&mut self, field: &Field, value: i128) {
        let value = i64::try_from(value).map_or_else(|_| Value::from(value.to_string()), Value::from);
        self.insert(field, value);
    }

    fn record_u128(&mut self, field: &Field, value: u128) {
        let value = u64::try_from(value).map_or_else(|_| Value::from(value.to_string()), Value::from);
        self.insert(field, value);
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.insert(field, Value::from(value));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.insert(field, Value::from(value));
    }

    /// Errors are written with their chain of causes, `outer: inner: root`.
    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        let mut text = value.to_string();
        let mut source = value.source();
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        self.insert(field, Value::from(text));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.insert(field, Value::from(format!("{value:?}")));
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tracing_subscriber::layer::SubscriberExt;

    use super::*;

    /// Collects everything written, for inspection.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("capture lock").extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Captured {
        type Writer = Captured;

        fn make_writer(&'a self) -> Self::Writer {
            self.clone()
        }
    }

    fn capture_lines(emit: impl FnOnce()) -> Vec<Map<String, Value>> {
        let captured = Captured::default();
        let subscriber = tracing_subscriber::registry().with(HclogJsonLayer::new(captured.clone()));
        tracing::subscriber::with_default(subscriber, emit);
        let bytes = captured.0.lock().expect("capture lock").clone();
        let text = String::from_utf8(bytes).expect("logs are UTF-8");
        assert!(text.ends_with('\n'), "every line ends with a newline: {text:?}");
        text.lines()
            .map(|line| match serde_json::from_str(line) {
                Ok(Value::Object(object)) => object,
                other => panic!("not a JSON object: {line} ({other:?})"),
            })
            .collect()
    }

    #[test]
    fn events_become_hclog_json_lines_with_span_and_event_fields() {
        let lines = capture_lines(|| {
            let span = tracing::info_span!("plan", resource = "sqlalchemy_schema", attempt = 1);
            let _entered = span.enter();
            tracing::debug!(
                target: "tfalchemy::engine::diff",
                tables = 3_u64,
                dry_run = true,
                attempt = 2,
                "diffed {} tables",
                3
            );
        });
        assert_eq!(lines.len(), 1);
        let line = &lines[0];
        assert_eq!(line["@level"], "debug");
        assert_eq!(line["@message"], "diffed 3 tables");
        assert_eq!(line["@module"], "sqlalchemy.engine");
        assert_eq!(line["resource"], "sqlalchemy_schema");
        assert_eq!(line["tables"], 3);
        assert_eq!(line["dry_run"], true);
        assert_eq!(line["attempt"], 2, "the event's field wins over its span's");
        assert!(line["@caller"].as_str().is_some_and(|c| c.contains("hclog_json.rs:")));
        let keys: Vec<&str> = line.keys().map(String::as_str).take(4).collect();
        assert_eq!(keys, ["@level", "@message", "@module", "@timestamp"]);
    }

    #[derive(Debug, thiserror::Error)]
    #[error("opening the database failed")]
    struct OpenFailed(#[source] std::io::Error);

    #[test]
    fn errors_are_written_with_their_causes() {
        let error = OpenFailed(std::io::Error::other("connection refused"));
        let lines = capture_lines(|| {
            tracing::error!(target: "tfalchemy", error = &error as &dyn std::error::Error, "failed");
        });
        assert_eq!(lines[0]["@level"], "error");
        assert_eq!(lines[0]["@module"], "sqlalchemy");
        assert_eq!(lines[0]["error"], "opening the database failed: connection refused");
    }

    #[test]
    fn timestamps_have_exactly_six_fractional_digits_in_utc() {
        let at = time::OffsetDateTime::from_unix_timestamp_nanos(1_795_603_749_123_456_789).expect("valid instant");
        assert_eq!(hclog_timestamp(at), "2026-11-25T10:49:09.123456Z");
        let whole = time::OffsetDateTime::from_unix_timestamp(1_795_603_749).expect("valid");
        assert_eq!(hclog_timestamp(whole), "2026-11-25T10:49:09.000000Z");
    }

    #[test]
    fn modules_follow_the_target() {
        assert_eq!(module_for_target("tfalchemy"), "sqlalchemy");
        assert_eq!(module_for_target("tfalchemy::plugin::server"), "sqlalchemy.plugin");
        assert_eq!(module_for_target("terraform_provider_sqlalchemy"), "sqlalchemy");
        assert_eq!(module_for_target("sqlx::query"), "sqlalchemy.sqlx");
    }
}
