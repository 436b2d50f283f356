//! Operating the RA (issue 20, operations), against the real binary:
//! SIGTERM and SIGINT stop it gracefully (an open request is answered, new
//! connections are refused, exit 0; with a drain `/readyz` says 503 first),
//! telling systemd READY=1 and STOPPING=1 on `NOTIFY_SOCKET`;
//! a renewal with the log at TRACE in JSON leaves none of its secrets in
//! the log, and every line is JSON, one access line per request with the
//! route template; the client address comes from X-Forwarded-For only
//! through a trusted proxy (the rate limit, the access log and the audit
//! see it); the Prometheus counters move as the traffic says. The servers
//! serve plain HTTP on loopback so the tests can speak HTTP/1.1 by hand
//! from chosen source addresses.
#![allow(clippy::unwrap_used)] // a test: a failed unwrap is a failed run

mod support;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use base64::Engine;
use qoltanba_pki::cert::Purpose;
use qoltanba_pki::crypto::{KeySpec, Signer, SoftwareKey, generate};
use qoltanba_pki::keyfile::Password;
use qoltanba_pki::reissue::{ApplicationDetails, StorageKind, build_application};
use serde_json::{Value, json};
use support::*;
use time::OffsetDateTime;

/// Plain HTTP instead of HTTPS (loopback only), plus `extra` edits.
fn plain(config: &mut String, extra: &[(&str, &str)]) {
    *config = config.replace("tls = true", "tls = false");
    for (from, to) in extra {
        assert!(config.contains(from), "config.toml has no {from:?}");
        *config = config.replacen(from, to, 1);
    }
}

fn addr(s: &Server) -> SocketAddr {
    s.base.strip_prefix("http://").unwrap().parse().unwrap()
}

/// One HTTP/1.1 request by hand from source address `from` (on loopback),
/// `Connection: close`; the whole answer as text.
fn raw(to: SocketAddr, from: &str, request: &str) -> String {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket
            .bind(SocketAddr::new(from.parse().unwrap(), 0))
            .unwrap();
        let mut stream = socket.connect(to).await.unwrap();
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await.unwrap();
        String::from_utf8_lossy(&answer).into_owned()
    })
}

fn status_of(answer: &str) -> u16 {
    answer[9..12].parse().unwrap()
}

fn get(to: SocketAddr, path: &str) -> String {
    raw(
        to,
        "127.0.0.1",
        &format!("GET {path} HTTP/1.1\r\nHost: ra\r\nConnection: close\r\n\r\n"),
    )
}

fn signal(s: &Server, which: rustix::process::Signal) {
    let pid = rustix::process::Pid::from_raw(i32::try_from(s.pid()).unwrap()).unwrap();
    rustix::process::kill_process(pid, which).unwrap();
}

/// A login whose body (64 bytes announced) is only half sent: the request
/// stays open until [`finish_slow_login`].
fn start_slow_login(to: SocketAddr) -> TcpStream {
    let mut stream = TcpStream::connect(to).unwrap();
    stream
        .write_all(
            b"POST /v1/auth/login HTTP/1.1\r\nHost: ra\r\nContent-Type: application/cms\r\nContent-Length: 64\r\n\r\n",
        )
        .unwrap();
    stream.write_all(&[0x30; 32]).unwrap();
    stream
}

