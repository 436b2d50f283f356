//! `qoltanba-ref-1`, card side: PACE, secure messaging and the key-slot
//! application, exactly as docs/card-profile.md specifies them, including
//! its "Rules for every command" and the answers its "Questions settled"
//! index lists (a plain command during secure messaging gets `6987` and ends
//! the session; `63C0` on the wrong try that uses up a counter, `6983`
//! after; READ BINARY at or past the end `6B00`; an answer longer than Ne
//! `6700` with nothing done; the application must be selected; malformed
//! PIN blocks `6A80` without costing a try; chaining only on PACE's
//! GENERAL AUTHENTICATE, `6884` elsewhere).

use crate::apdu::{Command, response, status, sw, tlv};
use crate::command::{Ctx, Work};
use crate::crypto;
use crate::keys::{CardKey, KeyAlg, certificate_matches};
use crate::pace::{PaceChip, PaceError};
use crate::sm::CardSm;
use crate::state::{CERT_FILE_LEN, CardState, PIN_TRIES, PUK_TRIES, Profile, REF_SLOTS};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// The application identifier: `F0` "QOLTANBA" `01`.
pub const AID: [u8; 10] = [0xF0, 0x51, 0x4F, 0x4C, 0x54, 0x41, 0x4E, 0x42, 0x41, 0x01];
/// Role `01`: login (INTERNAL AUTHENTICATE).
pub const ROLE_AUTH: u8 = 0x01;
/// Role `02`: signing (PSO:CDS).
pub const ROLE_SIGN: u8 = 0x02;

/// The contact ATR: `3B 8B 80 01` "QOLTANBA-R1" TCK.
pub fn atr() -> Vec<u8> {
    let mut atr = vec![0x3B, 0x8B, 0x80, 0x01];
    atr.extend_from_slice(b"QOLTANBA-R1");
    let tck = atr[1..].iter().fold(0u8, |a, b| a ^ b);
    atr.push(tck);
    atr
}

/// Which password a PACE run uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Password {
    Can,
    Pin,
}

/// State lost at reset or power off.
#[derive(Debug, Default)]
pub struct RefVolatile {
    pace: Option<(PaceChip, Password)>,
    sm: Option<CardSm>,
    pin_verified: bool,
    app_selected: bool,
    selected_file: Option<u8>,
    mse_at: Option<u8>,
    mse_dst: Option<u8>,
}

impl RefVolatile {
    /// Whether a secure-messaging session is open.
    pub fn sm_active(&self) -> bool {
        self.sm.is_some()
    }

    /// Whether the PIN is verified in this session.
    pub fn pin_verified(&self) -> bool {
        self.pin_verified
    }

    /// End the SM session and everything that lasts only as long.
    fn end_session(&mut self) {
        self.sm = None;
        self.pin_verified = false;
        self.app_selected = false;
        self.selected_file = None;
        self.mse_at = None;
        self.mse_dst = None;
    }
}

/// Process one command APDU.
pub(crate) fn process(ctx: &mut Ctx<'_>, vol: &mut RefVolatile, raw: &[u8]) -> Vec<u8> {
    let cmd = match Command::parse(raw) {
        Ok(c) => c,
        Err(code) => {
            // Answered in clear, so any session ends.
            vol.pace = None;
            vol.end_session();
            return status(code);
        }
    };
    let base = cmd.cla & !0x1C;
    if !(base == 0x00 || (base == 0x80 && cmd.ins == 0x44)) {
        vol.pace = None;
        vol.end_session();
        return status(sw::CLA_NOT_SUPPORTED);
    }
    if cmd.cla & 0x0C != 0 {
        vol.pace = None;
        let Some(sm) = vol.sm.as_mut() else {
            return status(sw::SECURITY_NOT_SATISFIED);
        };
        if cmd.cla & 0x0C != 0x0C {
            vol.end_session();
            return status(sw::SM_WRONG);
        }
        let inner = match sm.unwrap_command(&cmd) {
            Ok(inner) => inner,
            Err(code) => {
                vol.end_session();
                return status(code);
            }
        };
        let (data, code) = if inner.cla & 0x10 != 0 {
            // Chaining is PACE's alone; the session goes on.
            only(sw::CHAINING_NOT_SUPPORTED)
        } else {
            let (data, code) = application(ctx, vol, &inner);
            // Backstop of the Ne rule (commands that change state check
            // before they act).
            if data.len() > ne(&inner) {
                only(sw::WRONG_LENGTH)
            } else {
                (data, code)
            }
        };
        match vol.sm.as_mut() {
            Some(sm) => sm.wrap_response(&data, code),
            None => response(&data, code),
        }
    } else if vol.sm.is_some() {
        // A plain command inside a session is not executed: the session
        // ends and the terminal learns it in clear.
        vol.end_session();
        status(sw::SM_MISSING)
    } else if cmd.cla & 0x10 != 0 && cmd.ins != 0x86 {
        vol.pace = None;
        status(sw::CHAINING_NOT_SUPPORTED)
    } else {
        let (data, code) = plain(ctx, vol, &cmd);
        response(&data, code)
    }
}

