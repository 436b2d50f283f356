//! The terminal card stack (`CardSession`, `CardKey`, `certified_slots`,
//! `free_slot`) against the simulator card in-process: both profiles, every
//! PACE suite, PIN/PUK counters, lost tags at every APDU, broken answers,
//! the logged real-card signatures, and secrets that never leak.
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use qoltanba_card::apdu::{ApduError, Command};
use qoltanba_card::channel::ChannelError;
use qoltanba_card::keys;
use qoltanba_card::keystore::{
    CardKey, SharedSession, certified_slots, free_slot, generate_in_free_slot,
};
use qoltanba_card::profile::CardAlgorithm;
use qoltanba_card::secret::{Can, Pin, Puk};
use qoltanba_card::session::{CardStatus, PinStatus, Role};
use qoltanba_card::{
    CardError, CardSession, CardTransport, PaceError, SmError, StatusWord, TransportError,
};
use qoltanba_card_sim::crypto::AesBits;
use qoltanba_card_sim::{
    KeyAlg, KzSlots, LossPoint, PaceCurve, PaceSuite, Profile, SimCard, SimConfig, SimTransport,
};
use qoltanba_pki::cert::{KzCertificate, Purpose};
use qoltanba_pki::crypto::{DigestAlgorithm, SignatureAlgorithm, Signer, verify_signature};
use qoltanba_pki::oid;
use qoltanba_ra::home::Home;
use qoltanba_ra::registry::{Enrolment, enroll_keys};
use rsa::pkcs8::DecodePublicKey;
use sha1::{Digest, Sha1};
use spki::der::Encode;
use time::{Duration, OffsetDateTime};

// Distinctive secrets, so a leak is unmistakable.
const CAN: &str = "582047";
const PIN: &str = "739182";
const PUK: &str = "91736455";
const KZ_PIN: &str = "4827";

fn can() -> Can {
    Can::new(CAN).unwrap()
}
fn pin() -> Pin {
    Pin::new(PIN).unwrap()
}
fn puk() -> Puk {
    Puk::new(PUK).unwrap()
}

fn reference_config(suite: PaceSuite) -> SimConfig {
    let mut config = SimConfig::reference(CAN, PIN, PUK);
    config.profile = Profile::Reference { pace: suite };
    config
}

fn reference_card() -> Arc<Mutex<SimCard>> {
    Arc::new(Mutex::new(
        SimCard::create(None, reference_config(PaceSuite::default())).unwrap(),
    ))
}

fn kz_card(slots: KzSlots) -> Arc<Mutex<SimCard>> {
    Arc::new(Mutex::new(
        SimCard::create(None, SimConfig::kz(slots, KZ_PIN)).unwrap(),
    ))
}

fn lock(card: &Mutex<SimCard>) -> std::sync::MutexGuard<'_, SimCard> {
    card.lock().unwrap_or_else(|p| p.into_inner())
}

/// A session over a fresh transport to `card`; the profile comes from the ATR.
fn open_with(card: &Arc<Mutex<SimCard>>, can: Option<&Can>) -> Result<CardSession, CardError> {
    CardSession::open(Box::new(SimTransport::shared(card.clone())), None, can)
}

fn open(card: &Arc<Mutex<SimCard>>) -> CardSession {
    open_with(card, Some(&can())).expect("the session opens")
}

fn shared(session: CardSession) -> SharedSession {
    Arc::new(Mutex::new(session))
}

fn verify(key: &dyn Signer, message: &[u8], signature: &[u8]) {
    verify_signature(
        key.public_key(),
        &key.algorithm().identifier(),
        message,
        signature,
    )
    .unwrap_or_else(|e| panic!("{:?} signature does not verify: {e}", key.algorithm()));
}

// ---- a certification authority, shared by the tests -----------------------

/// An RA home (root and issuing CAs, registry) without a server: certificates
/// for card keys come from `enroll_keys`, as at a service centre.
struct Issuer {
    home: Home,
    cas: qoltanba_ra::ca::CaSet,
    _dir: tempfile::TempDir,
}

fn issuer() -> &'static Mutex<Issuer> {
    static ISSUER: OnceLock<Mutex<Issuer>> = OnceLock::new();
    ISSUER.get_or_init(|| {
        use qoltanba_pki::keyfile::{NewPassword, Password};
        let dir = tempfile::tempdir().unwrap();
        let passphrase = NewPassword::new(Password::new(
            qoltanba_testkit::embedded::random_password("Ra"),
        ))
        .unwrap();
        // A throwaway home: key files in NCA's cheap profile.
        let home = Home::init_in_profile(
            &dir.path().join("ra"),
            "127.0.0.1:1".parse().unwrap(),
            true,
            &passphrase,
            OffsetDateTime::now_utc(),
            qoltanba_pki::keyfile::Profile::Nca,
            None,
        )
        .unwrap();
        let cas = home.unlock_cas(passphrase.as_password()).unwrap();
        Mutex::new(Issuer {
            home,
            cas,
            _dir: dir,
        })
    })
}

/// Real certificates for keys on a card; each key signs its own CSR.
fn certify(keys: &[(Purpose, &dyn Signer)]) -> Vec<KzCertificate> {
    let issuer = issuer().lock().unwrap_or_else(|p| p.into_inner());
    let now = OffsetDateTime::now_utc();
    let who = Enrolment {
        iin: "900101300017",
        surname: "ТЕСТОВ",
        name: "КАРТА",
        patronymic: None,
        email: None,
        phone: None,
        algorithm: qoltanba_pki::crypto::KeySpec::P256,
        valid_from: now - Duration::days(1),
        valid_days: 365,
    };
    enroll_keys(
        &issuer.home.db,
        &issuer.cas,
        &issuer.home.config.public_url,
        &who,
        keys,
        qoltanba_pki::reissue::StorageKind::IdCard,
        now,
    )
    .expect("the RA certifies the card keys")
    .into_iter()
    .map(|(_, cert)| cert)
    .collect()
}

// ---- 1. a full session per PACE suite --------------------------------------

