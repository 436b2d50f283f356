//! The transport: WebSocket over TLS on a loopback address. Several pages
//! at once, as NCALayer serves them (an idle tab must not lock out the
//! portal the citizen is using); their requests reach the one [`Service`]
//! in turn, so prompts come one at a time. Up to [`MAX_PAGES`] connections;
//! the greeting on connect, the heartbeat echoed, one reply per request in
//! the order they came, frames above the size limit answered and the
//! connection closed. The Origin header of the handshake is the origin the
//! consent prompt shows; a page that is neither an https site nor of this
//! computer is refused at the handshake ([`page_origin`]), without a prompt.

use std::collections::VecDeque;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use qoltanba_l10n::{Locale, Text, render};
use rustls::ServerConfig;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::server::{
    ErrorResponse, Request as HttpRequest, Response,
};
use tokio_tungstenite::tungstenite::http::StatusCode;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use crate::origins::{OriginRefused, page_origin};
use crate::protocol::{Frame, GREETING, Reply, parse};
use crate::service::Service;

/// NCALayer's address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:13579";

/// The largest request accepted: documents arrive Base64-encoded in one
/// frame, and a page's PDF of a few megabytes is common.
pub const DEFAULT_MAX_FRAME: usize = 32 * 1024 * 1024;

/// The most pages served at once: enough for every tab of a working day,
/// few enough that a runaway page cannot exhaust the computer.
pub const MAX_PAGES: usize = 32;

/// How many frames a page may send while one of its requests is being
/// answered (the citizen reading the prompt); one more and the page is
/// disconnected, its request carried out for no one. Frames are up to
/// `max_frame` each, so the queue must be short.
pub const MAX_QUEUED_FRAMES: usize = 8;

/// How long a client has for the TLS and WebSocket handshakes.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Why the server cannot run.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(
        "{0} is not a loopback address; qoltanba answers pages on this computer only (use 127.0.0.1 or [::1])"
    )]
    NotLoopback(SocketAddr),
    #[error("cannot listen on {addr}: {detail} (is NCALayer or another qoltanba running?)")]
    Bind { addr: SocketAddr, detail: String },
}

/// A listener on `addr`, refused unless it is a loopback address.
pub async fn bind(addr: SocketAddr) -> Result<TcpListener, ServeError> {
    if !addr.ip().is_loopback() {
        return Err(ServeError::NotLoopback(addr));
    }
    TcpListener::bind(addr).await.map_err(|e| ServeError::Bind {
        addr,
        detail: e.to_string(),
    })
}

/// The server's settings.
#[derive(Clone)]
pub struct ServerOptions {
    pub max_frame: usize,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            max_frame: DEFAULT_MAX_FRAME,
        }
    }
}

/// Serve pages on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    tls: Arc<ServerConfig>,
    service: Arc<Mutex<Service>>,
    options: ServerOptions,
    shutdown: impl Future<Output = ()>,
) {
    let acceptor = TlsAcceptor::from(tls);
    let pages = Arc::new(AtomicUsize::new(0));
    tokio::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            () = &mut shutdown => return,
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    tracing::warn!("accepting a connection failed: {e}");
                    continue;
                }
            },
        };
        if !peer.ip().is_loopback() {
            // The listener is bound to loopback; this is a second line of defence.
            tracing::warn!("refused a connection from {peer}: not loopback");
            continue;
        }
        let acceptor = acceptor.clone();
        let options = options.clone();
        let service = service.clone();
        let pages = pages.clone();
        tokio::spawn(async move {
            // A page counts once its handshake is done: a port probe or a
            // half-open connection never keeps the page that follows out.
            let (mut ws, origin) = match handshake(&acceptor, tcp, &options).await {
                Some(Ok(accepted)) => accepted,
                Some(Err(refused)) => {
                    // The page learns only that it was refused (HTTP 403).
                    let text = Text::new("layer-refused-origin").arg("reason", refused.to_string());
                    let _ = tokio::task::spawn_blocking(move || {
                        service
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .tell(&text);
                    })
                    .await;
                    return;
                }
                None => return,
            };
            if pages.fetch_add(1, Ordering::SeqCst) >= MAX_PAGES {
                pages.fetch_sub(1, Ordering::SeqCst);
                let text = Text::new("layer-error-busy").arg("max", MAX_PAGES as i64);
                let reply = Reply::common_error(render(Locale::Ru, &text));
                let _ = ws.send(Message::text(reply.to_text())).await;
                let _ = ws.close(None).await;
                return;
            }
            tracing::info!(
                "a page connected from origin {}",
                origin.as_deref().unwrap_or("(none)")
            );
            converse(ws, origin, service).await;
            pages.fetch_sub(1, Ordering::SeqCst);
        });
    }
}

