//! The process's log: text or JSON lines on standard error (`[log]`), at
//! the level `QOLTANBA_RA_LOG`, else `RUST_LOG`, else `[log] level` says.
//!
//! What is logged never holds a secret: handlers log no bodies, the access
//! log ([`crate::api`]'s `access_log`) no query strings, headers or raw
//! paths, and the senders' HTTP client (reqwest, hyper, h2: at TRACE they
//! may show frames of requests with bearer tokens and SMS texts with
//! codes) is held at WARN whatever the filter says. tests/operations.rs renews a certificate with the log
//! at TRACE and looks for every secret of the renewal in it.

use tracing_subscriber::EnvFilter;

use crate::config::{Log, LogFormat};

/// The filter: the environment's, else `configured`; the HTTP client's
/// dumps never below WARN.
fn filter(configured: &str) -> Result<EnvFilter, String> {
    let (source, text) = ["QOLTANBA_RA_LOG", "RUST_LOG"]
        .iter()
        .find_map(|name| {
            std::env::var(name)
                .ok()
                .filter(|v| !v.trim().is_empty())
                .map(|v| (format!("the environment's {name}"), v))
        })
        .unwrap_or_else(|| ("[log] level".to_owned(), configured.to_owned()));
    let mut filter = EnvFilter::try_new(&text).map_err(|e| {
        format!("{source} {text:?} is not a log filter ({e}); write e.g. \"info\" or \"info,qoltanba_ra=debug\"")
    })?;
    // At debug level the PostgreSQL client logs every statement's
    // parameters (code hashes, outbox bodies with codes): never below warn.
    for quiet in [
        "reqwest=warn",
        "hyper_util=warn",
        "h2=warn",
        "tokio_postgres=warn",
        "postgres=warn",
    ] {
        filter = filter.add_directive(quiet.parse().map_err(|e| format!("{quiet}: {e}"))?);
    }
    Ok(filter)
}

/// Install the process's subscriber (once; a second call is ignored).
pub fn init(log: &Log) -> Result<(), String> {
    let filter = filter(&log.level)?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let installed = match log.format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .try_init(),
    };
    // Already installed (a test harness's subscriber): keep it.
    drop(installed);
    Ok(())
}
