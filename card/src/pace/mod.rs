//! PACE v2 with Generic Mapping, terminal side (ICAO 9303-11 §4.4, BSI
//! TR-03110-2 §3.2): proves to the card that the phone knows the CAN or PIN
//! and proves the card's knowledge of it back, without ever sending it, and
//! leaves both with AES session keys for secure messaging.
//!
//! The five plain APDUs are those of docs/card-profile.md ("PACE");
//! [`crypto`] holds the pure steps, [`info`] reads EF.CardAccess.

pub mod crypto;
pub mod info;

use std::fmt;

use elliptic_curve::Scalar;
use primeorder::{AffinePoint, PrimeCurveParams};
use zeroize::Zeroizing;

use super::apdu::{Command, Response, Status, StatusWord};
use super::sm::SecureMessaging;
use super::tlv;
use super::transport::{CardTransport, TransportError};
pub use crate::cipher::PaceCipher;
pub use info::{PaceCurve, PaceInfo, PaceProtocol, choose, parse_card_access};

/// Why PACE did not give a secure session. Messages say what the citizen
/// (or the developer) should do and never carry secrets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaceError {
    #[error("wrong CAN; check the 6 digits printed on the front of the card")]
    WrongCan,
    #[error("wrong PIN; {tries_left} {} left before the PIN is blocked", if *tries_left == 1 { "try" } else { "tries" })]
    WrongPin { tries_left: u8 },
    #[error("the PIN is blocked; unblock it with the PUK")]
    PinBlocked,
    #[error("the card offers no PACE variant qoltanba supports")]
    UnsupportedProtocol,
    #[error("the card does not offer PACE (no PACEInfo in EF.CardAccess)")]
    NoPaceInfo,
    #[error(
        "the card could not prove it knows the CAN: it is not the card the CAN belongs to, or someone interfered; the session has ended, try again"
    )]
    ChipAuthenticationFailed,
    #[error("the card sent an invalid public key; the session has ended, try again")]
    InvalidPoint,
    #[error("the card's PACE answer is malformed ({0}); try again, and report it if it repeats")]
    Malformed(String),
    #[error("the card refused PACE with status word {0}")]
    Card(StatusWord),
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error("{0}")]
    BadPassword(&'static str),
    #[error("the phone's random number generator failed; try again")]
    Random,
}

/// The PACE password: the CAN printed on the card or the PIN, as typed.
#[derive(Clone)]
pub enum PacePassword {
    Can(Zeroizing<String>),
    Pin(Zeroizing<String>),
}

impl PacePassword {
    /// A CAN: exactly 6 digits.
    pub fn can(digits: &str) -> Result<Self, PaceError> {
        let p = Self::Can(Zeroizing::new(digits.trim().to_owned()));
        p.validate()?;
        Ok(p)
    }

    /// A PIN: 4 to 12 digits.
    pub fn pin(digits: &str) -> Result<Self, PaceError> {
        let p = Self::Pin(Zeroizing::new(digits.trim().to_owned()));
        p.validate()?;
        Ok(p)
    }

    /// The variants are public, so [`establish`] checks again.
    pub fn validate(&self) -> Result<(), PaceError> {
        let (digits, ok, message) = match self {
            Self::Can(d) => (
                d,
                d.len() == 6,
                "the CAN must be the 6 digits printed on the card",
            ),
            Self::Pin(d) => (
                d,
                (4..=12).contains(&d.len()),
                "the PIN must be 4 to 12 digits",
            ),
        };
        if !ok || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PaceError::BadPassword(message));
        }
        Ok(())
    }

    fn reference(&self) -> PasswordRef {
        match self {
            Self::Can(_) => PasswordRef::Can,
            Self::Pin(_) => PasswordRef::Pin,
        }
    }

    /// π: the ASCII digits.
    fn bytes(&self) -> &[u8] {
        match self {
            Self::Can(d) | Self::Pin(d) => d.as_bytes(),
        }
    }
}

impl fmt::Debug for PacePassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Can(_) => f.write_str("PacePassword::Can(redacted)"),
            Self::Pin(_) => f.write_str("PacePassword::Pin(redacted)"),
        }
    }
}

/// The password reference of MSE:SET AT (tag 83).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PasswordRef {
    /// Passports only; the published vector uses it.
    #[cfg_attr(not(test), allow(dead_code))]
    Mrz = 1,
    Can = 2,
    Pin = 3,
}

/// Run PACE with `password` in the variant `info` (from
/// [`parse_card_access`] and [`choose`]) and return the secure-messaging
/// session (SSC 0).
pub fn establish(
    transport: &mut dyn CardTransport,
    info: &PaceInfo,
    password: &PacePassword,
) -> Result<SecureMessaging, PaceError> {
    password.validate()?;
    let mut rng = os_random;
    establish_with(
        transport,
        info,
        password.bytes(),
        password.reference(),
        &mut rng,
    )
}

