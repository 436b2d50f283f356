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
use super::cipher::{Aes, BLOCK, PaceCipher, cmac};
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

#[cfg(test)]
mod tests {
    //! No published AES secure-messaging example exists (ICAO 9303-11 G.2 is
    //! 3DES), so the checks are: an independent computation with the `aes`,
    //! `cbc` and `cmac` crates, and a round trip with a small card side
    //! written here the same way.

    use super::*;
    use aes::cipher::block_padding::{Iso7816, NoPadding};
    use aes::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
    use cmac::{KeyInit, Mac};
    use hex_literal::hex;
    use proptest::prelude::*;

    const ENC: [u8; 16] = hex!("F5F0E35C0D7161EE6724EE513A0D9A7F");
    const MAC: [u8; 16] = hex!("FE251C7858B356B24514B3BD5F4297D1");

    fn ecb(key: &[u8], block: [u8; 16]) -> [u8; 16] {
        let mut b = aes::Block::from(block);
        match key.len() {
            16 => aes::cipher::BlockCipherEncrypt::encrypt_block(
                &aes::Aes128::new_from_slice(key).unwrap(),
                &mut b,
            ),
            _ => aes::cipher::BlockCipherEncrypt::encrypt_block(
                &aes::Aes256::new_from_slice(key).unwrap(),
                &mut b,
            ),
        }
        b.into()
    }

    fn cbc_enc(key: &[u8], iv: &[u8; 16], data: &[u8]) -> Vec<u8> {
        match key.len() {
            16 => cbc::Encryptor::<aes::Aes128>::new_from_slices(key, iv)
                .unwrap()
                .encrypt_padded_vec::<Iso7816>(data),
            _ => cbc::Encryptor::<aes::Aes256>::new_from_slices(key, iv)
                .unwrap()
                .encrypt_padded_vec::<Iso7816>(data),
        }
    }

    fn cbc_dec(key: &[u8], iv: &[u8; 16], data: &[u8]) -> Vec<u8> {
        match key.len() {
            16 => cbc::Decryptor::<aes::Aes128>::new_from_slices(key, iv)
                .unwrap()
                .decrypt_padded_vec::<Iso7816>(data)
                .unwrap(),
            _ => cbc::Decryptor::<aes::Aes256>::new_from_slices(key, iv)
                .unwrap()
                .decrypt_padded_vec::<Iso7816>(data)
                .unwrap(),
        }
    }

    fn cmac8(key: &[u8], data: &[u8]) -> [u8; 8] {
        let out = match key.len() {
            16 => {
                let mut m = cmac::Cmac::<aes::Aes128>::new_from_slice(key).unwrap();
                m.update(data);
                m.finalize().into_bytes().to_vec()
            }
            _ => {
                let mut m = cmac::Cmac::<aes::Aes256>::new_from_slice(key).unwrap();
                m.update(data);
                m.finalize().into_bytes().to_vec()
            }
        };
        out[..8].try_into().unwrap()
    }

    /// Method 2 padding, written out again for the card side.
    fn m2(data: &[u8]) -> Vec<u8> {
        let mut v = data.to_vec();
        v.push(0x80);
        while !v.len().is_multiple_of(16) {
            v.push(0);
        }
        v
    }

    /// The card side of the profile's secure messaging.
    struct Card {
        enc: Vec<u8>,
        mac: Vec<u8>,
        ssc: u128,
    }

    /// What the card recovered from a protected command.
    #[derive(Debug, PartialEq)]
    struct Inner {
        header: [u8; 4],
        data: Vec<u8>,
        le: Option<usize>,
        extended: bool,
    }

    impl Card {
        fn new(enc: &[u8], mac: &[u8]) -> Self {
            Self {
                enc: enc.to_vec(),
                mac: mac.to_vec(),
                ssc: 0,
            }
        }

