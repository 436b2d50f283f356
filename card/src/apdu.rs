//! ISO/IEC 7816-4 command and response APDUs.
//!
//! A [`Command`] knows its header, data and expected length; it chooses short
//! or extended encoding itself (extended only when the lengths need it or the
//! caller asks), so no caller writes Lc/Le bytes by hand. A [`Response`]
//! splits the card's answer into data and a typed [`StatusWord`].

use std::fmt;

/// The largest data field of a short APDU.
pub const SHORT_MAX: usize = 255;
/// The largest response a short Le can ask for (Le = 00).
pub const SHORT_LE_MAX: usize = 256;
/// The largest data field or response of an extended APDU.
pub const EXTENDED_MAX: usize = 65_535;
/// The largest response an extended Le can ask for (Le = 0000).
pub const EXTENDED_LE_MAX: usize = 65_536;

/// Why a command could not be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApduError {
    #[error("command data of {0} bytes exceed the 65535 bytes an APDU can carry")]
    DataTooLong(usize),
    #[error("an expected length of {0} bytes exceeds the 65536 an APDU can ask for")]
    LeTooLong(usize),
    #[error("a response APDU must end with two status bytes; the card sent {0} bytes")]
    ResponseTooShort(usize),
}

/// A command APDU.
#[derive(Clone, PartialEq, Eq)]
pub struct Command {
    pub cla: u8,
    pub ins: u8,
    pub p1: u8,
    pub p2: u8,
    pub data: Vec<u8>,
    /// Expected response length: `None` (no response data), or the number of
    /// bytes; 256 (short) or 65536 (extended) mean "as many as there are".
    pub le: Option<usize>,
    /// Force extended length even when short would do (some cards answer long
    /// responses only to an extended Le).
    pub extended: bool,
}

impl Command {
    /// A command without data and without response data.
    pub fn new(cla: u8, ins: u8, p1: u8, p2: u8) -> Self {
        Self {
            cla,
            ins,
            p1,
            p2,
            data: Vec::new(),
            le: None,
            extended: false,
        }
    }

    pub fn with_data(mut self, data: impl Into<Vec<u8>>) -> Self {
        self.data = data.into();
        self
    }

    /// Expect up to `le` response bytes.
    pub fn with_le(mut self, le: usize) -> Self {
        self.le = Some(le);
        self
    }

    /// Expect as many response bytes as the card has, up to 65536 (extended).
    pub fn expect_long_response(mut self) -> Self {
        self.le = Some(EXTENDED_LE_MAX);
        self.extended = true;
        self
    }

    /// Whether the encoding must be extended.
    pub fn is_extended(&self) -> bool {
        self.extended || self.data.len() > SHORT_MAX || self.le.is_some_and(|le| le > SHORT_LE_MAX)
    }

    /// The header with the chaining bit set (ISO 7816-4 §5.4.1, CLA bit 5).
    pub fn chained(mut self) -> Self {
        self.cla |= 0x10;
        self
    }

    /// The encoded APDU: cases 1 to 4, short or extended.
    pub fn to_bytes(&self) -> Result<Vec<u8>, ApduError> {
        if self.data.len() > EXTENDED_MAX {
            return Err(ApduError::DataTooLong(self.data.len()));
        }
        if let Some(le) = self.le
            && le > EXTENDED_LE_MAX
        {
            return Err(ApduError::LeTooLong(le));
        }
        let mut out = Vec::with_capacity(self.data.len() + 9);
        out.extend_from_slice(&[self.cla, self.ins, self.p1, self.p2]);
        let extended = self.is_extended();
        if !self.data.is_empty() {
            if extended {
                out.push(0);
                out.extend_from_slice(&(self.data.len() as u16).to_be_bytes());
            } else {
                out.push(self.data.len() as u8);
            }
            out.extend_from_slice(&self.data);
        }
        if let Some(le) = self.le {
            if extended {
                if self.data.is_empty() {
                    out.push(0);
                }
                // 65536 encodes as 0000.
                out.extend_from_slice(&((le % EXTENDED_LE_MAX) as u16).to_be_bytes());
            } else {
                // 256 encodes as 00.
                out.push((le % SHORT_LE_MAX) as u8);
            }
        }
        Ok(out)
    }

    /// Split a command whose data exceed one short APDU into a chain of short
    /// commands (all but the last with the chaining bit), for cards that do
    /// not take extended length.
    pub fn split_for_chaining(&self, chunk: usize) -> Vec<Command> {
        let chunk = chunk.clamp(1, SHORT_MAX);
        if self.data.len() <= chunk {
            return vec![self.clone()];
        }
        let parts: Vec<&[u8]> = self.data.chunks(chunk).collect();
        let last = parts.len() - 1;
        parts
            .into_iter()
            .enumerate()
            .map(|(i, part)| {
                let mut c = Command {
                    data: part.to_vec(),
                    extended: false,
                    le: if i == last { self.le } else { None },
                    ..self.clone()
                };
                if i != last {
                    c.cla |= 0x10;
                }
                c
            })
            .collect()
    }
}

