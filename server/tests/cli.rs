//! The operator's command line: init, enroll, serve refusals, operator
//! approval, the outbox.
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

fn ra_fails(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_qoltanba-ra"))
        .args(args)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "qoltanba-ra {args:?} should fail"
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn operator_approval_outbox_and_refusals() {
    let s = Server::start(|config| {
        *config = config.replace("auto_approve = true", "auto_approve = false");
    });
    let home = s.home();
    let home = home.to_str().unwrap();
    let pass = s.passphrase_file();
    let pass = pass.to_str().unwrap();

    // A second init into the same home, a wrong passphrase, a bad IIN.
    let err = ra_fails(&["init", "--dir", home, "--passphrase-file", pass]);
    assert!(err.contains("already holds a server"), "{err}");
    let wrong = s.dir.path().join("wrong");
    std::fs::write(&wrong, "Wr0ngPassword").unwrap();
    let err = ra_fails(&[
        "serve",
        "--dir",
        home,
        "--passphrase-file",
        wrong.to_str().unwrap(),
    ]);
    assert!(err.contains("passphrase is wrong"), "{err}");
    let pw = s.dir.path().join("pw");
    std::fs::write(&pw, CITIZEN_PASSWORD).unwrap();
    let err = ra_fails(&[
        "enroll",
        "--dir",
        home,
        "--iin",
        "123456789011",
        "--surname",
        "A",
        "--name",
        "B",
        "--password-file",
        pw.to_str().unwrap(),
        "--out",
        "/tmp/never",
        "--passphrase-file",
        pass,
    ]);
    assert!(err.contains("not a valid IIN"), "{err}");
    let err = ra_fails(&[
        "serve",
        "--dir",
        "/nonexistent/qoltanba-ra",
        "--passphrase-file",
        pass,
    ]);
    assert!(err.contains("run `qoltanba-ra init"), "{err}");

    // A GOST citizen confirms; the application waits for the operator.
    let iin = iin(707);
    let files = s.enroll(&iin, "gost2015", &[]);
    let (key, cert) = open_key(&files[0]);
    let (_, c) = s.json("POST", "/v1/auth/challenge", None, None);
    let signed = sign_message(
        c["nonce"].as_str().unwrap().as_bytes(),
        &key,
        &cert,
        OffsetDateTime::now_utc(),
    )
    .unwrap();
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
    let p7s = build_application(&cert, &key, &requests, &details, OffsetDateTime::now_utc())
        .unwrap()
        .p7s_der;
    let (status, _, body) = s.request("POST", "/v1/applications", Some(&token), &[], Some(&p7s));
    assert_eq!(status, 202);
    let number = serde_json::from_slice::<serde_json::Value>(&body).unwrap()["number"]
        .as_i64()
        .unwrap();

    // The outbox shows the SMS (and only the outbox knows the code).
    let outbox: serde_json::Value =
        serde_json::from_str(&ra(&["outbox", "--dir", home, "--json"])).unwrap();
    let sms = outbox
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["channel"] == "sms")
        .unwrap();
    assert!(
        sms["body"]
            .as_str()
            .unwrap()
            .contains(&format!("application {number}"))
    );

    let code = s.last_code();
    let (status, headers, body) = s.request(
        "POST",
        &format!("/v1/applications/{number}/confirm"),
        Some(&token),
        &[("content-type", "application/json")],
        Some(json!({ "code": code }).to_string().as_bytes()),
    );
    assert_eq!(status, 202, "{}", String::from_utf8_lossy(&body));
    assert!(headers.iter().any(|(k, v)| k == "retry-after" && v == "5"));
    let (status, body) = s.json(
        "GET",
        &format!("/v1/applications/{number}"),
        Some(&token),
        None,
    );
    assert_eq!((status, body["state"].as_str()), (202, Some("confirmed")));
    let (status, _) = s.json(
        "GET",
        &format!("/v1/applications/{number}/certificates"),
        Some(&token),
        None,
    );
    assert_eq!(status, 202);

    let listed = ra(&["applications", "list", "--dir", home]);
    assert!(
        listed.contains(&format!("{number}\t{iin}\tconfirmed")),
        "{listed}"
    );
    // The key came without an attestation (a key file): recorded as none.
    assert!(
        listed
            .lines()
            .any(|l| l.starts_with(&format!("{number}\t")) && l.ends_with("\tboth:none")),
        "{listed}"
    );
    let approved = ra(&[
        "applications",
        "approve",
        &number.to_string(),
        "--dir",
        home,
        "--passphrase-file",
        pass,
    ]);
    assert!(approved.contains("approved"), "{approved}");
    let err = ra_fails(&[
        "applications",
        "approve",
        &number.to_string(),
        "--dir",
        home,
        "--passphrase-file",
        pass,
    ]);
    assert!(err.contains("issued"), "{err}");
    let (status, body) = s.json(
        "GET",
        &format!("/v1/applications/{number}/certificates"),
        Some(&token),
        None,
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["certificates"][0]["purpose"], "both");

    // Nothing secret reached the server's log, at debug level.
    let log = s.log();
    assert!(log.contains("INFO") || log.contains("DEBUG") || log.is_empty());
    for secret in [code.as_str(), token.as_str(), PASSPHRASE, CITIZEN_PASSWORD] {
        assert!(!log.contains(secret), "the log holds a secret: {secret}");
    }
}
