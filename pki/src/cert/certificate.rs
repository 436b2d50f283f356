//! One parsed certificate and the facts a citizen asks of it.

use der::asn1::ObjectIdentifier;
use der::{Decode, DecodePem, Encode};
use spki::SubjectPublicKeyInfoOwned;
use time::OffsetDateTime;
use x509_cert::Certificate;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AuthorityInfoAccessSyntax, AuthorityKeyIdentifier, BasicConstraints, CertificatePolicies,
    CrlDistributionPoints, ExtendedKeyUsage, KeyUsage, SubjectKeyIdentifier,
};

use super::name::Holder;
use super::profile::{Purpose, Role};
use crate::crypto::{PublicKeyAlgorithm, SignatureAlgorithm};
use crate::oid;

/// Why bytes could not be read as a certificate.
#[derive(Debug, thiserror::Error)]
pub enum CertError {
    #[error("not an X.509 certificate (expected DER or PEM); check that the right file was given")]
    NotACertificate,
    #[error("the certificate's {0} extension is malformed; the certificate is damaged")]
    MalformedExtension(&'static str),
    #[error("the certificate's validity dates cannot be represented")]
    BadValidity,
}

/// Where a certificate stands in time at a given instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TimeStatus {
    NotYetValid,
    Valid,
    Expired,
}

/// A certificate in the Kazakh profile. Everything is parsed up front, so a
/// value of this type never fails on access; extensions it does not know are
/// ignored, and the algorithm of the key or signature does not matter.
#[derive(Debug, Clone)]
pub struct KzCertificate {
    der: Vec<u8>,
    cert: Certificate,
    holder: Holder,
    issuer: Holder,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
    key_usage: Option<KeyUsage>,
    extended_key_usage: Vec<ObjectIdentifier>,
    purpose: Purpose,
    roles: Vec<Role>,
    is_ca: bool,
    subject_key_id: Option<Vec<u8>>,
    authority_key_id: Option<Vec<u8>>,
    policies: Vec<ObjectIdentifier>,
    crl_urls: Vec<String>,
    delta_crl_urls: Vec<String>,
    ocsp_urls: Vec<String>,
    ca_issuer_urls: Vec<String>,
    kz_private_extension: Option<Vec<u8>>,
}

const EXT_FRESHEST_CRL: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.46");

impl KzCertificate {
    /// Parse a certificate given as DER or PEM.
    pub fn parse(bytes: &[u8]) -> Result<Self, CertError> {
        let trimmed = bytes.trim_ascii_start();
        if trimmed.starts_with(b"-----BEGIN") {
            let cert = Certificate::from_pem(trimmed).map_err(|_| CertError::NotACertificate)?;
            Self::from_certificate(cert)
        } else {
            Self::from_der(bytes)
        }
    }

    /// Parse a DER certificate.
    pub fn from_der(der: &[u8]) -> Result<Self, CertError> {
        let cert = Certificate::from_der(der).map_err(|_| CertError::NotACertificate)?;
        Self::from_certificate(cert)
    }

