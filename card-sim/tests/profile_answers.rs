//! One test per question docs/card-profile.md settles ("Questions
//! settled"): the simulator gives exactly the answer the profile's tables
//! name, and changes exactly the state they say.
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

mod support;

use p256::ecdsa::signature::hazmat::PrehashVerifier;
use qoltanba_card_sim::terminal::{self, PASSWORD_PIN, TerminalError, TerminalSm};
use qoltanba_card_sim::{KeyAlg, SimCard};
use rsa::pkcs8::DecodePublicKey;
use support::*;

/// MSE:SET AT for PACE (plain), with `password` `02` CAN or `03` PIN.
fn mse_set_at_pace(card: &SimCard, password: u8) -> Vec<u8> {
    let s = suite(card);
    let mut data = vec![0x80, 0x0A];
    data.extend_from_slice(&s.oid());
    data.extend_from_slice(&[0x83, 0x01, password, 0x84, 0x01, s.curve.parameter_id()]);
    apdu([0x00, 0x22, 0xC1, 0xA4], &data, None)
}

/// A GENERAL AUTHENTICATE step: `7C { tag value }` (no tag: step 1).
fn ga(cla: u8, tag: Option<u8>, value: &[u8], le: Option<u8>) -> Vec<u8> {
    let inner = match tag {
        Some(t) => der(t, value),
        None => Vec::new(),
    };
    apdu([cla, 0x86, 0, 0], &der(0x7C, &inner), le)
}

fn generate(slot: u8, alg: u8, le: Option<u16>) -> Vec<u8> {
    let mut a = apdu_ext(
        [0, 0x46, 0, 0],
        &[0xAC, 0x06, 0x80, 0x01, alg, 0x84, 0x01, slot],
        false,
    );
    if let Some(le) = le {
        a.extend_from_slice(&le.to_be_bytes());
    }
    a
}

fn select_cert(n: u8) -> Vec<u8> {
    apdu([0, 0xA4, 2, 0x0C], &[0xC0, n], None)
}

fn status_query() -> Vec<u8> {
    apdu([0, 0x20, 0, 0x81], &[], None)
}

fn get_data(card: &mut SimCard, sm: &mut TerminalSm) -> Vec<u8> {
    let (data, code) = send(card, sm, &apdu([0, 0xCA, 0x01, 0x00], &[], Some(0)));
    assert_eq!(code, 0x9000);
    data
}

fn slot_state(template: &[u8], slot: u8) -> u8 {
    let at = template
        .windows(3)
        .position(|w| w == [0x84, 0x01, slot])
        .unwrap();
    template[at + 8]
}

// ---- 1. MSE:SET AT with the PIN ------------------------------------------------

#[test]
fn q01_mse_set_at_with_the_pin_answers_9000_while_every_try_remains() {
    let mut card = ref_card();
    assert_eq!(sw(&card.process(&mse_set_at_pace(&card, 0x03))), 0x9000);
    assert_eq!(sw(&card.process(&mse_set_at_pace(&card, 0x02))), 0x9000);
    // One try lost: MSE:SET AT reports what is left, and PACE goes on.
    let mut sm = open(&mut card);
    assert_eq!(verify_pin(&mut card, &mut sm, "0000"), 0x63C2);
    card.reset();
    assert_eq!(sw(&card.process(&mse_set_at_pace(&card, 0x03))), 0x63C2);
    let s = suite(&card);
    terminal::pace(&mut |a| card.process(a), s, PASSWORD_PIN, PIN).unwrap();
    // The right PIN restored the counter: 9000 again.
    card.reset();
    assert_eq!(sw(&card.process(&mse_set_at_pace(&card, 0x03))), 0x9000);
}

// ---- 2. the last wrong try -----------------------------------------------------

