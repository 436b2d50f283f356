//! Push notices through FCM HTTP v1 and APNs, against local TLS fakes (a
//! test CA the senders trust through `ca_file`) that record each request:
//! protocol version (APNs: HTTP/2 only), method, path, headers (the FCM
//! bearer token minted at the fake OAuth endpoint with an RS256 assertion
//! that verifies with the service account's public key, apns-topic,
//! apns-push-type, a provider JWT that verifies with the team key's public
//! half) and the JSON body, whose data payload the core's
//! `reminders::parse_push` reads back as the reminder the device schedules
//! locally (docs/protocol.md, "Push payload").
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
use qoltanba_testkit::http_fake::{Protocols, TestCa, service_account};
use ring::rand::SystemRandom;
use ring::signature::{
    ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair,
    RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey,
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
    oauth: HttpFake,
    apns: HttpFake,
    account_file: std::path::PathBuf,
    /// The service account's public key (RSAPublicKey DER).
    account_key: Vec<u8>,
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

    let ca = TestCa::new().unwrap();
    let ca_file = dir.path().join("test-ca.pem");
    ca.write_ca(&ca_file).unwrap();
    let fcm = HttpFake::start_tls(&ca, Protocols::Http2AndHttp1).unwrap();
    let oauth = HttpFake::start_tls(&ca, Protocols::Http2AndHttp1).unwrap();
    oauth.answer(200, &granted("ya29.first-token", 3599));
    let apns = HttpFake::start_tls(&ca, Protocols::Http2Only).unwrap();
    let (account_file, account_key) =
        service_account(dir.path(), &format!("{}/token", oauth.url())).unwrap();
    let config = SendersConfig {
        fcm: Some(FcmConfig {
            // A trailing slash is tolerated.
            base_url: format!("{}/", fcm.url()),
            project_id: "qoltanba-test".into(),
            service_account_file: account_file.display().to_string(),
        }),
        apns: Some(ApnsConfig {
            base_url: apns.url(),
            team_id: "TEAM123456".into(),
            key_id: "KEY1234567".into(),
            topic: "kz.qoltanba.app".into(),
            key_file: key_file.display().to_string(),
        }),
        ca_file: Some(ca_file.display().to_string()),
        ..SendersConfig::default()
    };
    Setup {
        _dir: dir,
        db,
        fcm,
        oauth,
        apns,
        account_file,
        account_key,
        public_key,
        config,
    }
}

/// What Google's token endpoint answers.
fn granted(token: &str, expires_in: u64) -> String {
    json!({"access_token": token, "expires_in": expires_in, "token_type": "Bearer"}).to_string()
}

/// Check a request to the OAuth token endpoint exactly: the form body
/// (grant type, the assertion and nothing else), the assertion's RS256
/// signature against the service account's public key, and its claims.
fn check_token_request(s: &Setup, request: &fakes::Request) {
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/token");
    assert_eq!(
        request.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    let form = String::from_utf8(request.body.clone()).unwrap();
    let mut fields = form.split('&');
    assert_eq!(
        fields.next(),
        Some("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer")
    );
    let jwt = fields
        .next()
        .and_then(|f| f.strip_prefix("assertion="))
        .expect("assertion=…");
    assert_eq!(fields.next(), None, "{form}");
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3, "{jwt}");
    assert_eq!(
        decode(parts[0]),
        json!({"alg": "RS256", "typ": "JWT", "kid": "0123456789abcdef"})
    );
    let claims = decode(parts[1]);
    let iat = claims["iat"].as_i64().unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    assert!((now - 120..=now + 5).contains(&iat), "iat {iat}, now {now}");
    assert_eq!(
        claims,
        json!({
            "iss": "ra-notices@qoltanba-test.iam.gserviceaccount.com",
            "scope": "https://www.googleapis.com/auth/firebase.messaging",
            "aud": format!("{}/token", s.oauth.url()),
            "iat": iat,
            "exp": iat + 3600,
        })
    );
    let signature = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
    UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &s.account_key)
        .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
        .expect("the assertion verifies with the service account's key");
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
    assert_eq!(request.version, "HTTP/2.0", "h2 chosen by ALPN");
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/v1/projects/qoltanba-test/messages:send");
    assert_eq!(request.header("content-type"), Some("application/json"));
    let tokens = s.oauth.requests();
    assert_eq!(tokens.len(), 1, "one access token minted");
    check_token_request(&s, &tokens[0]);
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
    assert_eq!(request.version, "HTTP/2.0");
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, format!("/3/device/{IOS_TOKEN}"));
    assert_eq!(request.header("apns-topic"), Some("kz.qoltanba.app"));
    assert_eq!(request.header("apns-push-type"), Some("alert"));
    assert_eq!(request.header("apns-priority"), Some("10"));
    assert_eq!(request.header("apns-collapse-id"), Some("expiry-5E0001"));
    let expiration: i64 = request.header("apns-expiration").unwrap().parse().unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    assert!((now + 86_400 - 120..=now + 86_400 + 5).contains(&expiration));
    assert_eq!(request.header("content-type"), Some("application/json"));
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

    // The access token is reused while valid; the APNs token too.
    let report = notify::run_once(&s.db, &push_only(), &senders, at(END - 14 * DAY))
        .await
        .unwrap();
    assert_eq!(report.sent, 1);
    assert_eq!(
        s.fcm.requests()[1].header("authorization"),
        Some("Bearer ya29.first-token")
    );
    assert_eq!(s.oauth.requests().len(), 1, "no second token while valid");
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
    // FCM said UNREGISTERED: the Android device was removed, so the second
    // run asked FCM nothing; APNs (500) was asked again.
    assert_eq!((s.fcm.requests().len(), s.apns.requests().len()), (1, 2));
    assert_eq!(
        devices(&s.db),
        vec![("ios".to_owned(), IOS_TOKEN.to_owned())]
    );

    // "Expired" for a provider token younger than 20 minutes: kept, since
    // Apple refuses faster renewal (TooManyProviderTokenUpdates).
    s.apns.answer(403, r#"{"reason":"ExpiredProviderToken"}"#);
    notify::run_once(&s.db, &notices, &senders, at(END - 14 * DAY))
        .await
        .unwrap();
    assert_eq!(s.apns.requests().len(), 3);

    // 410 Unregistered: the iPhone is removed too.
    s.apns.answer(
        410,
        r#"{"reason":"Unregistered","timestamp":1700000000000}"#,
    );
    let report = notify::run_once(&s.db, &notices, &senders, at(END - 10 * DAY))
        .await
        .unwrap();
    assert_eq!((report.sent, report.failed), (0, 1), "{report:?}");
    assert!(devices(&s.db).is_empty());
    let apns = s.apns.requests();
    assert_eq!(
        apns[3].header("authorization"),
        apns[2].header("authorization"),
        "the young token was kept"
    );
}

