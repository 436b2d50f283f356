//! Figures for docs/card-profile.md ("Measured cost (simulator)"): what the
//! card operations of a renewal cost on the wire, the simulator's latency
//! model's estimate of their time on a real card, and the host CPU time of
//! terminal + simulator. `cargo bench -p qoltanba-card-sim --bench card_cost`
//! prints a markdown table; nothing here asserts a time.
//!
//! The terminal is the product's: `qoltanba_card::CardSession` and
//! `CardKey` (as a `Signer`), over `SimTransport`. "Simulated" is the
//! model's time (frames, turnarounds, assumed card computation); "floor" is
//! the model's `physical_floor` (bytes × 8 / bit rate + one turnaround per
//! APDU); "radio" is the model's transfer time alone (framing and
//! turnarounds included), so simulated − radio is the assumed card compute.
//!
//! A second table puts the parts together: a whole renewal of a card's
//! keys (the real flow of `qoltanba-core` against the embedded RA), before
//! and after the one-time code, P-256 and RSA-2048, with the code typed
//! while the card stays on the phone (one tap) or the renewal resumed with
//! it later (two taps), and which commands it is made of.
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

#[path = "../tests/support/renewal.rs"]
mod renewal;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use der::{Decode, DecodePem, Encode};
use qoltanba_card::keystore::{CardKey, SharedSession};
use qoltanba_card::profile::{CardAlgorithm, CardProfile, KZ_IDCARD, QOLTANBA_REF_1};
use qoltanba_card::secret::{Can, Pin};
use qoltanba_card::session::Role as CardRole;
use qoltanba_card::{CardSession, CardTransport, TransportError};
use qoltanba_card_sim::{
    KeyAlg, KzSlots, LatencyModel, Role, SimCard, SimConfig, SimTransport, Stats,
};
use qoltanba_pki::crypto::{KeySpec, Signer};
use renewal::Taps;
use spki::SubjectPublicKeyInfoOwned;

const CAN: &str = "123456";
const PIN: &str = "4711";
const PUK: &str = "12345678";
const KZ_PIN: &str = "1234";
/// Runs per scenario and link for cheap scenarios; RSA key generation runs
/// [`RSA_KEYGEN_RUNS`] times per link.
const RUNS: usize = 31;
const RSA_KEYGEN_RUNS: usize = 5;
/// A real NCA test certificate (RSA-2048, 1535 bytes DER): its key is
/// replaced by the slot's so ACTIVATE KEYS accepts it.
const FIXTURE_CERT: &str = "nca-test/ncanode/certs/individual_valid_sign_2004_rsa.cer";

/// What the terminal signs for a reissue application: a DER SET OF signed
/// attributes, about 300 bytes (as in core/benches/signatures.rs).
const MESSAGE: [u8; 300] = [0x5a; 300];

type Card = Arc<Mutex<SimCard>>;

/// `SimTransport` plus a log of (command, response) lengths, for the
/// model's transfer time alone.
struct Recording {
    inner: SimTransport,
    log: Arc<Mutex<Vec<(usize, usize)>>>,
}

impl CardTransport for Recording {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let r = self.inner.transmit(command);
        let resp = r.as_ref().map_or(0, Vec::len);
        self.log.lock().unwrap().push((command.len(), resp));
        r
    }
    fn atr(&self) -> Option<Vec<u8>> {
        self.inner.atr()
    }
}

/// One link to a card, counting from a point chosen by the scenario.
struct Link {
    stats: qoltanba_card_sim::StatsHandle,
    log: Arc<Mutex<Vec<(usize, usize)>>>,
    model: LatencyModel,
    started: Instant,
}

impl Link {
    /// A fresh tap: the card is reset and a new transport comes up.
    fn tap(card: &Card, model: LatencyModel) -> (Box<dyn CardTransport>, Self) {
        card.lock().unwrap().reset();
        let inner = SimTransport::shared(Arc::clone(card)).with_model(model);
        let stats = inner.stats();
        let log = Arc::default();
        let transport = Recording {
            inner,
            log: Arc::clone(&log),
        };
        let link = Link {
            stats,
            log,
            model,
            started: Instant::now(),
        };
        (Box::new(transport), link)
    }

