//! The app state (local database, the RA), the renewal flow, and what the
//! device knows about its keys.
//!
//! The flow itself is the core's [`qoltanba_core::renewal::Renewal`]; each
//! call here drives it until it is done, needs the one-time code, is
//! cancelled, or fails, and answers with where it stands. Every step is
//! committed to the local database before the next side effect, so after any
//! error (a dropped server, a lost card, a cancel, a killed app)
//! [`App::resume`] continues where it stopped.
//!
//! Where a renewal stands is the core's own [`Step`] (`RenewalStep` in
//! Kotlin and Swift: qoltanba-core derives it with feature `uniffi`).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use qoltanba_core::cabinet::{Cabinet, CabinetEvent};
use qoltanba_core::ra::{RaClient, RaConfig};
use qoltanba_core::reminders::{DEFAULT_OFFSETS, due, schedule};
use qoltanba_core::renewal::{
    CardHome, HomeRecord, Outcome, PlatformHome, Renewal, RenewalRequest, RenewalUi, ResumeSecret,
    Review, ReviewAnswer, Step,
};
use qoltanba_core::store::Store;
use qoltanba_pki::cert::{KzCertificate, Purpose};
use qoltanba_pki::keyfile::{NewPassword, Password, import_key_file};
use qoltanba_pki::reissue::StorageKind;
use time::OffsetDateTime;
use zeroize::Zeroizing;

use crate::card::CardSession;
use crate::error::{QoltanbaError, guard, panicked};
use crate::keys::{CertificateInfo, KnownKey};
use crate::live::Live;
use crate::platform::PlatformKeys;
use crate::reminders::{ReminderInfo, ReminderPlan};

/// A certificate the renewal installed.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct NewCertificateInfo {
    pub purpose: Purpose,
    pub serial: String,
    pub not_after: SystemTime,
    pub algorithm: String,
    /// Where its key lives: the new key file's path, or the card slot
    /// (`slot-83-auth`).
    pub location: String,
}

/// The verified result of a finished renewal.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RenewalSummary {
    pub application: i64,
    pub old_serials: Vec<String>,
    pub new_certificates: Vec<NewCertificateInfo>,
}

/// Where a renewal stands after a call.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RenewalState {
    /// Give it to [`App::resume`] and [`App::submit_code`].
    pub renewal_id: i64,
    pub step: Step,
    /// The application whose one-time code (sent by SMS) is awaited.
    pub needs_code: Option<i64>,
    /// With `needs_code`: whether the code was sent, or is still pending
    /// (the RA retries) or failed; say "sent" only for `Sent`. `None` when
    /// the RA does not say (it predates code delivery).
    pub code_delivery: Option<qoltanba_pki::protocol::CodeDelivery>,
    /// Set once the renewal is done.
    pub summary: Option<RenewalSummary>,
    /// What the application will say, for the citizen to confirm
    /// ([`App::confirm_review`]) or decline ([`App::decline_review`])
    /// before any key is made or anything is signed.
    pub review: Option<Review>,
}

/// A renewal of the keys in NCA key files.
#[derive(Clone, uniffi::Record)]
pub struct KeyFileRenewal {
    /// One GOST512_ file, or the AUTH_ and the RSA256_/ECDSA256_ file.
    pub key_files: Vec<String>,
    /// The password of the current key files.
    pub password: String,
    /// The password for the new key files (NCA's rule applies).
    pub new_password: String,
    pub email: String,
    pub locality: String,
    /// Where the new key files go.
    pub new_keys_dir: String,
}

impl std::fmt::Debug for KeyFileRenewal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyFileRenewal")
            .field("key_files", &self.key_files)
            .finish_non_exhaustive()
    }
}

/// A renewal of the keys on the ID card: the new keys are generated on the
/// card and the new certificates installed there.
#[derive(Debug, Clone, uniffi::Record)]
pub struct CardRenewal {
    pub email: String,
    pub locality: String,
    /// Where certificates go that the card cannot store (the kz-idcard).
    pub certificates_dir: String,
}

