//! `establish` against a small fake chip that plays the card side of the
//! profile's PACE table. The chip does its own arithmetic with the curve,
//! hash, AES and CMAC crates directly (not with [`super::crypto`]), and
//! checks every command byte for byte.

use aes::cipher::{BlockCipherEncrypt, KeyInit};
use bp256::BrainpoolP256r1 as Bp;
use cmac::{Cmac, Mac};
use elliptic_curve::Scalar;
use elliptic_curve::ff::PrimeField;
use elliptic_curve::point::AffineCoordinates;
use hex_literal::hex;
use p256::NistP256;
use primeorder::{AffinePoint, PrimeCurveParams, ProjectivePoint};
use proptest::prelude::*;
use sha1::{Digest, Sha1};
use sha2::Sha256;
use zeroize::Zeroizing;

use super::crypto::tests as vector;
use super::*;
use crate::apdu::Command;
use crate::sm::SecureMessaging;

fn chip_kdf(secret: &[u8], counter: u32, key_len: usize) -> Vec<u8> {
    let input = [secret, &counter.to_be_bytes()].concat();
    if key_len == 16 {
        Sha1::digest(&input)[..16].to_vec()
    } else {
        Sha256::digest(&input)[..key_len].to_vec()
    }
}

fn chip_aes_ecb(key: &[u8], block: &[u8; 16]) -> [u8; 16] {
    let mut b = aes::Block::from(*block);
    match key.len() {
        16 => aes::Aes128::new_from_slice(key)
            .unwrap()
            .encrypt_block(&mut b),
        24 => aes::Aes192::new_from_slice(key)
            .unwrap()
            .encrypt_block(&mut b),
        _ => aes::Aes256::new_from_slice(key)
            .unwrap()
            .encrypt_block(&mut b),
    }
    b.into()
}

fn chip_cmac8(key: &[u8], data: &[u8]) -> [u8; 8] {
    fn run<M: Mac + KeyInit>(key: &[u8], data: &[u8]) -> [u8; 8] {
        let mut m = <M as KeyInit>::new_from_slice(key).unwrap();
        m.update(data);
        m.finalize().into_bytes()[..8].try_into().unwrap()
    }
    match key.len() {
        16 => run::<Cmac<aes::Aes128>>(key, data),
        24 => run::<Cmac<aes::Aes192>>(key, data),
        _ => run::<Cmac<aes::Aes256>>(key, data),
    }
}

fn point_bytes<C: PrimeCurveParams>(p: &AffinePoint<C>) -> Vec<u8> {
    [&[4u8][..], &p.x(), &p.y()].concat()
}

fn chip_point<C: PrimeCurveParams>(bytes: &[u8]) -> Option<AffinePoint<C>> {
    if bytes.len() != 65 || bytes[0] != 4 {
        return None;
    }
    let x = elliptic_curve::FieldBytes::<C>::try_from(&bytes[1..33]).ok()?;
    let y = elliptic_curve::FieldBytes::<C>::try_from(&bytes[33..]).ok()?;
    Option::from(AffinePoint::<C>::from_coordinates(&x, &y))
}

fn scalar<C: PrimeCurveParams>(be: &[u8]) -> Scalar<C> {
    let repr = elliptic_curve::FieldBytes::<C>::try_from(be).unwrap();
    Option::from(Scalar::<C>::from_repr(repr)).unwrap()
}

fn random_scalar_bytes() -> [u8; 32] {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).unwrap();
    // Below both curves' orders.
    b[0] &= 0x7F;
    b[31] |= 1;
    b
}

type Tamper = Box<dyn FnMut(usize, &[u8], Vec<u8>) -> Vec<u8> + Send>;

/// The card side of the profile's PACE table.
struct FakeChip<C: PrimeCurveParams> {
    pi: Vec<u8>,
    reference: u8,
    info: PaceInfo,
    s: [u8; 16],
    map_key: Scalar<C>,
    eph_key: Scalar<C>,
    /// `Some` for a PIN: the retry counter.
    pin_tries: Option<u8>,
    step: usize,
    /// The APDU (0..5) at which the tag is lost.
    fail_at: Option<(usize, TransportError)>,
    tamper: Option<Tamper>,
    // What the chip computed and received, for the checks.
    k_pi: Vec<u8>,
    z: [u8; 16],
    pcd_map: Option<Vec<u8>>,
    mapped: Option<AffinePoint<C>>,
    pcd_eph: Option<Vec<u8>>,
    picc_eph: Option<Vec<u8>>,
    shared: Vec<u8>,
    ks_mac: Vec<u8>,
    t_pcd: Option<Vec<u8>>,
    t_picc: Option<[u8; 8]>,
    apdus: usize,
}

