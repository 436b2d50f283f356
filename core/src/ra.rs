//! The typed client of the RA protocol v1 (docs/protocol.md).
//!
//! HTTPS through reqwest and rustls (ring provider) with the RA's root pinned
//! from configuration: no system roots, so a network that can issue itself a
//! public certificate still cannot pose as the RA. Timeouts on every call;
//! retries with backoff only where repeating cannot do harm (reads, and the
//! submit, which carries an Idempotency-Key); 202 + Retry-After is surfaced
//! as [`Deferred`] for the caller to wait and ask again.

use std::sync::Arc;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;

use qoltanba_pki::protocol::*;

/// Where the RA is and whom to trust for it.
#[derive(Debug, Clone)]
pub struct RaConfig {
    /// e.g. `https://127.0.0.1:8443`
    pub base_url: String,
    /// The RA's root certificate (DER): the only trust anchor for HTTPS.
    pub ca_cert_der: Vec<u8>,
    /// Per request.
    pub timeout: Duration,
    /// Attempts for requests that are safe to repeat.
    pub attempts: u32,
}

impl RaConfig {
    pub fn new(base_url: impl Into<String>, ca_cert_der: Vec<u8>) -> Self {
        Self {
            base_url: base_url.into().trim_end_matches('/').to_string(),
            ca_cert_der,
            timeout: Duration::from_secs(20),
            attempts: 3,
        }
    }
}

/// Why a call to the RA failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RaError {
    #[error(
        "the registration authority cannot be reached ({0}); check the connection and try again"
    )]
    Unreachable(String),
    #[error("the registration authority did not answer in time; try again")]
    Timeout,
    #[error("the connection to the registration authority dropped; try again")]
    Dropped,
    #[error("{detail}")]
    Refused {
        status: u16,
        /// The stable problem code (docs/protocol.md).
        code: String,
        detail: String,
    },
    #[error("the registration authority is not working right now (HTTP {0}); try again later")]
    ServerError(u16),
    #[error("the registration authority answered something unexpected: {0}")]
    Protocol(String),
    #[error(
        "the RA's root certificate is not a valid DER certificate; use the root certificate the RA publishes"
    )]
    BadTrustAnchor,
}

impl RaError {
    /// The problem code, when the RA refused with one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Refused { code, .. } => Some(code),
            _ => None,
        }
    }

    /// Worth trying again (the network or the server, not the request).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::Unreachable(_) | Self::Timeout | Self::Dropped | Self::ServerError(_)
        )
    }
}

/// An answer that is not ready: ask again after `retry_after`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deferred {
    pub retry_after: Duration,
}

/// Either the thing, or come back later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ready<T> {
    Now(T),
    Later(Deferred),
}

/// What a submit answered: a new application (202, [`ApplicationAccepted`])
/// or, for a repeat with the same Idempotency-Key, the application it made
/// (200, [`ApplicationStatus`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submitted {
    pub number: i64,
    pub state: ApplicationState,
    /// Where the one-time code goes; `None` on a repeat (no new code).
    pub code_sent_to: Option<String>,
    /// Whether the code was sent (`pending`: the RA retries it). `None`
    /// only from an RA that predates code delivery: its 202 meant sent,
    /// its repeat said nothing.
    pub code_delivery: Option<CodeDelivery>,
}

/// A logged-in session.
#[derive(Clone)]
pub struct Session {
    pub token: zeroize::Zeroizing<String>,
    pub iin: String,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("iin", &self.iin)
            .finish_non_exhaustive()
    }
}

/// The RA client.
#[derive(Clone)]
pub struct RaClient {
    config: RaConfig,
    http: reqwest::Client,
}

struct Response {
    status: StatusCode,
    retry_after: Option<Duration>,
    body: Vec<u8>,
}