fn full_session(suite: PaceSuite, with_rsa: bool) {
    let card = Arc::new(Mutex::new(
        SimCard::create(None, reference_config(suite)).unwrap(),
    ));
    let session = open(&card);
    assert_eq!(session.profile().name, "qoltanba-ref-1");
    let session = shared(session);
    let status = session.lock().unwrap().status().unwrap();
    assert_eq!(status.serial.as_ref().map(Vec::len), Some(8));
    assert_eq!(
        status.slots.iter().map(|s| s.slot).collect::<Vec<_>>(),
        [0x81, 0x82, 0x83, 0x84]
    );
    assert!(status.slots.iter().all(|s| s.algorithm.is_none()));
    assert_eq!((status.auth_slot, status.sign_slot), (None, None));
    assert_eq!((status.pin_tries, status.puk_tries), (Some(3), Some(10)));
    assert_eq!(
        session.lock().unwrap().pin_status().unwrap(),
        PinStatus::TriesLeft(3)
    );
    // Without the PIN the card generates nothing.
    assert!(matches!(
        session.lock().unwrap().generate(0x81, CardAlgorithm::P256),
        Err(CardError::PinNeeded)
    ));
    session.lock().unwrap().verify_pin(&pin()).unwrap();
    assert_eq!(
        session.lock().unwrap().pin_status().unwrap(),
        PinStatus::Verified
    );

    let now = OffsetDateTime::now_utc();
    let auth_alg = if with_rsa {
        CardAlgorithm::Rsa2048
    } else {
        CardAlgorithm::P256
    };
    let auth_slot = free_slot(&session, &[], &[], now).unwrap();
    assert_eq!(auth_slot, 0x81, "empty slots first, in order");
    let auth_spki = session
        .lock()
        .unwrap()
        .generate(auth_slot, auth_alg)
        .unwrap();
    let sign_slot = free_slot(&session, &[auth_slot], &[], now).unwrap();
    assert_eq!(sign_slot, 0x82);
    let sign_spki = session
        .lock()
        .unwrap()
        .generate(sign_slot, CardAlgorithm::P256)
        .unwrap();
    // What the card reports is what GENERATE answered, and what the card holds.
    assert_eq!(
        session.lock().unwrap().public_key(auth_slot).unwrap(),
        Some(auth_spki.clone())
    );
    assert_eq!(
        lock(&card).public_key(sign_slot).unwrap(),
        sign_spki.to_der().unwrap()
    );
    let status = session.lock().unwrap().status().unwrap();
    assert_eq!(status.slots[0].algorithm, Some(auth_alg));
    assert_eq!(status.slots[1].algorithm, Some(CardAlgorithm::P256));
    assert!(!status.slots[0].has_certificate && !status.slots[1].has_certificate);

    // Both keys, through both commands (INTERNAL AUTHENTICATE and PSO:CDS).
    let auth_key = CardKey::with_public_key(&session, auth_slot, true, auth_spki.clone()).unwrap();
    let sign_key = CardKey::open(&session, sign_slot, false).unwrap();
    assert_eq!(sign_key.public_key(), &sign_spki);
    let message = format!("a document signed over {suite:?}");
    for (slot, spki) in [(auth_slot, &auth_spki), (sign_slot, &sign_spki)] {
        for for_login in [true, false] {
            let key = CardKey::with_public_key(&session, slot, for_login, spki.clone()).unwrap();
            let signature = key.sign(message.as_bytes()).unwrap();
            verify(&key, message.as_bytes(), &signature);
            // A signature over other data does not verify.
            assert!(
                verify_signature(
                    key.public_key(),
                    &key.algorithm().identifier(),
                    b"another document",
                    &signature
                )
                .is_err()
            );
        }
    }
    assert_eq!(
        auth_key.algorithm(),
        if with_rsa {
            SignatureAlgorithm::RsaPkcs1Sha256
        } else {
            SignatureAlgorithm::EcdsaP256Sha256
        }
    );

    // Certificates from the RA, each key signing its CSR on the card.
    let certs = certify(&[(Purpose::Auth, &auth_key), (Purpose::Sign, &sign_key)]);
    assert_eq!(certs[0].public_key(), &auth_spki);
    assert_eq!(certs[1].public_key(), &sign_spki);
    {
        let mut s = session.lock().unwrap();
        s.write_certificate(auth_slot, certs[0].der()).unwrap();
        s.write_certificate(sign_slot, certs[1].der()).unwrap();
        assert_eq!(
            s.read_certificate(auth_slot).unwrap().as_deref(),
            Some(certs[0].der())
        );
        // Written but not current: no role yet.
        let status = s.status().unwrap();
        assert!(status.slots[0].has_certificate && status.slots[1].has_certificate);
        assert_eq!((status.auth_slot, status.sign_slot), (None, None));
    }
    let listed = certified_slots(&session, &[]).unwrap();
    assert_eq!(listed.len(), 2);
    assert!(listed.iter().all(|c| c.roles.is_empty()));

    session
        .lock()
        .unwrap()
        .activate(&[(Role::Auth, auth_slot), (Role::Sign, sign_slot)])
        .unwrap();
    let listed = certified_slots(&session, &[]).unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].slot, auth_slot);
    assert_eq!(listed[0].roles, [Role::Auth]);
    assert_eq!(listed[0].certificate.der(), certs[0].der());
    assert_eq!(listed[1].slot, sign_slot);
    assert_eq!(listed[1].roles, [Role::Sign]);
    assert_eq!(listed[1].certificate.der(), certs[1].der());
    {
        let mut s = session.lock().unwrap();
        for (slot, cert) in [(auth_slot, &certs[0]), (sign_slot, &certs[1])] {
            assert_eq!(
                s.read_certificate(slot).unwrap().as_deref(),
                Some(cert.der())
            );
        }
        assert_eq!(s.read_certificate(0x83).unwrap(), None);
        let status = s.status().unwrap();
        assert_eq!(
            (status.auth_slot, status.sign_slot),
            (Some(auth_slot), Some(sign_slot))
        );
        // The card refuses to overwrite a current key or its certificate.
        assert!(matches!(
            s.generate(auth_slot, CardAlgorithm::P256),
            Err(CardError::SlotInUse(0x81))
        ));
        assert!(matches!(
            s.write_certificate(sign_slot, certs[1].der()),
            Err(CardError::SlotInUse(0x82))
        ));
    }
    assert_eq!(
        lock(&card).role_slot(qoltanba_card_sim::Role::Auth),
        Some(auth_slot)
    );
    // The next free slot is neither current slot.
    assert_eq!(free_slot(&session, &[], &certs, now).unwrap(), 0x83);

    // The roles survive the session: a new one sees them and signs with them.
    let again = shared(open(&card));
    let listed = certified_slots(&again, &[]).unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|c| (c.slot, c.roles.clone()))
            .collect::<Vec<_>>(),
        [(auth_slot, vec![Role::Auth]), (sign_slot, vec![Role::Sign])]
    );
    again.lock().unwrap().verify_pin(&pin()).unwrap();
    let key = CardKey::open(&again, sign_slot, false).unwrap();
    let signature = key.sign(b"after reconnecting").unwrap();
    verify(&key, b"after reconnecting", &signature);
}

#[test]
fn full_session_brainpool_aes128() {
    full_session(
        PaceSuite {
            curve: PaceCurve::BrainpoolP256r1,
            aes: AesBits::Aes128,
        },
        true,
    );
}

#[test]
fn full_session_brainpool_aes192() {
    full_session(
        PaceSuite {
            curve: PaceCurve::BrainpoolP256r1,
            aes: AesBits::Aes192,
        },
        false,
    );
}

#[test]
fn full_session_brainpool_aes256() {
    full_session(
        PaceSuite {
            curve: PaceCurve::BrainpoolP256r1,
            aes: AesBits::Aes256,
        },
        false,
    );
}

#[test]
fn full_session_p256_aes128() {
    full_session(
        PaceSuite {
            curve: PaceCurve::NistP256,
            aes: AesBits::Aes128,
        },
        false,
    );
}

#[test]
fn full_session_p256_aes192() {
    full_session(
        PaceSuite {
            curve: PaceCurve::NistP256,
            aes: AesBits::Aes192,
        },
        false,
    );
}

#[test]
fn full_session_p256_aes256() {
    full_session(
        PaceSuite {
            curve: PaceCurve::NistP256,
            aes: AesBits::Aes256,
        },
        true,
    );
}

// ---- 2. the CAN --------------------------------------------------------------

#[test]
fn wrong_missing_and_malformed_can() {
    let card = reference_card();
    let wrong = Can::new("582048").unwrap();
    let err = open_with(&card, Some(&wrong)).unwrap_err();
    assert!(
        matches!(err, CardError::Pace(PaceError::WrongCan)),
        "{err:?}"
    );
    assert!(err.to_string().contains("wrong CAN"), "{err}");

    let transport = SimTransport::shared(card.clone());
    let stats = transport.stats();
    let short = Can::new("58204").unwrap();
    let err = CardSession::open(Box::new(transport), None, Some(&short)).unwrap_err();
    assert!(
        matches!(err, CardError::SecretFormat { kind: "CAN", ref expected } if expected == "6"),
        "{err:?}"
    );
    assert_eq!(stats.snapshot().apdus, 0, "nothing reaches the card");

    let err = open_with(&card, None).unwrap_err();
    assert!(matches!(err, CardError::CanNeeded), "{err:?}");

    // A wrong CAN costs nothing: the right one still opens, the PIN is untouched.
    let mut session = open(&card);
    assert_eq!(session.pin_status().unwrap(), PinStatus::TriesLeft(3));
}

/// A reader that reports no ATR (vsmartcard's vpcd gives none through
/// SCARD_ATTR_ATR_STRING): the profile is found by asking the card.
struct NoAtr(SimTransport);

impl CardTransport for NoAtr {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.0.transmit(command)
    }
}

