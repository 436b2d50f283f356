//! SimTransport through qoltanba-core's CardTransport trait: statistics,
//! latency, and every injected fault.
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

mod support;

use qoltanba_card::{CardTransport, TransportError};
use qoltanba_card_sim::{LatencyModel, LossPoint, SimTransport};
use std::time::Duration;
use support::*;

#[test]
fn stats_are_readable_after_the_transport_moved() {
    let transport = SimTransport::new(ref_card()).with_model(LatencyModel::contactless(106));
    let stats = transport.stats();
    let mut boxed: Box<dyn CardTransport> = Box::new(transport);
    assert_eq!(boxed.atr().unwrap()[..4], [0x3B, 0x8B, 0x80, 0x01]);
    let resp = boxed.transmit(&[0x00, 0xB0, 0x9C, 0x00, 0x00]).unwrap();
    assert_eq!(sw(&resp), 0x6282);
    let s = stats.snapshot();
    assert_eq!(
        (s.apdus, s.bytes_to_card, s.bytes_from_card),
        (1, 5, resp.len() as u64)
    );
    assert!(s.physical_floor > Duration::ZERO);
    assert!(s.simulated > s.physical_floor);
    let before = s.simulated;

    // A whole PACE run costs the five point multiplications of the model.
    let mut exchange = |a: &[u8]| boxed.transmit(a).unwrap();
    let sm = qoltanba_card_sim::terminal::pace(
        &mut exchange,
        qoltanba_card_sim::PaceSuite::default(),
        qoltanba_card_sim::terminal::PASSWORD_CAN,
        CAN,
    );
    assert!(sm.is_ok());
    let s = stats.snapshot();
    assert_eq!(s.apdus, 6);
    assert!(
        s.simulated - before > Duration::from_millis(300),
        "{:?}",
        s.simulated - before
    );
    stats.reset();
    assert_eq!(stats.snapshot().apdus, 0);
}

#[test]
fn lost_tag_before_the_card_executes_nothing_and_resets() {
    let mut t = SimTransport::new(ref_card());
    let card = t.card();
    let mut sm = {
        let mut ex = |a: &[u8]| t.transmit(a).unwrap();
        qoltanba_card_sim::terminal::pace(&mut ex, Default::default(), 2, CAN).unwrap()
    };
    assert!(card.lock().unwrap().sm_active());
    t.fail_at(0, TransportError::TagLost);
    let wrong = sm
        .wrap(&apdu([0, 0x20, 0, 0x81], &pin_block("0000"), None))
        .unwrap();
    assert_eq!(t.transmit(&wrong), Err(TransportError::TagLost));
    let c = card.lock().unwrap();
    assert_eq!(c.state().pin_tries, 3, "the command never reached the card");
    assert!(!c.sm_active(), "the card left the field");
}

#[test]
fn lost_tag_after_the_card_executes_and_loses_the_answer() {
    let mut t = SimTransport::new(ref_card());
    let card = t.card();
    let control = t.control();
    let mut sm = {
        let mut ex = |a: &[u8]| t.transmit(a).unwrap();
        qoltanba_card_sim::terminal::pace(&mut ex, Default::default(), 2, CAN).unwrap()
    };
    control.fail_at_point(2, TransportError::TagLost, LossPoint::AfterCard);
    let select = sm.wrap(&apdu([0, 0xA4, 4, 0x0C], &AID, None)).unwrap();
    assert_eq!(sm.unwrap(&t.transmit(&select).unwrap()).unwrap().1, 0x9000);
    let status = sm.wrap(&apdu([0, 0x20, 0, 0x81], &[], None)).unwrap();
    let resp = t.transmit(&status).unwrap();
    assert_eq!(sm.unwrap(&resp).unwrap().1, 0x63C3);
    let wrong = sm
        .wrap(&apdu([0, 0x20, 0, 0x81], &pin_block("0000"), None))
        .unwrap();
    assert_eq!(t.transmit(&wrong), Err(TransportError::TagLost));
    let c = card.lock().unwrap();
    assert_eq!(c.state().pin_tries, 2, "the card counted the wrong PIN");
    assert!(!c.sm_active());
    assert_eq!(control.transmits(), 8);
}

#[test]
fn timeouts_corrupted_macs_and_replaced_answers() {
    let select = apdu([0, 0xA4, 4, 0x0C], &AID, None);
    let mut t = SimTransport::new(ref_card());
    let card = t.card();
    let mut sm = {
        let mut ex = |a: &[u8]| t.transmit(a).unwrap();
        qoltanba_card_sim::terminal::pace(&mut ex, Default::default(), 2, CAN).unwrap()
    };
    // A timeout before the card: nothing executed, the card stays in its
    // session (only a lost tag resets it).
    t.fail_at(0, TransportError::Timeout);
    let w = sm.wrap(&select).unwrap();
    assert_eq!(t.transmit(&w), Err(TransportError::Timeout));
    assert!(card.lock().unwrap().sm_active());
    assert_eq!(card.lock().unwrap().state().pin_tries, 3);

    // A flipped MAC bit in an answer is caught by the terminal.
    let mut sm = {
        let mut ex = |a: &[u8]| t.transmit(a).unwrap();
        qoltanba_card_sim::terminal::pace(&mut ex, Default::default(), 2, CAN).unwrap()
    };
    let w = sm.wrap(&select).unwrap();
    assert_eq!(sm.unwrap(&t.transmit(&w).unwrap()).unwrap().1, 0x9000);
    t.corrupt_response_mac_at(0);
    let w = sm.wrap(&select).unwrap();
    let resp = t.transmit(&w).unwrap();
    assert_eq!(
        sm.unwrap(&resp),
        Err(qoltanba_card_sim::terminal::TerminalError::Bad(
            "response MAC"
        ))
    );

    // A replaced answer arrives as given; the card still ran the command.
    t.replace_response_at(0, vec![0x62, 0x82]);
    assert_eq!(
        t.transmit(&[0, 0xB0, 0x9C, 0, 0]).unwrap(),
        vec![0x62, 0x82]
    );
    assert!(
        !card.lock().unwrap().sm_active(),
        "the plain read ended the session"
    );
    // Faults are one-shot.
    assert_eq!(sw(&t.transmit(&[0, 0xB0, 0x9C, 0, 0]).unwrap()), 0x6282);
}
