//! Properties of key files: any valid password round-trips, no input panics.

use std::path::Path;

use proptest::prelude::*;
use qoltanba_core::keystore::{KeyFile, NewPassword, Password, Profile};

fn p256_pkcs8() -> Vec<u8> {
    qoltanba_core::crypto::generate(qoltanba_core::crypto::KeySpec::P256)
        .unwrap()
        .pkcs8_der()
        .to_vec()
}

/// Passwords that satisfy NCA's rule: upper, lower, digit, then 3..29 more.
fn valid_password() -> impl Strategy<Value = String> {
    ("[A-Z]", "[a-z]", "[0-9]", "[!-~]{3,29}")
        .prop_map(|(a, b, c, rest)| format!("{a}{rest}{b}{c}"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn nca_profile_round_trips(password in valid_password()) {
        let key = p256_pkcs8();
        let new = NewPassword::new(Password::new(password.clone())).unwrap();
        let bytes = KeyFile::new(&key, None, b"id").to_bytes(Profile::Nca, &new).unwrap();
        let back = KeyFile::from_bytes(&bytes, &Password::new(password)).unwrap();
        prop_assert_eq!(back.private_key_pkcs8().as_slice(), key.as_slice());
        prop_assert_eq!(back.local_key_id(), Some(&b"id"[..]));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3, ..ProptestConfig::default() })]

    #[test]
    fn modern_profile_round_trips(password in valid_password()) {
        let key = p256_pkcs8();
        let new = NewPassword::new(Password::new(password.clone())).unwrap();
        let bytes = KeyFile::new(&key, None, b"id").to_bytes(Profile::Modern, &new).unwrap();
        let back = KeyFile::from_bytes(&bytes, &Password::new(password)).unwrap();
        prop_assert_eq!(back.profile(), Profile::Modern);
        prop_assert_eq!(back.private_key_pkcs8().as_slice(), key.as_slice());
    }
}

fn nca_file() -> Vec<u8> {
    let path = std::env::var_os("QOLTANBA_FIXTURES")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures"))
        .join("nca-test/gokalkan/gost1.p12");
    std::fs::read(path).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        prop_assert!(KeyFile::from_bytes(&bytes, &Password::new("Qwerty12")).is_err());
    }

    #[test]
    fn damaged_nca_files_never_panic(cut in 0usize..1803, flip in 0usize..1803, bit in 0u8..8) {
        let mut bytes = nca_file();
        bytes[flip] ^= 1 << bit;
        bytes.truncate(cut.max(1));
        // Whatever happens, a typed result and never a panic. A flip in the
        // outer MAC fields or the trailing bytes may leave the file readable.
        let _ = KeyFile::from_bytes(&bytes, &Password::new("Qwerty12"));
    }
}