/// Ne: the most response data the command allows (no Le: none).
fn ne(cmd: &Command) -> usize {
    cmd.le.unwrap_or(0)
}

type Answer = (Vec<u8>, u16);

fn only(code: u16) -> Answer {
    (Vec::new(), code)
}

fn suite(state: &CardState) -> crate::pace::PaceSuite {
    match state.profile {
        Profile::Reference { pace } => pace,
        Profile::KzIdCard { .. } => crate::pace::PaceSuite::default(),
    }
}

/// Commands without secure messaging: PACE and EF.CardAccess.
fn plain(ctx: &mut Ctx<'_>, vol: &mut RefVolatile, cmd: &Command) -> Answer {
    match (cmd.ins, cmd.p1, cmd.p2) {
        (0x22, 0xC1, 0xA4) => mse_set_at_pace(ctx, vol, cmd),
        (0x86, ..) => general_authenticate(ctx, vol, cmd),
        (0xB0, 0x9C, _) => {
            vol.pace = None;
            read_slice(&suite(ctx.state).card_access(), usize::from(cmd.p2), cmd.le)
        }
        (ins, ..) => {
            vol.pace = None;
            if is_known(ins) {
                only(sw::SECURITY_NOT_SATISFIED)
            } else {
                only(sw::INS_NOT_SUPPORTED)
            }
        }
    }
}

fn is_known(ins: u8) -> bool {
    matches!(
        ins,
        0xA4 | 0xB0 | 0xD6 | 0xCA | 0x20 | 0x24 | 0x2C | 0x22 | 0x88 | 0x2A | 0x46 | 0x44
    )
}

/// READ BINARY of `file` from `offset`: `min(Ne, rest)` bytes, `6282`
/// when fewer than Ne remain; `6B00` at or beyond the end; `6700` without
/// Le (Ne = 0 asks for nothing, which READ BINARY cannot answer).
fn read_slice(file: &[u8], offset: usize, le: Option<usize>) -> Answer {
    let Some(want) = le else {
        return only(sw::WRONG_LENGTH);
    };
    if offset >= file.len() {
        return only(sw::WRONG_OFFSET);
    }
    let end = file.len().min(offset.saturating_add(want));
    let code = if end - offset < want {
        sw::END_OF_FILE
    } else {
        sw::OK
    };
    (file[offset..end].to_vec(), code)
}

fn mse_set_at_pace(ctx: &mut Ctx<'_>, vol: &mut RefVolatile, cmd: &Command) -> Answer {
    vol.pace = None;
    let suite = suite(ctx.state);
    let Some(items) = tlv::read_all(&cmd.data) else {
        return only(sw::WRONG_DATA);
    };
    let oid_ok =
        tlv::find(&items, 0x80).and_then(crate::pace::PaceSuite::aes_of_oid) == Some(suite.aes);
    let param_ok = match tlv::find(&items, 0x84) {
        None => true,
        Some(p) => p == [suite.curve.parameter_id()],
    };
    let password = match tlv::find(&items, 0x83) {
        Some([0x02]) => Password::Can,
        Some([0x03]) => Password::Pin,
        _ => return only(sw::WRONG_DATA),
    };
    if !oid_ok || !param_ok {
        return only(sw::WRONG_DATA);
    }
    let secret = match password {
        Password::Can => ctx.state.can.clone(),
        Password::Pin => {
            if ctx.state.pin_tries == 0 {
                return only(sw::BLOCKED);
            }
            ctx.state.pin.clone()
        }
    };
    let k_pi = crypto::k_pi(secret.expose().as_bytes(), suite.aes);
    vol.pace = Some((PaceChip::new(suite, k_pi), password));
    if password == Password::Pin && ctx.state.pin_tries < PIN_TRIES {
        only(sw::tries_left(ctx.state.pin_tries))
    } else {
        only(sw::OK)
    }
}

