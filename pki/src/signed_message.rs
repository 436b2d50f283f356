//! Signed messages: CMS SignedData documents (content type id-data). Small
//! ones prove who holds a key: the registration authority's login challenge
//! comes back as one (signed with the AUTH key), and so does a revocation
//! request. The citizen's own documents are signed the same way, with the
//! content attached or, for large files, detached ([`sign_document`],
//! [`verify_document`]).
//!
//! Unlike the reissue application (`reissue`), whose every byte is pinned, a
//! signed message is read leniently: any single signer with signed attributes,
//! as `openssl cms -sign` writes it too, so a citizen or an operator can log
//! in with nothing but openssl. What is checked is what matters: the
//! messageDigest, the signature over the signed attributes with the signer's
//! certificate, and that the contentType attribute matches. Trust in the
//! certificate (chain, validity, revocation, purpose) is the caller's.

use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use der::asn1::{Any, ObjectIdentifier, OctetString, SetOfVec};
use der::{Decode, Encode};
use sha2::{Digest, Sha256};
use spki::AlgorithmIdentifierOwned;
use time::OffsetDateTime;
use x509_cert::attr::Attributes;
use x509_cert::ext::pkix::SubjectKeyIdentifier;
use x509_cert::time::Time;

use crate::cert::KzCertificate;
use crate::cms_read::{cms_der, single_value};
use crate::cms_write::{
    CmsWriteError, attribute, sign_attached, sign_detached, signing_certificate_v2, signing_time,
};
use crate::crypto::{
    DigestAlgorithm, SignError, SignatureAlgorithm, Signer, VerifyError, verify_signature,
};
use crate::oid;
use crate::reissue::wire::SigningCertificateV2;

/// Why a signed message could not be made or read.
#[derive(Debug, thiserror::Error)]
pub enum SignedMessageError {
    #[error("this is not a CMS signed message (DER or PEM); send the signed bytes unchanged")]
    Malformed,
    #[error("the signed message has no content; sign with the content attached")]
    Detached,
    #[error(
        "the signature is detached and the signed document was not given; give the document it signs"
    )]
    ContentMissing,
    #[error(
        "the signed message already carries its content; verify it without a separate document"
    )]
    ContentTwice,
    #[error("the signed message must have exactly one signer")]
    SignerCount,
    #[error("the signer's certificate is not in the message; include it when signing")]
    SignerCertificateMissing,
    #[error("the signed message lacks its {0} attribute; sign with signed attributes")]
    MissingAttribute(&'static str),
    #[error("the content does not match its messageDigest; the message was altered")]
    DigestMismatch,
    #[error("digest algorithm {0} is not accepted; use SHA-256 or Streebog-512")]
    UnsupportedDigest(String),
    #[error("signature algorithm {0} is not accepted here")]
    UnsupportedSignature(String),
    #[error("the signature does not verify: {0}")]
    BadSignature(VerifyError),
    #[error("the key cannot sign a message: {0}")]
    Sign(#[from] SignError),
    #[error(
        "the key's algorithm {0} cannot sign a message; use a GOST 2015, RSA or ECDSA P-256 key"
    )]
    UnsupportedSigner(String),
    #[error("the signing certificate does not belong to this key")]
    KeyMismatch,
    #[error(
        "the signingCertificateV2 attribute names another certificate than the signer's; the message was altered"
    )]
    SigningCertificateMismatch,
    #[error(
        "the given hash is {got} bytes but the key's {algorithm} digest is {expected}; hash the document with {algorithm}"
    )]
    DigestLength {
        algorithm: &'static str,
        expected: usize,
        got: usize,
    },
    #[error("a signature over a given hash cannot carry the document; sign it detached")]
    DigestAttached,
    /// The signature's time-stamp (CAdES-T) does not hold.
    #[error(transparent)]
    Timestamp(#[from] crate::tsp::TimestampError),
}

