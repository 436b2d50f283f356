//! The cabinet for the apps: the citizen's keys with status and actions, the
//! RA's view after logging in, revocation and the lost-password path,
//! documents, push registration and contact settings, change listeners.
//!
//! Every type is the core's own (`qoltanba_core::cabinet`, the pki's
//! protocol types), exported with their `uniffi` feature; this file only
//! opens keys where they live and runs the core's calls off the app's
//! thread.

use std::path::PathBuf;
use std::sync::Arc;

use qoltanba_core::cabinet::{
    CabinetError, CabinetListener, CitizenKey, DocumentCheck, LostPassword, RaApplication,
    RaCertificate,
};
use qoltanba_core::ra::Session;
use qoltanba_core::renewal::{CardHome, FileHome, KeyHome, PlatformHome, parse_location_name};
use qoltanba_pki::keyfile::Password;
use qoltanba_pki::protocol::{
    NewDevice, NotificationPreferences, Profile, ProfileUpdate, RevocationReason,
};
use qoltanba_pki::signed_message::Attachment;
use time::OffsetDateTime;

use crate::app::{Answers, App, KeySource};
use crate::error::{QoltanbaError, guard, panicked, say};
use qoltanba_core::cabinet::{KeyAction, KeyStatus, MenuEntry, MenuItem, NextStep};
use qoltanba_core::renewal::ReviewWarning;
use qoltanba_l10n::Localize;
use qoltanba_pki::reissue::StorageKind;

/// A key's status in the citizen's words (the locale of `set_locale`).
#[uniffi::export]
pub fn key_status_text(status: KeyStatus) -> String {
    say(&status.text())
}

/// A menu section's title.
#[uniffi::export]
pub fn menu_item_text(item: MenuItem) -> String {
    say(&item.text())
}

/// A revocation reason as the citizen picks it.
#[uniffi::export]
pub fn revocation_reason_text(reason: RevocationReason) -> String {
    say(&reason.text())
}

/// A key's purpose (authentication, signing, both).
#[uniffi::export]
pub fn key_purpose_text(purpose: qoltanba_pki::cert::Purpose) -> String {
    say(&purpose.text())
}

/// An action's button words.
#[uniffi::export]
pub fn key_action_text(action: KeyAction) -> String {
    say(&action.text())
}

/// What the citizen does next about an application.
#[uniffi::export]
pub fn next_step_text(step: NextStep) -> String {
    say(&step.text())
}

/// Where keys live, in the citizen's words.
#[uniffi::export]
pub fn storage_text(storage: StorageKind) -> String {
    say(&storage.text())
}

/// A warning of the review before signing.
#[uniffi::export]
pub fn review_warning_text(warning: ReviewWarning) -> String {
    say(&warning.text())
}

/// A login to the RA with one of the citizen's AUTH keys; valid for the
/// RA's session time (15 minutes by default), then log in again.
#[derive(uniffi::Object)]
pub struct RaSession {
    session: Session,
}

impl std::fmt::Debug for RaSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RaSession(redacted)")
    }
}

#[uniffi::export]
impl RaSession {
    /// The IIN the RA logged in.
    pub fn iin(&self) -> String {
        self.session.iin.clone()
    }
}

impl From<CabinetError> for QoltanbaError {
    fn from(e: CabinetError) -> Self {
        let detail = say(&e.text());
        match e {
            CabinetError::Key(e) => e.into(),
            CabinetError::Ra(e) => e.into(),
            CabinetError::Store(e) => e.into(),
            CabinetError::Document(_) => Self::InvalidInput { detail },
            // The apps do not time-stamp yet; a TSA failure reads as bad input.
            CabinetError::Tsa(_) => Self::InvalidInput { detail },
            CabinetError::UnknownKey(_)
            | CabinetError::NotForSigning(_)
            | CabinetError::NotValidNow(_)
            | CabinetError::CannotLogIn(_) => Self::InvalidInput { detail },
            CabinetError::Internal(_) => Self::Internal { detail },
        }
    }
}

/// Run `f` on a blocking worker of the runtime (keys may talk to a card or
/// a keystore; the RA calls run inside through `block_on`); a panic comes
/// back as `Internal`.
async fn on_worker<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, QoltanbaError> + Send + 'static,
) -> Result<T, QoltanbaError> {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| match e.try_into_panic() {
            Ok(payload) => Err(panicked(payload)),
            Err(e) => Err(QoltanbaError::internal(e)),
        })
}

