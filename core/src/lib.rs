//! qoltanba-core: everything a citizen's device needs to renew a Kazakh EDS.
//!
//! Modules follow the data flow of docs/architecture (top to bottom, each uses
//! only those above it):
//! - [`cert`]: X.509 certificates in the Kazakh profile, IIN/BIN, chain validation;
//! - [`crypto`]: the [`crypto::Signer`] abstraction, signature verification, key generation;
//! - [`keystore`]: where keys live; today NCA key files (PKCS#12);
//! - [`reissue`]: CSRs and the signed reissue application;
//! - [`signed_message`]: small signed CMS messages (login challenge, revocation request);
//! - [`ra`]: the typed client of the RA protocol;
//! - [`store`]: the local database (known certificates, renewals, settings);
//! - [`renewal`]: the resumable renewal flow the UIs drive;
//! - [`reminders`]: the local expiry-reminder schedule and the RA's push payloads.

pub mod card;
pub mod cert;
mod cms_read;
pub mod crypto;
pub mod keystore;
pub mod oid;
pub mod ra;
pub mod reissue;
pub mod reminders;
pub mod renewal;
pub mod signed_message;
pub mod store;

/// The NCA test fixtures (../shared/fixtures, or `QOLTANBA_FIXTURES`).
#[cfg(test)]
pub(crate) fn fixture_path(relative: &str) -> std::path::PathBuf {
    std::env::var_os("QOLTANBA_FIXTURES")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures")
        })
        .join(relative)
}
