//! The renewal flow: a resumable state machine the UIs drive.
//!
//! The steps mirror NCA's online renewal (the seed guide): log in with the
//! AUTH key → list the certificates → prefill the application from the
//! current certificate → the citizen's details → generate the new keys in
//! their home → CSRs and the application signed with the current SIGN key →
//! submit → the one-time code → wait for issuance → install → verify.
//!
//! Crash safety: the state is committed to the local store after every step,
//! before the next side effect, and everything a later step needs is in it:
//! the new keys are in their key files (encrypted) before the application is
//! signed, the signed application and its Idempotency-Key are stored before it
//! is submitted, so a resumed submit returns the same application. Secrets are
//! never stored; the UI is asked for them again on resume.

use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

mod card_home;
mod platform_home;

pub use card_home::CardHome;
pub use platform_home::PlatformHome;

use crate::ra::{RaClient, RaError, Ready, Session};
use crate::store::{Store, StoreError};
use qoltanba_card::keystore::SharedSession;
use qoltanba_pki::cert::{KzCertificate, Purpose, TrustAnchors, validate};
use qoltanba_pki::crypto::{KeySpec, PublicKeyAlgorithm, SignError, Signer, SoftwareKey, generate};
use qoltanba_pki::keyfile::{
    KeyFile, KeyFileError, KeyFileKind, NewPassword, Password, Profile, file_name, key_id, replace,
    save_new,
};
use qoltanba_pki::reissue::{
    ApplicationDetails, NewKeyEntry, ReissueError, StorageKind, build_attested_application,
};
use qoltanba_pki::signed_message::{SignedMessageError, sign_message};

/// How far a renewal got. Each is committed before the next side effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum), uniffi(name = "RenewalStep"))]
pub enum Step {
    /// Recorded; nothing done yet.
    Started,
    /// The new keys are in their home (key files written, encrypted).
    KeysGenerated,
    /// The application is signed and stored with its Idempotency-Key.
    Signed,
    /// The RA has the application; the one-time code is awaited.
    Submitted,
    /// The code was accepted; issuance is awaited.
    Confirmed,
    /// The new certificates are downloaded and stored.
    Issued,
    /// The certificates are in the key files and verified.
    Installed,
    /// Finished.
    Done,
    /// Ended without new certificates (the reason is in the state).
    Failed,
}

impl Step {
    pub fn name(self) -> &'static str {
        match self {
            Self::Started => "started",
            Self::KeysGenerated => "keys_generated",
            Self::Signed => "signed",
            Self::Submitted => "submitted",
            Self::Confirmed => "confirmed",
            Self::Issued => "issued",
            Self::Installed => "installed",
            Self::Done => "done",
            Self::Failed => "failed",
        }
    }
}

/// What the citizen chose for the new certificates.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RenewalRequest {
    /// The current key files: one GOST512_ file, or AUTH_… and RSA256_/ECDSA256_ files.
    pub key_files: Vec<PathBuf>,
    pub email: String,
    pub locality: String,
    /// Where the new key files go.
    pub new_keys_dir: PathBuf,
}

/// A new key and its file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct NewKey {
    pub purpose: Purpose,
    pub file: PathBuf,
    /// The issued certificate's serial, once installed.
    pub serial: Option<String>,
}

/// Everything a renewal remembers (no secrets).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RenewalState {
    pub step: Step,
    pub request: RenewalRequest,
    pub auth_file: PathBuf,
    pub sign_file: PathBuf,
    pub old_serials: Vec<String>,
    pub algorithm: String,
    pub new_keys: Vec<NewKey>,
    pub idempotency_key: Option<String>,
    /// application.p7s, base64.
    pub application: Option<String>,
    pub number: Option<i64>,
    /// Issued certificates (DER, base64) per purpose with their chains (PEM).
    pub issued: Vec<(Purpose, String, Vec<String>)>,
    pub failure: Option<String>,
}

