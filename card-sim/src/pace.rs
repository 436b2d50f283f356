//! The chip side of PACE (ICAO Doc 9303-11 §4.4, BSI TR-03110-3), Generic
//! Mapping with ECDH on brainpoolP256r1 or NIST P-256 and AES-CBC-CMAC.
//!
//! Written independently of the terminal side in `qoltanba-core`, so the two
//! can check each other: a shared misreading of the standard would pass a
//! round trip, but not the published ICAO vector, which both sides test.
//!
//! The chip is a small state machine driven by the four GENERAL
//! AUTHENTICATE steps; every wrong step fails it and the caller (the card)
//! drops it, so the terminal must start again with MSE:SET AT.

use crate::crypto::{self, AesBits};
use crate::sm::SessionKeys;
use elliptic_curve::sec1::{FromSec1Point, ModulusSize, Sec1Point, ToSec1Point};
use elliptic_curve::{
    CurveArithmetic, CurveGroup, FieldBytes, FieldBytesSize, Group, PrimeField,
    point::AffineCoordinates,
};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// The curve of a PACE protocol (PACEInfo parameterId).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum PaceCurve {
    /// brainpoolP256r1, standardized domain parameter 13.
    BrainpoolP256r1,
    /// NIST P-256 (secp256r1), standardized domain parameter 12.
    NistP256,
}

impl PaceCurve {
    /// The PACEInfo parameterId.
    pub fn parameter_id(self) -> u8 {
        match self {
            PaceCurve::BrainpoolP256r1 => 13,
            PaceCurve::NistP256 => 12,
        }
    }

    /// From a PACEInfo parameterId.
    pub fn from_parameter_id(id: u8) -> Option<Self> {
        match id {
            13 => Some(PaceCurve::BrainpoolP256r1),
            12 => Some(PaceCurve::NistP256),
            _ => None,
        }
    }
}

/// One PACE protocol as the card offers it in EF.CardAccess.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PaceSuite {
    pub curve: PaceCurve,
    pub aes: AesBits,
}

impl Default for PaceSuite {
    /// The profile's default: AES-128 on brainpoolP256r1.
    fn default() -> Self {
        PaceSuite {
            curve: PaceCurve::BrainpoolP256r1,
            aes: AesBits::Aes128,
        }
    }
}

impl PaceSuite {
    /// DER content of the protocol OID `id-PACE-ECDH-GM-AES-CBC-CMAC-*`
    /// (0.4.0.127.0.7.2.2.4.2.2/3/4).
    pub fn oid(self) -> [u8; 10] {
        let last = match self.aes {
            AesBits::Aes128 => 2,
            AesBits::Aes192 => 3,
            AesBits::Aes256 => 4,
        };
        [0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x04, 0x02, last]
    }

    /// The AES size of a protocol OID, if it is one of the three.
    pub fn aes_of_oid(oid: &[u8]) -> Option<AesBits> {
        match oid {
            [0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x04, 0x02, last] => match last {
                2 => Some(AesBits::Aes128),
                3 => Some(AesBits::Aes192),
                4 => Some(AesBits::Aes256),
                _ => None,
            },
            _ => None,
        }
    }

    /// `PACEInfo ::= SEQUENCE { protocol, version 2, parameterId }` (DER).
    pub fn pace_info(self) -> Vec<u8> {
        let mut out = vec![0x30, 0x12, 0x06, 0x0A];
        out.extend_from_slice(&self.oid());
        out.extend_from_slice(&[0x02, 0x01, 0x02, 0x02, 0x01, self.curve.parameter_id()]);
        out
    }

    /// EF.CardAccess: `SecurityInfos` (SET OF) holding this one PACEInfo.
    pub fn card_access(self) -> Vec<u8> {
        let info = self.pace_info();
        let mut out = vec![0x31, info.len() as u8];
        out.extend_from_slice(&info);
        out
    }
}

/// Where the chip's random bytes come from. Production uses the operating
/// system; the ICAO vector test feeds the vector's nonce and private keys.
pub trait RandomSource: Send {
    /// Fill `buf`; `Err` when no randomness is available.
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), PaceError>;
}