#[test]
fn without_an_atr_the_profile_is_found_by_asking_the_card() {
    let card = reference_card();
    let session = CardSession::open(
        Box::new(NoAtr(SimTransport::shared(card))),
        None,
        Some(&can()),
    )
    .unwrap();
    assert_eq!(session.profile().name, "qoltanba-ref-1");
    let card = kz_card(KzSlots::Two);
    let session =
        CardSession::open(Box::new(NoAtr(SimTransport::shared(card))), None, None).unwrap();
    assert_eq!(session.profile().name, "kz-idcard");
}

/// A reader without an ATR that keeps the header (CLA INS P1 P2) of every
/// command it passes to the card.
struct Headers {
    inner: SimTransport,
    seen: Arc<Mutex<Vec<[u8; 4]>>>,
}

impl CardTransport for Headers {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        if let [cla, ins, p1, p2, ..] = *command {
            self.seen.lock().unwrap().push([cla, ins, p1, p2]);
        }
        self.inner.transmit(command)
    }
}

fn headers(card: &Arc<Mutex<SimCard>>) -> (Headers, Arc<Mutex<Vec<[u8; 4]>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let t = Headers {
        inner: SimTransport::shared(card.clone()),
        seen: seen.clone(),
    };
    (t, seen)
}

#[test]
fn with_an_unknown_atr_ef_cardaccess_is_read_once() {
    let card = reference_card();
    let (transport, seen) = headers(&card);
    let session = CardSession::open(Box::new(transport), None, Some(&can())).unwrap();
    assert_eq!(session.profile().name, "qoltanba-ref-1");
    // READ BINARY by SFI 1C: the probe's read is the one PACE uses.
    let reads = seen
        .lock()
        .unwrap()
        .iter()
        .filter(|h| h[1] == 0xB0 && h[2] == 0x80 | 0x1C)
        .count();
    assert_eq!(reads, 1, "{:02X?}", seen.lock().unwrap());
    assert_eq!(seen.lock().unwrap()[0][1], 0xB0, "the probe comes first");
}

#[test]
fn a_malformed_puk_pin_or_can_is_refused_before_pace() {
    // With the ATR: nothing at all reaches the card.
    let card = reference_card();
    let transport = SimTransport::shared(card.clone());
    let stats = transport.stats();
    let detected = CardSession::detect(Box::new(transport), None).unwrap();
    assert!(detected.needs_can());
    let err = detected.check_puk(&Puk::new("1234").unwrap()).unwrap_err();
    assert!(
        matches!(err, CardError::SecretFormat { kind: "PUK", ref expected } if expected == "8"),
        "{err:?}"
    );
    assert!(err.to_string().contains("8 digits"), "{err}");
    assert!(matches!(
        detected.check_new_pin(&Pin::new("123").unwrap()),
        Err(CardError::BadNewPin(_))
    ));
    assert!(matches!(
        detected.check_pin(&Pin::new("1234567890123").unwrap()),
        Err(CardError::SecretFormat { kind: "PIN", .. })
    ));
    assert!(matches!(
        detected.check_can(&Can::new("12345").unwrap()),
        Err(CardError::SecretFormat { kind: "CAN", .. })
    ));
    detected.check_puk(&puk()).unwrap();
    detected.check_pin(&pin()).unwrap();
    assert_eq!(stats.snapshot().apdus, 0, "no APDU, so no PACE");
    // Without an ATR: the one READ BINARY that tells the profile, no PACE.
    let (transport, seen) = headers(&card);
    let detected = CardSession::detect(Box::new(transport), None).unwrap();
    assert!(detected.check_puk(&Puk::new("123456789").unwrap()).is_err());
    assert_eq!(
        seen.lock().unwrap().len(),
        1,
        "{:02X?}",
        seen.lock().unwrap()
    );
    // The kz-idcard has no known PUK and needs no CAN.
    let kz = kz_card(KzSlots::Two);
    let detected = CardSession::detect(Box::new(SimTransport::shared(kz)), None).unwrap();
    assert!(!detected.needs_can());
    assert!(matches!(
        detected.check_puk(&puk()),
        Err(CardError::Unsupported(_))
    ));
    // A session opened from the detected card works as before.
    let detected = CardSession::detect(Box::new(SimTransport::shared(card)), None).unwrap();
    let mut session = detected.open(Some(&can())).unwrap();
    assert_eq!(session.pin_status().unwrap(), PinStatus::TriesLeft(3));
}

/// A session to `card` whose APDUs are counted.
fn counted(card: &Arc<Mutex<SimCard>>) -> (CardSession, qoltanba_card_sim::StatsHandle) {
    let transport = SimTransport::shared(card.clone());
    let stats = transport.stats();
    let session = CardSession::open(Box::new(transport), None, Some(&can())).unwrap();
    (session, stats)
}

#[test]
fn a_pin_the_card_reported_blocked_is_never_sent_again() {
    let card = reference_card();
    let wrong = Pin::new("111111").unwrap();
    let (mut s, stats) = counted(&card);
    assert!(s.verify_pin(&wrong).is_err());
    assert!(s.verify_pin(&wrong).is_err());
    // The last wrong try: the card answers 63C0 (or 6983).
    assert!(matches!(s.verify_pin(&wrong), Err(CardError::PinBlocked)));
    let before = stats.snapshot().apdus;
    let err = s.verify_pin(&pin()).unwrap_err();
    assert!(matches!(err, CardError::PinBlocked), "{err:?}");
    assert!(err.to_string().contains("unblock it with the PUK"), "{err}");
    assert!(matches!(
        s.change_pin(&pin(), &Pin::new("2468").unwrap()),
        Err(CardError::PinBlocked)
    ));
    assert_eq!(stats.snapshot().apdus, before, "nothing sent once blocked");
    drop(s);

    // A new session learns it from the card's status…
    let (mut s, stats) = counted(&card);
    assert_eq!(s.status().unwrap().pin_tries, Some(0));
    let before = stats.snapshot().apdus;
    assert!(matches!(s.verify_pin(&pin()), Err(CardError::PinBlocked)));
    assert_eq!(stats.snapshot().apdus, before);
    drop(s);
    // … from the PIN's state (no try spent) …
    let (mut s, stats) = counted(&card);
    assert_eq!(s.pin_status().unwrap(), PinStatus::Blocked);
    let before = stats.snapshot().apdus;
    assert!(matches!(s.check_pin_usable(), Err(CardError::PinBlocked)));
    assert!(matches!(s.verify_pin(&pin()), Err(CardError::PinBlocked)));
    assert_eq!(stats.snapshot().apdus, before);
    drop(s);
    // … or from the one VERIFY the card refuses.
    let (mut s, stats) = counted(&card);
    let before = stats.snapshot().apdus;
    assert!(matches!(s.verify_pin(&pin()), Err(CardError::PinBlocked)));
    assert!(matches!(s.verify_pin(&pin()), Err(CardError::PinBlocked)));
    assert_eq!(stats.snapshot().apdus, before + 1, "one VERIFY, not two");

    // The PUK unblocks it, and the session sends the PIN again.
    let new_pin = Pin::new("2468").unwrap();
    s.unblock_pin(&puk(), &new_pin).unwrap();
    s.check_pin_usable().unwrap();
    s.verify_pin(&new_pin).unwrap();
    assert_eq!(s.pin_status().unwrap(), PinStatus::Verified);
}

// ---- 3. PIN and PUK counters ---------------------------------------------------