impl<C: PrimeCurveParams> FakeChip<C> {
    fn new(
        pi: &[u8],
        reference: u8,
        info: PaceInfo,
        s: [u8; 16],
        map_key: &[u8],
        eph_key: &[u8],
    ) -> Self {
        Self {
            pi: pi.to_vec(),
            reference,
            info,
            s,
            map_key: scalar::<C>(map_key),
            eph_key: scalar::<C>(eph_key),
            pin_tries: (reference == 3).then_some(3),
            step: 0,
            fail_at: None,
            tamper: None,
            k_pi: Vec::new(),
            z: [0; 16],
            pcd_map: None,
            mapped: None,
            pcd_eph: None,
            picc_eph: None,
            shared: Vec::new(),
            ks_mac: Vec::new(),
            t_pcd: None,
            t_picc: None,
            apdus: 0,
        }
    }

    fn random(pi: &[u8], reference: u8, info: PaceInfo) -> Self {
        let mut s = [0u8; 16];
        getrandom::fill(&mut s).unwrap();
        Self::new(
            pi,
            reference,
            info,
            s,
            &random_scalar_bytes(),
            &random_scalar_bytes(),
        )
    }

    fn key_len(&self) -> usize {
        self.info.protocol.cipher().key_len()
    }

    fn answer(&mut self, apdu: &[u8]) -> Vec<u8> {
        const OK: [u8; 2] = [0x90, 0x00];
        let oid = self.info.protocol.oid();
        if apdu.starts_with(&hex!("0022C1A4")) {
            let data = [
                &[0x80, oid.len() as u8][..],
                &oid,
                &[
                    0x83,
                    1,
                    self.reference,
                    0x84,
                    1,
                    self.info.curve.parameter_id(),
                ],
            ]
            .concat();
            assert_eq!(
                apdu,
                [&hex!("0022C1A4")[..], &[data.len() as u8], &data].concat()
            );
            self.step = 1;
            return match self.pin_tries {
                Some(0) => hex!("6983").to_vec(),
                Some(n) if n < 3 => vec![0x63, 0xC0 | n],
                _ => OK.to_vec(),
            };
        }
        match self.step {
            1 => {
                assert_eq!(apdu, hex!("10860000 02 7C00 00"), "GA 1");
                self.k_pi = chip_kdf(&self.pi, 3, self.key_len());
                self.z = chip_aes_ecb(&self.k_pi, &self.s);
                self.step = 2;
                [&hex!("7C12 8010")[..], &self.z, &OK].concat()
            }
            2 => {
                assert_eq!(apdu[..9], hex!("10860000 45 7C43 8141"), "GA 2");
                assert_eq!(apdu.len(), 9 + 65 + 1);
                assert_eq!(apdu[74], 0, "GA 2 Le");
                let pcd = &apdu[9..74];
                self.pcd_map = Some(pcd.to_vec());
                let Some(pcd) = chip_point::<C>(pcd) else {
                    self.step = 0;
                    return hex!("6A80").to_vec();
                };
                let mut repr = elliptic_curve::FieldBytes::<C>::default();
                repr[16..].copy_from_slice(&self.s);
                let s = Option::<Scalar<C>>::from(Scalar::<C>::from_repr(repr)).unwrap();
                let g = ProjectivePoint::<C>::GENERATOR * s
                    + ProjectivePoint::<C>::from(pcd) * self.map_key;
                self.mapped = Some(g.to_affine());
                self.step = 3;
                let pk = (ProjectivePoint::<C>::GENERATOR * self.map_key).to_affine();
                [&hex!("7C43 8241")[..], &point_bytes::<C>(&pk), &OK].concat()
            }
            3 => {
                assert_eq!(apdu[..9], hex!("10860000 45 7C43 8341"), "GA 3");
                assert_eq!(apdu.len(), 75);
                assert_eq!(apdu[74], 0, "GA 3 Le");
                let pcd_bytes = apdu[9..74].to_vec();
                let g = ProjectivePoint::<C>::from(self.mapped.unwrap());
                let own = point_bytes::<C>(&(g * self.eph_key).to_affine());
                let Some(pcd) = chip_point::<C>(&pcd_bytes).filter(|_| pcd_bytes != own) else {
                    self.step = 0;
                    return hex!("6A80").to_vec();
                };
                self.shared = (ProjectivePoint::<C>::from(pcd) * self.eph_key)
                    .to_affine()
                    .x()
                    .to_vec();
                self.ks_mac = chip_kdf(&self.shared, 2, self.key_len());
                self.pcd_eph = Some(pcd_bytes);
                self.picc_eph = Some(own.clone());
                self.step = 4;
                [&hex!("7C43 8441")[..], &own, &OK].concat()
            }
            4 => {
                assert_eq!(apdu[..9], hex!("00860000 0C 7C0A 8508"), "GA 4");
                assert_eq!(apdu.len(), 18);
                assert_eq!(apdu[17], 0, "GA 4 Le");
                let received = apdu[9..17].to_vec();
                self.t_pcd = Some(received.clone());
                let token_input = |point: &[u8]| {
                    let inner = [&[0x06, oid.len() as u8][..], &oid, &[0x86, 65], point].concat();
                    [&[0x7F, 0x49, inner.len() as u8][..], &inner].concat()
                };
                let expected =
                    chip_cmac8(&self.ks_mac, &token_input(self.picc_eph.as_ref().unwrap()));
                self.step = 0;
                if expected[..] != received[..] {
                    return match self.pin_tries.as_mut() {
                        None => hex!("6300").to_vec(),
                        Some(n) => {
                            *n -= 1;
                            if *n == 0 {
                                hex!("6983").to_vec()
                            } else {
                                vec![0x63, 0xC0 | *n]
                            }
                        }
                    };
                }
                if let Some(n) = self.pin_tries.as_mut() {
                    *n = 3;
                }
                let t_picc = chip_cmac8(&self.ks_mac, &token_input(self.pcd_eph.as_ref().unwrap()));
                self.t_picc = Some(t_picc);
                [&hex!("7C0A 8608")[..], &t_picc, &OK].concat()
            }
            _ => hex!("6985").to_vec(),
        }
    }
}