fn general_authenticate(ctx: &mut Ctx<'_>, vol: &mut RefVolatile, cmd: &Command) -> Answer {
    let Some((mut chip, password)) = vol.pace.take() else {
        return only(sw::CONDITIONS_NOT_SATISFIED);
    };
    let inner = match tlv::read(&cmd.data) {
        Some((0x7C, inner, [])) if cmd.p1 == 0 && cmd.p2 == 0 => inner,
        _ => return only(sw::WRONG_DATA),
    };
    let step = if inner.is_empty() {
        None
    } else {
        match tlv::read(inner) {
            Some((tag, value, [])) => Some((tag, value)),
            _ => return only(sw::WRONG_DATA),
        }
    };
    // Steps 1 to 3 are chained (CLA 10), step 4 ends the chain (CLA 00);
    // the wrong bit is a step out of order. Ne must hold the step's answer.
    let (chained, answer_len) = match step.map(|(tag, _)| tag) {
        None => (true, 20),
        Some(0x81 | 0x83) => (true, 69),
        Some(0x85) => (false, 12),
        Some(_) => return only(sw::WRONG_DATA),
    };
    if (cmd.cla & 0x10 != 0) != chained {
        return only(sw::CONDITIONS_NOT_SATISFIED);
    }
    if ne(cmd) < answer_len {
        return only(sw::WRONG_LENGTH);
    }
    let result = match step {
        None => chip
            .encrypted_nonce(ctx.rng)
            .map(|z| tlv::encode(0x7C, &tlv::encode(0x80, &z))),
        Some((0x81, pk)) => {
            ctx.work.push(Work::PacePointMul(3));
            chip.map_nonce(pk, ctx.rng)
                .map(|pk| tlv::encode(0x7C, &tlv::encode(0x82, &pk)))
        }
        Some((0x83, pk)) => {
            ctx.work.push(Work::PacePointMul(2));
            chip.key_agreement(pk, ctx.rng)
                .map(|pk| tlv::encode(0x7C, &tlv::encode(0x84, &pk)))
        }
        Some((0x85, t_pcd)) => match chip.mutual_authenticate(t_pcd) {
            Ok((t_picc, keys)) => {
                vol.end_session();
                vol.sm = Some(CardSm::new(keys));
                if password == Password::Pin {
                    vol.pin_verified = true;
                    if ctx.state.pin_tries != PIN_TRIES {
                        ctx.state.pin_tries = PIN_TRIES;
                        ctx.dirty = true;
                    }
                }
                return (tlv::encode(0x7C, &tlv::encode(0x86, &t_picc)), sw::OK);
            }
            Err(e) => Err(e),
        },
        Some(_) => return only(sw::WRONG_DATA),
    };
    match result {
        Ok(data) => {
            vol.pace = Some((chip, password));
            (data, sw::OK)
        }
        Err(PaceError::BadToken) => match password {
            Password::Can => only(sw::WRONG_CAN),
            Password::Pin => {
                ctx.state.pin_tries = ctx.state.pin_tries.saturating_sub(1);
                ctx.dirty = true;
                only(sw::tries_left(ctx.state.pin_tries))
            }
        },
        Err(PaceError::BadPoint) => only(sw::WRONG_DATA),
        Err(PaceError::WrongStep) => only(sw::CONDITIONS_NOT_SATISFIED),
        Err(PaceError::Random) => only(sw::INTERNAL),
    }
}

