//! Prometheus metrics, in the text exposition format (version 0.0.4), at
//! `/metrics` on the separate, plain-HTTP address `[metrics] listen`.
//!
//! The counters live in this process (one registry, [`registry`]); the
//! applications by state are counted in the database when scraped, so
//! every node reports the same figure for them. The format is a few lines
//! of text, written here rather than through a metrics crate: the RA needs
//! counters, two gauges and one histogram, and a crate would bring its own
//! registry, macros and dependencies for that.
//!
//! The code that counts calls the free functions: [`request`],
//! [`certificate_issued`], [`notice_sent`], [`notice_failed`],
//! [`rate_limited`], [`connection_opened`], [`connection_closed`] and
//! [`connection_refused`].

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use crate::api::AppState;

/// Upper bounds of the latency histogram's buckets, in seconds.
const LATENCY_BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

#[derive(Default)]
struct Histogram {
    /// Observations at or below each bound of [`LATENCY_BUCKETS`].
    buckets: [u64; LATENCY_BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Default)]
struct Counters {
    requests: BTreeMap<(String, String, u16), u64>,
    latency: BTreeMap<String, Histogram>,
    certificates: BTreeMap<String, u64>,
    notices_sent: BTreeMap<String, u64>,
    notices_failed: BTreeMap<String, u64>,
    rate_limited: BTreeMap<String, u64>,
    connections_refused: BTreeMap<String, u64>,
}

/// The process's counters.
pub struct Registry {
    counters: Mutex<Counters>,
    connections_open: AtomicI64,
}

/// The one registry of this process.
pub fn registry() -> &'static Registry {
    static REGISTRY: LazyLock<Registry> = LazyLock::new(|| Registry {
        counters: Mutex::new(Counters::default()),
        connections_open: AtomicI64::new(0),
    });
    &REGISTRY
}

fn with<R>(f: impl FnOnce(&mut Counters) -> R) -> R {
    let mut counters = registry()
        .counters
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    f(&mut counters)
}

fn bump(map: &mut BTreeMap<String, u64>, key: &str) {
    *map.entry(key.to_owned()).or_insert(0) += 1;
}

/// One HTTP request answered: its method, route template (e.g.
/// `/v1/applications/{number}`, `unmatched` for no route), status and
/// time taken.
pub fn request(method: &str, route: &str, status: u16, took: Duration) {
    // A client may send any method name: the label takes the standard ones
    // only, so no client can grow the registry without bound.
    let method = match method {
        "GET" | "HEAD" | "POST" | "PUT" | "DELETE" | "PATCH" | "OPTIONS" => method,
        _ => "other",
    };
    with(|c| {
        *c.requests
            .entry((method.to_owned(), route.to_owned(), status))
            .or_insert(0) += 1;
        let h = c.latency.entry(route.to_owned()).or_default();
        let seconds = took.as_secs_f64();
        for (i, bound) in LATENCY_BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                h.buckets[i] += 1;
            }
        }
        h.count += 1;
        h.sum += seconds;
    });
}

/// A certificate issued by the CA `ca` (`CaKind::name`).
pub fn certificate_issued(ca: &str) {
    with(|c| bump(&mut c.certificates, ca));
}

/// An expiry notice sent on `channel` (email, sms, push).
pub fn notice_sent(channel: &str) {
    with(|c| bump(&mut c.notices_sent, channel));
}

/// An expiry notice that could not be sent (or recorded) on `channel`.
pub fn notice_failed(channel: &str) {
    with(|c| bump(&mut c.notices_failed, channel));
}

/// A request refused by the rate limit of `bucket`.
pub fn rate_limited(bucket: &str) {
    with(|c| bump(&mut c.rate_limited, bucket));
}

/// A client connection admitted.
pub fn connection_opened() {
    registry().connections_open.fetch_add(1, Ordering::Relaxed);
}

/// An admitted client connection closed.
pub fn connection_closed() {
    registry().connections_open.fetch_sub(1, Ordering::Relaxed);
}

/// A connection closed at once by the cap `cap` (`per_address`, `total`).
pub fn connection_refused(cap: &str) {
    with(|c| bump(&mut c.connections_refused, cap));
}

/// A label value, escaped as the text format wants.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

fn by_label(out: &mut String, name: &str, key: &str, map: &BTreeMap<String, u64>) {
    for (value, n) in map {
        let _ = writeln!(out, "{name}{{{key}=\"{}\"}} {n}", label(value));
    }
}

