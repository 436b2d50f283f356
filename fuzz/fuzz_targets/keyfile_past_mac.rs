//! The key-file parser behind the MAC: the harness MACs what the fuzzer
//! wrote under the known password (qoltanba_fuzz::remac_pkcs12), so the
//! authenticated safe, its bags, their decryption and the key and
//! certificate inside are all reached. No product code changed for it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qoltanba_pki::cert::KzCertificate;
use qoltanba_pki::keyfile::{KeyFile, Password};

/// NCA's test key file, re-MACed, must open: else the harness no longer
/// gets past the MAC and the target fuzzes nothing behind it.
fn check_the_harness_reaches_past_the_mac() {
    static CHECKED: std::sync::Once = std::sync::Once::new();
    CHECKED.call_once(|| {
        let nca = include_bytes!("../../testdata/nca-test/gokalkan/gost1.p12");
        let password = Password::new(qoltanba_fuzz::KEY_FILE_PASSWORD);
        let file = KeyFile::from_bytes(&qoltanba_fuzz::remac_pkcs12(nca), &password);
        assert!(
            file.is_ok(),
            "the re-MACed NCA key file does not open: {file:?}"
        );
    });
}

fuzz_target!(|data: &[u8]| {
    check_the_harness_reaches_past_the_mac();
    let file = qoltanba_fuzz::remac_pkcs12(data);
    let password = Password::new(qoltanba_fuzz::KEY_FILE_PASSWORD);
    if let Ok(file) = KeyFile::from_bytes(&file, &password) {
        let _ = file.profile();
        let _ = file.protection().map(|p| format!("{p:?}"));
        let _ = file.friendly_name();
        if let Some(der) = file.certificate_der() {
            let _ = KzCertificate::from_der(der);
        }
    }
});
