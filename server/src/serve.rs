//! Serving the API: the accept loop and the bounds on every connection, so
//! hostile clients cannot starve the server (`[limits]` in the
//! configuration; docs/protocol.md, "Hostile clients").
//!
//! A connection is admitted under two caps, per client address and in all;
//! the cap in all stays below the process's open-file limit, so `accept`
//! never runs out of descriptors and an honest client from another address
//! still gets in. A connection over a cap is closed at once and counted
//! (a warning in the log at most every ten seconds). An admitted connection
//! must finish its TLS handshake, each request's line and headers, and each
//! request's body within their timeouts; the header timeout also ends a
//! kept-alive connection that sits idle. axum's own `serve` has none of
//! these (hyper's header timeout needs a timer it does not set), hence this
//! loop over hyper's HTTP/1.1 connection.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt as _;

use crate::api::{self, AppState, PeerAddr};
use crate::config::Limits;

/// Descriptors kept free below the open-file limit for everything that is
/// not a client connection (the database, its journal, log files, outgoing
/// SMTP and push connections).
const SPARE_FILES: u64 = 64;

/// How often refused connections are reported in the log, at most.
const REPORT_EVERY: Duration = Duration::from_secs(10);

/// How long a shutdown waits for open requests to finish.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// The bounds on connections, from `[limits]` and the open-file limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    pub per_address: usize,
    /// Below the open-file limit (by [`SPARE_FILES`]) whatever `[limits]` says.
    pub total: usize,
    pub tls_handshake: Duration,
    pub header_read: Duration,
    pub body_read: Duration,
}

impl ConnectionLimits {
    /// `limits` with the cap in all lowered below `open_files`, the
    /// process's open-file limit when it has one.
    pub fn new(limits: &Limits, open_files: Option<u64>) -> Self {
        let mut total = u64::from(limits.max_connections);
        if let Some(files) = open_files {
            total = total.min(files.saturating_sub(SPARE_FILES));
        }
        let total = usize::try_from(total).unwrap_or(usize::MAX).max(1);
        Self {
            per_address: usize::try_from(limits.connections_per_address)
                .unwrap_or(usize::MAX)
                .clamp(1, total),
            total,
            tls_handshake: Duration::from_secs(limits.tls_handshake_timeout_seconds),
            header_read: Duration::from_secs(limits.header_read_timeout_seconds),
            body_read: Duration::from_secs(limits.body_read_timeout_seconds),
        }
    }

    /// [`ConnectionLimits::new`] with this process's open-file limit.
    pub fn for_this_process(limits: &Limits) -> Self {
        Self::new(limits, open_file_limit())
    }
}

/// The soft limit on open files (`ulimit -n`), where there is one.
fn open_file_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        rustix::process::getrlimit(rustix::process::Resource::Nofile).current
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// Who holds how many connections; admits or refuses new ones.
pub struct Admission {
    limits: ConnectionLimits,
    state: Mutex<AdmissionState>,
}

#[derive(Default)]
struct AdmissionState {
    open: usize,
    by_address: HashMap<IpAddr, usize>,
    refused_total: u64,
    refused_since_report: u64,
    reported: Option<Instant>,
}

/// One admitted connection; dropping it gives its place back.
pub struct Admitted {
    admission: Arc<Admission>,
    ip: IpAddr,
}

impl Admission {
    pub fn new(limits: ConnectionLimits) -> Arc<Self> {
        Arc::new(Self {
            limits,
            state: Mutex::new(AdmissionState::default()),
        })
    }

    /// A place for a connection from `ip`, or `None` (and the refusal
    /// counted) when its address or the server is at its cap.
    pub fn admit(self: &Arc<Self>, ip: IpAddr) -> Option<Admitted> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let from_ip = state.by_address.get(&ip).copied().unwrap_or(0);
        if state.open >= self.limits.total || from_ip >= self.limits.per_address {
            state.refused_total += 1;
            state.refused_since_report += 1;
            let now = Instant::now();
            if state
                .reported
                .is_none_or(|at| now.duration_since(at) >= REPORT_EVERY)
            {
                let why = if from_ip >= self.limits.per_address {
                    format!("{from_ip} open from it, the cap per address")
                } else {
                    format!("{} open, the cap in all", state.open)
                };
                tracing::warn!(
                    "refused a connection from {ip} ({why}): {} refused since the last report, {} since the start; see [limits] connections_per_address and max_connections",
                    state.refused_since_report,
                    state.refused_total,
                );
                state.refused_since_report = 0;
                state.reported = Some(now);
            }
            return None;
        }
        state.open += 1;
        *state.by_address.entry(ip).or_insert(0) += 1;
        Some(Admitted {
            admission: self.clone(),
            ip,
        })
    }

    /// Connections open now, and refused since the start.
    pub fn counts(&self) -> (usize, u64) {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        (state.open, state.refused_total)
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut state = self
            .admission
            .state
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        state.open = state.open.saturating_sub(1);
        if let Some(n) = state.by_address.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                state.by_address.remove(&self.ip);
            }
        }
    }
}