        fn unwrap_command(&mut self, apdu: &[u8]) -> Inner {
            self.ssc += 1;
            let header: [u8; 4] = apdu[..4].try_into().unwrap();
            // Case 4 only: Lc data Le.
            let (data, le_bytes, extended) = if apdu[4] == 0 && apdu.len() > 7 {
                let lc = u16::from_be_bytes([apdu[5], apdu[6]]) as usize;
                (&apdu[7..7 + lc], &apdu[7 + lc..], true)
            } else {
                let lc = apdu[4] as usize;
                (&apdu[5..5 + lc], &apdu[5 + lc..], false)
            };
            assert!(
                le_bytes.iter().all(|b| *b == 0),
                "protected Le is 00 / 0000"
            );
            assert_eq!(le_bytes.len(), if extended { 2 } else { 1 });
            let objects = tlv::parse_all(data).unwrap();
            let (last, rest) = objects.split_last().unwrap();
            assert_eq!(last.tag, 0x8E);
            let covered = &data[..data.len() - 10];
            let mut input = self.ssc.to_be_bytes().to_vec();
            input.extend(m2(&header));
            input.extend(m2(covered));
            assert_eq!(cmac8(&self.mac, &input), last.value, "command MAC");
            let mut inner = Inner {
                header,
                data: Vec::new(),
                le: None,
                extended,
            };
            for o in rest {
                match o.tag {
                    0x87 => {
                        assert_eq!(o.value[0], 1);
                        let iv = ecb(&self.enc, self.ssc.to_be_bytes());
                        inner.data = cbc_dec(&self.enc, &iv, &o.value[1..]);
                    }
                    0x97 => {
                        inner.le = Some(match o.value {
                            [0] => 256,
                            [b] => *b as usize,
                            [0, 0] => 65536,
                            [a, b] => u16::from_be_bytes([*a, *b]) as usize,
                            _ => panic!("bad 97"),
                        })
                    }
                    t => panic!("unexpected {t:X}"),
                }
            }
            inner
        }

        fn wrap_response(&mut self, data: &[u8], sw: [u8; 2]) -> Response {
            self.ssc += 1;
            let mut body = Vec::new();
            if !data.is_empty() {
                let iv = ecb(&self.enc, self.ssc.to_be_bytes());
                let mut v = vec![1];
                v.extend(cbc_enc(&self.enc, &iv, data));
                body.extend(tlv::encode(0x87, &v));
            }
            body.extend(tlv::encode(0x99, &sw));
            let mut input = self.ssc.to_be_bytes().to_vec();
            input.extend(m2(&body));
            body.extend(tlv::encode(0x8E, &cmac8(&self.mac, &input)));
            Response {
                data: body,
                sw: StatusWord::new(sw[0], sw[1]),
            }
        }
    }

    fn session() -> (SecureMessaging, Card) {
        (
            SecureMessaging::new(PaceCipher::Aes128, &ENC, &MAC),
            Card::new(&ENC, &MAC),
        )
    }

    #[test]
    fn padding_helpers() {
        assert_eq!(pad(&[]), m2(&[]));
        assert_eq!(pad(&[]).len(), 16);
        assert_eq!(pad(&[1; 15]).len(), 16);
        assert_eq!(pad(&[1; 16]).len(), 32);
        for n in 0..40 {
            let data = vec![0xA5u8; n];
            assert_eq!(pad(&data), m2(&data));
            assert_eq!(unpad(&pad(&data)), Some(n));
        }
        assert_eq!(unpad(&[]), None);
        assert_eq!(unpad(&[0u8; 16]), None);
        assert_eq!(unpad(&[0x80; 15]), None);
        let mut b = pad(b"abc");
        b[15] = 1;
        assert_eq!(unpad(&b), None);
        b[15] = 0;
        b[3] = 0x81;
        assert_eq!(unpad(&b), None);
        // The 80 must be in the last block.
        let mut two = vec![0u8; 32];
        two[10] = 0x80;
        assert_eq!(unpad(&two), None);
        // Zero data bytes before the 80 are data.
        assert_eq!(unpad(&pad(&[0, 0, 0])), Some(3));
    }

