//! Certificate requests (PKCS#10) for the new keys.

use der::asn1::{Any, BitString, Ia5String, SetOfVec};
use der::{Decode, Encode};
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::attr::{Attribute, AttributeTypeAndValue};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::{ExtendedKeyUsage, KeyUsage, KeyUsages};
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::request::{CertReq, CertReqInfo, Version};

use super::ReissueError;
use crate::cert::{KzCertificate, Purpose};
use crate::crypto::{PublicKeyAlgorithm, Signer, verify_signature};
use crate::oid;

/// A CSR whose proof of possession has been checked.
#[derive(Debug, Clone)]
pub struct VerifiedCsr {
    pub subject: Name,
    pub public_key: SubjectPublicKeyInfoOwned,
    /// What the request asks the key to be for, read from its key usage.
    pub purpose: Purpose,
    pub der: Vec<u8>,
}

/// The subject for the new certificates: the current one's RDNs in their
/// order and encodings (NCA: CN, SURNAME, SERIALNUMBER, C, GIVENNAME), with
/// the e-mail (if given) replacing any old one as the last RDN, as NCA orders E.
pub fn renewal_subject(current: &KzCertificate, email: Option<&str>) -> Result<Name, ReissueError> {
    let subject = current.inner().tbs_certificate().subject();
    let mut rdns: Vec<RelativeDistinguishedName> = Vec::new();
    for rdn in subject.iter_rdn() {
        let kept: Vec<AttributeTypeAndValue> = rdn
            .iter()
            .filter(|atv| email.is_none() || atv.oid != oid::AT_EMAIL)
            .cloned()
            .collect();
        if !kept.is_empty() {
            rdns.push(
                RelativeDistinguishedName::try_from(kept).map_err(|_| ReissueError::Encoding)?,
            );
        }
    }
    if let Some(email) = email {
        let value = Ia5String::new(email).map_err(|_| ReissueError::BadEmail)?;
        let atv = AttributeTypeAndValue {
            oid: oid::AT_EMAIL,
            value: Any::encode_from(&value).map_err(|_| ReissueError::Encoding)?,
        };
        rdns.push(
            RelativeDistinguishedName::try_from(vec![atv]).map_err(|_| ReissueError::Encoding)?,
        );
    }
    let der = RdnSequence::from(rdns)
        .to_der()
        .map_err(|_| ReissueError::Encoding)?;
    Name::from_der(&der).map_err(|_| ReissueError::Encoding)
}

/// Key usage and EKU a request asks for, per purpose and key type.
fn requested_extensions(
    purpose: Purpose,
    key: &PublicKeyAlgorithm,
) -> Result<Vec<Extension>, ReissueError> {
    let rsa = matches!(key, PublicKeyAlgorithm::Rsa { .. });
    let usage = match purpose {
        Purpose::Auth if rsa => KeyUsages::DigitalSignature | KeyUsages::KeyEncipherment,
        Purpose::Auth => KeyUsages::DigitalSignature | KeyUsages::KeyAgreement,
        Purpose::Sign => KeyUsages::DigitalSignature | KeyUsages::NonRepudiation,
        Purpose::Both => {
            KeyUsages::DigitalSignature | KeyUsages::NonRepudiation | KeyUsages::KeyAgreement
        }
        Purpose::Neither => return Err(ReissueError::NoPurpose),
    };
    let mut eku = vec![if purpose == Purpose::Auth {
        oid::KP_CLIENT_AUTH
    } else {
        oid::KP_EMAIL_PROTECTION
    }];
    eku.push(oid::KZ_ROLE_INDIVIDUAL);
    Ok(vec![
        Extension {
            extn_id: oid::EXT_KEY_USAGE,
            critical: true,
            extn_value: encode_octets(&KeyUsage(usage)).map_err(|_| ReissueError::Encoding)?,
        },
        Extension {
            extn_id: oid::EXT_EXTENDED_KEY_USAGE,
            critical: false,
            extn_value: encode_octets(&ExtendedKeyUsage(eku))
                .map_err(|_| ReissueError::Encoding)?,
        },
    ])
}

fn encode_octets(value: &impl Encode) -> der::Result<der::asn1::OctetString> {
    der::asn1::OctetString::new(value.to_der()?)
}

/// Build a CSR for the key behind `signer`, signed by that key (proof of possession).
pub fn build_csr(
    signer: &dyn Signer,
    subject: &Name,
    purpose: Purpose,
) -> Result<Vec<u8>, ReissueError> {
    let key = PublicKeyAlgorithm::of(signer.public_key());
    let extensions = requested_extensions(purpose, &key)?;
    let request = Attribute {
        oid: oid::ATTR_EXTENSION_REQUEST,
        values: SetOfVec::try_from(vec![
            Any::encode_from(&extensions).map_err(|_| ReissueError::Encoding)?,
        ])
        .map_err(|_| ReissueError::Encoding)?,
    };
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

/// Decode a DER CSR and check that its key signed it.
pub fn verify_csr(der: &[u8]) -> Result<VerifiedCsr, ReissueError> {
    let request = CertReq::from_der(der).map_err(|_| ReissueError::MalformedCsr)?;
    verify_request(&request)
}

pub(crate) fn verify_request(request: &CertReq) -> Result<VerifiedCsr, ReissueError> {
    let tbs = request
        .info
        .to_der()
        .map_err(|_| ReissueError::MalformedCsr)?;
    let signature = request
        .signature
        .as_bytes()
        .ok_or(ReissueError::MalformedCsr)?;
    verify_signature(
        &request.info.public_key,
        &request.algorithm,
        &tbs,
        signature,
    )
    .map_err(ReissueError::CsrSignature)?;
    let mut key_usage = None;
    let mut eku = Vec::new();
    for attribute in request
        .info
        .attributes
        .iter()
        .filter(|a| a.oid == oid::ATTR_EXTENSION_REQUEST)
    {
        for value in attribute.values.iter() {
            let extensions: Vec<Extension> =
                value.decode_as().map_err(|_| ReissueError::MalformedCsr)?;
            for ext in extensions {
                let bytes = ext.extn_value.as_bytes();
                match ext.extn_id {
                    oid::EXT_KEY_USAGE => {
                        key_usage = Some(
                            KeyUsage::from_der(bytes).map_err(|_| ReissueError::MalformedCsr)?,
                        )
                    }
                    oid::EXT_EXTENDED_KEY_USAGE => {
                        eku = ExtendedKeyUsage::from_der(bytes)
                            .map_err(|_| ReissueError::MalformedCsr)?
                            .0
                    }
                    _ => {}
                }
            }
        }
    }
    Ok(VerifiedCsr {
        subject: request.info.subject.clone(),
        public_key: request.info.public_key.clone(),
        purpose: Purpose::from_usage(key_usage.as_ref(), &eku),
        der: request.to_der().map_err(|_| ReissueError::MalformedCsr)?,
    })
}

/// The IIN digits in a subject's SERIALNUMBER, if any.
pub(crate) fn subject_iin(name: &Name) -> Option<String> {
    crate::cert::Holder::from_name(name)
        .iin
        .map(|i| i.digits().to_string())
}
