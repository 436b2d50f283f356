//! The citizen's whole cabinet path over real HTTPS, shared by the benches
//! (`load`, `national_scale`): log in with the auth key, then per
//! application sign it with the sign key, submit, read the one-time code
//! from the RA's outbox, confirm (auto-approval issues), download.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use qoltanba_pki::cert::{KzCertificate, Purpose};
use qoltanba_pki::crypto::{KeySpec, Signer, SoftwareKey, generate};
use qoltanba_pki::keyfile::{KeyFile, Password};
use qoltanba_pki::reissue::{ApplicationDetails, StorageKind, build_application};
use qoltanba_pki::signed_message::sign_message;
use qoltanba_ra::registry::EnrolledKey;
use serde_json::{Value, json};
use time::OffsetDateTime;

/// The key-file password of the bench citizens.
pub const CITIZEN_PASSWORD: &str = "Citiz3nPass";

/// One enrolled citizen's keys: (auth, sign); one key file may be both.
pub struct Citizen {
    pub spec: KeySpec,
    pub auth: (SoftwareKey, KzCertificate),
    pub sign: (SoftwareKey, KzCertificate),
}

impl Citizen {
    /// The keys `enroll` wrote, opened.
    pub fn open(spec: KeySpec, written: &[EnrolledKey]) -> Self {
        let open = |p: &Path| {
            let f = KeyFile::open(p, &Password::new(CITIZEN_PASSWORD)).unwrap();
            (
                SoftwareKey::from_pkcs8_der(f.private_key_pkcs8()).unwrap(),
                KzCertificate::from_der(f.certificate_der().unwrap()).unwrap(),
            )
        };
        let auth = written.iter().find(|k| k.purpose != Purpose::Sign).unwrap();
        let sign = written.iter().find(|k| k.purpose != Purpose::Auth).unwrap();
        Self {
            spec,
            auth: open(&auth.file),
            sign: open(&sign.file),
        }
    }
}

/// Where the clients go: client `i` talks to `bases[i % bases.len()]`.
pub struct Target<'a> {
    pub bases: &'a [String],
    /// The root certificate (DER) the clients pin.
    pub root_der: &'a [u8],
    /// The one-time code the RA's outbox holds for an application.
    pub code: &'a (dyn Fn(i64) -> String + Sync),
}

/// What one run measured.
pub struct Outcome {
    /// One per application, client key generation and signing included.
    pub latencies: Vec<Duration>,
    pub elapsed: Duration,
    /// Certificates per application (GOST: one for both purposes).
    pub per_application: usize,
}

impl Outcome {
    pub fn applications_per_second(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64()
    }

    pub fn certificates_per_second(&self) -> f64 {
        self.applications_per_second() * self.per_application as f64
    }

    pub fn percentile(&self, p: f64) -> Duration {
        let mut sorted = self.latencies.clone();
        sorted.sort();
        sorted[((sorted.len() - 1) as f64 * p).round() as usize]
    }
}

struct Client {
    agent: ureq::Agent,
    base: String,
}

impl Client {
    fn new(base: &str, root_der: &[u8]) -> Self {
        let root = ureq::tls::Certificate::from_der(root_der).to_owned();
        let tls = ureq::tls::TlsConfig::builder()
            .root_certs(ureq::tls::RootCerts::Specific(Arc::new(vec![root])))
            .build();
        Self {
            agent: ureq::Agent::config_builder()
                .tls_config(tls)
                .http_status_as_error(false)
                .build()
                .new_agent(),
            base: base.to_string(),
        }
    }

    fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Vec<u8>,
        ct: &str,
    ) -> (u16, Value) {
        let mut b = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base))
            .header("content-type", ct);
        if let Some(t) = token {
            b = b.header("authorization", format!("Bearer {t}"));
        }
        let mut r = self.agent.run(b.body(body).unwrap()).unwrap();
        let status = r.status().as_u16();
        let body = r.body_mut().read_to_vec().unwrap();
        (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
    }
}

/// Every citizen, one client thread each, logs in and runs `apps`
/// applications through to the download.
pub fn run(citizens: &[Citizen], target: &Target<'_>, apps: usize) -> Outcome {
    let started = Instant::now();
    let latencies: Vec<Duration> = std::thread::scope(|scope| {
        let handles: Vec<_> = citizens
            .iter()
            .enumerate()
            .map(|(i, citizen)| {
                let base = &target.bases[i % target.bases.len()];
                scope.spawn(move || one_client(citizen, base, target, apps))
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    Outcome {
        latencies,
        elapsed: started.elapsed(),
        per_application: match citizens.first().map(|c| c.spec) {
            Some(KeySpec::Gost512) => 1,
            _ => 2,
        },
    }
}

fn one_client(citizen: &Citizen, base: &str, target: &Target<'_>, apps: usize) -> Vec<Duration> {
    let client = Client::new(base, target.root_der);
    let (auth_key, auth_cert) = &citizen.auth;
    let (sign_key, sign_cert) = &citizen.sign;
    let (_, c) = client.call(
        "POST",
        "/v1/auth/challenge",
        None,
        vec![],
        "application/json",
    );
    let nonce = c["nonce"].as_str().unwrap().to_string();
    let login = sign_message(
        nonce.as_bytes(),
        auth_key,
        auth_cert,
        OffsetDateTime::now_utc(),
    )
    .unwrap();
    let (status, s) = client.call("POST", "/v1/auth/login", None, login, "application/cms");
    assert_eq!(status, 200, "{s}");
    let token = s["token"].as_str().unwrap().to_string();
    let mut out = Vec::new();
    for _ in 0..apps {
        let t0 = Instant::now();
        let new: Vec<(Purpose, SoftwareKey)> = if citizen.spec == KeySpec::Gost512 {
            vec![(Purpose::Both, generate(citizen.spec).unwrap())]
        } else {
            vec![
                (Purpose::Auth, generate(citizen.spec).unwrap()),
                (Purpose::Sign, generate(citizen.spec).unwrap()),
            ]
        };
        let requests: Vec<(Purpose, &dyn Signer)> =
            new.iter().map(|(p, k)| (*p, k as &dyn Signer)).collect();
        let details = ApplicationDetails {
            email: "t@example.kz".into(),
            locality: "Астана".into(),
            storage: StorageKind::File,
        };
        let p7s = build_application(
            sign_cert,
            sign_key,
            &requests,
            &details,
            OffsetDateTime::now_utc(),
        )
        .unwrap()
        .p7s_der;
        let (status, a) = client.call(
            "POST",
            "/v1/applications",
            Some(&token),
            p7s,
            "application/cms",
        );
        assert_eq!(status, 202, "{a}");
        let number = a["number"].as_i64().unwrap();
        let code = (target.code)(number);
        let (status, c) = client.call(
            "POST",
            &format!("/v1/applications/{number}/confirm"),
            Some(&token),
            json!({"code": code}).to_string().into_bytes(),
            "application/json",
        );
        assert_eq!(status, 200, "{c}");
        let (status, _) = client.call(
            "GET",
            &format!("/v1/applications/{number}/certificates"),
            Some(&token),
            vec![],
            "application/json",
        );
        assert_eq!(status, 200);
        out.push(t0.elapsed());
    }
    out
}
