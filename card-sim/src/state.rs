//! What the card keeps across power cycles: profile, serial, CAN, PIN, PUK,
//! retry counters, key slots, certificate files and roles.
//!
//! Saved as JSON, atomically (temporary file, fsync, rename, fsync of the
//! directory) after every change, so a killed simulator never leaves a half
//! card behind, exactly like a chip's transactional EEPROM writes. Volatile
//! state (PACE, secure messaging, verified PIN, MSE, selected file) lives
//! in the profile modules and is never saved.

use crate::error::SimError;
use crate::keys::KeyAlg;
use crate::pace::PaceSuite;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use zeroize::Zeroizing;

/// Size of each certificate file of `qoltanba-ref-1`.
pub const CERT_FILE_LEN: usize = 2048;
/// Key slots of `qoltanba-ref-1`.
pub const REF_SLOTS: [u8; 4] = [0x81, 0x82, 0x83, 0x84];
/// PIN tries of both profiles.
pub const PIN_TRIES: u8 = 3;
/// PUK tries of `qoltanba-ref-1`.
pub const PUK_TRIES: u8 = 10;
const FORMAT_VERSION: u32 = 1;

/// A secret string (CAN, PIN, PUK, hex of a private key): zeroized on
/// drop, redacted in Debug, stored as a plain JSON string.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(Zeroizing::new(s.into()))
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret::new)
    }
}

/// Number of key slots of a `kz-idcard` card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum KzSlots {
    /// Slots 87, 88.
    Two,
    /// Slots 87 .. 8A.
    Four,
}

impl KzSlots {
    /// The slot references.
    pub fn slots(self) -> &'static [u8] {
        match self {
            KzSlots::Two => &[0x87, 0x88],
            KzSlots::Four => &[0x87, 0x88, 0x89, 0x8A],
        }
    }
}

/// Which profile the card plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Profile {
    /// `qoltanba-ref-1` with the PACE protocol it offers.
    Reference { pace: PaceSuite },
    /// `kz-idcard` with 2 or 4 slots.
    KzIdCard { slots: KzSlots },
}

impl Profile {
    /// The key slots of the profile.
    pub fn slots(&self) -> &'static [u8] {
        match self {
            Profile::Reference { .. } => &REF_SLOTS,
            Profile::KzIdCard { slots } => slots.slots(),
        }
    }

    /// The profile's name in docs/card-profile.md.
    pub fn name(&self) -> &'static str {
        match self {
            Profile::Reference { .. } => "qoltanba-ref-1",
            Profile::KzIdCard { .. } => "kz-idcard",
        }
    }
}

/// Personalisation of a new card.
#[derive(Clone)]
pub struct SimConfig {
    pub profile: Profile,
    /// ASCII digits (ignored by `kz-idcard`, which has no PACE).
    pub can: Zeroizing<String>,
    /// `qoltanba-ref-1`: 4 to 12 digits; `kz-idcard`: 4 to 8 digits.
    pub pin: Zeroizing<String>,
    /// `qoltanba-ref-1`: 8 digits; ignored by `kz-idcard` (no PUK known).
    pub puk: Zeroizing<String>,
    /// The serial number; random when `None`.
    pub serial: Option<[u8; 8]>,
}

impl std::fmt::Debug for SimConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimConfig")
            .field("profile", &self.profile)
            .field("can", &"<redacted>")
            .field("pin", &"<redacted>")
            .field("puk", &"<redacted>")
            .finish()
    }
}

impl SimConfig {
    /// A `qoltanba-ref-1` card with the default PACE suite.
    pub fn reference(can: &str, pin: &str, puk: &str) -> Self {
        SimConfig {
            profile: Profile::Reference {
                pace: PaceSuite::default(),
            },
            can: Zeroizing::new(can.into()),
            pin: Zeroizing::new(pin.into()),
            puk: Zeroizing::new(puk.into()),
            serial: None,
        }
    }

    /// A `kz-idcard` card.
    pub fn kz(slots: KzSlots, pin: &str) -> Self {
        SimConfig {
            profile: Profile::KzIdCard { slots },
            can: Zeroizing::new(String::new()),
            pin: Zeroizing::new(pin.into()),
            puk: Zeroizing::new(String::new()),
            serial: None,
        }
    }

    fn validate(&self) -> Result<(), SimError> {
        let digits = |s: &str, min: usize, max: usize| {
            (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
        };
        match self.profile {
            Profile::Reference { .. } => {
                if !digits(&self.can, 4, 12) {
                    return Err(SimError::Config("the CAN must be 4 to 12 digits".into()));
                }
                if !digits(&self.pin, 4, 12) {
                    return Err(SimError::Config("the PIN must be 4 to 12 digits".into()));
                }
                if !digits(&self.puk, 8, 8) {
                    return Err(SimError::Config("the PUK must be 8 digits".into()));
                }
            }
            Profile::KzIdCard { .. } => {
                if !digits(&self.pin, 4, 8) {
                    return Err(SimError::Config("the PIN must be 4 to 8 digits".into()));
                }
            }
        }
        Ok(())
    }
}

/// One key slot's content.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SlotKey {
    pub alg: KeyAlg,
    /// PKCS#8 DER, hex.
    pub private_key: Secret,
}

