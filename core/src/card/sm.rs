//! AES secure messaging, terminal side (ICAO 9303-11 §9.8, the session keys
//! from PACE): every command after PACE is encrypted and MACed, every answer
//! must carry a valid MAC (docs/card-profile.md, "Secure messaging").
//!
//! One failure ends the session for good: the card drops its keys on a bad
//! command too, so the object refuses all further use and the caller runs
//! PACE again.

use std::fmt;

use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};
use zeroize::{Zeroize, Zeroizing};

use super::apdu::{
    Command, EXTENDED_LE_MAX, Response, SHORT_LE_MAX, SHORT_MAX, Status, StatusWord,
};
use super::pace::PaceCipher;
use super::pace::crypto::{Aes, BLOCK, cmac};
use super::tlv;

/// Length of the MAC in DO8E.
const MAC_LEN: usize = 8;

/// Why a secure-messaging command or answer was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmError {
    /// The card ended the session (`Some(6987/6988)`), or an earlier error
    /// already did (`None`).
    #[error("{}", session_ended(.0))]
    SessionEnded(Option<StatusWord>),
    #[error("the card's answer has no MAC; the session has ended, run PACE again")]
    MissingMac,
    #[error("the card's answer has a wrong MAC; the session has ended, run PACE again")]
    BadMac,
    #[error(
        "the card's protected answer is malformed ({0}); the session has ended, run PACE again"
    )]
    Malformed(String),
    #[error("the command is too long to protect ({0} bytes of data)")]
    CommandTooLong(usize),
}

fn session_ended(sw: &Option<StatusWord>) -> String {
    match sw {
        Some(sw) => format!("the card ended the secure session (status word {sw}); run PACE again"),
        None => "the secure session has ended after an error; run PACE again".into(),
    }
}

/// One secure-messaging session: KS_enc, KS_mac and the send sequence counter.
pub struct SecureMessaging {
    cipher: PaceCipher,
    ks_enc: Zeroizing<Vec<u8>>,
    ks_mac: Zeroizing<Vec<u8>>,
    ssc: [u8; BLOCK],
    poisoned: bool,
}

impl fmt::Debug for SecureMessaging {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecureMessaging")
            .field("cipher", &self.cipher)
            .field("ssc", &u128::from_be_bytes(self.ssc))
            .field("ended", &self.poisoned)
            .finish_non_exhaustive()
    }
}

impl SecureMessaging {
    /// A session with SSC 0, as PACE leaves it.
    ///
    /// # Panics
    /// When a key's length is not `cipher`'s (a programming error: PACE's
    /// KDF always gives the right length).
    pub fn new(cipher: PaceCipher, ks_enc: &[u8], ks_mac: &[u8]) -> Self {
        assert!(
            ks_enc.len() == cipher.key_len() && ks_mac.len() == cipher.key_len(),
            "secure-messaging keys must be {} bytes",
            cipher.key_len()
        );
        Self {
            cipher,
            ks_enc: Zeroizing::new(ks_enc.to_vec()),
            ks_mac: Zeroizing::new(ks_mac.to_vec()),
            ssc: [0; BLOCK],
            poisoned: false,
        }
    }

    pub fn cipher(&self) -> PaceCipher {
        self.cipher
    }

    /// Whether an error has ended the session.
    pub fn is_ended(&self) -> bool {
        self.poisoned
    }

    /// The send sequence counter (tests and diagnostics).
    pub fn ssc(&self) -> u128 {
        u128::from_be_bytes(self.ssc)
    }

    fn increment(&mut self) {
        self.ssc = u128::from_be_bytes(self.ssc).wrapping_add(1).to_be_bytes();
    }

    /// End the session: keys are wiped at once, not at drop.
    fn poison(&mut self) {
        self.poisoned = true;
        self.ks_enc.zeroize();
        self.ks_mac.zeroize();
    }

    fn aes(&self) -> Aes {
        Aes::new(&self.ks_enc).expect("key length checked in new")
    }

    fn mac(&self, parts: &[&[u8]]) -> [u8; MAC_LEN] {
        let full = cmac(&self.ks_mac, parts).expect("key length checked in new");
        let mut out = [0u8; MAC_LEN];
        out.copy_from_slice(&full[..MAC_LEN]);
        out
    }

