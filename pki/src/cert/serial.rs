//! Certificate serial numbers as text. One form everywhere: upper-case hex
//! of the DER integer's bytes, as NCA's tools print it
//! ([`KzCertificate::serial_hex`](super::KzCertificate::serial_hex) for a
//! certificate; [`serial_hex`] for raw bytes; [`normalise_serial`] for text
//! from outside).

/// Upper-case hex of a serial number's bytes.
pub fn serial_hex(serial: &[u8]) -> String {
    hex::encode_upper(serial)
}

/// The longest serial accepted, in hex digits: RFC 5280 allows 20 octets,
/// and DER adds a leading zero octet when the top bit is set.
pub const MAX_SERIAL_HEX: usize = 42;

/// Why a serial number was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SerialProblem {
    #[error("it is empty")]
    Empty,
    #[error("it is longer than {MAX_SERIAL_HEX} hex digits")]
    TooLong,
    #[error("it holds a character other than 0-9 and A-F")]
    NotHex,
}

/// A serial number typed or received as hex (push payloads, deep links,
/// the RA's answers), checked and put in the one form qoltanba keys serials
/// by: upper-case hex, as [`KzCertificate::serial_hex`](super::KzCertificate::serial_hex) prints it.
pub fn normalise_serial(serial: &str) -> Result<String, SerialProblem> {
    if serial.is_empty() {
        Err(SerialProblem::Empty)
    } else if serial.len() > MAX_SERIAL_HEX {
        Err(SerialProblem::TooLong)
    } else if !serial.bytes().all(|b| b.is_ascii_hexdigit()) {
        Err(SerialProblem::NotHex)
    } else {
        Ok(serial.to_ascii_uppercase())
    }
}

impl qoltanba_l10n::Localize for SerialProblem {
    fn text(&self) -> qoltanba_l10n::Text {
        use qoltanba_l10n::Text;
        match self {
            Self::Empty => Text::new("error-serial-empty"),
            Self::TooLong => Text::new("error-serial-too-long").arg("max", MAX_SERIAL_HEX),
            Self::NotHex => Text::new("error-serial-not-hex"),
        }
    }
}
