//! The RA inside another program: `qoltanba demo`, the benches and tests
//! start a complete server (home, CAs, HTTPS on a free loopback port) in their
//! own tokio runtime, with a generated operator passphrase. Besides Google's
//! attestation roots it pins the root of its own test
//! [`AttestationAuthority`], so a stand-in Android keystore can mint chains
//! it accepts ([`EmbeddedRa::attestation_authority`]). Its expiry-notice
//! scheduler does not run by itself: [`EmbeddedRa::run_notifier`] runs it
//! once at a chosen instant and answers the pushes it sent.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use qoltanba_pki::cert::{KzCertificate, Purpose};
use qoltanba_pki::crypto::{KeySpec, Signer};
use qoltanba_pki::keyfile::{NewPassword, Password, Profile};
use time::{Duration, OffsetDateTime};

use crate::attestation::AttestationAuthority;
use crate::http_fake::HttpFake;
use qoltanba_ra::api::AppState;
use qoltanba_ra::ca::CaSet;
use qoltanba_ra::config::{FcmConfig, Senders as SendersConfig};
use qoltanba_ra::db::Db;
use qoltanba_ra::home::Home;
use qoltanba_ra::notify::{self, Senders};
use qoltanba_ra::registry::{self, EnrolledKey, Enrolment};
use qoltanba_ra::{serve, tls};

/// A running embedded RA. Dropping it stops the server.
pub struct EmbeddedRa {
    pub home: Home,
    /// Unlocked CAs, for enrolment.
    pub cas: CaSet,
    pub base_url: String,
    /// The root certificate (DER) clients pin.
    pub root_der: Vec<u8>,
    attestation: AttestationAuthority,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    /// Last: the database outlives the home's connections to it.
    _database: crate::postgres::TestDatabase,
}

/// A password meeting NCA's rule, random, for generated identities.
pub fn random_password(prefix: &str) -> String {
    let mut bytes = [0u8; 6];
    getrandom::fill(&mut bytes).expect("the OS random number generator works");
    format!("{prefix}{}9Q", hex::encode(bytes))
}

impl EmbeddedRa {
    /// Create a home in `dir` and serve it over HTTPS on `runtime`.
    pub fn start(dir: &Path, runtime: &tokio::runtime::Runtime) -> Result<Self, String> {
        Self::start_with(dir, runtime, |_| Ok(()))
    }

    /// [`start`](Self::start), with `configure` changing the RA's
    /// configuration before it serves (e.g. the attestation roots of a real
    /// device's keystore, for the instrumented tests on an emulator).
    pub fn start_with(
        dir: &Path,
        runtime: &tokio::runtime::Runtime,
        configure: impl FnOnce(&mut qoltanba_ra::config::Config) -> Result<(), String>,
    ) -> Result<Self, String> {
        let passphrase =
            NewPassword::new(Password::new(random_password("Ra"))).map_err(|e| e.to_string())?;
        let probe = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
        let addr: SocketAddr = probe.local_addr().map_err(|e| e.to_string())?;
        drop(probe);
        // A throwaway home: a temporary directory and a random passphrase
        // nobody keeps. Its key files use NCA's cheap profile (1024
        // iterations) rather than the modern one (600 000, for a real
        // operator's disk), which made every start take half a minute in
        // the tests' debug builds.
        // SQLite in the home, or PostgreSQL under QOLTANBA_TEST_DATABASE.
        let database = crate::postgres::TestDatabase::from_env();
        let mut home = Home::init_in_profile(
            dir,
            addr,
            true,
            &passphrase,
            OffsetDateTime::now_utc(),
            Profile::Nca,
            database.config(),
        )
        .map_err(|e| e.to_string())?;
        // One machine, many clients: the abuse limits are not the point here.
        home.config.limits.logins_per_minute = u32::MAX;
        home.config.limits.codes_per_minute = u32::MAX;
        home.config.limits.submissions_per_hour = u32::MAX;
        home.config.limits.challenges_per_minute = u32::MAX;
        let attestation = AttestationAuthority::new().map_err(|e| e.to_string())?;
        home.config.attestation.roots.push(attestation.pin_entry());
        configure(&mut home.config)?;
        let attestation_roots =
            qoltanba_ra::attestation::load_roots(&home.config.attestation.roots, &home.dir)?;
        let cas = home
            .unlock_cas(passphrase.as_password())
            .map_err(|e| e.to_string())?;
        let serving = home
            .unlock_cas(passphrase.as_password())
            .map_err(|e| e.to_string())?;
        let identity = home
            .unlock_tls(passphrase.as_password())
            .map_err(|e| e.to_string())?;
        let senders = Senders::from_config(&Default::default(), home.db.clone())
            .map_err(|e| e.to_string())?;
        // The retry task of one-time codes, as `qoltanba-ra serve` runs it.
        runtime.spawn(qoltanba_ra::notify::code_delivery::run_forever(
            home.db.clone(),
            senders.clone(),
            home.config.code_delivery.clone(),
            home.config.policy.code_ttl_seconds,
        ));
        let state = AppState::new(
            home.config.clone(),
            home.db.clone(),
            serving,
            senders,
            attestation_roots,
        );
        let config = tls::server_config(&identity).map_err(|e| e.to_string())?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let tcp = runtime
            .block_on(tokio::net::TcpListener::bind(addr))
            .map_err(|e| e.to_string())?;
        runtime.spawn(async move {
            let _ = serve::serve(tcp, Some(config), state, async {
                let _ = stopped.await;
            })
            .await;
        });
        let root_der = cas.root.cert.der().to_vec();
        Ok(Self {
            home,
            cas,
            base_url: format!("https://{addr}"),
            root_der,
            attestation,
            stop: Some(stop),
            _database: database,
        })
    }

