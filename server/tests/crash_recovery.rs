//! What a killed RA leaves between confirmation and issuance moves on
//! (issue 21): an application left `approved` (an RA that died between its
//! approval and its issuance, when they were two transactions) is issued
//! when the citizen follows it, when the RA starts, or by the operator's
//! `applications approve`; `applications reject` can end it instead. The
//! kill -9 campaign itself is tests/tests/ra_crash.rs.
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

mod support;

use std::process::Command;

use qoltanba_pki::cert::Purpose;
use qoltanba_pki::crypto::{KeySpec, Signer, generate};
use qoltanba_pki::reissue::{ApplicationDetails, StorageKind, build_application};
use qoltanba_pki::signed_message::sign_message;
use serde_json::json;
use support::*;
use time::OffsetDateTime;

/// Citizen `seq` logs in, submits a GOST application and confirms it with
/// its code: the application's number (confirmed, waiting for the
/// operator) and the session token.
fn confirmed_application(s: &Server, seq: u32) -> (i64, String) {
    let files = s.enroll(&iin(seq), "gost2015", &[]);
    let (key, cert) = open_key(&files[0]);
    let (_, c) = s.json("POST", "/v1/auth/challenge", None, None);
    let now = OffsetDateTime::now_utc();
    let signed = sign_message(c["nonce"].as_str().unwrap().as_bytes(), &key, &cert, now).unwrap();
    let (status, _, body) = s.request("POST", "/v1/auth/login", None, &[], Some(&signed));
    assert_eq!(status, 200);
    let token = serde_json::from_slice::<serde_json::Value>(&body).unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let new = generate(KeySpec::Gost512).unwrap();
    let requests: [(Purpose, &dyn Signer); 1] = [(Purpose::Both, &new)];
    let details = ApplicationDetails {
        email: "t@example.kz".into(),
        locality: "Алматы".into(),
        storage: StorageKind::File,
    };
    let p7s = build_application(&cert, &key, &requests, &details, now)
        .unwrap()
        .p7s_der;
    let (status, _, body) = s.request("POST", "/v1/applications", Some(&token), &[], Some(&p7s));
    assert_eq!(status, 202);
    let number = serde_json::from_slice::<serde_json::Value>(&body).unwrap()["number"]
        .as_i64()
        .unwrap();
    let (status, _, body) = s.request(
        "POST",
        &format!("/v1/applications/{number}/confirm"),
        Some(&token),
        &[("content-type", "application/json")],
        Some(json!({ "code": s.last_code() }).to_string().as_bytes()),
    );
    assert_eq!(status, 202, "{}", String::from_utf8_lossy(&body));
    (number, token)
}

/// What the RA that died between approval and issuance left: the
/// approval and its audit row, nothing issued.
fn leave_approved(s: &Server, number: i64) {
    let conn = s.db().conn();
    conn.execute(
        "UPDATE applications SET state = 'approved' WHERE id = ?1",
        [number],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO audit (at, actor, action, subject) VALUES (0, 'operator', 'approve', ?1)",
        [number.to_string()],
    )
    .unwrap();
}