    /// Count from here.
    fn restart(&mut self) {
        self.stats.reset();
        self.log.lock().unwrap().clear();
        self.started = Instant::now();
    }

    /// What was counted since the tap or the last restart.
    fn sample(&self) -> Sample {
        let host = self.started.elapsed();
        let radio = self
            .log
            .lock()
            .unwrap()
            .iter()
            .map(|&(c, r)| self.model.transfer_time(c) + self.model.transfer_time(r))
            .sum();
        Sample {
            stats: self.stats.snapshot(),
            radio,
            host,
        }
    }
}

#[derive(Debug, Clone)]
struct Sample {
    stats: Stats,
    radio: Duration,
    host: Duration,
}

fn can() -> Can {
    Can::new(CAN).unwrap()
}

fn open(transport: Box<dyn CardTransport>, profile: &'static CardProfile) -> CardSession {
    let can = (profile.can_digits > 0).then(can);
    CardSession::open(transport, Some(profile), can.as_ref()).expect("open")
}

fn spki(der: &[u8]) -> SubjectPublicKeyInfoOwned {
    SubjectPublicKeyInfoOwned::from_der(der).unwrap()
}

// ---- scenarios: each returns what it measured --------------------------------

/// Scenario 1: PACE: EF.CardAccess, MSE:SET AT, GA 1-4, SELECT application.
fn pace(card: &Card, model: LatencyModel) -> Vec<Sample> {
    let (t, link) = Link::tap(card, model);
    let session = open(t, &QOLTANBA_REF_1);
    let s = link.sample();
    drop(session);
    vec![s]
}

/// Scenario 2: PACE + VERIFY PIN + one signature through `CardKey::sign` with a key
/// whose public key the terminal already knows (from the status and
/// certificates it read before, as the renewal does).
fn pace_pin_sign(
    card: &Card,
    model: LatencyModel,
    slot: u8,
    key: &SubjectPublicKeyInfoOwned,
    pin: &Pin,
) -> Vec<Sample> {
    let (t, link) = Link::tap(card, model);
    let mut session = open(t, &QOLTANBA_REF_1);
    session.verify_pin(pin).expect("PIN");
    let shared: SharedSession = Arc::new(Mutex::new(session));
    let signer = CardKey::with_public_key(&shared, slot, false, key.clone()).unwrap();
    let signature = signer.sign(&MESSAGE).expect("sign");
    let s = link.sample();
    assert!(signature.len() >= 64);
    vec![s]
}

/// Scenario 3: GENERATE into a free slot, after PACE + PIN (not counted).
fn generate(card: &Card, model: LatencyModel, alg: CardAlgorithm, pin: &Pin) -> Vec<Sample> {
    let (t, mut link) = Link::tap(card, model);
    let mut session = open(t, &QOLTANBA_REF_1);
    session.verify_pin(pin).expect("PIN");
    link.restart();
    let key = session.generate(0x84, alg).expect("generate");
    let s = link.sample();
    std::hint::black_box(key);
    vec![s]
}

/// Scenario 4: After PACE + PIN (not counted): SELECT + UPDATE BINARY of one
/// certificate; the other written (not counted); then one ACTIVATE KEYS
/// moving both roles, as the renewal installs. Two samples.
fn write_activate(
    card: &Card,
    model: LatencyModel,
    slots: (u8, u8),
    certs: (&[u8], &[u8]),
    pin: &Pin,
) -> Vec<Sample> {
    let (t, mut link) = Link::tap(card, model);
    let mut session = open(t, &QOLTANBA_REF_1);
    session.verify_pin(pin).expect("PIN");
    link.restart();
    session.write_certificate(slots.0, certs.0).expect("write");
    let write = link.sample();
    session.write_certificate(slots.1, certs.1).expect("write");
    link.restart();
    session
        .activate(&[(CardRole::Auth, slots.0), (CardRole::Sign, slots.1)])
        .expect("ACTIVATE");
    let activate = link.sample();
    vec![write, activate]
}

