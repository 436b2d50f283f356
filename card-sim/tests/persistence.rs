//! A card saved to a file keeps counters, keys, certificates and roles;
//! volatile state does not survive reopening.
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

mod support;

use qoltanba_card_sim::{KeyAlg, KzSlots, Role, SimCard, SimConfig};
use support::*;

#[test]
fn reference_card_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("card.json");
    let mut card = SimCard::create(Some(&path), SimConfig::reference(CAN, PIN, PUK)).unwrap();
    let spki = card.generate_key(0x81, KeyAlg::P256).unwrap();
    card.write_certificate(0x81, &certificate_for(&spki))
        .unwrap();
    let mut sm = open(&mut card);
    assert_eq!(verify_pin(&mut card, &mut sm, PIN), 0x9000);
    let act = apdu(
        [0x80, 0x44, 0, 0],
        &[0xA1, 0x06, 0x83, 0x01, 0x02, 0x84, 0x01, 0x81],
        None,
    );
    assert_eq!(send(&mut card, &mut sm, &act).1, 0x9000);
    assert_eq!(verify_pin(&mut card, &mut sm, "0000"), 0x63C2);
    let gen82 = apdu_ext(
        [0, 0x46, 0, 0],
        &[0xAC, 0x06, 0x80, 0x01, 0x02, 0x84, 0x01, 0x82],
        true,
    );
    // The PIN verification was lost with the wrong try.
    assert_eq!(send(&mut card, &mut sm, &gen82).1, 0x6982);
    assert!(card.sm_active());
    let serial = card.state().serial.clone();
    drop(card);

    // Reopened as another process would: the file is the card.
    let mut card = SimCard::open(&path).unwrap();
    assert!(!card.sm_active());
    assert!(!card.pin_verified());
    assert_eq!(card.state().pin_tries, 2);
    assert_eq!(card.state().serial, serial);
    assert_eq!(card.role_slot(Role::Sign), Some(0x81));
    assert_eq!(card.public_key(0x81).unwrap(), spki);
    let mut sm = open(&mut card);
    let status = send(
        &mut card,
        &mut sm,
        &apdu([0, 0xCA, 0x01, 0x00], &[], Some(0)),
    )
    .0;
    assert_eq!(counters_of(&status), (2, 10));
    assert_eq!(roles_of(&status), vec![(2, 0x81)]);
    assert!(
        status
            .windows(5)
            .any(|w| w == [0x81, 0x80, 0x01, 0x02, 0x8A])
    );
    // A correct PIN resets the counter, and that is saved too.
    assert_eq!(verify_pin(&mut card, &mut sm, PIN), 0x9000);
    drop(card);
    assert_eq!(SimCard::open(&path).unwrap().state().pin_tries, 3);

    // No temporary files left behind; creating over a card is refused.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("card.json")]);
    assert!(SimCard::create(Some(&path), SimConfig::reference(CAN, PIN, PUK)).is_err());
    // The file holds no secret in readable form beyond the JSON itself,
    // and is private to its owner.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0);
    }
}

#[test]
fn kz_card_survives_reopen_and_damaged_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kz.json");
    let mut card = SimCard::create(Some(&path), SimConfig::kz(KzSlots::Two, "2580")).unwrap();
    assert_eq!(
        card.process(&[
            0x00, 0x20, 0x00, 0x02, 0x08, b'1', b'1', b'1', b'1', b'0', b'0', b'0', b'0'
        ]),
        [0x63, 0xC2]
    );
    drop(card);
    let card = SimCard::open(&path).unwrap();
    assert_eq!(card.state().pin_tries, 2);
    assert_eq!(card.describe().lines().next(), Some("profile: kz-idcard"));
    assert!(!card.describe().contains("2580"));

    std::fs::write(&path, "{ not a card").unwrap();
    assert!(matches!(
        SimCard::open(&path),
        Err(qoltanba_card_sim::SimError::BadState { .. })
    ));
    assert!(matches!(
        SimCard::open(&dir.path().join("missing.json")),
        Err(qoltanba_card_sim::SimError::Io { .. })
    ));
    assert!(SimCard::in_memory(SimConfig::reference("12", PIN, PUK)).is_err());
    assert!(SimCard::in_memory(SimConfig::reference(CAN, PIN, "123")).is_err());
    assert!(SimCard::in_memory(SimConfig::kz(KzSlots::Two, "123456789")).is_err());
}
