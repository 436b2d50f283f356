//! The citizen's keys as the cabinet's "My EDS keys" list shows them: each
//! key wherever it lives, its certificate's facts, what state it is in, and
//! what the citizen may do with it now. The rules are here, once, so that
//! the Android and iOS apps and the CLI show the same list.

use std::time::SystemTime;

use serde::Serialize;
use time::OffsetDateTime;

use crate::renewal::{RenewalState, Step, parse_location_name};
use crate::store::{KnownCertificate, Store, StoreError, StoredRenewal};
use qoltanba_pki::cert::{KzCertificate, Purpose};
use qoltanba_pki::reissue::StorageKind;

/// A certificate is "expiring" this many days before its end: the first
/// reminder's distance (reminders::DEFAULT_OFFSETS), so the list and the
/// reminders agree.
pub const EXPIRING_DAYS: i64 = 30;

/// One of the citizen's keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CitizenKey {
    /// The certificate's serial, upper-case hex: the key's name in every call.
    pub serial: String,
    pub purpose: Purpose,
    /// "SURNAME NAME PATRONYMIC".
    pub holder: String,
    pub iin: String,
    pub issuer: String,
    /// e.g. `GOST R 34.10-2015 (512)`, `RSA 2048`.
    pub algorithm: String,
    pub not_before: SystemTime,
    pub not_after: SystemTime,
    pub storage: StorageKind,
    /// Where the key lives, as the store records it (`file:/…`,
    /// `keystore:…`, `card:…`, `token:…`).
    pub location: String,
    pub status: KeyStatus,
    /// What the citizen may do with this key now, in the order to offer.
    pub actions: Vec<KeyAction>,
}

/// Where a key stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum KeyStatus {
    /// Valid for more than [`EXPIRING_DAYS`].
    Valid { days_left: i64 },
    /// Valid, ending within [`EXPIRING_DAYS`]: time to renew.
    Expiring { days_left: i64 },
    /// A renewal of this key is under way (resume it).
    Renewing { renewal_id: i64, step: Step },
    /// Replaced by a renewal; kept for the record.
    Replaced,
    /// Revoked: it signs nothing any more.
    Revoked,
    /// Past its end: it cannot be renewed online (the seed: a service
    /// centre or egov.kz issues new keys).
    Expired,
    /// Not valid yet (a clock far behind, or a certificate issued ahead).
    NotYetValid,
}

/// Something the citizen may do with a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum KeyAction {
    /// Renew it (the keys of the pair are renewed together).
    Renew,
    /// Continue the renewal under way.
    ResumeRenewal,
    /// Sign a document with it.
    SignDocument,
    /// Revoke it (log in with any valid AUTH key of the same IIN).
    Revoke,
    /// Change the key file's password.
    ChangePassword,
    /// Change the card's or token's PIN.
    ChangePin,
    /// Unblock the card's PIN with the PUK.
    UnblockPin,
}

/// The citizen's keys known to `store` at `now`: usable ones first (soonest
/// end first), then replaced, revoked and expired ones.
pub fn citizen_keys(store: &Store, now: OffsetDateTime) -> Result<Vec<CitizenKey>, StoreError> {
    let renewals = store.unfinished_renewals()?;
    let mut keys: Vec<CitizenKey> = store
        .certificates()?
        .iter()
        .filter_map(|known| CitizenKey::of(known, &renewals, now))
        .collect();
    keys.sort_by_key(|k| (!k.status.is_usable(), k.not_after));
    Ok(keys)
}

