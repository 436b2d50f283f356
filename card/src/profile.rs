//! Card profiles as data: what a card calls its files, keys, PIN and
//! algorithms. The session reads these instead of hard-coding one card, so a
//! new card generation is a new profile, not new code paths (docs/card-profile.md).

use std::fmt;

/// Which command set a card speaks. The two known sets differ in shape (not
/// only in bytes), so the session switches on this; everything else is data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// `qoltanba-ref-1`: ISO 7816-4/-8 commands under PACE + secure messaging.
    Reference,
    /// `kz-idcard`: the APDUs NCA's key-slot test utility sends.
    KzIdCard,
}

/// How the session gets access to the card.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// PACE (CAN or PIN) from the PACEInfo in EF.CardAccess, read by this SFI.
    Pace { card_access_sfi: u8 },
    /// Plain APDUs (contact interface, no secure messaging).
    Plain,
}

/// One step on the way to the key application.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Select {
    /// SELECT by AID (`00 A4 04 0C`).
    Aid(&'static [u8]),
    /// SELECT by file identifier (`00 A4 00 0C`, as the kz-idcard does).
    Fid(u16),
}

/// Key algorithms a card can hold, with the card's own algorithm byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CardAlgorithm {
    /// RSA-2048, exponent 65537, PKCS#1 v1.5 signatures over a DigestInfo.
    Rsa2048,
    /// ECDSA on NIST P-256, signatures r ‖ s over a 32-byte hash.
    P256,
}

impl CardAlgorithm {
    /// The algorithm byte of `qoltanba-ref-1` (tag `80`).
    pub fn reference_id(self) -> u8 {
        match self {
            Self::Rsa2048 => 0x01,
            Self::P256 => 0x02,
        }
    }

    pub fn from_reference_id(id: u8) -> Option<Self> {
        match id {
            0x01 => Some(Self::Rsa2048),
            0x02 => Some(Self::P256),
            _ => None,
        }
    }
}

impl fmt::Display for CardAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Rsa2048 => "RSA-2048",
            Self::P256 => "ECDSA P-256",
        })
    }
}

/// How a PIN or PUK goes into a VERIFY data field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SecretFormat {
    /// The card's reference for it (P2 of VERIFY).
    pub reference: u8,
    /// Fewest and most digits the citizen types.
    pub min_digits: usize,
    pub max_digits: usize,
    /// The block length sent and the byte that pads the digits to it.
    pub block_len: usize,
    pub pad: u8,
    /// Tries a fresh counter holds.
    pub tries: u8,
}

impl SecretFormat {
    /// The block sent to the card, or `None` when `digits` do not fit this
    /// format. Digits beyond `max_digits` are refused, never cut.
    pub fn block(&self, digits: &str) -> Option<zeroize::Zeroizing<Vec<u8>>> {
        let n = digits.len();
        if n < self.min_digits || n > self.max_digits || !digits.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let mut block = zeroize::Zeroizing::new(Vec::with_capacity(self.block_len));
        block.extend_from_slice(digits.as_bytes());
        block.resize(self.block_len, self.pad);
        Some(block)
    }
}

/// Where the card keeps the certificates of its keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertificateStorage {
    /// One transparent file per key slot: FID = `fid_base | slot & 0x0F`, of
    /// `size` bytes, zero-filled when empty.
    PerSlotFiles { fid_base: u16, size: usize },
    /// None known: certificates come from elsewhere and are matched to the
    /// slots by public key.
    None,
}

/// How the session learns which slot holds the AUTH and which the SIGN key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoleDiscovery {
    /// The card says (GET DATA card status, `qoltanba-ref-1`).
    CardStatus,
    /// Nobody knows: match each slot's public key to the citizen's certificates.
    MatchPublicKeys,
}

/// Everything the session needs to know about one kind of card.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CardProfile {
    /// The profile's name, as the CLI and the docs write it.
    pub name: &'static str,
    pub dialect: Dialect,
    /// Bytes the ATR's historical bytes start with on this card.
    pub atr_marker: &'static [u8],
    pub contactless: bool,
    pub access: Access,
    /// SELECTs from the MF to the key application, in order.
    pub path: &'static [Select],
    /// Key slots (key references), in the order they are tried.
    pub slots: &'static [u8],
    /// Algorithms the card generates and signs with.
    pub algorithms: &'static [CardAlgorithm],
    pub pin: SecretFormat,
    /// The PUK, when the card has a known one.
    pub puk: Option<SecretFormat>,
    /// The CAN's length, for PACE cards.
    pub can_digits: usize,
    pub certificates: CertificateStorage,
    pub roles: RoleDiscovery,
    /// The most data bytes one READ/UPDATE BINARY carries.
    pub chunk: usize,
    /// Whether the card takes extended-length APDUs.
    pub extended_length: bool,
}

/// The `qoltanba-ref-1` application identifier.
pub const REFERENCE_AID: &[u8] = &[0xF0, 0x51, 0x4F, 0x4C, 0x54, 0x41, 0x4E, 0x42, 0x41, 0x01];