impl<C: PrimeCurveParams> CardTransport for FakeChip<C> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let n = self.apdus;
        self.apdus += 1;
        if let Some((at, e)) = &self.fail_at
            && *at == n
        {
            return Err(e.clone());
        }
        let answer = self.answer(command);
        Ok(match self.tamper.as_mut() {
            Some(t) => t(n, command, answer),
            None => answer,
        })
    }
}

fn bp128() -> PaceInfo {
    PaceInfo {
        protocol: PaceProtocol::EcdhGm(PaceCipher::Aes128),
        curve: PaceCurve::BrainpoolP256r1,
    }
}

/// The vector's chip: its keys and nonce, any password.
fn vector_chip(pi: &[u8], reference: u8) -> FakeChip<Bp> {
    FakeChip::new(
        pi,
        reference,
        bp128(),
        vector::S,
        &vector::PICC_MAP,
        &vector::PICC_EPH,
    )
}

/// The terminal's two private keys of the vector, in order.
fn vector_randomness() -> impl FnMut() -> Result<Zeroizing<[u8; 32]>, PaceError> {
    let mut keys = vec![vector::PCD_EPH, vector::PCD_MAP];
    move || Ok(Zeroizing::new(keys.pop().expect("only two keys are drawn")))
}

fn can(digits: &str) -> PacePassword {
    PacePassword::can(digits).unwrap()
}

/// Two sessions have the same keys when they protect a command identically.
fn same_keys(a: &mut SecureMessaging, b: &mut SecureMessaging) -> bool {
    let c = Command::new(0, 0xB0, 0, 0).with_data(*b"probe").with_le(16);
    a.protect(&c).unwrap() == b.protect(&c).unwrap()
}

