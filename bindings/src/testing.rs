//! Test-only exports (feature `testing`): an in-process reference RA for
//! whole renewals from Kotlin, and calls that panic, to prove a panic in
//! Rust reaches the app as an error, never a crash.

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use qoltanba_pki::crypto::KeySpec;
use qoltanba_pki::keyfile::{NewPassword, Password};
use qoltanba_testkit::embedded::EmbeddedRa;
use time::OffsetDateTime;

use crate::error::{QoltanbaError, guard};

/// Panics inside a guarded call, as a core bug would: the app gets
/// `QoltanbaError.Internal`.
#[uniffi::export]
pub fn testing_panic(message: String) -> Result<String, QoltanbaError> {
    guard(|| panic!("{message}"))
}

/// Panics in an exported call with no guard of ours: what uniffi itself
/// does with a panic (an internal-error exception, no crash).
#[uniffi::export]
pub fn testing_panic_unguarded(message: String) -> String {
    panic!("{message}")
}

/// A reference RA (CAs, TLS, database) serving HTTPS on a free loopback
/// port inside this process, in a temporary directory.
#[derive(uniffi::Object)]
pub struct EmbeddedServer {
    ra: Mutex<Option<EmbeddedRa>>,
    url: String,
    root_der: Vec<u8>,
    runtime: Mutex<Option<tokio::runtime::Runtime>>,
    _dir: tempfile::TempDir,
}

impl EmbeddedServer {
    fn ra(&self) -> MutexGuard<'_, Option<EmbeddedRa>> {
        self.ra.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[uniffi::export]
impl EmbeddedServer {
    #[uniffi::constructor]
    pub fn start() -> Result<Arc<Self>, QoltanbaError> {
        guard(|| Self::start_configured(|_| Ok(())))
    }

    /// [`start`](Self::start), and the RA also trusts the key attestations
    /// of a real device: chains ending in one of `attestation_roots` (DER
    /// certificates, e.g. the root an emulator's keystore attests under,
    /// which is not Google's) and, with `accept_software`, keys whose
    /// attestation says they live in software (what emulators produce; a
    /// production RA refuses them). For the instrumented tests on a device,
    /// whose keystore the test kit's attestation authority cannot stand in for.
    #[uniffi::constructor]
    pub fn start_trusting(
        attestation_roots: Vec<Vec<u8>>,
        accept_software: bool,
    ) -> Result<Arc<Self>, QoltanbaError> {
        guard(|| {
            let pins = attestation_roots
                .iter()
                .map(|der| {
                    let root = qoltanba_pki::cert::KzCertificate::from_der(der)
                        .map_err(QoltanbaError::invalid)?;
                    Ok(qoltanba_ra::attestation::pin_entry(root.public_key()))
                })
                .collect::<Result<Vec<_>, QoltanbaError>>()?;
            Self::start_configured(move |config| {
                config.attestation.roots.extend(pins);
                config.attestation.accept_software = accept_software;
                Ok(())
            })
        })
    }
}

impl EmbeddedServer {
    /// The server in a new temporary directory (`TMPDIR`: on Android the
    /// test sets it to the app's cache, since the default /data/local/tmp
    /// is not the app's to write), `configure` applied to the RA's
    /// configuration before it serves.
    fn start_configured(
        configure: impl FnOnce(&mut qoltanba_ra::config::Config) -> Result<(), String>,
    ) -> Result<Arc<Self>, QoltanbaError> {
        let dir = tempfile::tempdir().map_err(QoltanbaError::internal)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(QoltanbaError::internal)?;
        let ra = EmbeddedRa::start_with(&dir.path().join("ra"), &runtime, configure)
            .map_err(QoltanbaError::internal)?;
        Ok(Arc::new(Self {
            url: ra.base_url.clone(),
            root_der: ra.root_der.clone(),
            ra: Mutex::new(Some(ra)),
            runtime: Mutex::new(Some(runtime)),
            _dir: dir,
        }))
    }
}

#[uniffi::export]
impl EmbeddedServer {
    /// `https://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// The root certificate (DER) the app pins.
    pub fn root_der(&self) -> Vec<u8> {
        self.root_der.clone()
    }

