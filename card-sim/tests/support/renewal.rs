//! A whole renewal of the keys on a `qoltanba-ref-1` simulator card, as the
//! app drives it (open the session with the CAN, VERIFY PIN, check it,
//! find the current keys, start, run to the end with the one-time code
//! typed while the card stays on the phone), against the embedded RA, with
//! every APDU counted at the transport. Shared by the APDU budget test
//! (`tests/renewal_apdus.rs`) and the bench (`benches/card_cost.rs`).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use qoltanba_card::keystore::SharedSession;
use qoltanba_card::secret::{Can, Pin};
use qoltanba_card::{CardSession, CardTransport, TransportError};
use qoltanba_card_sim::{LatencyModel, SimCard, SimConfig, SimTransport, Stats, StatsHandle};
use qoltanba_core::ra::{RaClient, RaConfig};
use qoltanba_core::renewal::{
    CardHome, Outcome, Renewal, RenewalRequest, RenewalUi, Review, ReviewAnswer,
};
use qoltanba_core::store::Store;
use qoltanba_pki::crypto::KeySpec;
use qoltanba_pki::keyfile::{NewPassword, Password};
use qoltanba_testkit::embedded::EmbeddedRa;

const CAN: &str = "582047";
const PIN: &str = "739182";
const PUK: &str = "91736455";
/// A test citizen's IIN without its control digit.
const IIN_STEM: &str = "90010130042";

/// The budget of a P-256 renewal on the reference card (issue 18): APDUs
/// before the one-time code is asked, and after it.
pub const BUDGET_BEFORE_CODE: u64 = 30;
pub const BUDGET_AFTER_CODE: u64 = 12;

/// One command/response pair as the transport saw it.
#[derive(Clone, Debug)]
pub struct Exchange {
    /// CLA INS P1 P2 of the command as sent (INS, P1, P2 stay in clear
    /// under secure messaging).
    pub header: [u8; 4],
    pub command_len: usize,
    /// 0 when the exchange failed.
    pub response_len: usize,
}

impl Exchange {
    /// What the command is, for the breakdown.
    pub fn name(&self) -> &'static str {
        match (self.header[1], self.header[2]) {
            (0xA4, _) => "SELECT",
            (0xB0, _) => "READ BINARY",
            (0xD6, _) => "UPDATE BINARY",
            (0xCA, _) => "GET DATA",
            (0x20, _) => "VERIFY",
            (0x22, _) => "MSE:SET",
            (0x86, _) => "GENERAL AUTHENTICATE",
            (0x88, _) => "INTERNAL AUTHENTICATE",
            (0x2A, _) => "PSO:CDS",
            (0x46, 0x81) => "READ PUBLIC KEY",
            (0x46, _) => "GENERATE",
            (0x44, _) => "ACTIVATE KEYS",
            (0xC0, _) => "GET RESPONSE",
            _ => "other",
        }
    }
}

/// What one phase of the renewal cost on the link.
#[derive(Clone, Debug, Default)]
pub struct Phase {
    pub stats: Stats,
    pub exchanges: Vec<Exchange>,
}

impl Phase {
    /// The latency model's transfer time of the phase (framing and
    /// turnarounds included; simulated − radio is the card's compute).
    pub fn radio(&self, model: &LatencyModel) -> Duration {
        self.exchanges
            .iter()
            .map(|e| model.transfer_time(e.command_len) + model.transfer_time(e.response_len))
            .sum()
    }

