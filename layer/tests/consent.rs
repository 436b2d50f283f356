//! What the citizen is told about the key and the page, through the real
//! service and server: the key that signs is shown even when it is the only
//! one that fits, and a page that leaves while the citizen is asked gets
//! no key opened and nothing signed (the key source counts its openings:
//! the witness that no key was touched).
#![allow(clippy::unwrap_used)] // a test: a failed unwrap is a failed run

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use qoltanba_layer::consent::{Answer, Consent, ConsentRequest, KeyChoice};
use qoltanba_layer::origins::Origins;
use qoltanba_layer::protocol::{Frame, parse};
use qoltanba_layer::server::{ServerOptions, bind, serve};
use qoltanba_layer::service::Service;
use qoltanba_layer::tls::LocalIdentity;
use tokio_tungstenite::tungstenite::Message;

mod common;
use common::TestKeyFile;

const SIGN_CMS: &str = r#"{"module":"kz.gov.pki.knca.commonUtils","method":"createCMSSignatureFromBase64","args":["PKCS12","SIGNATURE","MTEK",true]}"#;

/// What the citizen saw and was told.
#[derive(Default)]
struct Seen {
    asked: Vec<ConsentRequest>,
    keys_shown: Vec<KeyChoice>,
    page_left: usize,
}

/// Allows every request with the first source; when `hold` is given, only
/// once the test says so (the citizen takes their time).
struct Citizen {
    seen: Arc<Mutex<Seen>>,
    asked: Option<mpsc::Sender<()>>,
    hold: Option<mpsc::Receiver<()>>,
}

impl Consent for Citizen {
    fn ask(&mut self, request: &ConsentRequest) -> Answer {
        self.seen.lock().unwrap().asked.push(request.clone());
        if let Some(asked) = &self.asked {
            asked.send(()).unwrap();
        }
        if let Some(hold) = &self.hold {
            hold.recv().unwrap();
        }
        Answer::Allow {
            source: 0,
            remember_origin: false,
        }
    }
    fn choose_key(&mut self, _keys: &[KeyChoice]) -> Option<usize> {
        Some(0)
    }
    fn show_key(&mut self, key: &KeyChoice) {
        self.seen.lock().unwrap().keys_shown.push(key.clone());
    }
    fn page_left(&mut self) {
        self.seen.lock().unwrap().page_left += 1;
    }
}

fn service(citizen: Citizen, opened: Arc<AtomicUsize>, dir: &Path) -> Service {
    Service::new(
        vec![Box::new(TestKeyFile::new(
            qoltanba_testkit::fixtures::path("nca-test/gokalkan/gost1.p12"),
            opened,
        ))],
        Box::new(citizen),
        Origins::load(dir).unwrap(),
        Vec::new(),
    )
    // The test key files were valid then.
    .judged_at(Some(time::macros::datetime!(2024-06-01 00:00 UTC)))
}

#[test]
fn the_key_that_signs_is_shown_even_when_it_is_the_only_one() {
    let dir = tempfile::tempdir().unwrap();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let opened = Arc::new(AtomicUsize::new(0));
    let citizen = Citizen {
        seen: seen.clone(),
        asked: None,
        hold: None,
    };
    let mut service = service(citizen, opened, dir.path());
    let Frame::Request(request) = parse(SIGN_CMS) else {
        panic!("not a request")
    };
    let reply = service.handle(Some("https://egov.kz"), request);
    assert!(reply.to_text().contains("\"200\""), "{}", reply.to_text());
    let seen = seen.lock().unwrap();
    assert_eq!(seen.keys_shown.len(), 1, "the one key that fits is shown");
    let key = &seen.keys_shown[0];
    assert_eq!(key.storage, "PKCS12");
    assert_eq!(key.label, "key file gost1.p12");
    assert!(!key.holder.is_empty(), "the holder is named");
    assert!(!key.purpose.is_empty(), "the purpose is named");
}

/// The real server on a loopback port with `citizen` as the consent, and
/// one page of https://egov.kz connected to it (its greeting read).
struct Served {
    service: Arc<Mutex<Service>>,
    page: common::Client,
    stop: tokio::sync::oneshot::Sender<()>,
    _dir: tempfile::TempDir,
}

