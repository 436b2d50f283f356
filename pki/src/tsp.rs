//! RFC 3161 time-stamps for CAdES-T: a TSA's signed word that a CMS
//! signature existed at a time. The request stamps the digest of the
//! SignerInfo's signature value; the token goes back into the SignerInfo as
//! the unsigned attribute id-aa-signatureTimeStampToken (RFC 3161 appendix
//! A, ETSI TS 101 733 6.1.1).
//!
//! No network here: [`timestamp_request`] makes the TimeStampReq (a fresh
//! nonce, certReq so the token carries the TSA's certificate), the caller
//! POSTs it (`application/timestamp-query`; qoltanba-core's
//! `TimestampAuthority`), and [`add_signature_timestamp`] checks the
//! TimeStampResp and embeds the token. What is checked: the status granted,
//! the token's CMS signature with the certificate it carries, that this
//! certificate is a TSA's (a critical extended key usage naming
//! timeStamping, RFC 3161 2.3), the imprint is the digest of this very
//! signature value and the nonce is the request's. Whether the TSA is one
//! the caller trusts (its chain) is the caller's decision, as for a
//! signer's certificate.
//!
//! The imprint's hash is the one that goes with the signer's key: SHA-256
//! for RSA and ECDSA, Streebog-512 for GOST 2015 (what NCA's TSA stamps for
//! its GOST 2015 policy).

use cms::content_info::ContentInfo;
use der::asn1::{Any, Int, ObjectIdentifier, OctetString, SetOfVec, Uint};
use der::{Decode, Encode, Sequence, Tagged};
use spki::AlgorithmIdentifierOwned;
use time::OffsetDateTime;
use x509_cert::attr::Attribute;
use x509_cert::ext::Extensions;
use x509_cert::ext::pkix::ExtendedKeyUsage;

use crate::cert::KzCertificate;
use crate::cms_read::cms_der;
use crate::cms_write::SignedData;
use crate::crypto::DigestAlgorithm;
use crate::oid;
use crate::signed_message::{digest_algorithm, verify_signed_data};

/// Why a time-stamp could not be requested, added or trusted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimestampError {
    #[error(
        "the signature to time-stamp is not a CMS signed message with one signer; time-stamp the signature qoltanba made"
    )]
    NotASignature,
    #[error(
        "the time-stamp authority's answer is not an RFC 3161 time-stamp; check the TSA address"
    )]
    Malformed,
    #[error(
        "the time-stamp authority refused (status {status}{detail}); try again later or configure another TSA"
    )]
    Rejected { status: u8, detail: String },
    #[error("the time-stamp authority granted the request but sent no token; try again")]
    NoToken,
    #[error("the time-stamp answers another request (its nonce differs); try again")]
    NonceMismatch,
    #[error("the time-stamp stamps other data than this signature; the TSA's answer is not for it")]
    ImprintMismatch,
    #[error("the time-stamp's hash algorithm {0} is not accepted; use SHA-256 or Streebog-512")]
    UnsupportedDigest(String),
    #[error("the time-stamp's signature does not verify: {0}")]
    BadToken(String),
    #[error(
        "the time-stamp is signed by a certificate that is not a TSA's (no critical timeStamping extended key usage)"
    )]
    NotATimestampAuthority,
}

impl qoltanba_l10n::Localize for TimestampError {
    /// `error-timestamp-…`: one message per variant.
    fn text(&self) -> qoltanba_l10n::Text {
        use qoltanba_l10n::Text;
        match self {
            Self::NotASignature => Text::new("error-timestamp-not-a-signature"),
            Self::Malformed => Text::new("error-timestamp-malformed"),
            Self::Rejected { status, detail } => Text::new("error-timestamp-rejected")
                .arg("status", status.to_string())
                .arg("detail", detail.as_str()),
            Self::NoToken => Text::new("error-timestamp-no-token"),
            Self::NonceMismatch => Text::new("error-timestamp-nonce-mismatch"),
            Self::ImprintMismatch => Text::new("error-timestamp-imprint-mismatch"),
            Self::UnsupportedDigest(alg) => {
                Text::new("error-timestamp-unsupported-digest").arg("algorithm", alg.as_str())
            }
            Self::BadToken(reason) => {
                Text::new("error-timestamp-bad-token").arg("reason", reason.as_str())
            }
            Self::NotATimestampAuthority => Text::new("error-timestamp-not-a-tsa"),
        }
    }
}

