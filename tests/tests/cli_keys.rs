//! `qoltanba keys …` and `qoltanba cert` as a user runs them.
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

mod support;

use predicates::prelude::*;
use support::*;

#[test]
fn keys_show_the_real_nca_gost_file() {
    let dir = tempfile::tempdir().unwrap();
    let pw = write_secret(dir.path(), "pw", NCA_TEST_PASSWORD);
    let out = qoltanba()
        .args(["--at", "2024-06-01T00:00:00Z", "keys", "show"])
        .arg(nca("gokalkan/gost1.p12"))
        .arg("--password-file")
        .arg(&pw)
        .assert()
        .success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    for expected in [
        "ТЕСТОВ ТЕСТ ТЕСТОВИЧ",
        "123456789011 (not a valid IIN",
        "AUTH+SIGN",
        "GOST2015-512",
        "2023-11-09 10:18:40 UTC .. 2024-11-08 10:18:40 UTC (valid, 160 days left)",
        "(GOST) TEST 2022",
        "individual",
        "nca",
    ] {
        assert!(
            stdout.contains(expected),
            "missing {expected:?} in:\n{stdout}"
        );
    }
}

#[test]
fn keys_show_json_and_password_from_environment() {
    let out = qoltanba()
        .env("QOLTANBA_PASSWORD", NCA_TEST_PASSWORD)
        .args(["--json", "--at", "2024-11-10T00:00:00Z", "keys", "show"])
        .arg(nca("gokalkan/gost2.p12"))
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v["certificate"]["status"], "expired");
    assert_eq!(v["certificate"]["purpose"], "both");
    assert_eq!(v["certificate"]["iin_valid"], false);
    assert_eq!(v["certificate"]["key_algorithm"], "GOST2015-512");
    assert_eq!(v["file"]["profile"], "nca");
}

#[test]
fn wrong_password_is_one_line_and_never_echoes_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let secret = "Wr0ngSecretPassw0rd";
    let pw = write_secret(dir.path(), "pw", secret);
    let out = qoltanba()
        .args(["keys", "show"])
        .arg(nca("gokalkan/gost1.p12"))
        .arg("--password-file")
        .arg(&pw)
        .assert()
        .code(1)
        .stdout(predicate::str::is_empty());
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("wrong password"), "{stderr}");
    assert!(!stderr.contains(secret));
}

#[test]
fn no_password_source_without_a_terminal_is_a_usage_error() {
    qoltanba()
        .args(["keys", "show"])
        .arg(nca("gokalkan/gost1.p12"))
        .write_stdin("")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--password-file"));
}

#[test]
fn broken_key_files_are_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    let real = std::fs::read(nca("gokalkan/gost1.p12")).unwrap();
    let cases: [(&str, Vec<u8>); 3] = [
        ("empty.p12", Vec::new()),
        ("truncated.p12", real[..real.len() / 2].to_vec()),
        (
            "random.p12",
            (0..1500u32)
                .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
                .collect(),
        ),
    ];
    for (name, bytes) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let out = qoltanba()
            .env("QOLTANBA_PASSWORD", NCA_TEST_PASSWORD)
            .args(["keys", "show"])
            .arg(&path)
            .assert()
            .code(1);
        let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{name}: {stderr}");
    }
    qoltanba()
        .env("QOLTANBA_PASSWORD", NCA_TEST_PASSWORD)
        .args(["keys", "show"])
        .arg(dir.path().join("missing.p12"))
        .assert()
        .code(3);
}

#[test]
fn cert_show_prints_a_certificate_file() {
    qoltanba()
        .args(["--at", "2022-06-01T00:00:00Z", "cert"])
        .arg(nca("ncanode/certs/individual_valid_sign_2004_rsa_auth.cer"))
        .assert()
        .success()
        .stdout(predicate::str::contains("AUTH").and(predicate::str::contains("RSA-2048")));
}

#[test]
fn change_password_round_trip_and_weak_password_named() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gost1.p12");
    std::fs::copy(nca("gokalkan/gost1.p12"), &file).unwrap();
    let old = write_secret(dir.path(), "old", NCA_TEST_PASSWORD);
    let weak = write_secret(dir.path(), "weak", "alllowercase1");
    let before = std::fs::read(&file).unwrap();
    qoltanba()
        .args(["keys", "change-password"])
        .arg(&file)
        .arg("--password-file")
        .arg(&old)
        .arg("--new-password-file")
        .arg(&weak)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("capital letter"));
    assert_eq!(
        std::fs::read(&file).unwrap(),
        before,
        "a refused change leaves the file as it was"
    );

    let new = write_secret(dir.path(), "new", "N3wPassword");
    qoltanba()
        .args(["keys", "change-password"])
        .arg(&file)
        .arg("--password-file")
        .arg(&old)
        .arg("--new-password-file")
        .arg(&new)
        .assert()
        .success();
    qoltanba()
        .args(["keys", "show"])
        .arg(&file)
        .arg("--password-file")
        .arg(&new)
        .assert()
        .success();
    qoltanba()
        .args(["keys", "show"])
        .arg(&file)
        .arg("--password-file")
        .arg(&old)
        .assert()
        .code(1);
    // Still readable by openssl in the legacy (NCA) profile.
    openssl_ok(
        dir.path(),
        &[
            "pkcs12",
            "-legacy",
            "-in",
            file.to_str().unwrap(),
            "-info",
            "-noout",
            "-passin",
            "pass:N3wPassword",
        ],
    );
}

