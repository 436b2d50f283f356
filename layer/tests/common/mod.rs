//! What the layer's integration tests share: an NCA test key file as a key
//! source that counts its openings (the witness that no key was touched)
//! and its probes, the citizen typing its password, and a page: the TLS
//! and WebSocket client side of the server.
#![allow(dead_code)] // each test file uses its own part of this

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use qoltanba_core::renewal::{FileHome, KeyHome, RenewalUi};
use qoltanba_l10n::Text;
use qoltanba_layer::keys::{KeySource, KeySourceError, OpenedKey};
use qoltanba_pki::keyfile::{NewPassword, Password};
use rustls::pki_types::CertificateDer;
use tokio::net::TcpStream;

/// The NCA test key files' password.
pub const PASSWORD: &str = "Qwerty12";

/// The password, as the citizen types it.
pub struct Typed;

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

/// An NCA test key file; counts how often it was opened. `hardware`: it
/// stands in for a card or token (whose presence pages may ask about),
/// counting how often it was probed.
pub struct TestKeyFile {
    pub path: PathBuf,
    pub opened: Arc<AtomicUsize>,
    pub hardware: bool,
    pub probed: Arc<AtomicUsize>,
}

impl TestKeyFile {
    /// The key file at `path`, counting its openings in `opened`.
    pub fn new(path: PathBuf, opened: Arc<AtomicUsize>) -> Self {
        Self {
            path,
            opened,
            hardware: false,
            probed: Arc::default(),
        }
    }
}

impl KeySource for TestKeyFile {
    fn storage(&self) -> &str {
        "PKCS12"
    }
    fn is_hardware(&self) -> bool {
        self.hardware
    }
    fn is_present(&mut self) -> bool {
        self.probed.fetch_add(1, Ordering::SeqCst);
        true
    }
    fn label(&self) -> String {
        let name = self.path.file_name().unwrap_or_default();
        format!("key file {}", name.to_string_lossy())
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

/// A page's connection to the layer.
pub type Client = tokio_tungstenite::WebSocketStream<tokio_rustls::client::TlsStream<TcpStream>>;

/// TLS to the layer at `addr`, trusting only the local CA `ca`.
pub async fn tls_to(
    addr: SocketAddr,
    ca: &CertificateDer<'static>,
) -> tokio_rustls::client::TlsStream<TcpStream> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca.clone()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = TcpStream::connect(addr).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
    connector.connect(name, tcp).await.unwrap()
}

/// A page whose handshake sends `origin` as these bytes (none: no header);
/// the server's refusal as an error.
pub async fn try_page(
    addr: SocketAddr,
    ca: &CertificateDer<'static>,
    origin: Option<&[u8]>,
) -> Result<Client, tokio_tungstenite::tungstenite::Error> {
    let tls = tls_to(addr, ca).await;
    let mut request = tokio_tungstenite::tungstenite::http::Request::builder()
        .uri(format!("wss://127.0.0.1:{}/", addr.port()))
        .header("Host", format!("127.0.0.1:{}", addr.port()));
    if let Some(origin) = origin {
        request = request.header(
            "Origin",
            tokio_tungstenite::tungstenite::http::HeaderValue::from_bytes(origin).unwrap(),
        );
    }
    let request = request
        .header("Connection", "Upgrade")
        .header("Upgrade", "websocket")
        .header("Sec-WebSocket-Version", "13")
        .header(
            "Sec-WebSocket-Key",
            tokio_tungstenite::tungstenite::handshake::client::generate_key(),
        )
        .body(())
        .unwrap();
    let (ws, _) = tokio_tungstenite::client_async(request, tls).await?;
    Ok(ws)
}
