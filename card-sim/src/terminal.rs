//! A minimal terminal for `qoltanba-ref-1`: PACE and secure messaging from
//! the reader's side, written here for this crate's tests and for demos
//! that script the simulator. The product's terminal is `qoltanba-core`'s
//! card stack; the workspace end-to-end tests run that one against this
//! card, so a misreading shared by this file and `sm.rs`/`pace.rs` would
//! still be caught there (and by the ICAO vector test).

use crate::apdu::{Command, status_of, tlv};
use crate::crypto;
use crate::pace::{PaceCurve, PaceSuite, SystemRandom, auth_token, random_scalar_bytes};
use crate::sm::SessionKeys;
use elliptic_curve::sec1::{FromSec1Point, ModulusSize, ToSec1Point};
use elliptic_curve::{
    CurveArithmetic, FieldBytesSize, Group, PrimeField, point::AffineCoordinates,
};
use elliptic_curve::{CurveGroup, FieldBytes};
use subtle::ConstantTimeEq;

/// Password references of MSE:SET AT.
pub const PASSWORD_CAN: u8 = 0x02;
/// The PIN as PACE password.
pub const PASSWORD_PIN: u8 = 0x03;

/// Why the terminal gave up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TerminalError {
    /// The card answered this status word.
    #[error("card answered {0:04X}")]
    Status(u16),
    /// The answer was malformed or did not authenticate.
    #[error("bad answer: {0}")]
    Bad(&'static str),
}

/// Secure messaging, terminal side.
#[derive(Debug)]
pub struct TerminalSm {
    keys: SessionKeys,
    ssc: u128,
}

impl TerminalSm {
    /// After PACE: SSC zero.
    pub fn new(keys: SessionKeys) -> Self {
        TerminalSm { keys, ssc: 0 }
    }

