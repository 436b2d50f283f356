//! NCA key files, and interop with the real openssl binary.

use std::path::{Path, PathBuf};
use std::process::Command;

use qoltanba_core::cert::KzCertificate;
use qoltanba_core::crypto::{KeySpec, Signer, generate};
use qoltanba_core::keystore::{
    KeyFile, KeyFileError, KeyFileKind, NewPassword, Password, PasswordRuleError, Profile,
    change_password, file_name, key_id, save_new,
};

fn nca(rel: &str) -> PathBuf {
    std::env::var_os("QOLTANBA_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures"))
        .join("nca-test")
        .join(rel)
}

fn openssl(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new("openssl").current_dir(dir).args(args).output().unwrap_or_else(|e| {
        panic!("the openssl binary is needed for interop tests ({e}); install it: apt-get install openssl")
    })
}

fn openssl_ok(dir: &Path, args: &[&str]) -> String {
    let out = openssl(dir, args);
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

fn qwerty() -> Password {
    Password::new("Qwerty12")
}

fn new_password(p: &str) -> NewPassword {
    NewPassword::new(Password::new(p)).unwrap()
}

#[test]
fn real_nca_files_open_and_match_their_certificates() {
    for name in ["gost1", "gost2"] {
        let file = KeyFile::open(&nca(&format!("gokalkan/{name}.p12")), &qwerty()).unwrap();
        assert_eq!(file.profile(), Profile::Nca);
        let from_file = KzCertificate::from_der(file.require_certificate().unwrap()).unwrap();
        let pem = std::fs::read(nca(&format!("gokalkan/{name}.cer"))).unwrap();
        let expected = KzCertificate::parse(&pem).unwrap();
        assert_eq!(
            from_file.der(),
            expected.der(),
            "{name}: the certificate is the published one"
        );
        // NCA labels the key with its SKI: friendlyName in lower-case hex, localKeyId raw.
        let ski = expected.subject_key_id().unwrap();
        assert_eq!(file.friendly_name(), Some(hex::encode(ski).as_str()));
        assert_eq!(file.local_key_id(), Some(ski));
        // The private key is a GOST 2015-512 PKCS#8 key.
        let pkcs8 =
            pkcs8::PrivateKeyInfoRef::try_from(file.private_key_pkcs8().as_slice()).unwrap();
        assert_eq!(pkcs8.algorithm.oid.to_string(), "1.2.398.3.10.1.1.2.2");
        assert!(file.chain_der().is_empty());
    }
}

#[test]
fn algorithms_match_what_openssl_reports() {
    let dir = tempfile::tempdir().unwrap();
    let info = openssl_ok(
        dir.path(),
        &[
            "pkcs12",
            "-legacy",
            "-info",
            "-noout",
            "-passin",
            "pass:Qwerty12",
            "-in",
            nca("gokalkan/gost1.p12").to_str().unwrap(),
        ],
    );
    // What NCA writes, as openssl names it; our reader accepted exactly these.
    assert!(info.contains("MAC: sha1, Iteration 1024"), "{info}");
    assert!(
        info.contains("Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 1024"),
        "{info}"
    );
    assert!(
        info.contains("PKCS7 Encrypted data: pbeWithSHA1And40BitRC2-CBC, Iteration 1024"),
        "{info}"
    );
}

#[test]
fn wrong_password_and_broken_bytes() {
    let bytes = std::fs::read(nca("gokalkan/gost1.p12")).unwrap();
    assert!(matches!(
        KeyFile::from_bytes(&bytes, &Password::new("Qwerty13")),
        Err(KeyFileError::WrongPassword)
    ));
    assert!(matches!(
        KeyFile::from_bytes(&[], &qwerty()),
        Err(KeyFileError::NotPkcs12)
    ));
    assert!(matches!(
        KeyFile::from_bytes(&bytes[..bytes.len() / 2], &qwerty()),
        Err(KeyFileError::NotPkcs12)
    ));
    assert!(matches!(
        KeyFile::from_bytes(b"random bytes, not a key", &qwerty()),
        Err(KeyFileError::NotPkcs12)
    ));
    // One flipped bit inside the protected content: the MAC catches it.
    let mut tampered = bytes.clone();
    tampered[600] ^= 0x01;
    assert!(matches!(
        KeyFile::from_bytes(&tampered, &qwerty()),
        Err(KeyFileError::WrongPassword)
    ));
}

/// A P-256 key and a self-signed certificate for it, made by openssl.
fn openssl_key_and_cert(dir: &Path) {
    openssl_ok(
        dir,
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            "k.pem",
        ],
    );
    openssl_ok(
        dir,
        &[
            "req", "-x509", "-new", "-key", "k.pem", "-subj", "/CN=Test", "-days", "30", "-out",
            "c.pem",
        ],
    );
    openssl_ok(
        dir,
        &[
            "pkcs8", "-topk8", "-nocrypt", "-in", "k.pem", "-outform", "DER", "-out", "k.der",
        ],
    );
    openssl_ok(
        dir,
        &["x509", "-in", "c.pem", "-outform", "DER", "-out", "c.der"],
    );
}