#[test]
fn keys_new_writes_an_nca_named_file_and_a_csr_openssl_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let new = write_secret(dir.path(), "new", "N3wPassword");
    let out_dir = dir.path().join("out");
    let out = qoltanba()
        .args([
            "--json",
            "keys",
            "new",
            "--algorithm",
            "p256",
            "--purpose",
            "sign",
            "--subject-from",
        ])
        .arg(nca("gokalkan/gost1.cer"))
        .arg("--out")
        .arg(&out_dir)
        .arg("--new-password-file")
        .arg(&new)
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let key_file = v["key_file"].as_str().unwrap();
    let csr = v["csr"].as_str().unwrap();
    let name = std::path::Path::new(key_file)
        .file_name()
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        name.starts_with("ECDSA256_")
            && name.ends_with(".p12")
            && name.len() == "ECDSA256_".len() + 40 + 4,
        "{name}"
    );
    let verified = openssl(dir.path(), &["req", "-verify", "-noout", "-in", csr]);
    assert!(
        verified.status.success(),
        "{}",
        String::from_utf8_lossy(&verified.stderr)
    );
    let subject = openssl_ok(
        dir.path(),
        &[
            "req",
            "-in",
            csr,
            "-noout",
            "-subject",
            "-nameopt",
            "RFC2253,utf8,-esc_msb",
        ],
    );
    assert!(
        subject.contains("SERIALNUMBER=IIN123456789011")
            || subject.contains("serialNumber=IIN123456789011"),
        "{subject}"
    );
    // The key-only file opens with openssl.
    openssl_ok(
        dir.path(),
        &[
            "pkcs12",
            "-legacy",
            "-in",
            key_file,
            "-nocerts",
            "-nodes",
            "-passin",
            "pass:N3wPassword",
            "-out",
            "/dev/null",
        ],
    );
}

#[test]
fn keys_new_makes_a_gost512_key_for_both_purposes() {
    let dir = tempfile::tempdir().unwrap();
    let new = write_secret(dir.path(), "new", "N3wPassword");
    let out_dir = dir.path().join("out");
    let out = qoltanba()
        .args(["--json", "keys", "new", "--algorithm", "gost512"])
        .args(["--purpose", "both", "--subject-from"])
        .arg(nca("gokalkan/gost1.cer"))
        .arg("--out")
        .arg(&out_dir)
        .arg("--new-password-file")
        .arg(&new)
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v["algorithm"], "gost512");
    let key_file = std::path::PathBuf::from(v["key_file"].as_str().unwrap());
    let name = key_file.file_name().unwrap().to_str().unwrap();
    assert!(
        name.starts_with("GOST512_") && name.len() == "GOST512_".len() + 40 + 4,
        "{name}"
    );
    // The request is signed with the Kazakh GOST 2015 signature OID and
    // carries the GOST key (openssl parses it, it cannot verify GOST).
    let csr = v["csr"].as_str().unwrap();
    let asn1 = openssl_ok(dir.path(), &["asn1parse", "-in", csr]);
    assert!(asn1.contains("1.2.398.3.10.1.1.2.3.2"), "{asn1}");
    assert!(asn1.contains("1.2.398.3.10.1.1.2.2.1"), "{asn1}");
    // The key-only file is a valid NCA-profile container.
    openssl_ok(
        dir.path(),
        &[
            "pkcs12",
            "-legacy",
            "-info",
            "-noout",
            "-in",
            key_file.to_str().unwrap(),
            "-passin",
            "pass:N3wPassword",
        ],
    );
}

#[test]
fn message_sign_and_verify_with_the_real_gost_key() {
    let dir = tempfile::tempdir().unwrap();
    let pw = write_secret(dir.path(), "pw", "Qwerty12");
    std::fs::write(dir.path().join("nonce"), "challenge-42").unwrap();
    let signed = dir.path().join("login.p7s");
    qoltanba()
        .args(["--at", "2024-06-01T00:00:00Z", "message", "sign", "--key"])
        .arg(nca("gokalkan/gost1.p12"))
        .arg("--in")
        .arg(dir.path().join("nonce"))
        .arg("--out")
        .arg(&signed)
        .arg("--password-file")
        .arg(&pw)
        .assert()
        .success();
    // The signer is named once its certificate chains to the issuing CA.
    let out = qoltanba()
        .args([
            "--json",
            "--at",
            "2024-06-01T00:00:00Z",
            "message",
            "verify",
        ])
        .arg(&signed)
        .arg("--trust")
        .arg(nca("ncanode/ca/nca_gost2015_test.cer"))
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v["content"], "challenge-42");
    assert_eq!(v["signer"]["key_algorithm"], "GOST2015-512");
    // Never overwritten.
    qoltanba()
        .args(["message", "sign", "--key"])
        .arg(nca("gokalkan/gost1.p12"))
        .arg("--in")
        .arg(dir.path().join("nonce"))
        .arg("--out")
        .arg(&signed)
        .arg("--password-file")
        .arg(&pw)
        .assert()
        .code(1);
}