#[test]
fn wrong_pin_blocks_and_the_puk_unblocks_across_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("card.json");
    drop(SimCard::create(Some(&path), reference_config(PaceSuite::default())).unwrap());
    let reopen = || Arc::new(Mutex::new(SimCard::open(&path).unwrap()));
    let wrong = Pin::new("111111").unwrap();

    let mut s = open(&reopen());
    let err = s.verify_pin(&wrong).unwrap_err();
    assert!(
        matches!(err, CardError::WrongPin { tries_left: 2 }),
        "{err:?}"
    );
    assert!(!err.to_string().contains("block"), "{err}");
    let err = s.verify_pin(&wrong).unwrap_err();
    assert!(
        matches!(err, CardError::WrongPin { tries_left: 1 }),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("next wrong PIN blocks"),
        "the last try is announced: {err}"
    );
    assert_eq!(s.pin_status().unwrap(), PinStatus::TriesLeft(1));
    drop(s);

    // The counter is the card's, not the session's.
    let mut s = open(&reopen());
    assert_eq!(s.pin_status().unwrap(), PinStatus::TriesLeft(1));
    assert_eq!(s.status().unwrap().pin_tries, Some(1));
    let err = s.verify_pin(&wrong).unwrap_err();
    assert!(matches!(err, CardError::PinBlocked), "{err:?}");
    assert!(err.to_string().contains("PUK"), "{err}");
    assert_eq!(s.pin_status().unwrap(), PinStatus::Blocked);
    // Blocked means blocked, for the right PIN too.
    assert!(matches!(s.verify_pin(&pin()), Err(CardError::PinBlocked)));
    drop(s);

    let mut s = open(&reopen());
    assert_eq!(s.pin_status().unwrap(), PinStatus::Blocked);
    let new_pin = Pin::new("2468").unwrap();
    let err = s
        .unblock_pin(&Puk::new("12345678").unwrap(), &new_pin)
        .unwrap_err();
    assert!(
        matches!(err, CardError::WrongPuk { tries_left: 9 }),
        "{err:?}"
    );
    // A PUK of the wrong length never reaches the card.
    assert!(matches!(
        s.unblock_pin(&Puk::new("1234").unwrap(), &new_pin),
        Err(CardError::SecretFormat { kind: "PUK", .. })
    ));
    drop(s);

    let mut s = open(&reopen());
    let status = s.status().unwrap();
    assert_eq!((status.pin_tries, status.puk_tries), (Some(0), Some(9)));
    s.unblock_pin(&puk(), &new_pin).unwrap();
    assert_eq!(s.pin_status().unwrap(), PinStatus::TriesLeft(3));
    s.verify_pin(&new_pin).unwrap();
    assert_eq!(s.pin_status().unwrap(), PinStatus::Verified);
    drop(s);

    let mut s = open(&reopen());
    assert!(matches!(
        s.verify_pin(&pin()),
        Err(CardError::WrongPin { tries_left: 2 })
    ));
    s.verify_pin(&new_pin).unwrap();
    let status = s.status().unwrap();
    assert_eq!((status.pin_tries, status.puk_tries), (Some(3), Some(10)));
}

// ---- 4. changing the PIN ---------------------------------------------------------

#[test]
fn change_pin_replaces_the_old_one() {
    let card = reference_card();
    let new_pin = Pin::new("50607080").unwrap();
    let mut s = open(&card);
    assert!(matches!(
        s.change_pin(&Pin::new("000000").unwrap(), &new_pin),
        Err(CardError::WrongPin { tries_left: 2 })
    ));
    assert!(matches!(
        s.change_pin(&pin(), &Pin::new("123").unwrap()),
        Err(CardError::BadNewPin(_))
    ));
    s.change_pin(&pin(), &new_pin).unwrap();
    drop(s);

    let mut s = open(&card);
    assert!(matches!(
        s.verify_pin(&pin()),
        Err(CardError::WrongPin { tries_left: 2 })
    ));
    s.verify_pin(&new_pin).unwrap();
    assert_eq!(s.status().unwrap().pin_tries, Some(3));
}

// ---- 5. a lost tag at every APDU ---------------------------------------------------

/// A card file with current keys (AUTH in 81, SIGN in 82, certified, roles
/// set) and next keys in 83 and 84 whose certificates are returned, not yet
/// on the card.
struct Renewing {
    dir: tempfile::TempDir,
    base: PathBuf,
    current: Vec<Vec<u8>>,
    next_certs: Vec<KzCertificate>,
}

fn renewing_card() -> Renewing {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base.json");
    let mut card = SimCard::create(Some(&base), reference_config(PaceSuite::default())).unwrap();
    let mut current = Vec::new();
    for slot in [0x81, 0x82, 0x83, 0x84] {
        current.push(card.generate_key(slot, KeyAlg::P256).unwrap());
    }
    current.truncate(2);
    let card = Arc::new(Mutex::new(card));
    let session = shared(open(&card));
    session.lock().unwrap().verify_pin(&pin()).unwrap();
    let keys: Vec<CardKey> = [(0x81, true), (0x82, false), (0x83, true), (0x84, false)]
        .into_iter()
        .map(|(slot, login)| CardKey::open(&session, slot, login).unwrap())
        .collect();
    let certs = certify(&[
        (Purpose::Auth, &keys[0]),
        (Purpose::Sign, &keys[1]),
        (Purpose::Auth, &keys[2]),
        (Purpose::Sign, &keys[3]),
    ]);
    drop(keys);
    drop(session);
    {
        let mut card = lock(&card);
        card.write_certificate(0x81, certs[0].der()).unwrap();
        card.write_certificate(0x82, certs[1].der()).unwrap();
        card.set_role(qoltanba_card_sim::Role::Auth, 0x81).unwrap();
        card.set_role(qoltanba_card_sim::Role::Sign, 0x82).unwrap();
    }
    Renewing {
        dir,
        base,
        current,
        next_certs: certs[2..].to_vec(),
    }
}

impl Renewing {
    /// A copy of the base card, as a card of its own.
    fn copy(&self, name: &str) -> Arc<Mutex<SimCard>> {
        let path = self.dir.path().join(format!("{name}.json"));
        std::fs::copy(&self.base, &path).unwrap();
        Arc::new(Mutex::new(SimCard::open(&path).unwrap()))
    }

    /// The current keys are still in their slots, unchanged.
    fn check_current_keys(&self, card: &Mutex<SimCard>) {
        let card = lock(card);
        assert_eq!(card.public_key(0x81).as_ref(), Some(&self.current[0]));
        assert_eq!(card.public_key(0x82).as_ref(), Some(&self.current[1]));
    }
}

/// Looks at the card after a loss at APDU n (of an operation of `length` APDUs).
type LossCheck<'a> = dyn Fn(&Arc<Mutex<SimCard>>, u64, LossPoint, u64) + 'a;

/// Run `op` on a copy of the base card with the tag lost at APDU n (before
/// and after the card executed it), for n = 0, 1, … until `op` gets through;
/// after each loss `check` looks at the card, and `op` must then succeed
/// from the start on a new session to the same card. Returns how many APDUs
/// `op` takes.
fn lose_the_tag_everywhere<T>(
    fixture: &Renewing,
    name: &str,
    op: &dyn Fn(SimTransport) -> Result<T, CardError>,
    check: &LossCheck,
) -> u64 {
    // How long the operation is, undisturbed.
    let clean = SimTransport::shared(fixture.copy(&format!("{name}-clean")));
    let control = clean.control();
    op(clean).expect("the undisturbed operation succeeds");
    let length = control.transmits();
    assert!(length > 5, "{name}: {length} APDUs");

    let mut n = 0u64;
    loop {
        let mut got_through = false;
        for point in [LossPoint::BeforeCard, LossPoint::AfterCard] {
            let card = fixture.copy(&format!("{name}-{n}-{point:?}"));
            let transport = SimTransport::shared(card.clone());
            let control = transport.control();
            control.fail_at_point(n, TransportError::TagLost, point);
            match op(transport) {
                Ok(_) => {
                    assert!(
                        control.transmits() <= n,
                        "{name}: the loss at APDU {n} was not reported"
                    );
                    got_through = true;
                    continue;
                }
                Err(e) => {
                    assert!(e.is_tag_lost(), "{name}: APDU {n} {point:?}: {e:?}");
                    assert_eq!(
                        control.transmits(),
                        n + 1,
                        "{name}: nothing is sent after the loss"
                    );
                }
            }
            check(&card, n, point, length);
            // Back in the field: the whole operation, from the top.
            op(SimTransport::shared(card.clone())).unwrap_or_else(|e| {
                panic!("{name}: after a loss at APDU {n} {point:?} the retry fails: {e:?}")
            });
        }
        if got_through {
            assert_eq!(n, length, "{name}: the operation took {length} APDUs");
            return length;
        }
        n += 1;
        assert!(n <= length, "{name}: the losses never stop");
    }
}

