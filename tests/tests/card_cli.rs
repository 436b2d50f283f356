//! `qoltanba card …` and `qoltanba renew` with the keys on a simulator card,
//! against a real `qoltanba-ra` on loopback. The card is personalised the
//! way a service centre would (`qoltanba-ra enroll --card-simulator`: keys
//! generated on the card sign their own CSRs), then used as the citizen
//! would: info, PIN management, signing, and a whole renewal whose new keys
//! are generated on the card and whose certificates are written back.
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

mod support;

use std::path::{Path, PathBuf};

use qoltanba_card_sim::{KzSlots, SimCard, SimConfig};
use support::ra::*;
use support::*;

const CAN: &str = "739182";
const PIN: &str = "482713";
/// The kz-idcard takes 4 digits.
const KZ_PIN: &str = "4827";
const NEW_PIN: &str = "592604";
const PUK: &str = "91736455";

/// One RA for the whole file (its home, CAs and server take seconds to
/// make); each test enrols its own citizen and card. The server stops when
/// the test process ends (it watches its stdin).
fn shared_ra() -> &'static Ra {
    static RA: std::sync::OnceLock<Ra> = std::sync::OnceLock::new();
    RA.get_or_init(|| Ra::start(true))
}

struct CardFiles {
    card: PathBuf,
    can: PathBuf,
    pin: PathBuf,
    puk: PathBuf,
}

fn reference_card(dir: &Path, name: &str) -> CardFiles {
    let card = dir.join(format!("{name}.json"));
    SimCard::create(Some(&card), SimConfig::reference(CAN, PIN, PUK)).unwrap();
    CardFiles {
        card,
        can: write_secret(dir, &format!("{name}.can"), CAN),
        pin: write_secret(dir, &format!("{name}.pin"), PIN),
        puk: write_secret(dir, &format!("{name}.puk"), PUK),
    }
}

fn kz_card(dir: &Path, name: &str) -> CardFiles {
    let card = dir.join(format!("{name}.json"));
    SimCard::create(Some(&card), SimConfig::kz(KzSlots::Four, KZ_PIN)).unwrap();
    CardFiles {
        card,
        can: dir.join("no-can"),
        pin: write_secret(dir, &format!("{name}.pin"), KZ_PIN),
        puk: dir.join("no-puk"),
    }
}

/// `qoltanba --json card --simulator CARD --can-file CAN …`.
fn card(files: &CardFiles, args: &[&str]) -> assert_cmd::Command {
    let mut cmd = qoltanba();
    // The device store next to the card (it remembers card certificates).
    cmd.env("QOLTANBA_DB", files.card.with_extension("db"))
        .env_remove("QOLTANBA_CAN")
        .env_remove("QOLTANBA_PIN")
        .args(["--json", "card", "--simulator"])
        .arg(&files.card);
    if files.can.exists() {
        cmd.arg("--can-file").arg(&files.can);
    }
    cmd.args(args);
    cmd
}

/// `card sign` of `doc` into `out` with the card's PIN.
fn sign(files: &CardFiles, doc: &Path, out: &Path) -> assert_cmd::Command {
    let mut cmd = card(files, &["--pin-file", files.pin.to_str().unwrap(), "sign"]);
    cmd.arg("--in").arg(doc).arg("--out").arg(out);
    cmd
}

fn json(out: &std::process::Output) -> serde_json::Value {
    stdout_json(out)
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Slot → (roles, certificate serial) from `card info --json`.
/// `qoltanba card info` of the simulator card, as JSON.
fn card_info(files: &CardFiles) -> serde_json::Value {
    json(
        &card(files, &["info"])
            .assert()
            .success()
            .get_output()
            .clone(),
    )
}

fn slots(info: &serde_json::Value) -> Vec<(String, Vec<String>, Option<String>)> {
    info["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["slot"].as_str().unwrap().to_string(),
                s["roles"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r.as_str().unwrap().to_string())
                    .collect(),
                s["certificate"]["serial"].as_str().map(str::to_string),
            )
        })
        .collect()
}

/// One line on stderr naming the missing secret, the flag and the variable
/// that give it.
fn assert_names_secret(out: &std::process::Output, secret: &str, flag: &str, variable: &str) {
    let said = stderr(out);
    assert!(
        said.contains(secret) && said.contains(flag) && said.contains(variable),
        "{said}"
    );
    assert_eq!(said.trim().lines().count(), 1, "{said}");
}

fn no_secret(out: &std::process::Output) {
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    for secret in [CAN, PIN, NEW_PIN, PUK] {
        assert!(!all.contains(secret), "a secret reached the output: {all}");
    }
}

