//! The app state (local database, the RA) and the renewal flow.
//!
//! The flow itself is the core's [`qoltanba_core::renewal::Renewal`]; each
//! call here drives it until it is done, needs the one-time code, or fails,
//! and answers with where it stands. Every step is committed to the local
//! database before the next side effect, so after any error (a dropped
//! server, a killed app) [`App::resume`] continues where it stopped.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use qoltanba_core::keystore::{NewPassword, Password};
use qoltanba_core::ra::{RaClient, RaConfig};
use qoltanba_core::renewal::{Outcome, Renewal, RenewalRequest, RenewalUi, Step};
use qoltanba_core::store::Store;
use time::OffsetDateTime;
use zeroize::Zeroizing;

use crate::error::{QoltanbaError, panicked};
use crate::keyfiles::KeyPurpose;

/// How far a renewal got (each step is committed before the next).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum RenewalStep {
    Started,
    KeysGenerated,
    Signed,
    Submitted,
    Confirmed,
    Issued,
    Installed,
    Done,
    Failed,
}

impl From<Step> for RenewalStep {
    fn from(s: Step) -> Self {
        match s {
            Step::Started => Self::Started,
            Step::KeysGenerated => Self::KeysGenerated,
            Step::Signed => Self::Signed,
            Step::Submitted => Self::Submitted,
            Step::Confirmed => Self::Confirmed,
            Step::Issued => Self::Issued,
            Step::Installed => Self::Installed,
            Step::Done => Self::Done,
            Step::Failed => Self::Failed,
        }
    }
}

/// A certificate the renewal installed.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct NewCertificateInfo {
    pub purpose: KeyPurpose,
    pub serial: String,
    pub not_after: SystemTime,
    pub algorithm: String,
    /// Where its key lives (the new key file's path).
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
    pub step: RenewalStep,
    /// The application whose one-time code (sent by SMS) is awaited.
    pub needs_code: Option<i64>,
    /// Set once the renewal is done.
    pub summary: Option<RenewalSummary>,
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

/// Progress of a long call, for the app's screen. Called on a background
/// thread; keep it short.
#[uniffi::export(with_foreign)]
pub trait RenewalListener: Send + Sync {
    /// A line for the citizen ("submitting the application").
    fn progress(&self, message: String);
    /// `step` is committed: from here a resume continues.
    fn committed(&self, step: RenewalStep);
}

/// The app's state: the local database and the registration authority.
/// One per app; its calls may run concurrently.
#[derive(uniffi::Object)]
pub struct App {
    store: Arc<Store>,
    client: RaClient,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("server", &self.client.base_url())
            .finish()
    }
}

/// The secrets a run may be asked for; never stored.
struct Answers {
    password: Password,
    new_password: Option<NewPassword>,
    code: Option<Zeroizing<String>>,
    /// The application the code was given for.
    answered: Option<i64>,
    listener: Option<Arc<dyn RenewalListener>>,
}

impl RenewalUi for Answers {
    fn current_password(&mut self, _file: &Path) -> Option<Password> {
        Some(self.password.clone())
    }
    fn new_password(&mut self) -> Option<NewPassword> {
        self.new_password.clone()
    }
    fn code(&mut self, number: i64, _sent_to: Option<&str>) -> Option<String> {
        let code = self.code.take()?;
        self.answered = Some(number);
        Some(code.to_string())
    }
    fn progress(&mut self, message: &str) {
        if let Some(l) = &self.listener {
            l.progress(message.to_string());
        }
    }
    fn committed(&mut self, step: Step) {
        if let Some(l) = &self.listener {
            l.committed(step.into());
        }
    }
}

impl App {
    /// Drive a renewal on a blocking thread of the runtime: the core's flow
    /// calls the UI synchronously, and its future borrows the store. A panic
    /// anywhere in it comes back as `Internal`.
    async fn drive<F>(&self, f: F) -> Result<RenewalState, QoltanbaError>
    where
        F: FnOnce(&Store, RaClient) -> Result<RenewalState, QoltanbaError> + Send + 'static,
    {
        let store = Arc::clone(&self.store);
        let client = self.client.clone();
        tokio::task::spawn_blocking(move || f(&store, client))
            .await
            .unwrap_or_else(|e| match e.try_into_panic() {
                Ok(payload) => Err(panicked(payload)),
                Err(e) => Err(QoltanbaError::internal(e)),
            })
    }
}