impl qoltanba_l10n::Localize for SignedMessageError {
    /// `error-document-…`: one message per variant; algorithm names and a
    /// key's or signature's own reason stay as they are.
    fn text(&self) -> qoltanba_l10n::Text {
        use qoltanba_l10n::Text;
        match self {
            Self::Malformed => Text::new("error-document-malformed"),
            Self::Detached => Text::new("error-document-detached"),
            Self::ContentMissing => Text::new("error-document-content-missing"),
            Self::ContentTwice => Text::new("error-document-content-twice"),
            Self::SignerCount => Text::new("error-document-signer-count"),
            Self::SignerCertificateMissing => {
                Text::new("error-document-signer-certificate-missing")
            }
            Self::MissingAttribute(name) => {
                Text::new("error-document-missing-attribute").arg("attribute", *name)
            }
            Self::DigestMismatch => Text::new("error-document-digest-mismatch"),
            Self::UnsupportedDigest(alg) => {
                Text::new("error-document-unsupported-digest").arg("algorithm", alg.as_str())
            }
            Self::UnsupportedSignature(alg) => {
                Text::new("error-document-unsupported-signature").arg("algorithm", alg.as_str())
            }
            Self::BadSignature(e) => {
                Text::new("error-document-bad-signature").arg("reason", e.to_string())
            }
            Self::Sign(e) => Text::new("error-document-sign").arg("reason", e.to_string()),
            Self::UnsupportedSigner(alg) => {
                Text::new("error-document-unsupported-signer").arg("algorithm", alg.as_str())
            }
            Self::KeyMismatch => Text::new("error-document-key-mismatch"),
            Self::SigningCertificateMismatch => {
                Text::new("error-document-signing-certificate-mismatch")
            }
            Self::DigestLength {
                algorithm,
                expected,
                got,
            } => Text::new("error-document-digest-length")
                .arg("algorithm", *algorithm)
                .arg("expected", expected.to_string())
                .arg("got", got.to_string()),
            Self::DigestAttached => Text::new("error-document-digest-attached"),
            Self::Timestamp(e) => e.text(),
        }
    }
}

/// A signed message that checked out.
#[derive(Debug, Clone)]
pub struct VerifiedMessage {
    pub content: Vec<u8>,
    /// The signer's certificate, for the caller's trust decision.
    pub signer: KzCertificate,
    /// The signingTime attribute, when present (the signer's own claim).
    pub signing_time: Option<OffsetDateTime>,
    /// The genTime of the signature time-stamp (CAdES-T), when present: a
    /// TSA's word that the signature existed then. Checked: the token's
    /// signature, its TSA certificate's timeStamping purpose and that it
    /// stamps this signature value.
    pub timestamp: Option<OffsetDateTime>,
    /// The signingCertificateV2 attribute (CAdES-BES) is present and names
    /// the signer's certificate.
    pub names_signing_certificate: bool,
}

/// Whether a signed document carries the content it signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Attachment {
    /// The content travels inside the CMS (one file to send).
    Attached,
    /// Only the signature; the verifier needs the document beside it.
    Detached,
}

/// Which signed attributes a CMS signature carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum CmsProfile {
    /// contentType, signingTime, messageDigest: what NCA's library writes
    /// for a plain CMS (`createCMSSignatureFromBase64`, basics `cms`).
    Cms,
    /// CAdES-BES (ETSI TS 101 733, RFC 5126): the same plus
    /// signingCertificateV2 (RFC 5035) naming the signer's certificate by
    /// its SHA-256, as `createCAdESFromBase64` does.
    CadesBes,
}

/// How [`sign_cms`] signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CmsSignOptions {
    pub attachment: Attachment,
    pub profile: CmsProfile,
    /// The content given is already the digest of the document (NCA's
    /// `createCAdESFromBase64Hash`, basics `digested: true`): it becomes the
    /// messageDigest as it is (its length must be the key's digest length)
    /// and the signature is detached.
    pub content_is_digest: bool,
}

