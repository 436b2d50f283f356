//! `qoltanba cabinet …` end to end against a real `qoltanba-ra` on
//! loopback: the review before signing, the keys with status and actions,
//! the RA's applications and certificates, the lost-password advice,
//! revocation (and its refusal twice), contact settings, and documents
//! signed with a key file that openssl and the cabinet verify.
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

mod support;

use std::path::{Path, PathBuf};

use support::ra::*;
use support::*;

fn cabinet(db: &Path, args: &[&str]) -> assert_cmd::Command {
    let mut cmd = qoltanba();
    cmd.env("QOLTANBA_DB", db)
        .arg("--json")
        .arg("cabinet")
        .args(args);
    cmd
}

fn ok_json(cmd: &mut assert_cmd::Command) -> serde_json::Value {
    stdout_json(&cmd.assert().success().get_output().clone())
}

/// Renew the key files `keys` of a citizen on `db` to the end; the summary.
fn renew_to_the_end(ra: &Ra, db: &Path, keys: &[PathBuf], new_dir: &Path) -> serde_json::Value {
    let mut args = vec![
        "--password-file".to_owned(),
        ra.path("current.pw").display().to_string(),
        "--new-password-file".to_owned(),
        ra.path("new.pw").display().to_string(),
        "--new-keys-dir".to_owned(),
        new_dir.display().to_string(),
        "--keys".to_owned(),
    ];
    args.extend(keys.iter().map(|k| k.display().to_string()));
    let out = ra
        .renew_command(db)
        .args(&args)
        .assert()
        .code(4)
        .get_output()
        .clone();
    let number = stdout_json(&out)["needs_code"].as_i64().unwrap();
    let code = ra.code(number);
    let out = ra
        .renew_command(db)
        .args(["--resume", "--code", &code])
        .args(&args[..6])
        .assert()
        .success()
        .get_output()
        .clone();
    stdout_json(&out)["summary"].clone()
}