/// The operating system's random generator (getrandom).
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemRandom;

impl RandomSource for SystemRandom {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), PaceError> {
        getrandom::fill(buf).map_err(|_| PaceError::Random)
    }
}

/// Replays given bytes in order, for deterministic tests (the ICAO vector,
/// reproducible end-to-end runs); fails once they are used up.
#[derive(Debug, Default, Clone)]
pub struct FixedRandom(std::collections::VecDeque<u8>);

impl FixedRandom {
    /// The bytes to hand out, in order.
    pub fn new(bytes: impl IntoIterator<Item = u8>) -> Self {
        FixedRandom(bytes.into_iter().collect())
    }
}

impl RandomSource for FixedRandom {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), PaceError> {
        if self.0.len() < buf.len() {
            return Err(PaceError::Random);
        }
        for b in buf.iter_mut() {
            *b = self.0.pop_front().unwrap_or(0);
        }
        Ok(())
    }
}

/// Why a PACE step failed. The card answers each with a status word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PaceError {
    /// A step came out of order.
    #[error("PACE step out of order")]
    WrongStep,
    /// A terminal point is malformed, not on the curve, the identity, or
    /// equal to the chip's own ephemeral key.
    #[error("invalid point from the terminal")]
    BadPoint,
    /// The terminal's token T_PCD is wrong (wrong password, as a rule).
    #[error("wrong authentication token")]
    BadToken,
    /// No random bytes.
    #[error("no randomness")]
    Random,
}

/// Which step the chip expects next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Nonce,
    Map,
    KeyAgreement,
    MutualAuth,
    Done,
}

/// The chip during one PACE run. Secrets are zeroized on drop.
pub struct PaceChip {
    suite: PaceSuite,
    k_pi: Zeroizing<Vec<u8>>,
    step: Step,
    /// The nonce s, left-padded to a 32-byte scalar.
    s: Zeroizing<[u8; 32]>,
    g_prime: Vec<u8>,
    pk_eph_picc: Vec<u8>,
    pk_eph_pcd: Vec<u8>,
    shared: Zeroizing<Vec<u8>>,
    keys: Option<SessionKeys>,
}

impl std::fmt::Debug for PaceChip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaceChip")
            .field("suite", &self.suite)
            .field("step", &self.step)
            .finish_non_exhaustive()
    }
}

impl PaceChip {
    /// Start PACE with K_π (see [`crypto::k_pi`]).
    pub fn new(suite: PaceSuite, k_pi: Zeroizing<Vec<u8>>) -> Self {
        PaceChip {
            suite,
            k_pi,
            step: Step::Nonce,
            s: Zeroizing::new([0; 32]),
            g_prime: Vec::new(),
            pk_eph_picc: Vec::new(),
            pk_eph_pcd: Vec::new(),
            shared: Zeroizing::new(Vec::new()),
            keys: None,
        }
    }

    /// The suite in force.
    pub fn suite(&self) -> PaceSuite {
        self.suite
    }

    /// GA 1: choose s and return z = E(K_π, s) (CBC with IV 0 over one block).
    pub fn encrypted_nonce(&mut self, rng: &mut dyn RandomSource) -> Result<[u8; 16], PaceError> {
        self.expect(Step::Nonce)?;
        self.step = Step::Done;
        let mut s = Zeroizing::new([0u8; 16]);
        rng.fill(s.as_mut())?;
        let z = crypto::encrypt_block(&self.k_pi, &s).map_err(|_| PaceError::Random)?;
        self.s[16..].copy_from_slice(s.as_ref());
        self.step = Step::Map;
        Ok(z)
    }