    /// Enrol a test citizen with `iin` (11 digits; the control digit is
    /// added) and `algorithm` (`gost512`, `rsa2048`, `p256`) whose
    /// certificates end in `days_left` days; the key files go into `out_dir`
    /// under `password`. Their paths.
    pub fn enroll(
        &self,
        iin11: String,
        algorithm: String,
        days_left: i64,
        password: String,
        out_dir: String,
    ) -> Result<Vec<String>, QoltanbaError> {
        guard(|| {
            let iin = qoltanba_pki::cert::with_control_digit(&iin11)
                .ok_or_else(|| QoltanbaError::invalid("no IIN with these 11 digits"))?;
            let spec: KeySpec = algorithm.parse().map_err(QoltanbaError::invalid)?;
            let password = NewPassword::new(Password::from(password))?;
            let ra = self.ra();
            let ra = ra
                .as_ref()
                .ok_or_else(|| QoltanbaError::invalid("the server is stopped"))?;
            let keys = ra
                .enroll_expiring(&iin, spec, days_left, &password, Path::new(&out_dir))
                .map_err(QoltanbaError::internal)?;
            Ok(keys.iter().map(|k| k.file.display().to_string()).collect())
        })
    }

    /// Personalise the simulator card `card` for a test citizen, as a
    /// service centre would: new keys in its slots, certificates ending in
    /// `days_left` days written to it. The serials of the certificates.
    pub fn enroll_card(
        &self,
        card: Arc<crate::SimulatorCard>,
        can: String,
        pin: String,
        iin11: String,
        algorithm: String,
        days_left: i64,
    ) -> Result<Vec<String>, QoltanbaError> {
        let (can, pin) = (zeroize::Zeroizing::new(can), zeroize::Zeroizing::new(pin));
        guard(|| {
            use qoltanba_card::secret::{Can, Pin};
            let iin = qoltanba_pki::cert::with_control_digit(&iin11)
                .ok_or_else(|| QoltanbaError::invalid("no IIN with these 11 digits"))?;
            let spec: KeySpec = algorithm.parse().map_err(QoltanbaError::invalid)?;
            let mut session = qoltanba_card::CardSession::open(
                card.core_transport(),
                None,
                Some(&Can::new(&can)?),
            )?;
            session.verify_pin(&Pin::new(&pin)?)?;
            let session = Arc::new(Mutex::new(session));
            let ra = self.ra();
            let ra = ra
                .as_ref()
                .ok_or_else(|| QoltanbaError::invalid("the server is stopped"))?;
            let out = self._dir.path().join("card-certificates");
            let keys = ra
                .enroll_card_expiring(&iin, spec, days_left, &session, &out)
                .map_err(QoltanbaError::internal)?;
            Ok(keys.into_iter().map(|k| k.serial).collect())
        })
    }

    /// An Android-like attestation chain (leaf first) for the key
    /// `public_key_spki_der`, issued by a test authority this server pins:
    /// what a stand-in AndroidKeyStore hands out. `level`: `tee`,
    /// `strongbox` or `software`. The key's purposes are SIGN and VERIFY,
    /// its origin GENERATED.
    pub fn mint_attestation(
        &self,
        public_key_spki_der: Vec<u8>,
        challenge: Vec<u8>,
        level: String,
    ) -> Result<Vec<Vec<u8>>, QoltanbaError> {
        guard(|| {
            let level = attested_level(&level)?;
            let ra = self.ra();
            let ra = ra
                .as_ref()
                .ok_or_else(|| QoltanbaError::invalid("the server is stopped"))?;
            ra.attestation_authority()
                .mint(&public_key_spki_der, &challenge, level, &[2, 3], 0)
                .map_err(QoltanbaError::internal)
        })
    }

    /// The RA's root and the CAs under it (DER, root first): what a
    /// verifier of documents signed with this RA's certificates trusts.
    pub fn ca_certificates(&self) -> Result<Vec<Vec<u8>>, QoltanbaError> {
        let ra = self.ra();
        let ra = ra
            .as_ref()
            .ok_or_else(|| QoltanbaError::invalid("the server is stopped"))?;
        let cas = &ra.cas;
        Ok(std::iter::once(&cas.root)
            .chain(&cas.issuing)
            .map(|ca| ca.cert.der().to_vec())
            .collect())
    }