/// 32 random bytes from the OS; rejected candidates are simply redrawn.
fn os_random() -> Result<Zeroizing<[u8; 32]>, PaceError> {
    let mut bytes = Zeroizing::new([0u8; 32]);
    getrandom::fill(bytes.as_mut_slice()).map_err(|_| PaceError::Random)?;
    Ok(bytes)
}

/// Private-key candidates: the OS in use, fixed values in the vector test.
type Randomness<'a> = dyn FnMut() -> Result<Zeroizing<[u8; 32]>, PaceError> + 'a;

fn establish_with(
    transport: &mut dyn CardTransport,
    info: &PaceInfo,
    password: &[u8],
    reference: PasswordRef,
    rng: &mut Randomness<'_>,
) -> Result<SecureMessaging, PaceError> {
    match info.curve {
        PaceCurve::BrainpoolP256r1 => {
            run::<bp256::BrainpoolP256r1>(transport, info, password, reference, rng)
        }
        PaceCurve::NistP256 => run::<p256::NistP256>(transport, info, password, reference, rng),
    }
}

/// A private key in 1..n-1 from the candidates `rng` gives.
fn random_scalar<C: PrimeCurveParams>(
    rng: &mut Randomness<'_>,
) -> Result<Zeroizing<Scalar<C>>, PaceError> {
    // brainpoolP256r1's order is about 0.66·2^256: a handful of draws at most.
    for _ in 0..64 {
        if let Some(s) = crypto::private_scalar::<C>(&*rng()?) {
            return Ok(s);
        }
    }
    Err(PaceError::Random)
}

fn run<C: PrimeCurveParams>(
    transport: &mut dyn CardTransport,
    info: &PaceInfo,
    password: &[u8],
    reference: PasswordRef,
    rng: &mut Randomness<'_>,
) -> Result<SecureMessaging, PaceError> {
    let cipher = info.protocol.cipher();
    let oid = info.protocol.oid();

    // MSE:SET AT.
    let mse = [
        tlv::encode(0x80, &oid),
        tlv::encode(0x83, &[reference as u8]),
        tlv::encode(0x84, &[info.curve.parameter_id()]),
    ]
    .concat();
    let r = send(
        transport,
        &Command::new(0x00, 0x22, 0xC1, 0xA4).with_data(mse),
    )?;
    match r.sw.status() {
        Status::Success => {}
        // The PIN's counter, reported before the attempt; PACE goes on.
        Status::TriesLeft(n) if reference == PasswordRef::Pin && n > 0 => {}
        _ => return Err(status_error(r.sw, reference)),
    }

    // GA 1: the encrypted nonce.
    let r = general_authenticate(transport, true, &[])?;
    let z = dynamic_data(&r, reference, 0x80, None)?;
    let k_pi = crypto::k_pi(password, cipher);
    let s = crypto::decrypt_nonce(&k_pi, z)?;
    drop(k_pi);

    // GA 2: map the nonce.
    let d_map = random_scalar::<C>(rng)?;
    let pk_map = crypto::public_key::<C>(&d_map, &AffinePoint::<C>::GENERATOR);
    let r = general_authenticate(
        transport,
        true,
        &tlv::encode(0x81, &crypto::encode_point::<C>(&pk_map)),
    )?;
    let chip_map =
        crypto::decode_point::<C>(dynamic_data(&r, reference, 0x82, Some(crypto::POINT_LEN))?)?;
    let mapped = crypto::map_generator::<C>(&s, &d_map, &chip_map)?;
    drop((s, d_map));

    // GA 3: key agreement on G'.
    let d_eph = random_scalar::<C>(rng)?;
    let pk_eph = crypto::encode_point::<C>(&crypto::public_key::<C>(&d_eph, &mapped));
    let r = general_authenticate(transport, true, &tlv::encode(0x83, &pk_eph))?;
    let chip_eph_bytes = dynamic_data(&r, reference, 0x84, Some(crypto::POINT_LEN))?.to_vec();
    let chip_eph = crypto::decode_point::<C>(&chip_eph_bytes)?;
    // A chip that reflects our key would share a secret with itself only.
    if chip_eph_bytes == pk_eph {
        return Err(PaceError::InvalidPoint);
    }
    let shared = crypto::shared_secret::<C>(&d_eph, &chip_eph)?;
    drop(d_eph);
    let ks_enc = crypto::kdf(&shared, 1, cipher);
    let ks_mac = crypto::kdf(&shared, 2, cipher);
    drop(shared);

    // GA 4: mutual authentication.
    let t_pcd = crypto::auth_token(&ks_mac, &oid, &chip_eph_bytes)?;
    let expected_t_picc = crypto::auth_token(&ks_mac, &oid, &pk_eph)?;
    let r = general_authenticate(transport, false, &tlv::encode(0x85, &t_pcd))?;
    let t_picc = dynamic_data(&r, reference, 0x86, Some(crypto::TOKEN_LEN))?;
    if !crypto::token_matches(&expected_t_picc, t_picc) {
        return Err(PaceError::ChipAuthenticationFailed);
    }
    Ok(SecureMessaging::new(cipher, &ks_enc, &ks_mac))
}

