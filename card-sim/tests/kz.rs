//! `kz-idcard` through APDUs, following NCA's key-slot test utility and its
//! logs (fixtures/kz-idcard/): select, verify, generate, read the public
//! key with GET RESPONSE, sign SHA-1("test").
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

mod support;

use qoltanba_card_sim::{KzSlots, SimCard, SimConfig};
use sha1::{Digest, Sha1};
use support::sw;

const PIN: &str = "1234";

fn kz(slots: KzSlots) -> SimCard {
    SimCard::in_memory(SimConfig::kz(slots, PIN)).unwrap()
}

fn verify(card: &mut SimCard, pin: &str) -> Vec<u8> {
    let mut apdu = vec![0x00, 0x20, 0x00, 0x02, 0x08];
    let mut block = pin.as_bytes().to_vec();
    block.resize(8, b'0');
    apdu.extend_from_slice(&block);
    card.process(&apdu)
}

fn login(card: &mut SimCard) {
    assert_eq!(
        card.process(&[0x00, 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00]),
        [0x90, 0x00]
    );
    assert_eq!(verify(card, PIN), [0x90, 0x00]);
    assert_eq!(
        card.process(&[0x00, 0xA4, 0x00, 0x0C, 0x02, 0x01, 0x01]),
        [0x90, 0x00]
    );
}

fn generate(card: &mut SimCard, n: u8) -> Vec<u8> {
    card.process(&[
        0x00,
        0x46,
        0x02,
        0x00,
        0x05,
        0xA4,
        0x03,
        0x84,
        0x01,
        0x80 | n,
    ])
}

/// Collect a 61xx answer with GET RESPONSE as a T=0 terminal does.
fn collect(card: &mut SimCard, first: Vec<u8>) -> (Vec<u8>, u16) {
    let mut data = Vec::new();
    let mut resp = first;
    let mut calls = 0;
    while resp.len() == 2 && resp[0] == 0x61 {
        resp = card.process(&[0x00, 0xC0, 0x00, 0x00, resp[1]]);
        calls += 1;
        assert!(resp.len() - 2 <= 256);
        data.extend_from_slice(&resp[..resp.len() - 2]);
        if resp[resp.len() - 2] == 0x61 {
            resp = resp[resp.len() - 2..].to_vec();
        }
        assert!(calls < 10);
    }
    (data, sw(&resp))
}

fn read_public_key(card: &mut SimCard, n: u8) -> Vec<u8> {
    card.process(&[
        0x00, 0xCB, 0x3F, 0xFF, 0x0B, 0x4D, 0x09, 0xFF, 0xA0, n, 0x05, 0x7F, 0x49, 0x02, 0x81, 0x00,
    ])
}

fn mse(card: &mut SimCard, n: u8) -> Vec<u8> {
    card.process(&[
        0x00,
        0x22,
        0x41,
        0xA4,
        0x09,
        0x95,
        0x01,
        0x40,
        0x84,
        0x01,
        0x80 | n,
        0x80,
        0x01,
        0x02,
    ])
}

fn sha1_test_digest_info() -> Vec<u8> {
    let mut di = vec![
        0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2B, 0x0E, 0x03, 0x02, 0x1A, 0x05, 0x00, 0x04, 0x14,
    ];
    di.extend_from_slice(&Sha1::digest(b"test"));
    di
}

fn sign(card: &mut SimCard, input: &[u8]) -> Vec<u8> {
    let mut apdu = vec![0x00, 0x88, 0x02, 0x00, input.len() as u8];
    apdu.extend_from_slice(input);
    card.process(&apdu)
}

