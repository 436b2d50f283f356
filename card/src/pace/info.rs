//! EF.CardAccess: which PACE variants a card offers (ICAO 9303-11 §9.2,
//! BSI TR-03110-3 A.1.1).
//!
//! The file is a DER `SET OF SecurityInfo`; only `PACEInfo` entries for
//! ECDH Generic Mapping with AES (version 2, standardized parameters 12 or 13)
//! are kept. Other SecurityInfos (chip authentication, terminal
//! authentication, proprietary ones) are skipped without being understood.

use der::asn1::{Any, ObjectIdentifier};
use der::{Decode, Reader, Sequence, SliceReader, Tag, Tagged};

use super::PaceError;
use crate::cipher::PaceCipher;

/// The standardized domain parameters the profile allows (ICAO 9303-11 §9.5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaceCurve {
    BrainpoolP256r1,
    NistP256,
}

impl PaceCurve {
    /// The standardized parameterId.
    pub fn parameter_id(self) -> u8 {
        match self {
            Self::NistP256 => 12,
            Self::BrainpoolP256r1 => 13,
        }
    }

    pub fn from_parameter_id(id: u32) -> Option<Self> {
        match id {
            12 => Some(Self::NistP256),
            13 => Some(Self::BrainpoolP256r1),
            _ => None,
        }
    }
}

/// id-PACE-ECDH-GM-AES-CBC-CMAC-128.
pub const ID_PACE_ECDH_GM_AES_CBC_CMAC_128: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("0.4.0.127.0.7.2.2.4.2.2");
/// id-PACE-ECDH-GM-AES-CBC-CMAC-192.
pub const ID_PACE_ECDH_GM_AES_CBC_CMAC_192: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("0.4.0.127.0.7.2.2.4.2.3");
/// id-PACE-ECDH-GM-AES-CBC-CMAC-256.
pub const ID_PACE_ECDH_GM_AES_CBC_CMAC_256: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("0.4.0.127.0.7.2.2.4.2.4");
/// id-PACE: every PACE protocol OID starts with this.
const ID_PACE: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.127.0.7.2.2.4");

/// A PACE protocol qoltanba speaks. Only Generic Mapping over ECDH exists
/// today; an enum so Integrated or Chip Authentication Mapping can join.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaceProtocol {
    EcdhGm(PaceCipher),
}

impl PaceProtocol {
    pub fn cipher(self) -> PaceCipher {
        match self {
            Self::EcdhGm(c) => c,
        }
    }

    pub fn object_identifier(self) -> ObjectIdentifier {
        match self.cipher() {
            PaceCipher::Aes128 => ID_PACE_ECDH_GM_AES_CBC_CMAC_128,
            PaceCipher::Aes192 => ID_PACE_ECDH_GM_AES_CBC_CMAC_192,
            PaceCipher::Aes256 => ID_PACE_ECDH_GM_AES_CBC_CMAC_256,
        }
    }

    /// The OID's content bytes, as MSE:SET AT and the tokens carry them.
    pub fn oid(self) -> Vec<u8> {
        self.object_identifier().as_bytes().to_vec()
    }

    pub fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        match *oid {
            ID_PACE_ECDH_GM_AES_CBC_CMAC_128 => Some(Self::EcdhGm(PaceCipher::Aes128)),
            ID_PACE_ECDH_GM_AES_CBC_CMAC_192 => Some(Self::EcdhGm(PaceCipher::Aes192)),
            ID_PACE_ECDH_GM_AES_CBC_CMAC_256 => Some(Self::EcdhGm(PaceCipher::Aes256)),
            _ => None,
        }
    }
}

/// One PACE variant the card offers and qoltanba supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PaceInfo {
    pub protocol: PaceProtocol,
    pub curve: PaceCurve,
}

/// `PACEInfo ::= SEQUENCE { protocol OID, version INTEGER, parameterId INTEGER OPTIONAL }`.
#[derive(Sequence)]
struct PaceInfoAsn1 {
    protocol: ObjectIdentifier,
    version: u32,
    parameter_id: Option<u32>,
}

/// What EF.CardAccess offers: the supported PACE variants in file order.
///
/// `NoPaceInfo` when the file holds no PACEInfo at all, `UnsupportedProtocol`
/// when it holds only variants qoltanba does not speak, `Malformed` when it is
/// not DER.
pub fn parse_card_access(bytes: &[u8]) -> Result<Vec<PaceInfo>, PaceError> {
    let malformed = |what: &str| PaceError::Malformed(format!("EF.CardAccess: {what}"));
    // READ BINARY may return the file with zero padding after the SET.
    let mut outer = SliceReader::new(bytes).map_err(|_| malformed("too long"))?;
    let set = Any::decode(&mut outer).map_err(|_| malformed("not DER"))?;
    if outer.remaining_len() > der::Length::ZERO {
        let rest = outer
            .read_slice(outer.remaining_len())
            .map_err(|_| malformed("not DER"))?;
        if rest.iter().any(|b| *b != 0) {
            return Err(malformed("data after the SecurityInfos"));
        }
    }
    if set.tag() != Tag::Set {
        return Err(malformed("not a SET OF SecurityInfo"));
    }
    let mut reader = SliceReader::new(set.value()).map_err(|_| malformed("too long"))?;
    let mut found = Vec::new();
    let mut any_pace = false;
    while !reader.is_finished() {
        let info = Any::decode(&mut reader).map_err(|_| malformed("a SecurityInfo is not DER"))?;
        if info.tag() != Tag::Sequence {
            return Err(malformed("a SecurityInfo is not a SEQUENCE"));
        }
        let mut fields = SliceReader::new(info.value()).map_err(|_| malformed("too long"))?;
        let oid = ObjectIdentifier::decode(&mut fields)
            .map_err(|_| malformed("a SecurityInfo does not start with an OID"))?;
        if !is_under(&oid, &ID_PACE) {
            continue;
        }
        any_pace = true;
        let Ok(pace) = info.decode_as::<PaceInfoAsn1>() else {
            // A PACEDomainParameterInfo or another PACE structure: not ours.
            continue;
        };
        let (Some(protocol), 2, Some(curve)) = (
            PaceProtocol::from_oid(&pace.protocol),
            pace.version,
            pace.parameter_id.and_then(PaceCurve::from_parameter_id),
        ) else {
            continue;
        };
        found.push(PaceInfo { protocol, curve });
    }
    if found.is_empty() {
        return Err(if any_pace {
            PaceError::UnsupportedProtocol
        } else {
            PaceError::NoPaceInfo
        });
    }
    Ok(found)
}

