//! Random bytes never make the card panic, in any profile or state.
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

mod support;

use proptest::prelude::*;
use qoltanba_card_sim::{KzSlots, SimCard, SimConfig};
use support::*;

fn check(card: &mut SimCard, apdus: &[Vec<u8>]) {
    for a in apdus {
        let resp = card.process(a);
        assert!(resp.len() >= 2);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn reference_card_never_panics(apdus in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 1..8)) {
        let mut card = ref_card();
        check(&mut card, &apdus);
    }

    #[test]
    fn reference_card_in_a_session_never_panics(
        body in proptest::collection::vec(any::<u8>(), 0..300),
        header in any::<[u8; 4]>(),
        sm_cla in any::<bool>(),
    ) {
        let mut card = ref_card();
        let _sm = open(&mut card);
        let mut apdu = header.to_vec();
        if sm_cla {
            apdu[0] = 0x0C;
        }
        apdu.extend_from_slice(&body);
        check(&mut card, &[apdu]);
    }

    #[test]
    fn structured_commands_never_panic(
        ins in prop::sample::select(vec![0x20u8, 0x22, 0x24, 0x2A, 0x2C, 0x44, 0x46, 0x86, 0x88, 0xA4, 0xB0, 0xCA, 0xD6, 0xC0, 0xCB]),
        cla in prop::sample::select(vec![0x00u8, 0x10, 0x80]),
        p1 in any::<u8>(), p2 in any::<u8>(),
        data in proptest::collection::vec(any::<u8>(), 1..120),
    ) {
        let mut a = vec![cla, ins, p1, p2, data.len() as u8];
        a.extend_from_slice(&data);
        let mut card = ref_card();
        check(&mut card, std::slice::from_ref(&a));
        let mut sm = open(&mut card);
        let mut plain = a.clone();
        plain[0] &= 0xF3;
        if let Ok(w) = sm.wrap(&plain) {
            check(&mut card, &[w]);
        }
        let mut kz = SimCard::in_memory(SimConfig::kz(KzSlots::Four, "1234")).unwrap();
        check(&mut kz, &[a]);
    }

    #[test]
    fn kz_card_never_panics(apdus in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 1..8)) {
        let mut card = SimCard::in_memory(SimConfig::kz(KzSlots::Two, "1234")).unwrap();
        check(&mut card, &apdus);
    }
}
