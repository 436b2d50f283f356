//! The symmetric primitives PACE and secure messaging share: AES with a
//! 16, 24 or 32-byte key (ECB for one block, CBC with ISO/IEC 9797-1
//! method 2 padding), AES-CMAC and the ICAO key derivation function.
//!
//! Key lengths are chosen at run time (the card's PACEInfo), so every
//! function dispatches on the key length once.

use aes::cipher::block_padding::Iso7816;
use aes::cipher::{
    Array, BlockCipherDecrypt, BlockCipherEncrypt, BlockModeDecrypt, BlockModeEncrypt, KeyInit,
    KeyIvInit,
};
use aes::{Aes128, Aes192, Aes256};
use cmac::{Cmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// A key of the wrong length reached a primitive (a bug in the caller:
/// every key here comes from [`kdf`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("AES key of unsupported length")]
pub struct BadKey;

/// ISO/IEC 9797-1 method 2 padding to 16 bytes (`80 00 ...`, always at
/// least one byte).
pub fn pad(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 16);
    out.extend_from_slice(data);
    out.push(0x80);
    while out.len() % 16 != 0 {
        out.push(0);
    }
    out
}

/// Remove method 2 padding; `None` if it is not there.
pub fn unpad(data: &[u8]) -> Option<&[u8]> {
    let end = data.iter().rposition(|&b| b != 0)?;
    (data[end] == 0x80).then_some(&data[..end])
}

macro_rules! by_key_len {
    ($key:expr, $c:ident => $body:expr) => {
        match $key.len() {
            16 => {
                type $c = Aes128;
                $body
            }
            24 => {
                type $c = Aes192;
                $body
            }
            32 => {
                type $c = Aes256;
                $body
            }
            _ => Err(BadKey),
        }
    };
}

/// AES-ECB encryption of one block (the SM IV is `E(KS_enc, SSC)`).
pub fn encrypt_block(key: &[u8], block: &[u8; 16]) -> Result<[u8; 16], BadKey> {
    by_key_len!(key, C => {
        let cipher = C::new_from_slice(key).map_err(|_| BadKey)?;
        let mut b = Array::from(*block);
        cipher.encrypt_block(&mut b);
        Ok(b.into())
    })
}

/// AES-ECB decryption of one block (PACE: CBC with IV 0 over one block).
pub fn decrypt_block(key: &[u8], block: &[u8; 16]) -> Result<[u8; 16], BadKey> {
    by_key_len!(key, C => {
        let cipher = C::new_from_slice(key).map_err(|_| BadKey)?;
        let mut b = Array::from(*block);
        cipher.decrypt_block(&mut b);
        Ok(b.into())
    })
}

/// AES-CBC encryption after method 2 padding.
pub fn cbc_encrypt_padded(key: &[u8], iv: &[u8; 16], data: &[u8]) -> Result<Vec<u8>, BadKey> {
    by_key_len!(key, C => {
        let enc = cbc::Encryptor::<C>::new_from_slices(key, iv).map_err(|_| BadKey)?;
        Ok(enc.encrypt_padded_vec::<Iso7816>(data))
    })
}

/// AES-CBC decryption and removal of method 2 padding; `Ok(None)` when the
/// cryptogram is not whole blocks or the padding is wrong.
pub fn cbc_decrypt_padded(
    key: &[u8],
    iv: &[u8; 16],
    data: &[u8],
) -> Result<Option<Zeroizing<Vec<u8>>>, BadKey> {
    if data.is_empty() || !data.len().is_multiple_of(16) {
        return Ok(None);
    }
    by_key_len!(key, C => {
        let dec = cbc::Decryptor::<C>::new_from_slices(key, iv).map_err(|_| BadKey)?;
        Ok(dec.decrypt_padded_vec::<Iso7816>(data).ok().map(Zeroizing::new))
    })
}

/// AES-CMAC cut to the 8 bytes ICAO uses for tokens and SM MACs.
pub fn cmac8(key: &[u8], data: &[u8]) -> Result<[u8; 8], BadKey> {
    by_key_len!(key, C => {
        let mut mac = <Cmac<C> as KeyInit>::new_from_slice(key).map_err(|_| BadKey)?;
        mac.update(data);
        let full = mac.finalize().into_bytes();
        let mut out = [0u8; 8];
        out.copy_from_slice(&full[..8]);
        Ok(out)
    })
}