/// GENERAL AUTHENTICATE with `7C {inner}`, Le 00; chained for steps 1–3.
fn general_authenticate(
    transport: &mut dyn CardTransport,
    chained: bool,
    inner: &[u8],
) -> Result<Response, PaceError> {
    let cla = if chained { 0x10 } else { 0x00 };
    let command = Command::new(cla, 0x86, 0x00, 0x00)
        .with_data(tlv::encode(0x7C, inner))
        .with_le(256);
    send(transport, &command)
}

fn send(transport: &mut dyn CardTransport, command: &Command) -> Result<Response, PaceError> {
    let bytes = command
        .to_bytes()
        .map_err(|e| PaceError::Malformed(e.to_string()))?;
    let answer = transport.transmit(&bytes)?;
    Response::parse(&answer).map_err(|e| PaceError::Malformed(e.to_string()))
}

/// The value of `tag` in the card's `7C` answer, after the status word is
/// checked; exactly one `7C` object and, when given, exactly `len` bytes.
fn dynamic_data(
    r: &Response,
    reference: PasswordRef,
    tag: u32,
    len: Option<usize>,
) -> Result<&[u8], PaceError> {
    if !r.sw.is_success() {
        return Err(status_error(r.sw, reference));
    }
    let malformed = |e: tlv::TlvError| PaceError::Malformed(e.to_string());
    let (outer, rest) = tlv::parse_one(&r.data).map_err(malformed)?;
    if outer.tag != 0x7C || !rest.is_empty() {
        return Err(PaceError::Malformed(
            "the answer is not one dynamic authentication template (7C)".into(),
        ));
    }
    let inner = outer.children().map_err(malformed)?;
    let value = tlv::find(&inner, tag).map_err(malformed)?;
    if let Some(len) = len
        && value.len() != len
    {
        return Err(PaceError::Malformed(format!(
            "data object {tag:02X} has {} bytes, not {len}",
            value.len()
        )));
    }
    Ok(value)
}

/// The error for a status word other than 9000 during PACE.
fn status_error(sw: StatusWord, reference: PasswordRef) -> PaceError {
    match (sw.status(), reference) {
        (Status::AuthenticationFailed, PasswordRef::Can) => PaceError::WrongCan,
        (Status::TriesLeft(0), PasswordRef::Pin) | (Status::Blocked, PasswordRef::Pin) => {
            PaceError::PinBlocked
        }
        (Status::TriesLeft(n), PasswordRef::Pin) => PaceError::WrongPin { tries_left: n },
        _ => PaceError::Card(sw),
    }
}

impl qoltanba_l10n::Localize for PaceError {
    fn text(&self) -> qoltanba_l10n::Text {
        use qoltanba_l10n::Text;
        match self {
            Self::WrongCan => Text::new("error-card-wrong-can"),
            Self::WrongPin { tries_left } => {
                Text::new("error-card-wrong-pin").arg("tries", *tries_left)
            }
            Self::PinBlocked => Text::new("error-card-pin-blocked"),
            Self::UnsupportedProtocol => Text::new("error-card-pace-unsupported"),
            Self::NoPaceInfo => Text::new("error-card-no-pace"),
            Self::ChipAuthenticationFailed => Text::new("error-card-chip-authentication"),
            Self::InvalidPoint => Text::new("error-card-invalid-point"),
            Self::Malformed(detail) => Text::new("error-card-pace-malformed").arg("detail", detail),
            Self::Card(sw) => Text::new("error-card-pace-refused").arg("sw", sw.to_string()),
            Self::Transport(t) => t.text(),
            // The two messages of `PacePassword::validate`.
            Self::BadPassword(message) if message.contains("CAN") => {
                Text::new("error-card-secret-length")
                    .arg("kind", "CAN")
                    .arg("min", 0)
                    .arg("max", 6)
            }
            Self::BadPassword(_) => Text::new("error-card-secret-length")
                .arg("kind", "PIN")
                .arg("min", 4)
                .arg("max", 12),
            Self::Random => Text::new("error-random-failed"),
        }
    }
}

#[cfg(test)]
mod tests;
