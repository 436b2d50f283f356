//! The terminal (`CardSession`, `pace::establish`) against the simulator
//! where its behaviour depends on an answer docs/card-profile.md settles
//! ("Questions settled"): a card left in an earlier session (`6987`, sent
//! again), the last wrong try (`63C0` and `6983` both blocked), MSE:SET AT
//! with the PIN (`9000` or `63Cx`, PACE goes on), and the PIN's state after
//! CHANGE REFERENCE DATA and RESET RETRY COUNTER.
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

use std::sync::{Arc, Mutex};

use qoltanba_card::pace::{self, PaceError, PacePassword};
use qoltanba_card::secret::{Can, Pin, Puk};
use qoltanba_card::session::PinStatus;
use qoltanba_card::{CardError, CardSession, CardTransport};
use qoltanba_card_sim::{SimCard, SimConfig, SimTransport};

const CAN: &str = "582047";
const PIN: &str = "739182";
const PUK: &str = "91736455";

fn card() -> Arc<Mutex<SimCard>> {
    Arc::new(Mutex::new(
        SimCard::create(None, SimConfig::reference(CAN, PIN, PUK)).unwrap(),
    ))
}

fn open(card: &Arc<Mutex<SimCard>>) -> CardSession {
    let transport = SimTransport::shared(card.clone());
    CardSession::open(Box::new(transport), None, Some(&Can::new(CAN).unwrap())).unwrap()
}

/// Question 3: a card still in an earlier terminal's session answers the
/// first plain command with `6987` and runs nothing; the terminal sends it
/// again, one APDU more than on a fresh card, and the old session is dead.
#[test]
fn a_card_left_in_a_session_costs_one_apdu_and_opens() {
    let card = card();
    let fresh = SimTransport::shared(card.clone());
    let fresh_stats = fresh.stats();
    let mut first =
        CardSession::open(Box::new(fresh), None, Some(&Can::new(CAN).unwrap())).unwrap();
    first.verify_pin(&Pin::new(PIN).unwrap()).unwrap();
    let fresh_apdus = fresh_stats.snapshot().apdus - 1;

    // No reset: the card is still in the first session.
    assert!(card.lock().unwrap().sm_active());
    let stale = SimTransport::shared(card.clone());
    let stale_stats = stale.stats();
    let mut second =
        CardSession::open(Box::new(stale), None, Some(&Can::new(CAN).unwrap())).unwrap();
    assert_eq!(stale_stats.snapshot().apdus, fresh_apdus + 1);
    // The PIN went with the old session, whose keys now lead nowhere.
    assert_eq!(second.pin_status().unwrap(), PinStatus::TriesLeft(3));
    assert!(first.pin_status().is_err());
    assert_eq!(card.lock().unwrap().state().pin_tries, 3);
}

/// Question 2 for the PUK: `63C0` on the last wrong PUK and `6983` after
/// are both "blocked" to the terminal.
#[test]
fn the_last_wrong_puk_and_every_later_one_are_blocked() {
    let card = card();
    let mut s = open(&card);
    let wrong_pin = Pin::new("111111").unwrap();
    for _ in 0..3 {
        let _ = s.verify_pin(&wrong_pin);
    }
    assert_eq!(s.pin_status().unwrap(), PinStatus::Blocked);
    let wrong_puk = Puk::new("00000000").unwrap();
    let new_pin = Pin::new("2468").unwrap();
    for left in (1..10).rev() {
        let err = s.unblock_pin(&wrong_puk, &new_pin).unwrap_err();
        assert!(
            matches!(err, CardError::WrongPuk { tries_left } if tries_left == left),
            "{err:?}"
        );
    }
    // 63C0, then 6983 (for the right PUK too).
    for puk in [wrong_puk, Puk::new(PUK).unwrap()] {
        let err = s.unblock_pin(&puk, &new_pin).unwrap_err();
        assert!(matches!(err, CardError::PukBlocked), "{err:?}");
    }
    assert_eq!(card.lock().unwrap().state().puk_tries, 0);
}

/// Question 10: after CHANGE REFERENCE DATA the PIN is verified; after
/// RESET RETRY COUNTER it is not, and the terminal must VERIFY the new one.
#[test]
fn the_pin_is_verified_after_a_change_and_not_after_an_unblock() {
    let card = card();
    let mut s = open(&card);
    let changed = Pin::new("50607080").unwrap();
    s.change_pin(&Pin::new(PIN).unwrap(), &changed).unwrap();
    assert_eq!(s.pin_status().unwrap(), PinStatus::Verified);

    let unblocked = Pin::new("2468").unwrap();
    s.unblock_pin(&Puk::new(PUK).unwrap(), &unblocked).unwrap();
    assert_eq!(s.pin_status().unwrap(), PinStatus::TriesLeft(3));
    assert!(matches!(
        s.generate(0x84, qoltanba_card::profile::CardAlgorithm::P256),
        Err(CardError::PinNeeded)
    ));
    s.verify_pin(&unblocked).unwrap();
    assert_eq!(s.pin_status().unwrap(), PinStatus::Verified);
}

/// PACE with the PIN straight over the transport (after reading
/// EF.CardAccess as `CardSession::open` does).
fn pace_with_pin(card: &Arc<Mutex<SimCard>>, pin: &str) -> Result<(), PaceError> {
    card.lock().unwrap().reset();
    let mut t = SimTransport::shared(card.clone());
    let ca = t.transmit(&[0x00, 0xB0, 0x9C, 0x00, 0x00]).unwrap();
    let infos = pace::parse_card_access(&ca[..ca.len() - 2]).unwrap();
    let info = pace::choose(&infos).unwrap();
    pace::establish(&mut t, &info, &PacePassword::pin(pin).unwrap()).map(|_| ())
}

/// Questions 1 and 2 in PACE: MSE:SET AT with the PIN answers `9000` with
/// all tries and `63Cx` after a loss, and the terminal goes on either way;
/// the try that uses up the counter (`63C0`) and MSE:SET AT afterwards
/// (`6983`) are both "blocked".
#[test]
fn pace_with_the_pin_goes_on_after_lost_tries_and_stops_when_blocked() {
    let card = card();
    pace_with_pin(&card, PIN).unwrap();
    assert!(matches!(
        pace_with_pin(&card, "000000"),
        Err(PaceError::WrongPin { tries_left: 2 })
    ));
    // MSE:SET AT now answers 63C2; PACE still succeeds and restores 3.
    pace_with_pin(&card, PIN).unwrap();
    assert_eq!(card.lock().unwrap().state().pin_tries, 3);
    for left in [2, 1] {
        let err = pace_with_pin(&card, "000000").unwrap_err();
        assert_eq!(err, PaceError::WrongPin { tries_left: left });
    }
    for pin in ["000000", PIN] {
        let err = pace_with_pin(&card, pin).unwrap_err();
        assert_eq!(err, PaceError::PinBlocked, "{pin}");
    }
    assert_eq!(card.lock().unwrap().state().pin_tries, 0);
}