    #[test]
    fn protect_matches_an_independent_computation() {
        // SELECT the certificate file of slot 81, as the first command after PACE.
        let (mut sm, _) = session();
        let command = Command::new(0x00, 0xA4, 0x02, 0x0C).with_data(hex!("C001"));
        let got = sm.protect(&command).unwrap().to_bytes().unwrap();

        let ssc = 1u128.to_be_bytes();
        let iv = ecb(&ENC, ssc);
        let mut padded = hex!("C001").to_vec();
        padded.push(0x80);
        padded.resize(16, 0);
        let cryptogram = cbc::Encryptor::<aes::Aes128>::new_from_slices(&ENC, &iv)
            .unwrap()
            .encrypt_padded_vec::<NoPadding>(&padded);
        let do87 = [&[0x87, 0x11, 0x01][..], &cryptogram].concat();
        let mac_input = [
            &ssc[..],
            &hex!("0CA4020C 800000000000000000000000"),
            &do87,
            &[0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0][..],
        ]
        .concat();
        assert_eq!(mac_input.len(), 16 + 16 + 32);
        let mac = cmac8(&MAC, &mac_input);
        let expected = [
            &hex!("0CA4020C 1D")[..],
            &do87,
            &[0x8E, 0x08],
            &mac,
            &[0x00],
        ]
        .concat();
        assert_eq!(got, expected);

        // READ BINARY, Le 256, no data: 97 01 00 and a MAC over a padded 97.
        let got = sm
            .protect(&Command::new(0, 0xB0, 0, 0).with_le(256))
            .unwrap()
            .to_bytes()
            .unwrap();
        let ssc = 2u128.to_be_bytes();
        let mac_input = [
            &ssc[..],
            &hex!("0CB00000 800000000000000000000000"),
            &hex!("970100 80000000000000000000000000"),
        ]
        .concat();
        let mac = cmac8(&MAC, &mac_input);
        let expected = [&hex!("0CB00000 0D 970100 8E08")[..], &mac, &[0x00]].concat();
        assert_eq!(got, expected);
    }

    #[test]
    fn unprotect_matches_an_independent_computation() {
        let (mut sm, _) = session();
        sm.ssc = 1u128.to_be_bytes();
        let ssc = 2u128.to_be_bytes();
        let iv = ecb(&ENC, ssc);
        let plain = *b"hello card";
        let cryptogram = cbc_enc(&ENC, &iv, &plain);
        let body = [&[0x87, 0x11, 0x01][..], &cryptogram, &hex!("99029000")].concat();
        let mut mac_input = ssc.to_vec();
        mac_input.extend(m2(&body));
        let mac = cmac8(&MAC, &mac_input);
        let data = [&body[..], &[0x8E, 0x08], &mac].concat();
        let r = sm
            .unprotect(&Response {
                data,
                sw: StatusWord::SUCCESS,
            })
            .unwrap();
        assert_eq!(r.data, plain);
        assert!(r.sw.is_success());
        assert_eq!(sm.ssc(), 2);
    }

    #[test]
    fn round_trips_with_the_card_side_and_counts() {
        for (cipher, key_len) in [(PaceCipher::Aes128, 16), (PaceCipher::Aes256, 32)] {
            let enc: Vec<u8> = (0..key_len as u8).collect();
            let mac: Vec<u8> = (0..key_len as u8).map(|b| b ^ 0x5A).collect();
            let mut sm = SecureMessaging::new(cipher, &enc, &mac);
            let mut card = Card::new(&enc, &mac);
            let commands = [
                Command::new(0, 0xA4, 0x04, 0x0C).with_data(hex!("F0514F4C54414E424101")),
                Command::new(0, 0xCA, 0x01, 0x00).with_le(256),
                Command::new(0, 0x20, 0x00, 0x81),
                Command::new(0, 0xB0, 0, 0).expect_long_response(),
                Command::new(0, 0xD6, 0, 0).with_data(vec![0x42; 300]),
                Command::new(0, 0x2A, 0x9E, 0x9A)
                    .with_data([7; 32])
                    .expect_long_response(),
                Command::new(0x10, 0x2A, 0x9E, 0x9A)
                    .with_data([1; 16])
                    .with_le(200),
            ];
            for (i, c) in commands.iter().enumerate() {
                let protected = sm.protect(c).unwrap();
                assert_eq!(sm.ssc(), 2 * i as u128 + 1);
                let inner = card.unwrap_command(&protected.to_bytes().unwrap());
                assert_eq!(inner.header, [c.cla | 0x0C, c.ins, c.p1, c.p2]);
                assert_eq!(inner.data, c.data);
                assert_eq!(inner.le, c.le);
                assert_eq!(inner.extended, c.is_extended() || c.data.len() > 200);
                let answer: Vec<u8> = (0..(i * 97) % 400).map(|b| b as u8).collect();
                let sw = if i == 2 { [0x63, 0xC2] } else { [0x90, 0x00] };
                let r = sm.unprotect(&card.wrap_response(&answer, sw)).unwrap();
                assert_eq!(r.data, answer);
                assert_eq!(r.sw.to_bytes(), sw);
                assert_eq!(sm.ssc(), 2 * i as u128 + 2);
            }
        }
    }

