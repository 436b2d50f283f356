//! BER-TLV as ISO/IEC 7816-4 uses it in card commands and answers: tags of
//! one to three bytes, definite lengths of one to three bytes.
//!
//! Certificates and other DER structures go through `der`; this module is
//! for the small card templates (`7C` dynamic authentication data, `7F49`
//! public keys, `A4`/`B6` control references, secure-messaging objects),
//! which are BER-TLV but not ASN.1 modules.

/// Why bytes are not a well-formed TLV sequence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlvError {
    #[error("the card's data end inside a TLV header")]
    TruncatedHeader,
    #[error("a TLV length of {needed} bytes runs past the {available} bytes the card sent")]
    TruncatedValue { needed: usize, available: usize },
    #[error("a TLV length form the card stack does not accept (indefinite or over 3 bytes)")]
    BadLength,
    #[error("the card's answer lacks the expected data object {0:X}")]
    Missing(u32),
}

/// One data object, borrowing its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    pub tag: u32,
    pub value: &'a [u8],
}

impl<'a> Tlv<'a> {
    /// Whether the tag marks a constructed object (bit 6 of the first byte).
    pub fn is_constructed(&self) -> bool {
        first_tag_byte(self.tag) & 0x20 != 0
    }

    /// The objects inside a constructed one.
    pub fn children(&self) -> Result<Vec<Tlv<'a>>, TlvError> {
        parse_all(self.value)
    }
}

fn first_tag_byte(tag: u32) -> u8 {
    let bytes = tag.to_be_bytes();
    *bytes.iter().find(|b| **b != 0).unwrap_or(&0)
}

/// Read one TLV from the front of `input`; the rest after it.
pub fn parse_one(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), TlvError> {
    let mut pos = 0;
    let first = *input.first().ok_or(TlvError::TruncatedHeader)?;
    let mut tag = first as u32;
    pos += 1;
    if first & 0x1F == 0x1F {
        // Subsequent tag bytes while bit 8 is set; at most two more.
        loop {
            let b = *input.get(pos).ok_or(TlvError::TruncatedHeader)?;
            tag = (tag << 8) | b as u32;
            pos += 1;
            if b & 0x80 == 0 {
                break;
            }
            if pos >= 3 {
                return Err(TlvError::BadLength);
            }
        }
    }
    let l0 = *input.get(pos).ok_or(TlvError::TruncatedHeader)?;
    pos += 1;
    let len = match l0 {
        0x00..=0x7F => l0 as usize,
        0x81..=0x83 => {
            let n = (l0 & 0x7F) as usize;
            let bytes = input.get(pos..pos + n).ok_or(TlvError::TruncatedHeader)?;
            pos += n;
            bytes.iter().fold(0usize, |acc, b| (acc << 8) | *b as usize)
        }
        _ => return Err(TlvError::BadLength),
    };
    let available = input.len() - pos;
    if len > available {
        return Err(TlvError::TruncatedValue {
            needed: len,
            available,
        });
    }
    Ok((
        Tlv {
            tag,
            value: &input[pos..pos + len],
        },
        &input[pos + len..],
    ))
}

/// Read every TLV in `input` (padding bytes `00`/`FF` between objects are not allowed).
pub fn parse_all(mut input: &[u8]) -> Result<Vec<Tlv<'_>>, TlvError> {
    let mut out = Vec::new();
    while !input.is_empty() {
        let (tlv, rest) = parse_one(input)?;
        out.push(tlv);
        input = rest;
    }
    Ok(out)
}

/// The value of the first object with `tag` among `objects`.
pub fn find<'a>(objects: &[Tlv<'a>], tag: u32) -> Result<&'a [u8], TlvError> {
    objects
        .iter()
        .find(|t| t.tag == tag)
        .map(|t| t.value)
        .ok_or(TlvError::Missing(tag))
}

/// Encode a length field.
pub fn encode_length(len: usize, out: &mut Vec<u8>) {
    match len {
        0..=0x7F => out.push(len as u8),
        0x80..=0xFF => out.extend_from_slice(&[0x81, len as u8]),
        0x100..=0xFFFF => {
            out.push(0x82);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        _ => {
            out.push(0x83);
            out.extend_from_slice(&(len as u32).to_be_bytes()[1..]);
        }
    }
}

/// Encode one object.
pub fn encode(tag: u32, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len() + 6);
    let tag_bytes = tag.to_be_bytes();
    let skip = tag_bytes.iter().take_while(|b| **b == 0).count().min(3);
    out.extend_from_slice(&tag_bytes[skip..]);
    encode_length(value.len(), &mut out);
    out.extend_from_slice(value);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use hex_literal::hex;
    use proptest::prelude::*;

    #[test]
    fn reads_a_pace_answer() {
        // GA 1 answer: 7C 12 80 10 z.
        let bytes = hex!("7C12 8010 95A3A016522EE98D01E76CB6B98B42C3");
        let (outer, rest) = parse_one(&bytes).unwrap();
        assert!(rest.is_empty());
        assert_eq!(outer.tag, 0x7C);
        assert!(outer.is_constructed());
        let inner = outer.children().unwrap();
        assert_eq!(
            find(&inner, 0x80).unwrap(),
            hex!("95A3A016522EE98D01E76CB6B98B42C3")
        );
        assert_eq!(find(&inner, 0x81), Err(TlvError::Missing(0x81)));
    }

    #[test]
    fn two_byte_tags_and_long_lengths() {
        let modulus = vec![0xA5; 256];
        let inner = [encode(0x81, &modulus), encode(0x82, &hex!("010001"))].concat();
        let key = encode(0x7F49, &inner);
        assert_eq!(&key[..5], hex!("7F49 82 0109"));
        let (t, _) = parse_one(&key).unwrap();
        assert_eq!(t.tag, 0x7F49);
        let kids = t.children().unwrap();
        assert_eq!(find(&kids, 0x81).unwrap(), modulus.as_slice());
        assert_eq!(find(&kids, 0x82).unwrap(), hex!("010001"));
    }

    #[test]
    fn truncations_are_errors() {
        assert_eq!(parse_one(&[]), Err(TlvError::TruncatedHeader));
        assert_eq!(parse_one(&hex!("7F")), Err(TlvError::TruncatedHeader));
        assert_eq!(parse_one(&hex!("81 82 01")), Err(TlvError::TruncatedHeader));
        assert_eq!(
            parse_one(&hex!("80 05 0102")),
            Err(TlvError::TruncatedValue {
                needed: 5,
                available: 2
            })
        );
        assert_eq!(parse_one(&hex!("80 80")), Err(TlvError::BadLength));
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = parse_all(&bytes);
        }

        #[test]
        fn encode_then_parse(tag in prop_oneof![Just(0x80u32), Just(0x7F49), Just(0x5F20)],
                             value in proptest::collection::vec(any::<u8>(), 0..400)) {
            let bytes = encode(tag, &value);
            let (t, rest) = parse_one(&bytes).unwrap();
            prop_assert!(rest.is_empty());
            prop_assert_eq!(t.tag, tag);
            prop_assert_eq!(t.value, value.as_slice());
        }
    }
}
