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

/// What PC/SC reported, as the card stack needs it. A card that is gone
/// (pulled out, reset by another program, or its reader unplugged) is a lost
/// card, as on NFC: the operation starts again once it is back.
fn map_error(e: pcsc::Error) -> TransportError {
    match e {
        pcsc::Error::RemovedCard
        | pcsc::Error::ResetCard
        | pcsc::Error::NoSmartcard
        | pcsc::Error::UnpoweredCard
        | pcsc::Error::ReaderUnavailable
        | pcsc::Error::UnknownReader => TransportError::TagLost,
        pcsc::Error::Timeout | pcsc::Error::UnresponsiveCard => TransportError::Timeout,
        pcsc::Error::NoService | pcsc::Error::ServiceStopped => TransportError::Other(
            "the PC/SC service (pcscd) is not running; start it and try again".into(),
        ),
        pcsc::Error::NoReadersAvailable => {
            TransportError::Other("no card reader is connected".into())
        }
        other => TransportError::Other(other.to_string()),
    }
}

/// Errors of an exchange that broke off for a reason the reader does not
/// name (pcsc-lite answers a driver's failure with these): whether the card
/// is still there decides between a lost card and a reader failure.
fn broke_off(e: pcsc::Error) -> bool {
    matches!(
        e,
        pcsc::Error::CommError | pcsc::Error::NotTransacted | pcsc::Error::CommDataLost
    )
}

/// A failed exchange: `present` asks the reader whether a card is still in
/// it (`None` when the reader cannot say, which is itself a lost card).
fn exchange_failed(e: pcsc::Error, present: impl FnOnce() -> Option<bool>) -> TransportError {
    match map_error(e) {
        TransportError::Other(_) if broke_off(e) && present() != Some(true) => {
            TransportError::TagLost
        }
        mapped => mapped,
    }
}

/// The reader's answer to one command. An answer without a status word
/// (the reader returned nothing, or one byte) is never the card's: the
/// exchange broke off, as when the card leaves mid-command, so it is a lost
/// card (safe to start again), not a malformed answer.
fn answer(response: &[u8]) -> Result<Vec<u8>, TransportError> {
    if response.len() < 2 {
        return Err(TransportError::TagLost);
    }
    Ok(response.to_vec())
}

/// Whether a card is still in the reader, as far as the reader says.
fn card_present(card: &pcsc::Card) -> Option<bool> {
    match card.status2_owned() {
        Ok(status) => Some(status.status().contains(pcsc::Status::PRESENT)),
        Err(e) if map_error(e) == TransportError::TagLost => Some(false),
        Err(_) => None,
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
        match self.card.transmit(command, &mut buffer) {
            Ok(response) => answer(response),
            Err(e) => Err(exchange_failed(e, || card_present(&self.card))),
        }
    }

    fn atr(&self) -> Option<Vec<u8>> {
        self.atr.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_card_gone_from_the_reader_is_a_lost_card() {
        for e in [
            pcsc::Error::RemovedCard,
            pcsc::Error::ResetCard,
            pcsc::Error::NoSmartcard,
            pcsc::Error::UnpoweredCard,
            pcsc::Error::ReaderUnavailable,
            pcsc::Error::UnknownReader,
        ] {
            assert_eq!(map_error(e), TransportError::TagLost, "{e:?}");
            // Whatever the reader says about presence afterwards.
            assert_eq!(exchange_failed(e, || Some(true)), TransportError::TagLost);
        }
        assert_eq!(map_error(pcsc::Error::Timeout), TransportError::Timeout);
        assert!(matches!(
            map_error(pcsc::Error::NoService),
            TransportError::Other(why) if why.contains("pcscd")
        ));
    }

    #[test]
    fn an_exchange_that_broke_off_is_lost_when_the_card_is_gone() {
        for e in [
            pcsc::Error::CommError,
            pcsc::Error::NotTransacted,
            pcsc::Error::CommDataLost,
        ] {
            assert_eq!(exchange_failed(e, || Some(false)), TransportError::TagLost);
            assert_eq!(exchange_failed(e, || None), TransportError::TagLost);
            // With the card still there it is the reader's failure.
            assert!(matches!(
                exchange_failed(e, || Some(true)),
                TransportError::Other(_)
            ));
        }
        // Presence is asked only when it decides something.
        let asked = std::cell::Cell::new(false);
        let e = exchange_failed(pcsc::Error::SharingViolation, || {
            asked.set(true);
            Some(false)
        });
        assert!(matches!(e, TransportError::Other(_)), "{e:?}");
        assert!(!asked.get());
    }

    #[test]
    fn an_answer_without_a_status_word_is_a_lost_card_not_a_malformed_answer() {
        assert_eq!(answer(&[]), Err(TransportError::TagLost));
        assert_eq!(answer(&[0x90]), Err(TransportError::TagLost));
        assert_eq!(answer(&[0x90, 0x00]), Ok(vec![0x90, 0x00]));
        assert_eq!(answer(&[0x01, 0x62, 0x82]), Ok(vec![0x01, 0x62, 0x82]));
    }
}