/// The keys a renewal of the key with certificate `serial` renews together,
/// among `keys` ([`citizen_keys`]): the key itself and, unless it both logs
/// in and signs, its partner: the same citizen's renewable key of the other
/// purpose in the same storage, the one whose end is nearest its own (the
/// pair NCA issued together). Card keys are the card's pair: the card home
/// finds them itself, so only the key is given. `None` when `serial` is not
/// among `keys` or cannot be renewed now.
pub fn renewal_set(keys: &[CitizenKey], serial: &str) -> Option<Vec<CitizenKey>> {
    let renewable = |k: &CitizenKey| k.actions.contains(&KeyAction::Renew);
    let key = keys
        .iter()
        .find(|k| k.serial.eq_ignore_ascii_case(serial) && renewable(k))?;
    let mut set = vec![key.clone()];
    let partner_purpose = match key.purpose {
        Purpose::Auth => Purpose::Sign,
        Purpose::Sign => Purpose::Auth,
        Purpose::Both | Purpose::Neither => return Some(set),
    };
    if key.storage == StorageKind::IdCard {
        return Some(set);
    }
    let distance = |k: &CitizenKey| {
        let (a, b) = (k.not_after, key.not_after);
        a.duration_since(b)
            .or_else(|_| b.duration_since(a))
            .unwrap_or_default()
    };
    if let Some(partner) = keys
        .iter()
        .filter(|k| {
            k.purpose == partner_purpose
                && k.iin == key.iin
                && k.storage == key.storage
                && renewable(k)
        })
        .min_by_key(|k| distance(k))
    {
        set.push(partner.clone());
    }
    Some(set)
}

impl CitizenKey {
    /// The key a stored certificate names, at `now`, given the renewals
    /// under way; `None` when the stored certificate no longer parses.
    pub fn of(
        known: &KnownCertificate,
        renewals: &[StoredRenewal],
        now: OffsetDateTime,
    ) -> Option<Self> {
        let cert = KzCertificate::from_der(&known.der).ok()?;
        let storage = parse_location_name(&known.location)
            .map(|(storage, _)| storage)
            .unwrap_or(StorageKind::File);
        let renewing = renewals
            .iter()
            .find(|r| !r.finished && renews(r, &known.serial))
            .map(|r| (r.id, Step::from_name(&r.step).unwrap_or(Step::Started)));
        let status = status(&cert, known, renewing, now);
        let holder = cert.holder();
        Some(Self {
            serial: known.serial.clone(),
            purpose: cert.purpose(),
            holder: holder.full_name().unwrap_or_default(),
            iin: holder.iin_digits(),
            issuer: cert.issuer_name(),
            algorithm: cert.key_algorithm().name(),
            not_before: cert.not_before().into(),
            not_after: cert.not_after().into(),
            storage,
            location: known.location.clone(),
            actions: actions(status, cert.purpose(), storage),
            status,
        })
    }

    /// Whether it can log in to the RA now (an AUTH key that is valid).
    pub fn can_log_in(&self) -> bool {
        self.purpose.can_auth() && self.status.is_usable()
    }
}

impl KeyStatus {
    /// Whether the key may sign now (valid, or being renewed while valid).
    pub fn is_usable(self) -> bool {
        matches!(
            self,
            Self::Valid { .. } | Self::Expiring { .. } | Self::Renewing { .. }
        )
    }
}

impl qoltanba_l10n::Localize for KeyStatus {
    /// `status-key-…`: what the list says under a key.
    fn text(&self) -> qoltanba_l10n::Text {
        use qoltanba_l10n::Text;
        match *self {
            Self::Valid { days_left } => Text::new("status-key-valid").arg("days", days_left),
            Self::Expiring { days_left } => Text::new("status-key-expiring").arg("days", days_left),
            Self::Renewing { renewal_id, step } => Text::new("status-key-renewing")
                .arg("renewal", renewal_id)
                .arg("step", step.text()),
            Self::Replaced => Text::new("status-key-replaced"),
            Self::Revoked => Text::new("status-key-revoked"),
            Self::Expired => Text::new("status-key-expired"),
            Self::NotYetValid => Text::new("status-key-not-yet-valid"),
        }
    }
}

impl qoltanba_l10n::Localize for KeyAction {
    /// `action-…`: the button's words.
    fn text(&self) -> qoltanba_l10n::Text {
        qoltanba_l10n::Text::new(match self {
            Self::Renew => "action-renew",
            Self::ResumeRenewal => "action-resume-renewal",
            Self::SignDocument => "action-sign-document",
            Self::Revoke => "action-revoke",
            Self::ChangePassword => "action-change-password",
            Self::ChangePin => "action-change-pin",
            Self::UnblockPin => "action-unblock-pin",
        })
    }
}

