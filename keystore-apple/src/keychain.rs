//! Apple's keychain and Secure Enclave through security-framework: P-256
//! keys made inside the Secure Enclave, RSA-2048 keys in the keychain when
//! the server demands RSA, and GOST keys (which no Apple keystore holds)
//! sealed with ECIES under a Secure Enclave key. The line-by-line review of
//! every Security call is in docs/platform-keystores.md ("Apple").
//!
//! Where keys go, in order (the first that works):
//! - P-256: the Secure Enclave (`kSecAttrTokenIDSecureEnclave`) in the
//!   data-protection keychain, level [`SecurityLevel::SecureEnclave`];
//! - P-256 without an enclave (the simulator, Macs without one, CI VMs; never
//!   on an iPhone, where a failing enclave is an error) and RSA-2048: a
//!   software key in the data-protection keychain, level
//!   [`SecurityLevel::Software`];
//! - macOS only, when the data-protection keychain refuses the process
//!   (`errSecMissingEntitlement`: a binary not signed with a
//!   `keychain-access-groups` entitlement, such as `cargo test`): a software
//!   key in the default file-based keychain, level [`SecurityLevel::Software`],
//!   and no key there may require the unlock.
//!
//! Private keys carry `kSecAttrAccessControl`: enclave keys
//! `privateKeyUsage`, plus `userPresence` (biometry or passcode, asked by
//! the system for every use) when the request wants the unlock; software
//! keys `userPresence` or nothing (`privateKeyUsage` is for enclave keys
//! only). All are `…ThisDeviceOnly`: never in a backup, never on another
//! device.
//!
//! Keys are found by their label (`kSecAttrLabel` = the alias). Beside the
//! keychain, `dir/keychain/<alias>.json` holds what listing needs and the
//! keychain cannot say cheaply: the key's spec, its level, which keychain
//! holds it, and the bound certificate and chain (public data; kept here
//! rather than as keychain certificate items). GOST keys are [`WrappedKeys`]
//! in `dir/wrapped/` and `dir/wrapped-auth/` (the latter under a wrapping key
//! that needs the unlock).
//!
//! GOST sealing: ECIES (`ECIESEncryptionCofactorVariableIVX963SHA256AESGCM`)
//! to the public half of a dedicated P-256 key, [`WRAPPING_LABEL`] (made in
//! the enclave when there is one). Sealing needs only the public key, so it
//! never asks for the unlock; opening decrypts inside the enclave. SecKey's
//! ECIES takes no associated data, so the alias is bound inside the
//! plaintext instead: `len(alias) (u16, big-endian) ‖ alias ‖ PKCS#8`,
//! checked on opening.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use core_foundation::base::{CFType, TCFType};
use core_foundation::boolean::CFBoolean;
use core_foundation::dictionary::CFDictionary;
use core_foundation::error::CFError;
use core_foundation::number::CFNumber;
use core_foundation::string::CFString;
use der::Decode;
use security_framework::access_control::{ProtectionMode, SecAccessControl};
use security_framework::item::{ItemClass, ItemSearchOptions, KeyClass, Reference, SearchResult};
use security_framework::key::{Algorithm, SecKey};
use security_framework_sys::access_control::{
    kSecAccessControlPrivateKeyUsage, kSecAccessControlUserPresence,
};
use security_framework_sys::item::{
    kSecAttrAccessControl, kSecAttrIsPermanent, kSecAttrKeySizeInBits, kSecAttrKeyType,
    kSecAttrKeyTypeECSECPrimeRandom, kSecAttrKeyTypeRSA, kSecAttrLabel, kSecAttrTokenID,
    kSecAttrTokenIDSecureEnclave, kSecPrivateKeyAttrs, kSecPublicKeyAttrs,
    kSecUseDataProtectionKeychain,
};
use serde::{Deserialize, Serialize};
use spki::SubjectPublicKeyInfoOwned;
use zeroize::Zeroizing;

use qoltanba_core::keystore::wrapped::{WrappedKeys, WrappingKey};
use qoltanba_core::keystore::{
    ALIAS_PREFIX, KeyRequest, PlatformError, PlatformKey, PlatformKeystore, SecurityLevel,
    new_alias,
};
use qoltanba_pki::crypto::{KeySpec, PublicKeyAlgorithm, SignError, SignatureAlgorithm, Signer};
use qoltanba_pki::keyfile::{replace, save_new};

/// The label of the P-256 key that seals GOST keys. Not under
/// [`ALIAS_PREFIX`], so it is never listed as one of the citizen's keys.
pub const WRAPPING_LABEL: &str = "qoltanba.wrap";

// OSStatus values from Security's SecBase.h (security-framework-sys names
// only some of them).
const ERR_SEC_USER_CANCELED: i64 = -128;
const ERR_SEC_AUTH_FAILED: i64 = -25293;
const ERR_SEC_INTERACTION_NOT_ALLOWED: i64 = -25308;
const ERR_SEC_ITEM_NOT_FOUND: i64 = -25300;
const ERR_SEC_MISSING_ENTITLEMENT: i64 = -34018;

/// Whether a P-256 key may fall back to software when the enclave fails:
/// on macOS (Macs and VMs without one) and in the simulator, not on a
/// device, where that would quietly weaken the citizen's key.
const ENCLAVE_OPTIONAL: bool = cfg!(any(target_os = "macos", target_env = "sim"));

/// A Security constant (a `CFStringRef` the framework exports) as a CFString.
macro_rules! sec_constant {
    ($name:expr) => {
        // Safety: the framework's constants are valid CFStrings for the
        // life of the process; the get rule retains them for the wrapper.
        unsafe { CFString::wrap_under_get_rule($name) }
    };
}