#[test]
fn the_review_comes_before_anything_is_signed() {
    let ra = Ra::start(true);
    let keys = ra.enroll(31, "p256");
    let db = ra.path("review.db");
    let before = ra.applications();
    // Without --yes and without a terminal the renewal pauses at its review.
    let out = qoltanba()
        .env("QOLTANBA_DB", &db)
        .args(["--json", "renew", "--server", &ra.url, "--ca-cert"])
        .arg(ra.path("ra/tls/ca.pem"))
        .arg("--password-file")
        .arg(ra.path("current.pw"))
        .arg("--new-password-file")
        .arg(ra.path("new.pw"))
        .arg("--new-keys-dir")
        .arg(ra.path("review-new"))
        .arg("--keys")
        .args(&keys)
        // No terminal: the question is not asked, the renewal pauses.
        .write_stdin("")
        .assert()
        .code(5)
        .get_output()
        .clone();
    let paused = stdout_json(&out);
    let review = &paused["needs_review"];
    assert_eq!(review["storage"], "file", "{paused}");
    assert_eq!(
        review["validity_days"], 365,
        "key files get one year: {paused}"
    );
    assert_eq!(review["iin"], iin(31));
    assert!(
        review["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w == "unprotected_storage"),
        "{paused}"
    );
    // Nothing reached the RA, and no key was made.
    assert_eq!(ra.applications(), before);
    assert!(!ra.path("review-new").exists());
    // Confirming continues to the code.
    ra.renew_command(&db)
        .args(["--resume"])
        .arg("--password-file")
        .arg(ra.path("current.pw"))
        .arg("--new-password-file")
        .arg(ra.path("new.pw"))
        .assert()
        .code(4);
    assert_eq!(ra.applications(), before + 1);
}

#[test]
fn a_citizens_cabinet_from_the_cli() {
    let ra = Ra::start(true);
    let keys = ra.enroll(32, "p256");
    let db = ra.path("cabinet.db");
    let summary = renew_to_the_end(&ra, &db, &keys, &ra.path("new-32"));
    let new: Vec<&serde_json::Value> = summary["new"].as_array().unwrap().iter().collect();
    assert_eq!(new.len(), 2, "{summary}");
    let file_of = |purpose: &str| -> String {
        new.iter().find(|c| c["purpose"] == purpose).unwrap()["file"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (auth_file, sign_file) = (file_of("auth"), file_of("sign"));
    let new_pw = ra.path("new.pw");
    let login = |extra: &[&str]| -> Vec<String> {
        let mut v = vec![
            "--key".to_owned(),
            auth_file.clone(),
            "--password-file".to_owned(),
            new_pw.display().to_string(),
        ];
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };

    // Keys: the new ones valid with their actions, the old ones replaced.
    let listed = ok_json(&mut cabinet(&db, &["keys"]));
    let keys_now = listed["keys"].as_array().unwrap();
    assert_eq!(keys_now.len(), 4, "{listed}");
    let sign_key = keys_now
        .iter()
        .find(|k| k["purpose"] == "sign" && k["status"]["status"] == "valid")
        .unwrap_or_else(|| panic!("{listed}"));
    let actions: Vec<&str> = sign_key["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["renew", "sign_document", "revoke", "change_password"]
    );
    assert_eq!(
        keys_now
            .iter()
            .filter(|k| k["status"]["status"] == "replaced")
            .count(),
        2,
        "{listed}"
    );

    // The RA's view: the one application, issued, nothing to do.
    let apps = ok_json(cabinet(&db, &["applications"]).args(login(&[])));
    let apps = apps["applications"].as_array().unwrap();
    assert_eq!(apps.len(), 1);
    assert_eq!(apps[0]["state"], "issued");
    assert_eq!(apps[0]["next_step"], "nothing");
    let certs = ok_json(cabinet(&db, &["certificates"]).args(login(&[])));
    let certs = certs["certificates"].as_array().unwrap();
    assert_eq!(certs.len(), 4, "old and new");
    assert!(certs.iter().all(|c| c["on_this_device"] == true));

    // Contact settings: an e-mail and SMS off; a bad e-mail is refused.
    let profile = ok_json(cabinet(&db, &["profile"]).args(login(&[
        "--contact-email",
        "citizen@example.kz",
        "--sms",
        "off",
    ])));
    assert_eq!(profile["contact_email"], "citizen@example.kz", "{profile}");
    assert_eq!(profile["notifications"]["sms"], false);
    assert_eq!(profile["notifications"]["email"], true);
    cabinet(&db, &["profile"])
        .args(login(&["--contact-email", "not an e-mail"]))
        .assert()
        .failure();

    // A document, attached and detached: the cabinet and openssl agree.
    let doc = ra.path("contract.txt");
    std::fs::write(&doc, "I agree.\n".repeat(50)).unwrap();
    for (detached, out) in [(false, "contract.p7s"), (true, "contract.sig")] {
        let mut cmd = cabinet(&db, &["sign", "--key", &sign_file, "--password-file"]);
        cmd.arg(&new_pw)
            .arg("--in")
            .arg(&doc)
            .arg("--out")
            .arg(ra.path(out));
        if detached {
            cmd.arg("--detached");
        }
        cmd.assert().success();
        let mut verify = cabinet(&db, &["verify", "--in"]);
        verify.arg(ra.path(out));
        if detached {
            verify.arg("--content").arg(&doc);
        }
        let check = ok_json(&mut verify);
        assert_eq!(check["signer_iin"], iin(32));
        assert_eq!(check["certificate_valid_then"], true);
        let mut args = vec![
            "cms",
            "-verify",
            "-binary",
            "-noverify",
            "-inform",
            "DER",
            "-in",
            out,
            "-out",
            "out.txt",
        ];
        if detached {
            args.extend(["-content", "contract.txt"]);
        }
        openssl_ok(ra.dir.path(), &args);
        assert_eq!(
            std::fs::read(ra.path("out.txt")).unwrap(),
            std::fs::read(&doc).unwrap()
        );
    }
    // A changed document fails the detached check.
    std::fs::write(ra.path("contract-changed.txt"), "I disagree.\n").unwrap();
    cabinet(&db, &["verify", "--in"])
        .arg(ra.path("contract.sig"))
        .arg("--content")
        .arg(ra.path("contract-changed.txt"))
        .assert()
        .failure();
    // The AUTH key signs no documents.
    cabinet(&db, &["sign", "--key", &auth_file, "--password-file"])
        .arg(&new_pw)
        .arg("--in")
        .arg(&doc)
        .arg("--out")
        .arg(ra.path("auth.p7s"))
        .assert()
        .failure();

    // Lost the SIGN file's password: not recoverable; the AUTH file can revoke it.
    let sign_serial = sign_key["serial"].as_str().unwrap().to_owned();
    let advice = ok_json(&mut cabinet(
        &db,
        &["lost-password", "--serial", &sign_serial],
    ));
    assert_eq!(advice["recoverable"], false);
    assert_eq!(advice["visit_service_centre"], false);
    assert_eq!(
        advice["can_revoke_with"].as_array().unwrap().len(),
        1,
        "{advice}"
    );

    // Revoke it with the AUTH key: the RA and the device say revoked.
    let revoked = ok_json(cabinet(&db, &["revoke"]).args(login(&[
        "--serial",
        &sign_serial,
        "--reason",
        "keyCompromise",
    ])));
    assert_eq!(revoked["serial"], sign_serial.as_str());
    let certs = ok_json(cabinet(&db, &["certificates"]).args(login(&[])));
    let status = certs["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["serial"] == sign_serial.as_str())
        .unwrap()["status"]
        .clone();
    assert_eq!(status, "revoked");
    let listed = ok_json(&mut cabinet(&db, &["keys"]));
    let after = listed["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["serial"] == sign_serial.as_str())
        .unwrap()
        .clone();
    assert_eq!(after["status"]["status"], "revoked");
    assert_eq!(after["actions"].as_array().unwrap().len(), 0);
    // Twice is refused, and so is an unknown reason.
    let again = cabinet(&db, &["revoke"])
        .args(login(&["--serial", &sign_serial]))
        .assert()
        .failure()
        .get_output()
        .clone();
    assert!(!String::from_utf8_lossy(&again.stderr).is_empty());
    cabinet(&db, &["revoke"])
        .args(login(&[
            "--serial",
            &sign_serial,
            "--reason",
            "cACompromise",
        ]))
        .assert()
        .code(2);
    // No password in anything printed.
    let text = String::from_utf8_lossy(&again.stderr).to_string();
    assert!(!text.contains(NEW) && !text.contains(CURRENT));
}