/// A renewal whose new keys go into the platform keystore. The current
/// keys are NCA key files (the first renewal on this phone) or keys in that
/// keystore (`keystore:qoltanba-sign-…` from [`App::keys`]).
#[derive(Clone, uniffi::Record)]
pub struct KeystoreRenewal {
    /// Key-file paths or `keystore:` locations.
    pub current_keys: Vec<String>,
    /// The key files' password (none when the current keys are in the keystore).
    pub password: Option<String>,
    pub email: String,
    pub locality: String,
}

impl std::fmt::Debug for KeystoreRenewal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeystoreRenewal")
            .field("current_keys", &self.current_keys)
            .finish_non_exhaustive()
    }
}

/// Where a renewal's keys live, as the renewal remembers it, and what its
/// resume needs from the citizen ([`App::renewal_home`]).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RenewalHome {
    /// Resume with the [`KeySource`] of this storage: `FILE` with
    /// `KeyFiles`, `PLATFORM_KEYSTORE` with `Keystore`, `ID_CARD` with
    /// `Card`; another is refused (`InvalidInput`).
    pub storage: StorageKind,
    /// The ID card's profile (`qoltanba-ref-1`, `kz-idcard`), for a card renewal.
    pub card_profile: Option<String>,
    /// What to ask the citizen for, in this order: the CAN only when the
    /// card needs it, a key file password only when the current keys are
    /// key files.
    pub secrets: Vec<ResumeSecret>,
}

/// The keys a resumed renewal works with, asked again because secrets are
/// never stored. Its kind must match where the renewal's keys live
/// ([`App::renewal_home`]).
#[derive(uniffi::Enum)]
pub enum KeySource {
    /// Key files: the current password, and the one for the new files.
    KeyFiles {
        password: String,
        new_password: String,
    },
    /// The ID card, through a session whose PIN is verified.
    Card { session: Arc<CardSession> },
    /// New keys in the platform keystore; `password` for current key files.
    Keystore {
        keystore: Arc<PlatformKeys>,
        password: Option<String>,
    },
}

impl std::fmt::Debug for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::KeyFiles { .. } => "KeySource::KeyFiles(redacted)",
            Self::Card { .. } => "KeySource::Card",
            Self::Keystore { .. } => "KeySource::Keystore(redacted)",
        })
    }
}

/// Progress of a renewal, for the app's screen, and the one question the
/// flow may ask. Called on a background thread; keep it short.
#[uniffi::export(with_foreign)]
pub trait RenewalListener: Send + Sync {
    /// A line for the citizen ("submitting the application").
    fn progress(&self, message: String);
    /// `step` is committed: from here a resume continues.
    fn committed(&self, step: Step);
    /// A yes/no question before something that cannot be undone (the
    /// kz-idcard erasing a key slot). Blocking here to ask the citizen is
    /// fine: the flow runs on a worker thread. `false` stops the renewal
    /// with nothing changed.
    fn confirm(&self, question: String) -> bool;
}

/// Stops a running renewal: [`CancelHandle::cancel`] from any thread, and
/// the renewal ends with `Cancelled` at its next step boundary (or within
/// 200 ms while it waits for issuance), resumable from its last committed
/// step. Cancelling the coroutine or Swift task of the call does the same.
#[derive(Debug, Default, uniffi::Object)]
pub struct CancelHandle {
    cancelled: Arc<AtomicBool>,
    _live: Live,
}

#[uniffi::export]
impl CancelHandle {
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Release);
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Acquire)
    }
}

/// The app's state: the local database and the registration authority.
/// One per app; its calls may run concurrently.
#[derive(uniffi::Object)]
pub struct App {
    pub(crate) store: Arc<Store>,
    pub(crate) client: RaClient,
    /// The cabinet over the same store and RA (bindings/src/cabinet.rs).
    pub(crate) cabinet: Arc<Cabinet>,
    /// Renewals being driven right now: one driver each.
    running: Arc<Mutex<HashSet<i64>>>,
    _live: Live,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("server", &self.client.base_url())
            .finish()
    }
}