/// Serve the API on `tcp`, through TLS with `tls` (plain HTTP without),
/// until `shutdown` resolves; then let open requests finish (for at most
/// 30 s).
pub async fn serve(
    tcp: TcpListener,
    tls: Option<Arc<rustls::ServerConfig>>,
    state: Arc<AppState>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let limits = ConnectionLimits::for_this_process(&state.config.limits);
    tracing::info!(
        "serving at most {} connections, {} per client address",
        limits.total,
        limits.per_address
    );
    let admission = Admission::new(limits);
    let router = api::router(state);
    let tls = tls.map(TlsAcceptor::from);
    // Connections watch `stop` to shut down gracefully; the loop waits on
    // `open` until every connection has dropped its receiver.
    let (stop, stopping) = watch::channel(());
    let (open, connection_open) = watch::channel(());
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = tcp.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of descriptors, or the peer gave up before accept.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(admitted) = admission.admit(peer.ip()) else {
            drop(stream);
            continue;
        };
        tokio::spawn(connection(
            stream,
            peer,
            tls.clone(),
            router.clone(),
            limits,
            stopping.clone(),
            (connection_open.clone(), admitted),
        ));
    }
    drop(tcp);
    drop(stopping);
    drop(connection_open);
    drop(stop);
    if tokio::time::timeout(SHUTDOWN_GRACE, open.closed())
        .await
        .is_err()
    {
        tracing::warn!(
            "stopped with requests still open after {} s",
            SHUTDOWN_GRACE.as_secs()
        );
    }
    Ok(())
}

/// One connection: the TLS handshake, then HTTP/1.1 until the client or a
/// timeout ends it. `_held` keeps its place in the server until it ends.
async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    tls: Option<TlsAcceptor>,
    router: Router,
    limits: ConnectionLimits,
    stopping: watch::Receiver<()>,
    _held: (watch::Receiver<()>, Admitted),
) {
    match tls {
        None => http(stream, peer, router, limits, stopping).await,
        Some(acceptor) => {
            match tokio::time::timeout(limits.tls_handshake, acceptor.accept(stream)).await {
                Ok(Ok(tls)) => http(tls, peer, router, limits, stopping).await,
                Ok(Err(e)) => tracing::debug!("TLS handshake with {peer} failed: {e}"),
                Err(_) => tracing::debug!("TLS handshake with {peer} timed out"),
            }
        }
    }
}

async fn http<I>(
    io: I,
    peer: SocketAddr,
    router: Router,
    limits: ConnectionLimits,
    mut stopping: watch::Receiver<()>,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let body_read = limits.body_read;
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        let read_out = Arc::new(AtomicBool::new(false));
        let mut request =
            request.map(|body| Body::new(DeadlineBody::new(body, body_read, read_out.clone())));
        request.extensions_mut().insert(ConnectInfo(PeerAddr(peer)));
        let answer = router.clone().oneshot(request);
        async move {
            let mut response = answer.await?;
            // hyper closes a connection whose request body was not read out
            // (a refusal before the body: 401, 413, 415…); say so, or the
            // client sends its next request into the closing connection.
            if !read_out.load(Ordering::Relaxed) {
                response.headers_mut().insert(
                    hyper::header::CONNECTION,
                    hyper::header::HeaderValue::from_static("close"),
                );
            }
            Ok::<_, std::convert::Infallible>(response)
        }
    });
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read)
        .serve_connection(TokioIo::new(io), service);
    let mut conn = std::pin::pin!(conn);
    let mut shutting_down = false;
    loop {
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!("connection from {peer} ended: {e}");
                }
                return;
            }
            _ = stopping.changed(), if !shutting_down => {
                shutting_down = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}

/// A request body that must arrive within its time from the end of the
/// headers; after it, reading the body fails (the handler answers with its
/// error and hyper closes the connection, whose body was not read out).
struct DeadlineBody {
    inner: Incoming,
    /// Set once the body has been read to its end.
    read_out: Arc<AtomicBool>,
    deadline: tokio::time::Instant,
    timer: Option<Pin<Box<tokio::time::Sleep>>>,
    allowed: Duration,
}

impl DeadlineBody {
    fn new(inner: Incoming, allowed: Duration, read_out: Arc<AtomicBool>) -> Self {
        if http_body::Body::is_end_stream(&inner) {
            read_out.store(true, Ordering::Relaxed);
        }
        Self {
            inner,
            read_out,
            deadline: tokio::time::Instant::now() + allowed,
            timer: None,
            allowed,
        }
    }
}

/// The body did not arrive in time.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive within {0} s; send it at once")]
struct BodyTimedOut(u64);

impl http_body::Body for DeadlineBody {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        if let Poll::Ready(frame) = Pin::new(&mut this.inner).poll_frame(cx) {
            if frame.is_none() || this.inner.is_end_stream() {
                this.read_out.store(true, Ordering::Relaxed);
            }
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        let deadline = this.deadline;
        let timer = this
            .timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        if timer.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Some(Err(BodyTimedOut(this.allowed.as_secs()).into())));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(per_address: u32, total: u32) -> Limits {
        Limits {
            connections_per_address: per_address,
            max_connections: total,
            ..Limits::default()
        }
    }

    #[test]
    fn the_cap_in_all_stays_below_the_open_file_limit() {
        let l = ConnectionLimits::new(&limits(128, 10_000), Some(1024));
        assert_eq!((l.total, l.per_address), (960, 128));
        let l = ConnectionLimits::new(&limits(128, 500), Some(1024));
        assert_eq!(l.total, 500);
        let l = ConnectionLimits::new(&limits(128, 10_000), None);
        assert_eq!(l.total, 10_000);
        // A limit below the spare descriptors still admits one connection.
        let l = ConnectionLimits::new(&limits(128, 10_000), Some(10));
        assert_eq!((l.total, l.per_address), (1, 1));
    }

    #[test]
    fn admits_under_both_caps_and_frees_places_on_drop() {
        let admission = Admission::new(ConnectionLimits::new(&limits(2, 3), None));
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let first = admission.admit(a).unwrap();
        let _second = admission.admit(a).unwrap();
        assert!(admission.admit(a).is_none(), "a third from one address");
        let _third = admission.admit(b).unwrap();
        assert!(admission.admit(b).is_none(), "a fourth in all");
        assert_eq!(admission.counts(), (3, 2));
        drop(first);
        let _again = admission.admit(a).unwrap();
        assert_eq!(admission.counts(), (3, 2));
    }
}