#[test]
fn q02_the_try_that_uses_up_a_counter_answers_63c0_and_later_tries_6983() {
    let mut card = ref_card();
    let mut sm = open(&mut card);
    for left in [0x63C2, 0x63C1, 0x63C0] {
        assert_eq!(verify_pin(&mut card, &mut sm, "0000"), left);
    }
    // Later tries, right or wrong, are not compared and count nothing.
    assert_eq!(verify_pin(&mut card, &mut sm, "0000"), 0x6983);
    assert_eq!(verify_pin(&mut card, &mut sm, PIN), 0x6983);
    assert_eq!(send(&mut card, &mut sm, &status_query()).1, 0x6983);
    assert_eq!(counters_of(&get_data(&mut card, &mut sm)), (0, 10));
    // PACE with the blocked PIN stops at MSE:SET AT.
    card.reset();
    assert_eq!(sw(&card.process(&mse_set_at_pace(&card, 0x03))), 0x6983);

    // The same in PACE itself: GA 4 with a wrong PIN.
    let mut card = ref_card();
    let s = suite(&card);
    for left in [0x63C2, 0x63C1, 0x63C0] {
        let r = terminal::pace(&mut |a| card.process(a), s, PASSWORD_PIN, "0000");
        assert_eq!(r.unwrap_err(), TerminalError::Status(left));
    }
    let r = terminal::pace(&mut |a| card.process(a), s, PASSWORD_PIN, PIN);
    assert_eq!(r.unwrap_err(), TerminalError::Status(0x6983));
    assert_eq!(card.state().pin_tries, 0);
}

// ---- 3. a plain command during secure messaging --------------------------------

#[test]
fn q03_a_plain_command_in_a_session_gets_6987_ends_it_and_is_not_executed() {
    let mut card = personalised();
    let mut sm = open(&mut card);
    assert_eq!(verify_pin(&mut card, &mut sm, PIN), 0x9000);
    // A plain wrong PIN: not compared, the counter keeps its 3 tries.
    let plain = apdu([0, 0x20, 0, 0x81], &pin_block("0000"), None);
    assert_eq!(card.process(&plain), vec![0x69, 0x87]);
    assert!(!card.sm_active());
    assert!(!card.pin_verified(), "the session took the PIN with it");
    assert_eq!(card.state().pin_tries, 3);
    // The old keys lead nowhere; a plain command is now plain again.
    let again = sm.wrap(&status_query()).unwrap();
    assert_eq!(card.process(&again), vec![0x69, 0x82]);
    let ca = card.process(&[0x00, 0xB0, 0x9C, 0x00, 0x00]);
    assert_eq!(sw(&ca), 0x6282);
    // EF.CardAccess too is refused inside a session.
    let _sm = open(&mut card);
    assert_eq!(
        card.process(&[0x00, 0xB0, 0x9C, 0x00, 0x00]),
        vec![0x69, 0x87]
    );
    assert!(!card.sm_active());
}

// ---- 4. READ BINARY at and past the end ----------------------------------------

#[test]
fn q04_read_binary_at_or_past_the_end_answers_6b00() {
    let mut card = personalised();
    let mut sm = open(&mut card);
    assert_eq!(send(&mut card, &mut sm, &select_cert(1)).1, 0x9000);
    let read = |p1: u8, p2: u8, le: Option<u8>| apdu([0, 0xB0, p1, p2], &[], le);
    // The last byte: exactly, and with Le beyond it (6282).
    assert_eq!(
        send(&mut card, &mut sm, &read(0x07, 0xFF, Some(1))),
        (vec![0], 0x9000)
    );
    assert_eq!(
        send(&mut card, &mut sm, &read(0x07, 0xFF, Some(2))),
        (vec![0], 0x6282)
    );
    // At the end (offset = 2048) and beyond: 6B00, no data.
    for (p1, p2) in [(0x08, 0x00), (0x08, 0x01), (0x7F, 0xFF)] {
        assert_eq!(
            send(&mut card, &mut sm, &read(p1, p2, Some(0))),
            (vec![], 0x6B00)
        );
    }
    // Without Le READ BINARY asks for nothing: 6700.
    assert_eq!(
        send(&mut card, &mut sm, &read(0, 0, None)),
        (vec![], 0x6700)
    );

    // EF.CardAccess (plain, outside a session) follows the same rule.
    card.reset();
    let len = suite(&card).card_access().len() as u8;
    let last = card.process(&[0x00, 0xB0, 0x9C, len - 1, 0x00]);
    assert_eq!((last.len(), sw(&last)), (3, 0x6282));
    assert_eq!(
        card.process(&[0x00, 0xB0, 0x9C, len, 0x00]),
        vec![0x6B, 0x00]
    );
    assert_eq!(card.process(&[0x00, 0xB0, 0x9C, 0x00]), vec![0x67, 0x00]);
}

