//! `qoltanba application build|verify` end to end, with openssl as the peer.
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

mod support;

use std::path::{Path, PathBuf};

use predicates::prelude::*;
use support::*;

const CURRENT_PASSWORD: &str = "Curr3ntPass";
const NEW_PASSWORD: &str = "N3wPassword";

struct Setup {
    dir: tempfile::TempDir,
    current_pw: PathBuf,
    new_pw: PathBuf,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    make_ca(dir.path());
    let current_pw = write_secret(dir.path(), "current.pw", CURRENT_PASSWORD);
    let new_pw = write_secret(dir.path(), "new.pw", NEW_PASSWORD);
    Setup {
        dir,
        current_pw,
        new_pw,
    }
}

impl Setup {
    fn path(&self) -> &Path {
        self.dir.path()
    }
    fn build(&self, sign_key: &Path, out: &Path) -> assert_cmd::assert::Assert {
        qoltanba()
            .args(["--json", "application", "build", "--sign-key"])
            .arg(sign_key)
            .args([
                "--email",
                "testov@example.kz",
                "--locality",
                "Астана",
                "--storage",
                "file",
                "--out",
            ])
            .arg(out)
            .arg("--password-file")
            .arg(&self.current_pw)
            .arg("--new-password-file")
            .arg(&self.new_pw)
            .assert()
    }
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn build_then_verify_with_qoltanba_and_openssl() {
    let s = setup();
    let sign = make_key_file(s.path(), "sign", TestKey::Sign, -30, 335, CURRENT_PASSWORD);
    let out = s.path().join("out");
    let assert = s.build(&sign, &out).success();
    let v: serde_json::Value = serde_json::from_slice(&assert.get_output().stdout).unwrap();
    let names = files_in(&out);
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("AUTH_RSA256_") && n.ends_with(".p12")),
        "{names:?}"
    );
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("RSA256_") && n.ends_with(".p12")),
        "{names:?}"
    );
    assert_eq!(
        names.iter().filter(|n| n.ends_with(".csr")).count(),
        2,
        "{names:?}"
    );
    assert!(names.contains(&"application.p7s".to_string()));
    assert_eq!(
        v["application"].as_str().map(PathBuf::from),
        Some(out.join("application.p7s"))
    );

    // openssl checks the CMS signature and the chain to our test CA, and
    // gives back exactly the DER application.
    let p7s = out.join("application.p7s");
    let content = s.path().join("content.der");
    openssl_ok(
        s.path(),
        &[
            "cms",
            "-verify",
            "-inform",
            "DER",
            "-in",
            p7s.to_str().unwrap(),
            "-CAfile",
            "ca.pem",
            "-purpose",
            "any",
            "-out",
            content.to_str().unwrap(),
        ],
    );
    let asn1 = openssl_ok(
        s.path(),
        &[
            "asn1parse",
            "-inform",
            "DER",
            "-in",
            content.to_str().unwrap(),
        ],
    );
    assert!(
        asn1.contains(TEST_IIN),
        "the application names the applicant's IIN:\n{asn1}"
    );
    for csr in names.iter().filter(|n| n.ends_with(".csr")) {
        let out = openssl(
            s.path(),
            &[
                "req",
                "-verify",
                "-noout",
                "-in",
                out.join(csr).to_str().unwrap(),
            ],
        );
        assert!(
            out.status.success(),
            "{csr}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // The new key files open with the new password in openssl (NCA profile = legacy).
    for key in names.iter().filter(|n| n.ends_with(".p12")) {
        openssl_ok(
            s.path(),
            &[
                "pkcs12",
                "-legacy",
                "-in",
                out.join(key).to_str().unwrap(),
                "-nocerts",
                "-nodes",
                "-passin",
                &format!("pass:{NEW_PASSWORD}"),
                "-out",
                "/dev/null",
            ],
        );
    }

    let verified = qoltanba()
        .args(["--json", "application", "verify"])
        .arg(&p7s)
        .arg("--ca")
        .arg(s.path().join("ca.pem"))
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&verified.get_output().stdout).unwrap();
    assert_eq!(v["applicant"]["iin"], TEST_IIN);
    assert_eq!(v["email"], "testov@example.kz");
    assert_eq!(v["locality"], "Астана");
    assert_eq!(v["storage"], "file");
    assert_eq!(v["signature_valid"], true);
    assert_eq!(v["chain"], "trusted");
    assert_eq!(v["requests"].as_array().unwrap().len(), 2);
}

#[test]
fn tampered_application_is_rejected() {
    let s = setup();
    let sign = make_key_file(s.path(), "sign", TestKey::Sign, -30, 335, CURRENT_PASSWORD);
    let out = s.path().join("out");
    s.build(&sign, &out).success();
    let p7s = out.join("application.p7s");
    let mut bytes = std::fs::read(&p7s).unwrap();
    // Change one letter of the e-mail inside the signed content.
    let at = bytes
        .windows(7)
        .position(|w| w == b"testov@")
        .expect("e-mail is in the content");
    bytes[at] = b'x';
    std::fs::write(&p7s, &bytes).unwrap();
    qoltanba()
        .args(["application", "verify"])
        .arg(&p7s)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("digest").or(predicate::str::contains("altered")));
    let openssl = openssl(
        s.path(),
        &[
            "cms",
            "-verify",
            "-inform",
            "DER",
            "-in",
            p7s.to_str().unwrap(),
            "-noverify",
            "-out",
            "/dev/null",
        ],
    );
    assert!(
        !openssl.status.success(),
        "openssl agrees the file is tampered"
    );
}

