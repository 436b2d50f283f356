//! XML signatures (NCALayer's signXml documents) as a web page or a file
//! hands them over: UTF-8 check, canonicalisation and verification.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qoltanba_pki::xmldsig::{C14n, canonicalize, verify_xml, xml_from_utf8};

fuzz_target!(|data: &[u8]| {
    if let Ok(xml) = xml_from_utf8(data) {
        let _ = verify_xml(xml);
        let _ = canonicalize(xml, C14n::Inclusive);
        let _ = canonicalize(xml, C14n::Exclusive);
    }
});
