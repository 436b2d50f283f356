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

use crate::cert::{KzCertificate, Purpose, TrustAnchors, validate};
use crate::crypto::{KeySpec, PublicKeyAlgorithm, Signer, SoftwareKey, generate};
use crate::keystore::{
    KeyFile, KeyFileError, KeyFileKind, NewPassword, Password, Profile, file_name, key_id, replace,
    save_new,
};
use crate::ra::{RaClient, RaError, Ready, Session};
use crate::reissue::{ApplicationDetails, StorageKind, build_application};
use crate::signed_message::sign_message;
use crate::store::{Store, StoreError};

/// How far a renewal got. Each is committed before the next side effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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

/// A current key file, opened.
struct Current {
    file: PathBuf,
    key: SoftwareKey,
    cert: KzCertificate,
}

fn open_current(path: &Path, ui: &mut dyn RenewalUi) -> Result<Current, RenewalError> {
    let password = ui.current_password(path).ok_or(RenewalError::NoPassword)?;
    let file = KeyFile::open(path, &password).map_err(|e| RenewalError::KeyFile(path.into(), e))?;
    let cert_der = file
        .certificate_der()
        .ok_or_else(|| RenewalError::NoCertificate(path.into()))?;
    let cert = KzCertificate::from_der(cert_der)
        .map_err(|e| RenewalError::Key(format!("{}: {e}", path.display())))?;
    let key = SoftwareKey::from_pkcs8_der(file.private_key_pkcs8())
        .map_err(|e| RenewalError::Key(format!("{}: {e}", path.display())))?;
    Ok(Current {
        file: path.into(),
        key,
        cert,
    })
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

/// One renewal, driven to its end (or to the code) by [`Renewal::run`].
pub struct Renewal<'a> {
    store: &'a Store,
    client: RaClient,
    id: i64,
    state: RenewalState,
    session: Option<Session>,
    new_password: Option<NewPassword>,
}