/// Commands under secure messaging (the command is already unwrapped).
fn application(ctx: &mut Ctx<'_>, vol: &mut RefVolatile, cmd: &Command) -> Answer {
    let proprietary = cmd.cla & 0x80 != 0;
    // Everything but SELECT works on the selected application only.
    if !vol.app_selected && cmd.ins != 0xA4 && is_known(cmd.ins) {
        return only(sw::CONDITIONS_NOT_SATISFIED);
    }
    match cmd.ins {
        0x44 if proprietary => activate_keys(ctx, vol, cmd),
        _ if proprietary => only(sw::CLA_NOT_SUPPORTED),
        0xA4 => select(vol, cmd),
        0xB0 => read_binary(ctx, vol, cmd),
        0xD6 => update_binary(ctx, vol, cmd),
        0xCA => get_data(ctx, cmd),
        0x20 => verify(ctx, vol, cmd),
        0x24 => change_reference_data(ctx, vol, cmd),
        0x2C => reset_retry_counter(ctx, vol, cmd),
        0x22 => mse_set(ctx, vol, cmd),
        0x88 if cmd.p1 == 0 && cmd.p2 == 0 => sign(ctx, vol, cmd, vol.mse_at),
        0x2A if cmd.p1 == 0x9E && cmd.p2 == 0x9A => sign(ctx, vol, cmd, vol.mse_dst),
        0x88 | 0x2A => only(sw::WRONG_DATA),
        0x46 => match (cmd.p1, cmd.p2) {
            (0x00, 0x00) => generate(ctx, vol, cmd),
            (0x81, 0x00) => read_public_key(ctx, cmd),
            _ => only(sw::WRONG_DATA),
        },
        0x86 => only(sw::CONDITIONS_NOT_SATISFIED),
        _ => only(sw::INS_NOT_SUPPORTED),
    }
}

fn select(vol: &mut RefVolatile, cmd: &Command) -> Answer {
    match (cmd.p1, cmd.data.as_slice()) {
        (0x04, aid) if aid == AID => {
            vol.app_selected = true;
            vol.selected_file = None;
            only(sw::OK)
        }
        (0x00 | 0x02, [0xC0, n @ 0x01..=0x04]) if vol.app_selected => {
            vol.selected_file = Some(0x80 | n);
            only(sw::OK)
        }
        (0x00, [0x3F, 0x00]) => {
            vol.app_selected = false;
            vol.selected_file = None;
            only(sw::OK)
        }
        _ => only(sw::NOT_FOUND),
    }
}

fn read_binary(ctx: &mut Ctx<'_>, vol: &RefVolatile, cmd: &Command) -> Answer {
    if cmd.p1 & 0x80 != 0 {
        return if cmd.p1 & 0x1F == 0x1C {
            read_slice(&suite(ctx.state).card_access(), usize::from(cmd.p2), cmd.le)
        } else {
            only(sw::NOT_FOUND)
        };
    }
    let Some(slot) = vol.selected_file else {
        return only(sw::NO_CURRENT_EF);
    };
    read_slice(&ctx.state.cert_file(slot), cmd.offset(), cmd.le)
}

fn update_binary(ctx: &mut Ctx<'_>, vol: &RefVolatile, cmd: &Command) -> Answer {
    if !vol.pin_verified {
        return only(sw::SECURITY_NOT_SATISFIED);
    }
    if cmd.p1 & 0x80 != 0 {
        return only(sw::NOT_FOUND);
    }
    let Some(slot) = vol.selected_file else {
        return only(sw::NO_CURRENT_EF);
    };
    if ctx.state.slot_has_role(slot) {
        return only(sw::CONDITIONS_NOT_SATISFIED);
    }
    let offset = cmd.offset();
    if offset >= CERT_FILE_LEN {
        return only(sw::WRONG_OFFSET);
    }
    if cmd.data.is_empty() || offset + cmd.data.len() > CERT_FILE_LEN {
        return only(sw::WRONG_LENGTH);
    }
    let mut file = ctx.state.cert_file(slot);
    file[offset..offset + cmd.data.len()].copy_from_slice(&cmd.data);
    ctx.state.set_cert_file(slot, &file);
    ctx.dirty = true;
    only(sw::OK)
}