    /// GA 2: the terminal's mapping key in, the chip's out; G' = s·G + H.
    pub fn map_nonce(
        &mut self,
        pk_map_pcd: &[u8],
        rng: &mut dyn RandomSource,
    ) -> Result<Vec<u8>, PaceError> {
        self.expect(Step::Map)?;
        self.step = Step::Done;
        let d_map = random_scalar_bytes(self.suite.curve, rng)?;
        let (pk, g) = match self.suite.curve {
            PaceCurve::BrainpoolP256r1 => {
                map::<bp256::BrainpoolP256r1>(&self.s, &d_map, pk_map_pcd)?
            }
            PaceCurve::NistP256 => map::<p256::NistP256>(&self.s, &d_map, pk_map_pcd)?,
        };
        self.g_prime = g;
        self.step = Step::KeyAgreement;
        Ok(pk)
    }

    /// GA 3: the terminal's ephemeral key in, the chip's out; derives the
    /// session keys from the shared secret.
    pub fn key_agreement(
        &mut self,
        pk_eph_pcd: &[u8],
        rng: &mut dyn RandomSource,
    ) -> Result<Vec<u8>, PaceError> {
        self.expect(Step::KeyAgreement)?;
        self.step = Step::Done;
        let d_eph = random_scalar_bytes(self.suite.curve, rng)?;
        let (pk, shared) = match self.suite.curve {
            PaceCurve::BrainpoolP256r1 => {
                agree::<bp256::BrainpoolP256r1>(&self.g_prime, &d_eph, pk_eph_pcd)?
            }
            PaceCurve::NistP256 => agree::<p256::NistP256>(&self.g_prime, &d_eph, pk_eph_pcd)?,
        };
        self.keys = Some(SessionKeys {
            k_enc: crypto::kdf(&shared, 1, self.suite.aes),
            k_mac: crypto::kdf(&shared, 2, self.suite.aes),
        });
        self.shared = shared;
        self.pk_eph_picc = pk.clone();
        self.pk_eph_pcd = pk_eph_pcd.to_vec();
        self.step = Step::MutualAuth;
        Ok(pk)
    }

    /// GA 4: check T_PCD; on success return T_PICC and the session keys.
    pub fn mutual_authenticate(
        &mut self,
        t_pcd: &[u8],
    ) -> Result<([u8; 8], SessionKeys), PaceError> {
        self.expect(Step::MutualAuth)?;
        self.step = Step::Done;
        let keys = self.keys.take().ok_or(PaceError::WrongStep)?;
        let expected = auth_token(&keys.k_mac, &self.suite.oid(), &self.pk_eph_picc)?;
        if t_pcd.len() != 8 || !bool::from(expected.ct_eq(t_pcd)) {
            return Err(PaceError::BadToken);
        }
        let t_picc = auth_token(&keys.k_mac, &self.suite.oid(), &self.pk_eph_pcd)?;
        Ok((t_picc, keys))
    }

    /// G' after GA 2 (uncompressed), for tests.
    pub fn mapped_generator(&self) -> &[u8] {
        &self.g_prime
    }

    /// The shared secret's x-coordinate after GA 3, for tests.
    pub fn shared_secret(&self) -> &[u8] {
        &self.shared
    }

    /// The session keys after GA 3 (before GA 4 takes them), for tests.
    pub fn session_keys(&self) -> Option<&SessionKeys> {
        self.keys.as_ref()
    }

    fn expect(&mut self, step: Step) -> Result<(), PaceError> {
        if self.step == step {
            Ok(())
        } else {
            self.step = Step::Done;
            Err(PaceError::WrongStep)
        }
    }
}

/// T = CMAC(KS_mac, `7F49` L {`06` L OID, `86` L point})[0..8].
pub fn auth_token(k_mac: &[u8], oid: &[u8], point: &[u8]) -> Result<[u8; 8], PaceError> {
    let mut inner = crate::apdu::tlv::encode(0x06, oid);
    inner.extend_from_slice(&crate::apdu::tlv::encode(0x86, point));
    let data = crate::apdu::tlv::encode(0x7F49, &inner);
    crypto::cmac8(k_mac, &data).map_err(|_| PaceError::Random)
}

