//! Logs, traces and trace propagation, the same for both services.
//!
//! - Logs: one line per event on stderr, JSON when `FLEXIAPI_LOG_FORMAT=json`,
//!   levels from `RUST_LOG` (default `info`). A request's root span records
//!   `trace_id`, so every line logged inside it carries the id.
//! - Traces: exported over OTLP/gRPC when `OTEL_EXPORTER_OTLP_ENDPOINT` is set
//!   (with the standard `OTEL_*` variables); otherwise nothing is exported and
//!   nothing fails.
//! - Propagation: W3C `traceparent` between the gateway (client) and the core
//!   (server), in gRPC metadata.
//!
//! - Metrics: one Prometheus registry per process ([`prometheus`]), fed
//!   through the `metrics` facade.
//!
//! - Request ids: `x-request-id`, chosen by the client or made by the
//!   gateway, passed to the core in gRPC metadata; both record it in the
//!   request's root span as `request_id` ([`request_id`]).
//!
//! Nothing here ever records a header value but a valid request id: callers
//! name the fields they log.

use std::io::IsTerminal as _;

use opentelemetry::{
    propagation::{Extractor, Injector},
    trace::TraceContextExt as _,
    trace::TracerProvider as _,
};
use opentelemetry_sdk::{propagation::TraceContextPropagator, trace::SdkTracerProvider, Resource};
use tracing_opentelemetry::OpenTelemetrySpanExt as _;
use tracing_subscriber::{
    layer::SubscriberExt as _, util::SubscriberInitExt as _, EnvFilter, Layer,
};

/// Keeps the trace exporter alive; dropping it flushes the spans not sent yet.
#[must_use = "dropping the guard stops trace export"]
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take() {
            if let Err(error) = provider.shutdown() {
                eprintln!("could not flush traces: {error}");
            }
        }
    }
}

/// Installs the global subscriber for `service_name` (`core-service`,
/// `rest-gateway`). Must run inside the Tokio runtime (the OTLP exporter uses
/// it). A second call in one process keeps the first subscriber.
pub fn init(service_name: &'static str) -> Telemetry {
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let json = std::env::var("FLEXIAPI_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    let logs = if json {
        tracing_subscriber::fmt::layer()
            .json()
            .with_current_span(false)
            .with_span_list(true)
            .with_writer(std::io::stderr)
            .boxed()
    } else {
        // Colours for a person at a terminal only: escape codes are noise
        // in a file or a log collector, and writing them into every span's
        // fields cost about 1 µs a request (bench/notes.md).
        tracing_subscriber::fmt::layer()
            .with_ansi(std::io::stderr().is_terminal())
            .with_writer(std::io::stderr)
            .boxed()
    };
    let (provider, traces) = match otlp_provider(service_name) {
        Ok(Some(provider)) => {
            EXPORTING.store(true, std::sync::atomic::Ordering::Relaxed);
            let tracer = provider.tracer(service_name);
            (
                Some(provider),
                Some(tracing_opentelemetry::layer().with_tracer(tracer)),
            )
        }
        Ok(None) => (None, None),
        Err(error) => {
            eprintln!("trace export disabled: {error:#}");
            (None, None)
        }
    };
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(logs)
        .with(traces)
        .try_init();
    Telemetry { provider }
}

fn otlp_provider(service_name: &'static str) -> anyhow::Result<Option<SdkTracerProvider>> {
    let endpoint = std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT").unwrap_or_default();
    if endpoint.trim().is_empty() {
        return Ok(None);
    }
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_tonic()
        .build()?;
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(Resource::builder().with_service_name(service_name).build())
        .build();
    Ok(Some(provider))
}

/// Makes `span` (a request's root span) continue the trace whose
/// `traceparent` arrived in `headers`, and records its `trace_id` field.
pub fn continue_trace(span: &tracing::Span, headers: &http::HeaderMap) {
    // Without an exporter no span has a trace context to join or show:
    // reading the headers would be work for nothing on every request.
    if !EXPORTING.load(std::sync::atomic::Ordering::Relaxed) {
        return;
    }
    let parent =
        opentelemetry::global::get_text_map_propagator(|p| p.extract(&HeaderExtractor(headers)));
    let _ = span.set_parent(parent);
    record_trace_id(span);
}

/// The header, and gRPC metadata key, a request's id travels in.
pub const REQUEST_ID: &str = "x-request-id";

/// A request id as a client may choose it: 1 to 128 characters of
/// `[A-Za-z0-9._:-]` (safe in a log line, a header and a span attribute).
pub fn is_valid_request_id(value: &[u8]) -> bool {
    (1..=128).contains(&value.len())
        && value
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
}