// ---------------------------------------------------------------------------
// Errors

/// A failed Security call: its error domain, code and description.
#[derive(Debug, Clone)]
struct KeychainError {
    domain: String,
    code: i64,
    description: String,
}

impl From<CFError> for KeychainError {
    fn from(e: CFError) -> Self {
        Self {
            domain: e.domain().to_string(),
            code: e.code() as i64,
            description: e.description().to_string(),
        }
    }
}

impl From<security_framework::base::Error> for KeychainError {
    fn from(e: security_framework::base::Error) -> Self {
        Self {
            domain: "NSOSStatusErrorDomain".into(),
            code: i64::from(e.code()),
            description: e.message().unwrap_or_default(),
        }
    }
}

impl KeychainError {
    fn other(description: &str) -> Self {
        Self {
            domain: "qoltanba".into(),
            code: 0,
            description: description.into(),
        }
    }

    fn status(&self, code: i64) -> bool {
        self.domain == "NSOSStatusErrorDomain" && self.code == code
    }

    fn not_found(&self) -> bool {
        self.status(ERR_SEC_ITEM_NOT_FOUND)
    }

    /// The data-protection keychain refused a process without the
    /// keychain entitlement.
    fn missing_entitlement(&self) -> bool {
        self.status(ERR_SEC_MISSING_ENTITLEMENT)
    }

    /// The citizen cancelled or failed the unlock, or it could not be shown.
    /// Security reports these as OSStatus codes; the enclave's token and
    /// LocalAuthentication may report their own domains' codes instead.
    fn user_not_authenticated(&self) -> bool {
        match self.domain.as_str() {
            "NSOSStatusErrorDomain" => matches!(
                self.code,
                ERR_SEC_USER_CANCELED | ERR_SEC_AUTH_FAILED | ERR_SEC_INTERACTION_NOT_ALLOWED
            ),
            // LAError: authenticationFailed, userCancel, systemCancel,
            // biometryLockout, appCancel, notInteractive.
            "com.apple.LocalAuthentication" => matches!(self.code, -1 | -2 | -4 | -8 | -9 | -1004),
            // TKError: canceledByUser, authenticationFailed, authenticationNeeded.
            "CryptoTokenKit" => matches!(self.code, -4 | -5 | -9),
            _ => false,
        }
    }

    /// The error for the citizen: `doing` says what was being done. One
    /// line; the description is the system's and names no key material.
    fn into_platform(self, doing: &str) -> PlatformError {
        if self.user_not_authenticated() {
            return PlatformError::UserNotAuthenticated;
        }
        let hint = if self.missing_entitlement() {
            " (the app lacks the keychain-access-groups entitlement)"
        } else {
            ""
        };
        PlatformError::Platform(one_line(&format!(
            "{doing}: {} {}{hint}: {}",
            self.domain, self.code, self.description
        )))
    }
}

fn one_line(text: &str) -> String {
    const MAX: usize = 240;
    let mut line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX)
        .collect();
    if text.chars().count() > MAX {
        line.push('…');
    }
    line
}

fn storage(path: &Path, detail: impl ToString) -> PlatformError {
    PlatformError::Storage {
        path: path.display().to_string(),
        detail: detail.to_string(),
    }
}

// ---------------------------------------------------------------------------
// Keychain calls

/// Which keychain holds a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Keychain {
    /// The iOS-style keychain (the only one on iOS; `kSecUseDataProtectionKeychain`
    /// on macOS), where the enclave's keys and access control live.
    DataProtection,
    /// macOS's file-based keychain (the default one), for processes the
    /// data-protection keychain refuses.
    File,
}

/// The keychains a key may be looked for in, in order.
const KEYCHAINS: &[Keychain] = if cfg!(target_os = "macos") {
    &[Keychain::DataProtection, Keychain::File]
} else {
    &[Keychain::DataProtection]
};

/// Where a new key is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Home {
    Enclave,
    Software(Keychain),
}

/// Aim `search` at `keychain`.
fn in_keychain(search: &mut ItemSearchOptions, keychain: Keychain) {
    // On macOS a query without kSecUseDataProtectionKeychain searches the
    // file-based keychains; on iOS there is only the one.
    #[cfg(target_os = "macos")]
    if keychain == Keychain::DataProtection {
        search.ignore_legacy_keychains();
    }
    #[cfg(not(target_os = "macos"))]
    let _ = (search, keychain);
}

/// The private key labelled `label` in `keychain`, if there is one.
fn find_private_key(label: &str, keychain: Keychain) -> Result<Option<SecKey>, KeychainError> {
    let mut search = ItemSearchOptions::new();
    search
        .key_class(KeyClass::private())
        .label(label)
        .load_refs(true)
        .limit(1i64);
    in_keychain(&mut search, keychain);
    match search.search() {
        Ok(found) => match found.into_iter().next() {
            Some(SearchResult::Ref(Reference::Key(key))) => Ok(Some(key)),
            Some(_) => Err(KeychainError::other(
                "the keychain answered something that is not a key",
            )),
            None => Ok(None),
        },
        Err(e) => {
            let e = KeychainError::from(e);
            // An unentitled process cannot see the data-protection keychain:
            // nothing of ours is there for it.
            if e.not_found() || e.missing_entitlement() {
                Ok(None)
            } else {
                Err(e)
            }
        }
    }
}