/// The reference card of docs/card-profile.md, played by `qoltanba-card-sim`.
pub const QOLTANBA_REF_1: CardProfile = CardProfile {
    name: "qoltanba-ref-1",
    dialect: Dialect::Reference,
    atr_marker: b"QOLTANBA-R1",
    contactless: true,
    access: Access::Pace {
        card_access_sfi: 0x1C,
    },
    path: &[Select::Aid(REFERENCE_AID)],
    slots: &[0x81, 0x82, 0x83, 0x84],
    algorithms: &[CardAlgorithm::Rsa2048, CardAlgorithm::P256],
    pin: SecretFormat {
        reference: 0x81,
        min_digits: 4,
        max_digits: 12,
        block_len: 12,
        pad: 0xFF,
        tries: 3,
    },
    puk: Some(SecretFormat {
        reference: 0x81,
        min_digits: 8,
        max_digits: 8,
        block_len: 12,
        pad: 0xFF,
        tries: 10,
    }),
    can_digits: 6,
    certificates: CertificateStorage::PerSlotFiles {
        fid_base: 0xC000,
        size: 2048,
    },
    roles: RoleDiscovery::CardStatus,
    // Certificates of ~1.5 KB in one extended READ BINARY.
    chunk: 2048,
    extended_length: true,
};

/// The Kazakh ID card as far as NCA's key-slot test utility shows it.
pub const KZ_IDCARD: CardProfile = CardProfile {
    name: "kz-idcard",
    dialect: Dialect::KzIdCard,
    atr_marker: b"SOMA",
    contactless: false,
    access: Access::Plain,
    path: &[Select::Fid(0x3F00), Select::Fid(0x0101)],
    slots: &[0x87, 0x88, 0x89, 0x8A],
    algorithms: &[CardAlgorithm::Rsa2048],
    pin: SecretFormat {
        reference: 0x02,
        min_digits: 4,
        max_digits: 4,
        block_len: 8,
        pad: b'0',
        tries: 3,
    },
    puk: None,
    can_digits: 0,
    certificates: CertificateStorage::None,
    roles: RoleDiscovery::MatchPublicKeys,
    chunk: 256,
    extended_length: false,
};

/// Every built-in profile.
pub const PROFILES: &[&CardProfile] = &[&QOLTANBA_REF_1, &KZ_IDCARD];

impl CardProfile {
    /// The profile called `name`.
    pub fn by_name(name: &str) -> Option<&'static CardProfile> {
        PROFILES.iter().copied().find(|p| p.name == name)
    }

    /// The profile whose marker appears in this ATR's historical bytes.
    pub fn from_atr(atr: &[u8]) -> Option<&'static CardProfile> {
        PROFILES
            .iter()
            .copied()
            .find(|p| atr.windows(p.atr_marker.len()).any(|w| w == p.atr_marker))
    }

    /// The certificate file of `slot`, for cards that have them.
    pub fn certificate_file(&self, slot: u8) -> Option<u16> {
        match self.certificates {
            CertificateStorage::PerSlotFiles { fid_base, .. } => {
                Some(fid_base | (slot & 0x0F) as u16)
            }
            CertificateStorage::None => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_are_found_by_name_and_atr() {
        assert_eq!(CardProfile::by_name("kz-idcard"), Some(&KZ_IDCARD));
        assert_eq!(CardProfile::by_name("nope"), None);
        let kz_atr = [
            0x3B, 0x39, 0x19, 0x00, b'S', b'O', b'M', b'A', b'D', b'S', b'3', b'0', 0,
        ];
        assert_eq!(CardProfile::from_atr(&kz_atr).unwrap().name, "kz-idcard");
        let mut ref_atr = vec![0x3B, 0x8B, 0x80, 0x01];
        ref_atr.extend_from_slice(b"QOLTANBA-R1");
        assert_eq!(
            CardProfile::from_atr(&ref_atr).unwrap().name,
            "qoltanba-ref-1"
        );
        assert_eq!(CardProfile::from_atr(&[0x3B, 0x00]), None);
    }

    #[test]
    fn pin_blocks_follow_each_cards_format() {
        // kz-idcard: 4 ASCII digits padded with '0' to 8 bytes.
        assert_eq!(KZ_IDCARD.pin.block("1234").unwrap().as_slice(), b"12340000");
        assert!(KZ_IDCARD.pin.block("12345").is_none());
        assert!(KZ_IDCARD.pin.block("12a4").is_none());
        let b = QOLTANBA_REF_1.pin.block("123456").unwrap();
        assert_eq!(&b[..6], b"123456");
        assert_eq!(&b[6..], [0xFF; 6]);
        assert!(QOLTANBA_REF_1.pin.block("123").is_none());
        assert!(QOLTANBA_REF_1.puk.unwrap().block("1234567").is_none());
    }

    #[test]
    fn certificate_files_follow_the_slot() {
        assert_eq!(QOLTANBA_REF_1.certificate_file(0x83), Some(0xC003));
        assert_eq!(KZ_IDCARD.certificate_file(0x87), None);
    }
}
