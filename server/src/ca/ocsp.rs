//! The OCSP responder (RFC 6960): each issuing CA answers for the
//! certificates it issued, signing the BasicOCSPResponse with its own key
//! (through the core `Signer`, so GOST too). Typed ASN.1 here because the
//! RustCrypto `x509-ocsp` crate is built on x509-cert 0.2.

use der::asn1::{Any, BitString, GeneralizedTime, Null, ObjectIdentifier, OctetString};
use der::{Choice, Decode, Encode, Enumerated, Sequence};
use qoltanba_pki::crypto::Signer;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};
use spki::AlgorithmIdentifierOwned;
use time::OffsetDateTime;
use x509_cert::ext::Extension;
use x509_cert::serial_number::SerialNumber;

use super::crl::RevocationReason;
use super::{Authority, CaKind, CaSet};

const OCSP_BASIC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.1");
const OCSP_NONCE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.2");
const SHA1_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
const SHA256_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const SHA384_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
const SHA512_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");

/// What the RA's records say about one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertStatus {
    Good,
    Revoked {
        at: OffsetDateTime,
        reason: Option<RevocationReason>,
    },
    Unknown,
}

#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
struct CertId {
    hash_algorithm: AlgorithmIdentifierOwned,
    issuer_name_hash: OctetString,
    issuer_key_hash: OctetString,
    serial_number: SerialNumber,
}

#[derive(Clone, Debug, Sequence)]
struct Request {
    req_cert: CertId,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    single_request_extensions: Option<Vec<Extension>>,
}

#[derive(Clone, Debug, Sequence)]
struct TbsRequest {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    version: Option<u8>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    requestor_name: Option<Any>,
    request_list: Vec<Request>,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", optional = "true")]
    request_extensions: Option<Vec<Extension>>,
}

#[derive(Clone, Debug, Sequence)]
struct OcspRequest {
    tbs_request: TbsRequest,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    optional_signature: Option<Any>,
}

/// OCSPResponseStatus.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enumerated)]
#[repr(u8)]
enum ResponseStatus {
    Successful = 0,
    MalformedRequest = 1,
    InternalError = 2,
    Unauthorized = 6,
}

#[derive(Clone, Debug, Sequence)]
struct ResponseBytes {
    response_type: ObjectIdentifier,
    response: OctetString,
}

#[derive(Clone, Debug, Sequence)]
struct OcspResponse {
    response_status: ResponseStatus,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    response_bytes: Option<ResponseBytes>,
}

#[derive(Clone, Debug, Sequence)]
struct RevokedInfo {
    revocation_time: GeneralizedTime,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    revocation_reason: Option<RevocationReason>,
}

#[derive(Clone, Debug, Choice)]
enum Status {
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT")]
    Good(Null),
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", constructed = "true")]
    Revoked(RevokedInfo),
    #[asn1(context_specific = "2", tag_mode = "IMPLICIT")]
    Unknown(Null),
}

#[derive(Clone, Debug, Sequence)]
struct SingleResponse {
    cert_id: CertId,
    cert_status: Status,
    this_update: GeneralizedTime,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    next_update: Option<GeneralizedTime>,
}

#[derive(Clone, Debug, Sequence)]
struct ResponseData {
    /// responderID byKey: [2] EXPLICIT KeyHash.
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT")]
    responder_key_hash: OctetString,
    produced_at: GeneralizedTime,
    responses: Vec<SingleResponse>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    response_extensions: Option<Vec<Extension>>,
}

#[derive(Clone, Debug, Sequence)]
struct BasicOcspResponse {
    tbs_response_data: ResponseData,
    signature_algorithm: AlgorithmIdentifierOwned,
    signature: BitString,
}

/// An OCSPResponse without responseBytes (every status but successful).
fn status_only(status: ResponseStatus) -> Vec<u8> {
    // Encoding one ENUMERATED cannot fail; the fallback is the same DER
    // written out, so that the error paths of the responder cannot panic.
    OcspResponse {
        response_status: status,
        response_bytes: None,
    }
    .to_der()
    .unwrap_or_else(|_| vec![0x30, 0x03, 0x0a, 0x01, status as u8])
}

fn generalized(t: OffsetDateTime) -> der::Result<GeneralizedTime> {
    // Whole seconds: RFC 5280 forbids fractions in GeneralizedTime.
    let t = t.replace_nanosecond(0).unwrap_or(t);
    GeneralizedTime::from_system_time(std::time::SystemTime::from(t))
}

/// Whether `id` names `issuer` (hash of its subject DN and of its key bits).
fn names(id: &CertId, issuer: &Authority) -> bool {
    let tbs = issuer.cert.inner().tbs_certificate();
    let Ok(name) = tbs.subject().to_der() else {
        return false;
    };
    let key = tbs.subject_public_key_info().subject_public_key.raw_bytes();
    fn both<D: Digest>(name: &[u8], key: &[u8]) -> (Vec<u8>, Vec<u8>) {
        (D::digest(name).to_vec(), D::digest(key).to_vec())
    }
    // SHA-1 is what openssl and most clients send; the SHA-2 family for
    // clients that have moved on. Any other algorithm names no CA of ours.
    let (name_hash, key_hash) = match id.hash_algorithm.oid {
        SHA1_OID => both::<Sha1>(&name, key),
        SHA256_OID => both::<Sha256>(&name, key),
        SHA384_OID => both::<Sha384>(&name, key),
        SHA512_OID => both::<Sha512>(&name, key),
        _ => return false,
    };
    id.issuer_name_hash.as_bytes() == name_hash && id.issuer_key_hash.as_bytes() == key_hash
}

