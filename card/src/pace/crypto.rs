//! The pure steps of PACE Generic Mapping (ICAO 9303-11 §4.4), each small
//! enough to check against the published worked example on its own; the AES
//! primitives they share with secure messaging are in [`crate::cipher`].
//!
//! Everything here is generic over the two curves the profile allows; the
//! runtime choice between them is made once, in [`super::establish`].

use elliptic_curve::ff::{Field, PrimeField};
use elliptic_curve::point::AffineCoordinates;
use elliptic_curve::{FieldBytes, Scalar};
use primeorder::{AffinePoint, PrimeCurveParams, ProjectivePoint};
use sha1::{Digest, Sha1};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::PaceError;
use crate::cipher::{Aes, BLOCK, PaceCipher, cmac};
use crate::tlv;

/// Length of one coordinate of the profile's 256-bit curves.
pub const COORDINATE_LEN: usize = 32;
/// Length of an uncompressed point `04 ‖ X ‖ Y`.
pub const POINT_LEN: usize = 1 + 2 * COORDINATE_LEN;
/// Length of the authentication tokens T_PCD and T_PICC.
pub const TOKEN_LEN: usize = 8;

/// KDF(K, c) of ICAO 9303-11 §9.7.1: SHA-1 cut to 16 bytes for AES-128,
/// SHA-256 cut to 24 or 32 bytes for AES-192/256.
pub fn kdf(secret: &[u8], counter: u32, cipher: PaceCipher) -> Zeroizing<Vec<u8>> {
    let len = cipher.key_len();
    let full: Zeroizing<Vec<u8>> = match cipher {
        PaceCipher::Aes128 => {
            let mut h = Sha1::new();
            h.update(secret);
            h.update(counter.to_be_bytes());
            Zeroizing::new(h.finalize().to_vec())
        }
        PaceCipher::Aes192 | PaceCipher::Aes256 => {
            let mut h = Sha256::new();
            h.update(secret);
            h.update(counter.to_be_bytes());
            Zeroizing::new(h.finalize().to_vec())
        }
    };
    Zeroizing::new(full[..len].to_vec())
}

/// K_π = KDF(π, 3). For the CAN and the PIN, π is the ASCII digits.
pub fn k_pi(password: &[u8], cipher: PaceCipher) -> Zeroizing<Vec<u8>> {
    kdf(password, 3, cipher)
}

/// π for an MRZ password: SHA-1 of the MRZ information (document number,
/// birth and expiry dates with check digits). Passports only; kept because
/// the published vector uses it.
pub fn mrz_password(mrz_information: &str) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(Sha1::digest(mrz_information.as_bytes()).to_vec())
}

/// s = AES-CBC-decrypt(K_π, IV 0, z), no padding: the nonce the chip chose.
pub fn decrypt_nonce(k_pi: &[u8], z: &[u8]) -> Result<Zeroizing<Vec<u8>>, PaceError> {
    if z.is_empty() || !z.len().is_multiple_of(BLOCK) {
        return Err(PaceError::Malformed(format!(
            "the encrypted nonce is {} bytes, not whole AES blocks",
            z.len()
        )));
    }
    let aes = Aes::new(k_pi).ok_or(PaceError::UnsupportedProtocol)?;
    aes.cbc_decrypt(&[0; BLOCK], z)
        .ok_or_else(|| PaceError::Malformed("the encrypted nonce is not whole blocks".into()))
}

/// A big-endian integer in 1..n-1 as a private scalar; `None` otherwise
/// (zero, or not below the group order).
pub fn private_scalar<C: PrimeCurveParams>(be: &[u8]) -> Option<Zeroizing<Scalar<C>>> {
    let repr = FieldBytes::<C>::try_from(be).ok()?;
    let s = Option::<Scalar<C>>::from(Scalar::<C>::from_repr(repr))?;
    if bool::from(s.is_zero()) {
        return None;
    }
    Some(Zeroizing::new(s))
}

/// The nonce s as a scalar. It is shorter than the group order (16 bytes),
/// so it is taken as a big-endian integer, left-padded.
fn nonce_scalar<C: PrimeCurveParams>(s: &[u8]) -> Result<Zeroizing<Scalar<C>>, PaceError> {
    let mut repr = Zeroizing::new(FieldBytes::<C>::default());
    if s.is_empty() || s.len() > repr.len() {
        return Err(PaceError::Malformed(
            "the nonce has the wrong length".into(),
        ));
    }
    let start = repr.len() - s.len();
    repr[start..].copy_from_slice(s);
    // 128 bits are always below a 256-bit order; zero is refused below.
    let scalar = Option::<Scalar<C>>::from(Scalar::<C>::from_repr(*repr))
        .ok_or_else(|| PaceError::Malformed("the nonce is not below the group order".into()))?;
    if bool::from(scalar.is_zero()) {
        return Err(PaceError::Malformed("the chip's nonce is zero".into()));
    }
    Ok(Zeroizing::new(scalar))
}

