//! `qoltanba renew` end to end against a real `qoltanba-ra` on loopback:
//! the full renewal, a crash after every committed step then `--resume`
//! (exactly one application, the same final certificates), the server's 202
//! path with operator approval, an unreachable server, a wrong code, two
//! renewals of one key, and no secret in any output.
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

mod support;

use std::path::Path;
use std::process::{Command, Stdio};

use support::ra::*;
use support::*;

/// `qoltanba --json renew …` with a device database and the password files.
fn renew(ra: &Ra, db: &Path, extra: &[&str]) -> assert_cmd::Command {
    let mut cmd = ra.renew_command(db);
    cmd.arg("--password-file")
        .arg(ra.path("current.pw"))
        .arg("--new-password-file")
        .arg(ra.path("new.pw"))
        .args(extra);
    cmd
}

fn json(out: &std::process::Output) -> serde_json::Value {
    stdout_json(out)
}

#[test]
fn renew_pauses_for_the_code_and_resumes_to_verified_certificates() {
    let ra = Ra::start(true);
    for (seq, algorithm, expect) in [(11, "gost2015", 1), (12, "p256", 2), (13, "rsa", 2)] {
        let keys = ra.enroll(seq, algorithm);
        let db = ra.path(&format!("device-{seq}.db"));
        let new_dir = ra.path(&format!("new-{seq}"));
        let mut args = vec!["--new-keys-dir", new_dir.to_str().unwrap(), "--keys"];
        let key_args: Vec<String> = keys
            .iter()
            .map(|k| k.to_str().unwrap().to_string())
            .collect();
        args.extend(key_args.iter().map(String::as_str));
        let out = renew(&ra, &db, &args).assert().code(4).get_output().clone();
        let paused = json(&out);
        let number = paused["needs_code"].as_i64().unwrap();
        let code = ra.code(number);
        // A wrong code first: still waiting.
        let wrong = if code == "000000" { "111111" } else { "000000" };
        renew(&ra, &db, &["--resume", "--code", wrong])
            .assert()
            .code(4);
        let out = renew(&ra, &db, &["--resume", "--code", &code])
            .assert()
            .success()
            .get_output()
            .clone();
        let done = json(&out);
        let new = done["summary"]["new"].as_array().unwrap();
        assert_eq!(new.len(), expect, "{done}");
        for c in new {
            // The installed file opens with the new password and holds the
            // certificate: qoltanba keys show verifies key and certificate.
            let shown = qoltanba()
                .args(["--json", "keys", "show"])
                .arg(c["file"].as_str().unwrap())
                .env("QOLTANBA_PASSWORD", NEW)
                .assert()
                .success()
                .get_output()
                .clone();
            let shown = json(&shown);
            assert_eq!(shown["certificate"]["serial"], c["serial"], "{shown}");
        }
        // No secret in anything the CLI printed.
        for text in [
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        ] {
            for secret in [CURRENT, NEW, code.as_str()] {
                assert!(!text.contains(secret), "output holds a secret");
            }
        }
        let status = qoltanba()
            .env("QOLTANBA_DB", &db)
            .args(["--json", "status"])
            .assert()
            .success()
            .get_output()
            .clone();
        let status = json(&status);
        assert_eq!(status["latest_renewal"]["step"], "done");
    }
    assert_eq!(ra.applications(), 3);
}

