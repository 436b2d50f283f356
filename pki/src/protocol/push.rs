//! The RA's expiry push, both ways: the server builds its data with
//! [`ExpiryPush`], the apps read it back with [`ExpiryPush::parse`] (the device core turns
//! it into its reminder). Keeping both
//! sides on one type is what makes them agree (docs/protocol.md, "Push
//! payload").
//!
//! The payload travels beside the human notification so that the app acts
//! on facts, not on text in some language:
//!
//! - FCM HTTP v1, `message.data` (FCM data values must be strings):
//!   `{"qoltanba": "1", "kind": "expiry", "serial": "4A1B", "purpose": "sign",
//!   "not_after": "2030-01-01T00:00:00Z", "days_left": "7"}`;
//! - APNs, a top-level key beside `aps`:
//!   `{"aps": {…}, "qoltanba": {"v": 1, "kind": "expiry", "serial": "4A1B",
//!   "purpose": "sign", "not_after": "2030-01-01T00:00:00Z", "days_left": 7}}`.
//!
//! A push arrives from outside the app's control, so parsing is strict and
//! total: anything but a well-formed version-1 expiry notice is an error
//! (never a panic), and an error has no effect: the caller shows and
//! schedules nothing. Fields this version does not know are ignored, so a
//! later server may add some without breaking older apps; a change in the
//! meaning of existing fields takes a new version.

use serde_json::{Map, Value, json};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

use crate::cert::{Purpose, SerialProblem, normalise_serial};

/// The key under which qoltanba's data sits (FCM: the version marker; APNs:
/// the object beside `aps`).
pub const KEY: &str = "qoltanba";

/// The payload version this code writes and reads.
pub const VERSION: u32 = 1;

/// The only kind of push version 1 has.
pub const KIND_EXPIRY: &str = "expiry";

/// Larger payloads are refused unread: neither FCM nor APNs carries more
/// than 4 KiB, so anything bigger did not come from the RA.
pub const MAX_PAYLOAD: usize = 4096;

/// A "days left" larger than this is not a real notice (ten years and a day
/// or two; the RA notifies at most a few weeks ahead).
pub const MAX_DAYS_LEFT: u32 = 3660;

/// Why a push payload was refused. Every message is one line; text taken
/// from the payload is quoted, escaped and cut short.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PushError {
    #[error("the push payload has {0} bytes, more than the {MAX_PAYLOAD} a push can carry")]
    TooLarge(usize),
    #[error("the push payload is not JSON")]
    NotJson,
    #[error("the push payload is not a JSON object")]
    NotAnObject,
    #[error("the push payload carries no \"{KEY}\" data; it is not a qoltanba notice")]
    NotQoltanba,
    #[error("the push payload has version {0}, which this app does not know; update the app")]
    UnsupportedVersion(String),
    #[error("the push payload is of kind {0}, which this app does not know; update the app")]
    UnknownKind(String),
    #[error("the push payload lacks the field {0}")]
    Missing(&'static str),
    #[error("the push payload's field {field} is malformed: {why}")]
    Malformed { field: &'static str, why: String },
}

impl PushError {
    pub fn malformed(field: &'static str, why: impl Into<String>) -> Self {
        PushError::Malformed {
            field,
            why: why.into(),
        }
    }
}

/// Text from outside, fit for a one-line message: at most 32 characters,
/// quoted and escaped.
pub fn shown(text: &str) -> String {
    let cut: String = text.chars().take(32).collect();
    if cut.len() < text.len() {
        format!("{cut:?}…")
    } else {
        format!("{cut:?}")
    }
}

/// One expiry notice as the RA pushes it. A value of this type always
/// encodes and parses back to itself: the constructor checks what the
/// parser checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpiryPush {
    serial: String,
    purpose: Purpose,
    not_after: OffsetDateTime,
    not_after_text: String,
    days_left: u32,
}

impl ExpiryPush {
    /// A notice that `serial` (hex, either case) ends at `not_after` with
    /// `days_left` whole days left (rounded up; 0 once it has ended).
    pub fn new(
        serial: &str,
        purpose: Purpose,
        not_after: OffsetDateTime,
        days_left: u32,
    ) -> Result<Self, PushError> {
        let serial = normalise_serial(serial).map_err(|p| bad_serial(&p))?;
        if purpose == Purpose::Neither {
            return Err(PushError::malformed(
                "purpose",
                "a certificate for neither AUTH nor SIGN gets no notice",
            ));
        }
        if days_left > MAX_DAYS_LEFT {
            return Err(PushError::malformed(
                "days_left",
                format!("more than {MAX_DAYS_LEFT}"),
            ));
        }
        let not_after = not_after.to_offset(UtcOffset::UTC);
        let not_after_text = not_after
            .format(&Rfc3339)
            .map_err(|_| PushError::malformed("not_after", "outside the years 0000 to 9999"))?;
        Ok(Self {
            serial,
            purpose,
            not_after,
            not_after_text,
            days_left,
        })
    }

    /// Upper-case hex.
    pub fn serial(&self) -> &str {
        &self.serial
    }
    pub fn purpose(&self) -> Purpose {
        self.purpose
    }
    /// In UTC.
    pub fn not_after(&self) -> OffsetDateTime {
        self.not_after
    }
    pub fn days_left(&self) -> u32 {
        self.days_left
    }