    #[test]
    fn short_and_extended() {
        let (mut sm, _) = session();
        // Short in, short out: CLA 0C, Le 00.
        let p = sm
            .protect(&Command::new(0, 0xB0, 0, 0).with_le(16))
            .unwrap();
        assert!(!p.is_extended());
        assert_eq!(p.cla, 0x0C);
        assert_eq!(p.to_bytes().unwrap().last(), Some(&0));
        assert_eq!(&p.data[..3], &hex!("970110"));
        // Extended in: DO97 of two bytes, extended out with Le 0000.
        let p = sm
            .protect(&Command::new(0, 0xB0, 0, 0).expect_long_response())
            .unwrap();
        assert!(p.is_extended());
        assert_eq!(&p.data[..4], &hex!("97020000"));
        let b = p.to_bytes().unwrap();
        assert_eq!(&b[4..7], &[0, 0, p.data.len() as u8]);
        assert_eq!(&b[b.len() - 2..], &[0, 0]);
        // Short in, but 240 data bytes become more than 255: extended out.
        let p = sm
            .protect(&Command::new(0, 0xD6, 0, 0).with_data(vec![1; 240]))
            .unwrap();
        assert!(p.is_extended());
        assert_eq!(p.le, Some(65536));
        // The chaining bit stays.
        let p = sm
            .protect(&Command::new(0x10, 0x2A, 0, 0).with_data([1]))
            .unwrap();
        assert_eq!(p.cla, 0x1C);
    }

    fn assert_poisoned(sm: &mut SecureMessaging) {
        assert!(sm.is_ended());
        assert_eq!(
            sm.protect(&Command::new(0, 0xB0, 0, 0).with_le(1)),
            Err(SmError::SessionEnded(None))
        );
        assert_eq!(
            sm.unprotect(&Response {
                data: vec![],
                sw: StatusWord::SUCCESS
            }),
            Err(SmError::SessionEnded(None))
        );
    }

    /// A session one command in, and the card's answer to tamper with.
    fn one_answer(data: &[u8]) -> (SecureMessaging, Response) {
        let (mut sm, mut card) = session();
        let p = sm
            .protect(&Command::new(0, 0xB0, 0, 0).with_le(256))
            .unwrap();
        card.unwrap_command(&p.to_bytes().unwrap());
        let r = card.wrap_response(data, [0x90, 0x00]);
        (sm, r)
    }

    #[test]
    fn a_flipped_mac_bit_ends_the_session() {
        let (mut sm, mut r) = one_answer(b"data");
        let n = r.data.len();
        r.data[n - 1] ^= 0x01;
        assert_eq!(sm.unprotect(&r), Err(SmError::BadMac));
        assert_poisoned(&mut sm);
        // A flipped bit in the cryptogram is a MAC failure too.
        let (mut sm, mut r) = one_answer(b"data");
        r.data[5] ^= 0x80;
        assert_eq!(sm.unprotect(&r), Err(SmError::BadMac));
        // A short MAC is not a prefix match.
        let (mut sm, r) = one_answer(b"data");
        let mut data = r.data[..r.data.len() - 10].to_vec();
        data.extend(tlv::encode(
            0x8E,
            &r.data[r.data.len() - 8..r.data.len() - 4],
        ));
        assert_eq!(
            sm.unprotect(&Response { data, sw: r.sw }),
            Err(SmError::BadMac)
        );
    }

    #[test]
    fn a_missing_mac_ends_the_session() {
        let (mut sm, r) = one_answer(b"data");
        let data = r.data[..r.data.len() - 10].to_vec();
        assert_eq!(
            sm.unprotect(&Response { data, sw: r.sw }),
            Err(SmError::MissingMac)
        );
        assert_poisoned(&mut sm);
        // A plain answer.
        let (mut sm, _) = one_answer(b"");
        assert_eq!(
            sm.unprotect(&Response {
                data: hex!("5A0401020304").to_vec(),
                sw: StatusWord(0x6982)
            }),
            Err(SmError::MissingMac)
        );
        let (mut sm, _) = one_answer(b"");
        assert_eq!(
            sm.unprotect(&Response {
                data: vec![],
                sw: StatusWord::SUCCESS
            }),
            Err(SmError::MissingMac)
        );
    }

