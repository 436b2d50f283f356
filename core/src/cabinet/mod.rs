//! The cabinet: the seed's one menu, "My EDS keys", behind one API for thin
//! shells (the Android and iOS apps through qoltanba-ffi, and the CLI).
//!
//! - [`Cabinet::keys`]: the citizen's keys wherever they live, with status
//!   and the actions each allows now ([`keys`]).
//! - [`Cabinet::log_in`] with any valid AUTH key, then the RA's view:
//!   [`Cabinet::applications`], [`Cabinet::ra_certificates`] ([`ra_view`]).
//! - Re-issuance is the renewal ([`crate::renewal`]), whose review the
//!   citizen confirms before anything is signed.
//! - [`Cabinet::revoke`] with a reason; [`Cabinet::lost_password`]
//!   ([`revocation`]).
//! - [`Cabinet::sign_document`] with any key, [`Cabinet::check_document`]
//!   ([`documents`]).
//! - Change listeners ([`events`]).
//! - [`Cabinet::menu`]: the sections the apps draw, one screen each, and
//!   which can do anything now ([`menu`]).
//!
//! Password changes of key files, PIN change and unblock of the card live
//! with their keys (`qoltanba_pki::keyfile`, `qoltanba_card::session`); the
//! cabinet says which key allows them ([`KeyAction`]).

pub mod documents;
pub mod events;
pub mod keys;
pub mod menu;
pub mod ra_view;
pub mod revocation;

use std::path::Path;
use std::sync::Arc;

use time::OffsetDateTime;

pub use documents::DocumentCheck;
pub use events::{CabinetEvent, CabinetListener, Events};
pub use keys::{CitizenKey, EXPIRING_DAYS, KeyAction, KeyStatus};
pub use menu::{MenuEntry, MenuItem};
pub use ra_view::{NextStep, RaApplication, RaCertificate};
pub use revocation::LostPassword;

use crate::ra::{RaClient, RaError, Session};
use crate::renewal::{KeyHome, RenewalError, RenewalState, RenewalUi, log_in};
use crate::store::{Store, StoreError};
use qoltanba_pki::protocol::{RevocationReason, Revoked};
use qoltanba_pki::signed_message::{Attachment, SignedMessageError};

