//! The two password-based key derivations a PKCS#12 file uses:
//!
//! - the PKCS#12 KDF (RFC 7292 appendix B.2), for NCA's legacy encryption
//!   (SHA-1) and for the MAC of every file (SHA-1 in NCA files, SHA-256 in
//!   OpenSSL 3's);
//! - PBKDF2 (RFC 8018), for PBES2 encryption.
//!
//! Each takes the password in its own encoding ([`PasswordBytes`]), and every
//! derived byte lives in a [`Zeroizing`] buffer.

use der::asn1::ObjectIdentifier;
use pkcs5::pbes2::Pbkdf2Prf;
use sha1::Sha1;
use sha2::digest::block_api::{BlockSizeUser, EagerHash};
use sha2::digest::{Digest, FixedOutputReset, Output};
use sha2::{Sha224, Sha256, Sha384, Sha512};
use zeroize::{Zeroize, Zeroizing};

use crate::oid;

/// Upper bound on any iteration count read from a file. A file is data from
/// anywhere; without a bound, one with 4 billion iterations would hang the
/// app for an hour. Ten million is RFC 8018's figure for "especially critical
/// keys", eight times qoltanba's own MAC cost.
pub const MAX_ITERATIONS: u32 = 10_000_000;

const SHA224: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.4");

/// The hash a KDF or MAC runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hash {
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    /// The hash a digest OID names (a MAC's DigestInfo).
    pub fn from_oid(id: &ObjectIdentifier) -> Option<Self> {
        Some(match *id {
            oid::SHA1 => Self::Sha1,
            SHA224 => Self::Sha224,
            oid::SHA256 => Self::Sha256,
            oid::SHA384 => Self::Sha384,
            oid::SHA512 => Self::Sha512,
            _ => return None,
        })
    }

    pub fn oid(self) -> ObjectIdentifier {
        match self {
            Self::Sha1 => oid::SHA1,
            Self::Sha224 => SHA224,
            Self::Sha256 => oid::SHA256,
            Self::Sha384 => oid::SHA384,
            Self::Sha512 => oid::SHA512,
        }
    }

    /// The hash of a PBKDF2 pseudo-random function (HMAC with it).
    pub fn from_prf(prf: Pbkdf2Prf) -> Option<Self> {
        Some(match prf {
            Pbkdf2Prf::HmacWithSha1 => Self::Sha1,
            Pbkdf2Prf::HmacWithSha224 => Self::Sha224,
            Pbkdf2Prf::HmacWithSha256 => Self::Sha256,
            Pbkdf2Prf::HmacWithSha384 => Self::Sha384,
            Pbkdf2Prf::HmacWithSha512 => Self::Sha512,
            _ => return None,
        })
    }

    pub fn prf(self) -> Pbkdf2Prf {
        match self {
            Self::Sha1 => Pbkdf2Prf::HmacWithSha1,
            Self::Sha224 => Pbkdf2Prf::HmacWithSha224,
            Self::Sha256 => Pbkdf2Prf::HmacWithSha256,
            Self::Sha384 => Pbkdf2Prf::HmacWithSha384,
            Self::Sha512 => Pbkdf2Prf::HmacWithSha512,
        }
    }

    /// The name OpenSSL prints (`openssl pkcs12 -info`), so reports match.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sha1 => "sha1",
            Self::Sha224 => "sha224",
            Self::Sha256 => "sha256",
            Self::Sha384 => "sha384",
            Self::Sha512 => "sha512",
        }
    }

    pub fn output_len(self) -> usize {
        match self {
            Self::Sha1 => 20,
            Self::Sha224 => 28,
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }
}

/// What the PKCS#12 KDF's output is for (the "ID" byte of appendix B.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Key = 1,
    Iv = 2,
    Mac = 3,
}

/// A password in both encodings PKCS#12 uses: UTF-8 for PBKDF2 (as OpenSSL
/// passes it), and for the PKCS#12 KDF a BMPString, UTF-16BE with two zero
/// bytes at the end (RFC 7292 appendix B.1; Java and OpenSSL agree).
pub struct PasswordBytes<'a> {
    utf8: &'a [u8],
    bmp: Zeroizing<Vec<u8>>,
}

impl<'a> PasswordBytes<'a> {
    pub fn new(password: &'a str) -> Self {
        let mut bmp = Zeroizing::new(Vec::with_capacity(password.len() * 2 + 2));
        for unit in password.encode_utf16() {
            bmp.extend_from_slice(&unit.to_be_bytes());
        }
        bmp.extend_from_slice(&[0, 0]);
        Self {
            utf8: password.as_bytes(),
            bmp,
        }
    }

    /// The other reading of the empty password: no bytes at all, which is
    /// what OpenSSL's "no password" (and Windows' export) uses for the MAC and
    /// legacy encryption. Only ever tried when opening a file.
    pub fn empty_absent() -> PasswordBytes<'static> {
        PasswordBytes {
            utf8: &[],
            bmp: Zeroizing::new(Vec::new()),
        }
    }

    pub fn utf8(&self) -> &[u8] {
        self.utf8
    }

    pub fn bmp(&self) -> &[u8] {
        &self.bmp
    }
}

/// The PKCS#12 KDF: `len` bytes for `purpose` from a BMP-encoded password.
pub fn pkcs12(
    hash: Hash,
    bmp_password: &[u8],
    salt: &[u8],
    iterations: u32,
    purpose: Purpose,
    len: usize,
) -> Zeroizing<Vec<u8>> {
    let run = match hash {
        Hash::Sha1 => pkcs12_with::<Sha1>,
        Hash::Sha224 => pkcs12_with::<Sha224>,
        Hash::Sha256 => pkcs12_with::<Sha256>,
        Hash::Sha384 => pkcs12_with::<Sha384>,
        Hash::Sha512 => pkcs12_with::<Sha512>,
    };
    run(bmp_password, salt, iterations, purpose, len)
}

