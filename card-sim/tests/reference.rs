//! `qoltanba-ref-1` through APDUs: PACE, SM, every access condition and
//! status word path of docs/card-profile.md that a test can reach.
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

mod support;

use p256::ecdsa::signature::hazmat::PrehashVerifier;
use qoltanba_card_sim::terminal::{self, PASSWORD_CAN, PASSWORD_PIN, TerminalError};
use qoltanba_card_sim::{KeyAlg, PaceCurve, PaceSuite, Profile, Role, SimCard, SimConfig};
use rsa::pkcs8::DecodePublicKey;
use sha2::{Digest, Sha256};
use support::*;

fn generate(slot: u8, alg: u8) -> Vec<u8> {
    apdu_ext(
        [0, 0x46, 0, 0],
        &[0xAC, 0x06, 0x80, 0x01, alg, 0x84, 0x01, slot],
        true,
    )
}

fn activate(pairs: &[(u8, u8)]) -> Vec<u8> {
    let data: Vec<u8> = pairs
        .iter()
        .flat_map(|&(r, s)| [0xA1, 0x06, 0x83, 0x01, r, 0x84, 0x01, s])
        .collect();
    apdu([0x80, 0x44, 0, 0], &data, None)
}

fn get_data(card: &mut SimCard, sm: &mut qoltanba_card_sim::terminal::TerminalSm) -> Vec<u8> {
    let (data, code) = send(card, sm, &apdu([0, 0xCA, 0x01, 0x00], &[], Some(0)));
    assert_eq!(code, 0x9000);
    data
}

fn digest_info_sha256(msg: &[u8]) -> Vec<u8> {
    let mut di = vec![
        0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
        0x05, 0x00, 0x04, 0x20,
    ];
    di.extend_from_slice(&Sha256::digest(msg));
    di
}