/// TLS, then the WebSocket handshake; the stream and the Origin header.
async fn handshake(
    acceptor: &TlsAcceptor,
    tcp: TcpStream,
    options: &ServerOptions,
) -> Option<
    Result<
        (
            WebSocketStream<tokio_rustls::server::TlsStream<TcpStream>>,
            Option<String>,
        ),
        OriginRefused,
    >,
> {
    let tls = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp))
        .await
        .ok()?
        .ok()?;
    let mut origin = Ok(None);
    // The signature tungstenite asks of a handshake callback.
    #[allow(clippy::result_large_err)]
    let callback = |request: &HttpRequest, response: Response| -> Result<Response, ErrorResponse> {
        let header = request.headers().get("origin").map(|v| v.as_bytes());
        origin = page_origin(header);
        if origin.is_err() {
            let mut refused = ErrorResponse::new(Some(
                "qoltanba serves https sites and pages of this computer only".to_owned(),
            ));
            *refused.status_mut() = StatusCode::FORBIDDEN;
            return Err(refused);
        }
        Ok(response)
    };
    let config = WebSocketConfig::default()
        .max_message_size(Some(options.max_frame))
        .max_frame_size(Some(options.max_frame));
    let accepted = tokio::time::timeout(
        HANDSHAKE_TIMEOUT,
        tokio_tungstenite::accept_hdr_async_with_config(tls, callback, Some(config)),
    )
    .await
    .ok()?;
    match (accepted, origin) {
        (_, Err(refused)) => Some(Err(refused)),
        (Ok(ws), Ok(origin)) => Some(Ok((ws, origin))),
        (Err(_), Ok(_)) => None,
    }
}

/// The conversation with one page.
async fn converse<S: AsyncRead + AsyncWrite + Unpin>(
    mut ws: WebSocketStream<S>,
    origin: Option<String>,
    service: Arc<Mutex<Service>>,
) {
    if ws.send(Message::text(GREETING)).await.is_err() {
        return;
    }
    // Frames that came while a request was being answered.
    let mut queued: VecDeque<Result<Message, WsError>> = VecDeque::new();
    loop {
        let message = match queued.pop_front() {
            Some(m) => m,
            None => match ws.next().await {
                Some(m) => m,
                None => break,
            },
        };
        let reply = match message {
            Ok(Message::Text(text)) => match parse(text.as_str()) {
                Frame::Heartbeat => text.as_str().to_owned(),
                Frame::Refused(reply) => reply.to_text(),
                Frame::Request(request) => {
                    let service = service.clone();
                    let origin = origin.clone();
                    let page_gone = Arc::new(AtomicBool::new(false));
                    let gone = page_gone.clone();
                    // Consent prompts and card I/O block: off the async threads.
                    let task = tokio::task::spawn_blocking(move || {
                        let mut service = service.lock().unwrap_or_else(|p| p.into_inner());
                        service.handle_watched(origin.as_deref(), request, &gone)
                    });
                    tokio::pin!(task);
                    // Meanwhile the connection is read, so that the service
                    // learns when the page leaves (it then opens no key).
                    // `None`: the page is gone (it left, or flooded); the
                    // connection ends now, and the request, if the citizen
                    // allows it, opens no key (the service sees `page_gone`).
                    let handled = loop {
                        tokio::select! {
                            handled = &mut task => break Some(handled),
                            next = ws.next() => match next {
                                Some(Ok(Message::Close(_))) | None => break None,
                                Some(Err(e)) if !matches!(e, WsError::Capacity(_)) => break None,
                                Some(_) if queued.len() >= MAX_QUEUED_FRAMES => {
                                    tracing::warn!("a page sent too many requests at once: disconnected");
                                    break None;
                                }
                                Some(frame) => queued.push_back(frame),
                            },
                        }
                    };
                    let Some(handled) = handled else {
                        page_gone.store(true, Ordering::SeqCst);
                        break;
                    };
                    match handled {
                        Ok(reply) => reply.to_text(),
                        Err(_) => Reply::common_error("internal error").to_text(),
                    }
                }
            },
            Ok(Message::Binary(_)) => Reply::common_error(
                "binary frames are not part of the protocol; send the request as JSON text",
            )
            .to_text(),
            Ok(Message::Close(_)) => break,
            Ok(_) => continue,
            Err(WsError::Capacity(e)) => {
                let reply = Reply::common_error(format!(
                    "the request is too large ({e}); send a smaller document"
                ));
                let _ = ws.send(Message::text(reply.to_text())).await;
                let _ = ws.close(None).await;
                break;
            }
            Err(_) => break,
        };
        if ws.send(Message::text(reply)).await.is_err() {
            break;
        }
    }
}
