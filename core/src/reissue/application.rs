//! The reissue application document (docs/application-format.md).

use der::asn1::{GeneralizedTime, Ia5String, OctetString, PrintableString};
use der::{Decode, Encode, Enumerated, Sequence};
use serde::Serialize;
use sha1::{Digest, Sha1};
use time::OffsetDateTime;
use x509_cert::request::CertReq;

use super::ReissueError;
use super::csr::verify_request;
use crate::cert::{KzCertificate, Purpose};
use crate::crypto::PublicKeyAlgorithm;

/// The format version this code writes and reads.
pub const VERSION: u8 = 1;

/// Where the citizen keeps the new keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enumerated, Serialize)]
#[repr(u8)]
#[serde(rename_all = "kebab-case")]
pub enum StorageKind {
    File = 0,
    PlatformKeystore = 1,
    IdCard = 2,
    Token = 3,
}

/// What one requested key is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enumerated)]
#[repr(u8)]
pub enum RequestPurpose {
    Auth = 0,
    Sign = 1,
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

/// One new key: what it is for and its CSR (which proves possession).
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct KeyRequest {
    pub purpose: RequestPurpose,
    pub csr: CertReq,
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
    /// 32 random bytes: makes every application unique, so one cannot be replayed.
    pub nonce: OctetString,
    pub created_at: GeneralizedTime,
    pub client_version: String,
}

/// What the citizen enters in the form (seed, figure 10).
#[derive(Clone, Debug)]
pub struct ApplicationDetails {
    pub email: String,
    pub locality: String,
    pub storage: StorageKind,
}

impl ApplicationDetails {
    /// Check what the citizen typed.
    pub fn validate(&self) -> Result<(), ReissueError> {
        let email = self.email.trim();
        let valid_email = email.len() <= 254
            && email.is_ascii()
            && !email
                .chars()
                .any(|c| c.is_ascii_whitespace() || c.is_ascii_control())
            && matches!(email.split_once('@'), Some((local, domain))
                if !local.is_empty() && domain.contains('.') && !domain.starts_with('.')
                    && !domain.ends_with('.') && !domain.contains('@'));
        if !valid_email {
            return Err(ReissueError::BadEmail);
        }
        let locality = self.locality.trim();
        if locality.is_empty()
            || locality.chars().count() > 100
            || locality.chars().any(char::is_control)
        {
            return Err(ReissueError::BadLocality);
        }
        Ok(())
    }
}

/// At least one request, each for AUTH, SIGN or both, no purpose twice.
/// Checked before any CSR is made, and again when the document is assembled.
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

impl ReissueApplication {
    /// Assemble an application from the current certificate, the form and the CSRs.
    pub fn new(
        current: &KzCertificate,
        details: &ApplicationDetails,
        requests: Vec<KeyRequest>,
        created_at: OffsetDateTime,
    ) -> Result<Self, ReissueError> {
        details.validate()?;
        check_purposes(requests.iter().map(|r| r.purpose.purpose()))?;
        let holder = current.holder();
        let iin = holder.iin.as_ref().ok_or(ReissueError::NoIin)?;
        let mut nonce = [0u8; 32];
        getrandom::fill(&mut nonce).map_err(|_| ReissueError::Random)?;
        Ok(Self {
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
            created_at: GeneralizedTime::from_unix_duration(std::time::Duration::from_secs(
                u64::try_from(created_at.unix_timestamp()).map_err(|_| ReissueError::Encoding)?,
            ))
            .map_err(|_| ReissueError::Encoding)?,
            client_version: env!("CARGO_PKG_VERSION").to_string(),
        })
    }

    pub fn to_der(&self) -> Result<Vec<u8>, ReissueError> {
        Encode::to_der(self).map_err(|_| ReissueError::Encoding)
    }

    pub fn from_der(der: &[u8]) -> Result<Self, ReissueError> {
        let app =
            <Self as Decode>::from_der(der).map_err(|_| ReissueError::MalformedApplication)?;
        if app.version != VERSION {
            return Err(ReissueError::UnsupportedVersion(app.version));
        }
        Ok(app)
    }

    /// A flat view for people and JSON.
    pub fn summary(&self) -> ApplicationSummary {
        ApplicationSummary {
            applicant: ApplicantSummary {
                iin: self.applicant.iin.to_string(),
                surname: self.applicant.surname.clone(),
                first_name: self.applicant.first_name.clone(),
                patronymic: self.applicant.patronymic.clone(),
            },
            email: self.email.to_string(),
            locality: self.locality.clone(),
            storage: self.storage,
            requests: self
                .requests
                .iter()
                .map(|r| {
                    let key = &r.csr.info.public_key;
                    RequestSummary {
                        purpose: r.purpose.purpose(),
                        algorithm: PublicKeyAlgorithm::of(key).name(),
                        key_id: hex::encode(Sha1::digest(key.subject_public_key.raw_bytes())),
                        proof_of_possession: verify_request(&r.csr).is_ok(),
                    }
                })
                .collect(),
            created_at: OffsetDateTime::from_unix_timestamp(
                self.created_at.to_unix_duration().as_secs() as i64,
            )
            .unwrap_or(OffsetDateTime::UNIX_EPOCH),
            client_version: self.client_version.clone(),
            nonce: hex::encode(self.nonce.as_bytes()),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ApplicationSummary {
    pub applicant: ApplicantSummary,
    pub email: String,
    pub locality: String,
    pub storage: StorageKind,
    pub requests: Vec<RequestSummary>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub client_version: String,
    pub nonce: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ApplicantSummary {
    pub iin: String,
    pub surname: Option<String>,
    pub first_name: Option<String>,
    pub patronymic: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RequestSummary {
    pub purpose: Purpose,
    pub algorithm: String,
    /// SHA-1 of the public key bits: the new key file's name and certificate SKI.
    pub key_id: String,
    pub proof_of_possession: bool,
}