async fn served(citizen: Citizen, opened: Arc<AtomicUsize>) -> Served {
    let dir = tempfile::tempdir().unwrap();
    let service = Arc::new(Mutex::new(service(citizen, opened, dir.path())));
    let identity = LocalIdentity::load_or_create(&dir.path().join("layer")).unwrap();
    let listener = bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(serve(
        listener,
        identity.server_config().unwrap(),
        service.clone(),
        ServerOptions::default(),
        async {
            let _ = stopped.await;
        },
    ));

    let mut page = common::try_page(addr, identity.ca_der(), Some(b"https://egov.kz"))
        .await
        .unwrap();
    page.next().await.unwrap().unwrap(); // the greeting
    Served {
        service,
        page,
        stop,
        _dir: dir,
    }
}

/// A citizen who takes their time: `asked` hears of the prompt, and the
/// answer comes when the test sends on the returned sender.
fn slow_citizen(seen: &Arc<Mutex<Seen>>) -> (Citizen, mpsc::Receiver<()>, mpsc::Sender<()>) {
    let (asked_tx, asked_rx) = mpsc::channel();
    let (answer_tx, answer_rx) = mpsc::channel();
    let citizen = Citizen {
        seen: seen.clone(),
        asked: Some(asked_tx),
        hold: Some(answer_rx),
    };
    (citizen, asked_rx, answer_tx)
}

/// The citizen answers; then wait for the service to finish with it.
async fn answer_and_wait(service: &Arc<Mutex<Service>>, answer: mpsc::Sender<()>) {
    answer.send(()).unwrap();
    let service = service.clone();
    tokio::task::spawn_blocking(move || drop(service.lock().unwrap()))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_that_left_while_the_citizen_was_asked_gets_no_key_opened() {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let opened = Arc::new(AtomicUsize::new(0));
    let (citizen, asked, answer) = slow_citizen(&seen);
    let Served {
        service,
        mut page,
        stop,
        _dir,
    } = served(citizen, opened.clone()).await;
    page.send(Message::text(SIGN_CMS)).await.unwrap();
    // The prompt is open; the page goes away; then the citizen answers.
    tokio::task::spawn_blocking(move || asked.recv().unwrap())
        .await
        .unwrap();
    page.close(None).await.unwrap();
    drop(page);
    tokio::time::sleep(Duration::from_millis(300)).await;
    answer_and_wait(&service, answer).await;
    assert_eq!(opened.load(Ordering::SeqCst), 0, "no key was opened");
    assert_eq!(service.lock().unwrap().signatures_made(), 0);
    assert_eq!(seen.lock().unwrap().page_left, 1, "the citizen was told");
    let _ = stop.send(());
}

/// Frames sent while the citizen reads a prompt wait their turn, up to
/// `MAX_QUEUED_FRAMES`: a page that sends more (each may be 32 MiB) is
/// disconnected, and its request is carried out for no one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_that_floods_while_the_citizen_is_asked_is_disconnected() {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let opened = Arc::new(AtomicUsize::new(0));
    let (citizen, asked, answer) = slow_citizen(&seen);
    let Served {
        service,
        mut page,
        stop,
        _dir,
    } = served(citizen, opened.clone()).await;
    page.send(Message::text(SIGN_CMS)).await.unwrap();
    tokio::task::spawn_blocking(move || asked.recv().unwrap())
        .await
        .unwrap();
    // Within the limit the page is still there: it may queue requests.
    for _ in 0..qoltanba_layer::server::MAX_QUEUED_FRAMES {
        page.send(Message::text("--heartbeat--")).await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(seen.lock().unwrap().page_left, 0);
    // One more and it is cut off.
    page.send(Message::text("--heartbeat--")).await.unwrap();
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match page.next().await {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => break,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    answer_and_wait(&service, answer).await;
    assert!(closed.is_ok(), "the flooding page is disconnected");
    assert_eq!(opened.load(Ordering::SeqCst), 0, "no key opened for it");
    assert_eq!(seen.lock().unwrap().page_left, 1, "the citizen was told");
    let _ = stop.send(());
}