/// Delete every key item labelled `label` in `keychain` (a no-op when none).
fn delete_keys(label: &str, keychain: Keychain) -> Result<(), KeychainError> {
    // SecItemDelete removes all matches on iOS; the file-based keychain may
    // take one per call (private and public half), so repeat until none.
    for _ in 0..4 {
        let mut search = ItemSearchOptions::new();
        search.class(ItemClass::key()).label(label);
        in_keychain(&mut search, keychain);
        if let Err(e) = search.delete() {
            let e = KeychainError::from(e);
            return if e.not_found() || e.missing_entitlement() {
                Ok(())
            } else {
                Err(e)
            };
        }
    }
    Ok(())
}

/// Make a permanent key pair labelled `label` at `home` with
/// `SecKeyCreateRandomKey`, the private key bound to this device and, with
/// `user_authentication`, to the citizen's unlock for every use.
///
/// The attribute dictionary is built here because security-framework 3.7's
/// `GenerateKeyOptions` attaches `kSecPrivateKeyAttrs` (permanence, access
/// control) on macOS only: on iOS its keys would be ephemeral and
/// unprotected (fixed upstream after 3.7, rust-security-framework#255).
fn create_key(
    label: &str,
    spec: KeySpec,
    home: Home,
    user_authentication: bool,
) -> Result<SecKey, KeychainError> {
    let (key_type, bits) = match spec {
        KeySpec::P256 => (sec_constant!(kSecAttrKeyTypeECSECPrimeRandom), 256),
        KeySpec::Rsa2048 => (sec_constant!(kSecAttrKeyTypeRSA), 2048),
        _ => return Err(KeychainError::other("not a key type for the keychain")),
    };
    let keychain = match home {
        Home::Enclave => Keychain::DataProtection,
        Home::Software(keychain) => keychain,
    };
    let mut flags = 0;
    if home == Home::Enclave {
        flags |= kSecAccessControlPrivateKeyUsage;
    }
    if user_authentication {
        flags |= kSecAccessControlUserPresence;
    }
    let protection = if user_authentication {
        ProtectionMode::AccessibleWhenPasscodeSetThisDeviceOnly
    } else {
        ProtectionMode::AccessibleWhenUnlockedThisDeviceOnly
    };
    let label = CFString::new(label);
    let mut private: Vec<(CFString, CFType)> = vec![
        (
            sec_constant!(kSecAttrIsPermanent),
            CFBoolean::true_value().into_CFType(),
        ),
        (sec_constant!(kSecAttrLabel), label.as_CFType()),
    ];
    // The file-based keychain has its own ACLs and no SecAccessControl.
    if keychain == Keychain::DataProtection {
        let access = SecAccessControl::create_with_protection(Some(protection), flags)?;
        private.push((sec_constant!(kSecAttrAccessControl), access.into_CFType()));
    }
    // The public half is stored too in the file-based keychain: its keys
    // find their public key (SecKeyCopyPublicKey, needed by ECIES) there.
    let public_permanent = keychain == Keychain::File;
    let mut public: Vec<(CFString, CFType)> = vec![(
        sec_constant!(kSecAttrIsPermanent),
        CFBoolean::from(public_permanent).into_CFType(),
    )];
    if public_permanent {
        public.push((sec_constant!(kSecAttrLabel), label.as_CFType()));
    }
    let mut attributes: Vec<(CFString, CFType)> = vec![
        (sec_constant!(kSecAttrKeyType), key_type.into_CFType()),
        (
            sec_constant!(kSecAttrKeySizeInBits),
            CFNumber::from(bits).into_CFType(),
        ),
        (
            sec_constant!(kSecPrivateKeyAttrs),
            CFDictionary::from_CFType_pairs(&private).into_CFType(),
        ),
        (
            sec_constant!(kSecPublicKeyAttrs),
            CFDictionary::from_CFType_pairs(&public).into_CFType(),
        ),
    ];
    if keychain == Keychain::DataProtection {
        attributes.push((
            sec_constant!(kSecUseDataProtectionKeychain),
            CFBoolean::true_value().into_CFType(),
        ));
    }
    if home == Home::Enclave {
        attributes.push((
            sec_constant!(kSecAttrTokenID),
            sec_constant!(kSecAttrTokenIDSecureEnclave).into_CFType(),
        ));
    }
    let attributes = CFDictionary::from_CFType_pairs(&attributes);
    // `SecKey::new` takes GenerateKeyOptions only (see above).
    #[allow(deprecated)]
    let key = SecKey::generate(attributes.into_untyped())?;
    Ok(key)
}

/// A new permanent key: in the enclave when `spec` is P-256 and there is
/// one, else in software (see the module's list); its keychain and level.
fn make_key(
    enclave_label: &str,
    software_label: &str,
    spec: KeySpec,
    user_authentication: bool,
) -> Result<(SecKey, Keychain, SecurityLevel), PlatformError> {
    let doing = "making a key in the keychain";
    if spec == KeySpec::P256 {
        match create_key(enclave_label, spec, Home::Enclave, user_authentication) {
            Ok(key) => return Ok((key, Keychain::DataProtection, SecurityLevel::SecureEnclave)),
            Err(e) if e.missing_entitlement() => {
                return make_in_file_keychain(software_label, spec, user_authentication, e);
            }
            Err(e) if ENCLAVE_OPTIONAL && !e.user_not_authenticated() => {
                tracing::info!(
                    target: "qoltanba::keystore",
                    "no Secure Enclave ({} {}); the P-256 key is a software keychain key",
                    e.domain,
                    e.code
                );
            }
            Err(e) => return Err(e.into_platform(doing)),
        }
    }
    let home = Home::Software(Keychain::DataProtection);
    match create_key(software_label, spec, home, user_authentication) {
        Ok(key) => Ok((key, Keychain::DataProtection, SecurityLevel::Software)),
        Err(e) if e.missing_entitlement() => {
            make_in_file_keychain(software_label, spec, user_authentication, e)
        }
        Err(e) => Err(e.into_platform(doing)),
    }
}

