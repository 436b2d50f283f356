//! The terminal's session (`qoltanba_card::CardSession`) against the
//! simulator, APDUs counted at the transport: each certificate file is read
//! once and only as far as its DER header says, damaged files are typed
//! errors, and the card status is read once per session and kept current
//! from the card's own answers (a fresh session reads the same).
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

mod support;

use std::sync::{Arc, Mutex};

use qoltanba_card::profile::CardAlgorithm;
use qoltanba_card::secret::{Can, Pin};
use qoltanba_card::session::Role as CardRole;
use qoltanba_card::{CardError, CardSession};
use qoltanba_card_sim::{KeyAlg, Role, SimCard, SimConfig, SimTransport, StatsHandle};
use support::{CAN, PIN, PUK, certificate_for};

type Card = Arc<Mutex<SimCard>>;

/// A new session (PACE with the CAN, the application selected, PIN
/// verified) and its transport's counters, reset.
fn session(card: &Card) -> (CardSession, StatsHandle) {
    let transport = SimTransport::shared(card.clone());
    let stats = transport.stats();
    let mut s =
        CardSession::open(Box::new(transport), None, Some(&Can::new(CAN).unwrap())).unwrap();
    s.verify_pin(&Pin::new(PIN).unwrap()).unwrap();
    stats.reset();
    (s, stats)
}

/// APDUs since the last call.
fn apdus(stats: &StatsHandle) -> u64 {
    let n = stats.snapshot().apdus;
    stats.reset();
    n
}

/// AUTH and SIGN on a P-256 key each (81, 82) with their certificates;
/// 83 and 84 empty.
fn enrolled_card() -> Card {
    let mut card = SimCard::in_memory(SimConfig::reference(CAN, PIN, PUK)).unwrap();
    for (slot, role) in [(0x81, Role::Auth), (0x82, Role::Sign)] {
        let spki = card.generate_key(slot, KeyAlg::P256).unwrap();
        card.write_certificate(slot, &certificate_for(&spki))
            .unwrap();
        card.set_role(role, slot).unwrap();
    }
    Arc::new(Mutex::new(card))
}

#[test]
fn a_certificate_is_read_once_and_only_as_far_as_its_header_says() {
    let card = enrolled_card();
    let expected = certificate_for(&card.lock().unwrap().public_key(0x81).unwrap());
    assert!(expected.len() > 256, "a `30 82 LL LL` certificate");
    let (mut s, stats) = session(&card);

    let der = s.read_certificate(0x81).unwrap().unwrap();
    assert_eq!(der, expected);
    let read = stats.snapshot();
    // SELECT, READ BINARY of the header, READ BINARY of the rest.
    assert_eq!(read.apdus, 3);
    // The certificate and the secure-messaging objects, not the 2048-byte file.
    assert!(
        read.bytes_from_card < der.len() as u64 + 100,
        "{} bytes from the card for a {}-byte certificate",
        read.bytes_from_card,
        der.len()
    );
    stats.reset();
    assert_eq!(s.read_certificate(0x81).unwrap(), Some(expected));
    assert_eq!(apdus(&stats), 0, "read once per session");

    // An empty (zero) file: SELECT and the header read say so.
    assert_eq!(s.read_certificate(0x83).unwrap(), None);
    assert_eq!(apdus(&stats), 2);
    assert_eq!(s.read_certificate(0x83).unwrap(), None);
    assert_eq!(apdus(&stats), 0);
}

#[test]
fn a_damaged_certificate_file_is_a_typed_error() {
    let card = enrolled_card();
    for (slot, file, says) in [
        // A header claiming more than the 2048-byte file.
        (
            0x83,
            vec![0x30, 0x82, 0x0B, 0xB8, 0x30, 0x82],
            "claims 3004 bytes, the file holds 2048",
        ),
        (
            0x84,
            vec![0x30, 0x84, 0x01, 0x00, 0x00, 0x00],
            "claims 16777222 bytes",
        ),
        // Not a SEQUENCE; not DER.
        (0x83, vec![0xFF, 0xFF, 0xFF], "starts with FF"),
        (0x84, vec![0x30, 0x80, 0x02, 0x01, 0x00], "not DER"),
    ] {
        card.lock().unwrap().write_certificate(slot, &file).unwrap();
        let (mut s, stats) = session(&card);
        let err = s.read_certificate(slot).unwrap_err();
        assert!(
            matches!(err, CardError::CertificateFile { slot: s, .. } if s == slot),
            "{err:?}"
        );
        let text = err.to_string();
        assert!(text.contains(says), "{text}");
        assert!(text.contains("public service centre"), "{text}");
        // Nothing beyond the header was read.
        assert_eq!(apdus(&stats), 2, "{text}");
    }
}