    /// The IV of this SSC: AES-ECB(KS_enc, SSC).
    fn iv(&self, aes: &Aes) -> [u8; BLOCK] {
        let mut iv = self.ssc;
        aes.encrypt_block(&mut iv);
        iv
    }

    /// Protect a command: SSC + 1, `87` (encrypted data), `97` (Le), `8E` (MAC).
    pub fn protect(&mut self, command: &Command) -> Result<Command, SmError> {
        if self.poisoned {
            return Err(SmError::SessionEnded(None));
        }
        let result = self.protect_inner(command);
        if result.is_err() {
            self.poison();
        }
        result
    }

    fn protect_inner(&mut self, command: &Command) -> Result<Command, SmError> {
        if command.data.len() > super::apdu::EXTENDED_MAX {
            return Err(SmError::CommandTooLong(command.data.len()));
        }
        self.increment();
        let input_extended = command.is_extended();
        let cla = command.cla | 0x0C;
        let header = pad(&[cla, command.ins, command.p1, command.p2]);

        let aes = self.aes();
        let mut objects = Vec::new();
        if !command.data.is_empty() {
            let padded = Zeroizing::new(pad(&command.data));
            let cryptogram = aes
                .cbc_encrypt(&self.iv(&aes), &padded)
                .expect("padded to whole blocks");
            let mut value = Vec::with_capacity(cryptogram.len() + 1);
            value.push(0x01);
            value.extend_from_slice(&cryptogram);
            objects.extend_from_slice(&tlv::encode(0x87, &value));
        }
        if let Some(le) = command.le {
            if input_extended {
                let le = (le % EXTENDED_LE_MAX) as u16;
                objects.extend_from_slice(&tlv::encode(0x97, &le.to_be_bytes()));
            } else {
                objects.extend_from_slice(&tlv::encode(0x97, &[(le % SHORT_LE_MAX) as u8]));
            }
        }
        let mac = self.mac(&[&self.ssc, &header, &pad(&objects)]);
        objects.extend_from_slice(&tlv::encode(0x8E, &mac));

        if objects.len() > super::apdu::EXTENDED_MAX {
            return Err(SmError::CommandTooLong(command.data.len()));
        }
        let extended = input_extended || objects.len() > SHORT_MAX;
        Ok(Command {
            cla,
            ins: command.ins,
            p1: command.p1,
            p2: command.p2,
            data: objects,
            le: Some(if extended {
                EXTENDED_LE_MAX
            } else {
                SHORT_LE_MAX
            }),
            extended,
        })
    }

    /// Check and open a protected answer: SSC + 1, MAC over `87 ‖ 99`, then
    /// the data decrypted and the status word taken from `99`.
    pub fn unprotect(&mut self, response: &Response) -> Result<Response, SmError> {
        if self.poisoned {
            return Err(SmError::SessionEnded(None));
        }
        let result = self.unprotect_inner(response);
        if result.is_err() {
            self.poison();
        }
        result
    }

