//! [`SimCard`]: one simulated card, its persistent [`CardState`] and the
//! volatile state of its profile; the APDU entry point and the
//! personalisation API (not reachable through APDUs).

use crate::apdu::{status, sw};
use crate::command::{Ctx, Work};
use crate::error::SimError;
use crate::keys::{CardKey, KeyAlg};
use crate::kz::{self, KzVolatile};
use crate::pace::{RandomSource, SystemRandom};
use crate::reference::{self, RefVolatile};
use crate::state::{CERT_FILE_LEN, CardState, Profile, SimConfig};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// A key role of `qoltanba-ref-1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// `01`: login (INTERNAL AUTHENTICATE).
    Auth,
    /// `02`: signing (PSO:CDS).
    Sign,
}

impl Role {
    /// The role byte.
    pub fn code(self) -> u8 {
        match self {
            Role::Auth => reference::ROLE_AUTH,
            Role::Sign => reference::ROLE_SIGN,
        }
    }
}

#[derive(Debug)]
enum Volatile {
    Ref(Box<RefVolatile>),
    Kz(KzVolatile),
}

impl Volatile {
    fn fresh(profile: &Profile) -> Self {
        match profile {
            Profile::Reference { .. } => Volatile::Ref(Box::default()),
            Profile::KzIdCard { .. } => Volatile::Kz(KzVolatile::default()),
        }
    }
}

/// A simulated card. With a file, every change of persistent state is saved
/// before the answer leaves the card; without one it lives in memory.
pub struct SimCard {
    state: CardState,
    path: Option<PathBuf>,
    volatile: Volatile,
    rng: Box<dyn RandomSource>,
    last_work: Vec<Work>,
}

impl std::fmt::Debug for SimCard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimCard")
            .field("state", &self.state)
            .field("path", &self.path)
            .field("volatile", &self.volatile)
            .finish_non_exhaustive()
    }
}

impl SimCard {
    /// Personalise a new card; with `path`, save it there (an existing file
    /// is refused, so a card is never overwritten by accident).
    pub fn create(path: Option<&Path>, config: SimConfig) -> Result<Self, SimError> {
        let state = CardState::new(&config)?;
        if let Some(p) = path {
            if p.exists() {
                return Err(SimError::Io {
                    path: p.display().to_string(),
                    source: std::io::Error::new(
                        std::io::ErrorKind::AlreadyExists,
                        "a card file already exists there",
                    ),
                });
            }
            state.save(p)?;
        }
        Ok(Self::from_state(state, path.map(Path::to_path_buf)))
    }

    /// An in-memory card (tests).
    pub fn in_memory(config: SimConfig) -> Result<Self, SimError> {
        Self::create(None, config)
    }

    /// Open a saved card; it starts powered off (no volatile state).
    pub fn open(path: &Path) -> Result<Self, SimError> {
        let state = CardState::load(path)?;
        Ok(Self::from_state(state, Some(path.to_path_buf())))
    }

    fn from_state(state: CardState, path: Option<PathBuf>) -> Self {
        SimCard {
            volatile: Volatile::fresh(&state.profile),
            state,
            path,
            rng: Box::new(SystemRandom),
            last_work: Vec::new(),
        }
    }

    /// Replace the random source of PACE (deterministic tests).
    pub fn set_random(&mut self, rng: Box<dyn RandomSource>) {
        self.rng = rng;
    }

    /// The answer to reset of the profile.
    pub fn atr(&self) -> Vec<u8> {
        match self.state.profile {
            Profile::Reference { .. } => reference::atr(),
            Profile::KzIdCard { .. } => kz::ATR.to_vec(),
        }
    }

    /// Process one command APDU and return data ‖ SW1 SW2. Never panics;
    /// malformed commands get `6700`, `6E00`, `6D00` and the like.
    pub fn process(&mut self, apdu: &[u8]) -> Vec<u8> {
        let mut ctx = Ctx {
            state: &mut self.state,
            rng: &mut *self.rng,
            dirty: false,
            work: Vec::new(),
        };
        let answer = match &mut self.volatile {
            Volatile::Ref(v) => reference::process(&mut ctx, v, apdu),
            Volatile::Kz(v) => kz::process(&mut ctx, v, apdu),
        };
        let (dirty, work) = (ctx.dirty, ctx.work);
        self.last_work = work;
        if dirty && let Err(e) = self.persist() {
            // The card "tore": go back to what is on disk, answer in clear.
            eprintln!("qoltanba-card-sim: {e}");
            if let Some(saved) = self.path.as_deref().and_then(|p| CardState::load(p).ok()) {
                self.state = saved;
            }
            self.reset();
            return status(sw::INTERNAL);
        }
        answer
    }

    /// The computation the last command caused (for the latency model).
    pub fn last_work(&self) -> &[Work] {
        &self.last_work
    }

    /// Warm reset: volatile state (PACE, SM, verified PIN, MSE, selected
    /// file, pending GET RESPONSE data) is lost.
    pub fn reset(&mut self) {
        self.volatile = Volatile::fresh(&self.state.profile);
    }

    /// Power off: the same as a reset for this card.
    pub fn power_off(&mut self) {
        self.reset();
    }

    fn persist(&self) -> Result<(), SimError> {
        match &self.path {
            Some(p) => self.state.save(p),
            None => Ok(()),
        }
    }

    /// The persistent state (read only).
    pub fn state(&self) -> &CardState {
        &self.state
    }

    /// The profile played.
    pub fn profile(&self) -> Profile {
        self.state.profile
    }

    /// Where the card is saved, if anywhere.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// `qoltanba-ref-1`: whether a secure-messaging session is open.
    pub fn sm_active(&self) -> bool {
        matches!(&self.volatile, Volatile::Ref(v) if v.sm_active())
    }

