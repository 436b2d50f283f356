//! Android key attestation: the KeyDescription extension of an attestation
//! leaf certificate, and the check an RA runs on a chain a phone sends with
//! a new key.
//!
//! When an app asks `AndroidKeyStore` for a key with an attestation
//! challenge, the keystore returns a certificate chain: a leaf for the new
//! key carrying the KeyDescription extension (OID 1.3.6.1.4.1.11129.2.1.17),
//! signed by a device attestation key, up to one of Google's roots. The
//! extension says where the key lives (software, the TEE, StrongBox), what it
//! may do and how it came to be. Schema:
//! <https://source.android.com/docs/security/features/keystore/attestation#schema>
//!
//! ```asn1
//! KeyDescription ::= SEQUENCE {
//!     attestationVersion        INTEGER,   -- 1..4 (Keymaster), 100, 200, 300, 400 (KeyMint)
//!     attestationSecurityLevel  SecurityLevel,
//!     keyMintVersion            INTEGER,   -- keymasterVersion before KeyMint
//!     keyMintSecurityLevel      SecurityLevel,
//!     attestationChallenge      OCTET STRING,
//!     uniqueId                  OCTET STRING,
//!     softwareEnforced          AuthorizationList,
//!     hardwareEnforced          AuthorizationList }   -- teeEnforced before KeyMint
//! SecurityLevel ::= ENUMERATED { Software (0), TrustedEnvironment (1), StrongBox (2) }
//! AuthorizationList ::= SEQUENCE {
//!     purpose [1] EXPLICIT SET OF INTEGER OPTIONAL, algorithm [2] EXPLICIT INTEGER OPTIONAL,
//!     keySize [3] EXPLICIT INTEGER OPTIONAL, ..., origin [702] EXPLICIT INTEGER OPTIONAL,
//!     rootOfTrust [704] EXPLICIT RootOfTrust OPTIONAL, ... }   -- some 50 optional fields
//! RootOfTrust ::= SEQUENCE { verifiedBootKey OCTET STRING, deviceLocked BOOLEAN,
//!     verifiedBootState VerifiedBootState, verifiedBootHash OCTET STRING OPTIONAL }
//! ```
//!
//! [`AuthorizationList`] types the fields qoltanba reads or mints and keeps
//! every other field as received ([`RawField`]), so a newer Android's tags,
//! fields out of order (some devices write them so) and a malformed
//! nice-to-have field (e.g. a `deviceLocked` that is not DER) do not make the
//! extension unreadable. The fields a decision rests on (purpose, algorithm,
//! key size, origin) must decode, and appear at most once.
//!
//! [`verify_android_attestation`] checks a chain, leaf first. Its rules:
//! - 2 to [`MAX_CHAIN_LEN`] certificates, each a DER X.509 certificate;
//! - the last certificate's public key is one of the pinned roots (the roots
//!   are trusted as keys: Google re-issued its RSA root with the same key);
//! - every certificate is signed by the next one's key (RSA PKCS#1 with
//!   SHA-256/384/512; ECDSA P-256 and P-384 with SHA-256 or SHA-384: what
//!   Google's roots, intermediates and devices use). Names are not compared:
//!   the signatures are what bind the chain;
//! - every certificate between the leaf and the root is valid at `now`
//!   (remotely provisioned attestation keys live for days, so this matters).
//!   The leaf's validity is **not** checked: the device writes it from its own
//!   clock and the app's parameters (real leaves say 1970-01-01 to 2048 or
//!   2106), as Google's own verifier does. The root, a pinned key, neither;
//! - the leaf, and only the leaf, carries the extension, once (an attested
//!   key that signs a further "leaf" with a made-up extension is refused);
//! - the leaf's key is the expected key (the CSR's);
//! - the challenge is one of the accepted ones (compared in constant time);
//! - the key's purposes include SIGN and its origin is GENERATED, read from
//!   the hardware-enforced list for TEE and StrongBox keys (a claim only
//!   software makes is no claim), from both lists for software keys;
//! - the security level, the lower of attestationSecurityLevel and
//!   keyMintSecurityLevel, is TEE or StrongBox; a software level is the
//!   distinct [`AttestationError::SoftwareKey`], which carries the whole
//!   result, so a policy that accepts software keys can still record it.

use der::asn1::{Any, AnyRef, BitString, Null, ObjectIdentifier, OctetString, SetOfVec};
use der::{
    Decode, DecodeValue, Encode, EncodeValue, Enumerated, FixedTag, Header, Length, Reader,
    Sequence, Tag, TagMode, TagNumber, Tagged, Writer,
};
use ring::signature::{self as ring_sig, UnparsedPublicKey};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use subtle::{Choice, ConstantTimeEq};
use time::OffsetDateTime;
use x509_cert::Certificate;

/// Where a key lives, as strong as the platform reports it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum), uniffi(name = "KeyLevel"))]
pub enum SecurityLevel {
    /// In memory of the app's process, at rest encrypted (the desktop store).
    Software,
    /// Encrypted under a hardware-held key, decrypted in memory per use
    /// (GOST keys on a phone).
    HardwareWrapped,
    /// Android's trusted execution environment.
    TrustedEnvironment,
    /// Android's StrongBox secure element.
    StrongBox,
    /// Apple's Secure Enclave.
    SecureEnclave,
}

impl SecurityLevel {
    pub fn name(self) -> &'static str {
        match self {
            Self::Software => "software",
            Self::HardwareWrapped => "hardware-wrapped",
            Self::TrustedEnvironment => "tee",
            Self::StrongBox => "strongbox",
            Self::SecureEnclave => "secure-enclave",
        }
    }
}

use crate::crypto::{PublicKeyAlgorithm, verify_signature};
use crate::oid;

/// The Android key attestation extension (KeyDescription).
pub const KEY_DESCRIPTION_OID: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.4.1.11129.2.1.17");

/// The longest chain accepted (real ones have 3 to 5 certificates).
pub const MAX_CHAIN_LEN: usize = 10;

/// KeyMint's `KeyPurpose` values (the `purpose` field).
pub mod purpose {
    pub const ENCRYPT: u64 = 0;
    pub const DECRYPT: u64 = 1;
    pub const SIGN: u64 = 2;
    pub const VERIFY: u64 = 3;
    pub const WRAP_KEY: u64 = 5;
    pub const AGREE_KEY: u64 = 6;
    pub const ATTEST_KEY: u64 = 7;
}

/// KeyMint's `KeyOrigin` values (the `origin` field).
pub mod origin {
    pub const GENERATED: u64 = 0;
    pub const DERIVED: u64 = 1;
    pub const IMPORTED: u64 = 2;
    pub const RESERVED: u64 = 3;
    pub const SECURELY_IMPORTED: u64 = 4;

    /// A human name for an origin value.
    pub fn name(value: u64) -> &'static str {
        match value {
            GENERATED => "generated",
            DERIVED => "derived",
            IMPORTED => "imported",
            SECURELY_IMPORTED => "securely imported",
            _ => "unknown",
        }
    }
}

/// KeyMint's `Algorithm` values (the `algorithm` field).
pub mod algorithm {
    pub const RSA: u64 = 1;
    pub const EC: u64 = 3;
    pub const AES: u64 = 32;
    pub const TRIPLE_DES: u64 = 33;
    pub const HMAC: u64 = 128;
}

/// The extension's SecurityLevel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Enumerated)]
#[repr(u32)]
pub enum AttestationSecurityLevel {
    Software = 0,
    TrustedEnvironment = 1,
    StrongBox = 2,
}

impl AttestationSecurityLevel {
    /// The platform keystore's level of the same strength.
    pub fn level(self) -> SecurityLevel {
        match self {
            Self::Software => SecurityLevel::Software,
            Self::TrustedEnvironment => SecurityLevel::TrustedEnvironment,
            Self::StrongBox => SecurityLevel::StrongBox,
        }
    }

