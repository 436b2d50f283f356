//! The extensions of the certificates the RA issues: CA certificates, the
//! citizen's certificates (NCA's individual profile), and the server's own
//! TLS certificate.

use std::net::IpAddr;

use const_oid::ObjectIdentifier;
use der::Encode;
use der::asn1::{Ia5String, OctetString};
use qoltanba_pki::cert::Purpose;
use qoltanba_pki::crypto::PublicKeyAlgorithm;
use qoltanba_pki::keyfile::key_id;
use qoltanba_pki::oid;
use qoltanba_pki::reissue::{requested_eku, requested_key_usage};
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AccessDescription, AuthorityInfoAccessSyntax, AuthorityKeyIdentifier, BasicConstraints,
    CrlDistributionPoints, ExtendedKeyUsage, KeyUsage, KeyUsages, SubjectAltName,
    SubjectKeyIdentifier,
};

const SUBJECT_ALT_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.17");
const KP_SERVER_AUTH: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.1");
const AD_OCSP: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1");
const AD_CA_ISSUERS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.2");

fn extension(id: ObjectIdentifier, critical: bool, value: &impl Encode) -> der::Result<Extension> {
    Ok(Extension {
        extn_id: id,
        critical,
        extn_value: OctetString::new(value.to_der()?)?,
    })
}

fn key_ids(
    subject: &SubjectPublicKeyInfoOwned,
    issuer_key_id: Option<&[u8]>,
) -> der::Result<Vec<Extension>> {
    let mut out = vec![extension(
        oid::EXT_SUBJECT_KEY_ID,
        false,
        &SubjectKeyIdentifier(OctetString::new(key_id(subject).to_vec())?),
    )?];
    if let Some(issuer) = issuer_key_id {
        out.push(extension(
            oid::EXT_AUTHORITY_KEY_ID,
            false,
            &AuthorityKeyIdentifier {
                key_identifier: Some(OctetString::new(issuer)?),
                authority_cert_issuer: None,
                authority_cert_serial_number: None,
            },
        )?);
    }
    Ok(out)
}

/// A CA: basicConstraints CA (critical), keyCertSign + cRLSign (critical).
pub fn ca(
    subject: &SubjectPublicKeyInfoOwned,
    issuer_key_id: Option<&[u8]>,
) -> der::Result<Vec<Extension>> {
    let mut out = vec![
        extension(
            oid::EXT_BASIC_CONSTRAINTS,
            true,
            &BasicConstraints {
                ca: true,
                path_len_constraint: if issuer_key_id.is_some() {
                    Some(0)
                } else {
                    None
                },
            },
        )?,
        extension(
            oid::EXT_KEY_USAGE,
            true,
            &KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign),
        )?,
    ];
    out.extend(key_ids(subject, issuer_key_id)?);
    Ok(out)
}

/// Where a citizen's certificate says its status can be checked.
pub struct StatusUrls {
    pub crl: String,
    pub ocsp: String,
    pub ca_issuer: String,
}

/// A citizen's certificate, as NCA makes it for an individual: the key usage
/// and EKU of its purpose (the same rule the CSR asked by), key ids, the CRL
/// and OCSP addresses.
pub fn individual(
    subject: &SubjectPublicKeyInfoOwned,
    purpose: Purpose,
    issuer_key_id: &[u8],
    urls: &StatusUrls,
) -> der::Result<Vec<Extension>> {
    let usage = requested_key_usage(purpose, &PublicKeyAlgorithm::of(subject))
        .ok_or(der::Tag::BitString.value_error())?;
    let uri = |s: &str| Ia5String::new(s).map(GeneralName::UniformResourceIdentifier);
    let mut out = vec![
        extension(oid::EXT_KEY_USAGE, true, &usage)?,
        extension(oid::EXT_EXTENDED_KEY_USAGE, false, &requested_eku(purpose))?,
    ];
    out.extend(key_ids(subject, Some(issuer_key_id))?);
    out.push(extension(
        oid::EXT_CRL_DISTRIBUTION_POINTS,
        false,
        &CrlDistributionPoints(vec![DistributionPoint {
            distribution_point: Some(DistributionPointName::FullName(vec![uri(&urls.crl)?])),
            reasons: None,
            crl_issuer: None,
        }]),
    )?);
    out.push(extension(
        oid::EXT_AUTHORITY_INFO_ACCESS,
        false,
        &AuthorityInfoAccessSyntax(vec![
            AccessDescription {
                access_method: AD_OCSP,
                access_location: uri(&urls.ocsp)?,
            },
            AccessDescription {
                access_method: AD_CA_ISSUERS,
                access_location: uri(&urls.ca_issuer)?,
            },
        ]),
    )?);
    Ok(out)
}

/// The server's TLS certificate: serverAuth for `hosts` (IP addresses or DNS
/// names).
pub fn tls_server(
    subject: &SubjectPublicKeyInfoOwned,
    issuer_key_id: &[u8],
    hosts: &[String],
) -> der::Result<Vec<Extension>> {
    let names = hosts
        .iter()
        .map(|h| match h.parse::<IpAddr>() {
            Ok(IpAddr::V4(ip)) => {
                OctetString::new(ip.octets().to_vec()).map(GeneralName::IpAddress)
            }
            Ok(IpAddr::V6(ip)) => {
                OctetString::new(ip.octets().to_vec()).map(GeneralName::IpAddress)
            }
            Err(_) => Ia5String::new(h).map(GeneralName::DnsName),
        })
        .collect::<der::Result<Vec<_>>>()?;
    let mut out = vec![
        extension(
            oid::EXT_KEY_USAGE,
            true,
            &KeyUsage(KeyUsages::DigitalSignature.into()),
        )?,
        extension(
            oid::EXT_EXTENDED_KEY_USAGE,
            false,
            &ExtendedKeyUsage(vec![KP_SERVER_AUTH]),
        )?,
        extension(SUBJECT_ALT_NAME, false, &SubjectAltName(names))?,
    ];
    out.extend(key_ids(subject, Some(issuer_key_id))?);
    Ok(out)
}
