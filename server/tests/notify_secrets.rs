//! Secrets stay out of logs and errors: the one-time code given to
//! `send_code` (through a gateway that works, fails, echoes the text or is
//! unreachable, and through the outbox), the FCM bearer token and full
//! device tokens, the APNs provider token. Every log line of the process is
//! captured by a global subscriber at TRACE (reqwest, hyper, h2 and rustls
//! included; the server itself keeps reqwest and h2 at WARN).
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

#[path = "notify_fakes.rs"]
mod fakes;

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use fakes::{DAY, END, HttpFake, at, certificate, citizen, database, device};
use qoltanba_ra::config::{
    ApnsConfig, FcmConfig, Notices, Senders as SendersConfig, SmsGatewayConfig,
};
use qoltanba_ra::notify::{self, NotifyError, Senders};
use qoltanba_testkit::http_fake::{Protocols, TestCa, service_account};

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Everything logged so far by any test in this binary.
fn logs() -> String {
    static CAPTURE: OnceLock<Capture> = OnceLock::new();
    let capture = CAPTURE.get_or_init(|| {
        let capture = Capture::default();
        let writer = capture.clone();
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("trace"))
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .try_init()
            .expect("the only subscriber of this test binary");
        capture
    });
    String::from_utf8_lossy(&capture.0.lock().unwrap()).into_owned()
}

fn gateway_config(url: String) -> SendersConfig {
    SendersConfig {
        sms: Some(SmsGatewayConfig { url }),
        ..SendersConfig::default()
    }
}

fn text(code: &str) -> String {
    format!("qoltanba: растау коды {code} / код подтверждения {code}")
}

#[tokio::test]
async fn the_code_reaches_the_gateway_and_no_log() {
    logs();
    let (_dir, db) = database();
    let gateway = HttpFake::start().unwrap();
    let senders = Senders::from_config(&gateway_config(gateway.url()), db.clone()).unwrap();
    notify::send_code(&senders, &db, "+77011234567", &text("482913"))
        .await
        .unwrap();
    let requests = gateway.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].json()["text"], text("482913"));
    assert_eq!(requests[0].json()["to"], "+77011234567");
    let logs = logs();
    assert!(logs.contains("one-time code sent by SMS"), "{logs}");
    assert!(logs.contains("+7701***67"), "{logs}");
    assert!(!logs.contains("482913"), "{logs}");
    assert!(!logs.contains("+77011234567"), "{logs}");
}

#[tokio::test]
async fn a_failing_or_echoing_or_absent_gateway_leaks_no_code() {
    logs();
    let (_dir, db) = database();
    let gateway = HttpFake::start().unwrap();
    // A gateway that quotes the refused message back.
    gateway.answer(
        500,
        r#"{"error":"cannot deliver 'qoltanba: растау коды 731846'"}"#,
    );
    let senders = Senders::from_config(&gateway_config(gateway.url()), db.clone()).unwrap();
    let err = notify::send_code(&senders, &db, "+77011234567", &text("731846"))
        .await
        .unwrap_err();
    assert!(matches!(err, NotifyError::Send { .. }), "{err}");
    let message = err.to_string();
    assert!(
        message.contains("HTTP 500") && !message.contains('\n'),
        "{message}"
    );
    assert!(!message.contains("731846"), "{message}");
    assert!(!format!("{err:?}").contains("731846"));

    // Nobody listens on the gateway's port.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://{}/sms?to=+77011234567",
        closed.local_addr().unwrap()
    );
    drop(closed);
    let senders = Senders::from_config(&gateway_config(url), db.clone()).unwrap();
    let err = notify::send_code(&senders, &db, "+77011234567", &text("559102"))
        .await
        .unwrap_err()
        .to_string();
    assert!(!err.contains("559102") && !err.contains('\n'), "{err}");

    // A number no gateway takes: refused before sending, code not quoted.
    let err = notify::send_code(&senders, &db, "+7 701 <script>", &text("660213"))
        .await
        .unwrap_err();
    assert!(matches!(err, NotifyError::BadPhone { .. }), "{err}");
    assert!(!err.to_string().contains("660213"));

    let logs = logs();
    for code in ["731846", "559102", "660213"] {
        assert!(!logs.contains(code), "{code} in {logs}");
    }
}

#[tokio::test]
async fn the_outbox_keeps_the_code_and_the_log_does_not() {
    logs();
    let (_dir, db) = database();
    let senders = Senders::from_config(&SendersConfig::default(), db.clone()).unwrap();
    notify::send_code(&senders, &db, "+77017654321", &text("904417"))
        .await
        .unwrap();
    let outbox = notify::outbox(&db, 1).unwrap();
    assert_eq!(outbox[0].channel, "sms");
    assert_eq!(outbox[0].recipient, "+77017654321");
    assert_eq!(outbox[0].body, text("904417"));
    let logs = logs();
    assert!(logs.contains("message recorded in the outbox"), "{logs}");
    assert!(!logs.contains("904417"), "{logs}");
}