/// The request id in `headers`, when there is a valid one.
pub fn request_id(headers: &http::HeaderMap) -> Option<&str> {
    let value = headers.get(REQUEST_ID)?;
    is_valid_request_id(value.as_bytes())
        .then(|| value.to_str().ok())
        .flatten()
}

/// Whether spans are exported (an OTLP endpoint is set).
static EXPORTING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Sets an OpenTelemetry attribute on the span (exported with it, never
/// formatted into log lines: cheaper than a field, for values the logs
/// already carry under another name). Nothing is done, nor allocated, when
/// no span is exported: it runs on every request.
pub fn set_attribute(span: &tracing::Span, key: &'static str, value: &str) {
    if EXPORTING.load(std::sync::atomic::Ordering::Relaxed) {
        span.set_attribute(key, value.to_owned());
    }
}

/// Gives a span its OpenTelemetry name and kind (the fields `otel.name` and
/// `otel.kind`, which it declares `Empty`) when spans are exported. Without
/// an exporter nothing reads them, and the log lines carry the same facts
/// under other fields: formatting them into every span's log fields cost
/// about 7,000 of the gateway's instructions a request (bench/notes.md). Call it before
/// anything reads the span's context (`continue_trace`): a started span's
/// kind is fixed.
pub fn name_span(span: &tracing::Span, kind: &'static str, name: impl FnOnce() -> String) {
    if EXPORTING.load(std::sync::atomic::Ordering::Relaxed) {
        span.record("otel.name", name());
        span.record("otel.kind", kind);
    }
}

/// Records the span's OpenTelemetry trace id in its `trace_id` field (which
/// the span must declare, as `trace_id = tracing::field::Empty`).
pub fn record_trace_id(span: &tracing::Span) {
    let context = span.context();
    let span_context = context.span().span_context().clone();
    if span_context.is_valid() {
        span.record("trace_id", span_context.trace_id().to_string());
    }
}

/// Writes the current span's trace context into outgoing gRPC metadata.
pub fn inject_current(metadata: &mut tonic::metadata::MetadataMap) {
    // Without an exporter the current span carries no trace context.
    if !EXPORTING.load(std::sync::atomic::Ordering::Relaxed) {
        return;
    }
    let context = tracing::Span::current().context();
    opentelemetry::global::get_text_map_propagator(|p| {
        p.inject_context(&context, &mut MetadataInjector(metadata))
    });
}

/// A tonic client interceptor carrying the caller's trace to the server.
pub fn propagate_trace(
    mut request: tonic::Request<()>,
) -> Result<tonic::Request<()>, tonic::Status> {
    inject_current(request.metadata_mut());
    Ok(request)
}

struct HeaderExtractor<'a>(&'a http::HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(http::HeaderName::as_str).collect()
    }
}

struct MetadataInjector<'a>(&'a mut tonic::metadata::MetadataMap);

impl Injector for MetadataInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(key), Ok(value)) = (
            tonic::metadata::MetadataKey::from_bytes(key.as_bytes()),
            tonic::metadata::MetadataValue::try_from(value.as_str()),
        ) {
            self.0.insert(key, value);
        }
    }
}

/// Latency buckets, in seconds: the hot paths answer in well under a
/// millisecond, a database outage in seconds.
const LATENCY_BUCKETS: &[f64] = &[
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    5.0, 10.0,
];

/// The process's Prometheus registry, installed as the `metrics` recorder on
/// first use; `render()` gives the text format.
pub fn prometheus() -> &'static metrics_exporter_prometheus::PrometheusHandle {
    static HANDLE: std::sync::OnceLock<metrics_exporter_prometheus::PrometheusHandle> =
        std::sync::OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = metrics_exporter_prometheus::PrometheusBuilder::new();
        let builder = builder
            .set_buckets(LATENCY_BUCKETS)
            .unwrap_or_else(|_| metrics_exporter_prometheus::PrometheusBuilder::new());
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        // Fails only if another recorder was installed first; ours still renders.
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

#[cfg(test)]
mod request_id_tests {
    use super::is_valid_request_id;

    #[test]
    fn a_request_id_is_short_and_plain() {
        for valid in ["a", "0b1f-22:ab.c_d", &"x".repeat(128)] {
            assert!(is_valid_request_id(valid.as_bytes()), "{valid}");
        }
        for invalid in ["", " ", "a b", "a\nb", "<id>", "é", &"x".repeat(129)] {
            assert!(!is_valid_request_id(invalid.as_bytes()), "{invalid}");
        }
    }
}
