//! Shared helpers of the card-sim integration tests: a session through the
//! crate's own test terminal, APDU builders and a hand-made certificate.
#![allow(dead_code)]

use qoltanba_card_sim::terminal::{self, PASSWORD_CAN, TerminalSm};
use qoltanba_card_sim::{KeyAlg, PaceSuite, Profile, Role, SimCard, SimConfig};

pub const CAN: &str = "123456";
pub const PIN: &str = "4711";
pub const PUK: &str = "12345678";
pub const AID: [u8; 10] = [0xF0, 0x51, 0x4F, 0x4C, 0x54, 0x41, 0x4E, 0x42, 0x41, 0x01];

pub fn ref_card() -> SimCard {
    SimCard::in_memory(SimConfig::reference(CAN, PIN, PUK)).unwrap()
}

pub fn suite(card: &SimCard) -> PaceSuite {
    match card.profile() {
        Profile::Reference { pace } => pace,
        _ => panic!("not a reference card"),
    }
}

pub fn sw(resp: &[u8]) -> u16 {
    u16::from_be_bytes([resp[resp.len() - 2], resp[resp.len() - 1]])
}

/// PACE with the CAN only: no application selected yet.
pub fn pace_only(card: &mut SimCard) -> TerminalSm {
    let suite = suite(card);
    terminal::pace(&mut |a| card.process(a), suite, PASSWORD_CAN, CAN).expect("PACE")
}

/// PACE with the CAN, then SELECT of the application, as every session
/// begins (application commands need it).
pub fn open(card: &mut SimCard) -> TerminalSm {
    let mut sm = pace_only(card);
    select_app(card, &mut sm);
    sm
}

/// One protected exchange: (data, SW).
pub fn send(card: &mut SimCard, sm: &mut TerminalSm, apdu: &[u8]) -> (Vec<u8>, u16) {
    let wrapped = sm.wrap(apdu).unwrap();
    let resp = card.process(&wrapped);
    sm.unwrap(&resp)
        .unwrap_or_else(|e| panic!("{e}: {resp:02X?}"))
}

pub fn apdu(header: [u8; 4], data: &[u8], le: Option<u8>) -> Vec<u8> {
    let mut out = header.to_vec();
    if !data.is_empty() {
        out.push(data.len() as u8);
        out.extend_from_slice(data);
    }
    if let Some(le) = le {
        out.push(le);
    }
    out
}

/// Extended-length APDU (data may be empty; Le 00 00 = up to 65536).
pub fn apdu_ext(header: [u8; 4], data: &[u8], le: bool) -> Vec<u8> {
    let mut out = header.to_vec();
    out.push(0);
    if !data.is_empty() {
        out.extend_from_slice(&(data.len() as u16).to_be_bytes());
        out.extend_from_slice(data);
    }
    if le {
        out.extend_from_slice(&[0, 0]);
    }
    out
}

pub fn pin_block(pin: &str) -> Vec<u8> {
    let mut b = pin.as_bytes().to_vec();
    b.resize(12, 0xFF);
    b
}

pub fn select_app(card: &mut SimCard, sm: &mut TerminalSm) {
    assert_eq!(
        send(card, sm, &apdu([0, 0xA4, 4, 0x0C], &AID, None)).1,
        0x9000
    );
}

pub fn verify_pin(card: &mut SimCard, sm: &mut TerminalSm, pin: &str) -> u16 {
    send(card, sm, &apdu([0, 0x20, 0, 0x81], &pin_block(pin), None)).1
}

/// A DER TLV.
pub fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else if n <= 0xFF {
        out.extend_from_slice(&[0x81, n as u8]);
    } else {
        out.extend_from_slice(&[0x82, (n >> 8) as u8, n as u8]);
    }
    out.extend_from_slice(content);
    out
}

/// A syntactically valid X.509 v3 certificate carrying `spki` (the card
/// checks structure and key, not the issuer's signature). The long
/// common name makes it longer than 256 bytes (`30 82 LL LL`).
pub fn certificate_for(spki: &[u8]) -> Vec<u8> {
    let ecdsa_sha256 = der(
        0x30,
        &der(0x06, &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02]),
    );
    let name = |cn: &str| {
        der(
            0x30,
            &der(
                0x31,
                &der(
                    0x30,
                    &[der(0x06, &[0x55, 0x04, 0x03]), der(0x0C, cn.as_bytes())].concat(),
                ),
            ),
        )
    };
    let validity = der(
        0x30,
        &[der(0x17, b"250101000000Z"), der(0x17, b"350101000000Z")].concat(),
    );
    let tbs = der(
        0x30,
        &[
            der(0xA0, &der(0x02, &[0x02])),
            der(0x02, &[0x01, 0x23]),
            ecdsa_sha256.clone(),
            name("qoltanba card-sim test CA"),
            validity,
            name(&"TEST CITIZEN ".repeat(20)),
            spki.to_vec(),
        ]
        .concat(),
    );
    let mut sig = vec![0x00];
    sig.extend_from_slice(&[0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01]);
    der(0x30, &[tbs, ecdsa_sha256, der(0x03, &sig)].concat())
}

/// READ PUBLIC KEY of `slot` (extended length).
pub fn read_pk(slot: u8) -> Vec<u8> {
    apdu_ext([0, 0x46, 0x81, 0], &[0xAC, 0x03, 0x84, 0x01, slot], true)
}

/// MSE:SET (`p2`: B6 DST, A4 AT) selecting `slot` with algorithm `alg`.
pub fn mse(p2: u8, alg: u8, slot: u8) -> Vec<u8> {
    apdu(
        [0, 0x22, 0x41, p2],
        &[0x80, 0x01, alg, 0x84, 0x01, slot],
        None,
    )
}

/// A reference card with RSA in 81 (AUTH) and P-256 in 82 (SIGN), both
/// certified and current; 83 and 84 empty.
pub fn personalised() -> SimCard {
    let mut card = ref_card();
    for (slot, alg, role) in [
        (0x81, KeyAlg::Rsa2048, Role::Auth),
        (0x82, KeyAlg::P256, Role::Sign),
    ] {
        let spki = card.generate_key(slot, alg).unwrap();
        card.write_certificate(slot, &certificate_for(&spki))
            .unwrap();
        card.set_role(role, slot).unwrap();
    }
    card
}

/// The status template's roles: (role, slot) pairs.
pub fn roles_of(template: &[u8]) -> Vec<(u8, u8)> {
    let mut out = Vec::new();
    let mut i = 0;
    // E0 L ... ; lengths here stay below 128 except E0 itself.
    let body = match template[1] {
        0x81 => &template[3..],
        _ => &template[2..],
    };
    while i + 1 < body.len() {
        let (tag, len) = (body[i], usize::from(body[i + 1]));
        if tag == 0xA1 {
            out.push((body[i + 4], body[i + 7]));
        }
        i += 2 + len;
    }
    out
}

/// The status template's (PIN tries, PUK tries).
pub fn counters_of(template: &[u8]) -> (u8, u8) {
    let n = template.len();
    (template[n - 4], template[n - 1])
}