#[test]
fn openssl_written_files_open_default_and_legacy_key_only_and_cert_only() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    openssl_key_and_cert(d);
    let key = std::fs::read(d.join("k.der")).unwrap();
    let cert = std::fs::read(d.join("c.der")).unwrap();
    for (out, extra) in [("default.p12", None), ("legacy.p12", Some("-legacy"))] {
        let mut args = vec![
            "pkcs12",
            "-export",
            "-inkey",
            "k.pem",
            "-in",
            "c.pem",
            "-out",
            out,
            "-passout",
            "pass:Secr3tPass",
        ];
        args.extend(extra);
        openssl_ok(d, &args);
        let file = KeyFile::open(&d.join(out), &Password::new("Secr3tPass")).unwrap();
        assert_eq!(file.private_key_pkcs8().as_slice(), key.as_slice(), "{out}");
        assert_eq!(file.certificate_der(), Some(cert.as_slice()), "{out}");
        assert_eq!(
            file.profile(),
            if extra.is_some() {
                Profile::Nca
            } else {
                Profile::Modern
            },
            "{out}"
        );
    }
    openssl_ok(
        d,
        &[
            "pkcs12",
            "-export",
            "-nokeys",
            "-in",
            "c.pem",
            "-out",
            "certonly.p12",
            "-passout",
            "pass:Secr3tPass",
        ],
    );
    assert!(matches!(
        KeyFile::open(&d.join("certonly.p12"), &Password::new("Secr3tPass")),
        Err(KeyFileError::NoPrivateKey)
    ));
    openssl_ok(
        d,
        &[
            "pkcs12",
            "-export",
            "-nocerts",
            "-inkey",
            "k.pem",
            "-out",
            "keyonly.p12",
            "-passout",
            "pass:Secr3tPass",
        ],
    );
    let keyonly = KeyFile::open(&d.join("keyonly.p12"), &Password::new("Secr3tPass")).unwrap();
    assert_eq!(keyonly.private_key_pkcs8().as_slice(), key.as_slice());
    assert!(matches!(
        keyonly.require_certificate(),
        Err(KeyFileError::NoCertificate)
    ));
    openssl_ok(
        d,
        &[
            "pkcs12",
            "-export",
            "-nomac",
            "-inkey",
            "k.pem",
            "-in",
            "c.pem",
            "-out",
            "nomac.p12",
            "-passout",
            "pass:Secr3tPass",
        ],
    );
    assert!(matches!(
        KeyFile::open(&d.join("nomac.p12"), &Password::new("Secr3tPass")),
        Err(KeyFileError::NoMac)
    ));
}

