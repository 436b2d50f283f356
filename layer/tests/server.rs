//! The server over a real wss socket on loopback: the greeting, the
//! heartbeat, replies in order, bad frames, a frame above the limit,
//! unknown modules and methods, several pages at once, a non-loopback
//! address, the origin policy (https or this computer, refused without a
//! prompt otherwise), an origin declined again and again or refused by the
//! citizen, what a site off the list learns without consent, error replies
//! without local details, and that a declined request opens no key and
//! signs nothing. Signing with an
//! NCA test key file (GOST 2015, judged at a time it was valid) when the
//! citizen allows it.
#![allow(clippy::unwrap_used)] // a test: a failed unwrap is a failed run

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::{SinkExt, StreamExt};
use qoltanba_l10n::Text;
use qoltanba_layer::consent::{Answer, Consent, ConsentRequest, KeyChoice};
use qoltanba_layer::origins::Origins;
use qoltanba_layer::server::{ServeError, ServerOptions, bind, serve};
use qoltanba_layer::service::Service;
use qoltanba_layer::tls::LocalIdentity;
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;

mod common;
use common::{Client, PASSWORD, TestKeyFile};

/// The citizen of these tests: answers every request the same way, and
/// remembers what was shown and told (in English).
struct ScriptedConsent {
    answer: Answer,
    shown: Arc<Mutex<Vec<ConsentRequest>>>,
    told: Arc<Mutex<Vec<String>>>,
}

impl Consent for ScriptedConsent {
    fn ask(&mut self, request: &ConsentRequest) -> Answer {
        self.shown.lock().unwrap().push(request.clone());
        self.answer
    }
    fn choose_key(&mut self, _keys: &[KeyChoice]) -> Option<usize> {
        Some(0)
    }
    fn tell(&mut self, message: &Text) {
        let said = qoltanba_l10n::render(qoltanba_l10n::Locale::En, message);
        self.told.lock().unwrap().push(said);
    }
}

const ALLOW: Answer = Answer::Allow {
    source: 0,
    remember_origin: false,
};