#[test]
fn renewal_walk_through() {
    let mut card = personalised();
    let mut sm = open(&mut card);
    select_app(&mut card, &mut sm);
    let status = get_data(&mut card, &mut sm);
    assert_eq!(
        &status[2..12],
        &[&[0x5A, 0x08][..], &card.state().serial_bytes()].concat()[..]
    );
    assert_eq!(roles_of(&status), vec![(1, 0x81), (2, 0x82)]);
    assert_eq!(counters_of(&status), (3, 10));
    // Slot states: 81/82 key + certificate (03), 83/84 empty (01).
    for (slot, alg, state) in [(0x81, 1, 3), (0x82, 2, 3), (0x83, 0, 1), (0x84, 0, 1)] {
        let needle = [
            0xA0, 0x09, 0x84, 0x01, slot, 0x80, 0x01, alg, 0x8A, 0x01, state,
        ];
        assert!(status.windows(11).any(|w| w == needle), "slot {slot:02X}");
    }

    // The certificate of the AUTH slot, read in chunks as the terminal does.
    assert_eq!(
        send(
            &mut card,
            &mut sm,
            &apdu([0, 0xA4, 2, 0x0C], &[0xC0, 0x01], None)
        )
        .1,
        0x9000
    );
    let (head, code) = send(&mut card, &mut sm, &apdu([0, 0xB0, 0, 0], &[], Some(0)));
    assert_eq!((head.len(), code), (256, 0x9000));
    let cert_len = 4 + usize::from(u16::from_be_bytes([head[2], head[3]]));
    assert_eq!(head[..2], [0x30, 0x82]);
    let (rest, code) = send(
        &mut card,
        &mut sm,
        &apdu_ext([0, 0xB0, 0x01, 0x00], &[], true),
    );
    assert_eq!((rest.len(), code), (2048 - 256, 0x6282));
    let file = [head, rest].concat();
    assert_eq!(
        file[..cert_len],
        certificate_for(&card.public_key(0x81).unwrap())[..]
    );
    assert!(file[cert_len..].iter().all(|&b| b == 0));
    let (tail, code) = send(
        &mut card,
        &mut sm,
        &apdu([0, 0xB0, 0x07, 0xD0], &[], Some(0)),
    );
    assert_eq!((tail.len(), code), (48, 0x6282));
    assert_eq!(
        send(
            &mut card,
            &mut sm,
            &apdu([0, 0xB0, 0x08, 0x00], &[], Some(0))
        )
        .1,
        0x6B00
    );

    // Signing needs the PIN, then MSE.
    let di = digest_info_sha256(b"login challenge");
    assert_eq!(
        send(&mut card, &mut sm, &apdu_ext([0, 0x88, 0, 0], &di, true)).1,
        0x6982
    );
    assert_eq!(verify_pin(&mut card, &mut sm, PIN), 0x9000);
    assert_eq!(
        send(&mut card, &mut sm, &apdu([0, 0x20, 0, 0x81], &[], None)).1,
        0x9000
    );
    assert_eq!(
        send(&mut card, &mut sm, &apdu_ext([0, 0x88, 0, 0], &di, true)).1,
        0x6985
    );
    assert_eq!(send(&mut card, &mut sm, &mse(0xA4, 2, 0x81)).1, 0x6A80);
    assert_eq!(send(&mut card, &mut sm, &mse(0xA4, 1, 0x83)).1, 0x6A88);
    assert_eq!(send(&mut card, &mut sm, &mse(0xA4, 1, 0x81)).1, 0x9000);
    let (sig, code) = send(&mut card, &mut sm, &apdu_ext([0, 0x88, 0, 0], &di, true));
    assert_eq!((sig.len(), code), (256, 0x9000));
    let rsa_pub = rsa::PublicKey::from_public_key_der(&card.public_key(0x81).unwrap()).unwrap();
    rsa_pub
        .verify(rsa::Pkcs1v15Sign::new_unprefixed(), &di, &sig)
        .expect("RSA signature verifies");

    // PSO:CDS needs MSE:SET DST, not AT.
    let hash = Sha256::digest(b"application");
    assert_eq!(
        send(
            &mut card,
            &mut sm,
            &apdu([0, 0x2A, 0x9E, 0x9A], &hash, Some(0))
        )
        .1,
        0x6985
    );
    assert_eq!(send(&mut card, &mut sm, &mse(0xB6, 2, 0x82)).1, 0x9000);
    let (sig, code) = send(
        &mut card,
        &mut sm,
        &apdu([0, 0x2A, 0x9E, 0x9A], &hash, Some(0)),
    );
    assert_eq!((sig.len(), code), (64, 0x9000));
    let ec_pub =
        p256::ecdsa::VerifyingKey::from_public_key_der(&card.public_key(0x82).unwrap()).unwrap();
    let sig = p256::ecdsa::Signature::from_slice(&sig).unwrap();
    ec_pub
        .verify_prehash(&hash, &sig)
        .expect("ECDSA signature verifies");
    assert_eq!(
        send(
            &mut card,
            &mut sm,
            &apdu([0, 0x2A, 0x9E, 0x9A], &hash[..31], Some(0))
        )
        .1,
        0x6A80
    );

    // New keys go into slots without a role; role slots refuse GENERATE.
    assert_eq!(send(&mut card, &mut sm, &generate(0x81, 1)).1, 0x6985);
    assert_eq!(send(&mut card, &mut sm, &generate(0x83, 3)).1, 0x6A80);
    let (template, code) = send(&mut card, &mut sm, &generate(0x83, 2));
    assert_eq!(code, 0x9000);
    assert_eq!(template[..5], [0x7F, 0x49, 0x43, 0x86, 0x41]);
    assert_eq!(
        send(&mut card, &mut sm, &read_pk(0x83)),
        (template.clone(), 0x9000)
    );
    assert_eq!(send(&mut card, &mut sm, &read_pk(0x84)).1, 0x6A88);
    let (rsa_template, _) = send(&mut card, &mut sm, &read_pk(0x81));
    assert_eq!(
        rsa_template[..7],
        [0x7F, 0x49, 0x82, 0x01, 0x09, 0x81, 0x82]
    );
    assert_eq!(
        rsa_template[rsa_template.len() - 5..],
        [0x82, 0x03, 0x01, 0x00, 0x01]
    );

    // Install the new certificate half-way: ACTIVATE refuses, nothing moves.
    let new_cert = certificate_for(&card.public_key(0x83).unwrap());
    assert!(new_cert.len() > 256);
    assert_eq!(
        send(
            &mut card,
            &mut sm,
            &apdu([0, 0xA4, 2, 0x0C], &[0xC0, 0x03], None)
        )
        .1,
        0x9000
    );
    assert_eq!(
        send(
            &mut card,
            &mut sm,
            &apdu([0, 0xD6, 0, 0], &new_cert[..200], None)
        )
        .1,
        0x9000
    );
    assert_eq!(
        send(&mut card, &mut sm, &activate(&[(1, 0x83), (2, 0x83)])).1,
        0x6A80
    );
    assert_eq!(
        roles_of(&get_data(&mut card, &mut sm)),
        vec![(1, 0x81), (2, 0x82)]
    );
    // A correct pair with a bad one: still nothing changes.
    assert_eq!(
        send(&mut card, &mut sm, &activate(&[(1, 0x81), (2, 0x83)])).1,
        0x6A80
    );
    assert_eq!(
        roles_of(&get_data(&mut card, &mut sm)),
        vec![(1, 0x81), (2, 0x82)]
    );
    // The rest of the certificate, then ACTIVATE twice.
    let rest = apdu_ext([0, 0xD6, 0, 200], &new_cert[200..], false);
    assert_eq!(send(&mut card, &mut sm, &rest).1, 0x9000);
    assert_eq!(
        send(&mut card, &mut sm, &activate(&[(1, 0x83), (2, 0x83)])).1,
        0x9000
    );
    assert_eq!(
        send(&mut card, &mut sm, &activate(&[(1, 0x83), (2, 0x83)])).1,
        0x9000
    );
    let status = get_data(&mut card, &mut sm);
    assert_eq!(roles_of(&status), vec![(1, 0x83), (2, 0x83)]);
    // Now the certificate file of the active slot is write-protected, and
    // the old slots are free for the next renewal.
    assert_eq!(
        send(&mut card, &mut sm, &apdu([0, 0xD6, 0, 0], &[0x30], None)).1,
        0x6985
    );
    assert_eq!(send(&mut card, &mut sm, &generate(0x82, 2)).1, 0x9000);
    assert_eq!(card.role_slot(Role::Auth), Some(0x83));
}