/// The home that opens the key at stored location `location` with `keys`,
/// the home's own location, and the answers (the key file's password).
fn open_home(
    app: &App,
    location: &str,
    keys: KeySource,
) -> Result<(Box<dyn KeyHome>, PathBuf, Answers), QoltanbaError> {
    let (_, path) = parse_location_name(location).ok_or_else(|| {
        QoltanbaError::invalid(format!(
            "{location} is not a key location; use one from the list of keys"
        ))
    })?;
    Ok(match keys {
        KeySource::KeyFiles { password, .. } => (
            Box::new(FileHome::new(PathBuf::new())),
            path,
            Answers::with(Some(Password::from(password)), None, None),
        ),
        KeySource::Card { session } => {
            let known = App::known_certificates(&app.store)?;
            let home = CardHome::new(session.shared(), known, PathBuf::new());
            home.check_ready()?;
            (Box::new(home), path, Answers::with(None, None, None))
        }
        KeySource::Keystore { keystore, password } => (
            Box::new(PlatformHome::new(keystore.keystore())),
            path,
            Answers::with(password.map(Password::from), None, None),
        ),
    })
}

#[uniffi::export(async_runtime = "tokio")]
impl App {
    /// The citizen's keys on this device (key files, keystore, ID card as
    /// last seen, tokens): usable ones first, soonest end first; each with
    /// its status and the actions it allows now.
    pub fn citizen_keys(&self) -> Result<Vec<CitizenKey>, QoltanbaError> {
        guard(|| Ok(self.cabinet.keys(OffsetDateTime::now_utc())?))
    }

    /// The keys a renewal of key `serial` renews together (the key and its
    /// partner of the other purpose in the same storage; the card's keys are
    /// found on the card): their `location`s are the renewal's current keys.
    /// A key that cannot be renewed now is `InvalidInput`.
    pub fn renewal_set(&self, serial: String) -> Result<Vec<CitizenKey>, QoltanbaError> {
        guard(|| {
            Ok(self
                .cabinet
                .renewal_set(&serial, OffsetDateTime::now_utc())?)
        })
    }

    /// The cabinet's menu: every section in the order to draw it (one
    /// screen each), enabled when the citizen's keys allow it now. Draw it
    /// again after a renewal, an import or a revocation.
    pub fn menu(&self) -> Result<Vec<MenuEntry>, QoltanbaError> {
        guard(|| Ok(self.cabinet.menu(OffsetDateTime::now_utc())?))
    }

    /// Remember the keys on the ID card behind `session` (PIN verified) as
    /// this device sees them now: they join [`App::citizen_keys`] and the
    /// reminders. Call it whenever the card is tapped.
    pub async fn remember_card(
        self: Arc<Self>,
        session: Arc<crate::card::CardSession>,
    ) -> Result<Vec<CitizenKey>, QoltanbaError> {
        on_worker(move || {
            let known = App::known_certificates(&self.store)?;
            let mut home = CardHome::new(session.shared(), known, PathBuf::new());
            home.check_ready()?;
            let locations = home.current_locations()?;
            let mut ui = Answers::with(None, None, None);
            Ok(self.cabinet.remember_keys(&mut home, &locations, &mut ui)?)
        })
        .await
    }

    /// Log in to the RA with the AUTH key at `location` (from
    /// [`App::citizen_keys`]), opened with `keys`.
    pub async fn log_in(
        self: Arc<Self>,
        location: String,
        keys: KeySource,
    ) -> Result<Arc<RaSession>, QoltanbaError> {
        on_worker(move || {
            let (mut home, path, mut ui) = open_home(&self, &location, keys)?;
            let handle = tokio::runtime::Handle::current();
            let session = handle.block_on(self.cabinet.log_in(home.as_mut(), &path, &mut ui))?;
            Ok(Arc::new(RaSession { session }))
        })
        .await
    }

    /// The citizen's applications at the RA, newest first, each with what
    /// comes next.
    pub async fn applications(
        &self,
        session: Arc<RaSession>,
    ) -> Result<Vec<RaApplication>, QoltanbaError> {
        Ok(self.cabinet.applications(&session.session).await?)
    }

    /// One of the citizen's applications by its number. An unknown number
    /// and another citizen's application are both `RaRefused` with
    /// problem `no-such-application`.
    pub async fn application(
        &self,
        session: Arc<RaSession>,
        number: i64,
    ) -> Result<RaApplication, QoltanbaError> {
        Ok(self.cabinet.application(&session.session, number).await?)
    }

    /// The citizen's certificates at the RA with revocation status.
    pub async fn ra_certificates(
        &self,
        session: Arc<RaSession>,
    ) -> Result<Vec<RaCertificate>, QoltanbaError> {
        Ok(self.cabinet.ra_certificates(&session.session).await?)
    }