/// The other half of the body, and the answer: a refusal of the garbage
/// sent as a signed message, which proves the request was served to its end.
fn finish_slow_login(mut stream: TcpStream) -> String {
    stream.write_all(&[0x30; 32]).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

/// Poll until connecting fails (the listener closed); how long it took.
fn refused_within(to: SocketAddr, limit: Duration) -> Duration {
    let started = Instant::now();
    while started.elapsed() < limit {
        if TcpStream::connect_timeout(&to, Duration::from_millis(200)).is_err() {
            return started.elapsed();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("new connections were still accepted {limit:?} after the signal");
}

fn stops_gracefully(which: rustix::process::Signal, name: &str, drain: u64) {
    let drain_line = format!("drain_seconds = {drain}");
    // systemd's readiness socket (Type=notify in the unit).
    let sockets = tempfile::tempdir().unwrap();
    let notify_path = sockets.path().join("notify");
    let systemd = std::os::unix::net::UnixDatagram::bind(&notify_path).unwrap();
    systemd
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let s = Server::start_with(
        |c| plain(c, &[("drain_seconds = 0", &drain_line)]),
        "debug",
        &[("NOTIFY_SOCKET", notify_path.as_os_str())],
    );
    let to = addr(&s);
    let mut datagram = [0u8; 64];
    let n = systemd.recv(&mut datagram).unwrap();
    assert_eq!(&datagram[..n], b"READY=1");
    let slow = start_slow_login(to);
    // The server has the request's headers and waits for its body.
    std::thread::sleep(Duration::from_millis(300));
    signal(&s, which);
    if drain > 0 {
        // Draining: still accepting, but no longer ready.
        std::thread::sleep(Duration::from_millis(200));
        let ready = get(to, "/readyz");
        assert_eq!(status_of(&ready), 503, "{ready}");
        assert!(ready.contains("\"code\":\"shutting-down\""), "{ready}");
        assert_eq!(status_of(&get(to, "/healthz")), 200);
    }
    let n = systemd.recv(&mut datagram).unwrap();
    assert_eq!(&datagram[..n], b"STOPPING=1");
    let took = refused_within(to, Duration::from_secs(drain + 5));
    if drain > 0 {
        assert!(
            took >= Duration::from_millis(drain * 1000 - 700),
            "{took:?}"
        );
    }
    assert!(
        s.wait_exit(Duration::from_millis(300)).is_none(),
        "the server exited with a request still open"
    );
    let answer = finish_slow_login(slow);
    assert_eq!(status_of(&answer), 400, "{answer}");
    assert!(answer.contains("bad-signed-message"), "{answer}");
    let status = s
        .wait_exit(Duration::from_secs(10))
        .expect("the server exits once its requests are answered");
    assert_eq!(status.code(), Some(0), "{status:?}\n{}", s.log());
    let log = s.log();
    assert!(log.contains(&format!("{name}: stopping")), "{log}");
    assert!(log.contains("stopped"), "{log}");
}

#[test]
fn sigterm_answers_the_open_request_refuses_new_ones_and_exits_0() {
    stops_gracefully(rustix::process::Signal::TERM, "SIGTERM", 0);
}

#[test]
fn sigint_drains_with_readyz_503_then_stops_the_same_way() {
    stops_gracefully(rustix::process::Signal::INT, "SIGINT", 2);
}

/// Every `name{labels} value` line of a Prometheus text exposition.
fn parse_metrics(text: &str) -> BTreeMap<String, f64> {
    let mut samples = BTreeMap::new();
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            assert!(
                line.starts_with("# HELP ") || line.starts_with("# TYPE ") || line.is_empty(),
                "{line}"
            );
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap();
        let value: f64 = value.parse().unwrap_or_else(|_| panic!("{line}"));
        assert!(
            samples.insert(series.to_string(), value).is_none(),
            "{line} twice"
        );
    }
    samples
}

fn scrape(port: u16) -> BTreeMap<String, f64> {
    let answer = get(SocketAddr::from(([127, 0, 0, 1], port)), "/metrics");
    assert_eq!(status_of(&answer), 200, "{answer}");
    assert!(answer.contains("text/plain; version=0.0.4"), "{answer}");
    parse_metrics(answer.split_once("\r\n\r\n").unwrap().1)
}

fn sample(metrics: &BTreeMap<String, f64>, series: &str) -> f64 {
    metrics.get(series).copied().unwrap_or(0.0)
}

fn challenge(to: SocketAddr, from: &str, forwarded_for: Option<&str>) -> u16 {
    let header = forwarded_for
        .map(|v| format!("X-Forwarded-For: {v}\r\n"))
        .unwrap_or_default();
    status_of(&raw(
        to,
        from,
        &format!(
            "POST /v1/auth/challenge HTTP/1.1\r\nHost: ra\r\n{header}Content-Length: 0\r\nConnection: close\r\n\r\n"
        ),
    ))
}

fn details() -> ApplicationDetails {
    ApplicationDetails {
        email: "testov@example.kz".into(),
        locality: "Астана".into(),
        storage: StorageKind::File,
    }
}

/// Each encoding of `bytes` a log line could carry.
fn encodings(bytes: &[u8]) -> Vec<String> {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    vec![
        hex::encode(bytes),
        hex::encode_upper(bytes),
        STANDARD.encode(bytes),
        URL_SAFE_NO_PAD.encode(bytes),
        format!("{bytes:?}"),
    ]
}

/// Whether `code` stands alone somewhere in `text` (not inside a longer
/// run of digits or hex, such as a timestamp or a request id).
fn has_token(text: &str, code: &str) -> bool {
    text.match_indices(code).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + code.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_alphanumeric())
            && !after.is_some_and(|c| c.is_ascii_alphanumeric())
    })
}