/// RFC 3161 MessageImprint.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
struct MessageImprint {
    hash_algorithm: AlgorithmIdentifierOwned,
    hashed_message: OctetString,
}

/// RFC 3161 TimeStampReq (no policy, no extensions).
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
struct TimeStampReq {
    version: u8,
    message_imprint: MessageImprint,
    #[asn1(optional = "true")]
    req_policy: Option<ObjectIdentifier>,
    #[asn1(optional = "true")]
    nonce: Option<Uint>,
    /// DEFAULT FALSE; written only when true.
    #[asn1(optional = "true")]
    cert_req: Option<bool>,
}

/// RFC 3161 PKIStatusInfo (RFC 4210).
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
struct PkiStatusInfo {
    status: u8,
    #[asn1(optional = "true")]
    status_string: Option<Vec<String>>,
    #[asn1(optional = "true")]
    fail_info: Option<der::asn1::BitString>,
}

/// RFC 3161 TimeStampResp.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
struct TimeStampResp {
    status: PkiStatusInfo,
    #[asn1(optional = "true")]
    time_stamp_token: Option<ContentInfo>,
}

/// RFC 3161 Accuracy.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
struct Accuracy {
    #[asn1(optional = "true")]
    seconds: Option<u64>,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    millis: Option<u16>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    micros: Option<u16>,
}

/// RFC 3161 TSTInfo. genTime is kept raw: TSAs may write fractional
/// seconds, which `der`'s GeneralizedTime refuses.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
struct TstInfo {
    version: u8,
    policy: ObjectIdentifier,
    message_imprint: MessageImprint,
    serial_number: Int,
    gen_time: Any,
    #[asn1(optional = "true")]
    accuracy: Option<Accuracy>,
    #[asn1(optional = "true")]
    ordering: Option<bool>,
    #[asn1(optional = "true")]
    nonce: Option<Uint>,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    tsa: Option<Any>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    extensions: Option<Extensions>,
}

/// A TimeStampReq for one signature, with what its answer must match.
#[derive(Debug, Clone)]
pub struct TimestampRequest {
    der: Vec<u8>,
    nonce: Uint,
    imprint: MessageImprint,
}

impl TimestampRequest {
    /// The DER TimeStampReq, the body of the POST to the TSA.
    pub fn der(&self) -> &[u8] {
        &self.der
    }
}

/// A checked time-stamp token.
#[derive(Debug, Clone)]
pub struct StampedTime {
    /// genTime: when the TSA saw the stamped data.
    pub time: OffsetDateTime,
    /// The TSA's certificate, from the token (for the caller's trust
    /// decision).
    pub tsa: KzCertificate,
}

/// The TimeStampReq for the signature value of `signed_cms` (DER or PEM,
/// one signer): imprint = the signer's digest algorithm over the signature
/// value, a random 64-bit nonce, certReq.
pub fn timestamp_request(signed_cms: &[u8]) -> Result<TimestampRequest, TimestampError> {
    let (_, signed) = signed_data(signed_cms)?;
    let signer_info = single_signer(&signed)?;
    let digest = digest_algorithm(&signer_info.digest_alg)
        .map_err(|_| TimestampError::UnsupportedDigest(signer_info.digest_alg.oid.to_string()))?;
    let imprint = MessageImprint {
        hash_algorithm: digest.identifier(),
        hashed_message: OctetString::new(digest.digest(signer_info.signature.as_bytes()))
            .map_err(|_| TimestampError::NotASignature)?,
    };
    let mut random = [0u8; 8];
    getrandom::fill(&mut random).map_err(|_| TimestampError::NotASignature)?;
    // Never zero, so the nonce is never an empty integer.
    random[0] |= 1;
    let nonce = Uint::new(&random).map_err(|_| TimestampError::NotASignature)?;
    let request = TimeStampReq {
        version: 1,
        message_imprint: imprint.clone(),
        req_policy: None,
        nonce: Some(nonce.clone()),
        cert_req: Some(true),
    };
    let der = request
        .to_der()
        .map_err(|_| TimestampError::NotASignature)?;
    Ok(TimestampRequest {
        der,
        nonce,
        imprint,
    })
}

