//! The server over a real wss socket on loopback: the greeting, the
//! heartbeat, replies in order, bad frames, a frame above the limit,
//! unknown modules and methods, a second page, a non-loopback address, and
//! that a declined request opens no key and signs nothing. Signing with an
//! NCA test key file (GOST 2015, judged at a time it was valid) when the
//! citizen allows it.
#![allow(clippy::unwrap_used)] // a test: a failed unwrap is a failed run

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::{SinkExt, StreamExt};
use qoltanba_core::renewal::{FileHome, KeyHome, RenewalUi};
use qoltanba_l10n::Text;
use qoltanba_layer::consent::{Answer, Consent, ConsentRequest, KeyChoice};
use qoltanba_layer::keys::{KeySource, KeySourceError, OpenedKey};
use qoltanba_layer::origins::Origins;
use qoltanba_layer::server::{ServeError, ServerOptions, bind, serve};
use qoltanba_layer::service::Service;
use qoltanba_layer::tls::LocalIdentity;
use qoltanba_pki::keyfile::{NewPassword, Password};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;

const PASSWORD: &str = "Qwerty12";

/// The citizen of these tests: answers every request the same way, and
/// remembers what was shown.
struct ScriptedConsent {
    allow: bool,
    shown: Arc<Mutex<Vec<ConsentRequest>>>,
}

impl Consent for ScriptedConsent {
    fn ask(&mut self, request: &ConsentRequest) -> Answer {
        self.shown.lock().unwrap().push(request.clone());
        if self.allow {
            Answer::Allow {
                source: 0,
                remember_origin: false,
            }
        } else {
            Answer::Decline
        }
    }
    fn choose_key(&mut self, _keys: &[KeyChoice]) -> Option<usize> {
        Some(0)
    }
}

/// The password, as the citizen types it.
struct Typed;

impl RenewalUi for Typed {
    fn current_password(&mut self, _file: &Path) -> Option<Password> {
        Some(Password::new(PASSWORD))
    }
    fn new_password(&mut self) -> Option<NewPassword> {
        None
    }
    fn code(&mut self, _number: i64, _sent_to: Option<&str>) -> Option<String> {
        None
    }
    fn progress(&mut self, _message: &Text) {}
}

/// An NCA test key file; counts how often it was opened.
struct TestKeyFile {
    path: PathBuf,
    opened: Arc<AtomicUsize>,
}

impl KeySource for TestKeyFile {
    fn storage(&self) -> &str {
        "PKCS12"
    }
    fn is_hardware(&self) -> bool {
        false
    }
    fn label(&self) -> String {
        format!("key file {}", self.path.display())
    }
    fn open(&mut self) -> Result<Vec<OpenedKey>, KeySourceError> {
        self.opened.fetch_add(1, Ordering::SeqCst);
        let (signer, certificate) = FileHome::new(PathBuf::new())
            .open_current(&self.path, &mut Typed)
            .map_err(|e| KeySourceError::Failed(e.to_string()))?;
        Ok(vec![OpenedKey {
            label: self.label(),
            signer,
            certificate,
        }])
    }
}

struct Running {
    addr: SocketAddr,
    ca: rustls::pki_types::CertificateDer<'static>,
    opened: Arc<AtomicUsize>,
    shown: Arc<Mutex<Vec<ConsentRequest>>>,
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

async fn start(allow: bool, max_frame: usize) -> Running {
    start_with_tsa(allow, max_frame, None).await
}

async fn start_with_tsa(
    allow: bool,
    max_frame: usize,
    tsa: Option<qoltanba_core::tsa::TimestampAuthority>,
) -> Running {
    let dir = tempfile::tempdir().unwrap();
    let identity = LocalIdentity::load_or_create(&dir.path().join("layer")).unwrap();
    let opened = Arc::new(AtomicUsize::new(0));
    let shown = Arc::new(Mutex::new(Vec::new()));
    let source = TestKeyFile {
        path: qoltanba_testkit::fixtures::path("nca-test/gokalkan/gost1.p12"),
        opened: opened.clone(),
    };
    let service = Service::new(
        vec![Box::new(source)],
        Box::new(ScriptedConsent {
            allow,
            shown: shown.clone(),
        }),
        Origins::load(dir.path()).unwrap(),
        Vec::new(),
    )
    // The test key files were valid then.
    .judged_at(Some(time::macros::datetime!(2024-06-01 00:00 UTC)))
    .with_tsa(tsa);
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
        shown,
        service,
        _dir: dir,
        stop: Some(stop),
    }
}

type Client = tokio_tungstenite::WebSocketStream<tokio_rustls::client::TlsStream<TcpStream>>;

/// A page of `origin`, connected over TLS that trusts the layer's CA only.
async fn page(running: &Running, origin: &str) -> Client {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(running.ca.clone()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = TcpStream::connect(running.addr).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
    let tls = connector.connect(name, tcp).await.unwrap();
    let request = tokio_tungstenite::tungstenite::http::Request::builder()
        .uri(format!("wss://127.0.0.1:{}/", running.addr.port()))
        .header("Host", format!("127.0.0.1:{}", running.addr.port()))
        .header("Origin", origin)
        .header("Connection", "Upgrade")
        .header("Upgrade", "websocket")
        .header("Sec-WebSocket-Version", "13")
        .header(
            "Sec-WebSocket-Key",
            tokio_tungstenite::tungstenite::handshake::client::generate_key(),
        )
        .body(())
        .unwrap();
    let (ws, _) = tokio_tungstenite::client_async(request, tls).await.unwrap();
    ws
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

#[tokio::test]
async fn a_second_page_is_turned_away_while_the_first_is_connected() {
    let running = start(false, 1 << 20).await;
    let mut first = page(&running, "https://egov.kz").await;
    next_text(&mut first).await;
    let mut second = page(&running, "https://elicense.kz").await;
    let reply: Value = serde_json::from_str(&next_text(&mut second).await).unwrap();
    assert_eq!(reply["code"], "500");
    assert!(matches!(
        second.next().await,
        None | Some(Ok(Message::Close(_))) | Some(Err(_))
    ));
    // The first page is still served; once it leaves, the next one is.
    assert_eq!(
        ask(
            &mut first,
            r#"{"module":"kz.gov.pki.knca.commonUtils","method":"getActiveTokens"}"#
        )
        .await["code"],
        "200"
    );
    first.close(None).await.unwrap();
    drop(first);
    let mut third = None;
    for _ in 0..50 {
        let mut ws = page(&running, "https://egov.kz").await;
        if next_text(&mut ws).await.contains("version") {
            third = Some(ws);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(third.is_some(), "a page is served after the first left");
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
    assert!(
        reply["message"]
            .as_str()
            .unwrap()
            .contains("Message digest algorithm is not supported"),
        "{reply}"
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