/// A slot's state for GET DATA: `01` empty, `02` key, `03` key + complete
/// certificate of that key.
fn slot_state(state: &CardState, slot: u8) -> (u8, u8) {
    let Some(key) = state.keys.get(&slot) else {
        return (0x00, 0x01);
    };
    let complete = load_key(state, slot)
        .and_then(|k| k.spki_der().ok())
        .is_some_and(|spki| certificate_matches(&state.cert_file(slot), &spki));
    (key.alg.code(), if complete { 0x03 } else { 0x02 })
}

/// The card status template (GET DATA `01 00`).
pub fn status_template(state: &CardState) -> Vec<u8> {
    let mut inner = tlv::encode(0x5A, &state.serial_bytes());
    for slot in REF_SLOTS {
        let (alg, st) = slot_state(state, slot);
        inner.extend_from_slice(&tlv::encode(
            0xA0,
            &[0x84, 0x01, slot, 0x80, 0x01, alg, 0x8A, 0x01, st],
        ));
    }
    for (&role, &slot) in &state.roles {
        inner.extend_from_slice(&tlv::encode(0xA1, &[0x83, 0x01, role, 0x84, 0x01, slot]));
    }
    inner.extend_from_slice(&tlv::encode(
        0xA2,
        &[0x91, 0x01, state.pin_tries, 0x92, 0x01, state.puk_tries],
    ));
    tlv::encode(0xE0, &inner)
}

fn get_data(ctx: &mut Ctx<'_>, cmd: &Command) -> Answer {
    if (cmd.p1, cmd.p2) != (0x01, 0x00) {
        return only(sw::REF_NOT_FOUND);
    }
    (status_template(ctx.state), sw::OK)
}

/// The 12-byte PIN block: ASCII digits, `FF` padding.
pub fn pin_block(pin: &str) -> Zeroizing<[u8; 12]> {
    let mut block = Zeroizing::new([0xFF; 12]);
    for (b, d) in block.iter_mut().zip(pin.bytes()) {
        *b = d;
    }
    block
}

/// A PIN block's digits if it is well formed with `min..=max` digits.
fn parse_block(block: &[u8], min: usize, max: usize) -> Option<Zeroizing<String>> {
    let n = block.iter().take_while(|b| b.is_ascii_digit()).count();
    let ok = block.len() == 12 && (min..=max).contains(&n) && block[n..].iter().all(|&b| b == 0xFF);
    ok.then(|| Zeroizing::new(block[..n].iter().map(|&b| char::from(b)).collect()))
}

/// Outcome of presenting a PIN or PUK.
enum Tries {
    Ok,
    Wrong(u8),
    Blocked,
    /// Not a well-formed block: refused with `6A80`, no try counted.
    Malformed,
}

/// The secrets' block formats: PIN 4 to 12 digits, PUK exactly 8.
#[derive(Clone, Copy)]
enum Which {
    Pin,
    Puk,
}

impl Which {
    fn digits(self) -> (usize, usize) {
        match self {
            Which::Pin => (4, 12),
            Which::Puk => (8, 8),
        }
    }
}

/// Check a secret against its counter. A malformed block is refused before
/// the counter is looked at (its format is public, so this tells nothing);
/// otherwise the counter (persistent) is reset on success and decremented
/// on failure, `Wrong(0)` (`63C0`) being the try that uses it up.
fn present(ctx: &mut Ctx<'_>, which: Which, given: &[u8]) -> Tries {
    let (min, max) = which.digits();
    if parse_block(given, min, max).is_none() {
        return Tries::Malformed;
    }
    let (stored, max) = match which {
        Which::Pin => (ctx.state.pin.clone(), PIN_TRIES),
        Which::Puk => (ctx.state.puk.clone(), PUK_TRIES),
    };
    let counter = match which {
        Which::Pin => &mut ctx.state.pin_tries,
        Which::Puk => &mut ctx.state.puk_tries,
    };
    if *counter == 0 {
        return Tries::Blocked;
    }
    let expected = pin_block(stored.expose());
    if bool::from(expected.as_slice().ct_eq(given)) {
        if *counter != max {
            *counter = max;
            ctx.dirty = true;
        }
        Tries::Ok
    } else {
        *counter -= 1;
        ctx.dirty = true;
        Tries::Wrong(*counter)
    }
}