struct Running {
    addr: SocketAddr,
    ca: rustls::pki_types::CertificateDer<'static>,
    opened: Arc<AtomicUsize>,
    probed: Arc<AtomicUsize>,
    shown: Arc<Mutex<Vec<ConsentRequest>>>,
    told: Arc<Mutex<Vec<String>>>,
    service: Arc<Mutex<Service>>,
    _dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// How a test's server is set up.
struct Setup {
    answer: Answer,
    max_frame: usize,
    tsa: Option<qoltanba_core::tsa::TimestampAuthority>,
    key_file: PathBuf,
    hardware: bool,
}

impl Setup {
    fn new(answer: Answer) -> Self {
        Self {
            answer,
            max_frame: 1 << 20,
            tsa: None,
            key_file: qoltanba_testkit::fixtures::path("nca-test/gokalkan/gost1.p12"),
            hardware: false,
        }
    }
}

async fn start(allow: bool, max_frame: usize) -> Running {
    let answer = if allow { ALLOW } else { Answer::Decline };
    start_with(Setup {
        max_frame,
        ..Setup::new(answer)
    })
    .await
}

async fn start_with_tsa(
    allow: bool,
    max_frame: usize,
    tsa: Option<qoltanba_core::tsa::TimestampAuthority>,
) -> Running {
    let answer = if allow { ALLOW } else { Answer::Decline };
    start_with(Setup {
        max_frame,
        tsa,
        ..Setup::new(answer)
    })
    .await
}

async fn start_with(setup: Setup) -> Running {
    let dir = tempfile::tempdir().unwrap();
    let identity = LocalIdentity::load_or_create(&dir.path().join("layer")).unwrap();
    let opened = Arc::new(AtomicUsize::new(0));
    let probed = Arc::new(AtomicUsize::new(0));
    let shown = Arc::new(Mutex::new(Vec::new()));
    let told = Arc::new(Mutex::new(Vec::new()));
    let source = TestKeyFile {
        path: setup.key_file,
        opened: opened.clone(),
        hardware: setup.hardware,
        probed: probed.clone(),
    };
    let service = Service::new(
        vec![Box::new(source)],
        Box::new(ScriptedConsent {
            answer: setup.answer,
            shown: shown.clone(),
            told: told.clone(),
        }),
        Origins::load(dir.path()).unwrap(),
        Vec::new(),
    )
    // The test key files were valid then.
    .judged_at(Some(time::macros::datetime!(2024-06-01 00:00 UTC)))
    .with_tsa(setup.tsa);
    let max_frame = setup.max_frame;
    let service = Arc::new(Mutex::new(service));
    let listener = bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let tls = identity.server_config().unwrap();
    tokio::spawn(serve(
        listener,
        tls,
        service.clone(),
        ServerOptions { max_frame },
        async {
            let _ = stopped.await;
        },
    ));
    Running {
        addr,
        ca: identity.ca_der().clone(),
        opened,
        probed,
        shown,
        told,
        service,
        _dir: dir,
        stop: Some(stop),
    }
}

/// A page of `origin`, connected over TLS that trusts the layer's CA only.
async fn page(running: &Running, origin: &str) -> Client {
    try_page(running, Some(origin.as_bytes())).await.unwrap()
}

/// A TLS connection to the layer that trusts the layer's CA only.
async fn tls_to(running: &Running) -> tokio_rustls::client::TlsStream<TcpStream> {
    common::tls_to(running.addr, &running.ca).await
}

/// A page whose handshake sends `origin` as these bytes (none: no header);
/// the server's refusal as an error.
async fn try_page(
    running: &Running,
    origin: Option<&[u8]>,
) -> Result<Client, tokio_tungstenite::tungstenite::Error> {
    common::try_page(running.addr, &running.ca, origin).await
}

/// The HTTP status of a WebSocket handshake whose Origin header is these
/// raw bytes (a browser's client library refuses to send some of them);
/// `None`: the connection was closed without an answer.
async fn handshake_status(running: &Running, origin: &[u8]) -> Option<u16> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut tls = tls_to(running).await;
    let mut request = format!(
        "GET / HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: ",
        running.addr.port()
    )
    .into_bytes();
    request.extend_from_slice(origin);
    request.extend_from_slice(b"\r\n\r\n");
    tls.write_all(&request).await.unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n") && matches!(tls.read(&mut byte).await, Ok(1)) {
        head.push(byte[0]);
    }
    let line = String::from_utf8(head).unwrap();
    line.split(' ').nth(1).map(|code| code.parse().unwrap())
}

async fn next_text(ws: &mut Client) -> String {
    loop {
        match ws.next().await.unwrap().unwrap() {
            Message::Text(t) => return t.as_str().to_owned(),
            Message::Close(_) => panic!("closed"),
            _ => {}
        }
    }
}

async fn ask(ws: &mut Client, request: &str) -> Value {
    ws.send(Message::text(request)).await.unwrap();
    serde_json::from_str(&next_text(ws).await).unwrap()
}

const SIGN_CMS: &str = r#"{"module":"kz.gov.pki.knca.commonUtils","method":"createCMSSignatureFromBase64","args":["PKCS12","SIGNATURE","MTEK",true]}"#;

