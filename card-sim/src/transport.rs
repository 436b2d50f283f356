//! [`SimTransport`]: the simulator behind `qoltanba_core`'s
//! [`CardTransport`], with statistics, simulated latency and fault
//! injection (lost tags, timeouts, corrupted or replaced answers).
//!
//! The card and the control state sit behind `Arc<Mutex<_>>`, so a test can
//! keep a [`TransportControl`] and a [`StatsHandle`] after moving the
//! transport into a card session, and look at the card afterwards.

use crate::card::SimCard;
use crate::latency::LatencyModel;
use qoltanba_card::{CardTransport, TransportError};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// What the transport counted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Command APDUs that reached the transport (failed ones included).
    pub apdus: u64,
    pub bytes_to_card: u64,
    pub bytes_from_card: u64,
    /// The latency model's time for all exchanges.
    pub simulated: Duration,
    /// Bytes × 8 / bit rate + one turnaround per APDU: no card is faster.
    pub physical_floor: Duration,
}

/// A shared, readable view of a transport's [`Stats`].
#[derive(Debug, Clone, Default)]
pub struct StatsHandle(Arc<Mutex<Stats>>);

impl StatsHandle {
    /// A copy of the numbers now.
    pub fn snapshot(&self) -> Stats {
        lock(&self.0).clone()
    }