#[test]
fn replays_the_published_vector() {
    let k = vector::K;
    assert_eq!(Sha1::digest(vector::MRZ.as_bytes())[..], k, "K");
    let mut chip = vector_chip(&k, 1);
    let mut rng = vector_randomness();
    let mut sm = establish_with(&mut chip, &bp128(), &k, PasswordRef::Mrz, &mut rng)
        .expect("PACE with the vector's values");

    // The chip's side of every value.
    assert_eq!(chip.k_pi, vector::K_PI, "K_pi");
    assert_eq!(chip.z, vector::Z, "z");
    let g = chip.mapped.unwrap();
    assert_eq!(g.x()[..], vector::G_X, "G' x");
    assert_eq!(g.y()[..], vector::G_Y, "G' y");
    assert_eq!(chip.shared, vector::SHARED, "K");
    assert_eq!(chip.ks_mac, vector::KS_MAC, "KS_mac");
    assert_eq!(
        chip.t_picc.unwrap(),
        vector::T_PICC,
        "T_PICC sent and accepted"
    );

    // The terminal's: its mapping key on G, its ephemeral key on the
    // vector's G' (so its s and mapping were right), its token.
    let g_vec =
        AffinePoint::<Bp>::from_coordinates(&vector::G_X.into(), &vector::G_Y.into()).unwrap();
    let pcd_map = ProjectivePoint::<Bp>::GENERATOR * scalar::<Bp>(&vector::PCD_MAP);
    assert_eq!(
        chip.pcd_map.unwrap(),
        point_bytes::<Bp>(&pcd_map.to_affine())
    );
    let pcd_eph = ProjectivePoint::<Bp>::from(g_vec) * scalar::<Bp>(&vector::PCD_EPH);
    assert_eq!(
        chip.pcd_eph.unwrap(),
        point_bytes::<Bp>(&pcd_eph.to_affine())
    );
    assert_eq!(chip.t_pcd.unwrap(), vector::T_PCD, "T_PCD sent");
    // KS_enc and KS_mac of the session, and SSC 0.
    assert_eq!(sm.ssc(), 0);
    let mut expected = SecureMessaging::new(PaceCipher::Aes128, &vector::KS_ENC, &vector::KS_MAC);
    assert!(same_keys(&mut sm, &mut expected), "KS_enc, KS_mac");
    assert_eq!(chip.apdus, 5);
}

#[test]
fn can_round_trips_on_every_supported_variant() {
    for (cipher, curve) in [
        (PaceCipher::Aes128, PaceCurve::BrainpoolP256r1),
        (PaceCipher::Aes192, PaceCurve::BrainpoolP256r1),
        (PaceCipher::Aes256, PaceCurve::BrainpoolP256r1),
        (PaceCipher::Aes128, PaceCurve::NistP256),
        (PaceCipher::Aes256, PaceCurve::NistP256),
    ] {
        let info = PaceInfo {
            protocol: PaceProtocol::EcdhGm(cipher),
            curve,
        };
        let mut sm = match curve {
            PaceCurve::BrainpoolP256r1 => {
                let mut chip = FakeChip::<Bp>::random(b"123456", 2, info);
                let sm = establish(&mut chip, &info, &can("123456")).unwrap();
                let ks_enc = chip_kdf(&chip.shared, 1, cipher.key_len());
                (sm, SecureMessaging::new(cipher, &ks_enc, &chip.ks_mac))
            }
            PaceCurve::NistP256 => {
                let mut chip = FakeChip::<NistP256>::random(b"123456", 2, info);
                let sm = establish(&mut chip, &info, &can("123456")).unwrap();
                let ks_enc = chip_kdf(&chip.shared, 1, cipher.key_len());
                (sm, SecureMessaging::new(cipher, &ks_enc, &chip.ks_mac))
            }
        };
        assert_eq!(sm.0.cipher(), cipher);
        assert!(same_keys(&mut sm.0, &mut sm.1), "{cipher:?} {curve:?}");
    }
}

#[test]
fn a_pin_works_too() {
    let mut chip = FakeChip::<Bp>::random(b"1234", 3, bp128());
    establish(&mut chip, &bp128(), &PacePassword::pin("1234").unwrap()).unwrap();
}

#[test]
fn wrong_can() {
    let mut chip = vector_chip(b"123456", 2);
    let err = establish(&mut chip, &bp128(), &can("654321")).unwrap_err();
    assert_eq!(err, PaceError::WrongCan);
    assert_eq!(chip.apdus, 5);
    assert!(err.to_string().contains("CAN"));
}

