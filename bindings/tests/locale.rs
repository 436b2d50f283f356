//! `set_locale` is process-wide, so its test runs in a process of its own.

use qoltanba_card::CardError;
use qoltanba_ffi::{QoltanbaError, current_locale, set_locale};

#[test]
fn set_locale_changes_every_detail_and_defaults_to_english() {
    let words = |e: CardError| {
        let e: QoltanbaError = e.into();
        assert_eq!(e.code(), "wrong_pin");
        e.to_string()
    };
    let pin = || CardError::WrongPin { tries_left: 2 };
    assert_eq!(current_locale(), "en");
    assert_eq!(words(pin()), "wrong PIN; 2 tries left");
    set_locale("ru-KZ".into());
    assert_eq!(current_locale(), "ru");
    assert_eq!(words(pin()), "неверный PIN-код; осталось 2 попытки");
    set_locale("kk_KZ.UTF-8".into());
    assert_eq!(words(pin()), "PIN-код қате; 2 әрекет қалды");
    set_locale("de-DE".into());
    assert_eq!(current_locale(), "en");
    assert_eq!(words(pin()), "wrong PIN; 2 tries left");
}