/// Check the TSA's `response` (a DER TimeStampResp) to `request` and return
/// `signed_cms` with the token added as the signer's
/// signatureTimeStampToken (CAdES-T), and the time it states. Nothing is
/// returned unless every check holds.
pub fn add_signature_timestamp(
    signed_cms: &[u8],
    request: &TimestampRequest,
    response: &[u8],
) -> Result<(Vec<u8>, StampedTime), TimestampError> {
    let (_, signed) = signed_data(signed_cms)?;
    let signer_info = single_signer(&signed)?;
    let response = TimeStampResp::from_der(response).map_err(|_| TimestampError::Malformed)?;
    // 0 granted, 1 grantedWithMods; anything else is a refusal.
    if response.status.status > 1 {
        let detail = response
            .status
            .status_string
            .unwrap_or_default()
            .join("; ")
            .chars()
            .filter(|c| !c.is_control())
            .take(200)
            .collect::<String>();
        return Err(TimestampError::Rejected {
            status: response.status.status,
            detail: if detail.is_empty() {
                String::new()
            } else {
                format!(": {detail}")
            },
        });
    }
    let token = response.time_stamp_token.ok_or(TimestampError::NoToken)?;
    let token_der = token.to_der().map_err(|_| TimestampError::Malformed)?;
    let (stamped, info) = check_token_info(
        &token_der,
        signer_info.signature.as_bytes(),
        Some(&request.nonce),
    )?;
    if info.message_imprint.hash_algorithm.oid != request.imprint.hash_algorithm.oid
        || info.message_imprint.hashed_message != request.imprint.hashed_message
    {
        return Err(TimestampError::ImprintMismatch);
    }

    let attribute = Attribute {
        oid: oid::ATTR_SIGNATURE_TIMESTAMP,
        values: SetOfVec::try_from(vec![
            Any::from_der(&token_der).map_err(|_| TimestampError::Malformed)?,
        ])
        .map_err(|_| TimestampError::Malformed)?,
    };
    let mut signer_info = signer_info.clone();
    let mut unsigned: Vec<Attribute> = signer_info
        .unsigned_attrs
        .take()
        .map(|set| {
            set.into_vec()
                .into_iter()
                .filter(|a| a.oid != oid::ATTR_SIGNATURE_TIMESTAMP)
                .collect()
        })
        .unwrap_or_default();
    unsigned.push(attribute);
    signer_info.unsigned_attrs =
        Some(SetOfVec::try_from(unsigned).map_err(|_| TimestampError::Malformed)?);
    let mut signed = signed;
    signed.signer_infos = cms::signed_data::SignerInfos(
        SetOfVec::try_from(vec![signer_info]).map_err(|_| TimestampError::Malformed)?,
    );
    let der = ContentInfo {
        content_type: oid::CT_SIGNED_DATA,
        content: Any::encode_from(&signed).map_err(|_| TimestampError::Malformed)?,
    }
    .to_der()
    .map_err(|_| TimestampError::Malformed)?;
    Ok((der, stamped))
}

