//! Change listeners: a screen registers one and redraws when what it shows
//! changed (a renewal step committed, a push arrived, a card came or went,
//! the keys or the RA's view changed). Listeners are called on the thread
//! that made the change; they must return quickly.

use std::sync::{Arc, Mutex};

use serde::Serialize;

use crate::renewal::Step;

/// What changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum CabinetEvent {
    /// A renewal committed a step.
    RenewalStep { renewal_id: i64, step: Step },
    /// The list of keys changed (installed, imported, revoked, replaced).
    KeysChanged,
    /// An expiry push arrived for this certificate.
    PushReceived { serial: String },
    /// A card was presented (`true`) or left the field (`false`).
    Card { present: bool },
    /// The RA's view (applications, certificates, profile) changed.
    RaViewChanged,
}

/// Told about every [`CabinetEvent`].
#[cfg_attr(feature = "uniffi", uniffi::export(with_foreign))]
pub trait CabinetListener: Send + Sync {
    fn changed(&self, event: CabinetEvent);
}

/// The registered listeners, each under the id [`Events::add`] gave.
#[derive(Default)]
pub struct Events {
    listeners: Mutex<Vec<(u64, Arc<dyn CabinetListener>)>>,
    next: std::sync::atomic::AtomicU64,
}

impl Events {
    pub fn add(&self, listener: Arc<dyn CabinetListener>) -> u64 {
        let id = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.lock().push((id, listener));
        id
    }

    /// Whether a listener was registered under `id`.
    pub fn remove(&self, id: u64) -> bool {
        let mut listeners = self.lock();
        let before = listeners.len();
        listeners.retain(|(i, _)| *i != id);
        listeners.len() != before
    }

    /// Tell every listener; the list is copied first, so a listener may
    /// add or remove listeners.
    pub fn emit(&self, event: CabinetEvent) {
        let listeners: Vec<_> = self.lock().iter().map(|(_, l)| Arc::clone(l)).collect();
        for listener in listeners {
            listener.changed(event.clone());
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(u64, Arc<dyn CabinetListener>)>> {
        self.listeners.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl std::fmt::Debug for Events {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Events")
            .field("listeners", &self.lock().len())
            .finish()
    }
}