#[test]
fn wrong_pin_counts_down_then_blocks() {
    let mut chip = FakeChip::<Bp>::random(b"1234", 3, bp128());
    let wrong = PacePassword::pin("9999").unwrap();
    assert_eq!(
        establish(&mut chip, &bp128(), &wrong).err(),
        Some(PaceError::WrongPin { tries_left: 2 })
    );
    assert_eq!(
        establish(&mut chip, &bp128(), &wrong).err(),
        Some(PaceError::WrongPin { tries_left: 1 })
    );
    // 63C1 at MSE:SET AT is a warning, not a refusal: PACE runs, and fails at GA 4.
    assert_eq!(
        establish(&mut chip, &bp128(), &wrong).err(),
        Some(PaceError::PinBlocked)
    );
    // Blocked: 6983 already at MSE:SET AT.
    let right = PacePassword::pin("1234").unwrap();
    assert_eq!(
        establish(&mut chip, &bp128(), &right).err(),
        Some(PaceError::PinBlocked)
    );
}

#[test]
fn pin_status_words_at_ga4() {
    for (sw, expected) in [
        (hex!("63C1"), PaceError::WrongPin { tries_left: 1 }),
        (hex!("63C0"), PaceError::PinBlocked),
        (hex!("6983"), PaceError::PinBlocked),
        (hex!("6300"), PaceError::Card(StatusWord(0x6300))),
    ] {
        let mut chip = FakeChip::<Bp>::random(b"1234", 3, bp128());
        chip.tamper = Some(Box::new(
            move |n, _, a| if n == 4 { sw.to_vec() } else { a },
        ));
        let got = establish(&mut chip, &bp128(), &PacePassword::pin("1234").unwrap());
        assert_eq!(got.err(), Some(expected));
    }
}

fn tampered(
    at: usize,
    f: impl FnMut(&[u8], Vec<u8>) -> Vec<u8> + Send + 'static,
) -> Result<SecureMessaging, PaceError> {
    let mut chip = vector_chip(b"123456", 2);
    let mut f = f;
    chip.tamper = Some(Box::new(move |n, c, a| if n == at { f(c, a) } else { a }));
    establish(&mut chip, &bp128(), &can("123456"))
}

#[test]
fn a_wrong_chip_token_ends_the_session() {
    let err = tampered(4, |_, mut a| {
        a[6] ^= 0x01;
        a
    })
    .unwrap_err();
    assert_eq!(err, PaceError::ChipAuthenticationFailed);
    // A missing or short token is malformed, not a pass.
    assert!(matches!(
        tampered(4, |_, _| hex!("7C00 9000").to_vec()),
        Err(PaceError::Malformed(_))
    ));
    assert!(matches!(
        tampered(4, |_, _| hex!("7C09 8607 01020304050607 9000").to_vec()),
        Err(PaceError::Malformed(_))
    ));
}

#[test]
fn invalid_points_are_refused() {
    for at in [2, 3] {
        // Off the curve: y + 1.
        let err = tampered(at, |_, mut a| {
            a[4 + 64] ^= 1;
            a
        })
        .unwrap_err();
        assert_eq!(err, PaceError::InvalidPoint, "GA {at}");
        // Compressed form.
        let err = tampered(at, |_, mut a| {
            a[4] = 2;
            a
        })
        .unwrap_err();
        assert_eq!(err, PaceError::InvalidPoint, "GA {at}");
        // (0, 0), the conventional encoding of infinity.
        let err = tampered(at, |_, mut a| {
            a[5..69].fill(0);
            a
        })
        .unwrap_err();
        assert_eq!(err, PaceError::InvalidPoint, "GA {at}");
    }
}

#[test]
fn a_reflected_ephemeral_key_is_refused() {
    let err = tampered(3, |command, mut a| {
        a[4..69].copy_from_slice(&command[9..74]);
        a
    })
    .unwrap_err();
    assert_eq!(err, PaceError::InvalidPoint);
}

#[test]
fn truncated_answers_are_malformed() {
    for at in 1..=4 {
        for keep in 0..=70 {
            let r = tampered(at, move |_, a| {
                let data = &a[..a.len() - 2];
                let cut = keep.min(data.len().saturating_sub(1));
                [&data[..cut], &hex!("9000")[..]].concat()
            });
            assert!(
                matches!(r, Err(PaceError::Malformed(_))),
                "GA {at} cut to {keep}: {r:?}"
            );
        }
        // Extra bytes after the template.
        let r = tampered(at, |_, a| {
            let data = &a[..a.len() - 2];
            [data, &hex!("00 9000")[..]].concat()
        });
        assert!(
            matches!(r, Err(PaceError::Malformed(_))),
            "GA {at} trailing"
        );
        // A one-byte answer (no status word).
        let r = tampered(at, |_, _| vec![0x90]);
        assert!(matches!(r, Err(PaceError::Malformed(_))), "GA {at} short");
    }
}

