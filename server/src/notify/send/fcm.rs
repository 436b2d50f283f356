//! Firebase Cloud Messaging, HTTP v1 API, with the OAuth access token the
//! server mints itself from the project's service-account key (the JSON
//! file the Firebase console hands out: `client_email`, `private_key`,
//! `token_uri`).
//!
//! The token: an RS256 JWT assertion (iss = client_email, scope =
//! firebase.messaging, aud = token_uri, iat, exp = iat + 3600) POSTed as
//! `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer` to `token_uri`
//! (RFC 7523). The access token is cached until shortly before its
//! `expires_in`, and refreshed by one task at a time (an async lock held
//! across the refresh). A 401 from FCM refreshes it once and resends.
//! Answers: 200 delivered; 404 / UNREGISTERED (the device token is gone:
//! removed); anything else is due again on the scheduler's next run.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use serde::Deserialize;
use serde_json::{Value, json};
use zeroize::Zeroizing;

use super::http::{Answer, Schemes, base_url, send};
use super::{Push, SendError};
use crate::config::FcmConfig;
use crate::notify::{NotifyError, redact};

const SENDER: &str = "FCM";
const TOKEN_SENDER: &str = "OAuth token endpoint";
const SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";
const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// The assertion's lifetime (Google accepts at most an hour).
const ASSERTION_LIFETIME: u64 = 3600;

/// The fields of a service-account key file the sender uses.
#[derive(Deserialize)]
struct ServiceAccountFile {
    #[serde(rename = "type")]
    kind: Option<String>,
    client_email: String,
    private_key: String,
    private_key_id: Option<String>,
    token_uri: String,
}

/// An access token and when to stop using it.
struct AccessToken {
    token: Zeroizing<String>,
    renew_at: Instant,
}

pub(crate) struct Fcm {
    client: reqwest::Client,
    url: String,
    token_uri: String,
    client_email: String,
    key_id: Option<String>,
    key: RsaKeyPair,
    rng: SystemRandom,
    /// The cached access token; the lock is held across a refresh, so
    /// concurrent sends wait for one refresh instead of each minting one.
    token: tokio::sync::Mutex<Option<AccessToken>>,
}

impl Fcm {
    pub fn new(config: &FcmConfig, client: reqwest::Client) -> Result<Self, NotifyError> {
        let base = base_url("fcm.base_url", &config.base_url, Schemes::HttpsOnly)?;
        let project = config.project_id.trim();
        if project.is_empty()
            || !project
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(NotifyError::Config {
                what: "fcm.project_id",
                why: format!("{project:?} is not a Firebase project id"),
            });
        }
        let what = "fcm.service_account_file";
        let account = read_service_account(&config.service_account_file)
            .map_err(|why| NotifyError::Config { what, why })?;
        let token_uri = base_url(what, &account.token_uri, Schemes::HttpsOnly).map_err(|e| {
            NotifyError::Config {
                what,
                why: format!("its token_uri: {e}"),
            }
        })?;
        let private_key = Zeroizing::new(account.private_key);
        let key = read_rsa_key(&private_key).map_err(|why| NotifyError::Config {
            what,
            why: format!("{}: {why}", config.service_account_file),
        })?;
        Ok(Self {
            client,
            url: format!("{base}/v1/projects/{project}/messages:send"),
            token_uri,
            client_email: account.client_email,
            key_id: account.private_key_id,
            key,
            rng: SystemRandom::new(),
            token: tokio::sync::Mutex::new(None),
        })
    }

    /// The signed assertion that asks for an access token.
    fn assertion(&self) -> Result<Zeroizing<String>, SendError> {
        let iat = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let mut header = json!({"alg": "RS256", "typ": "JWT"});
        if let (Some(kid), Value::Object(map)) = (&self.key_id, &mut header) {
            map.insert("kid".to_owned(), Value::String(kid.clone()));
        }
        let claims = json!({
            "iss": self.client_email,
            "scope": SCOPE,
            "aud": self.token_uri,
            "iat": iat,
            "exp": iat + ASSERTION_LIFETIME,
        });
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let mut signature = vec![0; self.key.public().modulus_len()];
        self.key
            .sign(
                &RSA_PKCS1_SHA256,
                &self.rng,
                input.as_bytes(),
                &mut signature,
            )
            .map_err(|_| SendError::new(TOKEN_SENDER, "the assertion could not be signed"))?;
        Ok(Zeroizing::new(format!(
            "{input}.{}",
            URL_SAFE_NO_PAD.encode(signature)
        )))
    }

    /// The cached access token, or a fresh one when it is due for renewal
    /// (or `stale` is the one FCM just refused).
    async fn access_token(&self, stale: Option<&str>) -> Result<Zeroizing<String>, SendError> {
        let mut cached = self.token.lock().await;
        if let Some(t) = cached.as_ref()
            && Instant::now() < t.renew_at
            && stale != Some(t.token.as_str())
        {
            return Ok(t.token.clone());
        }
        *cached = None;
        let assertion = self.assertion()?;
        let form = Zeroizing::new(format!(
            "grant_type={}&assertion={}",
            GRANT_TYPE.replace(':', "%3A"),
            assertion.as_str()
        ));
        let request = self
            .client
            .post(&self.token_uri)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form.as_str().to_owned());
        let answer = send(TOKEN_SENDER, request, &[&assertion]).await?;
        let fresh = parse_token(&answer)?;
        let token = fresh.token.clone();
        *cached = Some(fresh);
        Ok(token)
    }

    /// Get an access token (the cached one if still valid).
    pub async fn check(&self) -> Result<(), SendError> {
        self.access_token(None).await.map(drop)
    }

    pub async fn send(&self, push: &Push<'_>) -> Result<(), SendError> {
        let mut message = json!({
            "token": push.token,
            "notification": { "title": push.title, "body": push.body },
        });
        if let (Some(data), Value::Object(map)) = (push.data, &mut message) {
            // FCM data values must be strings; fcm_data() holds only strings.
            map.insert("data".to_owned(), Value::Object(data.fcm_data()));
        }
        let body = json!({ "message": message });
        let mut bearer = self.access_token(None).await?;
        let mut answer = self.post(&body, &bearer, push).await?;
        if answer.status == 401 {
            // Revoked or expired early: one fresh token, one more try.
            bearer = self.access_token(Some(bearer.as_str())).await?;
            answer = self.post(&body, &bearer, push).await?;
        }
        if answer.status == 200 {
            return Ok(());
        }
        // {"error": {"code": 404, "status": "NOT_FOUND", "details": [{"errorCode": "UNREGISTERED"}]}}
        let reason = answer.reason(|v| {
            let error = v.get("error")?;
            let code = error
                .get("details")
                .and_then(|d| d.as_array())
                .and_then(|d| d.iter().find_map(|x| x.get("errorCode")?.as_str()));
            code.or_else(|| error.get("status")?.as_str())
        });
        let why = format!(
            "it answered HTTP {} {reason} for device {}",
            answer.status,
            redact::token(push.token)
        )
        .replace("  ", " ");
        if answer.status == 404 || reason == "UNREGISTERED" {
            return Err(SendError::device_gone(SENDER, why));
        }
        Err(SendError::new(SENDER, why))
    }

    async fn post(&self, body: &Value, bearer: &str, push: &Push<'_>) -> Result<Answer, SendError> {
        let request = self.client.post(&self.url).bearer_auth(bearer).json(body);
        send(SENDER, request, &[bearer, push.token]).await
    }
}