fn sign_op(t: SimTransport) -> Result<(), CardError> {
    let mut s = CardSession::open(Box::new(t), None, Some(&can()))?;
    s.verify_pin(&pin())?;
    let message = b"a document";
    let digest = DigestAlgorithm::Sha256.digest(message);
    for (slot, login) in [(0x81, true), (0x82, false)] {
        let spki = s.public_key(slot)?.ok_or(CardError::EmptySlot(slot))?;
        let raw = s.sign_raw(slot, CardAlgorithm::P256, login, &digest)?;
        let signature = keys::signature_output(CardAlgorithm::P256, &raw)?;
        verify_signature(
            &spki,
            &SignatureAlgorithm::EcdsaP256Sha256.identifier(),
            message,
            &signature,
        )
        .expect("the card's signature verifies");
    }
    Ok(())
}

#[test]
fn tag_lost_at_every_apdu_of_a_signature() {
    let fixture = renewing_card();
    let check = |card: &Arc<Mutex<SimCard>>, _: u64, _: LossPoint, _: u64| {
        fixture.check_current_keys(card);
        assert_eq!(
            lock(card).state().pin_tries,
            3,
            "a lost VERIFY never costs a try"
        );
    };
    let length = lose_the_tag_everywhere(&fixture, "sign", &sign_op, &check);
    // CardAccess, 5 PACE steps, SELECT, VERIFY, GET DATA (the slots' algorithms,
    // once per session), 2 × (READ PUBLIC KEY, MSE, sign).
    assert_eq!(length, 15);
}

#[test]
fn tag_lost_at_every_apdu_of_a_key_generation() {
    let fixture = renewing_card();
    let generate_op = |t: SimTransport| -> Result<(u8, Vec<u8>), CardError> {
        let s = shared(CardSession::open(Box::new(t), None, Some(&can()))?);
        s.lock().unwrap().verify_pin(&pin())?;
        let slot = free_slot(&s, &[], &[], OffsetDateTime::now_utc())?;
        let spki = s.lock().unwrap().generate(slot, CardAlgorithm::P256)?;
        Ok((slot, spki.to_der().unwrap()))
    };
    let check = |card: &Arc<Mutex<SimCard>>, _: u64, _: LossPoint, _: u64| {
        fixture.check_current_keys(card);
        let card = lock(card);
        assert_eq!(card.role_slot(qoltanba_card_sim::Role::Auth), Some(0x81));
        assert_eq!(card.role_slot(qoltanba_card_sim::Role::Sign), Some(0x82));
    };
    lose_the_tag_everywhere(&fixture, "generate", &generate_op, &check);

    // Undisturbed, the new key lands in a slot without a role.
    let card = fixture.copy("generate-result");
    let (slot, spki) = generate_op(SimTransport::shared(card.clone())).unwrap();
    assert!([0x83, 0x84].contains(&slot), "{slot:02X}");
    assert_eq!(lock(&card).public_key(slot), Some(spki));
    fixture.check_current_keys(&card);
}

/// Install the next certificates and make them current; a session that
/// finds them current already (ACTIVATE went through, its answer was lost)
/// has nothing left to do.
fn install_op(certs: &[KzCertificate], t: SimTransport) -> Result<bool, CardError> {
    let mut s = CardSession::open(Box::new(t), None, Some(&can()))?;
    s.verify_pin(&pin())?;
    let status = s.status()?;
    if (status.auth_slot, status.sign_slot) == (Some(0x83), Some(0x84)) {
        return Ok(false);
    }
    s.write_certificate(0x83, certs[0].der())?;
    s.write_certificate(0x84, certs[1].der())?;
    s.activate(&[(Role::Auth, 0x83), (Role::Sign, 0x84)])?;
    Ok(true)
}

/// Every role points at a slot whose certificate is complete and for its key.
fn check_roles_sound(card: &Arc<Mutex<SimCard>>) -> CardStatus {
    let mut s = open(card);
    let status = s.status().unwrap();
    for slot in [status.auth_slot, status.sign_slot] {
        let slot = slot.expect("both roles stay assigned");
        let entry = status.slots.iter().find(|x| x.slot == slot).unwrap();
        assert!(
            entry.has_certificate,
            "role on {slot:02X} without certificate"
        );
        let der = s
            .read_certificate(slot)
            .unwrap()
            .expect("a current slot has a certificate");
        let cert = KzCertificate::from_der(&der).expect("a complete certificate");
        assert_eq!(
            Some(cert.public_key().clone()),
            s.public_key(slot).unwrap(),
            "slot {slot:02X}'s certificate is for its key"
        );
    }
    status
}

#[test]
fn tag_lost_at_every_apdu_of_installing_certificates() {
    let fixture = renewing_card();
    let certs = fixture.next_certs.clone();
    let op = |t: SimTransport| install_op(&certs, t);
    let check = |card: &Arc<Mutex<SimCard>>, n: u64, point: LossPoint, length: u64| {
        let status = check_roles_sound(card);
        let roles = (status.auth_slot, status.sign_slot);
        // ACTIVATE is the last APDU; only its execution moves the roles.
        if n == length - 1 && point == LossPoint::AfterCard {
            assert_eq!(roles, (Some(0x83), Some(0x84)));
        } else {
            assert_eq!(roles, (Some(0x81), Some(0x82)), "APDU {n} {point:?}");
        }
        fixture.check_current_keys(card);
    };
    lose_the_tag_everywhere(&fixture, "install", &op, &check);

    // A half-done installation is refused by ACTIVATE and changes nothing.
    let card = fixture.copy("install-half");
    {
        let mut s = open(&card);
        s.verify_pin(&pin()).unwrap();
        s.write_certificate(0x83, certs[0].der()).unwrap();
        let err = s
            .activate(&[(Role::Auth, 0x83), (Role::Sign, 0x84)])
            .unwrap_err();
        assert!(matches!(err, CardError::CertificateRefused(_)), "{err:?}");
        // A truncated certificate is not complete either.
        s.write_certificate(0x84, &certs[1].der()[..certs[1].der().len() / 2])
            .unwrap();
        assert!(matches!(
            s.activate(&[(Role::Sign, 0x84)]),
            Err(CardError::CertificateRefused(0x84))
        ));
    }
    let status = check_roles_sound(&card);
    assert_eq!(
        (status.auth_slot, status.sign_slot),
        (Some(0x81), Some(0x82))
    );

    // Undisturbed: the new certificates are current, exactly as issued.
    let card = fixture.copy("install-result");
    assert!(install_op(&certs, SimTransport::shared(card.clone())).unwrap());
    let session = shared(open(&card));
    let listed = certified_slots(&session, &[]).unwrap();
    let current: Vec<_> = listed
        .iter()
        .filter(|c| !c.roles.is_empty())
        .map(|c| (c.slot, c.roles.clone(), c.certificate.der().to_vec()))
        .collect();
    assert_eq!(
        current,
        [
            (0x83, vec![Role::Auth], certs[0].der().to_vec()),
            (0x84, vec![Role::Sign], certs[1].der().to_vec())
        ]
    );
}

// ---- 6. a bad MAC ends the session ---------------------------------------------------

#[test]
fn a_corrupted_mac_ends_the_session_for_good() {
    let card = reference_card();
    let transport = SimTransport::shared(card.clone());
    let control = transport.control();
    let stats = transport.stats();
    let mut s = CardSession::open(Box::new(transport), None, Some(&can())).unwrap();
    s.verify_pin(&pin()).unwrap();
    control.corrupt_response_mac_at(0);
    let err = s.status().unwrap_err();
    assert!(
        matches!(
            err,
            CardError::Channel(ChannelError::SecureMessaging(SmError::BadMac))
        ),
        "{err:?}"
    );
    let sent = stats.snapshot().apdus;
    let ended = |e: &CardError| {
        matches!(
            e,
            CardError::Channel(ChannelError::SessionEnded)
                | CardError::Channel(ChannelError::SecureMessaging(SmError::SessionEnded(_)))
        )
    };
    let errors = [
        s.status().unwrap_err(),
        s.verify_pin(&pin()).unwrap_err(),
        s.pin_status().unwrap_err(),
        s.public_key(0x81).unwrap_err(),
        s.read_certificate(0x81).unwrap_err(),
        s.sign_raw(0x81, CardAlgorithm::P256, true, &[0; 32])
            .unwrap_err(),
    ];
    for e in &errors {
        assert!(ended(e), "{e:?}");
        assert!(e.to_string().contains("tap the card again"), "{e}");
    }
    assert_eq!(
        stats.snapshot().apdus,
        sent,
        "nothing more reached the card"
    );
    // A new session works.
    let mut s = open(&card);
    s.verify_pin(&pin()).unwrap();
}