    #[test]
    fn the_card_ending_the_session() {
        for sw in [0x6987, 0x6988] {
            let (mut sm, _) = one_answer(b"");
            assert_eq!(
                sm.unprotect(&Response {
                    data: vec![],
                    sw: StatusWord(sw)
                }),
                Err(SmError::SessionEnded(Some(StatusWord(sw))))
            );
            assert_poisoned(&mut sm);
        }
        assert!(
            SmError::SessionEnded(Some(StatusWord(0x6988)))
                .to_string()
                .contains("6988")
        );
    }

    #[test]
    fn malformed_answers() {
        // DO87 cut short.
        let (mut sm, r) = one_answer(b"some data");
        let data = r.data[..10].to_vec();
        assert!(matches!(
            sm.unprotect(&Response { data, sw: r.sw }),
            Err(SmError::Malformed(_))
        ));
        assert_poisoned(&mut sm);

        // Correctly MACed, but the plaintext padding is wrong, or the
        // indicator is not 01, or there is no 99, or 99 differs from the SW.
        type Body = fn(&[u8], &[u8; 16]) -> Vec<u8>;
        let bodies: [Body; 4] = [
            |enc, iv| {
                let mut ct = cbc::Encryptor::<aes::Aes128>::new_from_slices(enc, iv)
                    .unwrap()
                    .encrypt_padded_vec::<NoPadding>(&[0x41; 16]);
                ct.insert(0, 1);
                [tlv::encode(0x87, &ct), hex!("99029000").to_vec()].concat()
            },
            |enc, iv| {
                let mut ct = cbc_enc(enc, iv, b"x");
                ct.insert(0, 2);
                [tlv::encode(0x87, &ct), hex!("99029000").to_vec()].concat()
            },
            |enc, iv| {
                let mut ct = cbc_enc(enc, iv, b"x");
                ct.insert(0, 1);
                tlv::encode(0x87, &ct)
            },
            |_, _| hex!("99026282").to_vec(),
        ];
        for (i, body) in bodies.iter().enumerate() {
            let (mut sm, _) = one_answer(b"");
            let ssc = 2u128.to_be_bytes();
            let mut body = body(&ENC, &ecb(&ENC, ssc));
            let mut input = ssc.to_vec();
            input.extend(m2(&body));
            body.extend(tlv::encode(0x8E, &cmac8(&MAC, &input)));
            let r = sm.unprotect(&Response {
                data: body,
                sw: StatusWord::SUCCESS,
            });
            assert!(matches!(r, Err(SmError::Malformed(_))), "case {i}: {r:?}");
            assert_poisoned(&mut sm);
        }
    }

    #[test]
    fn debug_shows_no_keys() {
        let sm = SecureMessaging::new(PaceCipher::Aes128, &[0xAB; 16], &[0xCD; 16]);
        let s = format!("{sm:?}");
        assert!(
            !s.contains("171") && !s.to_lowercase().contains("abab"),
            "{s}"
        );
        assert!(
            !s.contains("205") && !s.to_lowercase().contains("cdcd"),
            "{s}"
        );
        assert!(s.contains("ssc: 0"), "{s}");
    }

    proptest! {
        #[test]
        fn random_responses_never_panic(
            data in proptest::collection::vec(any::<u8>(), 0..300),
            sw in any::<u16>(),
            framed in any::<bool>(),
        ) {
            let (mut sm, _) = one_answer(b"");
            // Half the time, random objects in the right frame.
            let data = if framed {
                let n = data.len() / 2;
                [tlv::encode(0x87, &data[..n]), tlv::encode(0x99, &sw.to_be_bytes()),
                 tlv::encode(0x8E, &data[n..])].concat()
            } else {
                data
            };
            let r = sm.unprotect(&Response { data, sw: StatusWord(sw) });
            prop_assert!(r.is_err());
            prop_assert!(sm.is_ended());
        }
    }
}