/// The last resort on macOS: the file-based keychain, which has no
/// SecAccessControl, so a key that must ask for the unlock is refused.
fn make_in_file_keychain(
    label: &str,
    spec: KeySpec,
    user_authentication: bool,
    refused: KeychainError,
) -> Result<(SecKey, Keychain, SecurityLevel), PlatformError> {
    let doing = "making a key in the keychain";
    if !cfg!(target_os = "macos") {
        return Err(refused.into_platform(doing));
    }
    if user_authentication {
        return Err(PlatformError::Platform(
            "keys that ask for the unlock need the data-protection keychain, which refuses \
             this app (it lacks the keychain-access-groups entitlement)"
                .into(),
        ));
    }
    tracing::info!(
        target: "qoltanba::keystore",
        "the data-protection keychain refuses this process; the key goes to the file-based keychain"
    );
    create_key(label, spec, Home::Software(Keychain::File), false)
        .map(|key| (key, Keychain::File, SecurityLevel::Software))
        .map_err(|e| e.into_platform(doing))
}

/// The SubjectPublicKeyInfo of `key`'s public half, from
/// `SecKeyCopyExternalRepresentation` (X9.63 point, PKCS#1 RSAPublicKey),
/// checked to be a key of `spec`.
fn public_key_info(
    key: &SecKey,
    spec: KeySpec,
) -> Result<SubjectPublicKeyInfoOwned, PlatformError> {
    let bad =
        |detail: &str| PlatformError::Platform(format!("the keychain's public key: {detail}"));
    let public = key.public_key().ok_or_else(|| bad("the key has none"))?;
    let external = public
        .external_representation()
        .ok_or_else(|| bad("it cannot be exported"))?;
    let bytes = external.bytes();
    let (spki, expected) = match spec {
        KeySpec::P256 => (
            qoltanba_pki::crypto::p256_spki(bytes).map_err(bad)?,
            PublicKeyAlgorithm::EcP256,
        ),
        KeySpec::Rsa2048 => {
            use rsa::pkcs1::DecodeRsaPublicKey;
            use rsa::pkcs8::EncodePublicKey;
            let public = rsa::PublicKey::from_pkcs1_der(bytes).map_err(|e| bad(&e.to_string()))?;
            let der = public
                .to_public_key_der()
                .map_err(|e| bad(&e.to_string()))?;
            (
                SubjectPublicKeyInfoOwned::from_der(der.as_bytes())
                    .map_err(|e| bad(&e.to_string()))?,
                PublicKeyAlgorithm::Rsa { bits: 2048 },
            )
        }
        other => return Err(PlatformError::Unsupported(other.name().into())),
    };
    let found = PublicKeyAlgorithm::of(&spki);
    if found != expected {
        return Err(bad(&format!("a {} key, not {}", found.name(), spec.name())));
    }
    Ok(spki)
}

