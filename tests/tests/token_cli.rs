//! `qoltanba keys --token` and `qoltanba renew --token` against SoftHSM2, a
//! real PKCS#11 token (testkit's `softhsm`: this test runs again in a child
//! process whose SOFTHSM2_CONF names a fresh token), renewing against the
//! embedded reference RA on loopback.
#![allow(clippy::unwrap_used)] // a test: a failed unwrap is a failed run

mod support;

use qoltanba_pki::crypto::KeySpec;
use qoltanba_testkit::citizen;
use qoltanba_testkit::embedded::EmbeddedRa;
use qoltanba_testkit::softhsm;
use support::*;

#[test]
fn the_cli_lists_a_token_and_renews_on_it() {
    let Some(hsm) = softhsm::fresh_token() else {
        return;
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ra = EmbeddedRa::start(&dir.path().join("ra"), &runtime).unwrap();
    let old = hsm.enroll(&ra, &citizen::iin(601), KeySpec::Rsa2048, 20);
    let pin = dir.path().join("pin");
    std::fs::write(&pin, format!("{}\n", softhsm::USER_PIN)).unwrap();
    let wrong = dir.path().join("wrong-pin");
    std::fs::write(&wrong, "12345678\n").unwrap();
    let root = dir.path().join("root.cer");
    std::fs::write(&root, &ra.root_der).unwrap();
    let db = dir.path().join("device.db");
    let module = hsm.module.to_str().unwrap().to_string();
    let cli = || {
        let mut cmd = qoltanba();
        cmd.env("SOFTHSM2_CONF", &hsm.conf)
            .env("QOLTANBA_DB", &db)
            .env_remove("QOLTANBA_TOKEN_PIN");
        cmd
    };
    let list = || {
        let out = cli()
            .args([
                "--json",
                "keys",
                "--token",
                &module,
                "--token-label",
                softhsm::LABEL,
            ])
            .arg("--pin-file")
            .arg(&pin)
            .assert()
            .success()
            .get_output()
            .clone();
        stdout_json(&out)
    };

    // The citizen's keys and certificates on the token.
    let before = list();
    assert_eq!(before["token"]["label"], softhsm::LABEL);
    let keys = before["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2, "{before}");
    for fixture in &old {
        let key = keys
            .iter()
            .find(|k| k["id"] == hex::encode(&fixture.id))
            .unwrap();
        assert_eq!(key["algorithm"], "RSA-2048");
        assert_eq!(
            key["certificate"]["serial"],
            fixture.certificate.serial_hex()
        );
        assert_eq!(key["certificate"]["purpose"], fixture.purpose.token());
    }

    // A wrong PIN: one line, the factory PINs as the hint, exit code 1.
    let out = cli()
        .args(["keys", "--token", &module])
        .arg("--pin-file")
        .arg(&wrong)
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("PIN is wrong"), "{stderr}");
    assert!(stderr.contains("12345678 for Kaztoken"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");

    // The renewal: without a terminal it pauses for the code (exit 4).
    let out = cli()
        .args([
            "--json",
            "renew",
            "--confirm",
            "--server",
            &ra.base_url,
            "--ca-cert",
        ])
        .arg(&root)
        .args(["--token", &module, "--pin-file"])
        .arg(&pin)
        .assert()
        .code(4)
        .get_output()
        .clone();
    let number = stdout_json(&out)["needs_code"].as_i64().unwrap();
    let code = ra.code_for(number).unwrap();
    // The renewal remembers its token (module and label): resuming asks
    // only for the PIN, named with its flag and variable.
    let out = cli()
        .args(["renew", "--resume", "--code", &code])
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("the token's PIN is needed")
            && stderr.contains("--pin-file")
            && stderr.contains("QOLTANBA_TOKEN_PIN"),
        "{stderr}"
    );
    let out = cli()
        .args(["--json", "renew", "--resume", "--code", &code])
        .arg("--pin-file")
        .arg(&pin)
        .assert()
        .success()
        .get_output()
        .clone();
    let summary = stdout_json(&out)["summary"].clone();
    let new = summary["new"].as_array().unwrap();
    assert_eq!(new.len(), 2, "{summary}");

    // The new keys and their certificates are on the token, the keys never
    // extractable; the old ones are still there.
    let after = list();
    let keys = after["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 4, "{after}");
    let serial = after["token"]["serial"].as_str().unwrap();
    for n in new {
        let location = format!("token:{}", n["file"].as_str().unwrap());
        assert!(
            location.starts_with(&format!("token:{serial}/")),
            "{location}"
        );
        let key = keys.iter().find(|k| k["location"] == location).unwrap();
        assert_eq!(key["extractable"], false);
        assert_eq!(key["certificate"]["serial"], n["serial"]);
        assert_eq!(key["certificate"]["purpose"], n["purpose"]);
    }

    // The device's store: old certificates replaced, new ones on the token.
    let status = cli()
        .args(["--json", "status"])
        .assert()
        .success()
        .get_output()
        .clone();
    let certificates = stdout_json(&status)["certificates"].clone();
    for c in certificates.as_array().unwrap() {
        let is_old = old
            .iter()
            .any(|o| c["serial"] == o.certificate.serial_hex());
        assert_eq!(c["replaced"], is_old, "{c}");
        assert!(c["location"].as_str().unwrap().starts_with("token:"), "{c}");
    }

    // A document signed with the token's SIGN key through the cabinet;
    // the cabinet and openssl verify it.
    let doc = dir.path().join("doc.txt");
    std::fs::write(&doc, "signed on a token\n").unwrap();
    let signed = dir.path().join("doc.p7s");
    cli()
        .args([
            "--json",
            "cabinet",
            "sign",
            "--token",
            &module,
            "--pin-file",
        ])
        .arg(&pin)
        .arg("--in")
        .arg(&doc)
        .arg("--out")
        .arg(&signed)
        .assert()
        .success();
    let out = cli()
        .args(["--json", "cabinet", "verify", "--in"])
        .arg(&signed)
        .assert()
        .success()
        .get_output()
        .clone();
    let check = stdout_json(&out);
    assert_eq!(check["signer_iin"], citizen::iin(601), "{check}");
    let out = openssl_ok(
        dir.path(),
        &[
            "cms",
            "-verify",
            "-binary",
            "-noverify",
            "-inform",
            "DER",
            "-in",
            "doc.p7s",
        ],
    );
    assert!(out.contains("signed on a token"), "{out}");
    // A wrong PIN is refused with its hint, and nothing is written.
    let out = cli()
        .args(["cabinet", "sign", "--token", &module, "--pin-file"])
        .arg(&wrong)
        .arg("--in")
        .arg(&doc)
        .arg("--out")
        .arg(dir.path().join("never.p7s"))
        .assert()
        .failure()
        .get_output()
        .clone();
    assert!(String::from_utf8_lossy(&out.stderr).contains("12345678 for Kaztoken"));
    assert!(!dir.path().join("never.p7s").exists());
}
