//! The renewal flow in-process with the keys on a simulator card and the
//! card leaving the field at every APDU of the signing and of the
//! installation: each loss is `CardLost`, each resumed run (a new card
//! session) goes on, and at no point does a role point at a slot whose
//! certificate is incomplete or belongs to another key, nor are the roles
//! ever a mix of old and new keys (the card moves both with one ACTIVATE
//! KEYS).
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

use std::path::Path;
use std::sync::{Arc, Mutex};

use qoltanba_card::keystore::SharedSession;
use qoltanba_card::secret::{Can, Pin};
use qoltanba_card::{CardSession, TransportError};
use qoltanba_card_sim::transport::{LossPoint, SimTransport, TransportControl};
use qoltanba_card_sim::{Role as SimRole, SimCard, SimConfig};
use qoltanba_core::ra::{RaClient, RaConfig};
use qoltanba_core::renewal::{CardHome, Outcome, Renewal, RenewalRequest, RenewalUi, Step};
use qoltanba_core::store::Store;
use qoltanba_pki::cert::KzCertificate;
use qoltanba_pki::crypto::KeySpec;
use qoltanba_pki::keyfile::{NewPassword, Password};
use qoltanba_ra::registry::{Enrolment, enroll_card};
use qoltanba_testkit::embedded::EmbeddedRa;

const CAN: &str = "739182";
const PIN: &str = "482713";

/// Arms a fault on the card link right after a chosen step is committed.
struct TestUi<'a> {
    ra: &'a EmbeddedRa,
    arm: Option<(Step, TransportControl, u64, LossPoint)>,
}

impl RenewalUi for TestUi<'_> {
    fn review(
        &mut self,
        _: &qoltanba_core::renewal::Review,
    ) -> qoltanba_core::renewal::ReviewAnswer {
        qoltanba_core::renewal::ReviewAnswer::Confirm
    }
    fn current_password(&mut self, _file: &Path) -> Option<Password> {
        None
    }
    fn new_password(&mut self) -> Option<NewPassword> {
        None
    }
    fn code(&mut self, number: i64, _sent_to: Option<&str>) -> Option<String> {
        self.ra.code_for(number)
    }
    fn progress(&mut self, _message: &qoltanba_l10n::Text) {}
    fn committed(&mut self, step: Step) {
        if let Some((at, control, n, point)) = &self.arm
            && *at == step
        {
            control.fail_at_point(*n, TransportError::TagLost, *point);
        }
    }
}

/// A new card session over the shared simulator card, PIN verified.
fn session(card: &Arc<Mutex<SimCard>>) -> (SharedSession, TransportControl) {
    let transport = SimTransport::shared(card.clone());
    let control = transport.control();
    let mut s =
        CardSession::open(Box::new(transport), None, Some(&Can::new(CAN).unwrap())).unwrap();
    s.verify_pin(&Pin::new(PIN).unwrap()).unwrap();
    (Arc::new(Mutex::new(s)), control)
}

/// The enrolled keys' slots (AUTH, SIGN) and those the renewal gives the new keys.
const OLD_ROLES: (u8, u8) = (0x81, 0x82);
const NEW_ROLES: (u8, u8) = (0x83, 0x84);

/// The roles as the simulator holds them (not through a session): both
/// old or both new, never a mix.
fn roles_on_card(card: &Arc<Mutex<SimCard>>, context: &str) -> (u8, u8) {
    let c = card.lock().unwrap();
    let roles = (
        c.role_slot(SimRole::Auth)
            .unwrap_or_else(|| panic!("{context}: AUTH has no slot")),
        c.role_slot(SimRole::Sign)
            .unwrap_or_else(|| panic!("{context}: SIGN has no slot")),
    );
    assert!(
        roles == OLD_ROLES || roles == NEW_ROLES,
        "{context}: the roles are a mix of old and new keys: AUTH {:02X}, SIGN {:02X}",
        roles.0,
        roles.1
    );
    roles
}

/// Every role points at a slot holding a complete certificate for its key,
/// and the roles are both old or both new.
fn roles_are_sound(card: &Arc<Mutex<SimCard>>, context: &str) -> (u8, u8) {
    let on_card = roles_on_card(card, context);
    let (shared, _) = session(card);
    let mut s = shared.lock().unwrap();
    let status = s.status().unwrap();
    let mut slots = Vec::new();
    for slot in [status.auth_slot, status.sign_slot] {
        let slot = slot.unwrap_or_else(|| panic!("{context}: a role lost its slot"));
        let der = s
            .read_certificate(slot)
            .unwrap()
            .unwrap_or_else(|| panic!("{context}: slot {slot:02X} has a role but no certificate"));
        let cert = KzCertificate::from_der(&der)
            .unwrap_or_else(|e| panic!("{context}: slot {slot:02X}: {e}"));
        let key = s.public_key(slot).unwrap().unwrap();
        assert_eq!(cert.public_key(), &key, "{context}: slot {slot:02X}");
        slots.push(slot);
    }
    assert_eq!((slots[0], slots[1]), on_card, "{context}");
    (slots[0], slots[1])
}