#[test]
fn files_we_write_open_in_openssl_in_both_profiles() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    openssl_key_and_cert(d);
    let key = std::fs::read(d.join("k.der")).unwrap();
    let cert = std::fs::read(d.join("c.der")).unwrap();
    let id = KzCertificate::from_der(&cert)
        .unwrap()
        .subject_key_id()
        .unwrap()
        .to_vec();
    let file = KeyFile::new(&key, Some(cert.clone()), &id);
    for profile in [Profile::Nca, Profile::Modern] {
        let bytes = file
            .to_bytes(profile, &new_password("N3wPassword"))
            .unwrap();
        let name = format!("{profile:?}.p12");
        std::fs::write(d.join(&name), &bytes).unwrap();
        let mut args = vec![
            "pkcs12",
            "-in",
            &name,
            "-nodes",
            "-passin",
            "pass:N3wPassword",
            "-out",
            "out.pem",
        ];
        if profile == Profile::Nca {
            args.push("-legacy");
        }
        openssl_ok(d, &args);
        openssl_ok(
            d,
            &[
                "pkcs8",
                "-topk8",
                "-nocrypt",
                "-in",
                "out.pem",
                "-outform",
                "DER",
                "-out",
                "out-key.der",
            ],
        );
        openssl_ok(
            d,
            &[
                "x509",
                "-in",
                "out.pem",
                "-outform",
                "DER",
                "-out",
                "out-cert.der",
            ],
        );
        assert_eq!(
            std::fs::read(d.join("out-key.der")).unwrap(),
            key,
            "{profile:?}: openssl reads our key"
        );
        assert_eq!(
            std::fs::read(d.join("out-cert.der")).unwrap(),
            cert,
            "{profile:?}: openssl reads our certificate"
        );
        let mut info_args = vec![
            "pkcs12",
            "-in",
            &name,
            "-info",
            "-noout",
            "-passin",
            "pass:N3wPassword",
        ];
        if profile == Profile::Nca {
            info_args.push("-legacy");
        }
        let info = openssl_ok(d, &info_args);
        match profile {
            Profile::Nca => {
                assert!(info.contains("MAC: sha1, Iteration 1024"), "{info}");
                assert!(
                    info.contains("pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 1024"),
                    "{info}"
                );
                assert!(
                    info.contains("pbeWithSHA1And40BitRC2-CBC, Iteration 1024"),
                    "{info}"
                );
            }
            Profile::Modern => {
                assert!(info.contains("MAC: sha256"), "{info}");
                assert!(info.contains("PBES2, PBKDF2, AES-256-CBC"), "{info}");
            }
        }
        let back = KeyFile::from_bytes(&bytes, &Password::new("N3wPassword")).unwrap();
        assert_eq!(back.profile(), profile);
        assert_eq!(back.private_key_pkcs8().as_slice(), key.as_slice());
        assert_eq!(back.friendly_name(), Some(hex::encode(&id).as_str()));
    }
}

#[test]
fn change_password_keeps_profile_and_refuses_weak_passwords() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gost1.p12");
    std::fs::copy(nca("gokalkan/gost1.p12"), &path).unwrap();
    assert_eq!(
        NewPassword::new(Password::new("weakpass1")).unwrap_err(),
        PasswordRuleError::NoUppercase
    );
    assert!(matches!(
        change_password(&path, &Password::new("wrong"), &new_password("N3wPassword")),
        Err(KeyFileError::WrongPassword)
    ));
    change_password(&path, &qwerty(), &new_password("N3wPassword")).unwrap();
    assert!(matches!(
        KeyFile::open(&path, &qwerty()),
        Err(KeyFileError::WrongPassword)
    ));
    let file = KeyFile::open(&path, &Password::new("N3wPassword")).unwrap();
    assert_eq!(file.profile(), Profile::Nca);
    let original = KeyFile::open(&nca("gokalkan/gost1.p12"), &qwerty()).unwrap();
    assert_eq!(file.private_key_pkcs8(), original.private_key_pkcs8());
    assert_eq!(file.certificate_der(), original.certificate_der());
}

#[test]
fn new_key_files_are_named_and_never_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let key = generate(KeySpec::P256).unwrap();
    let id = key_id(key.public_key());
    let name = file_name(KeyFileKind::SignEcdsa, &id);
    let bytes = KeyFile::new(key.pkcs8_der(), None, &id)
        .to_bytes(Profile::Nca, &new_password("N3wPassword"))
        .unwrap();
    let path = save_new(dir.path(), &name, &bytes).unwrap();
    assert!(matches!(
        save_new(dir.path(), &name, b"other"),
        Err(KeyFileError::AlreadyExists(_))
    ));
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
    let back = KeyFile::open(&path, &Password::new("N3wPassword")).unwrap();
    assert!(back.certificate_der().is_none());
}

#[test]
fn secrets_never_reach_debug_or_errors() {
    let secret = "Sup3rSecretPw";
    let bytes = std::fs::read(nca("gokalkan/gost1.p12")).unwrap();
    let err = KeyFile::from_bytes(&bytes, &Password::new(secret)).unwrap_err();
    assert!(!err.to_string().contains(secret) && !format!("{err:?}").contains(secret));
    let file = KeyFile::open(&nca("gokalkan/gost1.p12"), &qwerty()).unwrap();
    let debug = format!("{file:?}");
    assert!(!debug.contains("Qwerty12"));
    let key_hex = hex::encode(file.private_key_pkcs8().as_slice());
    assert!(!debug.contains(&key_hex[key_hex.len() - 32..]));
    assert!(!format!("{:?}", qwerty()).contains("Qwerty12"));
    for e in [PasswordRuleError::TooShort, PasswordRuleError::NoDigit] {
        assert!(!e.to_string().contains(secret));
    }
}
