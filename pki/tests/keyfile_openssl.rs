//! Interop with the real openssl binary, both directions.
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

mod support;

use std::path::Path;

use qoltanba_pki::cert::KzCertificate;
use qoltanba_pki::keyfile::{KeyFile, KeyFileError, Password, Profile, change_password};
use support::{
    KeyType, assert_same_algorithms, new_password, openssl_extract, openssl_info,
    openssl_key_and_cert, openssl_ok,
};

/// `openssl pkcs12 -export` of k.pem/c.pem in `dir` with extra options.
fn export(dir: &Path, out: &str, password: &str, extra: &[&str]) {
    let pass = format!("pass:{password}");
    let mut args = vec![
        "pkcs12", "-export", "-inkey", "k.pem", "-in", "c.pem", "-out", out, "-passout", &pass,
    ];
    args.extend(extra);
    openssl_ok(dir, &args);
}

#[test]
fn openssl_default_and_legacy_files_open() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for key_type in [KeyType::Rsa, KeyType::P256] {
        let (key, cert) = openssl_key_and_cert(d, key_type);
        for (out, extra, profile) in [
            ("default.p12", &[][..], Profile::Modern),
            ("legacy.p12", &["-legacy"][..], Profile::Nca),
            (
                // Every PBES2 cipher and MAC hash OpenSSL offers that we read.
                "variants.p12",
                &[
                    "-keypbe",
                    "AES-128-CBC",
                    "-certpbe",
                    "DES-EDE3-CBC",
                    "-macalg",
                    "sha512",
                ][..],
                Profile::Modern,
            ),
            (
                "sha384.p12",
                &["-macalg", "sha384", "-keypbe", "AES-192-CBC"][..],
                Profile::Modern,
            ),
        ] {
            export(d, out, "Secr3tPass", extra);
            let file = KeyFile::open(d.join(out), &Password::new("Secr3tPass")).unwrap();
            assert_eq!(file.private_key_pkcs8().as_slice(), key.as_slice(), "{out}");
            assert_eq!(file.certificate_der(), Some(cert.as_slice()), "{out}");
            assert_eq!(file.profile(), profile, "{out}");
            let legacy = profile == Profile::Nca;
            let info = openssl_info(d, out, "Secr3tPass", legacy);
            assert_same_algorithms(file.protection().unwrap(), &info);
            assert!(matches!(
                KeyFile::open(d.join(out), &Password::new("Secr3tPasS")),
                Err(KeyFileError::WrongPassword)
            ));
        }
    }
}

#[test]
fn key_only_cert_only_unencrypted_and_mac_less_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (key, cert) = openssl_key_and_cert(d, KeyType::P256);
    let password = Password::new("Secr3tPass");
    let pass = "pass:Secr3tPass";

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
            pass,
        ],
    );
    assert!(matches!(
        KeyFile::open(d.join("certonly.p12"), &password),
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
            pass,
        ],
    );
    let keyonly = KeyFile::open(d.join("keyonly.p12"), &password).unwrap();
    assert_eq!(keyonly.private_key_pkcs8().as_slice(), key.as_slice());
    assert!(keyonly.certificate_der().is_none());
    assert!(matches!(
        keyonly.require_certificate(),
        Err(KeyFileError::NoCertificate)
    ));

    export(
        d,
        "plain.p12",
        "Secr3tPass",
        &["-keypbe", "NONE", "-certpbe", "NONE"],
    );
    let plain = KeyFile::open(d.join("plain.p12"), &password).unwrap();
    assert_eq!(plain.private_key_pkcs8().as_slice(), key.as_slice());
    assert_eq!(plain.certificate_der(), Some(cert.as_slice()));
    let protection = plain.protection().unwrap();
    assert_eq!((&protection.key, &protection.certificates), (&None, &None));

    export(d, "nomac.p12", "Secr3tPass", &["-nomac"]);
    assert!(matches!(
        KeyFile::open(d.join("nomac.p12"), &password),
        Err(KeyFileError::NoMac)
    ));
}

#[test]
fn unsupported_algorithms_are_named_by_oid() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    openssl_key_and_cert(d, KeyType::P256);
    let password = Password::new("Secr3tPass");

    export(d, "md5.p12", "Secr3tPass", &["-macalg", "md5"]);
    let err = KeyFile::open(d.join("md5.p12"), &password).unwrap_err();
    assert!(
        matches!(&err, KeyFileError::UnsupportedAlgorithm(s) if s.contains("1.2.840.113549.2.5")),
        "{err}"
    );

    export(
        d,
        "rc4.p12",
        "Secr3tPass",
        &["-legacy", "-keypbe", "PBE-SHA1-RC4-128"],
    );
    let err = KeyFile::open(d.join("rc4.p12"), &password).unwrap_err();
    assert!(
        matches!(&err, KeyFileError::UnsupportedAlgorithm(s) if s.contains("1.2.840.113549.1.12.1.1")),
        "{err}"
    );
    assert!(err.to_string().contains("pbeWithSHAAnd128BitRC4"), "{err}");

    // PBES2 with a cipher outside the CBC family.
    export(
        d,
        "camellia.p12",
        "Secr3tPass",
        &["-keypbe", "CAMELLIA-256-CBC"],
    );
    let err = KeyFile::open(d.join("camellia.p12"), &password).unwrap_err();
    assert!(
        matches!(&err, KeyFileError::UnsupportedAlgorithm(s) if s.contains("1.2.392.200011.61.1.1.1.4")),
        "{err}"
    );
}