impl CmsSignOptions {
    /// A plain CMS over the content, attached or detached.
    pub fn cms(attachment: Attachment) -> Self {
        Self {
            attachment,
            profile: CmsProfile::Cms,
            content_is_digest: false,
        }
    }
}

/// Sign `content` as an attached id-data CMS message with `signer`, whose
/// certificate is `cert`, at `at`. DER output.
pub fn sign_message(
    content: &[u8],
    signer: &dyn Signer,
    cert: &KzCertificate,
    at: OffsetDateTime,
) -> Result<Vec<u8>, SignedMessageError> {
    sign_document(content, Attachment::Attached, signer, cert, at)
}

/// Sign `content` as an id-data CMS document, attached or detached, with
/// `signer`, whose certificate is `cert`, at `at`. DER output, which
/// `openssl cms -verify` (with `-content` when detached) accepts.
pub fn sign_document(
    content: &[u8],
    attachment: Attachment,
    signer: &dyn Signer,
    cert: &KzCertificate,
    at: OffsetDateTime,
) -> Result<Vec<u8>, SignedMessageError> {
    sign_cms(content, &CmsSignOptions::cms(attachment), signer, cert, at)
}

/// Sign `content` (or, with [`CmsSignOptions::content_is_digest`], the
/// document whose digest it is) as an id-data CMS SignedData with `signer`,
/// whose certificate is `cert`, at `at`: the one place qoltanba writes a
/// citizen's CMS. DER output, which `openssl cms -verify` (with `-content`
/// when detached) accepts. A time-stamp (CAdES-T) is added afterwards with
/// [`crate::tsp::add_signature_timestamp`].
pub fn sign_cms(
    content: &[u8],
    options: &CmsSignOptions,
    signer: &dyn Signer,
    cert: &KzCertificate,
    at: OffsetDateTime,
) -> Result<Vec<u8>, SignedMessageError> {
    let (key, certified) = (signer.public_key(), cert.public_key());
    if key.algorithm.oid != certified.algorithm.oid
        || key.subject_public_key != certified.subject_public_key
    {
        return Err(SignedMessageError::KeyMismatch);
    }
    let algorithm = signer.algorithm();
    let digest = algorithm
        .digest()
        .ok_or_else(|| SignedMessageError::UnsupportedSigner(algorithm.name().into()))?;
    let message_digest = if options.content_is_digest {
        if options.attachment == Attachment::Attached {
            return Err(SignedMessageError::DigestAttached);
        }
        if content.len() != digest.output_len() {
            return Err(SignedMessageError::DigestLength {
                algorithm: digest.name(),
                expected: digest.output_len(),
                got: content.len(),
            });
        }
        content.to_vec()
    } else {
        digest.digest(content)
    };
    let encode = |_| SignedMessageError::Malformed;
    // The order NCA's library writes them in; DER sorts the SET anyway.
    let mut attrs = vec![
        attribute(oid::ATTR_CONTENT_TYPE, &oid::CT_DATA).map_err(encode)?,
        signing_time(at).map_err(encode)?,
        attribute(
            oid::ATTR_MESSAGE_DIGEST,
            &OctetString::new(message_digest).map_err(encode)?,
        )
        .map_err(encode)?,
    ];
    if options.profile == CmsProfile::CadesBes {
        attrs.push(signing_certificate_v2(cert).map_err(encode)?);
    }
    let attrs: Attributes = SetOfVec::try_from(attrs).map_err(encode)?;
    let content_type = Any::encode_from(&oid::CT_DATA).map_err(encode)?;
    match options.attachment {
        Attachment::Attached if !options.content_is_digest => {
            sign_attached(content, content_type, digest, attrs, signer, cert)
        }
        _ => sign_detached(content_type, digest, attrs, signer, cert),
    }
    .map_err(|e| match e {
        CmsWriteError::Sign(e) => SignedMessageError::Sign(e),
        CmsWriteError::Encoding => SignedMessageError::Malformed,
    })
}

