//! The core's log, forwarded to the app's logger (Logcat, os_log).
//!
//! The core logs through `tracing`; one layer, installed the first time the
//! app sets a sink, hands each event at or above the chosen level to the
//! app's [`LogSink`]. Nothing the core logs carries a secret: APDUs show
//! only their header and length, errors never hold passwords, PINs or codes
//! (docs/threat-model.md), and the Kotlin tests check it at the trace level.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, OnceLock, RwLock};

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::prelude::*;

/// How much to log, from least to most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, uniffi::Enum)]
pub enum LogLevel {
    Error,
    Warn,
    Info,
    Debug,
    /// Every APDU exchanged with the card (headers and lengths only).
    Trace,
}

impl LogLevel {
    fn of(level: &Level) -> Self {
        match *level {
            Level::ERROR => Self::Error,
            Level::WARN => Self::Warn,
            Level::INFO => Self::Info,
            Level::DEBUG => Self::Debug,
            _ => Self::Trace,
        }
    }
}

/// The app's logger. Called on the thread that logs; keep it quick and
/// never call back into qoltanba from it.
#[uniffi::export(with_foreign)]
pub trait LogSink: Send + Sync {
    /// One event: `target` is the core module (`qoltanba_card::channel`).
    fn log(&self, level: LogLevel, target: String, message: String);
}

/// No sink: nothing is forwarded.
const OFF: u8 = 0;

static SINK: RwLock<Option<Arc<dyn LogSink>>> = RwLock::new(None);
/// `OFF`, or 1 + the highest [`LogLevel`] forwarded.
static MAX: AtomicU8 = AtomicU8::new(OFF);
static INSTALLED: OnceLock<bool> = OnceLock::new();

/// Forward the core's log at `max_level` and above to `sink` (replacing
/// any earlier sink); `None` stops forwarding. If the process already has
/// a global `tracing` subscriber of its own, that one keeps the log and
/// this returns false.
#[uniffi::export]
pub fn set_log_sink(sink: Option<Arc<dyn LogSink>>, max_level: LogLevel) -> bool {
    let installed = *INSTALLED.get_or_init(|| {
        tracing_subscriber::registry()
            .with(Forward)
            .try_init()
            .is_ok()
    });
    let on = sink.is_some();
    *SINK.write().unwrap_or_else(|p| p.into_inner()) = sink;
    MAX.store(
        if on { max_level as u8 + 1 } else { OFF },
        Ordering::Release,
    );
    // Callsites cached as "never" while the sink was off must be asked again.
    tracing::callsite::rebuild_interest_cache();
    installed
}

fn wanted(level: &Level) -> bool {
    let max = MAX.load(Ordering::Acquire);
    max != OFF && (LogLevel::of(level) as u8) < max
}

/// The layer that hands events to the sink.
struct Forward;

impl<S: Subscriber> Layer<S> for Forward {
    fn register_callsite(&self, _: &'static Metadata<'static>) -> tracing::subscriber::Interest {
        // Decided per event: the level can change at run time.
        tracing::subscriber::Interest::sometimes()
    }

    fn enabled(&self, metadata: &Metadata<'_>, _: Context<'_, S>) -> bool {
        wanted(metadata.level())
    }

    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let meta = event.metadata();
        let Some(sink) = SINK.read().unwrap_or_else(|p| p.into_inner()).clone() else {
            return;
        };
        let mut line = Line::default();
        event.record(&mut line);
        sink.log(
            LogLevel::of(meta.level()),
            meta.target().to_string(),
            line.0,
        );
    }
}

/// The event's message, then its other fields as `name=value`.
#[derive(Default)]
struct Line(String);

impl Visit for Line {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if !self.0.is_empty() {
            self.0.push(' ');
        }
        if field.name() == "message" {
            let _ = write!(self.0, "{value:?}");
        } else {
            let _ = write!(self.0, "{}={value:?}", field.name());
        }
    }
}
