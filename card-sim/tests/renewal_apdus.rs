//! The APDU budget of a whole P-256 renewal on the reference card (issue
//! 18): at most 30 APDUs before the one-time code and 12 after, counted at
//! the transport while the real renewal flow (`qoltanba-core`'s
//! `CardHome`) runs against the simulator and the embedded RA. Counts are
//! deterministic, so they are asserted; times are not.
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

#[path = "support/renewal.rs"]
mod renewal;

use qoltanba_card_sim::LatencyModel;
use qoltanba_pki::crypto::KeySpec;
use renewal::{BUDGET_AFTER_CODE, BUDGET_BEFORE_CODE, Taps};

#[test]
fn a_p256_card_renewal_stays_within_its_apdu_budget() {
    let r = renewal::renew(KeySpec::P256, LatencyModel::contactless(106), Taps::One);
    let (before, after) = (&r.before_code, &r.after_code);
    eprintln!(
        "before the code: {} APDUs ({}); after: {} APDUs ({})",
        before.stats.apdus,
        before.breakdown(),
        after.stats.apdus,
        after.breakdown()
    );
    assert!(
        before.stats.apdus <= BUDGET_BEFORE_CODE,
        "{} APDUs before the code, the budget is {BUDGET_BEFORE_CODE}: {}",
        before.stats.apdus,
        before.breakdown()
    );
    assert!(
        after.stats.apdus <= BUDGET_AFTER_CODE,
        "{} APDUs after the code, the budget is {BUDGET_AFTER_CODE}: {}",
        after.stats.apdus,
        after.breakdown()
    );
}

#[test]
fn two_taps_measure() {
    let r = renewal::renew(KeySpec::P256, LatencyModel::contactless(106), Taps::Two);
    let (before, after) = (&r.before_code, &r.after_code);
    eprintln!(
        "before the code: {} APDUs ({}); after: {} APDUs ({})",
        before.stats.apdus,
        before.breakdown(),
        after.stats.apdus,
        after.breakdown()
    );
}
