//! The certificate files of the key slots: reading one whole, writing one,
//! and ACTIVATE KEYS, which makes a written certificate's key current (the
//! card checks the certificate before it moves a role).

use super::CardSession;
use super::error::{CardError, unexpected};
use super::keys::Role;
use crate::apdu::{Command, Status};
use crate::profile::{CertificateStorage, Dialect};
use crate::tlv;

impl CardSession {
    // ---- certificates -------------------------------------------------------

    /// The certificate stored for `slot` (DER), or `None` when the file is
    /// empty or the card keeps no certificates.
    pub fn read_certificate(&mut self, slot: u8) -> Result<Option<Vec<u8>>, CardError> {
        const OP: &str = "READ BINARY";
        self.check_slot(slot)?;
        let Some(fid) = self.profile.certificate_file(slot) else {
            return Ok(None);
        };
        let CertificateStorage::PerSlotFiles { size, .. } = self.profile.certificates else {
            return Ok(None);
        };
        self.select_file(fid)?;
        let first = self.read_binary(0, self.profile.chunk.min(size))?;
        if first.first().copied().unwrap_or(0) == 0 {
            return Ok(None);
        }
        let total = der_total_length(&first).ok_or_else(|| CardError::Malformed {
            operation: OP,
            detail: "the certificate file does not start with a DER SEQUENCE".into(),
        })?;
        if total > size {
            return Err(CardError::Malformed {
                operation: OP,
                detail: format!("a {total}-byte certificate in a {size}-byte file"),
            });
        }
        let mut out = first;
        while out.len() < total {
            let want = (total - out.len()).min(self.profile.chunk);
            let more = self.read_binary(out.len(), want)?;
            if more.is_empty() {
                return Err(CardError::Malformed {
                    operation: OP,
                    detail: "the file ends inside the certificate".into(),
                });
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
        for (i, chunk) in der.chunks(self.profile.chunk).enumerate() {
            let offset = i * self.profile.chunk;
            let command =
                Command::new(0, 0xD6, (offset >> 8) as u8 & 0x7F, offset as u8).with_data(chunk);
            let r = self.channel.transmit(&command)?;
            self.key_answer(r.sw, slot, "UPDATE BINARY")?;
        }
        Ok(())
    }

    /// Make the given slots current for their roles, all at once. The card
    /// checks each slot's certificate first and changes nothing on failure.
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
            .transmit(&Command::new(0x80, 0x44, 0x00, 0x00).with_data(data))?;
        match r.sw.status() {
            Status::Success => Ok(()),
            Status::SecurityStatusNotSatisfied => Err(CardError::PinNeeded),
            Status::IncorrectData => Err(CardError::CertificateRefused(
                roles.first().map(|(_, s)| *s).unwrap_or(0),
            )),
            _ => Err(unexpected("ACTIVATE KEYS", r.sw)),
        }
    }
}

/// The total length of the DER element at the start of `bytes` (header included).
pub(super) fn der_total_length(bytes: &[u8]) -> Option<usize> {
    if bytes.first() != Some(&0x30) {
        return None;
    }
    let l0 = *bytes.get(1)?;
    match l0 {
        0x00..=0x7F => Some(2 + l0 as usize),
        0x81 => Some(3 + *bytes.get(2)? as usize),
        0x82 => Some(4 + u16::from_be_bytes([*bytes.get(2)?, *bytes.get(3)?]) as usize),
        _ => None,
    }
}