fn algorithms(spec: KeySpec) -> Option<(SignatureAlgorithm, Algorithm)> {
    match spec {
        // X9.62 gives the DER ECDSA-Sig-Value certificates and CMS use;
        // PKCS#1 v1.5 the RSASSA block. Both hash the message themselves.
        KeySpec::P256 => Some((
            SignatureAlgorithm::EcdsaP256Sha256,
            Algorithm::ECDSASignatureMessageX962SHA256,
        )),
        KeySpec::Rsa2048 => Some((
            SignatureAlgorithm::RsaPkcs1Sha256,
            Algorithm::RSASignatureMessagePKCS1v15SHA256,
        )),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// The records beside the keychain

/// What `keychain/<alias>.json` holds for a keychain key.
#[derive(Debug, Serialize, Deserialize)]
struct Record {
    spec: String,
    level: SecurityLevel,
    keychain: Keychain,
    /// The bound certificate, DER base64.
    #[serde(default)]
    certificate: Option<String>,
    #[serde(default)]
    chain: Vec<String>,
}

/// Whether `alias` is one of qoltanba's (and safe as a file name).
fn ours(alias: &str) -> bool {
    alias.starts_with(ALIAS_PREFIX)
        && alias
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

// ---------------------------------------------------------------------------
// The keystore

/// The keychain (Secure Enclave where there is one) for P-256 and RSA-2048
/// keys, and GOST keys sealed under a keychain key. A cheap handle: each
/// call queries the keychain and returns.
pub struct AppleKeystore {
    records: PathBuf,
    gost: Arc<WrappedKeys>,
    gost_user_auth: Arc<WrappedKeys>,
}

impl std::fmt::Debug for AppleKeystore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppleKeystore")
            .field("records", &self.records)
            .finish()
    }
}

impl AppleKeystore {
    /// The keystore, with `dir` (in the app's container, e.g.
    /// `Application Support/keys`) for what the keychain does not hold: key
    /// records and sealed GOST keys. Creates the directories; touches no key.
    pub fn open(dir: &Path) -> Result<Self, PlatformError> {
        let records = dir.join("keychain");
        std::fs::create_dir_all(&records).map_err(|e| storage(&records, e))?;
        let wrapping = |user_authentication| -> Arc<dyn WrappingKey> {
            Arc::new(EnclaveWrappingKey {
                user_authentication,
                found: Mutex::new(None),
            })
        };
        Ok(Self {
            records,
            gost: Arc::new(WrappedKeys::new(dir.join("wrapped"), wrapping(false))),
            gost_user_auth: Arc::new(WrappedKeys::new(dir.join("wrapped-auth"), wrapping(true))),
        })
    }

    fn record_path(&self, alias: &str) -> PathBuf {
        self.records.join(format!("{alias}.json"))
    }

    fn read_record(&self, alias: &str) -> Result<Option<Record>, PlatformError> {
        if !ours(alias) {
            return Ok(None);
        }
        let path = self.record_path(alias);
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text)
                .map(Some)
                .map_err(|e| storage(&path, e)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(storage(&path, e)),
        }
    }

    /// The wrapped store holding `alias`, if any.
    fn wrapped(&self, alias: &str) -> Option<&Arc<WrappedKeys>> {
        if !ours(alias) {
            return None;
        }
        [&self.gost, &self.gost_user_auth]
            .into_iter()
            .find(|store| store.dir().join(format!("{alias}.json")).exists())
    }

    /// The keychain key `alias` with its record, or `NoSuchKey`.
    fn keychain_key(&self, alias: &str) -> Result<(SecKey, Record), PlatformError> {
        let missing = || PlatformError::NoSuchKey(alias.to_string());
        let record = self.read_record(alias)?.ok_or_else(missing)?;
        let key = find_private_key(alias, record.keychain)
            .map_err(|e| e.into_platform("finding a key"))?
            .ok_or_else(missing)?;
        Ok((key, record))
    }

    fn key_of(
        &self,
        alias: &str,
        key: &SecKey,
        record: &Record,
    ) -> Result<PlatformKey, PlatformError> {
        let path = self.record_path(alias);
        let spec: KeySpec = record.spec.parse().map_err(|e: String| storage(&path, e))?;
        let b64 = |s: &str| B64.decode(s).map_err(|e| storage(&path, e));
        Ok(PlatformKey {
            alias: alias.to_string(),
            spec,
            level: record.level,
            public_key: public_key_info(key, spec)?,
            certificate: record.certificate.as_deref().map(b64).transpose()?,
            // Apple gives no attestation for keychain or enclave keys.
            attestation: Vec::new(),
        })
    }

    fn generate_in_keychain(&self, request: &KeyRequest<'_>) -> Result<PlatformKey, PlatformError> {
        let alias = new_alias(request.purpose)?;
        let (key, keychain, level) =
            make_key(&alias, &alias, request.spec, request.user_authentication)?;
        let record = Record {
            spec: request.spec.name().to_string(),
            level,
            keychain,
            certificate: None,
            chain: Vec::new(),
        };
        // The record last (save_new never overwrites): a listed key is whole.
        let saved = self.key_of(&alias, &key, &record).and_then(|listed| {
            let json = serde_json::to_vec_pretty(&record).map_err(|e| storage(&self.records, e))?;
            save_new(&self.records, &format!("{alias}.json"), &json)
                .map_err(|e| storage(&self.records, e))?;
            Ok(listed)
        });
        if saved.is_err() {
            // Never leave a key nobody can find.
            let _ = delete_keys(&alias, keychain);
        }
        saved
    }
}

impl PlatformKeystore for AppleKeystore {
    fn platform(&self) -> &'static str {
        "apple"
    }

    fn supports(&self, spec: KeySpec) -> bool {
        matches!(spec, KeySpec::P256 | KeySpec::Rsa2048 | KeySpec::Gost512)
    }

    fn list(&self) -> Result<Vec<PlatformKey>, PlatformError> {
        let entries = std::fs::read_dir(&self.records).map_err(|e| storage(&self.records, e))?;
        let aliases: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().into_string().ok())
            .filter_map(|n| n.strip_suffix(".json").map(str::to_string))
            .filter(|a| ours(a))
            .collect();
        let mut keys = Vec::new();
        for alias in aliases {
            match self.keychain_key(&alias) {
                Ok((key, record)) => keys.push(self.key_of(&alias, &key, &record)?),
                // A record whose key the keychain lost (erased, restored
                // elsewhere) lists nothing.
                Err(PlatformError::NoSuchKey(_)) => {}
                Err(e) => return Err(e),
            }
        }
        keys.extend(self.gost.list()?);
        keys.extend(self.gost_user_auth.list()?);
        keys.sort_by(|a, b| a.alias.cmp(&b.alias));
        Ok(keys)
    }

    fn key(&self, alias: &str) -> Result<PlatformKey, PlatformError> {
        if let Some(store) = self.wrapped(alias) {
            return store
                .list()?
                .into_iter()
                .find(|k| k.alias == alias)
                .ok_or_else(|| PlatformError::NoSuchKey(alias.to_string()));
        }
        let (key, record) = self.keychain_key(alias)?;
        self.key_of(alias, &key, &record)
    }

    fn generate(&self, request: &KeyRequest<'_>) -> Result<PlatformKey, PlatformError> {
        match request.spec {
            KeySpec::Gost512 if request.user_authentication => {
                self.gost_user_auth.generate(request)
            }
            KeySpec::Gost512 => self.gost.generate(request),
            KeySpec::P256 | KeySpec::Rsa2048 => self.generate_in_keychain(request),
            other => Err(PlatformError::Unsupported(other.name().into())),
        }
    }

    fn signer(&self, alias: &str) -> Result<Box<dyn Signer>, PlatformError> {
        if let Some(store) = self.wrapped(alias) {
            return store.signer(alias);
        }
        let (key, record) = self.keychain_key(alias)?;
        let listed = self.key_of(alias, &key, &record)?;
        let (algorithm, sec_algorithm) = algorithms(listed.spec)
            .ok_or_else(|| PlatformError::Unsupported(listed.spec.name().into()))?;
        Ok(Box::new(AppleSigner {
            key,
            public_key: listed.public_key,
            algorithm,
            sec_algorithm,
        }))
    }

    fn bind_certificate(
        &self,
        alias: &str,
        certificate: &[u8],
        chain: &[Vec<u8>],
    ) -> Result<(), PlatformError> {
        if let Some(store) = self.wrapped(alias) {
            return store.bind_certificate(alias, certificate, chain);
        }
        let (_, mut record) = self.keychain_key(alias)?;
        record.certificate = Some(B64.encode(certificate));
        record.chain = chain.iter().map(|c| B64.encode(c)).collect();
        let path = self.record_path(alias);
        let json = serde_json::to_vec_pretty(&record).map_err(|e| storage(&path, e))?;
        replace(&path, &json).map_err(|e| storage(&path, e))
    }

    fn delete(&self, alias: &str) -> Result<(), PlatformError> {
        if let Some(store) = self.wrapped(alias) {
            return store.delete(alias);
        }
        if !ours(alias) {
            return Ok(());
        }
        // Wherever the record says, or everywhere without one.
        let keychains = match self.read_record(alias)? {
            Some(record) => vec![record.keychain],
            None => KEYCHAINS.to_vec(),
        };
        for keychain in keychains {
            delete_keys(alias, keychain).map_err(|e| e.into_platform("deleting a key"))?;
        }
        let path = self.record_path(alias);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(storage(&path, e)),
        }
    }
}