/// d·G on generator `g` (mapping keys on G, ephemeral keys on G').
pub fn public_key<C: PrimeCurveParams>(d: &Scalar<C>, g: &AffinePoint<C>) -> AffinePoint<C> {
    (ProjectivePoint::<C>::from(*g) * d).to_affine()
}

/// Generic mapping: H = d_map · PK_map of the other side, G' = s·G + H.
pub fn map_generator<C: PrimeCurveParams>(
    s: &[u8],
    d_map: &Scalar<C>,
    other_map_key: &AffinePoint<C>,
) -> Result<AffinePoint<C>, PaceError> {
    let s = nonce_scalar::<C>(s)?;
    let h = ProjectivePoint::<C>::from(*other_map_key) * d_map;
    let g = (ProjectivePoint::<C>::GENERATOR * *s + h).to_affine();
    if bool::from(h.to_affine().is_identity()) || bool::from(g.is_identity()) {
        return Err(PaceError::InvalidPoint);
    }
    Ok(g)
}

/// K = x(d_eph · PK_eph of the other side), 32 bytes.
pub fn shared_secret<C: PrimeCurveParams>(
    d_eph: &Scalar<C>,
    other_eph_key: &AffinePoint<C>,
) -> Result<Zeroizing<Vec<u8>>, PaceError> {
    let k = (ProjectivePoint::<C>::from(*other_eph_key) * d_eph).to_affine();
    if bool::from(k.is_identity()) {
        return Err(PaceError::InvalidPoint);
    }
    Ok(Zeroizing::new(k.x().to_vec()))
}

/// `04 ‖ X ‖ Y`, each coordinate its full 32 bytes.
pub fn encode_point<C: PrimeCurveParams>(p: &AffinePoint<C>) -> Vec<u8> {
    let mut out = Vec::with_capacity(POINT_LEN);
    out.push(0x04);
    out.extend_from_slice(&p.x());
    out.extend_from_slice(&p.y());
    debug_assert_eq!(out.len(), POINT_LEN);
    out
}

/// A received point: exactly `04 ‖ X ‖ Y` with 32-byte coordinates below p,
/// on the curve (which also excludes the point at infinity, which has no
/// such encoding).
pub fn decode_point<C: PrimeCurveParams>(bytes: &[u8]) -> Result<AffinePoint<C>, PaceError> {
    if bytes.len() != POINT_LEN || bytes[0] != 0x04 {
        return Err(PaceError::InvalidPoint);
    }
    let x = FieldBytes::<C>::try_from(&bytes[1..1 + COORDINATE_LEN])
        .map_err(|_| PaceError::InvalidPoint)?;
    let y = FieldBytes::<C>::try_from(&bytes[1 + COORDINATE_LEN..])
        .map_err(|_| PaceError::InvalidPoint)?;
    let p = Option::<AffinePoint<C>>::from(AffinePoint::<C>::from_coordinates(&x, &y))
        .ok_or(PaceError::InvalidPoint)?;
    if bool::from(p.is_identity()) {
        return Err(PaceError::InvalidPoint);
    }
    Ok(p)
}

/// The authentication token over the other side's ephemeral key:
/// CMAC(KS_mac, `7F49` L {`06` L OID, `86` L point})[..8].
pub fn auth_token(
    ks_mac: &[u8],
    protocol_oid: &[u8],
    other_eph_key: &[u8],
) -> Result<[u8; TOKEN_LEN], PaceError> {
    let inner = [
        tlv::encode(0x06, protocol_oid),
        tlv::encode(0x86, other_eph_key),
    ]
    .concat();
    let input = tlv::encode(0x7F49, &inner);
    let full = cmac(ks_mac, &[&input]).ok_or(PaceError::UnsupportedProtocol)?;
    let mut token = [0u8; TOKEN_LEN];
    token.copy_from_slice(&full[..TOKEN_LEN]);
    Ok(token)
}

/// Constant-time comparison of a received token with the expected one.
pub fn token_matches(expected: &[u8; TOKEN_LEN], received: &[u8]) -> bool {
    received.len() == TOKEN_LEN && bool::from(expected.ct_eq(received))
}

