//! Push notices through FCM HTTP v1 and APNs, against local HTTP fakes that
//! record each request: method, path, headers (the FCM bearer token from
//! its file, apns-topic, apns-push-type, a provider JWT that verifies with
//! the team key's public half) and the JSON body, whose data payload the
//! core's `reminders::parse_push` reads back as the reminder the device
//! schedules locally (docs/protocol.md, "Push payload").
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

#[path = "notify_fakes.rs"]
mod fakes;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use fakes::{DAY, END, HttpFake, at, certificate, citizen, database, device};
use qoltanba_core::reminders::{
    DEFAULT_OFFSETS, Reminder, ReminderKind, TrackedCertificate, parse_push, schedule,
};
use qoltanba_pki::cert::Purpose;
use qoltanba_ra::config::{ApnsConfig, FcmConfig, Notices, Senders as SendersConfig};
use qoltanba_ra::db::Db;
use qoltanba_ra::notify::{self, NotifyError, Senders};
use ring::rand::SystemRandom;
use ring::signature::{
    ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair,
    UnparsedPublicKey,
};
use serde_json::{Value, json};

const IOS_TOKEN: &str = "abcdef0123456789abcdef0123456789";

/// Push only: e-mail and SMS offsets off.
fn push_only() -> Notices {
    Notices {
        email_days: vec![],
        sms_days: vec![],
        ..Notices::default()
    }
}

struct Setup {
    _dir: fakes::Scratch,
    db: Db,
    fcm: HttpFake,
    apns: HttpFake,
    token_file: std::path::PathBuf,
    /// The APNs key's public point (uncompressed).
    public_key: Vec<u8>,
    config: SendersConfig,
}

fn setup() -> Setup {
    let (dir, db) = database();
    citizen(&db, "900101300001", None, None);
    certificate(&db, 1, "900101300001", END, "valid");
    device(&db, "900101300001", "android", "fcm-token-a", "kk-KZ");
    device(&db, "900101300001", "ios", IOS_TOKEN, "ru");

    let token_file = dir.path().join("fcm-token");
    std::fs::write(&token_file, "ya29.first-token\n").unwrap();
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
    let public_key =
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
            .unwrap()
            .public_key()
            .as_ref()
            .to_vec();
    let b64 = STANDARD.encode(pkcs8.as_ref());
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let pem = format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        lines.join("\n")
    );
    let key_file = dir.path().join("AuthKey_KEY1234567.p8");
    std::fs::write(&key_file, pem).unwrap();

    let (fcm, apns) = (HttpFake::start().unwrap(), HttpFake::start().unwrap());
    let config = SendersConfig {
        fcm: Some(FcmConfig {
            // A trailing slash is tolerated.
            base_url: format!("{}/", fcm.url()),
            project_id: "qoltanba-test".into(),
            token_file: token_file.display().to_string(),
        }),
        apns: Some(ApnsConfig {
            base_url: apns.url(),
            team_id: "TEAM123456".into(),
            key_id: "KEY1234567".into(),
            topic: "kz.qoltanba.app".into(),
            key_file: key_file.display().to_string(),
        }),
        ..SendersConfig::default()
    };
    Setup {
        _dir: dir,
        db,
        fcm,
        apns,
        token_file,
        public_key,
        config,
    }
}

/// The reminder the device itself schedules for the test certificate
/// (5E0001, SIGN, ending at END) `days` days before its end.
fn local_reminder(days: u32) -> Reminder {
    let cert = TrackedCertificate::new("5E0001", Purpose::Sign, at(END));
    schedule([&cert], at(END - 31 * DAY), &DEFAULT_OFFSETS)
        .into_iter()
        .find(|r| r.kind == ReminderKind::DaysLeft(days))
        .expect("a default offset")
}

fn decode(part: &str) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

/// Check the APNs provider token and return it.
fn check_jwt(authorization: &str, public_key: &[u8]) -> String {
    let jwt = authorization
        .strip_prefix("bearer ")
        .expect("authorization: bearer <jwt>");
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3, "{jwt}");
    assert_eq!(
        decode(parts[0]),
        json!({"alg": "ES256", "kid": "KEY1234567"})
    );
    let claims = decode(parts[1]);
    assert_eq!(claims["iss"], "TEAM123456");
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let iat = claims["iat"].as_i64().unwrap();
    assert!((now - 120..=now + 5).contains(&iat), "iat {iat}, now {now}");
    let signature = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
    assert_eq!(signature.len(), 64, "ES256 is r||s, 64 bytes");
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, public_key)
        .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
        .expect("the JWT verifies with the team key");
    jwt.to_owned()
}

