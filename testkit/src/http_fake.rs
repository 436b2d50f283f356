//! A service on a loopback port that records every request and answers
//! with a status and JSON body the test chooses: the stand-in for the
//! services the RA's senders call. [`HttpFake::start`] speaks plain
//! HTTP/1.1 (the SMS gateway); [`HttpFake::start_tls`] speaks TLS with a
//! [`TestCa`]'s certificate, HTTP/2 only (APNs) or HTTP/2 and HTTP/1.1 by
//! ALPN (FCM, Google's OAuth token endpoint), and records the protocol
//! version of each request. [`service_account`] writes a Google
//! service-account key file (a fresh RSA key). The notify
//! tests of the RA and the embedded RA's push capture
//! ([`crate::embedded::EmbeddedRa::run_notifier`]) use them.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// One request the fake received. Header names are lower case.
#[derive(Debug, Clone)]
pub struct Request {
    /// `HTTP/1.1` or `HTTP/2.0`.
    pub version: String,
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
    /// Set for a TLS fake: https URLs, and the runtime thread to stop.
    tls: Option<tokio::sync::oneshot::Sender<()>>,
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
            tls: None,
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
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// Listen on a free loopback port with TLS (the certificate of `ca`
    /// for 127.0.0.1), answering `200 {}` until told otherwise. With
    /// [`Protocols::Http2Only`] it offers only `h2` by ALPN, as Apple's
    /// gateways do: a client that cannot speak HTTP/2 fails the handshake.
    pub fn start_tls(ca: &TestCa, protocols: Protocols) -> std::io::Result<HttpFake> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(std::io::Error::other)?
            .with_no_client_auth()
            .with_single_cert(
                vec![ca.server_cert.clone()],
                rustls::pki_types::PrivateKeyDer::Pkcs8(ca.server_key.clone_key()),
            )
            .map_err(std::io::Error::other)?;
        config.alpn_protocols = match protocols {
            Protocols::Http2Only => vec![b"h2".to_vec()],
            Protocols::Http2AndHttp1 => vec![b"h2".to_vec(), b"http/1.1".to_vec()],
            Protocols::Http1Only => vec![b"http/1.1".to_vec()],
        };
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let (stop, stopped_rx) = tokio::sync::oneshot::channel();
        let fake = HttpFake {
            addr: listener.local_addr()?,
            requests: Arc::default(),
            answer: Arc::new(Mutex::new(Answers {
                standing: (200, "{}".to_owned()),
                next: Default::default(),
            })),
            stopped: Arc::default(),
            tls: Some(stop),
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (requests, answer) = (fake.requests.clone(), fake.answer.clone());
        std::thread::spawn(move || {
            runtime.block_on(async move {
                let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                    return;
                };
                tokio::select! {
                    _ = stopped_rx => {}
                    _ = tls_accept_loop(listener, acceptor, requests, answer) => {}
                }
            })
        });
        Ok(fake)
    }

    /// Answer the next request with this status and JSON body, before the
    /// standing [`answer`](Self::answer) (one-off answers queue in order).
    pub fn answer_next(&self, status: u16, body: &str) {
        lock(&self.answer).next.push_back((status, body.to_owned()));
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
        if let Some(stop) = self.tls.take() {
            let _ = stop.send(());
            return;
        }
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
        version: "HTTP/1.1".to_owned(),
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

/// What a TLS fake offers by ALPN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocols {
    /// `h2` only (APNs).
    Http2Only,
    /// `h2` and `http/1.1` (Google's endpoints).
    Http2AndHttp1,
    /// `http/1.1` only: a server APNs requests must refuse.
    Http1Only,
}

/// A throw-away CA and a server certificate it issued for 127.0.0.1,
/// ::1 and localhost (ECDSA P-256): what the TLS fakes present and what the
/// client under test is told to trust (its PEM in a `ca_file`).
pub struct TestCa {
    /// The CA certificate, PEM.
    pub ca_pem: String,
    /// The server certificate and its key, PEM (for a peer in another
    /// process, such as the tests' SMTP server).
    pub server_cert_pem: String,
    pub server_key_pem: String,
    server_cert: rustls::pki_types::CertificateDer<'static>,
    server_key: rustls::pki_types::PrivatePkcs8KeyDer<'static>,
}

