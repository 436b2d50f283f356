//! The core's RA client when the network or the server misbehaves: nobody
//! listening, 5xx, a connection dropped mid-request, no answer at all. A
//! fake HTTPS server (the RA's own TLS identity) plays each part and counts
//! the attempts: reads and the idempotent submit are retried with backoff,
//! a login is not.
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use qoltanba_core::ra::{RaClient, RaConfig, RaError, Session};
use qoltanba_pki::keyfile::{NewPassword, Password};
use qoltanba_ra::home::Home;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[derive(Clone, Copy)]
enum Misbehaviour {
    ServiceUnavailable,
    DropAfterRequest,
    Hang,
}

/// A fake RA on loopback; returns its URL and the attempt counter.
fn fake(
    runtime: &tokio::runtime::Runtime,
    home: &Home,
    mode: Misbehaviour,
) -> (String, Arc<AtomicUsize>) {
    let identity = home
        .unlock_tls(&Password::new(
            qoltanba_testkit::ra_process::OPERATOR_PASSPHRASE,
        ))
        .unwrap();
    let config = qoltanba_ra::tls::server_config(&identity).unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!("https://{}", listener.local_addr().unwrap());
    runtime.spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else { return };
            let acceptor = acceptor.clone();
            let counter = counter.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else { return };
                let mut buf = vec![0u8; 65536];
                let _ = tls.read(&mut buf).await;
                counter.fetch_add(1, Ordering::SeqCst);
                match mode {
                    Misbehaviour::ServiceUnavailable => {
                        let _ = tls
                            .write_all(b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                            .await;
                        let _ = tls.shutdown().await;
                    }
                    Misbehaviour::DropAfterRequest => drop(tls),
                    Misbehaviour::Hang => tokio::time::sleep(Duration::from_secs(30)).await,
                }
            });
        }
    });
    (url, count)
}

#[test]
fn misbehaving_networks_and_servers() {
    let dir = tempfile::tempdir().unwrap();
    let home = Home::init(
        &dir.path().join("ra"),
        "127.0.0.1:1".parse().unwrap(),
        true,
        &NewPassword::new(Password::new(
            qoltanba_testkit::ra_process::OPERATOR_PASSPHRASE,
        ))
        .unwrap(),
        time::OffsetDateTime::now_utc(),
    )
    .unwrap();
    let root = qoltanba_pki::cert::KzCertificate::parse(
        &std::fs::read(Home::tls_ca_path(&dir.path().join("ra"))).unwrap(),
    )
    .unwrap()
    .der()
    .to_vec();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let client = |url: &str, timeout: u64| {
        let mut config = RaConfig::new(url, root.clone());
        config.timeout = Duration::from_secs(timeout);
        RaClient::new(config).unwrap()
    };
    let session = Session {
        token: zeroize::Zeroizing::new("t".into()),
        iin: "900101300017".into(),
    };

    // Nobody listening.
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let err = runtime
        .block_on(client(&format!("https://{dead}"), 5).challenge())
        .unwrap_err();
    assert!(matches!(err, RaError::Unreachable(_)), "{err:?}");
    assert!(err.to_string().contains("cannot be reached"), "{err}");

    // 503: a read is tried three times, a login once.
    let (url, count) = fake(&runtime, &home, Misbehaviour::ServiceUnavailable);
    let err = runtime.block_on(client(&url, 5).challenge()).unwrap_err();
    assert_eq!(err, RaError::ServerError(503));
    assert_eq!(count.load(Ordering::SeqCst), 3);
    count.store(0, Ordering::SeqCst);
    let err = runtime
        .block_on(client(&url, 5).login(b"signed".to_vec()))
        .unwrap_err();
    assert_eq!(err, RaError::ServerError(503));
    assert_eq!(
        count.load(Ordering::SeqCst),
        1,
        "a login is never repeated blindly"
    );

    // A connection dropped after the request: the submit (Idempotency-Key)
    // is repeated, the confirmation is not.
    let (url, count) = fake(&runtime, &home, Misbehaviour::DropAfterRequest);
    let err = runtime
        .block_on(client(&url, 5).submit(&session, b"p7s".to_vec(), "key-1"))
        .unwrap_err();
    assert_eq!(err, RaError::Dropped, "{err:?}");
    assert_eq!(count.load(Ordering::SeqCst), 3);
    count.store(0, Ordering::SeqCst);
    let err = runtime
        .block_on(client(&url, 5).confirm(&session, 1, "123456"))
        .unwrap_err();
    assert_eq!(err, RaError::Dropped);
    assert_eq!(count.load(Ordering::SeqCst), 1);

    // No answer: a timeout, reported as such.
    let (url, _) = fake(&runtime, &home, Misbehaviour::Hang);
    let err = runtime
        .block_on(client(&url, 1).confirm(&session, 1, "123456"))
        .unwrap_err();
    assert_eq!(err, RaError::Timeout);
    assert!(err.to_string().contains("did not answer in time"));
    assert!(err.is_transient());
}