    /// Wrap an already decoded certificate.
    pub fn from_certificate(cert: Certificate) -> Result<Self, CertError> {
        let der = cert.to_der().map_err(|_| CertError::NotACertificate)?;
        let tbs = cert.tbs_certificate();
        let validity = tbs.validity();
        let not_before = to_datetime(validity.not_before)?;
        let not_after = to_datetime(validity.not_after)?;

        let mut this = Self {
            holder: Holder::from_name(tbs.subject()),
            issuer: Holder::from_name(tbs.issuer()),
            not_before,
            not_after,
            key_usage: None,
            extended_key_usage: Vec::new(),
            purpose: Purpose::Both,
            roles: Vec::new(),
            is_ca: false,
            subject_key_id: None,
            authority_key_id: None,
            policies: Vec::new(),
            crl_urls: Vec::new(),
            delta_crl_urls: Vec::new(),
            ocsp_urls: Vec::new(),
            ca_issuer_urls: Vec::new(),
            kz_private_extension: None,
            der,
            cert: cert.clone(),
        };

        for ext in tbs.extensions().map(|e| e.as_slice()).unwrap_or_default() {
            let value = ext.extn_value.as_bytes();
            match ext.extn_id {
                oid::EXT_KEY_USAGE => {
                    this.key_usage = Some(decode(value, "key usage")?);
                }
                oid::EXT_EXTENDED_KEY_USAGE => {
                    let eku: ExtendedKeyUsage = decode(value, "extended key usage")?;
                    this.extended_key_usage = eku.0;
                }
                oid::EXT_BASIC_CONSTRAINTS => {
                    let bc: BasicConstraints = decode(value, "basic constraints")?;
                    this.is_ca = bc.ca;
                }
                oid::EXT_SUBJECT_KEY_ID => {
                    let ski: SubjectKeyIdentifier = decode(value, "subject key identifier")?;
                    this.subject_key_id = Some(ski.0.as_bytes().to_vec());
                }
                oid::EXT_AUTHORITY_KEY_ID => {
                    let aki: AuthorityKeyIdentifier = decode(value, "authority key identifier")?;
                    this.authority_key_id = aki.key_identifier.map(|k| k.as_bytes().to_vec());
                }
                oid::EXT_CERTIFICATE_POLICIES => {
                    let policies: CertificatePolicies = decode(value, "certificate policies")?;
                    this.policies = policies
                        .0
                        .into_iter()
                        .map(|p| p.policy_identifier)
                        .collect();
                }
                oid::EXT_CRL_DISTRIBUTION_POINTS => {
                    this.crl_urls =
                        distribution_point_urls(decode(value, "CRL distribution points")?);
                }
                EXT_FRESHEST_CRL => {
                    this.delta_crl_urls = distribution_point_urls(decode(value, "freshest CRL")?);
                }
                oid::EXT_AUTHORITY_INFO_ACCESS => {
                    let aia: AuthorityInfoAccessSyntax =
                        decode(value, "authority information access")?;
                    for access in aia.0 {
                        let Some(url) = uri(&access.access_location) else {
                            continue;
                        };
                        match access.access_method {
                            oid::AD_OCSP => this.ocsp_urls.push(url),
                            oid::AD_CA_ISSUERS => this.ca_issuer_urls.push(url),
                            _ => {}
                        }
                    }
                }
                oid::EXT_KZ_PRIVATE => this.kz_private_extension = Some(value.to_vec()),
                _ => {}
            }
        }
        this.purpose = if this.is_ca {
            Purpose::Neither
        } else {
            Purpose::from_usage(this.key_usage.as_ref(), &this.extended_key_usage)
        };
        this.roles = this
            .extended_key_usage
            .iter()
            .filter_map(Role::from_oid)
            .collect();
        Ok(this)
    }