#[test]
fn a_crash_after_every_step_resumes_to_one_application() {
    let ra = Ra::start(true);
    let steps = [
        "started",
        "keys_generated",
        "signed",
        "submitted",
        "confirmed",
        "issued",
        "installed",
    ];
    for (i, step) in steps.iter().enumerate() {
        let seq = 100 + i as u32;
        let keys = ra.enroll(seq, "gost2015");
        let db = ra.path(&format!("crash-{seq}.db"));
        let new_dir = ra.path(&format!("crash-new-{seq}"));
        let before = ra.applications();
        // The code is known only after submitting; the first run is told
        // a placeholder and is killed before it matters, or pauses.
        let first = renew(
            &ra,
            &db,
            &[
                "--new-keys-dir",
                new_dir.to_str().unwrap(),
                "--keys",
                keys[0].to_str().unwrap(),
            ],
        )
        .env("QOLTANBA_TEST_ABORT_AFTER", step)
        .assert()
        .get_output()
        .clone();
        // Killed (aborted) right after the commit, or paused for the code.
        assert!(
            first.status.code() != Some(0) && first.status.code() != Some(1),
            "{step}: {}",
            String::from_utf8_lossy(&first.stderr)
        );
        // Resume until done: the code when asked.
        let mut done = None;
        for _ in 0..4 {
            let number = ra.applications() - before;
            let code = if number > 0 {
                ra.code(ra.applications())
            } else {
                "000000".into()
            };
            let out = renew(&ra, &db, &["--resume", "--code", &code])
                .assert()
                .get_output()
                .clone();
            if out.status.success() {
                done = Some(json(&out));
                break;
            }
            assert_eq!(
                out.status.code(),
                Some(4),
                "{step}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let done = done.unwrap_or_else(|| panic!("{step}: never finished"));
        assert_eq!(
            ra.applications() - before,
            1,
            "{step}: exactly one application"
        );
        let files: Vec<_> = std::fs::read_dir(&new_dir).unwrap().collect();
        // One key file (and no stray one) for the GOST key.
        assert_eq!(files.len(), 1, "{step}: {files:?}");
        assert_eq!(
            done["summary"]["new"].as_array().unwrap().len(),
            1,
            "{step}"
        );
    }
}

#[test]
fn two_renewals_of_one_key_and_an_unreachable_server() {
    let ra = Ra::start(true);
    let keys = ra.enroll(300, "gost2015");
    let db = ra.path("two.db");
    let key = keys[0].to_str().unwrap();
    renew(
        &ra,
        &db,
        &[
            "--new-keys-dir",
            ra.path("two-a").to_str().unwrap(),
            "--keys",
            key,
        ],
    )
    .assert()
    .code(4);
    let second = renew(
        &ra,
        &db,
        &[
            "--new-keys-dir",
            ra.path("two-b").to_str().unwrap(),
            "--keys",
            key,
        ],
    )
    .assert()
    .code(1)
    .get_output()
    .clone();
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(err.contains("already in progress"), "{err}");

    // Nothing listens on this port.
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let out = qoltanba()
        .env("QOLTANBA_DB", ra.path("dead.db"))
        .args(["renew", "--server", &format!("https://{dead}"), "--ca-cert"])
        .arg(ra.path("ra/tls/ca.pem"))
        .arg("--password-file")
        .arg(ra.path("current.pw"))
        .arg("--new-password-file")
        .arg(ra.path("new.pw"))
        .args([
            "--new-keys-dir",
            ra.path("dead-new").to_str().unwrap(),
            "--keys",
            key,
        ])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot be reached"), "{err}");
}

#[test]
fn the_servers_202_path_waits_for_the_operator() {
    let ra = Ra::start(false);
    let keys = ra.enroll(400, "gost2015");
    let db = ra.path("wait.db");
    let out = renew(
        &ra,
        &db,
        &[
            "--new-keys-dir",
            ra.path("wait-new").to_str().unwrap(),
            "--keys",
            keys[0].to_str().unwrap(),
        ],
    )
    .assert()
    .code(4)
    .get_output()
    .clone();
    let number = json(&out)["needs_code"].as_i64().unwrap();
    let code = ra.code(number);
    // The CLI waits (202 + Retry-After) while the operator approves.
    let mut waiting = Command::new(qoltanba_binary())
        .env("QOLTANBA_LANG", "en")
        .env("QOLTANBA_DB", &db)
        .args([
            "--json",
            "renew",
            "--resume",
            "--code",
            &code,
            "--password-file",
        ])
        .arg(ra.path("current.pw"))
        .arg("--new-password-file")
        .arg(ra.path("new.pw"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_secs(3));
    assert!(
        waiting.try_wait().unwrap().is_none(),
        "the renewal should be waiting"
    );
    run_ra(&[
        "applications",
        "approve",
        &number.to_string(),
        "--dir",
        ra.path("ra").to_str().unwrap(),
        "--passphrase-file",
        ra.path("pass").to_str().unwrap(),
    ]);
    let out = waiting.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let done: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(done["done"], true);
}

#[test]
fn revoke_from_the_cli() {
    let ra = Ra::start(true);
    let keys = ra.enroll(500, "gost2015");
    let shown = qoltanba()
        .args(["--json", "keys", "show"])
        .arg(&keys[0])
        .env("QOLTANBA_PASSWORD", CURRENT)
        .assert()
        .success()
        .get_output()
        .clone();
    let serial = json(&shown)["certificate"]["serial"]
        .as_str()
        .unwrap()
        .to_string();
    let revoke = || {
        let mut cmd = qoltanba();
        cmd.env("QOLTANBA_DB", ra.path("revoke.db"))
            .args(["--json", "revoke", "--server", &ra.url, "--ca-cert"])
            .arg(ra.path("ra/tls/ca.pem"))
            .arg("--key")
            .arg(&keys[0])
            .arg("--password-file")
            .arg(ra.path("current.pw"))
            .args(["--serial", &serial, "--reason", "superseded"]);
        cmd
    };
    let out = revoke().assert().success().get_output().clone();
    let v = json(&out);
    assert_eq!(v["serial"], serial.as_str());
    assert_eq!(v["reason"], "superseded");
    // Revoked: the key can no longer even log in to ask again.
    let out = revoke().assert().code(1).get_output().clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("revoked"), "{err}");
}

#[test]
fn a_rejected_application_ends_the_renewal_clearly() {
    let ra = Ra::start(false);
    let keys = ra.enroll(600, "gost2015");
    let db = ra.path("reject.db");
    let out = renew(
        &ra,
        &db,
        &[
            "--new-keys-dir",
            ra.path("reject-new").to_str().unwrap(),
            "--keys",
            keys[0].to_str().unwrap(),
        ],
    )
    .assert()
    .code(4)
    .get_output()
    .clone();
    let number = json(&out)["needs_code"].as_i64().unwrap();
    let code = ra.code(number);
    let waiting = Command::new(qoltanba_binary())
        .env("QOLTANBA_LANG", "en")
        .env("QOLTANBA_DB", &db)
        .args(["renew", "--resume", "--code", &code, "--password-file"])
        .arg(ra.path("current.pw"))
        .arg("--new-password-file")
        .arg(ra.path("new.pw"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_secs(3));
    run_ra(&[
        "applications",
        "reject",
        &number.to_string(),
        "--reason",
        "the photo does not match",
        "--dir",
        ra.path("ra").to_str().unwrap(),
    ]);
    let out = waiting.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("rejected") && err.contains("without new certificates"),
        "{err}"
    );
    // The renewal is over; the key may be renewed again.
    let status = qoltanba()
        .env("QOLTANBA_DB", &db)
        .args(["--json", "status"])
        .assert()
        .success()
        .get_output()
        .clone();
    assert_eq!(json(&status)["latest_renewal"]["step"], "failed");
    renew(
        &ra,
        &db,
        &[
            "--new-keys-dir",
            ra.path("reject-again").to_str().unwrap(),
            "--keys",
            keys[0].to_str().unwrap(),
        ],
    )
    .assert()
    .code(4);
}

/// The texts of the SMS the fake gateway was sent for application `number`,
/// in order, waiting (at most 20 s) until there are `count`.
fn codes_sent(
    gateway: &qoltanba_testkit::http_fake::HttpFake,
    number: i64,
    count: usize,
) -> Vec<String> {
    let prefix = format!("qoltanba: application {number}, code ");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let codes: Vec<String> = gateway
            .requests()
            .iter()
            .filter_map(|r| Some(r.json()["text"].as_str()?.strip_prefix(&prefix)?.to_owned()))
            .collect();
        if codes.len() >= count {
            return codes;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{count} SMS for application {number} expected, the gateway got {codes:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

/// Issue 21: the SMS gateway answered 500 once, the client's idempotent
/// retry got the same application back, no code was ever sent, and the
/// CLI said it was. Now the RA retries the SMS by itself, the CLI says the
/// code is pending, `--resend-code` asks for a new one (rate limited), and
/// the renewal finishes with the code that arrived last.
#[test]
fn a_failed_sms_is_retried_and_the_cli_says_whether_the_code_was_sent() {
    let gateway = qoltanba_testkit::http_fake::HttpFake::start().unwrap();
    gateway.fail_next(1, 500);
    let sms_url = format!("{}/sms", gateway.url());
    let ra = Ra::start_with(true, |config| {
        let mut config = config
            .replace("first_retry_seconds = 5", "first_retry_seconds = 1")
            .replace("code_resends_per_hour = 3", "code_resends_per_hour = 1");
        config.push_str(&format!("\n[senders.sms]\nurl = \"{sms_url}\"\n"));
        config
    });
    let keys = ra.enroll(21, "p256");
    let db = ra.path("device-21.db");
    let new_dir = ra.path("new-21");

    // In words first (not --json): what the citizen reads.
    let out = qoltanba()
        .env("QOLTANBA_DB", &db)
        .args(["renew", "--confirm", "--server", &ra.url, "--ca-cert"])
        .arg(ra.path("ra/tls/ca.pem"))
        .arg("--password-file")
        .arg(ra.path("current.pw"))
        .arg("--new-password-file")
        .arg(ra.path("new.pw"))
        .arg("--new-keys-dir")
        .arg(&new_dir)
        .arg("--keys")
        .args(&keys)
        .assert()
        .code(4)
        .get_output()
        .clone();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("is not sent yet"), "{said}");
    assert!(!said.contains("sent to your phone"), "{said}");
    assert!(said.contains("--resend-code"), "{said}");
    let numbers = ra.applications_of(&iin(21));
    assert_eq!(numbers.len(), 1, "one application");
    let number = numbers[0];

    // The RA sends the code again by itself; the status now says sent.
    codes_sent(&gateway, number, 2);
    let out = renew(&ra, &db, &["--resume"])
        .assert()
        .code(4)
        .get_output()
        .clone();
    let paused = json(&out);
    assert_eq!(paused["needs_code"], number);
    assert_eq!(paused["code_delivery"]["state"], "sent", "{paused}");
    assert_eq!(paused["code_delivery"]["attempts"], 2, "{paused}");

    // The citizen asks for a new code: it is sent, the earlier one is void,
    // and asking once more within the hour is refused.
    let out = renew(&ra, &db, &["--resume", "--resend-code"])
        .assert()
        .code(4)
        .get_output()
        .clone();
    assert_eq!(json(&out)["code_delivery"]["state"], "sent");
    let codes = codes_sent(&gateway, number, 3).split_off(1);
    let out = renew(&ra, &db, &["--resume", "--resend-code"])
        .assert()
        .failure()
        .get_output()
        .clone();
    assert_ne!(out.status.code(), Some(4));
    let refused = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(refused.contains("too many"), "{refused}");
    renew(&ra, &db, &["--resume", "--code", &codes[0]])
        .assert()
        .code(4);
    let out = renew(&ra, &db, &["--resume", "--code", &codes[1]])
        .assert()
        .success()
        .get_output()
        .clone();
    assert_eq!(json(&out)["summary"]["application"], number);
    assert_eq!(ra.applications(), 1);
}
