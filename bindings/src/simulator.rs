//! A software ID card (the `qoltanba-ref-1` profile) behind the same
//! transport trait as the phone's NFC: for app developers without a card,
//! and for the tests.

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use qoltanba_card::CardTransport as _;
use qoltanba_card_sim::{SimCard, SimConfig, SimTransport};
use zeroize::Zeroizing;

use crate::card::{CardTransport, TransportFailure};
use crate::error::{QoltanbaError, guard};
use crate::live::Live;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A simulated card; its state is saved in a file when it has a path.
#[derive(uniffi::Object)]
pub struct SimulatorCard {
    card: Arc<Mutex<SimCard>>,
    _live: Live,
}

impl SimulatorCard {
    /// A fresh tap, as the core's transport.
    #[cfg(feature = "testing")]
    pub(crate) fn core_transport(&self) -> Box<dyn qoltanba_card::CardTransport + Send> {
        Box::new(SimTransport::shared(Arc::clone(&self.card)))
    }
}

#[uniffi::export]
impl SimulatorCard {
    /// Personalise a new reference card with these secrets (CAN: 6 digits,
    /// PIN: 4 to 12, PUK: 8); with `path`, its state is kept in that file
    /// (which must not exist yet).
    #[uniffi::constructor]
    pub fn create(
        path: Option<String>,
        can: String,
        pin: String,
        puk: String,
    ) -> Result<Arc<Self>, QoltanbaError> {
        let (can, pin, puk) = (
            Zeroizing::new(can),
            Zeroizing::new(pin),
            Zeroizing::new(puk),
        );
        let config = SimConfig::reference(&can, &pin, &puk);
        guard(|| {
            let card = SimCard::create(path.as_deref().map(Path::new), config)
                .map_err(QoltanbaError::invalid)?;
            Ok(Arc::new(Self {
                card: Arc::new(Mutex::new(card)),
                _live: Live::new(),
            }))
        })
    }

    /// Open a card saved by [`SimulatorCard::create`] with a path.
    #[uniffi::constructor]
    pub fn open(path: String) -> Result<Arc<Self>, QoltanbaError> {
        guard(|| {
            let card = SimCard::open(Path::new(&path)).map_err(QoltanbaError::invalid)?;
            Ok(Arc::new(Self {
                card: Arc::new(Mutex::new(card)),
                _live: Live::new(),
            }))
        })
    }

    /// A transport to this card, for [`crate::CardSession::open`] (or for the
    /// app's own transport to forward to). Each is a fresh tap.
    pub fn transport(&self) -> Arc<dyn CardTransport> {
        Arc::new(SimulatorTransport(
            Mutex::new(SimTransport::shared(Arc::clone(&self.card))),
            Live::new(),
        ))
    }

    /// A one-paragraph description of the card's state (slots, roles, counters).
    pub fn describe(&self) -> String {
        lock(&self.card).describe()
    }
}

struct SimulatorTransport(Mutex<SimTransport>, Live);

impl CardTransport for SimulatorTransport {
    fn transmit(&self, command: Vec<u8>) -> Result<Vec<u8>, TransportFailure> {
        lock(&self.0).transmit(&command).map_err(|e| match e {
            qoltanba_card::TransportError::TagLost => TransportFailure::TagLost,
            qoltanba_card::TransportError::Timeout => TransportFailure::Timeout,
            qoltanba_card::TransportError::Other(detail) => TransportFailure::Other { detail },
        })
    }

    fn atr(&self) -> Option<Vec<u8>> {
        lock(&self.0).atr()
    }
}
