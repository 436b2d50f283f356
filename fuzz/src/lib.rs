//! What the fuzz targets share: splitting one input into several messages
//! (a card's answers, a run of commands), and re-MACing a PKCS#12 file so
//! that the fuzzer reaches the key-file parser past the MAC check.

use der::asn1::{Any, ObjectIdentifier, OctetString};
use der::{Decode, Encode, EncodingRules, Sequence, SliceReader};
use hmac::{Hmac, KeyInit, Mac};
use sha1::{Digest, Sha1};
use spki::AlgorithmIdentifierOwned;

/// The password of NCA's test key files (testdata/README.md), under which
/// [`remac_pkcs12`] MACs: the seeds' encrypted bags then still decrypt.
pub const KEY_FILE_PASSWORD: &str = "Qwerty12";

/// The messages packed in one input: each is a big-endian 16-bit length and
/// that many bytes (fewer at the end of the input). The seed script writes
/// the same format (fuzz/seeds.sh).
pub struct Frames<'a> {
    rest: &'a [u8],
}

impl<'a> Frames<'a> {
    pub fn new(input: &'a [u8]) -> Self {
        Self { rest: input }
    }
}

impl<'a> Iterator for Frames<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let [hi, lo, rest @ ..] = self.rest else {
            return None;
        };
        let len = usize::from(u16::from_be_bytes([*hi, *lo])).min(rest.len());
        let (frame, rest) = rest.split_at(len);
        self.rest = rest;
        Some(frame)
    }
}

const CT_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const SHA1_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");

/// PFX, ContentInfo, MacData and DigestInfo of RFC 7292, as qoltanba-pki
/// declares them (its own are crate-private).
#[derive(Sequence)]
struct Pfx {
    version: u8,
    auth_safe: ContentInfo,
    mac_data: Option<MacData>,
}

#[derive(Sequence)]
struct ContentInfo {
    content_type: ObjectIdentifier,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    content: Option<Any>,
}

#[derive(Sequence)]
struct MacData {
    mac: DigestInfo,
    mac_salt: OctetString,
    iterations: u32,
}

#[derive(Sequence)]
struct DigestInfo {
    algorithm: AlgorithmIdentifierOwned,
    digest: OctetString,
}

fn decode_ber<'a, T: Decode<'a, Error = der::Error>>(bytes: &'a [u8]) -> Option<T> {
    let mut reader = SliceReader::new_with_encoding_rules(bytes, EncodingRules::Ber).ok()?;
    let value = T::decode(&mut reader).ok()?;
    der::Reader::finish(reader).ok()?;
    Some(value)
}

/// A key file whose MAC holds under [`KEY_FILE_PASSWORD`].
///
/// When `input` reads as a PFX (a seed from testdata/, or a mutation that
/// kept the outer layers), its version, content type and authenticated safe
/// are kept and only the MAC is made anew; otherwise `input` is taken as the
/// authenticated safe itself. Either way the parser gets past the MAC and
/// decodes what the fuzzer wrote, which a wrong MAC would hide.
pub fn remac_pkcs12(input: &[u8]) -> Vec<u8> {
    let (version, content_type, auth_safe) = match decode_ber::<Pfx>(input).and_then(|pfx| {
        let any = pfx.auth_safe.content?;
        let der = any.to_der().ok()?;
        let octets: OctetString = decode_ber(&der)?;
        Some((
            pfx.version,
            pfx.auth_safe.content_type,
            octets.as_bytes().to_vec(),
        ))
    }) {
        Some(found) => found,
        None => (3, CT_DATA, input.to_vec()),
    };
    let salt = [0x5A; 8];
    let key = pkcs12_sha1_mac_key(KEY_FILE_PASSWORD, &salt);
    let Ok(mut mac) = <Hmac<Sha1> as KeyInit>::new_from_slice(&key) else {
        return Vec::new();
    };
    mac.update(&auth_safe);
    let digest = mac.finalize().into_bytes().to_vec();
    let build = || -> der::Result<Vec<u8>> {
        Pfx {
            version,
            auth_safe: ContentInfo {
                content_type,
                content: Some(Any::encode_from(&OctetString::new(auth_safe.clone())?)?),
            },
            mac_data: Some(MacData {
                mac: DigestInfo {
                    algorithm: AlgorithmIdentifierOwned {
                        oid: SHA1_OID,
                        parameters: Some(Any::null()),
                    },
                    digest: OctetString::new(digest.clone())?,
                },
                mac_salt: OctetString::new(salt.to_vec())?,
                iterations: 1,
            }),
        }
        .to_der()
    };
    build().unwrap_or_default()
}

/// The PKCS#12 KDF (RFC 7292, appendix B) for the MAC key (ID 3), SHA-1,
/// one iteration: 20 bytes, so one block of output.
fn pkcs12_sha1_mac_key(password: &str, salt: &[u8]) -> Vec<u8> {
    const V: usize = 64;
    let mut bmp: Vec<u8> = password.encode_utf16().flat_map(u16::to_be_bytes).collect();
    bmp.extend_from_slice(&[0, 0]);
    let mut i = Vec::new();
    for src in [salt, &bmp[..]] {
        i.extend(src.iter().cycle().take(V * src.len().div_ceil(V)));
    }
    let mut hasher = Sha1::new();
    hasher.update([3u8; V]);
    hasher.update(&i);
    hasher.finalize().to_vec()
}
