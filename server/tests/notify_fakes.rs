//! Shared by the notify tests (`#[path = "notify_fakes.rs"] mod fakes;`):
//! a local HTTP/1.1 fake that records every request and answers with a
//! status and body the test chooses, and a temporary database with the
//! citizens, certificates and devices the tests talk about. Built on its
//! own it only tests the fake.
#![allow(dead_code)]
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use qoltanba_ra::db::Db;
use rusqlite::params;

/// One request the fake received. Header names are lower case.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("the request body is JSON")
    }
}

/// An HTTP service on 127.0.0.1 with a random port.
pub struct HttpFake {
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<Request>>>,
    answer: Arc<Mutex<(u16, String)>>,
}

impl HttpFake {
    pub fn start() -> HttpFake {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let fake = HttpFake {
            addr: listener.local_addr().unwrap(),
            requests: Arc::default(),
            answer: Arc::new(Mutex::new((200, "{}".to_owned()))),
        };
        let (requests, answer) = (fake.requests.clone(), fake.answer.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (requests, answer) = (requests.clone(), answer.clone());
                std::thread::spawn(move || serve(stream, &requests, &answer));
            }
        });
        fake
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Answer every following request with this status and JSON body.
    pub fn answer(&self, status: u16, body: &str) {
        *self.answer.lock().unwrap() = (status, body.to_owned());
    }

    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

fn serve(stream: TcpStream, requests: &Mutex<Vec<Request>>, answer: &Mutex<(u16, String)>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let path = parts.next().unwrap_or_default().to_owned();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    requests.lock().unwrap().push(Request {
        method,
        path,
        headers,
        body,
    });
    let (status, text) = answer.lock().unwrap().clone();
    let reply = format!(
        "HTTP/1.1 {status} Fake\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
        text.len()
    );
    let mut stream = stream;
    let _ = stream.write_all(reply.as_bytes());
    let _ = stream.flush();
}

/// The end of every test certificate: 2030-01-01T00:00:00Z.
pub const END: i64 = 1_893_456_000;
pub const DAY: i64 = 86_400;

/// A temporary database (kept alive by the returned directory).
pub fn database() -> (tempfile::TempDir, Db) {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&dir.path().join("ra.db")).unwrap();
    (dir, db)
}

pub fn citizen(db: &Db, iin: &str, email: Option<&str>, phone: Option<&str>) {
    db.lock()
        .execute(
            "INSERT INTO citizens (iin, surname, name, patronymic, email, phone, created_at)
             VALUES (?1, 'Сейітова', 'Айгүл', 'Серікқызы', ?2, ?3, 0)",
            params![iin, email, phone],
        )
        .unwrap();
}

/// A certificate; `state` is "valid", "revoked" or "replaced".
pub fn certificate(db: &Db, id: i64, iin: &str, not_after: i64, state: &str) {
    let (replaced, revoked) = match state {
        "valid" => (None, None),
        "revoked" => (None, Some(END - 100 * DAY)),
        "replaced" => (Some(END - 100 * DAY), None),
        other => panic!("unknown state {other}"),
    };
    db.lock()
        .execute(
            "INSERT INTO certificates (id, serial, iin, ca, purpose, algorithm, not_before,
                 not_after, der, replaced_at, revoked_at)
             VALUES (?1, ?2, ?3, 'ecdsa', 'sign', 'P-256', ?4, ?5, x'3000', ?6, ?7)",
            params![
                id,
                format!("5E{id:04X}"),
                iin,
                not_after - 365 * DAY,
                not_after,
                replaced,
                revoked
            ],
        )
        .unwrap();
}

pub fn device(db: &Db, iin: &str, platform: &str, token: &str, locale: &str) {
    db.lock()
        .execute(
            "INSERT INTO devices (iin, platform, token, locale, created_at)
             VALUES (?1, ?2, ?3, ?4, 0)",
            params![iin, platform, token, locale],
        )
        .unwrap();
}

pub fn at(unix: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(unix).unwrap()
}

#[test]
fn the_fake_records_and_answers() {
    let fake = HttpFake::start();
    fake.answer(418, r#"{"teapot":true}"#);
    let mut stream = TcpStream::connect(fake.addr).unwrap();
    stream
        .write_all(b"POST /x HTTP/1.1\r\nHost: a\r\nX-Test: 1\r\nContent-Length: 2\r\n\r\n{}")
        .unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 418"), "{reply}");
    let requests = fake.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].path, "/x");
    assert_eq!(requests[0].header("x-test"), Some("1"));
    assert_eq!(requests[0].json(), serde_json::json!({}));
}