/// Scenario 5: kz-idcard, contact: SELECT MF and DF, VERIFY PIN, read the public key,
/// one RSA signature (MSE, INTERNAL AUTHENTICATE, GET RESPONSE).
fn kz_pin_sign(card: &Card, model: LatencyModel, slot: u8, pin: &Pin) -> Vec<Sample> {
    let (t, link) = Link::tap(card, model);
    let mut session = open(t, &KZ_IDCARD);
    session.verify_pin(pin).expect("PIN");
    let shared: SharedSession = Arc::new(Mutex::new(session));
    let signer = CardKey::open(&shared, slot, false).expect("public key");
    let signature = signer.sign(&MESSAGE).expect("sign");
    let s = link.sample();
    assert_eq!(signature.len(), 256);
    vec![s]
}

// ---- certificate ---------------------------------------------------------------

/// The fixture certificate (DER) with its SubjectPublicKeyInfo replaced by
/// `spki_der`, lengths fixed up. The issuer's signature no longer verifies;
/// the card checks structure and key only.
fn certificate_for(spki_der: &[u8]) -> Vec<u8> {
    let path = qoltanba_testkit::fixtures::path(FIXTURE_CERT);
    let pem = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let cert = x509_cert::Certificate::from_pem(pem.as_bytes()).unwrap();
    let der = cert.to_der().unwrap();
    let old = cert
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .unwrap();
    let at = der
        .windows(old.len())
        .position(|w| w == old.as_slice())
        .expect("SPKI inside the certificate");
    // Certificate and TBSCertificate both use the `30 82 LL LL` form here.
    assert_eq!((der[0], der[1], der[4], der[5]), (0x30, 0x82, 0x30, 0x82));
    let tbs_len = usize::from(u16::from_be_bytes([der[6], der[7]]));
    let body = [&der[8..at], spki_der, &der[at + old.len()..]].concat();
    let new_tbs_len = tbs_len + spki_der.len() - old.len();
    let mut out = vec![0x30, 0x82, 0, 0, 0x30, 0x82];
    out.extend_from_slice(&(new_tbs_len as u16).to_be_bytes());
    out.extend_from_slice(&body);
    let outer = (out.len() - 4) as u16;
    out[2..4].copy_from_slice(&outer.to_be_bytes());
    x509_cert::Certificate::from_der(&out).expect("rebuilt certificate parses");
    out
}

// ---- table -----------------------------------------------------------------------

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2
    }
}

fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms >= 100.0 {
        format!("{ms:.0}")
    } else {
        format!("{ms:.1}")
    }
}

struct Table {
    rows: Vec<String>,
}

impl Table {
    /// Run `f` `runs` times, check the wire figures repeat, add one row per
    /// sample position.
    fn add(&mut self, names: &[&str], link: &str, runs: usize, mut f: impl FnMut() -> Vec<Sample>) {
        let mut all: Vec<Vec<Sample>> = Vec::new();
        for _ in 0..runs {
            all.push(f());
        }
        for (i, name) in names.iter().enumerate() {
            let first = &all[0][i];
            for run in &all {
                let s = &run[i].stats;
                assert_eq!(
                    (s.apdus, s.bytes_to_card, s.bytes_from_card),
                    (
                        first.stats.apdus,
                        first.stats.bytes_to_card,
                        first.stats.bytes_from_card
                    ),
                    "{name}: the wire figures changed between runs"
                );
            }
            let host = median(all.iter().map(|r| r[i].host).collect());
            let s = &first.stats;
            let compute = s.simulated.saturating_sub(first.radio);
            let row = format!(
                "| {name} | {link} | {} | {} | {} | {} | {} | {} | {} | {:.0} % | {} ({runs}) |",
                s.apdus,
                s.bytes_to_card,
                s.bytes_from_card,
                ms(s.simulated),
                ms(first.radio),
                ms(compute),
                ms(s.physical_floor),
                100.0 * s.physical_floor.as_secs_f64() / s.simulated.as_secs_f64(),
                ms(host),
            );
            eprintln!("{row}");
            self.rows.push(row);
        }
    }
}

