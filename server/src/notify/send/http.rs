//! The HTTP senders: the SMS gateway and FCM HTTP v1 (APNs, which also signs
//! a JWT, lives in its own module). ureq is blocking, so every request runs
//! on tokio's blocking pool; plain `http://` URLs work, which is how the
//! tests reach their fakes on loopback.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};

use super::{Push, SendError};
use crate::config::{FcmConfig, SmsGatewayConfig};
use crate::notify::{NotifyError, redact};

/// Largest answer body read from a service; only a short reason is kept.
const MAX_ANSWER: u64 = 64 * 1024;

/// One agent for all HTTP senders: status codes are answers to read, not
/// errors, and a stuck service cannot hold a run for more than 30 s.
pub(crate) fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// Check that a configured URL is http(s) and drop a trailing slash.
pub(crate) fn base_url(what: &'static str, url: &str) -> Result<String, NotifyError> {
    let url = url.trim().trim_end_matches('/');
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() => Ok(url.to_owned()),
        _ => Err(NotifyError::Config {
            what,
            why: format!("{url:?} is not an http:// or https:// URL"),
        }),
    }
}

/// An answer from a service: its status and (a bounded amount of) its body.
pub(crate) struct Answer {
    pub status: u16,
    pub body: String,
}

/// POST `body` as JSON with extra headers, on the blocking pool. `secrets`
/// are scrubbed from any transport error (ureq may quote the URL, and a
/// device token is part of the APNs path).
pub(crate) async fn post_json(
    sender: &'static str,
    agent: &ureq::Agent,
    url: String,
    headers: Vec<(&'static str, String)>,
    body: Value,
    secrets: Vec<String>,
) -> Result<Answer, SendError> {
    let agent = agent.clone();
    let task = tokio::task::spawn_blocking(move || {
        let mut request = agent.post(&url);
        for (name, value) in &headers {
            request = request.header(*name, value);
        }
        let scrub = |e: ureq::Error| {
            let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
            SendError::new(sender, redact::scrub(&e.to_string(), &secrets))
        };
        let mut response = request.send_json(&body).map_err(scrub)?;
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_ANSWER)
            .read_to_string()
            .unwrap_or_default();
        Ok(Answer { status, body })
    });
    task.await
        .map_err(|e| SendError::new(sender, format!("the sending task failed: {e}")))?
}

/// The SMS gateway: `POST url` with `{"to": "+7…", "text": "…"}`; any 2xx
/// answer means accepted. The answer body is never quoted in errors: a
/// gateway may echo the text, and the text may be a one-time code.
pub(crate) struct SmsGateway {
    agent: ureq::Agent,
    url: String,
}

impl SmsGateway {
    pub fn new(config: &SmsGatewayConfig, agent: ureq::Agent) -> Result<Self, NotifyError> {
        Ok(Self {
            agent,
            url: base_url("sms.url", &config.url)?,
        })
    }

    pub async fn send(&self, to: &str, text: &str) -> Result<(), SendError> {
        const SENDER: &str = "SMS gateway";
        let answer = post_json(
            SENDER,
            &self.agent,
            self.url.clone(),
            Vec::new(),
            json!({ "to": to, "text": text }),
            vec![to.to_owned(), text.to_owned()],
        )
        .await?;
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

/// Firebase Cloud Messaging, HTTP v1 API. The OAuth access token is read
/// from `token_file` for every message: such tokens live an hour, and the
/// operator's refresher (e.g. a gcloud timer) rewrites the file.
pub(crate) struct Fcm {
    agent: ureq::Agent,
    url: String,
    token_file: PathBuf,
}

impl Fcm {
    pub fn new(config: &FcmConfig, agent: ureq::Agent) -> Result<Self, NotifyError> {
        let base = base_url("fcm.base_url", &config.base_url)?;
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
        let fcm = Self {
            agent,
            url: format!("{base}/v1/projects/{project}/messages:send"),
            token_file: PathBuf::from(&config.token_file),
        };
        read_token(&fcm.token_file).map_err(|why| NotifyError::Config {
            what: "fcm.token_file",
            why,
        })?;
        Ok(fcm)
    }

    pub async fn send(&self, push: &Push<'_>) -> Result<(), SendError> {
        const SENDER: &str = "FCM";
        let path = self.token_file.clone();
        let bearer = tokio::task::spawn_blocking(move || read_token(&path))
            .await
            .map_err(|e| SendError::new(SENDER, format!("the sending task failed: {e}")))?
            .map_err(|why| SendError::new(SENDER, why))?;
        let mut message = json!({
            "token": push.token,
            "notification": { "title": push.title, "body": push.body },
        });
        if let (Some(data), Value::Object(map)) = (push.data, &mut message) {
            // FCM data values must be strings; fcm_data() holds only strings.
            map.insert("data".to_owned(), Value::Object(data.fcm_data()));
        }
        let body = json!({ "message": message });
        let answer = post_json(
            SENDER,
            &self.agent,
            self.url.clone(),
            vec![("authorization", format!("Bearer {bearer}"))],
            body,
            vec![bearer.clone(), push.token.to_owned()],
        )
        .await?;
        if answer.status == 200 {
            return Ok(());
        }
        // {"error": {"code": 404, "status": "NOT_FOUND", "details": [{"errorCode": "UNREGISTERED"}]}}
        let reason = serde_json::from_str::<Value>(&answer.body)
            .ok()
            .and_then(|v| {
                let error = v.get("error")?;
                let code = error
                    .get("details")
                    .and_then(|d| d.as_array())
                    .and_then(|d| d.iter().find_map(|x| x.get("errorCode")?.as_str()));
                code.or_else(|| error.get("status")?.as_str())
                    .map(|s| s.chars().take(64).collect::<String>())
            })
            .unwrap_or_default();
        Err(SendError::new(
            SENDER,
            format!(
                "it answered HTTP {} {reason} for device {}",
                answer.status,
                redact::token(push.token)
            )
            .replace("  ", " "),
        ))
    }
}

/// The bearer token in a file, trimmed; the message never quotes it.
fn read_token(path: &std::path::Path) -> Result<String, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{} cannot be read ({e})", path.display()))?;
    let token = text.trim();
    if token.is_empty() || token.chars().any(|c| c.is_control() || c == ' ') {
        return Err(format!(
            "{} must hold one OAuth access token on one line",
            path.display()
        ));
    }
    Ok(token.to_owned())
}
