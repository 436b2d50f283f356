//! Probes for a supervisor or load balancer: `/healthz` says the process
//! answers (no database, nothing else: cheap enough to ask every second);
//! `/readyz` says this node can serve a renewal now: the database answers
//! a trivial query and the CA keys are unlocked, and the node is not
//! shutting down (a 503 then drains it while its open requests finish).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;

use super::{AppState, Problem};

/// `GET /healthz`: the process answers (`Alive` in openapi.json).
#[derive(Debug, Clone, Serialize)]
pub struct Alive {
    pub status: &'static str,
}

/// `GET /readyz`, ready (`Readiness` in openapi.json); what is not ready is
/// a 503 problem naming it.
#[derive(Debug, Clone, Serialize)]
pub struct Readiness {
    pub status: &'static str,
    pub database: &'static str,
    pub ca_keys: &'static str,
}

impl Readiness {
    pub const READY: Self = Self {
        status: "ready",
        database: "ok",
        ca_keys: "loaded",
    };
}

pub async fn alive() -> Json<Alive> {
    Json(Alive { status: "alive" })
}

pub async fn ready(State(state): State<Arc<AppState>>) -> Result<Json<Readiness>, Problem> {
    if state.shutting_down.load(Ordering::Relaxed) {
        return Err(not_ready(
            "shutting-down",
            "the server is shutting down; send new requests to another node",
        ));
    }
    let db = state.db.clone();
    let database = tokio::task::spawn_blocking(move || db.ping())
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r.map_err(|e| e.to_string()));
    if let Err(e) = database {
        tracing::warn!(error = %e, "readyz: the database does not answer");
        return Err(not_ready(
            "database-unavailable",
            "the database does not answer; see the server log",
        ));
    }
    if state.cas.issuing.is_empty() {
        return Err(not_ready(
            "ca-keys-not-loaded",
            "the CA keys are not loaded; restart the server with the operator passphrase",
        ));
    }
    Ok(Json(Readiness::READY))
}

fn not_ready(code: &'static str, detail: &str) -> Problem {
    Problem::new(StatusCode::SERVICE_UNAVAILABLE, code, detail)
}