/// The renewal, the log and its secrets, the client address and the
/// metrics, on one server (one start for all).
#[test]
fn a_renewal_logs_json_without_secrets_and_the_metrics_and_client_address_follow() {
    let metrics_port = qoltanba_testkit::ra_process::free_port();
    let metrics_line = format!("[metrics]\nlisten = \"127.0.0.1:{metrics_port}\"\n");
    let s = Server::start_logging(
        |c| {
            plain(
                c,
                &[
                    ("[metrics]\n", &metrics_line),
                    ("format = \"text\"", "format = \"json\""),
                    ("trusted = []", "trusted = [\"127.0.0.1/32\"]"),
                    ("challenges_per_minute = 600", "challenges_per_minute = 2"),
                    // The scheduler's pass comes every second.
                    ("interval_seconds = 3600", "interval_seconds = 1"),
                ],
            )
        },
        "trace",
    );
    let to = addr(&s);
    let before = scrape(metrics_port);

    // Probes.
    let alive = get(to, "/healthz");
    assert_eq!(status_of(&alive), 200, "{alive}");
    assert!(alive.contains("{\"status\":\"alive\"}"), "{alive}");
    let ready = get(to, "/readyz");
    assert_eq!(status_of(&ready), 200, "{ready}");
    assert!(ready.contains("\"ca_keys\":\"loaded\""), "{ready}");

    // The client address. From the trusted proxy, the forwarded client
    // has its own two challenges a minute.
    assert_eq!(challenge(to, "127.0.0.1", Some("198.51.100.7")), 201);
    assert_eq!(challenge(to, "127.0.0.1", Some("198.51.100.7")), 201);
    assert_eq!(challenge(to, "127.0.0.1", Some("198.51.100.7")), 429);
    // Through a second trusted hop, the same client; a spoofed left part
    // in front of a fresh client does not matter.
    assert_eq!(
        challenge(to, "127.0.0.1", Some("198.51.100.7, 127.0.0.1")),
        429
    );
    assert_eq!(
        challenge(to, "127.0.0.1", Some("198.51.100.7, 198.51.100.8")),
        201
    );
    // From an untrusted peer the header is ignored: the peer is the client,
    // whatever it claims.
    assert_eq!(challenge(to, "127.0.0.2", Some("198.51.100.9")), 201);
    assert_eq!(challenge(to, "127.0.0.2", Some("198.51.100.10")), 201);
    assert_eq!(challenge(to, "127.0.0.2", Some("198.51.100.11")), 429);
    // A query string never reaches the log.
    let _ = get(to, "/v1/certificates?token=SECRETQUERY77");

    // The renewal: enrolment, login, application, code, certificates.
    let iin = iin(5151);
    let files = s.enroll(&iin, "p256", &[]);
    // Another citizen's certificate ends in 20 days: the scheduler's next
    // pass sends its 30-day e-mail notice.
    s.enroll(
        &qoltanba_testkit::citizen::iin(5152),
        "gost2015",
        &["--valid-days", "20"],
    );
    let is_auth = |f: &&std::path::PathBuf| {
        f.file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("AUTH_")
    };
    let auth = files.iter().find(is_auth).unwrap();
    let sign = files.iter().find(|f| !is_auth(f)).unwrap();
    let (auth_key, auth_cert) = open_key(auth);
    let (sign_key, sign_cert) = open_key(sign);
    let token = s.login(&auth_key, &auth_cert);
    let keys: Vec<(Purpose, SoftwareKey)> = vec![
        (Purpose::Auth, generate(KeySpec::P256).unwrap()),
        (Purpose::Sign, generate(KeySpec::P256).unwrap()),
    ];
    let requests: Vec<(Purpose, &dyn Signer)> =
        keys.iter().map(|(p, k)| (*p, k as &dyn Signer)).collect();
    let signed = build_application(
        &sign_cert,
        &sign_key,
        &requests,
        &details(),
        OffsetDateTime::now_utc(),
    )
    .unwrap();
    let (status, _, body) = s.request(
        "POST",
        "/v1/applications",
        Some(&token),
        &[("content-type", "application/cms")],
        Some(&signed.p7s_der),
    );
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(status, 202, "{body}");
    let number = body["number"].as_i64().unwrap();
    let code = s.last_code();
    let (status, body) = s.json(
        "POST",
        &format!("/v1/applications/{number}/confirm"),
        Some(&token),
        Some(&json!({ "code": code })),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["state"], "issued");
    let (status, body) = s.json(
        "GET",
        &format!("/v1/applications/{number}/certificates"),
        Some(&token),
        None,
    );
    assert_eq!(status, 200, "{body}");

    // The metrics moved as the traffic says.
    let started = Instant::now();
    let after = loop {
        let after = scrape(metrics_port);
        // The scheduler's pass sends the enrolled certificate's e-mail notice.
        if sample(&after, "qoltanba_ra_notices_sent_total{channel=\"email\"}") >= 1.0
            || started.elapsed() > Duration::from_secs(10)
        {
            break after;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let moved = |series: &str| sample(&after, series) - sample(&before, series);
    assert_eq!(
        moved(
            "qoltanba_ra_http_requests_total{method=\"POST\",route=\"/v1/auth/challenge\",status=\"201\"}"
        ),
        // Five by hand, one for the login.
        6.0
    );
    assert_eq!(
        moved(
            "qoltanba_ra_http_requests_total{method=\"POST\",route=\"/v1/auth/challenge\",status=\"429\"}"
        ),
        3.0
    );
    assert_eq!(
        moved("qoltanba_ra_rate_limited_total{bucket=\"challenge\"}"),
        3.0
    );
    assert_eq!(
        moved("qoltanba_ra_http_requests_total{method=\"GET\",route=\"/readyz\",status=\"200\"}"),
        1.0
    );
    assert_eq!(
        moved(
            "qoltanba_ra_http_requests_total{method=\"POST\",route=\"/v1/applications/{number}/confirm\",status=\"200\"}"
        ),
        1.0
    );
    assert_eq!(
        moved(
            "qoltanba_ra_http_request_duration_seconds_count{route=\"/v1/applications/{number}/confirm\"}"
        ),
        1.0
    );
    assert_eq!(
        sample(
            &after,
            "qoltanba_ra_http_request_duration_seconds_bucket{route=\"/v1/applications/{number}/confirm\",le=\"+Inf\"}"
        ),
        1.0
    );
    let issued: f64 = after
        .iter()
        .filter(|(k, _)| k.starts_with("qoltanba_ra_certificates_issued_total{"))
        .map(|(_, v)| v)
        .sum();
    assert_eq!(issued, 2.0, "{after:?}");
    assert_eq!(
        sample(&after, "qoltanba_ra_applications{state=\"issued\"}"),
        1.0
    );
    assert_eq!(sample(&after, "qoltanba_ra_database_up"), 1.0);
    assert!(
        sample(&after, "qoltanba_ra_notices_sent_total{channel=\"email\"}") >= 1.0,
        "{after:?}\n{}",
        s.log()
    );
    assert!(after.contains_key("qoltanba_ra_connections_open"));
    // The scrape itself is not an API request.
    assert!(!after.keys().any(|k| k.contains("/metrics")));

    // The log: JSON lines, access lines with the fields, no raw paths.
    let log = s.log();
    let mut access = Vec::new();
    for line in log.lines() {
        let event: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("a log line that is not JSON ({e}): {line}"));
        for field in ["timestamp", "level", "target"] {
            assert!(event.get(field).is_some(), "no {field}: {line}");
        }
        if event["target"] == "qoltanba_ra::access" {
            access.push(event);
        }
    }
    for event in &access {
        assert!(event["method"].is_string(), "{event}");
        assert!(event["status"].is_u64(), "{event}");
        assert!(event["duration_ms"].is_number(), "{event}");
        assert!(event["client"].is_string(), "{event}");
        let id = event["request_id"].as_str().unwrap();
        assert!(
            id.len() == 16 && id.chars().all(|c| c.is_ascii_hexdigit()),
            "{event}"
        );
        let route = event["route"].as_str().unwrap();
        assert!(route == "unmatched" || route.starts_with('/'), "{event}");
        assert!(!route.contains('?'), "{event}");
        assert!(
            !route
                .split('/')
                .any(|seg| !seg.is_empty() && seg.chars().all(|c| c.is_ascii_digit())),
            "a raw path in the access log: {event}"
        );
    }
    let routes: Vec<&str> = access
        .iter()
        .map(|e| e["route"].as_str().unwrap())
        .collect();
    assert!(
        routes.contains(&"/v1/applications/{number}/confirm"),
        "{routes:?}"
    );
    assert!(routes.contains(&"/healthz"));
    let clients: Vec<&str> = access
        .iter()
        .filter(|e| e["route"] == "/v1/auth/challenge")
        .map(|e| e["client"].as_str().unwrap())
        .collect();
    assert_eq!(
        clients[..8],
        [
            "198.51.100.7",
            "198.51.100.7",
            "198.51.100.7",
            "198.51.100.7",
            "198.51.100.8",
            "127.0.0.2",
            "127.0.0.2",
            "127.0.0.2"
        ],
        "{clients:?}"
    );
    for spoofed in ["198.51.100.9", "198.51.100.10", "198.51.100.11"] {
        assert!(!log.contains(spoofed), "{spoofed} was believed:\n{log}");
    }
    // The audit records where the login came from.
    let db = qoltanba_testkit::ra_process::db(&s.home());
    let from: String = db
        .conn()
        .query_row(
            "SELECT detail FROM audit WHERE action = 'login' AND actor = ?1",
            qoltanba_ra::params![iin],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(from, "from 127.0.0.1");

    // No secret of the renewal is in the log.
    assert!(!log.contains("SECRETQUERY77"));
    assert!(!log.contains(&token), "the session token is logged");
    assert!(
        !has_token(&log, &code),
        "the one-time code {code} is logged"
    );
    assert!(
        !log.contains(PASSPHRASE),
        "the operator passphrase is logged"
    );
    assert!(
        !log.contains(CITIZEN_PASSWORD),
        "the key-file password is logged"
    );
    let home = qoltanba_ra::home::Home::open(&s.home()).unwrap();
    let pass = Password::new(PASSPHRASE);
    let cas = home.unlock_cas(&pass).unwrap();
    let tls = home.unlock_tls(&pass).unwrap();
    let mut keys: Vec<(String, Vec<u8>)> = vec![
        ("the root CA key".into(), cas.root.key.pkcs8_der().to_vec()),
        ("the TLS key".into(), tls.key.pkcs8_der().to_vec()),
        (
            "the citizen's AUTH key".into(),
            auth_key.pkcs8_der().to_vec(),
        ),
    ];
    for ca in &cas.issuing {
        keys.push((
            format!("the {} CA key", ca.kind.name()),
            ca.key.pkcs8_der().to_vec(),
        ));
    }
    for (what, der) in keys {
        for encoded in encodings(&der) {
            assert!(!log.contains(&encoded), "{what} is logged");
        }
    }
    // Every request of the test has its access line (16 by the count above).
    assert!(access.len() >= 16, "{} access lines:\n{log}", access.len());
}