    pub fn db(&self) -> &Db {
        &self.home.db
    }

    /// The test attestation authority whose root this RA pins: a stand-in
    /// Android keystore mints its keys' chains with it.
    pub fn attestation_authority(&self) -> &AttestationAuthority {
        &self.attestation
    }

    /// Enrol a test citizen whose certificates end `days_left` days from now
    /// (valid for a year before that).
    pub fn enroll_expiring(
        &self,
        iin: &str,
        algorithm: KeySpec,
        days_left: i64,
        password: &NewPassword,
        out: &Path,
    ) -> Result<Vec<EnrolledKey>, String> {
        let now = OffsetDateTime::now_utc();
        registry::enroll(
            &self.home.db,
            &self.cas,
            &self.home.config.public_url,
            &test_citizen(iin, algorithm, days_left, now),
            password,
            out,
            now,
        )
        .map_err(|e| e.to_string())
    }

    /// Certify keys that live elsewhere (a token's) for a test citizen, as
    /// [`EmbeddedRa::enroll_expiring`] does for key files: each key signs
    /// its CSR; the certificates and their chains (issuing CA, root).
    pub fn enroll_keys_expiring(
        &self,
        iin: &str,
        days_left: i64,
        keys: &[(Purpose, &dyn Signer)],
    ) -> Result<Vec<(KzCertificate, Vec<KzCertificate>)>, String> {
        let now = OffsetDateTime::now_utc();
        // The keys' own algorithms count; the enrolment's is not used.
        let who = test_citizen(iin, KeySpec::P256, days_left, now);
        let issued = registry::enroll_keys(
            &self.home.db,
            &self.cas,
            &self.home.config.public_url,
            &who,
            keys,
            // The only keys certified here are a token's.
            qoltanba_pki::reissue::StorageKind::Token,
            now,
        )
        .map_err(|e| e.to_string())?;
        Ok(issued
            .into_iter()
            .map(|(ca, cert)| {
                let chain = self.cas.chain(ca).into_iter().cloned().collect();
                (cert, chain)
            })
            .collect())
    }

    /// Personalise the ID card behind `session` (PIN verified) for a test
    /// citizen, as [`EmbeddedRa::enroll_expiring`] does for key files.
    pub fn enroll_card_expiring(
        &self,
        iin: &str,
        algorithm: KeySpec,
        days_left: i64,
        session: &qoltanba_card::keystore::SharedSession,
        out: &Path,
    ) -> Result<Vec<registry::EnrolledCardKey>, String> {
        let now = OffsetDateTime::now_utc();
        registry::enroll_card(
            &self.home.db,
            &self.cas,
            &self.home.config.public_url,
            &test_citizen(iin, algorithm, days_left, now),
            session,
            out,
            now,
        )
        .map_err(|e| e.to_string())
    }