/// Header and lengths only: command data may hold a PIN, a CAN-derived value
/// or a digest, so they never reach a log line.
impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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

/// A response APDU: data and status word.
#[derive(Clone, PartialEq, Eq)]
pub struct Response {
    pub data: Vec<u8>,
    pub sw: StatusWord,
}

impl Response {
    pub fn parse(bytes: &[u8]) -> Result<Self, ApduError> {
        if bytes.len() < 2 {
            return Err(ApduError::ResponseTooShort(bytes.len()));
        }
        let (data, sw) = bytes.split_at(bytes.len() - 2);
        Ok(Self {
            data: data.to_vec(),
            sw: StatusWord::new(sw[0], sw[1]),
        })
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.data.clone();
        out.extend_from_slice(&self.sw.to_bytes());
        out
    }

    pub fn is_success(&self) -> bool {
        self.sw.is_success()
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Response({} data bytes, {})", self.data.len(), self.sw)
    }
}

/// The status word (SW1 SW2) with the meanings qoltanba reacts to named.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatusWord(pub u16);

/// What a status word means, as far as the card stack cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// 9000.
    Success,
    /// 61xx: more response bytes wait for GET RESPONSE (xx of them, 00 = 256+).
    MoreData(usize),
    /// 6282: end of file reached before Le bytes (the data are valid).
    EndOfFile,
    /// 6300: authentication failed without a counter (PACE with the CAN).
    AuthenticationFailed,
    /// 63Cx: a wrong PIN or PUK, x tries left.
    TriesLeft(u8),
    /// 6700.
    WrongLength,
    /// 6900: command not allowed (kz-idcard: the key slot does not exist).
    NotAllowed,
    /// 6982.
    SecurityStatusNotSatisfied,
    /// 6983.
    Blocked,
    /// 6985.
    ConditionsNotSatisfied,
    /// 6986.
    CommandNotAllowed,
    /// 6987: secure messaging data objects missing.
    SmObjectsMissing,
    /// 6988: secure messaging data objects incorrect.
    SmObjectsIncorrect,
    /// 6A80.
    IncorrectData,
    /// 6A82.
    FileNotFound,
    /// 6A86.
    IncorrectParameters,
    /// 6A88.
    ReferencedDataNotFound,
    /// 6B00.
    WrongOffset,
    /// 6Cxx: wrong Le; re-send with Le = xx.
    WrongLe(usize),
    /// 6D00.
    InsNotSupported,
    /// 6E00.
    ClaNotSupported,
    /// 6F00.
    InternalError,
    /// Anything else.
    Unknown,
}

impl StatusWord {
    pub const SUCCESS: Self = Self(0x9000);

    pub fn new(sw1: u8, sw2: u8) -> Self {
        Self(u16::from_be_bytes([sw1, sw2]))
    }

    pub fn sw1(self) -> u8 {
        (self.0 >> 8) as u8
    }

    pub fn sw2(self) -> u8 {
        self.0 as u8
    }

    pub fn to_bytes(self) -> [u8; 2] {
        self.0.to_be_bytes()
    }

    pub fn is_success(self) -> bool {
        self.0 == 0x9000
    }

    pub fn status(self) -> Status {
        let (sw1, sw2) = (self.sw1(), self.sw2());
        match (sw1, sw2) {
            (0x90, 0x00) => Status::Success,
            (0x61, n) => Status::MoreData(if n == 0 { 256 } else { n as usize }),
            (0x62, 0x82) => Status::EndOfFile,
            (0x63, 0x00) => Status::AuthenticationFailed,
            (0x63, n) if n & 0xF0 == 0xC0 => Status::TriesLeft(n & 0x0F),
            (0x67, 0x00) => Status::WrongLength,
            (0x69, 0x00) => Status::NotAllowed,
            (0x69, 0x82) => Status::SecurityStatusNotSatisfied,
            (0x69, 0x83) => Status::Blocked,
            (0x69, 0x85) => Status::ConditionsNotSatisfied,
            (0x69, 0x86) => Status::CommandNotAllowed,
            (0x69, 0x87) => Status::SmObjectsMissing,
            (0x69, 0x88) => Status::SmObjectsIncorrect,
            (0x6A, 0x80) => Status::IncorrectData,
            (0x6A, 0x82) => Status::FileNotFound,
            (0x6A, 0x86) => Status::IncorrectParameters,
            (0x6A, 0x88) => Status::ReferencedDataNotFound,
            (0x6B, 0x00) => Status::WrongOffset,
            (0x6C, n) => Status::WrongLe(if n == 0 { 256 } else { n as usize }),
            (0x6D, 0x00) => Status::InsNotSupported,
            (0x6E, 0x00) => Status::ClaNotSupported,
            (0x6F, 0x00) => Status::InternalError,
            _ => Status::Unknown,
        }
    }
}

