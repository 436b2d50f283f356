//! Certificate revocation lists (RFC 5280 §5): one per issuing CA, signed
//! through the core `Signer` like the certificates, regenerated on every
//! revocation.

use der::Encode;
use der::asn1::{BitString, OctetString};
use time::OffsetDateTime;
use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, CrlNumber};
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Time;

use super::{Authority, IssueError};
use qoltanba_pki::crypto::Signer;

const EXT_CRL_NUMBER: const_oid::ObjectIdentifier =
    const_oid::ObjectIdentifier::new_unwrap("2.5.29.20");
const EXT_REASON_CODE: const_oid::ObjectIdentifier =
    const_oid::ObjectIdentifier::new_unwrap("2.5.29.21");

// The reason codes are the wire's too (a revocation request names one):
// one home, in the protocol module the client shares.
pub use qoltanba_pki::protocol::RevocationReason;

/// One revoked certificate.
#[derive(Debug, Clone)]
pub struct RevokedEntry {
    /// Big-endian, positive.
    pub serial: Vec<u8>,
    pub revoked_at: OffsetDateTime,
    pub reason: Option<RevocationReason>,
}

fn time(t: OffsetDateTime) -> der::Result<Time> {
    Time::try_from(std::time::SystemTime::from(t))
}

fn extension(id: const_oid::ObjectIdentifier, value: &impl Encode) -> der::Result<Extension> {
    Ok(Extension {
        extn_id: id,
        critical: false,
        extn_value: OctetString::new(value.to_der()?)?,
    })
}

/// A v2 CRL of `issuer` listing `revoked`, with cRLNumber and
/// authorityKeyIdentifier, each entry with its reasonCode when known.
pub fn build_crl(
    issuer: &Authority,
    revoked: &[RevokedEntry],
    crl_number: u64,
    this_update: OffsetDateTime,
    next_update: OffsetDateTime,
) -> Result<Vec<u8>, IssueError> {
    let algorithm = issuer.key.algorithm().identifier();
    let entries = revoked
        .iter()
        .map(|entry| {
            let extensions = entry
                .reason
                .map(|reason| extension(EXT_REASON_CODE, &reason))
                .transpose()?
                .map(|e| vec![e]);
            Ok(RevokedCert::<x509_cert::certificate::Rfc5280> {
                serial_number: SerialNumber::new(&entry.serial)?,
                revocation_date: time(entry.revoked_at)?,
                crl_entry_extensions: extensions,
            })
        })
        .collect::<der::Result<Vec<_>>>()?;
    let tbs = TbsCertList::<x509_cert::certificate::Rfc5280> {
        version: x509_cert::Version::V2,
        signature: algorithm.clone(),
        issuer: issuer.cert.inner().tbs_certificate().subject().clone(),
        this_update: time(this_update)?,
        next_update: Some(time(next_update)?),
        revoked_certificates: (!entries.is_empty()).then_some(entries),
        crl_extensions: Some(vec![
            extension(
                EXT_CRL_NUMBER,
                &CrlNumber(der::asn1::Uint::new(&crl_number.to_be_bytes())?),
            )?,
            extension(
                qoltanba_pki::oid::EXT_AUTHORITY_KEY_ID,
                &AuthorityKeyIdentifier {
                    key_identifier: Some(OctetString::new(issuer.key_id())?),
                    authority_cert_issuer: None,
                    authority_cert_serial_number: None,
                },
            )?,
        ]),
    };
    let signature = issuer.key.sign(&tbs.to_der()?)?;
    Ok(CertificateList::<x509_cert::certificate::Rfc5280> {
        tbs_cert_list: tbs,
        signature_algorithm: algorithm,
        signature: BitString::from_bytes(&signature)?,
    }
    .to_der()?)
}
