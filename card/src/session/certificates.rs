//! The certificate files of the key slots: reading one (as far as its DER
//! header says, once per session), writing one, and ACTIVATE KEYS, which
//! makes written certificates' keys current, all roles in one command (the
//! card checks every certificate before it moves any role).

use super::CardSession;
use super::error::{CardError, unexpected};
use super::keys::Role;
use crate::apdu::{Command, Status};
use crate::profile::{CertificateStorage, Dialect};
use crate::tlv;

impl CardSession {
    // ---- certificates -------------------------------------------------------

    /// The certificate stored for `slot` (DER), or `None` when the file is
    /// empty (starts with a zero byte) or the card keeps no certificates.
    /// Read once per session, and only as far as its DER header says: the
    /// header first, then the rest, never the file's padding.
    pub fn read_certificate(&mut self, slot: u8) -> Result<Option<Vec<u8>>, CardError> {
        self.check_slot(slot)?;
        if let Some(known) = self.known.certificates.get(&slot) {
            return Ok(known.clone());
        }
        let certificate = self.read_certificate_file(slot)?;
        self.known.certificates.insert(slot, certificate.clone());
        Ok(certificate)
    }

    fn read_certificate_file(&mut self, slot: u8) -> Result<Option<Vec<u8>>, CardError> {
        let (Some(fid), CertificateStorage::PerSlotFiles { size, .. }) = (
            self.profile.certificate_file(slot),
            self.profile.certificates,
        ) else {
            return Ok(None);
        };
        let damaged = |detail: String| CardError::CertificateFile { slot, detail };
        self.select_file(fid)?;
        let mut out = self.read_binary(0, DER_HEADER_MAX.min(size))?;
        let total = match der_length(&out) {
            DerLength::Empty => return Ok(None),
            DerLength::Total(total) => total,
            DerLength::NotASequence(first) => {
                return Err(damaged(format!(
                    "it starts with {first:02X}, not with a DER SEQUENCE (30)"
                )));
            }
            DerLength::Unsupported => {
                return Err(damaged(
                    "its DER header is truncated or its length form is not DER".into(),
                ));
            }
        };
        if total > size {
            return Err(damaged(format!(
                "its header claims {total} bytes, the file holds {size}"
            )));
        }
        while out.len() < total {
            let want = (total - out.len()).min(self.profile.chunk);
            let more = self.read_binary(out.len(), want)?;
            if more.is_empty() {
                return Err(damaged(format!(
                    "it ends after {} of the {total} bytes its header claims",
                    out.len()
                )));
            }
            out.extend_from_slice(&more);
        }
        out.truncate(total);
        Ok(Some(out))
    }

    pub(super) fn select_file(&mut self, fid: u16) -> Result<(), CardError> {
        let r = self
            .channel
            .transmit(&Command::new(0, 0xA4, 0x02, 0x0C).with_data(fid.to_be_bytes()))?;
        match r.sw.status() {
            Status::Success => Ok(()),
            _ => Err(unexpected("SELECT file", r.sw)),
        }
    }

    pub(super) fn read_binary(&mut self, offset: usize, len: usize) -> Result<Vec<u8>, CardError> {
        let command = Command::new(0, 0xB0, (offset >> 8) as u8 & 0x7F, offset as u8).with_le(len);
        let r = self.channel.transmit(&command)?;
        match r.sw.status() {
            Status::Success | Status::EndOfFile => Ok(r.data),
            Status::WrongOffset => Ok(Vec::new()),
            _ => Err(unexpected("READ BINARY", r.sw)),
        }
    }

    /// Write `der` into the certificate file of `slot` (a slot without a role).
    pub fn write_certificate(&mut self, slot: u8, der: &[u8]) -> Result<(), CardError> {
        self.check_slot(slot)?;
        let (Some(fid), CertificateStorage::PerSlotFiles { size, .. }) = (
            self.profile.certificate_file(slot),
            self.profile.certificates,
        ) else {
            return Err(CardError::Unsupported(format!(
                "storing certificates ({} has no certificate files)",
                self.profile.name
            )));
        };
        if der.len() > size {
            return Err(CardError::CertificateTooLarge(der.len(), size));
        }
        self.select_file(fid)?;
        let mut written = Ok(());
        for (i, chunk) in der.chunks(self.profile.chunk).enumerate() {
            let offset = i * self.profile.chunk;
            let command =
                Command::new(0, 0xD6, (offset >> 8) as u8 & 0x7F, offset as u8).with_data(chunk);
            written = self
                .channel
                .transmit(&command)
                .map_err(CardError::from)
                .and_then(|r| self.key_answer(r.sw, slot, "UPDATE BINARY"));
            if written.is_err() {
                break;
            }
        }
        // A part written, or an answer lost: the file is unknown.
        match &written {
            Ok(()) => self.known.wrote_certificate(slot, der),
            Err(_) => self.known.forget_slot(slot),
        }
        written
    }

