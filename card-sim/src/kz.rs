//! `kz-idcard`, card side: the plain contact APDUs of NCA's key-slot test
//! utility (docs/card-profile.md, "kz-idcard"), with what the document marks
//! as assumed (`63Cx`/`6983` for wrong and blocked PINs, any DigestInfo
//! signed).
//!
//! Long answers (public key, signature) come back as T=0 cards give them:
//! `61xx`, then GET RESPONSE `00 C0 00 00 xx` hands out at most 256 bytes
//! at a time (`61 00` means 256 or more remain). Any other command drops
//! what was not fetched. The card is lenient where nothing was observed:
//! the DF need not be selected before key commands.

use crate::apdu::{Command, response, status, sw, tlv};
use crate::command::{Ctx, Work};
use crate::keys::{CardKey, KeyAlg};
use crate::state::{CardState, PIN_TRIES};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// The ATR: `3B 39 19 00` "SOMADS30" `00` (T0 = 39: TA1, TB1, nine
/// historical bytes, the ninth `00`; T=0 only, so no TCK).
pub const ATR: [u8; 13] = [
    0x3B, 0x39, 0x19, 0x00, 0x53, 0x4F, 0x4D, 0x41, 0x44, 0x53, 0x33, 0x30, 0x00,
];

/// State lost at reset or power off.
#[derive(Debug, Default)]
pub struct KzVolatile {
    pin_verified: bool,
    mse_slot: Option<u8>,
    pending: Vec<u8>,
}

impl KzVolatile {
    /// Whether the PIN is verified since the last reset.
    pub fn pin_verified(&self) -> bool {
        self.pin_verified
    }
}

/// The 8-byte PIN block: ASCII digits padded with `'0'`.
pub fn pin_block(pin: &str) -> Zeroizing<[u8; 8]> {
    let mut block = Zeroizing::new([b'0'; 8]);
    for (b, d) in block.iter_mut().zip(pin.bytes()) {
        *b = d;
    }
    block
}

/// Process one command APDU.
pub(crate) fn process(ctx: &mut Ctx<'_>, vol: &mut KzVolatile, raw: &[u8]) -> Vec<u8> {
    let cmd = match Command::parse(raw) {
        Ok(c) => c,
        Err(code) => {
            vol.pending.clear();
            return status(code);
        }
    };
    if cmd.cla != 0x00 {
        vol.pending.clear();
        return status(sw::CLA_NOT_SUPPORTED);
    }
    if cmd.ins == 0xC0 {
        return get_response(vol, &cmd);
    }
    vol.pending.clear();
    let (data, code) = match cmd.ins {
        0xA4 => select(&cmd),
        0x20 => verify(ctx, vol, &cmd),
        0x46 => generate(ctx, vol, &cmd),
        0xCB => read_public_key(ctx.state, &cmd),
        0x22 => mse(vol, &cmd),
        0x88 => sign(ctx, vol, &cmd),
        _ => (Vec::new(), sw::INS_NOT_SUPPORTED),
    };
    if data.is_empty() {
        return status(code);
    }
    // Long answers wait for GET RESPONSE.
    vol.pending = data;
    status(more_status(vol.pending.len()))
}

/// `61xx` for `n` bytes waiting (`61 00` = 256 or more).
fn more_status(n: usize) -> u16 {
    0x6100 | if n >= 256 { 0 } else { n as u16 }
}

fn get_response(vol: &mut KzVolatile, cmd: &Command) -> Vec<u8> {
    if vol.pending.is_empty() || (cmd.p1, cmd.p2) != (0, 0) {
        return status(sw::CONDITIONS_NOT_SATISFIED);
    }
    let n = cmd.le.unwrap_or(256).min(256).min(vol.pending.len());
    let chunk: Vec<u8> = vol.pending.drain(..n).collect();
    let code = if vol.pending.is_empty() {
        sw::OK
    } else {
        more_status(vol.pending.len())
    };
    response(&chunk, code)
}

type Answer = (Vec<u8>, u16);

fn select(cmd: &Command) -> Answer {
    match (cmd.p1, cmd.data.as_slice()) {
        (0x00, [0x3F, 0x00] | [0x01, 0x01]) => (Vec::new(), sw::OK),
        _ => (Vec::new(), sw::NOT_FOUND),
    }
}