fn verify(ctx: &mut Ctx<'_>, vol: &mut RefVolatile, cmd: &Command) -> Answer {
    if (cmd.p1, cmd.p2) != (0x00, 0x81) {
        return only(sw::REF_NOT_FOUND);
    }
    if cmd.data.is_empty() {
        return only(if ctx.state.pin_tries == 0 {
            sw::BLOCKED
        } else if vol.pin_verified {
            sw::OK
        } else {
            sw::tries_left(ctx.state.pin_tries)
        });
    }
    if cmd.data.len() != 12 {
        return only(sw::WRONG_LENGTH);
    }
    match present(ctx, Which::Pin, &cmd.data) {
        Tries::Ok => {
            vol.pin_verified = true;
            only(sw::OK)
        }
        Tries::Wrong(left) => {
            vol.pin_verified = false;
            only(sw::tries_left(left))
        }
        Tries::Blocked => {
            vol.pin_verified = false;
            only(sw::BLOCKED)
        }
        Tries::Malformed => only(sw::WRONG_DATA),
    }
}

/// The new PIN of CHANGE REFERENCE DATA and RESET RETRY COUNTER, checked
/// before the old PIN or the PUK so a typing error costs no try.
fn new_pin(cmd: &Command) -> Result<Zeroizing<String>, u16> {
    if cmd.data.len() != 24 {
        return Err(sw::WRONG_LENGTH);
    }
    let (min, max) = Which::Pin.digits();
    parse_block(&cmd.data[12..], min, max).ok_or(sw::WRONG_DATA)
}

fn change_reference_data(ctx: &mut Ctx<'_>, vol: &mut RefVolatile, cmd: &Command) -> Answer {
    if (cmd.p1, cmd.p2) != (0x00, 0x81) {
        return only(sw::REF_NOT_FOUND);
    }
    let new_pin = match new_pin(cmd) {
        Ok(p) => p,
        Err(code) => return only(code),
    };
    match present(ctx, Which::Pin, &cmd.data[..12]) {
        Tries::Ok => {
            ctx.state.pin = crate::state::Secret::new(new_pin.as_str());
            ctx.dirty = true;
            // The old PIN was just proven: verified, as after VERIFY.
            vol.pin_verified = true;
            only(sw::OK)
        }
        Tries::Wrong(left) => {
            vol.pin_verified = false;
            only(sw::tries_left(left))
        }
        Tries::Blocked => {
            vol.pin_verified = false;
            only(sw::BLOCKED)
        }
        Tries::Malformed => only(sw::WRONG_DATA),
    }
}

fn reset_retry_counter(ctx: &mut Ctx<'_>, vol: &mut RefVolatile, cmd: &Command) -> Answer {
    if cmd.p2 != 0x81 {
        return only(sw::REF_NOT_FOUND);
    }
    if cmd.p1 != 0x00 {
        return only(sw::WRONG_DATA);
    }
    let new_pin = match new_pin(cmd) {
        Ok(p) => p,
        Err(code) => return only(code),
    };
    match present(ctx, Which::Puk, &cmd.data[..12]) {
        Tries::Ok => {
            ctx.state.pin = crate::state::Secret::new(new_pin.as_str());
            ctx.state.pin_tries = PIN_TRIES;
            ctx.dirty = true;
            // The PUK proves the PUK, not the new PIN: VERIFY it.
            vol.pin_verified = false;
            only(sw::OK)
        }
        Tries::Wrong(left) => only(sw::tries_left(left)),
        Tries::Blocked => only(sw::BLOCKED),
        Tries::Malformed => only(sw::WRONG_DATA),
    }
}

/// `80 01 alg 84 01 slot` (in any order) → (alg byte, slot).
fn alg_and_slot(data: &[u8]) -> Option<(Option<u8>, u8)> {
    let items = tlv::read_all(data)?;
    let alg = match tlv::find(&items, 0x80) {
        None => None,
        Some([a]) => Some(*a),
        Some(_) => return None,
    };
    match tlv::find(&items, 0x84) {
        Some([slot]) => Some((alg, *slot)),
        _ => None,
    }
}

