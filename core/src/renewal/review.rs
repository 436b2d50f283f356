//! The review before signing: what the application will say, shown to the
//! citizen, who confirms it before any key is made or anything is signed
//! (the seed's cabinet shows the prefilled application the same way).
//!
//! The review is built from the current SIGN certificate (holder, IIN), the
//! citizen's entries (e-mail, locality), the key home (storage, algorithm)
//! and the RA's published policy (the validity it will issue for that
//! storage). Warnings are the core's, so every shell shows the same ones.

use serde::{Deserialize, Serialize};

use qoltanba_pki::cert::KzCertificate;
use qoltanba_pki::reissue::StorageKind;

/// What the citizen is asked to confirm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Review {
    /// "SURNAME NAME PATRONYMIC" as the certificate says.
    pub holder: String,
    /// The 12-digit IIN.
    pub iin: String,
    /// Where NCA and the RA write (the application's e-mail).
    pub email: String,
    pub locality: String,
    /// Where the new keys will live.
    pub storage: StorageKind,
    /// The new keys' algorithm, e.g. `gost2015-512`, `rsa2048`, `p256`.
    pub algorithm: String,
    /// How long the new certificates will be valid, as the RA publishes it
    /// for this storage; `None` when the RA did not say.
    pub validity_days: Option<u32>,
    /// The serials of the certificates this renewal replaces.
    pub replaces: Vec<String>,
    pub warnings: Vec<ReviewWarning>,
}

/// Something the citizen should know before confirming.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum ReviewWarning {
    /// Key files on a computer or phone storage are not protected media;
    /// the ID card, a token or the phone's keystore are.
    UnprotectedStorage,
    /// The e-mail differs from the one in the current certificate: notices
    /// and NCA's letters will go to the new one.
    EmailChanged,
    /// The current certificate ends within a week: finish the renewal now,
    /// an expired key cannot be renewed online.
    EndsSoon,
}

impl qoltanba_l10n::Localize for ReviewWarning {
    fn text(&self) -> qoltanba_l10n::Text {
        qoltanba_l10n::Text::new(match self {
            Self::UnprotectedStorage => "warning-unprotected-storage",
            Self::EmailChanged => "warning-email-changed",
            Self::EndsSoon => "warning-ends-soon",
        })
    }
}

/// A renewal is asked for confirmation within this many days of the end.
const ENDS_SOON_DAYS: i64 = 7;

impl Review {
    /// The review of renewing `current` (the SIGN certificate) into `storage`.
    #[allow(clippy::too_many_arguments)] // each is one line of the review
    pub fn of(
        current: &KzCertificate,
        email: &str,
        locality: &str,
        storage: StorageKind,
        algorithm: &str,
        validity_days: Option<u32>,
        replaces: Vec<String>,
        now: time::OffsetDateTime,
    ) -> Self {
        let holder = current.holder();
        let mut warnings = Vec::new();
        if storage == StorageKind::File {
            warnings.push(ReviewWarning::UnprotectedStorage);
        }
        if holder
            .email
            .as_deref()
            .is_some_and(|old| !old.eq_ignore_ascii_case(email))
        {
            warnings.push(ReviewWarning::EmailChanged);
        }
        if current.days_left(now) <= ENDS_SOON_DAYS {
            warnings.push(ReviewWarning::EndsSoon);
        }
        Self {
            holder: holder.full_name().unwrap_or_default(),
            iin: holder.iin_digits(),
            email: email.to_owned(),
            locality: locality.to_owned(),
            storage,
            algorithm: algorithm.to_owned(),
            validity_days,
            replaces,
            warnings,
        }
    }
}

/// The citizen's answer to a [`Review`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewAnswer {
    /// Go on: make the keys and sign the application.
    Confirm,
    /// Do not renew: the renewal ends (nothing was made or signed).
    Decline,
    /// Not now: the renewal pauses at its start with the review
    /// ([`Outcome::NeedReview`](super::Outcome::NeedReview)); the shell
    /// shows it and resumes with the answer.
    Later,
}
