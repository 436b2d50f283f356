//! The AES primitives PACE and secure messaging share: [`PaceCipher`] (the
//! AES variant a card offers, which fixes the key size), [`Aes`] of any key
//! size with CBC over whole blocks, and AES-CMAC. Below both
//! [`pace`](crate::pace), which derives the session keys, and
//! [`sm`](crate::sm), which uses them, so neither has to import the other's
//! internals.

use aes::cipher::{BlockCipherDecrypt, BlockCipherEncrypt, KeyInit};
use cmac::{Cmac, Mac};
use zeroize::Zeroizing;

/// The AES block.
pub const BLOCK: usize = 16;

/// The AES variant of PACE, which also fixes the KDF hash and the key size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PaceCipher {
    Aes128,
    Aes192,
    Aes256,
}

impl PaceCipher {
    /// Session key length in bytes.
    pub fn key_len(self) -> usize {
        match self {
            Self::Aes128 => 16,
            Self::Aes192 => 24,
            Self::Aes256 => 32,
        }
    }
}

/// An AES key of any of the three sizes; the cipher state zeroizes on drop.
pub(crate) enum Aes {
    A128(aes::Aes128),
    A192(aes::Aes192),
    A256(aes::Aes256),
}

impl Aes {
    /// `None` unless `key` is 16, 24 or 32 bytes.
    pub(crate) fn new(key: &[u8]) -> Option<Self> {
        match key.len() {
            16 => aes::Aes128::new_from_slice(key).ok().map(Self::A128),
            24 => aes::Aes192::new_from_slice(key).ok().map(Self::A192),
            32 => aes::Aes256::new_from_slice(key).ok().map(Self::A256),
            _ => None,
        }
    }

    pub(crate) fn encrypt_block(&self, block: &mut [u8; BLOCK]) {
        let mut b = aes::Block::from(*block);
        match self {
            Self::A128(c) => c.encrypt_block(&mut b),
            Self::A192(c) => c.encrypt_block(&mut b),
            Self::A256(c) => c.encrypt_block(&mut b),
        }
        *block = b.into();
    }

    fn decrypt_block(&self, block: &mut [u8; BLOCK]) {
        let mut b = aes::Block::from(*block);
        match self {
            Self::A128(c) => c.decrypt_block(&mut b),
            Self::A192(c) => c.decrypt_block(&mut b),
            Self::A256(c) => c.decrypt_block(&mut b),
        }
        *block = b.into();
        zeroize::Zeroize::zeroize(b.as_mut_slice());
    }

    /// CBC over whole blocks, no padding (the caller pads). `None` when
    /// `data` is not whole blocks.
    pub(crate) fn cbc_encrypt(&self, iv: &[u8; BLOCK], data: &[u8]) -> Option<Vec<u8>> {
        if !data.len().is_multiple_of(BLOCK) {
            return None;
        }
        let mut out = Vec::with_capacity(data.len());
        let mut chain = *iv;
        for chunk in data.chunks_exact(BLOCK) {
            for (c, d) in chain.iter_mut().zip(chunk) {
                *c ^= d;
            }
            self.encrypt_block(&mut chain);
            out.extend_from_slice(&chain);
        }
        Some(out)
    }

    /// CBC decryption over whole blocks, no padding removed.
    pub(crate) fn cbc_decrypt(&self, iv: &[u8; BLOCK], data: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        if !data.len().is_multiple_of(BLOCK) {
            return None;
        }
        let mut out = Zeroizing::new(Vec::with_capacity(data.len()));
        let mut prev = *iv;
        let mut block = Zeroizing::new([0u8; BLOCK]);
        for chunk in data.chunks_exact(BLOCK) {
            block.copy_from_slice(chunk);
            self.decrypt_block(&mut block);
            for (b, p) in block.iter_mut().zip(prev) {
                *b ^= p;
            }
            out.extend_from_slice(&*block);
            prev.copy_from_slice(chunk);
        }
        Some(out)
    }
}

/// AES-CMAC over the concatenation of `parts`, whole (16 bytes).
/// `None` when the key is not an AES key size.
pub(crate) fn cmac(key: &[u8], parts: &[&[u8]]) -> Option<[u8; BLOCK]> {
    fn run<M: Mac + KeyInit>(key: &[u8], parts: &[&[u8]]) -> Option<[u8; BLOCK]> {
        let mut mac = <M as KeyInit>::new_from_slice(key).ok()?;
        for p in parts {
            mac.update(p);
        }
        mac.finalize().into_bytes().as_slice().try_into().ok()
    }
    match key.len() {
        16 => run::<Cmac<aes::Aes128>>(key, parts),
        24 => run::<Cmac<aes::Aes192>>(key, parts),
        32 => run::<Cmac<aes::Aes256>>(key, parts),
        _ => None,
    }
}