#[cfg(test)]
pub(crate) mod tests {
    //! ICAO 9303-11 Appendix G.1 (`shared/testvectors/pace-icao-9303-11-g1.md`),
    //! step by step. The public keys are computed from the private keys, so
    //! every value below is a real check of the arithmetic.

    use super::*;
    use crate::pace::info::PaceProtocol;
    use bp256::BrainpoolP256r1 as Bp;
    use hex_literal::hex;

    pub(crate) const MRZ: &str = "T22000129364081251010318";
    pub(crate) const K: [u8; 20] = hex!("7E2D2A41C74EA0B38CD36F863939BFA8E9032AAD");
    pub(crate) const K_PI: [u8; 16] = hex!("89DED1B26624EC1E634C1989302849DD");
    pub(crate) const Z: [u8; 16] = hex!("95A3A016522EE98D01E76CB6B98B42C3");
    pub(crate) const S: [u8; 16] = hex!("3F00C4D39D153F2B2A214A078D899B22");
    pub(crate) const PCD_MAP: [u8; 32] =
        hex!("7F4EF07B9EA82FD78AD689B38D0BC78CF21F249D953BC46F4C6E19259C010F99");
    pub(crate) const PICC_MAP: [u8; 32] =
        hex!("498FF49756F2DC1587840041839A85982BE7761D14715FB091EFA7BCE9058560");
    pub(crate) const G_X: [u8; 32] =
        hex!("8CED63C91426D4F0EB1435E7CB1D74A46723A0AF21C89634F65A9AE87A9265E2");
    pub(crate) const G_Y: [u8; 32] =
        hex!("8C879506743F8611AC33645C5B985C80B5F09A0B83407C1B6A4D857AE76FE522");
    pub(crate) const PCD_EPH: [u8; 32] =
        hex!("A73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595");
    pub(crate) const PICC_EPH: [u8; 32] =
        hex!("107CF58696EF6155053340FD633392BA81909DF7B9706F226F32086C7AFF974A");
    pub(crate) const SHARED: [u8; 32] =
        hex!("28768D20701247DAE81804C9E780EDE582A9996DB4A315020B2733197DB84925");
    pub(crate) const KS_ENC: [u8; 16] = hex!("F5F0E35C0D7161EE6724EE513A0D9A7F");
    pub(crate) const KS_MAC: [u8; 16] = hex!("FE251C7858B356B24514B3BD5F4297D1");
    pub(crate) const T_PCD: [u8; 8] = hex!("C2B0BD78D94BA866");
    pub(crate) const T_PICC: [u8; 8] = hex!("3ABB9674BCE93C08");

    fn scalar(be: &[u8]) -> Zeroizing<Scalar<Bp>> {
        private_scalar::<Bp>(be).unwrap()
    }

    #[test]
    fn the_published_vector_step_by_step() {
        let cipher = PaceCipher::Aes128;
        let oid = PaceProtocol::EcdhGm(cipher).oid();

        let k = mrz_password(MRZ);
        assert_eq!(*k, K, "K = SHA-1(MRZ information)");
        let kpi = k_pi(&k, cipher);
        assert_eq!(*kpi, K_PI, "K_pi");
        let s = decrypt_nonce(&kpi, &Z).unwrap();
        assert_eq!(*s, S, "s");

        let g = AffinePoint::<Bp>::GENERATOR;
        let pcd_map = scalar(&PCD_MAP);
        let picc_map = scalar(&PICC_MAP);
        let pcd_map_pub = public_key::<Bp>(&pcd_map, &g);
        let picc_map_pub = public_key::<Bp>(&picc_map, &g);
        let mapped = map_generator::<Bp>(&s, &pcd_map, &picc_map_pub).unwrap();
        assert_eq!(mapped.x().as_slice(), G_X, "G' x");
        assert_eq!(mapped.y().as_slice(), G_Y, "G' y");
        // The chip maps to the same generator from its side.
        assert_eq!(
            map_generator::<Bp>(&s, &picc_map, &pcd_map_pub).unwrap(),
            mapped
        );

        let pcd_eph = scalar(&PCD_EPH);
        let picc_eph = scalar(&PICC_EPH);
        let pcd_eph_pub = public_key::<Bp>(&pcd_eph, &mapped);
        let picc_eph_pub = public_key::<Bp>(&picc_eph, &mapped);
        let shared = shared_secret::<Bp>(&pcd_eph, &picc_eph_pub).unwrap();
        assert_eq!(*shared, SHARED, "K");
        assert_eq!(
            *shared_secret::<Bp>(&picc_eph, &pcd_eph_pub).unwrap(),
            SHARED
        );

        let ks_enc = kdf(&shared, 1, cipher);
        let ks_mac = kdf(&shared, 2, cipher);
        assert_eq!(*ks_enc, KS_ENC, "KS_enc");
        assert_eq!(*ks_mac, KS_MAC, "KS_mac");

        let t_pcd = auth_token(&ks_mac, &oid, &encode_point::<Bp>(&picc_eph_pub)).unwrap();
        let t_picc = auth_token(&ks_mac, &oid, &encode_point::<Bp>(&pcd_eph_pub)).unwrap();
        assert_eq!(t_pcd, T_PCD, "T_PCD");
        assert_eq!(t_picc, T_PICC, "T_PICC");
        assert!(token_matches(&t_picc, &T_PICC));
        let mut wrong = T_PICC;
        wrong[7] ^= 1;
        assert!(!token_matches(&t_picc, &wrong));
        assert!(!token_matches(&t_picc, &T_PICC[..7]));
    }