/// Verify a signed message (DER, or PEM labelled CMS or PKCS7) that
/// carries its content.
pub fn verify_message(bytes: &[u8]) -> Result<VerifiedMessage, SignedMessageError> {
    verify_document(bytes, None).map_err(|e| match e {
        // A message proves possession only with its content inside.
        SignedMessageError::ContentMissing => SignedMessageError::Detached,
        e => e,
    })
}

/// Verify a signed document: attached when `detached_content` is `None`,
/// else a detached signature over `detached_content`. The signature, its
/// messageDigest and contentType are checked; so are, when present, the
/// signingCertificateV2 attribute (CAdES-BES: it must name the signer's
/// certificate) and the signature time-stamp (CAdES-T: see
/// [`VerifiedMessage::timestamp`]). Trust in the signer's certificate is
/// the caller's.
pub fn verify_document(
    bytes: &[u8],
    detached_content: Option<&[u8]>,
) -> Result<VerifiedMessage, SignedMessageError> {
    let parts = verify_signed_data(bytes, detached_content)?;
    let attrs = parts
        .signer_info
        .signed_attrs
        .as_ref()
        .ok_or(SignedMessageError::MissingAttribute("signed attributes"))?;
    let names_signing_certificate = match attrs
        .iter()
        .find(|a| a.oid == oid::ATTR_SIGNING_CERTIFICATE_V2)
    {
        None => false,
        Some(_) => {
            let ess: SigningCertificateV2 = single(
                attrs,
                oid::ATTR_SIGNING_CERTIFICATE_V2,
                "signingCertificateV2",
            )?
            .decode_as()
            .map_err(|_| SignedMessageError::MissingAttribute("signingCertificateV2"))?;
            // RFC 5035 5.4: the first ESSCertIDv2 is the signer's certificate.
            let named = ess.certs.first().is_some_and(|id| {
                id.hash_algorithm().oid == oid::SHA256
                    && id.cert_hash.as_bytes() == Sha256::digest(parts.signer.der()).as_slice()
            });
            if !named {
                return Err(SignedMessageError::SigningCertificateMismatch);
            }
            true
        }
    };
    let timestamp = match parts
        .signer_info
        .unsigned_attrs
        .as_ref()
        .and_then(|u| single_value(u, oid::ATTR_SIGNATURE_TIMESTAMP))
    {
        Some(token) => {
            let token = token.to_der().map_err(|_| SignedMessageError::Malformed)?;
            let stamped =
                crate::tsp::check_token(&token, parts.signer_info.signature.as_bytes(), None)?;
            Some(stamped.time)
        }
        None if parts
            .signer_info
            .unsigned_attrs
            .as_ref()
            .is_some_and(|u| u.iter().any(|a| a.oid == oid::ATTR_SIGNATURE_TIMESTAMP)) =>
        {
            return Err(SignedMessageError::Timestamp(
                crate::tsp::TimestampError::Malformed,
            ));
        }
        None => None,
    };
    Ok(VerifiedMessage {
        content: parts.content,
        signer: parts.signer,
        signing_time: parts.signing_time,
        timestamp,
        names_signing_certificate,
    })
}

/// What [`verify_signed_data`] checked and found.
pub(crate) struct SignedParts {
    pub content: Vec<u8>,
    pub signer: KzCertificate,
    pub signing_time: Option<OffsetDateTime>,
    pub content_type: ObjectIdentifier,
    pub signer_info: SignerInfo,
}