impl TestCa {
    pub fn new() -> Result<TestCa, String> {
        use rcgen::{
            BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose,
            PKCS_ECDSA_P256_SHA256, SanType,
        };
        let e = |e: rcgen::Error| e.to_string();
        let ca_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(e)?;
        let mut ca_params = CertificateParams::default();
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "qoltanba test CA");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca = rcgen::CertifiedIssuer::self_signed(ca_params, &ca_key).map_err(e)?;
        let server_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(e)?;
        let mut params = CertificateParams::default();
        params
            .distinguished_name
            .push(DnType::CommonName, "127.0.0.1");
        params.subject_alt_names = vec![
            SanType::IpAddress(std::net::Ipv4Addr::LOCALHOST.into()),
            SanType::IpAddress(std::net::Ipv6Addr::LOCALHOST.into()),
            SanType::DnsName("localhost".try_into().map_err(e)?),
        ];
        let server = params.signed_by(&server_key, &ca).map_err(e)?;
        Ok(TestCa {
            ca_pem: ca.pem(),
            server_cert_pem: server.pem(),
            server_key_pem: server_key.serialize_pem(),
            server_cert: server.der().clone(),
            server_key: rustls::pki_types::PrivatePkcs8KeyDer::from(server_key.serialize_der()),
        })
    }

    /// Write the CA certificate as PEM to `path` (a `ca_file`).
    pub fn write_ca(&self, path: &std::path::Path) -> std::io::Result<()> {
        std::fs::write(path, &self.ca_pem)
    }
}

async fn tls_accept_loop(
    listener: tokio::net::TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
    requests: Arc<Mutex<Vec<Request>>>,
    answer: Arc<Mutex<Answers>>,
) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let (acceptor, requests, answer) = (acceptor.clone(), requests.clone(), answer.clone());
        tokio::spawn(async move {
            let Ok(tls) = acceptor.accept(stream).await else {
                return;
            };
            let h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
            let io = hyper_util::rt::TokioIo::new(tls);
            let service = hyper::service::service_fn(move |request| {
                let (requests, answer) = (requests.clone(), answer.clone());
                async move {
                    Ok::<_, std::convert::Infallible>(respond(request, &requests, &answer).await)
                }
            });
            if h2 {
                let _ =
                    hyper::server::conn::http2::Builder::new(hyper_util::rt::TokioExecutor::new())
                        .serve_connection(io, service)
                        .await;
            } else {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(io, service)
                    .await;
            }
        });
    }
}

async fn respond(
    request: hyper::Request<hyper::body::Incoming>,
    requests: &Mutex<Vec<Request>>,
    answer: &Mutex<Answers>,
) -> hyper::Response<http_body_util::Full<bytes::Bytes>> {
    use http_body_util::BodyExt;
    let (parts, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes().to_vec())
        .unwrap_or_default();
    let mut headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_ascii_lowercase(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    if let Some(authority) = parts.uri.authority() {
        headers.push((":authority".to_owned(), authority.to_string()));
    }
    lock(requests).push(Request {
        version: format!("{:?}", parts.version),
        method: parts.method.to_string(),
        path: parts
            .uri
            .path_and_query()
            .map(|p| p.to_string())
            .unwrap_or_default(),
        headers,
        body,
    });
    let (status, text) = lock(answer).take();
    let mut response = hyper::Response::new(http_body_util::Full::new(bytes::Bytes::from(text)));
    *response.status_mut() =
        hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    response
}

/// A Google service-account key file for `token_uri`, as the Firebase
/// console hands out (a fresh RSA 2048 key in PKCS#8 PEM), written into
/// `dir`. Returns its path and the key's public half (DER RSAPublicKey, for
/// ring's `RSA_PKCS1_2048_8192_SHA256`).
pub fn service_account(
    dir: &std::path::Path,
    token_uri: &str,
) -> Result<(std::path::PathBuf, Vec<u8>), String> {
    use base64::Engine;
    use ring::signature::KeyPair;
    let key = qoltanba_pki::crypto::generate(qoltanba_pki::crypto::KeySpec::Rsa2048)
        .map_err(|e| e.to_string())?;
    let der = key.pkcs8_der();
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .filter_map(|c| std::str::from_utf8(c).ok())
        .collect();
    let pem = format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        lines.join("\n")
    );
    let pair = ring::signature::RsaKeyPair::from_pkcs8(der).map_err(|e| e.to_string())?;
    let public = pair.public_key().as_ref().to_vec();
    let file = serde_json::json!({
        "type": "service_account",
        "project_id": "qoltanba-test",
        "private_key_id": "0123456789abcdef",
        "private_key": pem,
        "client_email": "ra-notices@qoltanba-test.iam.gserviceaccount.com",
        "client_id": "100000000000000000001",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": token_uri,
    });
    let path = dir.join("service-account.json");
    std::fs::write(&path, file.to_string()).map_err(|e| e.to_string())?;
    Ok((path, public))
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