fn load_key(state: &CardState, slot: u8) -> Option<CardKey> {
    let key = state.keys.get(&slot)?;
    let der = Zeroizing::new(hex::decode(key.private_key.expose()).ok()?);
    CardKey::from_pkcs8(key.alg, &der).ok()
}

fn mse_set(ctx: &mut Ctx<'_>, vol: &mut RefVolatile, cmd: &Command) -> Answer {
    let dst = match (cmd.p1, cmd.p2) {
        (0x41, 0xA4) => false,
        (0x41, 0xB6) => true,
        (0xC1, 0xA4) => return only(sw::CONDITIONS_NOT_SATISFIED),
        _ => return only(sw::WRONG_DATA),
    };
    let Some((Some(alg), slot)) = alg_and_slot(&cmd.data) else {
        return only(sw::WRONG_DATA);
    };
    let Some(key) = ctx.state.keys.get(&slot) else {
        return only(sw::REF_NOT_FOUND);
    };
    if key.alg.code() != alg {
        return only(sw::WRONG_DATA);
    }
    if dst {
        vol.mse_dst = Some(slot);
    } else {
        vol.mse_at = Some(slot);
    }
    only(sw::OK)
}

fn sign(ctx: &mut Ctx<'_>, vol: &RefVolatile, cmd: &Command, slot: Option<u8>) -> Answer {
    if !vol.pin_verified {
        return only(sw::SECURITY_NOT_SATISFIED);
    }
    let Some(slot) = slot else {
        return only(sw::CONDITIONS_NOT_SATISFIED);
    };
    let Some(key) = load_key(ctx.state, slot) else {
        return only(sw::REF_NOT_FOUND);
    };
    if cmd.data.is_empty() {
        return only(sw::WRONG_LENGTH);
    }
    // The input is not parsed (a DigestInfo for RSA is the terminal's
    // business), only its length checked; then Ne, before any work.
    let (input_ok, sig_len) = match key {
        CardKey::Rsa(_) => (cmd.data.len() <= crate::keys::RSA_INPUT_MAX, 256),
        CardKey::P256(_) => (cmd.data.len() == 32, 64),
    };
    if !input_ok {
        return only(sw::WRONG_DATA);
    }
    if ne(cmd) < sig_len {
        return only(sw::WRONG_LENGTH);
    }
    ctx.work.push(match key {
        CardKey::Rsa(_) => Work::RsaSign,
        CardKey::P256(_) => Work::EcSign,
    });
    match key.sign(&cmd.data) {
        Ok(sig) => (sig, sw::OK),
        Err(crate::keys::KeyError::Input) => only(sw::WRONG_DATA),
        Err(_) => only(sw::INTERNAL),
    }
}

/// `AC L { ... }` → its inner objects.
fn template_ac(data: &[u8]) -> Option<&[u8]> {
    match tlv::read(data)? {
        (0xAC, inner, []) => Some(inner),
        _ => None,
    }
}

fn generate(ctx: &mut Ctx<'_>, vol: &RefVolatile, cmd: &Command) -> Answer {
    if !vol.pin_verified {
        return only(sw::SECURITY_NOT_SATISFIED);
    }
    let Some((Some(alg), slot)) = template_ac(&cmd.data).and_then(alg_and_slot) else {
        return only(sw::WRONG_DATA);
    };
    if !REF_SLOTS.contains(&slot) {
        return only(sw::REF_NOT_FOUND);
    }
    if ctx.state.slot_has_role(slot) {
        return only(sw::CONDITIONS_NOT_SATISFIED);
    }
    let Some(alg) = KeyAlg::from_code(alg) else {
        return only(sw::WRONG_DATA);
    };
    // Ne must hold the template before the slot's key is replaced.
    if ne(cmd) < alg.public_template_len() {
        return only(sw::WRONG_LENGTH);
    }
    ctx.work.push(match alg {
        KeyAlg::Rsa2048 => Work::RsaKeygen,
        KeyAlg::P256 => Work::EcKeygen,
    });
    match install_new_key(ctx.state, slot, alg) {
        Ok(key) => {
            ctx.dirty = true;
            (key.public_template(), sw::OK)
        }
        Err(_) => only(sw::INTERNAL),
    }
}

