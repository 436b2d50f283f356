//! Certificates (DER or PEM) as they come from the RA, a key file, a card
//! or a signed message, with everything the apps show of them read.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qoltanba_pki::cert::KzCertificate;

fuzz_target!(|data: &[u8]| {
    if let Ok(cert) = KzCertificate::parse(data) {
        let at = cert.not_before();
        let _ = cert.summary(at);
        let _ = cert.holder().full_name();
        let _ = cert.holder().iin_digits();
        let _ = cert.issuer_name();
        let _ = cert.subject_name();
        let _ = cert.serial_hex();
        let _ = cert.time_status(cert.not_after());
        let _ = cert.days_left(at);
        let _ = cert.key_algorithm();
        let _ = cert.signature_algorithm();
        let _ = cert.roles();
        let _ = cert.purpose();
        let _ = cert.kz_private_extension();
        let _ = qoltanba_pki::attestation::key_description_of(cert.inner());
    }
});
