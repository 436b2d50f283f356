//! The one-time code's SMS survives a failing gateway (issue 21, "codes
//! always arrive"): a real `qoltanba-ra` on loopback sends through a local
//! fake SMS gateway that fails once, twice or always. The code arrives
//! after one and two failures; with a gateway that always fails, the
//! citizen is told the code is pending, then failed, and asking again is
//! rate limited. Each test runs its own server (the gateway's failures
//! are counted per server).
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

mod support;

use std::time::{Duration, Instant};

use qoltanba_pki::cert::Purpose;
use qoltanba_pki::crypto::{KeySpec, Signer, generate};
use qoltanba_pki::reissue::{ApplicationDetails, StorageKind, build_application};
use qoltanba_testkit::http_fake::HttpFake;
use serde_json::{Value, json};
use support::*;
use time::OffsetDateTime;

/// Retries after 1 s, three attempts per code, one resend per hour.
fn server(gateway: &HttpFake) -> Server {
    let url = gateway.url();
    Server::start(move |config| {
        *config = config
            .replace("first_retry_seconds = 5", "first_retry_seconds = 1")
            .replace("max_retry_seconds = 300", "max_retry_seconds = 1")
            .replace("attempts = 5", "attempts = 3")
            .replace("code_resends_per_hour = 3", "code_resends_per_hour = 1");
        config.push_str(&format!("\n[senders.sms]\nurl = \"{url}/sms\"\n"));
    })
}

/// A citizen `seq` enrolled with a GOST key, logged in, and a signed
/// application for a new key: (token, application).
fn citizen(s: &Server, seq: u32) -> (String, Vec<u8>) {
    let files = s.enroll(&iin(seq), "gost2015", &[]);
    let (key, cert) = open_key(&files[0]);
    let token = s.login(&key, &cert);
    let new = generate(KeySpec::Gost512).unwrap();
    let requests: Vec<(Purpose, &dyn Signer)> = vec![(Purpose::Both, &new as &dyn Signer)];
    let details = ApplicationDetails {
        email: "testov@example.kz".into(),
        locality: "Астана".into(),
        storage: StorageKind::File,
    };
    let signed =
        build_application(&cert, &key, &requests, &details, OffsetDateTime::now_utc()).unwrap();
    (token, signed.p7s_der)
}