// ---- 7. over-long and truncated answers --------------------------------------------

#[test]
fn overlong_and_truncated_answers_are_errors_not_panics() {
    let card = kz_card(KzSlots::Four);
    let transport = SimTransport::shared(card.clone());
    let control = transport.control();
    let mut s = CardSession::open(Box::new(transport), None, None).unwrap();
    assert_eq!(s.profile().name, "kz-idcard");

    // VERIFY has no Le: any data is too much.
    control.replace_response_at(0, vec![0x01, 0x02, 0x03, 0x90, 0x00]);
    let err = s.verify_pin(&Pin::new(KZ_PIN).unwrap()).unwrap_err();
    assert!(
        matches!(err, CardError::Channel(ChannelError::OverlongResponse(0))),
        "{err:?}"
    );

    // One GET RESPONSE round asks for at most 256 bytes.
    s.verify_pin(&Pin::new(KZ_PIN).unwrap()).unwrap();
    let mut too_long = vec![0xAB; 300];
    too_long.extend_from_slice(&[0x90, 0x00]);
    // Round 0: READ PUBLIC KEY of an empty slot answers 6A82, so use GENERATE:
    // GENERATE (9000), READ PUBLIC KEY (61 00), GET RESPONSE ← 300 bytes.
    control.replace_response_at(2, too_long);
    let err = s.generate(0x87, CardAlgorithm::Rsa2048).unwrap_err();
    assert!(
        matches!(err, CardError::Channel(ChannelError::OverlongResponse(256))),
        "{err:?}"
    );

    for short in [vec![], vec![0x90]] {
        control.replace_response_at(0, short.clone());
        let err = s.pin_status().unwrap_err();
        assert!(
            matches!(
                err,
                CardError::Channel(ChannelError::Apdu(ApduError::ResponseTooShort(n))) if n == short.len()
            ),
            "{err:?}"
        );
    }
    // During opening too.
    let transport = SimTransport::shared(card.clone());
    transport.replace_response_at(1, vec![0x6A]);
    let err = CardSession::open(Box::new(transport), None, None).unwrap_err();
    assert!(
        matches!(
            err,
            CardError::Channel(ChannelError::Apdu(ApduError::ResponseTooShort(1)))
        ),
        "{err:?}"
    );
    // The key the card did generate is readable through a clean session.
    let mut s =
        CardSession::open(Box::new(SimTransport::shared(card.clone())), None, None).unwrap();
    assert!(s.public_key(0x87).unwrap().is_some());
}

// ---- 8. an unknown status word -------------------------------------------------------

#[test]
fn an_unknown_status_word_is_reported_by_name() {
    let card = kz_card(KzSlots::Two);
    let transport = SimTransport::shared(card.clone());
    let control = transport.control();
    let mut s = CardSession::open(Box::new(transport), None, None).unwrap();
    control.replace_response_at(0, vec![0x6A, 0x84]);
    let err = s.verify_pin(&Pin::new(KZ_PIN).unwrap()).unwrap_err();
    assert!(
        matches!(
            err,
            CardError::Unexpected {
                sw: StatusWord(0x6A84),
                operation: "VERIFY"
            }
        ),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains("6A84") && message.contains("VERIFY"),
        "{message}"
    );

    // In the middle of opening, and of a signature.
    let transport = SimTransport::shared(card.clone());
    transport.replace_response_at(0, vec![0x6A, 0x84]);
    let err = CardSession::open(Box::new(transport), None, None).unwrap_err();
    assert!(
        matches!(
            err,
            CardError::Unexpected {
                sw: StatusWord(0x6A84),
                ..
            }
        ),
        "{err:?}"
    );
    let transport = SimTransport::shared(card.clone());
    let control = transport.control();
    let mut s = CardSession::open(Box::new(transport), None, None).unwrap();
    s.verify_pin(&Pin::new(KZ_PIN).unwrap()).unwrap();
    control.replace_response_at(0, vec![0x6A, 0x84]);
    let err = s
        .sign_raw(0x87, CardAlgorithm::Rsa2048, false, &[0; 51])
        .unwrap_err();
    assert!(
        matches!(
            err,
            CardError::Unexpected {
                sw: StatusWord(0x6A84),
                operation: "MSE:SET"
            }
        ),
        "{err:?}"
    );
}

// ---- 9. the kz-idcard profile ----------------------------------------------------------

