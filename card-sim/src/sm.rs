//! Card-side secure messaging (ICAO Doc 9303-11 §9.8, AES): unwrap a
//! protected command, wrap a response.
//!
//! The MAC input is `pad(SSC ‖ pad(header) ‖ DO87 ‖ DO97)` for commands and
//! `pad(SSC ‖ DO87 ‖ DO99)` for responses (ISO/IEC 9797-1 method 2, which
//! always adds at least one byte; docs/card-profile.md writes the same as
//! `SSC ‖ pad(header) ‖ pad(DO87 ‖ DO97)`). The SSC is incremented before
//! every command and before every response.

use crate::apdu::{Command, sw, tlv};
use crate::crypto;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// KS_enc and KS_mac from PACE.
#[derive(Clone)]
pub struct SessionKeys {
    pub k_enc: Zeroizing<Vec<u8>>,
    pub k_mac: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SessionKeys(<redacted, {} bytes>)", self.k_enc.len())
    }
}

/// One secure-messaging session, card side.
#[derive(Debug)]
pub struct CardSm {
    keys: SessionKeys,
    ssc: u128,
}

impl CardSm {
    /// A session right after PACE: SSC zero.
    pub fn new(keys: SessionKeys) -> Self {
        CardSm { keys, ssc: 0 }
    }

    /// The send sequence counter (for tests and diagnostics).
    pub fn ssc(&self) -> u128 {
        self.ssc
    }

    /// Check and decrypt a protected command (CLA with bits `0C`). `Err`
    /// is `6987` (objects missing) or `6988` (objects or MAC wrong); the
    /// card then answers in clear and ends the session.
    pub fn unwrap_command(&mut self, protected: &Command) -> Result<Command, u16> {
        self.ssc = self.ssc.wrapping_add(1);
        let items = tlv::read_all(&protected.data).ok_or(sw::SM_WRONG)?;
        let Some(((mac_tag, mac), before)) = items.split_last() else {
            return Err(sw::SM_MISSING);
        };
        if *mac_tag != 0x8E {
            return Err(if items.iter().any(|(t, _)| *t == 0x8E) {
                sw::SM_WRONG
            } else {
                sw::SM_MISSING
            });
        }
        if mac.len() != 8 {
            return Err(sw::SM_WRONG);
        }
        let (mut do87, mut do97) = (None, None);
        for (tag, value) in before {
            match (tag, do87, do97) {
                (0x87, None, None) => do87 = Some(*value),
                (0x97, _, None) => do97 = Some(*value),
                _ => return Err(sw::SM_WRONG),
            }
        }
        // The DOs exactly as sent: everything before the 8E object.
        let mac_start = protected.data.len() - 10;
        let mut input = self.ssc.to_be_bytes().to_vec();
        input.extend_from_slice(&crypto::pad(&[
            protected.cla,
            protected.ins,
            protected.p1,
            protected.p2,
        ]));
        input.extend_from_slice(&protected.data[..mac_start]);
        let expected =
            crypto::cmac8(&self.keys.k_mac, &crypto::pad(&input)).map_err(|_| sw::SM_WRONG)?;
        if !bool::from(expected.ct_eq(mac)) {
            return Err(sw::SM_WRONG);
        }
        let data = match do87 {
            None => Zeroizing::new(Vec::new()),
            Some([0x01, cryptogram @ ..]) => {
                let iv = crypto::encrypt_block(&self.keys.k_enc, &self.ssc.to_be_bytes())
                    .map_err(|_| sw::SM_WRONG)?;
                crypto::cbc_decrypt_padded(&self.keys.k_enc, &iv, cryptogram)
                    .map_err(|_| sw::SM_WRONG)?
                    .ok_or(sw::SM_WRONG)?
            }
            Some(_) => return Err(sw::SM_WRONG),
        };
        let le = match do97 {
            None => None,
            Some([0]) => Some(256),
            Some([n]) => Some(usize::from(*n)),
            Some([0, 0]) => Some(65536),
            Some([a, b]) => Some(usize::from(u16::from_be_bytes([*a, *b]))),
            Some(_) => return Err(sw::SM_WRONG),
        };
        Ok(Command {
            cla: protected.cla & !0x0C,
            ins: protected.ins,
            p1: protected.p1,
            p2: protected.p2,
            extended: protected.extended || data.len() > 255 || matches!(do97, Some([_, _])),
            data: data.to_vec(),
            le,
        })
    }

    /// Protect a response: `DO87` (if data) ‖ `DO99` ‖ `DO8E` ‖ SW1 SW2.
    pub fn wrap_response(&mut self, data: &[u8], status: u16) -> Vec<u8> {
        self.ssc = self.ssc.wrapping_add(1);
        let mut body = Vec::with_capacity(data.len() + 40);
        if !data.is_empty() {
            let iv = crypto::encrypt_block(&self.keys.k_enc, &self.ssc.to_be_bytes());
            let ct = iv.and_then(|iv| crypto::cbc_encrypt_padded(&self.keys.k_enc, &iv, data));
            let Ok(ct) = ct else {
                return crate::apdu::status(sw::INTERNAL);
            };
            let mut value = Vec::with_capacity(ct.len() + 1);
            value.push(0x01);
            value.extend_from_slice(&ct);
            body.extend_from_slice(&tlv::encode(0x87, &value));
        }
        body.extend_from_slice(&tlv::encode(0x99, &status.to_be_bytes()));
        let mut input = self.ssc.to_be_bytes().to_vec();
        input.extend_from_slice(&body);
        let Ok(mac) = crypto::cmac8(&self.keys.k_mac, &crypto::pad(&input)) else {
            return crate::apdu::status(sw::INTERNAL);
        };
        body.extend_from_slice(&tlv::encode(0x8E, &mac));
        body.extend_from_slice(&status.to_be_bytes());
        body
    }
}
