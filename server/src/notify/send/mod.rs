//! The senders, one per kind of message, chosen by `[senders]` in
//! config.toml. A channel without a configured service goes to the outbox
//! (a table plus a log line), so a fresh server works without any external
//! service and `qoltanba-ra outbox` shows what it would have sent.
//!
//! Senders are enums rather than trait objects: the set is closed, each is
//! built and checked once from the configuration (a broken key file stops
//! the server at start, not at the first expiring certificate), and tests
//! plug in real local peers through the same configuration the operator uses.

mod apns;
mod fcm;
pub(crate) mod http;
mod outbox;
mod smtp;

use std::sync::Arc;

use qoltanba_pki::protocol::push::ExpiryPush;

use crate::config;
use crate::db::Db;

use super::NotifyError;
use super::plan::Channel;
use super::redact;

/// Why one message did not go out. `why` is safe to log: it never holds the
/// message text, a bearer token or a full device token.
#[derive(Debug, Clone)]
pub(crate) struct SendError {
    pub sender: &'static str,
    pub why: String,
    /// The service said the device token is no longer valid (APNs 410
    /// Unregistered, FCM UNREGISTERED): the device is removed.
    pub device_gone: bool,
}

impl SendError {
    pub fn new(sender: &'static str, why: impl Into<String>) -> Self {
        Self {
            sender,
            why: why.into(),
            device_gone: false,
        }
    }

    pub fn device_gone(sender: &'static str, why: impl Into<String>) -> Self {
        Self {
            device_gone: true,
            ..Self::new(sender, why)
        }
    }
}

impl From<SendError> for NotifyError {
    fn from(e: SendError) -> Self {
        NotifyError::Send {
            sender: e.sender,
            why: e.why,
        }
    }
}

/// One push notification for one device.
#[derive(Debug, Clone)]
pub(crate) struct Push<'a> {
    pub token: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    /// The facts for the app (docs/protocol.md, "Push payload"), so it
    /// acts without reading the human text; `None` only when the
    /// certificate's row cannot be expressed in the payload.
    pub data: Option<&'a ExpiryPush>,
}

enum EmailSender {
    Smtp(Box<smtp::SmtpSender>),
    Outbox,
}

enum SmsSender {
    Gateway(http::SmsGateway),
    Outbox,
}

/// Every sender the server uses, built once from the configuration and
/// shared by the scheduler and the API (for one-time codes). Cloning is
/// cheap and shares everything: the HTTP connection pool, the cached APNs
/// provider token and the scheduler's run lock.
#[derive(Clone)]
pub struct Senders {
    inner: Arc<Inner>,
}

struct Inner {
    email: EmailSender,
    sms: SmsSender,
    fcm: Option<fcm::Fcm>,
    apns: Option<apns::Apns>,
    /// One scheduler run at a time per process: two overlapping runs would
    /// both see a notice as due and send it twice.
    run_lock: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Senders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Names only: no relay addresses, no key material.
        f.debug_struct("Senders")
            .field("email", &self.describe(Channel::Email))
            .field("sms", &self.describe(Channel::Sms))
            .field("push", &self.describe(Channel::Push))
            .finish()
    }
}

impl Senders {
    /// Held for the whole of a scheduler run.
    pub(crate) async fn lock_run(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.inner.run_lock.lock().await
    }

    /// Build and check every configured sender: addresses parse, URLs are
    /// https (the SMS gateway may be http), the CA and key files read, the
    /// FCM service-account key is an RSA key, the APNs key is a P-256
    /// PKCS#8 key, the SMTP password file reads, and the
    /// database the outbox sender writes to has its table. (Each operation
    /// then writes the outbox through the database handle it is given.)
    pub fn from_config(config: &config::Senders, db: Db) -> Result<Senders, NotifyError> {
        db.conn()
            .prepare("SELECT id, channel, recipient, subject, body, created_at FROM outbox")
            .map(drop)
            .map_err(NotifyError::db("checking the outbox table"))?;
        // The HTTP client only when an HTTP sender needs it: building it
        // reads the system's roots, which a machine without any (a
        // minimal chroot or container running the embedded RA) lacks.
        let mut client: Option<reqwest::Client> = None;
        let mut http_client = || -> Result<reqwest::Client, NotifyError> {
            if let Some(c) = &client {
                return Ok(c.clone());
            }
            let c = http::client(config.ca_file.as_deref())?;
            client = Some(c.clone());
            Ok(c)
        };
        let email = match &config.email {
            Some(c) => EmailSender::Smtp(Box::new(smtp::SmtpSender::new(c)?)),
            None => EmailSender::Outbox,
        };
        let sms = match &config.sms {
            Some(c) => SmsSender::Gateway(http::SmsGateway::new(c, http_client()?)?),
            None => SmsSender::Outbox,
        };
        let fcm = match &config.fcm {
            Some(c) => Some(fcm::Fcm::new(c, http_client()?)?),
            None => None,
        };
        let apns = match &config.apns {
            Some(c) => Some(apns::Apns::new(c, http_client()?)?),
            None => None,
        };
        Ok(Senders {
            inner: Arc::new(Inner {
                email,
                sms,
                fcm,
                apns,
                run_lock: tokio::sync::Mutex::new(()),
            }),
        })
    }

