//! Several API nodes on one database (issue 20, docs/operations.md section
//! 3): two `qoltanba-ra serve` processes on one home, so one database,
//! each on its own port, with their schedulers and code-delivery tasks
//! running. Clients spread every renewal over both as a load balancer
//! would (challenge on one node, login on the other, the same submission
//! sent to both at once, confirmation on the first…); node A is killed
//! with SIGKILL mid-run and the clients fail over to B. Then: every
//! renewal finished, one application per citizen, unique serials, the
//! audit rows once each, and each expiry notice that fell due sent once.
//! The rate-limit windows are shared by the nodes, and one citizen's login
//! limit holds back no one else behind the same address.
//!
//! The database is the home's SQLite file in WAL mode (two processes on
//! one file, which SQLite supports), or with `QOLTANBA_TEST_DATABASE=postgres`
//! a PostgreSQL database both nodes' homes point to (the test kit's
//! switch); the test reads it through the RA's storage layer either way.
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

mod support;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use qoltanba_pki::cert::Purpose;
use qoltanba_pki::crypto::{KeySpec, Signer, generate};
use qoltanba_pki::reissue::{ApplicationDetails, StorageKind, build_application};
use qoltanba_ra::params;
use serde_json::{Value, json};
use support::*;
use time::OffsetDateTime;

/// Renewals driven at once.
const CITIZENS: u32 = 6;
/// Certificates of other citizens ending in ten days: an e-mail notice
/// each is due, and both nodes' schedulers race for them.
const DUE_NOTICES: i64 = 120;
/// No renewal may take longer than this (the whole test runs in ~20 s).
const DEADLINE: Duration = Duration::from_secs(90);

/// Node A and node B on one home: auto-approval, a one-second Retry-After
/// and scheduler, limits far above what the renewals need (they are
/// tested on their own below).
fn two_nodes(tune: impl FnOnce(&mut String)) -> (Server, Server) {
    let a = Server::start(|config| {
        *config = config
            .replace("retry_after_seconds = 5", "retry_after_seconds = 1")
            .replace("interval_seconds = 3600", "interval_seconds = 1");
        tune(config);
    });
    let b = a.another_node("node-b.log");
    (a, b)
}

/// The nodes' database (SQLite or PostgreSQL, as the home says).
fn db(home: &Path) -> qoltanba_ra::db::Db {
    qoltanba_testkit::ra_process::db(home)
}

fn count(home: &Path, sql: &str) -> i64 {
    db(home)
        .conn()
        .query_row(sql, params![], |r| r.get(0))
        .unwrap()
}

/// The nodes as a client behind a load balancer sees them: each request
/// goes to the node the balancer picks, and to the other when that one
/// does not answer.
struct Balancer<'a> {
    nodes: [&'a Server; 2],
    failovers: &'a AtomicUsize,
}