    /// Run the RA's expiry-notice scheduler once as if the clock read
    /// `at`: the pushes it sent to Android devices (through a loopback
    /// FCM stand-in), each with the data payload the app receives.
    pub fn run_notifier(&self, at: SystemTime) -> Result<Vec<SentPush>, QoltanbaError> {
        guard(|| {
            let ra = self.ra();
            let ra = ra
                .as_ref()
                .ok_or_else(|| QoltanbaError::invalid("the server is stopped"))?;
            let runtime = self.runtime.lock().unwrap_or_else(|p| p.into_inner());
            let runtime = runtime
                .as_ref()
                .ok_or_else(|| QoltanbaError::invalid("the server is stopped"))?;
            let pushes = runtime
                .block_on(ra.run_notifier(OffsetDateTime::from(at)))
                .map_err(QoltanbaError::internal)?;
            Ok(pushes
                .into_iter()
                .map(|p| SentPush {
                    token: p.token,
                    title: p.title,
                    body: p.body,
                    data: p.data.into_bytes(),
                })
                .collect())
        })
    }

    /// The one-time code the RA "sent by SMS" for application `number`.
    pub fn code_for(&self, number: i64) -> Option<String> {
        self.ra().as_ref().and_then(|ra| ra.code_for(number))
    }

    /// What the RA recorded of application `number`'s key attestations, as
    /// the operator's CLI shows it: `auth:strongbox sign:tee`, `-` when
    /// none is recorded; null once the server is stopped.
    pub fn attestation_of(&self, number: i64) -> Option<String> {
        use qoltanba_ra::attestation::{from_column, summary};
        let column = self.ra().as_ref()?.attestation_of(number);
        Some(summary(&from_column(column.as_deref())))
    }

    /// Stop serving (connections are refused from now on).
    pub fn stop(&self) {
        drop(self.ra().take());
        if let Some(rt) = self
            .runtime
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            rt.shutdown_background();
        }
    }
}

impl Drop for EmbeddedServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// One push the embedded RA sent through FCM.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SentPush {
    /// The device's FCM registration token.
    pub token: String,
    pub title: String,
    pub body: String,
    /// The data payload as JSON: what [`crate::reminders::reminder_from_push`] reads.
    pub data: Vec<u8>,
}

/// A level as the tests name it: `tee`, `strongbox` or `software`.
pub(crate) fn attested_level(
    level: &str,
) -> Result<qoltanba_core::keystore::SecurityLevel, QoltanbaError> {
    use qoltanba_core::keystore::SecurityLevel;
    match level {
        "tee" => Ok(SecurityLevel::TrustedEnvironment),
        "strongbox" => Ok(SecurityLevel::StrongBox),
        "software" => Ok(SecurityLevel::Software),
        other => Err(QoltanbaError::invalid(format!("no level {other}"))),
    }
}

/// How many of the library's objects (and the app's callbacks it holds)
/// are alive: the Kotlin tests' leak check.
#[uniffi::export]
pub fn testing_live_objects() -> i64 {
    crate::live::live_objects()
}

/// Bytes the library's Rust code holds on the heap: the leak check's
/// measure (the JVM's own memory would drown a native leak).
#[uniffi::export]
pub fn testing_heap_bytes() -> i64 {
    crate::live::heap_bytes()
}

/// A trivial call, to measure the per-call overhead from the app's language.
#[uniffi::export]
pub fn testing_noop(value: u32) -> u32 {
    value.wrapping_add(1)
}

/// Calls `transport.transmit` `times` times with a 5-byte command: the cost
/// of a callback into the app's language, as the card layer pays it per APDU.
#[uniffi::export]
pub fn testing_call_transport(
    transport: Arc<dyn crate::CardTransport>,
    times: u32,
) -> Result<u64, QoltanbaError> {
    guard(|| {
        let mut bytes = 0u64;
        for _ in 0..times {
            let answer = transport
                .transmit(vec![0x00, 0xA4, 0x04, 0x0C, 0x00])
                .map_err(qoltanba_card::TransportError::from)?;
            bytes += answer.len() as u64;
        }
        Ok(bytes)
    })
}
