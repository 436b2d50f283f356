//! E-mail through an SMTP relay (lettre): STARTTLS on port 587 (the
//! default) or TLS from the first byte on port 465, with SMTP AUTH (PLAIN
//! or LOGIN) when a username is configured; the relay's certificate must
//! chain to the system's roots or to `ca_file`. Plain SMTP (`security =
//! "none"`) is for a relay on the same host and never carries a password.

use std::time::Duration;

use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use zeroize::Zeroizing;

use super::SendError;
use super::http::error_chain;
use crate::config::{SmtpConfig, SmtpSecurity};
use crate::notify::{NotifyError, redact};

const SENDER: &str = "SMTP relay";

pub(crate) struct SmtpSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// Scrubbed from every error, should the relay or lettre quote it.
    password: Option<Zeroizing<String>>,
}

impl SmtpSender {
    pub fn new(config: &SmtpConfig) -> Result<Self, NotifyError> {
        let host = config.host.trim();
        if host.is_empty() {
            return Err(NotifyError::Config {
                what: "email.host",
                why: "it is empty; name the SMTP relay, e.g. smtp.example.kz".into(),
            });
        }
        let from: Mailbox = config.from.parse().map_err(|e| NotifyError::Config {
            what: "email.from",
            why: format!("{:?} is not an e-mail address ({e})", config.from),
        })?;
        let credentials = match (&config.username, &config.password_file) {
            (None, None) => None,
            (Some(user), Some(file)) if !user.trim().is_empty() => {
                if config.security == SmtpSecurity::None {
                    return Err(NotifyError::Config {
                        what: "email.security",
                        why: "\"none\" would send the password in clear; use \"starttls\" (port 587) or \"tls\" (port 465)".into(),
                    });
                }
                Some((user.trim().to_owned(), read_password(file)?))
            }
            _ => {
                return Err(NotifyError::Config {
                    what: "email.username",
                    why: "username and password_file go together; give both or neither".into(),
                });
            }
        };
        let tls = match config.security {
            SmtpSecurity::None => None,
            SmtpSecurity::Starttls | SmtpSecurity::Tls => {
                let mut parameters = TlsParameters::builder(host.to_owned());
                if let Some(path) = &config.ca_file {
                    let pem = std::fs::read(path).map_err(|e| NotifyError::Config {
                        what: "email.ca_file",
                        why: format!("{path} cannot be read ({e})"),
                    })?;
                    let certificate =
                        Certificate::from_pem(&pem).map_err(|e| NotifyError::Config {
                            what: "email.ca_file",
                            why: format!("{path} is not a PEM certificate ({e})"),
                        })?;
                    parameters = parameters.add_root_certificate(certificate);
                }
                let parameters = parameters.build_rustls().map_err(|e| NotifyError::Config {
                    what: "email.ca_file",
                    why: format!("TLS cannot be set up ({})", error_chain(&e)),
                })?;
                Some(match config.security {
                    SmtpSecurity::Tls => Tls::Wrapper(parameters),
                    _ => Tls::Required(parameters),
                })
            }
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(config.port)
            .timeout(Some(Duration::from_secs(30)));
        if let Some(tls) = tls {
            builder = builder.tls(tls);
        }
        let mut password = None;
        if let Some((user, secret)) = credentials {
            builder = builder
                .credentials(Credentials::new(user, secret.as_str().to_owned()))
                .authentication(vec![Mechanism::Plain, Mechanism::Login]);
            password = Some(secret);
        }
        Ok(Self {
            transport: builder.build(),
            from,
            password,
        })
    }

    fn error(&self, e: &lettre::transport::smtp::Error, to: &str) -> SendError {
        let mut secrets = vec![to];
        if let Some(p) = &self.password {
            secrets.push(p.as_str());
        }
        SendError::new(SENDER, redact::scrub(&error_chain(e), &secrets))
    }

    /// Connect, say hello, start TLS and log in, without sending: what an
    /// operator runs to check the settings.
    pub async fn check(&self) -> Result<(), SendError> {
        match self.transport.test_connection().await {
            Ok(true) => Ok(()),
            Ok(false) => Err(SendError::new(
                SENDER,
                "it closed the connection before saying hello",
            )),
            Err(e) => Err(self.error(&e, "")),
        }
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
            .map_err(|e| self.error(&e, to))
    }
}

/// The password: the file's first line. The message never quotes it.
fn read_password(path: &str) -> Result<Zeroizing<String>, NotifyError> {
    let text = Zeroizing::new(
        std::fs::read_to_string(path).map_err(|e| NotifyError::Config {
            what: "email.password_file",
            why: format!("{path} cannot be read ({e})"),
        })?,
    );
    let line = text.lines().next().unwrap_or_default();
    if line.is_empty() {
        return Err(NotifyError::Config {
            what: "email.password_file",
            why: format!("{path} is empty; write the relay password on its first line"),
        });
    }
    Ok(Zeroizing::new(line.to_owned()))
}
