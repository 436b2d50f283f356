//! New key files: names, no-clobber saving, the password rule, and secrets
//! staying out of every printed form.
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

mod support;

use std::path::PathBuf;

use qoltanba_pki::crypto::{KeySpec, Signer, generate};
use qoltanba_pki::keyfile::{
    KeyFile, KeyFileError, KeyFileKind, NewPassword, Password, PasswordRuleError, Profile,
    file_name, key_id, parse_file_name, save_new,
};
use support::{nca, new_password, qwerty};

#[test]
fn new_key_files_are_named_and_never_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    for (spec, kind) in [
        (KeySpec::P256, KeyFileKind::SignEcdsa),
        (KeySpec::P256, KeyFileKind::AuthEcdsa),
    ] {
        let key = generate(spec).unwrap();
        let id = key_id(key.public_key());
        let name = file_name(kind, &id);
        assert_eq!(parse_file_name(&name), Some((kind, id.to_vec())));
        let bytes = KeyFile::new(key.pkcs8_der(), None, &id)
            .to_bytes(Profile::Nca, &new_password("N3wPassword"))
            .unwrap();
        let path = save_new(dir.path(), &name, &bytes).unwrap();
        assert_eq!(path, dir.path().join(&name));
        assert!(matches!(
            save_new(dir.path(), &name, b"other"),
            Err(KeyFileError::AlreadyExists(p)) if p == path
        ));
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "not overwritten");
        let back = KeyFile::open(&path, &Password::new("N3wPassword")).unwrap();
        assert_eq!(back.private_key_pkcs8().as_slice(), key.pkcs8_der());
        assert!(back.certificate_der().is_none());
        assert!(matches!(
            back.require_certificate(),
            Err(KeyFileError::NoCertificate)
        ));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
}

#[test]
fn installing_the_certificate_later_keeps_the_key() {
    let key = generate(KeySpec::P256).unwrap();
    let id = key_id(key.public_key());
    let password = new_password("N3wPassword");
    let pending = KeyFile::new(key.pkcs8_der(), None, &id)
        .to_bytes(Profile::Nca, &password)
        .unwrap();
    let mut file = KeyFile::from_bytes(&pending, password.as_password()).unwrap();
    let cert = std::fs::read(nca("ncanode/certs/individual_valid_sign_2004_rsa.cer")).unwrap();
    file.set_certificate(cert.clone());
    let issued = file.to_bytes(file.profile(), &password).unwrap();
    let back = KeyFile::from_bytes(&issued, password.as_password()).unwrap();
    assert_eq!(back.certificate_der(), Some(cert.as_slice()));
    assert_eq!(back.private_key_pkcs8().as_slice(), key.pkcs8_der());
    assert_eq!(back.friendly_name(), Some(hex::encode(id).as_str()));
}

#[test]
fn weak_new_passwords_name_the_rule() {
    let cases = [
        ("Qw1ab", PasswordRuleError::TooShort),
        (
            "Qwerty12Qwerty12Qwerty12Qwerty123",
            PasswordRuleError::TooLong,
        ),
        ("qwerty12", PasswordRuleError::NoUppercase),
        ("QWERTY12", PasswordRuleError::NoLowercase),
        ("Qwertyui", PasswordRuleError::NoDigit),
        ("Йцукен12", PasswordRuleError::Cyrillic),
        ("Qwerty12ü", PasswordRuleError::NonAscii),
        ("Qwerty 12", PasswordRuleError::Whitespace),
    ];
    for (password, rule) in cases {
        let err = NewPassword::new(Password::new(password)).unwrap_err();
        assert_eq!(err, rule, "{password:?}");
        // Through KeyFileError too, one line, without the password.
        let message = KeyFileError::from(err).to_string();
        assert!(
            !message.contains('\n') && !message.contains(password),
            "{message}"
        );
    }
    assert!(NewPassword::new(Password::new("Qwerty12")).is_ok());
}

#[test]
fn secrets_never_reach_debug_display_or_errors() {
    let secret = "Sup3rSecretPw";
    let file = KeyFile::open(nca("gokalkan/gost1.p12"), &qwerty()).unwrap();
    let key_hex = hex::encode(file.private_key_pkcs8().as_slice());
    let key_tail = &key_hex[key_hex.len() - 32..];
    let clean = |text: String| {
        assert!(
            !text.contains(secret)
                && !text.contains("Qwerty12")
                && !text.contains(key_tail)
                && !text.to_lowercase().contains(&key_tail.to_lowercase()),
            "{text}"
        );
    };

    clean(format!("{file:?}"));
    clean(format!(
        "{:?} {}",
        Password::new(secret),
        Password::new(secret)
    ));
    let new = new_password(secret);
    clean(format!("{new:?} {new}"));

    // Every error a key-file operation can return, real ones where we can
    // cause them, constructed otherwise.
    let bytes = std::fs::read(nca("gokalkan/gost1.p12")).unwrap();
    let mut errors = vec![
        KeyFile::from_bytes(&bytes, &Password::new(secret)).unwrap_err(),
        KeyFile::from_bytes(secret.as_bytes(), &Password::new(secret)).unwrap_err(),
        KeyFile::open(
            PathBuf::from("/nonexistent/key.p12"),
            &Password::new(secret),
        )
        .unwrap_err(),
        KeyFileError::NoMac,
        KeyFileError::Malformed,
        KeyFileError::NoPrivateKey,
        KeyFileError::NoCertificate,
        KeyFileError::UnsupportedAlgorithm("encryption OID 1.2.3".into()),
        KeyFileError::AlreadyExists(PathBuf::from("/tmp/GOST512_x.p12")),
        KeyFileError::Random,
    ];
    errors.extend(
        ["Qw1", "qwerty12345", "Пароль123"]
            .map(|p| KeyFileError::from(NewPassword::new(Password::new(p)).unwrap_err())),
    );
    for err in errors {
        let message = err.to_string();
        assert!(!message.contains('\n'), "one line: {message}");
        assert!(message.contains("; "), "says what to do: {message}");
        clean(message);
        clean(format!("{err:?}"));
    }
}