// ---- 5. an answer longer than Ne ------------------------------------------------

#[test]
fn q05_an_answer_longer_than_ne_gets_6700_and_nothing_is_done() {
    let mut card = personalised();
    let mut sm = open(&mut card);
    // Data objects: Le too small or absent.
    for le in [Some(5), None] {
        let get = apdu([0, 0xCA, 0x01, 0x00], &[], le);
        assert_eq!(send(&mut card, &mut sm, &get), (vec![], 0x6700));
    }
    // More room than the answer needs is fine, and no 6282 outside READ BINARY.
    let (status, code) = send(&mut card, &mut sm, &apdu([0, 0xCA, 1, 0], &[], Some(0)));
    assert!(status.len() < 256);
    assert_eq!(code, 0x9000);
    let (_, code) = send(&mut card, &mut sm, &apdu([0, 0xA4, 4, 0x0C], &AID, Some(0)));
    assert_eq!(code, 0x9000);

    // GENERATE with Ne one short of the template: no key is made.
    assert_eq!(verify_pin(&mut card, &mut sm, PIN), 0x9000);
    for (slot, alg, len) in [
        (0x83, KeyAlg::P256, KeyAlg::P256.public_template_len()),
        (0x84, KeyAlg::Rsa2048, KeyAlg::Rsa2048.public_template_len()),
    ] {
        let short = generate(slot, alg.code(), Some(len as u16 - 1));
        assert_eq!(send(&mut card, &mut sm, &short), (vec![], 0x6700));
        assert!(card.last_work().is_empty(), "no key generation ran");
        assert_eq!(send(&mut card, &mut sm, &read_pk(slot)).1, 0x6A88);
        let (template, code) = send(
            &mut card,
            &mut sm,
            &generate(slot, alg.code(), Some(len as u16)),
        );
        assert_eq!((template.len(), code), (len, 0x9000));
    }
    // A short Le (00 = 256) cannot hold an RSA template either.
    let (_, code) = send(
        &mut card,
        &mut sm,
        &apdu([0, 0x46, 0x81, 0], &[0xAC, 0x03, 0x84, 0x01, 0x84], Some(0)),
    );
    assert_eq!(code, 0x6700);

    // A signature that would not fit: not computed.
    assert_eq!(send(&mut card, &mut sm, &mse(0xB6, 2, 0x82)).1, 0x9000);
    let pso = apdu([0, 0x2A, 0x9E, 0x9A], &[0x11; 32], Some(63));
    assert_eq!(send(&mut card, &mut sm, &pso), (vec![], 0x6700));
    assert!(card.last_work().is_empty(), "no signature was computed");
    let pso = apdu([0, 0x2A, 0x9E, 0x9A], &[0x11; 32], Some(64));
    assert_eq!(send(&mut card, &mut sm, &pso).0.len(), 64);

    // In PACE: a GA step whose answer does not fit abandons PACE.
    card.reset();
    assert_eq!(sw(&card.process(&mse_set_at_pace(&card, 0x02))), 0x9000);
    assert_eq!(
        card.process(&ga(0x10, None, &[], Some(19))),
        vec![0x67, 0x00]
    );
    assert_eq!(sw(&card.process(&ga(0x10, None, &[], Some(0)))), 0x6985);
}

// ---- 6. MSE:SET DST and MSE:SET AT ------------------------------------------------