/// The secrets and answers one run may need; never stored.
pub(crate) struct Answers {
    password: Option<Password>,
    new_password: Option<NewPassword>,
    code: Option<Zeroizing<String>>,
    /// The application the code was given for.
    answered: Option<i64>,
    /// The citizen's answer to the review; `Later` until the app asks.
    review: ReviewAnswer,
    listener: Option<Arc<dyn RenewalListener>>,
    /// The cabinet's change listeners, told of each committed step of
    /// renewal `renewal_id` (set once the run knows it).
    events: Option<Arc<Cabinet>>,
    renewal_id: Option<i64>,
    /// A step committed before the run knew the renewal's id (a new
    /// renewal's `Started`): told to the listeners once it is known.
    unannounced: Option<Step>,
    cancelled: Arc<AtomicBool>,
    _live: Live,
}

impl Answers {
    fn new(
        keys: Option<(Password, NewPassword)>,
        listener: Option<Arc<dyn RenewalListener>>,
    ) -> Self {
        let (password, new_password) = keys.unzip();
        Self::with(password, new_password, listener)
    }

    pub(crate) fn with(
        password: Option<Password>,
        new_password: Option<NewPassword>,
        listener: Option<Arc<dyn RenewalListener>>,
    ) -> Self {
        Self {
            password,
            new_password,
            code: None,
            answered: None,
            review: ReviewAnswer::Later,
            listener,
            events: None,
            renewal_id: None,
            unannounced: None,
            cancelled: Arc::new(AtomicBool::new(false)),
            _live: Live::new(),
        }
    }

    /// Tell the cabinet's listeners that renewal `renewal_id` committed `step`.
    fn announce(&self, renewal_id: i64, step: Step) {
        if let Some(cabinet) = &self.events {
            cabinet
                .events()
                .emit(CabinetEvent::RenewalStep { renewal_id, step });
        }
    }

    /// The run now knows its renewal: announce what was committed before.
    fn set_renewal(&mut self, renewal_id: i64) {
        self.renewal_id = Some(renewal_id);
        if let Some(step) = self.unannounced.take() {
            self.announce(renewal_id, step);
        }
    }
}

impl RenewalUi for Answers {
    fn current_password(&mut self, _file: &Path) -> Option<Password> {
        self.password.clone()
    }
    fn new_password(&mut self) -> Option<NewPassword> {
        self.new_password.clone()
    }
    fn code(&mut self, number: i64, _sent_to: Option<&str>) -> Option<String> {
        let code = self.code.take()?;
        self.answered = Some(number);
        Some(code.to_string())
    }
    fn review(&mut self, _review: &Review) -> ReviewAnswer {
        self.review
    }
    fn progress(&mut self, message: &qoltanba_l10n::Text) {
        if let Some(l) = &self.listener {
            l.progress(crate::error::say(message));
        }
    }
    fn committed(&mut self, step: Step) {
        if let Some(l) = &self.listener {
            l.committed(step);
        }
        match self.renewal_id {
            Some(renewal_id) => self.announce(renewal_id, step),
            None => self.unannounced = Some(step),
        }
    }
    fn confirm(&mut self, question: &qoltanba_l10n::Text) -> bool {
        self.listener
            .as_ref()
            .is_some_and(|l| l.confirm(crate::error::say(question)))
    }
    fn cancelled(&mut self) -> bool {
        self.cancelled.load(Ordering::Acquire)
    }
}

/// Marks a renewal as driven until dropped.
struct Driving {
    running: Arc<Mutex<HashSet<i64>>>,
    id: i64,
}

impl Driving {
    fn enter(running: &Arc<Mutex<HashSet<i64>>>, id: i64) -> Result<Self, QoltanbaError> {
        if !running.lock().unwrap_or_else(|p| p.into_inner()).insert(id) {
            return Err(QoltanbaError::invalid(format!(
                "renewal {id} is still running; wait for it or cancel it first"
            )));
        }
        Ok(Self {
            running: Arc::clone(running),
            id,
        })
    }
}

impl Drop for Driving {
    fn drop(&mut self) {
        self.running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.id);
    }
}