#[test]
fn the_status_is_read_once_and_kept_current_from_the_cards_answers() {
    let card = enrolled_card();
    let (mut s, stats) = session(&card);
    let first = s.status().unwrap();
    assert_eq!(apdus(&stats), 1, "one GET DATA");
    assert_eq!((first.auth_slot, first.sign_slot), (Some(0x81), Some(0x82)));
    assert_eq!(s.status().unwrap(), first);
    assert_eq!(apdus(&stats), 0);

    // GENERATE: the slot holds a key, no certificate.
    let mut certs = Vec::new();
    for slot in [0x83, 0x84] {
        let spki = s.generate(slot, CardAlgorithm::P256).unwrap();
        assert_eq!(apdus(&stats), 1, "GENERATE alone");
        let status = s.status().unwrap();
        let entry = status.slots.iter().find(|x| x.slot == slot).unwrap();
        assert_eq!(
            (entry.algorithm, entry.has_certificate),
            (Some(CardAlgorithm::P256), false)
        );
        assert_eq!(s.public_key(slot).unwrap(), Some(spki.clone()));
        assert_eq!(apdus(&stats), 0, "the key is known from GENERATE");
        assert_eq!(s.read_certificate(slot).unwrap(), None);
        assert_eq!(apdus(&stats), 0, "GENERATE emptied the file");
        certs.push(certificate_for(&der::Encode::to_der(&spki).unwrap()));
    }

    // A refused ACTIVATE names the slot without a certificate and moves nothing.
    s.write_certificate(0x83, &certs[0]).unwrap();
    assert_eq!(apdus(&stats), 2, "SELECT and one UPDATE BINARY");
    let err = s
        .activate(&[(CardRole::Auth, 0x83), (CardRole::Sign, 0x84)])
        .unwrap_err();
    assert!(
        matches!(err, CardError::CertificateRefused(0x84)),
        "{err:?}"
    );
    stats.reset();
    let status = s.status().unwrap();
    assert_eq!(
        (status.auth_slot, status.sign_slot),
        (Some(0x81), Some(0x82))
    );
    let has_certificate = |st: &qoltanba_card::session::CardStatus, slot: u8| {
        st.slots
            .iter()
            .find(|x| x.slot == slot)
            .unwrap()
            .has_certificate
    };
    assert!(has_certificate(&status, 0x83) && !has_certificate(&status, 0x84));

    // UPDATE BINARY, then one ACTIVATE KEYS for both roles.
    s.write_certificate(0x84, &certs[1]).unwrap();
    assert_eq!(apdus(&stats), 2);
    assert!(has_certificate(&s.status().unwrap(), 0x84));
    s.activate(&[(CardRole::Auth, 0x83), (CardRole::Sign, 0x84)])
        .unwrap();
    assert_eq!(apdus(&stats), 1, "one ACTIVATE KEYS");
    let status = s.status().unwrap();
    assert_eq!(apdus(&stats), 0);
    assert_eq!(
        (status.auth_slot, status.sign_slot),
        (Some(0x83), Some(0x84))
    );
    {
        let c = card.lock().unwrap();
        assert_eq!(
            (c.role_slot(Role::Auth), c.role_slot(Role::Sign)),
            (Some(0x83), Some(0x84))
        );
    }

    // The PIN's counter follows VERIFY's answers.
    let wrong = s.verify_pin(&Pin::new("000000").unwrap()).unwrap_err();
    assert!(
        matches!(wrong, CardError::WrongPin { tries_left: 2 }),
        "{wrong:?}"
    );
    assert_eq!(s.status().unwrap().pin_tries, Some(2));
    s.verify_pin(&Pin::new(PIN).unwrap()).unwrap();
    assert_eq!(s.status().unwrap().pin_tries, Some(3));
    assert_eq!(apdus(&stats), 2, "two VERIFYs, no GET DATA");

    // What the session kept is what a fresh session reads.
    let kept = s.status().unwrap();
    drop(s);
    let (mut fresh, stats) = session(&card);
    assert_eq!(fresh.status().unwrap(), kept);
    assert_eq!(apdus(&stats), 1);
}