#[test]
fn q06_mse_set_dst_and_mse_set_at_are_independent() {
    let mut card = personalised();
    let mut sm = open(&mut card);
    assert_eq!(verify_pin(&mut card, &mut sm, PIN), 0x9000);
    let di = [
        &[
            0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x01, 0x05, 0x00, 0x04, 0x20,
        ][..],
        &[0x42; 32],
    ]
    .concat();
    let ia = apdu_ext([0, 0x88, 0, 0], &di, true);
    let pso = apdu_ext([0, 0x2A, 0x9E, 0x9A], &[0x42; 32], true);
    assert_eq!(send(&mut card, &mut sm, &mse(0xA4, 1, 0x81)).1, 0x9000);
    assert_eq!(send(&mut card, &mut sm, &mse(0xB6, 2, 0x82)).1, 0x9000);
    // Both stay in force, in any order of use.
    for _ in 0..2 {
        assert_eq!(send(&mut card, &mut sm, &ia).0.len(), 256);
        assert_eq!(send(&mut card, &mut sm, &pso).0.len(), 64);
    }
    // A refused MSE:SET changes nothing: AT still names slot 81.
    assert_eq!(send(&mut card, &mut sm, &mse(0xA4, 2, 0x83)).1, 0x6A88);
    assert_eq!(send(&mut card, &mut sm, &mse(0xA4, 2, 0x81)).1, 0x6A80);
    let (sig, code) = send(&mut card, &mut sm, &ia);
    assert_eq!(code, 0x9000);
    let key = rsa::PublicKey::from_public_key_der(&card.public_key(0x81).unwrap()).unwrap();
    key.verify(rsa::Pkcs1v15Sign::new_unprefixed(), &di, &sig)
        .unwrap();
    // A new MSE:SET AT replaces AT only.
    assert_eq!(send(&mut card, &mut sm, &mse(0xA4, 2, 0x82)).1, 0x9000);
    assert_eq!(send(&mut card, &mut sm, &ia).1, 0x6A80, "a P-256 key now");
    assert_eq!(send(&mut card, &mut sm, &pso).1, 0x9000);
}

// ---- 7. GET DATA state 03 ---------------------------------------------------------

#[test]
fn q07_state_03_needs_a_complete_certificate_of_the_slots_own_key() {
    let mut card = personalised();
    let spki83 = card.generate_key(0x83, KeyAlg::P256).unwrap();
    let spki84 = card.generate_key(0x84, KeyAlg::P256).unwrap();
    let mut sm = open(&mut card);
    assert_eq!(verify_pin(&mut card, &mut sm, PIN), 0x9000);
    assert_eq!(slot_state(&get_data(&mut card, &mut sm), 0x83), 0x02);
    let activate = apdu(
        [0x80, 0x44, 0, 0],
        &[0xA1, 0x06, 0x83, 0x01, 0x02, 0x84, 0x01, 0x83],
        None,
    );
    // Another key's certificate, then half of the right one: still 02, and
    // ACTIVATE KEYS agrees.
    let right = certificate_for(&spki83);
    for file in [certificate_for(&spki84), right[..200].to_vec()] {
        card.write_certificate(0x83, &file).unwrap();
        assert_eq!(slot_state(&get_data(&mut card, &mut sm), 0x83), 0x02);
        assert_eq!(send(&mut card, &mut sm, &activate).1, 0x6A80);
    }
    card.write_certificate(0x83, &right).unwrap();
    assert_eq!(slot_state(&get_data(&mut card, &mut sm), 0x83), 0x03);
    assert_eq!(send(&mut card, &mut sm, &activate).1, 0x9000);
}

// ---- 8. the application, the current EF, MSE ---------------------------------------

#[test]
fn q08_application_commands_need_the_application_a_current_ef_and_mse() {
    let mut card = personalised();
    let mut sm = pace_only(&mut card);
    // Before SELECT: 6985 for everything but SELECT; nothing is counted.
    for cmd in [
        apdu([0, 0xCA, 0x01, 0x00], &[], Some(0)),
        status_query(),
        apdu([0, 0x20, 0, 0x81], &pin_block("0000"), None),
        read_pk(0x81),
        apdu([0, 0xB0, 0, 0], &[], Some(0)),
    ] {
        assert_eq!(send(&mut card, &mut sm, &cmd).1, 0x6985, "{cmd:02X?}");
    }
    assert_eq!(card.state().pin_tries, 3);
    assert_eq!(send(&mut card, &mut sm, &select_cert(1)).1, 0x6A82);
    // An unknown instruction is unknown whatever is selected.
    assert_eq!(send(&mut card, &mut sm, &[0, 0x12, 0, 0]).1, 0x6D00);
    select_app(&mut card, &mut sm);
    assert_eq!(send(&mut card, &mut sm, &status_query()).1, 0x63C3);
    // No current EF: 6986 for READ and UPDATE BINARY.
    assert_eq!(
        send(&mut card, &mut sm, &apdu([0, 0xB0, 0, 0], &[], Some(0))).1,
        0x6986
    );
    assert_eq!(verify_pin(&mut card, &mut sm, PIN), 0x9000);
    assert_eq!(
        send(&mut card, &mut sm, &apdu([0, 0xD6, 0, 0], &[1], None)).1,
        0x6986
    );
    // No MSE:SET: 6985 for both signing commands (after the PIN check).
    let ia = apdu_ext([0, 0x88, 0, 0], &[1; 51], true);
    let pso = apdu_ext([0, 0x2A, 0x9E, 0x9A], &[1; 32], true);
    assert_eq!(send(&mut card, &mut sm, &ia).1, 0x6985);
    assert_eq!(send(&mut card, &mut sm, &pso).1, 0x6985);
    // SELECT of the MF leaves the application: 6985 again.
    assert_eq!(
        send(
            &mut card,
            &mut sm,
            &apdu([0, 0xA4, 0, 0x0C], &[0x3F, 0x00], None)
        )
        .1,
        0x9000
    );
    assert_eq!(send(&mut card, &mut sm, &status_query()).1, 0x6985);
    // A new session starts without the application, as it ends with it.
    let mut sm = pace_only(&mut card);
    assert_eq!(send(&mut card, &mut sm, &status_query()).1, 0x6985);
}

