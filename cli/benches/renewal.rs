//! Figures of a full renewal against the local reference RA (in-process,
//! HTTPS on loopback): wall time per step, split into client work and
//! round trips to the server, and the cold start of the app (open the local
//! database, load a renewal's state). Prints a table; asserts no time.
//! `cargo bench -p qoltanba-cli --bench renewal`
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

use std::time::{Duration, Instant};

use qoltanba_core::ra::{RaClient, RaConfig};
use qoltanba_core::renewal::{Outcome, Renewal, RenewalRequest, RenewalUi, Step};
use qoltanba_core::store::Store;
use qoltanba_pki::crypto::KeySpec;
use qoltanba_pki::keyfile::{NewPassword, Password};
use qoltanba_testkit::embedded::{EmbeddedRa, random_password};

struct Timing<'a> {
    current: Password,
    new: NewPassword,
    ra: &'a EmbeddedRa,
    last: Instant,
    steps: Vec<(Step, Duration)>,
}

impl RenewalUi for Timing<'_> {
    fn review(
        &mut self,
        _: &qoltanba_core::renewal::Review,
    ) -> qoltanba_core::renewal::ReviewAnswer {
        qoltanba_core::renewal::ReviewAnswer::Confirm
    }
    fn current_password(&mut self, _: &std::path::Path) -> Option<Password> {
        Some(self.current.clone())
    }
    fn new_password(&mut self) -> Option<NewPassword> {
        Some(self.new.clone())
    }
    fn code(&mut self, number: i64, _: Option<&str>) -> Option<String> {
        self.ra.code_for(number)
    }
    fn progress(&mut self, _: &qoltanba_l10n::Text) {}
    fn committed(&mut self, step: Step) {
        let now = Instant::now();
        self.steps.push((step, now - self.last));
        self.last = now;
    }
}

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let work = tempfile::tempdir().unwrap();
    let ra = EmbeddedRa::start(&work.path().join("ra"), &runtime).unwrap();
    let client = RaClient::new(RaConfig::new(ra.base_url.clone(), ra.root_der.clone())).unwrap();

    // The round trip alone: the cheapest request (a login challenge).
    let t = Instant::now();
    let n = 50;
    for _ in 0..n {
        runtime.block_on(client.challenge()).unwrap();
    }
    let rtt = t.elapsed() / n;
    println!(
        "HTTPS round trip on loopback (POST /v1/auth/challenge): {:.2} ms",
        rtt.as_secs_f64() * 1e3
    );

    for (label, spec, seq) in [
        ("GOST 2015-512", KeySpec::Gost512, "1"),
        ("RSA-2048", KeySpec::Rsa2048, "2"),
        ("ECDSA P-256", KeySpec::P256, "3"),
    ] {
        let password = Password::new(random_password("Kz"));
        let iin = qoltanba_pki::cert::with_control_digit(&format!("9001013000{seq}")).unwrap();
        let keys = ra
            .enroll_expiring(
                &iin,
                spec,
                7,
                &NewPassword::new(password.clone()).unwrap(),
                &work.path().join(format!("c{seq}")),
            )
            .unwrap();
        let store = Store::open(&work.path().join(format!("device-{seq}.db"))).unwrap();
        let mut ui = Timing {
            current: password,
            new: NewPassword::new(Password::new(random_password("New"))).unwrap(),
            ra: &ra,
            last: Instant::now(),
            steps: Vec::new(),
        };
        let started = Instant::now();
        let request = RenewalRequest {
            key_files: keys.iter().map(|k| k.file.clone()).collect(),
            email: "t@example.kz".into(),
            locality: "Астана".into(),
            new_keys_dir: work.path().join(format!("new-{seq}")),
        };
        let mut renewal = Renewal::start(&store, client.clone(), request, &mut ui).unwrap();
        let outcome = runtime.block_on(renewal.run(&mut ui)).unwrap();
        let total = started.elapsed();
        assert!(matches!(outcome, Outcome::Done(_)));
        println!("{label}: full renewal {:.1} ms", total.as_secs_f64() * 1e3);
        // Which steps talk to the server, and how many requests each makes.
        for (step, took) in &ui.steps {
            let (what, requests) = match step {
                Step::Started => ("open the current key files (NCA profile KDF)", 0),
                Step::KeysGenerated => (
                    "log in, list certificates, generate and store the new keys",
                    3,
                ),
                Step::Signed => ("build CSRs and sign the application", 0),
                Step::Submitted => ("submit (server verifies CMS, CSRs, chain)", 1),
                Step::Confirmed => ("status + code (server issues the certificates)", 2),
                Step::Issued => ("download certificates and chains", 1),
                Step::Installed => ("verify chain and key, write the key files", 0),
                Step::Done => ("commit", 0),
                Step::Failed => ("failed", 0),
            };
            let network = rtt * requests;
            println!(
                "  {:<15} {:>8.1} ms  ({} round trips ≈ {:.1} ms; the rest client or server work): {what}",
                step.name(),
                took.as_secs_f64() * 1e3,
                requests,
                network.as_secs_f64() * 1e3
            );
        }
        // Cold start: open the database and load the (finished) renewal.
        let path = work.path().join(format!("device-{seq}.db"));
        let id = renewal.id();
        drop(renewal);
        drop(store);
        let t = Instant::now();
        let runs = 50;
        for _ in 0..runs {
            let store = Store::open(&path).unwrap();
            let resumed = Renewal::resume(&store, client.clone(), id).unwrap();
            std::hint::black_box(resumed.state().step);
        }
        println!(
            "  cold start (open database + load state): {:.2} ms",
            (t.elapsed() / runs).as_secs_f64() * 1e3
        );
    }
}
