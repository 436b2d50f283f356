//! Apple Push Notification service with token-based (JWT) authentication.
//!
//! The provider token is an ES256 JWT `{alg, kid}.{iss, iat}` signed with
//! the team's P-256 key (the `.p8` file Apple hands out, PKCS#8 PEM). Apple
//! refuses tokens older than an hour and throttles ones renewed more often
//! than every 20 minutes, so one token is cached and renewed after 40.
//!
//! Apple's gateways speak HTTP/2 only: every request asks for HTTP/2 and a
//! server that negotiates HTTP/1.1 is refused, not spoken to. Answers:
//! 200 delivered; 410 Unregistered (the app is gone from the device: the
//! token is removed); 403 ExpiredProviderToken (signed afresh next time,
//! once the token is 20 minutes old);
//! 429 and 5xx (the notice is due again on the scheduler's next run).

use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use qoltanba_pki::protocol::push::KEY as PAYLOAD_KEY;
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
use serde_json::{Value, json};

use super::http::{Schemes, base_url, send};
use super::{Push, SendError};
use crate::config::ApnsConfig;
use crate::notify::{NotifyError, redact};

const SENDER: &str = "APNs";

/// Renew the provider token after this many seconds (Apple: 20 to 60 min).
const TOKEN_LIFETIME: u64 = 40 * 60;

/// Apple answers TooManyProviderTokenUpdates to tokens renewed more often.
const MIN_TOKEN_AGE: u64 = 20 * 60;

/// `apns-expiration`: how long Apple stores a notice for a phone that is off.
const EXPIRATION: u64 = 24 * 60 * 60;

pub(crate) struct Apns {
    client: reqwest::Client,
    base: String,
    topic: String,
    team_id: String,
    key_id: String,
    key: EcdsaKeyPair,
    rng: SystemRandom,
    /// The cached provider token and its `iat`.
    jwt: Mutex<Option<(u64, String)>>,
}