fn kz_profile(slots: KzSlots) {
    let card = kz_card(slots);
    let transport = SimTransport::shared(card.clone());
    let stats = transport.stats();
    let session = CardSession::open(Box::new(transport), None, None).unwrap();
    assert_eq!(session.profile().name, "kz-idcard");
    assert_eq!(session.atr(), Some(&lock(&card).atr()[..]));
    let session = shared(session);

    let status = session.lock().unwrap().status().unwrap();
    assert_eq!(
        status.slots.iter().map(|s| s.slot).collect::<Vec<_>>(),
        [0x87, 0x88, 0x89, 0x8A]
    );
    assert!(status.slots.iter().all(|s| s.algorithm.is_none()));
    assert_eq!((status.auth_slot, status.pin_tries), (None, None));

    // The card's own PIN format: 4 digits; anything else never leaves the phone.
    let before = stats.snapshot().apdus;
    let err = session
        .lock()
        .unwrap()
        .verify_pin(&Pin::new("482700").unwrap())
        .unwrap_err();
    assert!(
        matches!(err, CardError::SecretFormat { kind: "PIN", ref expected } if expected == "4"),
        "{err:?}"
    );
    assert_eq!(stats.snapshot().apdus, before);
    // No certificate storage, no ACTIVATE.
    assert!(matches!(
        session.lock().unwrap().write_certificate(0x87, &[0x30, 0]),
        Err(CardError::Unsupported(_))
    ));
    assert!(matches!(
        session.lock().unwrap().activate(&[(Role::Sign, 0x87)]),
        Err(CardError::Unsupported(_))
    ));
    assert_eq!(
        session.lock().unwrap().read_certificate(0x87).unwrap(),
        None
    );
    assert!(matches!(
        session.lock().unwrap().generate(0x87, CardAlgorithm::P256),
        Err(CardError::Unsupported(_))
    ));
    assert!(matches!(
        session
            .lock()
            .unwrap()
            .generate(0x81, CardAlgorithm::Rsa2048),
        Err(CardError::NoSuchSlot(0x81))
    ));

    session
        .lock()
        .unwrap()
        .verify_pin(&Pin::new(KZ_PIN).unwrap())
        .unwrap();
    assert_eq!(
        session.lock().unwrap().pin_status().unwrap(),
        PinStatus::Verified
    );
    let now = OffsetDateTime::now_utc();
    let slot = free_slot(&session, &[], &[], now).unwrap();
    assert_eq!(slot, 0x87);
    let spki = session
        .lock()
        .unwrap()
        .generate(slot, CardAlgorithm::Rsa2048)
        .unwrap();
    assert_eq!(
        lock(&card).public_key(slot).unwrap(),
        spki.to_der().unwrap()
    );
    if slots == KzSlots::Two {
        // Slot 89 does not exist on this card: GENERATE says so.
        assert!(matches!(
            session
                .lock()
                .unwrap()
                .generate(0x89, CardAlgorithm::Rsa2048),
            Err(CardError::NoSuchSlot(0x89))
        ));
    }
    let status = session.lock().unwrap().status().unwrap();
    for entry in &status.slots {
        let expected = (entry.slot == slot).then_some(CardAlgorithm::Rsa2048);
        assert_eq!(entry.algorithm, expected, "slot {:02X}", entry.slot);
        assert!(!entry.has_certificate);
    }

    // CardKey signs SHA-256 DigestInfos; both "paths" are one command here.
    let key = CardKey::with_public_key(&session, slot, false, spki.clone()).unwrap();
    assert_eq!(key.algorithm(), SignatureAlgorithm::RsaPkcs1Sha256);
    let signature = key.sign(b"kz document").unwrap();
    assert_eq!(signature.len(), 256);
    verify(&key, b"kz document", &signature);
    let login = CardKey::open(&session, slot, true).unwrap();
    let signature = login.sign(b"kz login").unwrap();
    verify(&login, b"kz login", &signature);

    // A certificate for the key makes its slot certified and keeps new keys away.
    let cert = certify(&[(Purpose::Sign, &key)]).remove(0);
    let listed = certified_slots(&session, std::slice::from_ref(&cert)).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].slot, slot);
    assert_eq!(listed[0].roles, [Role::Sign]);
    let valid = std::slice::from_ref(&cert);
    let free = free_slot(&session, &[], valid, now).unwrap();
    assert_ne!(free, slot);
    assert_eq!(free, 0x88, "the empty slot");
    if slots == KzSlots::Four {
        assert_eq!(free_slot(&session, &[0x88], valid, now).unwrap(), 0x89);
        assert_eq!(
            free_slot(&session, &[0x88, 0x89], valid, now).unwrap(),
            0x8A
        );
        // Every slot taken or certified: none left.
        assert!(matches!(
            free_slot(&session, &[0x88, 0x89, 0x8A], valid, now),
            Err(CardError::Unsupported(_))
        ));
    }
    // Once the certificate has expired, its slot may be reused (after the
    // empty ones). The terminal cannot tell an absent slot from an empty one
    // (both answer 6A82 to READ PUBLIC KEY), so on the 2-slot card 89 and 8A
    // are taken here too; see `kz_two_slot_card_reuses_an_expired_slot`.
    let later = cert.not_after() + Duration::days(1);
    let taken: Vec<u8> = [0x87, 0x88, 0x89, 0x8A]
        .into_iter()
        .filter(|s| *s != slot)
        .collect();
    assert_eq!(free_slot(&session, &taken, valid, later).unwrap(), slot);
    assert!(matches!(
        free_slot(&session, &taken, valid, now),
        Err(CardError::Unsupported(_))
    ));

    // Wrong PINs: 2, 1, blocked; there is no PUK.
    drop(key);
    drop(login);
    let mut s = Arc::try_unwrap(session)
        .unwrap_or_else(|_| panic!("the keys are gone"))
        .into_inner()
        .unwrap();
    let wrong = Pin::new("1111").unwrap();
    assert!(matches!(
        s.verify_pin(&wrong),
        Err(CardError::WrongPin { tries_left: 2 })
    ));
    let err = s.verify_pin(&wrong).unwrap_err();
    assert!(
        matches!(err, CardError::WrongPin { tries_left: 1 }),
        "{err:?}"
    );
    assert!(err.to_string().contains("next wrong PIN blocks"), "{err}");
    let err = s.verify_pin(&wrong).unwrap_err();
    assert!(matches!(err, CardError::PinBlockedNoPuk), "{err:?}");
    assert!(matches!(
        s.verify_pin(&Pin::new(KZ_PIN).unwrap()),
        Err(CardError::PinBlockedNoPuk)
    ));
    assert_eq!(s.pin_status().unwrap(), PinStatus::Blocked);
    let before = stats.snapshot().apdus;
    let err = s
        .unblock_pin(&Puk::new("12345678").unwrap(), &Pin::new("1234").unwrap())
        .unwrap_err();
    assert!(matches!(err, CardError::Unsupported(_)), "{err:?}");
    assert!(matches!(
        s.change_pin(&Pin::new(KZ_PIN).unwrap(), &Pin::new("1234").unwrap()),
        Err(CardError::Unsupported(_))
    ));
    assert_eq!(stats.snapshot().apdus, before);
}

#[test]
fn kz_idcard_with_two_slots() {
    kz_profile(KzSlots::Two);
}

#[test]
fn kz_idcard_with_four_slots() {
    kz_profile(KzSlots::Four);
}

/// A 2-slot kz-idcard reads its absent slots 89/8A like empty ones, so
/// `free_slot` offers them first; `generate_in_free_slot` learns from the
/// card's 6900 and moves on to the slot whose certificate is no longer valid.
#[test]
fn kz_two_slot_card_reuses_a_slot_without_a_valid_certificate() {
    let card = kz_card(KzSlots::Two);
    let transport = SimTransport::shared(card);
    let session = shared(CardSession::open(Box::new(transport), None, None).unwrap());
    let pin = Pin::new(KZ_PIN).unwrap();
    session.lock().unwrap().verify_pin(&pin).unwrap();
    let mut keys = Vec::new();
    for slot in [0x87, 0x88] {
        let spki = session
            .lock()
            .unwrap()
            .generate(slot, CardAlgorithm::Rsa2048)
            .unwrap();
        keys.push(CardKey::with_public_key(&session, slot, false, spki).unwrap());
    }
    let valid = certify(&[(Purpose::Sign, &keys[0])]);
    let now = OffsetDateTime::now_utc();
    assert_eq!(
        free_slot(&session, &[], &valid, now).unwrap(),
        0x89,
        "absent, reads as empty"
    );
    let mut asked = Vec::new();
    let (slot, key) = generate_in_free_slot(
        &session,
        &[],
        &valid,
        now,
        CardAlgorithm::Rsa2048,
        &mut |s| {
            asked.push(s);
            true
        },
    )
    .unwrap();
    assert_eq!(slot, 0x88, "the only slot a new key may go into");
    assert_ne!(&key, keys[1].public_key(), "a new key");
    assert_eq!(asked, [0x89, 0x8A, 0x88]);
    // Refused confirmation: nothing happens.
    let before = session.lock().unwrap().public_key(0x88).unwrap();
    let err = generate_in_free_slot(
        &session,
        &[],
        &valid,
        now,
        CardAlgorithm::Rsa2048,
        &mut |_| false,
    )
    .unwrap_err();
    assert!(matches!(err, CardError::NotConfirmed(0x89)), "{err}");
    assert_eq!(session.lock().unwrap().public_key(0x88).unwrap(), before);
}

// ---- 10. the logged real-card signatures ------------------------------------------------

fn fixtures() -> PathBuf {
    qoltanba_testkit::fixtures::root()
}

/// (slot, modulus, signature) of every slot that answered in a
/// KzIdCardVerifier log: "Get n", "[97 0]", modulus hex; "Sign test",
/// "[97 0]", signature hex.
fn logged_pairs(log: &Path) -> Vec<(String, Vec<u8>, Vec<u8>)> {
    let text = std::fs::read_to_string(log)
        .unwrap_or_else(|e| panic!("{}: {e} (set QOLTANBA_FIXTURES)", log.display()));
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let answer = |i: usize| -> Option<Vec<u8>> {
        (lines.get(i + 1) == Some(&"[97 0]"))
            .then(|| hex::decode(lines.get(i + 2)?).ok())
            .flatten()
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if let Some(slot) = lines[i].strip_prefix("Get ") {
            let modulus = answer(i);
            let sign = (i + 1..lines.len()).find(|&j| lines[j] == "Sign test");
            if let (Some(modulus), Some(j)) = (modulus, sign) {
                let signature = answer(j).expect("a slot with a key signs");
                out.push((slot.to_string(), modulus, signature));
            }
        }
        i += 1;
    }
    out
}