/// The checks every single-signer SignedData goes through, a citizen's
/// document or a TSA's token: the messageDigest over the content, the
/// contentType attribute, the signature over the signed attributes with
/// the included certificate the sid names.
pub(crate) fn verify_signed_data(
    bytes: &[u8],
    detached_content: Option<&[u8]>,
) -> Result<SignedParts, SignedMessageError> {
    let der = cms_der(bytes).ok_or(SignedMessageError::Malformed)?;
    let info = ContentInfo::from_der(&der).map_err(|_| SignedMessageError::Malformed)?;
    if info.content_type != oid::CT_SIGNED_DATA {
        return Err(SignedMessageError::Malformed);
    }
    let signed: SignedData = info
        .content
        .decode_as()
        .map_err(|_| SignedMessageError::Malformed)?;
    let attached: Option<OctetString> = signed
        .encap_content_info
        .econtent
        .as_ref()
        .map(|c| c.decode_as())
        .transpose()
        .map_err(|_| SignedMessageError::Malformed)?;
    let content: &[u8] = match (&attached, detached_content) {
        (Some(content), None) => content.as_bytes(),
        (None, Some(content)) => content,
        (Some(_), Some(_)) => return Err(SignedMessageError::ContentTwice),
        (None, None) => return Err(SignedMessageError::ContentMissing),
    };
    let mut infos = signed.signer_infos.0.iter();
    let signer_info = match (infos.next(), infos.next()) {
        (Some(info), None) => info,
        _ => return Err(SignedMessageError::SignerCount),
    };
    check_unsigned_fields(&signed, signer_info)?;
    let signer = signer_certificate(&signed, signer_info)?;
    let attrs = signer_info
        .signed_attrs
        .as_ref()
        .ok_or(SignedMessageError::MissingAttribute("signed attributes"))?;

    let content_type: ObjectIdentifier = single(attrs, oid::ATTR_CONTENT_TYPE, "contentType")?
        .decode_as()
        .map_err(|_| SignedMessageError::MissingAttribute("contentType"))?;
    if content_type != signed.encap_content_info.econtent_type {
        return Err(SignedMessageError::MissingAttribute("contentType"));
    }
    let digest = digest_algorithm(&signer_info.digest_alg)?;
    let message_digest: OctetString = single(attrs, oid::ATTR_MESSAGE_DIGEST, "messageDigest")?
        .decode_as()
        .map_err(|_| SignedMessageError::MissingAttribute("messageDigest"))?;
    if message_digest.as_bytes() != digest.digest(content).as_slice() {
        return Err(SignedMessageError::DigestMismatch);
    }
    let signing_time = attrs
        .iter()
        .find(|a| a.oid == oid::ATTR_SIGNING_TIME)
        .and_then(|a| a.values.iter().next())
        .and_then(|v| v.decode_as::<Time>().ok())
        .map(|t| OffsetDateTime::from(t.to_system_time()));

    let algorithm = signature_algorithm(&signer_info.signature_algorithm, digest)?;
    let signed_bytes = attrs.to_der().map_err(|_| SignedMessageError::Malformed)?;
    verify_signature(
        signer.public_key(),
        &algorithm.identifier(),
        &signed_bytes,
        signer_info.signature.as_bytes(),
    )
    .map_err(SignedMessageError::BadSignature)?;
    Ok(SignedParts {
        content: content.to_vec(),
        signer,
        signing_time,
        content_type,
        signer_info: signer_info.clone(),
    })
}