/// Sets the cancel flag when the call's future is dropped unfinished (the
/// Kotlin coroutine or Swift task was cancelled), so the worker stops too.
struct CancelOnDrop(Option<Arc<AtomicBool>>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(flag) = self.0.take() {
            flag.store(true, Ordering::Release);
        }
    }
}

/// What a driver closure gets: the database, the RA, the running set.
struct Ctx<'a> {
    store: &'a Store,
    client: RaClient,
    running: &'a Arc<Mutex<HashSet<i64>>>,
}

impl App {
    /// Drive a renewal on a blocking thread of the runtime: the core's flow
    /// calls the UI synchronously, and its future borrows the store. A panic
    /// anywhere in it comes back as `Internal`.
    async fn drive<F>(
        &self,
        mut ui: Answers,
        cancel: Option<Arc<CancelHandle>>,
        f: F,
    ) -> Result<RenewalState, QoltanbaError>
    where
        F: FnOnce(Ctx<'_>, &mut Answers) -> Result<RenewalState, QoltanbaError> + Send + 'static,
    {
        if let Some(handle) = cancel {
            ui.cancelled = Arc::clone(&handle.cancelled);
        }
        let mut on_drop = CancelOnDrop(Some(Arc::clone(&ui.cancelled)));
        ui.events = Some(Arc::clone(&self.cabinet));
        let store = Arc::clone(&self.store);
        let client = self.client.clone();
        let running = Arc::clone(&self.running);
        let result = tokio::task::spawn_blocking(move || {
            let ctx = Ctx {
                store: &store,
                client,
                running: &running,
            };
            f(ctx, &mut ui)
        })
        .await
        .unwrap_or_else(|e| match e.try_into_panic() {
            Ok(payload) => Err(panicked(payload)),
            Err(e) => Err(QoltanbaError::internal(e)),
        });
        on_drop.0 = None;
        result
    }

    /// The certificates of this device, for a card home to match its keys.
    pub(crate) fn known_certificates(store: &Store) -> Result<Vec<KzCertificate>, QoltanbaError> {
        Ok(store
            .certificates()?
            .iter()
            .filter_map(|k| KzCertificate::from_der(&k.der).ok())
            .collect())
    }
}

/// Run `renewal` to its end or to the code, on the current runtime.
fn run(
    mut renewal: Renewal<'_>,
    running: &Arc<Mutex<HashSet<i64>>>,
    ui: &mut Answers,
) -> Result<RenewalState, QoltanbaError> {
    let id = renewal.id();
    let _driving = Driving::enter(running, id)?;
    ui.set_renewal(id);
    let handle = tokio::runtime::Handle::current();
    let outcome = handle.block_on(renewal.run(ui))?;
    Ok(match outcome {
        Outcome::Done(summary) => {
            if let Some(cabinet) = &ui.events {
                cabinet.events().emit(CabinetEvent::KeysChanged);
            }
            RenewalState {
                renewal_id: id,
                step: Step::Done,
                needs_code: None,
                code_delivery: None,
                review: None,
                summary: Some(RenewalSummary {
                    application: summary.application,
                    old_serials: summary.old_serials,
                    new_certificates: summary
                        .new
                        .into_iter()
                        .map(|c| NewCertificateInfo {
                            purpose: c.purpose,
                            serial: c.serial,
                            not_after: c.not_after.into(),
                            algorithm: c.algorithm,
                            location: c.file.display().to_string(),
                        })
                        .collect(),
                }),
            }
        }
        Outcome::NeedCode { number, .. } if ui.answered == Some(number) => {
            return Err(QoltanbaError::WrongCode {
                detail: format!(
                    "the registration authority refused the code for application {number}; check the SMS and enter it again"
                ),
            });
        }
        Outcome::NeedCode { number, delivery } => RenewalState {
            renewal_id: id,
            step: renewal.state().step,
            needs_code: Some(number),
            code_delivery: delivery,
            summary: None,
            review: None,
        },
        Outcome::NeedReview(review) => RenewalState {
            renewal_id: id,
            step: renewal.state().step,
            needs_code: None,
            code_delivery: None,
            summary: None,
            review: Some(review),
        },
    })
}

fn key_file_secrets(
    password: String,
    new: String,
) -> Result<(Password, NewPassword), QoltanbaError> {
    let password = Password::from(password);
    Ok((password, NewPassword::new(Password::from(new))?))
}

#[uniffi::export(async_runtime = "tokio")]
impl App {
    /// Open (creating as needed) the local database at `database_path`, and
    /// the RA at `server_url`, trusted through its root certificate (DER)
    /// only.
    #[uniffi::constructor]
    pub fn open(
        database_path: String,
        server_url: String,
        server_root_der: Vec<u8>,
    ) -> Result<Arc<Self>, QoltanbaError> {
        guard(|| {
            let store = Store::open(Path::new(&database_path))?;
            let client = RaClient::new(RaConfig::new(server_url, server_root_der))?;
            let store = Arc::new(store);
            Ok(Arc::new(Self {
                cabinet: Arc::new(Cabinet::new(Arc::clone(&store), client.clone())),
                store,
                client,
                running: Arc::default(),
                _live: Live::new(),
            }))
        })
    }

