//! The renewal flow in-process with the keys on a simulator card and the
//! card leaving the field at every APDU of the signing and of the
//! installation: each loss is `CardLost`, each resumed run (a new card
//! session) goes on, and at no point does a role point at a slot whose
//! certificate is incomplete or belongs to another key.
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

use std::path::Path;
use std::sync::{Arc, Mutex};

use qoltanba_card::keystore::SharedSession;
use qoltanba_card::secret::{Can, Pin};
use qoltanba_card::{CardSession, TransportError};
use qoltanba_card_sim::transport::{LossPoint, SimTransport, TransportControl};
use qoltanba_card_sim::{SimCard, SimConfig};
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

/// Every role points at a slot holding a complete certificate for its key.
fn roles_are_sound(card: &Arc<Mutex<SimCard>>, context: &str) -> (u8, u8) {
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
    (slots[0], slots[1])
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
    let card = Arc::new(Mutex::new(
        SimCard::create(
            Some(&dir.path().join("card.json")),
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
        &dir.path().join("out"),
        now,
    )
    .unwrap();
    drop(shared);
    assert_eq!(roles_are_sound(&card, "enrolled"), (0x81, 0x82));

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
    assert_eq!(roles_are_sound(&card, "done"), (0x83, 0x84));
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