impl RaClient {
    pub fn new(config: RaConfig) -> Result<Self, RaError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(rustls_pki_types::CertificateDer::from(
                config.ca_cert_der.clone(),
            ))
            .map_err(|_| RaError::BadTrustAnchor)?;
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|_| RaError::BadTrustAnchor)?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let http = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .build()
            .map_err(|e| RaError::Protocol(e.to_string()))?;
        Ok(Self { config, http })
    }

    pub fn base_url(&self) -> &str {
        &self.config.base_url
    }

    async fn send_once(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<(Vec<u8>, &str)>,
    ) -> Result<Response, RaError> {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.config.base_url));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        if let Some((bytes, content_type)) = body {
            request = request.header("content-type", content_type).body(bytes);
        }
        let response = request.send().await.map_err(network_error)?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let body = response.bytes().await.map_err(network_error)?.to_vec();
        Ok(Response {
            status,
            retry_after,
            body,
        })
    }

    /// One request; repeated with backoff on transient failures when
    /// `repeatable` (reads, and writes that carry an Idempotency-Key).
    async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<(Vec<u8>, &str)>,
        repeatable: bool,
    ) -> Result<Response, RaError> {
        let attempts = if repeatable {
            self.config.attempts.max(1)
        } else {
            1
        };
        let mut delay = Duration::from_millis(200);
        let mut last = RaError::Timeout;
        for attempt in 0..attempts {
            if attempt > 0 {
                tokio::time::sleep(delay).await;
                delay *= 2;
            }
            let result = self
                .send_once(method.clone(), path, token, headers, body.clone())
                .await
                .and_then(|r| {
                    if r.status.is_server_error() {
                        Err(RaError::ServerError(r.status.as_u16()))
                    } else {
                        Ok(r)
                    }
                });
            match result {
                Ok(response) => return Ok(response),
                Err(e) if e.is_transient() => {
                    tracing::debug!("RA {path}: {e} (attempt {})", attempt + 1);
                    last = e;
                }
                Err(e) => return Err(e),
            }
        }
        Err(last)
    }

    fn parse<T: DeserializeOwned>(response: &Response, path: &str) -> Result<T, RaError> {
        serde_json::from_slice(&response.body)
            .map_err(|e| RaError::Protocol(format!("{path}: {e}")))
    }

    /// A 2xx body as `T`, a problem as `Refused`.
    fn expect<T: DeserializeOwned>(response: Response, path: &str) -> Result<T, RaError> {
        if response.status.is_success() {
            return Self::parse(&response, path);
        }
        Err(problem(&response))
    }

    pub async fn challenge(&self) -> Result<Challenge, RaError> {
        let r = self
            .send(Method::POST, "/v1/auth/challenge", None, &[], None, true)
            .await?;
        Self::expect(r, "challenge")
    }

    /// Log in with the challenge signed by the AUTH key (`signed_message`).
    pub async fn login(&self, signed_challenge: Vec<u8>) -> Result<Session, RaError> {
        let r = self
            .send(
                Method::POST,
                "/v1/auth/login",
                None,
                &[],
                Some((signed_challenge, "application/cms")),
                false,
            )
            .await?;
        let answer: LoginAnswer = Self::expect(r, "login")?;
        Ok(Session {
            token: zeroize::Zeroizing::new(answer.token),
            iin: answer.iin,
        })
    }

    pub async fn certificates(&self, session: &Session) -> Result<CertificateList, RaError> {
        let r = self
            .send(
                Method::GET,
                "/v1/certificates",
                Some(&session.token),
                &[],
                None,
                true,
            )
            .await?;
        Self::expect(r, "certificates")
    }

    /// Submit application.p7s. The Idempotency-Key makes a repeat (after a
    /// dropped connection, or a resumed renewal) return the same application.
    pub async fn submit(
        &self,
        session: &Session,
        p7s: Vec<u8>,
        idempotency_key: &str,
    ) -> Result<Submitted, RaError> {
        let r = self
            .send(
                Method::POST,
                "/v1/applications",
                Some(&session.token),
                &[("idempotency-key", idempotency_key)],
                Some((p7s, "application/cms")),
                true,
            )
            .await?;
        if r.status == StatusCode::ACCEPTED {
            let accepted: ApplicationAccepted = Self::parse(&r, "submit")?;
            // An RA that predates code delivery answered 202 once sent.
            let code_delivery = accepted.code_delivery.or(Some(CodeDelivery {
                state: CodeDeliveryState::Sent,
                sent_to: accepted.code_sent_to.clone(),
                attempts: 1,
                next_attempt_at: None,
            }));
            return Ok(Submitted {
                number: accepted.number,
                state: accepted.state,
                code_sent_to: Some(accepted.code_sent_to),
                code_delivery,
            });
        }
        let repeated: ApplicationStatus = Self::expect(r, "submit")?;
        Ok(Submitted {
            number: repeated.number,
            state: repeated.state,
            code_sent_to: None,
            code_delivery: repeated.code_delivery,
        })
    }

    /// Ask the RA to send application `number`'s one-time code again: a new
    /// code (an earlier SMS's stops working), sent now, retried by the RA if
    /// the send fails. Not repeated on failure: resends are rate limited
    /// (`Refused` with code `rate-limited`), and the status tells whether
    /// a lost answer's resend happened.
    pub async fn resend_code(
        &self,
        session: &Session,
        number: i64,
    ) -> Result<CodeDelivery, RaError> {
        let path = format!("/v1/applications/{number}/resend-code");
        let r = self
            .send(Method::POST, &path, Some(&session.token), &[], None, false)
            .await?;
        Self::expect(r, &path)
    }

    /// Confirm with the one-time code. Not repeated on failure: a lost
    /// answer is found out by asking the status.
    pub async fn confirm(
        &self,
        session: &Session,
        number: i64,
        code: &str,
    ) -> Result<Ready<ApplicationStatus>, RaError> {
        let body = serde_json::to_vec(&Confirmation { code: code.into() })
            .map_err(|e| RaError::Protocol(e.to_string()))?;
        let path = format!("/v1/applications/{number}/confirm");
        let r = self
            .send(
                Method::POST,
                &path,
                Some(&session.token),
                &[],
                Some((body, "application/json")),
                false,
            )
            .await?;
        Self::ready(r, &path)
    }

    pub async fn status(
        &self,
        session: &Session,
        number: i64,
    ) -> Result<Ready<ApplicationStatus>, RaError> {
        let path = format!("/v1/applications/{number}");
        let r = self
            .send(Method::GET, &path, Some(&session.token), &[], None, true)
            .await?;
        Self::ready(r, &path)
    }

    pub async fn download(
        &self,
        session: &Session,
        number: i64,
    ) -> Result<Ready<IssuedCertificates>, RaError> {
        let path = format!("/v1/applications/{number}/certificates");
        let r = self
            .send(Method::GET, &path, Some(&session.token), &[], None, true)
            .await?;
        Self::ready(r, &path)
    }

    /// Revoke with a signed `{"serial", "reason"}` message.
    pub async fn revoke(&self, session: &Session, signed: Vec<u8>) -> Result<Revoked, RaError> {
        let r = self
            .send(
                Method::POST,
                "/v1/revocations",
                Some(&session.token),
                &[],
                Some((signed, "application/cms")),
                false,
            )
            .await?;
        Self::expect(r, "revoke")
    }

    /// What the RA will issue and accept (`GET /v1/policy`, no login): the
    /// validity per storage and how each storage claim is confirmed
    /// ([`RaPolicy::validity_days`] answers "the validity that will be
    /// issued"), the algorithms, the password rule.
    pub async fn policy(&self) -> Result<RaPolicy, RaError> {
        let r = self
            .send(Method::GET, "/v1/policy", None, &[], None, true)
            .await?;
        Self::expect(r, "policy")
    }

    /// The citizen's applications, newest first. Each state is final or
    /// current; use [`RaClient::application`] to follow one.
    pub async fn applications(&self, session: &Session) -> Result<ApplicationList, RaError> {
        let r = self
            .send(
                Method::GET,
                "/v1/applications",
                Some(&session.token),
                &[],
                None,
                true,
            )
            .await?;
        Self::expect(r, "applications")
    }

    /// One application of the citizen, whatever its state (a deferred
    /// state is an answer here, not a reason to wait: the list's view of
    /// one entry). An unknown number, and another citizen's, are both
    /// `Refused` with code `no-such-application`.
    pub async fn application(
        &self,
        session: &Session,
        number: i64,
    ) -> Result<ApplicationStatus, RaError> {
        let path = format!("/v1/applications/{number}");
        let r = self
            .send(Method::GET, &path, Some(&session.token), &[], None, true)
            .await?;
        Self::expect(r, &path)
    }

    /// The citizen's profile on the RA: contact e-mail, where notices go,
    /// which channels are on.
    pub async fn profile(&self, session: &Session) -> Result<Profile, RaError> {
        let r = self
            .send(
                Method::GET,
                "/v1/profile",
                Some(&session.token),
                &[],
                None,
                true,
            )
            .await?;
        Self::expect(r, "profile")
    }

    /// Replace the profile (`contact_email: None` clears it); answers the
    /// profile as stored. A malformed e-mail is `Refused` with code
    /// `bad-email`. Repeatable: the same body twice stores the same profile.
    pub async fn set_profile(
        &self,
        session: &Session,
        update: &ProfileUpdate,
    ) -> Result<Profile, RaError> {
        let body = serde_json::to_vec(update).map_err(|e| RaError::Protocol(e.to_string()))?;
        let r = self
            .send(
                Method::PUT,
                "/v1/profile",
                Some(&session.token),
                &[],
                Some((body, "application/json")),
                true,
            )
            .await?;
        Self::expect(r, "profile")
    }

    /// Register this device's push token (FCM or APNs) for expiry notices;
    /// answers the device's id on the RA, for [`RaClient::remove_device`].
    /// Repeatable: the RA keeps one row per (platform, token).
    pub async fn register_device(
        &self,
        session: &Session,
        device: &NewDevice,
    ) -> Result<DeviceCreated, RaError> {
        let body = serde_json::to_vec(device).map_err(|e| RaError::Protocol(e.to_string()))?;
        let r = self
            .send(
                Method::POST,
                "/v1/devices",
                Some(&session.token),
                &[],
                Some((body, "application/json")),
                true,
            )
            .await?;
        Self::expect(r, "devices")
    }

    /// Stop push notices to a registered device. Not repeated on failure: a
    /// repeat after a lost answer would be refused with `not-found`.
    pub async fn remove_device(&self, session: &Session, id: i64) -> Result<(), RaError> {
        let path = format!("/v1/devices/{id}");
        let r = self
            .send(
                Method::DELETE,
                &path,
                Some(&session.token),
                &[],
                None,
                false,
            )
            .await?;
        if r.status.is_success() {
            Ok(())
        } else {
            Err(problem(&r))
        }
    }

    fn ready<T: DeserializeOwned>(response: Response, path: &str) -> Result<Ready<T>, RaError> {
        if response.status == StatusCode::ACCEPTED {
            return Ok(Ready::Later(Deferred {
                retry_after: response.retry_after.unwrap_or(Duration::from_secs(5)),
            }));
        }
        Self::expect(response, path).map(Ready::Now)
    }
}