// ---- 9. malformed PIN blocks --------------------------------------------------------

#[test]
fn q09_malformed_pin_blocks_get_6a80_and_cost_no_try() {
    let mut card = ref_card();
    let mut sm = open(&mut card);
    let mut letters = pin_block("4711");
    letters[1] = b'A';
    let mut zero_padded = pin_block("4711");
    zero_padded[4..].fill(0x00);
    let mut digit_after_padding = pin_block("4711");
    digit_after_padding[6] = b'1';
    let malformed = [
        pin_block("471"),
        letters,
        zero_padded,
        digit_after_padding,
        vec![0xFF; 12],
    ];
    for block in &malformed {
        let v = apdu([0, 0x20, 0, 0x81], block, None);
        assert_eq!(send(&mut card, &mut sm, &v).1, 0x6A80, "{block:02X?}");
    }
    assert_eq!(card.state().pin_tries, 3);
    // A block of the wrong size is a length error.
    let v = apdu([0, 0x20, 0, 0x81], &pin_block("4711")[..11], None);
    assert_eq!(send(&mut card, &mut sm, &v).1, 0x6700);
    // A malformed block leaves a verified PIN verified.
    assert_eq!(verify_pin(&mut card, &mut sm, PIN), 0x9000);
    let v = apdu([0, 0x20, 0, 0x81], &malformed[0], None);
    assert_eq!(send(&mut card, &mut sm, &v).1, 0x6A80);
    assert_eq!(send(&mut card, &mut sm, &status_query()).1, 0x9000);

    // CHANGE REFERENCE DATA and RESET RETRY COUNTER: either block.
    let crd = |old: &[u8], new: &[u8]| apdu([0, 0x24, 0, 0x81], &[old, new].concat(), None);
    let rrc = |puk: &[u8], new: &[u8]| apdu([0, 0x2C, 0, 0x81], &[puk, new].concat(), None);
    for cmd in [
        crd(&malformed[1], &pin_block("2468")),
        crd(&pin_block(PIN), &malformed[2]),
        rrc(&pin_block("1234567"), &pin_block("2468")),
        rrc(&pin_block("123456789"), &pin_block("2468")),
        rrc(&pin_block(PUK), &malformed[0]),
    ] {
        assert_eq!(send(&mut card, &mut sm, &cmd).1, 0x6A80);
    }
    assert_eq!((card.state().pin_tries, card.state().puk_tries), (3, 10));
    // Even with the PIN blocked the format is checked first.
    for _ in 0..3 {
        verify_pin(&mut card, &mut sm, "0000");
    }
    let v = apdu([0, 0x20, 0, 0x81], &malformed[1], None);
    assert_eq!(send(&mut card, &mut sm, &v).1, 0x6A80);
    assert_eq!(verify_pin(&mut card, &mut sm, "0000"), 0x6983);
}

// ---- 10. the PIN after CHANGE REFERENCE DATA and RESET RETRY COUNTER -----------------

