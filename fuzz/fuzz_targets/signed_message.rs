//! Signed messages and documents (CMS, DER or PEM): an attached message as
//! `message verify` and the RA's login read it, and a detached signature
//! over a fixed document.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qoltanba_pki::signed_message::{verify_document, verify_message};

fuzz_target!(|data: &[u8]| {
    if let Ok(message) = verify_message(data) {
        let _ = message.signer.summary(message.signer.not_before());
    }
    let _ = verify_document(data, Some(b"qoltanba fuzz document"));
});
