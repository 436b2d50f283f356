//! ISO 7816-4 command parsing, status words and BER-TLV, card side.
//!
//! Written for the card: every malformed input becomes a status word, never
//! a panic, because the simulator must survive whatever a terminal (or a
//! fuzzer) sends.

/// Status words the simulator sends (docs/card-profile.md, "Status words").
pub mod sw {
    pub const OK: u16 = 0x9000;
    pub const END_OF_FILE: u16 = 0x6282;
    pub const WRONG_CAN: u16 = 0x6300;
    pub const WRONG_LENGTH: u16 = 0x6700;
    /// Command chaining on a command that does not take it.
    pub const CHAINING_NOT_SUPPORTED: u16 = 0x6884;
    pub const SECURITY_NOT_SATISFIED: u16 = 0x6982;
    pub const BLOCKED: u16 = 0x6983;
    pub const CONDITIONS_NOT_SATISFIED: u16 = 0x6985;
    /// READ/UPDATE BINARY without a current EF.
    pub const NO_CURRENT_EF: u16 = 0x6986;
    pub const SM_MISSING: u16 = 0x6987;
    pub const SM_WRONG: u16 = 0x6988;
    pub const COMMAND_NOT_ALLOWED: u16 = 0x6900;
    pub const WRONG_DATA: u16 = 0x6A80;
    pub const NOT_FOUND: u16 = 0x6A82;
    pub const REF_NOT_FOUND: u16 = 0x6A88;
    pub const WRONG_OFFSET: u16 = 0x6B00;
    pub const INS_NOT_SUPPORTED: u16 = 0x6D00;
    pub const CLA_NOT_SUPPORTED: u16 = 0x6E00;
    pub const INTERNAL: u16 = 0x6F00;

    /// `63Cx`: a wrong PIN/PUK with `tries` left (capped at 15).
    pub fn tries_left(tries: u8) -> u16 {
        0x63C0 | u16::from(tries.min(15))
    }
}

/// One parsed command APDU.
#[derive(Clone, PartialEq, Eq)]
pub struct Command {
    pub cla: u8,
    pub ins: u8,
    pub p1: u8,
    pub p2: u8,
    pub data: Vec<u8>,
    /// Expected response length; `Some(256)` for short `00`, `Some(65536)`
    /// for extended `00 00`; `None` when the command had no Le.
    pub le: Option<usize>,
    /// Whether the command used extended length fields.
    pub extended: bool,
}

impl std::fmt::Debug for Command {
    // Command data may carry PIN blocks: show only the header and lengths.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Command({:02X} {:02X} {:02X} {:02X}, {} data bytes, le {:?})",
            self.cla,
            self.ins,
            self.p1,
            self.p2,
            self.data.len(),
            self.le
        )
    }
}

impl Command {
    /// Parse the four ISO 7816-3 cases, short and extended. `Err` is the
    /// status word to answer (`6700` for inconsistent lengths).
    pub fn parse(apdu: &[u8]) -> Result<Self, u16> {
        if apdu.len() < 4 {
            return Err(sw::WRONG_LENGTH);
        }
        let (cla, ins, p1, p2) = (apdu[0], apdu[1], apdu[2], apdu[3]);
        let body = &apdu[4..];
        let short_le = |b: u8| if b == 0 { 256 } else { usize::from(b) };
        let ext_le = |hi: u8, lo: u8| {
            let n = usize::from(u16::from_be_bytes([hi, lo]));
            if n == 0 { 65536 } else { n }
        };
        let make = |data: &[u8], le: Option<usize>, extended: bool| Command {
            cla,
            ins,
            p1,
            p2,
            data: data.to_vec(),
            le,
            extended,
        };
        match body.len() {
            0 => Ok(make(&[], None, false)),
            1 => Ok(make(&[], Some(short_le(body[0])), false)),
            _ if body[0] != 0 => {
                let lc = usize::from(body[0]);
                if body.len() == 1 + lc {
                    Ok(make(&body[1..], None, false))
                } else if body.len() == 2 + lc {
                    Ok(make(&body[1..1 + lc], Some(short_le(body[1 + lc])), false))
                } else {
                    Err(sw::WRONG_LENGTH)
                }
            }
            3 => Ok(make(&[], Some(ext_le(body[1], body[2])), true)),
            n if n > 3 => {
                let lc = usize::from(u16::from_be_bytes([body[1], body[2]]));
                if lc == 0 {
                    return Err(sw::WRONG_LENGTH);
                }
                if n == 3 + lc {
                    Ok(make(&body[3..], None, true))
                } else if n == 5 + lc {
                    Ok(make(
                        &body[3..3 + lc],
                        Some(ext_le(body[3 + lc], body[4 + lc])),
                        true,
                    ))
                } else {
                    Err(sw::WRONG_LENGTH)
                }
            }
            _ => Err(sw::WRONG_LENGTH),
        }
    }

    /// The 15-bit offset of READ/UPDATE BINARY (P1 bit 8 clear).
    pub fn offset(&self) -> usize {
        usize::from(u16::from_be_bytes([self.p1 & 0x7F, self.p2]))
    }
}

/// A response APDU: data ‖ SW1 SW2.
pub fn response(data: &[u8], status: u16) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 2);
    out.extend_from_slice(data);
    out.extend_from_slice(&status.to_be_bytes());
    out
}

/// A response with no data.
pub fn status(status: u16) -> Vec<u8> {
    status.to_be_bytes().to_vec()
}

