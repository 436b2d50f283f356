//! RFC 5280 CRLReason: what a revocation request names (by its RFC name)
//! and what a CRL entry records (by its code).

use der::Enumerated;

/// RFC 5280 CRLReason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enumerated)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[repr(u8)]
pub enum RevocationReason {
    Unspecified = 0,
    KeyCompromise = 1,
    CaCompromise = 2,
    AffiliationChanged = 3,
    Superseded = 4,
    CessationOfOperation = 5,
    CertificateHold = 6,
    RemoveFromCrl = 8,
    PrivilegeWithdrawn = 9,
    AaCompromise = 10,
}

const ALL: [(RevocationReason, &str); 10] = [
    (RevocationReason::Unspecified, "unspecified"),
    (RevocationReason::KeyCompromise, "keyCompromise"),
    (RevocationReason::CaCompromise, "cACompromise"),
    (RevocationReason::AffiliationChanged, "affiliationChanged"),
    (RevocationReason::Superseded, "superseded"),
    (
        RevocationReason::CessationOfOperation,
        "cessationOfOperation",
    ),
    (RevocationReason::CertificateHold, "certificateHold"),
    (RevocationReason::RemoveFromCrl, "removeFromCRL"),
    (RevocationReason::PrivilegeWithdrawn, "privilegeWithdrawn"),
    (RevocationReason::AaCompromise, "aACompromise"),
];

impl RevocationReason {
    pub fn from_code(code: u8) -> Option<Self> {
        ALL.iter().find(|(r, _)| *r as u8 == code).map(|(r, _)| *r)
    }

    pub fn code(self) -> u8 {
        self as u8
    }

    /// From the RFC's camelCase name (case-insensitive).
    pub fn from_name(name: &str) -> Option<Self> {
        ALL.iter()
            .find(|(_, n)| n.eq_ignore_ascii_case(name))
            .map(|(r, _)| *r)
    }

    pub fn name(self) -> &'static str {
        ALL.iter()
            .find(|(r, _)| *r == self)
            .map(|(_, n)| *n)
            .unwrap_or("unspecified")
    }
}

impl RevocationReason {
    /// The reasons a citizen chooses from when revoking their own
    /// certificate (the others are a CA's).
    pub const CITIZEN: [Self; 4] = [
        Self::KeyCompromise,
        Self::AffiliationChanged,
        Self::Superseded,
        Self::CessationOfOperation,
    ];
}

impl qoltanba_l10n::Localize for RevocationReason {
    /// `reason-…`: the reason as the citizen picks it from a list.
    fn text(&self) -> qoltanba_l10n::Text {
        qoltanba_l10n::Text::new(match self {
            Self::Unspecified => "reason-unspecified",
            Self::KeyCompromise => "reason-key-compromise",
            Self::CaCompromise => "reason-ca-compromise",
            Self::AffiliationChanged => "reason-affiliation-changed",
            Self::Superseded => "reason-superseded",
            Self::CessationOfOperation => "reason-cessation-of-operation",
            Self::CertificateHold => "reason-certificate-hold",
            Self::RemoveFromCrl => "reason-remove-from-crl",
            Self::PrivilegeWithdrawn => "reason-privilege-withdrawn",
            Self::AaCompromise => "reason-aa-compromise",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_has_its_words_in_three_languages() {
        use qoltanba_l10n::{Locale, Localize, has_message};
        for (reason, _) in ALL {
            for locale in Locale::ALL {
                assert!(
                    has_message(locale, reason.text().id()),
                    "{reason:?} in {locale:?}"
                );
            }
        }
    }

    #[test]
    fn reasons_round_trip() {
        for (reason, name) in ALL {
            assert_eq!(RevocationReason::from_code(reason.code()), Some(reason));
            assert_eq!(RevocationReason::from_name(name), Some(reason));
            assert_eq!(reason.name(), name);
        }
        assert_eq!(RevocationReason::from_code(7), None);
        assert_eq!(RevocationReason::from_name("stolen"), None);
    }
}