/// Answer an OCSP request (DER). Always a complete OCSPResponse, never a
/// panic, since the bytes come straight from the network:
///
/// - not an OCSPRequest (or an empty request list): malformedRequest;
/// - no entry names one of our issuing CAs: unauthorized, as RFC 6960 §2.3
///   says for a responder that is not authoritative for any of it;
/// - entries naming two different CAs of ours: malformedRequest, because a
///   response carries one signature and RFC 6960 §4.2.2.2 lets a CA sign
///   only for the certificates it issued;
/// - otherwise the CA they name signs, and any entry naming a CA we do not
///   have is answered unknown (RFC 6960 §2.2: "unrecognized issuer").
pub fn respond(
    request_der: &[u8],
    cas: &CaSet,
    status_of: impl Fn(CaKind, &[u8]) -> CertStatus,
    now: OffsetDateTime,
) -> Vec<u8> {
    let Ok(request) = OcspRequest::from_der(request_der) else {
        return status_only(ResponseStatus::MalformedRequest);
    };
    let list = &request.tbs_request.request_list;
    if list.is_empty() {
        return status_only(ResponseStatus::MalformedRequest);
    }
    let named: Vec<Option<&Authority>> = list
        .iter()
        .map(|r| cas.issuing.iter().find(|ca| names(&r.req_cert, ca)))
        .collect();
    let mut ours = named.iter().flatten();
    let Some(issuer) = ours.next().copied() else {
        return status_only(ResponseStatus::Unauthorized);
    };
    if ours.any(|ca| ca.kind != issuer.kind) {
        return status_only(ResponseStatus::MalformedRequest);
    }
    match sign_response(&request, &named, issuer, &status_of, now) {
        Ok(der) => der,
        Err(e) => {
            tracing::error!("OCSP response failed: {e}");
            status_only(ResponseStatus::InternalError)
        }
    }
}

/// The signed answer of `issuer`; `named[i]` is the CA entry `i` names, if
/// it is one of ours (then it is `issuer`).
fn sign_response(
    request: &OcspRequest,
    named: &[Option<&Authority>],
    issuer: &Authority,
    status_of: &impl Fn(CaKind, &[u8]) -> CertStatus,
    now: OffsetDateTime,
) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    let this_update = generalized(now)?;
    let next_update = generalized(now + time::Duration::hours(1))?;
    let responses = request
        .tbs_request
        .request_list
        .iter()
        .zip(named)
        .map(|(r, ca)| {
            let serial = r.req_cert.serial_number.as_bytes();
            let status = match ca {
                Some(_) => status_of(issuer.kind, serial),
                None => CertStatus::Unknown,
            };
            let cert_status = match status {
                CertStatus::Good => Status::Good(Null),
                CertStatus::Unknown => Status::Unknown(Null),
                CertStatus::Revoked { at, reason } => Status::Revoked(RevokedInfo {
                    revocation_time: generalized(at)?,
                    revocation_reason: reason,
                }),
            };
            Ok(SingleResponse {
                cert_id: r.req_cert.clone(),
                cert_status,
                this_update,
                next_update: Some(next_update),
            })
        })
        .collect::<der::Result<Vec<_>>>()?;
    let nonce = request
        .tbs_request
        .request_extensions
        .iter()
        .flatten()
        .filter(|e| e.extn_id == OCSP_NONCE)
        .cloned()
        .collect::<Vec<_>>();
    let key_bits = issuer
        .cert
        .inner()
        .tbs_certificate()
        .subject_public_key_info()
        .subject_public_key
        .raw_bytes();
    let data = ResponseData {
        responder_key_hash: OctetString::new(Sha1::digest(key_bits).to_vec())?,
        produced_at: this_update,
        responses,
        response_extensions: (!nonce.is_empty()).then_some(nonce),
    };
    let signature = issuer.key.sign(&data.to_der()?)?;
    let basic = BasicOcspResponse {
        tbs_response_data: data,
        signature_algorithm: issuer.key.algorithm().identifier(),
        signature: BitString::from_bytes(&signature)?,
    };
    Ok(OcspResponse {
        response_status: ResponseStatus::Successful,
        response_bytes: Some(ResponseBytes {
            response_type: OCSP_BASIC,
            response: OctetString::new(basic.to_der()?)?,
        }),
    }
    .to_der()?)
}

/// The signed part of a BasicOCSPResponse, its algorithm and signature, for
/// verifying GOST responses (openssl cannot).
pub fn basic_response_parts(
    response_der: &[u8],
) -> Option<(Vec<u8>, AlgorithmIdentifierOwned, Vec<u8>)> {
    let response = OcspResponse::from_der(response_der).ok()?;
    let bytes = response.response_bytes?;
    let basic = BasicOcspResponse::from_der(bytes.response.as_bytes()).ok()?;
    Some((
        basic.tbs_response_data.to_der().ok()?,
        basic.signature_algorithm,
        basic.signature.raw_bytes().to_vec(),
    ))
}

/// The response status code (0 successful, 1 malformed, 6 unauthorized…).
pub fn response_status(response_der: &[u8]) -> Option<u8> {
    OcspResponse::from_der(response_der)
        .ok()
        .map(|r| r.response_status as u8)
}
