//! The senders' one HTTP client (reqwest, rustls with ring, HTTP/2 and
//! HTTP/1.1 by ALPN) and the SMS gateway. FCM, its OAuth token endpoint and
//! APNs use the same client, so they share its connection pool; APNs asks
//! for HTTP/2 on each request and is refused rather than downgraded when a
//! server offers only HTTP/1.1.

use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::ServerCertVerifier;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use serde_json::json;

use super::SendError;
use crate::config::SmsGatewayConfig;
use crate::notify::{NotifyError, redact};

/// Largest answer body read from a service; only a short reason is kept.
const MAX_ANSWER: usize = 64 * 1024;

/// The platform's verifier with `extra` roots besides its own. Where the
/// system has no CA certificates at all (a minimal container or chroot
/// without ca-certificates) and `ca_file` names some, those CAs alone are
/// the trust store, with a warning; without `ca_file` that is an error
/// saying what to install or set.
#[cfg(not(target_os = "android"))]
fn platform_verifier(
    extra: Vec<CertificateDer<'static>>,
    provider: Arc<rustls::crypto::CryptoProvider>,
) -> Result<Arc<dyn ServerCertVerifier>, String> {
    match rustls_platform_verifier::Verifier::new_with_extra_roots(extra.clone(), provider.clone())
    {
        Ok(verifier) => Ok(Arc::new(verifier)),
        Err(system) if !extra.is_empty() => {
            let roots = root_store(extra)
                .map_err(|e| format!("a certificate in it is not a usable CA ({e})"))?;
            let verifier =
                rustls::client::WebPkiServerVerifier::builder_with_provider(roots.into(), provider)
                    .build()
                    .map_err(|e| format!("the trust store cannot be built ({e})"))?;
            tracing::warn!(
                "the system's CA certificates cannot be read ({system}): the senders trust the CAs of [senders] ca_file alone"
            );
            Ok(verifier)
        }
        Err(e) => Err(format!(
            "the trust store cannot be built ({e}); install the system's CA certificates (Debian: ca-certificates) or name your CAs in ca_file"
        )),
    }
}

/// On Android (where the RA runs only embedded in the instrumented tests)
/// the platform's verifier takes no extra roots: a `ca_file` is refused.
#[cfg(target_os = "android")]
fn platform_verifier(
    extra: Vec<CertificateDer<'static>>,
    provider: Arc<rustls::crypto::CryptoProvider>,
) -> Result<Arc<dyn ServerCertVerifier>, String> {
    if !extra.is_empty() {
        return Err("extra CAs are not supported on Android; remove ca_file".into());
    }
    rustls_platform_verifier::Verifier::new(provider)
        .map(|verifier| Arc::new(verifier) as Arc<dyn ServerCertVerifier>)
        .map_err(|e| format!("the trust store cannot be built ({e})"))
}

/// The client every HTTP sender uses: the platform's roots plus the CAs in
/// `ca_file` (`[senders] ca_file`: a private relay or the tests' own CA),
/// no redirects (a redirected push or token request would carry its bearer
/// elsewhere), 10 s to connect and 30 s in all per request.
pub(crate) fn client(ca_file: Option<&str>) -> Result<reqwest::Client, NotifyError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let extra = match ca_file {
        Some(path) => read_roots(path).map_err(|why| NotifyError::Config {
            what: "ca_file",
            why,
        })?,
        None => Vec::new(),
    };
    let verifier =
        platform_verifier(extra, provider.clone()).map_err(|why| NotifyError::Config {
            what: "ca_file",
            why,
        })?;
    let mut tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| NotifyError::Config {
            what: "ca_file",
            why: format!("TLS cannot be set up ({e})"),
        })?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    // reqwest leaves ALPN to a preconfigured TLS: offer both, h2 first.
    tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(30))
        .pool_idle_timeout(Duration::from_secs(60))
        .http2_keep_alive_interval(Duration::from_secs(30))
        .build()
        .map_err(|e| NotifyError::Config {
            what: "ca_file",
            why: format!("the HTTP client cannot be built ({e})"),
        })
}

/// Every certificate in a PEM file; at least one.
pub(crate) fn read_roots(path: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let text = std::fs::read(path).map_err(|e| format!("{path} cannot be read ({e})"))?;
    let certs = CertificateDer::pem_slice_iter(&text)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{path} is not a PEM file of certificates ({e})"))?;
    if certs.is_empty() {
        return Err(format!(
            "{path} holds no certificate (-----BEGIN CERTIFICATE-----)"
        ));
    }
    Ok(certs)
}