#[test]
fn passwords_are_encoded_as_openssl_does() {
    // Opening never applies NCA's rule, so files protected elsewhere with
    // Cyrillic or empty passwords must open: UTF-8 for PBES2, BMPString for
    // the PKCS#12 KDF, exactly as OpenSSL encodes them.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (key, _) = openssl_key_and_cert(d, KeyType::P256);
    for password in ["Құпия сөз 1", "Пароль", "", "𝄞 music"] {
        for (out, extra) in [("utf8.p12", &[][..]), ("bmp.p12", &["-legacy"][..])] {
            export(d, out, password, extra);
            let file = KeyFile::open(d.join(out), &Password::new(password))
                .unwrap_or_else(|e| panic!("{password:?} {out}: {e}"));
            assert_eq!(file.private_key_pkcs8().as_slice(), key.as_slice());
            std::fs::remove_file(d.join(out)).unwrap();
        }
    }
}

#[test]
fn files_we_write_open_in_openssl_in_both_profiles() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for key_type in [KeyType::Rsa, KeyType::P256] {
        let (key, cert) = openssl_key_and_cert(d, key_type);
        let id = KzCertificate::from_der(&cert)
            .unwrap()
            .subject_key_id()
            .unwrap()
            .to_vec();
        let mut file = KeyFile::new(&key, Some(cert.clone()), &id);
        file.set_chain(vec![cert.clone()]);
        for profile in [Profile::Nca, Profile::Modern] {
            let bytes = file
                .to_bytes(profile, &new_password("N3wPassword"))
                .unwrap();
            let name = format!("{profile:?}.p12");
            std::fs::write(d.join(&name), &bytes).unwrap();
            let legacy = profile == Profile::Nca;
            let (their_key, their_cert) = openssl_extract(d, &name, "N3wPassword", legacy);
            assert_eq!(their_key, key, "{profile:?}: openssl reads our key");
            assert_eq!(
                their_cert, cert,
                "{profile:?}: openssl reads our certificate"
            );

            let back = KeyFile::from_bytes(&bytes, &Password::new("N3wPassword")).unwrap();
            let info = openssl_info(d, &name, "N3wPassword", legacy);
            assert_same_algorithms(back.protection().unwrap(), &info);
            // The key and its certificate carry friendlyName and localKeyId,
            // as NCA's do (openssl prints them as "Bag Attributes").
            let pem = std::fs::read_to_string(d.join("out.pem")).unwrap();
            let hex_id = hex::encode(&id);
            let upper_id = hex::encode_upper(&id)
                .as_bytes()
                .chunks(2)
                .map(|c| std::str::from_utf8(c).unwrap())
                .collect::<Vec<_>>()
                .join(" ");
            assert_eq!(
                pem.matches(&format!("friendlyName: {hex_id}")).count(),
                2,
                "{pem}"
            );
            assert_eq!(
                pem.matches(&format!("localKeyID: {upper_id}")).count(),
                2,
                "{pem}"
            );
            assert_eq!(back.profile(), profile);
            assert_eq!(back.private_key_pkcs8().as_slice(), key.as_slice());
            assert_eq!(back.certificate_der(), Some(cert.as_slice()));
            assert_eq!(back.chain_der(), std::slice::from_ref(&cert));
            assert_eq!(back.friendly_name(), Some(hex_id.as_str()));
            assert_eq!(back.local_key_id(), Some(id.as_slice()));
            match profile {
                Profile::Nca => {
                    assert!(info.contains("MAC: sha1, Iteration 1024"), "{info}");
                    assert!(info.contains("MAC length: 20, salt length: 20"), "{info}");
                    assert!(
                        info.contains(
                            "Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 1024"
                        ),
                        "{info}"
                    );
                    assert!(
                        info.contains(
                            "PKCS7 Encrypted data: pbeWithSHA1And40BitRC2-CBC, Iteration 1024"
                        ),
                        "{info}"
                    );
                    // NCA's profile needs -legacy in OpenSSL 3, like NCA's files.
                    let pass = "pass:N3wPassword";
                    let out = support::openssl(
                        d,
                        &[
                            "pkcs12", "-in", &name, "-nodes", "-passin", pass, "-out", "x.pem",
                        ],
                    );
                    assert!(!out.status.success());
                }
                Profile::Modern => {
                    assert!(info.contains("MAC: sha256, Iteration 1200000"), "{info}");
                    let pbes2 = "PBES2, PBKDF2, AES-256-CBC, Iteration 600000, PRF hmacWithSHA256";
                    assert!(
                        info.contains(&format!("Shrouded Keybag: {pbes2}")),
                        "{info}"
                    );
                    assert!(
                        info.contains(&format!("PKCS7 Encrypted data: {pbes2}")),
                        "{info}"
                    );
                }
            }
        }
    }
}

#[test]
fn change_password_keeps_the_modern_profile() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (key, cert) = openssl_key_and_cert(d, KeyType::P256);
    export(d, "k.p12", "Old1pass", &[]);
    change_password(
        d.join("k.p12"),
        &Password::new("Old1pass"),
        &new_password("N3wPassword"),
    )
    .unwrap();
    let file = KeyFile::open(d.join("k.p12"), &Password::new("N3wPassword")).unwrap();
    assert_eq!(file.profile(), Profile::Modern);
    assert_eq!(file.private_key_pkcs8().as_slice(), key.as_slice());
    assert_eq!(file.certificate_der(), Some(cert.as_slice()));
    let (their_key, _) = openssl_extract(d, "k.p12", "N3wPassword", false);
    assert_eq!(their_key, key);
    assert!(matches!(
        KeyFile::open(d.join("k.p12"), &Password::new("Old1pass")),
        Err(KeyFileError::WrongPassword)
    ));
}
