//! The card stack's byte parsers, on both sides of the reader: response
//! APDUs and their status words, BER-TLV (nested), EF.CardAccess, the
//! public-key templates and signatures a card returns, secure-messaging
//! padding; and the simulator's command APDU and TLV readers.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qoltanba_card::apdu::Response;
use qoltanba_card::keys::{signature_output, spki_from_template};
use qoltanba_card::pace::parse_card_access;
use qoltanba_card::profile::CardAlgorithm;
use qoltanba_card::{sm, tlv};

/// Walk constructed objects down to a fixed depth (the walk is the
/// harness's; the parser itself is not recursive).
fn walk(data: &[u8], depth: u8) {
    let Ok(objects) = tlv::parse_all(data) else {
        return;
    };
    for object in &objects {
        let _ = tlv::find(&objects, object.tag);
        if object.is_constructed() && depth < 8 {
            let _ = object.children();
            walk(object.value, depth + 1);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(response) = Response::parse(data) {
        let _ = response.sw.status();
        let _ = response.is_success();
        let _ = response.to_bytes();
    }
    walk(data, 0);
    let _ = tlv::parse_one(data);
    if let Ok(infos) = parse_card_access(data) {
        let _ = qoltanba_card::pace::choose(&infos);
    }
    for algorithm in [CardAlgorithm::Rsa2048, CardAlgorithm::P256] {
        let _ = spki_from_template(data, algorithm);
        let _ = signature_output(algorithm, data);
    }
    let _ = sm::unpad(data);

    // The simulator's side: a command APDU, a TLV.
    if let Ok(command) = qoltanba_card_sim::apdu::Command::parse(data) {
        let _ = command.offset();
    }
    let _ = qoltanba_card_sim::apdu::tlv::read(data);
});