/// Verify a PKCS#1 v1.5 SHA-1 signature over "test" (the utility's).
fn verify_sha1_test(spki: &spki::SubjectPublicKeyInfoOwned, signature: &[u8]) -> bool {
    let key = rsa::PublicKey::from_public_key_der(&spki.to_der().unwrap()).unwrap();
    key.verify(
        rsa::Pkcs1v15Sign::new::<Sha1>(),
        &Sha1::digest(b"test"),
        signature,
    )
    .is_ok()
}

#[test]
fn logged_real_card_signatures_verify() {
    let sha1_with_rsa = spki::AlgorithmIdentifierOwned {
        oid: oid::SHA1_WITH_RSA,
        parameters: Some(spki::der::Any::null()),
    };
    for (file, slots) in [
        ("output_with_4_sdo.log", ["7", "8", "9", "A"].as_slice()),
        ("output_with_2_sdo.log", ["7", "8"].as_slice()),
    ] {
        let pairs = logged_pairs(&fixtures().join("kz-idcard").join(file));
        assert_eq!(
            pairs.iter().map(|p| p.0.as_str()).collect::<Vec<_>>(),
            slots,
            "{file}"
        );
        for (i, (slot, modulus, signature)) in pairs.iter().enumerate() {
            assert_eq!((modulus.len(), signature.len()), (256, 256));
            let spki = keys::rsa_spki(modulus, &[1, 0, 1]).unwrap();
            assert_eq!(keys::rsa_modulus(&spki).as_deref(), Some(&modulus[..]));
            // qoltanba's verifier does not take SHA-1 signatures at all.
            assert!(
                verify_signature(&spki, &sha1_with_rsa, b"test", signature).is_err(),
                "core verifies RSA-SHA1 now; verify with it here"
            );
            assert!(
                verify_sha1_test(&spki, signature),
                "{file} slot {slot}: PKCS#1 v1.5 over DigestInfo(SHA-1, SHA-1(\"test\"))"
            );
            let mut flipped = signature.clone();
            flipped[100] ^= 0x10;
            assert!(!verify_sha1_test(&spki, &flipped), "{file} slot {slot}");
            // Another slot's signature is not this key's.
            let other = &pairs[(i + 1) % pairs.len()].2;
            assert!(!verify_sha1_test(&spki, other), "{file} slot {slot}");
        }
    }

    // The simulator signs the same way: the utility's DigestInfo, its answer format.
    let card = kz_card(KzSlots::Two);
    lock(&card).generate_key(0x88, KeyAlg::Rsa2048).unwrap();
    let mut s =
        CardSession::open(Box::new(SimTransport::shared(card.clone())), None, None).unwrap();
    s.verify_pin(&Pin::new(KZ_PIN).unwrap()).unwrap();
    let spki = s.public_key(0x88).unwrap().unwrap();
    let digest_info = keys::digest_info(oid::SHA1, &Sha1::digest(b"test"));
    assert_eq!(digest_info.len(), 35, "the utility's 35-byte input");
    let signature = s
        .sign_raw(0x88, CardAlgorithm::Rsa2048, false, &digest_info)
        .unwrap();
    assert_eq!(signature.len(), 256);
    assert!(verify_sha1_test(&spki, &signature));
    let modulus = keys::rsa_modulus(&spki).unwrap();
    let rebuilt = keys::rsa_spki(&modulus, &[1, 0, 1]).unwrap();
    assert!(verify_sha1_test(&rebuilt, &signature));
    let mut flipped = signature;
    flipped[0] ^= 0x01;
    assert!(!verify_sha1_test(&spki, &flipped));
}

// ---- 11. secrets never leak -----------------------------------------------------------------

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn secrets_never_reach_messages_debug_output_or_logs() {
    const WRONG_PIN: &str = "606517";
    const WRONG_CAN: &str = "313370";
    const WRONG_PUK: &str = "24681357";
    const NEW_PIN: &str = "852963";
    let secrets = [
        PIN, CAN, PUK, KZ_PIN, WRONG_PIN, WRONG_CAN, WRONG_PUK, NEW_PIN,
    ];
    // The PIN blocks and bare digits as they go to the cards, in hex either case.
    let mut forbidden: Vec<String> = secrets.iter().map(|s| s.to_string()).collect();
    for s in secrets {
        let mut block = s.as_bytes().to_vec();
        block.resize(12, 0xFF);
        forbidden.push(hex::encode(&block));
        forbidden.push(hex::encode(s.as_bytes()));
        forbidden.push(hex::encode(qoltanba_card_sim::kz::pin_block(s).as_slice()));
    }
    forbidden.extend(
        forbidden
            .clone()
            .iter()
            .map(|f| f.to_uppercase())
            .collect::<Vec<_>>(),
    );
    let clean = |what: &str, text: &str| {
        for f in &forbidden {
            assert!(!text.contains(f.as_str()), "{what} shows {f}: {text}");
        }
    };

    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        // The card stack and the card, at TRACE; not the RA that certifies
        // other tests' keys (random serial numbers are digits too).
        .with_env_filter(tracing_subscriber::EnvFilter::new(
            "qoltanba_core=trace,qoltanba_card=trace,qoltanba_card_sim=trace",
        ))
        .with_writer(move || writer.clone())
        .with_ansi(false)
        // Timestamps are digits that could spell a secret by chance.
        .without_time()
        .finish();
    let mut shown = Vec::new();
    // Process-wide: a thread-scoped subscriber races with the other tests
    // over tracing's per-callsite interest cache (events get lost). The other
    // tests' events land here too, and must be just as clean.
    tracing::subscriber::set_global_default(subscriber)
        .expect("only this test installs a subscriber");
    {
        let card = reference_card();
        let err = open_with(&card, Some(&Can::new(WRONG_CAN).unwrap())).unwrap_err();
        assert!(matches!(err, CardError::Pace(PaceError::WrongCan)));
        shown.push(format!("{err:?} {err}"));
        let err = open_with(&card, Some(&Can::new("31337").unwrap())).unwrap_err();
        shown.push(format!("{err:?} {err}"));

        let mut s = open(&card);
        shown.push(format!("{s:?}"));
        let err = s.verify_pin(&Pin::new(WRONG_PIN).unwrap()).unwrap_err();
        assert!(matches!(err, CardError::WrongPin { .. }));
        shown.push(format!("{err:?} {err}"));
        let err = s.verify_pin(&Pin::new("12").unwrap()).unwrap_err();
        shown.push(format!("{err:?} {err}"));
        let err = s
            .unblock_pin(&Puk::new(WRONG_PUK).unwrap(), &Pin::new(NEW_PIN).unwrap())
            .unwrap_err();
        assert!(matches!(err, CardError::WrongPuk { .. }));
        shown.push(format!("{err:?} {err}"));
        s.unblock_pin(&puk(), &Pin::new(NEW_PIN).unwrap()).unwrap();
        s.change_pin(&Pin::new(NEW_PIN).unwrap(), &pin()).unwrap();
        s.verify_pin(&pin()).unwrap();
        shown.push(format!("{s:?}"));
        let status = s.status().unwrap();
        shown.push(format!("{status:?}"));

        let kz = kz_card(KzSlots::Two);
        let mut s =
            CardSession::open(Box::new(SimTransport::shared(kz.clone())), None, None).unwrap();
        let err = s.verify_pin(&Pin::new("6065").unwrap()).unwrap_err();
        shown.push(format!("{err:?} {err}"));
        s.verify_pin(&Pin::new(KZ_PIN).unwrap()).unwrap();
        shown.push(format!("{s:?}"));
    }
    shown.push(format!("{:?} {:?} {:?}", can(), pin(), puk()));
    let mut block = PIN.as_bytes().to_vec();
    block.resize(12, 0xFF);
    shown.push(format!(
        "{:?}",
        Command::new(0, 0x20, 0x00, 0x81).with_data(block)
    ));
    shown.push(format!("{:?}", SimConfig::reference(CAN, PIN, PUK)));
    for text in &shown {
        clean("a message", text);
    }

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    // The capture works: the plain APDUs of the kz-idcard were traced.
    assert!(log.contains("to card"), "{log}");
    assert!(log.contains("TRACE"), "{log}");
    assert!(log.contains("card session open"), "{log}");
    clean("the TRACE log", &log);
}