/// A root store of exactly `certs` (from [`read_roots`]): the senders'
/// `ca_file` where the system has no roots, and `[database] ca_file`.
pub(crate) fn root_store(
    certs: Vec<CertificateDer<'static>>,
) -> Result<rustls::RootCertStore, rustls::Error> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in certs {
        roots.add(cert)?;
    }
    Ok(roots)
}

/// Which schemes a configured URL may use.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Schemes {
    /// APNs, FCM, the OAuth token endpoint: bearer tokens and device
    /// tokens travel in every request, so never in clear. The tests run
    /// their fakes over TLS with a test CA (`ca_file`), as production does.
    HttpsOnly,
    /// The SMS gateway may be a relay on the same host.
    HttpOrHttps,
}

/// Check that a configured URL has an allowed scheme and a host, and drop
/// a trailing slash.
pub(crate) fn base_url(
    what: &'static str,
    url: &str,
    schemes: Schemes,
) -> Result<String, NotifyError> {
    let url = url.trim().trim_end_matches('/');
    let rest = url.strip_prefix("https://").or_else(|| match schemes {
        Schemes::HttpOrHttps => url.strip_prefix("http://"),
        Schemes::HttpsOnly => None,
    });
    match rest {
        Some(host) if !host.is_empty() && !host.chars().any(char::is_whitespace) => {
            Ok(url.to_owned())
        }
        _ => Err(NotifyError::Config {
            what,
            why: match schemes {
                Schemes::HttpsOnly => format!("{url:?} is not an https:// URL (TLS is required)"),
                Schemes::HttpOrHttps => format!("{url:?} is not an http:// or https:// URL"),
            },
        }),
    }
}

/// An answer from a service: its status and (a bounded amount of) its body.
pub(crate) struct Answer {
    pub status: u16,
    pub body: String,
}

impl Answer {
    /// A short reason from a JSON body: `pick` finds it, at most 64 chars.
    pub fn reason(&self, pick: impl FnOnce(&serde_json::Value) -> Option<&str>) -> String {
        serde_json::from_str::<serde_json::Value>(&self.body)
            .ok()
            .as_ref()
            .and_then(pick)
            .map(|s| {
                s.chars()
                    .take(64)
                    .filter(|c| !c.is_control())
                    .collect::<String>()
            })
            .unwrap_or_default()
    }
}

/// Send a request and read the answer. `secrets` (bearer tokens, device
/// tokens, the message text) are scrubbed from any transport error, which
/// names its causes in one line but never the URL.
pub(crate) async fn send(
    sender: &'static str,
    request: reqwest::RequestBuilder,
    secrets: &[&str],
) -> Result<Answer, SendError> {
    let scrub = |e: reqwest::Error| {
        SendError::new(
            sender,
            redact::scrub(&error_chain(&e.without_url()), secrets),
        )
    };
    let mut response = request.send().await.map_err(scrub)?;
    let status = response.status().as_u16();
    let mut body = Vec::new();
    while body.len() < MAX_ANSWER {
        match response.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            Ok(None) | Err(_) => break,
        }
    }
    body.truncate(MAX_ANSWER);
    Ok(Answer {
        status,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

/// An error and its causes in one line: reqwest's own message names only
/// the outermost error, its causes say what failed (a refused connection,
/// an unknown issuer, HTTP/2 refused).
pub(crate) fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let line = cause.to_string();
        if !text.contains(&line) {
            text.push_str(": ");
            text.push_str(&line);
        }
        source = cause.source();
    }
    text.replace(['\n', '\r'], " ")
}

/// The SMS gateway: `POST url` with `{"to": "+7…", "text": "…"}`; any 2xx
/// answer means accepted. The answer body is never quoted in errors: a
/// gateway may echo the text, and the text may be a one-time code.
pub(crate) struct SmsGateway {
    client: reqwest::Client,
    url: String,
}

impl SmsGateway {
    pub fn new(config: &SmsGatewayConfig, client: reqwest::Client) -> Result<Self, NotifyError> {
        Ok(Self {
            client,
            url: base_url("sms.url", &config.url, Schemes::HttpOrHttps)?,
        })
    }

    pub async fn send(&self, to: &str, text: &str) -> Result<(), SendError> {
        const SENDER: &str = "SMS gateway";
        let request = self
            .client
            .post(&self.url)
            .json(&json!({ "to": to, "text": text }));
        let answer = send(SENDER, request, &[to, text]).await?;
        if (200..300).contains(&answer.status) {
            Ok(())
        } else {
            Err(SendError::new(
                SENDER,
                format!("it answered HTTP {}", answer.status),
            ))
        }
    }
}
