//! The PKCS#12 key derivation function (RFC 7292, appendix B.2).
//!
//! Used for NCA's legacy encryption (SHA-1) and for the MAC of every PKCS#12
//! file (SHA-1 in NCA files, SHA-256 in OpenSSL 3's). PBES2 encryption uses
//! PBKDF2 instead, through the `pkcs5` crate.

use sha1::Sha1;
use sha2::Sha256;
use sha2::digest::{Digest, FixedOutputReset, Output};
use zeroize::Zeroize;
use zeroize::Zeroizing;

/// What the derived bytes are for (the "ID" byte of appendix B.3).
#[derive(Clone, Copy)]
pub enum Purpose {
    Key = 1,
    Iv = 2,
    Mac = 3,
}

/// The hash the KDF runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KdfHash {
    Sha1,
    Sha256,
}

/// The password as the legacy KDF wants it: UTF-16BE with two zero bytes at
/// the end (a BMPString with its terminator); the empty password is empty.
pub fn bmp_password(password: &str) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(password.len() * 2 + 2));
    if password.is_empty() {
        return out;
    }
    for unit in password.encode_utf16() {
        out.extend_from_slice(&unit.to_be_bytes());
    }
    out.extend_from_slice(&[0, 0]);
    out
}

/// Derive `len` bytes for `purpose` from a BMP-encoded password.
pub fn derive(
    hash: KdfHash,
    bmp_password: &[u8],
    salt: &[u8],
    iterations: u32,
    purpose: Purpose,
    len: usize,
) -> Zeroizing<Vec<u8>> {
    match hash {
        KdfHash::Sha1 => derive_with::<Sha1>(bmp_password, salt, iterations, purpose, len),
        KdfHash::Sha256 => derive_with::<Sha256>(bmp_password, salt, iterations, purpose, len),
    }
}

fn derive_with<D: Digest + FixedOutputReset>(
    password: &[u8],
    salt: &[u8],
    iterations: u32,
    purpose: Purpose,
    len: usize,
) -> Zeroizing<Vec<u8>> {
    // SHA-1 and SHA-256 both have a 64-byte block.
    const V: usize = 64;
    let d = [purpose as u8; V];
    let fill = |src: &[u8]| -> Vec<u8> {
        if src.is_empty() {
            return Vec::new();
        }
        let n = V * src.len().div_ceil(V);
        src.iter().cycle().take(n).copied().collect()
    };
    // I = S || P, each repeated to a multiple of v bytes.
    let mut i = Zeroizing::new(fill(salt));
    i.extend_from_slice(&fill(password));

    let mut out = Zeroizing::new(Vec::with_capacity(len + V));
    let mut hasher = D::new();
    while out.len() < len {
        Digest::update(&mut hasher, d);
        Digest::update(&mut hasher, &*i);
        let mut a = Output::<D>::default();
        FixedOutputReset::finalize_into_reset(&mut hasher, &mut a);
        for _ in 1..iterations.max(1) {
            Digest::update(&mut hasher, &a);
            FixedOutputReset::finalize_into_reset(&mut hasher, &mut a);
        }
        out.extend_from_slice(&a);
        if out.len() >= len {
            break;
        }
        // B = A repeated to v bytes; I_j = (I_j + B + 1) mod 2^(8v).
        let b: Zeroizing<Vec<u8>> = Zeroizing::new(a.iter().cycle().take(V).copied().collect());
        a.as_mut_slice().zeroize();
        for chunk in i.chunks_mut(V) {
            let mut carry = 1u16;
            for (x, y) in chunk.iter_mut().rev().zip(b.iter().rev()) {
                let sum = u16::from(*x) + u16::from(*y) + carry;
                *x = sum as u8;
                carry = sum >> 8;
            }
        }
    }
    out.truncate(len);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bmp_encoding() {
        assert_eq!(&*bmp_password("Ab"), &[0, b'A', 0, b'b', 0, 0]);
        assert_eq!(&*bmp_password("Ә"), &[0x04, 0xD8, 0, 0]);
        assert!(bmp_password("").is_empty());
    }

    /// Vectors from the BouncyCastle/OpenSSL PKCS#12 KDF test suite
    /// ("smeg", salt 0A58CF64530D823F, 1 iteration).
    #[test]
    fn known_answers() {
        let pw = bmp_password("smeg");
        let salt = hex::decode("0A58CF64530D823F").unwrap();
        assert_eq!(
            hex::encode_upper(&*derive(KdfHash::Sha1, &pw, &salt, 1, Purpose::Key, 24)),
            "8AAAE6297B6CB04642AB5B077851284EB7128F1A2A7FBCA3"
        );
        assert_eq!(
            hex::encode_upper(&*derive(KdfHash::Sha1, &pw, &salt, 1, Purpose::Iv, 8)),
            "79993DFE048D3B76"
        );
    }
}