/// The AES key length of a PACE protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum AesBits {
    Aes128,
    Aes192,
    Aes256,
}

impl AesBits {
    /// Key length in bytes.
    pub fn key_len(self) -> usize {
        match self {
            AesBits::Aes128 => 16,
            AesBits::Aes192 => 24,
            AesBits::Aes256 => 32,
        }
    }

    /// From 128/192/256.
    pub fn from_bits(bits: u16) -> Option<Self> {
        match bits {
            128 => Some(AesBits::Aes128),
            192 => Some(AesBits::Aes192),
            256 => Some(AesBits::Aes256),
            _ => None,
        }
    }

    /// 128/192/256.
    pub fn bits(self) -> u16 {
        self.key_len() as u16 * 8
    }
}

/// ICAO 9303-11 §9.7.1: KDF(K, c) = H(K ‖ c as 4 bytes) cut to the key
/// length; SHA-1 for AES-128, SHA-256 for AES-192/256.
pub fn kdf(secret: &[u8], counter: u32, bits: AesBits) -> Zeroizing<Vec<u8>> {
    let c = counter.to_be_bytes();
    let full: Zeroizing<Vec<u8>> = match bits {
        AesBits::Aes128 => {
            let mut h = Sha1::new();
            h.update(secret);
            h.update(c);
            Zeroizing::new(h.finalize().to_vec())
        }
        AesBits::Aes192 | AesBits::Aes256 => {
            let mut h = Sha256::new();
            h.update(secret);
            h.update(c);
            Zeroizing::new(h.finalize().to_vec())
        }
    };
    Zeroizing::new(full[..bits.key_len()].to_vec())
}

/// K_π = KDF(π, 3): the key that encrypts the PACE nonce. `secret` is the
/// ASCII CAN or PIN (or SHA-1 of the MRZ information for the ICAO vector).
pub fn k_pi(secret: &[u8], bits: AesBits) -> Zeroizing<Vec<u8>> {
    kdf(secret, 3, bits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hex_literal::hex;

    #[test]
    fn padding_round_trip() {
        for n in 0..40 {
            let data = vec![0x11; n];
            let p = pad(&data);
            assert_eq!(p.len() % 16, 0);
            assert!(p.len() > n);
            assert_eq!(unpad(&p), Some(data.as_slice()));
        }
        assert_eq!(unpad(&[0u8; 16]), None);
        assert_eq!(unpad(&[1u8; 16]), None);
    }

    #[test]
    fn cbc_round_trip_every_key_length() {
        for len in [16, 24, 32] {
            let key = vec![7u8; len];
            let iv = [3u8; 16];
            let ct = cbc_encrypt_padded(&key, &iv, b"hello card").unwrap();
            assert_eq!(ct.len(), 16);
            let pt = cbc_decrypt_padded(&key, &iv, &ct).unwrap().unwrap();
            assert_eq!(pt.as_slice(), b"hello card");
            let block = encrypt_block(&key, &[9; 16]).unwrap();
            assert_eq!(decrypt_block(&key, &block).unwrap(), [9; 16]);
        }
        assert_eq!(cmac8(&[0; 5], b"x"), Err(BadKey));
    }

    #[test]
    fn cmac_matches_rfc4493_example_2() {
        // RFC 4493 §4, Example 2 (16-byte message).
        let key = hex!("2b7e151628aed2a6abf7158809cf4f3c");
        let msg = hex!("6bc1bee22e409f96e93d7e117393172a");
        assert_eq!(cmac8(&key, &msg).unwrap(), hex!("070a16b46b4d4144"));
    }

    #[test]
    fn k_pi_of_the_icao_vector() {
        // pace-icao-9303-11-g1.md: K = SHA-1(MRZ information), K_pi = KDF(K, 3).
        let k = Sha1::digest(b"T22000129364081251010318");
        assert_eq!(
            k.as_slice(),
            hex!("7E2D2A41C74EA0B38CD36F863939BFA8E9032AAD")
        );
        assert_eq!(
            k_pi(&k, AesBits::Aes128).as_slice(),
            hex!("89DED1B26624EC1E634C1989302849DD")
        );
        assert_eq!(k_pi(b"123456", AesBits::Aes256).len(), 32);
        assert_eq!(k_pi(b"123456", AesBits::Aes192).len(), 24);
    }
}
