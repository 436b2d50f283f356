//! The request extractors the handlers use instead of axum's own: the same
//! parsing, but a refusal is a [`Problem`] (problem+json with a documented
//! code) rather than axum's plain-text rejection. No handler takes
//! `axum::Json`, `axum::extract::Path` or a bare `Bytes` body, so no
//! handler can answer `text/plain`.
//!
//! | what is wrong | status | code |
//! | --- | --- | --- |
//! | a path parameter that does not parse (`/v1/devices/x`) | 400 | `bad-path` |
//! | a JSON body without `Content-Type: application/json` | 415 | `unsupported-media-type` |
//! | a JSON body that is not JSON | 400 | `bad-json` |
//! | JSON of the wrong shape: unknown, missing or mistyped fields | 400 | `invalid-input` |
//! | a body over `limits.max_body_bytes` | 413 | `too-large` |
//! | a body that cannot be read (the client broke off) | 400 | `unreadable-body` |
//!
//! The router adds the last two kinds: a path that does not exist (404
//! `not-found`) and a method the path does not have (405
//! `method-not-allowed`, with `Allow`).

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, JsonRejection, PathRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::Problem;

/// The longest piece of a parser's message a problem's detail quotes: the
/// message may repeat the client's own field names, and a detail is one line.
const QUOTED_MAX_CHARS: usize = 160;

fn quoted(message: &str) -> String {
    let line = message.lines().next().unwrap_or("");
    let mut quoted: String = line.chars().take(QUOTED_MAX_CHARS).collect();
    if line.chars().count() > QUOTED_MAX_CHARS {
        quoted.push('…');
    }
    quoted
}

/// A JSON body (`Content-Type: application/json`), deserialised into `T`.
pub struct Json<T>(pub T);

impl<T, S> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request(request: Request, state: &S) -> Result<Self, Problem> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(Json(value)),
            Err(rejection) => Err(json_problem(&rejection)),
        }
    }
}

fn json_problem(rejection: &JsonRejection) -> Problem {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "this request takes a JSON body: send Content-Type: application/json",
        ),
        JsonRejection::JsonSyntaxError(e) => Problem::bad_request(
            "bad-json",
            format!(
                "the body is not valid JSON ({}); send the JSON object /v1/openapi.json describes",
                quoted(&serde_error(e.body_text()))
            ),
        ),
        JsonRejection::JsonDataError(e) => Problem::bad_request(
            "invalid-input",
            format!(
                "the JSON body does not have the fields this request takes ({}); see /v1/openapi.json",
                quoted(&serde_error(e.body_text()))
            ),
        ),
        JsonRejection::BytesRejection(e) => body_problem(e),
        // `JsonRejection` is non-exhaustive; a kind added later is still a
        // refusal of the body.
        other => Problem::new(
            other.status(),
            "invalid-input",
            "the request body is not what this request takes; see /v1/openapi.json",
        ),
    }
}

/// axum's message without its own prefix ("Failed to parse the request
/// body as JSON: …"): the serde part says what is wrong.
fn serde_error(text: String) -> String {
    match text.split_once(": ") {
        Some((_, serde)) => serde.to_string(),
        None => text,
    }
}

fn body_problem(rejection: &BytesRejection) -> Problem {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too-large",
            "the request body is larger than this server takes; send a smaller one",
        )
    } else {
        Problem::bad_request(
            "unreadable-body",
            "the request body could not be read to its end; send the request again",
        )
    }
}

/// The whole body as bytes (CMS, OCSP requests), within the body limit.
pub struct Body(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for Body {
    type Rejection = Problem;

    async fn from_request(request: Request, state: &S) -> Result<Self, Problem> {
        Bytes::from_request(request, state)
            .await
            .map(Body)
            .map_err(|rejection| body_problem(&rejection))
    }
}

/// The path's parameters, parsed into `T` (e.g. an application number).
pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Path(value)),
            Err(rejection) => Err(path_problem(&rejection)),
        }
    }
}

fn path_problem(rejection: &PathRejection) -> Problem {
    Problem::bad_request(
        "bad-path",
        format!(
            "the path is not valid ({}); numbers in it are whole numbers from 1 to {}",
            quoted(&serde_error(rejection.body_text())),
            i64::MAX
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quoted_message_is_one_short_line() {
        let long = format!("{}\nsecond line", "x".repeat(500));
        let q = quoted(&long);
        assert_eq!(q.chars().count(), QUOTED_MAX_CHARS + 1);
        assert!(q.ends_with('…') && !q.contains('\n'));
        assert_eq!(quoted("short"), "short");
    }
}