/// A P-256 card saved in `dir/card.json`, enrolled at `ra` (AUTH in 81,
/// SIGN in 82), its certificates complete.
fn enrolled_card(ra: &EmbeddedRa, dir: &Path) -> Arc<Mutex<SimCard>> {
    let card = Arc::new(Mutex::new(
        SimCard::create(
            Some(&dir.join("card.json")),
            SimConfig::reference(CAN, PIN, "91736455"),
        )
        .unwrap(),
    ));
    let now = time::OffsetDateTime::now_utc();
    let (shared, _) = session(&card);
    enroll_card(
        ra.db(),
        &ra.cas,
        &ra.home.config.public_url,
        &Enrolment {
            iin: &qoltanba_pki::cert::with_control_digit("90010130042").unwrap(),
            surname: "ТЕСТОВ",
            name: "ТЕСТ",
            patronymic: None,
            email: Some("t@example.kz"),
            phone: Some("+77011234567"),
            algorithm: KeySpec::P256,
            valid_from: now - time::Duration::days(300),
            valid_days: 365,
        },
        &shared,
        &dir.join("out"),
        now,
    )
    .unwrap();
    drop(shared);
    assert_eq!(roles_are_sound(&card, "enrolled"), OLD_ROLES);
    card
}

/// Renews the card's keys, losing the tag at the first APDU after step
/// `after` is committed, then on each resumed run one APDU later
/// (alternating whether the card ran the command), until a run gets
/// through. Returns how many runs lost the tag; every loss must be
/// `CardLost` and leave the roles sound.
fn renew_losing_the_tag_after(after: Step) -> u64 {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ra = EmbeddedRa::start(&dir.path().join("ra"), &runtime).unwrap();
    let card = enrolled_card(&ra, dir.path());

    let store = Store::open(&dir.path().join("device.db")).unwrap();
    let client = || RaClient::new(RaConfig::new(ra.base_url.clone(), ra.root_der.clone())).unwrap();
    let (shared, control) = session(&card);
    let home = CardHome::new(shared, Vec::new(), dir.path().join("new"));
    let locations = home.current_locations().unwrap();
    let mut ui = TestUi {
        ra: &ra,
        arm: Some((after, control, 0, LossPoint::BeforeCard)),
    };
    let mut renewal = Renewal::start_with_home(
        &store,
        client(),
        Box::new(home),
        RenewalRequest {
            key_files: locations,
            email: "t@example.kz".into(),
            locality: "Астана".into(),
            new_keys_dir: dir.path().join("new"),
        },
        &mut ui,
    )
    .unwrap();
    let id = renewal.id();
    let mut n = 0u64;
    let outcome = loop {
        let result = runtime.block_on(renewal.run(&mut ui));
        match result {
            Ok(Outcome::Done(summary)) => break summary,
            Ok(Outcome::NeedCode { .. }) => panic!("the code is given"),
            Ok(Outcome::NeedReview(_)) => panic!("the review is confirmed"),
            Err(e) => {
                let text = e.to_string();
                assert!(
                    matches!(e, qoltanba_core::renewal::RenewalError::CardLost(_)),
                    "n = {n}: {text}"
                );
                assert!(text.contains("card was lost"), "n = {n}: {text}");
                roles_are_sound(&card, &format!("lost at APDU {n} after {after:?}"));
            }
        }
        n += 1;
        assert!(n < 120, "the renewal never got through");
        let (shared, control) = session(&card);
        let point = if n.is_multiple_of(2) {
            LossPoint::BeforeCard
        } else {
            LossPoint::AfterCard
        };
        // A resumed run does not commit `after` again: arm now.
        control.fail_at_point(n / 2, TransportError::TagLost, point);
        ui.arm = None;
        renewal = Renewal::resume_with_home(
            &store,
            client(),
            Box::new(CardHome::new(shared, Vec::new(), dir.path().join("new"))),
            id,
        )
        .unwrap();
    };
    assert_eq!(outcome.new.len(), 2);
    // The new keys are current, in the slots the renewal chose.
    assert_eq!(roles_are_sound(&card, "done"), NEW_ROLES);
    n
}

#[test]
fn a_tag_lost_at_every_installation_apdu_never_makes_a_bad_certificate_current() {
    let losses = renew_losing_the_tag_after(Step::Issued);
    assert!(
        losses >= 4,
        "the installation has several APDUs, each was interrupted (losses = {losses})"
    );
}