fn pkcs12_with<D: Digest + FixedOutputReset + BlockSizeUser>(
    password: &[u8],
    salt: &[u8],
    iterations: u32,
    purpose: Purpose,
    len: usize,
) -> Zeroizing<Vec<u8>> {
    // v: the hash's block size (64 for SHA-1/256, 128 for SHA-384/512).
    let v = D::block_size();
    let d = vec![purpose as u8; v];
    // I = S || P, each repeated to fill a whole number of v-byte blocks.
    let mut i = Zeroizing::new(Vec::new());
    for src in [salt, password] {
        let n = v * src.len().div_ceil(v);
        i.extend(src.iter().cycle().take(n));
    }

    let mut out = Zeroizing::new(Vec::with_capacity(len + v));
    let mut b = Zeroizing::new(vec![0u8; v]);
    let mut a = Output::<D>::default();
    let mut hasher = D::new();
    while out.len() < len {
        Digest::update(&mut hasher, &d);
        Digest::update(&mut hasher, &*i);
        FixedOutputReset::finalize_into_reset(&mut hasher, &mut a);
        for _ in 1..iterations.max(1) {
            Digest::update(&mut hasher, &a);
            FixedOutputReset::finalize_into_reset(&mut hasher, &mut a);
        }
        out.extend_from_slice(&a);
        if out.len() >= len {
            break;
        }
        // B = A repeated to v bytes; each block I_j = (I_j + B + 1) mod 2^(8v).
        for (dst, src) in b.iter_mut().zip(a.iter().cycle()) {
            *dst = *src;
        }
        for chunk in i.chunks_mut(v) {
            let mut carry = 1u16;
            for (x, y) in chunk.iter_mut().rev().zip(b.iter().rev()) {
                let sum = u16::from(*x) + u16::from(*y) + carry;
                *x = sum as u8;
                carry = sum >> 8;
            }
        }
    }
    a.as_mut_slice().zeroize();
    out.truncate(len);
    out
}

/// PBKDF2 with HMAC over `hash`: `len` bytes from the UTF-8 password.
pub fn pbkdf2(
    hash: Hash,
    password: &[u8],
    salt: &[u8],
    iterations: u32,
    len: usize,
) -> Zeroizing<Vec<u8>> {
    let run = match hash {
        Hash::Sha1 => pbkdf2_with::<Sha1>,
        Hash::Sha224 => pbkdf2_with::<Sha224>,
        Hash::Sha256 => pbkdf2_with::<Sha256>,
        Hash::Sha384 => pbkdf2_with::<Sha384>,
        Hash::Sha512 => pbkdf2_with::<Sha512>,
    };
    run(password, salt, iterations, len)
}

fn pbkdf2_with<D: EagerHash>(
    password: &[u8],
    salt: &[u8],
    iterations: u32,
    len: usize,
) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(vec![0u8; len]);
    ::pbkdf2::pbkdf2_hmac::<D>(password, salt, iterations.max(1), &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bmp_encoding() {
        assert_eq!(PasswordBytes::new("Ab").bmp(), &[0, b'A', 0, b'b', 0, 0]);
        assert_eq!(PasswordBytes::new("Ә").bmp(), &[0x04, 0xD8, 0, 0]);
        // Outside the BMP: a surrogate pair, as Java's char[] and OpenSSL's
        // UTF-8 conversion give.
        assert_eq!(
            PasswordBytes::new("𝄞").bmp(),
            &[0xD8, 0x34, 0xDD, 0x1E, 0, 0]
        );
        assert_eq!(PasswordBytes::new("").bmp(), &[0, 0]);
        assert!(PasswordBytes::empty_absent().bmp().is_empty());
        assert_eq!(PasswordBytes::new("Ә").utf8(), "Ә".as_bytes());
    }

    /// Vectors from the BouncyCastle/OpenSSL PKCS#12 KDF test suite
    /// ("smeg", salt 0A58CF64530D823F, 1 iteration).
    #[test]
    fn known_answers() {
        let pw = PasswordBytes::new("smeg");
        let salt = hex::decode("0A58CF64530D823F").unwrap();
        assert_eq!(
            hex::encode_upper(&*pkcs12(Hash::Sha1, pw.bmp(), &salt, 1, Purpose::Key, 24)),
            "8AAAE6297B6CB04642AB5B077851284EB7128F1A2A7FBCA3"
        );
        assert_eq!(
            hex::encode_upper(&*pkcs12(Hash::Sha1, pw.bmp(), &salt, 1, Purpose::Iv, 8)),
            "79993DFE048D3B76"
        );
    }

    /// RFC 6070 PBKDF2-HMAC-SHA1 vector 2 (2 iterations).
    #[test]
    fn pbkdf2_known_answer() {
        assert_eq!(
            hex::encode(&*pbkdf2(Hash::Sha1, b"password", b"salt", 2, 20)),
            "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957"
        );
    }

    #[test]
    fn oids_and_prfs_round_trip() {
        for h in [
            Hash::Sha1,
            Hash::Sha224,
            Hash::Sha256,
            Hash::Sha384,
            Hash::Sha512,
        ] {
            assert_eq!(Hash::from_oid(&h.oid()), Some(h));
            assert_eq!(Hash::from_prf(h.prf()), Some(h));
        }
    }
}
