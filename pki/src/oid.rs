//! Object identifiers used across the crate, in one place.
//!
//! Standard ones come from `const-oid`'s database where it has them; the
//! Kazakh ones (arc 1.2.398, the Republic of Kazakhstan) are written out here,
//! with the meaning recorded in docs and `design/domain.md`.

use der::asn1::ObjectIdentifier as Oid;

// --- Public-key and signature algorithms -------------------------------
pub const RSA_ENCRYPTION: Oid = Oid::new_unwrap("1.2.840.113549.1.1.1");
pub const SHA256_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.11");
pub const SHA384_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.12");
pub const SHA512_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.13");
pub const SHA1_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.5");
pub const EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
pub const SECP256R1: Oid = Oid::new_unwrap("1.2.840.10045.3.1.7");
pub const SECP384R1: Oid = Oid::new_unwrap("1.3.132.0.34");
pub const ECDSA_WITH_SHA256: Oid = Oid::new_unwrap("1.2.840.10045.4.3.2");
pub const ECDSA_WITH_SHA384: Oid = Oid::new_unwrap("1.2.840.10045.4.3.3");

/// GOST 2015 (GOST R 34.10-2012 in the Kazakh profile), 512-bit key.
pub const KZ_GOST2015_512_KEY: Oid = Oid::new_unwrap("1.2.398.3.10.1.1.2.2");
/// GOST 2015 512-bit key parameters: TC26 512 paramSetA (RFC 7836).
pub const KZ_GOST2015_512_PARAMS_A: Oid = Oid::new_unwrap("1.2.398.3.10.1.1.2.2.1");
/// GOST 2015 512-bit signature with Streebog-512.
pub const KZ_GOST2015_512_SIG: Oid = Oid::new_unwrap("1.2.398.3.10.1.1.2.3.2");
/// GOST 2015 256-bit key.
pub const KZ_GOST2015_256_KEY: Oid = Oid::new_unwrap("1.2.398.3.10.1.1.2.1");
/// GOST 2015 256-bit signature with Streebog-256.
pub const KZ_GOST2015_256_SIG: Oid = Oid::new_unwrap("1.2.398.3.10.1.1.2.3.1");
/// GOST 34.310-2004 key (legacy; verification only).
pub const KZ_GOST2004_KEY: Oid = Oid::new_unwrap("1.2.398.3.10.1.1.1.1");
/// GOST 34.310-2004 signature with GOST R 34.11-94.
pub const KZ_GOST2004_SIG: Oid = Oid::new_unwrap("1.2.398.3.10.1.1.1.2");
/// GOST 34.310-2004 key parameters: the CryptoPro-A curve (RFC 4357).
pub const KZ_GOST2004_PARAMS_A: Oid = Oid::new_unwrap("1.2.398.3.10.1.1.1.1.1");
/// GOST R 34.11-94 with the test S-box, as named in GOST 2004 key parameters.
pub const KZ_GOST34311_95_TEST: Oid = Oid::new_unwrap("1.2.398.3.10.1.3.1.1.0");
/// Streebog-512 digest in the Kazakh arc.
pub const KZ_STREEBOG_512: Oid = Oid::new_unwrap("1.2.398.3.10.1.3.3");

// --- Digests -------------------------------------------------------------
pub const SHA1: Oid = Oid::new_unwrap("1.3.14.3.2.26");
pub const SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
pub const SHA384: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.2");
pub const SHA512: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.3");

// --- Names ---------------------------------------------------------------
pub const AT_COMMON_NAME: Oid = Oid::new_unwrap("2.5.4.3");
pub const AT_SURNAME: Oid = Oid::new_unwrap("2.5.4.4");
pub const AT_SERIAL_NUMBER: Oid = Oid::new_unwrap("2.5.4.5");
pub const AT_COUNTRY: Oid = Oid::new_unwrap("2.5.4.6");
pub const AT_LOCALITY: Oid = Oid::new_unwrap("2.5.4.7");
pub const AT_STATE: Oid = Oid::new_unwrap("2.5.4.8");
pub const AT_ORGANIZATION: Oid = Oid::new_unwrap("2.5.4.10");
pub const AT_ORGANIZATIONAL_UNIT: Oid = Oid::new_unwrap("2.5.4.11");
/// NCA puts the patronymic into GIVENNAME.
pub const AT_GIVEN_NAME: Oid = Oid::new_unwrap("2.5.4.42");
pub const AT_EMAIL: Oid = Oid::new_unwrap("1.2.840.113549.1.9.1");