fn network_error(e: reqwest::Error) -> RaError {
    if e.is_timeout() {
        RaError::Timeout
    } else if e.is_connect() {
        // The source chain names the cause (refused, unreachable, TLS).
        let mut cause = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            cause = s.to_string();
            source = s.source();
        }
        RaError::Unreachable(cause)
    } else {
        RaError::Dropped
    }
}

fn problem(response: &Response) -> RaError {
    let parsed: Option<Problem> = serde_json::from_slice(&response.body).ok();
    match parsed {
        Some(p) => RaError::Refused {
            status: response.status.as_u16(),
            code: p.code,
            detail: p.detail,
        },
        None => RaError::Refused {
            status: response.status.as_u16(),
            code: String::new(),
            detail: format!(
                "the registration authority refused with HTTP {}",
                response.status
            ),
        },
    }
}

impl qoltanba_l10n::Localize for RaError {
    /// One message per variant (`error-ra-…`). A refusal's words come from
    /// its problem code where the catalogs know it, else from the RA's own
    /// detail. (The stable code of the variant is
    /// `qoltanba_l10n::ErrorCode::code`; [`RaError::code`] is the RA's.)
    fn text(&self) -> qoltanba_l10n::Text {
        use qoltanba_l10n::Text;
        match self {
            Self::Unreachable(reason) => Text::new("error-ra-unreachable").arg("reason", reason),
            Self::Timeout => Text::new("error-ra-timeout"),
            Self::Dropped => Text::new("error-ra-dropped"),
            Self::Refused { code, detail, .. } => Text::new("error-ra-refused")
                .arg("problem", code)
                .arg("detail", detail),
            Self::ServerError(status) => Text::new("error-ra-server").arg("status", *status),
            Self::Protocol(detail) => Text::new("error-ra-protocol").arg("detail", detail),
            Self::BadTrustAnchor => Text::new("error-ra-bad-trust-anchor"),
        }
    }
}