/// Why a cabinet call failed.
#[derive(Debug, thiserror::Error)]
pub enum CabinetError {
    /// Opening or using a key (password, PIN, card, keystore, token).
    #[error(transparent)]
    Key(#[from] RenewalError),
    #[error(transparent)]
    Ra(#[from] RaError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Document(#[from] SignedMessageError),
    /// Time-stamping a signature (CAdES-T).
    #[error(transparent)]
    Tsa(#[from] crate::tsa::TsaError),
    #[error("no key with certificate {0} is known on this device; refresh the list of keys")]
    UnknownKey(String),
    #[error("certificate {0} is for logging in, not for signing; choose a SIGN key")]
    NotForSigning(String),
    #[error("certificate {0} is not valid now; choose a valid key")]
    NotValidNow(String),
    #[error(
        "certificate {0} cannot log in (not an AUTH key, or not valid); choose a valid AUTH key"
    )]
    CannotLogIn(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl qoltanba_l10n::Localize for CabinetError {
    /// The wrapped error's own words, or `error-cabinet-…`.
    fn text(&self) -> qoltanba_l10n::Text {
        use qoltanba_l10n::Text;
        match self {
            Self::Key(e) => e.text(),
            Self::Ra(e) => e.text(),
            Self::Store(e) => e.text(),
            Self::Document(e) => e.text(),
            Self::Tsa(e) => e.text(),
            Self::UnknownKey(serial) => {
                Text::new("error-cabinet-unknown-key").arg("serial", serial.as_str())
            }
            Self::NotForSigning(serial) => {
                Text::new("error-cabinet-not-for-signing").arg("serial", serial.as_str())
            }
            Self::NotValidNow(serial) => {
                Text::new("error-cabinet-not-valid-now").arg("serial", serial.as_str())
            }
            Self::CannotLogIn(serial) => {
                Text::new("error-cabinet-cannot-log-in").arg("serial", serial.as_str())
            }
            Self::Internal(detail) => {
                Text::new("error-cabinet-internal").arg("detail", detail.as_str())
            }
        }
    }
}

/// The citizen's cabinet on this device: the local store and the RA.
pub struct Cabinet {
    store: Arc<Store>,
    client: RaClient,
    events: Events,
}

impl std::fmt::Debug for Cabinet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cabinet")
            .field("server", &self.client.base_url())
            .finish_non_exhaustive()
    }
}

impl Cabinet {
    pub fn new(store: Arc<Store>, client: RaClient) -> Self {
        Self {
            store,
            client,
            events: Events::default(),
        }
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    pub fn client(&self) -> &RaClient {
        &self.client
    }

    pub fn events(&self) -> &Events {
        &self.events
    }

    /// The citizen's keys known to this device at `now`: in use first
    /// (soonest end first), then replaced, revoked and expired ones.
    pub fn keys(&self, now: OffsetDateTime) -> Result<Vec<CitizenKey>, CabinetError> {
        Ok(keys::citizen_keys(&self.store, now)?)
    }

    /// The cabinet's menu at `now`: every section in order, each enabled
    /// when this citizen's keys allow it ([`menu::menu`]).
    pub fn menu(&self, now: OffsetDateTime) -> Result<Vec<MenuEntry>, CabinetError> {
        Ok(menu::menu(&self.keys(now)?))
    }

    /// The keys renewed together with key `serial` ([`keys::renewal_set`]):
    /// what the apps pass to the renewal as the current keys.
    pub fn renewal_set(
        &self,
        serial: &str,
        now: OffsetDateTime,
    ) -> Result<Vec<CitizenKey>, CabinetError> {
        let keys = self.keys(now)?;
        if !keys.iter().any(|k| k.serial.eq_ignore_ascii_case(serial)) {
            return Err(CabinetError::UnknownKey(serial.to_owned()));
        }
        keys::renewal_set(&keys, serial).ok_or_else(|| CabinetError::NotValidNow(serial.to_owned()))
    }

    /// One key by its certificate's serial (any case).
    pub fn key(&self, serial: &str, now: OffsetDateTime) -> Result<CitizenKey, CabinetError> {
        self.keys(now)?
            .into_iter()
            .find(|k| k.serial.eq_ignore_ascii_case(serial))
            .ok_or_else(|| CabinetError::UnknownKey(serial.to_owned()))
    }

    /// Log in to the RA with the AUTH key at `location` in `home`.
    pub async fn log_in(
        &self,
        home: &mut dyn KeyHome,
        location: &Path,
        ui: &mut dyn RenewalUi,
    ) -> Result<Session, CabinetError> {
        let (key, cert) = home.open_current(location, ui)?;
        if !cert.purpose().can_auth() {
            return Err(CabinetError::CannotLogIn(cert.serial_hex()));
        }
        let (session, _) = log_in(&self.client, key.as_ref(), &cert).await?;
        Ok(session)
    }

    /// The citizen's applications at the RA, newest first, with what comes
    /// next for each.
    pub async fn applications(
        &self,
        session: &Session,
    ) -> Result<Vec<RaApplication>, CabinetError> {
        let list = self.client.applications(session).await?;
        let renewals = self.local_applications()?;
        Ok(list
            .applications
            .iter()
            .map(|a| Self::with_local(a, &renewals))
            .collect())
    }

    /// One of the citizen's applications at the RA, with what comes next.
    /// An unknown number and another citizen's are the same error (the RA
    /// refuses both with `no-such-application`).
    pub async fn application(
        &self,
        session: &Session,
        number: i64,
    ) -> Result<RaApplication, CabinetError> {
        let status = self.client.application(session, number).await?;
        Ok(Self::with_local(&status, &self.local_applications()?))
    }

    /// Which local renewal made each application, and whether it ended:
    /// (renewal id, application number, finished).
    fn local_applications(&self) -> Result<Vec<(i64, i64, bool)>, CabinetError> {
        Ok(self
            .store
            .renewals()?
            .iter()
            .filter_map(|r| {
                let state: RenewalState = serde_json::from_str(&r.state).ok()?;
                Some((r.id, state.number?, r.finished))
            })
            .collect())
    }

    fn with_local(
        status: &qoltanba_pki::protocol::ApplicationStatus,
        renewals: &[(i64, i64, bool)],
    ) -> RaApplication {
        let local = renewals
            .iter()
            .find(|(_, number, _)| *number == status.number);
        RaApplication::of(
            status,
            local.map(|(id, _, _)| *id),
            local.is_some_and(|(_, _, finished)| *finished),
        )
    }

    /// The citizen's certificates at the RA with their revocation status;
    /// revocations the RA reports are recorded on this device too.
    pub async fn ra_certificates(
        &self,
        session: &Session,
    ) -> Result<Vec<RaCertificate>, CabinetError> {
        let list = self.client.certificates(session).await?;
        let known = self.store.certificates()?;
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let mut changed = false;
        let mut out = Vec::with_capacity(list.certificates.len());
        for c in &list.certificates {
            let local = known.iter().find(|k| k.serial == c.serial);
            if c.status == qoltanba_pki::protocol::CertificateStatus::Revoked
                && local.is_some_and(|k| !k.revoked)
            {
                self.store.mark_revoked(&c.serial, now)?;
                changed = true;
            }
            out.push(RaCertificate::of(c, local.is_some()));
        }
        if changed {
            self.events.emit(CabinetEvent::KeysChanged);
        }
        Ok(out)
    }

    /// Revoke certificate `serial` for `reason`; the request is signed by
    /// the key at `signer_location` in `home` (any valid key of the
    /// session's IIN: the lost-password path uses another one).
    #[allow(clippy::too_many_arguments)] // each is the citizen's choice
    pub async fn revoke(
        &self,
        session: &Session,
        home: &mut dyn KeyHome,
        signer_location: &Path,
        serial: &str,
        reason: RevocationReason,
        ui: &mut dyn RenewalUi,
    ) -> Result<Revoked, CabinetError> {
        let revoked = revocation::revoke(
            &self.client,
            session,
            &self.store,
            home,
            signer_location,
            serial,
            reason,
            ui,
        )
        .await?;
        self.events.emit(CabinetEvent::KeysChanged);
        Ok(revoked)
    }

    /// Remember the keys at `locations` in `home` as this device last saw
    /// them (the ID card when tapped, a token when inserted): their
    /// certificates join [`Cabinet::keys`] and the reminders. The keys
    /// remembered.
    pub fn remember_keys(
        &self,
        home: &mut dyn KeyHome,
        locations: &[std::path::PathBuf],
        ui: &mut dyn RenewalUi,
    ) -> Result<Vec<CitizenKey>, CabinetError> {
        let mut serials = Vec::with_capacity(locations.len());
        for location in locations {
            let (_, cert) = home.open_current(location, ui)?;
            self.store
                .remember_certificate(&cert, &home.location_name(location))?;
            serials.push(cert.serial_hex());
        }
        self.events.emit(CabinetEvent::KeysChanged);
        Ok(self
            .keys(OffsetDateTime::now_utc())?
            .into_iter()
            .filter(|k| serials.contains(&k.serial))
            .collect())
    }

    /// What to tell a citizen who lost the password of key `serial`.
    pub fn lost_password(&self, serial: &str) -> Result<LostPassword, CabinetError> {
        let keys = self.keys(OffsetDateTime::now_utc())?;
        revocation::lost_password(&keys, serial)
    }

    /// Sign `content` with the key at `location` in `home`. A key whose
    /// certificate this device knows as revoked signs nothing.
    pub fn sign_document(
        &self,
        home: &mut dyn KeyHome,
        location: &Path,
        content: &[u8],
        attachment: Attachment,
        ui: &mut dyn RenewalUi,
    ) -> Result<Vec<u8>, CabinetError> {
        documents::sign_on_device(&self.store, home, location, content, attachment, ui)
    }

    /// Check a signed document against the `trusted` certificates (DER:
    /// the roots and the CAs under them, e.g. NCA's; with none, the check
    /// says the signer chains to no trusted root).
    pub fn check_document(
        &self,
        signed: &[u8],
        document: Option<&[u8]>,
        trusted: &[Vec<u8>],
    ) -> Result<DocumentCheck, CabinetError> {
        documents::check(signed, document, trusted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tsa::TsaError;
    use qoltanba_l10n::{Locale, Localize, has_message, try_render};
    use qoltanba_pki::tsp::TimestampError;

    /// Every error a cabinet call can give (its own and the documents')
    /// has its words in Kazakh, Russian and English.
    #[test]
    fn every_cabinet_error_has_its_words_in_three_languages() {
        let serial = "4A1B".to_owned();
        let errors = [
            CabinetError::UnknownKey(serial.clone()),
            CabinetError::NotForSigning(serial.clone()),
            CabinetError::NotValidNow(serial.clone()),
            CabinetError::CannotLogIn(serial),
            CabinetError::Internal("x".into()),
            CabinetError::Document(SignedMessageError::Malformed),
            CabinetError::Document(SignedMessageError::Detached),
            CabinetError::Document(SignedMessageError::ContentMissing),
            CabinetError::Document(SignedMessageError::ContentTwice),
            CabinetError::Document(SignedMessageError::SignerCount),
            CabinetError::Document(SignedMessageError::SignerCertificateMissing),
            CabinetError::Document(SignedMessageError::MissingAttribute("messageDigest")),
            CabinetError::Document(SignedMessageError::DigestMismatch),
            CabinetError::Document(SignedMessageError::UnsupportedDigest("1.2".into())),
            CabinetError::Document(SignedMessageError::UnsupportedSignature("1.2".into())),
            CabinetError::Document(SignedMessageError::UnsupportedSigner("dsa".into())),
            CabinetError::Document(SignedMessageError::KeyMismatch),
            CabinetError::Document(SignedMessageError::SigningCertificateMismatch),
            CabinetError::Document(SignedMessageError::DigestAttached),
            CabinetError::Document(SignedMessageError::DigestLength {
                algorithm: "SHA-256",
                expected: 32,
                got: 31,
            }),
            CabinetError::Key(RenewalError::Declined),
        ];
        let timestamp_errors = [
            TimestampError::NotASignature,
            TimestampError::Malformed,
            TimestampError::Rejected {
                status: 2,
                detail: ": bad alg".into(),
            },
            TimestampError::Rejected {
                status: 2,
                detail: String::new(),
            },
            TimestampError::NoToken,
            TimestampError::NonceMismatch,
            TimestampError::ImprintMismatch,
            TimestampError::UnsupportedDigest("1.2".into()),
            TimestampError::BadToken("x".into()),
            TimestampError::NotATimestampAuthority,
        ];
        let tsa_errors = [
            TsaError::BadUrl("ftp://x".into()),
            TsaError::Unreachable("refused".into()),
            TsaError::Timeout,
            TsaError::Http(500),
            TsaError::ContentType("text/html".into()),
            TsaError::TooLarge,
            TsaError::BadRoot,
        ];
        let errors = errors
            .into_iter()
            .chain(
                timestamp_errors
                    .iter()
                    .cloned()
                    .map(|e| CabinetError::Document(SignedMessageError::Timestamp(e))),
            )
            .chain(
                timestamp_errors
                    .clone()
                    .into_iter()
                    .map(|e| CabinetError::Tsa(TsaError::Timestamp(e))),
            )
            .chain(tsa_errors.into_iter().map(CabinetError::Tsa))
            .collect::<Vec<_>>();
        for e in &errors {
            let text = e.text();
            for locale in Locale::ALL {
                assert!(
                    has_message(locale, text.id()),
                    "{} in {locale:?}",
                    text.id()
                );
                try_render(locale, &text)
                    .unwrap_or_else(|err| panic!("{} in {locale:?}: {err:?}", text.id()));
            }
            // English says what Display says.
            assert_eq!(qoltanba_l10n::render(Locale::En, &text), e.to_string());
        }
    }
}
