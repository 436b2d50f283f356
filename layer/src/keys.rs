//! Where the citizen's keys are, as the service reaches them: a
//! [`KeySource`] per key file, ID card, token or desktop keystore, opened
//! only after the citizen has allowed a request (its password or PIN is
//! asked then, by qoltanba, never by the page). The shell makes them from
//! its own options (`qoltanba layer serve --key-file …`).

use qoltanba_pki::cert::KzCertificate;
use qoltanba_pki::crypto::Signer;
use time::OffsetDateTime;

use crate::protocol::{KeyFilter, KeyType};

/// A key with its certificate, ready to sign.
pub struct OpenedKey {
    /// Where it is, for the citizen (a file name, a card slot, an alias).
    pub label: String,
    pub signer: Box<dyn Signer>,
    pub certificate: KzCertificate,
}

/// Why keys could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum KeySourceError {
    /// The citizen gave no password or PIN.
    #[error("no password or PIN was given")]
    NoSecret,
    #[error("{0}")]
    Failed(String),
}

/// One place keys are in.
pub trait KeySource: Send {
    /// The storage name portals know it by (`PKCS12`, `AKKZIDCardStore`, …).
    fn storage(&self) -> &str;
    /// A device that is plugged in or not (listed by `getActiveTokens`).
    fn is_hardware(&self) -> bool;
    /// Whether the device is there now (asked without any secret);
    /// `getActiveTokens` lists only hardware that is present.
    fn is_present(&mut self) -> bool {
        true
    }
    /// What the citizen sees in the consent prompt.
    fn label(&self) -> String;
    /// The keys in it, asking the citizen for the password or PIN as needed.
    fn open(&mut self) -> Result<Vec<OpenedKey>, KeySourceError>;
}

/// Whether `cert` may sign for a request with `filter`, at `at`, when
/// `revoked` lists the serials known to be revoked: the purpose the page
/// asks for, every extended key usage it names (or the certificate policy,
/// where NCA puts the holder's kind), valid now and not revoked.
pub fn fits(
    cert: &KzCertificate,
    filter: &KeyFilter,
    at: OffsetDateTime,
    revoked: &[String],
) -> bool {
    let purpose = cert.purpose();
    let purpose_fits = match filter.key_type {
        KeyType::Signature => purpose.can_sign(),
        KeyType::Authentication => purpose.can_auth(),
        KeyType::Any => true,
    };
    let usages: Vec<String> = cert
        .extended_key_usage()
        .iter()
        .chain(cert.policies())
        .map(|oid| oid.to_string())
        .collect();
    let usages_fit = filter
        .ext_key_usage_oids
        .iter()
        .all(|oid| usages.contains(oid));
    purpose_fits
        && usages_fit
        && cert.time_status(at) == qoltanba_pki::cert::TimeStatus::Valid
        && !revoked.contains(&cert.serial_hex())
}