/// The devices left in the database: (platform, token).
fn devices(db: &Db) -> Vec<(String, String)> {
    let conn = db.conn();
    let mut stmt = conn
        .prepare("SELECT platform, token FROM devices ORDER BY id")
        .unwrap();
    stmt.query_map(qoltanba_ra::params![], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[tokio::test]
async fn the_access_token_is_minted_once_then_again_after_expiry_or_a_401() {
    let s = setup();
    // Three certificates of one citizen: three pushes per run, to the
    // Android device only (without APNs the iPhone's would go to the outbox).
    s.db.conn()
        .execute(
            "DELETE FROM devices WHERE platform = 'ios'",
            qoltanba_ra::params![],
        )
        .unwrap();
    certificate(&s.db, 2, "900101300001", END, "valid");
    certificate(&s.db, 3, "900101300001", END, "valid");
    s.oauth.answer_next(200, &granted("ya29.short-lived", 2));
    s.oauth.answer(200, &granted("ya29.next", 3599));
    let config = SendersConfig {
        apns: None,
        ..s.config.clone()
    };
    let senders = Senders::from_config(&config, s.db.clone()).unwrap();
    let report = notify::run_once(&s.db, &push_only(), &senders, at(END - 30 * DAY))
        .await
        .unwrap();
    assert_eq!(report.sent, 3, "{report:?}");
    let bearers = |fake: &HttpFake| -> Vec<String> {
        fake.requests()
            .iter()
            .map(|r| r.header("authorization").unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(bearers(&s.fcm), vec!["Bearer ya29.short-lived"; 3]);
    assert_eq!(s.oauth.requests().len(), 1, "one token for three pushes");

    // expires_in 2: renewed after 1 s (half of a short lifetime).
    std::thread::sleep(std::time::Duration::from_millis(1200));
    notify::run_once(&s.db, &push_only(), &senders, at(END - 14 * DAY))
        .await
        .unwrap();
    let tokens = s.oauth.requests();
    assert_eq!(tokens.len(), 2, "minted again after its expiry");
    check_token_request(&s, &tokens[1]);
    assert_eq!(bearers(&s.fcm)[3..], vec!["Bearer ya29.next"; 3]);

    // FCM refuses the token (401): one fresh token, the message resent.
    s.fcm
        .answer_next(401, r#"{"error":{"code":401,"status":"UNAUTHENTICATED"}}"#);
    s.oauth.answer(200, &granted("ya29.third", 3599));
    let report = notify::run_once(&s.db, &push_only(), &senders, at(END - 10 * DAY))
        .await
        .unwrap();
    assert_eq!((report.sent, report.failed), (3, 0), "{report:?}");
    assert_eq!(s.oauth.requests().len(), 3);
    let all = bearers(&s.fcm);
    assert_eq!(all[6], "Bearer ya29.next");
    assert_eq!(all[7..], vec!["Bearer ya29.third"; 3]);

    // The token endpoint refuses the key: a one-line reason, no assertion.
    let senders = Senders::from_config(&config, s.db.clone()).unwrap();
    s.oauth.answer(
        400,
        r#"{"error":"invalid_grant","error_description":"Invalid JWT Signature."}"#,
    );
    let before = s.fcm.requests().len();
    let report = notify::run_once(&s.db, &push_only(), &senders, at(END - 7 * DAY))
        .await
        .unwrap();
    assert_eq!((report.sent, report.failed), (0, 3), "{report:?}");
    assert_eq!(
        s.fcm.requests().len(),
        before,
        "nothing sent without a token"
    );
}

#[tokio::test]
async fn apns_refuses_http1_and_both_refuse_an_untrusted_certificate() {
    let s = setup();
    s.db.conn()
        .execute(
            "DELETE FROM devices WHERE platform = 'android'",
            qoltanba_ra::params![],
        )
        .unwrap();
    let config = SendersConfig {
        fcm: None,
        ..s.config.clone()
    };
    // A TLS server that speaks only HTTP/1.1: the request is never made.
    let ca = TestCa::new().unwrap();
    let old = HttpFake::start_tls(&ca, Protocols::Http1Only).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    ca.write_ca(&ca_file).unwrap();
    let mut http1 = config.clone();
    http1.apns.as_mut().unwrap().base_url = old.url();
    http1.ca_file = Some(ca_file.display().to_string());
    let senders = Senders::from_config(&http1, s.db.clone()).unwrap();
    let report = notify::run_once(&s.db, &push_only(), &senders, at(END - 30 * DAY))
        .await
        .unwrap();
    assert_eq!((report.sent, report.failed), (0, 1), "{report:?}");
    assert!(old.requests().is_empty(), "nothing sent over HTTP/1.1");

    // The fakes' CA not trusted: the handshake fails, nothing is sent.
    let untrusted = SendersConfig {
        ca_file: None,
        ..s.config.clone()
    };
    device(&s.db, "900101300001", "android", "fcm-token-a", "kk-KZ");
    let senders = Senders::from_config(&untrusted, s.db.clone()).unwrap();
    let report = notify::run_once(&s.db, &push_only(), &senders, at(END - 30 * DAY))
        .await
        .unwrap();
    assert_eq!((report.sent, report.failed), (0, 1), "{report:?}");
    assert!(s.apns.requests().is_empty() && s.fcm.requests().is_empty());
    assert!(s.oauth.requests().is_empty());
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
    config.fcm.as_mut().unwrap().service_account_file =
        dir.path().join("missing").display().to_string();
    let err = Senders::from_config(&config, s.db.clone()).unwrap_err();
    assert!(
        matches!(
            err,
            NotifyError::Config {
                what: "fcm.service_account_file",
                ..
            }
        ),
        "{err}"
    );

    // A key file whose private key is not RSA: refused, the key never quoted.
    let account: Value =
        serde_json::from_str(&std::fs::read_to_string(&s.account_file).unwrap()).unwrap();
    let mut bad = account.clone();
    bad["private_key"] =
        json!("-----BEGIN PRIVATE KEY-----\nc2VjcmV0c2VjcmV0\n-----END PRIVATE KEY-----\n");
    let bad_file = dir.path().join("bad-account.json");
    std::fs::write(&bad_file, bad.to_string()).unwrap();
    config.fcm.as_mut().unwrap().service_account_file = bad_file.display().to_string();
    let err = Senders::from_config(&config, s.db.clone())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("fcm.service_account_file")
            && !err.contains("c2VjcmV0")
            && !err.contains('\n'),
        "{err}"
    );
    std::fs::write(&bad_file, "{\"client_email\": ").unwrap();
    let err = Senders::from_config(&config, s.db.clone())
        .unwrap_err()
        .to_string();
    assert!(err.contains("not a service-account key file"), "{err}");

    // Plain http:// is refused for APNs, FCM and the token endpoint.
    let mut config = s.config.clone();
    config.apns.as_mut().unwrap().base_url = "http://127.0.0.1:1".into();
    let err = Senders::from_config(&config, s.db.clone()).unwrap_err();
    assert!(
        matches!(
            err,
            NotifyError::Config {
                what: "apns.base_url",
                ..
            }
        ),
        "{err}"
    );
    let mut config = s.config.clone();
    config.fcm.as_mut().unwrap().base_url = "http://127.0.0.1:1".into();
    assert!(Senders::from_config(&config, s.db.clone()).is_err());
    let mut plain = account.clone();
    plain["token_uri"] = json!("http://127.0.0.1:1/token");
    std::fs::write(&bad_file, plain.to_string()).unwrap();
    let mut config = s.config.clone();
    config.fcm.as_mut().unwrap().service_account_file = bad_file.display().to_string();
    let err = Senders::from_config(&config, s.db.clone())
        .unwrap_err()
        .to_string();
    assert!(err.contains("token_uri") && err.contains("https"), "{err}");

    // A CA file that holds no certificate.
    let mut config = s.config.clone();
    config.ca_file = Some(not_a_key.display().to_string());
    let err = Senders::from_config(&config, s.db.clone()).unwrap_err();
    assert!(
        matches!(
            err,
            NotifyError::Config {
                what: "ca_file",
                ..
            }
        ),
        "{err}"
    );

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

#[tokio::test]
async fn the_operators_check_mints_a_token_and_signs_a_provider_token() {
    let s = setup();
    let senders = Senders::from_config(&s.config, s.db.clone()).unwrap();
    // Four checks at once wait for one refresh instead of minting four.
    let (a, b, c, checked) = tokio::join!(
        senders.check(),
        senders.check(),
        senders.check(),
        senders.check()
    );
    for other in [a, b, c] {
        assert!(other.iter().all(|(_, r)| r.is_ok()), "{other:?}");
    }
    let channels: Vec<&str> = checked.iter().map(|(c, _)| *c).collect();
    assert_eq!(channels, ["email", "sms", "fcm", "apns"]);
    for (channel, result) in &checked {
        assert!(result.is_ok(), "{channel}: {result:?}");
    }
    let tokens = s.oauth.requests();
    assert_eq!(tokens.len(), 1, "one token for four concurrent checks");
    check_token_request(&s, &tokens[0]);
    assert!(s.fcm.requests().is_empty() && s.apns.requests().is_empty());

    // A key the endpoint refuses: FCM fails the check in one line.
    s.oauth.answer(400, r#"{"error":"invalid_grant"}"#);
    let senders = Senders::from_config(&s.config, s.db.clone()).unwrap();
    let checked = senders.check().await;
    let (_, fcm) = checked.iter().find(|(c, _)| *c == "fcm").unwrap();
    let err = fcm.as_ref().unwrap_err().to_string();
    assert!(
        err.contains("HTTP 400 invalid_grant") && !err.contains('\n'),
        "{err}"
    );
}

/// Where the system has no CA certificates at all (a minimal container, the
/// Swift stage's chroot), the CAs of `ca_file` alone are trusted: the FCM
/// check mints its token through them. Without `ca_file` the senders refuse
/// to start, in one line that says what to install or set. Runs again in a
/// child process of this test binary whose SSL_CERT_FILE and SSL_CERT_DIR
/// name an empty file and an empty directory, so the system has no roots;
/// the refusal without `ca_file` shows that it really had none.
#[tokio::test]
async fn without_the_systems_roots_the_ca_file_alone_is_trusted() {
    const CHILD: &str = "QOLTANBA_TEST_NO_SYSTEM_ROOTS";
    const NAME: &str = "without_the_systems_roots_the_ca_file_alone_is_trusted";
    if std::env::var_os(CHILD).is_none() {
        let dir = tempfile::tempdir().unwrap();
        let no_file = dir.path().join("no-roots.pem");
        std::fs::write(&no_file, "").unwrap();
        let no_dir = dir.path().join("no-roots");
        std::fs::create_dir(&no_dir).unwrap();
        let child = std::process::Command::new(std::env::current_exe().unwrap())
            .args([NAME, "--exact", "--nocapture", "--test-threads=1"])
            .env("SSL_CERT_FILE", &no_file)
            .env("SSL_CERT_DIR", &no_dir)
            .env(CHILD, "1")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&child.stdout);
        let stderr = String::from_utf8_lossy(&child.stderr);
        assert!(
            child.status.success(),
            "the child failed:\n{stdout}\n{stderr}"
        );
        assert!(
            stdout.contains("1 passed"),
            "the child ran no test:\n{stdout}"
        );
        return;
    }
    let s = setup();
    let senders = Senders::from_config(&s.config, s.db.clone()).unwrap();
    let checked = senders.check().await;
    let (_, fcm) = checked.iter().find(|(c, _)| *c == "fcm").unwrap();
    assert!(fcm.is_ok(), "{fcm:?}");
    assert_eq!(s.oauth.requests().len(), 1, "the token minted over TLS");

    let mut without = s.config.clone();
    without.ca_file = None;
    let err = match Senders::from_config(&without, s.db.clone()) {
        Ok(_) => panic!("the senders started without any CA to trust"),
        Err(e) => e.to_string(),
    };
    assert!(
        err.contains("ca-certificates") && err.contains("ca_file") && !err.contains('\n'),
        "{err}"
    );
}
