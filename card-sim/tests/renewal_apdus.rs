//! The APDU budget of a whole P-256 renewal on the reference card (issue
//! 18): at most 30 APDUs before the one-time code and 12 after, counted at
//! the transport while the real renewal flow (`qoltanba-core`'s
//! `CardHome`) runs against the simulator and the embedded RA, with the
//! code typed while the card stays on the phone. Counts are deterministic,
//! so they are asserted; times are not (`benches/card_cost.rs` prints the
//! modelled times).
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
    let get_data = r
        .whole()
        .exchanges
        .iter()
        .filter(|e| e.name() == "GET DATA")
        .count();
    assert_eq!(get_data, 1, "one session reads the status once");
}

/// The citizen takes the card away while waiting for the code and resumes
/// with it later (as `qoltanba renew --resume --code N` does): the second
/// tap opens a new session (PACE, VERIFY) and logs in again before it
/// installs, so it cannot fit the 12 APDUs of a single tap (at the very
/// least 15: PACE 7, PIN 1, login 2, install 5). It reads the status once
/// and only the AUTH certificate: 22 APDUs.
#[test]
fn a_p256_card_renewal_resumed_in_a_second_tap_reads_nothing_twice() {
    let r = renewal::renew(KeySpec::P256, LatencyModel::contactless(106), Taps::Two);
    let (before, after) = (&r.before_code, &r.after_code);
    eprintln!(
        "first tap: {} APDUs ({}); second tap: {} APDUs ({})",
        before.stats.apdus,
        before.breakdown(),
        after.stats.apdus,
        after.breakdown()
    );
    assert!(
        before.stats.apdus <= BUDGET_BEFORE_CODE,
        "{}",
        before.breakdown()
    );
    assert!(after.stats.apdus <= 22, "{}", after.breakdown());
    for (tap, phase) in [("first", before), ("second", after)] {
        let get_data = phase
            .exchanges
            .iter()
            .filter(|e| e.name() == "GET DATA")
            .count();
        assert_eq!(get_data, 1, "the {tap} tap reads the status once");
    }
}
