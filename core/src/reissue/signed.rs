//! The application as CMS SignedData (RFC 5652), signed with the current SIGN key.
//!
//! Profile: content attached; signed attributes contentType, messageDigest,
//! signingTime and signingCertificateV2 (RFC 5035); the signer's certificate
//! included; sid = issuerAndSerialNumber. Verification checks the signature,
//! never the trust: the caller validates the signer's chain with its anchors.

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{CertificateSet, SignerIdentifier, SignerInfo, SignerInfos};
use der::asn1::{Any, ObjectIdentifier, OctetString, SetOfVec};
use der::{Decode, Encode, Sequence};
use sha2::{Digest, Sha256};
use spki::AlgorithmIdentifierOwned;
use time::OffsetDateTime;
use x509_cert::attr::Attribute;
use x509_cert::time::Time;

use super::application::ReissueApplication;
use super::csr::{VerifiedCsr, subject_iin, verify_request};
use super::wire::{EncapsulatedContent, SignedData, content_type};
use super::{ReissueError, check_signer};
use crate::cert::KzCertificate;
use crate::crypto::{Signer, verify_signature};
use crate::oid;

/// RFC 5035 ESSCertIDv2; hashAlgorithm DEFAULT sha256 is left out.
#[derive(Clone, Debug, Sequence)]
struct EssCertIdV2 {
    hash_algorithm: Option<AlgorithmIdentifierOwned>,
    cert_hash: OctetString,
}

/// RFC 5035 SigningCertificateV2 (policies unused).
#[derive(Clone, Debug, Sequence)]
struct SigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
}

fn attribute(oid: ObjectIdentifier, value: &impl Encode) -> Result<Attribute, ReissueError> {
    Ok(Attribute {
        oid,
        values: SetOfVec::try_from(vec![
            value
                .to_der()
                .and_then(|der| Any::from_der(&der))
                .map_err(|_| ReissueError::Encoding)?,
        ])
        .map_err(|_| ReissueError::Encoding)?,
    })
}

/// Sign `application` with `signer`, whose certificate is `cert`, at `at`.
pub fn sign_application(
    application: &ReissueApplication,
    signer: &dyn Signer,
    cert: &KzCertificate,
    at: OffsetDateTime,
) -> Result<Vec<u8>, ReissueError> {
    check_signer(signer, cert, at)?;
    let algorithm = signer.algorithm();
    let digest_oid = algorithm
        .digest_oid()
        .filter(|o| *o == oid::SHA256)
        .ok_or_else(|| {
            ReissueError::Sign(crate::crypto::SignError::UnsupportedAlgorithm(
                algorithm.name().into(),
            ))
        })?;
    let content = application.to_der()?;
    let signing_time =
        Time::try_from(std::time::SystemTime::from(at)).map_err(|_| ReissueError::Encoding)?;
    let signed_attrs = SetOfVec::try_from(vec![
        attribute(oid::ATTR_CONTENT_TYPE, &content_type())?,
        attribute(
            oid::ATTR_MESSAGE_DIGEST,
            &OctetString::new(Sha256::digest(&content).to_vec())
                .map_err(|_| ReissueError::Encoding)?,
        )?,
        attribute(oid::ATTR_SIGNING_TIME, &signing_time)?,
        attribute(
            oid::ATTR_SIGNING_CERTIFICATE_V2,
            &SigningCertificateV2 {
                certs: vec![EssCertIdV2 {
                    hash_algorithm: None,
                    cert_hash: OctetString::new(Sha256::digest(cert.der()).to_vec())
                        .map_err(|_| ReissueError::Encoding)?,
                }],
            },
        )?,
    ])
    .map_err(|_| ReissueError::Encoding)?;
    let to_sign = signed_attrs.to_der().map_err(|_| ReissueError::Encoding)?;
    let signature = signer.sign(&to_sign)?;

    let digest_alg = AlgorithmIdentifierOwned {
        oid: digest_oid,
        parameters: None,
    };
    let tbs = cert.inner().tbs_certificate();
    let signer_info = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: tbs.issuer().clone(),
            serial_number: tbs.serial_number().clone(),
        }),
        digest_alg: digest_alg.clone(),
        signed_attrs: Some(signed_attrs),
        signature_algorithm: algorithm.identifier(),
        signature: OctetString::new(signature).map_err(|_| ReissueError::Encoding)?,
        unsigned_attrs: None,
    };
    let signed = SignedData {
        version: CmsVersion::V1,
        digest_algorithms: SetOfVec::try_from(vec![digest_alg])
            .map_err(|_| ReissueError::Encoding)?,
        encap_content_info: EncapsulatedContent {
            econtent_type: content_type(),
            econtent: Some(
                Any::encode_from(&OctetString::new(content).map_err(|_| ReissueError::Encoding)?)
                    .map_err(|_| ReissueError::Encoding)?,
            ),
        },
        certificates: Some(CertificateSet(
            SetOfVec::try_from(vec![CertificateChoices::Certificate(cert.inner().clone())])
                .map_err(|_| ReissueError::Encoding)?,
        )),
        crls: None,
        signer_infos: SignerInfos(
            SetOfVec::try_from(vec![signer_info]).map_err(|_| ReissueError::Encoding)?,
        ),
    };
    ContentInfo {
        content_type: oid::CT_SIGNED_DATA,
        content: Any::encode_from(&signed).map_err(|_| ReissueError::Encoding)?,
    }
    .to_der()
    .map_err(|_| ReissueError::Encoding)
}