    #[test]
    fn kdf_lengths_and_hashes() {
        // AES-192/256 use SHA-256: the 24-byte key is a prefix of the 32-byte one,
        // and neither starts like the SHA-1 one.
        let k128 = kdf(b"123456", 3, PaceCipher::Aes128);
        let k192 = kdf(b"123456", 3, PaceCipher::Aes192);
        let k256 = kdf(b"123456", 3, PaceCipher::Aes256);
        assert_eq!((k128.len(), k192.len(), k256.len()), (16, 24, 32));
        assert_eq!(k192[..], k256[..24]);
        assert_ne!(k128[..], k256[..16]);
        let mut h = Sha256::new();
        h.update(b"123456");
        h.update([0, 0, 0, 3]);
        assert_eq!(k256[..], h.finalize()[..]);
        // The counter matters.
        assert_ne!(*kdf(b"123456", 1, PaceCipher::Aes128), *k128);
    }

    #[test]
    fn points_round_trip_and_bad_points_are_refused() {
        let g = AffinePoint::<Bp>::GENERATOR;
        let enc = encode_point::<Bp>(&g);
        assert_eq!(enc.len(), POINT_LEN);
        assert_eq!(decode_point::<Bp>(&enc).unwrap(), g);
        let mut off = enc.clone();
        off[64] ^= 1;
        assert!(matches!(
            decode_point::<Bp>(&off),
            Err(PaceError::InvalidPoint)
        ));
        let mut compressed = enc.clone();
        compressed[0] = 0x02;
        assert!(matches!(
            decode_point::<Bp>(&compressed),
            Err(PaceError::InvalidPoint)
        ));
        assert!(matches!(
            decode_point::<Bp>(&enc[..64]),
            Err(PaceError::InvalidPoint)
        ));
        let mut zeros = [0u8; POINT_LEN];
        zeros[0] = 4;
        assert!(matches!(
            decode_point::<Bp>(&zeros),
            Err(PaceError::InvalidPoint)
        ));
        // A P-256 point is not a brainpool point.
        let p = encode_point::<p256::NistP256>(&AffinePoint::<p256::NistP256>::GENERATOR);
        assert!(decode_point::<p256::NistP256>(&p).is_ok());
        assert!(matches!(
            decode_point::<Bp>(&p),
            Err(PaceError::InvalidPoint)
        ));
    }

    #[test]
    fn leading_zero_coordinates_keep_their_length() {
        // Find a multiple of G whose x starts with a zero byte.
        let g = ProjectivePoint::<Bp>::GENERATOR;
        let mut p = g;
        let mut found = false;
        for _ in 0..2000 {
            p += g;
            let a = p.to_affine();
            if a.x()[0] == 0 {
                let enc = encode_point::<Bp>(&a);
                assert_eq!(enc.len(), POINT_LEN);
                assert_eq!(enc[1], 0);
                assert_eq!(decode_point::<Bp>(&enc).unwrap(), a);
                found = true;
                break;
            }
        }
        assert!(found, "no x with a leading zero byte in 2000 multiples");
    }

    #[test]
    fn private_scalars_are_in_range() {
        assert!(private_scalar::<Bp>(&[0; 32]).is_none());
        assert!(private_scalar::<Bp>(&[0xFF; 32]).is_none());
        assert!(private_scalar::<Bp>(&[1; 31]).is_none());
        assert!(private_scalar::<Bp>(&PCD_EPH).is_some());
    }

    #[test]
    fn nonces_must_be_whole_blocks() {
        assert!(matches!(
            decrypt_nonce(&K_PI, &Z[..15]),
            Err(PaceError::Malformed(_))
        ));
        assert!(matches!(
            decrypt_nonce(&K_PI, &[]),
            Err(PaceError::Malformed(_))
        ));
    }
}