/// The fields outside the signature hold what RFC 5652 says they must, so
/// no byte of a message can change without the message being refused
/// (issue 21's byte-flip test, `qoltanba message verify`): the versions
/// (§5.1, §5.3: 1 with an issuer and serial number and id-data content, 3
/// with a subject key identifier or other content), the digestAlgorithms
/// set (exactly the signer's digest algorithm), and the algorithm
/// parameters (absent or NULL for every digest and signature algorithm
/// accepted here). openssl, NCA's Kalkan and qoltanba write exactly this.
fn check_unsigned_fields(
    signed: &SignedData,
    signer_info: &SignerInfo,
) -> Result<(), SignedMessageError> {
    use cms::content_info::CmsVersion;
    let by_key_id = matches!(signer_info.sid, SignerIdentifier::SubjectKeyIdentifier(_));
    let signer_version = if by_key_id {
        CmsVersion::V3
    } else {
        CmsVersion::V1
    };
    let data_version = if by_key_id || signed.encap_content_info.econtent_type != oid::CT_DATA {
        CmsVersion::V3
    } else {
        CmsVersion::V1
    };
    if signer_info.version != signer_version || signed.version != data_version {
        return Err(SignedMessageError::Malformed);
    }
    let mut digests = signed.digest_algorithms.iter();
    let listed = match (digests.next(), digests.next()) {
        (Some(listed), None) => listed,
        _ => return Err(SignedMessageError::Malformed),
    };
    if listed.oid != signer_info.digest_alg.oid {
        return Err(SignedMessageError::Malformed);
    }
    for id in [
        listed,
        &signer_info.digest_alg,
        &signer_info.signature_algorithm,
    ] {
        let params_ok = match &id.parameters {
            None => true,
            Some(p) => der::Tagged::tag(p) == der::Tag::Null && p.value().is_empty(),
        };
        if !params_ok {
            return Err(SignedMessageError::Malformed);
        }
    }
    Ok(())
}

fn single<'a>(
    attrs: &'a Attributes,
    oid: ObjectIdentifier,
    name: &'static str,
) -> Result<&'a Any, SignedMessageError> {
    single_value(attrs, oid).ok_or(SignedMessageError::MissingAttribute(name))
}

/// The included certificate the sid names, by issuer and serial or by
/// subject key identifier.
fn signer_certificate(
    signed: &SignedData,
    signer: &SignerInfo,
) -> Result<KzCertificate, SignedMessageError> {
    let certs = signed
        .certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .filter_map(|choice| match choice {
            CertificateChoices::Certificate(cert) => Some(cert),
            _ => None,
        });
    for cert in certs {
        let kz = KzCertificate::from_certificate(cert.clone())
            .map_err(|_| SignedMessageError::SignerCertificateMissing)?;
        let named = match &signer.sid {
            SignerIdentifier::IssuerAndSerialNumber(sid) => {
                let tbs = cert.tbs_certificate();
                tbs.issuer() == &sid.issuer && tbs.serial_number() == &sid.serial_number
            }
            SignerIdentifier::SubjectKeyIdentifier(SubjectKeyIdentifier(ski)) => {
                kz.subject_key_id().is_some_and(|id| id == ski.as_bytes())
            }
        };
        if named {
            return Ok(kz);
        }
    }
    Err(SignedMessageError::SignerCertificateMissing)
}

pub(crate) fn digest_algorithm(
    id: &AlgorithmIdentifierOwned,
) -> Result<DigestAlgorithm, SignedMessageError> {
    [DigestAlgorithm::Sha256, DigestAlgorithm::Streebog512]
        .into_iter()
        .find(|d| d.oid() == id.oid)
        .ok_or_else(|| SignedMessageError::UnsupportedDigest(id.oid.to_string()))
}

/// The signature algorithm, read as CMS writers spell it: openssl names an
/// RSA signature by the key's OID (rsaEncryption) and leaves the hash to the
/// digest algorithm (RFC 3370 §3.2).
fn signature_algorithm(
    id: &AlgorithmIdentifierOwned,
    digest: DigestAlgorithm,
) -> Result<SignatureAlgorithm, SignedMessageError> {
    let algorithm = if id.oid == oid::RSA_ENCRYPTION && digest == DigestAlgorithm::Sha256 {
        Some(SignatureAlgorithm::RsaPkcs1Sha256)
    } else {
        SignatureAlgorithm::from_identifier(id)
    };
    algorithm
        .filter(|a| a.digest() == Some(digest))
        .ok_or_else(|| SignedMessageError::UnsupportedSignature(id.oid.to_string()))
}