/// Generate a key into a slot and erase the slot's certificate file (used
/// by GENERATE and by the personalisation API).
pub(crate) fn install_new_key(
    state: &mut CardState,
    slot: u8,
    alg: KeyAlg,
) -> Result<CardKey, crate::keys::KeyError> {
    let der = CardKey::generate(alg)?;
    let key = CardKey::from_pkcs8(alg, &der)?;
    state.keys.insert(
        slot,
        crate::state::SlotKey {
            alg,
            private_key: crate::state::Secret::new(hex::encode(der.as_slice())),
        },
    );
    if matches!(state.profile, Profile::Reference { .. }) {
        state.set_cert_file(slot, &[0u8; CERT_FILE_LEN]);
    }
    Ok(key)
}

fn read_public_key(ctx: &mut Ctx<'_>, cmd: &Command) -> Answer {
    let Some((None, slot)) = template_ac(&cmd.data).and_then(alg_and_slot) else {
        return only(sw::WRONG_DATA);
    };
    match load_key(ctx.state, slot) {
        Some(key) => (key.public_template(), sw::OK),
        None => only(sw::REF_NOT_FOUND),
    }
}

fn activate_keys(ctx: &mut Ctx<'_>, vol: &RefVolatile, cmd: &Command) -> Answer {
    if !vol.pin_verified {
        return only(sw::SECURITY_NOT_SATISFIED);
    }
    let Some(items) = tlv::read_all(&cmd.data) else {
        return only(sw::WRONG_DATA);
    };
    if items.is_empty() {
        return only(sw::WRONG_DATA);
    }
    let mut pairs: Vec<(u8, u8)> = Vec::new();
    for (tag, value) in items {
        let Some(inner) = (tag == 0xA1).then(|| tlv::read_all(value)).flatten() else {
            return only(sw::WRONG_DATA);
        };
        let (Some([role]), Some([slot])) = (tlv::find(&inner, 0x83), tlv::find(&inner, 0x84))
        else {
            return only(sw::WRONG_DATA);
        };
        if ![ROLE_AUTH, ROLE_SIGN].contains(role)
            || !REF_SLOTS.contains(slot)
            || pairs.iter().any(|(r, _)| r == role)
        {
            return only(sw::WRONG_DATA);
        }
        pairs.push((*role, *slot));
    }
    // Every pair must pass before any role moves.
    for &(_, slot) in &pairs {
        let ok = load_key(ctx.state, slot)
            .and_then(|k| k.spki_der().ok())
            .is_some_and(|spki| certificate_matches(&ctx.state.cert_file(slot), &spki));
        if !ok {
            return only(sw::WRONG_DATA);
        }
    }
    for (role, slot) in pairs {
        if ctx.state.roles.insert(role, slot) != Some(slot) {
            ctx.dirty = true;
        }
    }
    only(sw::OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atr_has_the_profile_bytes_and_a_valid_tck() {
        let atr = atr();
        assert_eq!(&atr[..4], &[0x3B, 0x8B, 0x80, 0x01]);
        assert_eq!(&atr[4..15], b"QOLTANBA-R1");
        assert_eq!(atr[1..].iter().fold(0u8, |a, b| a ^ b), 0);
    }

    #[test]
    fn pin_blocks() {
        assert_eq!(
            pin_block("1234").as_slice(),
            b"1234\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF"
        );
        assert_eq!(
            parse_block(&pin_block("123456")[..], 4, 12)
                .unwrap()
                .as_str(),
            "123456"
        );
        assert!(parse_block(&pin_block("123")[..], 4, 12).is_none());
        let mut bad = *pin_block("1234");
        bad[6] = b'1';
        assert!(parse_block(&bad, 4, 12).is_none());
        assert!(parse_block(&[0x31; 11], 4, 12).is_none());
    }
}