#[tokio::test]
async fn push_goes_to_fcm_and_apns_with_the_right_requests() {
    let s = setup();
    let senders = Senders::from_config(&s.config, s.db.clone()).unwrap();
    let report = notify::run_once(&s.db, &push_only(), &senders, at(END - 30 * DAY))
        .await
        .unwrap();
    assert_eq!((report.sent, report.failed), (1, 0), "{report:?}");

    let fcm = s.fcm.requests();
    assert_eq!(fcm.len(), 1);
    let request = &fcm[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/v1/projects/qoltanba-test/messages:send");
    assert_eq!(
        request.header("authorization"),
        Some("Bearer ya29.first-token")
    );
    let body = request.json();
    let message = &body["message"];
    assert_eq!(message["token"], "fcm-token-a");
    let title = message["notification"]["title"].as_str().unwrap();
    let text = message["notification"]["body"].as_str().unwrap();
    // The device's locale is kk: Kazakh.
    assert!(
        title.contains("күн") && text.contains("5E0001"),
        "{title} / {text}"
    );
    // The data payload: every value a string, as FCM requires.
    assert_eq!(
        message["data"],
        json!({
            "qoltanba": "1",
            "kind": "expiry",
            "serial": "5E0001",
            "purpose": "sign",
            "not_after": "2030-01-01T00:00:00Z",
            "days_left": "30",
        })
    );
    // What the app receives reads back as the reminder it scheduled itself.
    let expected = local_reminder(30);
    assert_eq!(parse_push(&request.body).unwrap(), expected);
    assert_eq!(
        parse_push(message["data"].to_string().as_bytes()).unwrap(),
        expected
    );
    assert_eq!(expected.deep_link(), "qoltanba://renew?serial=5E0001");

    let apns = s.apns.requests();
    assert_eq!(apns.len(), 1);
    let request = &apns[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, format!("/3/device/{IOS_TOKEN}"));
    assert_eq!(request.header("apns-topic"), Some("kz.qoltanba.app"));
    assert_eq!(request.header("apns-push-type"), Some("alert"));
    let jwt = check_jwt(request.header("authorization").unwrap(), &s.public_key);
    let body = request.json();
    let alert = &body["aps"]["alert"];
    // The device's locale is ru: Russian.
    assert!(
        alert["title"].as_str().unwrap().contains("осталось"),
        "{body}"
    );
    assert!(alert["body"].as_str().unwrap().contains("5E0001"), "{body}");
    assert_eq!(
        body["qoltanba"],
        json!({
            "v": 1,
            "kind": "expiry",
            "serial": "5E0001",
            "purpose": "sign",
            "not_after": "2030-01-01T00:00:00Z",
            "days_left": 30,
        })
    );
    assert!(request.body.len() <= 4096, "APNs carries at most 4 KiB");
    assert_eq!(parse_push(&request.body).unwrap(), expected);

    // Once only.
    let report = notify::run_once(&s.db, &push_only(), &senders, at(END - 30 * DAY + 600))
        .await
        .unwrap();
    assert_eq!(report.sent, 0);
    assert_eq!((s.fcm.requests().len(), s.apns.requests().len()), (1, 1));

    // A refreshed FCM token is picked up; the APNs token is reused.
    std::fs::write(&s.token_file, "ya29.second-token").unwrap();
    let report = notify::run_once(&s.db, &push_only(), &senders, at(END - 14 * DAY))
        .await
        .unwrap();
    assert_eq!(report.sent, 1);
    assert_eq!(
        s.fcm.requests()[1].header("authorization"),
        Some("Bearer ya29.second-token")
    );
    // The 14-day notice carries its own days_left on both platforms.
    for body in [&s.fcm.requests()[1].body, &s.apns.requests()[1].body] {
        assert_eq!(parse_push(body).unwrap(), local_reminder(14));
    }
    assert_eq!(
        s.fcm.requests()[1].json()["message"]["data"]["days_left"],
        "14"
    );
    let second = check_jwt(
        s.apns.requests()[1].header("authorization").unwrap(),
        &s.public_key,
    );
    assert_eq!(second, jwt, "the provider token is cached");
    assert!(notify::outbox(&s.db, 10).unwrap().is_empty());
}

#[tokio::test]
async fn push_counts_when_one_device_took_it_and_is_retried_when_none_did() {
    let s = setup();
    let senders = Senders::from_config(&s.config, s.db.clone()).unwrap();
    s.fcm.answer(
        404,
        r#"{"error":{"code":404,"status":"NOT_FOUND","details":[{"errorCode":"UNREGISTERED"}]}}"#,
    );
    s.apns.answer(500, r#"{"reason":"InternalServerError"}"#);
    let notices = push_only();
    let report = notify::run_once(&s.db, &notices, &senders, at(END - 30 * DAY))
        .await
        .unwrap();
    assert_eq!((report.sent, report.failed), (0, 1), "{report:?}");

    // The iPhone takes it: recorded, though the Android token is stale.
    s.apns.answer(200, "");
    let report = notify::run_once(&s.db, &notices, &senders, at(END - 30 * DAY + 3600))
        .await
        .unwrap();
    assert_eq!((report.sent, report.failed), (1, 0), "{report:?}");
    let report = notify::run_once(&s.db, &notices, &senders, at(END - 30 * DAY + 7200))
        .await
        .unwrap();
    assert_eq!((report.sent, report.failed), (0, 0), "{report:?}");
    assert_eq!((s.fcm.requests().len(), s.apns.requests().len()), (2, 2));

    // An expired provider token (403) makes the sender sign a fresh one.
    s.apns.answer(403, r#"{"reason":"ExpiredProviderToken"}"#);
    s.fcm.answer(200, "{}");
    notify::run_once(&s.db, &notices, &senders, at(END - 14 * DAY))
        .await
        .unwrap();
    assert_eq!(s.apns.requests().len(), 3);
}

#[tokio::test]
async fn without_fcm_or_apns_push_goes_to_the_outbox() {
    let s = setup();
    let config = SendersConfig {
        fcm: None,
        ..s.config.clone()
    };
    let senders = Senders::from_config(&config, s.db.clone()).unwrap();
    let report = notify::run_once(&s.db, &push_only(), &senders, at(END - 30 * DAY))
        .await
        .unwrap();
    assert_eq!(report.sent, 1);
    let outbox = notify::outbox(&s.db, 10).unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].recipient, "android:fcm-token-a");
    assert_eq!(s.apns.requests().len(), 1);
}

#[tokio::test]
async fn bad_push_configuration_is_refused_at_start_in_one_line() {
    let s = setup();
    let dir = tempfile::tempdir().unwrap();
    let not_a_key = dir.path().join("key.p8");
    std::fs::write(
        &not_a_key,
        "-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    let mut config = s.config.clone();
    config.apns.as_mut().unwrap().key_file = not_a_key.display().to_string();
    let err = Senders::from_config(&config, s.db.clone()).unwrap_err();
    assert!(
        matches!(
            err,
            NotifyError::Config {
                what: "apns.key_file",
                ..
            }
        ),
        "{err}"
    );
    let text = err.to_string();
    assert!(!text.contains('\n') && !text.contains("c2VjcmV0"), "{text}");

    let mut config = s.config.clone();
    config.fcm.as_mut().unwrap().token_file = dir.path().join("missing").display().to_string();
    let err = Senders::from_config(&config, s.db.clone()).unwrap_err();
    assert!(
        matches!(
            err,
            NotifyError::Config {
                what: "fcm.token_file",
                ..
            }
        ),
        "{err}"
    );

    std::fs::write(&s.token_file, "ya29.secret-token with spaces\n").unwrap();
    let err = Senders::from_config(&s.config, s.db.clone())
        .unwrap_err()
        .to_string();
    assert!(!err.contains("ya29.secret"), "{err}");

    let mut config = s.config.clone();
    config.apns.as_mut().unwrap().team_id = "TEAM 1".into();
    assert!(Senders::from_config(&config, s.db.clone()).is_err());
}

#[tokio::test]
async fn a_malformed_device_token_never_reaches_the_apns_path() {
    let s = setup();
    device(&s.db, "900101300001", "ios", "../../evil?x=1", "en");
    device(&s.db, "900101300001", "windows-phone", "wp-token", "en");
    let senders = Senders::from_config(&s.config, s.db.clone()).unwrap();
    let report = notify::run_once(&s.db, &push_only(), &senders, at(END - 30 * DAY))
        .await
        .unwrap();
    // The two good devices took it.
    assert_eq!((report.sent, report.failed), (1, 0), "{report:?}");
    let paths: Vec<String> = s.apns.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(paths, vec![format!("/3/device/{IOS_TOKEN}")]);
}
