//! The reissue application document: typed ASN.1, DER-encoded, the module
//! written out in docs/application-format.md.

use der::asn1::{Any, AnyRef, GeneralizedTime, Ia5String, OctetString, PrintableString};
use der::{Decode, Encode, Enumerated, Reader, Sequence, SliceReader, Tag, Tagged};
use serde::Serialize;
use time::OffsetDateTime;
use x509_cert::request::CertReq;

use super::ReissueError;
use super::details::{ApplicationDetails, StorageKind, check_email, check_locality};
use crate::cert::{KzCertificate, Purpose};

/// The format version this code writes and reads. A reader meets a newer
/// version as `UnsupportedVersion`, never as a garbled document: the version
/// is read before anything else.
pub const VERSION: u8 = 1;

/// How many random bytes make an application unique.
pub const NONCE_LEN: usize = 32;

/// What one requested key is for. Unlike [`Purpose`] it has no "neither":
/// every request is for something.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enumerated, Serialize)]
#[repr(u8)]
#[serde(rename_all = "lowercase")]
pub enum RequestPurpose {
    Auth = 0,
    Sign = 1,
    /// One key for AUTH and SIGN (GOST 2015).
    Both = 2,
}

impl RequestPurpose {
    pub fn from_purpose(p: Purpose) -> Option<Self> {
        match p {
            Purpose::Auth => Some(Self::Auth),
            Purpose::Sign => Some(Self::Sign),
            Purpose::Both => Some(Self::Both),
            Purpose::Neither => None,
        }
    }

    pub fn purpose(self) -> Purpose {
        match self {
            Self::Auth => Purpose::Auth,
            Self::Sign => Purpose::Sign,
            Self::Both => Purpose::Both,
        }
    }
}

/// Who applies, as the current certificate names them.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct Applicant {
    /// The 12 digits, exactly as in the certificate (even if they fail the check).
    pub iin: PrintableString,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    pub surname: Option<String>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    pub first_name: Option<String>,
    #[asn1(context_specific = "2", tag_mode = "IMPLICIT", optional = "true")]
    pub patronymic: Option<String>,
}

/// One new key: what it is for, its CSR (which proves possession), and,
/// for a key made in a phone's keystore, the platform's attestation chain
/// (leaf first) that tells the RA where the key lives.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct KeyRequest {
    pub purpose: RequestPurpose,
    pub csr: CertReq,
    /// Each certificate kept as received (`Any`), not re-encoded: its
    /// signature covers the device's exact bytes.
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    pub attestation: Option<Vec<Any>>,
}

/// The application: the citizen asks NCA to certify new keys.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct ReissueApplication {
    pub version: u8,
    pub applicant: Applicant,
    pub email: Ia5String,
    pub locality: String,
    pub storage: StorageKind,
    pub requests: Vec<KeyRequest>,
    /// Random bytes that make every application unique, so the RA can
    /// refuse a replayed one.
    pub nonce: OctetString,
    pub created_at: GeneralizedTime,
    pub client_version: String,
}

/// At least one request, each for AUTH, SIGN or both, no purpose twice.
/// Checked before any CSR is made, and again on every document.
pub(crate) fn check_purposes(
    purposes: impl IntoIterator<Item = Purpose>,
) -> Result<(), ReissueError> {
    let mut seen: Vec<RequestPurpose> = Vec::new();
    for purpose in purposes {
        let tag = RequestPurpose::from_purpose(purpose).ok_or(ReissueError::NoPurpose)?;
        if seen.contains(&tag) {
            return Err(ReissueError::DuplicatePurpose);
        }
        seen.push(tag);
    }
    if seen.is_empty() {
        return Err(ReissueError::NoRequests);
    }
    Ok(())
}

/// The version a DER document declares: its first element, read before the
/// rest, so a future layout is reported as such.
fn declared_version(der: &[u8]) -> Result<u64, ReissueError> {
    let read = || -> der::Result<Option<u64>> {
        let outer = AnyRef::from_der(der)?;
        if outer.tag() != Tag::Sequence {
            return Ok(None);
        }
        let mut fields = SliceReader::new(outer.value())?;
        Ok(Some(fields.decode::<u64>()?))
    };
    read()
        .ok()
        .flatten()
        .ok_or(ReissueError::MalformedApplication)
}