fn main() {
    let started = Instant::now();
    // `cargo bench` passes `--bench`; `cargo test --benches` does not: then
    // one run of each scenario is enough to check that it still works.
    let full = std::env::args().any(|a| a == "--bench");
    let (runs, rsa_runs) = if full {
        (RUNS, RSA_KEYGEN_RUNS)
    } else {
        (1, 1)
    };
    let pin = Pin::new(PIN).unwrap();
    let kz_pin = Pin::new(KZ_PIN).unwrap();

    // Card A: RSA SIGN key in 81, P-256 in 82.
    let mut a = SimCard::in_memory(SimConfig::reference(CAN, PIN, PUK)).unwrap();
    let rsa_spki = a.generate_key(0x81, KeyAlg::Rsa2048).unwrap();
    let ec_spki = a.generate_key(0x82, KeyAlg::P256).unwrap();
    a.set_role(Role::Sign, 0x81).unwrap();
    a.set_role(Role::Auth, 0x81).unwrap();
    let a: Card = Arc::new(Mutex::new(a));
    // Card D: RSA keys in all four slots; the certificates of one pair are
    // written and both roles moved to it, then the other pair's.
    let mut d = SimCard::in_memory(SimConfig::reference(CAN, PIN, PUK)).unwrap();
    let mut certs = Vec::new();
    for slot in [0x81, 0x82, 0x83, 0x84] {
        let spki = d.generate_key(slot, KeyAlg::Rsa2048).unwrap();
        certs.push((slot, certificate_for(&spki)));
    }
    d.set_role(Role::Auth, 0x81).unwrap();
    d.set_role(Role::Sign, 0x82).unwrap();
    let d: Card = Arc::new(Mutex::new(d));
    // Card B: for key generation (slot 84, no role).
    let b: Card = Arc::new(Mutex::new(
        SimCard::in_memory(SimConfig::reference(CAN, PIN, PUK)).unwrap(),
    ));
    // Card C: kz-idcard with an RSA key in 87.
    let mut c = SimCard::in_memory(SimConfig::kz(KzSlots::Four, KZ_PIN)).unwrap();
    c.generate_key(0x87, KeyAlg::Rsa2048).unwrap();
    let c: Card = Arc::new(Mutex::new(c));
    let (rsa_spki, ec_spki) = (spki(&rsa_spki), spki(&ec_spki));
    eprintln!(
        "setup {:.1} s; certificate {} bytes",
        started.elapsed().as_secs_f64(),
        certs[0].1.len()
    );

    let mut table = Table { rows: Vec::new() };
    let mut turn = 0;
    for kbit in [106, 212, 424] {
        let model = LatencyModel::contactless(kbit);
        let link = format!("NFC {kbit}");
        table.add(&["1 PACE (open)"], &link, runs, || pace(&a, model));
        table.add(&["2 PACE + PIN + sign RSA-2048"], &link, runs, || {
            pace_pin_sign(&a, model, 0x81, &rsa_spki, &pin)
        });
        table.add(&["2 PACE + PIN + sign P-256"], &link, runs, || {
            pace_pin_sign(&a, model, 0x82, &ec_spki, &pin)
        });
        table.add(&["3 GENERATE RSA-2048"], &link, rsa_runs, || {
            generate(&b, model, CardAlgorithm::Rsa2048, &pin)
        });
        table.add(&["3 GENERATE P-256"], &link, runs, || {
            generate(&b, model, CardAlgorithm::P256, &pin)
        });
        let names = [
            &*format!("4 write certificate ({} B)", certs[0].1.len()),
            "4 ACTIVATE KEYS (2 roles)",
        ];
        table.add(&names, &link, runs, || {
            // Alternate pairs: the one just activated holds the roles now.
            let pair = if turn % 2 == 0 { 2 } else { 0 };
            turn += 1;
            let (first, second) = (&certs[pair], &certs[pair + 1]);
            write_activate(&d, model, (first.0, second.0), (&first.1, &second.1), &pin)
        });
    }
    let contact = LatencyModel::contact();
    table.add(
        &["5 kz-idcard: SELECTs + PIN + read key + sign RSA-2048"],
        "contact 115.2",
        runs,
        || kz_pin_sign(&c, contact, 0x87, &kz_pin),
    );

    println!();
    println!(
        "| scenario | link (kbit/s) | APDUs | bytes to card | bytes from card | simulated ms | radio ms | card compute ms | floor ms | floor / simulated | host ms (runs) |"
    );
    println!("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for row in &table.rows {
        println!("{row}");
    }
    println!();
    println!(
        "Whole card renewals (qoltanba-ref-1, the real renewal flow, APDUs counted at the transport):"
    );
    println!();
    println!(
        "| renewal | taps | link (kbit/s) | phase | APDUs | bytes to card | bytes from card | simulated ms | radio ms | card compute ms | parts (APDUs per command) |"
    );
    println!("| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
    let algorithms: &[(KeySpec, &str)] = if full {
        &[(KeySpec::P256, "P-256"), (KeySpec::Rsa2048, "RSA-2048")]
    } else {
        // RSA key generation in a debug build takes too long for a smoke run.
        &[(KeySpec::P256, "P-256")]
    };
    let mut budget = None;
    for &(spec, name) in algorithms {
        for (taps, taps_name) in [(Taps::One, "one"), (Taps::Two, "two")] {
            for kbit in [106, 424] {
                let model = LatencyModel::contactless(kbit);
                let r = renewal::renew(spec, model, taps);
                if (spec, taps, kbit) == (KeySpec::P256, Taps::One, 106) {
                    budget = Some(format!(
                        "Budget (issue 18), P-256 with one tap at 106 kbit/s: {} of {} APDUs before the code, {} of {} after, {:.2} s in all (about 1.5 s).",
                        r.before_code.stats.apdus,
                        renewal::BUDGET_BEFORE_CODE,
                        r.after_code.stats.apdus,
                        renewal::BUDGET_AFTER_CODE,
                        r.whole().stats.simulated.as_secs_f64()
                    ));
                }
                for (phase, p) in [
                    ("before the code", &r.before_code),
                    ("after the code", &r.after_code),
                    ("whole", &r.whole()),
                ] {
                    let radio = p.radio(&model);
                    let row = format!(
                        "| {name} | {taps_name} | NFC {kbit} | {phase} | {} | {} | {} | {} | {} | {} | {} |",
                        p.stats.apdus,
                        p.stats.bytes_to_card,
                        p.stats.bytes_from_card,
                        ms(p.stats.simulated),
                        ms(radio),
                        ms(p.stats.simulated.saturating_sub(radio)),
                        p.breakdown(),
                    );
                    eprintln!("{row}");
                    println!("{row}");
                }
            }
        }
    }
    println!();
    if let Some(line) = budget {
        println!("{line}");
        println!();
    }
    println!(
        "simulated = the latency model (10 bit times per byte, 4 bytes of framing per frame of up to 252 payload bytes, 1 ms turnaround per frame, assumed card compute); radio = its transfer part; floor = bytes × 8 / bit rate + 1 ms per APDU, which no card beats; host = wall clock of terminal + simulator on this machine, median of the given runs."
    );
    eprintln!("total {:.1} s", started.elapsed().as_secs_f64());
}