/// Reading the current certificate, then the card's signatures (the new
/// keys' proofs of possession, the application): a loss at any of them is
/// `CardLost` and the resumed run signs again.
#[test]
fn a_tag_lost_at_every_signing_apdu_is_card_lost_and_resumes() {
    let losses = renew_losing_the_tag_after(Step::KeysGenerated);
    assert!(
        losses >= 8,
        "signing and installing have several APDUs, each was interrupted (losses = {losses})"
    );
}

/// The install step alone, cut at each of its APDUs in turn (the command
/// lost before the card saw it, or run by the card with its answer lost):
/// from one renewal stopped with its certificates issued, each cut starts
/// from a copy of the card and of the device's store, resumes in a new
/// session and loses the card at APDU `k`. After every cut the simulator
/// holds both old roles or both new ones; the next session resumes and
/// ends with both new.
#[test]
fn a_card_lost_at_any_apdu_of_the_install_holds_both_old_or_both_new_keys() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ra = EmbeddedRa::start(&dir.path().join("ra"), &runtime).unwrap();
    let card = enrolled_card(&ra, dir.path());
    let client = || RaClient::new(RaConfig::new(ra.base_url.clone(), ra.root_der.clone())).unwrap();
    let new_keys = dir.path().join("new");

    // Run to the issued certificates; the install's first APDU is lost.
    let id = {
        let store = Store::open(&dir.path().join("device.db")).unwrap();
        let (shared, control) = session(&card);
        let home = CardHome::new(shared, Vec::new(), &new_keys);
        let request = RenewalRequest {
            key_files: home.current_locations().unwrap(),
            email: "t@example.kz".into(),
            locality: "Астана".into(),
            new_keys_dir: new_keys.clone(),
        };
        let mut ui = TestUi {
            ra: &ra,
            arm: Some((Step::Issued, control, 0, LossPoint::BeforeCard)),
        };
        let mut renewal =
            Renewal::start_with_home(&store, client(), Box::new(home), request, &mut ui).unwrap();
        let err = runtime.block_on(renewal.run(&mut ui)).unwrap_err();
        assert!(
            matches!(err, qoltanba_core::renewal::RenewalError::CardLost(_)),
            "{err}"
        );
        assert_eq!(renewal.state().step, Step::Issued);
        renewal.id()
    };
    assert_eq!(roles_on_card(&card, "issued"), OLD_ROLES);
    drop(card);

    let mut ui = TestUi { ra: &ra, arm: None };
    let mut seen = Vec::new();
    for point in [LossPoint::BeforeCard, LossPoint::AfterCard] {
        for k in 0u64.. {
            assert!(k < 40, "the install never got through");
            let context = format!("lost at install APDU {k} ({point:?})");
            let run = dir.path().join(format!("{point:?}-{k}"));
            std::fs::create_dir(&run).unwrap();
            for file in ["card.json", "device.db"] {
                std::fs::copy(dir.path().join(file), run.join(file)).unwrap();
            }
            let card = Arc::new(Mutex::new(SimCard::open(&run.join("card.json")).unwrap()));
            let store = Store::open(&run.join("device.db")).unwrap();
            let resume = |store| {
                let (shared, control) = session(&card);
                let home = CardHome::new(shared, Vec::new(), &new_keys);
                let renewal =
                    Renewal::resume_with_home(store, client(), Box::new(home), id).unwrap();
                (renewal, control)
            };
            let (mut renewal, control) = resume(&store);
            control.fail_at_point(k, TransportError::TagLost, point);
            match runtime.block_on(renewal.run(&mut ui)) {
                Ok(Outcome::Done(summary)) => {
                    // No APDU k: the install is shorter than k + 1 APDUs.
                    assert_eq!(summary.new.len(), 2);
                    assert_eq!(roles_are_sound(&card, &context), NEW_ROLES);
                    assert!(k >= 8, "{context}: the install has at least 8 APDUs");
                    break;
                }
                Ok(other) => panic!("{context}: {other:?}"),
                Err(e) => {
                    assert!(
                        matches!(e, qoltanba_core::renewal::RenewalError::CardLost(_)),
                        "{context}: {e}"
                    );
                    seen.push(roles_on_card(&card, &context));
                    roles_are_sound(&card, &context);
                }
            }
            drop(renewal);
            // The card is back: a new session resumes and finishes.
            let (mut renewal, _) = resume(&store);
            match runtime.block_on(renewal.run(&mut ui)).unwrap() {
                Outcome::Done(summary) => assert_eq!(summary.new.len(), 2),
                other => panic!("{context}, resumed: {other:?}"),
            }
            assert_eq!(
                roles_are_sound(&card, &format!("{context}, resumed")),
                NEW_ROLES
            );
        }
    }
    // Both sides were seen: cuts before ACTIVATE KEYS left the old keys,
    // the ACTIVATE whose answer was lost the new ones.
    assert!(
        seen.contains(&OLD_ROLES) && seen.contains(&NEW_ROLES),
        "{seen:?}"
    );
}