    /// Start counting again from zero.
    pub fn reset(&self) {
        *lock(&self.0) = Stats::default();
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Where a lost exchange broke off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LossPoint {
    /// The command never reached the card.
    BeforeCard,
    /// The card executed the command; its answer was lost.
    AfterCard,
}

#[derive(Debug, Clone)]
enum Fault {
    Fail(TransportError, LossPoint),
    CorruptMac,
    Replace(Vec<u8>),
}

#[derive(Debug, Default)]
struct Control {
    /// Transmits so far (the index of the next one).
    count: u64,
    faults: BTreeMap<u64, Fault>,
}

/// Injects faults into a transport, also after it was moved away.
/// Indices count transmits from the moment of the call, 0-based.
#[derive(Debug, Clone, Default)]
pub struct TransportControl(Arc<Mutex<Control>>);

impl TransportControl {
    fn add(&self, n: u64, fault: Fault) -> &Self {
        let mut c = lock(&self.0);
        let at = c.count + n;
        c.faults.insert(at, fault);
        self
    }

    /// The n-th transmit from now fails with `error` before reaching the
    /// card. For `TagLost` the card is reset (it left the field).
    pub fn fail_at(&self, n: u64, error: TransportError) -> &Self {
        self.add(n, Fault::Fail(error, LossPoint::BeforeCard))
    }

    /// As [`Self::fail_at`], choosing whether the card executed the
    /// command first ([`LossPoint::AfterCard`]: done, answer lost).
    pub fn fail_at_point(&self, n: u64, error: TransportError, point: LossPoint) -> &Self {
        self.add(n, Fault::Fail(error, point))
    }

    /// Flip a bit in the `8E` MAC of the n-th response from now (the last
    /// byte before SW1 SW2; for an answer without MAC, that byte anyway).
    pub fn corrupt_response_mac_at(&self, n: u64) -> &Self {
        self.add(n, Fault::CorruptMac)
    }

    /// Replace the n-th response from now (the card still executes the
    /// command).
    pub fn replace_response_at(&self, n: u64, bytes: Vec<u8>) -> &Self {
        self.add(n, Fault::Replace(bytes))
    }

    /// Transmits so far.
    pub fn transmits(&self) -> u64 {
        lock(&self.0).count
    }

    /// Drop every fault not yet triggered.
    pub fn clear(&self) {
        lock(&self.0).faults.clear();
    }
}

/// The simulator as a [`CardTransport`].
#[derive(Debug)]
pub struct SimTransport {
    card: Arc<Mutex<SimCard>>,
    stats: StatsHandle,
    control: TransportControl,
    model: LatencyModel,
    realtime: bool,
}

impl SimTransport {
    /// A transport to `card`, no sleeping. The latency model follows the
    /// profile's interface: contactless 424 kbit/s for `qoltanba-ref-1`,
    /// contact T=1 at 115.2 kbit/s for `kz-idcard`.
    pub fn new(card: SimCard) -> Self {
        Self::shared(Arc::new(Mutex::new(card)))
    }

    /// A transport to a card someone else also holds.
    pub fn shared(card: Arc<Mutex<SimCard>>) -> Self {
        let model = match lock(&card).profile() {
            crate::state::Profile::Reference { .. } => LatencyModel::default(),
            crate::state::Profile::KzIdCard { .. } => LatencyModel::contact(),
        };
        SimTransport {
            card,
            stats: StatsHandle::default(),
            control: TransportControl::default(),
            model,
            realtime: false,
        }
    }

    /// Use another latency model.
    pub fn with_model(mut self, model: LatencyModel) -> Self {
        self.model = model;
        self
    }

    /// Sleep for the simulated time of every exchange (demos).
    pub fn with_realtime(mut self, realtime: bool) -> Self {
        self.realtime = realtime;
        self
    }

    /// The card, shared.
    pub fn card(&self) -> Arc<Mutex<SimCard>> {
        Arc::clone(&self.card)
    }

    /// The statistics, shared.
    pub fn stats(&self) -> StatsHandle {
        self.stats.clone()
    }

    /// The fault injector, shared.
    pub fn control(&self) -> TransportControl {
        self.control.clone()
    }

    /// See [`TransportControl::fail_at`].
    pub fn fail_at(&self, n: u64, error: TransportError) -> &Self {
        self.control.fail_at(n, error);
        self
    }

    /// See [`TransportControl::fail_at_point`].
    pub fn fail_at_point(&self, n: u64, error: TransportError, point: LossPoint) -> &Self {
        self.control.fail_at_point(n, error, point);
        self
    }

    /// See [`TransportControl::corrupt_response_mac_at`].
    pub fn corrupt_response_mac_at(&self, n: u64) -> &Self {
        self.control.corrupt_response_mac_at(n);
        self
    }

    /// See [`TransportControl::replace_response_at`].
    pub fn replace_response_at(&self, n: u64, bytes: Vec<u8>) -> &Self {
        self.control.replace_response_at(n, bytes);
        self
    }

    fn account(&self, command: &[u8], response: Option<&[u8]>, elapsed: Duration) {
        let work = lock(&self.card).last_work().to_vec();
        let resp_len = response.map_or(0, <[u8]>::len);
        let simulated = self.model.exchange(command.len(), resp_len, &work);
        {
            let mut s = lock(&self.stats.0);
            s.apdus += 1;
            s.bytes_to_card += command.len() as u64;
            s.bytes_from_card += resp_len as u64;
            s.simulated += simulated;
            s.physical_floor += self.model.physical_floor(command.len(), resp_len);
        }
        if self.realtime {
            std::thread::sleep(simulated.saturating_sub(elapsed));
        }
    }
}

impl CardTransport for SimTransport {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let started = Instant::now();
        let fault = {
            let mut c = lock(&self.control.0);
            let index = c.count;
            c.count += 1;
            c.faults.remove(&index)
        };
        match fault {
            Some(Fault::Fail(error, point)) => {
                let executed = point == LossPoint::AfterCard;
                {
                    let mut card = lock(&self.card);
                    if executed {
                        card.process(command);
                    }
                    if error == TransportError::TagLost {
                        card.reset();
                    }
                }
                if executed {
                    self.account(command, None, started.elapsed());
                } else {
                    lock(&self.stats.0).apdus += 1;
                }
                Err(error)
            }
            other => {
                let mut response = lock(&self.card).process(command);
                match other {
                    Some(Fault::CorruptMac) if response.len() >= 3 => {
                        let i = response.len() - 3;
                        response[i] ^= 0x01;
                    }
                    Some(Fault::Replace(bytes)) => response = bytes,
                    _ => {}
                }
                self.account(command, Some(&response), started.elapsed());
                Ok(response)
            }
        }
    }

    fn atr(&self) -> Option<Vec<u8>> {
        Some(lock(&self.card).atr())
    }
}
