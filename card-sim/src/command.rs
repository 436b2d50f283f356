//! What one command's processing may touch ([`Ctx`]: the persistent state,
//! the random source) and the card computation it caused ([`Work`], for the
//! latency model). Below [`card`](crate::card), which builds a `Ctx` per
//! APDU, and the profiles ([`reference`](crate::reference),
//! [`kz`](crate::kz)) that process the command with it.

use crate::pace::RandomSource;
use crate::state::CardState;

/// Card computation a command caused, for the latency model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    /// PACE elliptic-curve point multiplications.
    PacePointMul(u32),
    RsaSign,
    EcSign,
    RsaKeygen,
    EcKeygen,
}

/// What a command's processing may touch.
pub(crate) struct Ctx<'a> {
    pub state: &'a mut CardState,
    pub rng: &'a mut dyn RandomSource,
    /// Set when the persistent state changed and must be saved.
    pub dirty: bool,
    pub work: Vec<Work>,
}
