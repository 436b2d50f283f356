//! Attestation chains shaped like the ones Android phones send, for tests
//! and for stand-in keystores (the embedded RA pins this authority's root).
//!
//! An [`AttestationAuthority`] is a root and an intermediate (ECDSA P-256,
//! as Google's remotely provisioned chains below the root are) and one
//! attestation key per security level, each with a certificate named as a
//! remotely provisioned one is (`CN=<32 hex digits>, O=TEE` or
//! `O=StrongBox`). [`AttestationAuthority::mint`] issues the leaf for a key:
//! `CN=Android Keystore Key`, serial 1, valid 1970-01-01 to 2048-01-01, the
//! KeyDescription extension encoded as Android encodes it (the core's types
//! re-encode real Pixel extensions byte for byte) followed by a critical key
//! usage. The chain comes back leaf first, root last: 4 certificates.
//!
//! A software-level key is minted under the same root (with `O=Software`),
//! so a test reaches the RA's level rule; a real one ends in Google's
//! software attestation root, which no RA pins.
//!
//! Nothing here is secret or durable: the keys live in memory and die with
//! the authority.

use std::str::FromStr;

use der::asn1::{Any, OctetString, PrintableString, SetOfVec};
use der::{Decode, Encode, Sequence};
use qoltanba_pki::attestation::SecurityLevel;
use qoltanba_pki::attestation::{
    AttestationSecurityLevel, AuthorizationList, KEY_DESCRIPTION_OID, KeyDescription, RootOfTrust,
    VerifiedBootState, algorithm, purpose,
};
use qoltanba_pki::crypto::{KeySpec, PublicKeyAlgorithm, Signer, SoftwareKey, generate};
use qoltanba_pki::oid;
use sha2::{Digest, Sha256};
use spki::SubjectPublicKeyInfoOwned;
use time::{Duration, OffsetDateTime};
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, KeyUsages};
use x509_cert::name::{Name, RelativeDistinguishedName};

use qoltanba_ra::ca::{CertificateTemplate, random_serial, sign_certificate};