    fn unprotect_inner(&mut self, response: &Response) -> Result<Response, SmError> {
        self.increment();
        if response.data.is_empty()
            && matches!(
                response.sw.status(),
                Status::SmObjectsMissing | Status::SmObjectsIncorrect
            )
        {
            return Err(SmError::SessionEnded(Some(response.sw)));
        }
        let objects = split_objects(&response.data)?;
        let mut do87 = None;
        let mut do99 = None;
        let mut do8e = None;
        // Order: [87] 99 8E, each at most once, nothing else.
        for (i, (tag, value, raw)) in objects.iter().enumerate() {
            match *tag {
                0x87 if do87.is_none() && do99.is_none() && do8e.is_none() => {
                    do87 = Some((*value, *raw))
                }
                0x99 if do99.is_none() && do8e.is_none() => do99 = Some((*value, *raw)),
                0x8E if do8e.is_none() && i == objects.len() - 1 => do8e = Some(*value),
                _ => {
                    if objects.iter().any(|(t, _, _)| *t == 0x8E) {
                        return Err(SmError::Malformed(format!(
                            "unexpected or repeated data object {tag:02X}"
                        )));
                    }
                    return Err(SmError::MissingMac);
                }
            }
        }
        let mac = do8e.ok_or(SmError::MissingMac)?;
        let (sw, raw99) = do99.ok_or_else(|| SmError::Malformed("no status word (99)".into()))?;
        let mut covered = Vec::new();
        if let Some((_, raw87)) = do87 {
            covered.extend_from_slice(raw87);
        }
        covered.extend_from_slice(raw99);
        let expected = self.mac(&[&self.ssc, &pad(&covered)]);
        if mac.len() != MAC_LEN || !bool::from(expected.ct_eq(mac)) {
            return Err(SmError::BadMac);
        }
        if sw.len() != 2 {
            return Err(SmError::Malformed(
                "the status word (99) is not 2 bytes".into(),
            ));
        }
        let sw = StatusWord::new(sw[0], sw[1]);
        if sw != response.sw {
            return Err(SmError::Malformed(format!(
                "protected status word {sw} differs from the plain {}",
                response.sw
            )));
        }
        let data = match do87 {
            None => Vec::new(),
            Some((value, _)) => {
                let (indicator, cryptogram) = value
                    .split_first()
                    .ok_or_else(|| SmError::Malformed("empty 87".into()))?;
                if *indicator != 0x01
                    || cryptogram.is_empty()
                    || !cryptogram.len().is_multiple_of(BLOCK)
                {
                    return Err(SmError::Malformed(
                        "87 is not padding indicator 01 and whole AES blocks".into(),
                    ));
                }
                let aes = self.aes();
                let plain = aes
                    .cbc_decrypt(&self.iv(&aes), cryptogram)
                    .ok_or_else(|| SmError::Malformed("87 is not whole blocks".into()))?;
                let len = unpad(&plain)
                    .ok_or_else(|| SmError::Malformed("wrong padding in 87".into()))?;
                plain[..len].to_vec()
            }
        };
        Ok(Response { data, sw })
    }
}

/// The data objects of an answer: tag, value and the raw bytes of each
/// (the MAC covers the bytes as sent, whatever length form they use).
/// Tag, value, and the whole object as sent.
type Object<'a> = (u32, &'a [u8], &'a [u8]);

fn split_objects(mut data: &[u8]) -> Result<Vec<Object<'_>>, SmError> {
    let mut out = Vec::new();
    while !data.is_empty() {
        let (t, rest) = tlv::parse_one(data).map_err(|e| SmError::Malformed(e.to_string()))?;
        let raw = &data[..data.len() - rest.len()];
        out.push((t.tag, t.value, raw));
        data = rest;
    }
    Ok(out)
}

/// ISO/IEC 9797-1 padding method 2 to 16 bytes: `80`, then zeros; always at
/// least one byte, so empty input becomes one whole block.
pub fn pad(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + BLOCK);
    out.extend_from_slice(data);
    out.push(0x80);
    while !out.len().is_multiple_of(BLOCK) {
        out.push(0);
    }
    out
}

/// The unpadded length of method-2-padded `data`, or `None` when the padding
/// is wrong. Strict: whole blocks, the `80` within the last block, only
/// zeros after it. Runs in time that depends only on the length, since the
/// plaintext is secret.
pub fn unpad(data: &[u8]) -> Option<usize> {
    if data.is_empty() || !data.len().is_multiple_of(BLOCK) {
        return None;
    }
    let last = &data[data.len() - BLOCK..];
    // Scan the last block backwards: while only zeros were seen, the first
    // non-zero byte must be 80, and its position is the length.
    let mut found = Choice::from(0);
    let mut valid = Choice::from(0);
    let mut pos: u32 = 0;
    for (i, b) in last.iter().enumerate().rev() {
        let is_zero = b.ct_eq(&0);
        let here = !found & !is_zero;
        valid.conditional_assign(&b.ct_eq(&0x80), here);
        pos.conditional_assign(&(i as u32), here);
        found |= here;
    }
    if bool::from(found & valid) {
        Some(data.len() - BLOCK + pos as usize)
    } else {
        None
    }
}