    /// Where a channel's messages go, for the start-up log line.
    pub fn describe(&self, channel: Channel) -> &'static str {
        match channel {
            Channel::Email => match self.inner.email {
                EmailSender::Smtp(_) => "smtp",
                EmailSender::Outbox => "outbox",
            },
            Channel::Sms => match self.inner.sms {
                SmsSender::Gateway(_) => "sms-gateway",
                SmsSender::Outbox => "outbox",
            },
            Channel::Push => match (&self.inner.fcm, &self.inner.apns) {
                (Some(_), Some(_)) => "fcm+apns",
                (Some(_), None) => "fcm+outbox",
                (None, Some(_)) => "outbox+apns",
                (None, None) => "outbox",
            },
        }
    }

    /// Check every configured service without sending a message: SMTP
    /// connects, starts TLS and logs in; FCM's token endpoint grants an
    /// access token for the service-account key; APNs' provider token is
    /// signed (Apple offers no call that checks it without a device). One
    /// line per channel: what was checked, or the one-line error.
    /// `qoltanba-ra check-senders` prints them.
    pub async fn check(&self) -> Vec<(&'static str, Result<&'static str, NotifyError>)> {
        let mut checked = Vec::new();
        checked.push((
            "email",
            match self.check_email().await {
                Ok(true) => Ok("the SMTP relay accepted the connection, TLS and the login"),
                Ok(false) => Ok("no SMTP relay configured: messages go to the outbox"),
                Err(e) => Err(e),
            },
        ));
        checked.push((
            "sms",
            Ok(match self.inner.sms {
                SmsSender::Gateway(_) => {
                    "the SMS gateway is configured (not called: it would send a message)"
                }
                SmsSender::Outbox => "no SMS gateway configured: messages go to the outbox",
            }),
        ));
        checked.push((
            "fcm",
            match &self.inner.fcm {
                Some(fcm) => fcm
                    .check()
                    .await
                    .map(|()| "the OAuth token endpoint granted an access token")
                    .map_err(Into::into),
                None => Ok("not configured: Android pushes go to the outbox"),
            },
        ));
        checked.push((
            "apns",
            match &self.inner.apns {
                Some(apns) => apns
                    .check()
                    .map(|()| "the provider token was signed with the key")
                    .map_err(Into::into),
                None => Ok("not configured: iOS pushes go to the outbox"),
            },
        ));
        checked
    }

    /// Connect to the SMTP relay, start TLS and log in, without sending
    /// anything: the operator's check of `[senders.email]`. `Ok(false)`
    /// when e-mail goes to the outbox (nothing to check).
    pub async fn check_email(&self) -> Result<bool, NotifyError> {
        match &self.inner.email {
            EmailSender::Smtp(s) => s.check().await.map(|()| true).map_err(Into::into),
            EmailSender::Outbox => Ok(false),
        }
    }

    pub(crate) async fn email(
        &self,
        db: &Db,
        to: &str,
        subject: &str,
        body: &str,
        at: i64,
    ) -> Result<(), SendError> {
        match &self.inner.email {
            EmailSender::Smtp(s) => s.send(to, subject, body).await,
            EmailSender::Outbox => {
                outbox::record(db, Channel::Email, to, Some(subject), body, at).map(|_| ())
            }
        }
    }

    pub(crate) async fn sms(
        &self,
        db: &Db,
        to: &str,
        text: &str,
        at: i64,
    ) -> Result<(), SendError> {
        match &self.inner.sms {
            SmsSender::Gateway(g) => g.send(to, text).await,
            SmsSender::Outbox => outbox::record(db, Channel::Sms, to, None, text, at).map(|_| ()),
        }
    }

    /// A push to one device; `platform` is `android` (FCM) or `ios` (APNs).
    pub(crate) async fn push(
        &self,
        db: &Db,
        platform: &str,
        push: &Push<'_>,
        at: i64,
    ) -> Result<(), SendError> {
        let sent = match (platform, &self.inner.fcm, &self.inner.apns) {
            ("android", Some(fcm), _) => fcm.send(push).await,
            ("ios", _, Some(apns)) => apns.send(push).await,
            ("android" | "ios", _, _) => outbox::record(
                db,
                Channel::Push,
                &format!("{platform}:{}", push.token),
                Some(push.title),
                push.body,
                at,
            )
            .map(|_| ()),
            _ => Err(SendError::new(
                "push",
                format!(
                    "unknown device platform {:?} (token {})",
                    platform.chars().take(16).collect::<String>(),
                    redact::token(push.token)
                ),
            )),
        };
        if let Err(e) = &sent
            && e.device_gone
        {
            forget_device(db, platform, push.token);
        }
        sent
    }
}

/// Remove a device whose token the push service declared gone, so no
/// later notice goes to it; the app registers afresh when it runs again.
/// A failure here only logs: the next notice tries (and fails) again.
fn forget_device(db: &Db, platform: &str, token: &str) {
    let removed = db.conn().execute(
        "DELETE FROM devices WHERE platform = ?1 AND token = ?2",
        crate::db::params![platform, token],
    );
    match removed {
        Ok(n) => tracing::info!(
            platform,
            device = %redact::token(token),
            removed = n,
            "device token unregistered by the push service; removed"
        ),
        Err(e) => tracing::warn!(
            platform,
            device = %redact::token(token),
            error = %e,
            "device token unregistered by the push service; removing it failed"
        ),
    }
}