#[test]
fn q10_change_leaves_the_pin_verified_reset_retry_counter_does_not() {
    let mut card = ref_card();
    let mut sm = open(&mut card);
    let crd = apdu(
        [0, 0x24, 0, 0x81],
        &[pin_block(PIN), pin_block("2468")].concat(),
        None,
    );
    assert_eq!(send(&mut card, &mut sm, &crd).1, 0x9000);
    assert_eq!(send(&mut card, &mut sm, &status_query()).1, 0x9000);
    assert_eq!(
        send(&mut card, &mut sm, &generate(0x84, 2, Some(0))).1,
        0x9000
    );
    // A wrong old PIN ends the verification, as a wrong VERIFY does.
    let wrong = apdu(
        [0, 0x24, 0, 0x81],
        &[pin_block("0000"), pin_block("1357")].concat(),
        None,
    );
    assert_eq!(send(&mut card, &mut sm, &wrong).1, 0x63C2);
    assert_eq!(send(&mut card, &mut sm, &status_query()).1, 0x63C2);

    // RESET RETRY COUNTER sets a PIN but proves none: VERIFY it.
    assert_eq!(verify_pin(&mut card, &mut sm, "2468"), 0x9000);
    let rrc = apdu(
        [0, 0x2C, 0, 0x81],
        &[pin_block(PUK), pin_block("1357")].concat(),
        None,
    );
    assert_eq!(send(&mut card, &mut sm, &rrc).1, 0x9000);
    assert_eq!(send(&mut card, &mut sm, &status_query()).1, 0x63C3);
    assert_eq!(
        send(&mut card, &mut sm, &generate(0x84, 2, Some(0))).1,
        0x6982
    );
    // A wrong PUK changes nothing but the PUK's counter.
    assert_eq!(verify_pin(&mut card, &mut sm, "1357"), 0x9000);
    let bad_puk = apdu(
        [0, 0x2C, 0, 0x81],
        &[pin_block("00000000"), pin_block("9999")].concat(),
        None,
    );
    assert_eq!(send(&mut card, &mut sm, &bad_puk).1, 0x63C9);
    assert_eq!(send(&mut card, &mut sm, &status_query()).1, 0x9000);
}

// ---- 11. the RSA modulus -------------------------------------------------------------

#[test]
fn q11_the_rsa_modulus_is_256_bytes_without_a_sign_byte() {
    let mut card = personalised();
    let mut sm = open(&mut card);
    let (template, code) = send(&mut card, &mut sm, &read_pk(0x81));
    assert_eq!(code, 0x9000);
    assert_eq!(template.len(), KeyAlg::Rsa2048.public_template_len());
    assert_eq!(
        template[..9],
        [0x7F, 0x49, 0x82, 0x01, 0x09, 0x81, 0x82, 0x01, 0x00]
    );
    assert!(
        template[9] & 0x80 != 0,
        "the first modulus byte, top bit set"
    );
    assert_eq!(template[9 + 256..], [0x82, 0x03, 0x01, 0x00, 0x01]);
    let key = rsa::PublicKey::from_public_key_der(&card.public_key(0x81).unwrap()).unwrap();
    use rsa::traits::PublicKeyParts;
    assert_eq!(key.n_bytes().as_ref(), &template[9..9 + 256]);
}

// ---- 12. the signature input ----------------------------------------------------------