/// The status word at the end of a response (`6F00` if it has none).
pub fn status_of(resp: &[u8]) -> u16 {
    match resp {
        [.., a, b] => u16::from_be_bytes([*a, *b]),
        _ => sw::INTERNAL,
    }
}

/// BER-TLV as the profile uses it: one- or two-byte tags, definite lengths
/// up to three bytes (`82 LL LL`).
pub mod tlv {
    /// Append a BER length.
    pub fn push_len(out: &mut Vec<u8>, len: usize) {
        if len < 0x80 {
            out.push(len as u8);
        } else if len <= 0xFF {
            out.extend_from_slice(&[0x81, len as u8]);
        } else {
            let l = (len.min(0xFFFF)) as u16;
            out.push(0x82);
            out.extend_from_slice(&l.to_be_bytes());
        }
    }

    /// Encode one TLV with a one- or two-byte tag (`tag > 0xFF` = two bytes).
    pub fn encode(tag: u16, value: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(value.len() + 5);
        if tag > 0xFF {
            out.extend_from_slice(&tag.to_be_bytes());
        } else {
            out.push(tag as u8);
        }
        push_len(&mut out, value.len());
        out.extend_from_slice(value);
        out
    }

    /// Read one TLV: `(tag, value, rest)`; `None` when truncated or the
    /// length form is not supported.
    pub fn read(input: &[u8]) -> Option<(u16, &[u8], &[u8])> {
        let (&first, mut rest) = input.split_first()?;
        let mut tag = u16::from(first);
        if first & 0x1F == 0x1F {
            let (&second, r) = rest.split_first()?;
            if second & 0x80 != 0 {
                return None;
            }
            tag = (tag << 8) | u16::from(second);
            rest = r;
        }
        let (&l0, r) = rest.split_first()?;
        rest = r;
        let len = match l0 {
            0..=0x7F => usize::from(l0),
            0x81 => {
                let (&l1, r) = rest.split_first()?;
                rest = r;
                usize::from(l1)
            }
            0x82 => {
                if rest.len() < 2 {
                    return None;
                }
                let l = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
                rest = &rest[2..];
                l
            }
            _ => return None,
        };
        if rest.len() < len {
            return None;
        }
        Some((tag, &rest[..len], &rest[len..]))
    }

    /// Read a whole sequence of TLVs; `None` if any is malformed.
    pub fn read_all(mut input: &[u8]) -> Option<Vec<(u16, &[u8])>> {
        let mut out = Vec::new();
        while !input.is_empty() {
            let (tag, value, rest) = read(input)?;
            out.push((tag, value));
            input = rest;
        }
        Some(out)
    }

    /// The value of `tag` in a parsed list, the first occurrence.
    pub fn find<'a>(items: &[(u16, &'a [u8])], tag: u16) -> Option<&'a [u8]> {
        items.iter().find(|(t, _)| *t == tag).map(|(_, v)| *v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_four_cases_short_and_extended() {
        let c = Command::parse(&[0, 0xA4, 4, 0x0C]).unwrap();
        assert_eq!((c.data.len(), c.le), (0, None));
        let c = Command::parse(&[0, 0xB0, 0x9C, 0, 0]).unwrap();
        assert_eq!(c.le, Some(256));
        let c = Command::parse(&[0, 0xA4, 2, 0x0C, 2, 0xC0, 1]).unwrap();
        assert_eq!((c.data.as_slice(), c.le), (&[0xC0, 1][..], None));
        let c = Command::parse(&[0, 0x88, 0, 0, 1, 0xAA, 0x10]).unwrap();
        assert_eq!((c.data.as_slice(), c.le), (&[0xAA][..], Some(16)));
        let c = Command::parse(&[0, 0xB0, 0, 0, 0, 0, 0]).unwrap();
        assert_eq!((c.le, c.extended), (Some(65536), true));
        let c = Command::parse(&[0, 0x2A, 0x9E, 0x9A, 0, 0, 2, 1, 2, 0x01, 0x00]).unwrap();
        assert_eq!((c.data.as_slice(), c.le), (&[1, 2][..], Some(256)));
        let c = Command::parse(&[0, 0xD6, 0, 0, 0, 0, 1, 7]).unwrap();
        assert_eq!(
            (c.data.as_slice(), c.le, c.extended),
            (&[7][..], None, true)
        );
    }

    #[test]
    fn rejects_inconsistent_lengths() {
        for bad in [
            &[0u8, 0xA4][..],
            &[0, 0xA4, 4, 0x0C, 3, 1],
            &[0, 0xA4, 4, 0x0C, 1, 1, 2, 3],
            &[0, 0xB0, 0, 0, 0, 0],
            &[0, 0xB0, 0, 0, 0, 0, 0, 1],
            &[0, 0xB0, 0, 0, 0, 0, 2, 1],
        ] {
            assert_eq!(Command::parse(bad), Err(sw::WRONG_LENGTH), "{bad:02X?}");
        }
    }

    #[test]
    fn tlv_round_trip_with_long_lengths() {
        for len in [0usize, 1, 127, 128, 255, 256, 300] {
            let value = vec![0x5A; len];
            let enc = tlv::encode(0x7F49, &value);
            let (tag, v, rest) = tlv::read(&enc).unwrap();
            assert_eq!((tag, v, rest.len()), (0x7F49, value.as_slice(), 0));
        }
        assert!(tlv::read(&[0x87, 0x82, 0x01]).is_none());
        assert!(tlv::read(&[0x87, 0x05, 1, 2]).is_none());
    }
}
