//! Certificate requests (PKCS#10, RFC 2986) for the new keys.
//!
//! Each CSR is signed by the new key it carries, through the same `Signer`
//! trait that reaches key files, the platform keystore and the ID card: the
//! signature is the proof of possession. The key usage and extended key usage
//! NCA puts in its certificates are asked for in an extensionRequest
//! attribute (PKCS#9), so the RA can see what each key is for.

use der::asn1::{Any, BitString, ObjectIdentifier, OctetString, SetOfVec};
use der::{Decode, Encode, Sequence};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::attr::Attribute;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::{ExtendedKeyUsage, KeyUsage, KeyUsages};
use x509_cert::name::Name;
use x509_cert::request::{CertReq, CertReqInfo, Version};

use super::ReissueError;
use crate::cert::Purpose;
use crate::crypto::{PublicKeyAlgorithm, Signer, verify_signature};
use crate::oid;

/// A CSR whose proof of possession has been checked.
#[derive(Debug, Clone)]
pub struct VerifiedCsr {
    pub subject: Name,
    pub public_key: SubjectPublicKeyInfoOwned,
    /// What the request asks the key to be for, read from the requested key
    /// usage as NCA reads a certificate's; `Neither` when no key usage is
    /// requested (the request then states no purpose at all).
    pub purpose: Purpose,
    /// The requested extended key usage (clientAuth or emailProtection, and
    /// NCA's role OIDs).
    pub extended_key_usage: Vec<ObjectIdentifier>,
    /// The request as DER.
    pub der: Vec<u8>,
}

/// The key usage NCA gives a key of `purpose`: AUTH keys log in (RSA by key
/// transport, EC and GOST by key agreement), SIGN keys sign with
/// nonRepudiation, and a GOST 2015 key does both.
pub fn requested_key_usage(purpose: Purpose, key: &PublicKeyAlgorithm) -> Option<KeyUsage> {
    let rsa = matches!(key, PublicKeyAlgorithm::Rsa { .. });
    Some(KeyUsage(match purpose {
        Purpose::Auth if rsa => KeyUsages::DigitalSignature | KeyUsages::KeyEncipherment,
        Purpose::Auth => KeyUsages::DigitalSignature | KeyUsages::KeyAgreement,
        Purpose::Sign => KeyUsages::DigitalSignature | KeyUsages::NonRepudiation,
        Purpose::Both => {
            KeyUsages::DigitalSignature | KeyUsages::NonRepudiation | KeyUsages::KeyAgreement
        }
        Purpose::Neither => return None,
    }))
}

/// The EKU NCA gives: clientAuth for login keys, emailProtection for signing
/// keys, each with the "individual" role 1.2.398.3.3.4.1.1.
pub fn requested_eku(purpose: Purpose) -> ExtendedKeyUsage {
    let usage = if purpose == Purpose::Auth {
        oid::KP_CLIENT_AUTH
    } else {
        oid::KP_EMAIL_PROTECTION
    };
    ExtendedKeyUsage(vec![usage, oid::KZ_ROLE_INDIVIDUAL])
}

fn extension(id: ObjectIdentifier, critical: bool, value: &impl Encode) -> der::Result<Extension> {
    Ok(Extension {
        extn_id: id,
        critical,
        extn_value: OctetString::new(value.to_der()?)?,
    })
}

/// The extensionRequest attribute for a key of `purpose`. Key usage is
/// critical, as in NCA's certificates (AUTH and SIGN alike); EKU is not.
fn extension_request(
    purpose: Purpose,
    key: &PublicKeyAlgorithm,
) -> Result<Attribute, ReissueError> {
    let usage = requested_key_usage(purpose, key).ok_or(ReissueError::NoPurpose)?;
    let build = || -> der::Result<Attribute> {
        let extensions = vec![
            extension(oid::EXT_KEY_USAGE, true, &usage)?,
            extension(oid::EXT_EXTENDED_KEY_USAGE, false, &requested_eku(purpose))?,
        ];
        Ok(Attribute {
            oid: oid::ATTR_EXTENSION_REQUEST,
            values: SetOfVec::try_from(vec![Any::encode_from(&extensions)?])?,
        })
    };
    build().map_err(|_| ReissueError::Encoding)
}

/// Build a DER CSR for the key behind `signer` with `subject` (see
/// [`super::renewal_subject`]), asking for `purpose`, signed by that key.
pub fn build_csr(
    signer: &dyn Signer,
    subject: &Name,
    purpose: Purpose,
) -> Result<Vec<u8>, ReissueError> {
    let request = extension_request(purpose, &PublicKeyAlgorithm::of(signer.public_key()))?;
    let info = CertReqInfo {
        version: Version::V1,
        subject: subject.clone(),
        public_key: signer.public_key().clone(),
        attributes: SetOfVec::try_from(vec![request]).map_err(|_| ReissueError::Encoding)?,
    };
    let tbs = info.to_der().map_err(|_| ReissueError::Encoding)?;
    let signature = signer.sign(&tbs)?;
    CertReq {
        info,
        algorithm: signer.algorithm().identifier(),
        signature: BitString::from_bytes(&signature).map_err(|_| ReissueError::Encoding)?,
    }
    .to_der()
    .map_err(|_| ReissueError::Encoding)
}

/// A CertificationRequest with the info kept as received, so the signature
/// is checked over exactly the bytes that were signed, whatever encoder made
/// them (openssl, another client), not over a re-encoding.
#[derive(Sequence)]
struct ReceivedRequest {
    info: Any,
    algorithm: AlgorithmIdentifierOwned,
    signature: BitString,
}

