//! The HTTPS API, v1 (docs/protocol.md; the OpenAPI document is
//! server/openapi.json, served at /v1/openapi.json).
//!
//! One module per resource; each handler only adapts HTTP to `registry`.
//! Errors are RFC 9457 problem details with a stable `code`.

mod access_log;
mod applications;
mod auth;
mod certificates;
mod devices;
mod extract;
mod health;
mod policy;
mod problem;
mod profile;
mod rate_limit;
mod renew;
mod status;

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, RwLock};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, post};
use spki::SubjectPublicKeyInfoOwned;
use time::OffsetDateTime;

use crate::ca::{CaKind, CaSet};
use crate::config::Config;
use crate::db::Db;
use crate::notify::Senders;

pub use health::{Alive, Readiness};
pub use problem::Problem;
pub use rate_limit::RateLimiter;

/// The OpenAPI 3 document, kept in the repository.
pub const OPENAPI: &str = include_str!("../../openapi.json");

/// Everything a handler needs.
pub struct AppState {
    pub config: Config,
    pub db: Db,
    pub cas: CaSet,
    pub senders: Senders,
    /// Rate-limit windows, in the database (shared by every node).
    pub limiter: RateLimiter,
    /// Signs login challenges, so they need no database row until used;
    /// one key per database, so any node checks any node's challenge.
    pub challenge_key: auth::ChallengeKey,
    /// This node's name ([`Config::node_name`]): what holds its in-flight
    /// code deliveries.
    pub node: String,
    /// This node's copy of each issuing CA's CRL (its number and DER):
    /// the database's `crls` holds the published one, and a request serves
    /// the copy only while its number is the database's.
    pub crls: RwLock<HashMap<CaKind, (i64, Vec<u8>)>>,
    /// The clock; tests may pin it.
    pub clock: Box<dyn Fn() -> OffsetDateTime + Send + Sync>,
    /// The pinned roots of Android key attestation (`attestation.roots`).
    pub attestation_roots: Vec<SubjectPublicKeyInfoOwned>,
    /// Set when the server begins to shut down: `/readyz` then answers 503
    /// so a load balancer drains this node while open requests finish.
    pub shutting_down: AtomicBool,
}

impl AppState {
    /// `attestation_roots`: `config.attestation.roots` loaded
    /// ([`crate::attestation::load_roots`]). Fails only when the database
    /// cannot give the shared challenge key.
    pub fn new(
        config: Config,
        db: Db,
        cas: CaSet,
        senders: Senders,
        attestation_roots: Vec<SubjectPublicKeyInfoOwned>,
    ) -> Result<Arc<Self>, crate::db::Error> {
        let limiter = RateLimiter::new(&config.limits, db.clone());
        let challenge_key =
            auth::ChallengeKey::shared(&db, OffsetDateTime::now_utc().unix_timestamp())?;
        let node = config.node_name();
        let state = Arc::new(Self {
            config,
            db,
            cas,
            senders,
            limiter,
            challenge_key,
            node,
            crls: RwLock::new(HashMap::new()),
            clock: Box::new(OffsetDateTime::now_utc),
            attestation_roots,
            shutting_down: AtomicBool::new(false),
        });
        for kind in CaKind::ISSUING {
            // Published already by another node (or this one's last run)
            // unless none is, or it nears its end.
            if let Err(e) = status::current_crl(&state, kind) {
                tracing::error!("cannot publish the {} CRL: {e}", kind.name());
            }
        }
        // What a killed RA left between confirmation and issuance is
        // issued before the first request.
        match crate::registry::finish_all_pending(
            &state.db,
            &state.cas,
            &state.config.public_url,
            &state.config.policy,
            state.now(),
        ) {
            Ok(issued) if !issued.is_empty() => {
                tracing::warn!("issued applications {issued:?}, left unissued by the last run");
            }
            Ok(_) => {}
            Err(e) => tracing::error!("cannot finish the applications left unissued: {e}"),
        }
        Ok(state)
    }

    pub fn now(&self) -> OffsetDateTime {
        (self.clock)()
    }
}

/// The API's routes.
pub fn router(state: Arc<AppState>) -> Router {
    let max_body = state.config.limits.max_body_bytes;
    Router::new()
        .route("/healthz", get(health::alive))
        .route("/readyz", get(health::ready))
        .route(
            "/v1/health",
            get(|| async { axum::Json(qoltanba_pki::protocol::Health::ok()) }),
        )
        .route("/v1/openapi.json", get(openapi))
        .route("/v1/policy", get(policy::show))
        .route("/v1/profile", get(profile::show).put(profile::update))
        .route("/v1/auth/challenge", post(auth::challenge))
        .route("/v1/auth/login", post(auth::login))
        .route("/v1/certificates", get(certificates::list))
        .route(
            "/v1/applications",
            post(applications::submit).get(applications::list),
        )
        .route("/v1/applications/{number}", get(applications::show))
        .route(
            "/v1/applications/{number}/confirm",
            post(applications::confirm),
        )
        .route(
            "/v1/applications/{number}/resend-code",
            post(applications::resend_code),
        )
        .route(
            "/v1/applications/{number}/certificates",
            get(applications::certificates),
        )
        .route("/v1/revocations", post(status::revoke))
        .route("/v1/crl/{file}", get(status::crl))
        .route("/v1/ca/{file}", get(status::ca_certificate))
        .route("/v1/ocsp", post(status::ocsp))
        .route("/v1/devices", post(devices::register))
        .route("/v1/devices/{id}", delete(devices::remove))
        .route("/renew/{serial}", get(renew::page))
        // After every route: it applies to the routes registered before it.
        .method_not_allowed_fallback(|| async {
            Problem::new(
                axum::http::StatusCode::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                "this path does not take this method; the Allow header lists the ones it takes",
            )
        })
        .fallback(|| async { Problem::not_found("no such endpoint; see /v1/openapi.json") })
        .layer(DefaultBodyLimit::max(max_body))
        // Outermost: it sees every answer, the extractors' refusals too.
        .layer(axum::middleware::from_fn(access_log::access_log))
        .with_state(state)
}

async fn openapi() -> impl axum::response::IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        OPENAPI,
    )
}