/// Check a time-stamp token (a DER ContentInfo) over `stamped` (the data
/// whose digest it must carry); with `nonce`, the nonce it must echo.
pub(crate) fn check_token(
    token: &[u8],
    stamped: &[u8],
    nonce: Option<&Uint>,
) -> Result<StampedTime, TimestampError> {
    check_token_info(token, stamped, nonce).map(|(time, _)| time)
}

fn check_token_info(
    token: &[u8],
    stamped: &[u8],
    nonce: Option<&Uint>,
) -> Result<(StampedTime, TstInfo), TimestampError> {
    let parts =
        verify_signed_data(token, None).map_err(|e| TimestampError::BadToken(e.to_string()))?;
    if parts.content_type != oid::CT_TST_INFO {
        return Err(TimestampError::Malformed);
    }
    if !is_timestamp_authority(&parts.signer) {
        return Err(TimestampError::NotATimestampAuthority);
    }
    let info = TstInfo::from_der(&parts.content).map_err(|_| TimestampError::Malformed)?;
    let digest = [DigestAlgorithm::Sha256, DigestAlgorithm::Streebog512]
        .into_iter()
        .find(|d| d.oid() == info.message_imprint.hash_algorithm.oid)
        .ok_or_else(|| {
            TimestampError::UnsupportedDigest(info.message_imprint.hash_algorithm.oid.to_string())
        })?;
    if info.message_imprint.hashed_message.as_bytes() != digest.digest(stamped).as_slice() {
        return Err(TimestampError::ImprintMismatch);
    }
    if let Some(expected) = nonce
        && info.nonce.as_ref() != Some(expected)
    {
        return Err(TimestampError::NonceMismatch);
    }
    let time = generalized_time(&info.gen_time).ok_or(TimestampError::Malformed)?;
    Ok((
        StampedTime {
            time,
            tsa: parts.signer,
        },
        info,
    ))
}

/// RFC 3161 2.3: the TSA's certificate has exactly one extended key usage,
/// timeStamping, and the extension is critical.
fn is_timestamp_authority(cert: &KzCertificate) -> bool {
    let extensions = cert.inner().tbs_certificate().extensions();
    extensions.into_iter().flatten().any(|ext| {
        ext.extn_id == oid::EXT_EXTENDED_KEY_USAGE
            && ext.critical
            && ExtendedKeyUsage::from_der(ext.extn_value.as_bytes())
                .is_ok_and(|eku| eku.0 == [oid::KP_TIME_STAMPING])
    })
}

/// A GeneralizedTime `YYYYMMDDHHMMSS[.f+]Z` (RFC 3161 2.4.2), fraction
/// dropped.
fn generalized_time(value: &Any) -> Option<OffsetDateTime> {
    if value.tag() != der::Tag::GeneralizedTime {
        return None;
    }
    let text = std::str::from_utf8(value.value()).ok()?;
    let text = text.strip_suffix('Z')?;
    let whole = text.split('.').next()?;
    if whole.len() != 14 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let num = |range: std::ops::Range<usize>| whole[range].parse::<u32>().ok();
    let date = time::Date::from_calendar_date(
        i32::try_from(num(0..4)?).ok()?,
        time::Month::try_from(u8::try_from(num(4..6)?).ok()?).ok()?,
        u8::try_from(num(6..8)?).ok()?,
    )
    .ok()?;
    let time = time::Time::from_hms(
        u8::try_from(num(8..10)?).ok()?,
        u8::try_from(num(10..12)?).ok()?,
        u8::try_from(num(12..14)?).ok()?,
    )
    .ok()?;
    Some(time::PrimitiveDateTime::new(date, time).assume_utc())
}

fn signed_data(signed_cms: &[u8]) -> Result<(ContentInfo, SignedData), TimestampError> {
    let der = cms_der(signed_cms).ok_or(TimestampError::NotASignature)?;
    let info = ContentInfo::from_der(&der).map_err(|_| TimestampError::NotASignature)?;
    if info.content_type != oid::CT_SIGNED_DATA {
        return Err(TimestampError::NotASignature);
    }
    let signed: SignedData = info
        .content
        .decode_as()
        .map_err(|_| TimestampError::NotASignature)?;
    Ok((info, signed))
}