/// An application whose signature, attributes and CSRs all check out.
#[derive(Debug, Clone)]
pub struct VerifiedApplication {
    pub application: ReissueApplication,
    /// The signer's certificate, for the caller's chain validation.
    pub signer: KzCertificate,
    pub signing_time: OffsetDateTime,
    pub csrs: Vec<VerifiedCsr>,
}

/// DER as written, or PEM as openssl writes it: "CMS" (`openssl cms`) or
/// "PKCS7" (`openssl pkcs7`, older tools); the same bytes either way.
fn decode_content_info(bytes: &[u8]) -> Result<ContentInfo, ReissueError> {
    let text = bytes.trim_ascii_start();
    let der;
    let der_bytes = if text.starts_with(b"-----BEGIN") {
        let (label, decoded) =
            der::pem::decode_vec(text).map_err(|_| ReissueError::NotAnApplication)?;
        if label != "CMS" && label != "PKCS7" {
            return Err(ReissueError::NotAnApplication);
        }
        der = decoded;
        der.as_slice()
    } else {
        bytes
    };
    ContentInfo::from_der(der_bytes).map_err(|_| ReissueError::NotAnApplication)
}

/// Verify an application.p7s (DER or PEM "CMS"/"PKCS7").
pub fn verify_application(bytes: &[u8]) -> Result<VerifiedApplication, ReissueError> {
    let info = decode_content_info(bytes)?;
    if info.content_type != oid::CT_SIGNED_DATA {
        return Err(ReissueError::NotAnApplication);
    }
    let signed: SignedData = info
        .content
        .decode_as()
        .map_err(|_| ReissueError::NotAnApplication)?;
    if signed.encap_content_info.econtent_type != content_type() {
        return Err(ReissueError::NotAnApplication);
    }
    let content: OctetString = signed
        .encap_content_info
        .econtent
        .as_ref()
        .ok_or(ReissueError::NotAnApplication)?
        .decode_as()
        .map_err(|_| ReissueError::NotAnApplication)?;
    let mut signer_infos = signed.signer_infos.0.iter();
    let (Some(signer_info), None) = (signer_infos.next(), signer_infos.next()) else {
        return Err(ReissueError::SignerCount);
    };

    // The signer's certificate: the one the sid names.
    let SignerIdentifier::IssuerAndSerialNumber(sid) = &signer_info.sid else {
        return Err(ReissueError::SignerCertificateMissing);
    };
    let cert = signed
        .certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .find_map(|choice| match choice {
            CertificateChoices::Certificate(c)
                if c.tbs_certificate().issuer() == &sid.issuer
                    && c.tbs_certificate().serial_number() == &sid.serial_number =>
            {
                Some(c.clone())
            }
            _ => None,
        })
        .ok_or(ReissueError::SignerCertificateMissing)?;
    let signer = KzCertificate::from_certificate(cert)
        .map_err(|_| ReissueError::SignerCertificateMissing)?;

    // Signed attributes.
    let attrs = signer_info
        .signed_attrs
        .as_ref()
        .ok_or(ReissueError::MissingAttribute("signed attributes"))?;
    let single = |oid: ObjectIdentifier, name: &'static str| -> Result<&Any, ReissueError> {
        let mut found = attrs.iter().filter(|a| a.oid == oid);
        match (found.next(), found.next()) {
            (Some(a), None) if a.values.len() == 1 => {
                Ok(a.values.iter().next().expect("one value"))
            }
            _ => Err(ReissueError::MissingAttribute(name)),
        }
    };
    if single(oid::ATTR_CONTENT_TYPE, "contentType")? != &content_type() {
        return Err(ReissueError::NotAnApplication);
    }
    // Every unsigned field must be exactly what qoltanba writes: nothing
    // outside the signature may vary without being noticed.
    if signer_info.digest_alg.oid != oid::SHA256 || signer_info.digest_alg.parameters.is_some() {
        return Err(ReissueError::UnsupportedDigest(
            signer_info.digest_alg.oid.to_string(),
        ));
    }
    let digest_listed = signed.digest_algorithms.len() == 1
        && signed
            .digest_algorithms
            .iter()
            .all(|a| a == &signer_info.digest_alg);
    if !digest_listed
        || signed.version != CmsVersion::V1
        || signer_info.version != CmsVersion::V1
        || signer_info.unsigned_attrs.is_some()
        || signed.crls.is_some()
    {
        return Err(ReissueError::NotAnApplication);
    }
    let digest: OctetString = single(oid::ATTR_MESSAGE_DIGEST, "messageDigest")?
        .decode_as()
        .map_err(|_| ReissueError::MissingAttribute("messageDigest"))?;
    if digest.as_bytes() != Sha256::digest(content.as_bytes()).as_slice() {
        return Err(ReissueError::DigestMismatch);
    }
    let time: Time = single(oid::ATTR_SIGNING_TIME, "signingTime")?
        .decode_as()
        .map_err(|_| ReissueError::MissingAttribute("signingTime"))?;
    let signing_time = OffsetDateTime::from(time.to_system_time());
    let ess: SigningCertificateV2 =
        single(oid::ATTR_SIGNING_CERTIFICATE_V2, "signingCertificateV2")?
            .decode_as()
            .map_err(|_| ReissueError::MissingAttribute("signingCertificateV2"))?;
    let first = ess
        .certs
        .first()
        .ok_or(ReissueError::MissingAttribute("signingCertificateV2"))?;
    let sha256_or_default = first
        .hash_algorithm
        .as_ref()
        .is_none_or(|a| a.oid == oid::SHA256);
    if !sha256_or_default || first.cert_hash.as_bytes() != Sha256::digest(signer.der()).as_slice() {
        return Err(ReissueError::SignerCertificateMismatch);
    }

    // The signature over the DER SET OF signed attributes.
    let signed_bytes = attrs.to_der().map_err(|_| ReissueError::NotAnApplication)?;
    verify_signature(
        signer.public_key(),
        &signer_info.signature_algorithm,
        &signed_bytes,
        signer_info.signature.as_bytes(),
    )
    .map_err(ReissueError::BadSignature)?;

    // The content itself, its CSRs, and that everybody is the same person.
    let application = ReissueApplication::from_der(content.as_bytes())?;
    let applicant_iin = application.applicant.iin.to_string();
    let signer_iin = signer.holder().iin.as_ref().map(|i| i.digits().to_string());
    if signer_iin.as_deref() != Some(applicant_iin.as_str()) {
        return Err(ReissueError::IinMismatch);
    }
    let mut csrs = Vec::new();
    for request in &application.requests {
        let csr = verify_request(&request.csr)?;
        if subject_iin(&csr.subject).as_deref() != Some(applicant_iin.as_str()) {
            return Err(ReissueError::IinMismatch);
        }
        csrs.push(csr);
    }
    Ok(VerifiedApplication {
        application,
        signer,
        signing_time,
        csrs,
    })
}

impl VerifiedApplication {
    /// The application's summary plus who signed it and when.
    pub fn summary(&self) -> VerifiedSummary {
        let holder = self.signer.holder();
        VerifiedSummary {
            application: self.application.summary(),
            signer: SignerSummary {
                holder: holder.full_name(),
                iin: holder.iin.as_ref().map(|i| i.digits().to_string()),
                serial: self.signer.serial_hex(),
                key_algorithm: self.signer.key_algorithm().name(),
            },
            signing_time: self.signing_time,
        }
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct VerifiedSummary {
    #[serde(flatten)]
    pub application: super::ApplicationSummary,
    pub signer: SignerSummary,
    #[serde(with = "time::serde::rfc3339")]
    pub signing_time: OffsetDateTime,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct SignerSummary {
    pub holder: Option<String>,
    pub iin: Option<String>,
    pub serial: String,
    pub key_algorithm: String,
}