    /// The extension's level for a platform keystore's level; `None` for the
    /// levels Android does not attest (hardware-wrapped, Secure Enclave).
    pub fn from_level(level: SecurityLevel) -> Option<Self> {
        match level {
            SecurityLevel::Software => Some(Self::Software),
            SecurityLevel::TrustedEnvironment => Some(Self::TrustedEnvironment),
            SecurityLevel::StrongBox => Some(Self::StrongBox),
            SecurityLevel::HardwareWrapped | SecurityLevel::SecureEnclave => None,
        }
    }
}

/// The state of verified boot when the key was attested.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Enumerated)]
#[repr(u32)]
pub enum VerifiedBootState {
    Verified = 0,
    SelfSigned = 1,
    Unverified = 2,
    Failed = 3,
}

impl VerifiedBootState {
    pub fn name(self) -> &'static str {
        match self {
            Self::Verified => "verified",
            Self::SelfSigned => "self-signed",
            Self::Unverified => "unverified",
            Self::Failed => "failed",
        }
    }
}

/// The device's boot state (field `rootOfTrust`, [704]).
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct RootOfTrust {
    pub verified_boot_key: OctetString,
    pub device_locked: bool,
    pub verified_boot_state: VerifiedBootState,
    /// Attestation version 3 and later.
    #[asn1(optional = "true")]
    pub verified_boot_hash: Option<OctetString>,
}

/// The whole extension.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct KeyDescription {
    pub attestation_version: u32,
    pub attestation_security_level: AttestationSecurityLevel,
    /// `keymasterVersion` before KeyMint.
    pub keymint_version: u32,
    pub keymint_security_level: AttestationSecurityLevel,
    pub attestation_challenge: OctetString,
    pub unique_id: OctetString,
    pub software_enforced: AuthorizationList,
    /// `teeEnforced` before KeyMint.
    pub hardware_enforced: AuthorizationList,
}

impl KeyDescription {
    /// The key's security level: the lower of the two the extension states.
    pub fn security_level(&self) -> AttestationSecurityLevel {
        self.attestation_security_level
            .min(self.keymint_security_level)
    }
}

/// A field of an AuthorizationList kept as received: its tag number and the
/// DER inside its explicit tag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawField {
    pub tag: u32,
    pub value: Vec<u8>,
}

/// An AuthorizationList. Every field is optional and explicitly tagged; the
/// typed ones are those qoltanba reads or mints, [`AuthorizationList::other`]
/// holds the rest. Encoding writes all fields in ascending tag order, as
/// Android does.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuthorizationList {
    /// [1] SET OF INTEGER, [`purpose`] values.
    pub purpose: Option<Vec<u64>>,
    /// [2] INTEGER, an [`algorithm`] value.
    pub algorithm: Option<u64>,
    /// [3] INTEGER, bits.
    pub key_size: Option<u64>,
    /// [5] SET OF INTEGER (KeyMint `Digest`: 4 is SHA-256).
    pub digest: Option<Vec<u64>>,
    /// [6] SET OF INTEGER (KeyMint `PaddingMode`).
    pub padding: Option<Vec<u64>>,
    /// [10] INTEGER (KeyMint `EcCurve`: 1 is P-256).
    pub ec_curve: Option<u64>,
    /// [200] INTEGER.
    pub rsa_public_exponent: Option<u64>,
    /// [503] NULL.
    pub no_auth_required: bool,
    /// [701] INTEGER, milliseconds since 1970.
    pub creation_date_time: Option<u64>,
    /// [702] INTEGER, an [`origin`] value.
    pub origin: Option<u64>,
    /// [704] RootOfTrust.
    pub root_of_trust: Option<RootOfTrust>,
    /// [705] INTEGER, e.g. 160000 for Android 16.
    pub os_version: Option<u64>,
    /// [706] INTEGER, YYYYMM.
    pub os_patch_level: Option<u64>,
    /// [709] OCTET STRING (a DER AttestationApplicationId).
    pub attestation_application_id: Option<Vec<u8>>,
    /// [718] INTEGER, YYYYMMDD.
    pub vendor_patch_level: Option<u64>,
    /// [719] INTEGER, YYYYMMDD.
    pub boot_patch_level: Option<u64>,
    /// Every other field, and a nice-to-have field that did not decode.
    pub other: Vec<RawField>,
}

mod tag {
    pub const PURPOSE: u32 = 1;
    pub const ALGORITHM: u32 = 2;
    pub const KEY_SIZE: u32 = 3;
    pub const DIGEST: u32 = 5;
    pub const PADDING: u32 = 6;
    pub const EC_CURVE: u32 = 10;
    pub const RSA_PUBLIC_EXPONENT: u32 = 200;
    pub const NO_AUTH_REQUIRED: u32 = 503;
    pub const CREATION_DATE_TIME: u32 = 701;
    pub const ORIGIN: u32 = 702;
    pub const ROOT_OF_TRUST: u32 = 704;
    pub const OS_VERSION: u32 = 705;
    pub const OS_PATCH_LEVEL: u32 = 706;
    pub const ATTESTATION_APPLICATION_ID: u32 = 709;
    pub const VENDOR_PATCH_LEVEL: u32 = 718;
    pub const BOOT_PATCH_LEVEL: u32 = 719;

    /// The fields a decision rests on: they must decode.
    pub const REQUIRED_TO_DECODE: [u32; 4] = [PURPOSE, ALGORITHM, KEY_SIZE, ORIGIN];
}

fn set_of_integers(value: &[u8]) -> der::Result<Vec<u64>> {
    Ok(SetOfVec::<u64>::from_der(value)?.into_vec())
}

impl AuthorizationList {
    /// Store one field; `Ok(false)` when a nice-to-have field did not decode
    /// (the caller keeps it raw).
    fn take(&mut self, number: u32, value: &[u8]) -> der::Result<bool> {
        fn put<T>(slot: &mut Option<T>, decoded: der::Result<T>) -> der::Result<bool> {
            match decoded {
                Ok(v) => {
                    *slot = Some(v);
                    Ok(true)
                }
                Err(_) => Ok(false),
            }
        }
        let decoded = match number {
            tag::PURPOSE => put(&mut self.purpose, set_of_integers(value)),
            tag::ALGORITHM => put(&mut self.algorithm, u64::from_der(value)),
            tag::KEY_SIZE => put(&mut self.key_size, u64::from_der(value)),
            tag::DIGEST => put(&mut self.digest, set_of_integers(value)),
            tag::PADDING => put(&mut self.padding, set_of_integers(value)),
            tag::EC_CURVE => put(&mut self.ec_curve, u64::from_der(value)),
            tag::RSA_PUBLIC_EXPONENT => put(&mut self.rsa_public_exponent, u64::from_der(value)),
            tag::NO_AUTH_REQUIRED => {
                let ok = Null::from_der(value).is_ok();
                self.no_auth_required |= ok;
                Ok(ok)
            }
            tag::CREATION_DATE_TIME => put(&mut self.creation_date_time, u64::from_der(value)),
            tag::ORIGIN => put(&mut self.origin, u64::from_der(value)),
            tag::ROOT_OF_TRUST => put(&mut self.root_of_trust, RootOfTrust::from_der(value)),
            tag::OS_VERSION => put(&mut self.os_version, u64::from_der(value)),
            tag::OS_PATCH_LEVEL => put(&mut self.os_patch_level, u64::from_der(value)),
            tag::ATTESTATION_APPLICATION_ID => put(
                &mut self.attestation_application_id,
                OctetString::from_der(value).map(|o| o.into_bytes().into_vec()),
            ),
            tag::VENDOR_PATCH_LEVEL => put(&mut self.vendor_patch_level, u64::from_der(value)),
            tag::BOOT_PATCH_LEVEL => put(&mut self.boot_patch_level, u64::from_der(value)),
            _ => Ok(false),
        }?;
        if !decoded && tag::REQUIRED_TO_DECODE.contains(&number) {
            return Err(context_tag(number).value_error().into());
        }
        Ok(decoded)
    }