/// A private key: 32 random bytes that are a valid non-zero scalar.
pub(crate) fn random_scalar_bytes(
    curve: PaceCurve,
    rng: &mut dyn RandomSource,
) -> Result<Zeroizing<[u8; 32]>, PaceError> {
    for _ in 0..64 {
        let mut bytes = Zeroizing::new([0u8; 32]);
        rng.fill(bytes.as_mut())?;
        let ok = match curve {
            PaceCurve::BrainpoolP256r1 => scalar::<bp256::BrainpoolP256r1>(&bytes).is_some(),
            PaceCurve::NistP256 => scalar::<p256::NistP256>(&bytes).is_some(),
        };
        if ok {
            return Ok(bytes);
        }
    }
    Err(PaceError::Random)
}

/// A non-zero scalar from 32 big-endian bytes below the group order.
pub(crate) fn scalar<C>(bytes: &[u8; 32]) -> Option<C::Scalar>
where
    C: CurveArithmetic,
{
    let mut repr = FieldBytes::<C>::default();
    if repr.len() != 32 {
        return None;
    }
    repr.copy_from_slice(bytes);
    let k: Option<C::Scalar> = C::Scalar::from_repr(repr).into();
    k.filter(|k| !bool::from(elliptic_curve::Field::is_zero(k)))
}

/// Decode `04 ‖ X ‖ Y` (65 bytes exactly): on the curve and not the identity.
pub(crate) fn decode_point<C>(bytes: &[u8]) -> Option<C::ProjectivePoint>
where
    C: CurveArithmetic,
    C::AffinePoint: FromSec1Point<C>,
    FieldBytesSize<C>: ModulusSize,
{
    if bytes.len() != 65 || bytes[0] != 0x04 {
        return None;
    }
    let encoded = Sec1Point::<C>::from_bytes(bytes).ok()?;
    let affine: Option<C::AffinePoint> = C::AffinePoint::from_sec1_point(&encoded).into();
    let point: C::ProjectivePoint = affine?.into();
    (!bool::from(point.is_identity())).then_some(point)
}

/// `04 ‖ X ‖ Y`, coordinates at full length.
pub(crate) fn encode_point<C>(point: &C::ProjectivePoint) -> Vec<u8>
where
    C: CurveArithmetic,
    C::AffinePoint: ToSec1Point<C>,
    FieldBytesSize<C>: ModulusSize,
{
    point.to_affine().to_sec1_point(false).as_bytes().to_vec()
}

/// GA 2 on one curve: (PK_map,PICC, G').
fn map<C>(
    s: &[u8; 32],
    d_map: &[u8; 32],
    pk_map_pcd: &[u8],
) -> Result<(Vec<u8>, Vec<u8>), PaceError>
where
    C: CurveArithmetic,
    C::AffinePoint: FromSec1Point<C> + ToSec1Point<C>,
    FieldBytesSize<C>: ModulusSize,
{
    let pcd = decode_point::<C>(pk_map_pcd).ok_or(PaceError::BadPoint)?;
    let d = scalar::<C>(d_map).ok_or(PaceError::Random)?;
    let s = {
        let mut repr = FieldBytes::<C>::default();
        repr.copy_from_slice(s);
        Option::<C::Scalar>::from(C::Scalar::from_repr(repr)).ok_or(PaceError::Random)?
    };
    let g = C::ProjectivePoint::generator();
    let pk = g * d;
    let h = pcd * d;
    let g_prime = g * s + h;
    if bool::from(h.is_identity()) || bool::from(g_prime.is_identity()) {
        return Err(PaceError::BadPoint);
    }
    Ok((encode_point::<C>(&pk), encode_point::<C>(&g_prime)))
}