    /// Whether the PIN is verified in the current session.
    pub fn pin_verified(&self) -> bool {
        match &self.volatile {
            Volatile::Ref(v) => v.pin_verified(),
            Volatile::Kz(v) => v.pin_verified(),
        }
    }

    fn check_slot(&self, slot: u8) -> Result<(), SimError> {
        if self.state.profile.slots().contains(&slot) {
            Ok(())
        } else {
            Err(SimError::Config(format!(
                "slot {slot:02X} does not exist on a {} card",
                self.state.profile.name()
            )))
        }
    }

    /// Personalisation: generate a key into a slot (erasing its certificate
    /// file) and return its SubjectPublicKeyInfo (DER). `kz-idcard` slots
    /// hold RSA-2048 only.
    pub fn generate_key(&mut self, slot: u8, alg: KeyAlg) -> Result<Vec<u8>, SimError> {
        self.check_slot(slot)?;
        if matches!(self.state.profile, Profile::KzIdCard { .. }) && alg != KeyAlg::Rsa2048 {
            return Err(SimError::Config(
                "kz-idcard slots hold RSA-2048 keys".into(),
            ));
        }
        let key = reference::install_new_key(&mut self.state, slot, alg)
            .map_err(|e| SimError::Key(e.to_string()))?;
        self.persist()?;
        key.spki_der().map_err(|e| SimError::Key(e.to_string()))
    }

    fn key(&self, slot: u8) -> Option<CardKey> {
        let key = self.state.keys.get(&slot)?;
        let der = Zeroizing::new(hex::decode(key.private_key.expose()).ok()?);
        CardKey::from_pkcs8(key.alg, &der).ok()
    }

    /// The SubjectPublicKeyInfo (DER) of a slot's key.
    pub fn public_key(&self, slot: u8) -> Option<Vec<u8>> {
        self.key(slot).and_then(|k| k.spki_der().ok())
    }

    /// `qoltanba-ref-1`: write a certificate (DER) into a slot's file,
    /// zero-padded to 2048 bytes. No checks: tests also write bad files.
    pub fn write_certificate(&mut self, slot: u8, der: &[u8]) -> Result<(), SimError> {
        self.check_slot(slot)?;
        if !matches!(self.state.profile, Profile::Reference { .. }) {
            return Err(SimError::Config(
                "kz-idcard has no certificate files".into(),
            ));
        }
        if der.len() > CERT_FILE_LEN {
            return Err(SimError::Config(format!(
                "a certificate of {} bytes does not fit in {CERT_FILE_LEN}",
                der.len()
            )));
        }
        let mut file = vec![0u8; CERT_FILE_LEN];
        file[..der.len()].copy_from_slice(der);
        self.state.set_cert_file(slot, &file);
        self.persist()
    }

    /// `qoltanba-ref-1`: point a role at a slot (no certificate check).
    pub fn set_role(&mut self, role: Role, slot: u8) -> Result<(), SimError> {
        self.check_slot(slot)?;
        if !matches!(self.state.profile, Profile::Reference { .. }) {
            return Err(SimError::Config("kz-idcard has no roles".into()));
        }
        self.state.roles.insert(role.code(), slot);
        self.persist()
    }

    /// The slot of a role.
    pub fn role_slot(&self, role: Role) -> Option<u8> {
        self.state.roles.get(&role.code()).copied()
    }

    /// A human summary: profile, serial, slots, roles, counters. Never
    /// shows the CAN, PIN, PUK or key material.
    pub fn describe(&self) -> String {
        use std::fmt::Write;
        let s = &self.state;
        let mut out = String::new();
        let _ = writeln!(out, "profile: {}", s.profile.name());
        match s.profile {
            Profile::Reference { pace } => {
                let _ = writeln!(
                    out,
                    "PACE: ECDH-GM AES-{} on {}",
                    pace.aes.bits(),
                    match pace.curve {
                        crate::pace::PaceCurve::BrainpoolP256r1 => "brainpoolP256r1",
                        crate::pace::PaceCurve::NistP256 => "NIST P-256",
                    }
                );
            }
            Profile::KzIdCard { slots } => {
                let _ = writeln!(out, "slots: {}", slots.slots().len());
            }
        }
        let _ = writeln!(out, "serial: {}", s.serial);
        let _ = writeln!(out, "ATR: {}", hex::encode_upper(self.atr()));
        for &slot in s.profile.slots() {
            let what = match s.keys.get(&slot) {
                None => "empty".to_string(),
                Some(k) => format!("{:?}", k.alg),
            };
            let cert = match s.profile {
                Profile::Reference { .. } => {
                    let file = s.cert_file(slot);
                    let complete = self
                        .public_key(slot)
                        .is_some_and(|spki| crate::keys::certificate_matches(&file, &spki));
                    if complete {
                        ", certificate installed"
                    } else if file[0] != 0 {
                        ", certificate file written (not matching or incomplete)"
                    } else {
                        ""
                    }
                }
                Profile::KzIdCard { .. } => "",
            };
            let roles: Vec<&str> = s
                .roles
                .iter()
                .filter(|(_, v)| **v == slot)
                .map(|(r, _)| {
                    if *r == reference::ROLE_AUTH {
                        "AUTH"
                    } else {
                        "SIGN"
                    }
                })
                .collect();
            let roles = if roles.is_empty() {
                String::new()
            } else {
                format!(", role {}", roles.join("+"))
            };
            let _ = writeln!(out, "slot {slot:02X}: {what}{cert}{roles}");
        }
        let _ = write!(out, "PIN tries left: {}", s.pin_tries);
        if matches!(s.profile, Profile::Reference { .. }) {
            let _ = write!(out, "\nPUK tries left: {}", s.puk_tries);
        }
        out
    }
}