#[test]
fn card_commands_on_a_personalised_reference_card() {
    let ra = shared_ra();
    let files = reference_card(ra.dir.path(), "card");
    let enrolled = ra.enroll_card(1, &files.card, Some(&files.can), &files.pin, "p256");
    let serials: Vec<String> = enrolled["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["serial"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(serials.len(), 2);

    // info: the profile, and the AUTH and SIGN keys with their certificates.
    let out = card(&files, &["info"])
        .assert()
        .success()
        .get_output()
        .clone();
    no_secret(&out);
    let info = json(&out);
    assert_eq!(info["profile"], "qoltanba-ref-1");
    assert_eq!(info["pin"]["state"], "tries_left");
    let s = slots(&info);
    assert_eq!(
        s[0],
        ("81".into(), vec!["auth".into()], Some(serials[0].clone()))
    );
    assert_eq!(
        s[1],
        ("82".into(), vec!["sign".into()], Some(serials[1].clone()))
    );
    assert_eq!(s[2].2, None);

    // A wrong PIN: exit 1, one line, the tries left, never the PIN.
    let wrong = write_secret(ra.dir.path(), "wrong.pin", "000000");
    let out = card(
        &files,
        &["--pin-file", wrong.to_str().unwrap(), "verify-pin"],
    )
    .assert()
    .code(1)
    .get_output()
    .clone();
    assert!(stderr(&out).contains("2 tries left"), "{}", stderr(&out));
    assert_eq!(stderr(&out).trim().lines().count(), 1);
    no_secret(&out);
    card(
        &files,
        &["--pin-file", files.pin.to_str().unwrap(), "verify-pin"],
    )
    .assert()
    .success();

    // Sign a document with the SIGN key; qoltanba and openssl both verify it.
    let doc = ra.path("doc.txt");
    std::fs::write(&doc, "Заявление / application").unwrap();
    let p7s = ra.path("doc.p7s");
    let out = sign(&files, &doc, &p7s)
        .assert()
        .success()
        .get_output()
        .clone();
    assert_eq!(json(&out)["slot"], "82");
    let verified = qoltanba()
        .args(["--json", "message", "verify"])
        .arg(&p7s)
        .assert()
        .success()
        .get_output()
        .clone();
    assert_eq!(json(&verified)["content"], "Заявление / application");
    let content = openssl_ok(
        ra.dir.path(),
        &[
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-noverify",
            "-in",
            "doc.p7s",
        ],
    );
    assert_eq!(content, "Заявление / application");
    // --out is never overwritten.
    sign(&files, &doc, &p7s).assert().code(2);

    // read-certs writes exactly the certificates the RA issued.
    let certs_dir = ra.path("read-certs");
    card(
        &files,
        &["read-certs", "--out", certs_dir.to_str().unwrap()],
    )
    .assert()
    .success();
    for (slot, serial) in [("81", &serials[0]), ("82", &serials[1])] {
        let der = std::fs::read(certs_dir.join(format!("slot-{slot}.cer"))).unwrap();
        let cert = qoltanba_pki::cert::KzCertificate::from_der(&der).unwrap();
        assert_eq!(&cert.serial_hex(), serial);
    }

    // change-pin, then the old PIN is wrong and the new one right.
    let new_pin = write_secret(ra.dir.path(), "new.pin", NEW_PIN);
    card(
        &files,
        &[
            "--pin-file",
            files.pin.to_str().unwrap(),
            "change-pin",
            "--new-pin-file",
            new_pin.to_str().unwrap(),
        ],
    )
    .assert()
    .success();
    card(
        &files,
        &["--pin-file", files.pin.to_str().unwrap(), "verify-pin"],
    )
    .assert()
    .code(1);
    card(
        &files,
        &["--pin-file", new_pin.to_str().unwrap(), "verify-pin"],
    )
    .assert()
    .success();

    // Down to blocked (a warning before the last try), then the PUK.
    for expected in ["2 tries left", "1 try left", "blocked"] {
        let out = card(
            &files,
            &["--pin-file", wrong.to_str().unwrap(), "verify-pin"],
        )
        .assert()
        .code(1)
        .get_output()
        .clone();
        assert!(stderr(&out).contains(expected), "{}", stderr(&out));
        if expected == "1 try left" {
            assert!(stderr(&out).contains("blocks the card"), "{}", stderr(&out));
        }
    }
    let out = card(
        &files,
        &["--pin-file", new_pin.to_str().unwrap(), "verify-pin"],
    )
    .assert()
    .code(1)
    .get_output()
    .clone();
    assert!(stderr(&out).contains("PUK"), "{}", stderr(&out));
    let out = card(
        &files,
        &[
            "unblock-pin",
            "--puk-file",
            files.puk.to_str().unwrap(),
            "--new-pin-file",
            files.pin.to_str().unwrap(),
        ],
    )
    .assert()
    .success()
    .get_output()
    .clone();
    no_secret(&out);
    card(
        &files,
        &["--pin-file", files.pin.to_str().unwrap(), "verify-pin"],
    )
    .assert()
    .success();

    // A wrong CAN stops at PACE; no CAN at all is a usage error.
    let wrong_can = write_secret(ra.dir.path(), "wrong.can", "111111");
    let out = qoltanba()
        .args(["card", "--simulator"])
        .arg(&files.card)
        .arg("--can-file")
        .arg(&wrong_can)
        .arg("info")
        .assert()
        .code(1)
        .get_output()
        .clone();
    assert!(stderr(&out).contains("wrong CAN"), "{}", stderr(&out));
    qoltanba()
        .env_remove("QOLTANBA_CAN")
        .args(["card", "--simulator"])
        .arg(&files.card)
        .arg("info")
        .assert()
        .code(2);
}

/// `qoltanba --json renew` with the keys on the simulator card.
fn renew_card(ra: &Ra, db: &Path, files: &CardFiles, extra: &[&str]) -> assert_cmd::Command {
    let mut cmd = ra.renew_command(db);
    cmd.arg("--card-simulator")
        .arg(&files.card)
        .arg("--pin-file")
        .arg(&files.pin)
        .args(extra);
    if files.can.exists() {
        cmd.arg("--can-file").arg(&files.can);
    }
    cmd
}

#[test]
fn renewal_on_the_reference_card_survives_a_crash_after_every_step() {
    let ra = shared_ra();
    let files = reference_card(ra.dir.path(), "renew");
    let enrolled = ra.enroll_card(2, &files.card, Some(&files.can), &files.pin, "p256");
    let old: Vec<String> = enrolled["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["serial"].as_str().unwrap().to_string())
        .collect();
    let db = ra.path("device.db");
    // Other tests share the RA: count this citizen's applications only.
    let iin = iin(2);

    // Killed right after each commit in turn; each run resumes the last.
    let steps = [
        "started",
        "keys_generated",
        "signed",
        "submitted",
        "confirmed",
        "issued",
        "installed",
    ];
    let mut started = false;
    for step in steps {
        let mut args = vec![];
        if started {
            args.push("--resume");
        }
        let code = match ra.applications_of(&iin).last() {
            Some(number) => ra.code(*number),
            None => "000000".into(),
        };
        args.extend(["--code", &code]);
        let out = renew_card(ra, &db, &files, &args)
            .env("QOLTANBA_TEST_ABORT_AFTER", step)
            .assert()
            .get_output()
            .clone();
        started = true;
        no_secret(&out);
        assert!(
            out.status.code() != Some(0) && out.status.code() != Some(1),
            "{step}: {}",
            stderr(&out)
        );
        // Until ACTIVATE, the old keys stay current on the card.
        if step != "installed" {
            let info = card_info(&files);
            let s = slots(&info);
            assert_eq!(s[0].1, vec!["auth".to_string()], "{step}");
            assert_eq!(s[1].1, vec!["sign".to_string()], "{step}");
        }
    }
    let code = ra.code(*ra.applications_of(&iin).last().unwrap());
    let out = renew_card(ra, &db, &files, &["--resume", "--code", &code])
        .assert()
        .success()
        .get_output()
        .clone();
    let done = json(&out);
    assert_eq!(ra.applications_of(&iin).len(), 1, "exactly one application");
    let new: Vec<(String, String)> = done["summary"]["new"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["file"].as_str().unwrap().to_string(),
                c["serial"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(new.len(), 2);
    // The seed's rule: the card is a protected medium, so 3 years. The RA
    // backs the application's id-card claim with its signer, a certificate
    // it issued to this card at enrolment (recorded as id-card).
    for (serial, storage, days) in [
        (&old[0], "id-card", 365),
        (&old[1], "id-card", 365),
        (&new[0].1, "id-card", 1095),
        (&new[1].1, "id-card", 1095),
    ] {
        assert_eq!(
            ra.certificate_storage_and_days(serial),
            (Some(storage.to_string()), days),
            "certificate {serial}"
        );
    }

    // The card: the new keys are current in the slots the renewal used,
    // with exactly the issued certificates; the old ones keep theirs.
    let info = card_info(&files);
    let s = slots(&info);
    assert_eq!(s[0], ("81".into(), vec![], Some(old[0].clone())));
    assert_eq!(s[1], ("82".into(), vec![], Some(old[1].clone())));
    assert_eq!(
        s[2],
        ("83".into(), vec!["auth".into()], Some(new[0].1.clone()))
    );
    assert_eq!(
        s[3],
        ("84".into(), vec!["sign".into()], Some(new[1].1.clone()))
    );
    assert_eq!(new[0].0, "slot-83-auth");

    // And the new SIGN key signs.
    let doc = ra.path("after.txt");
    std::fs::write(&doc, "after renewal").unwrap();
    let p7s = ra.path("after.p7s");
    let out = sign(&files, &doc, &p7s)
        .assert()
        .success()
        .get_output()
        .clone();
    assert_eq!(json(&out)["slot"], "84");
}

#[test]
fn renewal_on_the_kz_idcard_asks_before_generating_and_exports_the_certificates() {
    let ra = shared_ra();
    let files = kz_card(ra.dir.path(), "kz");
    let enrolled = ra.enroll_card(3, &files.card, None, &files.pin, "rsa");
    let certs: Vec<PathBuf> = enrolled["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| PathBuf::from(k["file"].as_str().unwrap()))
        .collect();
    assert_eq!(certs.len(), 2);
    let cert_args: Vec<String> = certs
        .iter()
        .flat_map(|c| ["--card-cert".to_string(), c.to_str().unwrap().to_string()])
        .collect();
    let mut args: Vec<&str> = cert_args.iter().map(String::as_str).collect();
    let new_dir = ra.path("kz-new");
    args.extend(["--new-keys-dir", new_dir.to_str().unwrap()]);
    // The same device store as `card()` uses.
    let db = files.card.with_extension("db");

    // Without a yes, GENERATE (which erases a slot) does not happen.
    let out = renew_card(ra, &db, &files, &args)
        .assert()
        .code(1)
        .get_output()
        .clone();
    assert!(stderr(&out).contains("not confirmed"), "{}", stderr(&out));
    let mut info_args = vec!["info"];
    for c in &certs {
        info_args.extend(["--cert", c.to_str().unwrap()]);
    }
    let info = json(
        &card(&files, &info_args)
            .assert()
            .success()
            .get_output()
            .clone(),
    );
    let s = slots(&info);
    assert_eq!(s[2].0, "89");
    assert!(
        info["slots"][2]["algorithm"].is_null(),
        "slot 89 untouched: {info}"
    );

    // With --yes: the new keys go into the free slots 89 and 8A.
    let mut resume = args.clone();
    resume.extend(["--resume", "--yes"]);
    let out = renew_card(ra, &db, &files, &resume)
        .assert()
        .code(4)
        .get_output()
        .clone();
    let number = json(&out)["needs_code"].as_i64().unwrap();
    let code = ra.code(number);
    let mut finish = args.clone();
    finish.extend(["--resume", "--code", &code]);
    let out = renew_card(ra, &db, &files, &finish)
        .assert()
        .success()
        .get_output()
        .clone();
    no_secret(&out);
    assert!(!stderr(&out).contains(KZ_PIN));
    let done = json(&out);
    let locations: Vec<&str> = done["summary"]["new"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["file"].as_str().unwrap())
        .collect();
    assert_eq!(locations, ["slot-89-auth", "slot-8a-sign"]);
    let exported = [
        new_dir.join("card-slot-89-auth.cer"),
        new_dir.join("card-slot-8a-sign.cer"),
    ];
    // The exported certificates match the card's new keys.
    let mut info_args = vec!["info"];
    for e in &exported {
        assert!(e.exists(), "{}", e.display());
        info_args.extend(["--cert", e.to_str().unwrap()]);
    }
    let info = json(
        &card(&files, &info_args)
            .assert()
            .success()
            .get_output()
            .clone(),
    );
    let s = slots(&info);
    assert_eq!(s[2].1, vec!["auth".to_string()]);
    assert_eq!(s[3].1, vec!["sign".to_string()]);
    assert!(s[2].2.is_some() && s[3].2.is_some());

    // The device remembers the installed card certificates: without any
    // --cert, `card info` matches the new keys from the store.
    let info = card_info(&files);
    let s = slots(&info);
    assert_eq!(s[2].1, vec!["auth".to_string()]);
    assert_eq!(s[3].1, vec!["sign".to_string()]);
    assert_eq!(
        s[0].1,
        Vec::<String>::new(),
        "replaced certificates are not current"
    );
}

#[test]
fn a_malformed_puk_is_refused_before_pace() {
    let ra = shared_ra();
    let files = reference_card(ra.dir.path(), "bad-puk");
    let short_puk = write_secret(ra.dir.path(), "bad-puk.short-puk", "1234");
    let new_pin = write_secret(ra.dir.path(), "bad-puk.new-pin", NEW_PIN);
    // A wrong CAN: had PACE run, it would have said so.
    let wrong_can = write_secret(ra.dir.path(), "bad-puk.wrong-can", "111111");
    let out = qoltanba()
        .env_remove("QOLTANBA_CAN")
        .args(["card", "--simulator"])
        .arg(&files.card)
        .arg("--can-file")
        .arg(&wrong_can)
        .args(["unblock-pin", "--puk-file"])
        .arg(&short_puk)
        .arg("--new-pin-file")
        .arg(&new_pin)
        .assert()
        .code(1)
        .get_output()
        .clone();
    let said = stderr(&out);
    assert!(
        said.contains("PUK must have 8 digits") && said.contains("enter it again"),
        "{said}"
    );
    assert!(!said.contains("CAN"), "no PACE was tried: {said}");
    assert!(!said.contains("1234"), "{said}");
    // The card's counters are untouched.
    let info = card_info(&files);
    assert_eq!(info["puk_tries"], 10, "{info}");
    assert_eq!(info["pin_tries"], 3, "{info}");
}

#[test]
fn a_blocked_pin_is_refused_by_the_cli_without_sending_it() {
    let ra = shared_ra();
    let files = reference_card(ra.dir.path(), "blocked");
    let wrong = write_secret(ra.dir.path(), "blocked.wrong", "000000");
    for _ in 0..3 {
        card(
            &files,
            &["--pin-file", wrong.to_str().unwrap(), "verify-pin"],
        )
        .assert()
        .code(1);
    }
    let out = card(
        &files,
        &["--pin-file", files.pin.to_str().unwrap(), "verify-pin"],
    )
    .assert()
    .code(1)
    .get_output()
    .clone();
    assert!(
        stderr(&out).contains("the PIN is blocked; unblock it with the PUK"),
        "{}",
        stderr(&out)
    );
    no_secret(&out);
}

/// `qoltanba --json renew --resume --code CODE` and nothing else: the
/// device store remembers the RA, the renewal where its card is; the CAN
/// and the PIN are asked for.
fn resume_with_code(db: &Path, code: &str) -> assert_cmd::Command {
    let mut cmd = qoltanba();
    cmd.env("QOLTANBA_DB", db)
        .env_remove("QOLTANBA_CAN")
        .env_remove("QOLTANBA_PIN")
        .args(["--json", "renew", "--resume", "--code", code]);
    cmd
}

#[test]
fn a_card_renewal_paused_for_its_code_resumes_with_the_code_alone() {
    let ra = shared_ra();
    let files = reference_card(ra.dir.path(), "paused");
    ra.enroll_card(4, &files.card, Some(&files.can), &files.pin, "p256");
    let db = ra.path("paused.db");
    let out = renew_card(ra, &db, &files, &[])
        .assert()
        .code(4)
        .get_output()
        .clone();
    let number = json(&out)["needs_code"].as_i64().unwrap();
    let code = ra.code(number);

    // Nothing given: the CAN is named, with its flag and variable.
    let out = resume_with_code(&db, &code)
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert_names_secret(&out, "the card's CAN", "--can-file", "QOLTANBA_CAN");
    // The CAN but no PIN: the PIN is named.
    let out = resume_with_code(&db, &code)
        .env("QOLTANBA_CAN", CAN)
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert_names_secret(&out, "the card's PIN", "--pin-file", "QOLTANBA_PIN");
    no_secret(&out);
    // Another home than the renewal's is refused, naming the card.
    let out = resume_with_code(&db, &code)
        .arg("--keystore")
        .arg(ra.path("paused-keystore"))
        .assert()
        .code(1)
        .get_output()
        .clone();
    assert!(
        stderr(&out).contains("keeps its keys elsewhere: the ID card"),
        "{}",
        stderr(&out)
    );

    // Both given (from the environment): the renewal finishes on the card.
    let out = resume_with_code(&db, &code)
        .env("QOLTANBA_CAN", CAN)
        .env("QOLTANBA_PIN", PIN)
        .assert()
        .success()
        .get_output()
        .clone();
    no_secret(&out);
    let done = json(&out);
    assert_eq!(done["summary"]["new"].as_array().map(Vec::len), Some(2));
    let info = card_info(&files);
    let s = slots(&info);
    assert_eq!(s[2].1, vec!["auth".to_string()], "{info}");
    assert_eq!(s[3].1, vec!["sign".to_string()], "{info}");
}
