//! The time-stamp authority client: one RFC 3161 request over HTTP POST
//! (`application/timestamp-query`, RFC 3161 3.4) for a CAdES-T signature.
//! Building the request and checking the answer are qoltanba-pki's
//! (`qoltanba_pki::tsp`); this is only the transport, with a timeout and
//! typed errors. The answer is signed by the TSA, so plain `http://` (as
//! NCA's own `http://tsp.pki.gov.kz` is) loses nothing; `https://` works
//! with the root given in [`TimestampAuthority::with_root`].

use std::time::Duration;

use qoltanba_pki::tsp::{StampedTime, TimestampError, add_signature_timestamp, timestamp_request};

/// The largest answer read from a TSA: a token with a certificate chain is
/// a few kilobytes.
const MAX_RESPONSE: usize = 1 << 20;

/// Why a time-stamp could not be obtained.
#[derive(Debug, thiserror::Error)]
pub enum TsaError {
    #[error("the time-stamp authority address {0} is not an http(s) URL; configure a TSA URL")]
    BadUrl(String),
    #[error(
        "the time-stamp authority cannot be reached ({0}); check the connection and the TSA address"
    )]
    Unreachable(String),
    #[error("the time-stamp authority did not answer in time; try again")]
    Timeout,
    #[error("the time-stamp authority answered HTTP {0}; check the TSA address or try again later")]
    Http(u16),
    #[error(
        "the time-stamp authority answered with content type {0}, not application/timestamp-reply; check the TSA address"
    )]
    ContentType(String),
    #[error("the time-stamp authority's answer is larger than 1 MiB; check the TSA address")]
    TooLarge,
    #[error("the time-stamp authority's root certificate is not a valid DER certificate")]
    BadRoot,
    #[error(transparent)]
    Timestamp(#[from] TimestampError),
}

impl qoltanba_l10n::Localize for TsaError {
    /// `error-tsa-…`, or the time-stamp's own words.
    fn text(&self) -> qoltanba_l10n::Text {
        use qoltanba_l10n::Text;
        match self {
            Self::BadUrl(url) => Text::new("error-tsa-bad-url").arg("url", url.as_str()),
            Self::Unreachable(cause) => {
                Text::new("error-tsa-unreachable").arg("cause", cause.as_str())
            }
            Self::Timeout => Text::new("error-tsa-timeout"),
            Self::Http(status) => Text::new("error-tsa-http").arg("status", status.to_string()),
            Self::ContentType(ct) => {
                Text::new("error-tsa-content-type").arg("content_type", ct.as_str())
            }
            Self::TooLarge => Text::new("error-tsa-too-large"),
            Self::BadRoot => Text::new("error-tsa-bad-root"),
            Self::Timestamp(e) => e.text(),
        }
    }
}

/// A configured RFC 3161 time-stamp authority.
#[derive(Debug, Clone)]
pub struct TimestampAuthority {
    pub url: String,
    /// For the whole exchange (connect, send, answer).
    pub timeout: Duration,
    /// The root (DER) an `https://` TSA's TLS certificate must chain to.
    root_der: Option<Vec<u8>>,
}

impl TimestampAuthority {
    /// The TSA at `url` (`http://` or `https://`), 20 s timeout.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            timeout: Duration::from_secs(20),
            root_der: None,
        }
    }

    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Trust `root_der` for an `https://` TSA's TLS certificate.
    pub fn with_root(mut self, root_der: Vec<u8>) -> Self {
        self.root_der = Some(root_der);
        self
    }

    /// Time-stamp the signature of `signed_cms` (CAdES-BES or CMS, one
    /// signer): the CMS with the checked token added as its
    /// signatureTimeStampToken (CAdES-T), and the time the token states.
    pub async fn timestamp(&self, signed_cms: &[u8]) -> Result<(Vec<u8>, StampedTime), TsaError> {
        let request = timestamp_request(signed_cms)?;
        let response = self.post(request.der()).await?;
        Ok(add_signature_timestamp(signed_cms, &request, &response)?)
    }

    /// [`TimestampAuthority::timestamp`] for synchronous callers (the
    /// signing flows, which already block on the citizen): runs the
    /// request on a thread of its own with its own small runtime, so it
    /// works inside or outside an async runtime. Blocks up to the timeout.
    pub fn timestamp_blocking(
        &self,
        signed_cms: &[u8],
    ) -> Result<(Vec<u8>, StampedTime), TsaError> {
        std::thread::scope(|scope| {
            scope
                .spawn(|| {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .map_err(|e| TsaError::Unreachable(e.to_string()))?;
                    runtime.block_on(self.timestamp(signed_cms))
                })
                .join()
                .unwrap_or_else(|_| Err(TsaError::Unreachable("the request thread failed".into())))
        })
    }

    async fn post(&self, body: &[u8]) -> Result<Vec<u8>, TsaError> {
        let url = reqwest::Url::parse(&self.url).map_err(|_| TsaError::BadUrl(self.url.clone()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(TsaError::BadUrl(self.url.clone()));
        }
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        if let Some(root) = &self.root_der {
            roots
                .add(rustls_pki_types::CertificateDer::from(root.clone()))
                .map_err(|_| TsaError::BadRoot)?;
        }
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|_| TsaError::BadRoot)?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let http = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .timeout(self.timeout)
            .connect_timeout(self.timeout)
            .build()
            .map_err(|e| TsaError::Unreachable(e.to_string()))?;
        let mut response = http
            .post(url)
            .header("content-type", "application/timestamp-query")
            .body(body.to_vec())
            .send()
            .await
            .map_err(network_error)?;
        if !response.status().is_success() {
            return Err(TsaError::Http(response.status().as_u16()));
        }
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let essence = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        // RFC 3161 3.4 names timestamp-reply; some TSAs still send the
        // draft's timestamp-response.
        if essence != "application/timestamp-reply" && essence != "application/timestamp-response" {
            return Err(TsaError::ContentType(content_type));
        }
        let mut answer = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(network_error)? {
            if answer.len() + chunk.len() > MAX_RESPONSE {
                return Err(TsaError::TooLarge);
            }
            answer.extend_from_slice(&chunk);
        }
        Ok(answer)
    }
}

fn network_error(e: reqwest::Error) -> TsaError {
    if e.is_timeout() {
        return TsaError::Timeout;
    }
    // The innermost cause names it (refused, unreachable, TLS).
    let mut cause = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        cause = s.to_string();
        source = s.source();
    }
    TsaError::Unreachable(cause)
}