    /// Start renewing the keys in NCA key files and drive it until it is
    /// done or needs the one-time code (`needs_code`).
    pub async fn start_renewal_with_key_files(
        &self,
        request: KeyFileRenewal,
        cancel: Option<Arc<CancelHandle>>,
        listener: Option<Arc<dyn RenewalListener>>,
    ) -> Result<RenewalState, QoltanbaError> {
        let KeyFileRenewal {
            key_files,
            password,
            new_password,
            email,
            locality,
            new_keys_dir,
        } = request;
        let ui = Answers::new(Some(key_file_secrets(password, new_password)?), listener);
        let request = RenewalRequest {
            key_files: key_files.into_iter().map(PathBuf::from).collect(),
            email,
            locality,
            new_keys_dir: PathBuf::from(new_keys_dir),
        };
        self.drive(ui, cancel, move |ctx, ui| {
            let renewal = Renewal::start(ctx.store, ctx.client, request, ui)?;
            run(renewal, ctx.running, ui)
        })
        .await
    }

    /// Start renewing the keys on the ID card behind `session` (open, PIN
    /// verified) and drive it until it is done or needs the one-time code.
    /// A lost card is `CardLost`: open a new session and [`App::resume`].
    pub async fn start_renewal_with_card(
        &self,
        session: Arc<CardSession>,
        request: CardRenewal,
        cancel: Option<Arc<CancelHandle>>,
        listener: Option<Arc<dyn RenewalListener>>,
    ) -> Result<RenewalState, QoltanbaError> {
        let ui = Answers::new(None, listener);
        let shared = session.shared();
        self.drive(ui, cancel, move |ctx, ui| {
            let known = Self::known_certificates(ctx.store)?;
            let home = CardHome::new(shared, known, &request.certificates_dir);
            home.check_ready()?;
            let request = RenewalRequest {
                key_files: home.current_locations()?,
                email: request.email,
                locality: request.locality,
                new_keys_dir: PathBuf::from(request.certificates_dir),
            };
            let renewal =
                Renewal::start_with_home(ctx.store, ctx.client, Box::new(home), request, ui)?;
            run(renewal, ctx.running, ui)
        })
        .await
    }

    /// Start a renewal whose new keys are generated in `keystore` (and
    /// attested there, on Android), and drive it until it is done or needs
    /// the one-time code.
    pub async fn start_renewal_into_keystore(
        &self,
        keystore: Arc<PlatformKeys>,
        request: KeystoreRenewal,
        cancel: Option<Arc<CancelHandle>>,
        listener: Option<Arc<dyn RenewalListener>>,
    ) -> Result<RenewalState, QoltanbaError> {
        let KeystoreRenewal {
            current_keys,
            password,
            email,
            locality,
        } = request;
        let ui = Answers::with(password.map(Password::from), None, listener);
        let home = PlatformHome::new(keystore.keystore());
        let request = RenewalRequest {
            key_files: current_keys.into_iter().map(PathBuf::from).collect(),
            email,
            locality,
            new_keys_dir: PathBuf::new(),
        };
        self.drive(ui, cancel, move |ctx, ui| {
            let renewal =
                Renewal::start_with_home(ctx.store, ctx.client, Box::new(home), request, ui)?;
            run(renewal, ctx.running, ui)
        })
        .await
    }

