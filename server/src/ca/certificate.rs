//! Making a certificate: a TBSCertificate signed by a CA key through the core's
//! `Signer` trait, so RSA, ECDSA and GOST CAs share one path.
//!
//! x509-cert 0.3 keeps `TbsCertificate`'s fields private (its builder wants a
//! RustCrypto `signature::Signer`, which our GOST key is not), so the TBS is
//! mirrored here with the same field types and the signed result is decoded
//! back into x509-cert's `Certificate`.

use der::asn1::{Any, BitString};
use der::{Decode, Encode, Sequence};
use qoltanba_pki::cert::KzCertificate;
use qoltanba_pki::crypto::Signer;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::ext::Extension;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Time;

/// RFC 5280 TBSCertificate, v3 only.
#[derive(Clone, Debug, Sequence)]
struct TbsCertificate {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    version: u8,
    serial_number: SerialNumber,
    signature: AlgorithmIdentifierOwned,
    issuer: Name,
    validity: Validity,
    subject: Name,
    subject_public_key_info: SubjectPublicKeyInfoOwned,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT", optional = "true")]
    extensions: Option<Vec<Extension>>,
}

#[derive(Clone, Debug, Sequence)]
struct Validity {
    not_before: Time,
    not_after: Time,
}

#[derive(Clone, Debug, Sequence)]
struct SignedCertificate {
    tbs: Any,
    algorithm: AlgorithmIdentifierOwned,
    signature: BitString,
}

/// Everything a new certificate says, before it is signed.
pub struct CertificateTemplate {
    pub serial: Vec<u8>,
    pub subject: Name,
    pub public_key: SubjectPublicKeyInfoOwned,
    pub not_before: time::OffsetDateTime,
    pub not_after: time::OffsetDateTime,
    pub extensions: Vec<Extension>,
}

#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    #[error("the certificate cannot be encoded: {0}")]
    Encoding(#[from] der::Error),
    #[error("the CA key failed to sign: {0}")]
    Sign(#[from] qoltanba_pki::crypto::SignError),
    #[error("the issued certificate does not parse: {0}")]
    Parse(String),
}

/// Sign `template` as `issuer` with `key`.
pub fn sign_certificate(
    template: &CertificateTemplate,
    issuer: &Name,
    key: &dyn Signer,
) -> Result<KzCertificate, IssueError> {
    let time = |t: time::OffsetDateTime| Time::try_from(std::time::SystemTime::from(t));
    let algorithm = key.algorithm().identifier();
    let tbs = TbsCertificate {
        version: 2,
        serial_number: SerialNumber::new(&template.serial)?,
        signature: algorithm.clone(),
        issuer: issuer.clone(),
        validity: Validity {
            not_before: time(template.not_before)?,
            not_after: time(template.not_after)?,
        },
        subject: template.subject.clone(),
        subject_public_key_info: template.public_key.clone(),
        extensions: Some(template.extensions.clone()),
    };
    let tbs_der = tbs.to_der()?;
    let signature = key.sign(&tbs_der)?;
    let der = SignedCertificate {
        tbs: Any::from_der(&tbs_der)?,
        algorithm,
        signature: BitString::from_bytes(&signature)?,
    }
    .to_der()?;
    KzCertificate::from_der(&der).map_err(|e| IssueError::Parse(e.to_string()))
}