    /// Every field as (tag number, DER of the explicitly tagged field).
    fn fields(&self) -> der::Result<Vec<(u32, Vec<u8>)>> {
        fn explicit<T: EncodeValue + Tagged>(
            number: u32,
            value: &T,
        ) -> der::Result<(u32, Vec<u8>)> {
            let tagged = der::asn1::ContextSpecificRef {
                tag_number: TagNumber(number),
                tag_mode: TagMode::Explicit,
                value,
            };
            Ok((number, tagged.to_der()?))
        }
        fn set(values: &[u64]) -> der::Result<SetOfVec<u64>> {
            SetOfVec::try_from(values.to_vec())
        }
        let mut out = Vec::new();
        if let Some(v) = &self.purpose {
            out.push(explicit(tag::PURPOSE, &set(v)?)?);
        }
        if let Some(v) = &self.algorithm {
            out.push(explicit(tag::ALGORITHM, v)?);
        }
        if let Some(v) = &self.key_size {
            out.push(explicit(tag::KEY_SIZE, v)?);
        }
        if let Some(v) = &self.digest {
            out.push(explicit(tag::DIGEST, &set(v)?)?);
        }
        if let Some(v) = &self.padding {
            out.push(explicit(tag::PADDING, &set(v)?)?);
        }
        if let Some(v) = &self.ec_curve {
            out.push(explicit(tag::EC_CURVE, v)?);
        }
        if let Some(v) = &self.rsa_public_exponent {
            out.push(explicit(tag::RSA_PUBLIC_EXPONENT, v)?);
        }
        if self.no_auth_required {
            out.push(explicit(tag::NO_AUTH_REQUIRED, &Null)?);
        }
        if let Some(v) = &self.creation_date_time {
            out.push(explicit(tag::CREATION_DATE_TIME, v)?);
        }
        if let Some(v) = &self.origin {
            out.push(explicit(tag::ORIGIN, v)?);
        }
        if let Some(v) = &self.root_of_trust {
            out.push(explicit(tag::ROOT_OF_TRUST, v)?);
        }
        if let Some(v) = &self.os_version {
            out.push(explicit(tag::OS_VERSION, v)?);
        }
        if let Some(v) = &self.os_patch_level {
            out.push(explicit(tag::OS_PATCH_LEVEL, v)?);
        }
        if let Some(v) = &self.attestation_application_id {
            out.push(explicit(
                tag::ATTESTATION_APPLICATION_ID,
                &OctetString::new(v.clone())?,
            )?);
        }
        if let Some(v) = &self.vendor_patch_level {
            out.push(explicit(tag::VENDOR_PATCH_LEVEL, v)?);
        }
        if let Some(v) = &self.boot_patch_level {
            out.push(explicit(tag::BOOT_PATCH_LEVEL, v)?);
        }
        for raw in &self.other {
            let any = Any::new(context_tag(raw.tag), raw.value.clone())?;
            out.push((raw.tag, any.to_der()?));
        }
        // A stable sort: ascending tags, as Android writes them.
        out.sort_by_key(|(number, _)| *number);
        Ok(out)
    }
}

fn context_tag(number: u32) -> Tag {
    Tag::ContextSpecific {
        constructed: true,
        number: TagNumber(number),
    }
}

impl FixedTag for AuthorizationList {
    const TAG: Tag = Tag::Sequence;
}

impl<'a> DecodeValue<'a> for AuthorizationList {
    type Error = der::Error;

    fn decode_value<R: Reader<'a>>(reader: &mut R, _header: Header) -> der::Result<Self> {
        let mut list = AuthorizationList::default();
        let mut seen: Vec<u32> = Vec::new();
        while !reader.is_finished() {
            let field = AnyRef::decode(reader)?;
            let number = match field.tag() {
                Tag::ContextSpecific {
                    constructed: true,
                    number,
                } => number.value(),
                other => return Err(other.unexpected_error(None).into()),
            };
            // A field twice is ambiguous: which one would the device enforce?
            if seen.contains(&number) {
                return Err(context_tag(number).value_error().into());
            }
            seen.push(number);
            if !list.take(number, field.value())? {
                list.other.push(RawField {
                    tag: number,
                    value: field.value().to_vec(),
                });
            }
        }
        Ok(list)
    }
}

impl EncodeValue for AuthorizationList {
    fn value_len(&self) -> der::Result<Length> {
        self.fields()?
            .iter()
            .try_fold(Length::ZERO, |len, (_, der)| {
                len + Length::try_from(der.len())?
            })
    }

    fn encode_value(&self, writer: &mut impl Writer) -> der::Result<()> {
        for (_, der) in self.fields()? {
            writer.write(&der)?;
        }
        Ok(())
    }
}

/// Decode the extension's value (the DER inside its OCTET STRING).
pub fn parse_key_description(extension_value: &[u8]) -> Result<KeyDescription, AttestationError> {
    KeyDescription::from_der(extension_value)
        .map_err(|e| AttestationError::MalformedKeyDescription(e.to_string()))
}

/// The KeyDescription a certificate carries: `Ok(None)` without the
/// extension, an error when it is there twice or does not decode.
pub fn key_description_of(cert: &Certificate) -> Result<Option<KeyDescription>, AttestationError> {
    let mut found = extensions_with(cert, KEY_DESCRIPTION_OID);
    let Some(first) = found.next() else {
        return Ok(None);
    };
    if found.next().is_some() {
        return Err(AttestationError::DuplicateExtension);
    }
    parse_key_description(first).map(Some)
}

fn extensions_with(cert: &Certificate, id: ObjectIdentifier) -> impl Iterator<Item = &[u8]> {
    cert.tbs_certificate()
        .extensions()
        .into_iter()
        .flatten()
        .filter(move |e| e.extn_id == id)
        .map(|e| e.extn_value.as_bytes())
}

/// What a verified attestation says about the key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttestationResult {
    /// Software, TrustedEnvironment or StrongBox.
    pub security_level: SecurityLevel,
    pub attestation_version: u32,
    pub keymint_version: u32,
    /// Which of the pinned roots the chain ends in.
    pub root_index: usize,
    /// From the rootOfTrust of the list the decisions were read from.
    pub verified_boot_state: Option<VerifiedBootState>,
    pub device_locked: Option<bool>,
    pub description: KeyDescription,
}

/// Why an attestation chain was refused. Messages are one line and say
/// what is wrong; certificates are numbered from 0, the leaf.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AttestationError {
    #[error("the attestation chain is empty")]
    EmptyChain,
    #[error("the attestation chain has only a leaf; its issuers up to the root are missing")]
    ChainTooShort,
    #[error("the attestation chain has {0} certificates, more than the {MAX_CHAIN_LEN} accepted")]
    ChainTooLong(usize),
    #[error("attestation certificate {index} does not decode: {detail}")]
    MalformedCertificate { index: usize, detail: String },
    #[error(
        "the attestation chain ends in a root that is not pinned; the key is not attested by a known platform"
    )]
    UnknownRoot,
    #[error("attestation certificate {index} is not signed by the next one: {detail}")]
    BadSignature { index: usize, detail: String },
    #[error("attestation certificate {index} expired at {at}")]
    Expired { index: usize, at: String },
    #[error("attestation certificate {index} is not valid before {at}")]
    NotYetValid { index: usize, at: String },
    #[error("the attestation leaf carries no Android key attestation extension")]
    NoKeyDescription,
    #[error(
        "attestation certificate {0} carries an attestation extension, which only the leaf may"
    )]
    ExtensionOutsideLeaf(usize),
    #[error("the attestation leaf carries the attestation extension more than once")]
    DuplicateExtension,
    #[error("the attestation extension does not decode: {0}")]
    MalformedKeyDescription(String),
    #[error("the attested key is not the key of the request")]
    KeyMismatch,
    #[error("the attestation challenge is not the nonce of a recent login of this citizen")]
    ChallengeMismatch,
    #[error("the attested key may not sign (purposes {0:?}, SIGN is 2)")]
    NotForSigning(Vec<u64>),
    #[error("the attested key was not generated in the keystore (origin: {0})")]
    NotGenerated(String),
    #[error("the attested key lives in software, not in the phone's secure hardware")]
    SoftwareKey(Box<AttestationResult>),
}

/// The parts of a certificate signature checks need, the TBS exactly as
/// received.
#[derive(Sequence)]
struct RawCertificate<'a> {
    tbs: AnyRef<'a>,
    algorithm: AlgorithmIdentifierOwned,
    signature: BitString,
}