    /// Continue renewal `renewal_id` from its last committed step (after an
    /// error, a cancel or a restart), with its keys given again.
    pub async fn resume(
        &self,
        renewal_id: i64,
        keys: KeySource,
        cancel: Option<Arc<CancelHandle>>,
        listener: Option<Arc<dyn RenewalListener>>,
    ) -> Result<RenewalState, QoltanbaError> {
        self.answer(renewal_id, keys, None, None, cancel, listener)
            .await
    }

    /// Give the one-time code of the renewal's application and drive it on
    /// to the end. A refused code is `WrongCode` (ask again).
    pub async fn submit_code(
        &self,
        renewal_id: i64,
        code: String,
        keys: KeySource,
        cancel: Option<Arc<CancelHandle>>,
        listener: Option<Arc<dyn RenewalListener>>,
    ) -> Result<RenewalState, QoltanbaError> {
        let code = Zeroizing::new(code);
        self.answer(renewal_id, keys, Some(code), None, cancel, listener)
            .await
    }

    /// The citizen confirmed the review of renewal `renewal_id`: make the
    /// keys, sign and submit, and drive on until done or the code.
    pub async fn confirm_review(
        &self,
        renewal_id: i64,
        keys: KeySource,
        cancel: Option<Arc<CancelHandle>>,
        listener: Option<Arc<dyn RenewalListener>>,
    ) -> Result<RenewalState, QoltanbaError> {
        self.answer(
            renewal_id,
            keys,
            None,
            Some(ReviewAnswer::Confirm),
            cancel,
            listener,
        )
        .await
    }

    /// The citizen declined the review: renewal `renewal_id` ends, nothing
    /// having been made or signed, and another may start.
    pub fn decline_review(&self, renewal_id: i64) -> Result<(), QoltanbaError> {
        guard(|| Ok(Renewal::decline(&self.store, renewal_id)?))
    }

    /// Where renewal `renewal_id` stands, from the local database (no network).
    pub fn renewal_step(&self, renewal_id: i64) -> Result<Step, QoltanbaError> {
        guard(|| {
            let stored = self
                .store
                .renewal(renewal_id)?
                .ok_or(qoltanba_core::store::StoreError::NoSuchRenewal(renewal_id))?;
            Step::from_name(&stored.step).ok_or_else(|| QoltanbaError::Storage {
                detail: format!("renewal {renewal_id} has an unknown step {}", stored.step),
            })
        })
    }

    /// Where renewal `renewal_id` keeps its keys and which secrets its
    /// resume needs, from the local database (no network): the app asks
    /// for exactly those and builds the matching [`KeySource`], instead of
    /// asking the citizen again where the keys are. `None` for a renewal
    /// recorded by a version that did not remember its home.
    pub fn renewal_home(&self, renewal_id: i64) -> Result<Option<RenewalHome>, QoltanbaError> {
        guard(|| {
            let state = Renewal::load_state(&self.store, renewal_id)?;
            let secrets = state.resume_secrets().unwrap_or_default();
            Ok(state.home.map(|home| RenewalHome {
                storage: home.storage(),
                card_profile: match &home {
                    HomeRecord::IdCard { profile, .. } => Some(profile.clone()),
                    _ => None,
                },
                secrets,
            }))
        })
    }

    /// Unfinished renewals (to offer "continue" after a restart).
    pub fn unfinished_renewals(&self) -> Result<Vec<i64>, QoltanbaError> {
        guard(|| {
            Ok(self
                .store
                .unfinished_renewals()?
                .into_iter()
                .map(|r| r.id)
                .collect())
        })
    }