/// Why a chain could not be minted.
#[derive(Debug, thiserror::Error)]
pub enum MintError {
    #[error("the key is not a DER SubjectPublicKeyInfo: {0}")]
    BadKey(String),
    #[error("Android keystores hold RSA and EC P-256/P-384 keys, not {0}")]
    UnsupportedKey(String),
    #[error("Android does not attest keys of level {0}")]
    UnsupportedLevel(&'static str),
    #[error("the attestation chain cannot be made: {0}")]
    Issue(String),
}

fn issue_error(e: impl std::fmt::Display) -> MintError {
    MintError::Issue(e.to_string())
}

/// A key and its certificate.
struct Signing {
    key: SoftwareKey,
    name: Name,
    der: Vec<u8>,
}

/// A test attestation root, an intermediate and attestation keys.
pub struct AttestationAuthority {
    root: Signing,
    intermediate: Signing,
    tee: Signing,
    strongbox: Signing,
    software: Signing,
}

/// KeyMint 3 (Android 14), as the minted extension says.
pub const MINTED_VERSION: u32 = 300;

#[derive(Sequence)]
struct AttestationPackageInfo {
    package_name: OctetString,
    version: u64,
}

#[derive(Sequence)]
struct AttestationApplicationId {
    package_infos: SetOfVec<AttestationPackageInfo>,
    signature_digests: SetOfVec<OctetString>,
}

impl der::ValueOrd for AttestationPackageInfo {
    fn value_cmp(&self, other: &Self) -> der::Result<std::cmp::Ordering> {
        self.package_name.value_cmp(&other.package_name)
    }
}

/// A Name of PrintableString attributes, in the order given.
fn printable_name(attributes: &[(der::asn1::ObjectIdentifier, &str)]) -> Result<Name, MintError> {
    let rdns = attributes
        .iter()
        .map(|(id, value)| {
            let value = Any::encode_from(&PrintableString::new(value).map_err(issue_error)?)
                .map_err(issue_error)?;
            RelativeDistinguishedName::try_from(vec![AttributeTypeAndValue { oid: *id, value }])
                .map_err(issue_error)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Name::from_der(&rdns.to_der().map_err(issue_error)?).map_err(issue_error)
}

fn extension(
    id: der::asn1::ObjectIdentifier,
    critical: bool,
    value: &impl Encode,
) -> Result<Extension, MintError> {
    Ok(Extension {
        extn_id: id,
        critical,
        extn_value: OctetString::new(value.to_der().map_err(issue_error)?).map_err(issue_error)?,
    })
}

fn ca_extensions() -> Result<Vec<Extension>, MintError> {
    Ok(vec![
        extension(
            oid::EXT_BASIC_CONSTRAINTS,
            true,
            &BasicConstraints {
                ca: true,
                path_len_constraint: None,
            },
        )?,
        extension(
            oid::EXT_KEY_USAGE,
            true,
            &KeyUsage(KeyUsages::KeyCertSign.into()),
        )?,
    ])
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).expect("the OS random number generator works");
    hex::encode(buf)
}

impl Signing {
    fn new(
        name: Name,
        issuer: Option<&Signing>,
        not_after: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<Self, MintError> {
        let key = generate(KeySpec::P256).map_err(issue_error)?;
        let template = CertificateTemplate {
            serial: random_serial(),
            subject: name.clone(),
            public_key: key.public_key().clone(),
            not_before: now - Duration::hours(1),
            not_after,
            extensions: ca_extensions()?,
        };
        let cert = match issuer {
            Some(issuer) => sign_certificate(&template, &issuer.name, &issuer.key),
            None => sign_certificate(&template, &name, &key),
        }
        .map_err(issue_error)?;
        Ok(Self {
            key,
            name,
            der: cert.der().to_vec(),
        })
    }
}

impl AttestationAuthority {
    /// A new authority whose certificates start now.
    pub fn new() -> Result<Self, MintError> {
        Self::new_at(OffsetDateTime::now_utc())
    }

    /// A new authority whose certificates start at `now`: the root for 10
    /// years, the intermediate for 5, the attestation keys' certificates
    /// for 60 days (remotely provisioned ones live for weeks).
    pub fn new_at(now: OffsetDateTime) -> Result<Self, MintError> {
        let root = Signing::new(
            printable_name(&[
                (oid::AT_COMMON_NAME, "qoltanba test key attestation root"),
                (oid::AT_ORGANIZATION, "qoltanba (test)"),
                (oid::AT_COUNTRY, "KZ"),
            ])?,
            None,
            now + Duration::days(3650),
            now,
        )?;
        let intermediate = Signing::new(
            printable_name(&[
                (oid::AT_ORGANIZATION, "qoltanba (test)"),
                (oid::AT_COMMON_NAME, "qoltanba test attestation CA"),
            ])?,
            Some(&root),
            now + Duration::days(1825),
            now,
        )?;
        let attestation_key = |level: &str| {
            Signing::new(
                printable_name(&[
                    (oid::AT_COMMON_NAME, &random_hex(16)),
                    (oid::AT_ORGANIZATION, level),
                ])?,
                Some(&intermediate),
                now + Duration::days(60),
                now,
            )
        };
        let tee = attestation_key("TEE")?;
        let strongbox = attestation_key("StrongBox")?;
        let software = attestation_key("Software")?;
        Ok(Self {
            root,
            intermediate,
            tee,
            strongbox,
            software,
        })
    }

    /// The root's public key, to pin.
    pub fn root_public_key(&self) -> &SubjectPublicKeyInfoOwned {
        // The root was made from this key; its certificate holds the same.
        self.root.key.public_key()
    }

    /// The root's public key as DER (a SubjectPublicKeyInfo).
    pub fn root_public_key_der(&self) -> Vec<u8> {
        self.root_public_key().to_der().unwrap_or_default()
    }

    /// The root certificate (DER).
    pub fn root_certificate_der(&self) -> &[u8] {
        &self.root.der
    }

    /// The configuration entry pinning the root (`spki:<base64>`), for
    /// `attestation.roots`.
    pub fn pin_entry(&self) -> String {
        qoltanba_ra::attestation::pin_entry(self.root_public_key())
    }

    /// The chain for the key `leaf_public_key_spki_der` (a DER
    /// SubjectPublicKeyInfo), attested at `level` (software, tee or
    /// strongbox) with `challenge`, the KeyMint `purposes` (2 is SIGN) and
    /// `origin` (0 is GENERATED): DER certificates, leaf first, root last.
    pub fn mint(
        &self,
        leaf_public_key_spki_der: &[u8],
        challenge: &[u8],
        level: SecurityLevel,
        purposes: &[u64],
        origin: u64,
    ) -> Result<Vec<Vec<u8>>, MintError> {
        let description =
            Self::key_description(leaf_public_key_spki_der, challenge, level, purposes, origin)?;
        self.mint_description(leaf_public_key_spki_der, &description)
    }

    /// The KeyDescription [`AttestationAuthority::mint`] puts in the leaf,
    /// for a test to alter before [`AttestationAuthority::mint_description`].
    /// At TEE and StrongBox level the key's properties are hardware-enforced,
    /// the creation time and application id software-enforced, as on a
    /// phone; at software level everything is software-enforced.
    pub fn key_description(
        leaf_public_key_spki_der: &[u8],
        challenge: &[u8],
        level: SecurityLevel,
        purposes: &[u64],
        origin: u64,
    ) -> Result<KeyDescription, MintError> {
        let spki = SubjectPublicKeyInfoOwned::from_der(leaf_public_key_spki_der)
            .map_err(|e| MintError::BadKey(e.to_string()))?;
        let level = AttestationSecurityLevel::from_level(level)
            .ok_or(MintError::UnsupportedLevel(level.name()))?;
        let key_algorithm = PublicKeyAlgorithm::of(&spki);
        let mut key = AuthorizationList {
            purpose: Some(purposes.to_vec()),
            digest: Some(vec![4]), // SHA-256
            no_auth_required: true,
            origin: Some(origin),
            root_of_trust: Some(RootOfTrust {
                verified_boot_key: octets(
                    Sha256::digest(b"qoltanba test verified boot key").to_vec(),
                )?,
                device_locked: true,
                verified_boot_state: VerifiedBootState::Verified,
                verified_boot_hash: Some(octets(
                    Sha256::digest(b"qoltanba test verified boot hash").to_vec(),
                )?),
            }),
            os_version: Some(150000),
            os_patch_level: Some(202506),
            vendor_patch_level: Some(20250605),
            boot_patch_level: Some(20250605),
            ..AuthorizationList::default()
        };
        match key_algorithm {
            PublicKeyAlgorithm::EcP256 | PublicKeyAlgorithm::EcP384 => {
                key.algorithm = Some(algorithm::EC);
                key.key_size = Some(u64::from(key_algorithm.bits()));
                key.ec_curve = Some(if key_algorithm == PublicKeyAlgorithm::EcP256 {
                    1
                } else {
                    2
                });
            }
            PublicKeyAlgorithm::Rsa { bits } => {
                key.algorithm = Some(algorithm::RSA);
                key.key_size = Some(u64::from(bits));
                key.padding = Some(vec![5]); // RSA_PKCS1_1_5_SIGN
                key.rsa_public_exponent = Some(65537);
            }
            other => return Err(MintError::UnsupportedKey(other.name())),
        }
        let application_id = AttestationApplicationId {
            package_infos: SetOfVec::try_from(vec![AttestationPackageInfo {
                package_name: octets(b"kz.qoltanba".to_vec())?,
                version: 1,
            }])
            .map_err(issue_error)?,
            signature_digests: SetOfVec::try_from(vec![octets(
                Sha256::digest(b"qoltanba test app signing certificate").to_vec(),
            )?])
            .map_err(issue_error)?,
        };
        let created = OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000;
        let software_part = AuthorizationList {
            creation_date_time: u64::try_from(created).ok(),
            attestation_application_id: Some(application_id.to_der().map_err(issue_error)?),
            ..AuthorizationList::default()
        };
        let (software_enforced, hardware_enforced) = if level == AttestationSecurityLevel::Software
        {
            let mut all = key;
            all.creation_date_time = software_part.creation_date_time;
            all.attestation_application_id = software_part.attestation_application_id;
            (all, AuthorizationList::default())
        } else {
            (software_part, key)
        };
        Ok(KeyDescription {
            attestation_version: MINTED_VERSION,
            attestation_security_level: level,
            keymint_version: MINTED_VERSION,
            keymint_security_level: level,
            attestation_challenge: octets(challenge.to_vec())?,
            unique_id: octets(Vec::new())?,
            software_enforced,
            hardware_enforced,
        })
    }

    /// The chain for a key whose leaf carries `description`, issued by the
    /// attestation key of the description's (lower) security level.
    pub fn mint_description(
        &self,
        leaf_public_key_spki_der: &[u8],
        description: &KeyDescription,
    ) -> Result<Vec<Vec<u8>>, MintError> {
        let spki = SubjectPublicKeyInfoOwned::from_der(leaf_public_key_spki_der)
            .map_err(|e| MintError::BadKey(e.to_string()))?;
        let attestation = match description.security_level() {
            AttestationSecurityLevel::Software => &self.software,
            AttestationSecurityLevel::TrustedEnvironment => &self.tee,
            AttestationSecurityLevel::StrongBox => &self.strongbox,
        };
        let purposes = description
            .hardware_enforced
            .purpose
            .iter()
            .chain(&description.software_enforced.purpose)
            .flatten()
            .copied()
            .collect::<Vec<_>>();
        let mut usage = der::flagset::FlagSet::<KeyUsages>::default();
        if purposes.contains(&purpose::SIGN) {
            usage |= KeyUsages::DigitalSignature;
        }
        if purposes.contains(&purpose::DECRYPT) {
            usage |= KeyUsages::KeyEncipherment;
        }
        if purposes.contains(&purpose::AGREE_KEY) {
            usage |= KeyUsages::KeyAgreement;
        }
        let mut extensions = vec![extension(KEY_DESCRIPTION_OID, false, description)?];
        if !usage.is_empty() {
            extensions.push(extension(oid::EXT_KEY_USAGE, true, &KeyUsage(usage))?);
        }
        let epoch = OffsetDateTime::UNIX_EPOCH;
        let leaf = sign_certificate(
            &CertificateTemplate {
                serial: vec![1],
                subject: Name::from_str("CN=Android Keystore Key").map_err(issue_error)?,
                public_key: spki,
                not_before: epoch,
                not_after: time::macros::datetime!(2048-01-01 00:00 UTC),
                extensions,
            },
            &attestation.name,
            &attestation.key,
        )
        .map_err(issue_error)?;
        Ok(vec![
            leaf.der().to_vec(),
            attestation.der.clone(),
            self.intermediate.der.clone(),
            self.root.der.clone(),
        ])
    }
}

fn octets(bytes: Vec<u8>) -> Result<OctetString, MintError> {
    OctetString::new(bytes).map_err(issue_error)
}

#[cfg(test)]
mod tests {
    use qoltanba_pki::attestation::{
        AttestationError, origin, parse_key_description, verify_android_attestation,
    };
    use x509_cert::Certificate;

    use super::*;

    fn leaf_extension(chain: &[Vec<u8>]) -> (bool, Vec<u8>, Vec<der::asn1::ObjectIdentifier>) {
        let cert = Certificate::from_der(&chain[0]).unwrap();
        let extensions = cert.tbs_certificate().extensions().unwrap();
        let ext = &extensions[0];
        (
            ext.critical,
            ext.extn_value.as_bytes().to_vec(),
            extensions.iter().map(|e| e.extn_id).collect(),
        )
    }

    #[test]
    fn minted_chains_verify_with_the_core_and_look_like_androids() {
        let authority = AttestationAuthority::new().unwrap();
        for (spec, level) in [
            (KeySpec::P256, SecurityLevel::TrustedEnvironment),
            (KeySpec::P256, SecurityLevel::StrongBox),
            (KeySpec::Rsa2048, SecurityLevel::TrustedEnvironment),
        ] {
            let key = generate(spec).unwrap();
            let spki = key.public_key().to_der().unwrap();
            let chain = authority
                .mint(
                    &spki,
                    b"nonce",
                    level,
                    &[purpose::SIGN, purpose::VERIFY],
                    origin::GENERATED,
                )
                .unwrap();
            assert_eq!(chain.len(), 4);
            assert_eq!(chain[3], authority.root_certificate_der());
            let result = verify_android_attestation(
                &chain,
                key.public_key(),
                &[authority.root_public_key().clone()],
                &[b"nonce".to_vec()],
                OffsetDateTime::now_utc(),
            )
            .unwrap();
            assert_eq!(result.security_level, level);
            assert_eq!(result.attestation_version, MINTED_VERSION);
            let (critical, value, ids) = leaf_extension(&chain);
            assert!(!critical);
            assert_eq!(ids, vec![KEY_DESCRIPTION_OID, oid::EXT_KEY_USAGE]);
            let description = parse_key_description(&value).unwrap();
            // Canonical: what the core decodes re-encodes to the same bytes.
            assert_eq!(description.to_der().unwrap(), value);
            let hw = &description.hardware_enforced;
            assert_eq!(
                hw.key_size,
                Some(u64::from(PublicKeyAlgorithm::of(key.public_key()).bits()))
            );
            assert!(
                description
                    .software_enforced
                    .attestation_application_id
                    .is_some()
            );
            let leaf = Certificate::from_der(&chain[0]).unwrap();
            assert_eq!(
                leaf.tbs_certificate().subject().to_string(),
                "CN=Android Keystore Key"
            );
            assert_eq!(leaf.tbs_certificate().serial_number().as_bytes(), &[1]);
        }
    }

    #[test]
    fn a_software_level_mint_is_the_cores_software_error() {
        let authority = AttestationAuthority::new().unwrap();
        let key = generate(KeySpec::P256).unwrap();
        let chain = authority
            .mint(
                &key.public_key().to_der().unwrap(),
                b"nonce",
                SecurityLevel::Software,
                &[purpose::SIGN],
                origin::GENERATED,
            )
            .unwrap();
        assert!(matches!(
            verify_android_attestation(
                &chain,
                key.public_key(),
                &[authority.root_public_key().clone()],
                &[b"nonce".to_vec()],
                OffsetDateTime::now_utc(),
            ),
            Err(AttestationError::SoftwareKey(_))
        ));
    }

    #[test]
    fn bad_requests_are_errors_not_panics() {
        let authority = AttestationAuthority::new().unwrap();
        let key = generate(KeySpec::P256).unwrap();
        let spki = key.public_key().to_der().unwrap();
        assert!(matches!(
            authority.mint(b"junk", b"n", SecurityLevel::TrustedEnvironment, &[2], 0),
            Err(MintError::BadKey(_))
        ));
        assert!(matches!(
            authority.mint(&spki, b"n", SecurityLevel::SecureEnclave, &[2], 0),
            Err(MintError::UnsupportedLevel("secure-enclave"))
        ));
        let gost = generate(KeySpec::Gost512).unwrap();
        assert!(matches!(
            authority.mint(
                &gost.public_key().to_der().unwrap(),
                b"n",
                SecurityLevel::TrustedEnvironment,
                &[2],
                0
            ),
            Err(MintError::UnsupportedKey(_))
        ));
    }
}