impl<'a> Renewal<'a> {
    /// Record a new renewal of the keys in `request.key_files`.
    pub fn start(
        store: &'a Store,
        client: RaClient,
        request: RenewalRequest,
        ui: &mut dyn RenewalUi,
    ) -> Result<Self, RenewalError> {
        let mut currents = Vec::new();
        for path in &request.key_files {
            currents.push(open_current(path, ui)?);
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
            store.remember_certificate(&c.cert, &format!("file:{}", c.file.display()))?;
        }
        let state = RenewalState {
            step: Step::Started,
            auth_file: auth.file.clone(),
            sign_file: sign.file.clone(),
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
            new_password: None,
        })
    }

    /// Continue renewal `id` from its last committed step.
    pub fn resume(store: &'a Store, client: RaClient, id: i64) -> Result<Self, RenewalError> {
        let stored = store.renewal(id)?.ok_or(StoreError::NoSuchRenewal(id))?;
        let state: RenewalState = serde_json::from_str(&stored.state)
            .map_err(|e| RenewalError::Corrupt(e.to_string()))?;
        if let Some(why) = &state.failure {
            return Err(RenewalError::Failed(why.clone()));
        }
        Ok(Self {
            store,
            client,
            id,
            state,
            session: None,
            new_password: None,
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
        let auth = open_current(&self.state.auth_file.clone(), ui)?;
        let challenge = self.client.challenge().await?;
        let signed = sign_message(
            challenge.nonce.as_bytes(),
            &auth.key,
            &auth.cert,
            OffsetDateTime::now_utc(),
        )
        .map_err(|e| RenewalError::Key(e.to_string()))?;
        let session = self.client.login(signed).await?;
        self.session = Some(session.clone());
        Ok(session)
    }

    fn new_password(&mut self, ui: &mut dyn RenewalUi) -> Result<NewPassword, RenewalError> {
        if let Some(p) = &self.new_password {
            return Ok(p.clone());
        }
        let p = ui.new_password().ok_or(RenewalError::NoPassword)?;
        self.new_password = Some(p.clone());
        Ok(p)
    }

    fn open_new_keys(
        &mut self,
        ui: &mut dyn RenewalUi,
    ) -> Result<Vec<(Purpose, SoftwareKey)>, RenewalError> {
        let password = self.new_password(ui)?;
        self.state
            .new_keys
            .iter()
            .map(|k| {
                let file = KeyFile::open(&k.file, password.as_password())
                    .map_err(|e| RenewalError::KeyFile(k.file.clone(), e))?;
                let key = SoftwareKey::from_pkcs8_der(file.private_key_pkcs8())
                    .map_err(|e| RenewalError::Key(e.to_string()))?;
                Ok((k.purpose, key))
            })
            .collect()
    }

    /// Drive the renewal until it is done or needs the one-time code.
    pub async fn run(&mut self, ui: &mut dyn RenewalUi) -> Result<Outcome, RenewalError> {
        loop {
            match self.state.step {
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
        let password = self.new_password(ui)?;
        let dir = self.state.request.new_keys_dir.clone();
        std::fs::create_dir_all(&dir)
            .map_err(|e| RenewalError::Key(format!("{}: {e}", dir.display())))?;
        let mut new_keys = Vec::new();
        for purpose in purposes {
            ui.progress(&format!(
                "generating the new {} key ({})",
                purpose,
                spec.name()
            ));
            let key = generate(spec).map_err(|e| RenewalError::Key(e.to_string()))?;
            let id = key_id(key.public_key());
            let kind = KeyFileKind::for_key(&key.key_algorithm(), *purpose)
                .ok_or_else(|| RenewalError::Key("no key file kind".into()))?;
            let bytes = KeyFile::new(key.pkcs8_der(), None, &id)
                .to_bytes(Profile::Nca, &password)
                .map_err(|e| RenewalError::KeyFile(dir.clone(), e))?;
            let file = save_new(&dir, &file_name(kind, &id), &bytes)
                .map_err(|e| RenewalError::KeyFile(dir.clone(), e))?;
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
        let sign = open_current(&self.state.sign_file.clone(), ui)?;
        let new = self.open_new_keys(ui)?;
        let requests: Vec<(Purpose, &dyn Signer)> =
            new.iter().map(|(p, k)| (*p, k as &dyn Signer)).collect();
        let details = ApplicationDetails {
            email: self.state.request.email.clone(),
            locality: self.state.request.locality.clone(),
            storage: StorageKind::File,
        };
        let signed = build_application(
            &sign.cert,
            &sign.key,
            &requests,
            &details,
            OffsetDateTime::now_utc(),
        )
        .map_err(|e| RenewalError::Application(e.to_string()))?;
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
                    tokio::time::sleep(d.retry_after).await;
                }
                Err(RaError::Refused { code, detail, .. }) if code == "wrong-state" => {
                    return Err(self.fail(detail, ui));
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    fn install(&mut self, ui: &mut dyn RenewalUi) -> Result<(), RenewalError> {
        ui.progress("installing the certificates into the new key files");
        let password = self.new_password(ui)?;
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
            let mut file = KeyFile::open(&key.file, password.as_password())
                .map_err(|e| RenewalError::KeyFile(key.file.clone(), e))?;
            let software = SoftwareKey::from_pkcs8_der(file.private_key_pkcs8())
                .map_err(|e| RenewalError::Key(e.to_string()))?;
            // Key match and chain: the certificate is for our key, for the
            // purpose asked, from a CA that chains to the RA's root.
            if !software.matches(cert.public_key()) {
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
            file.set_certificate(der.clone());
            file.set_chain(chain.iter().map(|c| c.der().to_vec()).collect());
            let bytes = file
                .to_bytes(file.profile(), &password)
                .map_err(|e| RenewalError::KeyFile(key.file.clone(), e))?;
            replace(&key.file, &bytes).map_err(|e| RenewalError::KeyFile(key.file.clone(), e))?;
            self.store
                .remember_certificate(&cert, &format!("file:{}", key.file.display()))?;
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