/// What the flow needs from the person in front of it. The CLI prompts or
/// reads files; the apps show screens. `committed` is told after every
/// commit (progress, and the tests' crash hook).
pub trait RenewalUi {
    /// The password of a current key file.
    fn current_password(&mut self, file: &Path) -> Option<Password>;
    /// The password for the new key files (asked once per run).
    fn new_password(&mut self) -> Option<NewPassword>;
    /// The one-time code sent to `sent_to`; `None` pauses the renewal.
    fn code(&mut self, number: i64, sent_to: Option<&str>) -> Option<String>;
    /// A line of progress.
    fn progress(&mut self, message: &str);
    /// `step` was committed.
    fn committed(&mut self, _step: Step) {}
    /// A yes/no question before something that cannot be undone (the ID
    /// card erasing a key slot). Unanswered means no.
    fn confirm(&mut self, _question: &str) -> bool {
        false
    }
    /// Whether the person asked to stop. Asked before every step and while
    /// waiting for issuance; the run then ends with
    /// [`RenewalError::Cancelled`] at its last committed step, so a resume
    /// continues from there.
    fn cancelled(&mut self) -> bool {
        false
    }
}

/// Why a renewal stopped.
#[derive(Debug, thiserror::Error)]
pub enum RenewalError {
    #[error("the key file {0} cannot be used: {1}")]
    KeyFile(PathBuf, KeyFileError),
    #[error("the key file {0} holds no certificate; use the key files NCA issued")]
    NoCertificate(PathBuf),
    #[error("give the current key files: one GOST512_ file, or the AUTH_ and the SIGN file")]
    WhichKeys,
    #[error("{0}")]
    Key(String),
    #[error("a password is needed and none was given")]
    NoPassword,
    /// A renewal on the ID card was asked for before its PIN was verified.
    #[error("the ID card's PIN is not verified in this session; verify it, then start the renewal")]
    PinNotVerified,
    /// The ID card left the field or stopped answering; resuming continues.
    #[error("the ID card: {0}; resume the renewal to continue")]
    CardLost(String),
    /// A keystore key needs the device unlocked (fingerprint, face or
    /// passcode); after the unlock, resuming continues.
    #[error("unlock the phone (fingerprint, face or passcode), then resume the renewal")]
    UserNotAuthenticated,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Ra(#[from] RaError),
    #[error("the application cannot be built: {0}")]
    Application(String),
    #[error("the issued certificate does not check out: {0}; nothing was installed")]
    BadIssue(String),
    #[error("the renewal ended without new certificates: {0}; start a new one")]
    Failed(String),
    #[error("the stored renewal is unreadable ({0}); start a new one")]
    Corrupt(String),
    /// Stopped on request ([`RenewalUi::cancelled`]) after committing `step`.
    #[error("the renewal was stopped after step {0}; resume it to continue")]
    Cancelled(&'static str),
}

/// A key that could not sign: a card that left the field and a keystore
/// waiting for the unlock keep their kind (resuming continues after the tap
/// or the unlock); anything else is the key's failure.
fn signing_error(e: SignError) -> RenewalError {
    match e {
        SignError::DeviceLost(why) => RenewalError::CardLost(why),
        SignError::UserNotAuthenticated => RenewalError::UserNotAuthenticated,
        e => RenewalError::Key(e.to_string()),
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Renewed; the summary.
    Done(Summary),
    /// Waiting for the one-time code of application `number`.
    NeedCode { number: i64 },
}

/// The verified result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub renewal: i64,
    pub application: i64,
    pub old_serials: Vec<String>,
    pub new: Vec<NewCertificate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewCertificate {
    pub purpose: Purpose,
    pub serial: String,
    pub not_before: String,
    pub not_after: String,
    pub algorithm: String,
    pub file: PathBuf,
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn serial(cert: &KzCertificate) -> String {
    hex::encode_upper(cert.inner().tbs_certificate().serial_number().as_bytes())
}

fn random_key() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the OS random number generator works");
    hex::encode(bytes)
}

/// A current key's location and certificate. The key itself is opened
/// again whenever it signs (the password is asked then), so no private key
/// outlives the step that uses it.
struct Current {
    location: PathBuf,
    cert: KzCertificate,
}

/// Where keys live, as the flow needs it: the current keys (opened to log in
/// and sign), and the new ones (made and persisted before the application
/// is signed, later given their certificates). NCA key files are
/// [`FileHome`]; the platform keystore and the ID card implement the same
/// trait. A location is what the home uses to find a key again after a
/// restart (a path for key files, an alias or key reference elsewhere).
pub trait KeyHome: Send {
    /// How the application names this home.
    fn storage(&self) -> StorageKind;
    /// A current key and its certificate.
    fn open_current(
        &mut self,
        location: &Path,
        ui: &mut dyn RenewalUi,
    ) -> Result<(Box<dyn Signer>, KzCertificate), RenewalError>;
    /// Make and persist a new key; its location.
    fn create(
        &mut self,
        spec: KeySpec,
        purpose: Purpose,
        ui: &mut dyn RenewalUi,
    ) -> Result<PathBuf, RenewalError>;
    /// A new key made by [`KeyHome::create`], possibly in an earlier run.
    fn open_new(
        &mut self,
        location: &Path,
        ui: &mut dyn RenewalUi,
    ) -> Result<Box<dyn Signer>, RenewalError>;
    /// Bind the issued certificate and its chain to the new key. The flow has
    /// already checked that they belong to it and chain to the RA's root.
    fn install(
        &mut self,
        location: &Path,
        cert: &KzCertificate,
        chain: &[KzCertificate],
        ui: &mut dyn RenewalUi,
    ) -> Result<(), RenewalError>;
    /// [`KeyHome::create`] with the challenge a platform binds into the new
    /// key's attestation (the login challenge of the session); homes
    /// without attestation ignore it.
    fn create_attested(
        &mut self,
        spec: KeySpec,
        purpose: Purpose,
        _challenge: &[u8],
        ui: &mut dyn RenewalUi,
    ) -> Result<PathBuf, RenewalError> {
        self.create(spec, purpose, ui)
    }
    /// The platform's attestation chain for a new key (leaf first), carried
    /// in the application; empty where there is none.
    fn attestation(&mut self, _location: &Path) -> Result<Vec<Vec<u8>>, RenewalError> {
        Ok(Vec::new())
    }
    /// How the device store records a key's location (`file:/path`,
    /// `card:slot-83-auth`, `keystore:qoltanba-sign-…`).
    fn location_name(&self, location: &Path) -> String {
        let scheme = match self.storage() {
            StorageKind::File => "file",
            StorageKind::PlatformKeystore => "keystore",
            StorageKind::IdCard => "card",
            StorageKind::Token => "token",
        };
        format!("{scheme}:{}", location.display())
    }
}

/// NCA key files: current keys are read from their files; new keys go into
/// new files (NCA profile, named as NCA names them) in `new_keys_dir`,
/// encrypted under the new password, and get their certificates later.
pub struct FileHome {
    new_keys_dir: PathBuf,
    new_password: Option<NewPassword>,
}

impl FileHome {
    pub fn new(new_keys_dir: impl Into<PathBuf>) -> Self {
        Self {
            new_keys_dir: new_keys_dir.into(),
            new_password: None,
        }
    }

    fn new_password(&mut self, ui: &mut dyn RenewalUi) -> Result<NewPassword, RenewalError> {
        if let Some(p) = &self.new_password {
            return Ok(p.clone());
        }
        let p = ui.new_password().ok_or(RenewalError::NoPassword)?;
        self.new_password = Some(p.clone());
        Ok(p)
    }
}

impl KeyHome for FileHome {
    fn storage(&self) -> StorageKind {
        StorageKind::File
    }

    fn open_current(
        &mut self,
        path: &Path,
        ui: &mut dyn RenewalUi,
    ) -> Result<(Box<dyn Signer>, KzCertificate), RenewalError> {
        let password = ui.current_password(path).ok_or(RenewalError::NoPassword)?;
        let file =
            KeyFile::open(path, &password).map_err(|e| RenewalError::KeyFile(path.into(), e))?;
        let cert_der = file
            .certificate_der()
            .ok_or_else(|| RenewalError::NoCertificate(path.into()))?;
        let cert = KzCertificate::from_der(cert_der)
            .map_err(|e| RenewalError::Key(format!("{}: {e}", path.display())))?;
        let key = SoftwareKey::from_pkcs8_der(file.private_key_pkcs8())
            .map_err(|e| RenewalError::Key(format!("{}: {e}", path.display())))?;
        Ok((Box::new(key), cert))
    }

    fn create(
        &mut self,
        spec: KeySpec,
        purpose: Purpose,
        ui: &mut dyn RenewalUi,
    ) -> Result<PathBuf, RenewalError> {
        let password = self.new_password(ui)?;
        let dir = self.new_keys_dir.clone();
        std::fs::create_dir_all(&dir)
            .map_err(|e| RenewalError::Key(format!("{}: {e}", dir.display())))?;
        let key = generate(spec).map_err(|e| RenewalError::Key(e.to_string()))?;
        let id = key_id(key.public_key());
        let kind = KeyFileKind::for_key(&key.key_algorithm(), purpose)
            .ok_or_else(|| RenewalError::Key("no key file kind".into()))?;
        let bytes = KeyFile::new(key.pkcs8_der(), None, &id)
            .to_bytes(Profile::Nca, &password)
            .map_err(|e| RenewalError::KeyFile(dir.clone(), e))?;
        save_new(&dir, &file_name(kind, &id), &bytes)
            .map_err(|e| RenewalError::KeyFile(dir.clone(), e))
    }

    fn open_new(
        &mut self,
        path: &Path,
        ui: &mut dyn RenewalUi,
    ) -> Result<Box<dyn Signer>, RenewalError> {
        let password = self.new_password(ui)?;
        let file = KeyFile::open(path, password.as_password())
            .map_err(|e| RenewalError::KeyFile(path.into(), e))?;
        let key = SoftwareKey::from_pkcs8_der(file.private_key_pkcs8())
            .map_err(|e| RenewalError::Key(e.to_string()))?;
        Ok(Box::new(key))
    }

    fn install(
        &mut self,
        path: &Path,
        cert: &KzCertificate,
        chain: &[KzCertificate],
        ui: &mut dyn RenewalUi,
    ) -> Result<(), RenewalError> {
        let password = self.new_password(ui)?;
        let mut file = KeyFile::open(path, password.as_password())
            .map_err(|e| RenewalError::KeyFile(path.into(), e))?;
        file.set_certificate(cert.der().to_vec());
        file.set_chain(chain.iter().map(|c| c.der().to_vec()).collect());
        let bytes = file
            .to_bytes(file.profile(), &password)
            .map_err(|e| RenewalError::KeyFile(path.into(), e))?;
        replace(path, &bytes).map_err(|e| RenewalError::KeyFile(path.into(), e))
    }
}

/// A new key, opened for signing its CSR.
type NewSigner = (Purpose, Box<dyn Signer>);

/// How the store names where a key lives, e.g. `file:/path/GOST512_….p12`.
fn location_name(home: &dyn KeyHome, location: &Path) -> String {
    home.location_name(location)
}

/// The algorithm a renewal keeps: the current key's.
fn same_kind(algorithm: &PublicKeyAlgorithm) -> KeySpec {
    match algorithm {
        PublicKeyAlgorithm::Gost2015 { .. } => KeySpec::Gost512,
        PublicKeyAlgorithm::EcP256 => KeySpec::P256,
        PublicKeyAlgorithm::Rsa { bits } if *bits >= 3072 => KeySpec::Rsa3072,
        _ => KeySpec::Rsa2048,
    }
}

/// The committed state of renewal `id`.
fn stored_state(store: &Store, id: i64) -> Result<RenewalState, RenewalError> {
    let stored = store.renewal(id)?.ok_or(StoreError::NoSuchRenewal(id))?;
    serde_json::from_str(&stored.state).map_err(|e| RenewalError::Corrupt(e.to_string()))
}

/// One renewal, driven to its end (or to the code) by [`Renewal::run`].
pub struct Renewal<'a> {
    store: &'a Store,
    client: RaClient,
    id: i64,
    state: RenewalState,
    session: Option<Session>,
    /// The challenge the session logged in with: bound into new keys'
    /// attestation, so the RA can tell they were made for this citizen now.
    login_challenge: Option<Vec<u8>>,
    home: Box<dyn KeyHome + 'a>,
}

impl<'a> Renewal<'a> {
    /// Record a new renewal of the key files in `request.key_files`, the
    /// new keys going into files in `request.new_keys_dir`.
    pub fn start(
        store: &'a Store,
        client: RaClient,
        request: RenewalRequest,
        ui: &mut dyn RenewalUi,
    ) -> Result<Self, RenewalError> {
        let home = Box::new(FileHome::new(request.new_keys_dir.clone()));
        Self::start_with_home(store, client, home, request, ui)
    }

    /// Record a new renewal with the keys in `home` (key files, the platform
    /// keystore, the ID card).
    pub fn start_with_home(
        store: &'a Store,
        client: RaClient,
        mut home: Box<dyn KeyHome + 'a>,
        request: RenewalRequest,
        ui: &mut dyn RenewalUi,
    ) -> Result<Self, RenewalError> {
        let mut currents = Vec::new();
        for location in &request.key_files {
            // Opening checks the password now, not halfway through.
            let (_key, cert) = home.open_current(location, ui)?;
            currents.push(Current {
                location: location.clone(),
                cert,
            });
        }
        let auth = currents
            .iter()
            .find(|c| c.cert.purpose().can_auth())
            .ok_or(RenewalError::WhichKeys)?;
        let sign = currents
            .iter()
            .find(|c| c.cert.purpose().can_sign())
            .ok_or(RenewalError::WhichKeys)?;
        for c in &currents {
            store.remember_certificate(&c.cert, &location_name(home.as_ref(), &c.location))?;
        }
        let state = RenewalState {
            step: Step::Started,
            auth_file: auth.location.clone(),
            sign_file: sign.location.clone(),
            old_serials: currents.iter().map(|c| serial(&c.cert)).collect(),
            algorithm: same_kind(&sign.cert.key_algorithm()).name().to_string(),
            request,
            new_keys: Vec::new(),
            idempotency_key: None,
            application: None,
            number: None,
            issued: Vec::new(),
            failure: None,
        };
        let json =
            serde_json::to_string(&state).map_err(|e| RenewalError::Corrupt(e.to_string()))?;
        let id = store.create_renewal(&serial(&sign.cert), Step::Started.name(), &json)?;
        ui.committed(Step::Started);
        Ok(Self {
            store,
            client,
            id,
            state,
            session: None,
            login_challenge: None,
            home,
        })
    }

    /// Continue renewal `id` (of key files) from its last committed step.
    pub fn resume(store: &'a Store, client: RaClient, id: i64) -> Result<Self, RenewalError> {
        let state = stored_state(store, id)?;
        let home = Box::new(FileHome::new(state.request.new_keys_dir.clone()));
        Self::resume_with_home(store, client, home, id)
    }

    /// Continue renewal `id` with the keys on the ID card behind `session`
    /// (PIN verified); certificates the card cannot store go where the
    /// renewal's start put them.
    pub fn resume_on_card(
        store: &'a Store,
        client: RaClient,
        session: SharedSession,
        known: Vec<KzCertificate>,
        id: i64,
    ) -> Result<Self, RenewalError> {
        let state = stored_state(store, id)?;
        let home = Box::new(CardHome::new(session, known, state.request.new_keys_dir));
        Self::resume_with_home(store, client, home, id)
    }

    /// Continue renewal `id` with the keys in `home`.
    pub fn resume_with_home(
        store: &'a Store,
        client: RaClient,
        home: Box<dyn KeyHome + 'a>,
        id: i64,
    ) -> Result<Self, RenewalError> {
        let state = stored_state(store, id)?;
        if let Some(why) = &state.failure {
            return Err(RenewalError::Failed(why.clone()));
        }
        Ok(Self {
            store,
            client,
            id,
            state,
            session: None,
            login_challenge: None,
            home,
        })
    }

    pub fn id(&self) -> i64 {
        self.id
    }

    pub fn state(&self) -> &RenewalState {
        &self.state
    }

    fn commit(&mut self, step: Step, ui: &mut dyn RenewalUi) -> Result<(), RenewalError> {
        self.state.step = step;
        let json =
            serde_json::to_string(&self.state).map_err(|e| RenewalError::Corrupt(e.to_string()))?;
        let finished = matches!(step, Step::Done | Step::Failed);
        self.store
            .save_renewal(self.id, step.name(), &json, finished)?;
        ui.committed(step);
        Ok(())
    }

    fn fail(&mut self, why: String, ui: &mut dyn RenewalUi) -> RenewalError {
        self.state.failure = Some(why.clone());
        if let Err(e) = self.commit(Step::Failed, ui) {
            return e;
        }
        RenewalError::Failed(why)
    }

    async fn session(&mut self, ui: &mut dyn RenewalUi) -> Result<Session, RenewalError> {
        if let Some(s) = &self.session {
            return Ok(s.clone());
        }
        ui.progress("logging in with the AUTH key");
        let (auth_key, auth_cert) = self.home.open_current(&self.state.auth_file.clone(), ui)?;
        let challenge = self.client.challenge().await?;
        self.login_challenge = Some(challenge.nonce.as_bytes().to_vec());
        let signed = sign_message(
            challenge.nonce.as_bytes(),
            auth_key.as_ref(),
            &auth_cert,
            OffsetDateTime::now_utc(),
        )
        .map_err(|e| match e {
            SignedMessageError::Sign(e) => signing_error(e),
            e => RenewalError::Key(e.to_string()),
        })?;
        let session = self.client.login(signed).await?;
        self.session = Some(session.clone());
        Ok(session)
    }

    fn open_new_keys(&mut self, ui: &mut dyn RenewalUi) -> Result<Vec<NewSigner>, RenewalError> {
        let keys = self.state.new_keys.clone();
        keys.iter()
            .map(|k| Ok((k.purpose, self.home.open_new(&k.file, ui)?)))
            .collect()
    }

    /// Drive the renewal until it is done or needs the one-time code.
    pub async fn run(&mut self, ui: &mut dyn RenewalUi) -> Result<Outcome, RenewalError> {
        loop {
            let step = self.state.step;
            if !matches!(step, Step::Done | Step::Failed) && ui.cancelled() {
                return Err(RenewalError::Cancelled(step.name()));
            }
            match step {
                Step::Started => self.generate_keys(ui).await?,
                Step::KeysGenerated => self.sign(ui)?,
                Step::Signed => self.submit(ui).await?,
                Step::Submitted => {
                    if let Some(outcome) = self.confirm(ui).await? {
                        return Ok(outcome);
                    }
                }
                Step::Confirmed => self.wait_for_issuance(ui).await?,
                Step::Issued => self.install(ui)?,
                Step::Installed => {
                    self.commit(Step::Done, ui)?;
                }
                Step::Done => return Ok(Outcome::Done(self.summary()?)),
                Step::Failed => {
                    return Err(RenewalError::Failed(
                        self.state.failure.clone().unwrap_or_default(),
                    ));
                }
            }
        }
    }

    async fn generate_keys(&mut self, ui: &mut dyn RenewalUi) -> Result<(), RenewalError> {
        // The RA's view first: is the SIGN certificate still good there?
        let session = self.session(ui).await?;
        ui.progress("reading your certificates from the registration authority");
        let list = self.client.certificates(&session).await?;
        for c in &list.certificates {
            if self.state.old_serials.contains(&c.serial) && c.status == "revoked" {
                return Err(self.fail(
                    format!(
                        "certificate {} is revoked; re-enrol at a service centre",
                        c.serial
                    ),
                    ui,
                ));
            }
        }
        let spec: KeySpec = self
            .state
            .algorithm
            .parse()
            .map_err(|e: String| RenewalError::Corrupt(e))?;
        let purposes: &[Purpose] = match spec {
            KeySpec::Gost512 => &[Purpose::Both],
            _ => &[Purpose::Auth, Purpose::Sign],
        };
        let mut new_keys = Vec::new();
        for purpose in purposes {
            ui.progress(&format!(
                "generating the new {} key ({})",
                purpose,
                spec.name()
            ));
            let challenge = self.login_challenge.clone().unwrap_or_default();
            let file = self.home.create_attested(spec, *purpose, &challenge, ui)?;
            new_keys.push(NewKey {
                purpose: *purpose,
                file,
                serial: None,
            });
        }
        self.state.new_keys = new_keys;
        self.commit(Step::KeysGenerated, ui)
    }

    fn sign(&mut self, ui: &mut dyn RenewalUi) -> Result<(), RenewalError> {
        ui.progress("signing the application with the current SIGN key");
        let (sign_key, sign_cert) = self.home.open_current(&self.state.sign_file.clone(), ui)?;
        let new = self.open_new_keys(ui)?;
        let mut attestations = Vec::with_capacity(new.len());
        for key in self.state.new_keys.clone() {
            attestations.push(self.home.attestation(&key.file)?);
        }
        let requests: Vec<NewKeyEntry<'_>> = new
            .iter()
            .zip(&attestations)
            .map(|((purpose, key), attestation)| NewKeyEntry {
                purpose: *purpose,
                key: key.as_ref(),
                attestation,
            })
            .collect();
        let details = ApplicationDetails {
            email: self.state.request.email.clone(),
            locality: self.state.request.locality.clone(),
            storage: self.home.storage(),
        };
        let signed = build_attested_application(
            &sign_cert,
            sign_key.as_ref(),
            &requests,
            &details,
            OffsetDateTime::now_utc(),
        )
        .map_err(|e| match e {
            ReissueError::Sign(e) => signing_error(e),
            e => RenewalError::Application(e.to_string()),
        })?;
        self.state.application = Some(B64.encode(&signed.p7s_der));
        self.state.idempotency_key = Some(random_key());
        self.commit(Step::Signed, ui)
    }

    async fn submit(&mut self, ui: &mut dyn RenewalUi) -> Result<(), RenewalError> {
        ui.progress("submitting the application");
        let session = self.session(ui).await?;
        let p7s = B64
            .decode(self.state.application.as_deref().unwrap_or_default())
            .map_err(|e| RenewalError::Corrupt(e.to_string()))?;
        let key = self.state.idempotency_key.clone().unwrap_or_default();
        let submitted = self.client.submit(&session, p7s, &key).await?;
        ui.progress(&format!("application {} accepted", submitted.number));
        self.state.number = Some(submitted.number);
        self.commit(Step::Submitted, ui)
    }

    async fn confirm(&mut self, ui: &mut dyn RenewalUi) -> Result<Option<Outcome>, RenewalError> {
        let number = self.state.number.unwrap_or_default();
        let session = self.session(ui).await?;
        // A confirm whose answer was lost (or a resumed run): the status tells.
        match self.client.status(&session, number).await? {
            Ready::Now(s) if s.state == "awaiting_code" => {}
            Ready::Now(s) if s.state == "locked" => {
                return Err(self.fail(
                    format!("application {number} is locked after too many wrong codes"),
                    ui,
                ));
            }
            _ => {
                self.commit(Step::Confirmed, ui)?;
                return Ok(None);
            }
        }
        loop {
            let Some(code) = ui.code(number, None) else {
                return Ok(Some(Outcome::NeedCode { number }));
            };
            let code = zeroize::Zeroizing::new(code);
            match self.client.confirm(&session, number, code.trim()).await {
                Ok(_) => {
                    ui.progress("code accepted");
                    self.commit(Step::Confirmed, ui)?;
                    return Ok(None);
                }
                Err(RaError::Refused {
                    code: c, detail, ..
                }) if c == "wrong-code" => {
                    ui.progress(&detail);
                }
                Err(RaError::Refused { code: c, .. }) if c == "code-expired" => {
                    // Sign and submit a fresh application for a new code.
                    ui.progress("the code expired; submitting the application again");
                    self.state.number = None;
                    self.commit(Step::KeysGenerated, ui)?;
                    return Ok(None);
                }
                Err(RaError::Refused {
                    code: c, detail, ..
                }) if c == "application-locked" => {
                    return Err(self.fail(detail, ui));
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    async fn wait_for_issuance(&mut self, ui: &mut dyn RenewalUi) -> Result<(), RenewalError> {
        let number = self.state.number.unwrap_or_default();
        let session = self.session(ui).await?;
        loop {
            match self.client.download(&session, number).await {
                Ok(Ready::Now(issued)) => {
                    self.state.issued = issued
                        .certificates
                        .into_iter()
                        .map(|c| {
                            let purpose = match c.purpose.as_str() {
                                "auth" => Purpose::Auth,
                                "sign" => Purpose::Sign,
                                _ => Purpose::Both,
                            };
                            (purpose, c.certificate, c.chain)
                        })
                        .collect();
                    ui.progress("the new certificates are issued");
                    return self.commit(Step::Issued, ui);
                }
                Ok(Ready::Later(d)) => {
                    ui.progress(&format!(
                        "waiting for issuance (asking again in {} s)",
                        d.retry_after.as_secs()
                    ));
                    // In slices, so that a cancel is honoured within one.
                    let until = tokio::time::Instant::now() + d.retry_after;
                    while tokio::time::Instant::now() < until {
                        if ui.cancelled() {
                            return Err(RenewalError::Cancelled(self.state.step.name()));
                        }
                        let left = until - tokio::time::Instant::now();
                        tokio::time::sleep(left.min(std::time::Duration::from_millis(200))).await;
                    }
                }
                Err(RaError::Refused { code, detail, .. }) if code == "wrong-state" => {
                    return Err(self.fail(detail, ui));
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    fn install(&mut self, ui: &mut dyn RenewalUi) -> Result<(), RenewalError> {
        ui.progress("installing the certificates with the new keys");
        let mut new_keys = self.state.new_keys.clone();
        for key in &mut new_keys {
            let (_, cert_b64, chain_pem) = self
                .state
                .issued
                .iter()
                .find(|(p, _, _)| *p == key.purpose)
                .ok_or_else(|| {
                    RenewalError::BadIssue(format!("no {} certificate was issued", key.purpose))
                })?
                .clone();
            let der = B64
                .decode(cert_b64)
                .map_err(|e| RenewalError::BadIssue(e.to_string()))?;
            let cert =
                KzCertificate::from_der(&der).map_err(|e| RenewalError::BadIssue(e.to_string()))?;
            let chain: Vec<KzCertificate> = chain_pem
                .iter()
                .map(|p| KzCertificate::parse(p.as_bytes()))
                .collect::<Result<_, _>>()
                .map_err(|e| RenewalError::BadIssue(e.to_string()))?;
            let signer = self.home.open_new(&key.file, ui)?;
            // Key match and chain: the certificate is for our key, for the
            // purpose asked, from a CA that chains to the RA's root.
            let (ours, certified) = (signer.public_key(), cert.public_key());
            if ours.algorithm.oid != certified.algorithm.oid
                || ours.subject_public_key != certified.subject_public_key
            {
                return Err(RenewalError::BadIssue(
                    "the certificate is for another key".into(),
                ));
            }
            let (intermediates, root) = chain.split_at(chain.len().saturating_sub(1));
            validate(
                &cert,
                intermediates,
                &TrustAnchors::new(root.to_vec()),
                OffsetDateTime::now_utc(),
                Some(key.purpose),
            )
            .map_err(|e| RenewalError::BadIssue(e.to_string()))?;
            self.home.install(&key.file, &cert, &chain, ui)?;
            self.store
                .remember_certificate(&cert, &location_name(self.home.as_ref(), &key.file))?;
            key.serial = Some(serial(&cert));
        }
        self.store.mark_replaced(&self.state.old_serials)?;
        self.state.new_keys = new_keys;
        self.commit(Step::Installed, ui)
    }

    fn summary(&self) -> Result<Summary, RenewalError> {
        let mut new = Vec::new();
        for key in &self.state.new_keys {
            let (_, b64, _) = self
                .state
                .issued
                .iter()
                .find(|(p, _, _)| *p == key.purpose)
                .ok_or_else(|| RenewalError::Corrupt("issued certificate missing".into()))?;
            let der = B64
                .decode(b64)
                .map_err(|e| RenewalError::Corrupt(e.to_string()))?;
            let cert =
                KzCertificate::from_der(&der).map_err(|e| RenewalError::Corrupt(e.to_string()))?;
            new.push(NewCertificate {
                purpose: key.purpose,
                serial: serial(&cert),
                not_before: rfc3339(cert.not_before()),
                not_after: rfc3339(cert.not_after()),
                algorithm: cert.key_algorithm().name(),
                file: key.file.clone(),
            });
        }
        Ok(Summary {
            renewal: self.id,
            application: self.state.number.unwrap_or_default(),
            old_serials: self.state.old_serials.clone(),
            new,
        })
    }
}
