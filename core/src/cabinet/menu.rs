//! The cabinet's menu as the apps draw it: the seed's "My EDS keys" page
//! split into the sections a phone shows one screen each, in order, and
//! whether each can do anything for this citizen now. The Android and iOS
//! apps draw exactly these entries (no rule of their own about which to
//! offer), so they and the CLI agree.

use serde::Serialize;

use super::keys::{CitizenKey, KeyAction};

/// One section of the cabinet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum MenuItem {
    /// The citizen's keys with their status ([`super::Cabinet::keys`]).
    Keys,
    /// Re-issuance: the renewal with its review, code, progress and result.
    Renew,
    /// The applications the RA holds for this IIN (after a login).
    Applications,
    /// Revoking a certificate with a reason.
    Revoke,
    /// Key-file passwords, the card's and tokens' PINs, unblocking the PIN.
    Credentials,
    /// Signing documents and checking signed ones.
    Documents,
    /// Language, notices, this device's push registration.
    Settings,
}

/// A menu entry: the section, and whether it has anything to offer now.
/// A disabled entry is still drawn (greyed), so the citizen learns it exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct MenuEntry {
    pub item: MenuItem,
    pub enabled: bool,
}

/// The menu for a citizen with `keys` ([`super::keys::citizen_keys`]), in
/// the order to draw it.
///
/// Renewing, revoking and the RA's applications need a key that allows
/// them now; the other sections are always open: the ID card's PIN can be
/// managed and a signed document checked before this device knows any key,
/// and settings are settings.
pub fn menu(keys: &[CitizenKey]) -> Vec<MenuEntry> {
    let any = |wanted: &[KeyAction]| {
        keys.iter()
            .any(|k| k.actions.iter().any(|a| wanted.contains(a)))
    };
    [
        (MenuItem::Keys, true),
        (
            MenuItem::Renew,
            any(&[KeyAction::Renew, KeyAction::ResumeRenewal]),
        ),
        (
            MenuItem::Applications,
            keys.iter().any(CitizenKey::can_log_in),
        ),
        (MenuItem::Revoke, any(&[KeyAction::Revoke])),
        (MenuItem::Credentials, true),
        (MenuItem::Documents, true),
        (MenuItem::Settings, true),
    ]
    .into_iter()
    .map(|(item, enabled)| MenuEntry { item, enabled })
    .collect()
}

impl qoltanba_l10n::Localize for MenuItem {
    /// `menu-…`: the section's title.
    fn text(&self) -> qoltanba_l10n::Text {
        qoltanba_l10n::Text::new(match self {
            Self::Keys => "menu-keys",
            Self::Renew => "menu-renew",
            Self::Applications => "menu-applications",
            Self::Revoke => "menu-revoke",
            Self::Credentials => "menu-credentials",
            Self::Documents => "menu-documents",
            Self::Settings => "menu-settings",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cabinet::KeyStatus;
    use qoltanba_l10n::{Locale, Localize, has_message};
    use qoltanba_pki::cert::Purpose;
    use qoltanba_pki::reissue::StorageKind;
    use std::time::SystemTime;

    fn key(purpose: Purpose, status: KeyStatus, actions: Vec<KeyAction>) -> CitizenKey {
        CitizenKey {
            serial: "01".into(),
            purpose,
            holder: "TESTOV TEST".into(),
            iin: "123456789012".into(),
            issuer: "test".into(),
            algorithm: "P-256".into(),
            not_before: SystemTime::UNIX_EPOCH,
            not_after: SystemTime::UNIX_EPOCH,
            storage: StorageKind::File,
            location: "file:/k".into(),
            status,
            actions,
        }
    }

    fn enabled(entries: &[MenuEntry]) -> Vec<MenuItem> {
        entries
            .iter()
            .filter(|e| e.enabled)
            .map(|e| e.item)
            .collect()
    }

    #[test]
    fn without_keys_only_the_sections_that_need_none_are_open() {
        let entries = menu(&[]);
        assert_eq!(entries.len(), 7, "every section is drawn");
        assert_eq!(
            enabled(&entries),
            [
                MenuItem::Keys,
                MenuItem::Credentials,
                MenuItem::Documents,
                MenuItem::Settings
            ]
        );
    }

    #[test]
    fn a_valid_auth_key_opens_renewal_revocation_and_the_applications() {
        let auth = key(
            Purpose::Auth,
            KeyStatus::Valid { days_left: 100 },
            vec![KeyAction::Renew, KeyAction::Revoke],
        );
        assert_eq!(enabled(&menu(&[auth])).len(), 7);
    }

    #[test]
    fn an_expired_key_opens_nothing_more() {
        let expired = key(
            Purpose::Auth,
            KeyStatus::Expired,
            vec![KeyAction::ChangePassword],
        );
        let entries = menu(&[expired]);
        assert_eq!(enabled(&entries), enabled(&menu(&[])));
    }

    #[test]
    fn a_renewal_under_way_keeps_the_renew_section_open() {
        let renewing = key(
            Purpose::Sign,
            KeyStatus::Renewing {
                renewal_id: 3,
                step: crate::renewal::Step::Submitted,
            },
            vec![KeyAction::ResumeRenewal],
        );
        let entries = menu(&[renewing]);
        assert!(entries.contains(&MenuEntry {
            item: MenuItem::Renew,
            enabled: true
        }));
        // A SIGN key cannot log in: no applications without an AUTH key.
        assert!(entries.contains(&MenuEntry {
            item: MenuItem::Applications,
            enabled: false
        }));
    }

    #[test]
    fn every_section_has_its_title_in_three_languages() {
        for entry in menu(&[]) {
            for locale in Locale::ALL {
                assert!(
                    has_message(locale, entry.item.text().id()),
                    "{:?} has no title in {locale:?}",
                    entry.item
                );
            }
        }
    }
}