    /// Revoke certificate `serial` for `reason`, the request signed by the
    /// key at `signer_location` opened with `keys` (any valid key of the
    /// session's IIN: for a lost password, another AUTH key).
    pub async fn revoke(
        self: Arc<Self>,
        session: Arc<RaSession>,
        serial: String,
        reason: RevocationReason,
        signer_location: String,
        keys: KeySource,
    ) -> Result<String, QoltanbaError> {
        on_worker(move || {
            let (mut home, path, mut ui) = open_home(&self, &signer_location, keys)?;
            let handle = tokio::runtime::Handle::current();
            let revoked = handle.block_on(self.cabinet.revoke(
                &session.session,
                home.as_mut(),
                &path,
                &serial,
                reason,
                &mut ui,
            ))?;
            Ok(revoked.revoked_at)
        })
        .await
    }

    /// The reasons a citizen chooses from when revoking.
    pub fn revocation_reasons(&self) -> Vec<RevocationReason> {
        RevocationReason::CITIZEN.to_vec()
    }

    /// What to tell a citizen who lost the password of key `serial`: it
    /// cannot be recovered; which other keys can log in and revoke it, or
    /// that a service centre is the way.
    pub fn lost_password(&self, serial: String) -> Result<LostPassword, QoltanbaError> {
        guard(|| Ok(self.cabinet.lost_password(&serial)?))
    }

    /// Sign `content` with the key at `location` (a SIGN key), opened with
    /// `keys`; DER CMS, the content attached or detached.
    pub async fn sign_document(
        self: Arc<Self>,
        location: String,
        keys: KeySource,
        content: Vec<u8>,
        attachment: Attachment,
    ) -> Result<Vec<u8>, QoltanbaError> {
        on_worker(move || {
            let (mut home, path, mut ui) = open_home(&self, &location, keys)?;
            Ok(self
                .cabinet
                .sign_document(home.as_mut(), &path, &content, attachment, &mut ui)?)
        })
        .await
    }

    /// Check a signed document (`document`: the content of a detached
    /// signature) against `trusted` (DER certificates: the roots and the
    /// CAs under them, e.g. NCA's root and issuing CAs). A signature that
    /// does not verify (a changed document) is `InvalidInput`.
    /// The parameter is `signed_data`, not `signed`: the generated C header
    /// (Swift's QoltanbaFFI) would not compile with a C keyword in it.
    pub fn check_document(
        &self,
        signed_data: Vec<u8>,
        document: Option<Vec<u8>>,
        trusted: Vec<Vec<u8>>,
    ) -> Result<DocumentCheck, QoltanbaError> {
        guard(|| {
            Ok(self
                .cabinet
                .check_document(&signed_data, document.as_deref(), &trusted)?)
        })
    }

    /// Register this device's push token (FCM or APNs) with the RA, for
    /// expiry notices in `locale` (BCP 47); the device's id at the RA.
    pub async fn register_device(
        &self,
        session: Arc<RaSession>,
        platform: String,
        token: String,
        locale: String,
    ) -> Result<i64, QoltanbaError> {
        let device = NewDevice {
            platform,
            token,
            locale,
        };
        let created = self
            .client
            .register_device(&session.session, &device)
            .await?;
        Ok(created.id)
    }

    /// Stop push notices to device `device_id`.
    pub async fn unregister_device(
        &self,
        session: Arc<RaSession>,
        device_id: i64,
    ) -> Result<(), QoltanbaError> {
        Ok(self
            .client
            .remove_device(&session.session, device_id)
            .await?)
    }

    /// The citizen's contact settings on the RA: the e-mail notices go to,
    /// and which channels (e-mail, SMS, push) they want.
    pub async fn profile(&self, session: Arc<RaSession>) -> Result<Profile, QoltanbaError> {
        Ok(self.client.profile(&session.session).await?)
    }

    /// Change the contact e-mail (`None` keeps the registration centre's)
    /// and the notice channels.
    pub async fn set_profile(
        &self,
        session: Arc<RaSession>,
        contact_email: Option<String>,
        notifications: NotificationPreferences,
    ) -> Result<Profile, QoltanbaError> {
        let update = ProfileUpdate {
            contact_email,
            notifications,
        };
        Ok(self.client.set_profile(&session.session, &update).await?)
    }

    /// Be told when what a screen shows changes; the id for
    /// [`App::remove_listener`].
    pub fn add_listener(&self, listener: Arc<dyn CabinetListener>) -> u64 {
        self.cabinet.events().add(listener)
    }

    /// Whether a listener was registered under `id` (it is removed).
    pub fn remove_listener(&self, id: u64) -> bool {
        self.cabinet.events().remove(id)
    }
}