    /// Make the given slots current for their roles, all in one ACTIVATE
    /// KEYS: the card checks every slot's certificate first and then moves
    /// all the roles or, on failure, none. Sent again it changes nothing.
    pub fn activate(&mut self, roles: &[(Role, u8)]) -> Result<(), CardError> {
        if self.profile.dialect != Dialect::Reference {
            return Err(CardError::Unsupported(format!(
                "making keys current ({} has no such command)",
                self.profile.name
            )));
        }
        let data: Vec<u8> = roles
            .iter()
            .flat_map(|(role, slot)| {
                tlv::encode(
                    0xA1,
                    &[
                        tlv::encode(0x83, &[role.reference_id()]),
                        tlv::encode(0x84, &[*slot]),
                    ]
                    .concat(),
                )
            })
            .collect();
        let r = self
            .channel
            .transmit(&Command::new(0x80, 0x44, 0x00, 0x00).with_data(data));
        // No answer: the roles may or may not have moved.
        let r = r.inspect_err(|_| self.known.status = None)?;
        match r.sw.status() {
            Status::Success => {
                self.known.activated(roles);
                Ok(())
            }
            Status::SecurityStatusNotSatisfied => Err(CardError::PinNeeded),
            Status::IncorrectData => Err(CardError::CertificateRefused(self.refused_slot(roles))),
            _ => {
                self.known.status = None;
                Err(unexpected("ACTIVATE KEYS", r.sw))
            }
        }
    }

    /// Which of `roles`' slots the card refused: the first whose status is
    /// not "key + complete certificate" (the card does not say; the status
    /// is read again, this is the failure path), else the first.
    fn refused_slot(&mut self, roles: &[(Role, u8)]) -> u8 {
        let first = roles.first().map_or(0, |(_, s)| *s);
        if roles.len() < 2 {
            return first;
        }
        self.known.status = None;
        let Ok(status) = self.status() else {
            return first;
        };
        roles
            .iter()
            .map(|(_, slot)| *slot)
            .find(|slot| {
                !status
                    .slots
                    .iter()
                    .any(|s| s.slot == *slot && s.has_certificate)
            })
            .unwrap_or(first)
    }
}

/// Enough of a certificate file for any DER SEQUENCE header it could
/// start with: `30 84 LL LL LL LL` (lengths beyond 16 bits are read only to
/// say how much more than the file they claim).
const DER_HEADER_MAX: usize = 6;

/// What the first bytes of a certificate file say.
#[derive(Debug, PartialEq, Eq)]
enum DerLength {
    /// A zero first byte (or no byte at all): the file is empty.
    Empty,
    /// A SEQUENCE of this many bytes, header included.
    Total(usize),
    /// Something else than a SEQUENCE starts the file (its first byte).
    NotASequence(u8),
    /// A SEQUENCE whose length is cut off, indefinite or not minimal (not DER).
    Unsupported,
}

/// The total length of the DER SEQUENCE at the start of `bytes`.
fn der_length(bytes: &[u8]) -> DerLength {
    let l0 = match bytes {
        [] | [0x00, ..] => return DerLength::Empty,
        [0x30, l0, ..] => *l0,
        [0x30] => return DerLength::Unsupported,
        [first, ..] => return DerLength::NotASequence(*first),
    };
    if l0 < 0x80 {
        return DerLength::Total(2 + usize::from(l0));
    }
    let n = usize::from(l0 & 0x7F);
    let Some(length_bytes) = bytes.get(2..2 + n).filter(|_| (1..=4).contains(&n)) else {
        return DerLength::Unsupported;
    };
    // DER: the shortest form, so no leading zero byte and no long form below 128.
    if length_bytes[0] == 0 || (n == 1 && length_bytes[0] < 0x80) {
        return DerLength::Unsupported;
    }
    let length = length_bytes
        .iter()
        .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
    DerLength::Total(2 + n + length)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_lengths_of_certificate_files() {
        assert_eq!(der_length(&[]), DerLength::Empty);
        assert_eq!(der_length(&[0, 0, 0, 0, 0, 0]), DerLength::Empty);
        assert_eq!(der_length(&[0x30, 0x05, 1, 2]), DerLength::Total(7));
        assert_eq!(
            der_length(&[0x30, 0x81, 0x90, 0]),
            DerLength::Total(3 + 0x90)
        );
        assert_eq!(
            der_length(&[0x30, 0x82, 0x02, 0xB4, 0x30, 0x82]),
            DerLength::Total(4 + 0x2B4)
        );
        assert_eq!(
            der_length(&[0x30, 0x84, 0x01, 0x00, 0x00, 0x00]),
            DerLength::Total(6 + 0x0100_0000)
        );
        assert_eq!(der_length(&[0xFF, 0xFF]), DerLength::NotASequence(0xFF));
        assert_eq!(der_length(&[0x31, 0x05]), DerLength::NotASequence(0x31));
        // Cut off, indefinite, not minimal, too long a length.
        assert_eq!(der_length(&[0x30]), DerLength::Unsupported);
        assert_eq!(der_length(&[0x30, 0x82, 0x05]), DerLength::Unsupported);
        assert_eq!(der_length(&[0x30, 0x80, 0, 0]), DerLength::Unsupported);
        assert_eq!(der_length(&[0x30, 0x81, 0x05, 0]), DerLength::Unsupported);
        assert_eq!(
            der_length(&[0x30, 0x82, 0x00, 0x90]),
            DerLength::Unsupported
        );
        assert_eq!(
            der_length(&[0x30, 0x85, 1, 0, 0, 0, 0]),
            DerLength::Unsupported
        );
    }
}
