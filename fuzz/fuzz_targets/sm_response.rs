//! Secure-messaging answers as the terminal opens them, past the MAC: the
//! simulator's card side (CardSm) protects what the fuzzer wrote under the
//! session keys the terminal holds, so the MAC holds and the decryption,
//! the padding, the status word objects and their order are what get
//! fuzzed. Raw answers (MAC and all from the fuzzer) are mixed in.
//!
//! Input: frames (qoltanba_fuzz::Frames); a frame whose first byte is odd
//! is `status (2 bytes) ‖ data`, protected by the card side; an even one
//! is the answer's bytes as sent.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qoltanba_card::apdu::Response;
use qoltanba_card::cipher::PaceCipher;
use qoltanba_card::sm::SecureMessaging;
use qoltanba_card_sim::sm::{CardSm, SessionKeys};
use zeroize::Zeroizing;

const KS_ENC: [u8; 16] = [0x11; 16];
const KS_MAC: [u8; 16] = [0x22; 16];

fuzz_target!(|data: &[u8]| {
    let mut terminal = SecureMessaging::new(PaceCipher::Aes128, &KS_ENC, &KS_MAC);
    let mut card = CardSm::new(SessionKeys {
        k_enc: Zeroizing::new(KS_ENC.to_vec()),
        k_mac: Zeroizing::new(KS_MAC.to_vec()),
    });
    for frame in qoltanba_fuzz::Frames::new(data) {
        let Some((&kind, rest)) = frame.split_first() else {
            continue;
        };
        let mut sent = None;
        let response = if kind & 1 == 1 {
            let (status, body) = rest.split_at(rest.len().min(2));
            let mut sw = [0x90, 0x00];
            sw[..status.len()].copy_from_slice(status);
            sent = Some((body, sw));
            let protected = card.wrap_response(body, u16::from_be_bytes(sw));
            Response::parse(&protected).expect("the card side writes data and a status word")
        } else {
            let Ok(response) = Response::parse(rest) else {
                continue;
            };
            // Keep the card's counter in step with the terminal's, which
            // counts every answer it opens.
            let _ = card.wrap_response(&[], 0x9000);
            response
        };
        let opened = terminal.unprotect(&response);
        // What the card side protected opens to exactly what it was, except
        // "SM objects missing/incorrect" without data, which ends the session.
        if let Some((body, sw)) = sent {
            let ends = body.is_empty() && matches!(sw, [0x69, 0x87] | [0x69, 0x88]);
            if !ends {
                let opened = opened.expect("a correctly protected answer opens");
                assert_eq!(opened.data, body);
                assert_eq!(opened.sw.to_bytes(), sw);
            }
        }
        if terminal.is_ended() {
            break;
        }
    }
});