fn single_signer(signed: &SignedData) -> Result<&cms::signed_data::SignerInfo, TimestampError> {
    let mut infos = signed.signer_infos.0.iter();
    match (infos.next(), infos.next()) {
        (Some(info), None) => Ok(info),
        _ => Err(TimestampError::NotASignature),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_generalized_times_with_and_without_fractions() {
        let at = |s: &str| Any::new(der::Tag::GeneralizedTime, s.as_bytes().to_vec()).unwrap();
        let t = generalized_time(&at("20261207101500Z")).unwrap();
        assert_eq!(t, time::macros::datetime!(2026-12-07 10:15:00 UTC));
        let t = generalized_time(&at("20261207101500.123Z")).unwrap();
        assert_eq!(t, time::macros::datetime!(2026-12-07 10:15:00 UTC));
        assert!(generalized_time(&at("20261207101500")).is_none());
        assert!(generalized_time(&at("2026120710150Z")).is_none());
        assert!(generalized_time(&at("20261307101500Z")).is_none());
    }

    /// A real answer of NCA's test TSA (published with NCANode): it reads,
    /// and its GOST 34.311-95 signature digest is refused by name, not
    /// misread.
    #[test]
    fn reads_a_real_nca_tsa_answer() {
        // Read in place, not through the test kit: a unit test that links
        // qoltanba-testkit links a second qoltanba-pki, whose uniffi
        // scaffolding (feature `uniffi`, on in workspace builds) then
        // clashes with this one's at link time.
        let response = TimeStampResp::from_der(include_bytes!(
            "../../testdata/nca-test/ncanode/tsp/tsp_response.bin"
        ))
        .unwrap();
        assert_eq!(response.status.status, 0);
        let token = response.time_stamp_token.unwrap();
        assert_eq!(token.content_type, oid::CT_SIGNED_DATA);
        let signed: cms::signed_data::SignedData = token.content.decode_as().unwrap();
        assert_eq!(signed.encap_content_info.econtent_type, oid::CT_TST_INFO);
        let econtent: OctetString = signed
            .encap_content_info
            .econtent
            .unwrap()
            .decode_as()
            .unwrap();
        let info = TstInfo::from_der(econtent.as_bytes()).unwrap();
        assert_eq!(info.version, 1);
        // NCA's policy arc 1.2.398.3.3.2.6; the imprint was SHA-1.
        assert!(info.policy.to_string().starts_with("1.2.398.3.3.2.6."));
        assert_eq!(info.message_imprint.hash_algorithm.oid, oid::SHA1);
        assert_eq!(
            generalized_time(&info.gen_time),
            Some(time::macros::datetime!(2022-09-18 13:20:14 UTC))
        );
        assert!(info.nonce.is_some());
        let token = token.to_der().unwrap();
        assert!(matches!(
            check_token(&token, b"anything", None),
            Err(TimestampError::BadToken(reason)) if reason.contains("1.2.398.3.10.1.3.1")
        ));
    }

    #[test]
    fn a_request_carries_the_imprint_a_nonce_and_cert_req() {
        let imprint = MessageImprint {
            hash_algorithm: DigestAlgorithm::Sha256.identifier(),
            hashed_message: OctetString::new([1u8; 32]).unwrap(),
        };
        let request = TimeStampReq {
            version: 1,
            message_imprint: imprint,
            req_policy: None,
            nonce: Some(Uint::new(&[0x81, 2, 3]).unwrap()),
            cert_req: Some(true),
        };
        let der = request.to_der().unwrap();
        assert_eq!(TimeStampReq::from_der(&der).unwrap(), request);
        // certReq TRUE is written (DER leaves out only the default FALSE).
        assert!(der.ends_with(&[0x01, 0x01, 0xff]));
    }
}
