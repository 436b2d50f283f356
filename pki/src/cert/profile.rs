//! What a certificate's key may be used for, in NCA's terms.

use der::asn1::ObjectIdentifier;
use serde::Serialize;
use x509_cert::ext::pkix::KeyUsage;

use crate::oid;

/// AUTH (log in), SIGN (sign documents) or both, as the cabinet shows a key.
///
/// NCA marks signing keys with nonRepudiation and login keys with
/// keyEncipherment (RSA) or keyAgreement (GOST 2015, one key for both).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum), uniffi(name = "KeyPurpose"))]
pub enum Purpose {
    /// Login (AUTH).
    Auth,
    /// Signing documents (SIGN).
    Sign,
    /// Both (NCA's GOST 2015 keys).
    Both,
    /// Neither: a CA certificate, or a key usage NCA does not issue.
    Neither,
}

impl Purpose {
    /// Derive the purpose from key usage and the extended key usage OIDs.
    /// An absent key usage extension restricts nothing (RFC 5280 4.2.1.3).
    pub fn from_usage(key_usage: Option<&KeyUsage>, eku: &[ObjectIdentifier]) -> Self {
        let Some(ku) = key_usage else {
            return Purpose::Both;
        };
        let sign = ku.non_repudiation();
        let auth = ku.digital_signature()
            && (ku.key_encipherment()
                || ku.key_agreement()
                || eku.contains(&oid::KP_CLIENT_AUTH)
                || !ku.non_repudiation());
        match (auth, sign) {
            (true, true) => Purpose::Both,
            (true, false) => Purpose::Auth,
            (false, true) => Purpose::Sign,
            (false, false) => Purpose::Neither,
        }
    }

    pub fn can_auth(self) -> bool {
        matches!(self, Purpose::Auth | Purpose::Both)
    }

    pub fn can_sign(self) -> bool {
        matches!(self, Purpose::Sign | Purpose::Both)
    }

    /// The lowercase token that the wire protocol, the databases, key
    /// locations and aliases use, as serde writes it: `auth`, `sign`,
    /// `both`, `neither`.
    pub fn token(self) -> &'static str {
        match self {
            Purpose::Auth => "auth",
            Purpose::Sign => "sign",
            Purpose::Both => "both",
            Purpose::Neither => "neither",
        }
    }

    /// The purpose a [`token`](Self::token) names; `None` for anything
    /// else, so each caller says in its own words what was wrong.
    pub fn from_token(token: &str) -> Option<Self> {
        match token {
            "auth" => Some(Purpose::Auth),
            "sign" => Some(Purpose::Sign),
            "both" => Some(Purpose::Both),
            "neither" => Some(Purpose::Neither),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Purpose::Auth => "AUTH",
            Purpose::Sign => "SIGN",
            Purpose::Both => "AUTH+SIGN",
            Purpose::Neither => "none",
        }
    }
}

impl std::fmt::Display for Purpose {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A role NCA records in the extended key usage.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Role {
    Individual,
    Organisation,
    Ceo,
    MaySign,
    Finance,
    HumanResources,
    Employee,
    NcaStaff,
    IdentifiedInPerson,
    IdentifiedRemotely,
    IdentifiedViaDigitalId,
    /// Another role under 1.2.398.3.3.4.
    Other(ObjectIdentifier),
}

impl Role {
    /// The role named by an EKU OID, if it is one of NCA's role OIDs.
    pub fn from_oid(o: &ObjectIdentifier) -> Option<Self> {
        Some(match *o {
            oid::KZ_ROLE_INDIVIDUAL => Role::Individual,
            oid::KZ_ROLE_ORGANISATION => Role::Organisation,
            oid::KZ_ROLE_CEO => Role::Ceo,
            oid::KZ_ROLE_MAY_SIGN => Role::MaySign,
            oid::KZ_ROLE_FINANCE => Role::Finance,
            oid::KZ_ROLE_HR => Role::HumanResources,
            oid::KZ_ROLE_EMPLOYEE => Role::Employee,
            oid::KZ_ROLE_IDENTIFIED_IN_PERSON => Role::IdentifiedInPerson,
            oid::KZ_ROLE_IDENTIFIED_REMOTELY => Role::IdentifiedRemotely,
            oid::KZ_ROLE_IDENTIFIED_DIGITAL_ID => Role::IdentifiedViaDigitalId,
            other if other.to_string().starts_with("1.2.398.3.3.4.2") => Role::NcaStaff,
            other if other.to_string().starts_with("1.2.398.3.3.4.") => Role::Other(other),
            _ => return None,
        })
    }

    pub fn name(&self) -> String {
        match self {
            Role::Individual => "individual".into(),
            Role::Organisation => "organisation".into(),
            Role::Ceo => "ceo".into(),
            Role::MaySign => "may-sign".into(),
            Role::Finance => "finance".into(),
            Role::HumanResources => "hr".into(),
            Role::Employee => "employee".into(),
            Role::NcaStaff => "nca-staff".into(),
            Role::IdentifiedInPerson => "identified-in-person".into(),
            Role::IdentifiedRemotely => "identified-remotely".into(),
            Role::IdentifiedViaDigitalId => "identified-via-digital-id".into(),
            Role::Other(o) => o.to_string(),
        }
    }
}

impl Serialize for Role {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.name())
    }
}

impl qoltanba_l10n::Localize for Purpose {
    /// What the key is for, in words (`purpose-sign`: "signing"); CA
    /// certificates and unknown usages are just "EDS".
    fn text(&self) -> qoltanba_l10n::Text {
        qoltanba_l10n::Text::new(match self {
            Purpose::Auth => "purpose-auth",
            Purpose::Sign => "purpose-sign",
            Purpose::Both => "purpose-both",
            Purpose::Neither => "purpose-other",
        })
    }
}