    /// The keys this device knows (key files it renewed or imported, card
    /// slots), soonest end first, with their certificates' expiry.
    pub fn keys(&self) -> Result<Vec<KnownKey>, QoltanbaError> {
        guard(|| {
            let now = OffsetDateTime::now_utc();
            Ok(self
                .store
                .certificates()?
                .into_iter()
                .filter_map(|k| {
                    let cert = KzCertificate::from_der(&k.der).ok()?;
                    Some(KnownKey {
                        certificate: CertificateInfo::of(&cert, now),
                        location: k.location,
                        replaced: k.replaced,
                    })
                })
                .collect())
        })
    }

    /// The expiry reminders at `now` (the clock when `None`): what to show
    /// now, and the whole set to hand to the OS scheduler (replace what was
    /// scheduled). Call it at start and after every renewal or import.
    pub fn reminders(&self, now: Option<SystemTime>) -> Result<ReminderPlan, QoltanbaError> {
        guard(|| {
            let now = now.map_or_else(OffsetDateTime::now_utc, OffsetDateTime::from);
            let certs = self.store.tracked_certificates()?;
            Ok(ReminderPlan {
                due: due(&certs, now, &DEFAULT_OFFSETS)
                    .iter()
                    .map(ReminderInfo::from)
                    .collect(),
                scheduled: schedule(&certs, now, &DEFAULT_OFFSETS)
                    .iter()
                    .map(ReminderInfo::from)
                    .collect(),
            })
        })
    }

    /// Copy the key file at `path` (opened with `password`, which is
    /// checked) into `into_dir` and remember its key: it then appears in
    /// [`App::keys`] and gets reminders. Never overwrites a file.
    pub fn import_key_file(
        &self,
        path: String,
        password: String,
        into_dir: String,
    ) -> Result<KnownKey, QoltanbaError> {
        let password = Password::from(password);
        guard(|| {
            let imported = import_key_file(Path::new(&path), &password, Path::new(&into_dir))?;
            let cert = KzCertificate::from_der(&imported.certificate).map_err(|e| {
                QoltanbaError::KeyFile {
                    detail: format!("{path}: {e}"),
                }
            })?;
            let location = format!("file:{}", imported.path.display());
            self.store.remember_certificate(&cert, &location)?;
            Ok(KnownKey {
                certificate: CertificateInfo::of(&cert, OffsetDateTime::now_utc()),
                location,
                replaced: false,
            })
        })
    }
}

impl App {
    async fn answer(
        &self,
        renewal_id: i64,
        keys: KeySource,
        code: Option<Zeroizing<String>>,
        review: Option<ReviewAnswer>,
        cancel: Option<Arc<CancelHandle>>,
        listener: Option<Arc<dyn RenewalListener>>,
    ) -> Result<RenewalState, QoltanbaError> {
        /// Where the keys of the resumed renewal live.
        enum Home {
            Files,
            Card(qoltanba_card::keystore::SharedSession),
            Keystore(PlatformHome),
        }
        let (mut ui, home) = match keys {
            KeySource::KeyFiles {
                password,
                new_password,
            } => (
                Answers::new(Some(key_file_secrets(password, new_password)?), listener),
                Home::Files,
            ),
            KeySource::Card { session } => {
                (Answers::new(None, listener), Home::Card(session.shared()))
            }
            KeySource::Keystore { keystore, password } => (
                Answers::with(password.map(Password::from), None, listener),
                Home::Keystore(PlatformHome::new(keystore.keystore())),
            ),
        };
        ui.code = code;
        if let Some(answer) = review {
            ui.review = answer;
        }
        self.drive(ui, cancel, move |ctx, ui| {
            let renewal = match home {
                Home::Files => Renewal::resume(ctx.store, ctx.client, renewal_id)?,
                Home::Card(session) => {
                    let known = Self::known_certificates(ctx.store)?;
                    CardHome::new(Arc::clone(&session), Vec::new(), "").check_ready()?;
                    Renewal::resume_on_card(ctx.store, ctx.client, session, known, renewal_id)?
                }
                Home::Keystore(home) => {
                    Renewal::resume_with_home(ctx.store, ctx.client, Box::new(home), renewal_id)?
                }
            };
            run(renewal, ctx.running, ui)
        })
        .await
    }
}
