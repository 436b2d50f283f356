//! Load test of the RA over real HTTPS on loopback (not a timed test: it
//! prints figures). `cargo bench -p qoltanba-ra --bench load [-- CLIENTS APPS]`
//!
//! N client threads, each a citizen with P-256 keys, run the whole cabinet
//! path repeatedly: sign an application, submit, read the code from the
//! outbox, confirm (auto-approval issues two certificates), download. Then the
//! same CA issues certificates directly, without HTTP, in the same run: the
//! ratio of the two rates is the server's overhead. A GOST round follows.
//! (`national_scale` runs the same path against `qoltanba-ra serve`
//! processes on SQLite and PostgreSQL.)
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

#[path = "support/cabinet.rs"]
mod cabinet;

use std::time::Instant;

use qoltanba_pki::cert::Purpose;
use qoltanba_pki::crypto::{KeySpec, generate};
use qoltanba_pki::keyfile::{NewPassword, Password};
use qoltanba_pki::reissue::{build_csr, individual_subject, verify_csr};
use qoltanba_testkit::citizen::iin;
use qoltanba_testkit::embedded::EmbeddedRa;
use time::OffsetDateTime;

use cabinet::{CITIZEN_PASSWORD, Citizen, Target};

fn round(label: &str, spec: KeySpec, clients: usize, apps: usize, ra: &EmbeddedRa) {
    let password = NewPassword::new(Password::new(CITIZEN_PASSWORD)).unwrap();
    let keys_dir = ra.dir().join(format!("keys-{label}"));
    let citizens: Vec<Citizen> = (0..clients)
        .map(|c| {
            let id = iin(1000 + c as u32 + if spec == KeySpec::Gost512 { 500 } else { 0 });
            let written = ra
                .enroll_expiring(&id, spec, 365, &password, &keys_dir.join(&id))
                .unwrap();
            Citizen::open(spec, &written)
        })
        .collect();
    let code = |number: i64| ra.code_for(number).expect("the outbox holds the code");
    let bases = [ra.base_url.clone()];
    let outcome = cabinet::run(
        &citizens,
        &Target {
            bases: &bases,
            root_der: &ra.root_der,
            code: &code,
        },
        apps,
    );
    let rate = outcome.applications_per_second();
    println!("{label}: {clients} clients x {apps} applications over HTTPS");
    println!(
        "  applications issued     {:>8.1} /s ({} certificates each)",
        rate, outcome.per_application
    );
    println!(
        "  latency p50 / p99       {:>8.1} / {:.1} ms (client key generation and signing included)",
        outcome.percentile(0.5).as_secs_f64() * 1000.0,
        outcome.percentile(0.99).as_secs_f64() * 1000.0
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
        ra.cas
            .issue(&csr, OffsetDateTime::now_utc(), 365, "https://127.0.0.1")
            .unwrap();
    }
    let raw = n as f64 / t0.elapsed().as_secs_f64();
    println!(
        "  CA certificate signing  {:>8.1} /s raw (same process, same run)",
        raw
    );
    println!(
        "  server share            {:>8.1} % of the time per certificate is not the CA signature",
        (1.0 - outcome.certificates_per_second() / raw).max(0.0) * 100.0
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