#[tokio::test]
async fn push_logs_no_bearer_token_and_no_full_device_token() {
    logs();
    let (dir, db) = database();
    citizen(&db, "900101300001", None, None);
    certificate(&db, 1, "900101300001", END, "valid");
    let device_token = "dQw4w9WgXcQ-device-token-that-must-not-be-logged";
    device(&db, "900101300001", "android", device_token, "en");
    // FCM and its token endpoint over TLS, the endpoint granting a bearer
    // token that FCM then quotes in its refusal.
    let ca = TestCa::new().unwrap();
    let ca_file = dir.path().join("ca.pem");
    ca.write_ca(&ca_file).unwrap();
    let oauth = HttpFake::start_tls(&ca, Protocols::Http2AndHttp1).unwrap();
    oauth.answer(
        200,
        r#"{"access_token":"ya29.bearer-that-must-not-be-logged","expires_in":3599}"#,
    );
    let (account, _) = service_account(dir.path(), &format!("{}/token", oauth.url())).unwrap();
    let fcm = HttpFake::start_tls(&ca, Protocols::Http2AndHttp1).unwrap();
    fcm.answer(
        403,
        r#"{"error":{"status":"PERMISSION_DENIED","message":"token ya29.bearer-that-must-not-be-logged refused"}}"#,
    );
    let config = SendersConfig {
        fcm: Some(FcmConfig {
            base_url: fcm.url(),
            project_id: "qoltanba-test".into(),
            service_account_file: account.display().to_string(),
        }),
        ca_file: Some(ca_file.display().to_string()),
        ..SendersConfig::default()
    };
    let senders = Senders::from_config(&config, db.clone()).unwrap();
    let notices = Notices::default();
    let report = notify::run_once(&db, &notices, &senders, at(END - 30 * DAY))
        .await
        .unwrap();
    assert_eq!(report.failed, 1, "{report:?}");
    let logs = logs();
    assert!(logs.contains("PERMISSION_DENIED"), "{logs}");
    assert!(logs.contains("dQw4w9…"), "{logs}");
    assert!(!logs.contains("bearer-that-must-not-be-logged"), "{logs}");
    assert!(!logs.contains(device_token), "{logs}");
    assert!(!logs.contains("PRIVATE KEY"), "{logs}");
    assert_eq!(oauth.requests().len(), 1);
}

#[tokio::test]
async fn refused_apns_connections_are_logged_with_their_cause_and_no_token() {
    logs();
    let (dir, db) = database();
    citizen(&db, "900101300001", None, None);
    certificate(&db, 1, "900101300001", END, "valid");
    let device_token = "0123456789abcdef0123456789abcdef0123456789abcdef";
    device(&db, "900101300001", "ios", device_token, "en");
    let key = ring::signature::EcdsaKeyPair::generate_pkcs8(
        &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
        &ring::rand::SystemRandom::new(),
    )
    .unwrap();
    use base64::Engine;
    let pem = format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        base64::engine::general_purpose::STANDARD.encode(key.as_ref())
    );
    let key_file = dir.path().join("AuthKey.p8");
    std::fs::write(&key_file, pem).unwrap();
    let ca = TestCa::new().unwrap();
    let ca_file = dir.path().join("ca.pem");
    ca.write_ca(&ca_file).unwrap();
    let http1 = HttpFake::start_tls(&ca, Protocols::Http1Only).unwrap();
    let apns = |base_url: String, ca_file: Option<String>| SendersConfig {
        apns: Some(ApnsConfig {
            base_url,
            team_id: "TEAM123456".into(),
            key_id: "KEY1234567".into(),
            topic: "kz.qoltanba.app".into(),
            key_file: key_file.display().to_string(),
        }),
        ca_file,
        ..SendersConfig::default()
    };
    let notices = Notices::default();
    // A server that speaks only HTTP/1.1, then one whose CA is not trusted.
    let h2 = HttpFake::start_tls(&ca, Protocols::Http2Only).unwrap();
    for (config, cause) in [
        (
            apns(http1.url(), Some(ca_file.display().to_string())),
            "HTTP/2",
        ),
        (apns(h2.url(), None), "certificate"),
    ] {
        let senders = Senders::from_config(&config, db.clone()).unwrap();
        let before = logs().len();
        let report = notify::run_once(&db, &notices, &senders, at(END - 30 * DAY))
            .await
            .unwrap();
        assert_eq!((report.sent, report.failed), (0, 1), "{report:?}");
        let logs = logs();
        let line = logs[before..]
            .lines()
            .find(|l| l.contains("expiry notice not sent"))
            .unwrap_or_else(|| panic!("no failure line in {}", &logs[before..]));
        assert!(line.contains("APNs") && line.contains(cause), "{line}");
        assert!(!logs.contains(device_token), "{logs}");
        assert!(!logs.contains("bearer ey"), "{logs}");
    }
    assert!(http1.requests().is_empty() && h2.requests().is_empty());
}
