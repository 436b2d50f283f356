//! One log line per request (target `qoltanba_ra::access`, level INFO):
//! method, route template (`/v1/applications/{number}`, never the raw
//! path, which carries application numbers, serials and device ids),
//! status, time taken, client address ([`ClientAddr`]) and a request id,
//! which the answer carries as `X-Request-Id` so a citizen's report can be
//! found in the log. Never the query string, a header or a body: those hold
//! tokens, codes and signed messages. The same figures feed the metrics.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

use crate::client_addr::ClientAddr;

/// The route of a request no route matched (a 404 or 405 of the fallback).
const UNMATCHED: &str = "unmatched";

/// A fresh request id: 16 hex digits.
fn request_id() -> String {
    let mut bytes = [0u8; 8];
    // The id is for finding a line, not a secret: without randomness, zeros.
    let _ = getrandom::fill(&mut bytes);
    hex::encode(bytes)
}

pub async fn access_log(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED, MatchedPath::as_str)
        .to_owned();
    let client = request
        .extensions()
        .get::<ClientAddr>()
        .map_or_else(|| "-".to_owned(), ToString::to_string);
    let id = request_id();
    let mut response = next.run(request).await;
    let took = started.elapsed();
    let status = response.status().as_u16();
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", value);
    }
    crate::metrics::request(&method, &route, status, took);
    tracing::info!(
        target: "qoltanba_ra::access",
        method = %method,
        route = %route,
        status,
        duration_ms = took.as_secs_f64() * 1000.0,
        client = %client,
        request_id = %id,
        "request"
    );
    response
}