#[test]
fn expired_not_yet_valid_and_auth_only_keys_are_refused_and_write_nothing() {
    let s = setup();
    let cases = [
        ("expired", TestKey::Sign, -400, -35, "expired"),
        ("future", TestKey::Sign, 10, 375, "not valid before"),
        ("auth", TestKey::Auth, -30, 335, "SIGN"),
    ];
    for (name, kind, from, to, reason) in cases {
        let key = make_key_file(s.path(), name, kind, from, to, CURRENT_PASSWORD);
        let out = s.path().join(format!("out-{name}"));
        let assert = s.build(&key, &out).code(1);
        let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
        assert!(stderr.contains(reason), "{name}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{name}: {stderr}");
        assert!(
            files_in(&out).is_empty(),
            "{name}: nothing is written: {:?}",
            files_in(&out)
        );
    }
}

#[test]
fn an_existing_application_is_never_overwritten() {
    let s = setup();
    let sign = make_key_file(s.path(), "sign", TestKey::Sign, -30, 335, CURRENT_PASSWORD);
    let out = s.path().join("out");
    s.build(&sign, &out).success();
    let before = files_in(&out);
    let original = std::fs::read(out.join("application.p7s")).unwrap();
    s.build(&sign, &out)
        .code(1)
        .stderr(predicate::str::contains("already"));
    assert_eq!(files_in(&out), before);
    assert_eq!(
        std::fs::read(out.join("application.p7s")).unwrap(),
        original
    );
}

#[test]
fn wrong_current_password_is_refused() {
    let s = setup();
    let sign = make_key_file(s.path(), "sign", TestKey::Sign, -30, 335, CURRENT_PASSWORD);
    let bad = write_secret(s.path(), "bad.pw", "NotTh3Password");
    qoltanba()
        .args(["application", "build", "--sign-key"])
        .arg(&sign)
        .args([
            "--email",
            "a@b.kz",
            "--locality",
            "Astana",
            "--storage",
            "file",
            "--out",
        ])
        .arg(s.path().join("out"))
        .arg("--password-file")
        .arg(&bad)
        .arg("--new-password-file")
        .arg(&s.new_pw)
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("wrong password")
                .and(predicate::str::contains("NotTh3Password").not()),
        );
}

/// The done-when of the GOST issue: NCA's own GOST 2015 key file signs a
/// renewal that asks for one new GOST key, and the application verifies,
/// chain included, under NCA's GOST test CA.
#[test]
fn the_real_nca_gost_key_file_signs_a_gost_renewal() {
    let dir = tempfile::tempdir().unwrap();
    let current_pw = write_secret(dir.path(), "current.pw", "Qwerty12");
    let new_pw = write_secret(dir.path(), "new.pw", NEW_PASSWORD);
    let out = dir.path().join("out");
    let assert = qoltanba()
        .args([
            "--json",
            "--at",
            "2024-06-01T00:00:00Z",
            "application",
            "build",
        ])
        .arg("--sign-key")
        .arg(nca("gokalkan/gost1.p12"))
        .args(["--email", "testov@example.kz", "--locality", "Астана"])
        .args(["--storage", "file", "--out"])
        .arg(&out)
        .arg("--password-file")
        .arg(&current_pw)
        .arg("--new-password-file")
        .arg(&new_pw)
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&assert.get_output().stdout).unwrap();
    assert_eq!(v["keys"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v["keys"][0]["purpose"], "both");
    let names = files_in(&out);
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("GOST512_") && n.ends_with(".p12")),
        "{names:?}"
    );

    let p7s = out.join("application.p7s");
    let verify = qoltanba()
        .args(["--json", "application", "verify"])
        .arg(&p7s)
        .arg("--ca")
        .arg(nca("ncanode/ca/nca_gost2015_test.cer"))
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&verify.get_output().stdout).unwrap();
    assert_eq!(v["signature_valid"], true, "{v}");
    assert_eq!(v["chain"], "trusted", "{v}");
    assert_eq!(v["signer"]["key_algorithm"], "GOST2015-512", "{v}");
    assert_eq!(v["requests"][0]["purpose"], "both", "{v}");
    assert_eq!(v["requests"][0]["algorithm"], "GOST2015-512", "{v}");

    // Under the RSA test CA the GOST signer is not trusted, and it says so.
    let other = qoltanba()
        .args(["--json", "application", "verify"])
        .arg(&p7s)
        .arg("--ca")
        .arg(nca("ncanode/ca/nca_rsa_test.crt"))
        .assert();
    let v: serde_json::Value = serde_json::from_slice(&other.get_output().stdout).unwrap();
    assert_ne!(v["chain"], "trusted", "{v}");

    // The same key after its certificate expired: refused, nothing written.
    let late = dir.path().join("late");
    qoltanba()
        .args(["--at", "2024-12-01T00:00:00Z", "application", "build"])
        .arg("--sign-key")
        .arg(nca("gokalkan/gost1.p12"))
        .args(["--email", "testov@example.kz", "--locality", "Астана"])
        .args(["--storage", "file", "--out"])
        .arg(&late)
        .arg("--password-file")
        .arg(&current_pw)
        .arg("--new-password-file")
        .arg(&new_pw)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("expired"));
    assert!(files_in(&late).is_empty());
}