impl ReissueApplication {
    /// Assemble an application from the current certificate, the form and
    /// the CSRs, with a fresh random nonce. The applicant (IIN and name) is
    /// taken from the certificate, never typed.
    pub fn new(
        current: &KzCertificate,
        details: &ApplicationDetails,
        requests: Vec<KeyRequest>,
        created_at: OffsetDateTime,
    ) -> Result<Self, ReissueError> {
        details.validate()?;
        let holder = current.holder();
        let iin = holder.iin.as_ref().ok_or(ReissueError::NoIin)?;
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|_| ReissueError::Random)?;
        let unix =
            u64::try_from(created_at.unix_timestamp()).map_err(|_| ReissueError::Encoding)?;
        let application = Self {
            version: VERSION,
            applicant: Applicant {
                iin: PrintableString::new(iin.digits()).map_err(|_| ReissueError::NoIin)?,
                surname: holder.surname.clone(),
                first_name: holder.first_name().map(str::to_string),
                patronymic: holder.patronymic.clone(),
            },
            email: Ia5String::new(details.email.trim()).map_err(|_| ReissueError::BadEmail)?,
            locality: details.locality.trim().to_string(),
            storage: details.storage,
            requests,
            nonce: OctetString::new(nonce.to_vec()).map_err(|_| ReissueError::Encoding)?,
            created_at: GeneralizedTime::from_unix_duration(std::time::Duration::from_secs(unix))
                .map_err(|_| ReissueError::Encoding)?,
            client_version: env!("CARGO_PKG_VERSION").to_string(),
        };
        application.validate()?;
        Ok(application)
    }

    /// The document's own rules (those the ASN.1 types cannot say): version,
    /// e-mail and locality syntax, requests, nonce length. CSR signatures and
    /// IINs are checked with the CMS signature (`verify_application`).
    pub fn validate(&self) -> Result<(), ReissueError> {
        if self.version != VERSION {
            return Err(ReissueError::UnsupportedVersion(self.version.into()));
        }
        check_email(self.email.as_str())?;
        check_locality(&self.locality)?;
        check_purposes(self.requests.iter().map(|r| r.purpose.purpose()))?;
        if self.nonce.as_bytes().len() != NONCE_LEN {
            return Err(ReissueError::MalformedApplication);
        }
        Ok(())
    }

    pub fn to_der(&self) -> Result<Vec<u8>, ReissueError> {
        Encode::to_der(self).map_err(|_| ReissueError::Encoding)
    }

    /// Decode and validate a DER document. Only canonical DER is accepted:
    /// the bytes must be exactly what encoding the decoded value gives, so
    /// the signed bytes and the value the RA acts on cannot differ.
    pub fn from_der(der: &[u8]) -> Result<Self, ReissueError> {
        let version = declared_version(der)?;
        if version != u64::from(VERSION) {
            return Err(ReissueError::UnsupportedVersion(version));
        }
        let application =
            <Self as Decode>::from_der(der).map_err(|_| ReissueError::MalformedApplication)?;
        if application.to_der()? != der {
            return Err(ReissueError::NotCanonical);
        }
        application.validate()?;
        Ok(application)
    }

    /// When the client built the application.
    pub fn created_at(&self) -> OffsetDateTime {
        i64::try_from(self.created_at.to_unix_duration().as_secs())
            .ok()
            .and_then(|secs| OffsetDateTime::from_unix_timestamp(secs).ok())
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::asn1::Null;

    #[test]
    fn purposes_once_each_and_at_least_one() {
        assert!(check_purposes([Purpose::Auth, Purpose::Sign]).is_ok());
        assert!(check_purposes([Purpose::Both]).is_ok());
        assert!(matches!(check_purposes([]), Err(ReissueError::NoRequests)));
        assert!(matches!(
            check_purposes([Purpose::Sign, Purpose::Sign]),
            Err(ReissueError::DuplicatePurpose)
        ));
        assert!(matches!(
            check_purposes([Purpose::Auth, Purpose::Neither]),
            Err(ReissueError::NoPurpose)
        ));
    }

    #[test]
    fn the_version_is_read_before_the_layout() {
        // A future version with a different layout: SEQUENCE { 2, NULL }.
        #[derive(Sequence)]
        struct Future {
            version: u64,
            other: Null,
        }
        let future = Future {
            version: 2,
            other: Null,
        }
        .to_der()
        .unwrap();
        assert!(matches!(
            ReissueApplication::from_der(&future),
            Err(ReissueError::UnsupportedVersion(2))
        ));
        assert!(matches!(
            ReissueApplication::from_der(&[0x30, 0x00]),
            Err(ReissueError::MalformedApplication)
        ));
        assert!(matches!(
            ReissueApplication::from_der(b""),
            Err(ReissueError::MalformedApplication)
        ));
    }
}