fn is_under(oid: &ObjectIdentifier, prefix: &ObjectIdentifier) -> bool {
    oid.as_bytes().starts_with(prefix.as_bytes()) && oid.as_bytes().len() > prefix.as_bytes().len()
}

/// The strongest variant offered: the largest AES key wins (the curves are
/// both 256-bit, so they are equally strong); between equals, the card's
/// own order in EF.CardAccess decides.
pub fn choose(infos: &[PaceInfo]) -> Result<PaceInfo, PaceError> {
    infos
        .iter()
        .enumerate()
        .max_by_key(|(i, info)| (info.protocol.cipher(), std::cmp::Reverse(*i)))
        .map(|(_, info)| *info)
        .ok_or(PaceError::NoPaceInfo)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hex_literal::hex;

    /// The PACEInfo of ICAO 9303-11 G.1.
    const G1_INFO: [u8; 20] = hex!("3012060A04007F0007020204020202010202010D");

    fn set_of(items: &[&[u8]]) -> Vec<u8> {
        crate::tlv::encode(0x31, &items.concat())
    }

    fn pace_info(last_oid_byte: u8, version: u8, param: u8) -> Vec<u8> {
        let mut v = hex!("3012060A04007F00070202040202020102020100").to_vec();
        v[13] = last_oid_byte;
        v[16] = version;
        v[19] = param;
        v
    }

    #[test]
    fn reads_the_published_pace_info() {
        let infos = parse_card_access(&set_of(&[&G1_INFO])).unwrap();
        assert_eq!(
            infos,
            [PaceInfo {
                protocol: PaceProtocol::EcdhGm(PaceCipher::Aes128),
                curve: PaceCurve::BrainpoolP256r1
            }]
        );
        assert_eq!(infos[0].protocol.oid(), hex!("04007F00070202040202"));
    }

    #[test]
    fn keeps_supported_skips_the_rest_and_chooses_the_strongest() {
        // Chip authentication info (id-CA-ECDH-AES-CBC-CMAC-128, version 1).
        let ca = hex!("300F060A04007F00070202030202020101");
        let bytes = set_of(&[
            &ca,
            &pace_info(2, 2, 13),
            &pace_info(4, 2, 12),
            &pace_info(3, 2, 13),
            &pace_info(4, 1, 13), // version 1
            &pace_info(4, 2, 14), // unknown parameters
            &pace_info(9, 2, 13), // unknown PACE protocol
        ]);
        let infos = parse_card_access(&bytes).unwrap();
        assert_eq!(infos.len(), 3);
        let best = choose(&infos).unwrap();
        assert_eq!(best.protocol.cipher(), PaceCipher::Aes256);
        assert_eq!(best.curve, PaceCurve::NistP256);
        // Ties go to the card's order.
        let tie =
            parse_card_access(&set_of(&[&pace_info(2, 2, 12), &pace_info(2, 2, 13)])).unwrap();
        assert_eq!(choose(&tie).unwrap().curve, PaceCurve::NistP256);
        assert!(matches!(choose(&[]), Err(PaceError::NoPaceInfo)));
    }

    #[test]
    fn no_or_only_unsupported_pace() {
        let ca = hex!("300F060A04007F00070202030202020101");
        assert!(matches!(
            parse_card_access(&set_of(&[&ca])),
            Err(PaceError::NoPaceInfo)
        ));
        assert!(matches!(
            parse_card_access(&set_of(&[&pace_info(2, 2, 9)])),
            Err(PaceError::UnsupportedProtocol)
        ));
    }

    #[test]
    fn padding_is_accepted_and_garbage_is_not() {
        let mut padded = set_of(&[&G1_INFO]);
        padded.extend_from_slice(&[0; 20]);
        assert!(parse_card_access(&padded).is_ok());
        let mut trailing = set_of(&[&G1_INFO]);
        trailing.push(1);
        assert!(matches!(
            parse_card_access(&trailing),
            Err(PaceError::Malformed(_))
        ));
        assert!(matches!(
            parse_card_access(&G1_INFO),
            Err(PaceError::Malformed(_))
        ));
        let full = set_of(&[&G1_INFO]);
        for cut in 0..full.len() {
            assert!(parse_card_access(&full[..cut]).is_err(), "cut at {cut}");
        }
    }
}
