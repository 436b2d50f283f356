//! Signing a document with any of the citizen's keys (key file, keystore,
//! ID card, token: whatever [`KeyHome`] opens it), and checking a signed one.
//! CMS SignedData, content attached or detached, as `openssl cms` and
//! NCALayer read it.

use std::path::Path;
use std::time::SystemTime;

use serde::Serialize;
use time::OffsetDateTime;

use super::CabinetError;
use crate::renewal::{KeyHome, RenewalUi};
use crate::tsa::TimestampAuthority;
use qoltanba_pki::cert::KzCertificate;
use qoltanba_pki::cert::{Purpose, TimeStatus, TrustAnchors, validate};
use qoltanba_pki::crypto::Signer;
use qoltanba_pki::signed_message::{Attachment, CmsSignOptions, sign_cms, verify_document};

/// What a check of a signed document found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DocumentCheck {
    /// The signed content (the document itself when attached; the given
    /// document when detached).
    #[serde(skip)]
    pub content: Vec<u8>,
    pub signer_holder: String,
    pub signer_iin: String,
    /// The signer certificate's serial, upper-case hex.
    pub signer_serial: String,
    pub signed_at: Option<SystemTime>,
    /// The time of the signature's time-stamp (CAdES-T), checked against
    /// the signature; what a TSA, not the signer, says.
    pub timestamped_at: Option<SystemTime>,
    /// The signer's certificate was valid when the document was signed
    /// (the time-stamp's time, else the signing time, else now).
    pub certificate_valid_then: bool,
    /// The certificate chains to one of the trusted roots given.
    pub chains_to_trusted_root: bool,
}

/// [`sign_with`], refusing the keys `store` knows as revoked.
pub fn sign_on_device(
    store: &crate::store::Store,
    home: &mut dyn KeyHome,
    location: &Path,
    content: &[u8],
    attachment: Attachment,
    ui: &mut dyn RenewalUi,
) -> Result<Vec<u8>, CabinetError> {
    let revoked: Vec<String> = store
        .certificates()?
        .into_iter()
        .filter(|k| k.revoked)
        .map(|k| k.serial)
        .collect();
    sign_with(home, location, content, attachment, &revoked, ui)
}

/// Sign `content` with the key at `location` in `home`; DER CMS. A key
/// whose certificate is among `revoked` (serials) is not valid now.
pub fn sign_with(
    home: &mut dyn KeyHome,
    location: &Path,
    content: &[u8],
    attachment: Attachment,
    revoked: &[String],
    ui: &mut dyn RenewalUi,
) -> Result<Vec<u8>, CabinetError> {
    sign_with_options(
        home,
        location,
        content,
        &CmsSignOptions::cms(attachment),
        revoked,
        None,
        ui,
    )
}

/// Open the key at `location` in `home` for signing a document (CMS or
/// XML): its certificate must allow signing (not an AUTH-only key), be
/// valid now and not be among `revoked` (serials). The one gate every
/// document signature passes.
pub fn open_for_signing(
    home: &mut dyn KeyHome,
    location: &Path,
    revoked: &[String],
    ui: &mut dyn RenewalUi,
) -> Result<(Box<dyn Signer>, KzCertificate), CabinetError> {
    let (key, cert) = home.open_current(location, ui)?;
    if !cert.purpose().can_sign() {
        return Err(CabinetError::NotForSigning(cert.serial_hex()));
    }
    if cert.time_status(OffsetDateTime::now_utc()) != TimeStatus::Valid
        || revoked.contains(&cert.serial_hex())
    {
        return Err(CabinetError::NotValidNow(cert.serial_hex()));
    }
    Ok((key, cert))
}

/// Sign `content` with the key at `location` in `home` as `options` say
/// (CMS or CAdES-BES, attached or detached, or over a given digest); with
/// `tsa`, the signature is time-stamped (CAdES-T) before it is returned,
/// and a failed time-stamp fails the whole signature (nothing half-made
/// is returned). Blocks on the TSA up to its timeout.
pub fn sign_with_options(
    home: &mut dyn KeyHome,
    location: &Path,
    content: &[u8],
    options: &CmsSignOptions,
    revoked: &[String],
    tsa: Option<&TimestampAuthority>,
    ui: &mut dyn RenewalUi,
) -> Result<Vec<u8>, CabinetError> {
    let (key, cert) = open_for_signing(home, location, revoked, ui)?;
    sign_opened(content, options, key.as_ref(), &cert, tsa)
}

/// [`sign_with_options`] with a key already opened by
/// [`open_for_signing`] (a caller signing several documents with one key
/// and one PIN).
pub fn sign_opened(
    content: &[u8],
    options: &CmsSignOptions,
    key: &dyn Signer,
    cert: &KzCertificate,
    tsa: Option<&TimestampAuthority>,
) -> Result<Vec<u8>, CabinetError> {
    let signed = sign_cms(content, options, key, cert, OffsetDateTime::now_utc())?;
    match tsa {
        None => Ok(signed),
        Some(tsa) => Ok(tsa.timestamp_blocking(&signed)?.0),
    }
}

/// Check `signed` (DER or PEM CMS); `document` is the content of a
/// detached signature. `trusted` are the certificates (DER) the verifier
/// trusts: the roots (self-signed: the anchors) and the CAs under them
/// that link a signer to a root, e.g. NCA's root and its issuing CAs; the
/// CMS carries the signer's certificate only, as NCALayer's does. The
/// signature itself must verify whatever they are.
pub fn check(
    signed: &[u8],
    document: Option<&[u8]>,
    trusted: &[Vec<u8>],
) -> Result<DocumentCheck, CabinetError> {
    let verified = verify_document(signed, document)?;
    let cert = &verified.signer;
    // A TSA's time beats the signer's own claim.
    let at = verified
        .timestamp
        .or(verified.signing_time)
        .unwrap_or_else(OffsetDateTime::now_utc);
    let (roots, cas): (Vec<_>, Vec<_>) = trusted
        .iter()
        .filter_map(|der| qoltanba_pki::cert::KzCertificate::from_der(der).ok())
        .partition(|c| c.subject_name() == c.issuer_name());
    let chains = !roots.is_empty()
        && validate(
            cert,
            &cas,
            &TrustAnchors::new(roots),
            at,
            Some(Purpose::Sign),
        )
        .is_ok();
    let holder = cert.holder();
    Ok(DocumentCheck {
        content: verified.content.clone(),
        signer_holder: holder.full_name().unwrap_or_default(),
        signer_iin: holder.iin_digits(),
        signer_serial: cert.serial_hex(),
        signed_at: verified.signing_time.map(SystemTime::from),
        timestamped_at: verified.timestamp.map(SystemTime::from),
        certificate_valid_then: cert.time_status(at) == TimeStatus::Valid,
        chains_to_trusted_root: chains,
    })
}