/// Whether `renewal` renews the key with certificate `serial`: the pair's
/// SIGN key it is stored under, or any other key it replaces (the AUTH key
/// of a pair is renewed together with it).
fn renews(renewal: &StoredRenewal, serial: &str) -> bool {
    renewal.key_serial == serial
        || serde_json::from_str::<RenewalState>(&renewal.state)
            .is_ok_and(|state| state.old_serials.iter().any(|s| s == serial))
}

fn status(
    cert: &KzCertificate,
    known: &KnownCertificate,
    renewing: Option<(i64, Step)>,
    now: OffsetDateTime,
) -> KeyStatus {
    if known.revoked {
        return KeyStatus::Revoked;
    }
    if known.replaced {
        return KeyStatus::Replaced;
    }
    if now < cert.not_before() {
        return KeyStatus::NotYetValid;
    }
    if now >= cert.not_after() {
        return KeyStatus::Expired;
    }
    if let Some((renewal_id, step)) = renewing {
        return KeyStatus::Renewing { renewal_id, step };
    }
    let days_left = cert.days_left(now);
    if days_left <= EXPIRING_DAYS {
        KeyStatus::Expiring { days_left }
    } else {
        KeyStatus::Valid { days_left }
    }
}

/// What a key in `status` allows. Renewing needs a valid key (the seed:
/// an expired or revoked key is reissued only at a service centre); PINs
/// belong to the card and tokens, passwords to key files.
fn actions(status: KeyStatus, purpose: Purpose, storage: StorageKind) -> Vec<KeyAction> {
    let mut actions = Vec::new();
    match status {
        KeyStatus::Valid { .. } | KeyStatus::Expiring { .. } => {
            actions.push(KeyAction::Renew);
            if purpose.can_sign() {
                actions.push(KeyAction::SignDocument);
            }
            actions.push(KeyAction::Revoke);
        }
        KeyStatus::Renewing { .. } => {
            actions.push(KeyAction::ResumeRenewal);
            if purpose.can_sign() {
                actions.push(KeyAction::SignDocument);
            }
            actions.push(KeyAction::Revoke);
        }
        KeyStatus::NotYetValid => actions.push(KeyAction::Revoke),
        KeyStatus::Replaced | KeyStatus::Revoked | KeyStatus::Expired => {}
    }
    if !matches!(status, KeyStatus::Revoked | KeyStatus::Replaced) {
        match storage {
            StorageKind::File => actions.push(KeyAction::ChangePassword),
            StorageKind::IdCard => actions.extend([KeyAction::ChangePin, KeyAction::UnblockPin]),
            StorageKind::Token => actions.push(KeyAction::ChangePin),
            StorageKind::PlatformKeystore => {}
        }
    }
    actions
}

#[cfg(test)]
mod tests {
    use super::*;
    use qoltanba_l10n::{Locale, Localize, has_message};

    #[test]
    fn every_status_and_action_has_its_words_in_three_languages() {
        let statuses = [
            KeyStatus::Valid { days_left: 200 },
            KeyStatus::Expiring { days_left: 3 },
            KeyStatus::Renewing {
                renewal_id: 1,
                step: Step::Submitted,
            },
            KeyStatus::Replaced,
            KeyStatus::Revoked,
            KeyStatus::Expired,
            KeyStatus::NotYetValid,
        ];
        let actions = [
            KeyAction::Renew,
            KeyAction::ResumeRenewal,
            KeyAction::SignDocument,
            KeyAction::Revoke,
            KeyAction::ChangePassword,
            KeyAction::ChangePin,
            KeyAction::UnblockPin,
        ];
        let texts = statuses
            .iter()
            .map(Localize::text)
            .chain(actions.iter().map(Localize::text));
        for text in texts {
            for locale in Locale::ALL {
                assert!(
                    has_message(locale, text.id()),
                    "{} in {locale:?}",
                    text.id()
                );
                let words = qoltanba_l10n::try_render(locale, &text)
                    .unwrap_or_else(|e| panic!("{} in {locale:?}: {e:?}", text.id()));
                assert!(!words.is_empty());
            }
        }
        // Russian plurals: 1 день, 2 дня, 5 дней.
        let ru =
            |days| qoltanba_l10n::render(Locale::Ru, &KeyStatus::Valid { days_left: days }.text());
        assert!(ru(1).contains("1 день"), "{}", ru(1));
        assert!(ru(2).contains("2 дня"), "{}", ru(2));
        assert!(ru(5).contains("5 дней"), "{}", ru(5));
    }