/// Decode a DER CSR, check that its key signed it, and read what it asks for.
/// The RA server runs the same check on every CSR it receives.
pub fn verify_csr(der: &[u8]) -> Result<VerifiedCsr, ReissueError> {
    let received = ReceivedRequest::from_der(der).map_err(|_| ReissueError::MalformedCsr)?;
    let info_der = received
        .info
        .to_der()
        .map_err(|_| ReissueError::MalformedCsr)?;
    let info = CertReqInfo::from_der(&info_der).map_err(|_| ReissueError::MalformedCsr)?;
    check(
        &info,
        &info_der,
        &received.algorithm,
        &received.signature,
        der,
    )
}

/// Check a CSR that arrived inside a verified, canonical DER application:
/// its re-encoding is the signed encoding.
pub(crate) fn verify_request(request: &CertReq) -> Result<VerifiedCsr, ReissueError> {
    let info_der = request
        .info
        .to_der()
        .map_err(|_| ReissueError::MalformedCsr)?;
    let der = request.to_der().map_err(|_| ReissueError::MalformedCsr)?;
    check(
        &request.info,
        &info_der,
        &request.algorithm,
        &request.signature,
        &der,
    )
}

fn check(
    info: &CertReqInfo,
    info_der: &[u8],
    algorithm: &AlgorithmIdentifierOwned,
    signature: &BitString,
    der: &[u8],
) -> Result<VerifiedCsr, ReissueError> {
    let signature = signature.as_bytes().ok_or(ReissueError::MalformedCsr)?;
    verify_signature(&info.public_key, algorithm, info_der, signature)
        .map_err(ReissueError::CsrSignature)?;
    let (key_usage, extended_key_usage) = requested_usages(info)?;
    let purpose = match &key_usage {
        Some(ku) => Purpose::from_usage(Some(ku), &extended_key_usage),
        None => Purpose::Neither,
    };
    Ok(VerifiedCsr {
        subject: info.subject.clone(),
        public_key: info.public_key.clone(),
        purpose,
        extended_key_usage,
        der: der.to_vec(),
    })
}

/// The key usage and EKU in the extensionRequest. One attribute with one
/// value, each extension once: anything else would leave the request's
/// meaning to whoever reads it first.
fn requested_usages(
    info: &CertReqInfo,
) -> Result<(Option<KeyUsage>, Vec<ObjectIdentifier>), ReissueError> {
    let mut requests = info
        .attributes
        .iter()
        .filter(|a| a.oid == oid::ATTR_EXTENSION_REQUEST);
    let attribute = match (requests.next(), requests.next()) {
        (None, _) => return Ok((None, Vec::new())),
        (Some(a), None) if a.values.len() == 1 => a,
        _ => return Err(ReissueError::MalformedCsr),
    };
    let extensions: Vec<Extension> = attribute
        .values
        .iter()
        .next()
        .ok_or(ReissueError::MalformedCsr)?
        .decode_as()
        .map_err(|_| ReissueError::MalformedCsr)?;
    for (i, ext) in extensions.iter().enumerate() {
        if extensions[..i].iter().any(|e| e.extn_id == ext.extn_id) {
            return Err(ReissueError::MalformedCsr);
        }
    }
    let mut key_usage = None;
    let mut eku = Vec::new();
    for ext in &extensions {
        let bytes = ext.extn_value.as_bytes();
        match ext.extn_id {
            oid::EXT_KEY_USAGE => {
                key_usage =
                    Some(KeyUsage::from_der(bytes).map_err(|_| ReissueError::MalformedCsr)?);
            }
            oid::EXT_EXTENDED_KEY_USAGE => {
                eku = ExtendedKeyUsage::from_der(bytes)
                    .map_err(|_| ReissueError::MalformedCsr)?
                    .0;
            }
            _ => {}
        }
    }
    Ok((key_usage, eku))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_usage_per_purpose_and_key_type_reads_back_as_that_purpose() {
        let rsa = PublicKeyAlgorithm::Rsa { bits: 2048 };
        let ec = PublicKeyAlgorithm::EcP256;
        for (purpose, key, bits) in [
            (
                Purpose::Auth,
                &rsa,
                KeyUsages::DigitalSignature | KeyUsages::KeyEncipherment,
            ),
            (
                Purpose::Auth,
                &ec,
                KeyUsages::DigitalSignature | KeyUsages::KeyAgreement,
            ),
            (
                Purpose::Sign,
                &rsa,
                KeyUsages::DigitalSignature | KeyUsages::NonRepudiation,
            ),
            (
                Purpose::Sign,
                &ec,
                KeyUsages::DigitalSignature | KeyUsages::NonRepudiation,
            ),
            (
                Purpose::Both,
                &ec,
                KeyUsages::DigitalSignature | KeyUsages::NonRepudiation | KeyUsages::KeyAgreement,
            ),
        ] {
            let ku = requested_key_usage(purpose, key).unwrap();
            assert_eq!(ku.0, bits, "{purpose:?}");
            let eku = requested_eku(purpose).0;
            assert_eq!(Purpose::from_usage(Some(&ku), &eku), purpose);
            assert!(eku.contains(&oid::KZ_ROLE_INDIVIDUAL));
        }
        assert!(requested_key_usage(Purpose::Neither, &rsa).is_none());
    }
}