struct Parsed {
    cert: Certificate,
    tbs: Vec<u8>,
    algorithm: AlgorithmIdentifierOwned,
    signature: Vec<u8>,
}

fn parse_certificate(index: usize, der: &[u8]) -> Result<Parsed, AttestationError> {
    let malformed = |e: der::Error| AttestationError::MalformedCertificate {
        index,
        detail: e.to_string(),
    };
    let cert = Certificate::from_der(der).map_err(malformed)?;
    let raw = RawCertificate::from_der(der).map_err(malformed)?;
    // The TBS TLV as received: the DER reader refuses non-minimal lengths,
    // so the header re-encodes to the bytes it was read from.
    let tbs = raw.tbs.to_der().map_err(malformed)?;
    let signature = raw
        .signature
        .as_bytes()
        .ok_or_else(|| AttestationError::MalformedCertificate {
            index,
            detail: "the signature is not a whole number of bytes".into(),
        })?
        .to_vec();
    Ok(Parsed {
        cert,
        tbs,
        algorithm: raw.algorithm,
        signature,
    })
}

/// Check `signature` over `message` by `key`. The core's
/// [`verify_signature`] pairs ECDSA-SHA256 with P-256 and ECDSA-SHA384 with
/// P-384; X.509 lets either hash go with either curve, and attestation
/// chains mix them (a Pixel 3's P-384 factory intermediate signs with
/// SHA-256; Google's verifier tests a P-256 issuer signing with SHA-384), so
/// those two pairs are checked here.
fn verify_chain_signature(
    key: &SubjectPublicKeyInfoOwned,
    algorithm: &AlgorithmIdentifierOwned,
    message: &[u8],
    signature: &[u8],
) -> Result<(), String> {
    let cross: Option<&'static ring_sig::EcdsaVerificationAlgorithm> =
        match (algorithm.oid, PublicKeyAlgorithm::of(key)) {
            (oid::ECDSA_WITH_SHA384, PublicKeyAlgorithm::EcP256) => {
                Some(&ring_sig::ECDSA_P256_SHA384_ASN1)
            }
            (oid::ECDSA_WITH_SHA256, PublicKeyAlgorithm::EcP384) => {
                Some(&ring_sig::ECDSA_P384_SHA256_ASN1)
            }
            _ => None,
        };
    match cross {
        Some(ring_alg) if algorithm.parameters.is_none() => {
            UnparsedPublicKey::new(ring_alg, key.subject_public_key.raw_bytes())
                .verify(message, signature)
                .map_err(|_| "the signature does not match the data and key".to_string())
        }
        _ => verify_signature(key, algorithm, message, signature).map_err(|e| e.to_string()),
    }
}

fn spki_der(spki: &SubjectPublicKeyInfoOwned) -> Option<Vec<u8>> {
    spki.to_der().ok()
}

