//! Small pieces every reader of a CMS document in the core needs: the DER
//! behind a DER-or-PEM input, and a signed attribute that must appear once.
//! Each caller maps "not there" to its own error.

use std::borrow::Cow;

use der::asn1::{Any, ObjectIdentifier};
use x509_cert::attr::Attributes;

/// The DER of a CMS document given as DER, or as PEM labelled "CMS"
/// (`openssl cms`) or "PKCS7" (`openssl pkcs7`, older tools). `None` for
/// PEM of another kind or broken PEM.
pub(crate) fn cms_der(bytes: &[u8]) -> Option<Cow<'_, [u8]>> {
    let text = bytes.trim_ascii_start();
    if !text.starts_with(b"-----BEGIN") {
        return Some(bytes.into());
    }
    let (label, der) = der::pem::decode_vec(text).ok()?;
    (label == "CMS" || label == "PKCS7").then_some(der.into())
}

/// The one value of the signed attribute `oid`, which must appear exactly
/// once and with exactly one value.
pub(crate) fn single_value(attrs: &Attributes, oid: ObjectIdentifier) -> Option<&Any> {
    let mut found = attrs.iter().filter(|a| a.oid == oid);
    match (found.next(), found.next()) {
        (Some(attribute), None) if attribute.values.len() == 1 => attribute.values.iter().next(),
        _ => None,
    }
}