impl fmt::Display for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04X}", self.0)
    }
}

impl fmt::Debug for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SW {:04X}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hex_literal::hex;

    #[test]
    fn the_four_cases_short() {
        // Case 1.
        assert_eq!(
            Command::new(0, 0xA4, 0, 0x0C).to_bytes().unwrap(),
            hex!("00A4000C")
        );
        // Case 2: Le 256 is 00.
        let c = Command::new(0, 0xB0, 0x9C, 0).with_le(256);
        assert_eq!(c.to_bytes().unwrap(), hex!("00B09C0000"));
        // Case 3: the kz-idcard SELECT MF.
        let c = Command::new(0, 0xA4, 0, 0x0C).with_data(hex!("3F00"));
        assert_eq!(c.to_bytes().unwrap(), hex!("00A4000C023F00"));
        // Case 4.
        let c = Command::new(0, 0x88, 0, 0).with_data([1, 2]).with_le(0x80);
        assert_eq!(c.to_bytes().unwrap(), hex!("008800000201 0280"));
    }

    #[test]
    fn the_cases_extended() {
        let c = Command::new(0, 0xB0, 0, 0).expect_long_response();
        assert_eq!(c.to_bytes().unwrap(), hex!("00B00000000000"));
        let c = Command::new(0, 0xD6, 0, 0).with_data(vec![0xAA; 300]);
        let b = c.to_bytes().unwrap();
        assert_eq!(&b[..7], hex!("00D60000 00012C"));
        assert_eq!(b.len(), 7 + 300);
        let c = Command::new(0, 0x2A, 0x9E, 0x9A)
            .with_data([1, 2, 3])
            .expect_long_response();
        assert_eq!(c.to_bytes().unwrap(), hex!("002A9E9A 000003 010203 0000"));
        let c = Command::new(0, 0xB0, 0, 0).with_le(1000);
        assert_eq!(c.to_bytes().unwrap(), hex!("00B00000 00 03E8"));
    }

    #[test]
    fn oversize_is_refused() {
        let c = Command::new(0, 0xD6, 0, 0).with_data(vec![0; 65_536]);
        assert_eq!(c.to_bytes(), Err(ApduError::DataTooLong(65_536)));
        let c = Command::new(0, 0xB0, 0, 0).with_le(65_537);
        assert_eq!(c.to_bytes(), Err(ApduError::LeTooLong(65_537)));
    }

    #[test]
    fn chaining_splits_and_marks_all_but_the_last() {
        let c = Command::new(0, 0x2A, 0x9E, 0x9A)
            .with_data(vec![7; 600])
            .with_le(256);
        let parts = c.split_for_chaining(255);
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0].cla, 0x10);
        assert_eq!(parts[1].cla, 0x10);
        assert_eq!(parts[2].cla, 0x00);
        assert_eq!(parts[2].le, Some(256));
        assert!(parts[0].le.is_none());
        let total: usize = parts.iter().map(|p| p.data.len()).sum();
        assert_eq!(total, 600);
    }

    #[test]
    fn responses_and_status_words() {
        let r = Response::parse(&hex!("0102 6A82")).unwrap();
        assert_eq!(r.data, [1, 2]);
        assert_eq!(r.sw.status(), Status::FileNotFound);
        assert_eq!(
            Response::parse(&[0x90]),
            Err(ApduError::ResponseTooShort(1))
        );
        assert_eq!(StatusWord(0x63C2).status(), Status::TriesLeft(2));
        assert_eq!(StatusWord(0x6100).status(), Status::MoreData(256));
        assert_eq!(StatusWord(0x6C10).status(), Status::WrongLe(16));
        assert_eq!(StatusWord(0x6A84).status(), Status::Unknown);
        assert_eq!(StatusWord(0x6A84).to_string(), "6A84");
    }

    #[test]
    fn debug_never_shows_command_data() {
        let c = Command::new(0, 0x20, 0, 0x81).with_data(*b"123456");
        assert!(!format!("{c:?}").contains("31"));
        assert!(!format!("{c:?}").contains("123456"));
    }
}