#[tokio::test]
async fn greeting_heartbeat_bad_frames_and_unknown_modules() {
    let running = start(false, 1 << 20).await;
    let mut ws = page(&running, "https://egov.kz").await;
    assert_eq!(next_text(&mut ws).await, r#"{"result":{"version":"1.4"}}"#);
    ws.send(Message::text("--heartbeat--")).await.unwrap();
    assert_eq!(next_text(&mut ws).await, "--heartbeat--");
    assert_eq!(ask(&mut ws, "{{{ not json").await["code"], "500");
    assert_eq!(ask(&mut ws, "42").await["code"], "500");
    ws.send(Message::binary(vec![1, 2, 3])).await.unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&next_text(&mut ws).await).unwrap()["code"],
        "500"
    );
    let kaztoken = ask(
        &mut ws,
        r#"{"module":"kz.digiflow.mobile.extensions","method":"getVersion"}"#,
    )
    .await;
    assert_eq!(kaztoken["code"], "MODULE_NOT_FOUND");
    assert_eq!(kaztoken["status"], false);
    let applet = ask(&mut ws, r#"{"module":"kz.gov.pki.knca.applet.Applet","method":"browseKeyStore","args":["PKCS12","P12",""]}"#).await;
    assert_eq!(applet["code"], "MODULE_NOT_FOUND", "no legacy applet API");
    let method = ask(
        &mut ws,
        r#"{"module":"kz.gov.pki.knca.commonUtils","method":"signPlainData","args":[]}"#,
    )
    .await;
    assert_eq!(method["code"], "500");
    let mismatch = ask(
        &mut ws,
        r#"{"module":"kz.gov.pki.knca.commonUtils","method":"getKeyInfo","args":[1]}"#,
    )
    .await;
    assert_eq!(
        mismatch,
        json!({"code":"500","message":"java.lang.IllegalArgumentException: argument type mismatch. Method: getKeyInfo"})
    );
    // Replies come in the order of the requests, several sent at once.
    ws.send(Message::text("--heartbeat--")).await.unwrap();
    ws.send(Message::text(
        r#"{"module":"kz.gov.pki.knca.commonUtils","method":"getActiveTokens"}"#,
    ))
    .await
    .unwrap();
    ws.send(Message::text("--heartbeat--")).await.unwrap();
    assert_eq!(next_text(&mut ws).await, "--heartbeat--");
    assert_eq!(
        next_text(&mut ws).await,
        r#"{"code":"200","responseObject":[]}"#
    );
    assert_eq!(next_text(&mut ws).await, "--heartbeat--");
    assert_eq!(running.opened.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_frame_above_the_limit_is_answered_and_the_connection_closed() {
    let running = start(false, 64 * 1024).await;
    let mut ws = page(&running, "https://egov.kz").await;
    next_text(&mut ws).await;
    let huge = format!(
        r#"{{"module":"kz.gov.pki.knca.commonUtils","method":"createCMSSignatureFromBase64","args":["PKCS12","SIGNATURE","{}",true]}}"#,
        "A".repeat(200 * 1024)
    );
    let _ = ws.send(Message::text(huge)).await;
    let reply: Value = serde_json::from_str(&next_text(&mut ws).await).unwrap();
    assert_eq!(reply["code"], "500");
    assert!(
        reply["message"].as_str().unwrap().contains("too large"),
        "{reply}"
    );
    assert!(matches!(
        ws.next().await,
        None | Some(Ok(Message::Close(_))) | Some(Err(_))
    ));
    assert!(
        running.shown.lock().unwrap().is_empty(),
        "never shown to the citizen"
    );
}

const GET_ACTIVE_TOKENS: &str =
    r#"{"module":"kz.gov.pki.knca.commonUtils","method":"getActiveTokens"}"#;

#[tokio::test]
async fn several_pages_are_served_at_once_and_an_idle_one_blocks_none() {
    let running = start(false, 1 << 20).await;
    // An idle tab stays connected and says nothing.
    let mut idle = page(&running, "https://elicense.kz").await;
    next_text(&mut idle).await;
    let mut portal = page(&running, "https://egov.kz").await;
    assert_eq!(
        next_text(&mut portal).await,
        r#"{"result":{"version":"1.4"}}"#
    );
    assert_eq!(ask(&mut portal, GET_ACTIVE_TOKENS).await["code"], "200");
    // Requests of both reach the citizen, one prompt at a time.
    assert_eq!(
        ask(&mut portal, SIGN_CMS).await["message"],
        "action.canceled"
    );
    assert_eq!(ask(&mut idle, SIGN_CMS).await["message"], "action.canceled");
    let (a, b) = tokio::join!(ask(&mut portal, SIGN_CMS), ask(&mut idle, SIGN_CMS));
    assert_eq!(
        (a["code"].clone(), b["code"].clone()),
        (json!("500"), json!("500"))
    );
    let shown = running.shown.lock().unwrap();
    let origins: Vec<_> = shown.iter().map(|r| r.origin.clone().unwrap()).collect();
    assert_eq!(origins.len(), 4, "{origins:?}");
    assert!(origins.contains(&"https://elicense.kz".to_owned()));
}

#[tokio::test]
async fn pages_neither_https_nor_of_this_computer_are_refused_without_a_prompt() {
    let running = start(true, 1 << 20).await;
    let long = format!("https://{}.kz", "a".repeat(400));
    let refused: [&[u8]; 6] = [
        b"http://shop.example",
        b"null",
        b"file://",
        "https://\u{435}gov.kz".as_bytes(),
        b"https://egov.kz\x1b[2K",
        long.as_bytes(),
    ];
    for origin in refused {
        let shown = String::from_utf8_lossy(origin);
        // Refused by qoltanba (403), or by the HTTP parser before it (an
        // escape byte is no header value at all): never a WebSocket.
        let status = handshake_status(&running, origin).await;
        assert!(
            status.is_none_or(|s| (400..500).contains(&s)),
            "{shown}: {status:?}"
        );
    }
    // What a browser's library sends, refused the same way.
    match try_page(&running, Some(b"http://shop.example")).await.err() {
        Some(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 403)
        }
        other => panic!("{other:?}"),
    }
    assert!(running.shown.lock().unwrap().is_empty(), "no prompt");
    let told = running.told.lock().unwrap().clone();
    assert!(told[0].contains("http://shop.example"), "{told:?}");
    assert!(told.iter().any(|t| t.contains("ASCII")), "{told:?}");
    assert!(
        told.iter().all(|t| !t.contains('\x1b') && t.len() < 500),
        "{told:?}"
    );
    // Pages of this computer, https sites and programs without an Origin are served.
    for origin in [
        Some(&b"http://localhost:8000"[..]),
        Some(b"http://127.0.0.1"),
        Some(b"https://shop.example"),
        None,
    ] {
        let mut ws = try_page(&running, origin).await.unwrap();
        assert!(next_text(&mut ws).await.contains("version"));
    }
    let mut ws = page(&running, "http://[::1]:3000").await;
    next_text(&mut ws).await;
    assert_eq!(ask(&mut ws, SIGN_CMS).await["code"], "200");
    assert_eq!(
        running.shown.lock().unwrap()[0].origin.as_deref(),
        Some("http://[::1]:3000")
    );
}

#[tokio::test]
async fn an_origin_declined_three_times_in_a_minute_is_refused_without_a_prompt() {
    let running = start(false, 1 << 20).await;
    let mut ws = page(&running, "https://shop.example").await;
    next_text(&mut ws).await;
    for _ in 0..3 {
        assert_eq!(ask(&mut ws, SIGN_CMS).await["message"], "action.canceled");
    }
    assert_eq!(running.shown.lock().unwrap().len(), 3);
    // A new connection of the same site changes nothing.
    let mut again = page(&running, "HTTPS://SHOP.EXAMPLE").await;
    next_text(&mut again).await;
    for _ in 0..5 {
        assert_eq!(
            ask(&mut again, SIGN_CMS).await["message"],
            "action.canceled"
        );
    }
    assert_eq!(
        running.shown.lock().unwrap().len(),
        3,
        "no prompt after the third decline"
    );
    let told = running.told.lock().unwrap().clone();
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(
        told[0].contains("https://shop.example") && told[0].contains("3 times"),
        "{told:?}"
    );
    // Another site is still asked.
    let mut other = page(&running, "https://egov.kz").await;
    next_text(&mut other).await;
    ask(&mut other, SIGN_CMS).await;
    assert_eq!(running.shown.lock().unwrap().len(), 4);
    assert_eq!(running.opened.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn refuse_this_site_is_kept_until_the_service_stops() {
    let running = start_with(Setup::new(Answer::RefuseOrigin)).await;
    let mut ws = page(&running, "https://shop.example").await;
    next_text(&mut ws).await;
    assert_eq!(ask(&mut ws, SIGN_CMS).await["message"], "action.canceled");
    assert_eq!(ask(&mut ws, SIGN_CMS).await["message"], "action.canceled");
    let key_info = ask(
        &mut ws,
        r#"{"module":"kz.gov.pki.knca.commonUtils","method":"getKeyInfo","args":["PKCS12"]}"#,
    )
    .await;
    assert_eq!(key_info["message"], "action.canceled");
    assert_eq!(running.shown.lock().unwrap().len(), 1, "asked once");
    let told = running.told.lock().unwrap().clone();
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(told[0].contains("https://shop.example"), "{told:?}");
    assert_eq!(running.opened.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_site_off_the_list_learns_no_tokens_and_no_storages_without_consent() {
    let running = start_with(Setup {
        hardware: true,
        ..Setup::new(Answer::Decline)
    })
    .await;
    let mut unknown = page(&running, "https://shop.example").await;
    next_text(&mut unknown).await;
    assert_eq!(
        ask(&mut unknown, GET_ACTIVE_TOKENS).await,
        json!({"code":"200","responseObject":[]})
    );
    assert_eq!(running.probed.load(Ordering::SeqCst), 0, "nothing probed");
    let card = r#"{"module":"kz.gov.pki.knca.basics","method":"sign","args":{"allowedStorages":["AKKZIDCardStore"],"format":"cms","data":"MTEK","signingParams":{},"signerParams":{"extKeyUsageOids":[]},"locale":"ru"}}"#;
    assert_eq!(
        ask(&mut unknown, card).await,
        json!({"status":true,"body":{}}),
        "the same answer as a decline for a storage qoltanba holds"
    );
    assert_eq!(
        running.shown.lock().unwrap().len(),
        1,
        "the citizen was asked"
    );
    // A portal on the list is told both.
    let mut portal = page(&running, "https://egov.kz").await;
    next_text(&mut portal).await;
    assert_eq!(
        ask(&mut portal, GET_ACTIVE_TOKENS).await,
        json!({"code":"200","responseObject":["PKCS12"]})
    );
    assert_eq!(running.probed.load(Ordering::SeqCst), 1);
    assert_eq!(ask(&mut portal, card).await["code"], "NO_STORAGE");
    assert_eq!(running.shown.lock().unwrap().len(), 1, "without a prompt");
}

#[tokio::test]
async fn a_site_off_the_list_hears_of_a_missing_storage_once_allowed() {
    let running = start(true, 1 << 20).await;
    let mut unknown = page(&running, "https://shop.example").await;
    next_text(&mut unknown).await;
    let card = r#"{"module":"kz.gov.pki.knca.basics","method":"sign","args":{"allowedStorages":["AKKZIDCardStore"],"format":"cms","data":"MTEK","signingParams":{},"signerParams":{"extKeyUsageOids":[]},"locale":"ru"}}"#;
    assert_eq!(ask(&mut unknown, card).await["code"], "NO_STORAGE");
    let shown = running.shown.lock().unwrap();
    assert_eq!(shown.len(), 1);
    assert_eq!(
        shown[0].sources.len(),
        1,
        "asked with the keys qoltanba holds"
    );
    assert_eq!(running.opened.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn error_replies_tell_the_page_nothing_local_and_the_citizen_why() {
    let dir = tempfile::tempdir().unwrap();
    let private = dir.path().join("home-of-aigerim").join("missing.p12");
    let running = start_with(Setup {
        key_file: private.clone(),
        ..Setup::new(ALLOW)
    })
    .await;
    let mut ws = page(&running, "https://egov.kz").await;
    next_text(&mut ws).await;
    let reply = ask(
        &mut ws,
        r#"{"module":"kz.gov.pki.knca.basics","method":"sign","args":{"allowedStorages":["PKCS12"],"format":"cms","data":"MTEK","signingParams":{},"signerParams":{"extKeyUsageOids":[]},"locale":"ru"}}"#,
    )
    .await;
    assert_eq!(reply["code"], "KEY_ERROR", "{reply}");
    assert!(!reply.to_string().contains("home-of-aigerim"), "{reply}");
    let told = running.told.lock().unwrap().clone();
    assert!(
        told.iter().any(|t| t.contains("home-of-aigerim")),
        "{told:?}"
    );
}

#[tokio::test]
async fn a_key_that_does_not_fit_is_named_to_the_citizen_only() {
    let running = start(true, 1 << 20).await;
    let mut ws = page(&running, "https://egov.kz").await;
    next_text(&mut ws).await;
    let reply = ask(
        &mut ws,
        r#"{"module":"kz.gov.pki.knca.basics","method":"sign","args":{"allowedStorages":["PKCS12"],"format":"cms","data":"MTEK","signingParams":{},"signerParams":{"extKeyUsageOids":["1.2.3.4.5.6.7"]},"locale":"ru"}}"#,
    )
    .await;
    assert_eq!(reply["code"], "NO_KEY", "{reply}");
    assert!(!reply.to_string().contains("gost1.p12"), "{reply}");
    let told = running.told.lock().unwrap().clone();
    assert!(told.iter().any(|t| t.contains("gost1.p12")), "{told:?}");
}

#[tokio::test]
async fn a_non_loopback_address_is_refused() {
    let err = bind("0.0.0.0:0".parse().unwrap()).await.unwrap_err();
    assert!(matches!(err, ServeError::NotLoopback(_)), "{err}");
    assert!(err.to_string().contains("loopback"));
}

#[tokio::test]
async fn declined_opens_no_key_and_signs_nothing() {
    let running = start(false, 1 << 20).await;
    let mut ws = page(&running, "https://shop.example").await;
    next_text(&mut ws).await;
    assert_eq!(
        ask(&mut ws, SIGN_CMS).await,
        json!({"code":"500","message":"action.canceled"})
    );
    let basics = ask(
        &mut ws,
        r#"{"module":"kz.gov.pki.knca.basics","method":"sign","args":{"allowedStorages":["PKCS12"],"format":"cms","data":"MTEK","signingParams":{},"signerParams":{"extKeyUsageOids":[]},"locale":"ru"}}"#,
    )
    .await;
    assert_eq!(basics, json!({"status":true,"body":{}}));
    assert_eq!(
        running.opened.load(Ordering::SeqCst),
        0,
        "no key was opened"
    );
    assert_eq!(running.service.lock().unwrap().signatures_made(), 0);
    let shown = running.shown.lock().unwrap();
    assert_eq!(shown.len(), 2);
    assert_eq!(shown[0].origin.as_deref(), Some("https://shop.example"));
    assert!(
        !shown[0].origin_allowed,
        "an unknown site is marked as such"
    );
    assert_eq!(shown[0].method, "createCMSSignatureFromBase64");
}

#[tokio::test]
async fn allowed_signs_with_the_chosen_key_and_the_reply_carries_no_secret() {
    let running = start(true, 1 << 20).await;
    let mut ws = page(&running, "https://egov.kz").await;
    next_text(&mut ws).await;
    let reply = ask(&mut ws, SIGN_CMS).await;
    assert_eq!(reply["code"], "200", "{reply}");
    assert!(!reply.to_string().contains(PASSWORD));
    use base64::Engine as _;
    let der = base64::engine::general_purpose::STANDARD
        .decode(reply["responseObject"].as_str().unwrap())
        .unwrap();
    let verified = qoltanba_pki::signed_message::verify_document(&der, None).unwrap();
    assert_eq!(verified.content, b"11\n");
    assert!(running.shown.lock().unwrap()[0].origin_allowed);
    assert_eq!(running.service.lock().unwrap().signatures_made(), 1);
    // getKeyInfo: the certificate's facts, after consent.
    let key_info = ask(
        &mut ws,
        r#"{"module":"kz.gov.pki.knca.commonUtils","method":"getKeyInfo","args":["PKCS12"]}"#,
    )
    .await;
    assert_eq!(key_info["code"], "200", "{key_info}");
    assert!(
        key_info["responseObject"]["subjectDn"]
            .as_str()
            .unwrap()
            .contains("CN=")
    );
}

/// A time-stamp asked for and a TSA configured: the TSA is asked. The
/// test TSA (`openssl ts`) takes no Streebog imprint, so the GOST test key's
/// signature gets the TSA's refusal as a typed error reply and no
/// signature; CAdES-T that a TSA grants is the Node suite's (an RSA key).
#[tokio::test]
async fn basics_with_a_tsa_profile_asks_the_configured_tsa() {
    let dir = tempfile::tempdir().unwrap();
    let tsa = qoltanba_testkit::tsa::TestTsa::start(dir.path());
    let running = start_with_tsa(
        true,
        1 << 20,
        Some(qoltanba_core::tsa::TimestampAuthority::new(tsa.url("ok"))),
    )
    .await;
    let mut ws = page(&running, "https://egov.kz").await;
    next_text(&mut ws).await;
    let reply = ask(
        &mut ws,
        r#"{"module":"kz.gov.pki.knca.basics","method":"sign","args":{"allowedStorages":["PKCS12"],"format":"cms","data":["MTEK"],"signingParams":{"decode":true,"encapsulate":true,"digested":false,"tsaProfile":{}},"signerParams":{"extKeyUsageOids":[]},"locale":"ru","outputCert":true}}"#,
    )
    .await;
    assert_eq!(reply["status"], false, "{reply}");
    assert_eq!(reply["code"], "SIGN_ERROR", "{reply}");
    // The TSA's refusal is the citizen's to read, not the page's.
    assert!(!reply.to_string().contains("digest algorithm"), "{reply}");
    let told = running.told.lock().unwrap().clone();
    assert!(
        told.iter()
            .any(|t| t.contains("Message digest algorithm is not supported")),
        "{told:?}"
    );
    assert_eq!(running.service.lock().unwrap().signatures_made(), 0);
    // Without a time-stamp asked for, the same request signs (CAdES-BES, PEM, the certificate).
    let reply = ask(
        &mut ws,
        r#"{"module":"kz.gov.pki.knca.basics","method":"sign","args":{"allowedStorages":["PKCS12"],"format":"cms","data":["MTEK"],"signingParams":{"decode":true,"encapsulate":true},"signerParams":{"extKeyUsageOids":[]},"locale":"ru","outputCert":true}}"#,
    )
    .await;
    assert_eq!(reply["status"], true, "{reply}");
    let pem = reply["body"]["result"][0].as_str().unwrap();
    assert!(pem.starts_with("-----BEGIN CMS-----\n"), "{pem}");
    assert!(
        reply["body"]["certificate"]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE-----")
    );
    use base64::Engine as _;
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    let verified = qoltanba_pki::signed_message::verify_document(&der, None).unwrap();
    assert_eq!(verified.content, b"11\n");
    assert!(verified.names_signing_certificate, "CAdES-BES");
    assert!(verified.timestamp.is_none());
}