    /// APDUs per command, e.g. `READ BINARY 4, SELECT 2`.
    pub fn breakdown(&self) -> String {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for e in &self.exchanges {
            *counts.entry(e.name()).or_default() += 1;
        }
        let mut counts: Vec<_> = counts.into_iter().collect();
        counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        counts
            .iter()
            .map(|(name, n)| format!("{name} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A whole card renewal: before the code (from the tap to the code being
/// asked) and after it (to the installed certificates).
#[derive(Clone, Debug)]
pub struct CardRenewal {
    pub before_code: Phase,
    pub after_code: Phase,
}

impl CardRenewal {
    pub fn whole(&self) -> Phase {
        let (a, b) = (&self.before_code.stats, &self.after_code.stats);
        Phase {
            stats: Stats {
                apdus: a.apdus + b.apdus,
                bytes_to_card: a.bytes_to_card + b.bytes_to_card,
                bytes_from_card: a.bytes_from_card + b.bytes_from_card,
                simulated: a.simulated + b.simulated,
                physical_floor: a.physical_floor + b.physical_floor,
            },
            exchanges: [
                self.before_code.exchanges.clone(),
                self.after_code.exchanges.clone(),
            ]
            .concat(),
        }
    }
}

/// `SimTransport` that also logs every exchange.
struct Recording {
    inner: SimTransport,
    log: Arc<Mutex<Vec<Exchange>>>,
}

impl CardTransport for Recording {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let r = self.inner.transmit(command);
        let mut header = [0u8; 4];
        for (h, c) in header.iter_mut().zip(command) {
            *h = *c;
        }
        self.log.lock().unwrap().push(Exchange {
            header,
            command_len: command.len(),
            response_len: r.as_ref().map_or(0, Vec::len),
        });
        r
    }
    fn atr(&self) -> Option<Vec<u8>> {
        self.inner.atr()
    }
}

/// Confirms the review, types the code at once, and cuts the count where
/// the code is asked.
struct Ui<'a> {
    ra: &'a EmbeddedRa,
    stats: StatsHandle,
    log: Arc<Mutex<Vec<Exchange>>>,
    at_code: Option<(Stats, usize)>,
    /// Answer no code: the renewal pauses.
    pause: bool,
}

impl RenewalUi for Ui<'_> {
    fn review(&mut self, _: &Review) -> ReviewAnswer {
        ReviewAnswer::Confirm
    }
    fn current_password(&mut self, _: &Path) -> Option<Password> {
        None
    }
    fn new_password(&mut self) -> Option<NewPassword> {
        None
    }
    fn code(&mut self, number: i64, _: Option<&str>) -> Option<String> {
        if self.pause {
            return None;
        }
        if self.at_code.is_none() {
            self.at_code = Some((self.stats.snapshot(), self.log.lock().unwrap().len()));
        }
        self.ra.code_for(number)
    }
    fn progress(&mut self, _: &qoltanba_l10n::Text) {}
}

/// A tap: the card is reset, a new counted link comes up, the session is
/// opened with the CAN and the PIN verified, and the renewal's card home
/// checks it is ready (as the app does before starting or resuming).
fn tap(
    card: &Arc<Mutex<SimCard>>,
    model: LatencyModel,
    new_keys_dir: &Path,
) -> (CardHome, StatsHandle, Arc<Mutex<Vec<Exchange>>>) {
    card.lock().unwrap().reset();
    let inner = SimTransport::shared(card.clone()).with_model(model);
    let stats = inner.stats();
    let log = Arc::new(Mutex::new(Vec::new()));
    let transport = Recording {
        inner,
        log: log.clone(),
    };
    let mut session =
        CardSession::open(Box::new(transport), None, Some(&Can::new(CAN).unwrap())).unwrap();
    session.verify_pin(&Pin::new(PIN).unwrap()).unwrap();
    let home = CardHome::new(Arc::new(Mutex::new(session)), Vec::new(), new_keys_dir);
    home.check_ready().unwrap();
    (home, stats, log)
}

fn minus(a: &Stats, b: &Stats) -> Stats {
    Stats {
        apdus: a.apdus - b.apdus,
        bytes_to_card: a.bytes_to_card - b.bytes_to_card,
        bytes_from_card: a.bytes_from_card - b.bytes_from_card,
        simulated: a.simulated - b.simulated,
        physical_floor: a.physical_floor - b.physical_floor,
    }
}

/// How the citizen gives the one-time code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Taps {
    /// Typed while the card stays on the phone: one session throughout.
    One,
    /// The renewal pauses for the code (the card is taken away) and is
    /// resumed with it in a new session: a second tap, PACE and PIN again.
    Two,
}

/// A card enrolled at the embedded RA with `algorithm` keys (AUTH in 81,
/// SIGN in 82), renewed once under `model`.
pub fn renew(algorithm: KeySpec, model: LatencyModel, taps: Taps) -> CardRenewal {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ra = EmbeddedRa::start(&dir.path().join("ra"), &runtime).unwrap();
    let card = Arc::new(Mutex::new(
        SimCard::in_memory(SimConfig::reference(CAN, PIN, PUK)).unwrap(),
    ));
    {
        let transport = SimTransport::shared(card.clone());
        let mut s =
            CardSession::open(Box::new(transport), None, Some(&Can::new(CAN).unwrap())).unwrap();
        s.verify_pin(&Pin::new(PIN).unwrap()).unwrap();
        let shared: SharedSession = Arc::new(Mutex::new(s));
        let iin = qoltanba_pki::cert::with_control_digit(IIN_STEM).unwrap();
        ra.enroll_card_expiring(&iin, algorithm, 20, &shared, &dir.path().join("out"))
            .unwrap();
    }
    let store = Store::open(&dir.path().join("device.db")).unwrap();
    let client = || RaClient::new(RaConfig::new(ra.base_url.clone(), ra.root_der.clone())).unwrap();

    let (home, stats, log) = tap(&card, model, &dir.path().join("new"));
    let request = RenewalRequest {
        key_files: home.current_locations().unwrap(),
        email: "t@example.kz".into(),
        locality: "Астана".into(),
        new_keys_dir: dir.path().join("new"),
    };
    let mut ui = Ui {
        ra: &ra,
        stats: stats.clone(),
        log: log.clone(),
        at_code: None,
        pause: taps == Taps::Two,
    };
    let mut renewal =
        Renewal::start_with_home(&store, client(), Box::new(home), request, &mut ui).unwrap();
    let outcome = runtime.block_on(renewal.run(&mut ui)).unwrap();
    let (before_code, after_code, outcome) = match taps {
        Taps::One => {
            let (at_code, split) = ui.at_code.clone().expect("the code was asked");
            let end = stats.snapshot();
            let log = log.lock().unwrap().clone();
            (
                Phase {
                    stats: at_code.clone(),
                    exchanges: log[..split].to_vec(),
                },
                Phase {
                    stats: minus(&end, &at_code),
                    exchanges: log[split..].to_vec(),
                },
                outcome,
            )
        }
        Taps::Two => {
            assert!(
                matches!(outcome, Outcome::NeedCode { .. }),
                "the renewal paused for the code: {outcome:?}"
            );
            let before = Phase {
                stats: stats.snapshot(),
                exchanges: log.lock().unwrap().clone(),
            };
            let id = renewal.id();
            drop(renewal);
            let (home, stats, log) = tap(&card, model, &dir.path().join("new"));
            ui.pause = false;
            let mut renewal =
                Renewal::resume_with_home(&store, client(), Box::new(home), id).unwrap();
            let outcome = runtime.block_on(renewal.run(&mut ui)).unwrap();
            let after = Phase {
                stats: stats.snapshot(),
                exchanges: log.lock().unwrap().clone(),
            };
            (before, after, outcome)
        }
    };
    match outcome {
        Outcome::Done(summary) => assert_eq!(summary.new.len(), 2),
        other => panic!("the renewal stopped: {other:?}"),
    }
    CardRenewal {
        before_code,
        after_code,
    }
}