    /// The one-time code the outbox holds for application `number`.
    pub fn code_for(&self, number: i64) -> Option<String> {
        let body: String = self
            .home
            .db
            .conn()
            .query_row(
                "SELECT body FROM outbox WHERE channel = 'sms' AND body LIKE ?1 ORDER BY id DESC LIMIT 1",
                [format!("qoltanba: application {number},%")],
                |r| r.get(0),
            )
            .ok()?;
        body.rsplit(' ').next().map(str::to_string)
    }

    /// What the RA recorded of application `number`'s key attestations
    /// (the JSON of its `attestation` column), if it checked any.
    pub fn attestation_of(&self, number: i64) -> Option<String> {
        self.home
            .db
            .conn()
            .query_row(
                "SELECT attestation FROM applications WHERE id = ?1",
                [number],
                |r| r.get::<_, Option<String>>(0),
            )
            .ok()
            .flatten()
    }

    pub fn dir(&self) -> PathBuf {
        self.home.dir.clone()
    }

    /// Run the RA's expiry-notice scheduler once as if the clock read
    /// `at`, with its configured offsets, and answer the pushes it sent to
    /// Android devices: FCM is a loopback stand-in ([`HttpFake`]) that
    /// records each message, so what comes back is what FCM would have
    /// delivered. E-mail, SMS and iOS pushes go to the outbox as usual.
    /// Notices are recorded as sent, so a second run at the same instant
    /// sends nothing.
    pub async fn run_notifier(&self, at: OffsetDateTime) -> Result<Vec<SentPush>, String> {
        let fcm = HttpFake::start().map_err(|e| e.to_string())?;
        let token_file = self.home.dir.join("fcm-access-token");
        std::fs::write(&token_file, "embedded-ra-access-token\n").map_err(|e| e.to_string())?;
        let config = SendersConfig {
            fcm: Some(FcmConfig {
                base_url: fcm.url(),
                project_id: "qoltanba-embedded".into(),
                token_file: token_file.display().to_string(),
            }),
            ..SendersConfig::default()
        };
        let senders =
            Senders::from_config(&config, self.home.db.clone()).map_err(|e| e.to_string())?;
        notify::run_once(&self.home.db, &self.home.config.notices, &senders, at)
            .await
            .map_err(|e| e.to_string())?;
        fcm.take_requests()
            .iter()
            .map(|request| {
                let body = request.json();
                let message = &body["message"];
                let text = |v: &serde_json::Value| v.as_str().map(str::to_owned);
                Ok(SentPush {
                    token: text(&message["token"]).ok_or("an FCM message without a token")?,
                    title: text(&message["notification"]["title"]).unwrap_or_default(),
                    body: text(&message["notification"]["body"]).unwrap_or_default(),
                    data: message["data"].to_string(),
                })
            })
            .collect()
    }
}

/// One push the RA sent through FCM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentPush {
    /// The device's FCM registration token.
    pub token: String,
    /// The notification's words, in the device's locale.
    pub title: String,
    pub body: String,
    /// The data payload (`message.data`) as JSON: what the app receives as
    /// `RemoteMessage.data` and hands to the core's `parse_push`.
    pub data: String,
}

impl Drop for EmbeddedRa {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The test citizen ТЕСТОВ ТЕСТ ТЕСТОВИЧ with `iin`, whose certificates end
/// `days_left` days after `now`.
fn test_citizen(
    iin: &str,
    algorithm: KeySpec,
    days_left: i64,
    now: OffsetDateTime,
) -> Enrolment<'_> {
    Enrolment {
        iin,
        surname: "ТЕСТОВ",
        name: "ТЕСТ",
        patronymic: Some("ТЕСТОВИЧ"),
        email: Some("testov@example.kz"),
        phone: Some("+77011234567"),
        algorithm,
        // A minute short of the full days, so the reminder for
        // `days_left` has just come due.
        valid_from: now - Duration::days(365 - days_left) - Duration::minutes(1),
        valid_days: 365,
    }
}
