//! A plain HTTP/1.1 service on a loopback port that records every request
//! and answers with a status and JSON body the test chooses: the stand-in
//! for the services the RA's senders call (FCM, the SMS gateway, APNs).
//! The notify tests of the RA and the embedded RA's push capture
//! ([`crate::embedded::EmbeddedRa::run_notifier`]) use it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

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

    /// The body as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// An HTTP service on 127.0.0.1 with a random port. Dropping it stops it.
pub struct HttpFake {
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<Request>>>,
    answer: Arc<Mutex<Answers>>,
    stopped: Arc<AtomicBool>,
}

/// The standing answer, and one-off answers given first, in order (a
/// service that fails a few times, then works).
#[derive(Default)]
struct Answers {
    standing: (u16, String),
    next: std::collections::VecDeque<(u16, String)>,
}

impl Answers {
    fn take(&mut self) -> (u16, String) {
        self.next
            .pop_front()
            .unwrap_or_else(|| self.standing.clone())
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl HttpFake {
    /// Listen on a free loopback port, answering `200 {}` until told otherwise.
    pub fn start() -> std::io::Result<HttpFake> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let fake = HttpFake {
            addr: listener.local_addr()?,
            requests: Arc::default(),
            answer: Arc::new(Mutex::new(Answers {
                standing: (200, "{}".to_owned()),
                next: Default::default(),
            })),
            stopped: Arc::default(),
        };
        let (requests, answer, stopped) = (
            fake.requests.clone(),
            fake.answer.clone(),
            fake.stopped.clone(),
        );
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopped.load(Ordering::Acquire) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let (requests, answer) = (requests.clone(), answer.clone());
                std::thread::spawn(move || serve(stream, &requests, &answer));
            }
        });
        Ok(fake)
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Answer every following request with this status and JSON body.
    pub fn answer(&self, status: u16, body: &str) {
        lock(&self.answer).standing = (status, body.to_owned());
    }

    /// Answer the next `count` requests with `status` and an empty JSON
    /// object, before the standing [`answer`](Self::answer): a service that
    /// fails `count` times, then works.
    pub fn fail_next(&self, count: usize, status: u16) {
        let mut answers = lock(&self.answer);
        for _ in 0..count {
            answers.next.push_back((status, "{}".to_owned()));
        }
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Request> {
        lock(&self.requests).clone()
    }

    /// The requests so far, forgetting them.
    pub fn take_requests(&self) -> Vec<Request> {
        std::mem::take(&mut *lock(&self.requests))
    }
}

impl Drop for HttpFake {
    fn drop(&mut self) {
        self.stopped.store(true, Ordering::Release);
        // Wake the accepting thread so it sees the flag and ends.
        let _ = TcpStream::connect(self.addr);
    }
}

fn serve(stream: TcpStream, requests: &Mutex<Vec<Request>>, answer: &Mutex<Answers>) {
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
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
    lock(requests).push(Request {
        method,
        path,
        headers,
        body,
    });
    let (status, text) = lock(answer).take();
    let reply = format!(
        "HTTP/1.1 {status} Fake\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
        text.len()
    );
    let mut stream = stream;
    let _ = stream.write_all(reply.as_bytes());
    let _ = stream.flush();
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // a test: a failed unwrap is a failed run

    use super::*;

    #[test]
    fn the_fake_records_and_answers() {
        let fake = HttpFake::start().unwrap();
        fake.answer(418, r#"{"teapot":true}"#);
        let mut stream = TcpStream::connect(fake.addr).unwrap();
        stream
            .write_all(b"POST /x HTTP/1.1\r\nHost: a\r\nX-Test: 1\r\nContent-Length: 2\r\n\r\n{}")
            .unwrap();
        let mut reply = String::new();
        stream.read_to_string(&mut reply).unwrap();
        assert!(reply.starts_with("HTTP/1.1 418"), "{reply}");
        let requests = fake.take_requests();
        assert_eq!(requests.len(), 1);
        assert_eq!(requests[0].path, "/x");
        assert_eq!(requests[0].header("x-test"), Some("1"));
        assert_eq!(requests[0].json(), serde_json::json!({}));
        assert!(fake.requests().is_empty(), "taken");
    }

    #[test]
    fn one_off_failures_come_before_the_standing_answer() {
        let fake = HttpFake::start().unwrap();
        fake.fail_next(2, 500);
        let status = |fake: &HttpFake| {
            let mut stream = TcpStream::connect(fake.addr).unwrap();
            stream
                .write_all(b"POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
                .unwrap();
            let mut reply = String::new();
            stream.read_to_string(&mut reply).unwrap();
            reply[9..12].to_owned()
        };
        assert_eq!(status(&fake), "500");
        assert_eq!(status(&fake), "500");
        assert_eq!(status(&fake), "200");
        assert_eq!(fake.requests().len(), 3);
    }

    #[test]
    fn a_dropped_fake_stops_listening() {
        let fake = HttpFake::start().unwrap();
        let addr = fake.addr;
        drop(fake);
        // The accepting thread ends on the wake-up connection; then the
        // port refuses (give the thread a moment to close the listener).
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while TcpStream::connect(addr).is_ok() {
            assert!(std::time::Instant::now() < deadline, "still listening");
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }
}
