//! The simulator's command handler (SimCard::process) fed hostile command
//! APDUs, under both profiles: a `kz-idcard` and a `qoltanba-ref-1` card in
//! clear, and a `qoltanba-ref-1` card behind secure messaging, where the
//! harness runs PACE with the CAN first (qoltanba-card's terminal side) and
//! protects each fuzzed command, so the card's SM unwrapping and every
//! command behind it are reached.
//!
//! The cards come personalised (keys in their slots, generated once per
//! process) and are fresh for every input. Commands that would generate an
//! RSA key (GENERATE on `kz-idcard`, or with the RSA algorithm byte on
//! `qoltanba-ref-1`) are skipped: a 2048-bit key costs 0.1 to 1 s, which
//! would hold the fuzzer at a few inputs a second; the simulator's own
//! tests cover that command.
//!
//! Input: the first byte picks the card and mode; then frames
//! (qoltanba_fuzz::Frames), each one command: raw APDU bytes in clear, or
//! `INS P1 P2 Le-byte data…` behind secure messaging.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use qoltanba_card::apdu::Command;
use qoltanba_card::channel::Channel;
use qoltanba_card::pace::{PacePassword, choose, establish, parse_card_access};
use qoltanba_card::transport::{CardTransport, TransportError};
use qoltanba_card_sim::pace::FixedRandom;
use qoltanba_card_sim::{KeyAlg, KzSlots, SimCard, SimConfig};

const CAN: &str = "123456";

/// The personalised cards, saved once per process: (kz-idcard, ref-1).
fn templates() -> &'static (PathBuf, PathBuf) {
    static TEMPLATES: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    TEMPLATES.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("qoltanba-fuzz-sim-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a scratch folder");
        let kz = dir.join("kz.json");
        let mut card = SimCard::create(Some(&kz), SimConfig::kz(KzSlots::Two, "1234"))
            .expect("a kz-idcard card");
        card.generate_key(0x87, KeyAlg::Rsa2048).expect("a key");
        let reference = dir.join("ref.json");
        let mut card = SimCard::create(
            Some(&reference),
            SimConfig::reference(CAN, "123456", "12345678"),
        )
        .expect("a reference card");
        let slots = card.profile().slots();
        for (i, &slot) in slots.iter().enumerate() {
            let alg = if i == 0 {
                KeyAlg::Rsa2048
            } else {
                KeyAlg::P256
            };
            card.generate_key(slot, alg).expect("a key");
        }
        (kz, reference)
    })
}

/// A fresh copy of a template card, with reproducible randomness.
fn fresh(template: &PathBuf) -> SimCard {
    let scratch = template.with_extension("scratch");
    std::fs::copy(template, &scratch).expect("a copy of the card");
    let mut card = SimCard::open(&scratch).expect("the card opens");
    card.set_random(Box::new(FixedRandom::new(
        (0u32..4096).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8),
    )));
    card
}

fn generates_rsa(kz: bool, apdu: &[u8]) -> bool {
    apdu.get(1) == Some(&0x46) && (kz || apdu[2..].contains(&0x01))
}

/// The simulator as the terminal's transport.
struct Sim(SimCard);

impl CardTransport for Sim {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        Ok(self.0.process(command))
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let (kz, reference) = templates();
    let frames = qoltanba_fuzz::Frames::new(rest);
    match mode % 3 {
        0 | 1 => {
            let is_kz = mode % 3 == 0;
            let mut card = fresh(if is_kz { kz } else { reference });
            for apdu in frames.take(64) {
                if !generates_rsa(is_kz, apdu) {
                    let answer = card.process(apdu);
                    assert!(answer.len() >= 2, "every answer ends in a status word");
                }
            }
        }
        _ => {
            let mut channel = Channel::new(Box::new(Sim(fresh(reference))));
            let Some(sm) = open_pace(&mut channel) else {
                panic!("PACE with the simulator failed");
            };
            channel.start_secure_messaging(sm);
            for frame in frames.take(64) {
                let [ins, p1, p2, le, data @ ..] = frame else {
                    continue;
                };
                if *ins == 0x46 && data.contains(&0x01) {
                    continue;
                }
                let mut command = Command::new(0x00, *ins, *p1, *p2);
                if !data.is_empty() {
                    command = command.with_data(data.to_vec());
                }
                if *le != 0 {
                    command = command.with_le(usize::from(*le));
                }
                if channel.transmit(&command).is_err() && !channel.is_secure() {
                    break;
                }
            }
        }
    }
});

/// PACE with the CAN, as CardSession does it: EF.CardAccess by its SFI,
/// then the protocol.
fn open_pace(channel: &mut Channel) -> Option<qoltanba_card::sm::SecureMessaging> {
    let read = Command::new(0x00, 0xB0, 0x80 | 0x1C, 0x00).with_le(256);
    let card_access = channel.transmit(&read).ok()?;
    let infos = parse_card_access(&card_access.data).ok()?;
    let info = choose(&infos).ok()?;
    establish(channel.transport(), &info, &PacePassword::can(CAN).ok()?).ok()
}