/// The persistent card.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CardState {
    pub version: u32,
    pub profile: Profile,
    /// 8 bytes, hex.
    pub serial: String,
    pub can: Secret,
    pub pin: Secret,
    pub puk: Secret,
    pub pin_tries: u8,
    pub puk_tries: u8,
    /// Slot reference → key; absent = empty slot.
    pub keys: BTreeMap<u8, SlotKey>,
    /// `qoltanba-ref-1`: slot reference → certificate file (hex, 2048 bytes).
    pub cert_files: BTreeMap<u8, String>,
    /// `qoltanba-ref-1`: role (`01` AUTH, `02` SIGN) → slot.
    pub roles: BTreeMap<u8, u8>,
}

impl CardState {
    /// A new card from a configuration.
    pub fn new(config: &SimConfig) -> Result<Self, SimError> {
        config.validate()?;
        let serial = match config.serial {
            Some(s) => s,
            None => {
                let mut s = [0u8; 8];
                getrandom::fill(&mut s).map_err(|e| SimError::Key(e.to_string()))?;
                s
            }
        };
        let cert_files = match config.profile {
            Profile::Reference { .. } => REF_SLOTS
                .iter()
                .map(|&s| (s, hex::encode([0u8; CERT_FILE_LEN])))
                .collect(),
            Profile::KzIdCard { .. } => BTreeMap::new(),
        };
        Ok(CardState {
            version: FORMAT_VERSION,
            profile: config.profile,
            serial: hex::encode_upper(serial),
            can: Secret::new(config.can.as_str()),
            pin: Secret::new(config.pin.as_str()),
            puk: Secret::new(config.puk.as_str()),
            pin_tries: PIN_TRIES,
            puk_tries: PUK_TRIES,
            keys: BTreeMap::new(),
            cert_files,
            roles: BTreeMap::new(),
        })
    }

    /// The serial number bytes.
    pub fn serial_bytes(&self) -> [u8; 8] {
        let mut out = [0u8; 8];
        if let Ok(v) = hex::decode(&self.serial)
            && v.len() == 8
        {
            out.copy_from_slice(&v);
        }
        out
    }

    /// A certificate file's bytes (2048; zeros if missing or damaged).
    pub fn cert_file(&self, slot: u8) -> Vec<u8> {
        let mut file = self
            .cert_files
            .get(&slot)
            .and_then(|h| hex::decode(h).ok())
            .unwrap_or_default();
        file.resize(CERT_FILE_LEN, 0);
        file
    }

    /// Replace a certificate file.
    pub fn set_cert_file(&mut self, slot: u8, file: &[u8]) {
        self.cert_files.insert(slot, hex::encode(file));
    }

    /// Whether a slot holds a role.
    pub fn slot_has_role(&self, slot: u8) -> bool {
        self.roles.values().any(|&s| s == slot)
    }

    /// Read a card from its file.
    pub fn load(path: &Path) -> Result<Self, SimError> {
        let text =
            Zeroizing::new(
                std::fs::read_to_string(path).map_err(|source| SimError::Io {
                    path: path.display().to_string(),
                    source,
                })?,
            );
        let state: CardState = serde_json::from_str(&text).map_err(|e| SimError::BadState {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        if state.version != FORMAT_VERSION {
            return Err(SimError::BadState {
                path: path.display().to_string(),
                reason: format!("format version {} is not {FORMAT_VERSION}", state.version),
            });
        }
        Ok(state)
    }

    /// Save atomically: write a temporary file beside it, fsync, rename
    /// over the old file, fsync the directory.
    pub fn save(&self, path: &Path) -> Result<(), SimError> {
        let io = |source| SimError::Io {
            path: path.display().to_string(),
            source,
        };
        let text = Zeroizing::new(
            serde_json::to_string_pretty(self)
                .map_err(|e| io(std::io::Error::other(e.to_string())))?,
        );
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => std::path::PathBuf::from("."),
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "card".into());
        let tmp = dir.join(format!(".{name}.tmp{}", std::process::id()));
        let result = (|| {
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create(true).truncate(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                opts.mode(0o600);
            }
            let mut file = opts.open(&tmp)?;
            file.write_all(text.as_bytes())?;
            file.sync_all()?;
            std::fs::rename(&tmp, path)?;
            if let Ok(d) = std::fs::File::open(&dir) {
                let _ = d.sync_all();
            }
            Ok(())
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result.map_err(io)
    }
}