// --- Certificate extensions -----------------------------------------------
pub const EXT_SUBJECT_KEY_ID: Oid = Oid::new_unwrap("2.5.29.14");
pub const EXT_KEY_USAGE: Oid = Oid::new_unwrap("2.5.29.15");
pub const EXT_BASIC_CONSTRAINTS: Oid = Oid::new_unwrap("2.5.29.19");
pub const EXT_CRL_DISTRIBUTION_POINTS: Oid = Oid::new_unwrap("2.5.29.31");
pub const EXT_CERTIFICATE_POLICIES: Oid = Oid::new_unwrap("2.5.29.32");
pub const EXT_AUTHORITY_KEY_ID: Oid = Oid::new_unwrap("2.5.29.35");
pub const EXT_EXTENDED_KEY_USAGE: Oid = Oid::new_unwrap("2.5.29.37");
pub const EXT_AUTHORITY_INFO_ACCESS: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.1.1");
/// NCA's private extension; seen as SEQUENCE { 1.2.398.3.3.5.1.1 }, meaning unconfirmed.
pub const EXT_KZ_PRIVATE: Oid = Oid::new_unwrap("1.2.398.3.3.5");

pub const AD_OCSP: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.48.1");
pub const AD_CA_ISSUERS: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.48.2");

pub const KP_CLIENT_AUTH: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.2");
pub const KP_EMAIL_PROTECTION: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.4");
/// id-kp-timeStamping: a TSA's certificate (RFC 3161 2.3).
pub const KP_TIME_STAMPING: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.8");

// --- Kazakh roles (in the EKU), under 1.2.398.3.3.4 ------------------------
pub const KZ_ROLE_INDIVIDUAL: Oid = Oid::new_unwrap("1.2.398.3.3.4.1.1");
pub const KZ_ROLE_ORGANISATION: Oid = Oid::new_unwrap("1.2.398.3.3.4.1.2");
pub const KZ_ROLE_CEO: Oid = Oid::new_unwrap("1.2.398.3.3.4.1.2.1");
pub const KZ_ROLE_MAY_SIGN: Oid = Oid::new_unwrap("1.2.398.3.3.4.1.2.2");
pub const KZ_ROLE_FINANCE: Oid = Oid::new_unwrap("1.2.398.3.3.4.1.2.3");
pub const KZ_ROLE_HR: Oid = Oid::new_unwrap("1.2.398.3.3.4.1.2.4");
pub const KZ_ROLE_EMPLOYEE: Oid = Oid::new_unwrap("1.2.398.3.3.4.1.2.5");
pub const KZ_ROLE_NCA_STAFF: Oid = Oid::new_unwrap("1.2.398.3.3.4.2");
pub const KZ_ROLE_IDENTIFIED_IN_PERSON: Oid = Oid::new_unwrap("1.2.398.3.3.4.3.1");
pub const KZ_ROLE_IDENTIFIED_REMOTELY: Oid = Oid::new_unwrap("1.2.398.3.3.4.3.2");
pub const KZ_ROLE_IDENTIFIED_DIGITAL_ID: Oid = Oid::new_unwrap("1.2.398.3.3.4.3.2.1");

// --- CMS and PKCS#9 attributes -----------------------------------------------
pub const CT_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.1");
pub const CT_SIGNED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.2");
pub const CT_ENCRYPTED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.6");
pub const ATTR_CONTENT_TYPE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.3");
pub const ATTR_MESSAGE_DIGEST: Oid = Oid::new_unwrap("1.2.840.113549.1.9.4");
pub const ATTR_SIGNING_TIME: Oid = Oid::new_unwrap("1.2.840.113549.1.9.5");
pub const ATTR_FRIENDLY_NAME: Oid = Oid::new_unwrap("1.2.840.113549.1.9.20");
pub const ATTR_LOCAL_KEY_ID: Oid = Oid::new_unwrap("1.2.840.113549.1.9.21");
pub const ATTR_EXTENSION_REQUEST: Oid = Oid::new_unwrap("1.2.840.113549.1.9.14");
/// id-ct-TSTInfo: the content a time-stamp token signs (RFC 3161).
pub const CT_TST_INFO: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.1.4");
/// id-aa-signatureTimeStampToken: the unsigned attribute of CAdES-T
/// (RFC 3161 appendix A).
pub const ATTR_SIGNATURE_TIMESTAMP: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.14");
/// RFC 5035 signingCertificateV2.
pub const ATTR_SIGNING_CERTIFICATE_V2: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.47");