#[test]
fn a_lost_tag_at_every_apdu_is_reported_as_such() {
    for at in 0..5 {
        let mut chip = vector_chip(b"123456", 2);
        chip.fail_at = Some((at, TransportError::TagLost));
        let err = establish(&mut chip, &bp128(), &can("123456")).unwrap_err();
        assert_eq!(
            err,
            PaceError::Transport(TransportError::TagLost),
            "APDU {at}"
        );
        assert_eq!(chip.apdus, at + 1, "nothing is sent after the loss");
    }
    let mut chip = vector_chip(b"123456", 2);
    chip.fail_at = Some((2, TransportError::Timeout));
    assert_eq!(
        establish(&mut chip, &bp128(), &can("123456")).unwrap_err(),
        PaceError::Transport(TransportError::Timeout)
    );
}

#[test]
fn other_status_words_are_reported() {
    for at in 0..5 {
        let err = tampered(at, |_, _| hex!("6A80").to_vec()).unwrap_err();
        assert_eq!(err, PaceError::Card(StatusWord(0x6A80)), "APDU {at}");
        assert_eq!(
            err.to_string(),
            "the card refused PACE with status word 6A80"
        );
    }
}

#[test]
fn passwords_are_checked_and_never_printed() {
    assert!(PacePassword::can("123456").is_ok());
    assert!(PacePassword::can(" 123456\n").is_ok());
    for bad in ["12345", "1234567", "12a456", "", "１２３４５６"] {
        assert!(
            matches!(PacePassword::can(bad), Err(PaceError::BadPassword(_))),
            "{bad:?}"
        );
    }
    assert!(PacePassword::pin("1234").is_ok());
    assert!(PacePassword::pin("123456789012").is_ok());
    for bad in ["123", "1234567890123", "12 4"] {
        assert!(
            matches!(PacePassword::pin(bad), Err(PaceError::BadPassword(_))),
            "{bad:?}"
        );
    }
    let p = can("918273");
    assert_eq!(format!("{p:?}"), "PacePassword::Can(redacted)");
    // A variant built by hand is checked before anything is sent.
    let mut chip = vector_chip(b"123456", 2);
    let raw = PacePassword::Can(Zeroizing::new("12x456".into()));
    assert!(matches!(
        establish(&mut chip, &bp128(), &raw),
        Err(PaceError::BadPassword(_))
    ));
    assert_eq!(chip.apdus, 0);
}

/// A card that answers whatever proptest gives it.
struct Scripted(Vec<Vec<u8>>);

impl CardTransport for Scripted {
    fn transmit(&mut self, _: &[u8]) -> Result<Vec<u8>, TransportError> {
        if self.0.is_empty() {
            return Err(TransportError::TagLost);
        }
        Ok(self.0.remove(0))
    }
}

proptest! {
    #[test]
    fn random_answers_never_panic(
        answers in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..80), 0..6),
        p256 in any::<bool>(),
    ) {
        let info = PaceInfo {
            protocol: PaceProtocol::EcdhGm(PaceCipher::Aes128),
            curve: if p256 { PaceCurve::NistP256 } else { PaceCurve::BrainpoolP256r1 },
        };
        let r = establish(&mut Scripted(answers), &info, &can("123456"));
        // Random answers cannot carry a valid chip token.
        prop_assert!(r.is_err());
    }

    #[test]
    fn random_templates_never_panic(
        payloads in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..80), 4),
        tags in proptest::collection::vec(prop_oneof![Just(0x80u8), Just(0x82), Just(0x84), Just(0x86), any::<u8>()], 4),
    ) {
        // Well-framed 7C answers with random contents, after a 9000 to MSE:SET AT.
        let mut answers = vec![hex!("9000").to_vec()];
        for (tag, p) in tags.iter().zip(&payloads) {
            let inner = crate::tlv::encode(*tag as u32, p);
            answers.push([crate::tlv::encode(0x7C, &inner), hex!("9000").to_vec()].concat());
        }
        let r = establish(&mut Scripted(answers), &bp128(), &can("123456"));
        prop_assert!(r.is_err());
    }
}