/// `{"access_token": "…", "expires_in": 3599, "token_type": "Bearer"}`,
/// renewed 5 minutes before its end (or halfway, for short-lived ones).
fn parse_token(answer: &Answer) -> Result<AccessToken, SendError> {
    if answer.status != 200 {
        // {"error": "invalid_grant", "error_description": "…"}: the code only.
        let reason = answer.reason(|v| v.get("error")?.as_str());
        return Err(SendError::new(
            TOKEN_SENDER,
            format!(
                "it answered HTTP {} {reason}; check the service-account key and that it may send FCM messages",
                answer.status
            )
            .replace("  ", " "),
        ));
    }
    #[derive(Deserialize)]
    struct Granted {
        access_token: String,
        expires_in: u64,
    }
    let granted: Granted = serde_json::from_str(&answer.body).map_err(|_| {
        SendError::new(
            TOKEN_SENDER,
            "its answer has no access_token and expires_in",
        )
    })?;
    let token = Zeroizing::new(granted.access_token);
    if token.is_empty() || token.chars().any(|c| c.is_control() || c == ' ') {
        return Err(SendError::new(
            TOKEN_SENDER,
            "its access_token is empty or not one word",
        ));
    }
    let margin = (granted.expires_in / 2).min(300);
    Ok(AccessToken {
        token,
        renew_at: Instant::now() + Duration::from_secs(granted.expires_in - margin),
    })
}

/// The service-account key file; the message never quotes the key.
fn read_service_account(path: &str) -> Result<ServiceAccountFile, String> {
    let text = Zeroizing::new(
        std::fs::read_to_string(path).map_err(|e| format!("{path} cannot be read ({e})"))?,
    );
    let account: ServiceAccountFile = serde_json::from_str(&text).map_err(|e| {
        // serde's message names a line and column, never the value.
        format!(
            "{path} is not a service-account key file (JSON with client_email, private_key, token_uri): {e}"
        )
    })?;
    if let Some(kind) = &account.kind
        && kind != "service_account"
    {
        return Err(format!(
            "{path} is a {kind:?} file, not a service_account key; download a key of the service account from the Firebase console"
        ));
    }
    if account.client_email.trim().is_empty() || !account.client_email.contains('@') {
        return Err(format!("{path} has no client_email"));
    }
    Ok(account)
}

/// The RSA private key from a PKCS#8 PEM (as in Google's key files).
fn read_rsa_key(pem: &str) -> Result<RsaKeyPair, String> {
    let (begin, end) = ("-----BEGIN PRIVATE KEY-----", "-----END PRIVATE KEY-----");
    let body = pem
        .split_once(begin)
        .and_then(|(_, rest)| rest.split_once(end))
        .map(|(b64, _)| b64)
        .ok_or_else(|| format!("its private_key is not a PKCS#8 PEM key ({begin} … {end})"))?;
    let der = Zeroizing::new(
        STANDARD
            .decode(body.split_whitespace().collect::<String>())
            .map_err(|_| "its private_key has a damaged PEM body (not base64)".to_owned())?,
    );
    RsaKeyPair::from_pkcs8(&der)
        .map_err(|e| format!("its private_key is not an RSA key of 2048 bits or more ({e})"))
}