    /// The FCM `message.data` object: every value a string.
    pub fn fcm_data(&self) -> Map<String, Value> {
        let mut data = Map::new();
        for (k, v) in [
            (KEY, VERSION.to_string()),
            ("kind", KIND_EXPIRY.to_owned()),
            ("serial", self.serial.clone()),
            ("purpose", self.purpose.token().to_owned()),
            ("not_after", self.not_after_text.clone()),
            ("days_left", self.days_left.to_string()),
        ] {
            data.insert(k.to_owned(), Value::String(v));
        }
        data
    }

    /// The object the APNs body carries under [`KEY`], beside `aps`.
    pub fn apns_value(&self) -> Value {
        json!({
            "v": VERSION,
            "kind": KIND_EXPIRY,
            "serial": self.serial,
            "purpose": self.purpose.token(),
            "not_after": self.not_after_text,
            "days_left": self.days_left,
        })
    }

    /// Read a push payload in any of the shapes the app may hold:
    /// the FCM data object (Android's `RemoteMessage.data` as JSON), the FCM
    /// message (`{"data": …}`) or its send request (`{"message": {"data": …}}`),
    /// the APNs body (`{"aps": …, "qoltanba": {…}}`, iOS's `userInfo`).
    pub fn parse(payload: &[u8]) -> Result<Self, PushError> {
        if payload.len() > MAX_PAYLOAD {
            return Err(PushError::TooLarge(payload.len()));
        }
        let value: Value = serde_json::from_slice(payload).map_err(|_| PushError::NotJson)?;
        let Value::Object(top) = value else {
            return Err(PushError::NotAnObject);
        };
        let (fields, shape) = locate(&top)?;
        match shape {
            Shape::Fcm => {
                let version = text(fields, KEY)?;
                if version != "1" {
                    return Err(PushError::UnsupportedVersion(shown(version)));
                }
            }
            Shape::Apns => match fields.get("v") {
                None => return Err(PushError::Missing("v")),
                Some(Value::Number(n)) if n.as_u64() == Some(u64::from(VERSION)) => {}
                Some(Value::Number(n)) => {
                    return Err(PushError::UnsupportedVersion(n.to_string()));
                }
                Some(_) => return Err(PushError::malformed("v", "not a number")),
            },
        }
        let kind = text(fields, "kind")?;
        if kind != KIND_EXPIRY {
            return Err(PushError::UnknownKind(shown(kind)));
        }
        let serial = text(fields, "serial")?;
        let purpose = text(fields, "purpose")?;
        let purpose = Purpose::from_token(purpose)
            .filter(|p| *p != Purpose::Neither)
            .ok_or_else(|| {
                PushError::malformed(
                    "purpose",
                    format!("{} is not auth, sign or both", shown(purpose)),
                )
            })?;
        let not_after = OffsetDateTime::parse(text(fields, "not_after")?, &Rfc3339)
            .map_err(|_| PushError::malformed("not_after", "not an RFC 3339 time"))?;
        let days_left = match (shape, fields.get("days_left")) {
            (_, None) => return Err(PushError::Missing("days_left")),
            (Shape::Fcm, Some(Value::String(s))) => days(s)?,
            (Shape::Apns, Some(Value::Number(n))) => n
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| PushError::malformed("days_left", "not a whole number ≥ 0"))?,
            (Shape::Fcm, Some(_)) => {
                return Err(PushError::malformed("days_left", "not a string"));
            }
            (Shape::Apns, Some(_)) => {
                return Err(PushError::malformed("days_left", "not a number"));
            }
        };
        Self::new(serial, purpose, not_after, days_left)
    }
}

#[derive(Debug, Clone, Copy)]
enum Shape {
    /// Flat string fields, version in `qoltanba`.
    Fcm,
    /// Typed fields inside the `qoltanba` object, version in `v`.
    Apns,
}

/// Find qoltanba's fields in whichever envelope they came.
fn locate(top: &Map<String, Value>) -> Result<(&Map<String, Value>, Shape), PushError> {
    let mut obj = top;
    if let Some(message) = obj.get("message") {
        obj = message
            .as_object()
            .ok_or_else(|| PushError::malformed("message", "not an object"))?;
    }
    if !obj.contains_key(KEY)
        && let Some(data) = obj.get("data")
    {
        obj = data
            .as_object()
            .ok_or_else(|| PushError::malformed("data", "not an object"))?;
    }
    match obj.get(KEY) {
        Some(Value::String(_)) => Ok((obj, Shape::Fcm)),
        Some(Value::Object(inner)) => Ok((inner, Shape::Apns)),
        Some(_) => Err(PushError::malformed(
            KEY,
            "neither a version string (FCM) nor an object (APNs)",
        )),
        None => Err(PushError::NotQoltanba),
    }
}

fn text<'a>(fields: &'a Map<String, Value>, field: &'static str) -> Result<&'a str, PushError> {
    match fields.get(field) {
        None => Err(PushError::Missing(field)),
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(PushError::malformed(field, "not a string")),
    }
}

/// FCM's `days_left`: plain decimal digits, no sign, no spaces.
fn days(s: &str) -> Result<u32, PushError> {
    if s.is_empty() || s.len() > 5 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PushError::malformed(
            "days_left",
            format!("{} is not a whole number of days", shown(s)),
        ));
    }
    s.parse()
        .map_err(|_| PushError::malformed("days_left", "not a whole number of days"))
}

fn bad_serial(problem: &SerialProblem) -> PushError {
    PushError::malformed("serial", problem.to_string())
}
