//! The card session fed hostile answers: a transport that answers every
//! command with the fuzzer's next frame, under each card profile (or none,
//! so the ATR and the probe pick one), through opening (PACE on
//! `qoltanba-ref-1`: EF.CardAccess, nonce, keys, tokens) and every
//! operation a shell calls, in an order the fuzzer picks.
//!
//! Input: frames (qoltanba_fuzz::Frames): the first is the script (one
//! operation per byte), the second the ATR, the rest the card's answers in
//! order; when they run out the card is gone (tag lost).
#![no_main]

use libfuzzer_sys::fuzz_target;
use qoltanba_card::CardSession;
use qoltanba_card::profile::{KZ_IDCARD, QOLTANBA_REF_1};
use qoltanba_card::secret::{Can, Pin, Puk};
use qoltanba_card::session::Role;
use qoltanba_card::transport::{CardTransport, TransportError};

struct HostileCard {
    atr: Option<Vec<u8>>,
    answers: std::vec::IntoIter<Vec<u8>>,
}

impl CardTransport for HostileCard {
    fn transmit(&mut self, _command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.answers.next().ok_or(TransportError::TagLost)
    }

    fn atr(&self) -> Option<Vec<u8>> {
        self.atr.clone()
    }
}

fuzz_target!(|data: &[u8]| {
    let mut frames = qoltanba_fuzz::Frames::new(data);
    let script = frames.next().unwrap_or_default();
    let atr = frames.next().filter(|a| !a.is_empty()).map(<[u8]>::to_vec);
    let answers: Vec<Vec<u8>> = frames.map(<[u8]>::to_vec).collect();
    let (&choice, script) = script.split_first().unwrap_or((&0, &[]));
    let profile = match choice % 3 {
        0 => None,
        1 => Some(&QOLTANBA_REF_1),
        _ => Some(&KZ_IDCARD),
    };
    let transport = Box::new(HostileCard {
        atr,
        answers: answers.into_iter(),
    });
    let Ok(detected) = CardSession::detect(transport, profile) else {
        return;
    };
    let can = Can::new("123456").ok();
    let Ok(mut session) = detected.open(can.as_ref()) else {
        return;
    };
    let profile = session.profile();
    let Ok(pin) = Pin::new("123456") else { return };
    let Ok(new_pin) = Pin::new("654321") else {
        return;
    };
    let Ok(puk) = Puk::new("12345678") else {
        return;
    };
    for (i, &op) in script.iter().enumerate().take(32) {
        let slot = profile.slots[i % profile.slots.len()];
        let algorithm = profile.algorithms[i % profile.algorithms.len()];
        let _ = match op % 12 {
            0 => session.status().map(|s| s.role_slot(Role::Sign)).map(drop),
            1 => session.read_certificate(slot).map(drop),
            2 => session.public_key(slot).map(drop),
            3 => session.pin_status().map(drop),
            4 => session.verify_pin(&pin),
            5 => session
                .sign_raw(slot, algorithm, op & 0x80 != 0, &[0x5A; 32])
                .map(drop),
            6 => session.generate(slot, algorithm).map(drop),
            7 => session.write_certificate(slot, &[0x30, 0x03, 0x02, 0x01, 0x01]),
            8 => session.activate(&[(Role::Auth, slot), (Role::Sign, slot)]),
            9 => session.change_pin(&pin, &new_pin),
            10 => session.unblock_pin(&puk, &new_pin),
            _ => session.check_pin_usable(),
        };
    }
});