/// GA 3 on one curve: (PK_eph,PICC, x(d_eph · PK_eph,PCD)).
fn agree<C>(
    g_prime: &[u8],
    d_eph: &[u8; 32],
    pk_eph_pcd: &[u8],
) -> Result<(Vec<u8>, Zeroizing<Vec<u8>>), PaceError>
where
    C: CurveArithmetic,
    C::AffinePoint: FromSec1Point<C> + ToSec1Point<C>,
    FieldBytesSize<C>: ModulusSize,
{
    let g = decode_point::<C>(g_prime).ok_or(PaceError::WrongStep)?;
    let pcd = decode_point::<C>(pk_eph_pcd).ok_or(PaceError::BadPoint)?;
    let d = scalar::<C>(d_eph).ok_or(PaceError::Random)?;
    let pk = encode_point::<C>(&(g * d));
    if pk.as_slice() == pk_eph_pcd {
        return Err(PaceError::BadPoint);
    }
    let shared = (pcd * d).to_affine();
    if bool::from(C::ProjectivePoint::from(shared).is_identity()) {
        return Err(PaceError::BadPoint);
    }
    Ok((pk, Zeroizing::new(shared.x().to_vec())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use hex_literal::hex;
    use sha1::{Digest, Sha1};

    const S: [u8; 16] = hex!("3F00C4D39D153F2B2A214A078D899B22");
    const D_MAP_PCD: [u8; 32] =
        hex!("7F4EF07B9EA82FD78AD689B38D0BC78CF21F249D953BC46F4C6E19259C010F99");
    const D_MAP_PICC: [u8; 32] =
        hex!("498FF49756F2DC1587840041839A85982BE7761D14715FB091EFA7BCE9058560");
    const D_EPH_PCD: [u8; 32] =
        hex!("A73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595");
    const D_EPH_PICC: [u8; 32] =
        hex!("107CF58696EF6155053340FD633392BA81909DF7B9706F226F32086C7AFF974A");

    type Bp = bp256::BrainpoolP256r1;

    fn bp_scalar(b: &[u8; 32]) -> <Bp as CurveArithmetic>::Scalar {
        scalar::<Bp>(b).unwrap()
    }

    /// The chip against ICAO 9303-11 Appendix G.1, step by step; the
    /// terminal's public keys are computed here from its private keys.
    #[test]
    fn chip_reproduces_the_icao_vector() {
        let suite = PaceSuite::default();
        assert_eq!(
            suite.pace_info(),
            hex!("3012060A04007F0007020204020202010202010D")
        );
        let k = Sha1::digest(b"T22000129364081251010318");
        let k_pi = crypto::k_pi(&k, AesBits::Aes128);
        let mut rng = FixedRandom::new(S.iter().chain(&D_MAP_PICC).chain(&D_EPH_PICC).copied());
        let mut chip = PaceChip::new(suite, k_pi);

        let z = chip.encrypted_nonce(&mut rng).unwrap();
        assert_eq!(z, hex!("95A3A016522EE98D01E76CB6B98B42C3"));

        let g = <Bp as CurveArithmetic>::ProjectivePoint::generator();
        let pk_map_pcd = encode_point::<Bp>(&(g * bp_scalar(&D_MAP_PCD)));
        let pk_map_picc = chip.map_nonce(&pk_map_pcd, &mut rng).unwrap();
        assert_eq!(
            pk_map_picc,
            encode_point::<Bp>(&(g * bp_scalar(&D_MAP_PICC)))
        );
        let g_prime = chip.mapped_generator().to_vec();
        assert_eq!(
            g_prime,
            [
                &[0x04][..],
                &hex!("8CED63C91426D4F0EB1435E7CB1D74A46723A0AF21C89634F65A9AE87A9265E2"),
                &hex!("8C879506743F8611AC33645C5B985C80B5F09A0B83407C1B6A4D857AE76FE522"),
            ]
            .concat()
        );
        // The terminal's view of G' agrees.
        let mut s32 = [0u8; 32];
        s32[16..].copy_from_slice(&S);
        let h_pcd = decode_point::<Bp>(&pk_map_picc).unwrap() * bp_scalar(&D_MAP_PCD);
        let g_prime_pcd = g * bp_scalar(&s32) + h_pcd;
        assert_eq!(encode_point::<Bp>(&g_prime_pcd), g_prime);

        let pk_eph_pcd = encode_point::<Bp>(&(g_prime_pcd * bp_scalar(&D_EPH_PCD)));
        let pk_eph_picc = chip.key_agreement(&pk_eph_pcd, &mut rng).unwrap();
        assert_eq!(
            pk_eph_picc,
            encode_point::<Bp>(&(g_prime_pcd * bp_scalar(&D_EPH_PICC)))
        );
        assert_eq!(
            chip.shared_secret(),
            hex!("28768D20701247DAE81804C9E780EDE582A9996DB4A315020B2733197DB84925")
        );
        let keys = chip.session_keys().unwrap();
        assert_eq!(
            keys.k_enc.as_slice(),
            hex!("F5F0E35C0D7161EE6724EE513A0D9A7F")
        );
        assert_eq!(
            keys.k_mac.as_slice(),
            hex!("FE251C7858B356B24514B3BD5F4297D1")
        );

        let (t_picc, keys) = chip.mutual_authenticate(&hex!("C2B0BD78D94BA866")).unwrap();
        assert_eq!(t_picc, hex!("3ABB9674BCE93C08"));
        assert_eq!(
            keys.k_mac.as_slice(),
            hex!("FE251C7858B356B24514B3BD5F4297D1")
        );
    }

    #[test]
    fn wrong_token_and_bad_points_are_refused() {
        let suite = PaceSuite::default();
        let k = Sha1::digest(b"T22000129364081251010318");
        let run = |t_pcd: [u8; 8]| {
            let mut rng = FixedRandom::new(S.iter().chain(&D_MAP_PICC).chain(&D_EPH_PICC).copied());
            let mut chip = PaceChip::new(suite, crypto::k_pi(&k, AesBits::Aes128));
            chip.encrypted_nonce(&mut rng).unwrap();
            let g = <Bp as CurveArithmetic>::ProjectivePoint::generator();
            let pk_map = chip
                .map_nonce(&encode_point::<Bp>(&(g * bp_scalar(&D_MAP_PCD))), &mut rng)
                .unwrap();
            let mut s32 = [0u8; 32];
            s32[16..].copy_from_slice(&S);
            let gp =
                g * bp_scalar(&s32) + decode_point::<Bp>(&pk_map).unwrap() * bp_scalar(&D_MAP_PCD);
            chip.key_agreement(&encode_point::<Bp>(&(gp * bp_scalar(&D_EPH_PCD))), &mut rng)
                .unwrap();
            chip.mutual_authenticate(&t_pcd)
        };
        assert!(run(hex!("C2B0BD78D94BA866")).is_ok());
        assert_eq!(
            run(hex!("C2B0BD78D94BA867")).unwrap_err(),
            PaceError::BadToken
        );

        // Off-curve, identity, wrong length, compressed: all BadPoint.
        let mut rng = FixedRandom::new(S.iter().chain(&D_MAP_PICC).copied());
        let mut chip = PaceChip::new(suite, crypto::k_pi(&k, AesBits::Aes128));
        chip.encrypted_nonce(&mut rng).unwrap();
        let mut off = vec![0x04];
        off.extend_from_slice(&[0x11; 64]);
        assert_eq!(chip.map_nonce(&off, &mut rng), Err(PaceError::BadPoint));
        // A failed step ends the run.
        assert_eq!(chip.map_nonce(&off, &mut rng), Err(PaceError::WrongStep));
        for bad in [vec![0x00], vec![0x04; 64], vec![0x02; 33]] {
            assert!(decode_point::<Bp>(&bad).is_none());
            assert!(decode_point::<p256::NistP256>(&bad).is_none());
        }
    }

    #[test]
    fn card_access_names_the_suite() {
        let suite = PaceSuite {
            curve: PaceCurve::NistP256,
            aes: AesBits::Aes256,
        };
        let ca = suite.card_access();
        assert_eq!(ca[0], 0x31);
        assert_eq!(usize::from(ca[1]), ca.len() - 2);
        assert_eq!(PaceSuite::aes_of_oid(&suite.oid()), Some(AesBits::Aes256));
        assert_eq!(*ca.last().unwrap(), 12);
    }
}