fn verify(ctx: &mut Ctx<'_>, vol: &mut KzVolatile, cmd: &Command) -> Answer {
    if (cmd.p1, cmd.p2) != (0x00, 0x02) {
        return (Vec::new(), sw::REF_NOT_FOUND);
    }
    let state = &mut *ctx.state;
    if state.pin_tries == 0 {
        vol.pin_verified = false;
        return (Vec::new(), sw::BLOCKED);
    }
    if cmd.data.is_empty() {
        let code = if vol.pin_verified {
            sw::OK
        } else {
            sw::tries_left(state.pin_tries)
        };
        return (Vec::new(), code);
    }
    if cmd.data.len() != 8 {
        return (Vec::new(), sw::WRONG_LENGTH);
    }
    let expected = pin_block(state.pin.expose());
    if bool::from(expected.as_slice().ct_eq(&cmd.data)) {
        vol.pin_verified = true;
        if state.pin_tries != PIN_TRIES {
            state.pin_tries = PIN_TRIES;
            ctx.dirty = true;
        }
        (Vec::new(), sw::OK)
    } else {
        vol.pin_verified = false;
        state.pin_tries -= 1;
        ctx.dirty = true;
        (Vec::new(), sw::tries_left(state.pin_tries))
    }
}

fn generate(ctx: &mut Ctx<'_>, vol: &KzVolatile, cmd: &Command) -> Answer {
    let slot = match ((cmd.p1, cmd.p2), cmd.data.as_slice()) {
        ((0x02, 0x00), [0xA4, 0x03, 0x84, 0x01, slot]) => *slot,
        _ => return (Vec::new(), sw::WRONG_DATA),
    };
    if !ctx.state.profile.slots().contains(&slot) {
        return (Vec::new(), sw::COMMAND_NOT_ALLOWED);
    }
    if !vol.pin_verified {
        return (Vec::new(), sw::SECURITY_NOT_SATISFIED);
    }
    ctx.work.push(Work::RsaKeygen);
    // GENERATE erases the old key first: a failure leaves the slot empty.
    ctx.state.keys.remove(&slot);
    ctx.dirty = true;
    match crate::reference::install_new_key(ctx.state, slot, KeyAlg::Rsa2048) {
        Ok(_) => (Vec::new(), sw::OK),
        Err(_) => (Vec::new(), sw::INTERNAL),
    }
}

fn load_key(state: &CardState, slot: u8) -> Option<CardKey> {
    let key = state.keys.get(&slot)?;
    let der = Zeroizing::new(hex::decode(key.private_key.expose()).ok()?);
    CardKey::from_pkcs8(key.alg, &der).ok()
}

/// The answer to READ PUBLIC KEY: the 15-byte header of the profile
/// document, the modulus, `82 03 01 00 01`.
pub fn public_key_answer(slot: u8, modulus: &[u8]) -> Vec<u8> {
    let mut out = vec![
        0xFF,
        0xA0,
        slot & 0x0F,
        0x82,
        0x01,
        0x0D,
        0x7F,
        0x49,
        0x82,
        0x01,
        0x09,
        0x81,
        0x82,
        0x01,
        0x00,
    ];
    out.extend_from_slice(modulus);
    out.extend_from_slice(&[0x82, 0x03, 0x01, 0x00, 0x01]);
    out
}

fn read_public_key(state: &CardState, cmd: &Command) -> Answer {
    let slot = match ((cmd.p1, cmd.p2), cmd.data.as_slice()) {
        ((0x3F, 0xFF), [0x4D, _, 0xFF, 0xA0, n, ..]) if *n <= 0x0F => 0x80 | n,
        _ => return (Vec::new(), sw::WRONG_DATA),
    };
    if !state.profile.slots().contains(&slot) {
        return (Vec::new(), sw::NOT_FOUND);
    }
    match load_key(state, slot) {
        Some(key) => (public_key_answer(slot, &key.public_bytes()), sw::OK),
        None => (Vec::new(), sw::NOT_FOUND),
    }
}

fn mse(vol: &mut KzVolatile, cmd: &Command) -> Answer {
    if (cmd.p1, cmd.p2) != (0x41, 0xA4) {
        return (Vec::new(), sw::WRONG_DATA);
    }
    let Some(items) = tlv::read_all(&cmd.data) else {
        return (Vec::new(), sw::WRONG_DATA);
    };
    match tlv::find(&items, 0x84) {
        Some([slot]) => {
            vol.mse_slot = Some(*slot);
            (Vec::new(), sw::OK)
        }
        _ => (Vec::new(), sw::WRONG_DATA),
    }
}

fn sign(ctx: &mut Ctx<'_>, vol: &KzVolatile, cmd: &Command) -> Answer {
    if (cmd.p1, cmd.p2) != (0x02, 0x00) {
        return (Vec::new(), sw::WRONG_DATA);
    }
    if !vol.pin_verified {
        return (Vec::new(), sw::SECURITY_NOT_SATISFIED);
    }
    let Some(slot) = vol.mse_slot else {
        return (Vec::new(), sw::CONDITIONS_NOT_SATISFIED);
    };
    let Some(key) = load_key(ctx.state, slot) else {
        return (Vec::new(), sw::NOT_FOUND);
    };
    ctx.work.push(Work::RsaSign);
    match key.sign(&cmd.data) {
        Ok(sig) => (sig, sw::OK),
        Err(crate::keys::KeyError::Input) => (Vec::new(), sw::WRONG_DATA),
        Err(_) => (Vec::new(), sw::INTERNAL),
    }
}