#[test]
fn application_commands_need_secure_messaging() {
    let mut card = personalised();
    for cmd in [
        apdu([0, 0xA4, 4, 0x0C], &AID, None),
        apdu([0, 0xCA, 0x01, 0x00], &[], Some(0)),
        apdu([0, 0x20, 0, 0x81], &pin_block(PIN), None),
        mse(0xA4, 1, 0x81),
        generate(0x83, 2),
        read_pk(0x81),
    ] {
        assert_eq!(sw(&card.process(&cmd)), 0x6982, "{cmd:02X?}");
    }
    // A protected command without a session: 6982 as well.
    assert_eq!(sw(&card.process(&[0x0C, 0xCA, 0x01, 0x00, 0x00])), 0x6982);
    // EF.CardAccess is always readable in clear.
    let resp = card.process(&[0x00, 0xB0, 0x9C, 0x00, 0x00]);
    assert_eq!(resp[..resp.len() - 2], suite(&card).card_access()[..]);
    assert_eq!(sw(&resp), 0x6282);
    // Unknown instruction and class.
    assert_eq!(sw(&card.process(&[0x00, 0x12, 0, 0])), 0x6D00);
    assert_eq!(sw(&card.process(&[0x40, 0xA4, 0, 0])), 0x6E00);
    assert_eq!(sw(&card.process(&[0x00, 0xA4])), 0x6700);
}

#[test]
fn bad_mac_or_missing_mac_ends_the_session() {
    let mut card = personalised();
    let mut sm = open(&mut card);
    select_app(&mut card, &mut sm);
    let mut wrapped = sm.wrap(&apdu([0, 0xCA, 0x01, 0x00], &[], Some(0))).unwrap();
    let n = wrapped.len();
    wrapped[n - 2] ^= 0x01; // inside the 8E MAC
    assert_eq!(card.process(&wrapped), vec![0x69, 0x88]);
    assert!(!card.sm_active());
    // The old keys are of no use any more: no session, 6982.
    let again = sm.wrap(&apdu([0, 0xCA, 0x01, 0x00], &[], Some(0))).unwrap();
    assert_eq!(card.process(&again), vec![0x69, 0x82]);

    let mut sm = open(&mut card);
    // DO97 only, no 8E: objects missing.
    assert_eq!(
        card.process(&[0x0C, 0xCA, 0x01, 0x00, 0x03, 0x97, 0x01, 0x00, 0x00]),
        vec![0x69, 0x87]
    );
    assert!(!card.sm_active());
    // Garbage in the SM body: objects wrong.
    let _ = &mut sm;
    let mut sm = open(&mut card);
    assert_eq!(
        card.process(&[0x0C, 0xCA, 0x01, 0x00, 0x02, 0x8E, 0x05, 0x00]),
        vec![0x69, 0x88]
    );
    // A plain command during a session ends it as well (6987, not run).
    let mut sm2 = open(&mut card);
    assert!(card.sm_active());
    assert_eq!(
        sw(&card.process(&apdu([0, 0xCA, 0x01, 0x00], &[], Some(0)))),
        0x6987
    );
    assert!(!card.sm_active());
    // A replayed command (old SSC) fails the MAC.
    let mut sm3 = open(&mut card);
    let first = sm3.wrap(&apdu([0, 0xA4, 4, 0x0C], &AID, None)).unwrap();
    assert!(sm3.unwrap(&card.process(&first)).is_ok());
    assert_eq!(card.process(&first), vec![0x69, 0x88]);
    let _ = (&mut sm, &mut sm2);
}

