//! The default sender: a row in the `outbox` table and a log line. The row
//! holds the whole message (a one-time code included: showing it to the
//! operator of a test server is the outbox's purpose); the log line names
//! only the channel, a masked recipient and the row's id.

use crate::db::params;

use super::SendError;
use crate::db::Db;
use crate::notify::plan::Channel;
use crate::notify::redact;

/// Record one message; returns the outbox row's id.
pub(crate) fn record(
    db: &Db,
    channel: Channel,
    recipient: &str,
    subject: Option<&str>,
    body: &str,
    at: i64,
) -> Result<i64, SendError> {
    let id = {
        let conn = db.conn();
        conn.query_row(
            "INSERT INTO outbox (channel, recipient, subject, body, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
            params![channel.as_str(), recipient, subject, body, at],
            |r| r.get::<_, i64>(0),
        )
        .map_err(|e| SendError::new("outbox", format!("the outbox table cannot be written: {e}")))?
    };
    tracing::info!(
        channel = channel.as_str(),
        recipient = %mask(channel, recipient),
        outbox_id = id,
        "message recorded in the outbox"
    );
    Ok(id)
}

fn mask(channel: Channel, recipient: &str) -> String {
    match channel {
        Channel::Email => redact::email(recipient),
        Channel::Sms => redact::phone(recipient),
        Channel::Push => match recipient.split_once(':') {
            Some((platform, token)) => format!("{platform}:{}", redact::token(token)),
            None => redact::token(recipient),
        },
    }
}