impl Apns {
    pub fn new(config: &ApnsConfig, client: reqwest::Client) -> Result<Self, NotifyError> {
        let base = base_url("apns.base_url", &config.base_url, Schemes::HttpsOnly)?;
        for (what, value) in [
            ("apns.team_id", &config.team_id),
            ("apns.key_id", &config.key_id),
        ] {
            if value.is_empty() || !value.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(NotifyError::Config {
                    what,
                    why: format!("{value:?} is not an Apple identifier (letters and digits)"),
                });
            }
        }
        let topic = config.topic.trim();
        if topic.is_empty() || topic.chars().any(|c| c.is_control() || c == ' ') {
            return Err(NotifyError::Config {
                what: "apns.topic",
                why: format!("{topic:?} is not a bundle id such as kz.qoltanba.app"),
            });
        }
        let rng = SystemRandom::new();
        let key = read_key(&config.key_file, &rng).map_err(|why| NotifyError::Config {
            what: "apns.key_file",
            why,
        })?;
        Ok(Self {
            client,
            base,
            topic: topic.to_owned(),
            team_id: config.team_id.clone(),
            key_id: config.key_id.clone(),
            key,
            rng,
            jwt: Mutex::new(None),
        })
    }

    /// The current provider token, signing a new one when the cached one is
    /// due for renewal.
    fn provider_token(&self) -> Result<String, SendError> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let mut cached = self.jwt.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((iat, token)) = cached.as_ref()
            && now.saturating_sub(*iat) < TOKEN_LIFETIME
            && *iat <= now
        {
            return Ok(token.clone());
        }
        let header =
            URL_SAFE_NO_PAD.encode(json!({"alg": "ES256", "kid": self.key_id}).to_string());
        let claims = URL_SAFE_NO_PAD.encode(json!({"iss": self.team_id, "iat": now}).to_string());
        let input = format!("{header}.{claims}");
        let signature = self
            .key
            .sign(&self.rng, input.as_bytes())
            .map_err(|_| SendError::new(SENDER, "the provider token could not be signed"))?;
        let token = format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.as_ref()));
        *cached = Some((now, token.clone()));
        Ok(token)
    }

    /// Drop the cached token so the next send signs a new one, unless it
    /// is younger than Apple allows renewing (a token refused that young
    /// means the clocks disagree; a new one would be refused as well).
    fn forget_token(&self, now: u64) {
        let mut cached = self.jwt.lock().unwrap_or_else(|e| e.into_inner());
        if cached
            .as_ref()
            .is_some_and(|(iat, _)| now.saturating_sub(*iat) >= MIN_TOKEN_AGE)
        {
            *cached = None;
        } else {
            tracing::warn!(
                "APNs refused a provider token younger than 20 minutes as expired; check the server's clock"
            );
        }
    }

    /// Sign (or reuse) the provider token.
    pub fn check(&self) -> Result<(), SendError> {
        self.provider_token().map(drop)
    }

    pub async fn send(&self, push: &Push<'_>) -> Result<(), SendError> {
        // Device tokens are hex; anything else must not reach the URL path.
        if push.token.is_empty()
            || push.token.len() > 200
            || !push.token.chars().all(|c| c.is_ascii_hexdigit())
        {
            return Err(SendError::new(
                SENDER,
                format!("device token {} is not hex", redact::token(push.token)),
            ));
        }
        let jwt = self.provider_token()?;
        let mut body = json!({
            "aps": {
                "alert": { "title": push.title, "body": push.body },
                "sound": "default",
            }
        });
        if let (Some(data), Value::Object(map)) = (push.data, &mut body) {
            // Beside `aps`, where Apple leaves custom keys to the app.
            map.insert(PAYLOAD_KEY.to_owned(), data.apns_value());
        }
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let mut request = self
            .client
            .post(format!("{}/3/device/{}", self.base, push.token))
            // HTTP/2 or nothing: hyper refuses the request on an HTTP/1.1
            // connection instead of downgrading it.
            .version(reqwest::Version::HTTP_2)
            .header("authorization", format!("bearer {jwt}"))
            .header("apns-topic", &self.topic)
            .header("apns-push-type", "alert")
            .header("apns-priority", "10")
            // Apple keeps an undelivered notice (phone off) for a day.
            .header("apns-expiration", (now + EXPIRATION).to_string())
            .json(&body);
        if let Some(data) = push.data {
            // A newer notice about the same certificate replaces the older
            // one on the lock screen (at most 64 bytes; serials are short hex).
            request = request.header("apns-collapse-id", format!("expiry-{}", data.serial()));
        }
        let answer = send(SENDER, request, &[&jwt, push.token])
            .await
            .map_err(|e| {
                if e.why.contains("UserUnsupportedVersion") {
                    // hyper's name for "the connection is HTTP/1.1".
                    SendError::new(
                        SENDER,
                        "the server does not speak HTTP/2 (it chose HTTP/1.1 in the TLS handshake), which APNs requires; check apns.base_url",
                    )
                } else {
                    e
                }
            })?;
        if answer.status == 200 {
            return Ok(());
        }
        // {"reason": "BadDeviceToken"}
        let reason = answer.reason(|v| v.get("reason")?.as_str());
        if answer.status == 403 && reason == "ExpiredProviderToken" {
            // Sign afresh next time (the clocks disagree).
            self.forget_token(now);
        }
        let why = format!(
            "it answered HTTP {} {reason} for device {}",
            answer.status,
            redact::token(push.token)
        )
        .replace("  ", " ");
        if answer.status == 410 {
            // Unregistered: the app was removed or the token expired.
            return Err(SendError::device_gone(SENDER, why));
        }
        Err(SendError::new(SENDER, why))
    }
}

/// Read the provider key: a PKCS#8 PEM holding a P-256 key with its public
/// key (as Apple's `.p8` files do). The message never quotes the file.
fn read_key(path: &str, rng: &SystemRandom) -> Result<EcdsaKeyPair, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path} cannot be read ({e})"))?;
    let (begin, end) = ("-----BEGIN PRIVATE KEY-----", "-----END PRIVATE KEY-----");
    let body = text
        .split_once(begin)
        .and_then(|(_, rest)| rest.split_once(end))
        .map(|(b64, _)| b64)
        .ok_or_else(|| format!("{path} is not a PKCS#8 PEM file ({begin} … {end})"))?;
    let der = STANDARD
        .decode(body.split_whitespace().collect::<String>())
        .map_err(|_| format!("{path} has a damaged PEM body (not base64)"))?;
    EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &der, rng).map_err(|e| {
        format!("{path} is not a P-256 PKCS#8 key with its public key ({e}); use the .p8 key Apple issued")
    })
}
