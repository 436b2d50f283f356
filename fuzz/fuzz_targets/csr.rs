//! Certificate requests (PKCS#10) as the RA reads them out of an
//! application: structure, requested attributes and proof of possession.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = qoltanba_pki::reissue::verify_csr(data);
});
