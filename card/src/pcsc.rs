//! Desktop card readers through PC/SC (pcsc-lite on Linux and macOS,
//! WinSCard on Windows). Behind the `pcsc` feature: it links the system's
//! PC/SC library, which phones do not have.

use std::ffi::CString;

use super::transport::{CardTransport, TransportError};

/// A card in a PC/SC reader.
pub struct PcscTransport {
    card: pcsc::Card,
    atr: Option<Vec<u8>>,
    reader: String,
}

impl std::fmt::Debug for PcscTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PcscTransport({})", self.reader)
    }
}

fn map_error(e: pcsc::Error) -> TransportError {
    match e {
        pcsc::Error::RemovedCard
        | pcsc::Error::ResetCard
        | pcsc::Error::NoSmartcard
        | pcsc::Error::UnpoweredCard => TransportError::TagLost,
        pcsc::Error::Timeout => TransportError::Timeout,
        pcsc::Error::NoService | pcsc::Error::ServiceStopped => TransportError::Other(
            "the PC/SC service (pcscd) is not running; start it and try again".into(),
        ),
        pcsc::Error::NoReadersAvailable => {
            TransportError::Other("no card reader is connected".into())
        }
        other => TransportError::Other(other.to_string()),
    }
}

fn context() -> Result<pcsc::Context, TransportError> {
    pcsc::Context::establish(pcsc::Scope::User).map_err(map_error)
}

/// The names of the connected readers.
pub fn readers() -> Result<Vec<String>, TransportError> {
    let names = context()?.list_readers_owned().map_err(map_error)?;
    Ok(names
        .into_iter()
        .map(|n| n.to_string_lossy().into_owned())
        .collect())
}

impl PcscTransport {
    /// Connect to the card in `reader` (exact name, or a unique prefix).
    pub fn connect(reader: &str) -> Result<Self, TransportError> {
        let ctx = context()?;
        let names = ctx.list_readers_owned().map_err(map_error)?;
        let matching: Vec<&CString> = names
            .iter()
            .filter(|n| n.to_string_lossy().starts_with(reader))
            .collect();
        let name = match matching.as_slice() {
            [one] => *one,
            [] => {
                return Err(TransportError::Other(format!(
                    "no reader named {reader:?}; `qoltanba card readers` lists them"
                )));
            }
            _ => {
                return Err(TransportError::Other(format!(
                    "{reader:?} names several readers; give the whole name"
                )));
            }
        };
        let card = ctx
            .connect(name, pcsc::ShareMode::Exclusive, pcsc::Protocols::ANY)
            .map_err(map_error)?;
        // SCardStatus knows the ATR whatever the driver; SCARD_ATTR_ATR_STRING
        // is answered by the driver, and vsmartcard's vpcd gives none.
        let atr = card
            .status2_owned()
            .ok()
            .map(|s| s.atr().to_vec())
            .filter(|atr| !atr.is_empty())
            .or_else(|| {
                card.get_attribute_owned(pcsc::Attribute::AtrString)
                    .ok()
                    .filter(|atr| !atr.is_empty())
            });
        Ok(Self {
            card,
            atr,
            reader: name.to_string_lossy().into_owned(),
        })
    }

    pub fn reader(&self) -> &str {
        &self.reader
    }
}

impl CardTransport for PcscTransport {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let mut buffer = vec![0u8; pcsc::MAX_BUFFER_SIZE_EXTENDED];
        let response = self
            .card
            .transmit(command, &mut buffer)
            .map_err(map_error)?;
        Ok(response.to_vec())
    }

    fn atr(&self) -> Option<Vec<u8>> {
        self.atr.clone()
    }
}