/// The application's state, its certificates and its audit actions.
fn record(s: &Server, number: i64) -> (String, i64, Vec<String>) {
    let conn = s.db().conn();
    let state = conn
        .query_row(
            "SELECT state FROM applications WHERE id = ?1",
            [number],
            |r| r.get(0),
        )
        .unwrap();
    let certificates = conn
        .query_row(
            "SELECT COUNT(*) FROM certificates WHERE application_id = ?1",
            [number],
            |r| r.get(0),
        )
        .unwrap();
    let mut stmt = conn
        .prepare("SELECT action FROM audit WHERE subject = ?1 ORDER BY id")
        .unwrap();
    let actions = stmt
        .query_map([number.to_string()], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    (state, certificates, actions)
}

fn issued(actions: &[&str]) -> (String, i64, Vec<String>) {
    (
        "issued".into(),
        1,
        actions.iter().map(|a| a.to_string()).collect(),
    )
}

#[test]
fn an_application_left_approved_is_issued_by_a_look_a_start_or_the_operator() {
    let s = Server::start(|config| {
        *config = config.replace("auto_approve = true", "auto_approve = false");
    });
    let home = s.home();
    let home = home.to_str().unwrap();
    let pass = s.passphrase_file();
    let pass = pass.to_str().unwrap();
    let audit = ["submit", "confirm", "approve", "issue"];

    // The citizen's renewal follows it: the next look issues it (before,
    // "waiting for issuance" without end).
    let (followed, token) = confirmed_application(&s, 801);
    leave_approved(&s, followed);
    let (status, _, body) = s.request(
        "GET",
        &format!("/v1/applications/{followed}/certificates"),
        Some(&token),
        &[],
        None,
    );
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(record(&s, followed), issued(&audit));

    // The operator: `approve` finishes it (before, it refused: "the
    // application is approved, so this cannot be done now"), and says so.
    let (by_operator, _) = confirmed_application(&s, 802);
    leave_approved(&s, by_operator);
    let printed = ra(&[
        "applications",
        "approve",
        &by_operator.to_string(),
        "--dir",
        home,
        "--passphrase-file",
        pass,
    ]);
    assert!(printed.contains("was approved but not issued"), "{printed}");
    assert_eq!(record(&s, by_operator), issued(&audit));
    // A second approve of an issued application is refused, and says why.
    let out = Command::new(env!("CARGO_BIN_EXE_qoltanba-ra"))
        .args(["applications", "approve", &by_operator.to_string()])
        .args(["--dir", home, "--passphrase-file", pass])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("the application is issued"), "{err}");

    // ... or rejects it instead (before, refused too).
    let (rejected, _) = confirmed_application(&s, 803);
    leave_approved(&s, rejected);
    ra(&[
        "applications",
        "reject",
        &rejected.to_string(),
        "--reason",
        "documents",
        "--dir",
        home,
    ]);
    let (state, certificates, _) = record(&s, rejected);
    assert_eq!((state.as_str(), certificates), ("rejected", 0));

    // The next start of the RA issues what is left approved before it
    // answers anything (a second server on the same home, another port).
    let (at_start, _) = confirmed_application(&s, 804);
    leave_approved(&s, at_start);
    let (mut second, _) = qoltanba_testkit::ra_process::serve(
        std::path::Path::new(env!("CARGO_BIN_EXE_qoltanba-ra")),
        &s.home(),
        &s.passphrase_file(),
        |serve| {
            serve.args(["--listen", "127.0.0.1:0"]);
        },
    );
    let _ = second.kill();
    let _ = second.wait();
    assert_eq!(record(&s, at_start), issued(&audit));
}

#[test]
fn two_processes_approving_at_once_issue_once() {
    let s = Server::start(|config| {
        *config = config.replace("auto_approve = true", "auto_approve = false");
    });
    let (number, _) = confirmed_application(&s, 805);
    // Two operators (two connections, as two processes have) at once.
    let approvals: Vec<_> = std::thread::scope(|scope| {
        let approvers: Vec<_> = (0..2)
            .map(|_| {
                scope.spawn(|| {
                    let home = qoltanba_ra::home::Home::open(&s.home()).unwrap();
                    let cas = home
                        .unlock_cas(&qoltanba_pki::keyfile::Password::new(PASSPHRASE))
                        .unwrap();
                    qoltanba_ra::registry::approve(
                        &home.db,
                        &cas,
                        &home.config.public_url,
                        &home.config.policy,
                        number,
                        "operator",
                        OffsetDateTime::now_utc(),
                    )
                })
            })
            .collect();
        approvers.into_iter().map(|a| a.join().unwrap()).collect()
    });
    let won = approvals.iter().filter(|a| a.is_ok()).count();
    assert_eq!(won, 1, "{approvals:?}");
    let lost = approvals.iter().find_map(|a| a.as_ref().err()).unwrap();
    assert_eq!(
        lost.to_string(),
        "the application is issued, so this cannot be done now"
    );
    assert_eq!(
        record(&s, number),
        issued(&["submit", "confirm", "approve", "issue"])
    );
}
