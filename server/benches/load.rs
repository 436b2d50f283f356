//! Load test of the RA over real HTTPS on loopback (not a timed test: it
//! prints figures). `cargo bench -p qoltanba-ra --bench load [-- CLIENTS APPS]`
//!
//! N client threads, each a citizen with P-256 keys, run the whole cabinet
//! path repeatedly: sign an application, submit, read the code from the
//! outbox, confirm (auto-approval issues two certificates), download. Then the
//! same CA issues certificates directly, without HTTP, in the same run: the
//! ratio of the two rates is the server's overhead. A GOST round follows.
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

use std::sync::Arc;
use std::time::{Duration, Instant};

use qoltanba_pki::cert::{KzCertificate, Purpose};
use qoltanba_pki::crypto::{KeySpec, Signer, SoftwareKey, generate};
use qoltanba_pki::keyfile::{KeyFile, NewPassword, Password};
use qoltanba_pki::reissue::{
    ApplicationDetails, StorageKind, build_application, build_csr, individual_subject, verify_csr,
};
use qoltanba_pki::signed_message::sign_message;
use qoltanba_testkit::embedded::EmbeddedRa;
use serde_json::{Value, json};
use time::OffsetDateTime;

const CITIZEN_PASSWORD: &str = "Citiz3nPass";

struct Client {
    agent: ureq::Agent,
    base: String,
}

impl Client {
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

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

use qoltanba_testkit::citizen::iin;

fn round(label: &str, spec: KeySpec, clients: usize, apps: usize, ra: &EmbeddedRa) {
    let (cas, base) = (&ra.cas, ra.base_url.as_str());
    let password = NewPassword::new(Password::new(CITIZEN_PASSWORD)).unwrap();
    let keys_dir = ra.dir().join(format!("keys-{label}"));
    let mut citizens = Vec::new();
    for c in 0..clients {
        let id = iin(1000 + c as u32 + if spec == KeySpec::Gost512 { 500 } else { 0 });
        let written = ra
            .enroll_expiring(&id, spec, 365, &password, &keys_dir.join(&id))
            .unwrap();
        let open = |p: &std::path::Path| {
            let f = KeyFile::open(p, &Password::new(CITIZEN_PASSWORD)).unwrap();
            (
                SoftwareKey::from_pkcs8_der(f.private_key_pkcs8()).unwrap(),
                KzCertificate::from_der(f.certificate_der().unwrap()).unwrap(),
            )
        };
        let auth = written.iter().find(|k| k.purpose != Purpose::Sign).unwrap();
        let sign = written.iter().find(|k| k.purpose != Purpose::Auth).unwrap();
        citizens.push((open(&auth.file), open(&sign.file)));
    }
    let root = ureq::tls::Certificate::from_der(&ra.root_der).to_owned();
    let started = Instant::now();
    let latencies: Vec<Duration> = std::thread::scope(|scope| {
        let handles: Vec<_> = citizens
            .iter()
            .map(|((auth_key, auth_cert), (sign_key, sign_cert))| {
                let root = root.clone();
                scope.spawn(move || {
                    let tls = ureq::tls::TlsConfig::builder()
                        .root_certs(ureq::tls::RootCerts::Specific(Arc::new(vec![root])))
                        .build();
                    let client = Client {
                        agent: ureq::Agent::config_builder()
                            .tls_config(tls)
                            .http_status_as_error(false)
                            .build()
                            .new_agent(),
                        base: base.to_string(),
                    };
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
                    let (status, s) =
                        client.call("POST", "/v1/auth/login", None, login, "application/cms");
                    assert_eq!(status, 200, "{s}");
                    let token = s["token"].as_str().unwrap().to_string();
                    let mut out = Vec::new();
                    for _ in 0..apps {
                        let t0 = Instant::now();
                        let new: Vec<(Purpose, SoftwareKey)> = if spec == KeySpec::Gost512 {
                            vec![(Purpose::Both, generate(spec).unwrap())]
                        } else {
                            vec![
                                (Purpose::Auth, generate(spec).unwrap()),
                                (Purpose::Sign, generate(spec).unwrap()),
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
                        let code = ra.code_for(number).expect("the outbox holds the code");
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
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let elapsed = started.elapsed();
    let mut sorted = latencies.clone();
    sorted.sort();
    let per_app = if spec == KeySpec::Gost512 { 1 } else { 2 };
    let rate = latencies.len() as f64 / elapsed.as_secs_f64();
    println!("{label}: {clients} clients x {apps} applications over HTTPS");
    println!(
        "  applications issued     {:>8.1} /s ({} certificates each)",
        rate, per_app
    );
    println!(
        "  latency p50 / p99       {:>8.1} / {:.1} ms (client key generation and signing included)",
        percentile(&sorted, 0.5).as_secs_f64() * 1000.0,
        percentile(&sorted, 0.99).as_secs_f64() * 1000.0
    );

    // The CA alone: the same kind of certificate, no HTTP, no database.
    let subject = individual_subject("ТЕСТОВ", "ТЕСТ", None, &iin(1), None).unwrap();
    let key = generate(spec).unwrap();
    let purpose = if spec == KeySpec::Gost512 {
        Purpose::Both
    } else {
        Purpose::Sign
    };
    let csr = verify_csr(&build_csr(&key, &subject, purpose).unwrap()).unwrap();
    let n = 200;
    let t0 = Instant::now();
    for _ in 0..n {
        cas.issue(&csr, OffsetDateTime::now_utc(), 365, "https://127.0.0.1")
            .unwrap();
    }
    let raw = n as f64 / t0.elapsed().as_secs_f64();
    println!(
        "  CA certificate signing  {:>8.1} /s raw (same process, same run)",
        raw
    );
    println!(
        "  server share            {:>8.1} % of the time per certificate is not the CA signature",
        (1.0 - (rate * per_app as f64) / raw).max(0.0) * 100.0
    );
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let clients = args.first().copied().unwrap_or(8);
    let apps = args.get(1).copied().unwrap_or(10);
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let ra = EmbeddedRa::start(&dir.path().join("ra"), &runtime).unwrap();
    round("P-256", KeySpec::P256, clients, apps, &ra);
    round("GOST 2015-512", KeySpec::Gost512, clients, apps, &ra);
}
