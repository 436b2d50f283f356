//! The subject the new certificates ask for.
//!
//! NCA issues the renewed certificates to the same person under the same
//! name, so the CSR subject is the current certificate's subject, RDN for
//! RDN: the order (individuals: CN, SURNAME, SERIALNUMBER, C, GIVENNAME, then
//! E; legal entities add L, ST, O, OU between), the attribute values and their
//! string types (UTF8String names, PrintableString SERIALNUMBER and C) are
//! copied as encoded, never re-typed. Only the e-mail comes from the form.

use der::asn1::{Any, Ia5String};
use der::{Decode, Encode};
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};

use super::ReissueError;
use crate::cert::{Holder, KzCertificate};
use crate::oid;

/// The subject for the new certificates: the current one's, with `email` (if
/// given) as the e-mail address. An existing E keeps its place with the new
/// value (every other E is dropped); without one, E is appended as the last
/// RDN, where NCA puts it. The e-mail is PKCS#9's IA5String.
pub fn renewal_subject(current: &KzCertificate, email: Option<&str>) -> Result<Name, ReissueError> {
    let new_email = email
        .map(|e| -> Result<AttributeTypeAndValue, ReissueError> {
            let value = Ia5String::new(e).map_err(|_| ReissueError::BadEmail)?;
            Ok(AttributeTypeAndValue {
                oid: oid::AT_EMAIL,
                value: Any::encode_from(&value).map_err(|_| ReissueError::Encoding)?,
            })
        })
        .transpose()?;

    let mut rdns: Vec<RelativeDistinguishedName> = Vec::new();
    let mut placed = false;
    for rdn in current.inner().tbs_certificate().subject().iter_rdn() {
        let mut kept: Vec<AttributeTypeAndValue> = Vec::new();
        for atv in rdn.iter() {
            match &new_email {
                Some(replacement) if atv.oid == oid::AT_EMAIL => {
                    if !placed {
                        kept.push(replacement.clone());
                        placed = true;
                    }
                }
                _ => kept.push(atv.clone()),
            }
        }
        if !kept.is_empty() {
            rdns.push(
                RelativeDistinguishedName::try_from(kept).map_err(|_| ReissueError::Encoding)?,
            );
        }
    }
    if let (Some(email), false) = (new_email, placed) {
        rdns.push(
            RelativeDistinguishedName::try_from(vec![email]).map_err(|_| ReissueError::Encoding)?,
        );
    }
    // x509-cert builds a `Name` only by decoding (which checks its rules),
    // so the copied RDNs go through their DER once.
    let der = RdnSequence::from(rdns)
        .to_der()
        .map_err(|_| ReissueError::Encoding)?;
    Name::from_der(&der).map_err(|_| ReissueError::Encoding)
}

/// The IIN digits in a subject's SERIALNUMBER, if any, exactly as written
/// (a failing control digit is carried, not judged).
pub(crate) fn subject_iin(name: &Name) -> Option<String> {
    Holder::from_name(name).iin.map(|i| i.digits().to_string())
}

/// The subject NCA gives an individual, in its encoded order: CN = "SURNAME
/// NAME", SURNAME, SERIALNUMBER = "IIN" + IIN, C = KZ, GIVENNAME = the
/// patronymic, then E when known. Used where no current certificate exists to
/// copy from (the registration centre's first enrolment).
pub fn individual_subject(
    surname: &str,
    name: &str,
    patronymic: Option<&str>,
    iin: &str,
    email: Option<&str>,
) -> Result<Name, ReissueError> {
    use der::asn1::{PrintableStringRef, Utf8StringRef};
    let utf8 = |oid, text: &str| -> Result<AttributeTypeAndValue, ReissueError> {
        let value = Utf8StringRef::new(text).map_err(|_| ReissueError::Encoding)?;
        Ok(AttributeTypeAndValue {
            oid,
            value: Any::encode_from(&value).map_err(|_| ReissueError::Encoding)?,
        })
    };
    let printable = |oid, text: &str| -> Result<AttributeTypeAndValue, ReissueError> {
        let value = PrintableStringRef::new(text).map_err(|_| ReissueError::Encoding)?;
        Ok(AttributeTypeAndValue {
            oid,
            value: Any::encode_from(&value).map_err(|_| ReissueError::Encoding)?,
        })
    };
    let mut atvs = vec![
        utf8(oid::AT_COMMON_NAME, &format!("{surname} {name}"))?,
        utf8(oid::AT_SURNAME, surname)?,
        printable(oid::AT_SERIAL_NUMBER, &format!("IIN{iin}"))?,
        printable(oid::AT_COUNTRY, "KZ")?,
    ];
    if let Some(patronymic) = patronymic.filter(|p| !p.is_empty()) {
        atvs.push(utf8(oid::AT_GIVEN_NAME, patronymic)?);
    }
    if let Some(email) = email {
        let value = Ia5String::new(email).map_err(|_| ReissueError::BadEmail)?;
        atvs.push(AttributeTypeAndValue {
            oid: oid::AT_EMAIL,
            value: Any::encode_from(&value).map_err(|_| ReissueError::Encoding)?,
        });
    }
    let rdns = atvs
        .into_iter()
        .map(|atv| RelativeDistinguishedName::try_from(vec![atv]))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| ReissueError::Encoding)?;
    let der = RdnSequence::from(rdns)
        .to_der()
        .map_err(|_| ReissueError::Encoding)?;
    Name::from_der(&der).map_err(|_| ReissueError::Encoding)
}
