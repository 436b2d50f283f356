//! The deep link a reminder opens: `qoltanba://renew?serial=HEX`, or the
//! https link an RA's e-mail or SMS notice carries,
//! `https://RA-HOST/renew/HEX` (the RA's page, which the apps claim as an
//! Android App Link / iOS universal link for their RA's host; the operating
//! system checks the host before the link reaches the app).
//!
//! A link can come from anywhere (another app, a web page, a QR code), so it
//! is parsed strictly: exactly this scheme, action and one query parameter,
//! nothing percent-encoded, no fragment. Whatever else arrives is refused
//! with a typed error, and the app opens nothing.

use std::fmt;
use std::str::FromStr;

use qoltanba_pki::cert::{SerialProblem, normalise_serial};

/// The scheme the apps register.
pub const SCHEME: &str = "qoltanba";

/// Longer input is refused before it is looked at.
const MAX_LINK: usize = 256;

/// Something a `qoltanba://` link asks the app to do.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DeepLink {
    /// Open the renewal of the certificate with this serial (upper-case hex).
    Renew { serial: String },
}

/// Why a link was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeepLinkError {
    #[error("the link is longer than {MAX_LINK} characters")]
    TooLong,
    #[error("not a qoltanba link (expected qoltanba://… or https://…/renew/…)")]
    NotQoltanba,
    #[error("the link asks for {0}, which this app does not know (expected renew)")]
    UnknownAction(String),
    #[error("the link must carry exactly serial=HEX and nothing else")]
    BadQuery,
    #[error("the link's serial number is not usable: {0}")]
    BadSerial(SerialProblem),
}

impl DeepLink {
    /// Parse a link such as `qoltanba://renew?serial=4A1B` or
    /// `https://ra.example.kz/renew/4A1B`. The scheme is compared without
    /// regard to case (RFC 3986 3.1); the rest is exact, except that the
    /// serial may be lower-case hex. The https form names any host without
    /// user information: which hosts open the app is the operating
    /// system's App Link check, and the link only opens a renewal, which
    /// the app then runs against its own RA.
    pub fn parse(link: &str) -> Result<Self, DeepLinkError> {
        if link.len() > MAX_LINK {
            return Err(DeepLinkError::TooLong);
        }
        if let Some((scheme, rest)) = link.split_once("://")
            && scheme.eq_ignore_ascii_case("https")
        {
            return Self::parse_https(rest);
        }
        let rest = link
            .split_once("://")
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case(SCHEME))
            .map(|(_, rest)| rest)
            .ok_or(DeepLinkError::NotQoltanba)?;
        let (action, query) = rest.split_once('?').unwrap_or((rest, ""));
        if action != "renew" {
            return Err(DeepLinkError::UnknownAction(
                qoltanba_pki::protocol::push::shown(action),
            ));
        }
        let serial = query
            .strip_prefix("serial=")
            .filter(|s| !s.contains(['&', '#', '=', '%', ';']))
            .ok_or(DeepLinkError::BadQuery)?;
        let serial = normalise_serial(serial).map_err(DeepLinkError::BadSerial)?;
        Ok(DeepLink::Renew { serial })
    }

    /// `HOST[:PORT]/renew/HEX` after `https://`.
    fn parse_https(rest: &str) -> Result<Self, DeepLinkError> {
        let (authority, path) = rest.split_once('/').ok_or(DeepLinkError::NotQoltanba)?;
        if authority.is_empty()
            || authority.chars().any(|c| {
                matches!(c, '@' | '?' | '#' | '%' | '\\') || c.is_whitespace() || c.is_control()
            })
        {
            return Err(DeepLinkError::NotQoltanba);
        }
        let serial = path
            .strip_prefix("renew/")
            .ok_or(DeepLinkError::NotQoltanba)?;
        if serial.contains(['/', '?', '#', '&', '=', '%', ';']) {
            return Err(DeepLinkError::BadQuery);
        }
        let serial = normalise_serial(serial).map_err(DeepLinkError::BadSerial)?;
        Ok(DeepLink::Renew { serial })
    }

    /// The serial the link is about.
    pub fn serial(&self) -> &str {
        match self {
            DeepLink::Renew { serial } => serial,
        }
    }
}

impl FromStr for DeepLink {
    type Err = DeepLinkError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for DeepLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeepLink::Renew { serial } => write!(f, "{SCHEME}://renew?serial={serial}"),
        }
    }
}

impl qoltanba_l10n::Localize for DeepLinkError {
    fn text(&self) -> qoltanba_l10n::Text {
        use qoltanba_l10n::Text;
        match self {
            Self::TooLong => Text::new("error-link-too-long").arg("max", MAX_LINK),
            Self::NotQoltanba => Text::new("error-link-not-qoltanba"),
            Self::UnknownAction(action) => {
                Text::new("error-link-unknown-action").arg("action", action)
            }
            Self::BadQuery => Text::new("error-link-bad-query"),
            Self::BadSerial(problem) => {
                Text::new("error-link-bad-serial").arg("reason", problem.text())
            }
        }
    }
}