#[test]
fn pin_blocks_after_three_tries_and_the_puk_unblocks() {
    let mut card = personalised();
    let mut sm = open(&mut card);
    assert_eq!(
        send(&mut card, &mut sm, &apdu([0, 0x20, 0, 0x81], &[], None)).1,
        0x63C3
    );
    assert_eq!(verify_pin(&mut card, &mut sm, "0000"), 0x63C2);
    assert_eq!(verify_pin(&mut card, &mut sm, "00000"), 0x63C1);
    assert_eq!(
        send(&mut card, &mut sm, &apdu([0, 0x20, 0, 0x81], &[], None)).1,
        0x63C1
    );
    assert_eq!(verify_pin(&mut card, &mut sm, "999999999999"), 0x63C0);
    assert_eq!(verify_pin(&mut card, &mut sm, PIN), 0x6983);
    assert_eq!(
        send(&mut card, &mut sm, &apdu([0, 0x20, 0, 0x81], &[], None)).1,
        0x6983
    );
    assert_eq!(
        send(
            &mut card,
            &mut sm,
            &apdu([0, 0x20, 0, 0x81], &[1, 2, 3], None)
        )
        .1,
        0x6700
    );
    assert_eq!(counters_of(&get_data(&mut card, &mut sm)), (0, 10));
    // PACE with the blocked PIN is refused at MSE:SET AT.
    let s = suite(&card);
    let r = terminal::pace(&mut |a| card.process(a), s, PASSWORD_PIN, PIN);
    assert_eq!(r.unwrap_err(), TerminalError::Status(0x6983));

    let mut sm = open(&mut card);
    let rrc = |puk: &str, new: &[u8]| {
        apdu(
            [0, 0x2C, 0, 0x81],
            &[pin_block(puk), new.to_vec()].concat(),
            None,
        )
    };
    assert_eq!(
        send(&mut card, &mut sm, &rrc("87654321", &pin_block("2468"))).1,
        0x63C9
    );
    assert_eq!(
        send(&mut card, &mut sm, &rrc(PUK, &pin_block("12"))).1,
        0x6A80
    );
    assert_eq!(
        send(&mut card, &mut sm, &rrc(PUK, &pin_block("2468"))).1,
        0x9000
    );
    assert_eq!(counters_of(&get_data(&mut card, &mut sm)), (3, 10));
    assert_eq!(verify_pin(&mut card, &mut sm, PIN), 0x63C2);
    assert_eq!(verify_pin(&mut card, &mut sm, "2468"), 0x9000);

    // CHANGE REFERENCE DATA.
    let crd = |old: &str, new: &[u8]| {
        apdu(
            [0, 0x24, 0, 0x81],
            &[pin_block(old), new.to_vec()].concat(),
            None,
        )
    };
    assert_eq!(
        send(&mut card, &mut sm, &crd("1111", &pin_block("13579"))).1,
        0x63C2
    );
    let mut bad = pin_block("1357");
    bad[8] = b'1';
    assert_eq!(send(&mut card, &mut sm, &crd("2468", &bad)).1, 0x6A80);
    assert_eq!(
        send(&mut card, &mut sm, &crd("2468", &pin_block("13579"))).1,
        0x9000
    );
    assert_eq!(verify_pin(&mut card, &mut sm, "13579"), 0x9000);
    assert_eq!(counters_of(&get_data(&mut card, &mut sm)), (3, 10));
}