/// The whole exposition: this process's counters, and `applications`
/// (state, count) as counted in the database now (`None`: the database did
/// not answer, and `qoltanba_ra_database_up` says 0).
pub fn render(applications: Option<&[(String, i64)]>) -> String {
    let mut out = String::new();
    with(|c| {
        family(
            &mut out,
            "qoltanba_ra_http_requests_total",
            "counter",
            "HTTP requests answered, by method, route template and status.",
        );
        for ((method, route, status), n) in &c.requests {
            let _ = writeln!(
                out,
                "qoltanba_ra_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {n}",
                label(method),
                label(route)
            );
        }
        family(
            &mut out,
            "qoltanba_ra_http_request_duration_seconds",
            "histogram",
            "Time from a request's headers to its answer, by route template.",
        );
        for (route, h) in &c.latency {
            let route = label(route);
            for (bound, n) in LATENCY_BUCKETS.iter().zip(h.buckets) {
                let _ = writeln!(
                    out,
                    "qoltanba_ra_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {n}"
                );
            }
            let _ = writeln!(
                out,
                "qoltanba_ra_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "qoltanba_ra_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "qoltanba_ra_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                h.count
            );
        }
        family(
            &mut out,
            "qoltanba_ra_certificates_issued_total",
            "counter",
            "Certificates issued by this process, by issuing CA.",
        );
        by_label(
            &mut out,
            "qoltanba_ra_certificates_issued_total",
            "ca",
            &c.certificates,
        );
        family(
            &mut out,
            "qoltanba_ra_notices_sent_total",
            "counter",
            "Expiry notices sent, by channel.",
        );
        by_label(
            &mut out,
            "qoltanba_ra_notices_sent_total",
            "channel",
            &c.notices_sent,
        );
        family(
            &mut out,
            "qoltanba_ra_notices_failed_total",
            "counter",
            "Expiry notices that failed (retried on the next run), by channel.",
        );
        by_label(
            &mut out,
            "qoltanba_ra_notices_failed_total",
            "channel",
            &c.notices_failed,
        );
        family(
            &mut out,
            "qoltanba_ra_rate_limited_total",
            "counter",
            "Requests refused by a rate limit (429), by bucket.",
        );
        by_label(
            &mut out,
            "qoltanba_ra_rate_limited_total",
            "bucket",
            &c.rate_limited,
        );
        family(
            &mut out,
            "qoltanba_ra_connections_refused_total",
            "counter",
            "Connections closed at once by a cap ([limits]), by cap.",
        );
        by_label(
            &mut out,
            "qoltanba_ra_connections_refused_total",
            "cap",
            &c.connections_refused,
        );
    });
    family(
        &mut out,
        "qoltanba_ra_connections_open",
        "gauge",
        "Client connections open now.",
    );
    let _ = writeln!(
        out,
        "qoltanba_ra_connections_open {}",
        registry().connections_open.load(Ordering::Relaxed)
    );
    family(
        &mut out,
        "qoltanba_ra_database_up",
        "gauge",
        "Whether the database answered this scrape (1) or not (0).",
    );
    let _ = writeln!(
        out,
        "qoltanba_ra_database_up {}",
        i32::from(applications.is_some())
    );
    family(
        &mut out,
        "qoltanba_ra_applications",
        "gauge",
        "Applications in the database, by state (counted at scrape time).",
    );
    for (state, n) in applications.unwrap_or_default() {
        let _ = writeln!(
            out,
            "qoltanba_ra_applications{{state=\"{}\"}} {n}",
            label(state)
        );
    }
    out
}

/// Serve `/metrics` on `tcp` (plain HTTP) until the task is dropped.
pub async fn serve(tcp: tokio::net::TcpListener, state: Arc<AppState>) -> std::io::Result<()> {
    let router = axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let db = state.db.clone();
            async move {
                let counts = tokio::task::spawn_blocking(move || db.applications_by_state())
                    .await
                    .ok()
                    .and_then(|r| {
                        r.map_err(|e| tracing::warn!(error = %e, "metrics: the database failed"))
                            .ok()
                    });
                (
                    [(
                        axum::http::header::CONTENT_TYPE,
                        "text/plain; version=0.0.4; charset=utf-8",
                    )],
                    render(counts.as_deref()),
                )
            }
        }),
    );
    axum::serve(tcp, router).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_histogram_and_gauges() {
        request("GET", "/v1/test-route", 200, Duration::from_millis(30));
        request("GET", "/v1/test-route", 200, Duration::from_secs(40));
        rate_limited("test\"bucket");
        request("BREW", "unmatched", 405, Duration::from_millis(1));
        request("X-RANDOM-1", "unmatched", 405, Duration::from_millis(1));
        let text = render(Some(&[("confirmed".into(), 3)]));
        assert!(text.contains(
            "qoltanba_ra_http_requests_total{method=\"GET\",route=\"/v1/test-route\",status=\"200\"} 2"
        ));
        assert!(text.contains(
            "qoltanba_ra_http_request_duration_seconds_bucket{route=\"/v1/test-route\",le=\"0.05\"} 1"
        ));
        assert!(text.contains(
            "qoltanba_ra_http_request_duration_seconds_bucket{route=\"/v1/test-route\",le=\"+Inf\"} 2"
        ));
        assert!(text.contains("qoltanba_ra_rate_limited_total{bucket=\"test\\\"bucket\"} 1"));
        assert!(text.contains("qoltanba_ra_applications{state=\"confirmed\"} 3"));
        assert!(text.contains(
            "qoltanba_ra_http_requests_total{method=\"other\",route=\"unmatched\",status=\"405\"} 2"
        ));
        assert!(!text.contains("BREW"));
        assert!(text.contains("qoltanba_ra_database_up 1"));
        assert!(render(None).contains("qoltanba_ra_database_up 0"));
    }
}
