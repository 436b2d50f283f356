//! Revoking one of the citizen's certificates, and the lost-password path.
//!
//! The RA revokes any certificate of the logged-in IIN, on a request signed
//! by any valid key of that IIN (docs/protocol.md). So a citizen who lost a
//! key file's password (which cannot be recovered: NCA keeps no copy, the
//! seed says so plainly) revokes that key by logging in with another valid
//! AUTH key of the same IIN: the ID card, another key file, the phone's
//! keystore, a token. Without one, a public service centre (ЦОН) or egov.kz
//! with the ID card is the way.

use std::path::Path;

use serde::Serialize;
use time::OffsetDateTime;

use super::CabinetError;
use super::keys::CitizenKey;
use crate::ra::{RaClient, Session};
use crate::renewal::{KeyHome, RenewalUi};
use crate::store::Store;
use qoltanba_pki::protocol::{RevocationReason, RevocationRequest, Revoked};
use qoltanba_pki::signed_message::sign_message;

/// What the cabinet tells a citizen who lost a key file's password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct LostPassword {
    /// The certificate whose password is lost.
    pub serial: String,
    /// Always false: NCA key files are encrypted under the password alone.
    pub recoverable: bool,
    /// Valid AUTH keys of the same IIN on this device that can log in and
    /// revoke it (the ID card first: it needs no password).
    pub can_revoke_with: Vec<CitizenKey>,
    /// With none of those: go to a public service centre (ЦОН) or
    /// egov.kz with the ID card to revoke it and get new keys.
    pub visit_service_centre: bool,
}

/// The lost-password advice for `serial` among `keys`.
pub fn lost_password(keys: &[CitizenKey], serial: &str) -> Result<LostPassword, CabinetError> {
    let lost = keys
        .iter()
        .find(|k| k.serial == serial)
        .ok_or_else(|| CabinetError::UnknownKey(serial.to_owned()))?;
    let mut others: Vec<CitizenKey> = keys
        .iter()
        .filter(|k| k.serial != serial && k.iin == lost.iin && k.can_log_in())
        // A key file with the same password problem is no way out.
        .filter(|k| k.location != lost.location)
        .cloned()
        .collect();
    others.sort_by_key(|k| k.storage != qoltanba_pki::reissue::StorageKind::IdCard);
    Ok(LostPassword {
        serial: serial.to_owned(),
        recoverable: false,
        visit_service_centre: others.is_empty(),
        can_revoke_with: others,
    })
}

/// Revoke `serial` for `reason`, the request signed by the key at
/// `signer_location` in `home` (any valid key of the same IIN), in a
/// session logged in with the same IIN. The device's store marks it.
#[allow(clippy::too_many_arguments)] // each is the citizen's choice
pub async fn revoke(
    client: &RaClient,
    session: &Session,
    store: &Store,
    home: &mut dyn KeyHome,
    signer_location: &Path,
    serial: &str,
    reason: RevocationReason,
    ui: &mut dyn RenewalUi,
) -> Result<Revoked, CabinetError> {
    let serial = qoltanba_pki::cert::normalise_serial(serial)
        .map_err(|_| CabinetError::UnknownKey(serial.to_owned()))?;
    let (key, cert) = home.open_current(signer_location, ui)?;
    let request = RevocationRequest {
        serial: serial.clone(),
        reason: reason.name().to_owned(),
    };
    let content =
        serde_json::to_vec(&request).map_err(|e| CabinetError::Internal(e.to_string()))?;
    let signed = sign_message(&content, key.as_ref(), &cert, OffsetDateTime::now_utc())?;
    let revoked = client.revoke(session, signed).await?;
    store.mark_revoked(&revoked.serial, OffsetDateTime::now_utc().unix_timestamp())?;
    Ok(revoked)
}