/// Submit as the client does: with an Idempotency-Key, repeated (up to
/// three times) while the RA answers 5xx. The last answer.
fn submit(s: &Server, token: &str, p7s: &[u8]) -> (u16, Value) {
    let headers = [
        ("content-type", "application/cms"),
        ("idempotency-key", "code-delivery-test"),
    ];
    let mut last = (0, Value::Null);
    for _ in 0..3 {
        let (status, _, body) =
            s.request("POST", "/v1/applications", Some(token), &headers, Some(p7s));
        last = (status, serde_json::from_slice(&body).unwrap());
        if status < 500 {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    last
}

/// The application's status (`code_delivery` is in it while the code is
/// awaited).
fn status(s: &Server, token: &str, number: i64) -> Value {
    let (status, body) = s.json(
        "GET",
        &format!("/v1/applications/{number}"),
        Some(token),
        None,
    );
    assert_eq!(status, 200, "{body}");
    body
}

/// Poll until the code's delivery is in `state` (at most 20 s).
fn wait_for_delivery(s: &Server, token: &str, number: i64, state: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let body = status(s, token, number);
        if body["code_delivery"]["state"] == state {
            return body;
        }
        assert!(
            Instant::now() < deadline,
            "the code of application {number} never became {state}: {body}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The code in the SMS texts the gateway was sent for `number`, in order,
/// each with the status the gateway answered (the fake answers in order).
fn texts(gateway: &HttpFake, number: i64) -> Vec<String> {
    let prefix = format!("qoltanba: application {number}, code ");
    gateway
        .requests()
        .iter()
        .filter_map(|r| {
            let text = r.json()["text"].as_str()?.to_owned();
            text.strip_prefix(&prefix).map(str::to_owned)
        })
        .collect()
}

fn confirm(s: &Server, token: &str, number: i64, code: &str) -> (u16, Value) {
    s.json(
        "POST",
        &format!("/v1/applications/{number}/confirm"),
        Some(token),
        Some(&json!({ "code": code })),
    )
}

/// The finding: the gateway answers 500 once. The client's submission
/// (repeated with its Idempotency-Key as the client repeats a 5xx) must
/// end with a code on its way, and the code must reach the gateway.
#[test]
fn a_gateway_that_fails_once_still_delivers_the_code() {
    let gateway = HttpFake::start().unwrap();
    gateway.fail_next(1, 500);
    let s = server(&gateway);
    let (token, p7s) = citizen(&s, 9101);

    let (code, body) = submit(&s, &token, &p7s);
    assert!(code == 202 || code == 200, "{code} {body}");
    let number = body["number"].as_i64().unwrap();
    assert_eq!(body["state"], "awaiting_code");
    // Truthfully: not sent yet, the RA will try again.
    assert_eq!(body["code_delivery"]["state"], "pending", "{body}");
    assert_eq!(body["code_delivery"]["attempts"], 1, "{body}");
    assert!(
        body["code_delivery"]["next_attempt_at"].is_string(),
        "{body}"
    );

    let after = wait_for_delivery(&s, &token, number, "sent");
    assert_eq!(after["code_delivery"]["attempts"], 2, "{after}");
    assert_eq!(after["code_delivery"]["sent_to"], "+7******4567");
    let sent = texts(&gateway, number);
    assert_eq!(sent.len(), 2, "one failed send and one retry: {sent:?}");
    // Each attempt sent a fresh code: the failed SMS's code does not work
    // (had it arrived after all), the delivered one does.
    assert_ne!(sent[0], sent[1]);
    let (code, body) = confirm(&s, &token, number, &sent[0]);
    assert_eq!((code, &body["code"]), (422, &json!("wrong-code")), "{body}");
    let (code, body) = confirm(&s, &token, number, &sent[1]);
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["state"], "issued");
    // A confirmed application shows no delivery any more.
    assert!(status(&s, &token, number).get("code_delivery").is_none());
    // The code is in no log line.
    let log = s.log();
    for code in &sent {
        assert!(!log.contains(code.as_str()), "a code reached the log");
    }
}

#[test]
fn a_gateway_that_fails_twice_still_delivers_the_code() {
    let gateway = HttpFake::start().unwrap();
    gateway.fail_next(2, 503);
    let s = server(&gateway);
    let (token, p7s) = citizen(&s, 9102);

    let (code, body) = submit(&s, &token, &p7s);
    assert_eq!(code, 202, "{body}");
    assert_eq!(body["code_delivery"]["state"], "pending", "{body}");
    let number = body["number"].as_i64().unwrap();

    let after = wait_for_delivery(&s, &token, number, "sent");
    assert_eq!(after["code_delivery"]["attempts"], 3, "{after}");
    let sent = texts(&gateway, number);
    assert_eq!(sent.len(), 3, "{sent:?}");
    let (code, body) = confirm(&s, &token, number, sent.last().unwrap());
    assert_eq!(code, 200, "{body}");
}

#[test]
fn a_gateway_that_always_fails_is_reported_and_a_resend_is_rate_limited() {
    let gateway = HttpFake::start().unwrap();
    gateway.answer(500, "{}");
    let s = server(&gateway);
    let (token, p7s) = citizen(&s, 9103);

    let (code, body) = submit(&s, &token, &p7s);
    assert_eq!(code, 202, "{body}");
    assert_eq!(body["code_delivery"]["state"], "pending", "{body}");
    let number = body["number"].as_i64().unwrap();

    // Three attempts, then the RA gives up and says so.
    let failed = wait_for_delivery(&s, &token, number, "failed");
    assert_eq!(failed["code_delivery"]["attempts"], 3, "{failed}");
    assert!(failed["code_delivery"].get("next_attempt_at").is_none());
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(
        texts(&gateway, number).len(),
        3,
        "no attempt after giving up"
    );

    // The citizen asks again: a new round, still failing.
    let resend = format!("/v1/applications/{number}/resend-code");
    let (code, body) = s.json("POST", &resend, Some(&token), None);
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["state"], "pending", "{body}");
    assert_eq!(body["attempts"], 1, "{body}");
    // Asking again at once is refused, with the time to wait.
    let (code, body) = s.json("POST", &resend, Some(&token), None);
    assert_eq!(code, 429, "{body}");
    assert_eq!(body["code"], "rate-limited");

    // The gateway recovers: the resend's round delivers a code that works.
    gateway.answer(200, "{}");
    wait_for_delivery(&s, &token, number, "sent");
    let sent = texts(&gateway, number);
    let (code, body) = confirm(&s, &token, number, sent.last().unwrap());
    assert_eq!(code, 200, "{body}");

    // A resend of an application that no longer awaits its code is refused.
    let (code, body) = s.json("POST", &resend, Some(&token), None);
    assert_eq!(code, 409, "{body}");
    assert_eq!(body["code"], "wrong-state");

    // The audit shows the resend and the round given up.
    let conn = s.db().conn();
    let actions: Vec<String> = conn
        .prepare("SELECT action FROM audit WHERE subject = ?1 ORDER BY id")
        .unwrap()
        .query_map([number.to_string()], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(
        actions.contains(&"code.undelivered".to_owned()),
        "{actions:?}"
    );
    assert!(actions.contains(&"code.resend".to_owned()), "{actions:?}");
}
