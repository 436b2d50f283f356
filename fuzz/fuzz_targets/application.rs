//! Reissue applications (application.p7s, DER or PEM) as the RA receives
//! them, and the bare application structure inside.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qoltanba_pki::reissue::{ReissueApplication, verify_application};

fuzz_target!(|data: &[u8]| {
    if let Ok(verified) = verify_application(data) {
        let _ = verified.application.validate();
        let _ = verified.signer.summary(verified.signing_time);
    }
    if let Ok(application) = ReissueApplication::from_der(data) {
        let _ = application.validate();
        let _ = application.to_der();
    }
});
