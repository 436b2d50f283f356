//! A latency model: how long an APDU exchange would take on a real card,
//! accumulated as simulated time (nothing sleeps unless the transport's
//! `realtime` flag asks for it).
//!
//! The model, and why:
//! - **Air time.** Every byte costs 10 bit times: ISO/IEC 14443-3 Type B
//!   frames a character as start bit, 8 data bits, stop bit; Type A sends
//!   8 bits plus parity (9) with SOF/EOF per frame, so 10 is a slightly
//!   pessimistic common figure. Contact T=1 has 1 start + 8 data + parity
//!   + at least one guard bit, also ~10-11 etu; we use 10.
//! - **Frames.** An APDU travels in frames of at most 256 bytes (FSC/FSD
//!   of 256 for ISO 14443-4, IFSC 254 for T=1), each with 4 bytes of
//!   overhead (PCB + CRC_A/B, or NAD PCB LEN + LRC with a spare byte), so a
//!   frame carries 252 payload bytes. Each frame costs one turnaround
//!   (frame delay time, reader and card switching, the R(ACK) of chained
//!   frames), by default 1 ms.
//! - **Card computation.** Per operation, assumed figures for a
//!   contemporary smart-card controller with crypto coprocessor (they are
//!   assumptions, not measurements of any Kazakh card): PACE point
//!   multiplication 60 ms each (GA 2 does three, GA 3 two), RSA-2048 sign
//!   400 ms, P-256 sign 80 ms, RSA-2048 key generation 6 s, P-256 key
//!   generation 100 ms, and 2 ms for any other command (file access, SM
//!   cryptography).

use crate::command::Work;
use std::time::Duration;

/// The physical interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interface {
    /// ISO/IEC 14443 at 106, 212, 424 or 848 kbit/s.
    Contactless { kbit_per_s: u32 },
    /// ISO/IEC 7816-3 T=1 at the given bit rate (e.g. 115 200 bit/s:
    /// 9600 bit/s × Fi/Di 372/31).
    Contact { bit_per_s: u32 },
}

impl Interface {
    /// Bits per second.
    pub fn bit_rate(self) -> u64 {
        match self {
            Interface::Contactless { kbit_per_s } => u64::from(kbit_per_s.max(1)) * 1000,
            Interface::Contact { bit_per_s } => u64::from(bit_per_s.max(1)),
        }
    }
}

/// Card computation times per operation (assumed, see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ComputeCosts {
    pub pace_point_mul: Duration,
    pub rsa2048_sign: Duration,
    pub p256_sign: Duration,
    pub rsa2048_keygen: Duration,
    pub p256_keygen: Duration,
    /// Any command's own handling (parsing, file access, SM crypto).
    pub command: Duration,
}

impl Default for ComputeCosts {
    fn default() -> Self {
        ComputeCosts {
            pace_point_mul: Duration::from_millis(60),
            rsa2048_sign: Duration::from_millis(400),
            p256_sign: Duration::from_millis(80),
            rsa2048_keygen: Duration::from_secs(6),
            p256_keygen: Duration::from_millis(100),
            command: Duration::from_millis(2),
        }
    }
}

/// The whole model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LatencyModel {
    pub interface: Interface,
    /// Largest frame in bytes, overhead included (FSC/FSD).
    pub max_frame: usize,
    /// Overhead bytes per frame.
    pub frame_overhead: usize,
    /// Bit times per byte on the wire.
    pub bits_per_byte: u64,
    /// Per frame: frame delay time and switching.
    pub turnaround: Duration,
    pub costs: ComputeCosts,
}

impl Default for LatencyModel {
    /// Contactless at 424 kbit/s, the common rate of phones and ID cards.
    fn default() -> Self {
        Self::contactless(424)
    }
}

