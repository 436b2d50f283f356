//! Properties of key files: any valid password round-trips, no input panics.
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

mod support;

use proptest::prelude::*;
use qoltanba_pki::keyfile::{KeyFile, NewPassword, Password, PasswordRuleError, Profile};

fn p256_pkcs8() -> Vec<u8> {
    qoltanba_pki::crypto::generate(qoltanba_pki::crypto::KeySpec::P256)
        .unwrap()
        .pkcs8_der()
        .to_vec()
}

/// Passwords that satisfy NCA's rule: 6..=32 printable ASCII characters with
/// an upper-case letter, a lower-case letter and a digit, in any position.
fn valid_password() -> impl Strategy<Value = String> {
    (
        "[A-Z]",
        "[a-z]",
        "[0-9]",
        "[!-~]{3,29}",
        any::<prop::sample::Index>(),
    )
        .prop_map(|(a, b, c, rest, at)| {
            let mut p: Vec<char> = rest.chars().collect();
            for ch in [a, b, c] {
                let i = at.index(p.len() + 1);
                p.insert(i, ch.chars().next().unwrap());
            }
            p.into_iter().collect()
        })
}

fn round_trip(profile: Profile, password: String) -> Result<(), TestCaseError> {
    let key = p256_pkcs8();
    let new = NewPassword::new(Password::new(password.clone())).unwrap();
    let bytes = KeyFile::new(&key, Some(b"not parsed".to_vec()), b"id")
        .to_bytes(profile, &new)
        .unwrap();
    let back = KeyFile::from_bytes(&bytes, &Password::new(password)).unwrap();
    prop_assert_eq!(back.profile(), profile);
    prop_assert_eq!(back.private_key_pkcs8().as_slice(), key.as_slice());
    prop_assert_eq!(back.certificate_der(), Some(&b"not parsed"[..]));
    prop_assert_eq!(back.local_key_id(), Some(&b"id"[..]));
    Ok(())
}

proptest! {
    // The KDFs dominate; the NCA profile is cheap, the modern one costs
    // about a second per case in a debug build.
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn nca_profile_round_trips(password in valid_password()) {
        round_trip(Profile::Nca, password)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3, ..ProptestConfig::default() })]

    #[test]
    fn modern_profile_round_trips(password in valid_password()) {
        round_trip(Profile::Modern, password)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// The rule accepts exactly NCALayer's regex on printable ASCII without
    /// spaces: `^(?=.*[A-Z])(?=.*[a-z])(?=.*[0-9]).{6,32}$`.
    #[test]
    fn the_rule_is_ncalayers_regex(password in "[!-~]{0,40}") {
        let regex_accepts = (6..=32).contains(&password.len())
            && password.chars().any(|c| c.is_ascii_uppercase())
            && password.chars().any(|c| c.is_ascii_lowercase())
            && password.chars().any(|c| c.is_ascii_digit());
        let result = NewPassword::new(Password::new(password.clone()));
        prop_assert_eq!(result.is_ok(), regex_accepts, "{:?}", password);
        if let Err(e) = result {
            prop_assert!(!matches!(e, PasswordRuleError::Cyrillic | PasswordRuleError::NonAscii | PasswordRuleError::Whitespace));
        }
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        prop_assert!(KeyFile::from_bytes(&bytes, &Password::new("Qwerty12")).is_err());
    }

    #[test]
    fn damaged_nca_files_never_panic(cut in any::<prop::sample::Index>(), flip in any::<prop::sample::Index>(), bit in 0u8..8) {
        let mut bytes = nca_file();
        let flip = flip.index(bytes.len());
        bytes[flip] ^= 1 << bit;
        bytes.truncate(cut.index(bytes.len() + 1));
        // Whatever happens, a typed result and never a panic. A flip in the
        // outer MAC fields or the trailing bytes may leave the file readable.
        let _ = KeyFile::from_bytes(&bytes, &Password::new("Qwerty12"));
    }
}

fn nca_file() -> Vec<u8> {
    std::fs::read(support::nca("gokalkan/gost1.p12")).unwrap()
}
