//! Shared by the integration tests: fixtures, the openssl binary, test keys,
//! and (in `pki`) a small NCA-like PKI made with openssl.
#![allow(dead_code)] // each test file uses a different part

pub mod pki;

use std::path::{Path, PathBuf};
use std::process::Output;

use qoltanba_pki::keyfile::{NewPassword, Password, Protection};

/// A file under the NCA test fixtures (testdata/nca-test).
pub fn nca(rel: &str) -> PathBuf {
    let path = qoltanba_testkit::fixtures::path(&format!("nca-test/{rel}"));
    assert!(
        path.exists(),
        "fixture {} is missing; set QOLTANBA_FIXTURES to the fixtures folder",
        path.display()
    );
    path
}

/// Run openssl in `dir`. A missing binary fails the test: interop is the
/// point of these tests, so they must never pass without it.
pub fn openssl(dir: &Path, args: &[&str]) -> Output {
    qoltanba_testkit::openssl::run(dir, args)
}

/// Run openssl and return stdout + stderr, failing the test if it fails.
pub fn openssl_ok(dir: &Path, args: &[&str]) -> String {
    qoltanba_testkit::openssl::text(&qoltanba_testkit::openssl::ok(dir, args))
}

/// `openssl pkcs12 -info` for `file` (relative to `dir`).
pub fn openssl_info(dir: &Path, file: &str, password: &str, legacy: bool) -> String {
    let pass = format!("pass:{password}");
    let mut args = vec!["pkcs12", "-info", "-noout", "-in", file, "-passin", &pass];
    if legacy {
        args.push("-legacy");
    }
    openssl_ok(dir, &args)
}

/// What we read agrees with what openssl reports for the same file.
pub fn assert_same_algorithms(protection: &Protection, openssl_info: &str) {
    let mut expected = vec![format!("MAC: {}", protection.mac)];
    if let Some(key) = &protection.key {
        expected.push(format!("Shrouded Keybag: {key}"));
    }
    if let Some(certs) = &protection.certificates {
        expected.push(format!("PKCS7 Encrypted data: {certs}"));
    }
    for line in expected {
        assert!(
            openssl_info.lines().any(|l| l.trim() == line),
            "openssl does not report `{line}`:\n{openssl_info}"
        );
    }
}

pub enum KeyType {
    Rsa,
    P256,
}

/// A key and a self-signed certificate made by openssl in `dir`: k.pem/c.pem
/// and their DER forms k.der (PKCS#8) and c.der. Returns (key DER, cert DER).
pub fn openssl_key_and_cert(dir: &Path, key_type: KeyType) -> (Vec<u8>, Vec<u8>) {
    let algorithm: &[&str] = match key_type {
        KeyType::Rsa => &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
        KeyType::P256 => &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
    };
    let mut args = vec!["genpkey"];
    args.extend(algorithm);
    args.extend(["-out", "k.pem"]);
    openssl_ok(dir, &args);
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
    (
        std::fs::read(dir.join("k.der")).unwrap(),
        std::fs::read(dir.join("c.der")).unwrap(),
    )
}

/// Ask openssl to read `file` (relative to `dir`) and return the key
/// (PKCS#8 DER) and certificate (DER) it found.
pub fn openssl_extract(dir: &Path, file: &str, password: &str, legacy: bool) -> (Vec<u8>, Vec<u8>) {
    let pass = format!("pass:{password}");
    let mut args = vec![
        "pkcs12", "-in", file, "-nodes", "-passin", &pass, "-out", "out.pem",
    ];
    if legacy {
        args.push("-legacy");
    }
    openssl_ok(dir, &args);
    openssl_ok(
        dir,
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
        dir,
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
    (
        std::fs::read(dir.join("out-key.der")).unwrap(),
        std::fs::read(dir.join("out-cert.der")).unwrap(),
    )
}

pub fn qwerty() -> Password {
    Password::new("Qwerty12")
}

pub fn new_password(p: &str) -> NewPassword {
    NewPassword::new(Password::new(p)).unwrap()
}