#[test]
fn two_slot_card_answers_like_output_with_2_sdo_log() {
    let mut card = kz(KzSlots::Two);
    assert_eq!(
        card.atr(),
        [
            0x3B, 0x39, 0x19, 0x00, 0x53, 0x4F, 0x4D, 0x41, 0x44, 0x53, 0x33, 0x30, 0x00
        ]
    );
    login(&mut card);
    let mut moduli = Vec::new();
    for n in [7u8, 8] {
        assert_eq!(generate(&mut card, n), [0x90, 0x00]);
        let first = read_public_key(&mut card, n);
        assert_eq!(first, [0x61, 0x00], "276 bytes wait: 61 00 as in the log");
        let (answer, code) = collect(&mut card, first);
        assert_eq!((answer.len(), code), (15 + 256 + 5, 0x9000));
        assert_eq!(
            answer[..15],
            [
                0xFF, 0xA0, n, 0x82, 0x01, 0x0D, 0x7F, 0x49, 0x82, 0x01, 0x09, 0x81, 0x82, 0x01,
                0x00
            ]
        );
        assert_eq!(answer[271..], [0x82, 0x03, 0x01, 0x00, 0x01]);
        let modulus = answer[15..271].to_vec();
        assert!(modulus[0] & 0x80 != 0, "a 2048-bit modulus");

        assert_eq!(mse(&mut card, n), [0x90, 0x00]);
        let di = sha1_test_digest_info();
        let first = sign(&mut card, &di);
        assert_eq!(first, [0x61, 0x00]);
        let (sig, code) = collect(&mut card, first);
        assert_eq!((sig.len(), code), (256, 0x9000));
        let key = rsa::PublicKey::new(
            rsa::BoxedUint::from_be_slice(&modulus, 2048).unwrap(),
            rsa::BoxedUint::from(65537u32),
        )
        .unwrap();
        key.verify(rsa::Pkcs1v15Sign::new_unprefixed(), &di, &sig)
            .expect("PKCS#1 v1.5 over DigestInfo(SHA-1, SHA-1(\"test\"))");
        moduli.push(modulus);
    }
    assert_ne!(moduli[0], moduli[1]);
    // Slots 9 and A do not exist: 6900 / 6A82, MSE 9000, sign 6A82.
    for n in [9u8, 0x0A] {
        assert_eq!(generate(&mut card, n), [0x69, 0x00]);
        assert_eq!(read_public_key(&mut card, n), [0x6A, 0x82]);
        assert_eq!(mse(&mut card, n), [0x90, 0x00]);
        assert_eq!(sign(&mut card, &sha1_test_digest_info()), [0x6A, 0x82]);
    }
    // GENERATE erases and replaces the key.
    assert_eq!(generate(&mut card, 7), [0x90, 0x00]);
    let (again, _) = collect(&mut card, vec![0x61, 0x00]).clone();
    assert!(again.is_empty(), "nothing pending after another command");
    let first = read_public_key(&mut card, 7);
    let (answer, _) = collect(&mut card, first);
    assert_ne!(answer[15..271], moduli[0][..]);
}

#[test]
fn pin_blocks_after_three_wrong_tries() {
    let mut card = kz(KzSlots::Four);
    assert_eq!(generate(&mut card, 7), [0x69, 0x82]);
    assert_eq!(mse(&mut card, 7), [0x90, 0x00]);
    assert_eq!(sign(&mut card, &sha1_test_digest_info()), [0x69, 0x82]);
    assert_eq!(card.process(&[0x00, 0x20, 0x00, 0x02]), [0x63, 0xC3]);
    assert_eq!(verify(&mut card, "9999"), [0x63, 0xC2]);
    assert_eq!(verify(&mut card, "1235"), [0x63, 0xC1]);
    assert_eq!(verify(&mut card, "0000"), [0x63, 0xC0]);
    assert_eq!(verify(&mut card, PIN), [0x69, 0x83]);
    assert_eq!(card.process(&[0x00, 0x20, 0x00, 0x02]), [0x69, 0x83]);
    assert_eq!(
        card.process(&[0x00, 0x20, 0x00, 0x02, 0x04, 0x31, 0x32, 0x33, 0x34]),
        [0x69, 0x83]
    );
    assert_eq!(card.state().pin_tries, 0);
}

#[test]
fn four_slot_card_and_odd_commands() {
    let mut card = kz(KzSlots::Four);
    // Slot A exists but is empty; slot B does not exist.
    assert_eq!(read_public_key(&mut card, 0x0A), [0x6A, 0x82]);
    login(&mut card);
    assert_eq!(generate(&mut card, 0x0B), [0x69, 0x00]);
    assert_eq!(card.process(&[0x00, 0xC0, 0x00, 0x00, 0x10]), [0x69, 0x85]);
    assert_eq!(
        card.process(&[0x00, 0xA4, 0x00, 0x0C, 0x02, 0x50, 0x00]),
        [0x6A, 0x82]
    );
    assert_eq!(card.process(&[0x0C, 0xA4, 0x00, 0x0C]), [0x6E, 0x00]);
    assert_eq!(card.process(&[0x00, 0xB0, 0x9C, 0x00, 0x00]), [0x6D, 0x00]);
    assert_eq!(
        card.process(&[0x00, 0x20, 0x00, 0x02, 0x02, 0x31, 0x32]),
        [0x67, 0x00]
    );
    assert_eq!(card.process(&[0x00, 0x20, 0x00, 0x02]), [0x90, 0x00]);
    // Reset loses the verified PIN.
    card.reset();
    assert!(!card.pin_verified());
    assert_eq!(generate(&mut card, 7), [0x69, 0x82]);
}