/// Verify an Android key attestation chain (DER certificates, leaf first)
/// for the key `expected_public_key`, against `pinned_roots` and the
/// challenges the caller accepts, at `now`. The rules are in the module
/// documentation; each failure is its own [`AttestationError`].
pub fn verify_android_attestation(
    chain: &[Vec<u8>],
    expected_public_key: &SubjectPublicKeyInfoOwned,
    pinned_roots: &[SubjectPublicKeyInfoOwned],
    accepted_challenges: &[Vec<u8>],
    now: OffsetDateTime,
) -> Result<AttestationResult, AttestationError> {
    match chain.len() {
        0 => return Err(AttestationError::EmptyChain),
        1 => return Err(AttestationError::ChainTooShort),
        n if n > MAX_CHAIN_LEN => return Err(AttestationError::ChainTooLong(n)),
        _ => {}
    }
    let parsed = chain
        .iter()
        .enumerate()
        .map(|(i, der)| parse_certificate(i, der))
        .collect::<Result<Vec<_>, _>>()?;

    // The root: a pinned key.
    let last = &parsed[parsed.len() - 1];
    let root_key = spki_der(last.cert.tbs_certificate().subject_public_key_info());
    let root_index = pinned_roots
        .iter()
        .position(|pinned| root_key.is_some() && spki_der(pinned) == root_key)
        .ok_or(AttestationError::UnknownRoot)?;

    // Each certificate signed by the next.
    for (index, pair) in parsed.windows(2).enumerate() {
        let (cert, issuer) = (&pair[0], &pair[1]);
        if cert.algorithm != *cert.cert.tbs_certificate().signature() {
            return Err(AttestationError::BadSignature {
                index,
                detail: "the signature algorithm inside and outside the signed part differ".into(),
            });
        }
        verify_chain_signature(
            issuer.cert.tbs_certificate().subject_public_key_info(),
            &cert.algorithm,
            &cert.tbs,
            &cert.signature,
        )
        .map_err(|detail| AttestationError::BadSignature { index, detail })?;
    }

    // The intermediates' validity (not the leaf's, not the pinned root's).
    let now_unix = now.unix_timestamp();
    for (index, p) in parsed.iter().enumerate().take(parsed.len() - 1).skip(1) {
        let validity = p.cert.tbs_certificate().validity();
        let not_before = validity.not_before.to_unix_duration().as_secs();
        let not_after = validity.not_after.to_unix_duration().as_secs();
        let at = |secs: u64| {
            OffsetDateTime::from_unix_timestamp(i64::try_from(secs).unwrap_or(i64::MAX))
                .map(crate::timestamp::rfc3339)
                .unwrap_or_else(|_| format!("{secs} s after 1970"))
        };
        if i64::try_from(not_before).map_or(true, |nb| now_unix < nb) {
            return Err(AttestationError::NotYetValid {
                index,
                at: at(not_before),
            });
        }
        if i64::try_from(not_after).is_ok_and(|na| now_unix > na) {
            return Err(AttestationError::Expired {
                index,
                at: at(not_after),
            });
        }
    }

    // The extension: in the leaf, only there.
    for (index, p) in parsed.iter().enumerate().skip(1) {
        if extensions_with(&p.cert, KEY_DESCRIPTION_OID)
            .next()
            .is_some()
        {
            return Err(AttestationError::ExtensionOutsideLeaf(index));
        }
    }
    let leaf = &parsed[0].cert;
    let description = key_description_of(leaf)?.ok_or(AttestationError::NoKeyDescription)?;

    // The key.
    let leaf_key = spki_der(leaf.tbs_certificate().subject_public_key_info());
    if leaf_key.is_none() || leaf_key != spki_der(expected_public_key) {
        return Err(AttestationError::KeyMismatch);
    }

    // The challenge, against every accepted one without stopping early.
    let challenge = description.attestation_challenge.as_bytes();
    let matched = accepted_challenges.iter().fold(Choice::from(0), |acc, c| {
        acc | c.as_slice().ct_eq(challenge)
    });
    if !bool::from(matched) {
        return Err(AttestationError::ChallengeMismatch);
    }

    // What the key may do and where it came from, as enforced at its level.
    let level = description.security_level();
    let lists: Vec<&AuthorizationList> = if level == AttestationSecurityLevel::Software {
        vec![
            &description.software_enforced,
            &description.hardware_enforced,
        ]
    } else {
        vec![&description.hardware_enforced]
    };
    let purposes: Vec<u64> = lists
        .iter()
        .filter_map(|l| l.purpose.as_ref())
        .flatten()
        .copied()
        .collect();
    if !purposes.contains(&purpose::SIGN) {
        return Err(AttestationError::NotForSigning(purposes));
    }
    match lists.iter().find_map(|l| l.origin) {
        Some(origin::GENERATED) => {}
        Some(other) => {
            return Err(AttestationError::NotGenerated(format!(
                "{} ({other})",
                origin::name(other)
            )));
        }
        None => return Err(AttestationError::NotGenerated("not stated".into())),
    }
    let root_of_trust = lists.iter().find_map(|l| l.root_of_trust.as_ref());
    let result = AttestationResult {
        security_level: level.level(),
        attestation_version: description.attestation_version,
        keymint_version: description.keymint_version,
        root_index,
        verified_boot_state: root_of_trust.map(|r| r.verified_boot_state),
        device_locked: root_of_trust.map(|r| r.device_locked),
        description,
    };
    if level == AttestationSecurityLevel::Software {
        return Err(AttestationError::SoftwareKey(Box::new(result)));
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use der::asn1::{Any, BitString};
    use proptest::prelude::*;
    use time::macros::datetime;
    use x509_cert::ext::Extension;
    use x509_cert::name::Name;
    use x509_cert::serial_number::SerialNumber;
    use x509_cert::time::Time;

    use super::*;
    use crate::crypto::{KeySpec, Signer, SoftwareKey, generate};

    // ---- Real chains (pki/testdata/android-attestation/README.md) ----

    fn pem_chain(pem: &str) -> Vec<Vec<u8>> {
        Certificate::load_pem_chain(pem.as_bytes())
            .unwrap()
            .iter()
            .map(|c| c.to_der().unwrap())
            .collect()
    }

    const CAIMAN: &str =
        include_str!("../testdata/android-attestation/caiman-sdk36-tee-ec-rkp.pem");
    const AKITA: &str = include_str!("../testdata/android-attestation/akita-sdk34-sb-rsa.pem");
    const BLUELINE: &str =
        include_str!("../testdata/android-attestation/blueline-sdk28-tee-ec.pem");
    const TEGU: &str =
        include_str!("../testdata/android-attestation/tegu-sdk36-tee-ec-2026-root.pem");
    const GOOGLE_ROOTS: &str = include_str!("../testdata/android-attestation/google-roots.pem");
    const P256_SHA384: &str =
        include_str!("../testdata/android-attestation/p256-sha384-test-chain.pem");
    const CAIMAN_CHALLENGE: &[u8] = b"d688d763-6118-4ca6-94b2-e6cd9ed7e4e4";
    const CAIMAN_AT: OffsetDateTime = datetime!(2025-09-30 12:00 UTC);

    fn google_roots() -> Vec<SubjectPublicKeyInfoOwned> {
        Certificate::load_pem_chain(GOOGLE_ROOTS.as_bytes())
            .unwrap()
            .into_iter()
            .map(|c| c.tbs_certificate().subject_public_key_info().clone())
            .collect()
    }

    fn leaf_key(chain: &[Vec<u8>]) -> SubjectPublicKeyInfoOwned {
        Certificate::from_der(&chain[0])
            .unwrap()
            .tbs_certificate()
            .subject_public_key_info()
            .clone()
    }

    fn extension_value(leaf: &[u8]) -> Vec<u8> {
        let cert = Certificate::from_der(leaf).unwrap();
        extensions_with(&cert, KEY_DESCRIPTION_OID)
            .next()
            .unwrap()
            .to_vec()
    }

    fn verify_real(
        pem: &str,
        challenge: &[u8],
        at: OffsetDateTime,
    ) -> Result<AttestationResult, AttestationError> {
        let chain = pem_chain(pem);
        verify_android_attestation(
            &chain,
            &leaf_key(&chain),
            &google_roots(),
            &[b"another nonce".to_vec(), challenge.to_vec()],
            at,
        )
    }

    #[test]
    fn a_pixel_9_pro_tee_key_parses_field_by_field() {
        let d = parse_key_description(&extension_value(&pem_chain(CAIMAN)[0])).unwrap();
        assert_eq!(d.attestation_version, 400);
        assert_eq!(d.keymint_version, 400);
        assert_eq!(
            d.attestation_security_level,
            AttestationSecurityLevel::TrustedEnvironment
        );
        assert_eq!(
            d.security_level().level(),
            SecurityLevel::TrustedEnvironment
        );
        assert_eq!(d.attestation_challenge.as_bytes(), CAIMAN_CHALLENGE);
        assert!(d.unique_id.as_bytes().is_empty());
        let hw = &d.hardware_enforced;
        assert_eq!(hw.purpose.as_deref(), Some(&[2, 3][..]));
        assert_eq!(hw.algorithm, Some(algorithm::EC));
        assert_eq!(hw.key_size, Some(256));
        assert_eq!(hw.digest.as_deref(), Some(&[4][..]));
        assert_eq!(hw.ec_curve, Some(1));
        assert!(hw.no_auth_required);
        assert_eq!(hw.origin, Some(origin::GENERATED));
        let rot = hw.root_of_trust.as_ref().unwrap();
        assert!(rot.device_locked);
        assert_eq!(rot.verified_boot_state, VerifiedBootState::Verified);
        assert_eq!(rot.verified_boot_key.as_bytes(), &[0u8; 32]);
        assert_eq!(
            rot.verified_boot_hash.as_ref().unwrap().as_bytes().len(),
            32
        );
        assert_eq!(hw.os_version, Some(160000));
        assert_eq!(hw.os_patch_level, Some(202511));
        assert_eq!(hw.vendor_patch_level, Some(20251105));
        assert_eq!(hw.boot_patch_level, Some(20251105));
        // The ID attestation fields (brand, device, product, manufacturer,
        // model: 710..717) are kept as received.
        let brand = hw.other.iter().find(|f| f.tag == 710).unwrap();
        assert_eq!(
            OctetString::from_der(&brand.value).unwrap().as_bytes(),
            b"google"
        );
        let sw = &d.software_enforced;
        assert_eq!(sw.creation_date_time, Some(1_758_900_680_964));
        assert!(sw.attestation_application_id.is_some());
        // moduleHash [724], newer than this code's typed fields.
        assert!(sw.other.iter().any(|f| f.tag == 724));
        assert_eq!(sw.purpose, None);
    }

    #[test]
    fn real_extensions_re_encode_byte_for_byte() {
        // The encoder writes what Android writes: minted chains rely on it.
        for pem in [CAIMAN, AKITA, BLUELINE, TEGU] {
            let value = extension_value(&pem_chain(pem)[0]);
            let d = parse_key_description(&value).unwrap();
            assert_eq!(d.to_der().unwrap(), value);
        }
    }

    #[test]
    fn real_chains_verify_at_an_instant_inside_their_validity() {
        let caiman = verify_real(CAIMAN, CAIMAN_CHALLENGE, CAIMAN_AT).unwrap();
        assert_eq!(caiman.security_level, SecurityLevel::TrustedEnvironment);
        assert_eq!(caiman.root_index, 0);
        assert_eq!(
            caiman.verified_boot_state,
            Some(VerifiedBootState::Verified)
        );
        assert_eq!(caiman.device_locked, Some(true));

        let akita = verify_real(AKITA, b"challenge", datetime!(2024-10-01 00:00 UTC)).unwrap();
        assert_eq!(akita.security_level, SecurityLevel::StrongBox);
        assert_eq!(akita.attestation_version, 300);
        assert_eq!(
            akita.description.hardware_enforced.algorithm,
            Some(algorithm::RSA)
        );
        assert_eq!(akita.description.hardware_enforced.key_size, Some(2048));
        assert_eq!(
            akita.description.hardware_enforced.rsa_public_exponent,
            Some(65537)
        );

        // Factory provisioned, Keymaster 4, the 2016 certificate of the RSA
        // root key (pinned by key, so its 2022 re-issue matches).
        let blueline =
            verify_real(BLUELINE, b"challenge", datetime!(2020-01-01 00:00 UTC)).unwrap();
        assert_eq!(blueline.security_level, SecurityLevel::TrustedEnvironment);
        assert_eq!(blueline.attestation_version, 3);
        assert_eq!(blueline.keymint_version, 4);
        assert_eq!(blueline.device_locked, Some(false));
        assert_eq!(
            blueline.verified_boot_state,
            Some(VerifiedBootState::Unverified)
        );

        // The P-384 root of 2025, P-384 intermediates signing with SHA-384.
        let tegu = verify_real(
            TEGU,
            b"6417f92c-daef-4cc1-8828-5bb39338ffd5",
            datetime!(2026-03-01 00:00 UTC),
        )
        .unwrap();
        assert_eq!(tegu.root_index, 1);
    }

    #[test]
    fn real_chains_refused_for_each_reason() {
        // Remotely provisioned attestation keys live for days.
        assert_eq!(
            verify_real(CAIMAN, CAIMAN_CHALLENGE, datetime!(2026-01-01 00:00 UTC)),
            Err(AttestationError::Expired {
                index: 1,
                at: "2025-10-03T15:31:19Z".into()
            })
        );
        assert!(matches!(
            verify_real(CAIMAN, CAIMAN_CHALLENGE, datetime!(2024-01-01 00:00 UTC)),
            Err(AttestationError::NotYetValid { index: 1, .. })
        ));
        assert_eq!(
            verify_real(CAIMAN, b"d688d763-6118-4ca6-94b2-e6cd9ed7e4e5", CAIMAN_AT),
            Err(AttestationError::ChallengeMismatch)
        );
        let chain = pem_chain(CAIMAN);
        // Only the P-384 root pinned.
        assert_eq!(
            verify_android_attestation(
                &chain,
                &leaf_key(&chain),
                &google_roots()[1..],
                &[CAIMAN_CHALLENGE.to_vec()],
                CAIMAN_AT
            ),
            Err(AttestationError::UnknownRoot)
        );
        // The root left out: the chain ends in an intermediate.
        assert_eq!(
            verify_android_attestation(
                &chain[..chain.len() - 1],
                &leaf_key(&chain),
                &google_roots(),
                &[CAIMAN_CHALLENGE.to_vec()],
                CAIMAN_AT
            ),
            Err(AttestationError::UnknownRoot)
        );
        // Another key than the attested one.
        let other = generate(KeySpec::P256).unwrap();
        assert_eq!(
            verify_android_attestation(
                &chain,
                other.public_key(),
                &google_roots(),
                &[CAIMAN_CHALLENGE.to_vec()],
                CAIMAN_AT
            ),
            Err(AttestationError::KeyMismatch)
        );
        // A certificate of the chain altered (a byte of Droid CA3's subject).
        let mut altered = chain.clone();
        let at = altered[2]
            .windows(9)
            .position(|w| w == b"Droid CA3")
            .unwrap();
        altered[2][at + 8] = b'4';
        assert!(matches!(
            verify_android_attestation(
                &altered,
                &leaf_key(&chain),
                &google_roots(),
                &[CAIMAN_CHALLENGE.to_vec()],
                CAIMAN_AT
            ),
            Err(AttestationError::BadSignature { index: 2, .. })
        ));
        // Two chains' certificates mixed: the leaf is not signed by the next.
        let mut mixed = pem_chain(TEGU);
        mixed[0] = chain[0].clone();
        assert!(matches!(
            verify_android_attestation(
                &mixed,
                &leaf_key(&chain),
                &google_roots(),
                &[CAIMAN_CHALLENGE.to_vec()],
                datetime!(2026-03-01 00:00 UTC)
            ),
            Err(AttestationError::BadSignature { index: 0, .. })
        ));
        // No challenge accepted at all.
        assert_eq!(
            verify_android_attestation(&chain, &leaf_key(&chain), &google_roots(), &[], CAIMAN_AT),
            Err(AttestationError::ChallengeMismatch)
        );
    }

    // ---- Chains made here, for what no real chain shows ----

    struct Issuer {
        key: SoftwareKey,
        name: Name,
    }

    #[derive(Sequence)]
    struct TestTbs {
        #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
        version: u8,
        serial: SerialNumber,
        signature: AlgorithmIdentifierOwned,
        issuer: Name,
        validity: TestValidity,
        subject: Name,
        spki: SubjectPublicKeyInfoOwned,
        #[asn1(context_specific = "3", tag_mode = "EXPLICIT", optional = "true")]
        extensions: Option<Vec<Extension>>,
    }

    #[derive(Sequence)]
    struct TestValidity {
        not_before: Time,
        not_after: Time,
    }

    #[derive(Sequence)]
    struct TestCertificate {
        tbs: Any,
        algorithm: AlgorithmIdentifierOwned,
        signature: BitString,
    }

    fn time(t: OffsetDateTime) -> Time {
        Time::try_from(std::time::SystemTime::from(t)).unwrap()
    }

    fn tbs(
        issuer: &Name,
        algorithm: AlgorithmIdentifierOwned,
        subject: &str,
        spki: &SubjectPublicKeyInfoOwned,
        validity: (OffsetDateTime, OffsetDateTime),
        extensions: Vec<Extension>,
    ) -> Vec<u8> {
        TestTbs {
            version: 2,
            serial: SerialNumber::new(&[1]).unwrap(),
            signature: algorithm,
            issuer: issuer.clone(),
            validity: TestValidity {
                not_before: time(validity.0),
                not_after: time(validity.1),
            },
            subject: Name::from_str(subject).unwrap(),
            spki: spki.clone(),
            extensions: (!extensions.is_empty()).then_some(extensions),
        }
        .to_der()
        .unwrap()
    }

    fn signed(tbs: &[u8], algorithm: AlgorithmIdentifierOwned, signature: &[u8]) -> Vec<u8> {
        TestCertificate {
            tbs: Any::from_der(tbs).unwrap(),
            algorithm,
            signature: BitString::from_bytes(signature).unwrap(),
        }
        .to_der()
        .unwrap()
    }

    fn issue(
        issuer: &Issuer,
        subject: &str,
        spki: &SubjectPublicKeyInfoOwned,
        validity: (OffsetDateTime, OffsetDateTime),
        extensions: Vec<Extension>,
    ) -> Vec<u8> {
        let algorithm = issuer.key.algorithm().identifier();
        let tbs = tbs(
            &issuer.name,
            algorithm.clone(),
            subject,
            spki,
            validity,
            extensions,
        );
        signed(&tbs, algorithm, &issuer.key.sign(&tbs).unwrap())
    }

    fn issuer(subject: &str) -> Issuer {
        Issuer {
            key: generate(KeySpec::P256).unwrap(),
            name: Name::from_str(subject).unwrap(),
        }
    }

    const NOW: OffsetDateTime = datetime!(2026-06-01 00:00 UTC);
    const CHALLENGE: &[u8] = b"the login nonce";

    fn valid() -> (OffsetDateTime, OffsetDateTime) {
        (
            NOW - time::Duration::days(1),
            NOW + time::Duration::days(30),
        )
    }

    /// A root, an intermediate and an attestation key, as a factory chain.
    struct Pki {
        root: Issuer,
        intermediate: Issuer,
        attestation: Issuer,
    }

    impl Pki {
        fn new() -> Self {
            Self {
                root: issuer("CN=Test Root"),
                intermediate: issuer("CN=Test Intermediate"),
                attestation: issuer("O=TEE,CN=Test Attestation Key"),
            }
        }

        fn tail(&self, extensions_on_attestation_cert: Vec<Extension>) -> Vec<Vec<u8>> {
            vec![
                issue(
                    &self.intermediate,
                    "O=TEE,CN=Test Attestation Key",
                    self.attestation.key.public_key(),
                    valid(),
                    extensions_on_attestation_cert,
                ),
                issue(
                    &self.root,
                    "CN=Test Intermediate",
                    self.intermediate.key.public_key(),
                    valid(),
                    vec![],
                ),
                issue(
                    &self.root,
                    "CN=Test Root",
                    self.root.key.public_key(),
                    valid(),
                    vec![],
                ),
            ]
        }

        fn chain_with(
            &self,
            key: &SubjectPublicKeyInfoOwned,
            extensions: Vec<Extension>,
        ) -> Vec<Vec<u8>> {
            let leaf = issue(
                &self.attestation,
                "CN=Android Keystore Key",
                key,
                (
                    datetime!(1970-01-01 00:00 UTC),
                    datetime!(2048-01-01 00:00 UTC),
                ),
                extensions,
            );
            let mut chain = vec![leaf];
            chain.extend(self.tail(vec![]));
            chain
        }

        fn chain(
            &self,
            key: &SubjectPublicKeyInfoOwned,
            description: &KeyDescription,
        ) -> Vec<Vec<u8>> {
            self.chain_with(key, vec![extension(description)])
        }

        fn roots(&self) -> Vec<SubjectPublicKeyInfoOwned> {
            vec![self.root.key.public_key().clone()]
        }

        fn verify(
            &self,
            chain: &[Vec<u8>],
            key: &SubjectPublicKeyInfoOwned,
        ) -> Result<AttestationResult, AttestationError> {
            verify_android_attestation(chain, key, &self.roots(), &[CHALLENGE.to_vec()], NOW)
        }
    }

    fn extension(description: &KeyDescription) -> Extension {
        Extension {
            extn_id: KEY_DESCRIPTION_OID,
            critical: false,
            extn_value: OctetString::new(description.to_der().unwrap()).unwrap(),
        }
    }

    fn description(level: AttestationSecurityLevel) -> KeyDescription {
        let enforced = AuthorizationList {
            purpose: Some(vec![purpose::SIGN, purpose::VERIFY]),
            algorithm: Some(algorithm::EC),
            key_size: Some(256),
            origin: Some(origin::GENERATED),
            root_of_trust: Some(RootOfTrust {
                verified_boot_key: OctetString::new(vec![7; 32]).unwrap(),
                device_locked: true,
                verified_boot_state: VerifiedBootState::Verified,
                verified_boot_hash: Some(OctetString::new(vec![9; 32]).unwrap()),
            }),
            ..Default::default()
        };
        let (software, hardware) = if level == AttestationSecurityLevel::Software {
            (enforced, AuthorizationList::default())
        } else {
            (AuthorizationList::default(), enforced)
        };
        KeyDescription {
            attestation_version: 300,
            attestation_security_level: level,
            keymint_version: 300,
            keymint_security_level: level,
            attestation_challenge: OctetString::new(CHALLENGE.to_vec()).unwrap(),
            unique_id: OctetString::new(Vec::new()).unwrap(),
            software_enforced: software,
            hardware_enforced: hardware,
        }
    }

    fn tee() -> KeyDescription {
        description(AttestationSecurityLevel::TrustedEnvironment)
    }

    #[test]
    fn made_chains_verify_and_report_their_level() {
        let pki = Pki::new();
        let key = generate(KeySpec::P256).unwrap();
        let result = pki
            .verify(&pki.chain(key.public_key(), &tee()), key.public_key())
            .unwrap();
        assert_eq!(result.security_level, SecurityLevel::TrustedEnvironment);
        assert_eq!(result.description, tee());
        let strongbox = description(AttestationSecurityLevel::StrongBox);
        let result = pki
            .verify(&pki.chain(key.public_key(), &strongbox), key.public_key())
            .unwrap();
        assert_eq!(result.security_level, SecurityLevel::StrongBox);
    }

    #[test]
    fn a_software_key_is_its_own_error_carrying_the_result() {
        let pki = Pki::new();
        let key = generate(KeySpec::P256).unwrap();
        let software = description(AttestationSecurityLevel::Software);
        match pki.verify(&pki.chain(key.public_key(), &software), key.public_key()) {
            Err(AttestationError::SoftwareKey(result)) => {
                assert_eq!(result.security_level, SecurityLevel::Software);
                assert_eq!(result.device_locked, Some(true));
            }
            other => panic!("{other:?}"),
        }
        // The lower of the two levels counts.
        let mut mixed = tee();
        mixed.keymint_security_level = AttestationSecurityLevel::Software;
        assert!(matches!(
            pki.verify(&pki.chain(key.public_key(), &mixed), key.public_key()),
            Err(AttestationError::SoftwareKey(r)) if r.security_level == SecurityLevel::Software
        ));
        let mut mixed = tee();
        mixed.attestation_security_level = AttestationSecurityLevel::StrongBox;
        let result = pki
            .verify(&pki.chain(key.public_key(), &mixed), key.public_key())
            .unwrap();
        assert_eq!(result.security_level, SecurityLevel::TrustedEnvironment);
    }

    #[test]
    fn purpose_and_origin_are_read_where_the_level_enforces_them() {
        let pki = Pki::new();
        let key = generate(KeySpec::P256).unwrap();
        let spki = key.public_key();
        let verify = |d: &KeyDescription| pki.verify(&pki.chain(spki, d), spki);

        let mut verify_only = tee();
        verify_only.hardware_enforced.purpose = Some(vec![purpose::VERIFY]);
        assert_eq!(
            verify(&verify_only),
            Err(AttestationError::NotForSigning(vec![purpose::VERIFY]))
        );
        // SIGN claimed by software only, for a TEE key.
        let mut claimed = tee();
        claimed.hardware_enforced.purpose = None;
        claimed.software_enforced.purpose = Some(vec![purpose::SIGN]);
        assert_eq!(
            verify(&claimed),
            Err(AttestationError::NotForSigning(vec![]))
        );

        let mut imported = tee();
        imported.hardware_enforced.origin = Some(origin::IMPORTED);
        assert_eq!(
            verify(&imported),
            Err(AttestationError::NotGenerated("imported (2)".into()))
        );
        let mut unstated = tee();
        unstated.hardware_enforced.origin = None;
        assert_eq!(
            verify(&unstated),
            Err(AttestationError::NotGenerated("not stated".into()))
        );
    }

    #[test]
    fn the_extension_belongs_in_the_leaf_once() {
        let pki = Pki::new();
        let key = generate(KeySpec::P256).unwrap();
        let spki = key.public_key();
        assert_eq!(
            pki.verify(&pki.chain_with(spki, vec![]), spki),
            Err(AttestationError::NoKeyDescription)
        );
        assert_eq!(
            pki.verify(
                &pki.chain_with(spki, vec![extension(&tee()), extension(&tee())]),
                spki
            ),
            Err(AttestationError::DuplicateExtension)
        );
        let mut garbage = extension(&tee());
        garbage.extn_value = OctetString::new(vec![0x30, 0x03, 0x02, 0x01]).unwrap();
        assert!(matches!(
            pki.verify(&pki.chain_with(spki, vec![garbage]), spki),
            Err(AttestationError::MalformedKeyDescription(_))
        ));
        // The chain extension attack: an attested key (its own leaf carries
        // the extension) signs a further leaf with a made-up extension.
        let mut chain = pki.chain(spki, &tee());
        let forged_key = generate(KeySpec::P256).unwrap();
        let attested = Issuer {
            key: SoftwareKey::from_pkcs8_der(key.pkcs8_der()).unwrap(),
            name: Name::from_str("CN=Android Keystore Key").unwrap(),
        };
        let mut strongbox = description(AttestationSecurityLevel::StrongBox);
        strongbox.attestation_challenge = OctetString::new(CHALLENGE.to_vec()).unwrap();
        let forged = issue(
            &attested,
            "CN=Android Keystore Key",
            forged_key.public_key(),
            valid(),
            vec![extension(&strongbox)],
        );
        chain.insert(0, forged);
        assert_eq!(
            pki.verify(&chain, forged_key.public_key()),
            Err(AttestationError::ExtensionOutsideLeaf(1))
        );
        // Nor on an intermediate.
        let mut chain = pki.chain(spki, &tee());
        chain.splice(1.., pki.tail(vec![extension(&tee())]));
        assert_eq!(
            pki.verify(&chain, spki),
            Err(AttestationError::ExtensionOutsideLeaf(1))
        );
    }

    #[test]
    fn validity_counts_for_intermediates_not_for_the_leaf_or_root() {
        let pki = Pki::new();
        let key = generate(KeySpec::P256).unwrap();
        let spki = key.public_key();
        // The leaf says 1970..2048; the instant below is outside nothing else.
        let chain = pki.chain(spki, &tee());
        assert!(pki.verify(&chain, spki).is_ok());
        let late = NOW + time::Duration::days(31);
        assert!(matches!(
            verify_android_attestation(&chain, spki, &pki.roots(), &[CHALLENGE.to_vec()], late),
            Err(AttestationError::Expired { index: 1, .. })
        ));
        // An expired leaf and root are no reason to refuse.
        let mut chain = pki.chain(spki, &tee());
        chain[0] = issue(
            &pki.attestation,
            "CN=Android Keystore Key",
            spki,
            (
                datetime!(2001-01-01 00:00 UTC),
                datetime!(2002-01-01 00:00 UTC),
            ),
            vec![extension(&tee())],
        );
        let last = chain.len() - 1;
        chain[last] = issue(
            &pki.root,
            "CN=Test Root",
            pki.root.key.public_key(),
            (
                datetime!(2001-01-01 00:00 UTC),
                datetime!(2002-01-01 00:00 UTC),
            ),
            vec![],
        );
        assert!(pki.verify(&chain, spki).is_ok());
    }

    #[test]
    fn a_p256_issuer_signing_with_sha384_verifies() {
        // Google's verifier's test chain for the case: three P-256 keys,
        // each signing with ecdsa-with-SHA384, no attestation extension, so
        // the signatures pass and the leaf's dummy extension (an OCTET
        // STRING, not a KeyDescription) is what fails.
        let chain = pem_chain(P256_SHA384);
        let root = Certificate::from_der(&chain[2])
            .unwrap()
            .tbs_certificate()
            .subject_public_key_info()
            .clone();
        let at = datetime!(2025-01-01 00:00 UTC);
        assert_eq!(
            verify_android_attestation(
                &chain,
                &leaf_key(&chain),
                std::slice::from_ref(&root),
                &[],
                at
            ),
            Err(AttestationError::MalformedKeyDescription(
                "unexpected ASN.1 DER tag: expected SEQUENCE, got OCTET STRING".into()
            ))
        );
        let mut broken = chain.clone();
        let last = broken[1].len() - 1;
        broken[1][last] ^= 0x01;
        assert!(matches!(
            verify_android_attestation(&broken, &leaf_key(&chain), &[root], &[], at),
            Err(AttestationError::BadSignature { index: 1, .. })
        ));
    }

    #[test]
    fn chain_shape_and_garbage_are_refused_with_their_reason() {
        let pki = Pki::new();
        let key = generate(KeySpec::P256).unwrap();
        let spki = key.public_key();
        let chain = pki.chain(spki, &tee());
        assert_eq!(pki.verify(&[], spki), Err(AttestationError::EmptyChain));
        assert_eq!(
            pki.verify(&chain[..1], spki),
            Err(AttestationError::ChainTooShort)
        );
        let long: Vec<Vec<u8>> = std::iter::repeat_n(chain[0].clone(), MAX_CHAIN_LEN + 1).collect();
        assert_eq!(
            pki.verify(&long, spki),
            Err(AttestationError::ChainTooLong(MAX_CHAIN_LEN + 1))
        );
        let mut garbage = chain.clone();
        garbage[2] = b"not a certificate".to_vec();
        assert!(matches!(
            pki.verify(&garbage, spki),
            Err(AttestationError::MalformedCertificate { index: 2, .. })
        ));
        // A broken signature in the middle of the chain.
        let mut broken = chain.clone();
        let last = broken[1].len() - 1;
        broken[1][last] ^= 0x01;
        assert!(matches!(
            pki.verify(&broken, spki),
            Err(AttestationError::BadSignature { index: 1, .. })
        ));
        // The outer and inner signature algorithms disagree.
        let mut disagreeing = chain.clone();
        let tbs = tbs(
            &pki.attestation.name,
            AlgorithmIdentifierOwned {
                oid: oid::ECDSA_WITH_SHA384,
                parameters: None,
            },
            "CN=Android Keystore Key",
            spki,
            valid(),
            vec![extension(&tee())],
        );
        disagreeing[0] = signed(
            &tbs,
            pki.attestation.key.algorithm().identifier(),
            &pki.attestation.key.sign(&tbs).unwrap(),
        );
        assert!(matches!(
            pki.verify(&disagreeing, spki),
            Err(AttestationError::BadSignature { index: 0, .. })
        ));
    }

    #[test]
    fn unknown_duplicate_and_unordered_fields() {
        let mut d = tee();
        // A tag this code does not know, before and after the typed ones.
        d.hardware_enforced.other = vec![
            RawField {
                tag: 4000,
                value: Null.to_der().unwrap(),
            },
            RawField {
                tag: 4,
                value: 1u64.to_der().unwrap(),
            },
        ];
        let der = d.to_der().unwrap();
        let back = parse_key_description(&der).unwrap();
        assert_eq!(back.hardware_enforced.other.len(), 2);
        assert_eq!(back.hardware_enforced.purpose, Some(vec![2, 3]));

        // Fields out of order (some devices write them so) are read.
        let list = |fields: &[(u32, Vec<u8>)]| {
            let mut content = Vec::new();
            for (n, v) in fields {
                content.extend(
                    Any::new(context_tag(*n), v.clone())
                        .unwrap()
                        .to_der()
                        .unwrap(),
                );
            }
            Any::new(Tag::Sequence, content).unwrap().to_der().unwrap()
        };
        let origin_field = (702, 0u64.to_der().unwrap());
        let purpose_field = (1, SetOfVec::try_from(vec![2u64]).unwrap().to_der().unwrap());
        let unordered =
            AuthorizationList::from_der(&list(&[origin_field.clone(), purpose_field.clone()]))
                .unwrap();
        assert_eq!(unordered.origin, Some(0));
        assert_eq!(unordered.purpose, Some(vec![2]));
        // A field twice is ambiguous, a decision field that does not decode
        // is an error, a nice-to-have one is kept raw.
        assert!(AuthorizationList::from_der(&list(&[origin_field.clone(), origin_field])).is_err());
        assert!(AuthorizationList::from_der(&list(&[(702, b"\x04\x01\x00".to_vec())])).is_err());
        let bad_boolean = RootOfTrust {
            verified_boot_key: OctetString::new(vec![0; 32]).unwrap(),
            device_locked: true,
            verified_boot_state: VerifiedBootState::Verified,
            verified_boot_hash: None,
        }
        .to_der()
        .unwrap()
        .into_iter()
        .map(|b| if b == 0xff { 0x01 } else { b })
        .collect::<Vec<u8>>();
        let lenient = AuthorizationList::from_der(&list(&[(704, bad_boolean)])).unwrap();
        assert_eq!(lenient.root_of_trust, None);
        assert_eq!(lenient.other[0].tag, 704);
        // Not an explicitly tagged field at all.
        let mut universal = Vec::new();
        universal.extend(2u64.to_der().unwrap());
        let not_a_list = Any::new(Tag::Sequence, universal)
            .unwrap()
            .to_der()
            .unwrap();
        assert!(AuthorizationList::from_der(&not_a_list).is_err());
    }

    #[test]
    fn truncated_and_bit_flipped_extensions_never_panic() {
        let value = extension_value(&pem_chain(CAIMAN)[0]);
        for len in 0..value.len() {
            assert!(parse_key_description(&value[..len]).is_err(), "{len}");
        }
        for i in 0..value.len() {
            for bit in 0..8 {
                let mut flipped = value.clone();
                flipped[i] ^= 1 << bit;
                let _ = parse_key_description(&flipped);
            }
        }
        let mut trailing = value.clone();
        trailing.push(0);
        assert!(parse_key_description(&trailing).is_err());
    }

    #[test]
    fn truncated_chains_never_panic() {
        let chain = pem_chain(CAIMAN);
        let key = leaf_key(&chain);
        for index in 0..chain.len() {
            for len in (0..chain[index].len()).step_by(7) {
                let mut cut = chain.clone();
                cut[index].truncate(len);
                assert!(
                    verify_android_attestation(
                        &cut,
                        &key,
                        &google_roots(),
                        &[CAIMAN_CHALLENGE.to_vec()],
                        CAIMAN_AT
                    )
                    .is_err()
                );
            }
        }
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = parse_key_description(&bytes);
            let _ = AuthorizationList::from_der(&bytes);
            let chain = vec![bytes.clone(), bytes];
            let key = leaf_key(&pem_chain(CAIMAN));
            prop_assert!(verify_android_attestation(&chain, &key, &google_roots(), &[], CAIMAN_AT).is_err());
        }

        #[test]
        fn flipped_leaf_bytes_never_pass(index in 0usize..795, bit in 0u8..8) {
            let mut chain = pem_chain(CAIMAN);
            let key = leaf_key(&chain);
            prop_assume!(index < chain[0].len());
            chain[0][index] ^= 1 << bit;
            prop_assert!(verify_android_attestation(
                &chain, &key, &google_roots(), &[CAIMAN_CHALLENGE.to_vec()], CAIMAN_AT
            ).is_err());
        }
    }
}
