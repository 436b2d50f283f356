//! RFC 9457 problem details: every error the API returns.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::registry::RegistryError;

/// A problem: HTTP status, a stable machine `code`, a one-line `detail`
/// telling the citizen what is wrong and what to do (the body, the wire
/// type the client reads), and for a rate limit the Retry-After header.
#[derive(Debug)]
pub struct Problem {
    pub body: qoltanba_pki::protocol::Problem,
    pub retry_after: Option<u64>,
}

impl Problem {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            body: qoltanba_pki::protocol::Problem {
                kind: format!("https://qoltanba.example/problems/{code}"),
                title: status.canonical_reason().unwrap_or("Error").into(),
                status: status.as_u16(),
                code: code.into(),
                detail: detail.into(),
            },
            retry_after: None,
        }
    }

    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail)
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", detail)
    }

    pub fn too_many(retry_after: u64) -> Self {
        let mut p = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate-limited",
            format!("too many requests; try again in {retry_after} s"),
        );
        p.retry_after = Some(retry_after);
        p
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the server failed; try again later",
        )
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.body.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self.body).unwrap_or_default();
        let mut response = (status, body).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl From<RegistryError> for Problem {
    fn from(e: RegistryError) -> Self {
        use RegistryError as E;
        let status = match &e {
            E::UnknownCitizen(_) | E::UnknownCertificate | E::Revoked | E::Untrusted(_) => {
                StatusCode::FORBIDDEN
            }
            E::WrongKey(..) | E::OtherPerson => StatusCode::FORBIDDEN,
            E::AlgorithmRefused(..)
            | E::KeyTooSmall(_)
            | E::AttestationFailed { .. }
            | E::AttestationRequired(_)
            | E::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            E::NoSuchApplication(_) | E::NoSuchCertificate(_) => StatusCode::NOT_FOUND,
            E::WrongState(_) | E::AlreadyRevoked(_) | E::NoPhone => StatusCode::CONFLICT,
            E::WrongCode(_) => StatusCode::UNPROCESSABLE_ENTITY,
            E::Locked => StatusCode::LOCKED,
            E::CodeExpired => StatusCode::GONE,
            E::Ca(_) | E::Db(_) | E::KeyFile(_) => {
                tracing::error!("internal error: {e}");
                return Problem::internal();
            }
        };
        Problem::new(status, e.code(), e.to_string())
    }
}

impl From<crate::db::Error> for Problem {
    fn from(e: crate::db::Error) -> Self {
        tracing::error!("database error: {e}");
        Problem::internal()
    }
}
