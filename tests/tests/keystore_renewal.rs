//! `qoltanba renew --keystore DIR`: the new keys go into the desktop
//! keystore (sealed keys in a directory) instead of key files, and the next
//! renewal starts from them; GOST keys too (sealed, as phones keep them).
//! A sealed key that was tampered with stops the renewal before anything
//! is submitted.
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

mod support;

use std::path::Path;

use support::ra::*;
use support::*;

/// One RA for both tests (starting one makes its CAs: most of the time).
fn shared_ra() -> &'static Ra {
    static RA: std::sync::OnceLock<Ra> = std::sync::OnceLock::new();
    RA.get_or_init(|| Ra::start(true))
}

fn renew(ra: &Ra, db: &Path, keystore: &Path, extra: &[&str]) -> assert_cmd::Command {
    let mut cmd = ra.renew_command(db);
    cmd.arg("--password-file")
        .arg(ra.path("current.pw"))
        .arg("--keystore")
        .arg(keystore)
        .args(extra);
    cmd
}

fn json(out: &std::process::Output) -> serde_json::Value {
    stdout_json(out)
}

/// Start a renewal of `keys`, give the code, and return the summary's new certificates.
fn renew_to_done(ra: &Ra, db: &Path, keystore: &Path, keys: &[String]) -> Vec<serde_json::Value> {
    let mut args = vec!["--keys"];
    args.extend(keys.iter().map(String::as_str));
    let out = renew(ra, db, keystore, &args)
        .assert()
        .code(4)
        .get_output()
        .clone();
    let number = json(&out)["needs_code"].as_i64().unwrap();
    let code = ra.code(number);
    // The renewal remembers its keystore: the resume does not name it.
    let out = ra
        .renew_command(db)
        .arg("--password-file")
        .arg(ra.path("current.pw"))
        .args(["--resume", "--code", &code])
        .assert()
        .success()
        .get_output()
        .clone();
    json(&out)["summary"]["new"].as_array().unwrap().clone()
}

/// The certificate bound to `alias` in the keystore directory, base64 DER.
fn bound_certificate(keystore: &Path, alias: &str) -> Option<String> {
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(keystore.join(format!("{alias}.json"))).unwrap())
            .unwrap();
    meta["certificate"].as_str().map(str::to_string)
}

#[test]
fn renewals_into_the_desktop_keystore_and_from_it() {
    let ra = shared_ra();
    for (seq, algorithm, expect) in [(41, "p256", 2), (42, "gost2015", 1)] {
        let files: Vec<String> = ra
            .enroll(seq, algorithm)
            .iter()
            .map(|k| k.to_str().unwrap().to_string())
            .collect();
        let db = ra.path(&format!("device-{seq}.db"));
        let keystore = ra.path(&format!("keystore-{seq}"));

        // From key files into the keystore.
        let first = renew_to_done(ra, &db, &keystore, &files);
        assert_eq!(first.len(), expect, "{first:?}");
        let mut aliases = Vec::new();
        for c in &first {
            let alias = c["file"].as_str().unwrap().to_string();
            assert!(alias.starts_with("qoltanba-"), "{alias}");
            assert!(keystore.join(format!("{alias}.sealed")).is_file());
            assert!(
                bound_certificate(&keystore, &alias).is_some(),
                "{alias} has its certificate"
            );
            aliases.push(format!("keystore:{alias}"));
        }
        let status = qoltanba()
            .env("QOLTANBA_DB", &db)
            .args(["--json", "status"])
            .assert()
            .success()
            .get_output()
            .clone();
        let locations: Vec<String> = json(&status)["certificates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["location"].as_str().unwrap().to_string())
            .collect();
        for alias in &aliases {
            assert!(locations.contains(alias), "{alias} in {locations:?}");
        }
        // No new key file was written anywhere.
        assert!(!ra.path("new-keys").exists());

        // The next renewal starts from the keys in the keystore.
        let second = renew_to_done(ra, &db, &keystore, &aliases);
        assert_eq!(second.len(), expect);
        for (old, new) in first.iter().zip(&second) {
            assert_ne!(old["serial"], new["serial"]);
            assert_ne!(old["file"], new["file"]);
        }
    }
}

#[test]
fn a_tampered_sealed_key_stops_the_renewal_before_submitting() {
    let ra = shared_ra();
    let files: Vec<String> = ra
        .enroll(43, "p256")
        .iter()
        .map(|k| k.to_str().unwrap().to_string())
        .collect();
    let db = ra.path("device.db");
    let keystore = ra.path("keystore");
    let first = renew_to_done(ra, &db, &keystore, &files);
    let before = ra.applications_of(&iin(43)).len();
    // Flip a bit of the sealed SIGN key.
    let sign = first
        .iter()
        .find(|c| c["purpose"] == "sign")
        .expect("a SIGN key");
    let alias = sign["file"].as_str().unwrap();
    let sealed = keystore.join(format!("{alias}.sealed"));
    let mut bytes = std::fs::read(&sealed).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    std::fs::write(&sealed, bytes).unwrap();

    let keys: Vec<String> = first
        .iter()
        .map(|c| format!("keystore:{}", c["file"].as_str().unwrap()))
        .collect();
    let mut args = vec!["--keys"];
    args.extend(keys.iter().map(String::as_str));
    let out = renew(ra, &db, &keystore, &args)
        .assert()
        .failure()
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("damaged or was altered"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
    assert_eq!(
        ra.applications_of(&iin(43)).len(),
        before,
        "nothing submitted"
    );
}