    /// The DER encoding.
    pub fn der(&self) -> &[u8] {
        &self.der
    }
    /// The underlying x509-cert value, for code that needs raw fields.
    pub fn inner(&self) -> &Certificate {
        &self.cert
    }
    /// Who holds the key.
    pub fn holder(&self) -> &Holder {
        &self.holder
    }
    /// Who issued the certificate, read like a holder (CN, C, …).
    pub fn issuer(&self) -> &Holder {
        &self.issuer
    }
    /// The issuer's distinguished name as text (RFC 4514).
    pub fn issuer_name(&self) -> String {
        self.cert.tbs_certificate().issuer().to_string()
    }
    /// The subject's distinguished name as text (RFC 4514).
    pub fn subject_name(&self) -> String {
        self.cert.tbs_certificate().subject().to_string()
    }
    /// The serial number as upper-case hex, as NCA's tools print it.
    pub fn serial_hex(&self) -> String {
        super::serial_hex(self.cert.tbs_certificate().serial_number().as_bytes())
    }
    pub fn not_before(&self) -> OffsetDateTime {
        self.not_before
    }
    pub fn not_after(&self) -> OffsetDateTime {
        self.not_after
    }
    /// Where the certificate stands at `at`.
    pub fn time_status(&self, at: OffsetDateTime) -> TimeStatus {
        if at < self.not_before {
            TimeStatus::NotYetValid
        } else if at > self.not_after {
            TimeStatus::Expired
        } else {
            TimeStatus::Valid
        }
    }
    /// Whole days from `at` until expiry; negative once expired.
    pub fn days_left(&self, at: OffsetDateTime) -> i64 {
        (self.not_after - at).whole_days()
    }
    pub fn purpose(&self) -> Purpose {
        self.purpose
    }
    pub fn roles(&self) -> &[Role] {
        &self.roles
    }
    pub fn key_usage(&self) -> Option<&KeyUsage> {
        self.key_usage.as_ref()
    }
    pub fn extended_key_usage(&self) -> &[ObjectIdentifier] {
        &self.extended_key_usage
    }
    /// Whether basic constraints mark this as a CA certificate.
    pub fn is_ca(&self) -> bool {
        self.is_ca
    }
    pub fn public_key(&self) -> &SubjectPublicKeyInfoOwned {
        self.cert.tbs_certificate().subject_public_key_info()
    }
    pub fn key_algorithm(&self) -> PublicKeyAlgorithm {
        PublicKeyAlgorithm::of(self.public_key())
    }
    /// The algorithm the issuer signed with, if qoltanba knows its name.
    pub fn signature_algorithm(&self) -> Option<SignatureAlgorithm> {
        SignatureAlgorithm::from_identifier(self.cert.signature_algorithm())
    }
    pub fn subject_key_id(&self) -> Option<&[u8]> {
        self.subject_key_id.as_deref()
    }
    pub fn authority_key_id(&self) -> Option<&[u8]> {
        self.authority_key_id.as_deref()
    }
    pub fn policies(&self) -> &[ObjectIdentifier] {
        &self.policies
    }
    pub fn crl_urls(&self) -> &[String] {
        &self.crl_urls
    }
    pub fn delta_crl_urls(&self) -> &[String] {
        &self.delta_crl_urls
    }
    pub fn ocsp_urls(&self) -> &[String] {
        &self.ocsp_urls
    }
    pub fn ca_issuer_urls(&self) -> &[String] {
        &self.ca_issuer_urls
    }
    /// The raw DER value of NCA's private extension 1.2.398.3.3.5, whose
    /// meaning is not confirmed: shown, never relied on.
    pub fn kz_private_extension(&self) -> Option<&[u8]> {
        self.kz_private_extension.as_deref()
    }
}

fn decode<'a, T: Decode<'a>>(bytes: &'a [u8], what: &'static str) -> Result<T, CertError> {
    T::from_der(bytes).map_err(|_| CertError::MalformedExtension(what))
}

fn to_datetime(t: x509_cert::time::Time) -> Result<OffsetDateTime, CertError> {
    let secs = i64::try_from(t.to_unix_duration().as_secs()).map_err(|_| CertError::BadValidity)?;
    OffsetDateTime::from_unix_timestamp(secs).map_err(|_| CertError::BadValidity)
}

fn uri(name: &GeneralName) -> Option<String> {
    match name {
        GeneralName::UniformResourceIdentifier(u) => Some(u.to_string()),
        _ => None,
    }
}

fn distribution_point_urls(points: CrlDistributionPoints) -> Vec<String> {
    points
        .0
        .iter()
        .filter_map(|dp| match &dp.distribution_point {
            Some(DistributionPointName::FullName(names)) => Some(names.iter().filter_map(uri)),
            _ => None,
        })
        .flatten()
        .collect()
}