    /// Protect a plain command APDU.
    pub fn wrap(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TerminalError> {
        let cmd = Command::parse(apdu).map_err(TerminalError::Status)?;
        self.ssc += 1;
        let cla = cmd.cla | 0x0C;
        let mut dos = Vec::new();
        if !cmd.data.is_empty() {
            let iv = crypto::encrypt_block(&self.keys.k_enc, &self.ssc.to_be_bytes())
                .map_err(|_| TerminalError::Bad("key"))?;
            let ct = crypto::cbc_encrypt_padded(&self.keys.k_enc, &iv, &cmd.data)
                .map_err(|_| TerminalError::Bad("key"))?;
            let mut v = vec![0x01];
            v.extend_from_slice(&ct);
            dos.extend_from_slice(&tlv::encode(0x87, &v));
        }
        if let Some(le) = cmd.le {
            let v = match (le, cmd.extended) {
                (256, false) => vec![0x00],
                (65536, _) => vec![0x00, 0x00],
                (n, true) => (n as u16).to_be_bytes().to_vec(),
                (n, false) => vec![n as u8],
            };
            dos.extend_from_slice(&tlv::encode(0x97, &v));
        }
        let mut input = self.ssc.to_be_bytes().to_vec();
        input.extend_from_slice(&crypto::pad(&[cla, cmd.ins, cmd.p1, cmd.p2]));
        input.extend_from_slice(&dos);
        let mac = crypto::cmac8(&self.keys.k_mac, &crypto::pad(&input))
            .map_err(|_| TerminalError::Bad("key"))?;
        dos.extend_from_slice(&tlv::encode(0x8E, &mac));
        let mut out = vec![cla, cmd.ins, cmd.p1, cmd.p2];
        if cmd.extended || dos.len() > 255 {
            out.push(0);
            out.extend_from_slice(&(dos.len() as u16).to_be_bytes());
            out.extend_from_slice(&dos);
            out.extend_from_slice(&[0, 0]);
        } else {
            out.push(dos.len() as u8);
            out.extend_from_slice(&dos);
            out.push(0);
        }
        Ok(out)
    }

    /// Check and decrypt a protected response: (data, SW from DO99).
    pub fn unwrap(&mut self, response: &[u8]) -> Result<(Vec<u8>, u16), TerminalError> {
        self.ssc += 1;
        if response.len() < 2 {
            return Err(TerminalError::Bad("short"));
        }
        let body = &response[..response.len() - 2];
        let items = tlv::read_all(body).ok_or(TerminalError::Bad("TLV"))?;
        let mac = tlv::find(&items, 0x8E).ok_or(TerminalError::Status(status_of(response)))?;
        let mac_at = body
            .len()
            .checked_sub(10)
            .ok_or(TerminalError::Bad("short"))?;
        let mut input = self.ssc.to_be_bytes().to_vec();
        input.extend_from_slice(&body[..mac_at]);
        let expected = crypto::cmac8(&self.keys.k_mac, &crypto::pad(&input))
            .map_err(|_| TerminalError::Bad("key"))?;
        if !bool::from(expected.ct_eq(mac)) {
            return Err(TerminalError::Bad("response MAC"));
        }
        let sw = match tlv::find(&items, 0x99) {
            Some([a, b]) => u16::from_be_bytes([*a, *b]),
            _ => return Err(TerminalError::Bad("DO99")),
        };
        let data = match tlv::find(&items, 0x87) {
            None => Vec::new(),
            Some([0x01, ct @ ..]) => {
                let iv = crypto::encrypt_block(&self.keys.k_enc, &self.ssc.to_be_bytes())
                    .map_err(|_| TerminalError::Bad("key"))?;
                crypto::cbc_decrypt_padded(&self.keys.k_enc, &iv, ct)
                    .map_err(|_| TerminalError::Bad("key"))?
                    .ok_or(TerminalError::Bad("padding"))?
                    .to_vec()
            }
            Some(_) => return Err(TerminalError::Bad("DO87")),
        };
        Ok((data, sw))
    }
}

/// Run PACE with `secret` (ASCII CAN or PIN) over `exchange` (one APDU in,
/// the card's answer out). `Err(Status(sw))` carries the card's refusal.
pub fn pace(
    exchange: &mut dyn FnMut(&[u8]) -> Vec<u8>,
    suite: PaceSuite,
    password_ref: u8,
    secret: &str,
) -> Result<TerminalSm, TerminalError> {
    match suite.curve {
        PaceCurve::BrainpoolP256r1 => {
            pace_on::<bp256::BrainpoolP256r1>(exchange, suite, password_ref, secret)
        }
        PaceCurve::NistP256 => pace_on::<p256::NistP256>(exchange, suite, password_ref, secret),
    }
}

fn ga(
    exchange: &mut dyn FnMut(&[u8]) -> Vec<u8>,
    last: bool,
    tag: u16,
    value: &[u8],
    answer_tag: u16,
) -> Result<Vec<u8>, TerminalError> {
    let inner = if value.is_empty() && tag == 0 {
        Vec::new()
    } else {
        tlv::encode(tag, value)
    };
    let data = tlv::encode(0x7C, &inner);
    let mut apdu = vec![if last { 0x00 } else { 0x10 }, 0x86, 0, 0, data.len() as u8];
    apdu.extend_from_slice(&data);
    apdu.push(0);
    let resp = exchange(&apdu);
    let sw = status_of(&resp);
    if sw != 0x9000 {
        return Err(TerminalError::Status(sw));
    }
    match tlv::read(&resp[..resp.len() - 2]) {
        Some((0x7C, inner, [])) => match tlv::read(inner) {
            Some((t, v, [])) if t == answer_tag => Ok(v.to_vec()),
            _ => Err(TerminalError::Bad("GA answer")),
        },
        _ => Err(TerminalError::Bad("GA answer")),
    }
}

fn pace_on<C>(
    exchange: &mut dyn FnMut(&[u8]) -> Vec<u8>,
    suite: PaceSuite,
    password_ref: u8,
    secret: &str,
) -> Result<TerminalSm, TerminalError>
where
    C: CurveArithmetic,
    C::AffinePoint: FromSec1Point<C> + ToSec1Point<C>,
    FieldBytesSize<C>: ModulusSize,
{
    use crate::pace::{decode_point, encode_point, scalar};
    let mut mse = vec![0x80, 0x0A];
    mse.extend_from_slice(&suite.oid());
    mse.extend_from_slice(&[
        0x83,
        0x01,
        password_ref,
        0x84,
        0x01,
        suite.curve.parameter_id(),
    ]);
    let mut apdu = vec![0x00, 0x22, 0xC1, 0xA4, mse.len() as u8];
    apdu.extend_from_slice(&mse);
    let mut sw = status_of(&exchange(&apdu));
    if matches!(sw, 0x6987 | 0x6988) {
        // The card was still in an earlier session, which this plain
        // command ended (docs/card-profile.md): once more.
        sw = status_of(&exchange(&apdu));
    }
    if sw != 0x9000 && sw & 0xFFF0 != 0x63C0 {
        return Err(TerminalError::Status(sw));
    }
    let k_pi = crypto::k_pi(secret.as_bytes(), suite.aes);
    let z = ga(exchange, false, 0, &[], 0x80)?;
    let z: [u8; 16] = z.try_into().map_err(|_| TerminalError::Bad("nonce"))?;
    let s16 = crypto::decrypt_block(&k_pi, &z).map_err(|_| TerminalError::Bad("key"))?;
    let mut s = [0u8; 32];
    s[16..].copy_from_slice(&s16);
    let bad = || TerminalError::Bad("point");
    let mut rng = SystemRandom;
    let d_map = random_scalar_bytes(suite.curve, &mut rng).map_err(|_| bad())?;
    let d_map = scalar::<C>(&d_map).ok_or_else(bad)?;
    let g = C::ProjectivePoint::generator();
    let pk_map_picc = ga(
        exchange,
        false,
        0x81,
        &encode_point::<C>(&(g * d_map)),
        0x82,
    )?;
    let h = decode_point::<C>(&pk_map_picc).ok_or_else(bad)? * d_map;
    let s = {
        let mut repr = FieldBytes::<C>::default();
        repr.copy_from_slice(&s);
        Option::<C::Scalar>::from(C::Scalar::from_repr(repr)).ok_or_else(bad)?
    };
    let g_prime = g * s + h;
    let d_eph = random_scalar_bytes(suite.curve, &mut rng).map_err(|_| bad())?;
    let d_eph = scalar::<C>(&d_eph).ok_or_else(bad)?;
    let pk_eph = encode_point::<C>(&(g_prime * d_eph));
    let pk_eph_picc = ga(exchange, false, 0x83, &pk_eph, 0x84)?;
    let shared = (decode_point::<C>(&pk_eph_picc).ok_or_else(bad)? * d_eph).to_affine();
    let k = shared.x();
    let keys = SessionKeys {
        k_enc: crypto::kdf(&k, 1, suite.aes),
        k_mac: crypto::kdf(&k, 2, suite.aes),
    };
    let t_pcd = auth_token(&keys.k_mac, &suite.oid(), &pk_eph_picc).map_err(|_| bad())?;
    let t_picc = ga(exchange, true, 0x85, &t_pcd, 0x86)?;
    let expected = auth_token(&keys.k_mac, &suite.oid(), &pk_eph).map_err(|_| bad())?;
    if t_picc != expected {
        return Err(TerminalError::Bad("T_PICC"));
    }
    Ok(TerminalSm::new(keys))
}