impl LatencyModel {
    /// ISO/IEC 14443 at `kbit_per_s` (106, 212, 424, 848).
    pub fn contactless(kbit_per_s: u32) -> Self {
        LatencyModel {
            interface: Interface::Contactless { kbit_per_s },
            max_frame: 256,
            frame_overhead: 4,
            bits_per_byte: 10,
            turnaround: Duration::from_millis(1),
            costs: ComputeCosts::default(),
        }
    }

    /// Contact T=1 at 115.2 kbit/s.
    pub fn contact() -> Self {
        LatencyModel {
            interface: Interface::Contact { bit_per_s: 115_200 },
            max_frame: 258,
            ..Self::contactless(106)
        }
    }

    /// Frames needed for a message of `len` bytes (at least one).
    pub fn frames(&self, len: usize) -> usize {
        let payload = self.max_frame.saturating_sub(self.frame_overhead).max(1);
        len.div_ceil(payload).max(1)
    }

    /// Time on the wire for one message, turnarounds included.
    pub fn transfer_time(&self, len: usize) -> Duration {
        let frames = self.frames(len);
        let bytes = (len + frames * self.frame_overhead) as u64;
        let bits = bytes * self.bits_per_byte;
        let nanos = bits.saturating_mul(1_000_000_000) / self.interface.bit_rate();
        Duration::from_nanos(nanos) + self.turnaround * frames as u32
    }

    /// The card's computation for what a command did.
    pub fn compute_time(&self, work: &[Work]) -> Duration {
        let c = &self.costs;
        work.iter().fold(c.command, |sum, w| {
            sum + match *w {
                Work::PacePointMul(n) => c.pace_point_mul * n,
                Work::RsaSign => c.rsa2048_sign,
                Work::EcSign => c.p256_sign,
                Work::RsaKeygen => c.rsa2048_keygen,
                Work::EcKeygen => c.p256_keygen,
            }
        })
    }

    /// One command/response exchange.
    pub fn exchange(&self, command_len: usize, response_len: usize, work: &[Work]) -> Duration {
        self.transfer_time(command_len) + self.transfer_time(response_len) + self.compute_time(work)
    }

    /// The floor no card can beat: the bytes at the raw bit rate (8 bits
    /// each, no framing) plus one turnaround.
    pub fn physical_floor(&self, command_len: usize, response_len: usize) -> Duration {
        let bits = (command_len + response_len) as u64 * 8;
        Duration::from_nanos(bits.saturating_mul(1_000_000_000) / self.interface.bit_rate())
            + self.turnaround
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_and_air_time() {
        let m = LatencyModel::contactless(106);
        assert_eq!(m.frames(0), 1);
        assert_eq!(m.frames(252), 1);
        assert_eq!(m.frames(253), 2);
        // 10 bytes + 4 overhead = 140 bits at 106 kbit/s ≈ 1.32 ms, + 1 ms.
        let t = m.transfer_time(10);
        assert!(
            t > Duration::from_micros(2300) && t < Duration::from_micros(2400),
            "{t:?}"
        );
        // Faster rates are faster; more frames cost turnarounds.
        assert!(LatencyModel::contactless(424).transfer_time(600) < m.transfer_time(600));
        assert!(m.transfer_time(253) > m.transfer_time(252) + Duration::from_millis(1));
    }

    #[test]
    fn compute_times_add_up() {
        let m = LatencyModel::default();
        assert_eq!(m.compute_time(&[]), Duration::from_millis(2));
        assert_eq!(
            m.compute_time(&[Work::PacePointMul(3)]),
            Duration::from_millis(182)
        );
        assert_eq!(
            m.compute_time(&[Work::RsaKeygen]),
            Duration::from_millis(6002)
        );
        let floor = m.physical_floor(100, 100);
        assert!(floor < m.exchange(100, 100, &[]));
    }

    #[test]
    fn contact_is_slower_than_fast_contactless_for_big_answers() {
        assert!(
            LatencyModel::contact().transfer_time(300)
                > LatencyModel::contactless(424).transfer_time(300)
        );
    }
}