#[test]
fn a_blocked_puk_makes_the_pin_unrecoverable() {
    let mut card = ref_card();
    let mut sm = open(&mut card);
    for _ in 0..3 {
        verify_pin(&mut card, &mut sm, "0000");
    }
    let rrc = |puk: &str| {
        apdu(
            [0, 0x2C, 0, 0x81],
            &[pin_block(puk), pin_block("1111")].concat(),
            None,
        )
    };
    for left in (0..10).rev() {
        assert_eq!(send(&mut card, &mut sm, &rrc("00000000")).1, 0x63C0 | left);
    }
    assert_eq!(send(&mut card, &mut sm, &rrc(PUK)).1, 0x6983);
    assert_eq!(verify_pin(&mut card, &mut sm, PIN), 0x6983);
    assert_eq!(counters_of(&get_data(&mut card, &mut sm)), (0, 0));
}

#[test]
fn pace_with_the_pin_counts_tries_and_verifies() {
    let mut card = personalised();
    let s = suite(&card);
    let r = terminal::pace(&mut |a| card.process(a), s, PASSWORD_CAN, "654321");
    assert_eq!(r.unwrap_err(), TerminalError::Status(0x6300));
    assert_eq!(card.state().pin_tries, 3);
    let r = terminal::pace(&mut |a| card.process(a), s, PASSWORD_PIN, "0000");
    assert_eq!(r.unwrap_err(), TerminalError::Status(0x63C2));
    assert_eq!(card.state().pin_tries, 2);
    // MSE:SET AT now warns with 63C2 but goes on.
    let mut sm = terminal::pace(&mut |a| card.process(a), s, PASSWORD_PIN, PIN).unwrap();
    assert_eq!(card.state().pin_tries, 3);
    assert!(card.pin_verified());
    select_app(&mut card, &mut sm);
    assert_eq!(send(&mut card, &mut sm, &generate(0x83, 2)).1, 0x9000);
    // Wrong protocol or parameter: 6A80.
    let mut mse_at = vec![0x00, 0x22, 0xC1, 0xA4, 0x0F, 0x80, 0x0A];
    mse_at.extend_from_slice(
        &PaceSuite {
            aes: qoltanba_card_sim::crypto::AesBits::Aes256,
            ..s
        }
        .oid(),
    );
    mse_at.extend_from_slice(&[0x83, 0x01, 0x02]);
    // (The first plain command only ends the open session.)
    assert_eq!(sw(&card.process(&mse_at)), 0x6987);
    assert_eq!(sw(&card.process(&mse_at)), 0x6A80);
    // GA without MSE:SET AT.
    assert_eq!(
        sw(&card.process(&[0x10, 0x86, 0, 0, 2, 0x7C, 0, 0])),
        0x6985
    );
}

#[test]
fn every_pace_suite_works() {
    use qoltanba_card_sim::crypto::AesBits;
    for curve in [PaceCurve::BrainpoolP256r1, PaceCurve::NistP256] {
        for aes in [AesBits::Aes128, AesBits::Aes192, AesBits::Aes256] {
            let mut config = SimConfig::reference(CAN, PIN, PUK);
            config.profile = Profile::Reference {
                pace: PaceSuite { curve, aes },
            };
            let mut card = SimCard::in_memory(config).unwrap();
            let ca = card.process(&[0x00, 0xB0, 0x9C, 0x00, 0x00]);
            assert_eq!(
                ca[..ca.len() - 2],
                PaceSuite { curve, aes }.card_access()[..]
            );
            let mut sm = open(&mut card);
            select_app(&mut card, &mut sm);
            assert_eq!(
                verify_pin(&mut card, &mut sm, PIN),
                0x9000,
                "{curve:?} {aes:?}"
            );
            // A long command and answer (UPDATE/READ 1000 bytes, extended).
            let data = vec![0x5A; 1000];
            assert_eq!(
                send(
                    &mut card,
                    &mut sm,
                    &apdu([0, 0xA4, 2, 0x0C], &[0xC0, 0x04], None)
                )
                .1,
                0x9000
            );
            assert_eq!(
                send(&mut card, &mut sm, &apdu_ext([0, 0xD6, 0, 0], &data, false)).1,
                0x9000
            );
            let read = {
                let mut a = apdu_ext([0, 0xB0, 0, 0], &[], false);
                a.extend_from_slice(&[0x03, 0xE8]);
                a
            };
            assert_eq!(send(&mut card, &mut sm, &read), (data, 0x9000));
        }
    }
}