    #[test]
    fn what_each_status_allows() {
        let valid = KeyStatus::Valid { days_left: 200 };
        assert_eq!(
            actions(valid, Purpose::Sign, StorageKind::File),
            [
                KeyAction::Renew,
                KeyAction::SignDocument,
                KeyAction::Revoke,
                KeyAction::ChangePassword
            ]
        );
        // An AUTH key signs no documents; the card has PINs, not passwords.
        assert_eq!(
            actions(valid, Purpose::Auth, StorageKind::IdCard),
            [
                KeyAction::Renew,
                KeyAction::Revoke,
                KeyAction::ChangePin,
                KeyAction::UnblockPin
            ]
        );
        let renewing = KeyStatus::Renewing {
            renewal_id: 3,
            step: Step::Submitted,
        };
        assert!(
            actions(renewing, Purpose::Both, StorageKind::PlatformKeystore)
                .starts_with(&[KeyAction::ResumeRenewal])
        );
        // An expired file may still get a new password (to open it for old
        // documents); it cannot be renewed or revoked online.
        assert_eq!(
            actions(KeyStatus::Expired, Purpose::Both, StorageKind::File),
            [KeyAction::ChangePassword]
        );
        assert!(actions(KeyStatus::Revoked, Purpose::Both, StorageKind::IdCard).is_empty());
        assert!(actions(KeyStatus::Replaced, Purpose::Both, StorageKind::File).is_empty());
    }

    fn key(
        serial: &str,
        purpose: Purpose,
        iin: &str,
        storage: StorageKind,
        ends: u64,
    ) -> CitizenKey {
        let status = KeyStatus::Valid { days_left: 100 };
        CitizenKey {
            serial: serial.into(),
            purpose,
            holder: "TESTOV TEST".into(),
            iin: iin.into(),
            issuer: "test".into(),
            algorithm: "P-256".into(),
            not_before: SystemTime::UNIX_EPOCH,
            not_after: SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(ends),
            storage,
            location: format!("file:/{serial}"),
            status,
            actions: actions(status, purpose, storage),
        }
    }

    fn serials(set: Option<Vec<CitizenKey>>) -> Option<Vec<String>> {
        set.map(|keys| keys.into_iter().map(|k| k.serial).collect())
    }

    #[test]
    fn a_key_is_renewed_with_its_partner_of_the_same_citizen_and_storage() {
        let (a, b) = ("900101400001", "900101400002");
        let keys = [
            key("A1", Purpose::Auth, a, StorageKind::File, 1_000),
            key("S1", Purpose::Sign, a, StorageKind::File, 1_010),
            // An older pair of the same citizen, another citizen's key, the
            // same citizen's keystore key: none of them joins.
            key("S0", Purpose::Sign, a, StorageKind::File, 500),
            key("S2", Purpose::Sign, b, StorageKind::File, 1_000),
            key("SK", Purpose::Sign, a, StorageKind::PlatformKeystore, 1_000),
            key("G", Purpose::Both, a, StorageKind::File, 1_000),
            key("C", Purpose::Auth, a, StorageKind::IdCard, 1_000),
        ];
        assert_eq!(
            serials(renewal_set(&keys, "a1")),
            Some(vec!["A1".into(), "S1".into()])
        );
        assert_eq!(
            serials(renewal_set(&keys, "S0")),
            Some(vec!["S0".into(), "A1".into()])
        );
        assert_eq!(serials(renewal_set(&keys, "G")), Some(vec!["G".into()]));
        // The card's pair is the card home's business.
        assert_eq!(serials(renewal_set(&keys, "C")), Some(vec!["C".into()]));
        assert_eq!(serials(renewal_set(&keys, "S2")), Some(vec!["S2".into()]));
        assert_eq!(renewal_set(&keys, "nope"), None);
        let mut expired = key("X", Purpose::Auth, a, StorageKind::File, 1_000);
        expired.status = KeyStatus::Expired;
        expired.actions = actions(expired.status, expired.purpose, expired.storage);
        assert_eq!(
            renewal_set(&[expired], "X"),
            None,
            "an expired key renews nothing"
        );
    }
}