impl Balancer<'_> {
    /// `method path` on node `first` (0 = A, 1 = B), else on the other one.
    fn request(
        &self,
        first: usize,
        method: &str,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> (u16, Vec<(String, String)>, Value) {
        let (status, headers, value, _) =
            self.request_noting_failover(first, method, path, token, headers, body);
        (status, headers, value)
    }

    /// [`Balancer::request`], and whether a node failed to answer it first
    /// (the request may then have been carried out by the node that died).
    fn request_noting_failover(
        &self,
        first: usize,
        method: &str,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> (u16, Vec<(String, String)>, Value, bool) {
        for attempt in 0..40 {
            let node = self.nodes[(first + attempt) % 2];
            match node.try_request(method, path, token, headers, body) {
                Ok((status, headers, body)) => {
                    let value = if body.is_empty() {
                        Value::Null
                    } else {
                        serde_json::from_slice(&body).unwrap_or(Value::Null)
                    };
                    return (status, headers, value, attempt > 0);
                }
                Err(_) => {
                    self.failovers.fetch_add(1, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
        }
        panic!("{method} {path}: no node answers");
    }

    fn json(
        &self,
        first: usize,
        method: &str,
        path: &str,
        token: &str,
        body: &Value,
    ) -> (u16, Value) {
        let bytes = serde_json::to_vec(body).unwrap();
        let (status, _, value) = self.request(
            first,
            method,
            path,
            Some(token),
            &[("content-type", "application/json")],
            Some(&bytes),
        );
        (status, value)
    }

    /// A challenge from node `first`, signed and posted to the other node:
    /// the session token.
    ///
    /// A login the dying node carried out but never answered burnt its
    /// challenge, so the other node rightly refuses the retry as
    /// `bad-challenge`; the citizen then logs in again with a new one. Any
    /// other refusal fails the test.
    fn login(
        &self,
        first: usize,
        key: &qoltanba_pki::crypto::SoftwareKey,
        cert: &qoltanba_pki::cert::KzCertificate,
    ) -> String {
        for _ in 0..5 {
            let (status, headers, body, failed_over) = self.try_login(first, key, cert);
            if status == 401 && body["code"] == "bad-challenge" && failed_over {
                continue;
            }
            assert_eq!(status, 200, "{body} {headers:?}");
            return body["token"].as_str().unwrap().to_string();
        }
        panic!("five logins in a row were cut off by a dead node");
    }

    /// [`Balancer::login`]'s answer, whatever it is, and whether the login
    /// request met a dead node first.
    fn try_login(
        &self,
        first: usize,
        key: &qoltanba_pki::crypto::SoftwareKey,
        cert: &qoltanba_pki::cert::KzCertificate,
    ) -> (u16, Vec<(String, String)>, Value, bool) {
        let (status, _, challenge) =
            self.request(first, "POST", "/v1/auth/challenge", None, &[], None);
        assert_eq!(status, 201, "{challenge}");
        let signed = qoltanba_pki::signed_message::sign_message(
            challenge["nonce"].as_str().unwrap().as_bytes(),
            key,
            cert,
            OffsetDateTime::now_utc(),
        )
        .unwrap();
        self.request_noting_failover(
            first + 1,
            "POST",
            "/v1/auth/login",
            None,
            &[("content-type", "application/cms")],
            Some(&signed),
        )
    }
}

/// The one-time code the outbox holds for application `number`, waiting
/// up to `wait` for it.
fn code_for(home: &Path, number: i64, wait: Duration) -> Option<String> {
    let until = Instant::now() + wait;
    loop {
        let body: Option<String> = db(home)
            .conn()
            .query_row(
                "SELECT body FROM outbox WHERE channel = 'sms' AND body LIKE ?1 ORDER BY id DESC LIMIT 1",
                params![format!("qoltanba: application {number},%")],
                |r| r.get(0),
            )
            .ok();
        if let Some(body) = body {
            return body.rsplit(' ').next().map(str::to_string);
        }
        if Instant::now() >= until {
            return None;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// An application for a new GOST key, signed with `key`.
fn application(
    key: &qoltanba_pki::crypto::SoftwareKey,
    cert: &qoltanba_pki::cert::KzCertificate,
) -> Vec<u8> {
    let new = generate(KeySpec::Gost512).unwrap();
    let requests: Vec<(Purpose, &dyn Signer)> = vec![(Purpose::Both, &new as &dyn Signer)];
    let details = ApplicationDetails {
        email: "testov@example.kz".into(),
        locality: "Астана".into(),
        storage: StorageKind::File,
    };
    build_application(cert, key, &requests, &details, OffsetDateTime::now_utc())
        .unwrap()
        .p7s_der
}

/// Citizen `seq`'s renewal over both nodes with the key file `key_file`:
/// the issued serials.
fn renew(
    home: &Path,
    lb: &Balancer<'_>,
    seq: u32,
    key_file: &Path,
    confirming: &AtomicUsize,
) -> Vec<String> {
    let (key, cert) = open_key(key_file);
    let started = Instant::now();
    // Login: the challenge from one node, the signed login at the other.
    let token = lb.login(seq as usize % 2, &key, &cert);
    let p7s = application(&key, &cert);
    let idempotency_key = format!("two-nodes-{seq}");
    let headers = [
        ("content-type", "application/cms"),
        ("idempotency-key", idempotency_key.as_str()),
    ];
    // The same submission to both nodes at once (a client retrying
    // through the balancer): one application, named by both answers.
    let numbers: Vec<i64> = std::thread::scope(|scope| {
        let sends: Vec<_> = (0..2)
            .map(|first| {
                let (p7s, headers, token) = (&p7s, &headers, &token);
                scope.spawn(move || {
                    let (status, _, body) = lb.request(
                        first,
                        "POST",
                        "/v1/applications",
                        Some(token),
                        headers,
                        Some(p7s),
                    );
                    assert!(status == 202 || status == 200, "submit {status}: {body}");
                    body["number"].as_i64().unwrap()
                })
            })
            .collect();
        sends.into_iter().map(|s| s.join().unwrap()).collect()
    });
    assert_eq!(numbers[0], numbers[1], "one application for one key");
    let number = numbers[0];
    confirming.fetch_add(1, Ordering::SeqCst);
    // The code; a node killed between committing the application and
    // handing its SMS over leaves none, and the citizen asks again.
    let code = match code_for(home, number, Duration::from_secs(5)) {
        Some(code) => code,
        None => {
            let (status, body) = lb.json(
                1,
                "POST",
                &format!("/v1/applications/{number}/resend-code"),
                &token,
                &Value::Null,
            );
            assert_eq!(status, 200, "resend-code: {body}");
            code_for(home, number, Duration::from_secs(10)).expect("the resent code")
        }
    };
    // Confirm on node A (the balancer's pick); a confirmation cut off by
    // the kill is followed on node B as the client follows any.
    let (status, body) = lb.json(
        0,
        "POST",
        &format!("/v1/applications/{number}/confirm"),
        &token,
        &json!({ "code": code }),
    );
    assert!(
        [200, 202, 409].contains(&status),
        "confirm of {number}: {status} {body}"
    );
    loop {
        let (status, _, body) = lb.request(
            1,
            "GET",
            &format!("/v1/applications/{number}"),
            Some(&token),
            &[],
            None,
        );
        assert_eq!(status, 200, "{body}");
        if body["state"] == "issued" {
            break;
        }
        assert!(
            started.elapsed() < DEADLINE,
            "application {number} is stuck: {body}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let (status, _, body) = lb.request(
        seq as usize % 2,
        "GET",
        &format!("/v1/applications/{number}/certificates"),
        Some(&token),
        &[],
        None,
    );
    assert_eq!(status, 200, "{body}");
    body["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["serial"].as_str().unwrap().to_uppercase())
        .collect()
}

/// Certificates of other citizens (e-mail only) ending in ten days: an
/// e-mail notice each is due at once.
fn seed_due_notices(home: &Path) {
    let store = db(home);
    let conn = store.conn();
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let end = now + 10 * 86_400;
    for id in 1..=DUE_NOTICES {
        let iin = format!("8001013{id:05}");
        conn.execute(
            "INSERT INTO citizens (iin, surname, name, email, created_at)
             VALUES (?1, 'Сейітова', 'Айгүл', 'aigul@mail.kz', 0)",
            params![iin],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO certificates (serial, iin, ca, purpose, algorithm, not_before,
                 not_after, der)
             VALUES (?1, ?2, 'ecdsa', 'sign', 'P-256', ?3, ?4, ?5)",
            params![
                format!("7E{id:04X}"),
                iin,
                end - 365 * 86_400,
                end,
                vec![0x30u8, 0x00]
            ],
        )
        .unwrap();
    }
}

#[test]
fn two_nodes_one_database_renewals_fail_over_and_nothing_is_lost_or_doubled() {
    let started = Instant::now();
    let (a, b) = two_nodes(|config| {
        *config = config.replace(
            "challenges_per_minute = 600",
            "challenges_per_minute = 10000",
        );
    });
    let home = a.home();
    // Enrolment writes the keys' password file: one at a time.
    let keys: Vec<_> = (1..=CITIZENS)
        .map(|i| a.enroll(&iin(900 + i), "gost2015", &[]).remove(0))
        .collect();
    seed_due_notices(&home);
    let failovers = AtomicUsize::new(0);
    let confirming = AtomicUsize::new(0);
    let lb = Balancer {
        nodes: [&a, &b],
        failovers: &failovers,
    };
    let serials: Vec<Vec<String>> = std::thread::scope(|scope| {
        // Node A dies once half the renewals have submitted.
        let killer = scope.spawn(|| {
            while confirming.load(Ordering::SeqCst) < (CITIZENS / 2) as usize {
                assert!(started.elapsed() < DEADLINE, "the renewals never got going");
                std::thread::sleep(Duration::from_millis(20));
            }
            a.kill();
        });
        let renewals: Vec<_> = keys
            .iter()
            .zip(900 + 1..)
            .map(|(key, seq)| {
                let (home, lb, confirming) = (&home, &lb, &confirming);
                scope.spawn(move || renew(home, lb, seq, key, confirming))
            })
            .collect();
        let serials = renewals.into_iter().map(|r| r.join().unwrap()).collect();
        killer.join().unwrap();
        serials
    });
    assert!(
        failovers.load(Ordering::SeqCst) > 0,
        "no request met the dead node: the kill proved nothing"
    );

    // Every renewal finished with its own certificate: one application per
    // citizen (the submissions to both nodes made one), unique serials.
    let store = db(&home);
    let conn = store.conn();
    for (i, serials) in serials.iter().enumerate() {
        let citizen = iin(901 + i as u32);
        let applications: Vec<(i64, String)> = conn
            .prepare("SELECT id, state FROM applications WHERE iin = ?1")
            .unwrap()
            .query_map(params![citizen], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(applications.len(), 1, "{citizen}: {applications:?}");
        let (number, state) = &applications[0];
        assert_eq!(state, "issued");
        let recorded: Vec<String> = conn
            .prepare("SELECT serial FROM certificates WHERE application_id = ?1")
            .unwrap()
            .query_map(params![number], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(&recorded, serials, "application {number}");
        for action in ["submit", "confirm", "approve", "issue"] {
            let rows: i64 = conn
                .query_row(
                    "SELECT COUNT(*) FROM audit WHERE action = ?1 AND subject = ?2",
                    params![action, number.to_string()],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(rows, 1, "application {number}: audit rows '{action}'");
        }
    }
    assert_eq!(
        count(
            &home,
            "SELECT COUNT(*) FROM (SELECT serial FROM certificates GROUP BY serial HAVING COUNT(*) > 1) AS duplicates"
        ),
        0,
        "duplicate serials"
    );

    // Each due notice sent once, by whichever node claimed it, and
    // nothing more after a few more runs of node B. Ten days before the
    // end the 14-day e-mail is due; the 30-day one is recorded as skipped.
    let sent = "SELECT COUNT(*) FROM notices WHERE channel = 'email' AND days_before = 14";
    let until = Instant::now() + Duration::from_secs(20);
    while count(&home, sent) < DUE_NOTICES {
        assert!(Instant::now() < until, "the due notices were not all sent");
        std::thread::sleep(Duration::from_millis(200));
    }
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(count(&home, sent), DUE_NOTICES);
    assert_eq!(
        count(&home, "SELECT COUNT(*) FROM notices"),
        2 * DUE_NOTICES
    );
    assert_eq!(count(&home, "SELECT COUNT(*) FROM notice_leases"), 0);
    assert_eq!(
        count(
            &home,
            "SELECT COUNT(*) FROM outbox WHERE channel = 'email' AND recipient = 'aigul@mail.kz'"
        ),
        DUE_NOTICES,
        "each notice once"
    );
    assert_eq!(
        count(
            &home,
            "SELECT COUNT(*) FROM audit WHERE action = 'notice.sent'"
        ),
        DUE_NOTICES
    );
    println!(
        "two nodes: {CITIZENS} renewals, {} failovers, {DUE_NOTICES} notices, {:.1} s",
        failovers.load(Ordering::SeqCst),
        started.elapsed().as_secs_f64()
    );
}

/// Wait, if needed, so that the next few seconds fall in one minute's
/// rate-limit window (windows start at whole minutes).
fn away_from_a_minute_boundary() {
    let second = OffsetDateTime::now_utc().unix_timestamp().rem_euclid(60);
    if second >= 45 {
        std::thread::sleep(Duration::from_secs((61 - second) as u64));
    }
}

#[test]
fn rate_limits_are_shared_by_the_nodes_and_a_citizen_limit_holds_back_only_that_citizen() {
    let (a, b) = two_nodes(|config| {
        *config = config
            .replace("challenges_per_minute = 600", "challenges_per_minute = 8")
            .replace(
                "logins_per_iin_per_minute = 10",
                "logins_per_iin_per_minute = 2",
            );
    });
    let first = a.enroll(&iin(951), "gost2015", &[]);
    let second = a.enroll(&iin(952), "gost2015", &[]);
    let failovers = AtomicUsize::new(0);
    let lb = Balancer {
        nodes: [&a, &b],
        failovers: &failovers,
    };
    let (key, cert) = open_key(&first[0]);
    let (key2, cert2) = open_key(&second[0]);
    away_from_a_minute_boundary();

    // Citizen 951 logs in twice, through each node in turn (challenges
    // 1-2 of the address), then a third time: refused per IIN, whichever
    // node counted the first two (challenge 3).
    lb.login(0, &key, &cert);
    lb.login(1, &key, &cert);
    let (status, headers, body, _) = lb.try_login(0, &key, &cert);
    assert_eq!(status, 429, "the third login of 951 in the minute: {body}");
    assert_eq!(body["code"], "rate-limited");
    let retry_after: u64 = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("retry-after"))
        .map(|(_, v)| v.parse().unwrap())
        .expect("Retry-After");
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    // Citizen 952 behind the same address is not held back (4-5).
    lb.login(1, &key2, &cert2);
    lb.login(0, &key2, &cert2);
    // Challenges 6-8 of the address, over both nodes; the 9th is refused,
    // by either node.
    for node in [0, 1, 0] {
        let (status, _, body) = lb.request(node, "POST", "/v1/auth/challenge", None, &[], None);
        assert_eq!(status, 201, "{body}");
    }
    for node in [1, 0] {
        let (status, headers, body) =
            lb.request(node, "POST", "/v1/auth/challenge", None, &[], None);
        assert_eq!(
            status, 429,
            "over 8 challenges a minute on both nodes: {body}"
        );
        assert!(
            headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("retry-after"))
        );
    }
    assert_eq!(failovers.load(Ordering::SeqCst), 0);
}

/// The serials a CRL lists.
fn crl_serials(der: &[u8]) -> Vec<String> {
    use der::Decode;
    let crl: x509_cert::crl::CertificateList =
        x509_cert::crl::CertificateList::from_der(der).unwrap();
    crl.tbs_cert_list
        .revoked_certificates
        .unwrap_or_default()
        .iter()
        .map(|r| qoltanba_pki::cert::serial_hex(r.serial_number.as_bytes()))
        .collect()
}

#[test]
fn a_revocation_through_one_node_is_on_the_crl_of_the_other() {
    let (a, b) = two_nodes(|_| {});
    let files = a.enroll(&iin(961), "gost2015", &[]);
    let (key, cert) = open_key(&files[0]);
    let failovers = AtomicUsize::new(0);
    let lb = Balancer {
        nodes: [&a, &b],
        failovers: &failovers,
    };
    // Node B has served (and kept) its CRL before the revocation.
    let (status, _, before) = b.request("GET", "/v1/crl/gost.crl", None, &[], None);
    assert_eq!(status, 200);
    assert!(!crl_serials(&before).contains(&cert.serial_hex()));
    let token = lb.login(0, &key, &cert);
    let request = json!({ "serial": cert.serial_hex(), "reason": "keyCompromise" }).to_string();
    let signed = qoltanba_pki::signed_message::sign_message(
        request.as_bytes(),
        &key,
        &cert,
        OffsetDateTime::now_utc(),
    )
    .unwrap();
    let (status, _, body) = a.request(
        "POST",
        "/v1/revocations",
        Some(&token),
        &[("content-type", "application/cms")],
        Some(&signed),
    );
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let (status, _, after) = b.request("GET", "/v1/crl/gost.crl", None, &[], None);
    assert_eq!(status, 200);
    assert!(
        crl_serials(&after).contains(&cert.serial_hex()),
        "node B serves node A's newer CRL"
    );
    let (_, _, from_a) = a.request("GET", "/v1/crl/gost.crl", None, &[], None);
    assert_eq!(from_a, after, "one CRL, whichever node serves it");
}

/// Wrong codes sent at once through both nodes: each costs one try (the
/// default three), so two are told so and the third locks the application;
/// the rest find it locked. None slips past the count.
#[test]
fn wrong_codes_sent_at_once_to_both_nodes_cost_one_try_each() {
    let (a, b) = two_nodes(|_| {});
    let files = a.enroll(&iin(971), "gost2015", &[]);
    let (key, cert) = open_key(&files[0]);
    let failovers = AtomicUsize::new(0);
    let lb = Balancer {
        nodes: [&a, &b],
        failovers: &failovers,
    };
    let token = lb.login(0, &key, &cert);
    let p7s = application(&key, &cert);
    let (status, _, body) = lb.request(
        1,
        "POST",
        "/v1/applications",
        Some(&token),
        &[("content-type", "application/cms")],
        Some(&p7s),
    );
    assert_eq!(status, 202, "{body}");
    let number = body["number"].as_i64().unwrap();
    let code = code_for(&a.home(), number, Duration::from_secs(10)).unwrap();
    let wrong = format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000);
    let statuses: Vec<(u16, String)> = std::thread::scope(|scope| {
        let sends: Vec<_> = (0..8)
            .map(|i| {
                let (lb, token, wrong) = (&lb, &token, &wrong);
                scope.spawn(move || {
                    let (status, body) = lb.json(
                        i % 2,
                        "POST",
                        &format!("/v1/applications/{number}/confirm"),
                        token,
                        &json!({ "code": wrong }),
                    );
                    (
                        status,
                        body["code"].as_str().unwrap_or_default().to_string(),
                    )
                })
            })
            .collect();
        sends.into_iter().map(|s| s.join().unwrap()).collect()
    });
    let told = statuses
        .iter()
        .filter(|(s, c)| *s == 422 && c == "wrong-code")
        .count();
    let locked = statuses
        .iter()
        .filter(|(s, c)| *s == 423 && c == "application-locked")
        .count();
    assert_eq!((told, locked), (2, 6), "{statuses:?}");
    assert_eq!(
        count(
            &a.home(),
            &format!("SELECT COUNT(*) FROM audit WHERE action = 'lock' AND subject = '{number}'")
        ),
        1
    );
    // The right code no longer helps.
    let (status, body) = lb.json(
        0,
        "POST",
        &format!("/v1/applications/{number}/confirm"),
        &token,
        &json!({ "code": code }),
    );
    assert_eq!(status, 423, "{body}");
}