#[test]
fn q12_the_card_signs_its_input_without_parsing_it() {
    let mut card = personalised();
    let mut sm = open(&mut card);
    assert_eq!(verify_pin(&mut card, &mut sm, PIN), 0x9000);
    assert_eq!(send(&mut card, &mut sm, &mse(0xA4, 1, 0x81)).1, 0x9000);
    let key = rsa::PublicKey::from_public_key_der(&card.public_key(0x81).unwrap()).unwrap();
    // Not a DigestInfo at all, 1 byte, 83 bytes: signed as given.
    for input in [vec![0xA5; 20], vec![0x01], vec![0x30; 83]] {
        let (sig, code) = send(&mut card, &mut sm, &apdu_ext([0, 0x88, 0, 0], &input, true));
        assert_eq!((sig.len(), code), (256, 0x9000));
        key.verify(rsa::Pkcs1v15Sign::new_unprefixed(), &input, &sig)
            .unwrap();
    }
    let ia = |input: &[u8]| apdu_ext([0, 0x88, 0, 0], input, true);
    assert_eq!(send(&mut card, &mut sm, &ia(&[0x30; 84])).1, 0x6A80);
    assert_eq!(
        send(&mut card, &mut sm, &[0, 0x88, 0, 0, 0, 0, 0]).1,
        0x6700
    );

    // P-256: any 32 bytes, nothing else.
    assert_eq!(send(&mut card, &mut sm, &mse(0xB6, 2, 0x82)).1, 0x9000);
    let ec =
        p256::ecdsa::VerifyingKey::from_public_key_der(&card.public_key(0x82).unwrap()).unwrap();
    let pso = |input: &[u8]| apdu_ext([0, 0x2A, 0x9E, 0x9A], input, true);
    let (sig, code) = send(&mut card, &mut sm, &pso(&[0xFF; 32]));
    assert_eq!(code, 0x9000);
    ec.verify_prehash(
        &[0xFF; 32],
        &p256::ecdsa::Signature::from_slice(&sig).unwrap(),
    )
    .unwrap();
    for n in [31, 33, 51] {
        assert_eq!(send(&mut card, &mut sm, &pso(&vec![1; n])).1, 0x6A80);
    }
}

// ---- 13. PACE out of order, chaining elsewhere -------------------------------------------

#[test]
fn q13_pace_out_of_order_gets_6985_and_chaining_elsewhere_6884() {
    let mut card = ref_card();
    let point = [0x04; 65];
    // GENERAL AUTHENTICATE without MSE:SET AT.
    assert_eq!(sw(&card.process(&ga(0x10, None, &[], Some(0)))), 0x6985);
    // A step out of order abandons PACE: step 1 then fails too.
    let mse = mse_set_at_pace(&card, 0x02);
    assert_eq!(sw(&card.process(&mse)), 0x9000);
    assert_eq!(
        sw(&card.process(&ga(0x10, Some(0x81), &point, Some(0)))),
        0x6985
    );
    assert_eq!(sw(&card.process(&ga(0x10, None, &[], Some(0)))), 0x6985);
    // The wrong chaining bit is a step out of order: step 1 unchained...
    assert_eq!(sw(&card.process(&mse)), 0x9000);
    assert_eq!(sw(&card.process(&ga(0x00, None, &[], Some(0)))), 0x6985);
    // ... or step 4 chained.
    assert_eq!(sw(&card.process(&mse)), 0x9000);
    assert_eq!(sw(&card.process(&ga(0x10, None, &[], Some(0)))), 0x9000);
    assert_eq!(
        sw(&card.process(&ga(0x10, Some(0x85), &[0; 8], Some(0)))),
        0x6985
    );
    // Another command between the steps abandons PACE as well.
    assert_eq!(sw(&card.process(&mse)), 0x9000);
    assert_eq!(sw(&card.process(&ga(0x10, None, &[], Some(0)))), 0x9000);
    assert_eq!(sw(&card.process(&[0x00, 0xB0, 0x9C, 0x00, 0x00])), 0x6282);
    assert_eq!(
        sw(&card.process(&ga(0x10, Some(0x81), &point, Some(0)))),
        0x6985
    );

    // Chaining on anything but PACE's steps: 6884, in clear outside a
    // session...
    assert_eq!(
        card.process(&apdu([0x10, 0xA4, 4, 0x0C], &AID, None)),
        vec![0x68, 0x84]
    );
    assert_eq!(
        card.process(&[0x10, 0xB0, 0x9C, 0x00, 0x00]),
        vec![0x68, 0x84]
    );
    // ... protected inside one, which goes on.
    let mut sm = open(&mut card);
    let chained = apdu([0x10, 0xCA, 0x01, 0x00], &[], Some(0));
    assert_eq!(send(&mut card, &mut sm, &chained), (vec![], 0x6884));
    assert!(card.sm_active());
    get_data(&mut card, &mut sm);
    // PACE inside a session: MSE:SET AT and GA are out of order (6985).
    let inner_mse = mse_set_at_pace(&card, 0x02);
    assert_eq!(send(&mut card, &mut sm, &inner_mse).1, 0x6985);
    assert_eq!(
        send(&mut card, &mut sm, &ga(0x00, Some(0x85), &[0; 8], Some(0))).1,
        0x6985
    );
    assert!(card.sm_active());
}
