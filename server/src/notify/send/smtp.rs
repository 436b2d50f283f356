//! E-mail through an SMTP relay (lettre). Plain SMTP without TLS or
//! authentication: the relay is expected on the same host or network (a
//! local Postfix or the operator's mail gateway), which is what the
//! configuration (`host`, `port`, `from`) describes. A relay across the
//! internet needs STARTTLS and credentials, which this sender does not do.

use std::time::Duration;

use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::SendError;
use crate::config::SmtpConfig;
use crate::notify::{NotifyError, redact};

const SENDER: &str = "SMTP relay";

pub(crate) struct SmtpSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpSender {
    pub fn new(config: &SmtpConfig) -> Result<Self, NotifyError> {
        if config.host.trim().is_empty() {
            return Err(NotifyError::Config {
                what: "email.host",
                why: "it is empty; name the SMTP relay, e.g. 127.0.0.1".into(),
            });
        }
        let from: Mailbox = config.from.parse().map_err(|e| NotifyError::Config {
            what: "email.from",
            why: format!("{:?} is not an e-mail address ({e})", config.from),
        })?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(config.host.trim())
            .port(config.port)
            .timeout(Some(Duration::from_secs(30)))
            .build();
        Ok(Self { transport, from })
    }

    pub async fn send(&self, to: &str, subject: &str, body: &str) -> Result<(), SendError> {
        let mailbox: Mailbox = to.parse().map_err(|_| {
            SendError::new(
                SENDER,
                format!("{} is not a valid e-mail address", redact::email(to)),
            )
        })?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(mailbox)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_owned())
            .map_err(|e| SendError::new(SENDER, format!("the message cannot be built: {e}")))?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| SendError::new(SENDER, redact::scrub(&e.to_string(), &[to])))
    }
}