#[test]
fn update_binary_limits_and_conditions() {
    let mut card = personalised();
    let mut sm = open(&mut card);
    select_app(&mut card, &mut sm);
    assert_eq!(
        send(&mut card, &mut sm, &apdu([0, 0xD6, 0, 0], &[1], None)).1,
        0x6982
    );
    verify_pin(&mut card, &mut sm, PIN);
    // No file selected yet: no current EF.
    assert_eq!(
        send(&mut card, &mut sm, &apdu([0, 0xD6, 0, 0], &[1], None)).1,
        0x6986
    );
    assert_eq!(
        send(
            &mut card,
            &mut sm,
            &apdu([0, 0xA4, 2, 0x0C], &[0xC0, 0x05], None)
        )
        .1,
        0x6A82
    );
    assert_eq!(
        send(
            &mut card,
            &mut sm,
            &apdu([0, 0xA4, 4, 0x0C], &[0xF0, 1, 2], None)
        )
        .1,
        0x6A82
    );
    assert_eq!(
        send(
            &mut card,
            &mut sm,
            &apdu([0, 0xA4, 2, 0x0C], &[0xC0, 0x02], None)
        )
        .1,
        0x9000
    );
    // Slot 82 holds SIGN.
    assert_eq!(
        send(&mut card, &mut sm, &apdu([0, 0xD6, 0, 0], &[1], None)).1,
        0x6985
    );
    assert_eq!(
        send(
            &mut card,
            &mut sm,
            &apdu([0, 0xA4, 2, 0x0C], &[0xC0, 0x04], None)
        )
        .1,
        0x9000
    );
    assert_eq!(
        send(&mut card, &mut sm, &apdu([0, 0xD6, 0x08, 0x00], &[1], None)).1,
        0x6B00
    );
    assert_eq!(
        send(
            &mut card,
            &mut sm,
            &apdu([0, 0xD6, 0x07, 0xFF], &[1, 2], None)
        )
        .1,
        0x6700
    );
    assert_eq!(
        send(&mut card, &mut sm, &apdu([0, 0xD6, 0x07, 0xFF], &[7], None)).1,
        0x9000
    );
    let (last, code) = send(
        &mut card,
        &mut sm,
        &apdu([0, 0xB0, 0x07, 0xFF], &[], Some(1)),
    );
    assert_eq!((last, code), (vec![7], 0x9000));
    // ACTIVATE needs the PIN of this session.
    let mut sm = open(&mut card);
    assert_eq!(send(&mut card, &mut sm, &activate(&[(1, 0x81)])).1, 0x6982);
    verify_pin(&mut card, &mut sm, PIN);
    assert_eq!(send(&mut card, &mut sm, &activate(&[(1, 0x81)])).1, 0x9000);
    assert_eq!(send(&mut card, &mut sm, &activate(&[(3, 0x81)])).1, 0x6A80);
    assert_eq!(send(&mut card, &mut sm, &activate(&[(1, 0x84)])).1, 0x6A80);
    assert_eq!(send(&mut card, &mut sm, &activate(&[])).1, 0x6A80);
}

#[test]
fn debug_and_describe_reveal_no_secret() {
    let mut config = SimConfig::reference("918273", "56473829", "10293847");
    config.serial = Some([1, 2, 3, 4, 5, 6, 7, 8]);
    let mut card = SimCard::in_memory(config.clone()).unwrap();
    card.generate_key(0x81, KeyAlg::P256).unwrap();
    card.set_role(Role::Auth, 0x81).unwrap();
    let key_hex = card.state().keys[&0x81].private_key.expose().to_string();
    let texts = [
        format!("{card:?}"),
        format!("{:?}", card.state()),
        format!("{config:?}"),
        card.describe(),
    ];
    for text in &texts {
        for secret in [
            "918273",
            "56473829",
            "10293847",
            &key_hex[key_hex.len() - 64..],
        ] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
    }
    assert!(texts[3].contains("slot 81: P256"));
    assert!(texts[3].contains("role AUTH"));
    assert!(texts[3].contains("0102030405060708"));
}