/// A keychain key as a [`Signer`]: each signature is one
/// `SecKeyCreateSignature`, so a key bound to the unlock asks for it
/// (Face ID, Touch ID or the passcode, the system's own prompt) each time.
struct AppleSigner {
    key: SecKey,
    public_key: SubjectPublicKeyInfoOwned,
    algorithm: SignatureAlgorithm,
    sec_algorithm: Algorithm,
}

impl Signer for AppleSigner {
    fn algorithm(&self) -> SignatureAlgorithm {
        self.algorithm
    }

    fn public_key(&self) -> &SubjectPublicKeyInfoOwned {
        &self.public_key
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        self.key
            .create_signature(self.sec_algorithm, message)
            .map_err(|e| SignError::from(KeychainError::from(e).into_platform("signing")))
    }
}

// ---------------------------------------------------------------------------
// The wrapping key for GOST keys

/// One wrapping key is made at a time in this process (two threads must
/// not both make one under the same label).
static WRAPPING_CREATE: Mutex<()> = Mutex::new(());

/// The P-256 keychain key that seals GOST keys with ECIES: in the enclave
/// when there is one ([`WRAPPING_LABEL`]), else a software key (the label
/// ends `.software`, so it says the level); `.user-auth` in the label when
/// every opening must ask for the unlock. Made on first sealing.
struct EnclaveWrappingKey {
    user_authentication: bool,
    /// Where the key was last found: its keychain and level.
    found: Mutex<Option<(Keychain, SecurityLevel)>>,
}

const ECIES: Algorithm = Algorithm::ECIESEncryptionCofactorVariableIVX963SHA256AESGCM;
/// The ephemeral X9.63 point (65 bytes) and the GCM tag (16) ECIES adds.
const ECIES_OVERHEAD: usize = 65 + 16;

impl EnclaveWrappingKey {
    fn label(&self, level: SecurityLevel) -> String {
        let auth = if self.user_authentication {
            ".user-auth"
        } else {
            ""
        };
        let software = if level == SecurityLevel::SecureEnclave {
            ""
        } else {
            ".software"
        };
        format!("{WRAPPING_LABEL}{auth}{software}")
    }

    /// The wrapping key, made when `create` and absent anywhere.
    fn private_key(&self, create: bool) -> Result<SecKey, PlatformError> {
        let doing = "finding the key that protects GOST keys";
        let remember = |keychain, level| {
            *self.found.lock().unwrap_or_else(|p| p.into_inner()) = Some((keychain, level));
        };
        let find = || -> Result<Option<SecKey>, PlatformError> {
            for level in [SecurityLevel::SecureEnclave, SecurityLevel::Software] {
                for &keychain in KEYCHAINS {
                    if let Some(key) = find_private_key(&self.label(level), keychain)
                        .map_err(|e| e.into_platform(doing))?
                    {
                        remember(keychain, level);
                        return Ok(Some(key));
                    }
                }
            }
            Ok(None)
        };
        if let Some(key) = find()? {
            return Ok(key);
        }
        if !create {
            return Err(PlatformError::Platform(
                "the key that protects GOST keys is gone (the keychain was erased or the \
                 passcode removed); the GOST keys cannot be opened"
                    .into(),
            ));
        }
        let _one = WRAPPING_CREATE.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(key) = find()? {
            return Ok(key);
        }
        let (key, keychain, level) = make_key(
            &self.label(SecurityLevel::SecureEnclave),
            &self.label(SecurityLevel::Software),
            KeySpec::P256,
            self.user_authentication,
        )?;
        remember(keychain, level);
        Ok(key)
    }
}

/// `len(aad) ‖ aad ‖ secret`: SecKey's ECIES has no associated data, so the
/// alias travels inside the ciphertext.
fn frame(aad: &[u8], secret: &[u8]) -> Result<Zeroizing<Vec<u8>>, PlatformError> {
    let len = u16::try_from(aad.len())
        .map_err(|_| PlatformError::Platform("too long a key name to seal".into()))?;
    let mut framed = Zeroizing::new(Vec::with_capacity(2 + aad.len() + secret.len()));
    framed.extend_from_slice(&len.to_be_bytes());
    framed.extend_from_slice(aad);
    framed.extend_from_slice(secret);
    Ok(framed)
}

