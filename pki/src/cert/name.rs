//! The holder of a certificate, read from its subject as NCA encodes it.

use der::asn1::{Any, BmpString, Ia5String, PrintableString, TeletexString};
use der::{Tag, Tagged};
use x509_cert::name::Name;

use super::iin::{Bin, Iin};
use crate::oid;

/// Who a certificate belongs to.
///
/// NCA's subject for an individual is, in encoded order: CN = "SURNAME NAME",
/// SURNAME, SERIALNUMBER = "IIN" + 12 digits, C, GIVENNAME = the patronymic,
/// and optionally E. Legal entities add O and OU = "BIN" + 12 digits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Holder {
    pub common_name: Option<String>,
    pub surname: Option<String>,
    /// NCA stores the patronymic in GIVENNAME (2.5.4.42).
    pub patronymic: Option<String>,
    pub iin: Option<Iin>,
    pub bin: Option<Bin>,
    pub organisation: Option<String>,
    pub email: Option<String>,
    pub country: Option<String>,
    pub locality: Option<String>,
    pub state: Option<String>,
    /// The raw SERIALNUMBER, when it is not of the "IIN…" form.
    pub serial_number: Option<String>,
}

impl Holder {
    pub fn from_name(name: &Name) -> Self {
        let mut holder = Holder::default();
        for atv in name.iter() {
            let Some(value) = attribute_string(&atv.value) else {
                continue;
            };
            let slot = match atv.oid {
                oid::AT_COMMON_NAME => &mut holder.common_name,
                oid::AT_SURNAME => &mut holder.surname,
                oid::AT_GIVEN_NAME => &mut holder.patronymic,
                oid::AT_ORGANIZATION => &mut holder.organisation,
                oid::AT_EMAIL => &mut holder.email,
                oid::AT_COUNTRY => &mut holder.country,
                oid::AT_LOCALITY => &mut holder.locality,
                oid::AT_STATE => &mut holder.state,
                oid::AT_SERIAL_NUMBER => {
                    match value.strip_prefix("IIN") {
                        Some(digits) if holder.iin.is_none() => holder.iin = Some(Iin::new(digits)),
                        _ => holder.serial_number = Some(value),
                    }
                    continue;
                }
                oid::AT_ORGANIZATIONAL_UNIT => {
                    if let Some(digits) = value.strip_prefix("BIN") {
                        holder.bin = Some(Bin::new(digits));
                    }
                    continue;
                }
                _ => continue,
            };
            slot.get_or_insert(value);
        }
        holder
    }

    /// The first name: CN is "SURNAME NAME", so it is CN without the surname.
    pub fn first_name(&self) -> Option<&str> {
        let cn = self.common_name.as_deref()?;
        match self.surname.as_deref() {
            Some(surname) => cn
                .strip_prefix(surname)
                .map(str::trim_start)
                .filter(|s| !s.is_empty()),
            None => cn.split_once(' ').map(|(_, rest)| rest),
        }
    }

    /// The IIN's 12 digits, empty when the certificate names none (a
    /// screen shows it as it is).
    pub fn iin_digits(&self) -> String {
        self.iin
            .as_ref()
            .map(|i| i.digits().to_owned())
            .unwrap_or_default()
    }

    /// "SURNAME NAME PATRONYMIC", as the cabinet shows it.
    pub fn full_name(&self) -> Option<String> {
        let cn = self.common_name.clone()?;
        Some(match &self.patronymic {
            Some(p) => format!("{cn} {p}"),
            None => cn,
        })
    }
}

/// Decode a directory string of any of the encodings seen in the wild.
pub(crate) fn attribute_string(value: &Any) -> Option<String> {
    let s = match value.tag() {
        Tag::Utf8String => value.decode_as::<String>().ok()?,
        Tag::PrintableString => value.decode_as::<PrintableString>().ok()?.to_string(),
        Tag::Ia5String => value.decode_as::<Ia5String>().ok()?.to_string(),
        Tag::TeletexString => value.decode_as::<TeletexString>().ok()?.to_string(),
        Tag::BmpString => value.decode_as::<BmpString>().ok()?.to_string(),
        _ => return None,
    };
    Some(s)
}