/// Run `renewal` to its end or to the code, on the current runtime.
fn run(mut renewal: Renewal<'_>, ui: &mut Answers) -> Result<RenewalState, QoltanbaError> {
    let handle = tokio::runtime::Handle::current();
    let outcome = handle.block_on(renewal.run(ui))?;
    let id = renewal.id();
    Ok(match outcome {
        Outcome::Done(summary) => RenewalState {
            renewal_id: id,
            step: RenewalStep::Done,
            needs_code: None,
            summary: Some(RenewalSummary {
                application: summary.application,
                old_serials: summary.old_serials,
                new_certificates: summary
                    .new
                    .into_iter()
                    .map(|c| NewCertificateInfo {
                        purpose: c.purpose.into(),
                        serial: c.serial,
                        not_after: parse_time(&c.not_after),
                        algorithm: c.algorithm,
                        location: c.file.display().to_string(),
                    })
                    .collect(),
            }),
        },
        Outcome::NeedCode { number } if ui.answered == Some(number) => {
            return Err(QoltanbaError::WrongCode {
                detail: format!(
                    "the registration authority refused the code for application {number}; check the SMS and enter it again"
                ),
            });
        }
        Outcome::NeedCode { number } => RenewalState {
            renewal_id: id,
            step: renewal.state().step.into(),
            needs_code: Some(number),
            summary: None,
        },
    })
}

const STEPS: [Step; 9] = [
    Step::Started,
    Step::KeysGenerated,
    Step::Signed,
    Step::Submitted,
    Step::Confirmed,
    Step::Issued,
    Step::Installed,
    Step::Done,
    Step::Failed,
];

fn parse_time(rfc3339: &str) -> SystemTime {
    OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .map(SystemTime::from)
        .unwrap_or(SystemTime::UNIX_EPOCH)
}

fn new_password(text: String) -> Result<NewPassword, QoltanbaError> {
    Ok(NewPassword::new(Password::from(text))?)
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
        crate::error::guard(|| {
            let store = Store::open(Path::new(&database_path))?;
            let client = RaClient::new(RaConfig::new(server_url, server_root_der))?;
            Ok(Arc::new(Self {
                store: Arc::new(store),
                client,
            }))
        })
    }

    /// Start renewing the keys in NCA key files and drive it until it is
    /// done or needs the one-time code (`needs_code`).
    pub async fn start_renewal_with_key_files(
        &self,
        request: KeyFileRenewal,
        listener: Option<Arc<dyn RenewalListener>>,
    ) -> Result<RenewalState, QoltanbaError> {
        let KeyFileRenewal {
            key_files,
            password,
            new_password: new,
            email,
            locality,
            new_keys_dir,
        } = request;
        let mut ui = Answers {
            password: Password::from(password),
            new_password: Some(new_password(new)?),
            code: None,
            answered: None,
            listener,
        };
        let request = RenewalRequest {
            key_files: key_files.into_iter().map(PathBuf::from).collect(),
            email,
            locality,
            new_keys_dir: PathBuf::from(new_keys_dir),
        };
        self.drive(move |store, client| {
            let renewal = Renewal::start(store, client, request, &mut ui)?;
            run(renewal, &mut ui)
        })
        .await
    }

    /// Continue renewal `renewal_id` of key files from its last committed
    /// step (after an error or a restart); the passwords are asked again
    /// because they are never stored.
    pub async fn resume(
        &self,
        renewal_id: i64,
        password: String,
        new_password: String,
        listener: Option<Arc<dyn RenewalListener>>,
    ) -> Result<RenewalState, QoltanbaError> {
        self.answer(renewal_id, password, new_password, None, listener)
            .await
    }

    /// Give the one-time code of the renewal's application and drive it on
    /// to the end. A refused code is `WrongCode` (ask again).
    pub async fn submit_code(
        &self,
        renewal_id: i64,
        code: String,
        password: String,
        new_password: String,
        listener: Option<Arc<dyn RenewalListener>>,
    ) -> Result<RenewalState, QoltanbaError> {
        self.answer(
            renewal_id,
            password,
            new_password,
            Some(Zeroizing::new(code)),
            listener,
        )
        .await
    }

    /// Where renewal `renewal_id` stands, from the local database (no network).
    pub fn renewal_step(&self, renewal_id: i64) -> Result<RenewalStep, QoltanbaError> {
        crate::error::guard(|| {
            let stored = self
                .store
                .renewal(renewal_id)?
                .ok_or(qoltanba_core::store::StoreError::NoSuchRenewal(renewal_id))?;
            STEPS
                .iter()
                .find(|s| s.name() == stored.step)
                .map(|s| (*s).into())
                .ok_or_else(|| QoltanbaError::Storage {
                    detail: format!("renewal {renewal_id} has an unknown step {}", stored.step),
                })
        })
    }

    /// Unfinished renewals (to offer "continue" after a restart).
    pub fn unfinished_renewals(&self) -> Result<Vec<i64>, QoltanbaError> {
        crate::error::guard(|| {
            Ok(self
                .store
                .unfinished_renewals()?
                .into_iter()
                .map(|r| r.id)
                .collect())
        })
    }
}

impl App {
    async fn answer(
        &self,
        renewal_id: i64,
        password: String,
        new: String,
        code: Option<Zeroizing<String>>,
        listener: Option<Arc<dyn RenewalListener>>,
    ) -> Result<RenewalState, QoltanbaError> {
        let mut ui = Answers {
            password: Password::from(password),
            new_password: Some(new_password(new)?),
            code,
            answered: None,
            listener,
        };
        self.drive(move |store, client| {
            let renewal = Renewal::resume(store, client, renewal_id)?;
            run(renewal, &mut ui)
        })
        .await
    }
}