/// The secret in `framed`, if it was sealed for `aad`.
fn unframe(framed: &[u8], aad: &[u8]) -> Result<Zeroizing<Vec<u8>>, PlatformError> {
    let damaged = || PlatformError::Platform("a sealed key is damaged or was altered".into());
    let (len, rest) = framed.split_first_chunk::<2>().ok_or_else(damaged)?;
    let (bound, secret) = rest
        .split_at_checked(usize::from(u16::from_be_bytes(*len)))
        .ok_or_else(damaged)?;
    if bound != aad {
        return Err(damaged());
    }
    Ok(Zeroizing::new(secret.to_vec()))
}

impl WrappingKey for EnclaveWrappingKey {
    /// The level of the key last found; software until it is found (a
    /// sealing, which finds or makes it, always comes first).
    fn level(&self) -> SecurityLevel {
        match *self.found.lock().unwrap_or_else(|p| p.into_inner()) {
            Some((_, SecurityLevel::SecureEnclave)) => SecurityLevel::HardwareWrapped,
            _ => SecurityLevel::Software,
        }
    }

    fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>, PlatformError> {
        let framed = frame(aad, plaintext)?;
        let public = self.private_key(true)?.public_key().ok_or_else(|| {
            PlatformError::Platform("the key that protects GOST keys has no public key".into())
        })?;
        // Encrypting to the public key needs no unlock.
        public
            .encrypt_data(ECIES, &framed)
            .map_err(|e| KeychainError::from(e).into_platform("sealing a GOST key"))
    }

    fn open(&self, sealed: &[u8], aad: &[u8]) -> Result<Zeroizing<Vec<u8>>, PlatformError> {
        if sealed.len() < ECIES_OVERHEAD + 2 {
            return Err(PlatformError::Platform(
                "a sealed key is damaged or was altered".into(),
            ));
        }
        let key = self.private_key(false)?;
        let framed = Zeroizing::new(key.decrypt_data(ECIES, sealed).map_err(|e| {
            let e = KeychainError::from(e);
            if e.user_not_authenticated() {
                PlatformError::UserNotAuthenticated
            } else {
                // AES-GCM refused the ciphertext (or another key sealed it).
                PlatformError::Platform(one_line(&format!(
                    "a sealed key is damaged or was altered ({} {})",
                    e.domain, e.code
                )))
            }
        })?);
        unframe(&framed, aad)
    }
}

// The module itself is Apple-only (lib.rs); plain cfg(test) is what clippy's
// allow-unwrap-in-tests recognises as test code.
#[cfg(test)]
mod tests {
    use super::*;
    use qoltanba_pki::cert::Purpose;
    use qoltanba_pki::crypto::verify_signature;

    fn request(spec: KeySpec) -> KeyRequest<'static> {
        KeyRequest {
            spec,
            purpose: Purpose::Sign,
            attestation_challenge: None,
            user_authentication: false,
        }
    }

    fn signs_and_verifies(store: &AppleKeystore, key: &PlatformKey) {
        let signer = store.signer(&key.alias).unwrap();
        assert_eq!(signer.public_key(), &key.public_key);
        let signature = signer.sign(b"qoltanba").unwrap();
        verify_signature(
            &key.public_key,
            &signer.algorithm().identifier(),
            b"qoltanba",
            &signature,
        )
        .unwrap();
        assert!(
            verify_signature(
                &key.public_key,
                &signer.algorithm().identifier(),
                b"qoltanbA",
                &signature,
            )
            .is_err()
        );
    }

    #[test]
    fn p256_and_rsa_keys_sign_list_and_delete() {
        let dir = tempfile::tempdir().unwrap();
        let store = AppleKeystore::open(dir.path()).unwrap();
        assert_eq!(store.platform(), "apple");
        let p256 = store.generate(&request(KeySpec::P256)).unwrap();
        let rsa = store.generate(&request(KeySpec::Rsa2048)).unwrap();
        assert!(p256.alias.starts_with("qoltanba-sign-"), "{}", p256.alias);
        // The enclave where there is one; a CI VM has none and says so.
        assert!(
            matches!(
                p256.level,
                SecurityLevel::SecureEnclave | SecurityLevel::Software
            ),
            "{:?}",
            p256.level
        );
        assert_eq!(rsa.level, SecurityLevel::Software);
        assert_eq!(
            PublicKeyAlgorithm::of(&rsa.public_key),
            PublicKeyAlgorithm::Rsa { bits: 2048 }
        );
        assert!(p256.attestation.is_empty());
        for key in [&p256, &rsa] {
            signs_and_verifies(&store, key);
        }

        // Another handle on the same directory sees both.
        let again = AppleKeystore::open(dir.path()).unwrap();
        let listed: Vec<PlatformKey> = again.list().unwrap();
        for key in [&p256, &rsa] {
            let found = listed.iter().find(|k| k.alias == key.alias).unwrap();
            assert_eq!(found.public_key, key.public_key);
            assert_eq!(found.spec, key.spec);
            assert_eq!(found.level, key.level);
        }

        for key in [&p256, &rsa] {
            again.delete(&key.alias).unwrap();
            assert!(matches!(
                again.signer(&key.alias),
                Err(PlatformError::NoSuchKey(_))
            ));
            // Deleting again is a no-op.
            again.delete(&key.alias).unwrap();
        }
        assert!(again.list().unwrap().is_empty());
    }

    #[test]
    fn certificates_are_bound_to_keys() {
        let dir = tempfile::tempdir().unwrap();
        let store = AppleKeystore::open(dir.path()).unwrap();
        let key = store.generate(&request(KeySpec::P256)).unwrap();
        assert_eq!(key.certificate, None);
        store
            .bind_certificate(&key.alias, b"certificate", &[b"ca".to_vec()])
            .unwrap();
        let again = AppleKeystore::open(dir.path()).unwrap();
        assert_eq!(
            again.key(&key.alias).unwrap().certificate.as_deref(),
            Some(&b"certificate"[..])
        );
        let listed = again.list().unwrap();
        let found = listed.iter().find(|k| k.alias == key.alias).unwrap();
        assert_eq!(found.certificate.as_deref(), Some(&b"certificate"[..]));
        again.delete(&key.alias).unwrap();
    }

    #[test]
    fn gost_keys_are_sealed_under_the_keychain_key() {
        let dir = tempfile::tempdir().unwrap();
        let store = AppleKeystore::open(dir.path()).unwrap();
        let key = store.generate(&request(KeySpec::Gost512)).unwrap();
        assert!(
            matches!(
                key.level,
                SecurityLevel::HardwareWrapped | SecurityLevel::Software
            ),
            "{:?}",
            key.level
        );
        signs_and_verifies(&store, &key);
        // Another handle finds the wrapping key in the keychain again.
        let again = AppleKeystore::open(dir.path()).unwrap();
        signs_and_verifies(&again, &key);
        again
            .bind_certificate(&key.alias, b"certificate", &[])
            .unwrap();
        assert_eq!(
            again.key(&key.alias).unwrap().certificate.as_deref(),
            Some(&b"certificate"[..])
        );

        // A sealed key moved to another alias fails the alias inside it.
        let other = again.generate(&request(KeySpec::Gost512)).unwrap();
        let sealed = dir
            .path()
            .join("wrapped")
            .join(format!("{}.sealed", key.alias));
        let original = std::fs::read(&sealed).unwrap();
        std::fs::copy(
            dir.path()
                .join("wrapped")
                .join(format!("{}.sealed", other.alias)),
            &sealed,
        )
        .unwrap();
        let Err(e) = again.signer(&key.alias) else {
            panic!("a sealed key opened under another alias")
        };
        assert!(e.to_string().contains("damaged"), "{e}");

        // A flipped bit fails AES-GCM.
        let mut tampered = original.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        std::fs::write(&sealed, &tampered).unwrap();
        let Err(e) = again.signer(&key.alias) else {
            panic!("a tampered key opened")
        };
        assert!(e.to_string().contains("damaged"), "{e}");

        std::fs::write(&sealed, &original).unwrap();
        signs_and_verifies(&again, &key);
        for alias in [&key.alias, &other.alias] {
            again.delete(alias).unwrap();
            assert!(matches!(
                again.signer(alias),
                Err(PlatformError::NoSuchKey(_))
            ));
        }
    }

    #[test]
    fn missing_keys_are_reported_as_such() {
        let dir = tempfile::tempdir().unwrap();
        let store = AppleKeystore::open(dir.path()).unwrap();
        let missing = "qoltanba-sign-0000000000000000";
        assert!(matches!(
            store.signer(missing),
            Err(PlatformError::NoSuchKey(_))
        ));
        assert!(matches!(
            store.key(missing),
            Err(PlatformError::NoSuchKey(_))
        ));
        assert!(matches!(
            store.bind_certificate(missing, b"certificate", &[]),
            Err(PlatformError::NoSuchKey(_))
        ));
        store.delete(missing).unwrap();
        // Names that are not ours never reach the keychain or the disk.
        for name in ["../keychain/x", WRAPPING_LABEL, "other-app-key"] {
            assert!(matches!(
                store.signer(name),
                Err(PlatformError::NoSuchKey(_))
            ));
            store.delete(name).unwrap();
        }
        assert!(!store.supports(KeySpec::Rsa3072));
        assert!(matches!(
            store.generate(&request(KeySpec::Rsa3072)),
            Err(PlatformError::Unsupported(_))
        ));
    }

    #[test]
    fn unlock_failures_become_user_not_authenticated() {
        let error = |domain: &str, code: i64| KeychainError {
            domain: domain.into(),
            code,
            description: "x".into(),
        };
        for (domain, code) in [
            ("NSOSStatusErrorDomain", ERR_SEC_USER_CANCELED),
            ("NSOSStatusErrorDomain", ERR_SEC_AUTH_FAILED),
            ("NSOSStatusErrorDomain", ERR_SEC_INTERACTION_NOT_ALLOWED),
            ("com.apple.LocalAuthentication", -2),
            ("CryptoTokenKit", -4),
        ] {
            assert!(matches!(
                error(domain, code).into_platform("signing"),
                PlatformError::UserNotAuthenticated
            ));
        }
        let e =
            error("NSOSStatusErrorDomain", ERR_SEC_MISSING_ENTITLEMENT).into_platform("signing");
        assert!(e.to_string().contains("entitlement"), "{e}");
        let e = KeychainError {
            description: "a\nb".repeat(200),
            ..error("NSOSStatusErrorDomain", -50)
        }
        .into_platform("signing");
        let text = e.to_string();
        assert!(!text.contains('\n') && text.chars().count() < 300, "{text}");
    }

    #[test]
    fn the_alias_is_bound_inside_the_sealed_bytes() {
        let framed = frame(b"qoltanba-sign-01", b"secret").unwrap();
        assert_eq!(&*unframe(&framed, b"qoltanba-sign-01").unwrap(), b"secret");
        assert!(unframe(&framed, b"qoltanba-sign-02").is_err());
        assert!(unframe(&framed[..5], b"qoltanba-sign-01").is_err());
        assert!(unframe(&[], b"").is_err());
    }
}
